"""/sparql against a real build: every protocol path, every format parsed back, negotiation and 406,
the service description, errors, CORS and the query page. Real SPARQL clients (SPARQLWrapper, urllib)
talk to the live ``kgpub serve``; the rest uses the in-process client from ``create_app``."""

from __future__ import annotations

import io
import json
import re
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import pytest
import rdflib
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from rdflib.namespace import RDF, VOID
from rdflib.query import Result
from SPARQLWrapper import CSV, JSON, JSONLD, POST, POSTDIRECTLY, RDFXML, TSV, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

from publisher import create_app
from publisher.formats import RDF_FORMATS, RESULT_FORMATS, Format
from publisher.settings import Settings
from publisher.web.site.assets import FOLDERS_KEY
from publisher.web.sparql.query_page import competency_queries, find_editor
from publisher.web.sparql.service_description import SD

SELECT_NAMES = "SELECT ?s ?name WHERE { ?s <http://schema.org/name> ?name } ORDER BY ?s ?name LIMIT 5"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
CONSTRUCT_NAMES = (
    "CONSTRUCT { ?s <http://schema.org/name> ?name } WHERE { ?s <http://schema.org/name> ?name }"
)
ASK_ANY = "ASK { ?s ?p ?o }"
FORM = "application/x-www-form-urlencoded"
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
EVERY_BACKEND = True  # live-server tests here run on every store in BACKENDS (conftest.py)


def get(client: FlaskClient, query: str, accept: str | None = None, **params: str) -> TestResponse:
    headers = {"Accept": accept} if accept else {}
    return client.get("/sparql", query_string={"query": query, **params}, headers=headers)


def rows(response: TestResponse, fmt: str = "json") -> list[dict[str, str]]:
    assert response.status_code == 200, response.get_data(as_text=True)
    result = Result.parse(io.BytesIO(response.data), format=fmt)
    return [{str(k): str(v) for k, v in row.asdict().items()} for row in result]


def count(client: FlaskClient, **params: str | list[str]) -> int:
    response = client.get("/sparql", query_string={"query": COUNT, **params})
    return int(rows(response)[0]["n"])


@pytest.fixture(scope="module")
def manifest(app: Flask):  # type: ignore[no-untyped-def]
    return app.extensions["kgpub"].current().manifest


# --- the three ways to send a query ----------------------------------------------------------------------


def test_get(client: FlaskClient) -> None:
    response = get(client, SELECT_NAMES)
    assert response.mimetype == "application/sparql-results+json"
    assert len(rows(response)) == 5


def test_post_form_encoded(client: FlaskClient) -> None:
    response = client.post("/sparql", data={"query": SELECT_NAMES})
    assert len(rows(response)) == 5


def test_post_direct(client: FlaskClient) -> None:
    response = client.post("/sparql", data=SELECT_NAMES.encode(), content_type="application/sparql-query")
    assert len(rows(response)) == 5


def test_post_direct_with_charset_parameter(client: FlaskClient) -> None:
    response = client.post("/sparql", data=ASK_ANY, content_type="application/sparql-query; charset=UTF-8")
    assert response.status_code == 200 and response.json == {"head": {}, "boolean": True}


def test_the_three_ways_agree(client: FlaskClient) -> None:
    by_get = get(client, SELECT_NAMES).json
    by_form = client.post("/sparql", data={"query": SELECT_NAMES}).json
    by_body = client.post("/sparql", data=SELECT_NAMES, content_type="application/sparql-query").json
    assert by_get == by_form == by_body


# --- strict parsing ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("request_kwargs", "message"),
    [
        ({"method": "POST", "query_string": {"query": ASK_ANY}, "data": {"query": ASK_ANY}}, "both"),
        (
            {
                "method": "POST",
                "query_string": {"query": ASK_ANY},
                "data": ASK_ANY,
                "content_type": "application/sparql-query",
            },
            "both",
        ),
        ({"method": "POST", "data": {"format": "json"}}, "Missing"),
        ({"method": "POST", "data": ""}, "Missing"),
        ({"method": "GET", "query_string": [("query", ASK_ANY), ("query", ASK_ANY)]}, "Exactly one"),
        ({"method": "POST", "data": MultiDict([("query", ASK_ANY), ("query", COUNT)])}, "Exactly one"),
        ({"method": "POST", "data": b"ASK {\xff}", "content_type": "application/sparql-query"}, "UTF-8"),
    ],
    ids=["both-form", "both-direct", "missing-form", "missing-empty-body", "two-get", "two-form", "not-utf8"],
)
def test_malformed_requests_are_400(client: FlaskClient, request_kwargs: dict, message: str) -> None:  # type: ignore[type-arg]
    response = client.open("/sparql", **request_kwargs)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/json", "multipart/form-data; boundary=x", "application/sparql-results+json"],
)
def test_other_bodies_are_415(client: FlaskClient, content_type: str) -> None:
    response = client.post("/sparql", data=ASK_ANY, content_type=content_type)
    assert response.status_code == 415
    assert "application/sparql-query" in response.get_data(as_text=True)


def test_non_utf8_charset_is_415(client: FlaskClient) -> None:
    response = client.post("/sparql", data=ASK_ANY, content_type="application/sparql-query; charset=latin-1")
    assert response.status_code == 415


def test_get_and_post_only(client: FlaskClient) -> None:
    response = client.put("/sparql", data=ASK_ANY)
    assert response.status_code == 405
    assert {"GET", "POST"} <= set(response.headers["Allow"].replace(" ", "").split(","))


def test_oversized_body_is_413(client: FlaskClient, built_settings: Settings) -> None:
    big = "ASK {} #" + "x" * built_settings.max_request_bytes
    response = client.post("/sparql", data=big, content_type="application/sparql-query")
    assert response.status_code == 413


def test_overlong_query_is_413(client: FlaskClient, built_settings: Settings) -> None:
    long_query = "ASK {} #" + "x" * built_settings.max_query_chars
    assert len(long_query.encode()) < built_settings.max_request_bytes
    response = client.post("/sparql", data=long_query, content_type="application/sparql-query")
    assert response.status_code == 413


# --- read-only -----------------------------------------------------------------------------------------------

INSERT = "INSERT DATA { <urn:x:s> <urn:x:p> <urn:x:o> }"
DELETE_ALL = "DELETE WHERE { ?s ?p ?o }"


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"method": "POST", "data": {"update": INSERT}},
        {"method": "POST", "data": INSERT, "content_type": "application/sparql-update"},
        {"method": "GET", "query_string": {"update": INSERT}},
        {
            "method": "POST",
            "query_string": {"update": DELETE_ALL},
            "data": DELETE_ALL,
            "content_type": "application/sparql-update",
        },
        {"method": "POST", "data": {"query": INSERT}},  # smuggled as a query: the store's policy refuses it
        {"method": "GET", "query_string": {"query": DELETE_ALL}},
        {"method": "POST", "data": "CLEAR ALL", "content_type": "application/sparql-query"},
    ],
    ids=[
        "update-form",
        "update-direct",
        "update-get",
        "delete-direct",
        "insert-as-query",
        "delete-as-query",
        "clear-as-query",
    ],
)
def test_updates_are_403_and_change_nothing(client: FlaskClient, request_kwargs: dict) -> None:  # type: ignore[type-arg]
    before = count(client)
    response = client.open("/sparql", **request_kwargs)
    assert response.status_code == 403, response.get_data(as_text=True)
    assert count(client) == before
    assert get(client, "ASK { <urn:x:s> ?p ?o }").json["boolean"] is False


# --- the dataset: default-graph-uri / named-graph-uri ----------------------------------------------------


def test_default_graph_is_the_union(client: FlaskClient, manifest) -> None:  # type: ignore[no-untyped-def]
    assert len(manifest.graphs) >= 3
    assert count(client) <= sum(manifest.graphs.values())
    assert count(client) >= max(manifest.graphs.values())


def test_default_graph_uri_restricts_the_default_graph(client: FlaskClient, manifest) -> None:  # type: ignore[no-untyped-def]
    for graph, triples in manifest.graphs.items():
        assert count(client, **{"default-graph-uri": graph}) == triples


def test_default_graph_uri_is_repeatable(client: FlaskClient, manifest) -> None:  # type: ignore[no-untyped-def]
    first, second = sorted(manifest.graphs)[:2]
    merged = count(client, **{"default-graph-uri": [first, second]})
    assert max(manifest.graphs[first], manifest.graphs[second]) <= merged
    assert merged <= manifest.graphs[first] + manifest.graphs[second]


def test_named_graph_uri_restricts_graph_patterns(client: FlaskClient, manifest) -> None:  # type: ignore[no-untyped-def]
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"
    assert {r["g"] for r in rows(get(client, query))} == set(manifest.graphs)
    chosen = sorted(manifest.graphs)[:2]
    response = client.get("/sparql", query_string={"query": query, "named-graph-uri": chosen})
    assert [r["g"] for r in rows(response)] == chosen


def test_dataset_parameters_in_a_form_post(client: FlaskClient, manifest) -> None:  # type: ignore[no-untyped-def]
    graph, triples = sorted(manifest.graphs.items())[0]
    response = client.post("/sparql", data={"query": COUNT, "default-graph-uri": graph})
    assert int(rows(response)[0]["n"]) == triples


def test_dataset_parameters_with_a_direct_post(client: FlaskClient, manifest) -> None:  # type: ignore[no-untyped-def]
    graph, triples = sorted(manifest.graphs.items())[0]
    response = client.post(
        "/sparql",
        query_string={"default-graph-uri": graph},
        data=COUNT,
        content_type="application/sparql-query",
    )
    assert int(rows(response)[0]["n"]) == triples


def test_an_unknown_graph_is_an_empty_dataset(client: FlaskClient) -> None:
    assert count(client, **{"default-graph-uri": "urn:x:no-such-graph"}) == 0


# --- every format, parsed back -------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", RESULT_FORMATS, ids=lambda f: f.extension)
def test_select_in_every_result_format(client: FlaskClient, fmt: Format) -> None:
    response = get(client, SELECT_NAMES, fmt.media_type)
    assert response.mimetype == fmt.media_type
    assert "Accept" in response.vary
    parsed = rows(response, fmt.rdflib or "")
    assert len(parsed) == 5 and all(r["name"] for r in parsed)


@pytest.mark.parametrize("fmt", RESULT_FORMATS[:2], ids=lambda f: f.extension)
def test_ask_in_json_and_xml(client: FlaskClient, fmt: Format) -> None:
    response = get(client, ASK_ANY, fmt.media_type)
    assert Result.parse(io.BytesIO(response.data), format=fmt.rdflib).askAnswer is True


@pytest.mark.parametrize("fmt", RDF_FORMATS, ids=lambda f: f.extension)
def test_construct_in_every_rdf_format(client: FlaskClient, fmt: Format) -> None:
    response = get(client, CONSTRUCT_NAMES, fmt.media_type)
    assert response.status_code == 200 and response.mimetype == fmt.media_type
    graph = rdflib.Dataset() if fmt.extension in ("trig", "nq") else rdflib.Graph()
    graph.parse(data=response.data, format=fmt.rdflib)
    names = set(graph.quads()) if isinstance(graph, rdflib.Dataset) else set(graph)
    distinct = SELECT_NAMES.replace("SELECT", "SELECT DISTINCT").replace(" LIMIT 5", "")
    assert len(names) == len(rows(get(client, distinct)))


def test_describe_is_a_graph(client: FlaskClient, manifest) -> None:  # type: ignore[no-untyped-def]
    entity = rows(get(client, SELECT_NAMES))[0]["s"]
    response = get(client, f"DESCRIBE <{entity}>")
    assert response.mimetype == "text/turtle"
    graph = rdflib.Graph().parse(data=response.data, format="turtle")
    assert (rdflib.URIRef(entity), None, None) in graph


# --- negotiation --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "accept", "expected"),
    [
        (SELECT_NAMES, None, "application/sparql-results+json"),
        (SELECT_NAMES, "*/*", "application/sparql-results+json"),
        (SELECT_NAMES, BROWSER_ACCEPT, "application/sparql-results+xml"),  # application/xml;q=0.9 beats */*
        (SELECT_NAMES, "text/csv;q=0.4, text/tab-separated-values;q=0.6", "text/tab-separated-values"),
        (SELECT_NAMES, "application/json", "application/sparql-results+json"),
        (CONSTRUCT_NAMES, None, "text/turtle"),
        (CONSTRUCT_NAMES, "*/*", "text/turtle"),
        (CONSTRUCT_NAMES, "application/rdf+xml;q=0.5, application/n-triples", "application/n-triples"),
        (
            "PREFIX s: <http://schema.org/> # comment\nBASE <http://example.org/>\nCONSTRUCT WHERE { ?x s:name ?n }",
            "application/ld+json, application/sparql-results+json",
            "application/ld+json",
        ),
        (ASK_ANY, "text/csv", "text/csv"),
    ],
)
def test_q_value_negotiation(client: FlaskClient, query: str, accept: str | None, expected: str) -> None:
    response = get(client, query, accept)
    assert response.status_code == 200
    assert response.mimetype == expected


@pytest.mark.parametrize(
    ("query", "accept"),
    [
        (SELECT_NAMES, "text/turtle"),
        (SELECT_NAMES, "image/png"),
        (CONSTRUCT_NAMES, "application/sparql-results+json"),
    ],
)
def test_406_lists_what_is_acceptable(client: FlaskClient, query: str, accept: str) -> None:
    response = get(client, query, accept)
    assert response.status_code == 406
    offered = RDF_FORMATS if query.startswith("CONSTRUCT") else RESULT_FORMATS
    assert all(f.media_type in response.get_data(as_text=True) for f in offered)


BROKEN_SELECT = "SELECT ?x WHERE { ?x ?y }"


@pytest.mark.parametrize(
    ("query", "accept", "params", "status"),
    [
        (BROKEN_SELECT, "text/html", {}, 400),
        (BROKEN_SELECT, None, {"format": "ttl"}, 400),
        ("CONSTRUCT WHERE { ?s ?p }", "application/sparql-results+json", {}, 400),
        ("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", "text/turtle", {}, 403),
    ],
)
def test_query_errors_outrank_406(
    client: FlaskClient, query: str, accept: str | None, params: dict[str, str], status: int
) -> None:
    """The request's real problem is reported, not that its (unrunnable) answer had no acceptable format."""
    assert get(client, query, accept, **params).status_code == status


@pytest.mark.parametrize("fmt", RESULT_FORMATS, ids=lambda f: f.extension)
def test_format_parameter_downloads_results(client: FlaskClient, fmt: Format) -> None:
    response = get(client, SELECT_NAMES, "application/sparql-results+json", format=fmt.extension)
    assert response.mimetype == fmt.media_type
    assert response.headers["Content-Disposition"] == f'attachment; filename="query-results.{fmt.extension}"'
    assert len(rows(response, fmt.rdflib or "")) == 5


@pytest.mark.parametrize("fmt", RDF_FORMATS, ids=lambda f: f.extension)
def test_format_parameter_downloads_graphs(client: FlaskClient, fmt: Format) -> None:
    response = get(client, CONSTRUCT_NAMES, format=fmt.extension)
    assert response.mimetype == fmt.media_type
    assert response.headers["Content-Disposition"].endswith(f'.{fmt.extension}"')


def test_format_parameter_in_a_form_post(client: FlaskClient) -> None:
    response = client.post("/sparql", data={"query": SELECT_NAMES, "format": "csv"})
    assert response.mimetype == "text/csv" and len(rows(response, "csv")) == 5


@pytest.mark.parametrize(
    ("query", "token"), [(SELECT_NAMES, "ttl"), (CONSTRUCT_NAMES, "csv"), (ASK_ANY, "pdf")]
)
def test_format_parameter_unfit_for_the_query_is_406(client: FlaskClient, query: str, token: str) -> None:
    assert get(client, query, format=token).status_code == 406


# --- truncation --------------------------------------------------------------------------------------------


def test_truncated_answers_are_flagged(built_settings: Settings) -> None:
    small = create_app(built_settings.with_(max_result_rows=3)).test_client()
    response = get(small, "SELECT ?s ?p ?o WHERE { ?s ?p ?o }")
    assert response.headers["X-Kgpub-Truncated"] == "true"
    assert len(rows(response)) == 3
    assert "X-Kgpub-Truncated" in response.headers["Access-Control-Expose-Headers"]
    whole = get(small, "SELECT ?s WHERE { ?s ?p ?o } LIMIT 2")
    assert "X-Kgpub-Truncated" not in whole.headers and len(rows(whole)) == 2


# --- errors ------------------------------------------------------------------------------------------------

BROKEN = "SELECT * WHERE {\n  ?s ?p <script>alert(1)</script>\n}"
LINE_2 = re.compile(r"line 2, column \d+|\b2:\d+\b")  # the error is on line 2


def test_malformed_query_is_400_with_line_and_column(client: FlaskClient) -> None:
    response = get(client, BROKEN)
    assert response.status_code == 400
    assert response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert text.startswith("400 Malformed SPARQL query")
    assert LINE_2.search(text), text
    assert "Traceback" not in text


def test_malformed_query_as_json(client: FlaskClient) -> None:
    response = get(client, BROKEN, "application/json")
    assert response.status_code == 400
    body = response.json
    assert body["status"] == 400 and body["title"] == "Malformed SPARQL query" and body["detail"]


def test_malformed_query_as_html_is_escaped(client: FlaskClient) -> None:
    detail = get(client, BROKEN, "application/json").json["detail"]
    response = get(client, BROKEN, BROWSER_ACCEPT)  # a browser: results by */*, the error page by text/html
    assert response.status_code == 400 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "<script>alert" not in html
    assert str(escape(detail)) in html


def test_sparqlwrapper_sees_the_error_text(live_server) -> None:  # type: ignore[no-untyped-def]
    client = SPARQLWrapper(live_server.url + "sparql")
    client.setQuery("SELECT * WHERE { ?s ?p }")
    client.setReturnFormat(JSON)
    with pytest.raises(QueryBadFormed) as raised:
        client.query()
    assert "Malformed SPARQL query" in str(raised.value)
    if live_server.backend == "virtuoso":
        assert re.search(r"\bline 1\b", str(raised.value))
        pytest.xfail("Virtuoso 7.2 names the line of a syntax error and the tokens around it, never a column")
    assert re.search(r"line 1, column \d+|\b1:\d+", str(raised.value))


def test_relative_iris_resolve_against_the_namespace_on_every_store(live_server) -> None:  # type: ignore[no-untyped-def]
    client = SPARQLWrapper(live_server.url + "sparql")
    client.setQuery(
        "SELECT ?name WHERE { <id/person/hu-qinghua-tianjin-university> <http://schema.org/name> ?name }"
    )
    client.setReturnFormat(JSON)
    rows = client.query().convert()["results"]["bindings"]
    assert [row["name"]["value"] for row in rows] == ["Hu Qinghua"]


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [(None, "text/plain"), ("application/json", "application/json"), (BROWSER_ACCEPT, "text/html")],
)
def test_a_bug_is_a_plain_500_without_internals(
    built_settings: Settings, accept: str | None, media_type: str
) -> None:
    app = create_app(built_settings)

    def broken_view() -> str:
        raise RuntimeError("secret internals /etc/kgpub")

    app.add_url_rule("/broken-for-test", view_func=broken_view)
    response = app.test_client().get("/broken-for-test", headers={"Accept": accept} if accept else {})
    assert response.status_code == 500 and response.mimetype == media_type
    body = response.get_data(as_text=True)
    assert "secret internals" not in body and "Traceback" not in body and "RuntimeError" not in body


def test_error_bodies_are_not_sniffed(client: FlaskClient) -> None:
    assert get(client, BROKEN).headers["X-Content-Type-Options"] == "nosniff"


# --- CORS ---------------------------------------------------------------------------------------------------


def test_cors_on_answers_and_errors(client: FlaskClient) -> None:
    assert get(client, ASK_ANY).headers["Access-Control-Allow-Origin"] == "*"
    assert get(client, BROKEN).headers["Access-Control-Allow-Origin"] == "*"
    assert client.get("/sparql").headers["Access-Control-Allow-Origin"] == "*"


def test_cors_preflight_for_a_direct_post(client: FlaskClient) -> None:
    response = client.options(
        "/sparql",
        headers={
            "Origin": "https://elsewhere.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "content-type" in response.headers["Access-Control-Allow-Headers"].lower()
    assert int(response.headers["Access-Control-Max-Age"]) > 0


# --- the service description -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "media_type", "parser"),
    [
        (None, "text/turtle", "turtle"),
        ("*/*", "text/turtle", "turtle"),
        ("text/turtle", "text/turtle", "turtle"),
        ("application/ld+json", "application/ld+json", "json-ld"),
        ("application/n-triples", "application/n-triples", "nt"),
        ("application/rdf+xml", "application/rdf+xml", "xml"),
    ],
)
def test_service_description(
    client: FlaskClient,
    manifest,
    accept: str | None,
    media_type: str,  # type: ignore[no-untyped-def]
    parser: str,
) -> None:
    response = client.get("/sparql", headers={"Accept": accept} if accept else {})
    assert response.status_code == 200 and response.mimetype == media_type
    assert "Accept" in response.vary
    graph = rdflib.Graph().parse(data=response.data, format=parser)
    endpoint = rdflib.URIRef("http://localhost/sparql")
    service = graph.value(predicate=SD.endpoint, object=endpoint)
    assert service is not None and (service, RDF.type, SD.Service) in graph
    assert (service, SD.feature, SD.UnionDefaultGraph) in graph
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    formats = {str(o) for o in graph.objects(service, SD.resultFormat)}
    assert formats == {f.w3c for f in RESULT_FORMATS + RDF_FORMATS}
    dataset = graph.value(service, SD.defaultDataset)
    named = {
        str(graph.value(n, SD.name)): graph.value(graph.value(n, SD.graph), VOID.triples)
        for n in graph.objects(dataset, SD.namedGraph)
    }
    assert {name: int(n) for name, n in named.items()} == dict(manifest.graphs)
    default_triples = graph.value(graph.value(dataset, SD.defaultGraph), VOID.triples)
    assert int(default_triples) == count(client)


def test_service_description_advertises_its_alternates(client: FlaskClient) -> None:
    link = client.get("/sparql").headers["Link"]
    for token, media_type in [
        ("ttl", "text/turtle"),
        ("jsonld", "application/ld+json"),
        ("html", "text/html"),
    ]:
        assert f'</sparql?format={token}>; rel="alternate"; type="{media_type}"' in link


def test_service_description_by_format_parameter(client: FlaskClient) -> None:
    response = client.get("/sparql?format=nt", headers={"Accept": "text/html"})
    assert response.mimetype == "application/n-triples"


def test_service_description_refuses_results_types(client: FlaskClient) -> None:
    assert client.get("/sparql", headers={"Accept": "application/sparql-results+json"}).status_code == 406


def test_service_description_honours_web_base(built_settings: Settings) -> None:
    public = create_app(built_settings.with_(web_base="https://news.example.edu/")).test_client()
    graph = rdflib.Graph().parse(data=public.get("/sparql").data, format="turtle")
    assert graph.value(predicate=SD.endpoint, object=rdflib.URIRef("https://news.example.edu/sparql"))


# --- the query page -----------------------------------------------------------------------------------------


def page(client: FlaskClient) -> str:
    response = client.get("/sparql", headers={"Accept": BROWSER_ACCEPT})
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "Accept" in response.vary
    return response.get_data(as_text=True)


def test_page_lists_every_competency_question(client: FlaskClient) -> None:
    html = page(client)
    questions = competency_queries()
    assert len(questions) >= 5
    for question in questions:
        assert str(escape(question.title)) in html
        assert f'id="example-{question.name}"' in html
    assert html.count('class="load-example"') == len(questions)
    assert "BASE &lt;https://kgpub.example.org/&gt;" in html


def test_every_example_runs_and_every_download_link_works(client: FlaskClient) -> None:
    html = page(client)
    links = re.findall(r'<a href="(/sparql\?query=[^"]+)" type="([^"]+)"', html)
    assert len(links) >= len(competency_queries()) * 4
    for href, media_type in links:
        assert len(href) < 8190  # gunicorn's limit_request_line in `kgpub serve`
        response = client.get(href.replace("&amp;", "&"))
        assert response.status_code == 200, (href, response.get_data(as_text=True))
        assert response.mimetype == media_type
        assert response.headers["Content-Disposition"].startswith("attachment;")


def test_competency_questions_have_answers(client: FlaskClient) -> None:
    """Each example, as the page runs it (with BASE), returns something on the shipped data."""
    html = page(client)
    for href, media_type in re.findall(r'<a href="(/sparql\?query=[^"]+)" type="([^"]+)"', html):
        if media_type == "application/sparql-results+json":
            assert rows(client.get(href.replace("&amp;", "&")))
        elif media_type == "text/turtle":
            response = client.get(href.replace("&amp;", "&"))
            assert len(rdflib.Graph().parse(data=response.data, format="turtle")) > 0


def test_page_has_a_working_plain_form(client: FlaskClient) -> None:
    html = page(client)
    assert '<form id="query-form" method="post" action="/sparql"' in html
    assert '<textarea id="query-text" name="query"' in html
    assert "PREFIX schema: &lt;http://schema.org/&gt;" in html
    for fmt in RESULT_FORMATS + RDF_FORMATS:
        assert f'<option value="{fmt.extension}">' in html
    initial = re.search(r"<textarea[^>]*>(.*?)</textarea>", html, re.S)
    assert initial is not None
    starter = (
        initial.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&#34;", '"').replace("&amp;", "&")
    )
    assert rows(client.post("/sparql", data={"query": starter}))


def test_page_embeds_prefixes_and_endpoint_for_the_editor(client: FlaskClient) -> None:
    html = page(client)
    config = json.loads(re.search(r'id="sparql-page-config">(.*?)</script>', html, re.S).group(1))  # type: ignore[union-attr]
    assert config["endpoint"] == "/sparql"
    assert config["prefixes"]["schema"] == "http://schema.org/"
    assert config["prefixes"]["kgo"] == "https://kgpub.example.org/ontology#"
    assert config["namespace"] == "https://kgpub.example.org/"


def test_page_without_vendor_files_says_so(built_settings: Settings, tmp_path: Path) -> None:
    app = create_app(built_settings)
    app.extensions[FOLDERS_KEY] = (tmp_path,)  # an install where scripts/install-frontend.sh never ran
    html = page(app.test_client())
    assert 'id="editor-missing"' in html and "scripts/install-frontend.sh" in html
    assert "yasgui.min.js" not in html
    assert "Run query" in html


def test_page_with_vendor_files_loads_the_editor(built_settings: Settings, tmp_path: Path) -> None:
    vendor = tmp_path / "vendor" / "yasgui"
    vendor.mkdir(parents=True)
    for name, text in [("yasgui.min.js", "/* */"), ("yasgui.min.css", "/* */"), ("VERSION", "9.9.9\n")]:
        (vendor / name).write_text(text)
    app = create_app(built_settings)
    app.extensions[FOLDERS_KEY] = (tmp_path,)
    html = page(app.test_client())
    assert '<script src="/static/vendor/yasgui/yasgui.min.js?v=9.9.9">' in html
    assert 'href="/static/vendor/yasgui/yasgui.min.css?v=9.9.9"' in html
    assert 'id="editor-missing"' not in html


def test_find_editor_needs_both_files(tmp_path: Path) -> None:
    assert find_editor([tmp_path]) is None
    (tmp_path / "vendor" / "yasgui").mkdir(parents=True)
    (tmp_path / "vendor" / "yasgui" / "yasgui.min.js").write_text("")
    assert find_editor([tmp_path]) is None
    assert find_editor([]) is None


# --- real clients against the live server ---------------------------------------------------------------


def wrapper(live_server, query: str, return_format: str, method: str | None = None) -> SPARQLWrapper:  # type: ignore[no-untyped-def]
    client = SPARQLWrapper(live_server.url + "sparql")
    client.setQuery(query)
    client.setReturnFormat(return_format)
    if method == POSTDIRECTLY:
        client.setMethod(POST)
        client.setRequestMethod(POSTDIRECTLY)
    elif method:
        client.setMethod(method)
    return client


@pytest.mark.parametrize("method", [None, POST, POSTDIRECTLY], ids=["get", "post-form", "post-direct"])
def test_sparqlwrapper_json(live_server, method: str | None) -> None:  # type: ignore[no-untyped-def]
    answer = wrapper(live_server, SELECT_NAMES, JSON, method).queryAndConvert()
    assert answer["head"]["vars"] == ["s", "name"]  # type: ignore[index]
    assert len(answer["results"]["bindings"]) == 5  # type: ignore[index]


def test_sparqlwrapper_xml(live_server) -> None:  # type: ignore[no-untyped-def]
    document = wrapper(live_server, SELECT_NAMES, XML).queryAndConvert()
    assert len(document.getElementsByTagName("result")) == 5  # type: ignore[union-attr]


@pytest.mark.parametrize(("return_format", "parser"), [(CSV, "csv"), (TSV, "tsv")])
def test_sparqlwrapper_csv_tsv(live_server, return_format: str, parser: str) -> None:  # type: ignore[no-untyped-def]
    body = wrapper(live_server, SELECT_NAMES, return_format).queryAndConvert()
    assert isinstance(body, bytes)
    assert len(list(Result.parse(io.BytesIO(body), format=parser))) == 5


def test_sparqlwrapper_ask(live_server) -> None:  # type: ignore[no-untyped-def]
    assert wrapper(live_server, ASK_ANY, JSON).queryAndConvert()["boolean"] is True  # type: ignore[index]


@pytest.mark.parametrize("return_format", [TURTLE, JSONLD, RDFXML])
def test_sparqlwrapper_construct(live_server, return_format: str) -> None:  # type: ignore[no-untyped-def]
    converted = wrapper(live_server, CONSTRUCT_NAMES, return_format).queryAndConvert()
    graph = (
        converted
        if isinstance(converted, rdflib.Graph)
        else rdflib.Graph().parse(data=converted, format="turtle")
    )
    assert len(graph) > 0
    assert set(graph.predicates()) == {rdflib.URIRef("http://schema.org/name")}


def test_ntriples_over_http(live_server) -> None:  # type: ignore[no-untyped-def]
    url = live_server.url + "sparql?" + urlencode({"query": CONSTRUCT_NAMES})
    request = urllib.request.Request(url, headers={"Accept": "application/n-triples"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.headers.get_content_type() == "application/n-triples"
        graph = rdflib.Graph().parse(data=response.read(), format="nt")
    assert len(graph) > 0
