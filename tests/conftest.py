"""Shared fixtures: one real build of the bundled project per session, in-process clients over it,
and one real ``kgpub serve`` (gunicorn on a free port) for tests that need real HTTP clients."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
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


@dataclass(frozen=True)
class LiveServer:
    url: str  # ends with "/"
    settings: Settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_responds(url: str, process: subprocess.Popen[bytes], timeout_s: float = 60.0) -> None:
    """Poll instead of sleeping: the server is ready when it answers anything over HTTP."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"kgpub serve exited with {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout_s} s")


def kgpub_command() -> list[str]:
    """The installed console script, as a user runs it (``python -m publisher`` if not on PATH)."""
    script = shutil.which("kgpub")
    return [script] if script else [sys.executable, "-m", "publisher"]


@pytest.fixture(scope="session")
def live_server(built_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A real ``kgpub serve`` (gunicorn, several workers) on a free port over the session's build."""
    port = free_port()
    env = {**os.environ, "KGPUB_BUILD_DIR": str(built_settings.builds_root), "KGPUB_QUERY_TIMEOUT_S": "5"}
    log = (tmp_path_factory.mktemp("serve") / "serve.log").open("wb")
    process = subprocess.Popen(
        [*kgpub_command(), "--project-dir", str(ROOT), "serve", "--host", "127.0.0.1", "--port", str(port),
         "--workers", "2"],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until_responds(url, process)
        yield LiveServer(url=url, settings=built_settings.with_(query_timeout_s=5.0))
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
