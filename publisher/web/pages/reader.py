"""What a page shows beyond a thing's own statements, by what readers look for in it: one place that decides,
from the thing's kind, which sections a page has and which queries feed them.

``QUERIES`` names, per kind, the fixed queries whose patterns the page reads, joined on the variables
they share with ``?this``; the build uses it to know which pages a change can reach (``prerender.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from rdflib import URIRef

from publisher.memo import BoundedMemo
from publisher.store import Store
from publisher.web.pages.kinds import Hierarchy, Kind
from publisher.web.pages.occasions import (
    Occasion,
    OccasionView,
    fetch_agreement,
    fetch_article,
    fetch_event,
    occasion_view,
)
from publisher.web.pages.organisations import OrgData, OrgView, fetch_org, org_view
from publisher.web.pages.people import PersonData, PersonView, fetch_person, person_view
from publisher.web.pages.terms import Naming
from publisher.web.site.labels import SDO

View = OrgView | PersonView | OccasionView
Data = OrgData | PersonData | Occasion


@dataclass(frozen=True)
class Walk:
    """The queries one page section reads: ``root`` starts at ``?this``; each of ``details`` is restricted to
    the values of the root's ``on`` variable (a VALUES block), and shares no other variable with it. With
    no root the details are about the page's subject itself (``?on`` stands for ``?this``)."""

    root: str | None
    details: tuple[str, ...] = ()
    on: str = "this"


AGREEMENT_DETAILS: Final = ("agreement-facts.rq", "agreement-events.rq", "agreement-signatories.rq")
HOLDING_DETAILS: Final = ("holding-facts.rq", "holding-dates.rq")
QUERIES: Final[dict[str, tuple[Walk, ...]]] = {
    "organisation": (
        Walk("org-agreements.rq", AGREEMENT_DETAILS, "agreement"),
        Walk("org-partners.rq"),
        Walk("org-units.rq"),
        Walk("org-holdings.rq", HOLDING_DETAILS, "holding"),
        Walk("org-events.rq", ("event-roles.rq",), "event"),
    ),
    "person": (
        Walk("person-holdings.rq", HOLDING_DETAILS, "holding"),
        Walk("person-event-list.rq", ("person-events.rq",), "event"),
        Walk("person-signed.rq", AGREEMENT_DETAILS, "agreement"),
        Walk("person-companions.rq"),
        Walk("person-identities.rq"),
    ),
    "agreement": (
        Walk(None, AGREEMENT_DETAILS, "agreement"),
        Walk("agreement-people.rq"),
        Walk("agreement-related.rq"),
    ),
    "event": (
        Walk("event-agreements.rq", AGREEMENT_DETAILS, "agreement"),
        Walk("event-participants.rq"),
        Walk("event-place.rq"),
    ),
    "article": (
        Walk("article-reports.rq", AGREEMENT_DETAILS, "agreement"),
        Walk("article-events.rq"),
        Walk("article-people.rq"),
    ),
}


@dataclass(frozen=True)
class Reading:
    kind: Kind | None
    data: Data | None

    def iris(self) -> set[URIRef]:
        return self.data.iris() if self.data is not None else set()


def read(
    store: Store,
    iri: URIRef,
    kind: Kind | None,
    hierarchy: Hierarchy,
    organisations: BoundedMemo[URIRef, OrgData] | None = None,
) -> Reading:
    """What the sections of ``iri``'s page need, for its kind (nothing for a modelling node); a hub
    organisation's kept in ``organisations`` (``organisations.fetch_org``)."""
    key = kind.key if kind else None
    data: Data | None = None
    if key == "organisation":
        data = fetch_org(store, iri, organisations)
    elif key == "person":
        data = fetch_person(store, iri)
    elif key == "agreement":
        data = fetch_agreement(store, iri)
    elif key == "event":
        data = fetch_event(store, iri)
    elif key == "article":
        data = fetch_article(store, iri, event_classes(hierarchy))
    return Reading(kind, data)


def event_classes(hierarchy: Hierarchy) -> Sequence[URIRef]:
    return hierarchy.members((SDO.Event,))


def view(reading: Reading, iri: URIRef, naming: Naming) -> View | None:
    data = reading.data
    if isinstance(data, OrgData):
        return org_view(data, iri, naming)
    if isinstance(data, PersonData):
        return person_view(data, iri, naming)
    if isinstance(data, Occasion):
        return occasion_view(data, naming)
    return None
