"""How an RDF term is shown: :class:`Term`, made in one place (:class:`Naming`) and rendered by one macro.

Linking rules live here: in-namespace IRIs link to where the namespace is served, ontology terms to the
ontology page, outside ``http(s)`` IRIs link out, any other scheme (``javascript:``, ``data:``...) is shown as
text, never as a link. Labels follow the reader's language chain (``site/languages.py``). Literals are
shown as people read them: a date at its precision, a text without its language tag; the raw form (tag,
datatype, lexical value) stays in a tooltip and in the data views. Images are never embedded from another
site (hot-linking, mixed content, hosts that vanish): an image is a link to the original, named by its
caption, or by its position and host.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlsplit

from rdflib import RDF, XSD, BNode, Literal, URIRef
from rdflib.term import Node

from publisher.settings import ONTOLOGY_IRI
from publisher.web.pages.describe import article_of
from publisher.web.site.dates import human_date
from publisher.web.site.labels import FOAF, SDO, best_label, compact, fallback_label, other_names
from publisher.web.site.languages import ENGLISH, Languages
from publisher.web.site.urls import uri

IMAGE_PREDICATES = frozenset({SDO.image, SDO.contentUrl, SDO.thumbnailUrl, SDO.logo, FOAF.depiction})
WEB_SCHEMES = ("http://", "https://")
SHARED_DATA = "shared entity data"
# How a context row is indexed, by predicate (a dict finds it by hash; ``==`` on rdflib terms runs in Python).
CONTEXT_KIND: Mapping[Node, str] = {
    RDF.type: "type",
    SDO.contentUrl: "content_url",
    SDO.caption: "caption",
    SDO.position: "position",
    SDO.url: "url",
}


@dataclass(frozen=True)
class Term:
    """One RDF term as shown: rendered by the single ``term`` macro in ``_macros.html``."""

    label: str
    iri: str | None = None  # the full IRI, shown as a tooltip and copyable
    href: str | None = None
    external: bool = False
    lang: str | None = None  # the label's language, for a lang attribute
    tooltip: str | None = None  # a literal's raw form: its datatype or language tag
    machine: str | None = None  # a date's ISO 8601 form, for <time datetime>


class TermMemo(Protocol):
    """Where a :class:`Naming` may keep the terms it made for later pages (``publisher.memo.BoundedMemo``)."""

    def get(self, key: tuple[str, Languages, Node, bool]) -> Term | None: ...

    def put(self, key: tuple[str, Languages, Node, bool], value: Term) -> None: ...


@dataclass(frozen=True)
class Naming:
    """What turning IRIs into labelled links needs: where the namespace is served, the context, the reader's
    languages.

    ``context`` holds each term's context rows (labels, types, image URLs and captions); a term's label is
    worked out from them only when the term is shown. ``shared`` keeps the terms made across pages: a term
    is a function of its IRI's context rows, which the build fixes, of the web base and of the languages,
    so a hub page's 550 terms need not be labelled and linked again on the next page that shows them.
    Only IRIs with context rows here are shared, and their rows must be all the build has for them (as
    ``context()`` fetches them): an IRI named without its context (a datatype, a graph) is made afresh,
    so the label it lacks here is never kept for a page that has it."""

    namespace: str
    web_base: str
    context: Mapping[Node, Sequence[tuple[Node, Node]]]
    shared: TermMemo | None = field(default=None, compare=False)
    languages: Languages = ENGLISH
    # Made for this page, by (IRI, shown as an image?) and by stating graph. A Naming lives for one page.
    _terms: dict[tuple[Node, bool], Term] = field(default_factory=dict, init=False, repr=False, compare=False)
    _sources: dict[URIRef, Term] = field(default_factory=dict, init=False, repr=False, compare=False)

    @classmethod
    def from_context(
        cls,
        namespace: str,
        web_base: str,
        context: Iterable[tuple[Node, Node, Node]],
        shared: TermMemo | None = None,
        languages: Languages = ENGLISH,
    ) -> Naming:
        """Index context triples (labels, types, image URLs) by subject."""
        rows: dict[Node, list[tuple[Node, Node]]] = defaultdict(list)
        for s, p, o in context:
            rows[s].append((p, o))
        return cls(namespace, web_base, rows, shared, languages)

    def chosen(self, node: Node) -> Literal | None:
        """The label the reader's languages pick, or None when the thing has none."""
        return best_label(self.context.get(node, ()), self.languages)  # type: ignore[arg-type]

    def label(self, node: Node) -> str:
        chosen = self.chosen(node)
        if chosen is not None:
            return str(chosen)
        addresses = sorted(str(url) for url in self._rows(node, "url"))
        if addresses:  # an untitled page: named by where it was read
            parts = urlsplit(addresses[0])
            return f"Untitled, at {parts.hostname or ''}{parts.path}"
        return fallback_label(str(node)) if isinstance(node, URIRef) else str(node)

    def names_beside(self, node: Node) -> tuple[Term, ...]:
        """The thing's names in other languages than the one shown (an original beside a translation)."""
        chosen = self.chosen(node)
        if chosen is None:
            return ()
        pairs = self.context.get(node, ())
        return tuple(self.literal(name) for name in other_names(pairs, chosen))  # type: ignore[arg-type]

    def types(self, node: Node) -> frozenset[Node]:
        return frozenset(self._rows(node, "type"))

    def _rows(self, node: Node, kind: str) -> list[Node]:
        return [o for p, o in self.context.get(node, ()) if CONTEXT_KIND.get(p) == kind]

    def href(self, iri: str) -> tuple[str | None, bool]:
        """(link target, is external) for an IRI: local for the namespace, out for http(s), else none."""
        if iri == ONTOLOGY_IRI or iri.startswith(ONTOLOGY_IRI + "#"):  # at /ontology, whatever the namespace
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
            memo_key = (self.web_base, self.languages, *key)
            made = shared.get(memo_key) if shared is not None else None
            if made is None:
                made = self._term(node, predicate)
                if shared is not None:
                    shared.put(memo_key, made)
            self._terms[key] = made
        return made

    def _term(self, node: Node, predicate: Node | None) -> Term:
        if isinstance(node, Literal):
            return self.literal(node, predicate)
        if isinstance(node, BNode):
            return Term(label="(anonymous node)")
        if self.is_image(node, predicate):
            return self.image(node)
        href, external = self.href(str(node))
        chosen = self.chosen(node)
        label = str(chosen) if chosen is not None else self.label(node)
        return Term(label, str(node), href, external, lang=chosen.language if chosen is not None else None)

    def literal(self, literal: Literal, predicate: Node | None = None) -> Term:
        """A literal as read: a date at its precision, a text in its language; the raw form as a tooltip."""
        datatype = literal.datatype
        lexical = str(literal)
        if datatype is None or datatype == XSD.string:
            tag = literal.language
            return Term(lexical, lang=tag, tooltip=f"@{tag}" if tag else None)
        dated = human_date(literal)
        shown = compact(str(datatype)) or str(datatype)
        if dated is not None:
            return Term(dated.text, tooltip=f"{lexical} ({shown})", machine=dated.machine)
        if lexical.startswith(WEB_SCHEMES) and (datatype == XSD.anyURI or predicate in IMAGE_PREDICATES):
            return Term(_host_label(lexical), lexical, uri(lexical), external=True, tooltip=shown)
        return Term(lexical, tooltip=shown)

    def is_image(self, node: Node, predicate: Node | None = None) -> bool:
        return (
            predicate in IMAGE_PREDICATES
            or SDO.ImageObject in self.types(node)
            or bool(self._rows(node, "content_url"))
        )

    def image(self, node: Node) -> Term:
        """An image as a link to the original, named by its caption (else its position and host)."""
        urls = [str(o) for o in self._rows(node, "content_url") if str(o).startswith(WEB_SCHEMES)]
        original = urls[0] if urls else str(node)
        captions = self._rows(node, "caption")
        if captions:
            label = str(best_label([(SDO.name, c) for c in captions], self.languages) or captions[0])
        else:
            positions = self._rows(node, "position")
            label = (f"Image {positions[0]}, " if positions else "Image, ") + _host_label(original)
        href = uri(original) if original.startswith(WEB_SCHEMES) else None
        return Term(label, str(node), href, external=href is not None)

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


def _host_label(url: str) -> str:
    return urlsplit(url).hostname or url
