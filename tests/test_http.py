"""The stores' one HTTP client (``publisher/store/http.py``): connections are kept and reused, and the
URL's credentials are sent but never shown. Against Oxigraph and Virtuoso it is exercised by
``test_remote.py`` and ``test_publish.py`` (Basic, then Digest for Virtuoso's Graph Store)."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator

import pytest

from publisher.errors import StoreUnavailable
from publisher.settings import Settings, public_url
from publisher.store.gsp import GraphStore
from publisher.store.http import HttpClient
from publisher.store.remote import RemoteStore

EMPTY = json.dumps({"head": {"vars": []}, "results": {"bindings": []}}).encode()


class KeepAlive(http.server.BaseHTTPRequestHandler):
    """An HTTP/1.1 endpoint answering every POST with no rows; records each connection's client port."""

    protocol_version = "HTTP/1.1"
    ports: list[int] = []
    authorizations: list[str | None] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        KeepAlive.ports.append(self.client_address[1])
        KeepAlive.authorizations.append(self.headers.get("Authorization"))
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(EMPTY)))
        self.end_headers()
        self.wfile.write(EMPTY)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def keep_alive() -> Iterator[int]:
    KeepAlive.ports, KeepAlive.authorizations = [], []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), KeepAlive)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_port
    server.shutdown()
    server.server_close()


def test_the_remote_store_reuses_one_connection_for_its_queries(
    built_settings: Settings, keep_alive: int
) -> None:
    store = RemoteStore(built_settings.with_(store_url=f"http://user:secret@127.0.0.1:{keep_alive}/sparql"))
    for _ in range(3):
        assert store.select("SELECT * WHERE { ?s ?p ?o }").rows == ()
    store.close()
    assert len(KeepAlive.ports) == 3 and len(set(KeepAlive.ports)) == 1
    assert set(KeepAlive.authorizations) == {"Basic dXNlcjpzZWNyZXQ="}  # user:secret


def test_credentials_never_appear_in_messages(built_settings: Settings) -> None:
    url = "http://someone:s3cret@127.0.0.1:9/sparql"  # nothing listens on the discard port
    with pytest.raises(StoreUnavailable) as raised:
        RemoteStore(built_settings.with_(store_url=url)).select("ASK {}")
    with pytest.raises(StoreUnavailable) as refused:
        GraphStore("http://someone:s3cret@127.0.0.1:9/store").put("http://example.org/g", b"")
    for message in (str(raised.value), str(refused.value)):
        assert "s3cret" not in message and "someone" not in message


@pytest.mark.parametrize(
    "url,public",
    [
        ("http://u:p@host:7878/store?x=1", "http://host:7878/store?x=1"),
        ("http://u@[::1]:8890/sparql", "http://[::1]:8890/sparql"),
        ("https://host/sparql", "https://host/sparql"),
    ],
)
def test_public_url_drops_only_the_credentials(url: str, public: str) -> None:
    assert public_url(url) == public
    assert HttpClient(url).url == public
