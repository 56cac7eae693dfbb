"""The store layer: how the serving side reaches a SPARQL engine.

Views (and ``kgpub query``, ``kgpub publish``'s listing of a remote store) talk to a :class:`Store`;
``open_store(settings)`` picks the embedded engine (pyoxigraph over the published build) or a remote
SPARQL 1.1 endpoint, so no view imports an engine (``tests/test_pages.py``). The pipeline is the other
place that knows pyoxigraph, on purpose: it parses into the engine's store, runs the validation engines
and writes the engine's on-disk store that this layer opens.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from rdflib.term import Identifier, Node

if TYPE_CHECKING:
    from pathlib import Path

    from publisher.errors import PublisherError
    from publisher.settings import Settings

Row = Mapping[str, Node]


@dataclass(frozen=True)
class SelectResult:
    variables: tuple[str, ...]
    rows: tuple[Row, ...]
    truncated: bool = False


@dataclass(frozen=True)
class ProtocolResult:
    """A user query's answer, already serialized in the negotiated media type."""

    body: bytes
    media_type: str
    truncated: bool = False


@dataclass(frozen=True)
class UserQuery:
    """A query as received over the SPARQL protocol, with its dataset (graph IRIs) and output format."""

    text: str
    media_type: str
    default_graph_uris: Sequence[str] = ()
    named_graph_uris: Sequence[str] = ()


class Store(Protocol):
    """Read-only access to the published graph (``warm_up`` and ``close``: a server's worker starts and ends).

    ``select``/``ask``/``construct`` are for the publisher's own fixed queries (from ``publisher/queries``)
    with values bound through ``bindings``, never spliced into text; ``select`` cuts its rows at the row cap
    unless told ``capped=False`` (for a fixed query whose answer the build bounds, read once per build).
    ``select_bounded`` is for a fixed query whose cost a request chooses (a search phrase): it runs under
    the time limit of user queries (``QueryTimeout``, 503, past it) and is capped. ``run_user_query`` is for untrusted
    queries from the endpoint: policy-checked, time-limited, size-capped, and serialized in the store.
    Its ``on_overrun``, when the caller can give one, answers the client with an error from another
    thread: a store may then run a query on the caller's own thread and, past the deadline, answer through
    it and never return (``store/watchdog.py``). The default graph is the union of all named graphs.
    """

    def select(
        self, query: str, bindings: Mapping[str, Identifier] | None = None, capped: bool = True
    ) -> SelectResult: ...

    def select_bounded(
        self, query: str, bindings: Mapping[str, Identifier] | None = None
    ) -> SelectResult: ...

    def ask(self, query: str, bindings: Mapping[str, Identifier] | None = None) -> bool: ...

    def construct(
        self, query: str, bindings: Mapping[str, Identifier] | None = None
    ) -> list[tuple[Node, Node, Node]]: ...

    def run_user_query(
        self, query: UserQuery, on_overrun: Callable[[PublisherError], None] | None = None
    ) -> ProtocolResult: ...

    def warm_up(self) -> None:
        """Start, in the background, what a first user query would otherwise wait for; return at once."""

    def close(self) -> None: ...


def open_store(settings: Settings, release: Path | None = None) -> Store:
    """The embedded store over ``release`` (default: the current build), or a remote endpoint when
    ``store_url`` is set."""
    if settings.store_url:
        from publisher.store.remote import RemoteStore

        return RemoteStore(settings)
    from publisher.store.embedded import EmbeddedStore

    return EmbeddedStore(settings, release)
