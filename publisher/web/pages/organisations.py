"""An organisation's page in the reader's terms: its partnerships first (who with, when, who signed for each
side, at which event, from which article), then its units, the people who held posts there, its events.

Everything is bounded for hubs (a university party to thousands of agreements): the page counts all of
them, draws the partners with most agreements, details the latest ``LATEST`` and links to the partnership
explorer for the rest.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from rdflib import Literal, URIRef
from rdflib.term import Node

from publisher.queries import load_query
from publisher.store import Row, Store
from publisher.web.pages.agreements import (
    NO_AGREEMENTS,
    AgreementData,
    AgreementRow,
    agreement_rows,
    fetch_agreements,
)
from publisher.web.pages.answers import by_key
from publisher.web.pages.pictures import Mark, Network, Timeline, star, timeline
from publisher.web.pages.posts import (
    EventEntry,
    Holding,
    event_entries,
    holding_dates,
    holdings,
    latest_first,
    named_in,
)
from publisher.web.pages.terms import Naming, Term
from publisher.web.site.dates import sort_key
from publisher.web.site.labels import KGO

AGREEMENTS = load_query("org-agreements.rq")
PARTNERS = load_query("org-partners.rq")
UNITS = load_query("org-units.rq")
PEOPLE = load_query("org-people.rq")
EVENTS = load_query("org-events.rq")
LATEST = 20  # agreements detailed on the page
LISTED = 20  # people, events and units listed
PARTNERS_LISTED = 40


@dataclass(frozen=True)
class OrgData:
    agreements: tuple[Row, ...]
    partners: tuple[Row, ...]
    latest: tuple[URIRef, ...]
    details: AgreementData
    units: tuple[Row, ...]
    people: tuple[Row, ...]
    people_shown: tuple[Node, ...]
    people_dates: tuple[Row, ...]
    events: tuple[Row, ...]

    def iris(self) -> set[URIRef]:
        return (
            self.details.iris()
            | named_in(self.partners, self.units, self.people, self.people_dates, self.events)
            | {r["agreement"] for r in self.agreements if isinstance(r["agreement"], URIRef)}
        )


def fetch_org(store: Store, org: URIRef) -> OrgData:
    bound = {"this": org}
    agreements = store.select(AGREEMENTS, bound).rows
    latest = tuple(latest_first(agreements, "agreement", ("date", "eventDate"))[:LATEST])
    people = store.select(PEOPLE, bound).rows
    shown = tuple(latest_first(people, "holding", ("attested",))[:LISTED])
    return OrgData(
        agreements=agreements,
        partners=store.select(PARTNERS, bound).rows,
        latest=latest,  # type: ignore[arg-type]
        details=fetch_agreements(store, latest) if latest else NO_AGREEMENTS,  # type: ignore[arg-type]
        units=store.select(UNITS, bound).rows,
        people=people,
        people_shown=shown,
        people_dates=holding_dates(store, shown) if shown else (),  # type: ignore[arg-type]
        events=store.select(EVENTS, bound).rows,
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
    kinds = {row["agreement"]: row["type"] for row in data.agreements}
    dates = _agreement_dates(data.agreements)
    partners = _partners(data.partners, dates, naming)
    events = latest_first(data.events, "event", ("date",))
    units = sorted((naming.term(r["unit"]) for r in data.units), key=lambda t: t.label.lower())
    name = naming.label(org)
    return OrgView(
        agreements=sum(1 for kind in kinds.values() if kind == KGO.Agreement),
        cooperations=sum(1 for kind in kinds.values() if kind == KGO.Cooperation),
        partners=tuple(partners[:PARTNERS_LISTED]),
        more_partners=max(0, len(partners) - PARTNERS_LISTED),
        rows=agreement_rows(data.details, data.latest, naming),
        more_rows=max(0, len(kinds) - len(data.latest)),
        network=star(
            naming.term(org), [(p.organisation, p.count) for p in partners], f"{name} and its partners"
        )
        if partners
        else None,
        timeline=_timeline(data, dates, naming, name),
        units=tuple(units[:LISTED]),
        more_units=max(0, len(units) - LISTED),
        people=holdings(data.people, data.people_dates, data.people_shown, naming, "person", None),
        more_people=max(0, len({r["holding"] for r in data.people}) - len(data.people_shown)),
        events=event_entries(data.events, events[:LISTED], naming, None),
        more_events=max(0, len(events) - LISTED),
    )


def _agreement_dates(rows: Sequence[Row]) -> dict[Node, Literal]:
    """Each agreement's date: its own, else its signing event's (the earliest, if a source gives two)."""
    found: dict[Node, Literal] = {}
    for row in sorted(rows, key=lambda r: (sort_key(r.get("date")), sort_key(r.get("eventDate")))):
        date = row.get("date") or row.get("eventDate")
        if isinstance(date, Literal) and row["agreement"] not in found:
            found[row["agreement"]] = date
    return found


def _partners(rows: Sequence[Row], dates: dict[Node, Literal], naming: Naming) -> list[Partner]:
    """Partners by number of agreements with this organisation, each with its first and latest date."""
    agreements: dict[Node, set[Node]] = defaultdict(set)
    for row in rows:
        agreements[row["partner"]].add(row["agreement"])
    made = []
    for partner, shared in agreements.items():
        known = sorted((dates[a] for a in shared if a in dates), key=sort_key)
        made.append(
            Partner(
                naming.term(partner),
                len(shared),
                naming.term(known[0]) if known else None,
                naming.term(known[-1]) if known else None,
            )
        )
    return sorted(made, key=lambda p: (-p.count, p.organisation.label.lower()))


def _timeline(data: OrgData, dates: dict[Node, Literal], naming: Naming, name: str) -> Timeline | None:
    """The organisation's agreements (with whom) and events (in which part) in time."""
    partners = by_key(data.partners, "agreement")
    marks = [
        Mark(
            naming.term(agreement),
            naming.term(date).label,
            str(date),
            "agreement",
            "with " + ", ".join(sorted(naming.label(r["partner"]) for r in partners.get(agreement, []))),
        )
        for agreement, date in dates.items()
    ]
    seen = {row["event"] for row in data.agreements if "event" in row}  # drawn as their agreements
    for event, rows in by_key(data.events, "event").items():
        date = rows[0].get("date")
        if event in seen or not isinstance(date, Literal):
            continue
        roles = ", ".join(sorted({naming.label(r["role"]) for r in rows}))
        marks.append(Mark(naming.term(event), naming.term(date).label, str(date), "event", roles))
    return timeline(marks, f"{name} in time: agreements and events") if marks else None
