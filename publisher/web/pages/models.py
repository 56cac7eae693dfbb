"""From query answers to page models: frozen dataclasses that templates only render.

Every RDF term a page shows becomes a :class:`Term` here, in one function, so linking rules live in one
place: in-namespace IRIs link to where the namespace is served, outside ``http(s)`` IRIs link out, any
other scheme (``javascript:``, ``data:``...) is shown as text, never as a link. Templates never see a
``Graph``, so they cannot call into RDF, and pages can be tested without HTTP.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlencode

from rdflib import RDF, XSD, BNode, Literal, URIRef
from rdflib.term import Node

from publisher.settings import ONTOLOGY_IRI
from publisher.web.pages.describe import Description, Group, Statement, Window, article_of
from publisher.web.site.labels import FOAF, LABEL_PREDICATES, LABEL_RANK, SDO, best_label, fallback_label
from publisher.web.site.urls import uri

IMAGE_PREDICATES = frozenset({SDO.image, SDO.contentUrl, SDO.thumbnailUrl, SDO.logo, FOAF.depiction})
IMAGE_TYPES = frozenset({SDO.ImageObject})
WEB_SCHEMES = ("http://", "https://")
SHARED_DATA = "shared entity data"
# How a context row is indexed, by predicate (a dict finds it by hash; ``==`` on rdflib terms runs in Python).
CONTEXT_KIND: Mapping[Node, str] = {RDF.type: "type", SDO.contentUrl: "content_url"}


@dataclass(frozen=True)
class Term:
    """One RDF term as shown: rendered by the single ``term`` macro in ``_macros.html``."""

    label: str
    iri: str | None = None  # the full IRI, shown as a tooltip and copyable
    href: str | None = None
    external: bool = False
    lang: str | None = None
    datatype: Term | None = None
    image: str | None = None  # an http(s) URL to show with <img>


@dataclass(frozen=True)
class Value:
    term: Term
    sources: tuple[Term, ...]  # who states it, when not the section's usual sources (else empty)


@dataclass(frozen=True)
class Property:
    """One predicate's values (one window of them) in one direction."""

    predicate: Term
    direction: str
    values: tuple[Value, ...]
    total: int  # statements (a value stated by two articles counts twice)
    first: int  # 1-based positions of the statements shown
    last: int
    next_href: str | None
    prev_href: str | None


@dataclass(frozen=True)
class Section:
    """One subject of a document: the entity itself, or one of its hash IRIs (``#anchor``)."""

    iri: str
    anchor: str | None
    label: str
    types: tuple[Term, ...]
    image: str | None
    sources: tuple[Term, ...]  # who states most of the facts shown; values only name theirs if different
    outgoing: tuple[Property, ...]
    incoming: tuple[Property, ...]


@dataclass(frozen=True)
class Alternate:
    label: str
    href: str
    media_type: str


@dataclass(frozen=True)
class EntityPage:
    iri: str
    label: str
    sections: tuple[Section, ...]
    alternates: tuple[Alternate, ...]
    json_ld: str  # already safe to place inside <script> (no "</", "<", ">", "&")
    focused: bool  # showing one property's values only (a "more" link was followed)


class TermMemo(Protocol):
    """Where a :class:`Naming` may keep the terms it made for later pages (``publisher.memo.BoundedMemo``)."""

    def get(self, key: tuple[str, Node, bool]) -> Term | None: ...

    def put(self, key: tuple[str, Node, bool], value: Term) -> None: ...


@dataclass(frozen=True)
class Naming:
    """What turning IRIs into labelled links needs: where the namespace is served, and the context.

    ``context`` holds each term's context rows (labels, types, image URLs); a term's label, types and
    image are worked out from them only when the term is shown. ``shared`` keeps the terms made across
    pages: a term is a function of its IRI's context rows, which the build fixes, and of the web base,
    so a hub page's 550 terms need not be labelled and linked again on the next page that shows them.
    Only IRIs with context rows here are shared, and their rows must be all the build has for them (as
    ``describe`` fetches them): an IRI named without its context (a datatype, a graph) is made afresh,
    so the label it lacks here is never kept for a page that has it."""

    namespace: str
    web_base: str
    context: Mapping[Node, Sequence[tuple[Node, Node]]]
    shared: TermMemo | None = field(default=None, compare=False)
    # Made for this page, by (IRI, shown as an image?) and by stating graph: a page names the same
    # articles many times. Never compared or shown; a Naming lives for one page.
    _terms: dict[tuple[Node, bool], Term] = field(default_factory=dict, init=False, repr=False, compare=False)
    _sources: dict[URIRef, Term] = field(default_factory=dict, init=False, repr=False, compare=False)
    _labels: dict[Node, str | None] = field(default_factory=dict, init=False, repr=False, compare=False)

    @classmethod
    def from_context(
        cls,
        namespace: str,
        web_base: str,
        context: Iterable[tuple[Node, Node, Node]],
        shared: TermMemo | None = None,
    ) -> Naming:
        """Index context triples (labels, types, image URLs) by subject."""
        rows: dict[Node, list[tuple[Node, Node]]] = defaultdict(list)
        for s, p, o in context:
            rows[s].append((p, o))
        return cls(namespace, web_base, rows, shared)

    def label(self, node: Node) -> str:
        if node not in self._labels:
            self._labels[node] = best_label(self.context.get(node, ()))  # type: ignore[arg-type]
        if (label := self._labels[node]) is not None:
            return label
        return fallback_label(str(node)) if isinstance(node, URIRef) else str(node)

    def types(self, node: Node) -> frozenset[Node]:
        return frozenset(o for p, o in self.context.get(node, ()) if CONTEXT_KIND.get(p) == "type")

    def content_url(self, node: Node) -> str | None:
        return next(
            (str(o) for p, o in self.context.get(node, ()) if CONTEXT_KIND.get(p) == "content_url"), None
        )

    def href(self, iri: str) -> tuple[str | None, bool]:
        """(link target, is external) for an IRI: local for the namespace, out for http(s), else none."""
        if iri == ONTOLOGY_IRI or iri.startswith(
            ONTOLOGY_IRI + "#"
        ):  # served at /ontology, whatever the namespace
            return self.web_base + "ontology" + uri(iri[len(ONTOLOGY_IRI) :]), False
        if iri.startswith(self.namespace) and len(iri) > len(self.namespace):
            return self.web_base + uri(iri[len(self.namespace) :]), False
        return (uri(iri), True) if iri.startswith(WEB_SCHEMES) else (None, False)

    def term(self, node: Node, predicate: Node | None = None) -> Term:
        """The one way a node becomes a :class:`Term` (``predicate`` decides whether it is an image)."""
        if not isinstance(node, URIRef):
            return self._term(node, predicate)
        key = (node, predicate in IMAGE_PREDICATES)
        made = self._terms.get(key)
        if made is None:
            shared = self.shared if node in self.context else None  # see the class docstring
            made = shared.get((self.web_base, *key)) if shared is not None else None
            if made is None:
                made = self._term(node, predicate)
                if shared is not None:
                    shared.put((self.web_base, *key), made)
            self._terms[key] = made
        return made

    def _term(self, node: Node, predicate: Node | None) -> Term:
        if isinstance(node, Literal):
            return self.literal(node, predicate)
        if isinstance(node, BNode):
            return Term(label="(anonymous node)")
        href, external = self.href(str(node))
        return Term(self.label(node), str(node), href, external, image=self.image_of(node, predicate))

    def literal(self, literal: Literal, predicate: Node | None = None) -> Term:
        datatype = literal.datatype
        shown = None if datatype in (None, XSD.string) else self.term(datatype)
        image = (
            str(literal) if predicate in IMAGE_PREDICATES and str(literal).startswith(WEB_SCHEMES) else None
        )
        return Term(str(literal), lang=literal.language, datatype=shown, image=image and uri(image))

    def image_of(self, node: Node, predicate: Node | None = None) -> str | None:
        """An http(s) image URL for ``node``: the node itself when it is an image, or its contentUrl."""
        content_url = self.content_url(node)
        if content_url is not None and content_url.startswith(WEB_SCHEMES):
            return uri(content_url)
        is_image = predicate in IMAGE_PREDICATES or bool(self.types(node) & IMAGE_TYPES)
        return uri(str(node)) if is_image and str(node).startswith(WEB_SCHEMES) else None

    def source(self, graph: URIRef) -> Term:
        """Who states a fact: the article of an article graph, or the shared entity data."""
        made = self._sources.get(graph)
        if made is None:
            made = self._sources[graph] = self._source(graph)
        return made

    def _source(self, graph: URIRef) -> Term:
        if str(graph).startswith(f"{self.namespace}graph/entities/"):  # graphs are IRIs: compare their text
            return Term(SHARED_DATA)
        article = article_of(graph, self.namespace)
        return self.term(article) if article is not None else self.term(graph)


def entity_page(
    description: Description, naming: Naming, alternates: tuple[Alternate, ...], json_ld: str
) -> EntityPage:
    """The page model of a description: one section per subject (the entity first, then hash IRIs)."""
    sections = tuple(section(description, subject, naming) for subject in description.subjects)
    label = naming.label(description.iri)
    return EntityPage(
        str(description.iri), label, sections, alternates, json_ld, description.window.focus is not None
    )


def section(description: Description, subject: URIRef, naming: Naming) -> Section:
    groups = [g for g in description.groups if g.subject is subject or g.subject == subject]
    by_group: dict[Group, list[Statement]] = defaultdict(list)
    for statement in description.statements:
        if (
            statement.group.subject is subject or statement.group.subject == subject
        ):  # `is`: skip rdflib's __eq__
            by_group[statement.group].append(statement)
    usual = _usual_graphs(by_group.values())
    type_group = _type_group(groups)
    types = tuple(naming.term(s.value) for s in (by_group.get(type_group, []) if type_group else []))
    shown = [g for g in groups if not (g.direction == "out" and g.predicate == RDF.type)]
    properties = [
        prop(g, by_group.get(g, []), description.window, naming, usual) for g in _ordered(shown, naming)
    ]
    iri = str(subject)
    return Section(
        iri=iri,
        anchor=iri[len(str(description.iri)) + 1 :] if subject != description.iri else None,
        label=naming.label(subject),
        types=types,
        image=naming.image_of(subject) or _first_image(properties),
        sources=tuple(naming.source(g) for g in usual),
        outgoing=tuple(p for p in properties if p.direction == "out" and p.values),
        incoming=tuple(p for p in properties if p.direction == "in" and p.values),
    )


def prop(
    group: Group, statements: list[Statement], window: Window, naming: Naming, usual: tuple[URIRef, ...] = ()
) -> Property:
    """A property's window of values (sorted by what they show) with links to the neighbouring windows."""
    values = sorted(
        (
            Value(
                naming.term(s.value, group.predicate),
                tuple(naming.source(g) for g in s.graphs if s.graphs != usual),
            )
            for s in statements
        ),
        key=lambda value: value.term.label.lower(),
    )
    return Property(
        predicate=naming.term(group.predicate),
        direction=group.direction,
        values=tuple(values),
        total=group.total,
        first=window.offset + 1,
        last=min(window.offset + window.size, group.total),
        next_href=page_href(group, window.page + 1) if window.offset + window.size < group.total else None,
        prev_href=page_href(group, window.page - 1) if window.page > 1 else None,
    )


def page_href(group: Group, page: int) -> str:
    """A link (relative to the document) to one page of one property's values."""
    return "?" + urlencode({"direction": group.direction, "property": str(group.predicate), "page": page})


def _usual_graphs(statement_lists: Iterable[list[Statement]]) -> tuple[URIRef, ...]:
    """The set of stating graphs most facts share: named once per section instead of on every value."""
    counts = Counter(s.graphs for statements in statement_lists for s in statements)
    return counts.most_common(1)[0][0] if counts else ()


def _first_image(properties: list[Property]) -> str | None:
    return next(
        (v.term.image for p in properties if p.direction == "out" for v in p.values if v.term.image), None
    )


def _type_group(groups: list[Group]) -> Group | None:
    return next((g for g in groups if g.direction == "out" and g.predicate == RDF.type), None)


def _ordered(groups: list[Group], naming: Naming) -> list[Group]:
    """Labels first (in precedence order), then the rest by their shown name."""

    def key(group: Group) -> tuple[int, str]:
        rank = LABEL_RANK.get(group.predicate, len(LABEL_PREDICATES))
        return (rank, naming.label(group.predicate).lower())

    return sorted(groups, key=key)
