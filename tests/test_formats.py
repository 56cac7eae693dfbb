"""The format registry (``publisher/formats.py``) is what every consumer reads: each registered format
round-trips through each of them (serialized by the consumer, parsed back by the format's own parser).

Consumers: negotiation (media type and ``format=`` token back to the same row), the store's serializer
(``store/results.py``), rdflib's serializer for documents (``serialize.rdf_bytes``), ``kgpub query
--format``, the dumps a build writes, and the VoID description of those dumps.
"""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT
from rdflib.query import Result
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from publisher.cli import cli
from publisher.formats import (
    ALL_FORMATS,
    CLI_FORMATS,
    DUMP_FILES,
    GRAPH_FORMATS,
    RDF_FORMATS,
    RESULT_FORMATS,
    Format,
    Kind,
    by_media_type,
)
from publisher.settings import Settings
from publisher.store.results import serialize_answer
from publisher.store.terms import rdf_format
from publisher.web.site.negotiation import by_token, choose
from publisher.web.site.serialize import rdf_bytes

EX = "http://example.org/"
IANA = "https://www.iana.org/assignments/media-types/"


def small_store() -> ox.Store:
    store = ox.Store()
    for i in range(3):
        store.add(
            ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(f"{EX}p"), ox.Literal(f"o {i}", language="en"))
        )
    return store


def parse_results(body: bytes, fmt: Format) -> Result:
    """SPARQL results read by rdflib's parser the registry names (pyoxigraph's cannot read CSV back)."""
    return Result.parse(io.BytesIO(body), format=fmt.rdflib)


@pytest.mark.parametrize("fmt", ALL_FORMATS, ids=lambda f: f.extension)
def test_negotiation_finds_each_format_by_its_media_type_and_its_names(fmt: Format) -> None:
    offered = tuple(f for f in ALL_FORMATS if f.kind is fmt.kind)
    assert choose(parse_accept_header(fmt.media_type, MIMEAccept), ALL_FORMATS) is fmt
    assert by_media_type(fmt.media_type + "; charset=utf-8") is fmt
    assert by_token(fmt.extension, ALL_FORMATS) is fmt
    for name in fmt.names:
        assert by_token(name, offered) is fmt


@pytest.mark.parametrize("fmt", RESULT_FORMATS, ids=lambda f: f.extension)
def test_the_store_serializes_results_its_parser_reads_back(fmt: Format) -> None:
    result = serialize_answer(
        small_store().query(f"SELECT ?s ?o WHERE {{ ?s <{EX}p> ?o }}"), fmt.media_type, 10
    )
    assert result.media_type == fmt.media_type
    assert sorted(str(row[1]) for row in parse_results(result.body, fmt)) == ["o 0", "o 1", "o 2"]


@pytest.mark.parametrize("fmt", RDF_FORMATS, ids=lambda f: f.extension)
def test_the_store_serializes_graphs_its_parser_reads_back(fmt: Format) -> None:
    answer = small_store().query("CONSTRUCT WHERE { ?s ?p ?o }")
    result = serialize_answer(answer, fmt.media_type, 10)
    assert result.media_type == fmt.media_type
    assert len(list(ox.parse(result.body, format=rdf_format(fmt)))) == 3


@pytest.mark.parametrize("fmt", GRAPH_FORMATS, ids=lambda f: f.extension)
def test_documents_serialize_what_rdflib_reads_back(fmt: Format) -> None:
    triples = [(URIRef(f"{EX}s"), URIRef(f"{EX}p"), Literal("o", lang="en"))]
    body = rdf_bytes(triples, fmt, {"ex": EX})
    assert isomorphic(
        Graph().parse(data=body, format=fmt.rdflib),
        Graph().parse(data=rdf_bytes(triples, fmt, {}), format=fmt.rdflib),
    )
    assert set(Graph().parse(data=body, format=fmt.rdflib)) == set(triples)


def test_every_results_and_rdf_format_has_a_cli_name() -> None:
    assert set(CLI_FORMATS.values()) == set(RESULT_FORMATS + RDF_FORMATS)
    assert {"turtle", "ntriples", "rdfxml", "jsonld", "nquads", "trig", "json", "xml", "csv", "tsv"} == set(
        CLI_FORMATS
    )


@pytest.mark.parametrize("name", sorted(CLI_FORMATS))
def test_kgpub_query_writes_each_format_its_parser_reads_back(built_settings: Settings, name: str) -> None:
    fmt = CLI_FORMATS[name]
    form = (
        "SELECT ?s WHERE { ?s a ?c } LIMIT 2"
        if fmt.kind is Kind.RESULTS
        else "CONSTRUCT WHERE { ?s a ?c } LIMIT 2"
    )
    args = ["--project-dir", str(built_settings.project_dir), "--build-dir", str(built_settings.build_dir)]
    result = CliRunner().invoke(cli, [*args, "query", form, "--format", name])
    assert result.exit_code == 0, result.output
    body = result.stdout_bytes
    if fmt.kind is Kind.RESULTS:
        assert len(list(parse_results(body, fmt))) == 2
    else:
        assert len(list(ox.parse(body, format=rdf_format(fmt)))) == 2


def release_of(settings: Settings) -> Path:
    return settings.current_build.resolve()


@pytest.mark.parametrize("dump", DUMP_FILES, ids=lambda d: d.name)
def test_each_dump_parses_in_its_registered_syntax(built_settings: Settings, dump) -> None:
    release = release_of(built_settings)
    data = (release / "dumps" / dump.name).read_bytes()
    if dump.compressed:
        data = gzip.decompress(data)
    statements = list(ox.parse(data, format=rdf_format(dump.syntax)))
    manifest = json.loads((release / "manifest.json").read_text())
    if dump.syntax.named_graphs:
        assert len(statements) == manifest["triples"]
    else:
        assert 0 < len(statements) <= manifest["triples"]


@pytest.mark.parametrize("dump", DUMP_FILES, ids=lambda d: d.name)
def test_void_describes_each_dump_as_registered_and_serves_it_so(client: FlaskClient, dump) -> None:
    void = Graph().parse(
        data=client.get("/.well-known/void", headers={"Accept": "text/turtle"}).data, format="turtle"
    )
    url = URIRef(f"http://localhost/dumps/{dump.name}")
    distribution = next(void.subjects(DCAT.downloadURL, url))
    assert void.value(distribution, DCAT.mediaType) == URIRef(IANA + dump.syntax.media_type)
    response = client.get(f"/dumps/{dump.name}")
    assert response.mimetype == dump.served_as
