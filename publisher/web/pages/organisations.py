"""An organisation's page in the reader's terms: its partnerships first (who with, when, who signed for each
side, at which event, from which article), then its units, the people who held posts there, its events.

Bounded for hubs (a university party to thousands of agreements): the engine sorts and counts partners (with
their first and latest dates); the page reads its agreements, events and holdings once each, newest first,
counts them (totals, items per year) from those rows, details the latest ``LATEST`` agreements and
``LISTED`` holdings and events, and links to the partnership explorer for the rest. One reading rather than
a window, a count and a per-year count of each: the engine joins every row for each of those alike (at 1M
triples the largest hub's 1,727 agreements and 4,728 events, 0.5 s in the three forms, 0.25 s read once).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rdflib import Literal, URIRef
from rdflib.term import Node

from publisher.memo import BoundedMemo
from publisher.queries import load_query
from publisher.store import Row, Store
from publisher.web.pages.agreements import (
    NO_AGREEMENTS,
    AgreementData,
    AgreementRow,
    agreement_rows,
    fetch_agreements,
)
from publisher.web.pages.answers import by_key, distinct, per_year
from publisher.web.pages.pictures import MAX_MARKS, Mark, Network, Timeline, star, timeline, yearly
from publisher.web.pages.posts import (
    EventEntry,
    Holding,
    HoldingData,
    event_entries,
    fetch_event_roles,
    fetch_holdings,
    first_dates,
    holdings,
    named_in,
)
from publisher.web.pages.terms import Naming, Term
from publisher.web.site.dates import typed
from publisher.web.site.labels import KGO

AGREEMENTS = load_query("org-agreements.rq")
PARTNERS = load_query("org-partners.rq")
UNITS = load_query("org-units.rq")
HOLDINGS = load_query("org-holdings.rq")
EVENTS = load_query("org-events.rq")
LATEST = 20  # agreements detailed on the page
LISTED = 20  # people, events and units listed
PARTNERS_LISTED = 40
MEMO_FROM = 200  # agreements, events and holdings from which an organisation's sections are kept per build


@dataclass(frozen=True)
class OrgData:
    totals: Mapping[Node, int]  # agreements and cooperations, counted by type
    latest: tuple[Row, ...]  # the newest agreements (one more than shown: are there more?)
    details: AgreementData
    partners: tuple[Row, ...]  # every partner with its count and first and latest date
    units: tuple[Row, ...]
    holdings: int
    people: HoldingData  # the latest holdings, detailed
    events: int
    latest_events: tuple[Row, ...]
    roles: tuple[Row, ...]  # the parts played at the latest events
    per_year: Mapping[str, tuple[int, int]]  # year -> (agreements, events): the timeline when there are many

    def items(self) -> int:
        """How many agreements, events and holdings the sections were read from."""
        return sum(self.totals.values()) + self.events + self.holdings

    def iris(self) -> set[URIRef]:
        """What the page names: the partners it lists, the latest agreements, units, people and events."""
        named = named_in(self.units, self.roles, self.latest, self.latest_events)
        partners = {r["partner"] for r in top_partners(self.partners)}
        return (
            named | self.details.iris() | self.people.iris() | {p for p in partners if isinstance(p, URIRef)}
        )


def fetch_org(store: Store, org: URIRef, memo: BoundedMemo[URIRef, OrgData] | None = None) -> OrgData:
    """What the organisation's sections show; a hub's kept in ``memo`` (per build, so a reader in another
    language, a paged window or a second visit reads it once): its sections read every agreement, event and
    holding it has (0.4 s for the largest at 1M triples). A small organisation's cost less to read again
    than to keep."""
    known = memo.get(org) if memo is not None else None
    if known is not None:
        return known
    data = _read_org(store, org)
    if memo is not None and data.items() >= MEMO_FROM:
        memo.put(org, data)
    return data


def _read_org(store: Store, org: URIRef) -> OrgData:
    bound = {"this": org}
    agreements = store.select(AGREEMENTS, bound).rows
    events = store.select(EVENTS, bound).rows
    held = store.select(HOLDINGS, bound).rows
    latest, latest_events = agreements[: MAX_MARKS + 1], events[: MAX_MARKS + 1]
    shown = [
        r["agreement"] for r in latest[:MAX_MARKS] if isinstance(r["agreement"], URIRef)
    ]  # rows and marks
    counts: dict[str, tuple[int, int]] = {}
    if len(latest) + len(latest_events) > MAX_MARKS:  # a timeline of counts
        made, took_part = per_year(agreements, "agreement", "when"), per_year(events, "event", "date")
        counts = {
            year: (made.get(year, 0), took_part.get(year, 0))
            for year in sorted(made.keys() | took_part.keys())
        }
    return OrgData(
        totals={kind: distinct(rows, "agreement") for kind, rows in by_key(agreements, "type").items()},
        latest=latest,
        details=fetch_agreements(store, shown) if shown else NO_AGREEMENTS,
        partners=store.select(PARTNERS, bound).rows,
        units=store.select(UNITS, bound).rows,
        holdings=distinct(held, "holding"),
        people=fetch_holdings(store, [r["holding"] for r in held[:LISTED]]),
        events=distinct(events, "event"),
        latest_events=latest_events,
        roles=fetch_event_roles(store, [r["event"] for r in events[:LISTED]]),
        per_year=counts,
    )


@dataclass(frozen=True)
class Partner:
    organisation: Term
    count: int
    first: Term | None
    latest: Term | None


@dataclass(frozen=True)
class OrgView:
    agreements: int
    cooperations: int
    partners: tuple[Partner, ...]
    more_partners: int
    rows: tuple[AgreementRow, ...]
    more_rows: int
    network: Network | None
    timeline: Timeline | None
    units: tuple[Term, ...]
    more_units: int
    people: tuple[Holding, ...]
    more_people: int
    events: tuple[EventEntry, ...]
    more_events: int


def org_view(data: OrgData, org: URIRef, naming: Naming) -> OrgView:
    def acting(row: Row) -> bool:  # the organisation's own part: as the agent, or someone acting for it
        return row["agent"] == org or row.get("for") == org

    totals = data.totals  # by type
    shown = [_partner(row, naming) for row in top_partners(data.partners)]
    latest = [r["agreement"] for r in data.latest[:LATEST] if isinstance(r["agreement"], URIRef)]
    units = sorted((naming.term(r["unit"]) for r in data.units), key=lambda t: t.label.lower())
    name = naming.label(org)
    return OrgView(
        agreements=totals.get(KGO.Agreement, 0),
        cooperations=totals.get(KGO.Cooperation, 0),
        partners=tuple(sorted(shown, key=lambda p: (-p.count, p.organisation.label.lower()))),
        more_partners=len(data.partners) - len(shown),
        rows=agreement_rows(data.details, latest, naming),
        more_rows=max(0, sum(totals.values()) - len(latest)),
        network=star(
            naming.term(org),
            [(p.organisation, p.count) for p in shown],
            f"{name} and its partners",
            len(data.partners),
        )
        if shown
        else None,
        timeline=_timeline(data, naming, name),
        units=tuple(units[:LISTED]),
        more_units=max(0, len(units) - LISTED),
        people=holdings(data.people, naming, where=False),
        more_people=data.holdings - len(data.people.chosen),
        events=event_entries(
            data.roles,
            [r["event"] for r in data.latest_events[:LISTED]],
            first_dates(data.latest_events, "event", "date"),
            naming,
            acting,
        ),
        more_events=max(0, data.events - LISTED),
    )


def top_partners(rows: Sequence[Row]) -> list[Row]:
    """The partners a page lists: most agreements first (ties by IRI, so only these need a name)."""
    return sorted(rows, key=lambda r: (-int(str(r["n"])), str(r["partner"])))[:PARTNERS_LISTED]


def _partner(row: Row, naming: Naming) -> Partner:
    first, latest = (typed(str(row[key])) if key in row else None for key in ("first", "latest"))
    return Partner(
        naming.term(row["partner"]),
        int(str(row["n"])),
        naming.term(first) if first is not None else None,
        naming.term(latest) if latest is not None else None,
    )


def _timeline(data: OrgData, naming: Naming, name: str) -> Timeline | None:
    """The organisation's agreements (with whom) and events (in which part) in time: each while few,
    counted per year when many."""
    label = f"{name} in time: agreements and events"
    if data.per_year:
        return yearly(data.per_year, label)
    signings = {
        event for by_p in data.details.facts.values() for event in by_p.get(KGO.signedAt, ())
    }  # drawn as their agreements
    org = data.latest[0]["this"] if data.latest else None
    marks = [_agreement_mark(r, org, data, naming) for r in data.latest if isinstance(r.get("when"), Literal)]
    roles = by_key(data.roles, "event")
    for row in data.latest_events:
        if row["event"] in signings or not isinstance(row.get("date"), Literal):
            continue
        played = ", ".join(sorted({naming.label(r["role"]) for r in roles.get(row["event"], [])}))
        marks.append(
            Mark(naming.term(row["event"]), naming.term(row["date"]).label, str(row["date"]), "event", played)
        )
    return timeline(marks, label) if marks else None


def _agreement_mark(row: Row, org: Node | None, data: OrgData, naming: Naming) -> Mark:
    """An agreement on the timeline, said by whom it was with."""
    agreement, when = row["agreement"], row["when"]
    parties = data.details.facts.get(agreement, {}).get(KGO.party, ())
    others = sorted(naming.label(p) for p in parties if p != org)
    return Mark(
        naming.term(agreement), naming.term(when).label, str(when), "agreement", "with " + ", ".join(others)
    )
