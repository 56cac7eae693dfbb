"""Entity pages over a small fixture project (``tests/fixtures/pages``) built with ``page_size=5``:
escaping, labels, incoming links, paging, hash IRIs, provenance, images and the embedded JSON-LD.

The model-level tests at the end need no HTTP: ``Naming`` and ``best_label`` are plain functions.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient
from rdflib import RDFS, SKOS, XSD, Graph, Literal, URIRef

from publisher import create_app
from publisher.memo import BoundedMemo
from publisher.pipeline.publish import build
from publisher.settings import Settings
from publisher.web.pages.describe import Memos, Window, describe
from publisher.web.pages.terms import Naming
from publisher.web.site.labels import SDO, best_label, fallback_label
from publisher.web.site.languages import chain_of
from tests.conftest import free_port, oxigraph_binary, wait_until_responds

FIXTURE = Path(__file__).parent / "fixtures" / "pages"
NS = "https://kgpub.example.org/"
LD_SCRIPT = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


@pytest.fixture(scope="module")
def pages_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = Settings(project_dir=FIXTURE, build_dir=tmp_path_factory.mktemp("pages-build"), page_size=5)
    build(settings)
    return settings


@pytest.fixture(scope="module")
def pages(pages_settings: Settings) -> FlaskClient:
    return create_app(pages_settings).test_client()


@pytest.fixture(scope="module")
def remote_pages(pages_settings: Settings) -> Iterator[FlaskClient]:
    """The same app over ``oxigraph serve-read-only`` (the remote store) instead of the embedded one."""
    binary = oxigraph_binary()
    port = free_port()
    store = pages_settings.current_build.resolve() / "store"
    server = subprocess.Popen(
        [
            binary,
            "serve-read-only",
            "--location",
            str(store),
            "--bind",
            f"127.0.0.1:{port}",
            "--union-default-graph",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_responds(f"http://127.0.0.1:{port}/query?query=ASK%7B%7D", server)
        yield create_app(pages_settings.with_(store_url=f"http://127.0.0.1:{port}/query")).test_client()
    finally:
        server.terminate()
        server.wait(timeout=10)


def html(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def text(body: str) -> str:
    """What a reader sees: the markup removed."""
    return re.sub(r"<[^>]+>", "", body)


# ---------------------------------------------------------------- escaping


def test_markup_in_labels_and_literals_is_escaped(pages: FlaskClient) -> None:
    body = html(pages, "/doc/id/org/hostile.html")
    assert "<script>alert(" not in body
    assert "&lt;script&gt;alert(&#39;label&#39;)&lt;/script&gt; Hostile &amp; Co" in body
    assert body.count("</script>") == body.count("<script")  # no literal closes the JSON-LD block early


def test_escaped_labels_of_linked_entities(pages: FlaskClient) -> None:
    body = html(pages, "/doc/id/article/hub-grows.html")  # mentions the hostile org: its label is shown here
    assert "<script>alert(" not in body and "&lt;script&gt;alert(" in body


def test_non_web_iris_are_never_links(pages: FlaskClient) -> None:
    body = html(pages, "/doc/id/org/hostile.html")
    assert 'href="javascript:' not in body and "javascript:alert(1)" in body


def test_embedded_json_ld_parses_and_describes_the_entity(pages: FlaskClient) -> None:
    body = html(pages, "/doc/id/org/hostile.html")
    (block,) = LD_SCRIPT.findall(body)
    assert "<" not in block  # "</script>" in a literal cannot end the block
    data = json.loads(block)
    assert data["@context"]["@vocab"] == str(SDO)  # schema.org terms, as search engines read them
    graph = Graph().parse(data=block, format="json-ld")
    names = set(graph.objects(URIRef(NS + "id/org/hostile"), SDO.name))
    assert Literal("<script>alert('label')</script> Hostile & Co", lang="en") in names


# ---------------------------------------------------------------- labels, links, incoming, provenance


def test_predicates_and_values_are_shown_by_label(pages: FlaskClient) -> None:
    body = html(pages, "/doc/id/org/hub.html")
    assert '<h1 lang="en">Hub University</h1>' in body  # the English name wins over the Chinese one
    assert '<span lang="zh">枢纽大学</span>' in body.split("names-beside", 1)[1]  # and the other is beside it
    assert ">partner</a>" in body and ">member of</a>" in body  # ontology labels for predicates
    assert ">Partner 01</a>" in body  # linked entities by their labels
    assert (
        ">http://schema.org/memberOf<" not in body
        and ">https://kgpub.example.org/id/org/partner-01<" not in body
    )
    assert 'href="http://localhost/id/org/partner-01"' in body  # in-namespace: the local web base
    assert 'href="http://localhost/ontology#partner"' in body  # ontology terms: the ontology page


def test_literals_show_no_raw_tags_but_keep_them_in_a_tooltip(pages: FlaskClient) -> None:
    body = html(pages, "/doc/id/article/hub-opens.html")
    shown = text(body.split("<main", 1)[1])  # what a reader sees (the embedded JSON-LD is data)
    assert "@en" not in shown and "xsd:dateTime" not in shown
    assert '<span class="literal" lang="en" title="@en">Hub University opens</span>' in body
    when = '<time datetime="2024-03-01T09:00:00+08:00" title="2024-03-01T09:00:00+08:00 (xsd:dateTime)">'
    assert when + "1 March 2024, 09:00 (UTC+08:00)</time>" in body


def test_types_are_linked_and_labelled(pages: FlaskClient) -> None:
    body = html(pages, "/doc/id/org/hub.html")
    assert re.search(r'<p class="kind">Institution · .*>hub</a>', body)


def test_incoming_links(pages: FlaskClient) -> None:
    body = html(pages, "/doc/id/org/hub.html")
    incoming = body.split("What points here", 1)[1]
    assert ">Member 01</a>" in incoming and ">Hub University opens</a>" in incoming


def test_facts_name_the_articles_stating_them(pages: FlaskClient) -> None:
    body = html(pages, "/doc/id/org/hub.html")
    row = body.split(">Opened in 2024.</span>", 1)[1].split("</li>", 1)[0]
    assert ">Hub University opens</a>" in row and ">Hub University grows</a>" in row
    assert "Source of most facts here: shared entity data" in text(body)  # the hub's usual source, said once


# ---------------------------------------------------------------- paging


def test_large_properties_are_paged(pages: FlaskClient) -> None:
    body = html(pages, "/doc/id/org/hub.html")
    members = [m for m in re.findall(r">Member (\d\d)</a>", body)]
    assert len(members) < 12  # 12 members + 1 hostile org point at the hub; page_size is 5
    assert "1–5 of 13" in body and "1–5 of 7" in body  # incoming member of, outgoing partner
    next_href = re.search(r'<a rel="next" href="([^"]*memberOf[^"]*)"', body)
    assert next_href is not None
    second = html(pages, "/doc/id/org/hub.html" + next_href.group(1).replace("&amp;", "&"))
    assert "6–10 of 13" in second and "Showing one property only" in second
    assert ">partner</a>" not in second  # a focused page shows only that property


def test_last_page_has_no_next(pages: FlaskClient) -> None:
    body = html(pages, "/doc/id/org/hub.html?direction=in&property=http://schema.org/memberOf&page=3")
    assert "11–13 of 13" in body and 'rel="next"' not in body and 'rel="prev"' in body


def test_rdf_documents_page_too(pages: FlaskClient) -> None:
    first = pages.get("/doc/id/org/hub.ttl")
    link = first.headers["Link"]
    assert 'rel="next"' in link
    next_url = re.search(r'<([^>]+)>; rel="next"', link).group(1)  # type: ignore[union-attr]
    parts = urlsplit(next_url)
    second = pages.get(f"{parts.path}?{parts.query}")
    graph = Graph().parse(data=second.get_data(as_text=True), format="turtle")
    members = set(graph.subjects(SDO.memberOf, URIRef(NS + "id/org/hub")))
    assert len(members) == 5


# ---------------------------------------------------------------- hash IRIs and images


def test_hash_iris_belong_to_their_document(pages: FlaskClient) -> None:
    body = html(pages, "/doc/id/org/hub.html")
    assert 'id="charter"' in body and "Charter of the hub" in body and "Founded to be pointed at." in body
    graph = Graph().parse(data=pages.get("/doc/id/org/hub.nt").get_data(as_text=True), format="nt")
    assert (URIRef(NS + "id/org/hub#charter"), SDO.name, Literal("Charter of the hub", lang="en")) in graph


def test_images_are_links_to_the_original_never_embedded(pages: FlaskClient) -> None:
    body = html(pages, "/doc/id/org/hub.html")
    assert "<img" not in body  # no hot-linked third-party file: broken hosts, mixed content
    link = '<a href="http://images.example.org/hub.jpg" title="http://images.example.org/hub.jpg" class="external"'
    assert link in body and ">Image, images.example.org</a>" in body


# ---------------------------------------------------------------- the same pages over a remote store


@pytest.mark.parametrize(
    "path",
    [
        "/doc/id/org/hub.html",
        "/doc/id/org/hub.html?direction=in&property=http://schema.org/memberOf&page=2",
        "/doc/id/org/hostile.ttl",
        "/search?q=hub",
        "/",
    ],
)
def test_remote_store_serves_the_same_pages(pages: FlaskClient, remote_pages: FlaskClient, path: str) -> None:
    embedded, remote = pages.get(path), remote_pages.get(path)
    assert embedded.status_code == remote.status_code == 200
    assert embedded.get_data(as_text=True) == remote.get_data(as_text=True)


# ---------------------------------------------------------------- what a worker remembers for its build


def test_a_document_is_served_again_byte_for_byte_and_per_web_base(pages_settings: Settings) -> None:
    client = create_app(pages_settings).test_client()  # a fresh app: nothing remembered yet
    path = "/doc/id/org/hub.html?direction=in&property=http://schema.org/memberOf&page=2"
    first, again = client.get(path), client.get(path)
    assert first.status_code == again.status_code == 200
    assert again.data == first.data and again.headers["ETag"] == first.headers["ETag"]
    assert again.headers.getlist("Link") == first.headers.getlist("Link")
    assert again.headers["Content-Type"] == first.headers["Content-Type"]
    elsewhere = client.get(path, base_url="https://mirror.example").get_data(as_text=True)
    assert 'href="https://mirror.example/id/' in elsewhere  # links follow where the server is reached
    assert 'href="http://localhost/' not in elsewhere
    for _ in range(2):  # an unknown entity stays a 404 (only documents are kept)
        assert client.get("/doc/id/org/nowhere.html").status_code == 404
    for _ in range(2):  # past the last page too
        assert client.get(path.replace("page=2", "page=9")).status_code == 404


def test_memos_change_no_description(pages_settings: Settings) -> None:
    """Labels and a hub's counts remembered per build: the same description cold, warm, and without memos."""
    store = create_app(pages_settings).extensions["kgpub"].current().store
    hub = URIRef(NS + "id/org/hub")
    for window in (Window(1, 5), Window(2, 5), Window(2, 5, ("in", SDO.memberOf))):
        memos = Memos(context=BoundedMemo(10_000), groups=BoundedMemo(10), groups_from=1)
        plain = describe(store, hub, window, NS)
        assert plain is not None and plain.context
        assert plain == describe(store, hub, window, NS, memos) == describe(store, hub, window, NS, memos)
        assert memos.groups is not None and memos.groups.get(hub) is not None
        assert memos.context is not None and hub in memos.context.get_many([hub])
    few = Memos(groups=BoundedMemo(10))  # the fixture hub has far fewer statements than the default threshold
    describe(store, hub, Window(1, 5), NS, few)
    assert few.groups is not None and len(few.groups) == 0
    assert describe(store, URIRef(NS + "id/org/nowhere"), Window(1, 5), NS, Memos(BoundedMemo(10))) is None


def test_terms_kept_for_later_pages_change_no_page(pages_settings: Settings) -> None:
    """A worker keeps the terms one page labelled and linked for the next pages that show them: every page
    then reads as it does from a fresh worker, whichever pages came before (``?v=`` defeats the memo of
    finished documents, so the second round renders again from kept terms)."""
    warm = create_app(pages_settings)
    store = warm.extensions["kgpub"].current().store
    rows = store.select("SELECT DISTINCT ?s WHERE { GRAPH ?g { ?s ?p ?o } FILTER(isIRI(?s)) }").rows
    entities = {row["s"][len(NS) :].split("#")[0] for row in rows if row["s"].startswith(NS + "id/")}
    paths = [f"/doc/{rest}.html" for rest in sorted(entities)]
    assert len(paths) >= 5
    client = warm.test_client()
    for path in paths:
        assert client.get(f"{path}?v=1").status_code == 200
    for path in reversed(paths):
        fresh = create_app(pages_settings).test_client().get(f"{path}?v=2")
        assert client.get(f"{path}?v=2").get_data(as_text=True) == fresh.get_data(as_text=True), path


def test_a_term_is_kept_only_with_its_context() -> None:
    """An IRI a page names without fetching its context (a datatype, a graph) is made afresh there: its
    fallback name is never kept for a page that has its label, nor the label for a page that has not."""
    x = URIRef(NS + "id/org/x")
    labelled = [(x, SDO.name, Literal("X University", lang="en"))]
    shared: BoundedMemo = BoundedMemo(100)  # type: ignore[type-arg]
    for context in ([], labelled, []):
        kept = Naming.from_context(NS, "https://web.example/", context, shared=shared).term(x)
        assert kept == Naming.from_context(NS, "https://web.example/", context).term(x)
    assert len(shared) == 1
    mirrored = Naming.from_context(NS, "https://mirror.example/", labelled, shared=shared).term(x)
    assert (mirrored.label, mirrored.href) == ("X University", "https://mirror.example/id/org/x")


def test_bounded_memo_forgets_the_least_recently_used() -> None:
    memo: BoundedMemo[str, int] = BoundedMemo(2)
    memo.put("a", 1)
    memo.put("b", 2)
    assert memo.get("a") == 1  # now "b" is the least recently used
    memo.put("c", 3)
    assert memo.get_many(["a", "b", "c"]) == {"a": 1, "c": 3}
    sized: BoundedMemo[str, str] = BoundedMemo(100, max_weight=20, weigh=len)
    for key, value in (("x", "1234"), ("y", "12345"), ("w", "12345"), ("v", "12345"), ("u", "1234")):
        sized.put(key, value)
    assert sized.get("x") is None and sized.get("u") == "1234" and sized.weight == 19
    sized.put("t", "123456")  # heavier than a quarter of the budget: not kept
    assert sized.get("t") is None and sized.weight == 19


# ---------------------------------------------------------------- the model, without HTTP


def test_no_view_imports_an_engine() -> None:
    """Views talk to the Store protocol only: no pyoxigraph, no rdflib SPARQL engine (house style 3)."""
    web = Path(__file__).resolve().parents[1] / "publisher" / "web"
    for module in web.rglob("*.py"):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        imported = {
            alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
        }
        imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert not {m for m in imported if m.startswith(("pyoxigraph", "rdflib.plugins.sparql"))}, module.name
        calls = {
            n.func.attr
            for n in ast.walk(tree)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
        }
        assert not calls & {"query", "prepareQuery"}, module.name


@pytest.fixture
def naming() -> Naming:
    context = [
        (URIRef(NS + "id/org/x"), SDO.name, Literal("X University", lang="en")),
        (
            URIRef("http://img.example/a.png"),
            URIRef(str(SDO) + "contentUrl"),
            Literal("http://img.example/a.png"),
        ),
    ]
    return Naming.from_context(NS, "https://web.example/", context)


def test_naming_links_by_scheme(naming: Naming) -> None:
    local = naming.term(URIRef(NS + "id/org/x"))
    assert (local.label, local.href, local.external) == (
        "X University",
        "https://web.example/id/org/x",
        False,
    )
    outside = naming.term(URIRef("http://schema.org/name"))
    assert (outside.label, outside.href, outside.external) == ("schema:name", "http://schema.org/name", True)
    for iri in ("javascript:alert(1)", "data:text/html,<b>x</b>", "mailto:a@b.c"):
        assert naming.term(URIRef(iri)).href is None


def test_naming_literals(naming: Naming) -> None:
    dated = naming.term(Literal("2024-01-01", datatype=XSD.date))
    assert (dated.label, dated.machine, dated.tooltip) == (
        "1 January 2024",
        "2024-01-01",
        "2024-01-01 (xsd:date)",
    )
    assert naming.term(Literal("2017-04", datatype=XSD.gYearMonth)).label == "April 2017"
    assert naming.term(Literal("2017", datatype=XSD.gYear)).label == "2017"
    assert naming.term(Literal("plain")).tooltip is None
    assert naming.term(Literal("hi", lang="en")).lang == "en"
    assert naming.term(Literal("3", datatype=XSD.integer)).tooltip == "xsd:integer"


def test_best_label_precedence() -> None:
    pairs = [
        (RDFS.label, Literal("rdfs en", lang="en")),
        (SKOS.prefLabel, Literal("pref zh", lang="zh")),
        (SKOS.prefLabel, Literal("pref untagged")),
    ]
    assert str(best_label(pairs)) == "rdfs en"  # the reader's language first (English by default)
    assert (
        str(best_label(pairs + [(SKOS.prefLabel, Literal("pref en", lang="en-GB"))])) == "pref en"
    )  # then rank
    assert str(best_label(pairs, chain_of(["zh-CN"]))) == "pref zh"  # zh-CN falls back to zh
    assert (
        str(best_label(pairs[2:] + [(RDFS.label, Literal("de", lang="de"))])) == "pref untagged"
    )  # untagged next
    assert best_label([(SDO.description, Literal("not a label"))]) is None
    assert fallback_label("http://schema.org/Person") == "schema:Person"
    assert fallback_label("https://elsewhere.example/thing/forty-two") == "forty-two"
    assert (
        fallback_label("https://creativecommons.org/licenses/by/4.0/")
        == "creativecommons.org/licenses/by/4.0/"
    )
