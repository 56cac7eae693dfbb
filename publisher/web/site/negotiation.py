"""Content negotiation, in one place, for every view that offers more than one representation.

The rest lives here, so that the SPARQL endpoint, entity documents and harvest documents agree:

* **What is offered** comes from the one format registry, ``publisher/formats.py`` (tuples in server
  preference order: the first entry is what ``Accept: */*``, or no ``Accept`` at all, gets).
* **Choosing**: :func:`negotiate` applies an explicit ``format=`` token (for links and downloads) and
  otherwise :func:`choose` picks from Werkzeug's q-value-aware ``MIMEAccept``. Nothing acceptable raises
  406 ``NotAcceptable`` whose description lists what is offered.
* **Advertising**: :func:`add_vary` and :func:`add_alternates` (``Vary: Accept`` and
  ``Link: <...>; rel="alternate"; type="..."``) for every response whose body depends on negotiation.

Usage in a view::

    fmt = negotiate(request.accept_mimetypes, RDF_FORMATS + (HTML,), request.args.get("format"))
    response = Response(body_in(fmt), mimetype=fmt.media_type)
    add_alternates(response, [(url_for(".doc", path=p, ext=f.extension), f) for f in RDF_FORMATS])
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeVar

from werkzeug.datastructures import MIMEAccept
from werkzeug.exceptions import NotAcceptable
from werkzeug.wrappers import Response

from publisher.formats import Format, by_name

R = TypeVar("R", bound=Response)  # a Flask response, or a redirect (Werkzeug's)


def choose(accept: MIMEAccept, offered: Sequence[Format], default: Format | None = None) -> Format:
    """Pick the client's best-ranked format among ``offered``; ties go to the earlier (server) entry.

    No ``Accept`` header means ``default`` (else the first offered). Raises 406 when nothing offered is
    acceptable; its description lists the offered media types.
    """
    if not offered:
        raise ValueError("choose() needs at least one offered format")
    if not accept:
        return default or offered[0]
    by_type = {f.media_type: f for f in offered}
    for fmt in offered:  # aliases rank after every canonical type, so */* still means offered[0]
        for alias in fmt.aliases:
            by_type.setdefault(alias, fmt)
    best = accept.best_match(list(by_type))
    if best is None:
        raise NotAcceptable(_acceptable(offered))
    return by_type[best]


def by_token(token: str, offered: Sequence[Format]) -> Format:
    """The offered format named by a ``format=`` token (an extension or another of its ``names``)."""
    fmt = by_name(token, tuple(offered))
    if fmt is not None:
        return fmt
    tokens = ", ".join(f.extension for f in offered)
    raise NotAcceptable(f"format={token!r} is not available here; use one of: {tokens}")


def negotiate(
    accept: MIMEAccept, offered: Sequence[Format], token: str | None = None, default: Format | None = None
) -> Format:
    """``format=`` wins when given (non-empty); otherwise the ``Accept`` header decides."""
    if token:
        return by_token(token, offered)
    return choose(accept, offered, default)


def add_vary(response: R, header: str = "Accept") -> R:
    """Mark the response as negotiated, keeping any ``Vary`` already set (e.g. ``Origin``)."""
    if any(name.lower() == "vary" for name, _ in response.headers):
        response.vary.add(header)
    else:  # the usual case: no header set to parse (nor Werkzeug's exception for an absent header)
        response.headers["Vary"] = header
    return response


def add_alternates(response: R, alternates: Iterable[tuple[str, Format]]) -> R:
    """Advertise other representations in a ``Link`` header (appended to any existing one)."""
    links = [link_value(href, fmt) for href, fmt in alternates]
    existing = response.headers.get("Link")
    response.headers["Link"] = ", ".join(([existing] if existing else []) + links)
    return add_vary(response)


def link_value(href: str, fmt: Format, rel: str = "alternate") -> str:
    """One ``Link`` header entry; ``href`` must already be a URL (percent-encoded)."""
    return f'<{href}>; rel="{rel}"; type="{fmt.media_type}"'


def download_name(stem: str, fmt: Format) -> str:
    """A file name for ``Content-Disposition`` (``stem`` must be a safe ASCII word)."""
    return f"{stem}.{fmt.extension}"


def _acceptable(offered: Sequence[Format]) -> str:
    return "Acceptable here: " + ", ".join(f.media_type for f in offered)
