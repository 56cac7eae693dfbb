"""publisher.web.site.negotiation: the format tables against both RDF libraries, choose() on q-values, format=
tokens, and the Vary/Link helpers. Pure functions: no app, no build."""

from __future__ import annotations

import io

import pyoxigraph as ox
import pytest
import rdflib
from flask import Response
from rdflib.query import Result
from werkzeug.datastructures import MIMEAccept
from werkzeug.exceptions import NotAcceptable
from werkzeug.http import parse_accept_header

from publisher.formats import (
    ALL_FORMATS,
    GRAPH_FORMATS,
    HTML,
    RDF_FORMATS,
    RESULT_FORMATS,
    Format,
    by_media_type,
)
from publisher.web.site.negotiation import (
    add_alternates,
    add_vary,
    by_token,
    choose,
    download_name,
    negotiate,
)

RESULTS_JSON, RESULTS_XML, CSV, TSV = RESULT_FORMATS
TURTLE, JSONLD, NTRIPLES, RDFXML, TRIG, NQUADS = RDF_FORMATS


def accept(header: str | None) -> MIMEAccept:
    return parse_accept_header(header, MIMEAccept)


# --- the tables -------------------------------------------------------------------------------------------


def test_tokens_and_media_types_are_unique() -> None:
    assert len({f.extension for f in ALL_FORMATS}) == len(ALL_FORMATS)
    assert len({f.media_type for f in ALL_FORMATS}) == len(ALL_FORMATS)


def test_the_documented_tokens_exist() -> None:
    tokens = [f.extension for f in RESULT_FORMATS + RDF_FORMATS]
    assert tokens == ["json", "xml", "csv", "tsv", "ttl", "jsonld", "nt", "rdf", "trig", "nq"]


#: pyoxigraph 0.5 names JSON-LD https://www.w3.org/ns/formats/data/JSON-LD; the W3C registry
#: (https://www.w3.org/ns/formats/) lists http://www.w3.org/ns/formats/JSON-LD, which is what we publish.
W3C_IRI_DIFFERS_FROM_OXIGRAPH = {"jsonld": "http://www.w3.org/ns/formats/JSON-LD"}


@pytest.mark.parametrize("fmt", RESULT_FORMATS, ids=lambda f: f.extension)
def test_result_rows_agree_with_pyoxigraph(fmt: Format) -> None:
    oxigraph_format = getattr(ox.QueryResultsFormat, fmt.oxigraph or "")
    assert oxigraph_format.media_type.split(";")[0] == fmt.media_type
    assert fmt.w3c == oxigraph_format.iri
    assert ox.QueryResultsFormat.from_media_type(fmt.media_type) == oxigraph_format


@pytest.mark.parametrize("fmt", RDF_FORMATS, ids=lambda f: f.extension)
def test_rdf_rows_agree_with_pyoxigraph(fmt: Format) -> None:
    oxigraph_format = getattr(ox.RdfFormat, fmt.oxigraph or "")
    assert oxigraph_format.media_type == fmt.media_type
    assert fmt.w3c == W3C_IRI_DIFFERS_FROM_OXIGRAPH.get(fmt.extension, oxigraph_format.iri)
    assert ox.RdfFormat.from_extension(fmt.extension) == oxigraph_format


@pytest.mark.parametrize("fmt", RESULT_FORMATS, ids=lambda f: f.extension)
def test_result_rows_name_rdflib_parsers_of_that_syntax(fmt: Format) -> None:
    """Serialize real results with pyoxigraph in the row's media type; rdflib's named parser reads them."""
    store = ox.Store()
    store.add(
        ox.Quad(ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p"), ox.Literal("o"))
    )
    solutions = store.query("SELECT ?s ?o WHERE { ?s ?p ?o }")
    body = solutions.serialize(format=ox.QueryResultsFormat.from_media_type(fmt.media_type))
    parsed = Result.parse(io.BytesIO(body), format=fmt.rdflib)
    assert [str(row[0]) for row in parsed] == ["http://example.org/s"]


@pytest.mark.parametrize("fmt", RDF_FORMATS, ids=lambda f: f.extension)
def test_rdf_rows_name_rdflib_serializers_of_that_syntax(fmt: Format) -> None:
    """rdflib writes with the row's name; pyoxigraph reads it as the row's media type: same syntax."""
    dataset = rdflib.Dataset()
    dataset.add(
        (rdflib.URIRef("http://example.org/s"), rdflib.URIRef("http://example.org/p"), rdflib.Literal("o"))
    )
    source = dataset if fmt in (TRIG, NQUADS) else dataset.default_graph
    body = source.serialize(format=fmt.rdflib, encoding="utf-8")
    quads = list(ox.parse(body, format=ox.RdfFormat.from_media_type(fmt.media_type)))
    assert [q.subject.value for q in quads] == ["http://example.org/s"]


def test_graph_formats_are_the_single_graph_syntaxes() -> None:
    assert GRAPH_FORMATS == (TURTLE, JSONLD, NTRIPLES, RDFXML)


def test_by_media_type_ignores_parameters() -> None:
    assert by_media_type("text/turtle; charset=utf-8") is TURTLE
    assert by_media_type("application/octet-stream") is None


# --- choose(): q-values, wildcards, defaults, 406 ---------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "offered", "expected"),
    [
        (None, RESULT_FORMATS, RESULTS_JSON),  # no Accept: the documented default
        ("*/*", RESULT_FORMATS, RESULTS_JSON),
        ("*/*", RDF_FORMATS, TURTLE),
        ("text/csv", RESULT_FORMATS, CSV),
        ("text/csv;q=0.5, application/sparql-results+xml", RESULT_FORMATS, RESULTS_XML),
        ("text/tab-separated-values;q=0.9, text/csv;q=0.8, */*;q=0.1", RESULT_FORMATS, TSV),
        ("text/*", RESULT_FORMATS, CSV),  # first text/* in server order
        ("application/json", RESULT_FORMATS, RESULTS_JSON),  # alias
        ("application/json", RDF_FORMATS, JSONLD),  # same alias, other table
        ("application/xml", RDF_FORMATS, RDFXML),
        ("application/sparql-results+json;q=0.2, application/json", RESULT_FORMATS, RESULTS_JSON),
        ("application/n-triples, text/turtle;q=0.9", RDF_FORMATS, NTRIPLES),
        ("application/rdf+xml;q=0.1, application/ld+json;q=0.3", RDF_FORMATS, JSONLD),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", GRAPH_FORMATS + (HTML,), HTML),
        ("text/turtle, text/html;q=0.5", GRAPH_FORMATS + (HTML,), TURTLE),
        ("*/*", GRAPH_FORMATS + (HTML,), TURTLE),
    ],
)
def test_choose(header: str | None, offered: tuple[Format, ...], expected: Format) -> None:
    assert choose(accept(header), offered) is expected


def test_choose_without_accept_uses_the_given_default() -> None:
    assert choose(accept(None), RESULT_FORMATS, default=CSV) is CSV


def test_explicit_refusal_is_honoured() -> None:
    """``q=0`` means "not this", even when a wildcard would otherwise allow it."""
    assert choose(accept("application/sparql-results+json;q=0, */*;q=0.1"), RESULT_FORMATS) is RESULTS_XML


@pytest.mark.parametrize(
    ("header", "offered"),
    [
        ("image/png", RESULT_FORMATS),
        ("text/turtle", RESULT_FORMATS),
        ("application/sparql-results+json", RDF_FORMATS),
        ("text/html", RDF_FORMATS),
    ],
)
def test_nothing_acceptable_is_406_listing_what_is(header: str, offered: tuple[Format, ...]) -> None:
    with pytest.raises(NotAcceptable) as raised:
        choose(accept(header), offered)
    assert raised.value.code == 406
    assert all(f.media_type in (raised.value.description or "") for f in offered)


def test_choose_needs_an_offer() -> None:
    with pytest.raises(ValueError):
        choose(accept("*/*"), ())


# --- format= tokens ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("token", "offered", "expected"),
    [
        ("csv", RESULT_FORMATS, CSV),
        ("TSV", RESULT_FORMATS, TSV),
        ("json", RESULT_FORMATS, RESULTS_JSON),
        ("json", RDF_FORMATS, JSONLD),  # SPARQLWrapper's format=json for a CONSTRUCT
        ("xml", RESULT_FORMATS, RESULTS_XML),
        ("xml", RDF_FORMATS, RDFXML),  # SPARQLWrapper's format=xml for a CONSTRUCT
        ("turtle", RDF_FORMATS, TURTLE),
        ("json-ld", RDF_FORMATS, JSONLD),
        ("rdf+xml", RDF_FORMATS, RDFXML),
        ("nq", RDF_FORMATS, NQUADS),
        ("trig", RDF_FORMATS, TRIG),
        ("html", GRAPH_FORMATS + (HTML,), HTML),
    ],
)
def test_by_token(token: str, offered: tuple[Format, ...], expected: Format) -> None:
    assert by_token(token, offered) is expected


@pytest.mark.parametrize(
    ("token", "offered"), [("ttl", RESULT_FORMATS), ("csv", RDF_FORMATS), ("pdf", ALL_FORMATS)]
)
def test_unavailable_token_is_406_listing_tokens(token: str, offered: tuple[Format, ...]) -> None:
    with pytest.raises(NotAcceptable) as raised:
        by_token(token, offered)
    assert all(f.extension in (raised.value.description or "") for f in offered)


def test_token_overrides_accept() -> None:
    assert negotiate(accept("application/sparql-results+json"), RESULT_FORMATS, "csv") is CSV
    assert negotiate(accept("text/csv"), RESULT_FORMATS, "") is CSV  # an empty token is no token


# --- headers --------------------------------------------------------------------------------------------


def test_add_vary_keeps_other_varying_headers() -> None:
    response = Response()
    response.vary.add("Origin")
    add_vary(response)
    add_vary(response)
    assert set(response.vary) == {"Origin", "Accept"}


def test_add_alternates_appends_links_and_varies() -> None:
    response = Response()
    response.headers["Link"] = '</>; rel="home"'
    add_alternates(response, [("/x.ttl", TURTLE), ("/x.jsonld", JSONLD)])
    assert response.headers["Link"] == (
        '</>; rel="home", </x.ttl>; rel="alternate"; type="text/turtle", '
        '</x.jsonld>; rel="alternate"; type="application/ld+json"'
    )
    assert "Accept" in response.vary


def test_download_name() -> None:
    assert download_name("query-results", TSV) == "query-results.tsv"
