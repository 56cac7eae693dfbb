"""Dereferencing over the real build: 303 from the IRI to a document, documents in every format, 404s,
and request paths that must never become anything but a 400 or 404.

The expected triples come from the build's own N-Triples dump, not from the code under test.
"""

from __future__ import annotations

import gzip
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph, URIRef

from publisher import create_app
from publisher.settings import Settings

NS = "https://kgpub.example.org/"
HUAWEI = "id/org/huawei"
ARTICLE = "id/article/2020-10-12-tju-china-telecom-huawei-agreement"
RDF_DOCUMENTS = [  # (Accept, extension, rdflib parser)
    ("text/turtle", "ttl", "turtle"),
    ("application/ld+json", "jsonld", "json-ld"),
    ("application/n-triples", "nt", "nt"),
    ("application/rdf+xml", "rdf", "xml"),
]


@pytest.fixture(scope="module")
def published(built_settings: Settings) -> Graph:
    """Everything the build published, read from its dump."""
    dump = built_settings.current_build / "dumps" / "kgpub.nt.gz"
    return Graph().parse(data=gzip.decompress(dump.read_bytes()).decode("utf-8"), format="nt")


@pytest.mark.parametrize(
    "accept,extension",
    [
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "html"),  # a browser
        ("*/*", "html"),
        *[(accept, ext) for accept, ext, _ in RDF_DOCUMENTS],
        ("text/turtle;q=0.9, application/ld+json", "jsonld"),
    ],
)
def test_iri_answers_303_to_the_negotiated_document(client: FlaskClient, accept: str, extension: str) -> None:
    response = client.get(f"/{HUAWEI}", headers={"Accept": accept})
    assert response.status_code == 303
    assert response.headers["Location"] == f"http://localhost/doc/{HUAWEI}.{extension}"
    assert "Accept" in response.headers["Vary"]
    links = response.headers["Link"]
    for ext in ("html", "ttl", "jsonld", "nt", "rdf"):
        assert f'<http://localhost/doc/{HUAWEI}.{ext}>; rel="alternate"' in links


@pytest.mark.parametrize("accept,extension,parser", RDF_DOCUMENTS)
def test_documents_parse_and_hold_the_entitys_triples(
    client: FlaskClient, published: Graph, accept: str, extension: str, parser: str
) -> None:
    response = client.get(f"/doc/{ARTICLE}.{extension}")
    assert response.status_code == 200
    assert response.mimetype == accept
    graph = Graph().parse(data=response.get_data(as_text=True), format=parser)
    subject = URIRef(NS + ARTICLE)
    expected = set(published.triples((subject, None, None)))
    assert expected and expected <= set(graph)
    assert set(published.triples((None, None, subject))) <= set(graph)  # what points here


def test_document_includes_labels_of_linked_entities(client: FlaskClient) -> None:
    graph = Graph().parse(data=client.get(f"/doc/{ARTICLE}.ttl").get_data(as_text=True), format="turtle")
    names = {str(o) for o in graph.objects(URIRef(NS + HUAWEI), URIRef("http://schema.org/name"))}
    assert "Huawei" in names


def test_document_without_extension_negotiates(client: FlaskClient) -> None:
    response = client.get(f"/doc/{HUAWEI}", headers={"Accept": "application/n-triples"})
    assert response.status_code == 200
    assert response.mimetype == "application/n-triples"
    assert "Accept" in response.headers["Vary"]
    assert response.headers["Content-Location"] == f"http://localhost/doc/{HUAWEI}.nt"
    assert 'rel="alternate"' in response.headers["Link"]


def test_html_document(client: FlaskClient) -> None:
    response = client.get(f"/doc/{HUAWEI}.html")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert '<h1 lang="en">Huawei</h1>' in response.get_data(as_text=True)


def test_head_is_answered_like_get(client: FlaskClient) -> None:
    response = client.head(f"/{HUAWEI}", headers={"Accept": "text/turtle"})
    assert response.status_code == 303 and response.headers["Location"].endswith(".ttl")


def test_unacceptable_format_is_406(client: FlaskClient) -> None:
    assert client.get(f"/{HUAWEI}", headers={"Accept": "image/png"}).status_code == 406


@pytest.mark.parametrize(
    "path",
    [
        "/id/org/no-such-org",
        "/doc/id/org/no-such-org.html",
        "/doc/id/org/no-such-org.ttl",
        "/id/",
        "/nothing",
    ],
)
def test_unknown_iris_are_404(client: FlaskClient, path: str) -> None:
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert "Not Found" in response.get_data(as_text=True)


def test_404_page_is_the_sites_page(client: FlaskClient) -> None:
    body = client.get("/id/org/no-such-org", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert 'action="http://localhost/search"' in body and "no-such-org" in body


@pytest.mark.parametrize(
    "path",
    [
        "/id/../../etc/passwd",
        "/id/%2e%2e/%2e%2e/etc/passwd",
        "/doc/..%2f..%2fetc%2fpasswd.ttl",
        "/doc/id/org/..%2f..%2f..%2fpyproject.toml",
        "/id/org/%00",
        "/id/org/huawei%00.ttl",
        "/id/org/a%0d%0aSet-Cookie:x=1",
        "/id/org/<script>",
        "/id/org/a%20b",
        "/id/" + "a" * 5000,
        "/doc/" + "a/" * 2000 + "x.ttl",
        "/static/../publisher/settings.py",
    ],
)
def test_hostile_paths_never_reach_a_file(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code in (400, 404)
    body = response.get_data(as_text=True)
    assert "root:" not in body and "[project]" not in body and "Settings" not in body
    assert "Set-Cookie" not in response.headers


def test_reserved_paths_are_not_entities(client: FlaskClient) -> None:
    assert client.get("/vendor/anything").status_code == 404


def test_bad_paging_parameters_are_400(client: FlaskClient) -> None:
    assert client.get(f"/doc/{HUAWEI}.html?page=0").status_code == 400
    assert client.get(f"/doc/{HUAWEI}.html?page=x").status_code == 400
    assert (
        client.get(f"/doc/{HUAWEI}.html?direction=sideways&property=http://schema.org/name").status_code
        == 400
    )
    assert client.get(f"/doc/{HUAWEI}.html?direction=in&property=not%20an%20iri").status_code == 400


def test_web_base_setting_moves_every_link(built_settings: Settings) -> None:
    app: Flask = create_app(built_settings.with_(web_base="https://data.example.edu/kg/"))
    response = app.test_client().get(f"/{HUAWEI}", headers={"Accept": "text/turtle"})
    assert response.headers["Location"] == f"https://data.example.edu/kg/doc/{HUAWEI}.ttl"
    page = app.test_client().get(f"/doc/{HUAWEI}.html").get_data(as_text=True)
    assert f'href="https://data.example.edu/kg/{ARTICLE}"' in page


DIGESTS = """
import hashlib, sys
from pathlib import Path
from publisher import create_app
from publisher.settings import Settings
client = create_app(Settings(project_dir=Path(sys.argv[1]), build_dir=Path(sys.argv[2]))).test_client()
for path in sys.argv[3:]:
    print(path, hashlib.sha256(client.get(path).data).hexdigest())
"""


def test_documents_are_byte_identical_in_every_process(built_settings: Settings) -> None:
    """Strong ETags promise the same bytes from every worker, whatever its hash seed."""
    paths = [f"/doc/{ARTICLE}.{ext}" for ext in ("html", "ttl", "jsonld", "nt", "rdf")]
    paths += ["/ontology.jsonld", "/ontology.rdf", "/shapes.nt", "/shapes.jsonld"]
    paths += [f"/.well-known/void?format={ext}" for ext in ("nt", "jsonld", "rdf")]
    paths += [f"/sparql?format={ext}" for ext in ("nt", "jsonld", "rdf")]
    args = [
        sys.executable,
        "-c",
        DIGESTS,
        str(built_settings.project_dir),
        str(built_settings.builds_root),
        *paths,
    ]
    env = dict(os.environ)
    runs = [
        subprocess.run(
            args, env={**env, "PYTHONHASHSEED": seed}, capture_output=True, text=True, check=True
        ).stdout
        for seed in ("1", "2")
    ]
    assert runs[0] == runs[1] and runs[0].count("\n") == len(paths)


# ---------------------------------------------------------------- the ontology and the shapes


def test_ontology_html_documents_terms(client: FlaskClient) -> None:
    response = client.get("/ontology", headers={"Accept": "text/html"})
    assert response.status_code == 200 and "Accept" in response.headers["Vary"]
    body = response.get_data(as_text=True)
    assert 'id="Agreement"' in body and "agreement" in body  # anchor for ...ontology#Agreement, its label
    assert "What two or more parties agreed" in body  # its definition
    assert 'href="http://www.w3.org/ns/prov#Entity"' in body  # the reused term it refines
    signed_at = body.split('id="signedAt"', 1)[1].split("</article>", 1)[0]
    assert re.search(r"<dt>domain</dt><dd><a href=\"[^\"]*ontology#Agreement\"[^>]*>agreement</a>", signed_at)
    assert re.search(r"<dt>range</dt><dd><a href=\"http://schema.org/Event\"", signed_at)


@pytest.mark.parametrize("accept,extension,parser", RDF_DOCUMENTS)
def test_ontology_as_rdf(client: FlaskClient, accept: str, extension: str, parser: str) -> None:
    by_accept = client.get("/ontology", headers={"Accept": accept})
    by_extension = client.get(f"/ontology.{extension}")
    for response in (by_accept, by_extension):
        assert response.status_code == 200 and response.mimetype == accept
        graph = Graph().parse(data=response.get_data(as_text=True), format=parser)
        assert (URIRef("https://kgpub.example.org/ontology#Agreement"), None, None) in graph


def test_ontology_matches_the_build(client: FlaskClient, built_settings: Settings) -> None:
    served = client.get("/ontology.ttl").get_data()
    assert served == Path(built_settings.current_build / "ontology.ttl").read_bytes()


def test_shapes_are_served_as_turtle(client: FlaskClient) -> None:
    response = client.get("/shapes")  # a client that says nothing gets the shapes themselves
    assert response.status_code == 200 and response.mimetype == "text/turtle"
    graph = Graph().parse(data=response.get_data(as_text=True), format="turtle")
    assert (None, URIRef("http://www.w3.org/ns/shacl#targetClass"), None) in graph
    assert client.get("/shapes.html").mimetype == "text/html"  # the page about them


@pytest.mark.parametrize("ext", ["html", "ttl"])
def test_a_page_past_the_last_value_is_404_not_an_empty_document(client: FlaskClient, ext: str) -> None:
    assert client.get(f"/doc/id/person/hu-qinghua-tianjin-university.{ext}?page=1").status_code == 200
    assert client.get(f"/doc/id/person/hu-qinghua-tianjin-university.{ext}?page=500").status_code == 404
