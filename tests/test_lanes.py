"""The two lanes of a user query (``store/embedded.py``): streaming queries on the web worker's own thread
under the watchdog, the rest in query processes. A real ``kgpub serve`` of its own (a runaway on a request
thread replaces its worker, which a shared server's other tests should not see), and the watchdog alone.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from publisher.errors import PublisherError, QueryTimeout, ServerStopping
from publisher.settings import Settings
from publisher.store import watchdog as watchdogs
from tests.conftest import free_port, running, serve_command
from tests.test_sandbox import live_children

TIMEOUT_S = 3.0
JSON = {"Accept": "application/sparql-results+json"}
# Streams (connected patterns, a whitelisted FILTER) but never ends: five patterns on one subject.
STREAMING_RUNAWAY = (
    "SELECT ?a WHERE { ?a ?b ?c . ?a ?d ?e . ?a ?f ?g . ?a ?h ?i . ?a ?j ?k FILTER(STRLEN(STR(?k)) < 0) }"
)
SMALL = "SELECT ?s ?n WHERE { ?s <http://schema.org/name> ?n } LIMIT 3"
# Not streaming (BIND): each CONCAT doubles a string, so it asks for terabytes within a second, well before
# the time limit even on a loaded machine (a sorted five-way join also gets there, 1.6 GiB in 4 s, but not
# always within 3 s when the suite shares the cores).
DOUBLINGS = " ".join(f"BIND(CONCAT(?v{i}, ?v{i}) AS ?v{i + 1})" for i in range(40))
MATERIALIZING = f'SELECT ?v40 WHERE {{ BIND("0123456789abcdef" AS ?v0) {DOUBLINGS} }}'
MEMORY_MB = 256


@pytest.fixture
def server(built_settings: Settings, tmp_path: Path) -> Iterator[tuple[str, int]]:
    """A server of its own (2 workers, a 3 s limit): its URL and its arbiter's process id."""
    port = free_port()
    command = serve_command(built_settings.builds_root, port)
    env = {**os.environ, "KGPUB_QUERY_TIMEOUT_S": str(TIMEOUT_S), "KGPUB_QUERY_MEMORY_MB": str(MEMORY_MB)}
    with running(command, f"http://127.0.0.1:{port}/", tmp_path / "serve.log", env) as process:
        yield f"http://127.0.0.1:{port}/", process.pid


def workers(arbiter: int) -> set[int]:
    return {pid for pid, _ in live_children(arbiter) if pid}


def rss_mib(pid: int) -> float:
    """A process's resident memory (0 once it is gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    return next(
        (int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("VmRSS:")), 0.0
    )


def test_a_streaming_runaway_gets_its_503_at_the_deadline_while_others_are_answered(
    server: tuple[str, int],
) -> None:
    url, arbiter = server
    before = workers(arbiter)
    with ThreadPoolExecutor(max_workers=2) as pool:
        started = time.monotonic()
        runaway = pool.submit(requests.get, url + "sparql", params={"query": STREAMING_RUNAWAY}, headers=JSON)
        time.sleep(0.5)
        others = [
            requests.get(url + "sparql", params={"query": SMALL}, headers=JSON, timeout=10) for _ in range(5)
        ]
        answer = runaway.result(timeout=TIMEOUT_S + 10)
        answered_in = time.monotonic() - started
    assert [r.status_code for r in others] == [200] * 5
    assert answer.status_code == 503 and "time limit" in answer.text
    assert TIMEOUT_S <= answered_in < TIMEOUT_S + 2
    after = replaced(arbiter, before)
    assert len(after) == 2 and len(after - before) == 1, (before, after)
    assert requests.get(url + "sparql", params={"query": SMALL}, headers=JSON, timeout=10).status_code == 200


def replaced(arbiter: int, before: set[int], within_s: float = 15) -> set[int]:
    """The workers once one of ``before`` was replaced (its worker stops, gunicorn starts another), or
    whatever serves after ``within_s``."""
    deadline = time.monotonic() + within_s
    while True:
        now = workers(arbiter)  # read once: a worker may leave between two readings
        if (len(now) == len(before) and now != before) or time.monotonic() > deadline:
            return now
        time.sleep(0.2)


def runaway(url: str) -> requests.Response:
    return requests.get(
        url + "sparql", params={"query": STREAMING_RUNAWAY}, headers=JSON, timeout=TIMEOUT_S + 10
    )


def test_after_a_runaway_the_same_runaway_again_costs_a_query_process_not_a_worker(
    server: tuple[str, int],
) -> None:
    """One anonymous runaway sent once per time limit kept the workers restarting (in-flight requests cut,
    in-memory copies reloaded): once a runaway retired a worker, the server remembers it (its runtime
    directory, seen by the fresh worker and the other one) and streaming queries go to the query processes,
    where the next runaway is killed at its deadline and every worker stays."""
    url, arbiter = server
    before = workers(arbiter)
    assert runaway(url).status_code == 503
    serving = replaced(arbiter, before)
    assert len(serving) == 2 and serving != before, (before, serving)
    for _ in range(2):  # whichever worker takes it
        again = runaway(url)
        assert again.status_code == 503 and "time limit" in again.text, again.text
    assert replaced(arbiter, serving, within_s=6) == serving  # a retired worker is gone within ~3 s
    assert requests.get(url + "sparql", params={"query": SMALL}, headers=JSON, timeout=10).status_code == 200


DUMP = "dumps/kgpub.nt.gz"
DUMP_BYTES = 40 * 2**20  # far more than the kernel buffers on both ends (a few MiB): the send is in flight


@pytest.fixture
def big_dump_server(built_settings: Settings, tmp_path: Path) -> Iterator[tuple[str, int, bytes]]:
    """A server of its own with one worker (so the runaway and the download share it) over a copy of the
    release whose N-Triples dump is 40 MiB (a dump at millions of triples, as ``send_file`` serves it): its
    URL, its arbiter's process id and the dump's bytes."""
    release = built_settings.current_build.resolve()
    builds = tmp_path / "build"
    copy = builds / "releases" / release.name
    shutil.copytree(release, copy, symlinks=True)
    (builds / "current").symlink_to(copy)
    content = os.urandom(DUMP_BYTES)
    (copy / DUMP).write_bytes(content)
    port = free_port()
    command = serve_command(builds, port, workers=1)
    env = {**os.environ, "KGPUB_QUERY_TIMEOUT_S": str(TIMEOUT_S)}
    with running(command, f"http://127.0.0.1:{port}/", tmp_path / "serve.log", env) as process:
        yield f"http://127.0.0.1:{port}/", process.pid, content


def test_a_dump_download_in_flight_when_its_worker_retires_completes_intact(
    big_dump_server: tuple[str, int, bytes],
) -> None:
    """A worker retired by a runaway lets the dump download it is sending finish (it used to exit 3 s after
    the runaway's 503, cutting it), then leaves."""
    url, arbiter, content = big_dump_server
    host, port = url.split("//")[1].rstrip("/").split(":")
    before = workers(arbiter)
    download = http.client.HTTPConnection(host, int(port), timeout=60)
    download.connect()
    assert download.sock is not None
    download.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2**16)  # no autotuning: it reads slowly
    download.request("GET", "/" + DUMP)
    response = download.getresponse()
    body = response.read(2**16)  # the send is under way
    assert runaway(url).status_code == 503
    time.sleep(5)  # the old retirement cut everything in flight 3-4 s after the 503
    assert workers(arbiter) == before, "the worker left while it was sending the dump"
    body += response.read()
    download.close()
    assert len(body) == len(content) and body == content
    after = replaced(arbiter, before)  # the download done, the retiring worker left
    assert len(after) == 1 and after != before, (before, after)


def settled_memory(pids: set[int]) -> dict[int, float]:
    """The processes' resident memory once it stopped moving (two readings 0.5 s apart within 4 MiB)."""
    now = {pid: rss_mib(pid) for pid in pids}
    for _ in range(40):
        time.sleep(0.5)
        previous, now = now, {pid: rss_mib(pid) for pid in pids}
        if all(abs(now[pid] - previous[pid]) < 4 for pid in pids):
            break
    return now


def test_memory_is_bounded_in_both_lanes(server: tuple[str, int]) -> None:
    """The memory limit (issue 11): a runaway on a worker's thread streams, so the worker's memory stays
    flat while it runs to its deadline; a query that does not stream and takes memory fast goes to a query
    process and is stopped there by the memory limit, the worker's memory still flat."""
    url, arbiter = server
    before = settled_memory(workers(arbiter))  # the in-memory copies loaded
    with ThreadPoolExecutor(max_workers=1) as pool:
        runaway = pool.submit(requests.get, url + "sparql", params={"query": STREAMING_RUNAWAY}, headers=JSON)
        time.sleep(TIMEOUT_S - 0.5)
        during = {pid: rss_mib(pid) for pid in before}
        assert runaway.result(timeout=TIMEOUT_S + 10).status_code == 503
    grown = {pid: (before[pid], during[pid]) for pid in before if during[pid] > before[pid] + 64}
    assert not grown, grown
    settled = time.monotonic() + 15  # the runaway's worker is replaced: measure the pair that serves now
    while time.monotonic() < settled and len(workers(arbiter)) != 2:
        time.sleep(0.2)
    before = settled_memory(workers(arbiter))
    answer = requests.get(
        url + "sparql", params={"query": MATERIALIZING}, headers=JSON, timeout=TIMEOUT_S + 10
    )
    assert answer.status_code == 503 and f"memory limit of {MEMORY_MB} MiB" in answer.text, answer.text
    after = {pid: rss_mib(pid) for pid in before}
    assert all(after[pid] < before[pid] + 64 for pid in before), (before, after)
    assert requests.get(url + "sparql", params={"query": SMALL}, headers=JSON, timeout=10).status_code == 200


# --- the watchdog alone --------------------------------------------------------------------------------


@pytest.fixture
def retired() -> Iterator[list[bool]]:
    """A runaway handler that records being called, as the server's would retire the worker."""
    calls: list[bool] = []
    watchdogs.set_runaway_handler(lambda: calls.append(True))
    yield calls
    watchdogs.set_runaway_handler(None)


def test_a_query_past_its_deadline_is_answered_by_the_watchdog_and_its_thread_never_returns(
    retired: list[bool],
) -> None:
    answered: list[PublisherError] = []
    returned = threading.Event()
    release = threading.Event()

    def request_thread() -> None:
        with watchdogs.watchdog().ticket(time.monotonic() + 0.2, answered.append, QueryTimeout("late")):
            release.wait()  # the engine, still busy
        returned.set()

    threading.Thread(target=request_thread, daemon=True).start()  # it parks for good: a daemon
    time.sleep(0.6)
    assert [str(error) for error in answered] == ["late"] and retired == [True]
    release.set()
    assert not returned.wait(0.3), "the thread returned: its server would write a second answer"


def test_a_query_in_time_is_left_alone(retired: list[bool]) -> None:
    answered: list[PublisherError] = []
    with watchdogs.watchdog().ticket(time.monotonic() + 0.3, answered.append, QueryTimeout("late")):
        pass
    time.sleep(0.5)
    assert answered == [] and retired == []


def test_a_ticket_is_let_go_when_its_block_ends_or_raises_and_refused_once_the_worker_stops() -> None:
    watchdog = watchdogs.Watchdog()  # its own: the process's is shared with the other tests
    with watchdog.ticket(time.monotonic() + 30, print, QueryTimeout("late")):
        assert watchdog.busy
    assert not watchdog.busy
    with pytest.raises(ValueError), watchdog.ticket(time.monotonic() + 30, print, QueryTimeout("late")):
        raise ValueError("the engine's own error reaches the request")
    assert not watchdog.busy
    watchdog.overrun_all(ServerStopping())
    with pytest.raises(ServerStopping), watchdog.ticket(time.monotonic() + 30, print, QueryTimeout("late")):
        pass
    assert not watchdog.busy


def test_without_a_runaway_handler_nothing_runs_on_a_request_thread() -> None:
    """Served in process (tests, ``kgpub serve --get``) nothing could stop a runaway on a request thread."""
    assert not watchdogs.can_stop_runaways()


def test_each_worker_says_when_it_holds_the_release_in_memory(
    server: tuple[str, int], tmp_path: Path
) -> None:
    """The operator's (and the benchmark's) sign that a worker's streaming queries run at full speed."""
    _, arbiter = server
    log = tmp_path / "serve.log"
    said: set[int] = set()
    deadline = time.monotonic() + 60
    while len(said) < 2 and time.monotonic() < deadline:
        said = {
            int(pid)
            for pid in re.findall(r"kgpub: worker (\d+) holds release \S+ in memory", log.read_text())
        }
        time.sleep(0.2)
    assert said == workers(arbiter)


def test_a_runaway_record_sees_its_own_note_at_once_and_another_worker_s_soon(tmp_path: Path) -> None:
    stamp = tmp_path / "runaway"
    mine, other = watchdogs.RunawayRecord(stamp, 60.0), watchdogs.RunawayRecord(stamp, 60.0)
    assert not mine.recent() and not other.recent()
    mine.note()
    assert mine.recent()
    deadline = time.monotonic() + watchdogs.RunawayRecord.LOOK_EVERY_S + 1.0
    while not other.recent():  # the other worker looks at the stamp again within LOOK_EVERY_S
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert not watchdogs.RunawayRecord(stamp, 0.0).recent()  # past its window
