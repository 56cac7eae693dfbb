"""``GET /sparql?query=...`` answered around Flask's request machinery, when nothing else is asked.

Why: a small SELECT costs the engine about 65 us and a bare Flask app about 170 us in all (request
context, URL map, hooks, response object); kgpub's endpoint, on top of that, reads the protocol, lexes
the query for its policy and lane, negotiates, and sets CORS and caching headers through Werkzeug's
``Headers``: 560 us in all (in process, 2026-12-07), which left ``/sparql`` at about 0.55x the bare app
under load whatever the engine did. Here the same request costs what the bare app costs: it is read from
the WSGI environ, answered by the same functions the view uses (``endpoint.answered`` with its per-build
memo, ``endpoint.protocol_headers``, ``endpoint.CORS_HEADERS``, ``site/caching.py``'s validators (a
weak ETag, as for every query answer) and freshness), and its headers are written once, as a list.

Only the plainest request takes this path: ``GET``, exactly one ``query`` parameter and no other, no
conditional header, an ``Accept`` that names a format the query's form can have. Anything else (POST,
dataset or ``format=`` parameters, ``If-None-Match``, a 406, a bare ``GET /sparql``, an update) goes to
the app untouched, before any work is done here; an error raised while answering (400, 403, 503...) is
rendered by the app's own handlers (``site/errors.rendered``), never by running the query twice. The
whole test suite goes through this path (the Flask test client calls the same WSGI stack), so the two
give the same answers with the same headers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote_plus

from werkzeug.exceptions import NotAcceptable

from publisher.errors import PublisherError
from publisher.store import UserQuery
from publisher.web.site.caching import (
    CONDITIONAL_HEADERS,
    freshness,
    http_now,
    policy_of,
    validators,
    variant_tag,
)
from publisher.web.site.errors import rendered
from publisher.web.site.shortcut import Shortcut
from publisher.web.site.urls import environ_base_variant
from publisher.web.sparql.endpoint import CORS_HEADERS, answered, content_type, negotiated, protocol_headers
from publisher.web.sparql.overrun import overrun_answer
from publisher.web.sparql.protocol import answer_formats

if TYPE_CHECKING:
    from publisher.app_state import Publisher

PATH = "/sparql"


class SparqlFastPath(Shortcut[UserQuery]):
    """WSGI middleware in front of the app's WSGI stack (installed by ``create_app``)."""

    def claim(self, environ: dict[str, Any]) -> UserQuery | None:
        text = plain_query(environ)
        offered = answer_formats(text) if text is not None else None
        if text is None or offered is None:
            return None
        try:
            media_type = negotiated(environ.get("HTTP_ACCEPT", ""), offered, None).media_type
        except NotAcceptable:  # the app reports the query's own errors first, then the 406
            return None
        return UserQuery(text, media_type)

    def answer(
        self, environ: dict[str, Any], start_response: Callable[..., Any], state: Publisher, query: UserQuery
    ) -> Iterable[bytes]:
        try:
            result = answered(state, query, overrun_answer(self.app, environ))
        except PublisherError as error:
            return rendered(self.app, environ, error)(environ, start_response)
        except Exception:  # a bug: the app logs it and answers its plain 500
            return self.next(environ, start_response)
        tag = variant_tag(
            state.build_id,
            environ_base_variant(environ, state.settings.web_base),
            PATH,
            environ.get("QUERY_STRING", ""),
            content_type(result),
        )
        headers = [
            *protocol_headers(result, download=False),
            *CORS_HEADERS.items(),
            freshness(policy_of(self.app).query_max_age),
            *validators(state, tag, weak=True),
            ("Date", http_now()),
            ("Content-Length", str(len(result.body))),
        ]
        start_response("200 OK", headers)
        return [result.body]


def plain_query(environ: dict[str, Any]) -> str | None:
    """The query of a ``GET /sparql`` whose only parameter is one ``query`` and that asks nothing
    conditional; None for any other request."""
    if environ.get("PATH_INFO") != PATH or environ.get("REQUEST_METHOD") != "GET":
        return None
    if not CONDITIONAL_HEADERS.isdisjoint(environ):
        return None
    raw = environ.get("QUERY_STRING", "").encode("latin-1").decode("utf-8", "replace")  # as Werkzeug reads it
    if raw.startswith("query=") and "&" not in raw:  # the usual request: parse_qs's answer, in a tenth
        return unquote_plus(raw[len("query=") :]) or None
    params = parse_qs(raw, keep_blank_values=True)
    queries = params.get("query", [])
    return queries[0] if len(params) == 1 and len(queries) == 1 and queries[0] else None
