"""Content negotiation, in one place, for every view that offers more than one representation.

Three things live here, so that the SPARQL endpoint, entity documents and harvest documents agree:

* **Format tables** (:data:`RESULT_FORMATS`, :data:`RDF_FORMATS`, :data:`HTML`): each :class:`Format`
  ties a media type to its ``format=`` token (which is also its file extension), its serializer names in
  rdflib and pyoxigraph, and its W3C ``ns/formats`` IRI (for service descriptions). Tuples are in *server
  preference order*: the first entry is what ``Accept: */*`` (or no ``Accept`` at all) gets.
  ``tests/test_negotiation.py`` checks every row against both libraries, so a row such as
  ``"text/csv": "ttl"`` cannot slip in.
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

from dataclasses import dataclass
from typing import Iterable, Sequence

from flask import Response
from werkzeug.datastructures import MIMEAccept
from werkzeug.exceptions import NotAcceptable

FORMATS_NS = "http://www.w3.org/ns/formats/"


@dataclass(frozen=True)
class Format:
    """One representation a view can produce.

    ``extension`` doubles as the ``format=`` token. ``aliases`` are media types some clients send for the
    same thing (``application/json`` for SPARQL JSON results); they match at lower priority than every
    canonical type, and the response always carries the canonical ``media_type``.
    """

    media_type: str
    extension: str
    label: str
    rdflib: str | None = None  # rdflib serializer/parser name
    oxigraph: str | None = None  # attribute of pyoxigraph.QueryResultsFormat / RdfFormat
    w3c: str | None = None  # IRI under http://www.w3.org/ns/formats/
    aliases: tuple[str, ...] = ()

    @property
    def is_text(self) -> bool:
        return self.media_type.startswith("text/")


def _fmt(media_type: str, ext: str, label: str, rdflib: str | None, ox: str | None, w3c: str | None,
         aliases: tuple[str, ...] = ()) -> Format:
    return Format(media_type, ext, label, rdflib, ox, FORMATS_NS + w3c if w3c else None, aliases)


#: SELECT / ASK results, in server preference order (JSON first: the protocol's de-facto default).
RESULT_FORMATS: tuple[Format, ...] = (
    _fmt("application/sparql-results+json", "json", "JSON", "json", "JSON", "SPARQL_Results_JSON",
         ("application/json",)),
    _fmt("application/sparql-results+xml", "xml", "XML", "xml", "XML", "SPARQL_Results_XML",
         ("application/xml", "text/xml")),
    _fmt("text/csv", "csv", "CSV", "csv", "CSV", "SPARQL_Results_CSV"),
    _fmt("text/tab-separated-values", "tsv", "TSV", "tsv", "TSV", "SPARQL_Results_TSV"),
)

#: RDF graphs and datasets (CONSTRUCT / DESCRIBE answers, documents, dumps), Turtle first.
RDF_FORMATS: tuple[Format, ...] = (
    _fmt("text/turtle", "ttl", "Turtle", "turtle", "TURTLE", "Turtle", ("application/x-turtle",)),
    _fmt("application/ld+json", "jsonld", "JSON-LD", "json-ld", "JSON_LD", "JSON-LD", ("application/json",)),
    _fmt("application/n-triples", "nt", "N-Triples", "nt", "N_TRIPLES", "N-Triples"),
    _fmt("application/rdf+xml", "rdf", "RDF/XML", "xml", "RDF_XML", "RDF_XML", ("application/xml",)),
    _fmt("application/trig", "trig", "TriG", "trig", "TRIG", "TriG"),
    _fmt("application/n-quads", "nq", "N-Quads", "nquads", "N_QUADS", "N-Quads"),
)

#: The RDF formats that hold one graph (no named graphs): what a serialized ``rdflib.Graph`` offers.
GRAPH_FORMATS: tuple[Format, ...] = tuple(f for f in RDF_FORMATS if f.extension in {"ttl", "jsonld", "nt", "rdf"})

HTML = Format("text/html", "html", "HTML", aliases=("application/xhtml+xml",))

ALL_FORMATS: tuple[Format, ...] = RESULT_FORMATS + RDF_FORMATS + (HTML,)

#: Other spellings of ``format=`` tokens, tried in order against what is offered. SPARQLWrapper sends
#: ``format=xml`` for RDF/XML and ``format=json`` for JSON-LD, so the meaning depends on what is offered.
TOKEN_ALIASES: dict[str, tuple[str, ...]] = {
    "json": ("json", "jsonld"),
    "xml": ("xml", "rdf"),
    "turtle": ("ttl",),
    "json-ld": ("jsonld",),
    "ntriples": ("nt",),
    "n-triples": ("nt",),
    "rdfxml": ("rdf",),
    "rdf+xml": ("rdf",),
    "nquads": ("nq",),
    "n-quads": ("nq",),
}


def by_media_type(media_type: str) -> Format | None:
    """The table row whose canonical media type is ``media_type`` (parameters ignored), if any."""
    bare = media_type.split(";", 1)[0].strip().lower()
    return next((f for f in ALL_FORMATS if f.media_type == bare), None)


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
    """The offered format named by a ``format=`` token (an extension or a :data:`TOKEN_ALIASES` key)."""
    wanted = token.strip().lower()
    for candidate in TOKEN_ALIASES.get(wanted, (wanted,)):
        for fmt in offered:
            if fmt.extension == candidate:
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


def add_vary(response: Response, header: str = "Accept") -> Response:
    """Mark the response as negotiated, keeping any ``Vary`` already set (e.g. ``Origin``)."""
    if any(name.lower() == "vary" for name, _ in response.headers):
        response.vary.add(header)
    else:  # the usual case: no header set to parse (nor Werkzeug's exception for an absent header)
        response.headers["Vary"] = header
    return response


def add_alternates(response: Response, alternates: Iterable[tuple[str, Format]]) -> Response:
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
