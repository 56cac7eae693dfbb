"""The store layer over a real build of the mini fixture: bindings, policy, sandbox, formats, no network.

A canary HTTP server on 127.0.0.1 records every request, so "the engine fetched nothing" is observed,
not assumed.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef

from publisher.errors import (
    BuildMissing,
    PublisherError,
    QueryRefused,
    QuerySyntaxError,
    QueryTimeout,
    QueryTooExpensive,
    QueryTooLarge,
)
from publisher.pipeline.publish import build
from publisher.settings import Settings
from publisher.sparql_text import query_form
from publisher.store import UserQuery, memory
from publisher.store.embedded import EmbeddedStore
from publisher.store.policy import check_user_query
from publisher.store.remote import RemoteStore
from publisher.store.sandbox import UnacceptableFormat
from publisher.store.terms import InvalidTerm, to_oxigraph, to_rdflib
from tests.conftest import Canary, free_port, oxigraph_binary, wait_until_responds

FIXTURES = Path(__file__).resolve().parent / "fixtures"
NS = "https://kgpub.example.org/"
SCHEMA = "http://schema.org/"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n1 ?o . ?p ?q ?r }"
JSON = "application/sparql-results+json"


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("store")
    shutil.copytree(FIXTURES / "mini", root / "project")
    built = Settings(
        project_dir=root / "project", build_dir=root / "build", query_timeout_s=2.0, max_result_rows=1000
    )
    build(built)
    return built


@pytest.fixture(scope="module")
def store(settings: Settings) -> Iterator[EmbeddedStore]:
    opened = EmbeddedStore(settings)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def remote(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RemoteStore]:
    """``oxigraph serve-read-only`` over the same release: the same fixed queries must answer the same."""
    binary = oxigraph_binary()
    port = free_port()
    store_dir = settings.current_build.resolve() / "store"
    server = subprocess.Popen(
        [
            binary,
            "serve-read-only",
            "--location",
            str(store_dir),
            "--bind",
            f"127.0.0.1:{port}",
            "--union-default-graph",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/query"
    try:
        # fails here, saying why, if the server exits (its port taken) or is not up in time
        wait_until_responds(f"{url}?query=ASK%7B%7D", server)
        yield RemoteStore(settings.with_(store_url=url))
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(params=["embedded", "remote"])
def any_store(request: pytest.FixtureRequest) -> EmbeddedStore | RemoteStore:
    return request.getfixturevalue("store" if request.param == "embedded" else "remote")


# --- fixed queries and bindings ----------------------------------------------------------------------


def test_select_binds_terms_and_returns_rdflib_terms(any_store: EmbeddedStore) -> None:
    result = any_store.select(
        "SELECT ?s ?name WHERE { ?s <http://schema.org/name> ?name }", {"s": URIRef(f"{NS}id/org/tju")}
    )
    assert result.variables == ("s", "name")
    assert {row["name"] for row in result.rows} == {
        Literal("Tianjin University", lang="en"),
        Literal("天津大学", lang="zh-hans"),
    }
    assert all(isinstance(row["s"], URIRef) for row in result.rows)


def test_literal_with_quotes_is_a_value_not_query_text(any_store: EmbeddedStore) -> None:
    quoted = Literal('Alpha "Quoted" University', lang="en")
    result = any_store.select("SELECT ?s ?name WHERE { ?s <http://schema.org/name> ?name }", {"name": quoted})
    assert [row["s"] for row in result.rows] == [URIRef(f"{NS}id/org/alpha")]
    injection = Literal('x"@en } UNION { ?s ?p ?name } #')
    assert (
        any_store.select(
            "SELECT ?s ?name WHERE { ?s <http://schema.org/name> ?name }", {"name": injection}
        ).rows
        == ()
    )


def test_iri_with_angle_bracket_cannot_change_the_query(any_store: EmbeddedStore) -> None:
    with pytest.raises(InvalidTerm) as caught:
        any_store.ask("ASK { ?s ?p ?o }", {"s": URIRef(NS + "id/x> ?p ?o } UNION { ?s")})
    assert caught.value.status == 400


def test_ask_construct_and_relative_iris(any_store: EmbeddedStore) -> None:
    assert any_store.ask("ASK { <id/org/tju> ?p ?o }")  # resolved against the namespace
    triples = any_store.construct("CONSTRUCT WHERE { ?s ?p ?o }", {"s": URIRef(f"{NS}id/person/li")})
    assert (URIRef(f"{NS}id/person/li"), URIRef(f"{SCHEMA}name"), Literal("Li Ming", lang="en")) in triples


def test_unprojected_binding_explains_the_rule(store: EmbeddedStore) -> None:
    with pytest.raises(PublisherError, match="must be projected"):
        store.select("SELECT ?p WHERE { ?s ?p ?o }", {"s": URIRef(f"{NS}id/org/tju")})


def test_missing_build(tmp_path: Path) -> None:
    with pytest.raises(BuildMissing) as caught:
        EmbeddedStore(Settings(project_dir=tmp_path, build_dir=tmp_path / "build"))
    assert (caught.value.status, caught.value.exit_code) == (503, 4)


@pytest.mark.parametrize(
    "term",
    [
        URIRef("http://e/a"),
        Literal("x"),
        Literal("x", lang="en"),
        Literal("1", datatype=URIRef("http://www.w3.org/2001/XMLSchema#integer")),
    ],
)
def test_terms_round_trip(term: URIRef | Literal) -> None:
    assert to_rdflib(to_oxigraph(term)) == term


# --- policy ------------------------------------------------------------------------------------------

REFUSED = [
    "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    "select * where { service silent <http://example.org/sparql> { ?s ?p ?o } }",
    "PREFIX : <http://example.org/> SELECT * WHERE { SERVICE: {} }",
    "PREFIX x: <http://example.org/> SELECT * WHERE { SERVICEx: {} }",
    "SELECT * WHERE { ?s ?p trueSERVICE<http://example.org/>{} }",
    "SELECT * WHERE { ?s ?p 1e0SERVICE<http://example.org/>{} }",
    "SELECT * WHERE { ?s ?p ?o # comment\rSERVICE <http://example.org/> {} }",
    "INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }",
    "DELETE WHERE { ?s ?p ?o }",
    "LOAD <http://example.org/data.ttl>",
    "CLEAR ALL",
    "DROP GRAPH <http://e/g>",
    "CREATE GRAPH <http://e/g>",
    "COPY <http://e/a> TO <http://e/b>",
    "MOVE DEFAULT TO <http://e/b>",
    "ADD <http://e/a> TO <http://e/b>",
    "PREFIX e: <http://e/> WITH e:g DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    'SELECT (bif:http_get("http://127.0.0.1:9/") AS ?x) WHERE {}',  # Virtuoso's SQL built-ins
    'SELECT (BIF:file_to_string("/etc/passwd") AS ?x) WHERE {}',
    "SELECT (<bif:http_get>('http://127.0.0.1:9/') AS ?x) WHERE {}",
    "SELECT * WHERE { ?s ?p ?o FILTER(sql:anything(?o)) }",
    'PREFIX b: <http://www.openlinksw.com/schemas/bif#> SELECT (b:http_get("http://x") AS ?x) {}',  # its namespace
    'SELECT (<\\u0062if:http_get>("http://x") AS ?x) {}',  # codepoint escapes spell anything outside strings
    'SELECT (\\u0062if:http_get("http://x") AS ?x) {}',
]
ACCEPTED = [
    'SELECT * WHERE { ?s ?p "bif:http_get" }',
    'SELECT * WHERE { ?s ?p "an escape \\u0062 in a string" }',
    "SELECT * WHERE { ?s <http://example.org/bif:http_get> ?o }",
    "PREFIX e: <http://e/> SELECT * WHERE { ?s e:bif ?o . ?o e:sql ?x }",
    'SELECT * WHERE { ?s ?p "SERVICE <http://example.org/> {}" }',
    "SELECT * WHERE { ?s ?p '''multi\nline SERVICE ''string''' }",
    'SELECT * WHERE { ?s ?p """DELETE { } \\" SERVICE""" }',
    "SELECT * WHERE { ?s ?p 'it\\'s SERVICE' }",
    "SELECT * WHERE { ?s <http://example.org/SERVICE/INSERT> ?o }",
    "SELECT * WHERE { ?s ?p ?o } # SERVICE <http://example.org/> in a comment",
    "PREFIX schema: <http://schema.org/> SELECT ?x WHERE { ?x schema:serviceType ?t ; schema:Service ?y }",
    "SELECT ?service ?delete WHERE { ?service ?load ?delete }",
    "SELECT * WHERE { ?s ?p _:SERVICE }",
    "SELECT * FROM <http://example.org/g> FROM NAMED <http://example.org/h> WHERE { ?s ?p ?o }",
    "SELECT * WHERE { ?s ?p ?o FILTER(?o < 3 && ?o > 1) }",
    "ASK { ?s ?p 1.5e3 }",
]


@pytest.mark.parametrize("text", REFUSED)
def test_policy_refuses_updates_and_service(text: str) -> None:
    with pytest.raises(QueryRefused) as caught:
        check_user_query(text, Settings())
    assert caught.value.status == 403


@pytest.mark.parametrize("text", ACCEPTED)
def test_policy_accepts_keywords_inside_strings_iris_comments_names(text: str) -> None:
    check_user_query(text, Settings())


def test_policy_limits_query_size() -> None:
    with pytest.raises(QueryTooLarge) as caught:
        check_user_query("ASK {}" + " " * 100, Settings(max_query_chars=50))
    assert caught.value.status == 413


@pytest.mark.parametrize(
    "text,form",
    [
        ("PREFIX s: <http://select/> ASK {}", "ASK"),
        ("SELECT * { { SELECT ?s {} } }", "SELECT"),
        ("# SELECT\nCONSTRUCT WHERE {}", "CONSTRUCT"),
        ("BASE <http://x/> DESCRIBE <a>", "DESCRIBE"),
        ("nonsense", None),
    ],
)
def test_query_form(text: str, form: str | None) -> None:
    assert query_form(text) == form


# Bodies in which Oxigraph's tokenizer and a naive one could disagree; <U> is the canary.
ADVERSARIAL = [
    "SERVICE <U> {}",
    "SERVICE<U>{}",
    "?s ?p true.SERVICE<U>{}",
    "?s ?p trueSERVICE<U>{}",
    "?s ?p 1e0SERVICE<U>{}",
    "?s ?p 1.SERVICE<U>{}",
    "?s ?p 1SERVICE<U>{}",
    "?s ?p e:a.SERVICE<U>{}",
    "?s ?p e:a-SERVICE<U>{}",
    "?s ?p 'x'SERVICE<U>{}",
    "?s ?p 'x'@en-SERVICE<U>{}",
    "?s ?p ?oSERVICE<U>{}",
    "?s ?p _:b.SERVICE<U>{}",
    "?s ?p ?o # c\rSERVICE<U>{}",
    "?s ?p ?o FILTER(?o<2)SERVICE<U>{}",
    "?s ?p ?o FILTER(?o<?o)SERVICE<U>{}",
    '?s ?p """a"""SERVICE<U>{}',
    "?s ?p e:a;SERVICE<U>{}",
    "?s ?p e:a\\.SERVICE<U>{}",
    "?s ?p ?o.a:SERVICE<U>{}",
    "{SELECT * {?s ?p ?o}}SERVICE<U>{}",
    "?s ?p ?o MINUS{?s ?p 1}SERVICE<U>{}",
    "?s ?p ?o.\tSeRvIcE\t<U>{}",
]


@pytest.mark.parametrize("body", ADVERSARIAL)
def test_policy_has_no_false_negative_against_the_real_engine(body: str, canary: Canary) -> None:
    """Run each query on Oxigraph itself: whenever it contacts the canary, the policy must refuse it."""
    engine = ox.Store()
    e = ox.NamedNode("http://e/s")
    for value in (
        ox.Literal("x"),
        ox.Literal("1", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
    ):
        engine.add(ox.Quad(e, e, value, ox.NamedNode("http://e/g")))
    pattern = body.replace("<U>", f"<{canary.url}>")
    text = f"PREFIX e: <http://e/> PREFIX a: <{canary.url}> SELECT * WHERE {{ {pattern} }}"
    before = len(canary.requests)
    with contextlib.suppress(SyntaxError, OSError, RuntimeError):
        list(engine.query(text, use_default_graph_as_union=True))  # type: ignore[call-overload]
    contacted = len(canary.requests) > before
    if body == ADVERSARIAL[0]:
        assert contacted, (
            "plain SERVICE must reach the canary through the engine, or this test proves nothing"
        )
    try:
        check_user_query(text, Settings())
        refused = False
    except QueryRefused:
        refused = True
    assert refused or not contacted


def test_service_never_reaches_the_network(store: EmbeddedStore, canary: Canary) -> None:
    before = list(canary.requests)
    with pytest.raises(QueryRefused):
        store.run_user_query(UserQuery(f"SELECT * WHERE {{ SERVICE <{canary.url}> {{ ?s ?p ?o }} }}", JSON))
    assert canary.requests == before


def test_from_and_from_named_fetch_nothing(store: EmbeddedStore, canary: Canary) -> None:
    before = list(canary.requests)
    union = "{ ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } }"
    text = f"SELECT * FROM <{canary.url}> FROM NAMED <{canary.url}?g> WHERE {{ {union} }}"
    result = store.run_user_query(UserQuery(text, JSON))
    assert json.loads(result.body)["results"]["bindings"] == []  # graph names only: nothing loaded
    protocol = UserQuery(
        "ASK { ?s ?p ?o }", JSON, default_graph_uris=(canary.url,), named_graph_uris=(canary.url,)
    )
    assert json.loads(store.run_user_query(protocol).body)["boolean"] is False
    assert canary.requests == before


# --- sandbox: time limit, formats, caps --------------------------------------------------------------


def test_runaway_query_is_stopped_and_the_next_one_works(store: EmbeddedStore) -> None:
    store.run_user_query(UserQuery("ASK {}", JSON))  # start the child first: time only the query
    started = time.monotonic()
    with pytest.raises(QueryTimeout) as caught:
        store.run_user_query(UserQuery(RUNAWAY, JSON))
    elapsed = time.monotonic() - started
    assert caught.value.status == 503
    assert 2.0 <= elapsed < 3.0  # query_timeout_s=2 plus at most ~1 s
    answer = store.run_user_query(UserQuery("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", JSON))
    assert json.loads(answer.body)["results"]["bindings"][0]["n"]["value"] == str(store.manifest.triples)


def test_a_query_that_eats_memory_is_stopped_at_the_limit_and_the_next_one_works(settings: Settings) -> None:
    """Each CONCAT doubles a string: 40 of them would ask for terabytes. The query process's memory limit
    stops it long before the machine runs out (the time limit is set far away so it cannot be the cause),
    while ordinary queries run under the same limit before and after."""
    store = EmbeddedStore(settings.with_(query_memory_mb=768, query_timeout_s=60.0))
    count = UserQuery("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", JSON)
    doublings = " ".join(f"BIND(CONCAT(?v{i}, ?v{i}) AS ?v{i + 1})" for i in range(40))
    try:
        before = store.run_user_query(count).body
        with pytest.raises(QueryTooExpensive, match="memory limit of 768 MiB") as caught:
            store.run_user_query(
                UserQuery(f'SELECT ?v40 WHERE {{ BIND("0123456789abcdef" AS ?v0) {doublings} }}', JSON)
            )
        assert caught.value.status == 503
        assert store.run_user_query(count).body == before
    finally:
        store.close()


def test_syntax_error_names_line_and_column(store: EmbeddedStore) -> None:
    with pytest.raises(QuerySyntaxError, match=r"line 2, column \d+"):
        store.run_user_query(UserQuery("SELECT *\nWHERE { ?s ?p }", JSON))


@pytest.mark.parametrize(
    "media_type",
    [
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "text/csv",
        "text/tab-separated-values",
    ],
)
def test_select_serializes_in_every_results_format(store: EmbeddedStore, media_type: str) -> None:
    result = store.run_user_query(UserQuery(f"SELECT ?s WHERE {{ ?s a <{SCHEMA}NewsArticle> }}", media_type))
    assert result.media_type == media_type and not result.truncated
    assert f"{NS}id/article/first-news".encode() in result.body
    if media_type != "text/csv":  # CSV is lossy: pyoxigraph refuses to read it back
        parsed = ox.parse_query_results(result.body, format=ox.QueryResultsFormat.from_media_type(media_type))
        assert len(list(parsed)) == 2  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "media_type",
    [
        "text/turtle",
        "application/n-triples",
        "application/rdf+xml",
        "application/ld+json",
        "application/n-quads",
        "application/trig",
    ],
)
def test_construct_serializes_in_every_rdf_format(store: EmbeddedStore, media_type: str) -> None:
    result = store.run_user_query(UserQuery("DESCRIBE <id/org/tju>", media_type))
    fmt = ox.RdfFormat.from_media_type(media_type)
    triples = {(q.subject, q.predicate, q.object) for q in ox.parse(result.body, format=fmt)}
    assert (
        ox.NamedNode(f"{NS}id/org/tju"),
        ox.NamedNode(f"{SCHEMA}name"),
        ox.Literal("Tianjin University", language="en"),
    ) in triples


@pytest.mark.parametrize(
    "text,media_type",
    [("SELECT * {}", "text/turtle"), ("ASK {}", "application/ld+json"), ("CONSTRUCT WHERE {}", "text/csv")],
)
def test_unfit_media_type_is_406_with_alternatives(store: EmbeddedStore, text: str, media_type: str) -> None:
    with pytest.raises(UnacceptableFormat) as caught:
        store.run_user_query(UserQuery(text, media_type))
    assert caught.value.status == 406 and caught.value.offered


def test_results_are_capped_and_flagged(settings: Settings) -> None:
    capped = EmbeddedStore(settings.with_(max_result_rows=3))
    try:
        rows = capped.run_user_query(UserQuery("SELECT * { ?s ?p ?o }", JSON))
        assert rows.truncated and len(json.loads(rows.body)["results"]["bindings"]) == 3
        graph = capped.run_user_query(UserQuery("CONSTRUCT WHERE { ?s ?p ?o }", "application/n-triples"))
        assert graph.truncated and len(Graph().parse(data=graph.body, format="nt")) == 3
        assert capped.select("SELECT * { ?s ?p ?o }").truncated
    finally:
        capped.close()


def test_query_from_clause_is_honoured(store: EmbeddedStore) -> None:
    """pyoxigraph's union-default-graph flag would override FROM; the store must not pass it then."""
    text = f"SELECT (COUNT(*) AS ?n) FROM <{NS}graph/entities/orgs> WHERE {{ ?s ?p ?o }}"
    value = json.loads(store.run_user_query(UserQuery(text, JSON)).body)["results"]["bindings"][0]["n"][
        "value"
    ]
    assert int(value) == store.manifest.graphs[f"{NS}graph/entities/orgs"]


def test_protocol_dataset_restricts_the_default_graph(store: EmbeddedStore) -> None:
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    entities = UserQuery(count, JSON, default_graph_uris=(f"{NS}graph/entities/orgs",))
    value = json.loads(store.run_user_query(entities).body)["results"]["bindings"][0]["n"]["value"]
    assert int(value) == store.manifest.graphs[f"{NS}graph/entities/orgs"]
    named = UserQuery(
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
        JSON,
        named_graph_uris=(f"{NS}graph/entities/orgs",),
    )
    graphs = [b["g"]["value"] for b in json.loads(store.run_user_query(named).body)["results"]["bindings"]]
    assert graphs == [f"{NS}graph/entities/orgs"]


# --- remote store specifics --------------------------------------------------------------------------


def test_remote_user_query_passes_through(remote: RemoteStore, canary: Canary) -> None:
    answer = remote.run_user_query(UserQuery("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "text/csv"))
    assert answer.media_type == "text/csv" and answer.body.splitlines()[1] == b"31"
    with pytest.raises(QueryRefused):
        remote.run_user_query(UserQuery(f"SELECT * {{ SERVICE <{canary.url}> {{}} }}", JSON))
    with pytest.raises(QuerySyntaxError):
        remote.run_user_query(UserQuery("SELECT * WHERE {", JSON))


def test_remote_unreachable_is_502(settings: Settings) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))  # held, never listening: nothing else can take the port meanwhile
        port = sock.getsockname()[1]
        unreachable = RemoteStore(settings.with_(store_url=f"http://127.0.0.1:{port}/query"))
        with pytest.raises(PublisherError) as caught:
            unreachable.ask("ASK {}")
    assert caught.value.status == 502


class GatedDump:
    """Stands for ``gzip`` in ``store/memory.py``: the dump it opens has its second read held until the test
    opens the gate; counts reads, and says when the loader let go of it (the load ended, either way)."""

    def __init__(self) -> None:
        self.reads = 0
        self.waiting, self.gate, self.released = threading.Event(), threading.Event(), threading.Event()

    def open(self, path: Path, mode: str) -> GatedDump:
        self.file = gzip.open(path, mode)  # noqa: SIM115 (closed by __exit__, as the loader leaves it)
        return self

    def read(self, size: int = -1) -> bytes:
        self.reads += 1
        if self.reads == 2:
            self.waiting.set()
            self.gate.wait(30)
        return self.file.read(size)

    def __enter__(self) -> GatedDump:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.file.close()
        self.released.set()


def test_a_superseded_releases_memory_copy_stops_loading_and_is_dropped(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Several builds in a row must not leave several big loads running in each worker: closing a release's
    store (``Releases`` does when it is superseded) stops its copy's load at the next read of the dump, and
    nothing is kept."""
    dump = GatedDump()
    monkeypatch.setattr(memory, "gzip", dump)
    superseded = EmbeddedStore(settings)
    assert dump.waiting.wait(30)  # loading: one piece of the dump read, the next one held
    superseded.close()
    dump.gate.set()
    assert dump.released.wait(30)
    assert dump.reads == 2, "the load went on after its release was closed"
    assert superseded._memory.loaded() is None
