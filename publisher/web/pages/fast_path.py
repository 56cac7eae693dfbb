"""``GET /doc/{rest}.html`` answered around Flask's request machinery when the build rendered that page.

Why: serving a page the build rendered (``prebuilt.py``) is a file read, about 60 us, but through Flask it
cost 0.8 ms of CPU at 1M triples (request context, URL map and converters, the language chain through
Werkzeug's parsed headers, response object, the caching hook's header parsing), which kept a typical page's
first render at 2.1 ms p50 under load against the 2 ms target. Here the same request costs little more
than the read: it is taken from the WSGI environ and answered by the functions the view uses
(``prebuilt.served_page``, ``entities.alternates_under``, ``site/caching.py``'s validators and freshness,
the same language chain), its headers written once, as a list.

Only a plain request takes this path: ``GET``, a path ending in ``.html`` under ``/doc/``, no conditional
header, and a page the build rendered that this reader may have. Anything else (``HEAD``, ``If-None-Match``,
a paged window, a reader whose languages pick another label language, a page not rendered) goes to the app
untouched, where ``entities.prebuilt_document`` serves the same bytes with the same headers
(``tests/test_prerender.py`` compares the two).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from werkzeug.datastructures import LanguageAccept, MultiDict
from werkzeug.http import parse_accept_header

from publisher.formats import HTML
from publisher.web.pages.entities import alternates_under
from publisher.web.pages.prebuilt import served_page
from publisher.web.site import caching
from publisher.web.site.languages import requested
from publisher.web.site.negotiation import link_value
from publisher.web.site.shortcut import Shortcut
from publisher.web.site.urls import base_variant_of

if TYPE_CHECKING:
    from publisher.app_state import Publisher

PREFIX = "/doc/"
SUFFIX = ".html"
CONTENT_TYPE = f"{HTML.media_type}; charset=utf-8"  # what Flask's Response(mimetype=...) writes


class PrebuiltPages(Shortcut[str]):
    """WSGI middleware in front of the app's WSGI stack (installed by ``create_app``)."""

    def claim(self, environ: dict[str, Any]) -> str | None:
        return plain_page(environ)

    def answer(
        self, environ: dict[str, Any], start_response: Callable[..., Any], state: Publisher, rest: str
    ) -> Iterable[bytes]:
        """The page and its headers, exactly as ``entities.document`` and the caching hook make them; the
        app's answer when this request is not for a page the build rendered."""
        raw_query = environ.get("QUERY_STRING", "")
        decoded = raw_query.encode("latin-1").decode("utf-8", "replace")  # as Werkzeug reads it
        args = MultiDict(parse_qsl(decoded, keep_blank_values=True))
        accept_language = environ.get("HTTP_ACCEPT_LANGUAGE", "")
        reader = requested(args, parse_accept_header(accept_language, LanguageAccept))
        request = self.app.request_class(environ)
        configured = state.settings.web_base
        base = configured or request.url_root
        base = base if base.endswith("/") else base + "/"
        found = served_page(state, rest, args, reader, base)
        if found is None:
            return self.next(environ, start_response)
        html, content_language = found
        links = ", ".join(link_value(href, fmt) for href, fmt in alternates_under(base, rest))
        query_variant = f"{raw_query}\x1e{accept_language}"  # as caching.entity_tag has it for HTML
        tag = caching.variant_tag(
            state.build_id, base_variant_of(request, configured), request.path, query_variant, CONTENT_TYPE
        )
        start_response(
            "200 OK",
            [
                ("Content-Type", CONTENT_TYPE),
                ("Content-Length", str(len(html))),
                ("Content-Language", content_language),
                ("Vary", "Accept-Language, Accept"),
                ("Link", links),
                caching.freshness(caching.policy_of(self.app).max_age),
                *caching.validators(state, tag),
                ("Date", caching.http_now()),
            ],
        )
        return [html]


def plain_page(environ: dict[str, Any]) -> str | None:
    """The entity path (``rest``) of a ``GET /doc/{rest}.html`` that asks nothing conditional; None for any
    other request. The path is decoded as Werkzeug decodes it, so both routes name the same file."""
    path: str = environ.get("PATH_INFO", "")
    if environ.get("REQUEST_METHOD") != "GET" or not path.startswith(PREFIX) or not path.endswith(SUFFIX):
        return None
    if not caching.CONDITIONAL_HEADERS.isdisjoint(environ):
        return None
    rest = path.encode("latin-1").decode("utf-8", "replace")[len(PREFIX) : -len(SUFFIX)]
    return rest or None
