"""Search by name: ``/search?q=`` and the suggestions the search box asks for as one types
(``/search/suggest?q=``, a small JSON answer).

Every label in every language is searched (the phrase is bound as a literal, never spliced). Hits are
ranked: a name that is the phrase first; then the things readers look for (institutions, people,
agreements, events...) before modelling nodes (participations, post holdings...), whose names only
describe a role in something else; within each, names starting with the phrase, then names with a word
starting with it, then any; then by kind, shorter names, IRIs, so the order is the same on every store.
Each hit says what it is and, where known, when, or how many agreements.

What a search costs: the phrase is the reader's, so the query is too (a phrase matching nothing reads
every label), and it runs under the time limit of user queries (``Store.select_bounded``: a 503 past it, a
page for ``/search``, JSON for the rest). The build is immutable, so the ranked hits are kept per build
(:func:`hits_for`, keyed by the phrase lowercased, the web base and the reader's languages). Over the
embedded store, each worker reads every label once per build, in the background once its first search
is answered (:class:`LabelIndex`: the search query with an empty phrase, in the engine's own order), and
then searches in Python: the same rows, as the query's ``LIMIT`` would cut them, in milliseconds rather
than seconds (``benchmarks/README.md``, 2026-12-07, "search"). A remote store, or a release beyond
``memory_store_triples``, is always asked.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import islice
from urllib.parse import urlencode

from flask import Blueprint, Response, after_this_request, render_template, request
from rdflib import Literal, URIRef
from rdflib.term import Node
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest

from publisher.errors import PublisherError, QueryTimeout
from publisher.queries import load_query, with_window
from publisher.store import Row, Store
from publisher.web import publisher
from publisher.web.pages.entities import classes
from publisher.web.pages.explorer import index
from publisher.web.pages.indexes import naming_for, naming_languages
from publisher.web.pages.kinds import KINDS, Kind
from publisher.web.pages.terms import Naming, Term
from publisher.web.site.errors import HTML, JSON, handle_publisher_error
from publisher.web.site.labels import LABEL_PREDICATES
from publisher.web.site.params import iri_param, page_param
from publisher.web.site.urls import site_url, web_base

bp = Blueprint("search", __name__, template_folder="templates")

SEARCH = load_query("search.rq", label_predicates=LABEL_PREDICATES)
MAX_QUERY_CHARS = 200
MAX_HITS = 1000  # hits ranked per search (a one-letter phrase matches most of the archive)
SUGGESTIONS = 8
SUGGEST_HITS = 200
SUGGEST_MIN_CHARS = 2
MAX_LABELS = 200  # IRIs named per request (a page of query results)
HIT_MEMO_ENTRIES, HIT_MEMO_HITS = 1024, 40_000  # searches kept per worker and build, and their hits in all
log = logging.getLogger(__name__)


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
    hits = hits_for(phrase, SUGGEST_HITS)[:SUGGESTIONS] if len(phrase) >= SUGGEST_MIN_CHARS else ()
    body = {
        "query": phrase,
        "suggestions": [{"label": h.term.label, "kind": h.kind, "href": h.term.href} for h in hits],
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


@bp.errorhandler(PublisherError)
def failed(error: PublisherError) -> Response:
    """A search that could not be answered (a 503 past the time limit) in the view's own format, whatever
    the ``Accept``: a page for ``/search``, JSON for what the site's scripts ask for."""
    return handle_publisher_error(error, HTML if request.endpoint == "search.search" else JSON)


def hits_for(phrase: str, limit: int) -> tuple[Hit, ...]:
    """Every hit for ``phrase``, ranked, from at most ``limit`` matching labels; kept per build."""
    memo = publisher().memos.memo("search.hits", HIT_MEMO_ENTRIES, HIT_MEMO_HITS, len)
    key = (phrase.lower(), limit, web_base(), naming_languages().chain)
    kept: tuple[Hit, ...] | None = memo.get(key)
    if kept is None:
        found = found_for(phrase, limit)
        naming = naming_for([f.iri for f in found], with_types=True)
        kept = tuple(hit for _, hit in ranked_hits(found, phrase, naming))
        memo.put(key, kept)
    return kept


def found_for(phrase: str, limit: int) -> list[Found]:
    """The things whose labels contain ``phrase`` (at most ``limit`` matching labels read)."""
    labels: dict[Node, list[Literal]] = {}
    dates: dict[Node, Literal] = {}
    for row in _matching(phrase, limit):
        labels.setdefault(row["x"], []).append(row["label"])  # type: ignore[arg-type]
        if isinstance(row.get("date"), Literal):
            dates[row["x"]] = row["date"]  # type: ignore[assignment]
    return [
        Found(x, tuple(sorted(set(found), key=str)), dates.get(x))
        for x, found in labels.items()
        if isinstance(x, URIRef)
    ]


def _matching(phrase: str, limit: int) -> Sequence[Row]:
    """The search query's first ``limit`` rows: from the worker's label index once it is read, else from
    the store, within the time limit (and the index is read once this answer is sent)."""
    state = publisher()
    built = state.manifest.triples if state.manifest else 0
    if not state.settings.store_url and built <= state.settings.memory_store_triples:
        index: LabelIndex = state.memos.value("search.label index", LabelIndex)
        if index.loaded():
            return index.matching(phrase, limit)
        after_this_request(index.read_later(state.store))
    try:
        return state.store.select_bounded(with_window(SEARCH, limit), {"q": Literal(phrase)}).rows
    except QueryTimeout as err:
        raise QueryTimeout(
            f"Searching for “{phrase}” took longer than {state.settings.query_timeout_s:g} s and was "
            "stopped; a longer phrase may be found sooner."
        ) from err


class LabelIndex:
    """Every row of the search query with an empty phrase (every label, with its thing and date), in the
    engine's order, read once per worker and build in a background thread.

    An empty phrase is in every label, so the query is the search's own, with the same plan and order: the
    rows whose lowercased label holds the phrase, first ``limit`` of them, are the rows the search query
    cuts with ``LIMIT`` (``tests/test_search_and_languages.py``). The read starts once the first search's
    answer is sent, so that reader does not share the worker with it. Measured at 1M triples (112k
    labels), 2026-12-07: read in 7-9 s, 93 MiB kept per worker; a search then scans them in at most
    30 ms. Kept only for a release within the in-memory copy's bound (``memory_store_triples``)."""

    def __init__(self) -> None:
        self._rows: tuple[Row, ...] = ()
        self._lowered: tuple[str, ...] = ()
        self._done = False  # set last, once both are
        self._started = False
        self._lock = threading.Lock()

    def loaded(self) -> bool:
        return self._done

    def matching(self, phrase: str, limit: int) -> list[Row]:
        """The rows whose label contains ``phrase`` case-insensitively (``CONTAINS(LCASE(...))``), in order."""
        wanted = phrase.lower()
        found = (row for row, label in zip(self._rows, self._lowered, strict=True) if wanted in label)
        return list(islice(found, limit))

    def read_later(self, store: Store) -> Callable[[Response], Response]:
        """An ``after_request`` hook: read the labels once this response is sent (once per index)."""

        def when_sent(response: Response) -> Response:
            response.call_on_close(lambda: self.start(store))
            return response

        return when_sent

    def start(self, store: Store) -> None:
        """Read the labels in the background, unless that began already."""
        with self._lock:
            if self._started:
                return
            self._started = True
        threading.Thread(target=self._read, args=(store,), daemon=True, name="kgpub-label-index").start()

    def _read(self, store: Store) -> None:
        try:
            rows = store.select(SEARCH, {"q": Literal("")}, capped=False).rows
        except Exception:  # the store answers every search instead: slower, never wrong
            log.exception("could not read the labels to search")
            return
        self._rows, self._lowered = rows, tuple(str(row["label"]).lower() for row in rows)
        self._done = True


def results_page(phrase: str) -> Results:
    size = publisher().settings.page_size
    page = _page(size)
    ranked = hits_for(phrase, MAX_HITS + 1)
    shown = ranked[(page - 1) * size : page * size]
    return Results(
        phrase=phrase,
        hits=shown,
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
