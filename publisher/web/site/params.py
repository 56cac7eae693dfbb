"""Request parameters that name IRIs or pages, validated once for every view that takes them.

A value that fails here is a 400 before any query runs; a value that passes is still only ever bound
into a query (never spliced), so this is defence in depth plus clear error messages.
"""

from __future__ import annotations

import re
from typing import Final

from rdflib import URIRef
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest

MAX_PAGE: Final = 100_000
MAX_IRI_CHARS: Final = 2048
# Never in an IRI we serve or accept: controls, space, the characters RFC 3987 excludes, and '%' unless
# it starts a %XX escape.
FORBIDDEN: Final = re.compile(r'[\x00-\x20\x7f-\x9f<>"{}|\\^`]|%(?![0-9A-Fa-f]{2})')
SCHEME: Final = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def iri_param(args: MultiDict[str, str], name: str) -> URIRef:
    """The absolute IRI given as ``?name=``; 400 when missing or malformed."""
    value = args.get(name, "")
    if not value or len(value) > MAX_IRI_CHARS or FORBIDDEN.search(value) or not SCHEME.match(value):
        raise BadRequest(f"'{name}' must be an absolute IRI.")
    return URIRef(value)


def page_param(args: MultiDict[str, str]) -> int:
    """``?page=N`` (1-based, default 1); 400 when not a whole number in range."""
    page = args.get("page", "1")
    if not page.isdigit() or not 1 <= int(page) <= MAX_PAGE:
        raise BadRequest(f"'page' must be a whole number from 1 to {MAX_PAGE}.")
    return int(page)
