"""Shared fixtures: one real build of the bundled project per session, in-process clients over it,
and one real ``kgpub serve`` (gunicorn on a free port) for tests that need real HTTP clients.

``live_server`` serves the embedded store unless a module sets ``EVERY_BACKEND = True``: then every test
of that module that uses it runs once per store in ``BACKENDS``: the embedded store, a real ``oxigraph
serve-read-only`` and a real Virtuoso (Debian's ``virtuoso-opensource``, ``virtuoso-t`` on a scratch
database), both loaded by ``kgpub publish --to`` (``backend`` is "embedded", "oxigraph" or "virtuoso").
The servers are session-scoped, so each starts once however many modules opt in. Where Virtuoso is not
installed its tests fail and say so (``scripts/setup --test`` installs it); only on a machine without
``apt-get`` are they skipped.
"""

from __future__ import annotations

import http.server
import os
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from publisher import create_app
from publisher.pipeline.publish import build
from publisher.settings import Settings
from publisher.store.remote import RemoteStore

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def project_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def built_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings over a fresh build of the bundled project, in a build folder of its own."""
    settings = Settings(project_dir=ROOT, build_dir=tmp_path_factory.mktemp("build"))
    build(settings)
    return settings


@pytest.fixture(scope="session")
def app(built_settings: Settings) -> Flask:
    return create_app(built_settings)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


BACKENDS = ("embedded", "oxigraph", "virtuoso")
ENDPOINTS = {
    "oxigraph": "oxigraph_endpoint",
    "virtuoso": "virtuoso_endpoint",
}  # remote backend -> its fixture
OXIGRAPH_TIMEOUT_S = (
    8  # the engine's own limit, above the publisher's (5 s), so the publisher's answers first
)
VIRTUOSO_TIMEOUT_S = OXIGRAPH_TIMEOUT_S  # Virtuoso's own MaxQueryExecutionTime, likewise


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run an ``EVERY_BACKEND`` module's live-server tests against each store (see the module docstring)."""
    if "live_server" in metafunc.fixturenames and getattr(metafunc.module, "EVERY_BACKEND", False):
        metafunc.parametrize("backend", BACKENDS, indirect=True, scope="session")


def remote_endpoint(request: pytest.FixtureRequest, backend: str) -> str | None:
    """The SPARQL endpoint URL of a remote ``backend`` (starting its server), None for "embedded"."""
    return str(request.getfixturevalue(ENDPOINTS[backend])) if backend in ENDPOINTS else None


@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest) -> str:
    """The store behind ``live_server``: "embedded" unless parametrized."""
    return str(getattr(request, "param", "embedded"))


@dataclass(frozen=True)
class LiveServer:
    url: str  # ends with "/"
    settings: Settings
    backend: str = "embedded"


def free_port() -> int:
    """A loopback port nothing listens on now: take it right before starting the server that binds it (a
    port released here can be handed out again, e.g. to another ``free_port()`` or a server on port 0)."""
    return free_ports(1)[0]


def free_ports(count: int) -> list[int]:
    """``count`` distinct free loopback ports: the sockets are held until all are bound, so the kernel
    cannot hand the same port out twice."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def wait_until_responds(url: str, process: subprocess.Popen[bytes], timeout_s: float = 60.0) -> None:
    """Poll instead of sleeping: the server is ready when it answers anything over HTTP."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"{url} did not answer within {timeout_s} s")


@contextmanager
def running(
    command: list[str], ready_url: str, log_path: Path, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """A server process for the duration of the block: polled until it answers, then stopped (SIGTERM,
    SIGKILL after 15 s). Its output goes to ``log_path`` for post-mortems."""
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_until_responds(ready_url, process)
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def oxigraph_binary() -> str:
    """The ``oxigraph`` server from the venv (the ``oxigraph`` PyPI package); a missing one fails loudly."""
    found = Path(sys.executable).with_name("oxigraph")
    binary = str(found) if found.exists() else shutil.which("oxigraph")
    if binary is None:
        raise RuntimeError("the oxigraph server is not installed: run scripts/setup --test")
    return binary


def oxigraph(
    mode: str, location: Path, port: int, log_path: Path, *flags: str
) -> AbstractContextManager[None]:
    """``oxigraph serve`` or ``serve-read-only`` over ``location`` on ``port``."""
    command = [oxigraph_binary(), mode, "--location", str(location), "--bind", f"127.0.0.1:{port}", *flags]
    return running(command, f"http://127.0.0.1:{port}/query?query=ASK%7B%7D", log_path)


def publish_command(settings: Settings, gsp_url: str, query_url: str) -> list[str]:
    """``kgpub publish --to GSP_URL --query-url QUERY_URL`` over ``settings``' build."""
    return [
        *kgpub_command(),
        "--project-dir",
        str(settings.project_dir),
        "--build-dir",
        str(settings.builds_root),
        "publish",
        "--to",
        gsp_url,
        "--query-url",
        query_url,
    ]


@pytest.fixture(scope="session")
def oxigraph_endpoint(built_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A read-only Oxigraph SPARQL endpoint (union default graph) holding the session's build, loaded the
    way an operator would: ``oxigraph serve``, ``kgpub publish --to``, then ``serve-read-only``."""
    folder = tmp_path_factory.mktemp("oxigraph")
    location, port = folder / "data", free_port()
    base = f"http://127.0.0.1:{port}/"
    with oxigraph("serve", location, port, folder / "load.log"):
        subprocess.run(
            publish_command(built_settings, base + "store", base + "query"), check=True, capture_output=True
        )
    port = free_port()  # a fresh one: the loading server's port is released and may be taken meanwhile
    with oxigraph(
        "serve-read-only",
        location,
        port,
        folder / "serve.log",
        "--union-default-graph",
        "--timeout-s",
        str(OXIGRAPH_TIMEOUT_S),
    ):
        yield f"http://127.0.0.1:{port}/query"


VIRTUOSO_INI = """\
; written by tests/conftest.py: a scratch database on two free loopback ports
[Database]
DatabaseFile = {folder}/virtuoso.db
ErrorLogFile = {folder}/virtuoso.log
LockFile = {folder}/virtuoso.lck
TransactionFile = {folder}/virtuoso.trx
xa_persistent_file = {folder}/virtuoso.pxa
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {folder}/virtuoso-temp.db
TransactionFile = {folder}/virtuoso-temp.trx

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
DirsAllowed = ., {folder}
CaseMode = 2
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
ThreadsPerQuery = 2
MaxClientConnections = 10
VADInstallDir = /usr/share/virtuoso-opensource-7/vad/

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = /var/lib/virtuoso-opensource-7/vsp
ServerThreads = 10
MaxClientConnections = 10
Charset = UTF-8

[SPARQL]
; Debian's 10000 would silently cut answers below the publisher's row cap
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = {timeout_s}
MaxQueryCostEstimationTime = 400
"""


PRIVATE_GRAPHS = (
    "http://www.openlinksw.com/schemas/virtrdf#PrivateGraphs"  # Virtuoso's group of unlisted graphs
)


def virtuoso_binaries() -> tuple[str, str]:
    """``virtuoso-t`` and ``isql-vt`` from Debian's package: missing ones fail the tests that need them,
    loudly, except on a machine without ``apt-get`` (where scripts/setup cannot install them)."""
    server, isql = shutil.which("virtuoso-t"), shutil.which("isql-vt")
    if server and isql:
        return server, isql
    if shutil.which("apt-get") is None:
        pytest.skip("Virtuoso tests need Debian's virtuoso-opensource, and this machine has no apt-get")
    pytest.fail(
        "Virtuoso is not installed (no virtuoso-t / isql-vt on PATH): scripts/setup --test installs "
        "Debian's virtuoso-opensource; see its output for why it could not",
        pytrace=False,
    )


@dataclass(frozen=True)
class Virtuoso:
    base: str  # http://127.0.0.1:PORT/
    password: str = field(repr=False)  # the dba account's

    @property
    def sparql(self) -> str:
        return self.base + "sparql"

    def gsp(self, password: str | None = None) -> str:
        """The Graph Store endpoint (Digest authentication) with dba's credentials in the URL."""
        host = self.base.removeprefix("http://")
        return f"http://dba:{self.password if password is None else password}@{host}sparql-graph-crud-auth"


@pytest.fixture(scope="session")
def virtuoso_endpoint(virtuoso: Virtuoso) -> str:
    return virtuoso.sparql


@pytest.fixture(scope="session")
def virtuoso(built_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Virtuoso]:
    """A Virtuoso holding the session's build, set up the way an operator would: ``virtuoso-t`` on a fresh
    database (not the system service), the ``dba`` password changed from its default, then ``kgpub publish
    --to`` its Digest-protected Graph Store endpoint. Its default graph (``/sparql``) is the union of all
    graphs the SPARQL user may read: Virtuoso's own graphs (system metadata, present before anything is
    loaded) are made private first, as README advises, so the union is the dataset's."""
    server, isql = virtuoso_binaries()
    folder = tmp_path_factory.mktemp("virtuoso")
    sql_port, http_port = free_ports(2)  # two calls to free_port() could return the same port
    ini = folder / "virtuoso.ini"
    ini.write_text(
        VIRTUOSO_INI.format(
            folder=folder, sql_port=sql_port, http_port=http_port, timeout_s=VIRTUOSO_TIMEOUT_S
        )
    )
    base = f"http://127.0.0.1:{http_port}/"
    password = "kg" + secrets.token_hex(12)  # SET PASSWORD takes an identifier: no leading digit
    with running(
        [server, "+foreground", "+configfile", str(ini)],
        base + "sparql?query=ASK%7B%7D",
        folder / "server.log",
    ):
        # the password goes to isql-vt on stdin and is masked in kgpub's output, so no failure message shows it
        own = [
            str(row["g"])
            for row in RemoteStore(built_settings.with_(store_url=base + "sparql"))
            .select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
            .rows
        ]
        sql = "".join(
            [
                f"SET PASSWORD dba {password};\n",
                f"DB.DBA.RDF_GRAPH_GROUP_CREATE ('{PRIVATE_GRAPHS}', 1);\n",
                *(f"DB.DBA.RDF_GRAPH_GROUP_INS ('{PRIVATE_GRAPHS}', '{graph}');\n" for graph in own),
                "DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 0, 1);\n",
            ]
        )
        changed = subprocess.run(
            [isql, f"127.0.0.1:{sql_port}", "dba", "dba"], input=sql.encode(), capture_output=True, timeout=60
        )
        if (
            changed.returncode != 0 or b"*** Error" in changed.stdout + changed.stderr
        ):  # isql exits 0 on SQL errors
            output = (changed.stdout + changed.stderr).decode().replace(password, "***")
            raise RuntimeError(f"isql-vt could not set up Virtuoso's accounts: {output[-500:]}")
        store = Virtuoso(base, password)
        loaded = subprocess.run(
            publish_command(built_settings, store.gsp(), store.sparql), capture_output=True
        )
        if loaded.returncode != 0:
            log = loaded.stderr.decode().replace(password, "***")[-2000:]
            raise RuntimeError(f"kgpub publish into Virtuoso failed ({loaded.returncode}): {log}")
        yield store


def kgpub_command() -> list[str]:
    """The installed console script, as a user runs it (``python -m publisher`` if not on PATH)."""
    script = shutil.which("kgpub")
    return [script] if script else [sys.executable, "-m", "publisher"]


def serve_command(builds_root: Path, port: int, workers: int = 2) -> list[str]:
    """``kgpub serve`` of the repository's project over ``builds_root``, with ``workers`` workers, on ``port``."""
    project = ["--project-dir", str(ROOT), "--build-dir", str(builds_root)]
    return [*kgpub_command(), *project, "serve", "--port", str(port), "--workers", str(workers)]


@pytest.fixture(scope="session")
def live_server(
    backend: str,
    built_settings: Settings,
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> Iterator[LiveServer]:
    """A real ``kgpub serve`` (gunicorn, several workers) on a free port over the session's build; with a
    remote backend it queries that store's endpoint (``--store``), dumps still come from the build."""
    env = {**os.environ, "KGPUB_BUILD_DIR": str(built_settings.builds_root), "KGPUB_QUERY_TIMEOUT_S": "5"}
    endpoint = remote_endpoint(
        request, backend
    )  # may start (and load) a store server: seconds of other ports
    store = ["--store", endpoint] if endpoint else []
    port = free_port()  # chosen after that, right before gunicorn binds it
    if backend == "virtuoso":
        env["KGPUB_STORE_TIMEOUT_PARAM"] = "timeout:ms"  # as README advises: Virtuoso stops at the limit too
    command = [
        *kgpub_command(),
        "--project-dir",
        str(ROOT),
        "serve",
        *store,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "2",
    ]
    url = f"http://127.0.0.1:{port}/"
    with running(command, url, tmp_path_factory.mktemp("serve") / "serve.log", env):
        yield LiveServer(url=url, settings=built_settings.with_(query_timeout_s=5.0), backend=backend)


class Canary:
    """An HTTP server on 127.0.0.1 that records every request: "nothing was fetched" is observed, not assumed."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        canary = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                canary.requests.append(f"{self.command} {self.path}")
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.end_headers()
                self.wfile.write(b'{"head":{"vars":[]},"results":{"bindings":[{}]}}')

            do_POST = do_GET

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.url = self.base + "sparql"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def canary() -> Iterator[Canary]:
    server = Canary()
    yield server
    server.server.shutdown()


SESSION_STARTED = time.time()
SCREENSHOTS = Path(__file__).resolve().parents[1] / "build" / "screenshots"  # written by test_browser.py


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say where this run's screenshots are (each page type at 1280 and 390 px), even under ``-q``."""
    taken = [shot for shot in SCREENSHOTS.glob("*.png") if shot.stat().st_mtime >= SESSION_STARTED]
    if taken:
        terminalreporter.write_line(f"{len(taken)} screenshots for review in {SCREENSHOTS}")
