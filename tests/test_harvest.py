"""Harvest surface over a real build: VoID/DCAT, dumps, sitemap, robots.txt.

Everything is asserted on meaning (parsed RDF, parsed XML) and cross-checked between independent
sources: the manifest, the store, and the dump files a harvester would download.
"""

from __future__ import annotations

import gzip
import http.client
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, RDF, RDFS, VOID

from publisher.formats import GRAPH_FORMATS
from publisher.manifest import Manifest
from publisher.web.harvest.routes import page_count, robots_txt, sitemap_index, urlset
from publisher.web.site.urls import reserved_pattern

BASE = "http://localhost/"  # the Flask test client's host: web_base defaults to where the request arrived
SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
DUMPS = ("kgpub.nt.gz", "kgpub.nq.gz", "kgpub.ttl", "kgpub.trig", "kgpub.jsonld")
ARTICLE = "id/article/2020-10-12-tju-china-telecom-huawei-agreement"


@pytest.fixture(scope="module")
def manifest(built_settings) -> Manifest:
    return Manifest.read(built_settings.current_build.resolve())


@pytest.fixture(scope="module")
def release(built_settings) -> Path:
    return built_settings.current_build.resolve()


@pytest.fixture(scope="module")
def published(release: Path) -> Dataset:
    """The published quads, as the TriG dump states them (the reference the other dumps are held to)."""
    dataset = Dataset()
    dataset.parse(release / "dumps" / "kgpub.trig", format="trig")
    return dataset


def void_of(client: FlaskClient, media_type: str = "text/turtle") -> tuple[Graph, URIRef]:
    response = client.get("/.well-known/void", headers={"Accept": media_type})
    assert response.status_code == 200, response.data[:500]
    assert response.mimetype == media_type
    graph = Graph().parse(
        data=response.data, format=next(f.rdflib for f in GRAPH_FORMATS if f.media_type == media_type)
    )
    datasets = set(graph.subjects(RDF.type, VOID.Dataset)) & set(graph.subjects(RDF.type, DCAT.Dataset))
    assert len(datasets) == 1, datasets
    return graph, datasets.pop()


def value(graph: Graph, subject: URIRef, predicate: URIRef):
    found = list(graph.objects(subject, predicate))
    assert len(found) == 1, (predicate, found)
    return found[0]


def quads_of(dataset: Dataset) -> set[tuple]:
    return {(s, p, o, g) for s, p, o, g in dataset.quads((None, None, None, None)) if g is not None}


# ---------------------------------------------------------------- VoID


@pytest.mark.parametrize("media_type", [f.media_type for f in GRAPH_FORMATS])
def test_void_parses_in_every_format_and_states_the_essentials(client, manifest, media_type) -> None:
    graph, dataset = void_of(client, media_type)
    assert value(graph, dataset, VOID.sparqlEndpoint) == URIRef(f"{BASE}sparql")
    assert value(graph, dataset, VOID.uriSpace) == Literal(manifest.namespace)
    assert value(graph, dataset, VOID.triples).toPython() == manifest.triples
    assert value(graph, dataset, VOID.entities).toPython() == manifest.entities
    assert set(graph.objects(dataset, VOID.dataDump)) == {URIRef(f"{BASE}dumps/{name}") for name in DUMPS}


def test_void_is_the_same_at_both_addresses_and_turtle_by_default(client) -> None:
    default = client.get("/.well-known/void")
    assert default.mimetype == "text/turtle"
    assert default.data == client.get("/void").data
    assert "Accept" in default.headers["Vary"]
    assert 'type="application/ld+json"' in default.headers["Link"]


def test_void_sends_browsers_to_the_dataset_page(client) -> None:
    response = client.get("/void", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert response.status_code == 303
    assert urlsplit(response.headers["Location"]).path == "/dumps/"


def test_void_refuses_what_it_cannot_offer(client) -> None:
    assert client.get("/void", headers={"Accept": "image/png"}).status_code == 406


def test_void_triples_equal_the_dumps(client, manifest, published, release) -> None:
    graph, dataset = void_of(client)
    with gzip.open(release / "dumps" / "kgpub.nq.gz", "rb") as handle:
        nquads = Dataset().parse(data=handle.read(), format="nquads")
    assert value(graph, dataset, VOID.triples).toPython() == len(quads_of(nquads)) == manifest.triples


def test_void_partitions_follow_the_manifest(client, manifest) -> None:
    graph, dataset = void_of(client)
    classes = {
        value(graph, p, VOID["class"]): value(graph, p, VOID.entities).toPython()
        for p in graph.objects(dataset, VOID.classPartition)
    }
    assert classes == {URIRef(c): n for c, n in manifest.classes.items()}
    subsets = {
        value(graph, s, URIRef("http://www.w3.org/ns/sparql-service-description#name")): value(
            graph, s, VOID.triples
        ).toPython()
        for s in graph.objects(dataset, VOID.subset)
    }
    assert subsets == {URIRef(g): n for g, n in manifest.graphs.items()}


def test_past_the_listing_limit_article_graphs_are_summed_not_listed(
    built_settings, manifest, monkeypatch
) -> None:
    """A 10M-triple archive has 65k article graphs: VoID and the service description stay small by naming
    the other graphs and summing the article graphs, with the query that lists them."""
    from publisher import create_app
    from publisher.web.harvest import dataset
    from publisher.web.sparql import service_description

    monkeypatch.setattr(dataset, "MAX_LISTED_GRAPHS", 2)
    monkeypatch.setattr(service_description, "MAX_LISTED_GRAPHS", 2)
    client = create_app(built_settings).test_client()  # a fresh app: nothing memoized with the real limit
    graph, dataset_node = void_of(client)
    articles = {g: n for g, n in manifest.graphs.items() if "/graph/article/" in g}
    assert len(manifest.graphs) > 2 and articles
    named = {
        graph.value(s, URIRef("http://www.w3.org/ns/sparql-service-description#name")): value(
            graph, s, VOID.triples
        ).toPython()
        for s in graph.objects(dataset_node, VOID.subset)
    }
    assert named.pop(None) == sum(articles.values())  # the one summary subset has no sd:name
    assert named == {URIRef(g): n for g, n in manifest.graphs.items() if g not in articles}
    summary = next(
        s for s in graph.objects(dataset_node, VOID.subset) if (s, DCTERMS.description, None) in graph
    )
    assert f"The {len(articles):,} per-article named graphs" in str(
        value(graph, summary, DCTERMS.description)
    )
    description = Graph().parse(
        data=client.get("/sparql", headers={"Accept": "text/turtle"}).data, format="turtle"
    )
    sd = "http://www.w3.org/ns/sparql-service-description#"
    assert not list(description.objects(None, URIRef(sd + "namedGraph")))
    comment = str(next(description.objects(None, RDFS.comment)))
    assert comment.startswith(f"{len(manifest.graphs):,} named graphs") and "SELECT DISTINCT ?g" in comment


def test_void_names_vocabularies_and_the_newest_article(client, manifest) -> None:
    graph, dataset = void_of(client)
    vocabularies = {str(v) for v in graph.objects(dataset, VOID.vocabulary)}
    assert {
        "http://schema.org/",
        "http://www.w3.org/ns/org#",
        "https://kgpub.example.org/ontology#",
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    } <= vocabularies
    assert value(graph, dataset, VOID.exampleResource) == URIRef(manifest.namespace + ARTICLE)
    assert value(graph, dataset, VOID.distinctSubjects).toPython() >= manifest.entities


def test_void_distributions_describe_the_files(client, release) -> None:
    graph, dataset = void_of(client)
    for distribution in graph.objects(dataset, DCAT.distribution):
        url = value(graph, distribution, DCAT.downloadURL)
        name = str(url).rsplit("/", 1)[1]
        assert (
            value(graph, distribution, DCAT.byteSize).toPython() == (release / "dumps" / name).stat().st_size
        )
        media_type = str(value(graph, distribution, DCAT.mediaType)).rsplit("media-types/", 1)[1]
        expected = {
            "nt.gz": "application/n-triples",
            "nq.gz": "application/n-quads",
            "ttl": "text/turtle",
            "trig": "application/trig",
            "jsonld": "application/ld+json",
        }[name.split(".", 1)[1]]
        assert media_type == expected
        compressed = list(graph.objects(distribution, DCAT.compressFormat))
        assert bool(compressed) == name.endswith(".gz")


# ---------------------------------------------------------------- dumps


def download(client: FlaskClient, name: str) -> bytes:
    response = client.get(f"/dumps/{name}")
    assert response.status_code == 200
    assert int(response.headers["Content-Length"]) == len(response.data)
    return gzip.decompress(response.data) if name.endswith(".gz") else response.data


def test_nquads_trig_and_jsonld_dumps_hold_exactly_the_published_quads(client, published, manifest) -> None:
    expected = quads_of(published)
    assert len(expected) == manifest.triples
    assert quads_of(Dataset().parse(data=download(client, "kgpub.nq.gz"), format="nquads")) == expected
    jsonld = Dataset().parse(data=download(client, "kgpub.jsonld"), format="json-ld")
    assert {str(g): len(jsonld.graph(g)) for *_, g in quads_of(jsonld)} == dict(manifest.graphs)
    for name in manifest.graphs:
        assert isomorphic(jsonld.graph(URIRef(name)), published.graph(URIRef(name)))


def test_triple_dumps_hold_the_union_of_the_published_graphs(client, published) -> None:
    union = Graph()
    for s, p, o, _ in published.quads((None, None, None, None)):
        union.add((s, p, o))
    assert isomorphic(Graph().parse(data=download(client, "kgpub.nt.gz"), format="nt"), union)
    assert isomorphic(Graph().parse(data=download(client, "kgpub.ttl"), format="turtle"), union)


@pytest.mark.parametrize(
    "name, content_type, disposition",
    [
        ("kgpub.nt.gz", "application/gzip", "attachment; filename=kgpub.nt.gz"),
        ("kgpub.nq.gz", "application/gzip", "attachment; filename=kgpub.nq.gz"),
        ("kgpub.ttl", "text/turtle; charset=utf-8", "inline; filename=kgpub.ttl"),
        ("kgpub.trig", "application/trig", "inline; filename=kgpub.trig"),
        ("kgpub.jsonld", "application/ld+json", "inline; filename=kgpub.jsonld"),
    ],
)
def test_dumps_are_served_as_files(client, release, name, content_type, disposition) -> None:
    response = client.get(f"/dumps/{name}")
    assert response.headers["Content-Type"] == content_type
    assert response.headers["Content-Disposition"] == disposition
    assert "Content-Encoding" not in response.headers  # a .gz is the file itself, see web/harvest/routes.py
    assert response.data == (release / "dumps" / name).read_bytes()


def test_dumps_answer_byte_ranges(client, release) -> None:
    response = client.get("/dumps/kgpub.ttl", headers={"Range": "bytes=0-99"})
    assert response.status_code == 206
    assert response.data == (release / "dumps" / "kgpub.ttl").read_bytes()[:100]


@pytest.mark.parametrize(
    "path",
    [
        "/dumps/../manifest.json",
        "/dumps/%2e%2e%2fmanifest.json",
        "/dumps/..%2fmanifest.json",
        "/dumps/kgpub.ttl%00",
        "/dumps/manifest.json",
        "/dumps/.",
        "/dumps/..",
        "/dumps/%2e%2e",
        "/dumps/kgpub.TTL",
        "/dumps/kgpub.ttl/",
        "/dumps/a/kgpub.ttl",
    ],
)
def test_nothing_outside_the_allow_list_is_served(client, path) -> None:
    response = client.get(path)
    assert response.status_code == 404, path
    assert b"build_id" not in response.data


@pytest.mark.parametrize("path", ["/dumps//etc/passwd", "/dumps/%2fetc%2fpasswd"])
def test_absolute_paths_never_reach_the_file_system(client, path) -> None:
    """A leading slash after /dumps/ cannot match a Werkzeug ``path`` converter, so the entity catch-all
    refuses it (400 malformed path); either way nothing is read."""
    response = client.get(path)
    assert response.status_code in (400, 404), path
    assert b"root:" not in response.data


def test_traversal_over_real_http_is_404(live_server) -> None:
    """Raw paths, unnormalised by any client library, against a real server."""
    host = urlsplit(live_server.url)
    for path in ("/dumps/../manifest.json", "/dumps/%2e%2e%2fmanifest.json", "/dumps/kgpub.ttl%00"):
        connection = http.client.HTTPConnection(host.hostname, host.port, timeout=10)
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        connection.close()
        assert response.status == 404, path
        assert b"build_id" not in body


def test_dumps_index_lists_every_file_with_size_and_type(client, release) -> None:
    response = client.get("/dumps/")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    for name in DUMPS:
        assert f'href="{BASE}dumps/{name}"' in page
        assert f"{(release / 'dumps' / name).stat().st_size:,}" in page
    assert "application/n-triples" in page and "application/gzip" in page
    assert f"{BASE}.well-known/void?format=ttl" in page


# ---------------------------------------------------------------- sitemap and robots


def entity_pages_from(published: Dataset, namespace: str, reserved: re.Pattern[str]) -> set[str]:
    """What the sitemap must list, computed from the dump rather than the store."""
    pages = set()
    for s in {s for s, *_ in published.quads((None, None, None, None))}:
        rest = str(s)[len(namespace) :]
        if (
            isinstance(s, URIRef)
            and str(s).startswith(namespace)
            and rest
            and "#" not in rest
            and not reserved.fullmatch(rest.split("/", 1)[0])
        ):
            pages.add(f"{BASE}doc/{rest}.html")
    return pages


def test_sitemap_lists_the_article_and_every_entity_page(app, client, published, manifest) -> None:
    response = client.get("/sitemap.xml")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    root = ET.fromstring(response.data)
    assert root.tag == f"{SITEMAP_NS}urlset"
    locs = [url.findtext(f"{SITEMAP_NS}loc") for url in root]
    assert f"{BASE}doc/{ARTICLE}.html" in locs
    expected = entity_pages_from(published, manifest.namespace, reserved_pattern(app.url_map))
    assert set(locs) == expected and len(locs) == len(set(locs))
    assert len(locs) == manifest.entities  # the build's own count of pages agrees
    assert {url.findtext(f"{SITEMAP_NS}lastmod") for url in root} == {lastmod_of(manifest)}


def lastmod_of(manifest: Manifest) -> str:
    return datetime.fromisoformat(manifest.created).astimezone(UTC).replace(microsecond=0).isoformat()


def test_article_page_in_the_sitemap_exists(client) -> None:
    assert client.get(f"/doc/{ARTICLE}.html").status_code == 200


def test_sitemap_pages_beyond_the_last_are_404(client) -> None:
    assert client.get("/sitemap-1.xml").status_code == 200
    assert client.get("/sitemap-2.xml").status_code == 404


def test_sitemap_index_and_pages_are_valid_xml() -> None:
    urls = [f"{BASE}doc/id/x{i}.html?a=1&b=2" for i in range(5)]
    assert page_count(len(urls), 2) == 3 and page_count(0, 2) == 1 and page_count(4, 2) == 2
    page = ET.fromstring(urlset(urls, "2024-01-01T00:00:00+00:00"))
    assert [u.findtext(f"{SITEMAP_NS}loc") for u in page] == urls  # & escaped and read back
    index = ET.fromstring(sitemap_index([f"{BASE}sitemap-1.xml"], "2024-01-01T00:00:00+00:00"))
    assert index.tag == f"{SITEMAP_NS}sitemapindex"


def test_robots_points_to_the_sitemap_and_keeps_crawlers_off_queries(client) -> None:
    response = client.get("/robots.txt")
    assert response.mimetype == "text/plain"
    lines = response.get_data(as_text=True).splitlines()
    assert f"Sitemap: {BASE}sitemap.xml" in lines
    assert "Disallow: /sparql?" in lines and "Allow: /" in lines


def test_robots_rules_carry_the_web_base_path() -> None:
    assert "Disallow: /kg/sparql?" in robots_txt("https://example.org/kg/").splitlines()
