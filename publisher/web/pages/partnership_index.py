"""Every agreement, indexed once per build for the partnership explorer, its facets and the whole graph's
pictures: two queries read all agreements (at 1M triples about 3,900 of them), and every filter, facet
count, sort and page is then worked out here in Python, so a click costs no query but the labels of what
it shows. Bounded by the number of agreements, never by the size of the archive.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

from rdflib import DCTERMS, Literal, URIRef
from rdflib.term import Node

from publisher.queries import load_query
from publisher.store import Store
from publisher.web.site.dates import sort_key
from publisher.web.site.labels import KGO, PROV

AGREEMENTS = load_query("partnerships.rq")
LINKS = load_query("partnership-links.rq")
CONTAINERS = load_query("place-containers.rq")
EVENTS_PER_YEAR = load_query("events-per-year.rq")
FACETS = ("year", "institution", "kind", "topic", "place")


@dataclass(frozen=True)
class Entry:
    agreement: URIRef
    date: Literal | None
    event: URIRef | None
    values: Mapping[str, frozenset[Node]]  # facet -> the values this agreement has (places with containers)
    parties: tuple[URIRef, ...]
    topics: tuple[URIRef, ...]
    sources: tuple[URIRef, ...]
    kind: URIRef | None
    place: URIRef | None  # where it was signed (the facet also counts what contains it)

    @property
    def key(self) -> str:
        return sort_key(self.date)


@dataclass(frozen=True)
class PartnershipIndex:
    entries: tuple[Entry, ...]  # newest first
    events_per_year: Mapping[str, int]

    def matching(self, filters: Mapping[str, Sequence[Node]]) -> list[Entry]:
        """The agreements having every filtered value (two institutions: agreements between them)."""
        return [e for e in self.entries if all(set(wanted) <= e.values[f] for f, wanted in filters.items())]

    def institutions(self) -> Counter[URIRef]:
        return Counter(p for e in self.entries for p in e.parties)

    def pairs(self) -> Counter[tuple[str, str]]:
        """How many agreements each pair of institutions made together (IRIs in order)."""
        return Counter(pair for e in self.entries for pair in combinations(sorted(map(str, e.parties)), 2))


def facet_counts(entries: Iterable[Entry], facet: str) -> Counter[Node]:
    return Counter(value for e in entries for value in e.values[facet])


def yearly_counts(
    entries: Iterable[Entry], events: Mapping[str, int] | None = None
) -> dict[str, tuple[int, int]]:
    """Year -> (agreements dated that year, events that year): a timeline's counts; the events only when
    ``events`` (the whole graph's ``events_per_year``) is given."""
    counts: dict[str, tuple[int, int]] = {}
    for entry in entries:
        if entry.date is not None:
            year = str(entry.date)[:4]
            counts[year] = (counts.get(year, (0, 0))[0] + 1, 0)
    for year, started in (events or {}).items():
        counts[year] = (counts.get(year, (0, 0))[0], started)
    return counts


def build_index(store: Store) -> PartnershipIndex:
    rows = store.select(AGREEMENTS, capped=False).rows
    links: dict[Node, dict[Node, set[Node]]] = defaultdict(lambda: defaultdict(set))
    for row in store.select(LINKS, capped=False).rows:
        links[row["agreement"]][row["p"]].add(row["o"])
    up: dict[Node, set[Node]] = defaultdict(set)
    for row in store.select(CONTAINERS, capped=False).rows:
        up[row["place"]].add(row["up"])
    first: dict[Node, dict[str, Node]] = {}
    for row in sorted(
        rows, key=lambda r: tuple(sort_key(r.get(k)) for k in ("date", "eventDate", "kind", "event", "place"))
    ):
        first.setdefault(row["agreement"], dict(row))
    entries = [_entry(agreement, row, links[agreement], up) for agreement, row in first.items()]
    entries.sort(key=lambda e: (e.key, str(e.agreement)), reverse=True)
    per_year = {
        str(r["year"]): int(str(r["events"]))
        for r in store.select(EVENTS_PER_YEAR, capped=False).rows
        if "year" in r
    }
    return PartnershipIndex(tuple(entries), per_year)


def _entry(
    agreement: Node, row: Mapping[str, Node], links: Mapping[Node, set[Node]], up: Mapping[Node, set[Node]]
) -> Entry:
    date = row.get("date") or row.get("eventDate")
    date = date if isinstance(date, Literal) else None
    kind, place = row.get("kind"), row.get("place")
    parties = _iris(links.get(KGO.party, ()))
    topics = _iris(links.get(DCTERMS.subject, ()))
    values: dict[str, frozenset[Node]] = {
        "year": frozenset({str(date)[:4]} if date is not None else ()),  # type: ignore[arg-type]
        "institution": frozenset(parties),
        "kind": frozenset({kind} if kind is not None else ()),
        "topic": frozenset(topics),
        "place": frozenset(_containing(place, up)) if place is not None else frozenset(),
    }
    event = row.get("event")
    return Entry(
        agreement=agreement,  # type: ignore[arg-type]
        date=date,
        event=event if isinstance(event, URIRef) else None,
        values=values,
        parties=parties,
        topics=topics,
        sources=_iris(links.get(PROV.wasDerivedFrom, ())),
        kind=kind if isinstance(kind, URIRef) else None,
        place=place if isinstance(place, URIRef) else None,
    )


def _iris(nodes: Iterable[Node]) -> tuple[URIRef, ...]:
    return tuple(sorted((n for n in nodes if isinstance(n, URIRef)), key=str))


def _containing(place: Node, up: Mapping[Node, set[Node]]) -> set[Node]:
    found, frontier = {place}, [place]
    while frontier:
        for parent in up.get(frontier.pop(), ()):
            if parent not in found:
                found.add(parent)
                frontier.append(parent)
    return found
