"""The home page, grouped by what readers look for.

``/`` leads with institutions, people, agreements, events, topics and articles (counts, a few of each, the
network of institutions and the agreements in time); the classes of the model (participations, post
holdings, figures...) stay reachable under "For modellers". What it shows of the archive is the build's
overview (``overview.py``); a request only names those things in the reader's languages.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, render_template
from rdflib import URIRef

from publisher.web import publisher
from publisher.web.pages.indexes import KIND_OF_INDEX, Item, class_counts, item, naming_for, naming_languages
from publisher.web.pages.kinds import KINDS, Kind
from publisher.web.pages.overview import Overview, current_overview
from publisher.web.pages.pictures import Network, Timeline, web, yearly
from publisher.web.site.urls import site_url, web_base

bp = Blueprint("home", __name__, template_folder="templates")


@dataclass(frozen=True)
class Count:
    label: str
    value: int


@dataclass(frozen=True)
class KindGroup:
    kind: Kind
    count: int
    href: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class HomePage:
    counts: tuple[Count, ...]
    groups: tuple[KindGroup, ...]
    articles: tuple[Item, ...]
    network: Network | None
    timeline: Timeline | None
    classes: tuple[Item, ...]  # every class with its instance count, for modellers


@bp.get("/")
def home() -> str:
    # fixed by the build, up to the web base and the reader's languages: made once per both
    key = ("home", web_base(), naming_languages().chain)
    page = publisher().memos.value(key, lambda: home_page(current_overview()), "home pages", 32)
    return render_template("home.html", page=page)


def home_page(overview: Overview) -> HomePage:
    manifest = publisher().manifest
    counts = (
        Count("triples", manifest.triples if manifest else 0),
        Count("entities", manifest.entities if manifest else 0),
        Count("articles", sum(1 for g in (manifest.graphs if manifest else {}) if "/graph/article/" in g)),
    )
    shown = [m for s in overview.kinds.values() for m in s.examples]
    naming = naming_for(
        [p for p, _ in overview.institutions]
        + [m.iri for m in shown + list(overview.articles)]
        + [URIRef(c) for c in class_counts()]
    )
    agreements = {"organisation": dict(overview.institutions), "topic": dict(overview.topics)}  # the notes
    groups = tuple(
        KindGroup(
            kind,
            overview.kinds[kind.key].count,
            _kind_href(kind),
            tuple(
                item(
                    m,
                    naming,
                    _agreements_note(agreements[kind.key].get(m.iri, 0)) if kind.key in agreements else None,
                )
                for m in overview.kinds[kind.key].examples
            ),
        )
        for kind in KINDS
        if kind.key in overview.kinds
    )
    return HomePage(
        counts=counts,
        groups=groups,
        articles=tuple(item(m, naming) for m in overview.articles),
        network=web(
            [(naming.term(p), n) for p, n in overview.institutions],
            overview.pairs,
            "Institutions linked by their agreements",
        )
        if overview.institutions
        else None,
        timeline=yearly(dict(overview.timeline), "Agreements and events per year")
        if overview.timeline
        else None,
        classes=tuple(
            Item(naming.term(URIRef(c)), (), None, f"{n:,}")
            for c, n in sorted(class_counts().items(), key=lambda entry: (-entry[1], entry[0]))
        ),
    )


def _agreements_note(count: int) -> str | None:
    return f"{count} agreement" + ("" if count == 1 else "s") if count else None


def _kind_href(kind: Kind) -> str:
    if kind.key == "agreement":
        return site_url("partnerships")
    return site_url(next(name for name, key in KIND_OF_INDEX.items() if key == kind.key))
