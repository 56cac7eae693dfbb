"""Entity pages rendered by the build (``publisher/prerender.py``) and served as a file read.

A release may carry ``pages/``: the HTML document of each entity readers look for, as an English reader's
first page, written with a placeholder web base (``PLACEHOLDER``) that serving replaces with the request's
(so one file serves every host a release is reached at), under a name hashed from the entity's path. Each
file starts with one line naming the label languages its terms have: a reader whose languages would pick
another one gets a live render instead. ``pages/COMPLETE`` names the code that rendered them
(:func:`renderer`); pages made by other code are never served, so an upgrade cannot serve stale markup.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from publisher.settings import Settings
from publisher.web.site.languages import Languages

if TYPE_CHECKING:
    from publisher.app_state import Publisher

PAGES = "pages"
COMPLETE = "COMPLETE"
PLACEHOLDER = "http://kgpub-prerender.invalid/"
HEADER = b"kgpub-page "
PACKAGE = Path(__file__).resolve().parents[2]  # publisher/
RENDERING = ("web", "queries")  # what a page's bytes depend on, beside the data
PAGE_PARAMETERS = frozenset({"page", "direction", "property"})  # a prebuilt page is the whole first page
PLACEHOLDER_BYTES = PLACEHOLDER.encode()


def page_file(pages: Path, rest: str) -> Path:
    digest = hashlib.sha256(rest.encode("utf-8")).hexdigest()
    return pages / digest[:2] / f"{digest[2:32]}.html"


def write_page(pages: Path, rest: str, html: bytes, language: str, languages: Iterable[str]) -> None:
    """Write one page atomically (a reader sees the old file or the new one, never half); its header line
    names the language of its names, then the label languages of its terms."""
    path = page_file(pages, rest)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".tmp-{os.getpid()}")
    header = " ".join([language, *sorted(languages)]).encode("ascii")
    temporary.write_bytes(HEADER + header + b"\n" + html)
    os.replace(temporary, path)


def remove_page(pages: Path, rest: str) -> None:
    page_file(pages, rest).unlink(missing_ok=True)


def read_page(pages: Path, rest: str) -> tuple[bytes, str, frozenset[str]] | None:
    """The page, the language of its names and its label languages; None when the build did not render it."""
    try:
        data = page_file(pages, rest).read_bytes()
    except OSError:
        return None
    header, _, html = data.partition(b"\n")
    language, *languages = header[len(HEADER) :].decode("ascii").split()
    return html, language, frozenset(languages)


def served_page(
    state: Publisher, rest: str, parameters: Iterable[str], languages: Languages, base: str
) -> tuple[bytes, str] | None:
    """The document and ``Content-Language`` of ``rest``'s page as the build rendered it, with links under
    ``base``; None unless the request may have that page: the whole first page (no ``page``/``direction``/
    ``property`` among the query's ``parameters``), for a reader whose ``languages`` do not pick a label
    language the page has over English. A file read and one replacement: it costs no query."""
    pages = completed_pages(state)
    if pages is None or not PAGE_PARAMETERS.isdisjoint(parameters):
        return None
    found = read_page(pages, rest)
    if found is None or languages.prefers(found[2]):
        return None
    html, content_language, _ = found
    return html.replace(PLACEHOLDER_BYTES, base.encode()), content_language


def completed_pages(state: Publisher) -> Path | None:
    """The served release's ``pages/``, once the build has completed them with the code running now.

    ``kgpub build`` publishes a release and then renders its pages, and a running server takes a new release
    up within a second: so "not (yet) complete" is asked again on the next request (one failed file open),
    and only a completed folder is kept."""
    release = state.release_dir
    if release is None:
        return None
    completed = state.memos.memo("prebuilt pages", 1)
    kept: Path | None = completed.get(release)
    if kept is None and usable(release / PAGES, state.settings):
        kept = release / PAGES
        completed.put(release, kept)
    return kept


def usable(pages: Path, settings: Settings) -> bool:
    """Whether ``pages`` were completed by the code running now, with these settings."""
    try:
        return (pages / COMPLETE).read_text(encoding="utf-8").split()[0] == fingerprint(settings)
    except (OSError, IndexError):
        return False


def mark_complete(pages: Path, count: int, settings: Settings) -> None:
    (pages / COMPLETE).write_text(f"{fingerprint(settings)} {count}\n", encoding="utf-8")


def fingerprint(settings: Settings) -> str:
    """The code that makes pages (:func:`renderer`) and the settings a page shows (the site's title and
    licence, values per page): a restart with another title must not serve pages with the old one."""
    shown = "\x1f".join((settings.title, settings.licence, str(settings.page_size)))
    return f"{renderer()}-{hashlib.sha256(shown.encode()).hexdigest()[:8]}"


@cache
def renderer() -> str:
    """A fingerprint of the code that makes pages: every file of the web layer and the fixed queries."""
    digest = hashlib.sha256()
    for folder in RENDERING:
        for path in sorted((PACKAGE / folder).rglob("*")):
            if path.is_file() and "vendor" not in path.parts and path.suffix not in (".pyc",):
                digest.update(str(path.relative_to(PACKAGE)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]
