"""What harvesters and crawlers fetch: the VoID/DCAT description, the dumps, the sitemap, robots.txt.

The content comes from ``dataset.py`` (dump allow-list, VoID graph) and the store; caching headers and
304s from ``site/caching.py``. Decisions:

* VoID lives at ``/.well-known/void`` (RFC 8615, as the VoID guide recommends); ``/void`` serves the same
  document. Turtle is the default (``*/*`` or no ``Accept``); JSON-LD, N-Triples and RDF/XML by ``Accept``
  or ``?format=ttl|jsonld|nt|rdf``. A client that *prefers* ``text/html`` (a browser) gets
  ``303 See Other`` to ``/dumps/``, the human dataset page that shows the same facts and links every
  machine format, so the dataset has one HTML page rather than two.
* Compressed dumps are served as files: ``Content-Type: application/gzip`` with
  ``Content-Disposition: attachment; filename=kgpub.nt.gz``, never ``Content-Encoding: gzip``.
  Harvesters (wget, ``curl -O``, LOD crawlers, loaders that pick a parser by the ``.gz`` suffix) expect
  the saved bytes to be the ``.gz`` file the URL names; with ``Content-Encoding`` many clients decompress
  transparently and store plain N-Triples under a ``.gz`` name, and byte ranges would address the
  compressed stream. The RDF syntax travels in DCAT instead (``dcat:mediaType`` + ``dcat:compressFormat``).
* Dumps are served by exact name from an allow-list of the release's regular files with a known suffix;
  the request never becomes a path, so ``..``, encoded slashes and NUL bytes cannot reach anything else.
  ``send_file`` handles ``Range`` and conditionals with the ETag scheme of ``site/caching.py``.
* The sitemap lists ``{web_base}doc/{rest}.html`` for every IRI subject ``{namespace}{rest}`` outside the
  app's reserved top-level paths, with ``<lastmod>`` = the build time; past 50,000 URLs ``/sitemap.xml``
  becomes an index of ``/sitemap-<n>.xml``. robots.txt allows everything but query URLs
  (``/sparql?``, ``/search?``): each runs work on the store, and the sitemap already reaches every page.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from flask import Blueprint, Response, abort, redirect, render_template, request, send_file, url_for
from werkzeug.wrappers import Response as BaseResponse  # what redirect() makes

from publisher.formats import GRAPH_FORMATS, HTML, Format
from publisher.queries import load_query, with_window
from publisher.web import publisher
from publisher.web.harvest.dataset import DESCRIPTION, dumps, void_graph
from publisher.web.site import caching
from publisher.web.site.negotiation import add_alternates, negotiate
from publisher.web.site.serialize import graph_bytes
from publisher.web.site.urls import doc_url, is_reserved, site_url, web_base

bp = Blueprint("harvest", __name__, template_folder="templates")

VOID_OFFERED = GRAPH_FORMATS + (HTML,)  # Turtle first: what */* and no Accept get
SITEMAP_LIMIT = 50_000  # URLs per sitemap file, the protocol's maximum
ENTITY_CHUNK = 10_000  # rows per query when listing subjects (stays under the store's row cap)


@bp.get("/.well-known/void")
@bp.get("/void")
def void() -> BaseResponse:
    """The dataset description, negotiated; browsers are sent to the dataset page (module docstring)."""
    fmt = negotiate(request.accept_mimetypes, VOID_OFFERED, request.args.get("format"))
    base = web_base()
    response: BaseResponse
    if fmt is HTML:
        response = redirect(url_for("harvest.dumps_index"), code=303)
    else:
        body = publisher().memos.value(
            f"void {fmt.extension} {base}", lambda: graph_bytes(void_graph(base), fmt)
        )
        response = Response(body, content_type=_with_charset(fmt))
    return add_alternates(response, void_alternates(base))


def void_alternates(base: str) -> list[tuple[str, Format]]:
    """Each machine format of the description at a stable URL (``?format=``), for links and ``Link``."""
    return [(f"{base}.well-known/void?format={f.extension}", f) for f in GRAPH_FORMATS]


@bp.get("/dumps/")
def dumps_index() -> str:
    """The human dataset page: what it is, where to query it, and every dump with its size and type."""
    manifest, settings = publisher().manifest, publisher().settings
    return render_template(
        "dumps.html",
        dumps=list(dumps().values()),
        title=settings.title,
        description=DESCRIPTION,
        licence=settings.licence,
        namespace=publisher().namespace,
        triples=manifest.triples if manifest else 0,
        built=caching.build_time() if manifest else None,
        sparql_url=site_url("sparql"),
        void_links=void_alternates(web_base()),
    )


@bp.get("/dumps/<path:name>")
def dump_file(name: str) -> Response:
    """A dump by exact file name; anything else under ``/dumps/`` is 404.

    ``<path:>`` on purpose: ``/dumps/../x`` or ``/dumps/a/b`` must be this blueprint's 404, not fall
    through to the entity catch-all (which would answer 400 for a malformed entity path).
    """
    dump = dumps().get(name)
    if dump is None:
        abort(404, description="No such dump; the list is at /dumps/.")
    return send_file(
        dump.path,
        mimetype=dump.format.served_as,
        as_attachment=dump.format.compressed,
        download_name=dump.name,
        etag=caching.entity_tag(dump.format.served_as),
        last_modified=caching.build_time(),
    )


@bp.get("/sitemap.xml")
def sitemap() -> Response:
    """One urlset, or a sitemap index of ``/sitemap-<n>.xml`` pages once there are too many URLs."""
    pages = page_count(len(entity_pages()), SITEMAP_LIMIT)
    if pages <= 1:
        return _xml(urlset(entity_pages(), _lastmod()))
    page_urls = [site_url(f"sitemap-{n}.xml") for n in range(1, pages + 1)]
    return _xml(sitemap_index(page_urls, _lastmod()))


@bp.get("/sitemap-<int:page>.xml")
def sitemap_page(page: int) -> Response:
    urls = entity_pages()
    if not 1 <= page <= page_count(len(urls), SITEMAP_LIMIT):
        abort(404)
    return _xml(urlset(urls[(page - 1) * SITEMAP_LIMIT : page * SITEMAP_LIMIT], _lastmod()))


@bp.get("/robots.txt")
def robots() -> Response:
    return Response(robots_txt(web_base()), content_type="text/plain; charset=utf-8")


# ---------------------------------------------------------------- sitemap and robots


def entity_pages() -> list[str]:
    """The HTML page URL of every IRI subject in the namespace, in IRI order (memoised per build)."""
    return [doc_url(rest, HTML) for rest in publisher().memos.value("entity-paths", _entity_paths)]


def _entity_paths() -> list[str]:
    """``rest`` of every IRI subject ``{namespace}{rest}`` that has an entity page."""
    ns = publisher().namespace
    return [iri[len(ns) :] for iri in _iri_subjects() if iri.startswith(ns) and _has_page(iri[len(ns) :])]


def _has_page(rest: str) -> bool:
    """Entity pages exist for slash IRIs outside the app's own top-level paths (not ``ontology#term``)."""
    return bool(rest) and "#" not in rest and not is_reserved(rest)


def _iri_subjects() -> Iterator[str]:
    """Every IRI subject, fetched in windows so no single answer reaches the store's row cap."""
    query, offset = load_query("void_entities.rq"), 0
    while True:
        rows = publisher().store.select(with_window(query, ENTITY_CHUNK, offset)).rows
        yield from (str(row["s"]) for row in rows)
        if len(rows) < ENTITY_CHUNK:
            return
        offset += ENTITY_CHUNK


def page_count(urls: int, limit: int) -> int:
    return max(1, -(-urls // limit))


def urlset(urls: list[str], lastmod: str) -> str:
    entries = "".join(f"<url><loc>{escape(u)}</loc><lastmod>{lastmod}</lastmod></url>\n" for u in urls)
    return _sitemap_xml("urlset", entries)


def sitemap_index(sitemaps: list[str], lastmod: str) -> str:
    entries = "".join(
        f"<sitemap><loc>{escape(u)}</loc><lastmod>{lastmod}</lastmod></sitemap>\n" for u in sitemaps
    )
    return _sitemap_xml("sitemapindex", entries)


def _sitemap_xml(root: str, entries: str) -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<{root} xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{entries}</{root}>\n'
    )


def robots_txt(base: str) -> str:
    """robots.txt rules are path prefixes on the host, so they carry the web base's own path."""
    path = urlsplit(base).path or "/"
    return (
        f"User-agent: *\nAllow: /\nDisallow: {path}sparql?\nDisallow: {path}search?\n"
        f"Sitemap: {base}sitemap.xml\n"
    )


def _lastmod() -> str:
    return caching.build_time().isoformat()


def _xml(body: str) -> Response:
    return Response(body, content_type="application/xml; charset=utf-8")


def _with_charset(fmt: Format) -> str:
    return f"{fmt.media_type}; charset=utf-8" if fmt.is_text else fmt.media_type
