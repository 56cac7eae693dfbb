"""HTTP caching for everything a build determines, applied once, as an ``after_request`` hook.

A published build is immutable and each request is answered from exactly one build (the release it
pinned: ``app_state.Releases``), so every successful ``GET``/``HEAD`` is a function of (build, request
variant). That gives a validator for free:

* ``ETag``: a hash of the build id and the response variant: web base (bodies embed absolute
  links to wherever the server is reached), path, raw query string, the negotiated ``Content-Type`` and
  ``Content-Encoding``. Strong for pages, documents, dumps and VoID: honest only while views serialize
  deterministically (same build, same request -> same bytes); ``tests/test_caching.py`` checks that for
  the harvest documents. *Weak* (``W/"..."``) for SPARQL query answers (:func:`is_query_answer`, and
  ``sparql/fast_path.py``): SPARQL leaves the order of rows without ``ORDER BY`` open, and the same query
  may get its rows in another order from another worker (its in-memory copy, or the on-disk store while the
  copy loads: ``store/memory.py``), so the same answer is promised, not the same bytes. ``If-None-Match``
  compares weakly (RFC 9110 13.1.2), so a weak tag still gets its 304.
* ``Last-Modified``: the build's ``created`` time, to the second.
* ``Cache-Control: public, max-age=300`` (``max-age=60`` for the SPARQL endpoint, whose answers are just as
  stable but whose clients tend to poll), ``no-store`` on every error so a transient 5xx or a 404 for an
  entity added by the next build is never replayed by a cache.

``If-None-Match`` / ``If-Modified-Since`` are answered by Werkzeug's ``make_conditional`` (304, no body).
Responses that already carry an ``ETag`` were made conditional by their producer (``send_file`` for
dumps and static files, which also handles ``Range``); the hook only sets their ``Cache-Control``, so
nothing is validated twice. Dumps pass :func:`entity_tag` to ``send_file`` so they use the same scheme.

``POST`` answers (SPARQL over POST) get no validators: HTTP caches do not store them by default.
With no build behind the app (``build_id == "unbuilt"``) nothing is claimed: ``no-cache``, no validators.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from flask import Flask, Response, request
from werkzeug.http import http_date, quote_etag

from publisher.web import publisher
from publisher.web.site.urls import base_variant

if TYPE_CHECKING:
    from publisher.app_state import Publisher

UNBUILT = "unbuilt"
POLICY_KEY = "kgpub.caching"  # app.extensions: the app's CachePolicy, for code outside a request context


@dataclass(frozen=True)
class CachePolicy:
    """Freshness lifetimes; ``register(app, CachePolicy(...))`` is the only place to change them."""

    max_age: int = 300
    query_max_age: int = 60
    query_blueprints: frozenset[str] = frozenset({"sparql"})


def register(app: Flask, policy: CachePolicy | None = None) -> None:
    """Install the caching hook on ``app`` (called once from ``create_app``)."""
    chosen = policy or CachePolicy()
    app.extensions[POLICY_KEY] = chosen
    app.after_request(lambda response: apply_policy(response, chosen))


def policy_of(app: Flask) -> CachePolicy:
    return app.extensions[POLICY_KEY]  # type: ignore[no-any-return]


def apply_policy(response: Response, policy: CachePolicy) -> Response:
    """Give one response its caching headers; answers 304 when the client's copy is current."""
    if response.status_code >= 400:
        return _forbid_storing(response)
    if request.method not in ("GET", "HEAD"):
        return response
    if publisher().build_id == UNBUILT:  # no manifest, e.g. a bare remote store
        response.cache_control.no_cache = True
        return response
    headers = response.headers
    present = header_names(response)
    if "cache-control" in present and response.cache_control.no_store:  # a view opted out explicitly
        return response
    _set_freshness(response, _max_age(policy), had_expires="expires" in present)
    if response.mimetype == "text/html":  # pages name things in the reader's languages (site/labels.py)
        response.vary.add("Accept-Language")
    if response.status_code == 200 and "etag" not in present:
        encoding = headers.get("Content-Encoding") if "content-encoding" in present else None
        tag = entity_tag(response.content_type, encoding)
        for name, value in validators(publisher(), tag, weak=is_query_answer(policy)):
            headers[name] = value
        if CONDITIONAL_HEADERS.isdisjoint(request.environ):
            _unconditional(response, present)
        else:
            response.make_conditional(request)
    return response


def header_names(response: Response) -> frozenset[str]:
    """The response's header names, lower-cased. Werkzeug answers ``name in headers`` for an absent
    header by raising and catching an exception (a ``BadRequestKeyError`` built each time), which cost
    more than the rest of this hook; one pass over the few headers a response has does not."""
    return frozenset(name.lower() for name, _ in response.headers)


# Request headers that can make a GET/HEAD answer differ from 200 with the full body (304, 412, 206).
CONDITIONAL_HEADERS = frozenset(
    {
        "HTTP_IF_NONE_MATCH",
        "HTTP_IF_MODIFIED_SINCE",
        "HTTP_IF_MATCH",
        "HTTP_IF_UNMODIFIED_SINCE",
        "HTTP_RANGE",
        "HTTP_IF_RANGE",
    }
)


def _unconditional(response: Response, present: frozenset[str]) -> None:
    """What ``make_conditional`` does when the request carries none of ``CONDITIONAL_HEADERS``: a ``Date``
    and a ``Content-Length``, no status change. Skips its header parsing on every plain request.
    ``present``: ``header_names(response)``."""
    if "date" not in present:
        response.headers["Date"] = http_now()
    if response.automatically_set_content_length and "content-length" not in present:
        length = response.calculate_content_length()
        if length is not None:
            response.headers["Content-Length"] = str(length)


def entity_tag(media_type: str | None, content_encoding: str | None = None) -> str:
    """The strong ETag of the current request's variant under the served build (unquoted); a page's
    variant includes the reader's ``Accept-Language``, which picks the language of its names."""
    query = request.query_string.decode("latin-1")
    if media_type is not None and media_type.startswith("text/html"):
        query += "\x1e" + request.headers.get("Accept-Language", "")
    return variant_tag(
        publisher().build_id, base_variant(), request.path, query, media_type, content_encoding
    )


def variant_tag(
    build_id: str, base: str, path: str, query: str, media_type: str | None, encoding: str | None = None
) -> str:
    """:func:`entity_tag` from its parts (for code that has a WSGI environ, not a request context)."""
    variant = (build_id, base, path, query, media_type or "", encoding or "")
    return hashlib.sha256("\x1f".join(variant).encode()).hexdigest()[:32]


def validators(state: Publisher, tag: str, weak: bool = False) -> list[tuple[str, str]]:
    """The ``ETag`` and ``Last-Modified`` of a build-determined 200 (``tag``: :func:`variant_tag`'s; ``weak``
    for an answer whose bytes may differ between workers: a query answer)."""
    return [("ETag", quote_etag(tag, weak)), ("Last-Modified", http_build_time(state))]


def is_query_answer(policy: CachePolicy) -> bool:
    """Whether this request asks the SPARQL endpoint a query (its answer gets a weak ETag); the endpoint's
    service description and query page are deterministic, and keep a strong one."""
    return request.blueprint in policy.query_blueprints and "query" in request.args


def freshness(max_age: int) -> tuple[str, str]:
    return "Cache-Control", f"public, max-age={max_age}"


def build_time(state: Publisher | None = None) -> datetime:
    """The build's creation time, at HTTP-date precision (so If-Modified-Since compares exactly).

    Only meaningful when ``Publisher.build_id`` is not ``"unbuilt"``; the epoch otherwise.
    """
    manifest = (state or publisher()).manifest
    created = datetime.fromisoformat(manifest.created) if manifest else datetime.fromtimestamp(0, UTC)
    if created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    return created.astimezone(UTC).replace(microsecond=0)


_clock: tuple[int, str] = (0, "")


def http_now() -> str:
    """``http_date()`` of now, formatted once per second (HTTP dates have whole seconds)."""
    global _clock
    second = int(time.time())
    if _clock[0] != second:
        _clock = (second, http_date(second))
    return _clock[1]


def http_build_time(state: Publisher) -> str:
    """``build_time()`` as an HTTP date, formatted once per build."""
    return state.memos.value("http build time", lambda: http_date(build_time(state)))


def _max_age(policy: CachePolicy) -> int:
    return policy.query_max_age if request.blueprint in policy.query_blueprints else policy.max_age


def _set_freshness(response: Response, max_age: int, had_expires: bool = True) -> None:
    """Replace whatever the producer set (send_file defaults to ``no-cache``) with the build policy."""
    name, value = freshness(max_age)
    response.headers[name] = value
    if had_expires:
        response.headers.pop("Expires", None)


def _forbid_storing(response: Response) -> Response:
    """Errors are never cached: the next request (or the next build) may well succeed."""
    response.headers["Cache-Control"] = "no-store"
    for header in ("ETag", "Last-Modified", "Expires"):
        response.headers.pop(header, None)
    return response
