"""A person's page in the reader's terms: the posts they held (title as printed, organisation, when a source
vouches for it, which source), the events they took part in (role, on whose behalf), the agreements they
signed, with whom they appeared, and the records that may be the same person (never merged)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rdflib import URIRef

from publisher.queries import counted, load_query, restricted, with_window
from publisher.store import Row, Store
from publisher.web.pages.agreements import (
    NO_AGREEMENTS,
    AgreementData,
    AgreementRow,
    agreement_rows,
    fetch_agreements,
)
from publisher.web.pages.answers import total
from publisher.web.pages.pictures import Mark, Timeline, timeline
from publisher.web.pages.posts import (
    EventEntry,
    Holding,
    HoldingData,
    event_entries,
    fetch_holdings,
    first_dates,
    holdings,
    named_in,
)
from publisher.web.pages.terms import Naming, Term
from publisher.web.site.dates import sort_key

HOLDINGS = load_query("person-holdings.rq")
EVENT_LIST = load_query("person-event-list.rq")
EVENTS = load_query("person-events.rq")
SIGNED = load_query("person-signed.rq")
COMPANIONS = load_query("person-companions.rq")
IDENTITIES = load_query("person-identities.rq")
HOLDINGS_COUNT = counted(HOLDINGS, "holding")
EVENTS_COUNT = counted(EVENT_LIST, "event")
LISTED = 30  # holdings, events, agreements and companions listed (a long-serving president holds hundreds)


@dataclass(frozen=True)
class PersonData:
    holdings: int
    posts: HoldingData  # the latest, detailed
    event_count: int
    events: tuple[Row, ...]  # the parts played at the latest events
    signed: tuple[URIRef, ...]
    details: AgreementData
    companions: tuple[Row, ...]  # every companion with how many events they shared and for whom they acted
    identities: tuple[Row, ...]

    def iris(self) -> set[URIRef]:
        listed = top_companions(self.companions)
        named = {r["other"] for r in listed if isinstance(r["other"], URIRef)} | {
            p for r in listed for p in _parties(r)
        }
        rows = (self.events, self.identities)
        return self.details.iris() | self.posts.iris() | named_in(*rows) | set(self.signed) | named


def fetch_person(store: Store, person: URIRef) -> PersonData:
    bound = {"this": person}
    held = store.select(with_window(HOLDINGS, LISTED), bound).rows
    events = [
        e
        for r in store.select(with_window(EVENT_LIST, LISTED), bound).rows
        if isinstance(e := r["event"], URIRef)
    ]
    signed_rows = store.select(SIGNED, bound).rows
    signed = tuple(
        sorted({r["agreement"] for r in signed_rows if isinstance(r["agreement"], URIRef)}, key=str)
    )
    return PersonData(
        holdings=total(store.select(HOLDINGS_COUNT, bound).rows),
        posts=fetch_holdings(store, [r["holding"] for r in held]),
        event_count=total(store.select(EVENTS_COUNT, bound).rows),
        events=store.select(restricted(EVENTS, "event", events), bound).rows if events else (),
        signed=signed[:LISTED],
        details=fetch_agreements(store, signed[:LISTED]) if signed else NO_AGREEMENTS,
        companions=store.select(COMPANIONS, bound).rows,
        identities=store.select(IDENTITIES, bound).rows,
    )


def top_companions(rows: Sequence[Row]) -> list[Row]:
    """The companions a page lists: most shared events first (ties by IRI, so only these need a name)."""
    return sorted(rows, key=lambda r: (-int(str(r["events"])), str(r["other"])))[:LISTED]


@dataclass(frozen=True)
class Companion:
    person: Term
    events: int
    parties: tuple[Term, ...]  # for whom they acted, where the texts say


@dataclass(frozen=True)
class Identity:
    record: Term  # the other record
    identity: Term
    evidence: str | None


@dataclass(frozen=True)
class PersonView:
    posts: tuple[Holding, ...]
    more_posts: int
    events: tuple[EventEntry, ...]
    more_events: int
    signed: tuple[AgreementRow, ...]
    companions: tuple[Companion, ...]
    more_companions: int
    identities: tuple[Identity, ...]
    timeline: Timeline | None


def person_view(data: PersonData, person: URIRef, naming: Naming) -> PersonView:
    dates = first_dates(data.events, "event", "date")
    events = sorted(dates, key=lambda e: (sort_key(dates[e]), str(e)), reverse=True)
    events += sorted({r["event"] for r in data.events} - set(dates), key=str)  # undated last
    entries = event_entries(data.events, events, dates, naming, lambda _row: True)
    signed = sorted(
        agreement_rows(data.details, data.signed, naming),
        key=lambda r: r.date.key if r.date else "",
        reverse=True,
    )
    return PersonView(
        posts=holdings(data.posts, naming, where=True),
        more_posts=data.holdings - len(data.posts.chosen),
        events=entries,
        more_events=max(0, data.event_count - LISTED),
        signed=tuple(signed),
        companions=_companions(data, naming),
        more_companions=max(0, len(data.companions) - LISTED),
        identities=tuple(
            Identity(
                naming.term(r["other"]),
                naming.term(r["identity"]),
                str(r["evidence"]) if "evidence" in r else None,
            )
            for r in sorted(data.identities, key=lambda r: str(r["other"]))
        ),
        timeline=timeline(
            [Mark(e.event, e.date.term.label, e.date.key, "event", e.role.label) for e in entries if e.date],
            f"{naming.label(person)} in time: events",
        )
        if any(e.date for e in entries)
        else None,
    )


def _parties(row: Row) -> set[URIRef]:
    """For whom a companion acted: the IRIs its row's ``?parties`` lists."""
    return {URIRef(iri) for iri in str(row.get("parties", "")).split()}


def _companions(data: PersonData, naming: Naming) -> tuple[Companion, ...]:
    made = [
        Companion(
            naming.term(row["other"]),
            int(str(row["events"])),
            tuple(sorted((naming.term(p) for p in _parties(row)), key=lambda t: t.label.lower())),
        )
        for row in top_companions(data.companions)
    ]
    return tuple(sorted(made, key=lambda c: (-c.events, c.person.label.lower())))
