"""From a description to the generic part of an entity page: every statement, grouped by property.

Frozen dataclasses that templates only render; every RDF term in them was made by ``terms.Naming``.
Templates never see a ``Graph``, so they cannot call into RDF, and pages can be tested without HTTP.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from rdflib import RDF, SKOS, URIRef
from rdflib.term import Node

from publisher.web.pages.describe import Description, Group, Statement, Window
from publisher.web.pages.terms import Naming, Term
from publisher.web.site.labels import KGO, LABEL_PREDICATES, LABEL_RANK

INFERRED = KGO.inferred
NOTE = SKOS.editorialNote


@dataclass(frozen=True)
class Value:
    term: Term
    sources: tuple[Term, ...]  # who states it, when not the section's usual sources (else empty)
    inferred: str | None = None  # the editor's note when the editor inferred this value ("" without a note)


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
    sources: tuple[Term, ...]  # who states most of the facts shown; values only name theirs if different
    outgoing: tuple[Property, ...]
    incoming: tuple[Property, ...]


@dataclass(frozen=True)
class Alternate:
    label: str
    href: str
    media_type: str


def sections_of(description: Description, naming: Naming) -> tuple[Section, ...]:
    """One section per subject of a description: the entity first, then its hash IRIs."""
    return tuple(section(description, subject, naming) for subject in description.subjects)


def section(description: Description, subject: URIRef, naming: Naming) -> Section:
    groups = [g for g in description.groups if g.subject is subject or g.subject == subject]
    by_group: dict[Group, list[Statement]] = defaultdict(list)
    for statement in description.statements:
        if (
            statement.group.subject is subject or statement.group.subject == subject
        ):  # `is`: skip rdflib's __eq__
            by_group[statement.group].append(statement)
    usual = _usual_graphs(by_group.values())
    inferred = _inferred(by_group)
    type_group = _type_group(groups)
    types = tuple(naming.term(s.value) for s in (by_group.get(type_group, []) if type_group else []))
    shown = [g for g in groups if not (g.direction == "out" and g.predicate == RDF.type)]
    properties = [
        prop(g, by_group.get(g, []), description.window, naming, usual, inferred.get(g.predicate))
        for g in _ordered(shown, naming)
    ]
    iri = str(subject)
    return Section(
        iri=iri,
        anchor=iri[len(str(description.iri)) + 1 :] if subject != description.iri else None,
        label=naming.label(subject),
        types=types,
        sources=tuple(naming.source(g) for g in usual),
        outgoing=tuple(p for p in properties if p.direction == "out" and p.values),
        incoming=tuple(p for p in properties if p.direction == "in" and p.values),
    )


def prop(
    group: Group,
    statements: list[Statement],
    window: Window,
    naming: Naming,
    usual: tuple[URIRef, ...] = (),
    inferred: str | None = None,
) -> Property:
    """A property's window of values (sorted by what they show) with links to the neighbouring windows;
    ``inferred`` (the editor's note) marks every value of an outgoing property the editor inferred."""
    note = inferred if group.direction == "out" else None
    values = sorted(
        (
            Value(
                naming.term(s.value, group.predicate),
                tuple(naming.source(g) for g in s.graphs if tuple(sorted(s.graphs, key=str)) != usual),
                note,
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
    """The set of stating graphs most facts share: named once per section instead of on every value (a
    tie goes to the set that sorts first, so the page is the same whatever order a store answers in)."""
    counts = Counter(tuple(sorted(s.graphs, key=str)) for statements in statement_lists for s in statements)
    if not counts:
        return ()
    return min(counts, key=lambda graphs: (-counts[graphs], [str(g) for g in graphs]))


def _inferred(by_group: Mapping[Group, list[Statement]]) -> dict[Node, str]:
    """The properties the editor inferred (``kgo:inferred``), each with the subject's editorial note."""
    outgoing = {g.predicate: st for g, st in by_group.items() if g.direction == "out"}
    notes = sorted(str(s.value) for s in outgoing.get(NOTE, []))
    return {s.value: " ".join(notes) for s in outgoing.get(INFERRED, [])}


def _type_group(groups: list[Group]) -> Group | None:
    return next((g for g in groups if g.direction == "out" and g.predicate == RDF.type), None)


def _ordered(groups: list[Group], naming: Naming) -> list[Group]:
    """Labels first (in precedence order), then the rest by their shown name."""

    def key(group: Group) -> tuple[int, str]:
        rank = LABEL_RANK.get(group.predicate, len(LABEL_PREDICATES))
        return (rank, naming.label(group.predicate).lower())

    return sorted(groups, key=key)
