"""The entry points for people: the home page, label search and the browsable class indexes.

``/`` says what the dataset is (title and counts from the build manifest, so no query counts triples
on a request), lists classes with their instance counts and the newest articles. ``/search?q=`` finds
labels containing a phrase (the phrase is bound as a literal). ``/class?iri=`` pages a class's members.
Lists fetch one row more than they show, to know whether a next page exists without counting.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, abort, render_template, request, url_for
from rdflib import Literal, URIRef
from rdflib.term import Identifier, Node
from werkzeug.exceptions import BadRequest

from publisher.queries import load_query, with_window
from publisher.web import publisher
from publisher.web.pages.describe import context
from publisher.web.pages.models import Naming, Term
from publisher.web.site.labels import LABEL_PREDICATES, fallback_label
from publisher.web.site.params import iri_param, page_param
from publisher.web.site.urls import web_base

bp = Blueprint("home", __name__, template_folder="templates")

NEWEST = load_query("newest-articles.rq")
SEARCH = load_query("search.rq", label_predicates=LABEL_PREDICATES)
MEMBERS = load_query("class-members.rq")
NEWEST_SHOWN = 10
MAX_QUERY_CHARS = 200
MAX_SEARCH_RESULTS = 1000  # a search never pages past this many hits


@dataclass(frozen=True)
class Site:
    """What every page's frame shows (``site`` in templates)."""

    title: str
    short_title: str
    build_id: str | None
    licence: str
    licence_label: str
    links: Mapping[str, str]


@dataclass(frozen=True)
class Count:
    label: str
    value: int


@dataclass(frozen=True)
class ClassEntry:
    term: Term  # links to the class's index page
    count: int


@dataclass(frozen=True)
class Article:
    term: Term
    published: str | None


@dataclass(frozen=True)
class HomePage:
    counts: tuple[Count, ...]
    classes: tuple[ClassEntry, ...]
    articles: tuple[Article, ...]


@dataclass(frozen=True)
class ListPage:
    """One page of a list of things (search hits, class members)."""

    heading: Term | None
    items: tuple[Term, ...]
    first: int
    total: int | None  # known for class indexes (from the manifest), not for searches
    prev_href: str | None
    next_href: str | None

    @property
    def last(self) -> int:
        return self.first + len(self.items) - 1


@bp.app_context_processor
def site_context() -> dict[str, Any]:
    return {"site": site()}


@bp.get("/")
def index() -> str:
    # counts, classes and newest articles are fixed by the build: computed once per build and web base
    return render_template("home.html", page=publisher().memos.value(f"home {web_base()}", home_page))


@bp.get("/search")
def search() -> str:
    phrase = request.args.get("q", "").strip()[:MAX_QUERY_CHARS]
    page = page_param(request.args)
    results = search_page(phrase, page) if phrase else None
    return render_template("search.html", phrase=phrase, results=results)


@bp.get("/class")
def class_index() -> str:
    cls = iri_param(request.args, "iri")
    manifest = publisher().manifest
    if manifest is not None and str(cls) not in manifest.classes:
        abort(404, description=f"No instance of <{cls}> is published; the home page lists the classes.")
    return render_template("class.html", page=class_page(cls, page_param(request.args)))


# ---------------------------------------------------------------- models


def site() -> Site:
    settings, manifest = publisher().settings, publisher().manifest
    base = request.script_root + "/"
    links = {
        "home": base,
        "search": url_for("home.search"),
        "sparql": base + "sparql",
        "ontology": base + "ontology",
        "void": base + ".well-known/void",
        "dumps": base + "dumps/",
    }
    build_id = manifest.build_id if manifest else None
    return Site(settings.title, "kgpub", build_id, settings.licence, _licence_label(settings.licence), links)


def home_page() -> HomePage:
    manifest = publisher().manifest
    counts = (
        Count("triples", manifest.triples if manifest else 0),
        Count("entities", manifest.entities if manifest else 0),
        Count("graphs", len(manifest.graphs) if manifest else 0),
    )
    class_counts = dict(manifest.classes) if manifest else {}
    rows = publisher().store.select(with_window(NEWEST, NEWEST_SHOWN)).rows
    newest = [iri for row in rows if isinstance(iri := row["article"], URIRef)]
    naming = naming_for([URIRef(c) for c in class_counts] + newest)
    articles = tuple(Article(naming.term(row["article"]), _date(row.get("published"))) for row in rows)
    return HomePage(counts, class_entries(class_counts, naming), articles)


def class_entries(class_counts: Mapping[str, int], naming: Naming) -> tuple[ClassEntry, ...]:
    """Classes by instance count (then name), each linking to its index rather than its definition."""
    entries = [
        ClassEntry(replace(naming.term(URIRef(iri)), href=class_href(iri), external=False), count)
        for iri, count in class_counts.items()
    ]
    return tuple(sorted(entries, key=lambda entry: (-entry.count, entry.term.label.lower())))


def search_page(phrase: str, page: int) -> ListPage:
    """Hits for ``phrase``; pages stop at ``MAX_SEARCH_RESULTS`` so a one-letter search stays cheap."""
    size = publisher().settings.page_size
    last_page = max(1, MAX_SEARCH_RESULTS // size)
    if page > last_page:
        raise BadRequest(f"Search results stop after {MAX_SEARCH_RESULTS} hits; try a longer phrase.")
    nodes = window_of(SEARCH, {"q": Literal(phrase)}, page, size)
    return list_page(
        None, nodes, page, size, None, lambda n: _href("home.search", q=phrase, page=n), last_page
    )


def class_page(cls: URIRef, page: int) -> ListPage:
    """Members of ``cls`` in IRI order; the total comes from the manifest, not from a COUNT per request."""
    size = publisher().settings.page_size
    manifest = publisher().manifest
    total = manifest.classes.get(str(cls)) if manifest else None
    nodes = window_of(MEMBERS, {"class": cls}, page, size)
    return list_page(cls, nodes, page, size, total, lambda n: _href("home.class_index", iri=cls, page=n))


def window_of(query: str, bindings: Mapping[str, Identifier], page: int, size: int) -> list[Node]:
    """Page ``page`` of the ``?x`` column, plus one row more (its presence means a next page exists)."""
    rows = publisher().store.select(with_window(query, size + 1, (page - 1) * size), bindings).rows
    return [row["x"] for row in rows]


def list_page(
    heading: URIRef | None,
    nodes: Sequence[Node],
    page: int,
    size: int,
    total: int | None,
    href: Callable[[int], str],
    last_page: int | None = None,
) -> ListPage:
    shown = list(nodes[:size])
    naming = naming_for([n for n in shown if isinstance(n, URIRef)] + ([heading] if heading else []))
    more = len(nodes) > size and (last_page is None or page < last_page)
    return ListPage(
        heading=naming.term(heading) if heading else None,
        items=tuple(naming.term(n) for n in shown),
        first=(page - 1) * size + 1,
        total=total,
        prev_href=href(page - 1) if page > 1 else None,
        next_href=href(page + 1) if more else None,
    )


def naming_for(iris: Sequence[URIRef]) -> Naming:
    """Labels (and types, image URLs) of ``iris``, ready to make terms with."""
    found = context(publisher().store, iris)
    return Naming.from_context(publisher().namespace, web_base(), found)


def class_href(cls: str) -> str:
    return _href("home.class_index", iri=cls)


def _href(endpoint: str, **args: object) -> str:
    return url_for(endpoint) + "?" + urlencode({k: str(v) for k, v in args.items()})


def _date(value: Node | None) -> str | None:
    return str(value)[:10] if value is not None else None


def _licence_label(iri: str) -> str:
    known = {"https://creativecommons.org/licenses/by/4.0/": "CC BY 4.0"}
    return known.get(iri, fallback_label(iri))
