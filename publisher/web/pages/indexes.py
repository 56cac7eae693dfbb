"""The indexes of what readers look for (the home page, ``home.py``, leads to them).

``/organisations``, ``/people``, ``/events``,
``/topics``, ``/articles``, ``/places`` list every thing of a kind, subclasses included (a college is an
organisation), with a kind column; ``/class?iri=`` does the same for any class. Each list is read and
sorted once per build (by date for events and articles, else by name) and paged from memory.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, abort, render_template, request
from rdflib import RDF, Literal, URIRef
from rdflib.term import Node

from publisher.queries import load_query, restricted
from publisher.web import publisher
from publisher.web.pages.describe import context
from publisher.web.pages.entities import classes
from publisher.web.pages.kinds import BY_KEY, Hierarchy
from publisher.web.pages.terms import Naming, Term
from publisher.web.site.dates import sort_key
from publisher.web.site.frame import site
from publisher.web.site.languages import requested
from publisher.web.site.params import iri_param, page_param
from publisher.web.site.urls import site_url, web_base

bp = Blueprint("indexes", __name__, template_folder="templates")

MEMBERS = load_query("kind-members.rq")
DATED_KINDS = frozenset({"event", "article"})  # listed newest first; the others by name
INDEXES = ("organisations", "people", "events", "topics", "articles", "places")
KIND_OF_INDEX = dict(
    zip(INDEXES, ("organisation", "person", "event", "topic", "article", "place"), strict=True)
)


@dataclass(frozen=True)
class Member:
    iri: URIRef
    types: tuple[URIRef, ...]  # its most specific types among the listed classes
    date: Literal | None


@dataclass(frozen=True)
class Item:
    term: Term
    kinds: tuple[Term, ...]
    date: Term | None
    note: str | None = None


@dataclass(frozen=True)
class IndexPage:
    heading: str
    iri: str | None
    items: tuple[Item, ...]
    first: int
    total: int
    prev_href: str | None
    next_href: str | None
    dated: bool

    @property
    def last(self) -> int:
        return self.first + len(self.items) - 1


@bp.app_context_processor
def site_context() -> dict[str, Any]:
    return {"site": site()}


def kind_index(name: str) -> str:
    kind = BY_KEY[KIND_OF_INDEX[name]]
    listed = members(kind.roots, kind.key in DATED_KINDS)
    return render_template(
        "index.html", page=index_page(kind.plural, None, listed, kind.key in DATED_KINDS, name)
    )


for _name in INDEXES:
    bp.add_url_rule(f"/{_name}", _name, (lambda n: lambda: kind_index(n))(_name))


@bp.get("/class")
def class_index() -> str:
    cls = iri_param(request.args, "iri")
    published = class_counts()  # the manifest's: an IRI no instance has costs no query (nor a memo entry)
    known = not published or any(str(c) in published for c in classes().members((cls,)))
    listed = members((cls,)) if known else ()
    if not listed:
        abort(404, description=f"No instance of <{cls}> is published; the home page lists the classes.")
    label = naming_for([cls]).label(cls)
    return render_template("index.html", page=index_page(label, str(cls), listed, False, "class"))


# ---------------------------------------------------------------- models


def class_counts() -> dict[str, int]:
    manifest = publisher().manifest
    return dict(manifest.classes) if manifest else {}


def members(roots: Sequence[Node], dated: bool = False) -> tuple[Member, ...]:
    """Every instance of ``roots`` and their subclasses, newest first if ``dated`` else by name (in
    English, so a list has one order for every reader), once per build."""
    key = ("members", tuple(sorted(map(str, roots))), dated)
    return publisher().memos.value(key, lambda: _members(roots, classes(), dated), "members", 64)


def _members(roots: Sequence[Node], hierarchy: Hierarchy, dated: bool) -> tuple[Member, ...]:
    wanted = hierarchy.members(roots)
    types: dict[Node, set[URIRef]] = defaultdict(set)
    dates: dict[Node, Literal] = {}
    for row in publisher().store.select(restricted(MEMBERS, "type", wanted), capped=False).rows:
        types[row["x"]].add(row["type"])  # type: ignore[arg-type]
        if isinstance(row.get("date"), Literal) and sort_key(row["date"]) > sort_key(dates.get(row["x"])):
            dates[row["x"]] = row["date"]  # type: ignore[assignment]
    made = [
        Member(x, _most_specific(found, hierarchy), dates.get(x))
        for x, found in types.items()
        if isinstance(x, URIRef)
    ]
    if dated:
        return tuple(sorted(made, key=lambda m: (sort_key(m.date), str(m.iri)), reverse=True))
    found = context(publisher().store, [m.iri for m in made])  # not memoised: a list is sorted once
    names = Naming.from_context(publisher().namespace, "", found)
    return tuple(sorted(made, key=lambda m: (names.label(m.iri).lower(), str(m.iri))))


def _most_specific(types: set[URIRef], hierarchy: Hierarchy) -> tuple[URIRef, ...]:
    """Those of ``types`` that no other of them falls under."""
    return tuple(
        sorted((t for t in types if not any(t != o and t in hierarchy.above(o) for o in types)), key=str)
    )


def index_page(
    heading: str, iri: str | None, listed: Sequence[Member], dated: bool, endpoint: str
) -> IndexPage:
    size = publisher().settings.page_size
    page = page_param(request.args)
    shown = listed[(page - 1) * size : page * size]
    if page > 1 and not shown:
        abort(404, description="This page is past the end of the list; the first page has no ?page.")
    naming = naming_for([m.iri for m in shown] + [t for m in shown for t in m.types])
    args = {"iri": iri} if iri else {}
    return IndexPage(
        heading=heading,
        iri=iri,
        items=tuple(item(m, naming) for m in shown),
        first=(page - 1) * size + 1,
        total=len(listed),
        prev_href=_href(endpoint, page=page - 1, **args) if page > 1 else None,
        next_href=_href(endpoint, page=page + 1, **args) if page * size < len(listed) else None,
        dated=dated,
    )


def item(member: Member, naming: Naming, note: str | None = None) -> Item:
    date = naming.term(member.date) if member.date is not None else None
    return Item(naming.term(member.iri), tuple(naming.term(t) for t in member.types), date, note)


def naming_for(iris: Sequence[Node], with_types: bool = False) -> Naming:
    """Labels (and types, image URLs) of ``iris`` in the reader's languages, ready to make terms with;
    ``with_types``: the labels of their types too (to say what each thing is)."""
    memo = publisher().memos.memo("describe.context", 20_000)
    found = list(context(publisher().store, [i for i in iris if isinstance(i, URIRef)], memo))
    if with_types:
        types = {o for _s, p, o in found if p == RDF.type and isinstance(o, URIRef)}
        found += context(publisher().store, types, memo)
    return Naming.from_context(publisher().namespace, web_base(), found, languages=naming_languages())


def naming_languages() -> Any:
    return requested(request.args, request.accept_languages)


def _href(endpoint: str, **args: object) -> str:
    path = "class" if endpoint == "class" else endpoint
    return site_url(path) + "?" + urlencode({k: str(v) for k, v in args.items()})
