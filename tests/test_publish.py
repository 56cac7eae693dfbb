"""``kgpub publish --to``: a build goes into a real ``oxigraph serve`` over the Graph Store Protocol, graph by
graph, replacing what it replaces, skipping what is unchanged, deleting only stale graphs of the dataset,
and in an order that never leaves a graph missing (observed with a recording GSP server)."""

from __future__ import annotations

import http.server
import shutil
import subprocess
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from publisher.manifest import Manifest
from publisher.pipeline.deploy import Plan, publish_to
from publisher.pipeline.publish import build
from publisher.settings import ONTOLOGY_IRI, Settings
from publisher.store.gsp import GraphStore, GraphStoreRefused
from publisher.store.remote import RemoteStore
from tests.conftest import Virtuoso, free_port, oxigraph, publish_command

FIXTURES = Path(__file__).resolve().parent / "fixtures"
NS = "https://kgpub.example.org/"
FOREIGN = "http://other.example.org/graph"  # someone else's graph in the same store: never touched
STALE = f"{NS}graph/article/withdrawn"  # ours, but no longer in the build: deleted


@pytest.fixture
def project(tmp_path: Path) -> Settings:
    shutil.copytree(FIXTURES / "mini", tmp_path / "project")
    settings = Settings(project_dir=tmp_path / "project", build_dir=tmp_path / "build")
    build(settings)
    return settings


@pytest.fixture
def store_url(tmp_path: Path) -> Iterator[str]:
    """A fresh read-write ``oxigraph serve`` (in a temporary folder); yields its base URL."""
    port = free_port()
    with oxigraph("serve", tmp_path / "oxigraph", port, tmp_path / "oxigraph.log", "--union-default-graph"):
        yield f"http://127.0.0.1:{port}/"


def put(base: str, graph: str, ntriples: str) -> None:
    GraphStore(base + "store").put(graph, ntriples.encode())


def sizes(base: str, settings: Settings) -> dict[str, int]:
    return graph_sizes(base + "query", settings)


def graph_sizes(query_url: str, settings: Settings) -> dict[str, int]:
    rows = (
        RemoteStore(settings.with_(store_url=query_url))
        .select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        .rows
    )
    return {str(row["g"]): int(row["n"]) for row in rows}


def publish(settings: Settings, base: str, force: bool = False) -> Plan:
    remote = RemoteStore(settings.with_(store_url=base + "query"))
    return publish_to(settings, GraphStore(base + "store"), remote, force=force)


def rebuild(settings: Settings) -> Manifest:
    return build(settings).manifest


def test_publish_loads_every_graph_and_deletes_only_our_stale_ones(project: Settings, store_url: str) -> None:
    put(store_url, FOREIGN, "<http://a> <http://b> <http://c> .")
    put(store_url, STALE, f"<{NS}id/article/withdrawn> <http://b> <http://c> .")
    done = subprocess.run(
        publish_command(project, store_url + "store", store_url + "query"),
        capture_output=True,
        text=True,
        check=True,
    )
    manifest = Manifest.read(project.current_build)
    assert sizes(store_url, project) == {**manifest.graphs, FOREIGN: 1}
    assert f"{len(manifest.graphs)} graphs replaced, 0 unchanged, 1 deleted" in done.stdout


def test_a_second_publish_sends_nothing_and_a_change_sends_one_graph(
    project: Settings, store_url: str
) -> None:
    first = publish(project, store_url)
    assert publish(project, store_url) == Plan(put=(), unchanged=first.put, delete=())
    article = project.data_dir / "articles" / "second-news.ttl"
    article.write_text(article.read_text().replace("A SERVICE-minded university", "A new headline"))
    manifest = rebuild(project)
    changed = publish(project, store_url)
    assert changed.put == (f"{NS}graph/article/second-news",)
    assert sizes(store_url, project) == dict(manifest.graphs)
    headline = RemoteStore(project.with_(store_url=store_url + "query")).ask(
        'ASK { GRAPH <graph/article/second-news> { ?a <http://schema.org/headline> "A new headline"@en } }'
    )
    assert headline


def test_a_removed_article_is_deleted_and_an_added_one_loaded(project: Settings, store_url: str) -> None:
    publish(project, store_url)
    (project.data_dir / "articles" / "first-news.ttl").rename(
        project.data_dir / "articles" / "third-news.ttl"
    )
    third = project.data_dir / "articles" / "third-news.ttl"
    third.write_text(third.read_text().replace("article:first-news", "article:third-news"))
    manifest = rebuild(project)
    done = publish(project, store_url)
    assert done.put == (f"{NS}graph/article/third-news",)
    assert done.delete == (f"{NS}graph/article/first-news",)
    assert sizes(store_url, project) == dict(manifest.graphs)


def test_a_graph_changed_behind_our_back_is_sent_again(project: Settings, store_url: str) -> None:
    publish(project, store_url)
    put(store_url, f"{NS}graph/entities/orgs", "<http://a> <http://b> <http://c> .")
    assert publish(project, store_url).put == (f"{NS}graph/entities/orgs",)
    assert len(publish(project, store_url, force=True).put) == len(
        Manifest.read(project.current_build).graphs
    )


# ---------------------------------------------------------------- the order readers see


class RecordingGSP(http.server.BaseHTTPRequestHandler):
    """A Graph Store that records ``METHOD graph`` in arrival order and answers like Oxigraph."""

    log: list[str] = []
    authorizations: set[str | None] = set()

    def do_PUT(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self._record(201)

    def do_DELETE(self) -> None:
        self._record(204)

    def _record(self, status: int) -> None:
        graph = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)["graph"][0]
        RecordingGSP.log.append(f"{self.command} {graph}")
        RecordingGSP.authorizations.add(self.headers.get("Authorization"))
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def recording() -> Iterator[str]:
    RecordingGSP.log, RecordingGSP.authorizations = [], set()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), RecordingGSP)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://user:secret@127.0.0.1:{server.server_port}/store"
    server.shutdown()


def test_graphs_are_replaced_before_stale_ones_are_deleted(
    project: Settings, store_url: str, recording: str
) -> None:
    put(store_url, STALE, "<http://a> <http://b> <http://c> .")
    query = RemoteStore(project.with_(store_url=store_url + "query"))  # lists the stale graph
    publish_to(project, GraphStore(recording), query)
    articles = [f"PUT {NS}graph/article/first-news", f"PUT {NS}graph/article/second-news"]
    assert RecordingGSP.log == [
        f"PUT {ONTOLOGY_IRI}",
        f"PUT {NS}graph/entities/orgs",
        *articles,
        f"DELETE {STALE}",
    ]


def test_credentials_travel_as_basic_auth_never_in_messages(recording: str) -> None:
    store = GraphStore(recording)
    store.delete(STALE)
    assert RecordingGSP.authorizations == {"Basic dXNlcjpzZWNyZXQ="}  # user:secret
    assert "secret" not in store.public_url


def test_virtuoso_takes_the_build_by_digest_auth_and_a_second_publish_skips_it(
    built_settings: Settings, virtuoso: Virtuoso
) -> None:
    """The session's Virtuoso was loaded by ``kgpub publish`` (Basic refused, Digest answered); publishing
    the same build again finds every graph there, counted right, and sends nothing."""
    remote = RemoteStore(built_settings.with_(store_url=virtuoso.sparql))
    manifest = Manifest.read(built_settings.current_build)
    assert {
        g: n for g, n in graph_sizes(virtuoso.sparql, built_settings).items() if g in manifest.graphs
    } == manifest.graphs
    done = publish_to(built_settings, GraphStore(virtuoso.gsp()), remote)
    assert (done.put, done.delete, len(done.unchanged)) == ((), (), len(manifest.graphs))


def test_a_wrong_password_is_refused_and_never_shown(virtuoso: Virtuoso) -> None:
    store = GraphStore(virtuoso.gsp(password="not-the-password"))
    with pytest.raises(GraphStoreRefused, match="401") as raised:
        store.put(FOREIGN, b"<http://a> <http://b> <http://c> .\n")
    assert "not-the-password" not in str(raised.value) and "dba" not in str(raised.value)


def test_digest_auth_holds_across_puts_and_deletes(virtuoso: Virtuoso, built_settings: Settings) -> None:
    store = GraphStore(virtuoso.gsp())
    graphs = [f"{FOREIGN}/{i}" for i in range(3)]
    for number, graph in enumerate(graphs):
        store.put(graph, f'<http://a> <http://b> "{number}" .\n'.encode())
    counted = graph_sizes(virtuoso.sparql, built_settings)
    for graph in graphs:
        store.delete(graph)
    assert [counted.get(graph) for graph in graphs] == [1, 1, 1]
    assert not set(graphs) & set(graph_sizes(virtuoso.sparql, built_settings))


def test_publish_without_a_build_is_exit_4(tmp_path: Path) -> None:
    command = publish_command(
        Settings(project_dir=tmp_path, build_dir=tmp_path / "none"),
        "http://127.0.0.1:9/store",
        "http://127.0.0.1:9/query",
    )
    assert subprocess.run(command, capture_output=True).returncode == 4


def test_refused_put_names_the_graph(project: Settings, store_url: str) -> None:
    with pytest.raises(GraphStoreRefused, match="graph/entities/orgs"):
        GraphStore(store_url + "store").put(f"{NS}graph/entities/orgs", b"this is not N-Triples")
    assert urllib.request.urlopen(store_url + "query?query=ASK%7B%7D").status == 200
