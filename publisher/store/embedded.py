"""The embedded store: pyoxigraph over the published build, opened read-only.

Fixed queries (``select``/``ask``/``construct``) run in process on the on-disk store: they are ours, fast
and bounded. Values reach them only through pyoxigraph ``substitutions`` (never spliced into text), so an
IRI containing ``>`` or a literal containing ``"`` cannot change a query's shape. Note that pyoxigraph only
substitutes variables a SELECT *projects*: ``SELECT ?p ?o WHERE { ?s ?p ?o }`` cannot bind ``?s``; write
``SELECT ?s ?p ?o`` (or ``SELECT *``), and for aggregates ``GROUP BY`` the bound variable.

Untrusted queries pass the policy check (``policy.py``), then take one of two lanes, by their text:

* **streaming** (``streaming.py``: connected triple patterns, simple FILTERs, LIMIT/OFFSET; memory bounded
  by the row cap) run on the request's own thread, over the release's in-memory copy (``memory.py``;
  the on-disk store while it loads, or when the release is too big for memory), under the process's watchdog
  (``watchdog.py``: 503 at the deadline, then the worker is replaced). Only when the caller can answer
  the client from another thread (``on_overrun``), the server can replace the worker, and the server had
  no runaway lately (``watchdog.runaway_recent``: then they go to the query processes too, where a
  runaway costs no worker).
* **everything else** runs in a query process (``sandbox.py``: killed at the deadline, memory-limited).

Why two lanes, measured 2026-12-07 on 2 cores (wrk -t2 -c4, distinct query texts, 100k triples): any hop
of a small query to another thread or process cost ~25% of the throughput of the bare Flask + pyoxigraph
app, however cheap the hop itself (9 us for a socket round trip): the request then waits for two wake-ups
on busy cores. The worker's own thread is the one place a small query costs what it costs the bare app;
the lane rule keeps there only what cannot take the worker's memory, and the watchdog keeps the time limit.

What it costs (README, "How a query runs"): an in-memory copy of the release in every worker
(``memory.py``: 320 MiB at 1M triples); a process's isolation for streaming queries (an engine crash takes
its worker's other requests with it); and a worker restart per streaming runaway that comes after a quiet
window (``watchdog.py``). The memory limit is kept by the lane rule instead of a process limit;
``tests/test_lanes.py`` checks both.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path

import pyoxigraph as ox
from rdflib.term import Identifier, Node

from publisher.errors import BuildMissing, PublisherError, QueryTimeout
from publisher.formats import JSON_RESULTS
from publisher.manifest import Manifest
from publisher.settings import Settings
from publisher.store import ProtocolResult, SelectResult, UserQuery
from publisher.store.memory import MemoryCopy
from publisher.store.policy import QueryFacts, check_user_query
from publisher.store.results import evaluate, selection
from publisher.store.sandbox import Sandbox, SandboxConfig
from publisher.store.terms import substitutions, to_rdflib, with_bindings
from publisher.store.watchdog import Overrun, can_stop_runaways, note_runaway, runaway_recent, watchdog


class EmbeddedStore:
    """Read-only access to one release: ``release_dir``, or what ``settings.current_build`` resolves to."""

    def __init__(self, settings: Settings, release_dir: Path | None = None) -> None:
        self.settings = settings
        self.release_dir = release_dir or resolve_release(settings)
        self.manifest = Manifest.read(self.release_dir)
        self.namespace = self.manifest.namespace  # the build's namespace wins: its IRIs were minted in it
        self._store = ox.Store.read_only(str(self.release_dir / "store"))
        self._memory = MemoryCopy(self.release_dir, self.manifest.triples, settings.memory_store_triples)
        self._sandbox = Sandbox(
            SandboxConfig(
                store_path=self.release_dir / "store",
                base_iri=self.manifest.namespace,
                timeout_s=settings.query_timeout_s,
                max_rows=settings.max_result_rows,
                memory_bytes=settings.query_memory_mb * 2**20,
                processes=settings.query_processes,
            )
        )

    def select(
        self, query: str, bindings: Mapping[str, Identifier] | None = None, capped: bool = True
    ) -> SelectResult:
        answer = self._query(query, bindings)
        if not isinstance(answer, ox.QuerySolutions):
            raise PublisherError("select() was given a query that is not a SELECT")
        return selection(answer, self.settings.max_result_rows if capped else None)

    def select_bounded(self, query: str, bindings: Mapping[str, Identifier] | None = None) -> SelectResult:
        """In a query process (killed at the time limit), the values written into the text as ``VALUES``
        (a query process takes text only); the answer crosses the pipe as SPARQL JSON."""
        text = with_bindings(query, bindings or {})
        answer = self._sandbox.run(UserQuery(text, JSON_RESULTS.media_type), names_dataset=False)
        solutions = ox.parse_query_results(answer.body, format=ox.QueryResultsFormat.JSON)
        if not isinstance(solutions, ox.QuerySolutions):
            raise PublisherError("select_bounded() was given a query that is not a SELECT")
        return selection(solutions, None, answer.truncated)

    def ask(self, query: str, bindings: Mapping[str, Identifier] | None = None) -> bool:
        answer = self._query(query, bindings)
        if not isinstance(answer, ox.QueryBoolean):
            raise PublisherError("ask() was given a query that is not an ASK")
        return bool(answer)

    def construct(
        self, query: str, bindings: Mapping[str, Identifier] | None = None
    ) -> list[tuple[Node, Node, Node]]:
        answer = self._query(query, bindings)
        if not isinstance(answer, ox.QueryTriples):
            raise PublisherError("construct() was given a query that is not a CONSTRUCT or DESCRIBE")
        return [(to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)) for t in answer]

    def run_user_query(self, query: UserQuery, on_overrun: Overrun | None = None) -> ProtocolResult:
        """Policy check (403/413), then one of the two lanes (400 syntax, 406 format, 503 past the limit)."""
        facts = check_user_query(query.text, self.settings)
        streams = facts.streams and can_stop_runaways()
        if streams and on_overrun is not None and not runaway_recent():
            return self._on_this_thread(query, facts, on_overrun)
        try:
            return self._sandbox.run(query, names_dataset=facts.has_dataset_clause)
        except QueryTimeout:
            if streams:  # a streaming runaway while runaways are recent: keep streaming queries here
                note_runaway()
            raise

    def _on_this_thread(self, query: UserQuery, facts: QueryFacts, on_overrun: Overrun) -> ProtocolResult:
        limit = self.settings.query_timeout_s
        engine = self._memory.loaded() or self._store  # never waits for the copy: see ``memory.py``
        stopped = QueryTimeout(f"the query ran longer than {limit:g} s and was stopped")
        with watchdog().ticket(time.monotonic() + limit, on_overrun, stopped):
            return evaluate(
                engine, query, self.namespace, self.settings.max_result_rows, facts.has_dataset_clause
            )

    def warm_up(self) -> None:
        self._sandbox.prestart()

    def close(self) -> None:
        self._memory.close()
        self._sandbox.close()

    def _query(self, query: str, bindings: Mapping[str, Identifier] | None) -> object:
        try:
            return self._store.query(
                query,
                base_iri=self.manifest.namespace,
                use_default_graph_as_union=True,
                substitutions=substitutions(dict(bindings) if bindings else None),
            )
        except SyntaxError as err:  # a fixed query is ours: a bug, not the client's fault
            raise PublisherError(f"fixed query does not parse: {err}") from err
        except RuntimeError as err:
            hint = " (a bound variable must be projected by the SELECT)" if "projection" in str(err) else ""
            raise PublisherError(f"fixed query failed: {err}{hint}") from err


def resolve_release(settings: Settings) -> Path:
    """The release ``build/current`` points to; BuildMissing (503, exit 4) when there is none."""
    current = settings.current_build
    if not (current / "store").is_dir() or not (current / "manifest.json").is_file():
        raise BuildMissing(f"no published build at {current}; run `kgpub build` first")
    return current.resolve()
