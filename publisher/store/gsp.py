"""A SPARQL 1.1 Graph Store HTTP Protocol client: replace (PUT) and delete (DELETE) one named graph.

Only the *indirect* graph identification (``?graph=IRI``) is used, which every GSP store supports
(Oxigraph ``/store``, Fuseki ``/<dataset>/data``, Virtuoso ``/sparql-graph-crud-auth``). HTTP, connection
reuse and the URL's credentials (Basic, or Digest when the store wants it) are ``http.HttpClient``'s;
messages name the store by its URL without credentials.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import requests

from publisher.errors import PublisherError, StoreUnavailable
from publisher.store.http import HttpClient

N_TRIPLES = "application/n-triples"


class GraphStoreRefused(PublisherError):
    """The store answered a PUT or DELETE with an error status (bad data, no permission, ...)."""

    title = "Graph store refused the request"


@dataclass(frozen=True)
class GraphStore:
    url: str  # the GSP service URL, possibly with user:password
    timeout_s: float = 300.0  # one graph's upload; large graphs take a while
    client: HttpClient = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "client", HttpClient(self.url))

    def put(self, graph: str, ntriples: bytes) -> None:
        """Replace ``graph`` with ``ntriples`` (GSP PUT: the graph's old content is dropped)."""
        self._send("PUT", graph, ntriples)

    def delete(self, graph: str) -> None:
        """Drop ``graph``; a graph the store does not have (404) is already what was asked for."""
        self._send("DELETE", graph, None, absent_ok=True)

    @property
    def public_url(self) -> str:
        """The URL without credentials, for messages."""
        return self.client.url

    def _send(self, method: str, graph: str, body: bytes | None, absent_ok: bool = False) -> None:
        headers = {"Content-Type": N_TRIPLES} if body is not None else {}
        try:
            response = self.client.request(
                method, params={"graph": graph}, data=body, headers=headers, timeout=self.timeout_s
            )
        except requests.RequestException as err:
            raise StoreUnavailable(f"{method} <{graph}> at {self.public_url} failed: {err}") from err
        if response.ok or (absent_ok and response.status_code == 404):
            return
        detail = response.content.decode("utf-8", "replace")[:300]
        raise GraphStoreRefused(f"{method} <{graph}> at {self.public_url}: {response.status_code} {detail}")
