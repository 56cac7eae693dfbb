"""Agreements as readers ask about them: who partnered with whom, when, and who signed for each side.

One row model (:class:`AgreementRow`) serves every page that lists agreements (an organisation's, a
person's, an event's, an article's, the agreement's own, the partnership explorer). Fetching is bounded by
the caller, who passes the agreements to show (a hub is a party of thousands: its page shows the latest
few); three queries then read them all, each starting from those agreements (``queries.restricted``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rdflib import DCTERMS, RDF, Literal, URIRef
from rdflib.term import Node

from publisher.queries import load_query
from publisher.store import Row, Store
from publisher.web.pages.answers import DateShown, Facts, by_key, dated, facts, first, iris_in, rows_for
from publisher.web.pages.terms import Naming, Term
from publisher.web.site.labels import KGO, PROV, SDO

RELATIONS = tuple(
    KGO[name]
    for name in ("relatedAgreement", "follows", "buildsOn", "supplements", "renews", "deepens", "implements")
)
FACTS = load_query("agreement-facts.rq", relations=RELATIONS)
EVENTS = load_query("agreement-events.rq")
SIGNATORIES = load_query("agreement-signatories.rq")


@dataclass(frozen=True)
class AgreementData:
    """What the store says about some agreements: their facts, their signing events' facts, signatories."""

    facts: Facts
    events: Facts  # event -> predicate -> objects
    signatories: tuple[Row, ...]

    def iris(self) -> set[URIRef]:
        named = {
            term
            for of in (self.facts, self.events)
            for by_p in of.values()
            for v in by_p.values()
            for term in v
        }
        named |= {term for of in (self.facts, self.events) for term in of}
        return {term for term in named if isinstance(term, URIRef)} | iris_in(self.signatories)


NO_AGREEMENTS = AgreementData({}, {}, ())


def fetch_agreements(store: Store, agreements: Sequence[URIRef]) -> AgreementData:
    """The facts, events and signatories of ``agreements`` (three queries per chunk of them)."""
    fact_rows = rows_for(store, FACTS, "agreement", agreements)
    event_rows = rows_for(store, EVENTS, "agreement", agreements)
    signatory_rows = rows_for(store, SIGNATORIES, "agreement", agreements)
    return AgreementData(facts(fact_rows, "agreement"), facts(event_rows, "event"), tuple(signatory_rows))


@dataclass(frozen=True)
class Signature:
    person: Term
    title: str | None  # the title as printed, else the post's name
    party: Term | None  # on whose behalf, where the text says


@dataclass(frozen=True)
class Side:
    """One party of an agreement and who signed for it (often nobody the text names)."""

    party: Term
    signatories: tuple[Signature, ...]


@dataclass(frozen=True)
class AgreementRow:
    agreement: Term
    kind: Term | None
    date: DateShown | None
    sides: tuple[Side, ...]
    other_signatories: tuple[Signature, ...]  # signed for someone who is not a party (a unit, say)
    event: Term | None
    place: Term | None
    sources: tuple[Term, ...]
    topics: tuple[Term, ...]
    is_cooperation: bool

    def partners_of(self, party: str) -> tuple[Side, ...]:
        """The sides other than ``party`` (an IRI): whom that party partnered with here."""
        return tuple(side for side in self.sides if side.party.iri != party)


def agreement_rows(
    data: AgreementData, agreements: Iterable[URIRef], naming: Naming
) -> tuple[AgreementRow, ...]:
    """Rows for ``agreements`` (in the order given) from what :func:`fetch_agreements` read."""
    signed = by_key(data.signatories, "agreement")
    return tuple(_row(agreement, data, signed.get(agreement, []), naming) for agreement in agreements)


def _row(agreement: URIRef, data: AgreementData, signed: list[Row], naming: Naming) -> AgreementRow:
    of = data.facts.get(agreement, {})
    event = first(of, KGO.signedAt)
    event_facts = data.events.get(event, {}) if event is not None else {}
    signatures = _signatures(signed, naming)
    parties = sorted((naming.term(p) for p in of.get(KGO.party, ())), key=lambda t: t.label.lower())
    party_iris = {p.iri for p in parties}
    kind = first(of, DCTERMS.type)
    place = first(event_facts, SDO.location)
    return AgreementRow(
        agreement=naming.term(agreement),
        kind=naming.term(kind) if kind is not None else None,
        date=row_date(naming, of, event_facts),
        sides=tuple(
            Side(p, tuple(s for s in signatures if s.party and s.party.iri == p.iri)) for p in parties
        ),
        other_signatories=tuple(s for s in signatures if s.party is None or s.party.iri not in party_iris),
        event=naming.term(event) if event is not None else None,
        place=naming.term(place) if place is not None else None,
        sources=tuple(naming.term(a) for a in of.get(PROV.wasDerivedFrom, ())),
        topics=tuple(
            sorted((naming.term(t) for t in of.get(DCTERMS.subject, ())), key=lambda t: t.label.lower())
        ),
        is_cooperation=KGO.Cooperation in of.get(RDF.type, ()),
    )


def row_date(
    naming: Naming, agreement: Mapping[Node, tuple[Node, ...]], event: Mapping[Node, tuple[Node, ...]]
) -> DateShown | None:
    """The agreement's own date, else its signing event's (each marked inferred where the editor says so)."""
    own = first(agreement, DCTERMS.date)
    if isinstance(own, Literal):
        return dated(naming, own, agreement, DCTERMS.date)
    return dated(naming, first(event, SDO.startDate), event, SDO.startDate)


def _signatures(rows: list[Row], naming: Naming) -> tuple[Signature, ...]:
    """One signature per participation (several capacities give several rows), ordered by name."""
    made: dict[Node, Signature] = {}
    for row in sorted(rows, key=lambda r: (str(r["participation"]), str(r.get("title", "")))):
        if row["participation"] in made:
            continue
        party = row.get("for")
        made[row["participation"]] = Signature(
            naming.term(row["agent"]), _title(row, naming), naming.term(party) if party is not None else None
        )
    return tuple(sorted(made.values(), key=lambda s: s.person.label.lower()))


def _title(row: Row, naming: Naming) -> str | None:
    for key in ("title", "post", "role"):
        if key in row:
            return str(row[key]) if key == "title" else naming.label(row[key])
    return None


def date_key(row: AgreementRow) -> tuple[str, str]:
    """Newest first when sorted in reverse: by the date as stated, then by name."""
    return (row.date.key if row.date else "", row.agreement.label.lower())
