"""Dereferencing: every IRI in the namespace answers on the web (Cool URIs for the Semantic Web, 303 style).

* ``GET /{rest}`` for an IRI ``{namespace}{rest}`` that occurs in the data -> ``303 See Other`` to its
  document ``/doc/{rest}.{html|ttl|jsonld|nt|rdf}``, chosen by ``Accept`` (``Vary: Accept``). The thing
  and the document about it keep distinct URLs, so statements about one are never taken for the other.
* ``GET /doc/{rest}.{ext}`` is one representation; ``/doc/{rest}`` negotiates directly (with
  ``Content-Location``). Every answer advertises all formats in ``Link: rel="alternate"`` headers.
* The request path becomes an IRI only after strict validation (:func:`entity_iri`), and the IRI reaches
  queries as a binding. Nothing here touches the file system, so ``..`` can never reach a file.

The blueprint is registered last: ``/<path:rest>`` is the catch-all, and Werkzeug ranks every rule with a
static prefix (``/sparql``, ``/dumps/...``) above it anyway.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, redirect, render_template, request
from flask.blueprints import BlueprintSetupState
from markupsafe import Markup
from rdflib import URIRef
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest
from werkzeug.wrappers import Response as BaseResponse  # what redirect() makes

from publisher.formats import GRAPH_FORMATS, HTML, Format
from publisher.memo import BoundedMemo
from publisher.web import publisher
from publisher.web.pages.describe import Description, Memos, Window, describe, exists
from publisher.web.pages.entity_page import JSONLD_CONTEXT, EntityPage, Where, entity_page
from publisher.web.pages.kinds import Hierarchy, hierarchy
from publisher.web.pages.models import Alternate
from publisher.web.pages.prebuilt import served_page
from publisher.web.pages.terms import Term
from publisher.web.site.labels import LABEL_RANK, PREFIXES
from publisher.web.site.languages import DEFAULT_LANGUAGE, Languages, requested
from publisher.web.site.negotiation import add_alternates, add_vary, choose, link_value
from publisher.web.site.params import FORBIDDEN, iri_param, page_param
from publisher.web.site.serialize import Triple, rdf_bytes
from publisher.web.site.urls import doc_url, doc_url_under, is_reserved, web_base

bp = Blueprint("resources", __name__, template_folder="templates")

DOC_FORMATS: tuple[Format, ...] = (HTML, *GRAPH_FORMATS)  # HTML first: what a browser or */* gets
BY_EXTENSION = {fmt.extension: fmt for fmt in DOC_FORMATS}
MAX_PATH_CHARS = 1024
# '#' and '?' never belong to a path we serve: a hash IRI is served by its base's document.
NOT_IN_PATH = re.compile(r"[#?]")
CONTEXT_MEMO_TERMS = (
    20_000  # terms whose labels, types and image URLs a worker remembers (a hub page shows ~550)
)
TERM_MEMO_ENTRIES = 20_000  # terms a worker keeps labelled and linked for the pages that show them again
GROUPS_MEMO_SUBJECTS = 1_024  # hubs whose property counts a worker remembers
ORG_MEMO_ENTRIES = 64  # hub organisations whose sections a worker remembers (the largest at 1M: 150 KiB)
TERM_MARKUP_ENTRIES = 20_000  # rendered terms a worker remembers
DOCUMENT_MEMO_BYTES = 32 * 2**20  # finished documents a worker keeps, in bytes (a typical page is ~8 KB)
DOCUMENT_MEMO_ENTRIES = 16_384


@bp.get("/<path:rest>")
def resource(rest: str) -> BaseResponse:
    """The IRI itself: 303 to the document in the negotiated format, or 404 if it occurs nowhere."""
    iri = entity_iri(rest)
    if not exists(publisher().store, iri):
        abort(404, description=f"Nothing is known about <{iri}>.")
    fmt = choose(request.accept_mimetypes, DOC_FORMATS)
    response = redirect(doc_url(rest, fmt), code=303)
    return add_alternates(response, alternates(rest))


@bp.get("/doc/<path:name>")
def document(name: str) -> Response:
    """A document about an IRI: ``name`` is ``{rest}.{ext}``, or ``{rest}`` to negotiate.

    A document with an explicit extension is a function of the build and the request's URL alone, so once
    made it is kept (bounded, per build: :func:`documents`) and served again as the same bytes; the memo
    sits behind the path validation, and only successful documents are kept."""
    rest, fmt = split_extension(name)
    iri = entity_iri(rest)
    if fmt is HTML and (built := prebuilt_document(rest)) is not None:
        return built
    # what the bytes depend on: where the request arrived (links, site frame) or the configured web base,
    # and the reader's languages (Accept-Language)
    base = (request.url_root, publisher().settings.web_base, languages().chain)
    key = (*base, request.path, request.query_string) if fmt is not None else None
    kept = documents().get(key) if key is not None else None
    if kept is not None:
        return Response(kept[0], headers=kept[1])
    response = make_document(rest, iri, fmt)
    if key is not None:
        documents().put(key, (response.get_data(), tuple(response.headers.items())))
    return response


def make_document(rest: str, iri: URIRef, fmt: Format | None) -> Response:
    description = describe(publisher().store, iri, window_from(request.args), publisher().namespace, memos())
    if description is None:
        abort(404, description=f"Nothing is known about <{iri}>.")
    if description.window.offset > 0 and not description.statements:
        abort(
            404, description="This page is past the last value; the first page is the document without ?page."
        )
    chosen = fmt or choose(request.accept_mimetypes, DOC_FORMATS)
    response = html_document(description, rest) if chosen is HTML else rdf_document(description, chosen)
    if fmt is None:
        response.headers["Content-Location"] = doc_url(rest, chosen)
    if description.has_more and chosen is not HTML:
        response.headers["Link"] = link_value(next_page_url(rest, chosen), chosen, rel="next")
    return add_alternates(response, alternates(rest))


def prebuilt_document(rest: str) -> Response | None:
    """The page the build rendered, when this request may have it (``prebuilt.served_page``). Most such
    requests never get here: ``fast_path.PrebuiltPages`` answers them around Flask; this serves the rest
    (``HEAD``, conditional requests)."""
    base = web_base()
    found = served_page(publisher(), rest, request.args, languages(), base)
    if found is None:
        return None
    html, content_language = found
    response = Response(html, mimetype=HTML.media_type)
    response.headers["Content-Language"] = content_language
    return add_alternates(add_vary(response, "Accept-Language"), alternates_under(base, rest))


def rendered(rest: str) -> tuple[bytes, str, frozenset[str]] | None:
    """``rest``'s HTML document as an English reader's first page (made within a request context), with
    the language of its names and the label languages of its terms; None when the IRI occurs nowhere or is
    not a thing readers look for (modelling nodes are rendered on request)."""
    iri = entity_iri(rest)
    description = describe(
        publisher().store, iri, Window(1, publisher().settings.page_size), publisher().namespace, memos()
    )
    if description is None:
        return None
    page = build_page(description, rest)
    if page.kind is None:
        return None
    html = render_template("entity.html", page=page).encode("utf-8")
    return html, page.title.lang or DEFAULT_LANGUAGE, page.languages


# ---------------------------------------------------------------- request -> IRI, window, format


def entity_iri(rest: str) -> URIRef:
    """The namespace IRI a request path names, after strict validation (400 if malformed, 404 if reserved)."""
    if len(rest) > MAX_PATH_CHARS:
        raise BadRequest(f"Paths longer than {MAX_PATH_CHARS} characters name no entity.")
    if _malformed(rest):
        raise BadRequest("This path cannot name an entity of the dataset.")
    if is_reserved(rest):
        abort(404)
    return URIRef(publisher().namespace + rest)


def _malformed(rest: str) -> bool:
    """Forbidden characters, or a ``.``/``..``/empty segment (only the last segment may be empty: ``a/b/``)."""
    *parents, last = rest.split("/")
    bad_segment = any(s in ("", ".", "..") for s in parents) or last in (".", "..")
    return bool(bad_segment or FORBIDDEN.search(rest) or NOT_IN_PATH.search(rest))


def split_extension(name: str) -> tuple[str, Format | None]:
    """``org/tju.ttl`` -> (``org/tju``, Turtle); a name without a known extension is negotiated."""
    stem, dot, extension = name.rpartition(".")
    if dot and stem and extension in BY_EXTENSION:
        return stem, BY_EXTENSION[extension]
    return name, None


def window_from(args: MultiDict[str, str]) -> Window:
    """``?page=N`` pages every property; ``&direction=in|out&property=IRI`` narrows to one property."""
    page, size = page_param(args), publisher().settings.page_size
    direction = args.get("direction")
    if direction is None and "property" not in args:
        return Window(page, size)
    if direction not in ("out", "in"):
        raise BadRequest("'direction' must be 'out' or 'in'.")
    return Window(page, size, (direction, iri_param(args, "property")))  # type: ignore[arg-type]


DocumentKey = tuple[str, str | None, tuple[str, ...], str, bytes]


def documents() -> BoundedMemo[DocumentKey, tuple[bytes, tuple[tuple[str, str], ...]]]:
    """This app's memo of finished documents (body and headers), bounded by their total size."""
    return publisher().memos.memo(
        "resources.documents", DOCUMENT_MEMO_ENTRIES, DOCUMENT_MEMO_BYTES, lambda kept: len(kept[0])
    )


def memos() -> Memos:
    """This app's per-build memos for describing entities (bounded: see ``publisher/memo.py``)."""
    memos = publisher().memos
    return Memos(
        context=memos.memo("describe.context", CONTEXT_MEMO_TERMS),
        groups=memos.memo("describe.groups", GROUPS_MEMO_SUBJECTS),
    )


def alternates(rest: str) -> list[tuple[str, Format]]:
    return alternates_under(web_base(), rest)


def alternates_under(base: str, rest: str) -> list[tuple[str, Format]]:
    """Every representation of ``rest``'s document, its links under ``base``."""
    return [(doc_url_under(base, rest, fmt), fmt) for fmt in DOC_FORMATS]


def next_page_url(rest: str, fmt: Format) -> str:
    """The same document, one page further (for the ``Link: rel="next"`` of a paged RDF document)."""
    args = request.args.to_dict()
    args["page"] = str(int(args.get("page", "1")) + 1)
    return f"{doc_url(rest, fmt)}?{urlencode(args)}"


# ---------------------------------------------------------------- representations


@bp.record_once
def install_term_filter(state: BlueprintSetupState) -> None:
    """The ``term_html`` filter of this app: what the ``term`` macro of ``_macros.html`` renders for a term
    (it stays the one place where terms are escaped and linked), remembered in the app's memos. A
    :class:`Term` is a frozen value holding everything the macro reads, so equal terms render equal markup,
    and a hub page renders ~3,000 of them; the markup comes from this app's templates, so it dies with it.
    The memo is bound here, once, rather than looked up for each of those terms."""
    app = state.app
    memo = app.extensions["kgpub"].memos.memo("pages.markup", TERM_MARKUP_ENTRIES)

    def term_html(term: Term) -> Markup:
        markup = memo.get(term)
        if markup is None:
            markup = app.jinja_env.get_template("_macros.html").module.term(term)  # type: ignore[attr-defined]
            memo.put(term, markup)
        return markup  # type: ignore[no-any-return]

    app.jinja_env.filters["term_html"] = term_html


def html_document(description: Description, rest: str) -> Response:
    page = build_page(description, rest)
    response = Response(render_template("entity.html", page=page), mimetype=HTML.media_type)
    response.headers["Content-Language"] = page.title.lang or DEFAULT_LANGUAGE  # the names' language
    return add_vary(response, "Accept-Language")


def build_page(description: Description, rest: str) -> EntityPage:
    """The page model of a description: names in the reader's languages, links to the web base."""
    links = tuple(Alternate(fmt.label, href, fmt.media_type) for href, fmt in alternates(rest))
    shared = publisher().memos.memo("pages.terms", TERM_MEMO_ENTRIES)
    where = Where(publisher().namespace, web_base(), languages(), shared)
    store = publisher().store
    organisations = publisher().memos.memo("pages.organisations", ORG_MEMO_ENTRIES)
    return entity_page(
        store, description, where, classes(), memos(), links, doc_url(rest, HTML), organisations
    )


def languages() -> Languages:
    """The reader's language chain: ``?lang=``, then ``Accept-Language``, then English."""
    return requested(request.args, request.accept_languages)


def classes() -> Hierarchy:
    """The class hierarchy of the served build, read once per app."""
    return publisher().memos.value("class hierarchy", lambda: hierarchy(publisher().store))


def rdf_document(description: Description, fmt: Format) -> Response:
    body = rdf_bytes(document_triples(description), fmt, PREFIXES, JSONLD_CONTEXT)
    return Response(body, mimetype=fmt.media_type)


def document_triples(description: Description) -> list[Triple]:
    """The triples of a description's windows, plus the labels of the terms they name."""
    triples = [s.triple for s in description.statements]
    return triples + [t for t in description.context if t[1] in LABEL_RANK]
