"""Never stuck (issue 11): a real ``kgpub serve`` under 32 concurrent clients for ``KGPUB_STRESS_S`` seconds
(25 by default, to keep the suite short; the issue's full run is ``KGPUB_STRESS_S=60``), mixing the three
protocol bindings, result and RDF formats, pages, dumps and VoID, with runaway queries (in the query
processes and on a worker's own thread) and clients that disconnect mid-response thrown in.

Every request is answered within the time limit + 5 s, nothing answers 5xx but the runaways' 503s, and the
workers' memory is flat at the end. A client whose kept-alive connection the server closed (a worker
replaced after a runaway) gets the close at once and sends again, as browsers and HTTP libraries do: the
bound counts both tries. And SIGTERM, sent while the load runs, stops the server within 5 s: the small
requests in flight finish, the runaways are killed, no process is left.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from publisher.settings import Settings
from tests.conftest import free_port, running, serve_command
from tests.test_lanes import STREAMING_RUNAWAY, rss_mib
from tests.test_sandbox import RUNAWAY as PROCESS_RUNAWAY
from tests.test_sandbox import live_children

DURATION_S = float(os.environ.get("KGPUB_STRESS_S", "25"))
TIMEOUT_S = 3.0
CLIENTS = 32
NS = "https://kgpub.example.org/"
RESULTS = (
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
)
GRAPHS = ("text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml")
ENTITIES = ("id/org/huawei", "id/org/tianjin-university", "id/org/china-telecom")


@dataclass
class Outcome:
    kind: str
    started: float
    elapsed: float
    status: int | None  # None: no answer (the error says why)
    error: str = ""
    runaway: bool = False


@pytest.fixture
def server(built_settings: Settings, tmp_path: Path) -> Iterator[tuple[str, int]]:
    port = free_port()
    command = serve_command(built_settings.builds_root, port)
    env = {**os.environ, "KGPUB_QUERY_TIMEOUT_S": str(TIMEOUT_S)}
    with running(command, f"http://127.0.0.1:{port}/", tmp_path / "serve.log", env) as process:
        yield f"http://127.0.0.1:{port}/", process.pid


class Traffic:
    """The clients: their requests, chosen at random (seeded), and every outcome."""

    def __init__(self, url: str, until: float) -> None:
        self.url, self.until = url, until
        self.outcomes: list[Outcome] = []
        self.lock = threading.Lock()
        self.count = 0

    def run(self, clients: int) -> list[threading.Thread]:
        threads = [threading.Thread(target=self.client, args=(n,), daemon=True) for n in range(clients - 2)]
        threads += [threading.Thread(target=self.hostile, daemon=True), threading.Thread(target=self.leaver)]
        for thread in threads:
            thread.start()
        return threads

    def client(self, number: int) -> None:
        chooser = random.Random(number)
        session = requests.Session()
        kinds = [
            ("GET query", self.get_query),
            ("POST form", self.post_form),
            ("POST direct", self.post_direct),
            ("CONSTRUCT", self.construct),
            ("aggregate", self.aggregate),
            ("page", lambda s, r: s.get(self.url + f"doc/{r.choice(ENTITIES)}.html")),
            (
                "document",
                lambda s, r: s.get(self.url + f"doc/{r.choice(ENTITIES)}", headers=accept(r, GRAPHS)),
            ),
            ("home", lambda s, r: s.get(self.url)),
            (
                "dump",
                lambda s, r: s.get(self.url + r.choice(("dumps/kgpub.nt.gz", "dumps/kgpub.ttl", "dumps/"))),
            ),
            ("VoID", lambda s, r: s.get(self.url + ".well-known/void", headers=accept(r, GRAPHS))),
        ]
        while time.monotonic() < self.until:
            kind, send = chooser.choice(kinds)
            self.record(kind, lambda send=send: send(session, chooser))  # type: ignore[misc]

    def get_query(self, session: requests.Session, chooser: random.Random) -> requests.Response:
        return session.get(
            self.url + "sparql", params={"query": self.select()}, headers=accept(chooser, RESULTS)
        )

    def post_form(self, session: requests.Session, chooser: random.Random) -> requests.Response:
        return session.post(
            self.url + "sparql", data={"query": self.select()}, headers=accept(chooser, RESULTS)
        )

    def post_direct(self, session: requests.Session, chooser: random.Random) -> requests.Response:
        headers = {"Content-Type": "application/sparql-query", **accept(chooser, RESULTS)}
        return session.post(self.url + "sparql", data=self.select().encode(), headers=headers)

    def construct(self, session: requests.Session, chooser: random.Random) -> requests.Response:
        text = "CONSTRUCT { ?s <http://schema.org/name> ?n } WHERE { ?s <http://schema.org/name> ?n }"
        query = f"{text} LIMIT {self.next() % 30}"
        return session.get(self.url + "sparql", params={"query": query}, headers=accept(chooser, GRAPHS))

    def aggregate(self, session: requests.Session, chooser: random.Random) -> requests.Response:
        """Not streaming: a query process answers it."""
        text = "SELECT ?c (COUNT(?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY DESC(?n)"
        query = f"{text} LIMIT {1 + self.next() % 9}"
        return session.get(self.url + "sparql", params={"query": query}, headers=accept(chooser, RESULTS))

    def select(self) -> str:
        return f"SELECT ?s ?n WHERE {{ ?s <http://schema.org/name> ?n }} LIMIT {5 + self.next() % 20}"

    def next(self) -> int:
        with self.lock:
            self.count += 1
            return self.count

    def hostile(self) -> None:
        """Runaways, one at a time: in the query processes, and (in the first 40%) on a worker's thread."""
        session = requests.Session()
        started = time.monotonic()
        for n in range(10**9):
            if time.monotonic() > self.until:
                return
            on_thread = n % 3 == 2 and time.monotonic() - started < 0.4 * (self.until - started)
            params = {"query": STREAMING_RUNAWAY if on_thread else PROCESS_RUNAWAY}
            self.record("runaway", lambda p=params: session.get(self.url + "sparql", params=p), runaway=True)  # type: ignore[misc]

    def leaver(self) -> None:
        """Clients that go away mid-response: a dump, a large answer, or before reading anything."""
        host, port = self.url.split("//")[1].rstrip("/").split(":")
        paths = [
            "/dumps/kgpub.nq.gz",
            "/sparql?query=SELECT%20*%20WHERE%20%7B%3Fs%20%3Fp%20%3Fo%7D",
            "/doc/id/org/huawei.html",
        ]
        for n in range(10**9):
            if time.monotonic() > self.until:
                return
            started = time.monotonic()
            try:
                with socket.create_connection((host, int(port)), timeout=10) as sock:
                    sock.sendall(f"GET {paths[n % 3]} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
                    if n % 2 and not sock.recv(200):
                        raise ConnectionError("closed before the first byte")
            except OSError as err:  # the server may refuse or reset only once it was told to stop
                if time.monotonic() <= self.until:
                    with self.lock:
                        elapsed = time.monotonic() - started
                        self.outcomes.append(Outcome("leaver", started, elapsed, None, repr(err)[:200]))
            time.sleep(0.05)

    def record(self, kind: str, send: Callable[[], requests.Response], runaway: bool = False) -> None:
        started = time.monotonic()
        status, error = None, ""
        for _ in range(2):  # one more try when a kept-alive connection was closed under us
            try:
                status = send().status_code
                break
            except requests.ConnectionError as err:
                error = repr(err)[:200]
        with self.lock:
            self.outcomes.append(Outcome(kind, started, time.monotonic() - started, status, error, runaway))


def accept(chooser: random.Random, offered: tuple[str, ...]) -> dict[str, str]:
    return {"Accept": chooser.choice(offered)}


def worker_memory(arbiter: int) -> dict[int, float]:
    return {pid: rss_mib(pid) for pid, _ in live_children(arbiter)}


def test_never_stuck_under_load(server: tuple[str, int]) -> None:
    url, arbiter = server
    traffic = Traffic(url, time.monotonic() + DURATION_S)
    threads = traffic.run(CLIENTS)
    time.sleep(DURATION_S / 2)
    middle = worker_memory(arbiter)
    for thread in threads:
        thread.join(DURATION_S + 30)
    end = worker_memory(arbiter)
    outcomes = traffic.outcomes
    late = [o for o in outcomes if o.elapsed > TIMEOUT_S + 5]
    unanswered = [o for o in outcomes if o.status is None]
    failed = [
        o
        for o in outcomes
        if o.status is not None and o.status >= 500 and not (o.runaway and o.status == 503)
    ]
    runaways = [o for o in outcomes if o.runaway]
    assert len(outcomes) > 20 * DURATION_S and len(runaways) >= 2, (len(outcomes), len(runaways))
    assert not late, late[:5]
    assert not unanswered, unanswered[:5]
    assert not failed, failed[:5]
    assert all(o.status == 503 for o in runaways), [o for o in runaways if o.status != 503][:5]
    kept = set(middle) & set(end)
    assert kept, (middle, end)  # no worker was replaced in the second half (no runaway on a thread then)
    grown = {pid: (middle[pid], end[pid]) for pid in kept if end[pid] > middle[pid] * 1.2 + 30}
    assert not grown, grown
    assert requests.get(url + "sparql", params={"query": "ASK {}"}, timeout=10).status_code == 200


def test_sigterm_stops_the_server_within_5_s_under_load(server: tuple[str, int]) -> None:
    url, arbiter = server
    until = time.monotonic() + max(10.0, DURATION_S / 3)
    traffic = Traffic(url, until)
    threads = traffic.run(CLIENTS)
    time.sleep(max(6.0, DURATION_S / 6))
    everyone = {pid for worker, _ in live_children(arbiter) for pid in descendants(worker)} | {arbiter}
    signalled = time.monotonic()
    os.kill(arbiter, signal.SIGTERM)
    stopped = wait_gone({arbiter}, 10)
    took = time.monotonic() - signalled
    traffic.until = 0  # the clients stop with the server
    for thread in threads:
        thread.join(30)
    assert stopped and took < 5, took
    assert wait_gone(everyone, 2), "processes of the server outlived it"
    in_flight = [o for o in traffic.outcomes if o.started < signalled - 0.5 and not o.runaway]
    assert in_flight and all(o.status is not None for o in in_flight), [
        o for o in in_flight if o.status is None
    ][:5]


def descendants(pid: int) -> set[int]:
    found = {child for child, _ in live_children(pid)}
    return found | {grandchild for child in found for grandchild in descendants(child)}


def wait_gone(pids: set[int], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not any(
            Path(f"/proc/{pid}").exists() and Path(f"/proc/{pid}/cmdline").read_bytes() for pid in pids
        ):
            return True
        time.sleep(0.05)
    return False
