"""Shared fixtures: one real build of the bundled project per session, in-process clients over it,
and one real ``kgpub serve`` (gunicorn on a free port) for tests that need real HTTP clients.

``live_server`` serves the embedded store unless a module sets ``BOTH_BACKENDS = True``: then every test
of that module that uses it runs twice, against the embedded store and against a real ``oxigraph
serve-read-only`` loaded by ``kgpub publish --to`` (``backend`` is "embedded" or "oxigraph"). Both
servers are session-scoped, so each starts once however many modules opt in.
"""

from __future__ import annotations

import http.server
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from publisher import create_app
from publisher.build.publish import build
from publisher.settings import Settings

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


BACKENDS = ("embedded", "oxigraph")
OXIGRAPH_TIMEOUT_S = 8  # the engine's own limit, above the publisher's (5 s), so the publisher's answers first


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run a ``BOTH_BACKENDS`` module's live-server tests against each store (see the module docstring)."""
    if "live_server" in metafunc.fixturenames and getattr(metafunc.module, "BOTH_BACKENDS", False):
        metafunc.parametrize("backend", BACKENDS, indirect=True, scope="session")


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
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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
def running(command: list[str], ready_url: str, log_path: Path, env: dict[str, str] | None = None) -> Iterator[None]:
    """A server process for the duration of the block: polled until it answers, then stopped (SIGTERM,
    SIGKILL after 15 s). Its output goes to ``log_path`` for post-mortems."""
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_until_responds(ready_url, process)
            yield
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


def oxigraph(mode: str, location: Path, port: int, log_path: Path, *flags: str) -> AbstractContextManager[None]:
    """``oxigraph serve`` or ``serve-read-only`` over ``location`` on ``port``."""
    command = [oxigraph_binary(), mode, "--location", str(location), "--bind", f"127.0.0.1:{port}", *flags]
    return running(command, f"http://127.0.0.1:{port}/query?query=ASK%7B%7D", log_path)


def publish_command(settings: Settings, gsp_url: str, query_url: str) -> list[str]:
    return [*kgpub_command(), "--project-dir", str(settings.project_dir), "--build-dir", str(settings.builds_root),
            "publish", "--to", gsp_url, "--query-url", query_url]


@pytest.fixture(scope="session")
def oxigraph_endpoint(built_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A read-only Oxigraph SPARQL endpoint (union default graph) holding the session's build, loaded the
    way an operator would: ``oxigraph serve``, ``kgpub publish --to``, then ``serve-read-only``."""
    folder = tmp_path_factory.mktemp("oxigraph")
    location, port = folder / "data", free_port()
    base = f"http://127.0.0.1:{port}/"
    with oxigraph("serve", location, port, folder / "load.log"):
        subprocess.run(publish_command(built_settings, base + "store", base + "query"), check=True,
                       capture_output=True)
    with oxigraph("serve-read-only", location, port, folder / "serve.log", "--union-default-graph",
                  "--timeout-s", str(OXIGRAPH_TIMEOUT_S)):
        yield base + "query"
def kgpub_command() -> list[str]:
    """The installed console script, as a user runs it (``python -m publisher`` if not on PATH)."""
    script = shutil.which("kgpub")
    return [script] if script else [sys.executable, "-m", "publisher"]


@pytest.fixture(scope="session")
def live_server(
    backend: str, built_settings: Settings, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[LiveServer]:
    """A real ``kgpub serve`` (gunicorn, several workers) on a free port over the session's build; with the
    "oxigraph" backend it queries the Oxigraph endpoint (``--store``), dumps still come from the build."""
    port = free_port()
    env = {**os.environ, "KGPUB_BUILD_DIR": str(built_settings.builds_root), "KGPUB_QUERY_TIMEOUT_S": "5"}
    store = ["--store", request.getfixturevalue("oxigraph_endpoint")] if backend == "oxigraph" else []
    command = [*kgpub_command(), "--project-dir", str(ROOT), "serve", *store, "--host", "127.0.0.1",
               "--port", str(port), "--workers", "2"]
    url = f"http://127.0.0.1:{port}/"
    with running(command, url, tmp_path_factory.mktemp("serve") / "serve.log", env):
        yield LiveServer(url=url, settings=built_settings.with_(query_timeout_s=5.0), backend=backend)


class Canary:
    """An HTTP server on 127.0.0.1 that records every request: "nothing was fetched" is observed, not assumed."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        canary = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
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
