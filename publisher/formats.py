"""Every format kgpub reads or writes, declared once: negotiation, the store's serializer, the CLI, the
dumps and VoID all read this table (``tests/test_formats.py`` round-trips each row through each of them).

A :class:`Format` ties a canonical media type to its ``format=`` token (also its file extension), its
other names (``--format`` of ``kgpub query``, the tokens SPARQLWrapper sends), its serializer/parser names
in rdflib and pyoxigraph, and its W3C ``ns/formats`` IRI. Tuples are in *server preference order*: the
first entry is what ``Accept: */*`` (or no ``Accept`` at all) gets. Adding a format is adding a row here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

FORMATS_NS = "http://www.w3.org/ns/formats/"


class Kind(Enum):
    """What a format carries: SPARQL SELECT/ASK results, one RDF graph, RDF with named graphs, or a page."""

    RESULTS = "results"
    GRAPH = "graph"
    DATASET = "dataset"
    PAGE = "page"
    TABLE = "table"


@dataclass(frozen=True)
class Format:
    """One representation. ``aliases`` are media types some clients send for the same thing
    (``application/json`` for SPARQL JSON results); they match at lower priority than every canonical type,
    and a response always carries the canonical ``media_type``. ``names`` are other spellings of the
    ``format=`` token; ``cli_name`` is the ``kgpub query --format`` choice (kept as released)."""

    media_type: str
    extension: str
    label: str
    kind: Kind
    rdflib: str | None = None  # rdflib serializer/parser name
    oxigraph: str | None = None  # attribute of pyoxigraph.QueryResultsFormat (results) or RdfFormat (RDF)
    w3c: str | None = None  # IRI under http://www.w3.org/ns/formats/
    aliases: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    cli_name: str | None = None
    named_graphs: bool = False  # can state named graphs (a dump in it keeps each graph apart)
    prefixed: bool = False  # a Turtle-family syntax: starts with ``@prefix`` lines (dumps write them once)

    @property
    def is_text(self) -> bool:
        return self.media_type.startswith("text/")

    @property
    def is_rdf(self) -> bool:
        return self.kind in (Kind.GRAPH, Kind.DATASET)


def _w3c(name: str) -> str:
    return FORMATS_NS + name


JSON_RESULTS = Format(
    media_type="application/sparql-results+json",
    extension="json",
    label="JSON",
    kind=Kind.RESULTS,
    rdflib="json",
    oxigraph="JSON",
    w3c=_w3c("SPARQL_Results_JSON"),
    aliases=("application/json",),
    cli_name="json",
)
XML_RESULTS = Format(
    media_type="application/sparql-results+xml",
    extension="xml",
    label="XML",
    kind=Kind.RESULTS,
    rdflib="xml",
    oxigraph="XML",
    w3c=_w3c("SPARQL_Results_XML"),
    aliases=("application/xml", "text/xml"),
    cli_name="xml",
)
CSV_RESULTS = Format(
    media_type="text/csv",
    extension="csv",
    label="CSV",
    kind=Kind.RESULTS,
    rdflib="csv",
    oxigraph="CSV",
    w3c=_w3c("SPARQL_Results_CSV"),
    cli_name="csv",
)
TSV_RESULTS = Format(
    media_type="text/tab-separated-values",
    extension="tsv",
    label="TSV",
    kind=Kind.RESULTS,
    rdflib="tsv",
    oxigraph="TSV",
    w3c=_w3c("SPARQL_Results_TSV"),
    cli_name="tsv",
)

TURTLE = Format(
    media_type="text/turtle",
    extension="ttl",
    label="Turtle",
    kind=Kind.GRAPH,
    rdflib="turtle",
    oxigraph="TURTLE",
    w3c=_w3c("Turtle"),
    aliases=("application/x-turtle",),
    names=("turtle",),
    cli_name="turtle",
    prefixed=True,
)
JSON_LD = Format(
    media_type="application/ld+json",
    extension="jsonld",
    label="JSON-LD",
    kind=Kind.GRAPH,
    rdflib="json-ld",
    oxigraph="JSON_LD",
    w3c=_w3c("JSON-LD"),
    aliases=("application/json",),
    names=("json-ld", "json"),
    cli_name="jsonld",
    named_graphs=True,
)
N_TRIPLES = Format(
    media_type="application/n-triples",
    extension="nt",
    label="N-Triples",
    kind=Kind.GRAPH,
    rdflib="nt",
    oxigraph="N_TRIPLES",
    w3c=_w3c("N-Triples"),
    names=("ntriples", "n-triples"),
    cli_name="ntriples",
)
RDF_XML = Format(
    media_type="application/rdf+xml",
    extension="rdf",
    label="RDF/XML",
    kind=Kind.GRAPH,
    rdflib="xml",
    oxigraph="RDF_XML",
    w3c=_w3c("RDF_XML"),
    aliases=("application/xml",),
    names=("rdfxml", "rdf+xml", "xml"),
    cli_name="rdfxml",
)
TRIG = Format(
    media_type="application/trig",
    extension="trig",
    label="TriG",
    kind=Kind.DATASET,
    rdflib="trig",
    oxigraph="TRIG",
    w3c=_w3c("TriG"),
    cli_name="trig",
    named_graphs=True,
    prefixed=True,
)
N_QUADS = Format(
    media_type="application/n-quads",
    extension="nq",
    label="N-Quads",
    kind=Kind.DATASET,
    rdflib="nquads",
    oxigraph="N_QUADS",
    w3c=_w3c("N-Quads"),
    names=("nquads", "n-quads"),
    cli_name="nquads",
    named_graphs=True,
)

HTML = Format(
    media_type="text/html",
    extension="html",
    label="HTML",
    kind=Kind.PAGE,
    aliases=("application/xhtml+xml",),
)

#: A page's table as data: the partnership explorer's CSV and JSON, as Datasette offers every table.
TABLE_CSV = Format(media_type="text/csv", extension="csv", label="CSV", kind=Kind.TABLE)
TABLE_JSON = Format(media_type="application/json", extension="json", label="JSON", kind=Kind.TABLE)
TABLE_FORMATS: tuple[Format, ...] = (TABLE_CSV, TABLE_JSON)

#: SELECT / ASK results, in server preference order (JSON first: the protocol's de-facto default).
RESULT_FORMATS: tuple[Format, ...] = (JSON_RESULTS, XML_RESULTS, CSV_RESULTS, TSV_RESULTS)
#: RDF graphs and datasets (CONSTRUCT / DESCRIBE answers, documents, dumps), Turtle first.
RDF_FORMATS: tuple[Format, ...] = (TURTLE, JSON_LD, N_TRIPLES, RDF_XML, TRIG, N_QUADS)
#: The RDF formats of one graph: what entity documents, VoID and other single-graph documents offer.
GRAPH_FORMATS: tuple[Format, ...] = tuple(f for f in RDF_FORMATS if f.kind is Kind.GRAPH)
ALL_FORMATS: tuple[Format, ...] = RESULT_FORMATS + RDF_FORMATS + (HTML,)
#: ``kgpub query --format`` choices: the results and RDF formats by their CLI names.
CLI_FORMATS: dict[str, Format] = {f.cli_name: f for f in RESULT_FORMATS + RDF_FORMATS if f.cli_name}


@dataclass(frozen=True)
class DumpFile:
    """One dump file a release carries: its name, the RDF syntax inside, and whether it is gzipped."""

    name: str
    syntax: Format
    compressed: bool = False

    @property
    def served_as(self) -> str:
        """The file's own Content-Type: the archive for ``.gz`` (see ``web/harvest``), else the syntax."""
        return "application/gzip" if self.compressed else self.syntax.media_type


#: The dumps ``pipeline/dumps.py`` writes and ``web`` serves (docs/ARCHITECTURE.md, "Build output").
DUMP_FILES: tuple[DumpFile, ...] = (
    DumpFile("kgpub.nt.gz", N_TRIPLES, compressed=True),
    DumpFile("kgpub.nq.gz", N_QUADS, compressed=True),
    DumpFile("kgpub.ttl", TURTLE),
    DumpFile("kgpub.trig", TRIG),
    DumpFile("kgpub.jsonld", JSON_LD),
)


def by_media_type(media_type: str) -> Format | None:
    """The format whose canonical media type is ``media_type`` (parameters ignored), if any."""
    bare = media_type.split(";", 1)[0].strip().lower()
    return next((f for f in ALL_FORMATS if f.media_type == bare), None)


def by_name(token: str, offered: tuple[Format, ...] | list[Format]) -> Format | None:
    """The offered format named ``token``: by extension first, then by another of its names (so ``json``
    means SPARQL JSON where results are offered and JSON-LD where only RDF is)."""
    wanted = token.strip().lower()
    exact = next((f for f in offered if f.extension == wanted), None)
    return exact or next((f for f in offered if wanted in f.names), None)
