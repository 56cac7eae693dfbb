"""Agreement, event and article pages in the reader's terms.

An agreement: its parties and who signed for each, its kind and date, the ceremony and place, who else
was there (witnesses, hosts), how it relates to earlier and later agreements. An event: when and where
(and what contains that place), who took part in which role and for whom, what was signed there. An
article: what it reports (agreements, events, the people it names with their titles) after its headline,
date, publisher and source.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rdflib import Literal, URIRef
from rdflib.term import Node

from publisher.queries import load_query, with_values
from publisher.store import Row, Store
from publisher.web.pages.agreements import (
    NO_AGREEMENTS,
    RELATIONS,
    AgreementData,
    AgreementRow,
    agreement_rows,
    date_key,
    fetch_agreements,
)
from publisher.web.pages.answers import DateShown
from publisher.web.pages.posts import named_in
from publisher.web.pages.terms import Naming, Term
from publisher.web.site.dates import sort_key

AGREEMENT_PEOPLE = load_query("agreement-people.rq")
RELATED = load_query("agreement-related.rq", relations=RELATIONS)
PARTICIPANTS = load_query("event-participants.rq")
SIGNED_AT = load_query("event-agreements.rq")
PLACE = load_query("event-place.rq")
REPORTS = load_query("article-reports.rq")
ARTICLE_EVENTS = load_query("article-events.rq")
ARTICLE_PEOPLE = load_query("article-people.rq")
ROLE_ORDER = ("signatory", "witness", "host", "leader", "speaker", "unveiler", "attendee")


@dataclass(frozen=True)
class Occasion:
    """What the store says about one agreement, event or article beyond its own statements."""

    agreements: tuple[URIRef, ...]
    details: AgreementData
    participants: tuple[Row, ...] = ()
    related: tuple[Row, ...] = ()
    place: tuple[Row, ...] = ()
    events: tuple[Row, ...] = ()
    people: tuple[Row, ...] = ()

    def iris(self) -> set[URIRef]:
        rows = (self.participants, self.related, self.place, self.events, self.people)
        return self.details.iris() | named_in(*rows) | set(self.agreements)


def _with_agreements(store: Store, agreements: Sequence[Node], **rows: tuple[Row, ...]) -> Occasion:
    chosen = tuple(sorted({a for a in agreements if isinstance(a, URIRef)}, key=str))
    details = fetch_agreements(store, chosen) if chosen else NO_AGREEMENTS
    return Occasion(chosen, details, **rows)


def fetch_agreement(store: Store, agreement: URIRef) -> Occasion:
    bound = {"this": agreement}
    return _with_agreements(
        store,
        [agreement],
        participants=store.select(AGREEMENT_PEOPLE, bound).rows,
        related=store.select(RELATED, bound).rows,
    )


def fetch_event(store: Store, event: URIRef) -> Occasion:
    bound = {"this": event}
    signed = store.select(SIGNED_AT, bound).rows
    return _with_agreements(
        store,
        [r["agreement"] for r in signed],
        participants=store.select(PARTICIPANTS, bound).rows,
        place=store.select(PLACE, bound).rows,
    )


def fetch_article(store: Store, article: URIRef, event_classes: Sequence[URIRef]) -> Occasion:
    bound = {"this": article}
    reported = store.select(REPORTS, bound).rows
    return _with_agreements(
        store,
        [r["agreement"] for r in reported],
        events=store.select(with_values(ARTICLE_EVENTS, "type", event_classes), bound).rows,
        people=store.select(ARTICLE_PEOPLE, bound).rows,
    )


@dataclass(frozen=True)
class Participant:
    agent: Term
    party: Term | None
    title: str | None


@dataclass(frozen=True)
class RoleGroup:
    role: Term
    participants: tuple[Participant, ...]


@dataclass(frozen=True)
class Related:
    relation: Term
    other: Term
    earlier: bool  # the other came before (this one follows, renews... it)


@dataclass(frozen=True)
class Dated:
    term: Term
    date: DateShown | None
    place: Term | None


@dataclass(frozen=True)
class Named:
    person: Term
    title: str | None
    organisation: Term | None


@dataclass(frozen=True)
class OccasionView:
    rows: tuple[AgreementRow, ...]  # the agreement itself, or those signed at the event / reported
    roles: tuple[RoleGroup, ...]  # who took part, by role
    related: tuple[Related, ...]
    places: tuple[Term, ...]  # where, then what contains it
    events: tuple[Dated, ...]
    people: tuple[Named, ...]


def occasion_view(data: Occasion, naming: Naming) -> OccasionView:
    rows = sorted(agreement_rows(data.details, data.agreements, naming), key=date_key, reverse=True)
    return OccasionView(
        rows=tuple(rows),
        roles=_roles(data.participants, naming),
        related=tuple(
            sorted(
                (_related(r, naming) for r in data.related),
                key=lambda r: (not r.earlier, r.relation.label, r.other.label.lower()),
            )
        ),
        places=_places(data.place, naming),
        events=_events(data.events, naming),
        people=_people(data.people, naming),
    )


def _roles(rows: Sequence[Row], naming: Naming) -> tuple[RoleGroup, ...]:
    by_role: dict[Node, dict[Node, Participant]] = {}
    for row in sorted(rows, key=lambda r: (str(r["participation"]), str(r.get("title", "")))):
        party, title = row.get("for"), row.get("title")
        by_role.setdefault(row["role"], {}).setdefault(
            row["participation"],
            Participant(
                naming.term(row["agent"]),
                naming.term(party) if party else None,
                str(title) if title else None,
            ),
        )

    def order(role: Node) -> tuple[int, str]:
        name = str(role).rsplit("#", 1)[-1]
        return (ROLE_ORDER.index(name) if name in ROLE_ORDER else len(ROLE_ORDER), naming.label(role))

    return tuple(
        RoleGroup(naming.term(role), tuple(sorted(people.values(), key=lambda p: p.agent.label.lower())))
        for role, people in sorted(by_role.items(), key=lambda item: order(item[0]))
    )


def _related(row: Row, naming: Naming) -> Related:
    earlier = "earlier" in row
    return Related(naming.term(row["relation"]), naming.term(row["earlier" if earlier else "later"]), earlier)


def _places(rows: Sequence[Row], naming: Naming) -> tuple[Term, ...]:
    """The place, then (for premises) where the organisation is, then what contains it, each once."""
    chain: list[Node] = []
    for row in sorted(rows, key=lambda r: str(r["place"])):
        for key in ("place", "premises", "up1", "up2", "up3"):
            if key in row and row[key] not in chain:
                chain.append(row[key])
    return tuple(naming.term(place) for place in chain)


def _events(rows: Sequence[Row], naming: Naming) -> tuple[Dated, ...]:
    made: dict[Node, Dated] = {}
    for row in rows:
        date, place = row.get("date"), row.get("place")
        made.setdefault(
            row["event"],
            Dated(
                naming.term(row["event"]),
                DateShown(naming.term(date), sort_key(date)) if isinstance(date, Literal) else None,
                naming.term(place) if place is not None else None,
            ),
        )
    return tuple(sorted(made.values(), key=lambda d: (d.date.key if d.date else "~", d.term.label.lower())))


def _people(rows: Sequence[Row], naming: Naming) -> tuple[Named, ...]:
    made = {
        row["holding"]: Named(
            naming.term(row["person"]),
            str(row["title"]) if "title" in row else None,
            naming.term(row["organization"]) if "organization" in row else None,
        )
        for row in rows
    }
    return tuple(sorted(made.values(), key=lambda n: (n.person.label.lower(), n.title or "")))
