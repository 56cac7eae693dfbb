"""A real ``kgpub serve`` of its own, met the way long-lived clients meet it: connections kept alive
across idle spells (browsers, SPARQLWrapper and requests sessions, harvesters)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from publisher.settings import Settings
from tests.conftest import free_port, running, serve_command

COUNT_ALL = (
    b"GET /sparql?query=SELECT%20(COUNT(*)%20AS%20%3Fn)%20WHERE%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D HTTP/1.1\r\n"
    b"Host: 127.0.0.1\r\nAccept: application/sparql-results+json\r\nConnection: keep-alive\r\n\r\n"
)


@pytest.fixture
def fresh_server(built_settings: Settings, tmp_path: Path) -> Iterator[str]:
    """A server no query has reached yet, so its workers fork their query processes during the test."""
    port = free_port()
    command = serve_command(built_settings.builds_root, port)
    with running(command, f"http://127.0.0.1:{port}/", tmp_path / "serve.log"):
        yield f"127.0.0.1:{port}"


def read_response(sock: socket.socket) -> bytes | None:
    """The status line of one HTTP response read off ``sock``; None if the server closed the connection."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.split(b"\r\n")
    length = next(
        int(line.split(b":", 1)[1]) for line in lines if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        body += chunk
    return lines[0]


def test_an_idle_keep_alive_connection_is_closed_never_left_hanging(fresh_server: str) -> None:
    """Four connections query at once (the workers fork their query processes meanwhile), idle past the
    server's keep-alive time, then ask again: each is answered or sees the close at once. Before the fix, the
    query processes kept copies of these connections and all four requests hung unanswered."""
    host, port = fresh_server.split(":")
    connections = [socket.create_connection((host, int(port)), timeout=10) for _ in range(4)]
    try:
        for sock in connections:
            sock.sendall(COUNT_ALL)
        assert [read_response(sock) for sock in connections] == [b"HTTP/1.1 200 OK"] * 4
        time.sleep(6)  # gunicorn closes a keep-alive connection idle for 2 s
        outcomes = []
        for sock in connections:
            sock.settimeout(5)
            try:
                sock.sendall(COUNT_ALL)
                outcomes.append(read_response(sock) or "closed")
            except (ConnectionResetError, BrokenPipeError):
                outcomes.append("closed")
            except TimeoutError:
                outcomes.append("hang")
        assert "hang" not in outcomes, outcomes
    finally:
        for sock in connections:
            sock.close()
