"""What the public endpoint refuses before any engine sees a query: updates, ``SERVICE``, oversized text.

pyoxigraph follows ``SERVICE <http://...>`` over HTTP (checked with a canary server), so federation
must be stopped here. The check is a pass of the SPARQL *lexer* (``publisher/sparql_text.py``), not a
regex over the raw text: comments, strings (short and long), IRIs, variables, blank-node labels and
prefixed names are skipped, so the word SERVICE inside a literal or an IRI is accepted, while a bare
keyword is refused.

Where this lexer and Oxigraph's parser could tokenize differently, the rule errs towards refusing:

* Oxigraph matches keywords without a word boundary (``SERVICEx: {...}`` is ``SERVICE x: {...}``, and
  ``SERVICE:`` is ``SERVICE :``; both reach the network), and another keyword may run into it
  (``trueSERVICE``), so any bare word or prefix (the part of a prefixed name before ``:``) that *contains*
  "service" is refused. The local part of a prefixed name (``schema:serviceType``) is allowed.
* Bare words stop at ``.`` and ``-`` and numbers include their exponent, so ``true.SERVICE`` or
  ``1e5SERVICE`` cannot hide a keyword inside one token.
* Comments end at ``\\n`` or ``\\r`` (Oxigraph ends them at either: ``# c\\rSERVICE`` is federated).
* An unterminated string or IRI is not skipped, so nothing hides behind text the parser would reject.

FROM / FROM NAMED are allowed: Oxigraph only treats their IRIs as graph names and fetches nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from publisher.errors import QueryRefused, QueryTooLarge
from publisher.sparql_text import QUERY_FORMS, lexemes
from publisher.store.streaming import streams

if TYPE_CHECKING:
    from publisher.settings import Settings

UPDATE_KEYWORDS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD"})
FEDERATION = "SERVICE"
PRAGMA = "DEFINE"  # Virtuoso's query pragmas (e.g. get:soft "replace" dereferences FROM IRIs); not SPARQL
# Virtuoso's extension functions: ``bif:`` reaches its SQL built-ins (``bif:http_get`` fetches a URL,
# ``bif:file_to_string`` reads files) and ``sql:`` stored procedures. Refused as prefixed names and as
# IRIs (``<bif:http_get>``), whatever the store, so a query means the same on every backend.
EXTENSION_SCHEMES = ("BIF", "SQL")
KEYWORD_KINDS = frozenset({"word", "pname", "iri"})
EXTENSION_NAMESPACES = ("http://www.openlinksw.com/schemas/bif#", "http://www.openlinksw.com/schemas/sql#")


def _is_extension_iri(iri: str) -> bool:
    """``<bif:…>``, ``<sql:…>``, their full namespaces (a ``PREFIX`` can bind them), or any IRI with a
    ``\\u`` escape (SPARQL decodes those before parsing, so they could spell either)."""
    text = iri[1:-1]
    return (
        ":" in text
        and text.split(":", 1)[0].upper() in EXTENSION_SCHEMES
        or text.lower().startswith(EXTENSION_NAMESPACES)
        or "\\" in text
    )


@dataclass(frozen=True)
class QueryFacts:
    """What one lexer pass over an accepted query tells the store (so no later step lexes it again)."""

    form: str | None  # SELECT, ASK, CONSTRUCT, DESCRIBE (see ``query_form``), None if none
    has_dataset_clause: bool  # FROM / FROM NAMED (see ``has_dataset_clause``)
    streams: bool = False  # evaluated a row at a time, memory bounded by the row cap (``streaming.py``)


def check_user_query(text: str, settings: Settings) -> QueryFacts:
    """Raise QueryTooLarge (413) or QueryRefused (403); for a query the engine may run, what it is."""
    if len(text) > settings.max_query_chars:
        raise QueryTooLarge(f"the query has {len(text)} characters; the limit is {settings.max_query_chars}")
    lexed = lexemes(text)
    if "\\" in text and any(kind != "string" and "\\" in token for kind, token, _ in lexed):
        raise QueryRefused(
            "escapes (\\u, \\U) are only allowed inside strings here: they could spell a refused keyword"
        )
    form, dataset = None, False
    for kind, token, start in lexed:
        if kind not in KEYWORD_KINDS or kind == "iri" and not _is_extension_iri(token):
            continue
        head = token.split(":", 1)[0].upper()
        if kind == "iri" or kind == "pname" and head in EXTENSION_SCHEMES:
            raise QueryRefused(
                f"Virtuoso's bif: and sql: functions are not allowed (at character {start}): "
                "behind a remote Virtuoso they reach its SQL built-ins, which can read files and fetch URLs"
            )
        if FEDERATION in head:
            raise QueryRefused(
                f"SERVICE (federated query) is not allowed here (at character {start}): "
                "this endpoint answers from its own data only"
            )
        if kind != "word":
            continue
        if head in UPDATE_KEYWORDS:
            raise QueryRefused(f"SPARQL Update ({head}) is not allowed: this endpoint is read-only")
        if head == PRAGMA:
            raise QueryRefused(
                "DEFINE pragmas are not allowed: behind a remote Virtuoso they can make it fetch IRIs"
            )
        if head == "FROM":
            dataset = True
        elif form is None and head in QUERY_FORMS:
            form = head
    return QueryFacts(form, dataset, streams(lexed))
