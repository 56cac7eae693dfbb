"""What readers look for: institutions, people, agreements, events, articles, places and topics, told apart
by a thing's types and the ontology's class hierarchy (a college is an organisation, a signing ceremony an
event). Everything else (participations, post holdings, figures, images...) is a modelling node: reachable,
described generically, never in front.

The hierarchy is read from the store once per build (``class-hierarchy.rq``) and closed here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

from rdflib import SKOS, URIRef
from rdflib.term import Node

from publisher.queries import load_query
from publisher.store import Store
from publisher.web.site.labels import KGO, ORG, SDO

HIERARCHY = load_query("class-hierarchy.rq")


@dataclass(frozen=True)
class Kind:
    key: str
    singular: str
    plural: str
    roots: tuple[URIRef, ...]


# In the order readers look for them (the home page's order); a thing takes the first kind that fits.
KINDS: Final = (
    Kind("organisation", "institution", "Institutions", (SDO.Organization, ORG.Organization)),
    Kind("person", "person", "People", (SDO.Person,)),
    Kind("agreement", "agreement", "Agreements", (KGO.Agreement, KGO.Cooperation)),
    Kind("event", "event", "Events", (SDO.Event,)),
    Kind("topic", "topic", "Topics", (SKOS.Concept,)),
    Kind("article", "article", "Articles", (SDO.NewsArticle, SDO.Article)),
    Kind("place", "place", "Places", (SDO.Place,)),
)
BY_KEY: Final = {kind.key: kind for kind in KINDS}


@dataclass(frozen=True)
class Hierarchy:
    """Each class with every class it falls under (itself included)."""

    ancestors: Mapping[Node, frozenset[Node]]

    def above(self, cls: Node) -> frozenset[Node]:
        return self.ancestors.get(cls, frozenset({cls}))

    def kind_of(self, types: Iterable[Node]) -> Kind | None:
        """The reader's kind of a thing with these types, or None for a modelling node."""
        every = frozenset().union(*(self.above(t) for t in types))
        return next((kind for kind in KINDS if every.intersection(kind.roots)), None)

    def members(self, roots: Iterable[Node]) -> tuple[URIRef, ...]:
        """Every known class under any of ``roots`` (themselves included), in IRI order."""
        wanted = frozenset(roots)
        found = {c for c, above in self.ancestors.items() if above & wanted} | set(wanted)
        return tuple(sorted((c for c in found if isinstance(c, URIRef)), key=str))


def hierarchy(store: Store) -> Hierarchy:
    """The closed class hierarchy the store holds (the ontology's, and any a data file states)."""
    supers: dict[Node, set[Node]] = {}
    for row in store.select(HIERARCHY, capped=False).rows:  # read once per build
        supers.setdefault(row["class"], set()).add(row["super"])
    return Hierarchy({cls: frozenset(_closure(cls, supers)) for cls in supers})


def _closure(cls: Node, supers: Mapping[Node, set[Node]]) -> set[Node]:
    found, frontier = {cls}, [cls]
    while frontier:
        for parent in supers.get(frontier.pop(), ()):
            if parent not in found:
                found.add(parent)
                frontier.append(parent)
    return found
