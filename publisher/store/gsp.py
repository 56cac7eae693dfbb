"""A SPARQL 1.1 Graph Store HTTP Protocol client: replace (PUT) and delete (DELETE) one named graph.

Only the *indirect* graph identification (``?graph=IRI``) is used, which every GSP store supports
(Oxigraph ``/store``, Fuseki ``/<dataset>/data``, Virtuoso ``/sparql-graph-crud-auth``). User and password
in the URL (``http://user:secret@host/store``) are the credentials, and never appear in messages. They are
sent as HTTP Basic authentication up front; a store that wants Digest instead (Virtuoso's
``/sparql-graph-crud-auth``, which answers a Basic attempt with a bare 401) is asked for its challenge
once, with a body-less ``HEAD``, and every later request answers that challenge directly (RFC 7616: the
nonce is reused with a growing count, and renewed when the store says it is stale), so a graph's body is
sent once, not once per round trip.
"""

from __future__ import annotations

import base64
import hashlib
import os
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from email.message import Message

from publisher.errors import PublisherError, StoreUnavailable

N_TRIPLES = "application/n-triples"


class GraphStoreRefused(PublisherError):
    """The store answered a PUT or DELETE with an error status (bad data, no permission, ...)."""

    title = "Graph store refused the request"


@dataclass(frozen=True)
class GraphStore:
    url: str  # the GSP service URL, possibly with user:password
    timeout_s: float = 300.0  # one graph's upload; large graphs take a while
    _digest: DigestState = field(default_factory=lambda: DigestState(), init=False, repr=False, compare=False)

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
        url = self._graph_url(graph)
        try:
            try:
                self._exchange(method, url, body)
            except urllib.error.HTTPError as err:
                if err.code != 401 or not self._credentials() or not self._learn_challenge(url, err.headers):
                    raise
                err.close()
                self._exchange(method, url, body)  # once more, answering the store's Digest challenge
        except urllib.error.HTTPError as err:
            if absent_ok and err.code == 404:
                return
            detail = err.read().decode("utf-8", "replace")[:300]
            raise GraphStoreRefused(f"{method} <{graph}> at {self.public_url}: {err.code} {detail}") from err
        except (urllib.error.URLError, TimeoutError, ConnectionError) as err:
            reason = getattr(err, "reason", err)
            raise StoreUnavailable(f"{method} <{graph}> at {self.public_url} failed: {reason}") from err

    def _exchange(self, method: str, url: str, body: bytes | None) -> None:
        request = urllib.request.Request(
            url, data=body, method=method, headers=self._headers(method, url, body)
        )
        with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
            response.read()

    def _learn_challenge(self, url: str, headers: Message) -> bool:
        """After a 401: whether a Digest challenge is now known that the failed request had not answered.

        A store that refused Basic without saying what it wants (Virtuoso) is asked with a ``HEAD``, which
        changes nothing and carries no body."""
        challenge = digest_challenge(headers)
        if challenge is None and self._digest.challenge is None:
            probe = urllib.request.Request(url, method="HEAD")
            try:
                urllib.request.urlopen(probe, timeout=self.timeout_s).close()
            except urllib.error.HTTPError as err:
                challenge = digest_challenge(err.headers)
                err.close()
        if challenge is None:
            return False
        stale = challenge.get("stale", "").lower() == "true"
        return self._digest.learn(challenge) or stale

    def _graph_url(self, graph: str) -> str:
        parts = urllib.parse.urlsplit(self.public_url)
        query = "&".join(filter(None, [parts.query, urllib.parse.urlencode({"graph": graph})]))
        return urllib.parse.urlunsplit(parts._replace(query=query))

    def _credentials(self) -> tuple[str, str] | None:
        parts = urllib.parse.urlsplit(self.url)
        if parts.username is None:
            return None
        return urllib.parse.unquote(parts.username), urllib.parse.unquote(parts.password or "")

    def _headers(self, method: str, url: str, body: bytes | None) -> dict[str, str]:
        headers = {"Content-Type": N_TRIPLES} if body is not None else {}
        credentials = self._credentials()
        if credentials is not None:
            user, password = credentials
            selector = urllib.parse.urlsplit(url)._replace(scheme="", netloc="").geturl()
            headers["Authorization"] = self._digest.authorization(user, password, method, selector) or (
                "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
            )
        return headers


def digest_challenge(headers: Message | None) -> dict[str, str] | None:
    """The parameters of a ``WWW-Authenticate: Digest ...`` challenge, or None if there is none."""
    for value in headers.get_all("WWW-Authenticate", []) if headers is not None else []:
        scheme, _, rest = value.strip().partition(" ")
        if scheme.lower() == "digest":
            return urllib.request.parse_keqv_list(urllib.request.parse_http_list(rest))
    return None


DIGEST_HASHES = {
    "MD5": hashlib.md5,
    "MD5-SESS": hashlib.md5,
    "SHA-256": hashlib.sha256,
    "SHA-256-SESS": hashlib.sha256,
}


class DigestState:
    """The store's current Digest challenge and the request count under its nonce (RFC 7616)."""

    def __init__(self) -> None:
        self.challenge: dict[str, str] | None = None
        self._count = 0
        self._lock = threading.Lock()

    def learn(self, challenge: dict[str, str]) -> bool:
        """Adopt ``challenge``; False if it is the one already in use (answering it again would not help)."""
        with self._lock:
            if self.challenge is not None and challenge.get("nonce") == self.challenge.get("nonce"):
                return False
            self.challenge, self._count = challenge, 0
            return True

    def authorization(self, user: str, password: str, method: str, uri: str) -> str | None:
        """The ``Authorization`` value answering the known challenge, or None while none is known."""
        with self._lock:
            if self.challenge is None:
                return None
            challenge = dict(self.challenge)
            self._count += 1
            count = f"{self._count:08x}"
        algorithm = challenge.get("algorithm", "MD5").upper()
        hasher = DIGEST_HASHES.get(algorithm)
        if hasher is None:
            raise GraphStoreRefused(
                f"the graph store asks for Digest with {algorithm}, which kgpub does not speak"
            )

        def h(text: str) -> str:
            return hasher(text.encode("utf-8")).hexdigest()

        realm, nonce, cnonce = challenge.get("realm", ""), challenge.get("nonce", ""), os.urandom(8).hex()
        secret = h(f"{user}:{realm}:{password}")
        if algorithm.endswith("-SESS"):
            secret = h(f"{secret}:{nonce}:{cnonce}")
        target = h(f"{method}:{uri}")
        qops = [q.strip() for q in challenge.get("qop", "").split(",") if q.strip()]
        fields = {"username": user, "realm": realm, "nonce": nonce, "uri": uri, "algorithm": algorithm}
        if "auth" in qops:
            fields["response"] = h(f"{secret}:{nonce}:{count}:{cnonce}:auth:{target}")
            extra = f', qop=auth, nc={count}, cnonce="{cnonce}"'
        else:
            fields["response"] = h(f"{secret}:{nonce}:{target}")
            extra = ""
        if "opaque" in challenge:
            fields["opaque"] = challenge["opaque"]
        quoted = ", ".join(
            f"{key}={value}" if key == "algorithm" else f'{key}="{value}"' for key, value in fields.items()
        )
        return f"Digest {quoted}{extra}"
