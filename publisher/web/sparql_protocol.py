"""Reading a SPARQL 1.1 Protocol request, strictly, and knowing a query's form before running it.

Kept apart from the blueprint so both halves are small and testable without a store:

* :func:`read_request` turns a Flask request into a :class:`ProtocolRequest` or raises the exact HTTP
  error the protocol asks for (400 ambiguous or missing query, 403 updates, 415 other bodies).
* :func:`query_form` finds SELECT / ASK / CONSTRUCT / DESCRIBE by scanning the *prologue only*
  (``BASE``, ``PREFIX``, ``VERSION`` declarations, whitespace, comments). The grammar puts the form
  keyword right after the prologue, so the scan is exact for every valid query and costs microseconds;
  pyoxigraph has no parse-only call that reports the form. Anything else (updates, garbage) gives None:
  the store's parser and policy then raise the right 400 or 403.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from flask import Request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from publisher.errors import QueryRefused

FORM_ENCODED = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"


class QueryForm(Enum):
    SELECT = "SELECT"
    ASK = "ASK"
    CONSTRUCT = "CONSTRUCT"
    DESCRIBE = "DESCRIBE"

    @property
    def returns_graph(self) -> bool:
        return self in (QueryForm.CONSTRUCT, QueryForm.DESCRIBE)


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
    if req.method == "POST" and req.mimetype != FORM_ENCODED:
        shown = req.mimetype or "none"
        raise UnsupportedMediaType(
            f"Unsupported Content-Type: {shown}. Send {SPARQL_QUERY} or {FORM_ENCODED} (or use GET)."
        )
    body = req.form if req.method == "POST" else None
    url_queries, body_queries = req.args.getlist("query"), body.getlist("query") if body else []
    if url_queries and body_queries:
        raise BadRequest("'query' was given in both the URL and the request body; send it once.")
    queries = url_queries + body_queries
    if req.method == "POST" and not queries:
        raise BadRequest("Missing 'query' parameter.")
    if len(queries) > 1:
        raise BadRequest(f"Exactly one 'query' parameter is allowed; got {len(queries)}.")
    return _with_dataset(queries[0] if queries else None, req, body)


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
        raise BadRequest("'query' was given in both the URL and the request body; send it once.")
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


# --- the query form, from the prologue -----------------------------------------------------------------

_SKIP = re.compile(r"(?:\s|#[^\r\n]*)*")
_WORD = re.compile(r"[A-Za-z]+")
_IRIREF = re.compile(r'<([^<>"{}|^`\\\x00-\x20]*)>')
_PNAME_NS = re.compile(r"([^\s:<>#{}()]*):")
_STRING = re.compile(r'"[^"\\\r\n]*"|\'[^\'\\\r\n]*\'')
_DECLARATIONS: dict[str, tuple[re.Pattern[str], ...]] = {
    "BASE": (_IRIREF,),
    "PREFIX": (_PNAME_NS, _IRIREF),
    "VERSION": (_STRING,),  # SPARQL 1.2
}


@dataclass(frozen=True)
class Prologue:
    """What a query declares before its form: the form itself (None if not a query), base and prefixes.

    IRIs are as written (possibly relative); resolving them is the caller's business.
    """

    form: QueryForm | None
    base: str | None = None
    prefixes: tuple[tuple[str, str], ...] = ()


def query_form(text: str) -> QueryForm | None:
    """The form of a query, or None when the text does not start like a SPARQL query."""
    return read_prologue(text).form


def read_prologue(text: str) -> Prologue:
    """Scan declarations up to the form keyword; stop (form None) at anything else."""
    pos, base, prefixes = 0, None, []
    while True:
        word = _WORD.match(text, _skip(text, pos))
        keyword = word.group().upper() if word else ""
        if keyword in QueryForm.__members__:
            return Prologue(QueryForm[keyword], base, tuple(prefixes))
        if word is None or keyword not in _DECLARATIONS:
            return Prologue(None, base, tuple(prefixes))
        matched = _match_all(text, word.end(), _DECLARATIONS[keyword])
        if matched is None:
            return Prologue(None, base, tuple(prefixes))
        pos, groups = matched
        if keyword == "BASE":
            base = groups[0]
        elif keyword == "PREFIX":
            prefixes.append((groups[0], groups[1]))


def _match_all(text: str, pos: int, steps: tuple[re.Pattern[str], ...]) -> tuple[int, list[str]] | None:
    """Match each token in turn (whitespace and comments allowed between): the end and the captures."""
    captured = []
    for token in steps:
        found = token.match(text, _skip(text, pos))
        if found is None:
            return None
        pos = found.end()
        captured.extend(found.groups())
    return pos, captured


def _skip(text: str, pos: int) -> int:
    """Past whitespace and ``#`` comments (the pattern matches the empty string, so never None)."""
    return _SKIP.match(text, pos).end()  # type: ignore[union-attr]
