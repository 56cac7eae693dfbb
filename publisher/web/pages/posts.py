"""Posts held and events taken part in: the rows person and organisation pages share.

A post holding (``org:Membership``) says who held which post, with the title as the source printed it;
news gives "title on a date", so a holding is dated by ``kgo:attestedOn`` or, failing that, by the events
its holder acted at in it. An event entry says who took part, in which role, on whose behalf and when.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from rdflib import Literal, URIRef
from rdflib.term import Node

from publisher.queries import load_query, restricted
from publisher.store import Row, Store
from publisher.web.pages.answers import DateShown, Facts, by_key, facts, first, iris_in, rows_for
from publisher.web.pages.terms import Naming, Term
from publisher.web.site.dates import sort_key
from publisher.web.site.labels import KGO, ORG, SDO

HOLDING_FACTS = load_query("holding-facts.rq")
HOLDING_DATES = load_query("holding-dates.rq")
EVENT_ROLES = load_query("event-roles.rq")


@dataclass(frozen=True)
class Holding:
    person: Term
    title: str | None  # as printed, else the post's or the title's name
    organisation: Term | None
    date: DateShown | None  # when a source vouches for it
    sources: tuple[Term, ...]


@dataclass(frozen=True)
class EventEntry:
    event: Term
    date: DateShown | None
    role: Term
    agent: Term | None  # who acted (on an organisation's page: its person or itself)
    party: Term | None  # on whose behalf


@dataclass(frozen=True)
class HoldingData:
    """What the store says about the holdings a page lists: their facts, their sources and event dates."""

    chosen: tuple[Node, ...]
    facts: Facts
    dates: tuple[Row, ...]

    def iris(self) -> set[URIRef]:
        named = {o for by_p in self.facts.values() for values in by_p.values() for o in values}
        return {n for n in named if isinstance(n, URIRef)} | iris_in(self.dates)


def fetch_holdings(store: Store, chosen: Sequence[Node]) -> HoldingData:
    """Facts, sources and event dates of ``chosen`` holdings (a few queries, however many)."""
    holdings = [h for h in chosen if isinstance(h, URIRef)]
    facts_rows = rows_for(store, HOLDING_FACTS, "holding", holdings)
    date_rows = rows_for(store, HOLDING_DATES, "holding", holdings)
    return HoldingData(tuple(holdings), facts(facts_rows, "holding"), tuple(date_rows))


def fetch_event_roles(store: Store, events: Sequence[Node]) -> tuple[Row, ...]:
    """Who took part in ``events``, in which role and for whom."""
    chosen = [e for e in events if isinstance(e, URIRef)]
    return store.select(restricted(EVENT_ROLES, "event", chosen)).rows if chosen else ()


def holdings(data: HoldingData, naming: Naming, where: bool) -> tuple[Holding, ...]:
    """The listed holdings, in the order chosen; ``where``: name their organisation (a person's page)."""
    vouched = by_key(data.dates, "holding")
    made = []
    for holding in data.chosen:
        of = data.facts.get(holding, {})
        person, organisation = first(of, ORG.member), first(of, ORG.organization)
        extra = vouched.get(holding, [])
        made.append(
            Holding(
                person=naming.term(person) if person is not None else naming.term(holding),
                title=_title(of, naming),
                organisation=naming.term(organisation) if where and organisation is not None else None,
                date=_vouched_date(of, extra, naming),
                sources=tuple(
                    naming.term(s) for s in sorted({r["source"] for r in extra if "source" in r}, key=str)
                ),
            )
        )
    return tuple(made)


def _title(of: Mapping[Node, tuple[Node, ...]], naming: Naming) -> str | None:
    printed = sorted(str(t) for t in of.get(SDO.roleName, ()))
    if printed:
        return "; ".join(printed)
    named = first(of, KGO.post) or first(of, ORG.role)
    return naming.label(named) if named is not None else None


def _vouched_date(
    of: Mapping[Node, tuple[Node, ...]], extra: Sequence[Row], naming: Naming
) -> DateShown | None:
    """The attested date, else the latest date of an event the holder acted at in the post."""
    stated = [d for d in of.get(KGO.attestedOn, ()) if isinstance(d, Literal)]
    stated = stated or [r["eventDate"] for r in extra if isinstance(r.get("eventDate"), Literal)]  # type: ignore[misc]
    if not stated:
        return None
    latest = max(stated, key=sort_key)
    return DateShown(naming.term(latest), sort_key(latest))


def event_entries(
    rows: Sequence[Row],
    chosen: Sequence[Node],
    dates: Mapping[Node, Node],
    naming: Naming,
    keep: Callable[[Row], bool],
) -> tuple[EventEntry, ...]:
    """One entry per participation ``keep`` accepts at each of the ``chosen`` events, in that order."""
    by_event = by_key(rows, "event")
    made = []
    for event in chosen:
        seen: set[Node] = set()
        date = dates.get(event)
        shown = DateShown(naming.term(date), sort_key(date)) if isinstance(date, Literal) else None
        for row in sorted(by_event.get(event, []), key=lambda r: str(r["participation"])):
            if row["participation"] in seen or not keep(row):
                continue
            seen.add(row["participation"])
            made.append(
                EventEntry(
                    event=naming.term(event),
                    date=shown,
                    role=naming.term(row["role"]),
                    agent=naming.term(row["agent"]) if "agent" in row else None,
                    party=naming.term(row["for"]) if "for" in row else None,
                )
            )
    return tuple(made)


def first_dates(rows: Iterable[Row], key: str, date: str) -> dict[Node, Node]:
    """Each ``key`` value's earliest ``date`` (lexical order): one date per event, whatever the rows."""
    found: dict[Node, Node] = {}
    for row in rows:
        value = row.get(date)
        if value is not None and (row[key] not in found or sort_key(value) < sort_key(found[row[key]])):
            found[row[key]] = value
    return found


def named_in(*row_sets: Iterable[Row]) -> set[URIRef]:
    return {iri for rows in row_sets for iri in iris_in(rows)}
