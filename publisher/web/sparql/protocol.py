"""Reading a SPARQL 1.1 Protocol request, strictly: kept apart from the blueprint so it is testable alone.

:func:`read_request` turns a Flask request into a :class:`ProtocolRequest` or raises the exact HTTP error
the protocol asks for: 400 for an ambiguous or missing query, 403 for an update (the endpoint is
read-only), 415 for any other body.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from publisher.errors import QueryRefused
from publisher.formats import RDF_FORMATS, RESULT_FORMATS, Format
from publisher.sparql_text import query_form

FORM_ENCODED = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
GRAPH_FORMS = frozenset({"CONSTRUCT", "DESCRIBE"})
IN_BOTH_PLACES = "'query' was given in both the URL and the request body; send it once."


def answer_formats(query: str) -> tuple[Format, ...] | None:
    """What the query's answer can be serialized as, known before it runs; None if it is not a query.

    The store serializes inside its sandbox, so the media type must be chosen first. The form comes from
    the one SPARQL lexer (``sparql_text``, which the store policy also vets queries with), so the web layer
    and the store
    cannot disagree about it. None (an update, garbage) is left to the store's parser and policy, which
    answer 400 or 403 before any serialization.
    """
    form = query_form(query)
    if form is None:
        return None
    return RDF_FORMATS if form in GRAPH_FORMS else RESULT_FORMATS


@dataclass(frozen=True)
class ProtocolRequest:
    """A query operation as the protocol defines it; ``query`` is None for a bare ``GET /sparql``."""

    query: str | None
    default_graph_uris: tuple[str, ...] = ()
    named_graph_uris: tuple[str, ...] = ()
    format_token: str | None = None  # kgpub's ``format=`` override (links, downloads, SPARQLWrapper)


def read_request(req: Request) -> ProtocolRequest:
    """Parse GET, form-encoded POST and direct POST; anything else is refused with its own status."""
    _refuse_updates(req)
    if req.method == "POST" and req.mimetype == SPARQL_QUERY:
        return _direct_post(req)
    if req.method == "POST" and req.mimetype != FORM_ENCODED and not _bare_post(req):
        shown = req.mimetype or "none"
        raise UnsupportedMediaType(
            f"Unsupported Content-Type: {shown}. Send {SPARQL_QUERY} or {FORM_ENCODED} (or use GET)."
        )
    body = req.form if req.method == "POST" else None
    url_queries, body_queries = req.args.getlist("query"), body.getlist("query") if body else []
    if url_queries and body_queries:
        raise BadRequest(IN_BOTH_PLACES)
    queries = url_queries + body_queries
    if req.method == "POST" and not queries:
        raise BadRequest("Missing 'query' parameter.")
    if len(queries) > 1:
        raise BadRequest(f"Exactly one 'query' parameter is allowed; got {len(queries)}.")
    return _with_dataset(queries[0] if queries else None, req, body)


def _bare_post(req: Request) -> bool:
    """A POST with neither a body nor a Content-Type: a missing query (400), not a wrong body type (415)."""
    return not req.mimetype and not req.content_length


def _refuse_updates(req: Request) -> None:
    """The endpoint is read-only: an update request is understood, and refused (403), not malformed."""
    if req.method == "POST" and req.mimetype == SPARQL_UPDATE:
        raise QueryRefused("This endpoint is read-only: SPARQL Update is not accepted.")
    in_body = req.method == "POST" and req.mimetype == FORM_ENCODED and "update" in req.form
    if "update" in req.args or in_body:
        raise QueryRefused("This endpoint is read-only: the 'update' operation is not accepted.")


def _direct_post(req: Request) -> ProtocolRequest:
    """The body is the query (UTF-8, as the protocol requires); the URL may carry only the dataset."""
    if "query" in req.args:
        raise BadRequest(IN_BOTH_PLACES)
    charset = req.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(f"{SPARQL_QUERY} must be UTF-8, not {charset}.")
    try:
        text = req.get_data().decode("utf-8")
    except UnicodeDecodeError as err:
        raise BadRequest(f"The query is not valid UTF-8 (byte {err.start}).") from err
    return _with_dataset(text, req, None)


def _with_dataset(query: str | None, req: Request, body: MultiDict[str, str] | None) -> ProtocolRequest:
    """Graph parameters are repeatable; taken from the URL and, for a form POST, from the body too."""
    sources = [req.args] + ([body] if body is not None else [])
    default = tuple(uri for source in sources for uri in source.getlist("default-graph-uri"))
    named = tuple(uri for source in sources for uri in source.getlist("named-graph-uri"))
    token = next((source["format"] for source in sources if source.get("format")), None)
    return ProtocolRequest(query, default, named, token)
