"""An organisation's page in the reader's terms: its partnerships first (who with, when, who signed for each
side, at which event, from which article), then its units, the people who held posts there, its events.

Bounded for hubs (a university party to thousands of agreements): the engine counts and sorts (partners with
their first and latest dates, totals, items per year), the page reads the latest ``LATEST`` agreements and
``LISTED`` holdings and events in detail, and links to the partnership explorer for the rest. So a hub's
page reads a few hundred rows, not tens of thousands.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rdflib import Literal, URIRef
from rdflib.term import Node

from publisher.queries import counted, load_query, per_year, with_window
from publisher.store import Row, Store
from publisher.web.pages.agreements import (
    NO_AGREEMENTS,
    AgreementData,
    AgreementRow,
    agreement_rows,
    fetch_agreements,
)
from publisher.web.pages.answers import by_key, total
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
AGREEMENTS_BY_TYPE = counted(AGREEMENTS, "agreement", ("this", "type"))
AGREEMENTS_PER_YEAR = per_year(AGREEMENTS, "agreement", "when")
HOLDINGS_COUNT = counted(HOLDINGS, "holding")
EVENTS_COUNT = counted(EVENTS, "event")
EVENTS_PER_YEAR = per_year(EVENTS, "event", "date")
LATEST = 20  # agreements detailed on the page
LISTED = 20  # people, events and units listed
PARTNERS_LISTED = 40


@dataclass(frozen=True)
class OrgData:
    totals: tuple[Row, ...]  # agreements and cooperations, counted by type
    latest: tuple[Row, ...]  # the newest agreements (one more than shown: are there more?)
    details: AgreementData
    partners: tuple[Row, ...]  # every partner with its count and first and latest date
    units: tuple[Row, ...]
    holdings: int
    people: HoldingData  # the latest holdings, detailed
    events: int
    latest_events: tuple[Row, ...]
    roles: tuple[Row, ...]  # the parts played at the latest events
    per_year: tuple[Row, ...]  # (year, agreements or events, n): the timeline when there are many

    def iris(self) -> set[URIRef]:
        """What the page names: the partners it lists, the latest agreements, units, people and events."""
        named = named_in(self.units, self.roles, self.latest, self.latest_events)
        partners = {r["partner"] for r in top_partners(self.partners)}
        return (
            named | self.details.iris() | self.people.iris() | {p for p in partners if isinstance(p, URIRef)}
        )


def fetch_org(store: Store, org: URIRef) -> OrgData:
    bound = {"this": org}
    latest = store.select(with_window(AGREEMENTS, MAX_MARKS + 1), bound).rows
    shown = [
        r["agreement"] for r in latest[:MAX_MARKS] if isinstance(r["agreement"], URIRef)
    ]  # rows and marks
    held = store.select(with_window(HOLDINGS, LISTED), bound).rows
    events = store.select(with_window(EVENTS, MAX_MARKS + 1), bound).rows
    yearly_rows: list[Row] = []
    if len(latest) + len(events) > MAX_MARKS:  # a timeline of counts: the engine counts them
        yearly_rows += [
            {**r, "kind": Literal("agreement")} for r in store.select(AGREEMENTS_PER_YEAR, bound).rows
        ]
        yearly_rows += [{**r, "kind": Literal("event")} for r in store.select(EVENTS_PER_YEAR, bound).rows]
    return OrgData(
        totals=store.select(AGREEMENTS_BY_TYPE, bound).rows,
        latest=latest,
        details=fetch_agreements(store, shown) if shown else NO_AGREEMENTS,
        partners=store.select(PARTNERS, bound).rows,
        units=store.select(UNITS, bound).rows,
        holdings=total(store.select(HOLDINGS_COUNT, bound).rows),
        people=fetch_holdings(store, [r["holding"] for r in held]),
        events=total(store.select(EVENTS_COUNT, bound).rows),
        latest_events=events,
        roles=fetch_event_roles(store, [r["event"] for r in events[:LISTED]]),
        per_year=tuple(yearly_rows),
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

    totals = {r["type"]: int(str(r["n"])) for r in data.totals}
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
    counted per year by the engine when many."""
    label = f"{name} in time: agreements and events"
    if data.per_year:
        counts: dict[str, tuple[int, int]] = {}
        for row in data.per_year:
            a, e = counts.get(str(row["year"]), (0, 0))
            n = int(str(row["n"]))
            counts[str(row["year"])] = (a + n, e) if str(row["kind"]) == "agreement" else (a, e + n)
        return yearly(counts, label) if counts else None
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
