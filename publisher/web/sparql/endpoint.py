"""``/sparql``: the W3C SPARQL 1.1 Protocol endpoint, its service description and the query page.

* ``GET ?query=``, ``POST`` form-encoded, ``POST application/sparql-query``: parsed strictly by
  :mod:`publisher.web.sparql.protocol`; ``default-graph-uri`` / ``named-graph-uri`` restrict the dataset.
  Updates (``update=``, ``application/sparql-update``) are 403: the endpoint is read-only, and the store's
  policy also refuses an update sent as ``query``.
* The media type is negotiated *before* the query runs, because the store serializes in its sandbox: the
  query's form comes from the one SPARQL lexer, ``sparql_text`` (:func:`~publisher.web.sparql.protocol.answer_formats`),
  so SELECT/ASK are offered result formats (JSON first) and CONSTRUCT/DESCRIBE RDF formats (Turtle first).
  ``format=json|xml|csv|tsv|ttl|jsonld|nt|rdf|trig|nq`` overrides ``Accept`` and makes the answer a
  download (``Content-Disposition``).
* ``GET /sparql`` without a query: the Service Description for RDF clients (Turtle by default), the HTML
  query page for browsers; ``Vary: Accept`` either way.
* Every answer carries ``Access-Control-Allow-Origin: *``; ``OPTIONS`` answers CORS preflights.
* ``X-Kgpub-Truncated: true`` marks an answer cut at ``max_result_rows`` rows (or triples); it is listed
  in ``Access-Control-Expose-Headers`` so browser clients can read it.
* Answers are kept per build from a query's second asking (:func:`answered`: the build is immutable, so
  the same query, dataset and format always get the same bytes), bounded in entries and bytes; embedded
  store only (a remote store's data changes when ``kgpub publish`` runs, not with the build).
* ``GET /sparql?query=...`` with nothing else unusual is answered by ``fast_path.py`` around Flask, with the
  same functions and the same headers (:func:`protocol_headers`, ``CORS_HEADERS``, ``site/caching.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, render_template, request, url_for
from werkzeug.datastructures import MIMEAccept
from werkzeug.exceptions import NotAcceptable
from werkzeug.http import parse_accept_header
from werkzeug.utils import get_content_type

from publisher.errors import PublisherError
from publisher.formats import (
    ALL_FORMATS,
    GRAPH_FORMATS,
    HTML,
    RDF_FORMATS,
    RESULT_FORMATS,
    Format,
    by_media_type,
)
from publisher.queries import load_query
from publisher.sparql_text import answers_per_call
from publisher.store import ProtocolResult, UserQuery
from publisher.web import publisher
from publisher.web.pages.models import Alternate
from publisher.web.site.assets import static_folders
from publisher.web.site.negotiation import add_alternates, download_name, negotiate
from publisher.web.site.serialize import graph_bytes
from publisher.web.site.urls import site_url, web_base
from publisher.web.sparql.overrun import overrun_answer
from publisher.web.sparql.protocol import ProtocolRequest, answer_formats, read_request
from publisher.web.sparql.query_page import QueryPage, dataset_prefixes, examples, find_editor, starter_query
from publisher.web.sparql.service_description import DatasetFacts, service_description

if TYPE_CHECKING:
    from publisher.app_state import Publisher

bp = Blueprint("sparql", __name__, template_folder="templates")

TRUNCATED_HEADER = "X-Kgpub-Truncated"
ANSWER_MEMO_ENTRIES, ANSWER_MEMO_BYTES = 4096, 64 * 2**20  # per worker and build
DESCRIPTION_OFFERED = GRAPH_FORMATS + (HTML,)  # Turtle first: RDF clients sending */* get the description
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": f"{TRUNCATED_HEADER}, Content-Disposition, Link",
}
PREFLIGHT_HEADERS = {
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Content-Type",
    "Access-Control-Max-Age": "86400",
}


@bp.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response:
    """One URL for the whole protocol: a query if there is one, else a description of the service."""
    operation = read_request(request)
    if operation.query is None:
        return describe()
    return answer(operation)


@bp.after_request
def allow_cross_origin(response: Response) -> Response:
    """Any web page may query the open data; preflights (OPTIONS) also learn what they may send."""
    response.headers.update(CORS_HEADERS)
    if request.method == "OPTIONS":
        response.headers.update(PREFLIGHT_HEADERS)
    return response


# --- queries -------------------------------------------------------------------------------------------


def answer(operation: ProtocolRequest) -> Response:
    """Run the query in the store (policy, time limit, row cap) and send its serialized answer."""
    try:
        media_type = result_format(operation).media_type
    except NotAcceptable:
        report_query_errors_first(operation)
        raise
    on_overrun = overrun_answer(current_app._get_current_object(), request.environ)  # type: ignore[attr-defined]
    result = answered(publisher(), user_query(operation, media_type), on_overrun)
    return protocol_response(result, download=operation.format_token is not None)


def answered(
    state: Publisher, query: UserQuery, on_overrun: Callable[[PublisherError], None] | None
) -> ProtocolResult:
    """The store's answer to ``query``, from the build's memo when the same query was answered before (not
    kept when the query asks for ``NOW()``, ``RAND()`` and the like).

    An answer is kept from the second time its query is asked: most texts an analyst sends are asked once,
    and keeping every answer cost a small one-off query 5 us of its 160 in process (the put, and a worker
    that holds 4,096 answers instead of reusing freshly freed memory), measured 2026-12-07. A repeated
    query is evaluated twice, then answered from the memo."""
    if state.settings.store_url or answers_per_call(query.text):
        return state.store.run_user_query(query, on_overrun)
    memo = state.memos.memo("sparql.answers", ANSWER_MEMO_ENTRIES, ANSWER_MEMO_BYTES, _answer_bytes)
    key = (query.text, tuple(query.default_graph_uris), tuple(query.named_graph_uris), query.media_type)
    kept: ProtocolResult | None = memo.get(key)
    if kept is None:
        kept = state.store.run_user_query(query, on_overrun)
        if state.memos.sightings("sparql.asked", ANSWER_MEMO_ENTRIES).again(key):
            memo.put(key, kept)
    return kept


def _answer_bytes(result: ProtocolResult) -> int:
    return len(result.body)


def user_query(operation: ProtocolRequest, media_type: str) -> UserQuery:
    assert operation.query is not None
    return UserQuery(operation.query, media_type, operation.default_graph_uris, operation.named_graph_uris)


def result_format(operation: ProtocolRequest) -> Format:
    """Offer what the query's form can produce; an unrecognised form is left for the store to reject."""
    offered = answer_formats(operation.query or "")
    if offered is None:  # not a query (an update, or malformed): the store answers 400/403 before serializing
        return RESULT_FORMATS[0]
    accept, token = request.environ.get("HTTP_ACCEPT", ""), operation.format_token
    return negotiated(accept, offered, token)


MEMO_ACCEPT_CHARS = 512  # longer Accept headers (or format tokens) are negotiated afresh, not remembered


def negotiated(accept: str, offered: tuple[Format, ...], token: str | None) -> Format:
    """``negotiate`` from the raw ``Accept`` header, remembered for the usual short ones."""
    if len(accept) > MEMO_ACCEPT_CHARS or len(token or "") > MEMO_ACCEPT_CHARS:
        return negotiate(parse_accept_header(accept or None, MIMEAccept), offered, token)
    return _negotiated(accept, offered, token)


@lru_cache(maxsize=256)
def _negotiated(accept: str, offered: tuple[Format, ...], token: str | None) -> Format:
    """``negotiate`` as a function of the raw ``Accept`` header: clients send the same few headers, and
    parsing and ranking one cost as much as the rest of the view. A 406 is raised afresh (never cached)."""
    return negotiate(parse_accept_header(accept or None, MIMEAccept), offered, token)


def report_query_errors_first(operation: ProtocolRequest) -> None:
    """A malformed or refused query is reported as such (400, 403, 413), not hidden behind a 406.

    The store parses and vets a query before it serializes, and refuses a media type it cannot write
    before evaluating any row; so asking it for the refused type costs a parse, and raises the query's
    own error if it has one. Its 406 is dropped: the caller re-raises ours, which lists what is offered.
    """
    wanted = refused_media_type(operation.format_token)
    if wanted is None:
        return
    try:
        publisher().store.run_user_query(user_query(operation, wanted))
    except PublisherError as error:
        if error.status != NotAcceptable.code:
            raise


def refused_media_type(token: str | None) -> str | None:
    """The media type the client insisted on, if it names one (a known token, or a non-wildcard Accept)."""
    if token:
        named = next((f for f in ALL_FORMATS if f.extension == token.strip().lower()), None)
        return named.media_type if named else None
    best = request.accept_mimetypes.best
    return best if best and "*" not in best else None


def protocol_response(result: ProtocolResult, download: bool) -> Response:
    """The store's bytes as they are, with :func:`protocol_headers`."""
    return Response(result.body, headers=protocol_headers(result, download))


def content_type(result: ProtocolResult) -> str:
    """The answer's ``Content-Type`` (Werkzeug's: a charset for text types), which its ETag also hashes."""
    return get_content_type(result.media_type.split(";", 1)[0].strip(), "utf-8")


def protocol_headers(result: ProtocolResult, download: bool) -> list[tuple[str, str]]:
    """An answer's own headers: its type, flagged when truncated, an attachment for ``format=`` links,
    ``Vary: Accept`` (the CORS and caching headers come from the app's hooks)."""
    headers = [("Content-Type", content_type(result))]
    if result.truncated:
        headers.append((TRUNCATED_HEADER, "true"))
    fmt = by_media_type(result.media_type) if download else None
    if fmt is not None:
        headers.append(
            ("Content-Disposition", f'attachment; filename="{download_name("query-results", fmt)}"')
        )
    headers.append(("Vary", "Accept"))
    return headers


# --- no query: service description or query page ------------------------------------------------------


def describe() -> Response:
    """The service description in an RDF format, or the query page for browsers."""
    fmt = negotiate(request.accept_mimetypes, DESCRIPTION_OFFERED, request.args.get("format"))
    if fmt is HTML:
        response = Response(render_template("sparql.html", page=query_page()), mimetype=HTML.media_type)
    else:
        url = endpoint_url()
        body = publisher().memos.value(
            f"service description {fmt.extension} {url}",
            lambda: graph_bytes(service_description(url, dataset_facts(), RESULT_FORMATS + RDF_FORMATS), fmt),
        )
        response = Response(body, mimetype=fmt.media_type)
    return add_alternates(response, description_alternates())


def description_alternates() -> list[tuple[str, Format]]:
    return [(url_for("sparql.endpoint", format=f.extension), f) for f in DESCRIPTION_OFFERED]


def endpoint_url() -> str:
    """The absolute endpoint URL: under ``web_base`` when set, else wherever this request arrived."""
    return site_url("sparql")


def dataset_facts() -> DatasetFacts:
    """Named graphs from the build manifest; the union default graph counted by the store, once per build."""
    state = publisher()
    graphs = dict(state.manifest.graphs) if state.manifest else {}
    triples = publisher().memos.value("sparql.default_graph_triples", default_graph_triples)
    return DatasetFacts(title=state.settings.title, graphs=graphs, default_graph_triples=triples)


def default_graph_triples() -> int | None:
    """Distinct triples of the union default graph (the manifest's total counts quads, so it can differ):
    counted by the build when the manifest has it, else by the store (at 10M triples: 8.5 s)."""
    manifest = publisher().manifest
    if manifest is not None and manifest.distinct_triples is not None:
        return manifest.distinct_triples
    rows = publisher().store.select(load_query("sd_default_graph_triples.rq")).rows
    return int(str(rows[0]["triples"])) if rows and "triples" in rows[0] else None


def query_page() -> QueryPage:
    ns = publisher().namespace
    prefixes = dataset_prefixes(ns)
    return QueryPage(
        title=publisher().settings.title,
        endpoint=url_for("sparql.endpoint"),
        endpoint_url=endpoint_url(),
        namespace=ns,
        web_base=web_base(),
        examples=examples(ns, download_href),
        prefixes=prefixes,
        initial_query=starter_query(prefixes, ns),
        editor=find_editor(static_folders()),
        max_rows=publisher().settings.max_result_rows,
        description_links=tuple(
            Alternate(f.label, href, f.media_type) for href, f in description_alternates()
        ),
    )


def download_href(query: str, fmt: Format) -> str:
    """A GET link that runs ``query`` and downloads the answer in ``fmt``."""
    return url_for("sparql.endpoint") + "?" + urlencode({"query": query, "format": fmt.extension})
