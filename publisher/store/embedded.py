"""The embedded store: pyoxigraph over the published build, opened read-only.

Fixed queries (``select``/``ask``/``construct``) run in process: they are ours, fast and bounded.
Values reach them only through pyoxigraph ``substitutions`` (never spliced into text), so an IRI
containing ``>`` or a literal containing ``"`` cannot change a query's shape. Note that pyoxigraph only
substitutes variables a SELECT *projects*: ``SELECT ?p ?o WHERE { ?s ?p ?o }`` cannot bind ``?s``; write
``SELECT ?s ?p ?o`` (or ``SELECT *``), and for aggregates ``GROUP BY`` the bound variable.
Untrusted queries go through the policy check and the sandbox (time limit, size cap).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pyoxigraph as ox
from rdflib.term import Identifier, Node

from publisher.errors import BuildMissing, PublisherError
from publisher.manifest import Manifest
from publisher.settings import Settings
from publisher.store import ProtocolResult, Row, SelectResult, UserQuery
from publisher.store.policy import check_user_query
from publisher.store.sandbox import Sandbox, SandboxConfig
from publisher.store.terms import substitutions, to_rdflib


class EmbeddedStore:
    """Read-only access to ``settings.current_build``, pinned to the release it resolved to when opened."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.release_dir = resolve_release(settings)
        self.manifest = Manifest.read(self.release_dir)
        self.namespace = self.manifest.namespace  # the build's namespace wins: its IRIs were minted in it
        self._store = ox.Store.read_only(str(self.release_dir / "store"))
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

    def select(self, query: str, bindings: Mapping[str, Identifier] | None = None) -> SelectResult:
        answer = self._query(query, bindings)
        if not isinstance(answer, ox.QuerySolutions):
            raise PublisherError("select() was given a query that is not a SELECT")
        variables = tuple(v.value for v in answer.variables)
        rows: list[Row] = []
        truncated = False
        for solution in answer:
            if len(rows) == self.settings.max_result_rows:
                truncated = True
                break
            rows.append(
                {
                    name: to_rdflib(term)
                    for name, term in zip(variables, solution, strict=False)
                    if term is not None
                }
            )
        return SelectResult(variables=variables, rows=tuple(rows), truncated=truncated)

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

    def run_user_query(self, query: UserQuery) -> ProtocolResult:
        """Policy check (403/413), then the sandbox (400 syntax, 406 format, 503 timeout)."""
        facts = check_user_query(query.text, self.settings)
        return self._sandbox.run(query, names_dataset=facts.has_dataset_clause)

    def close(self) -> None:
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
