"""Search by name: ``/search?q=`` and the suggestions the search box asks for as one types
(``/search/suggest?q=``, a small JSON answer).

Every label in every language is searched (the phrase is bound as a literal, never spliced). Hits are
ranked: a name that is the phrase first; then the things readers look for (institutions, people,
agreements, events...) before modelling nodes (participations, post holdings...), whose names only
describe a role in something else; within each, names starting with the phrase, then names with a word
starting with it, then any; then by kind, shorter names, IRIs, so the order is the same on every store.
Each hit says what it is and, where known, when, or how many agreements.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import Blueprint, Response, render_template, request
from rdflib import Literal, URIRef
from rdflib.term import Node
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest

from publisher.queries import load_query, with_window
from publisher.web import publisher
from publisher.web.pages.entities import classes
from publisher.web.pages.explorer import index
from publisher.web.pages.indexes import naming_for
from publisher.web.pages.kinds import KINDS, Kind
from publisher.web.pages.terms import Naming, Term
from publisher.web.site.labels import LABEL_PREDICATES
from publisher.web.site.params import iri_param, page_param
from publisher.web.site.urls import site_url

bp = Blueprint("search", __name__, template_folder="templates")

SEARCH = load_query("search.rq", label_predicates=LABEL_PREDICATES)
MAX_QUERY_CHARS = 200
MAX_HITS = 1000  # hits ranked per search (a one-letter phrase matches most of the archive)
SUGGESTIONS = 8
SUGGEST_HITS = 200
SUGGEST_MIN_CHARS = 2
MAX_LABELS = 200  # IRIs named per request (a page of query results)


@dataclass(frozen=True)
class Hit:
    term: Term
    kind: str  # "Institution · university", "Participation"...
    note: str | None  # a date, or how many agreements
    matched: Term | None  # the name that matched, when it is not the one shown (another language)


@dataclass(frozen=True)
class Results:
    phrase: str
    hits: tuple[Hit, ...]
    total: int
    capped: bool  # more than MAX_HITS matched
    first: int
    prev_href: str | None
    next_href: str | None

    @property
    def last(self) -> int:
        return self.first + len(self.hits) - 1


@dataclass(frozen=True)
class Found:
    """One thing matched: its IRI, the labels that matched, its date."""

    iri: URIRef
    labels: tuple[Literal, ...]
    date: Literal | None


@bp.get("/search")
def search() -> str:
    phrase = _phrase()
    results = results_page(phrase) if phrase else None
    return render_template("search.html", phrase=phrase, results=results)


@bp.get("/search/suggest")
def suggest() -> Response:
    """Up to ``SUGGESTIONS`` names for what is typed so far: ``{"query", "suggestions": [{label, kind,
    href}]}``; nothing under ``SUGGEST_MIN_CHARS`` characters (every thing has an "a")."""
    phrase = _phrase()
    found = found_for(phrase, SUGGEST_HITS) if len(phrase) >= SUGGEST_MIN_CHARS else []
    naming = naming_for([f.iri for f in found], with_types=True)
    ranked = ranked_hits(found, phrase, naming)[:SUGGESTIONS]
    body = {
        "query": phrase,
        "suggestions": [{"label": h.term.label, "kind": h.kind, "href": h.term.href} for _, h in ranked],
    }
    return Response(json.dumps(body, ensure_ascii=False), mimetype="application/json")


@bp.get("/search/labels")
def labels() -> Response:
    """Names for IRIs of this dataset (``?iri=...``, repeated, at most ``MAX_LABELS``), in the reader's
    languages: ``{iri: {"label", "href"}}``. The query page shows result IRIs by these names."""
    asked = request.args.getlist("iri")
    if len(asked) > MAX_LABELS:
        raise BadRequest(f"At most {MAX_LABELS} IRIs at once.")
    namespace = publisher().namespace
    iris = [iri_param(MultiDict({"iri": i}), "iri") for i in asked if i.startswith(namespace)]
    naming = naming_for(iris)
    named = {str(i): {"label": naming.label(i), "href": naming.term(i).href} for i in iris}
    return Response(json.dumps(named, ensure_ascii=False), mimetype="application/json")


def _phrase() -> str:
    return request.args.get("q", "").strip()[:MAX_QUERY_CHARS]


def found_for(phrase: str, limit: int) -> list[Found]:
    """The things whose labels contain ``phrase`` (at most ``limit`` matching labels read)."""
    rows = publisher().store.select(with_window(SEARCH, limit), {"q": Literal(phrase)}).rows
    labels: dict[Node, list[Literal]] = {}
    dates: dict[Node, Literal] = {}
    for row in rows:
        labels.setdefault(row["x"], []).append(row["label"])  # type: ignore[arg-type]
        if isinstance(row.get("date"), Literal):
            dates[row["x"]] = row["date"]  # type: ignore[assignment]
    return [
        Found(x, tuple(sorted(set(found), key=str)), dates.get(x))
        for x, found in labels.items()
        if isinstance(x, URIRef)
    ]


def results_page(phrase: str) -> Results:
    size = publisher().settings.page_size
    page = _page(size)
    found = found_for(phrase, MAX_HITS + 1)
    naming = naming_for([f.iri for f in found], with_types=True)
    ranked = [hit for _, hit in ranked_hits(found, phrase, naming)]
    shown = ranked[(page - 1) * size : page * size]
    return Results(
        phrase=phrase,
        hits=tuple(shown),
        total=min(len(ranked), MAX_HITS),
        capped=len(ranked) > MAX_HITS,
        first=(page - 1) * size + 1,
        prev_href=_href(phrase, page - 1) if page > 1 else None,
        next_href=_href(phrase, page + 1) if page * size < min(len(ranked), MAX_HITS) else None,
    )


def _page(size: int) -> int:
    page = page_param(request.args)
    if (page - 1) * size >= MAX_HITS:
        raise BadRequest(f"Search results stop after {MAX_HITS} hits; try a longer phrase.")
    return page


def ranked_hits(found: Sequence[Found], phrase: str, naming: Naming) -> list[tuple[tuple[object, ...], Hit]]:
    """Hits in rank order (see the module docstring), each with the key it was ranked by."""
    wanted = phrase.lower()
    hierarchy = classes()
    agreements = index().institutions()
    made = []
    for f in found:
        kind = hierarchy.kind_of(naming.types(f.iri))
        shown = naming.term(f.iri)
        match = min((_match(str(label).lower(), wanted), str(label)) for label in f.labels)
        key = (
            match[0] > 0,
            kind is None,
            match[0],
            _kind_rank(kind),
            len(shown.label),
            shown.label.lower(),
            str(f.iri),
        )
        matched = next((label for label in f.labels if str(label) == match[1]), None)
        extra = naming.term(matched) if matched is not None and str(matched) != shown.label else None
        made.append(
            (
                key,
                Hit(
                    shown,
                    _kind_line(kind, f.iri, naming),
                    _note(kind, f, agreements.get(f.iri, 0), naming),
                    extra,
                ),
            )
        )
    return sorted(made, key=lambda pair: pair[0])


def _match(label: str, phrase: str) -> int:
    if label == phrase:
        return 0
    if label.startswith(phrase):
        return 1
    return 2 if f" {phrase}" in label or f"-{phrase}" in label else 3


def _kind_rank(kind: Kind | None) -> int:
    return KINDS.index(kind) if kind is not None else len(KINDS)


def _kind_line(kind: Kind | None, iri: URIRef, naming: Naming) -> str:
    types = sorted({naming.label(t) for t in naming.types(iri)})
    what = kind.singular.capitalize() if kind else "Record"
    return what + (f" · {', '.join(types)}" if types else "")


def _note(kind: Kind | None, found: Found, agreements: int, naming: Naming) -> str | None:
    if kind is not None and kind.key == "organisation" and agreements:
        return f"{agreements} agreement" + ("" if agreements == 1 else "s")
    return naming.term(found.date).label if found.date is not None else None


def _href(phrase: str, page: int) -> str:
    return site_url("search") + "?" + urlencode({"q": phrase, "page": page})
