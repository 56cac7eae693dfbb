"""An entity's HTML page, assembled: the reader's sections for its kind (``reader.py``) first, then every
statement (``models.py``), named in the reader's languages, with the metadata search engines and link
previews read (a one-line description, the canonical URL, schema.org JSON-LD carrying partnerships).

The query step is ``describe`` plus ``reader.read``; labels of everything both name are fetched in one
pass (``context``), so a page costs a handful of queries however many sections it has.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from jinja2.utils import htmlsafe_json_dumps
from rdflib import RDF, Literal, URIRef
from rdflib.term import Node

from publisher.memo import BoundedMemo
from publisher.store import Store
from publisher.web.pages.agreements import AgreementRow
from publisher.web.pages.describe import Description, Memos, context
from publisher.web.pages.kinds import Hierarchy, Kind
from publisher.web.pages.models import Alternate, Section, sections_of
from publisher.web.pages.occasions import OccasionView
from publisher.web.pages.organisations import OrgData, OrgView
from publisher.web.pages.people import PersonView
from publisher.web.pages.reader import View, read, view
from publisher.web.pages.terms import Naming, Term, TermMemo
from publisher.web.site.labels import LABEL_RANK, PREFIXES, SDO
from publisher.web.site.languages import Languages
from publisher.web.site.serialize import Triple, canonical_json, json_ld

JSONLD_CONTEXT = {"@vocab": str(SDO), **{p: ns for p, ns in PREFIXES.items() if p != "schema"}}
DESCRIPTION_CHARS = 300


@dataclass(frozen=True)
class EntityPage:
    iri: str
    title: Term  # the name in the reader's language
    names_beside: tuple[Term, ...]  # in other languages
    kind: Kind | None
    types: tuple[Term, ...]
    summary: str  # one line: the meta description and the page's lead
    view: View | None  # the reader's sections, for an institution, a person, an agreement...
    sections: tuple[Section, ...]  # every statement
    alternates: tuple[Alternate, ...]
    canonical: str
    json_ld: str  # already safe to place inside <script> (no "</", "<", ">", "&")
    focused: bool  # showing one property's values only (a "more" link was followed)
    languages: frozenset[str]  # the label languages of the page's terms (which language variants exist)

    @property
    def org(self) -> OrgView | None:
        return self.view if isinstance(self.view, OrgView) else None

    @property
    def person(self) -> PersonView | None:
        return self.view if isinstance(self.view, PersonView) else None

    @property
    def occasion(self) -> OccasionView | None:
        return self.view if isinstance(self.view, OccasionView) else None


@dataclass(frozen=True)
class Where:
    """Where a page is made for: the namespace, the web base its links go to, the reader's languages."""

    namespace: str
    web_base: str
    languages: Languages
    shared: TermMemo | None = None


def entity_page(
    store: Store,
    description: Description,
    where: Where,
    hierarchy: Hierarchy,
    memos: Memos,
    alternates: tuple[Alternate, ...],
    canonical: str,
    organisations: BoundedMemo[URIRef, OrgData] | None = None,
) -> EntityPage:
    """The page model of a description: its kind's sections (on a whole page, not a focused window; a hub
    organisation's kept in ``organisations``), every statement, names in the reader's languages."""
    iri = description.iri
    types = [
        s.value for s in description.statements if s.group.subject == iri and s.group.predicate == RDF.type
    ]
    kind = hierarchy.kind_of(types)
    reading = read(store, iri, kind if description.window.focus is None else None, hierarchy, organisations)
    extra = tuple(context(store, reading.iris() - {t[0] for t in description.context}, memos.context))
    rows = description.context + extra
    naming = Naming.from_context(where.namespace, where.web_base, rows, where.shared, where.languages)
    shown = view(reading, iri, naming)
    title = naming.term(iri)
    return EntityPage(
        iri=str(iri),
        title=title,
        names_beside=naming.names_beside(iri),
        kind=kind,
        types=tuple(naming.term(t) for t in sorted(types, key=str)),
        summary=summary(title.label, kind, shown, description, naming),
        view=shown,
        sections=sections_of(description, naming),
        alternates=alternates,
        canonical=canonical,
        json_ld=embedded_json_ld(description, shown, naming),
        focused=description.window.focus is not None,
        languages=frozenset(
            o.language for _s, p, o in rows if p in LABEL_RANK and isinstance(o, Literal) and o.language
        ),
    )


def summary(
    name: str, kind: Kind | None, shown: View | None, description: Description, naming: Naming
) -> str:
    """One line saying what the page is about, for people and for search engines' snippets."""
    what = kind.singular if kind else "record"
    if isinstance(shown, OrgView) and shown.agreements:
        partners = len(shown.partners) + shown.more_partners
        line = f"{name}: {_count(shown.agreements, 'agreement')} with {_count(partners, 'partner')}"
        return line + (f", {span}." if (span := _span(shown)) else ".")
    if isinstance(shown, PersonView) and shown.posts:
        post = shown.posts[0]
        org = post.organisation.label if post.organisation else None
        held = f"{post.title} ({org})" if org and post.title and org not in post.title else post.title
        return f"{name}, {held or what}: posts held, events and agreements signed."
    if isinstance(shown, OccasionView) and shown.rows and kind and kind.key == "agreement":
        row = shown.rows[0]
        parties = ", ".join(side.party.label for side in row.sides)
        return f"{name}: between {parties}" + (f", {row.date.term.label}." if row.date else ".")
    text = _description_text(description)
    return f"{name}: {text}" if text else f"{name}, a {what} in the kgpub knowledge graph of university news."


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _span(shown: OrgView) -> str | None:
    dates = [p.first for p in shown.partners if p.first] + [p.latest for p in shown.partners if p.latest]
    if not dates:
        return None
    ordered = sorted(dates, key=lambda t: t.machine or "")
    first, last = ordered[0].machine or "", ordered[-1].machine or ""
    return first[:4] if first[:4] == last[:4] else f"{first[:4]}–{last[:4]}"


def _description_text(description: Description) -> str | None:
    texts = sorted(
        str(s.value)
        for s in description.statements
        if s.group.subject == description.iri
        and s.group.predicate == SDO.description
        and isinstance(s.value, Literal)
    )
    if not texts:
        return None
    text = texts[0]
    return text if len(text) <= DESCRIPTION_CHARS else text[: DESCRIPTION_CHARS - 1].rsplit(" ", 1)[0] + "…"


def embedded_json_ld(description: Description, shown: View | None, naming: Naming) -> str:
    """The entity's own statements as JSON-LD, plus, for an organisation, its partnerships as schema.org
    events (the signing ceremonies, their date, place and attending parties), which search engines read;
    safe inside ``<script>`` (``<``, ``>``, ``&`` escaped)."""
    triples = [s.triple for s in description.statements if s.group.direction == "out"]
    if isinstance(shown, OrgView):
        triples += partnership_triples(description.iri, shown.rows)
    text = canonical_json(json_ld(triples, JSONLD_CONTEXT))
    return str(htmlsafe_json_dumps(json.loads(text), indent=1))


def partnership_triples(org: URIRef, rows: tuple[AgreementRow, ...]) -> list[Triple]:
    """Each agreement's signing as a ``schema:Event`` of the organisation, attended by the parties."""
    triples: list[Triple] = []
    for row in rows:
        if row.event is None or row.event.iri is None:
            continue
        event = URIRef(row.event.iri)
        triples += [
            (org, SDO.event, event),
            (event, RDF.type, SDO.Event),
            (event, SDO.name, _named(row.event)),
        ]
        if row.agreement.iri:
            agreement = URIRef(row.agreement.iri)
            triples += [(event, SDO.about, agreement), (agreement, SDO.name, _named(row.agreement))]
        if row.date and row.date.term.machine:
            triples.append((event, SDO.startDate, Literal(row.date.term.machine)))
        for side in row.sides:
            if side.party.iri:
                party = URIRef(side.party.iri)
                triples += [(event, SDO.attendee, party), (party, SDO.name, _named(side.party))]
    return triples


def _named(term: Term) -> Node:
    return Literal(term.label, lang=term.lang)
