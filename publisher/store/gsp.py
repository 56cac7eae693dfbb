"""A SPARQL 1.1 Graph Store HTTP Protocol client: replace (PUT) and delete (DELETE) one named graph.

Only the *indirect* graph identification (``?graph=IRI``) is used, which every GSP store supports
(Oxigraph ``/store``, Fuseki ``/<dataset>/data``, Virtuoso ``/sparql-graph-crud``). User and password in
the URL (``http://user:secret@host/store``) become HTTP Basic authentication and never appear in messages.
"""

from __future__ import annotations

import base64
import socket
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from publisher.errors import PublisherError, StoreUnavailable

N_TRIPLES = "application/n-triples"


class GraphStoreRefused(PublisherError):
    """The store answered a PUT or DELETE with an error status (bad data, no permission, ...)."""

    title = "Graph store refused the request"


@dataclass(frozen=True)
class GraphStore:
    url: str  # the GSP service URL, possibly with user:password
    timeout_s: float = 300.0  # one graph's upload; large graphs take a while

    def put(self, graph: str, ntriples: bytes) -> None:
        """Replace ``graph`` with ``ntriples`` (GSP PUT: the graph's old content is dropped)."""
        self._send("PUT", graph, ntriples)

    def delete(self, graph: str) -> None:
        """Drop ``graph``; a graph the store does not have (404) is already what was asked for."""
        self._send("DELETE", graph, None, absent_ok=True)

    @property
    def public_url(self) -> str:
        """The URL without credentials, for messages."""
        parts = urllib.parse.urlsplit(self.url)
        host = parts.netloc.rpartition("@")[2]  # keeps an IPv6 literal's brackets and the port as written
        return urllib.parse.urlunsplit(parts._replace(netloc=host))

    def _send(self, method: str, graph: str, body: bytes | None, absent_ok: bool = False) -> None:
        request = urllib.request.Request(self._graph_url(graph), data=body, method=method, headers=self._headers(body))
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                response.read()
        except urllib.error.HTTPError as err:
            if absent_ok and err.code == 404:
                return
            detail = err.read().decode("utf-8", "replace")[:300]
            raise GraphStoreRefused(f"{method} <{graph}> at {self.public_url}: {err.code} {detail}") from err
        except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError) as err:
            reason = getattr(err, "reason", err)
            raise StoreUnavailable(f"{method} <{graph}> at {self.public_url} failed: {reason}") from err

    def _graph_url(self, graph: str) -> str:
        parts = urllib.parse.urlsplit(self.public_url)
        query = "&".join(filter(None, [parts.query, urllib.parse.urlencode({"graph": graph})]))
        return urllib.parse.urlunsplit(parts._replace(query=query))

    def _headers(self, body: bytes | None) -> dict[str, str]:
        headers = {"Content-Type": N_TRIPLES} if body is not None else {}
        parts = urllib.parse.urlsplit(self.url)
        if parts.username is not None:
            user = urllib.parse.unquote(parts.username)
            password = urllib.parse.unquote(parts.password or "")
            headers["Authorization"] = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        return headers
