"""The query sandbox's pool: real child processes over a real build of the mini fixture, no mocks.

A worker keeps up to ``query_processes`` killable children: queries in one worker run side by side, a
runaway holds one child until its time limit and no more, and the number of children never exceeds the
setting, however many threads ask at once.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from rdflib import Literal

from publisher.errors import QueryRefused, QueryTimeout
from publisher.pipeline.publish import build
from publisher.settings import Settings
from publisher.sparql_text import has_dataset_clause, query_form
from publisher.store import UserQuery
from publisher.store.embedded import EmbeddedStore
from publisher.store.policy import check_user_query
from tests.test_store import ACCEPTED, REFUSED

FIXTURES = Path(__file__).resolve().parent / "fixtures"
JSON = "application/sparql-results+json"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n1 ?o . ?p ?q ?r }"
COUNT = UserQuery("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", JSON)


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("sandbox")
    shutil.copytree(FIXTURES / "mini", root / "project")
    built = Settings(project_dir=root / "project", build_dir=root / "build", query_timeout_s=3.0)
    build(built)
    return built


@pytest.fixture
def pooled(settings: Settings) -> Iterator[EmbeddedStore]:
    store = EmbeddedStore(settings.with_(query_processes=2))
    yield store
    store.close()


def count(store: EmbeddedStore) -> int:
    answer = store.run_user_query(COUNT)
    return int(json.loads(answer.body)["results"]["bindings"][0]["n"]["value"])


def query_children() -> set[int]:
    """This process's live query processes: the children of its fork server (a child of ours whose command
    line runs ``multiprocessing.forkserver``).

    A child on its way out reads an empty command line once its memory is released, before it is a zombie
    (and before its pipe closes): it still counts, so a test waiting for a child to end waits for its end."""
    servers = {pid for pid, cmdline in live_children(os.getpid()) if b"multiprocessing.forkserver" in cmdline}
    return {pid for server in servers for pid, _ in live_children(server)}


def live_children(parent: int) -> list[tuple[int, bytes]]:
    """The children of ``parent`` that are not zombies, with their command lines."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            state, ppid = (entry / "stat").read_text().rsplit(")", 1)[1].split()[:2]
            if int(ppid) == parent and state not in "ZX":
                found.append((int(entry.name), (entry / "cmdline").read_bytes()))
        except (OSError, ValueError):
            continue
    return found


def test_two_queries_are_answered_side_by_side_while_a_runaway_is_stopped(pooled: EmbeddedStore) -> None:
    expected = pooled.manifest.triples
    assert count(pooled) == expected  # one child started: time only the queries below
    with ThreadPoolExecutor(max_workers=3) as threads:
        started = time.monotonic()
        runaway = threads.submit(pooled.run_user_query, UserQuery(RUNAWAY, JSON))
        taken = time.monotonic() + 10
        while pooled._sandbox._idle and time.monotonic() < taken:  # the runaway takes the idle child
            time.sleep(0.01)
        assert not pooled._sandbox._idle, "the runaway never took the idle child"
        quick = [threads.submit(count, pooled) for _ in range(2)]
        assert [f.result(timeout=10) for f in quick] == [expected, expected]
        answered = time.monotonic() - started
        assert not runaway.done(), "the quick queries did not have to wait for the runaway"
        with pytest.raises(QueryTimeout, match="ran longer than 3 s"):
            runaway.result(timeout=10)
        stopped = time.monotonic() - started
    assert answered < 2.0  # well inside the runaway's 3 s
    assert 3.0 <= stopped < 4.5
    assert count(pooled) == expected  # the stopped child is replaced
    assert len(pooled._sandbox.pids) <= 2


def test_a_fixed_query_whose_cost_a_request_chooses_is_stopped_at_the_limit(pooled: EmbeddedStore) -> None:
    """``select_bounded`` (a search): its values are bound, and it is stopped like a user query."""
    (row,) = pooled.select_bounded(
        "SELECT ?q WHERE { }", {"q": Literal('a "quoted" } value', lang="en")}
    ).rows
    assert row == {"q": Literal('a "quoted" } value', lang="en")}
    started = time.monotonic()
    with pytest.raises(QueryTimeout, match="ran longer than 3 s"):
        pooled.select_bounded(RUNAWAY)
    assert 3.0 <= time.monotonic() - started < 4.5


def test_the_pool_never_exceeds_its_size(pooled: EmbeddedStore) -> None:
    """Four runaways at once against two children: two run, two wait for a slot within their own limit;
    all four are stopped, and no more than two query processes exist at any moment."""
    seen: set[int] = set()
    most = 0
    done = threading.Event()
    others = query_children()  # other tests' stores (apps in fixtures) keep their idle children

    def watch() -> None:
        nonlocal most
        while not done.is_set():
            alive = query_children() - others
            seen.update(alive)
            most = max(most, len(alive))
            time.sleep(0.02)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        with ThreadPoolExecutor(max_workers=4) as threads:
            started = time.monotonic()
            runs = [threads.submit(pooled.run_user_query, UserQuery(RUNAWAY, JSON)) for _ in range(4)]
            outcomes = []
            for run in runs:
                with pytest.raises(QueryTimeout) as caught:
                    run.result(timeout=20)
                outcomes.append(caught.value.status)
            elapsed = time.monotonic() - started
    finally:
        done.set()
        watcher.join()
    assert outcomes == [503] * 4
    assert elapsed < 2 * 3.0 - 0.5, (
        elapsed
    )  # the waiting two timed out on their own deadline, not a round later
    assert (most, len(seen) >= 2) == (2, True), (most, seen)
    assert count(pooled) == pooled.manifest.triples  # and the pool serves again


def test_a_busy_worker_reuses_its_children(pooled: EmbeddedStore) -> None:
    """Children are started once and kept: many concurrent queries, never more than two processes."""
    expected = pooled.manifest.triples
    with ThreadPoolExecutor(max_workers=6) as threads:
        assert list(threads.map(lambda _: count(pooled), range(60))) == [expected] * 60
    first = pooled._sandbox.pids
    with ThreadPoolExecutor(max_workers=6) as threads:
        assert list(threads.map(lambda _: count(pooled), range(60))) == [expected] * 60
    assert 1 <= len(first) <= 2 and pooled._sandbox.pids == first


def test_a_closed_store_stops_every_child(settings: Settings) -> None:
    store = EmbeddedStore(settings.with_(query_processes=3))
    with ThreadPoolExecutor(max_workers=3) as threads:
        list(threads.map(lambda _: count(store), range(30)))
    pids = store._sandbox.pids
    assert pids
    store.close()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and set(pids) & query_children():
        time.sleep(0.05)
    assert not set(pids) & query_children()


def test_query_processes_must_be_positive(settings: Settings) -> None:
    with pytest.raises(ValueError):
        EmbeddedStore(settings.with_(query_processes=0))


@pytest.mark.parametrize("text", ACCEPTED + ["SELECT * FROM <http://e/g> { ?s ?p ?o }", "ASK {}", "nonsense"])
def test_one_policy_pass_agrees_with_the_separate_checks(text: str) -> None:
    """The store lexes a query once (``check_user_query``) and hands its findings to the sandbox: they
    must be exactly what ``query_form`` and ``has_dataset_clause`` find on their own."""
    facts = check_user_query(text, Settings())
    assert (facts.form, facts.has_dataset_clause) == (query_form(text), has_dataset_clause(text))


@pytest.mark.parametrize("text", REFUSED)
def test_refused_queries_never_reach_a_child(pooled: EmbeddedStore, text: str) -> None:
    with pytest.raises(QueryRefused):
        pooled.run_user_query(UserQuery(text, JSON))
    assert pooled._sandbox.pids == []


# --- the row cap, counted on pyoxigraph's own TSV stream -------------------------------------------------

MANY = (
    "SELECT ?i ?label WHERE { VALUES ?i { "
    + " ".join(str(i) for i in range(3000))
    + ' } BIND(CONCAT("row\\n", STR(?i)) AS ?label) }'
)
FORMATS = [
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
]


def rows_of(body: bytes, media_type: str) -> list[tuple[str, ...]]:
    import pyoxigraph as ox

    if media_type == "text/csv":  # lossy, not readable by pyoxigraph: the row count is all we compare
        return [("csv",)] * (body.count(b"\r\n") - 1)
    fmt = ox.QueryResultsFormat.from_media_type(media_type)
    parsed = ox.parse_query_results(body, format=fmt)
    return [tuple(str(term) for term in row) for row in parsed]  # type: ignore[union-attr]


@pytest.mark.parametrize("media_type", FORMATS)
@pytest.mark.parametrize(
    "cap,expected,truncated",
    [(2500, 2500, True), (2999, 2999, True), (3000, 3000, False), (5000, 3000, False)],
)
def test_the_cap_is_exact_across_the_serializers_chunks(
    settings: Settings, media_type: str, cap: int, expected: int, truncated: bool
) -> None:
    """3000 rows (literals with line breaks, about 40 KiB of TSV: several of pyoxigraph's write chunks):
    cut exactly at the cap whatever chunk it falls in, flagged only when rows were dropped."""
    store = EmbeddedStore(settings.with_(max_result_rows=cap))
    try:
        answer = store.run_user_query(UserQuery(MANY, media_type))
    finally:
        store.close()
    rows = rows_of(answer.body, media_type)
    assert (len(rows), answer.truncated, answer.media_type) == (expected, truncated, media_type)
    if media_type != "text/csv":
        assert rows[0] == ('"0"^^<http://www.w3.org/2001/XMLSchema#integer>', '"row\\n0"')
        assert rows[-1][0] == f'"{expected - 1}"^^<http://www.w3.org/2001/XMLSchema#integer>'


@pytest.mark.parametrize("media_type", FORMATS)
def test_empty_and_variable_free_answers(pooled: EmbeddedStore, media_type: str) -> None:
    nothing = pooled.run_user_query(UserQuery("SELECT ?x WHERE { FILTER(false) }", media_type))
    one_empty = pooled.run_user_query(UserQuery("SELECT * WHERE {}", media_type))
    assert (rows_of(nothing.body, media_type), nothing.truncated) == ([], False)
    assert len(rows_of(one_empty.body, media_type)) == 1 and not one_empty.truncated


def test_a_triple_term_in_a_select_answer(pooled: EmbeddedStore) -> None:
    """RDF 1.2 triple terms are written by pyoxigraph itself (re-reading N-Triples strings could not)."""
    text = 'SELECT ?t WHERE { BIND(TRIPLE(<http://e/s>, <http://e/p>, "x\\ny") AS ?t) }'
    answer = json.loads(pooled.run_user_query(UserQuery(text, JSON)).body)
    term = answer["results"]["bindings"][0]["t"]
    assert term["type"] == "triple" and term["value"]["object"]["value"] == "x\ny"


def test_a_child_ends_on_sigterm_whatever_its_parent_handles(settings: Settings) -> None:
    """gunicorn's workers catch SIGTERM in Python; a forked child that kept that handler would ignore the
    SIGTERM multiprocessing sends its daemonic children at exit, and hold the worker's shutdown until
    gunicorn's graceful timeout. The child restores the default action."""
    import signal

    previous = signal.signal(signal.SIGTERM, lambda *_: None)  # what a gunicorn worker has
    store = EmbeddedStore(settings)
    try:
        count(store)
        (child,) = store._sandbox._children
        os.kill(child.process.pid, signal.SIGTERM)
        child.process.join(timeout=60)  # returns as soon as it ends; a loaded machine may take a while
        assert child.process.exitcode == -signal.SIGTERM  # ended by that signal, not left running
        assert count(store) == store.manifest.triples  # a fresh child takes its place
    finally:
        store.close()
        signal.signal(signal.SIGTERM, previous)


def test_a_child_holds_no_socket_of_its_worker_but_its_pipe(settings: Settings) -> None:
    """A child forked while the worker holds client connections keeps none of them: otherwise a keep-alive
    connection the worker closes stays open in the child, and the client's next request hangs (issue 11)."""
    import socket

    listener = socket.create_server(("127.0.0.1", 0))
    client = socket.create_connection(listener.getsockname())
    accepted, _ = listener.accept()
    store = EmbeddedStore(settings)
    try:
        count(store)  # forks the child while the three sockets above are open
        (child,) = store._sandbox._children
        sockets = [
            fd
            for fd in Path(f"/proc/{child.process.pid}/fd").iterdir()
            if os.readlink(fd).startswith("socket:")
        ]
        assert len(sockets) == 1, [os.readlink(fd) for fd in sockets]  # its end of the pipe, nothing else
        accepted.close()  # the worker closes the connection: the client sees the close at once
        client.settimeout(5)
        assert client.recv(1) == b""
    finally:
        store.close()
        for sock in (client, accepted, listener):
            sock.close()
