"""The web edge for errors: every failure becomes one negotiated, escaped response.

``register(app)`` is called once by ``create_app``. A :class:`~publisher.errors.PublisherError` keeps its
own status and title (400 syntax, 403 refused, 413 too large, 503 timeout, 502 store down ...); a Werkzeug
``HTTPException`` (404, 405, 406, 413, 415 ...) keeps its code and its protocol headers (``Allow``); any
other exception is a bug: Flask logs it with its traceback and we answer a plain 500 that tells nothing
about the internals.

The body format follows the client's ``Accept``:

* ``text/html`` for browsers: ``<status>.html`` if such a template exists, else ``error.html``
  (autoescaped, so a query echoed in a message cannot inject markup);
* ``application/json`` / ``application/problem+json``: ``{"status", "title", "detail"}``, with ``<``,
  ``>``, ``&`` and ``'`` escaped as ``\\u`` sequences;
* ``text/plain`` otherwise, including SPARQL clients that ask for results formats: SPARQLWrapper and
  most command-line tools show this body to the user as is.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, render_template, request
from jinja2.utils import htmlsafe_json_dumps
from werkzeug.exceptions import HTTPException

from publisher.errors import PublisherError

PLAIN, HTML, JSON, PROBLEM = "text/plain", "text/html", "application/json", "application/problem+json"
ERROR_MEDIA_TYPES = (PLAIN, HTML, JSON, PROBLEM)  # text/plain first: what */* and unknown Accepts get
PROTOCOL_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")  # kept from the original exception


def register(app: Flask) -> None:
    """Convert errors at the edge, once; views and the store just raise."""
    app.register_error_handler(PublisherError, handle_publisher_error)
    app.register_error_handler(HTTPException, handle_http_exception)


def rendered(app: Flask, environ: dict[str, Any], error: PublisherError) -> Response:
    """``error`` answered exactly as the app answers it from a view (its handler, its ``after_request``
    hooks), for code that holds a WSGI environ but runs outside that request's context (another thread,
    or the SPARQL endpoint's path around Flask)."""
    with app.request_context(environ):
        return app.process_response(app.make_response(app.handle_user_exception(error)))


def handle_publisher_error(error: PublisherError, media_type: str | None = None) -> Response:
    """``error`` in ``media_type``, or as the client's ``Accept`` prefers."""
    if error.status >= 500:
        current_app.logger.error("%s: %s", error.title, error, exc_info=error)
    return error_response(error.status, error.title, str(error), media_type)


def handle_http_exception(error: HTTPException) -> Response:
    """Werkzeug's own errors (and the 500 that wraps an unhandled bug, already logged by Flask)."""
    status = error.code or 500
    response = error_response(status, error.name, error.description or "")
    original = error.get_response()
    for header in PROTOCOL_HEADERS:
        if header in original.headers:
            response.headers[header] = original.headers[header]
    return response


def error_response(status: int, title: str, detail: str, media_type: str | None = None) -> Response:
    """A response for ``status`` in ``media_type`` (one of ``ERROR_MEDIA_TYPES``), else in the format the
    client's ``Accept`` prefers, never refused (no 406 on a 4xx)."""
    media_type = media_type or request.accept_mimetypes.best_match(ERROR_MEDIA_TYPES, default=PLAIN)
    if media_type == HTML:
        response = _html(status, title, detail)
    elif media_type in (JSON, PROBLEM):
        response = Response(_json(status, title, detail), mimetype=media_type)
    else:
        response = Response(plain_text(status, title, detail), mimetype=PLAIN)
    response.status_code = status
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.vary.add("Accept")
    return response


def plain_text(status: int, title: str, detail: str) -> str:
    """``400 Malformed SPARQL query`` then the detail: the first line is greppable, the rest readable."""
    return f"{status} {title}\n\n{detail}\n" if detail else f"{status} {title}\n"


def _json(status: int, title: str, detail: str) -> str:
    return str(htmlsafe_json_dumps({"status": status, "title": title, "detail": detail})) + "\n"


def _html(status: int, title: str, detail: str) -> Response:
    """Render by status; if the page chrome itself fails, log it and fall back to plain text."""
    try:
        body = render_template([f"{status}.html", "error.html"], status=status, title=title, detail=detail)
    except Exception:  # an error page must never raise: the client still deserves the original error
        current_app.logger.exception("could not render the error page for %s", status)
        return Response(plain_text(status, title, detail), mimetype=PLAIN)
    return Response(body, mimetype=HTML)
