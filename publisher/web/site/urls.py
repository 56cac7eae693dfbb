"""Every URL the site builds, in one module: where the namespace is served (the web base), the document of
an entity, and which top-level names the app serves itself.

* :func:`web_base` is the ``web_base`` setting, else wherever this request arrived (a mount prefix kept):
  an IRI ``{namespace}{rest}`` is served at ``{web_base}{rest}``.
* The reserved top-level names are *derived from the app's URL map*: every rule other than the entity
  catch-all claims its first path segment (``/sitemap-<int:page>.xml`` claims every name it matches), so
  adding a route reserves its name with no list to edit (``tests/test_urls.py``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from flask import current_app, request
from werkzeug.routing import Map
from werkzeug.sansio.request import Request
from werkzeug.sansio.utils import get_host
from werkzeug.urls import iri_to_uri
from werkzeug.wrappers import Request as WSGIRequest

from publisher.formats import Format
from publisher.web import publisher

CATCH_ALL = "resources.resource"  # the rule that turns any other path into an entity IRI
CONVERTER = re.compile(r"<[^>]+>")


def web_base() -> str:
    """Where the namespace is served: the ``web_base`` setting, else wherever this request arrived."""
    base = publisher().settings.web_base or request.url_root  # url_root keeps a mount prefix (SCRIPT_NAME)
    return base if base.endswith("/") else base + "/"


def base_variant() -> str:
    """What :func:`web_base` depends on, without building the URL (Werkzeug's ``url_root`` costs more than
    an ETag's other parts): the setting if there is one, else the request's scheme, host and mount point."""
    return base_variant_of(request, publisher().settings.web_base)


def base_variant_of(req: Request, configured: str | None) -> str:
    """:func:`base_variant` of any request (one made from a WSGI environ outside a request context too)."""
    if configured:
        return configured
    trusted = tuple(req.trusted_hosts) if req.trusted_hosts else None
    host = checked_host(req.scheme, req.headers.get("host"), req.server, trusted)
    return f"{req.scheme}://{host}{req.root_path}/"


BASE_ENVIRON_KEYS = ("wsgi.url_scheme", "SERVER_NAME", "SERVER_PORT", "SCRIPT_NAME", "HTTP_HOST")


def environ_base_variant(environ: Mapping[str, Any], configured: str | None) -> str:
    """:func:`base_variant_of` a WSGI environ, remembered by the environ values a request's base comes from
    (making a ``Request`` for it cost 2 us of a small query's 160 in process, 2026-12-07)."""
    if configured:
        return configured
    return _base_variant_of_values(tuple(environ.get(key) for key in BASE_ENVIRON_KEYS))


@lru_cache(maxsize=256)
def _base_variant_of_values(values: tuple[str | None, ...]) -> str:
    """Werkzeug's request reads these values as Flask's does; Flask's ``TRUSTED_HOSTS`` (unset here) would
    not apply to it."""
    environ = {key: value for key, value in zip(BASE_ENVIRON_KEYS, values, strict=True) if value is not None}
    return base_variant_of(WSGIRequest(environ, populate_request=False), None)


@lru_cache(maxsize=256)
def checked_host(
    scheme: str, header: str | None, server: tuple[str, int | None] | None, trusted: tuple[str, ...] | None
) -> str:
    """Werkzeug's ``Request.host``, remembered: it validates the header's characters (an IP literal is
    parsed) on every call, a tenth of a small query's CPU, and clients send the same few Host headers."""
    return get_host(scheme, header, server, trusted)


def site_url(path: str) -> str:
    """An absolute URL of the site's own ``path`` (no leading slash) under the web base."""
    return web_base() + path


@lru_cache(maxsize=16_384)
def uri(iri: str) -> str:
    """``iri_to_uri``, remembered: a page links the same IRIs many times (a hub page names each article as
    a value and as the source of a fact), and the result depends on the IRI alone."""
    return iri_to_uri(iri)


def doc_url(rest: str, fmt: Format) -> str:
    """The document about ``{namespace}{rest}`` in ``fmt``: ``{web_base}doc/{rest}.{ext}``."""
    return doc_url_under(web_base(), rest, fmt)


def doc_url_under(base: str, rest: str, fmt: Format) -> str:
    """:func:`doc_url` under a given web base (for code without a request context)."""
    return f"{base}doc/{uri(rest)}.{fmt.extension}"


def is_reserved(rest: str) -> bool:
    """Whether ``rest``'s first segment is a name the app serves itself (so no entity page lives there)."""
    pattern = publisher().memos.value("reserved names", lambda: reserved_pattern(current_app.url_map))
    return pattern.fullmatch(rest.split("/", 1)[0]) is not None


def reserved_names(url_map: Map) -> frozenset[str]:
    """The first path segment of every rule but the catch-all (converters left in, as in the rule)."""
    segments = (
        rule.rule.lstrip("/").split("/", 1)[0] for rule in url_map.iter_rules() if rule.endpoint != CATCH_ALL
    )
    return frozenset(segment for segment in segments if segment)


def reserved_pattern(url_map: Map) -> re.Pattern[str]:
    """One expression matching every reserved name; a converter (``<int:page>``) matches within a segment."""
    return re.compile("|".join(_segment_pattern(name) for name in sorted(reserved_names(url_map))))


def _segment_pattern(segment: str) -> str:
    return "[^/]+".join(re.escape(part) for part in CONVERTER.split(segment))
