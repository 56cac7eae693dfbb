"""The stores' one HTTP client: a pooled ``requests.Session`` per store URL, with the URL's credentials.

The remote store (``remote.py``, a query per page element) and the Graph Store client (``gsp.py``, a
request per graph) both talk through :class:`HttpClient`, so connections are kept alive and reused instead
of opened per request. User and password in the URL (``http://user:secret@host/store``) are the
credentials; the client is addressed by :attr:`HttpClient.url`, the URL without them, which is also the
only form messages show.

Credentials go as HTTP Basic up front. A store that wants Digest instead (Virtuoso's
``/sparql-graph-crud-auth`` answers a Basic attempt with a bare 401, no challenge) is asked for its
challenge once, with a body-less ``HEAD``, and answered by requests' ``HTTPDigestAuth`` from then on (it
reuses the nonce with a growing count and renews it when the store says it is stale), so a graph's body
is sent again only once, on the request that found out.
"""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import unquote, urlsplit

import requests
from requests.auth import AuthBase, HTTPBasicAuth, HTTPDigestAuth

from publisher.settings import public_url


class HttpClient:
    """A keep-alive session for one service URL. Environment proxies and ``.netrc`` are not read: the
    settings are the whole configuration. Bodies are asked for uncompressed, so they stream as sent."""

    def __init__(self, url: str) -> None:
        self.url = public_url(url)
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.headers["Accept-Encoding"] = "identity"
        credentials = credentials_of(url)
        if credentials is not None:
            self.session.auth = BasicThenDigest(*credentials)

    def request(self, method: str, **kwargs: Any) -> requests.Response:
        """``method`` on the service URL (``params`` add to its query string)."""
        return self.session.request(method, self.url, **kwargs)

    def close(self) -> None:
        self.session.close()


def credentials_of(url: str) -> tuple[str, str] | None:
    parts = urlsplit(url)
    if parts.username is None:
        return None
    return unquote(parts.username), unquote(parts.password or "")


class BasicThenDigest(AuthBase):
    """Basic until the store refuses it, then Digest (module docstring)."""

    def __init__(self, user: str, password: str) -> None:
        self.basic = HTTPBasicAuth(user, password)
        self.digest = HTTPDigestAuth(user, password)
        self.use_digest = False

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        if self.use_digest:
            return cast(requests.PreparedRequest, self.digest(request))
        request = self.basic(request)
        request.register_hook("response", self.switch_on_401)  # type: ignore[no-untyped-call]  # unannotated in requests
        return request

    def switch_on_401(self, response: requests.Response, **kwargs: Any) -> requests.Response:
        """A 401 to Basic: learn the Digest challenge with a ``HEAD``, then send the request again."""
        if response.status_code != 401 or response.request.url is None:
            return response
        self.use_digest = True
        response.close()
        self._answer(response, self.digest(requests.Request("HEAD", response.request.url).prepare()), kwargs)
        again = response.request.copy()
        again.headers.pop("Authorization", None)
        answered = self._answer(response, self.digest(again), kwargs)
        answered.history.append(response)
        return answered

    def _answer(
        self, response: requests.Response, request: requests.PreparedRequest, options: dict[str, Any]
    ) -> requests.Response:
        """Send ``request`` on ``response``'s connection; a Digest challenge is answered once."""
        sent: requests.Response = response.connection.send(request, **options)
        return cast(requests.Response, self.digest.handle_401(sent, **options))  # type: ignore[no-untyped-call]
