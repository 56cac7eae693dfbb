"""A person's page in the reader's terms: the posts they held (title as printed, organisation, when a source
vouches for it, which source), the events they took part in (role, on whose behalf), the agreements they
signed, with whom they appeared, and the records that may be the same person (never merged)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from rdflib import URIRef
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
from publisher.web.pages.pictures import Mark, Timeline, timeline
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

POSTS = load_query("person-posts.rq")
EVENTS = load_query("person-events.rq")
SIGNED = load_query("person-signed.rq")
COMPANIONS = load_query("person-companions.rq")
IDENTITIES = load_query("person-identities.rq")
LISTED = 30  # holdings, events, agreements and companions listed (a long-serving president holds hundreds)


@dataclass(frozen=True)
class PersonData:
    posts: tuple[Row, ...]
    posts_shown: tuple[Node, ...]
    post_dates: tuple[Row, ...]
    events: tuple[Row, ...]
    signed: tuple[URIRef, ...]
    details: AgreementData
    companions: tuple[Row, ...]
    identities: tuple[Row, ...]

    def iris(self) -> set[URIRef]:
        rows = (self.posts, self.post_dates, self.events, self.companions, self.identities)
        return self.details.iris() | named_in(*rows) | set(self.signed)


def fetch_person(store: Store, person: URIRef) -> PersonData:
    bound = {"this": person}
    posts = store.select(POSTS, bound).rows
    shown = tuple(latest_first(posts, "holding", ("attested",))[:LISTED])
    signed_rows = store.select(SIGNED, bound).rows
    signed = tuple(sorted({r["agreement"] for r in signed_rows}, key=str))[:LISTED]
    return PersonData(
        posts=posts,
        posts_shown=shown,
        post_dates=holding_dates(store, shown) if shown else (),  # type: ignore[arg-type]
        events=store.select(EVENTS, bound).rows,
        signed=signed,  # type: ignore[arg-type]
        details=fetch_agreements(store, signed) if signed else NO_AGREEMENTS,  # type: ignore[arg-type]
        companions=store.select(COMPANIONS, bound).rows,
        identities=store.select(IDENTITIES, bound).rows,
    )


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
    events = latest_first(data.events, "event", ("date",))
    entries = event_entries(data.events, events[:LISTED], naming, "for")
    companions = _companions(data.companions, naming)
    signed = sorted(
        agreement_rows(data.details, data.signed, naming),
        key=lambda r: r.date.key if r.date else "",
        reverse=True,
    )
    return PersonView(
        posts=holdings(data.posts, data.post_dates, data.posts_shown, naming, "this", "organization"),
        more_posts=max(0, len({r["holding"] for r in data.posts}) - len(data.posts_shown)),
        events=entries,
        more_events=max(0, len(events) - LISTED),
        signed=tuple(signed),
        companions=tuple(companions[:LISTED]),
        more_companions=max(0, len(companions) - LISTED),
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


def _companions(rows: Sequence[Row], naming: Naming) -> list[Companion]:
    events: dict[Node, set[Node]] = defaultdict(set)
    parties: dict[Node, set[Node]] = defaultdict(set)
    for row in rows:
        events[row["other"]].add(row["event"])
        if "for" in row:
            parties[row["other"]].add(row["for"])
    made = [
        Companion(
            naming.term(other),
            len(shared),
            tuple(sorted((naming.term(p) for p in parties[other]), key=lambda t: t.label.lower())),
        )
        for other, shared in events.items()
    ]
    return sorted(made, key=lambda c: (-c.events, c.person.label.lower()))
