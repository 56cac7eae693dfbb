"""In-process query latency: kgpub's ``EmbeddedStore`` against an rdflib in-memory ``Dataset`` holding the
same quads (parsed from the build's own N-Quads dump), running the same queries.

Two workloads: the competency questions (``publisher/queries/competency/*.rq``, relative IRIs resolved
against the namespace on both engines) and the queries behind an entity page, run through kgpub's own
``describe()`` on both engines (rdflib through a small adapter with the ``Store`` protocol's ``select`` and
``ask``), so the page's query plan is the same and only the engine differs.
"""

from __future__ import annotations

import gzip
import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from rdflib import Dataset, URIRef
from rdflib.term import Identifier

from publisher.settings import Settings
from publisher.store import SelectResult
from publisher.store.embedded import EmbeddedStore
from publisher.web.pages.describe import Window, describe


@dataclass(frozen=True)
class Latency:
    p50_ms: float
    p99_ms: float
    samples: int


class RdflibStore:
    """The ``select``/``ask`` half of kgpub's ``Store`` protocol over an rdflib ``Dataset`` (what ``describe``
    needs), with bindings passed as rdflib ``initBindings``."""

    def __init__(self, dataset: Dataset, namespace: str) -> None:
        self.dataset = dataset
        self.namespace = namespace

    def select(self, query: str, bindings: Mapping[str, Identifier] | None = None) -> SelectResult:
        result = self.dataset.query(query, initBindings=dict(bindings or {}), base=self.namespace)
        variables = tuple(str(v) for v in result.vars or ())
        rows = tuple({str(k): v for k, v in row.asdict().items()} for row in result)  # type: ignore[union-attr]
        return SelectResult(variables=variables, rows=rows)

    def ask(self, query: str, bindings: Mapping[str, Identifier] | None = None) -> bool:
        return bool(
            self.dataset.query(query, initBindings=dict(bindings or {}), base=self.namespace).askAnswer
        )


def competency_queries() -> dict[str, str]:
    """The shipped competency questions by file stem, e.g. ``01-tju-agreement-partners``."""
    folder = files("publisher.queries").joinpath("competency")
    return {
        Path(entry.name).stem: entry.read_text(encoding="utf-8")
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".rq")
    }


def load_rdflib(dump: Path) -> Dataset:
    dataset = Dataset(default_union=True)
    with gzip.open(dump, "rb") as handle:
        dataset.parse(handle, format="nquads")
    return dataset


def sample(
    call: Callable[[], object], budget_s: float, max_samples: int, min_samples: int = 3
) -> list[float]:
    """Wall times of repeated calls, in ms: until the budget or ``max_samples``; ``min_samples`` if they fit in
    five budgets (a query slower than that is measured once per round rather than stalling the run)."""
    times: list[float] = []
    began = time.perf_counter()
    while not times or _more(len(times), time.perf_counter() - began, budget_s, max_samples, min_samples):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return times


def _more(taken: int, elapsed: float, budget_s: float, max_samples: int, min_samples: int) -> bool:
    if taken >= max_samples:
        return False
    return elapsed < budget_s or (taken < min_samples and elapsed < 5 * budget_s)


def percentiles(times: list[float]) -> Latency:
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]
    return Latency(statistics.median(ordered), p99, len(ordered))


def workloads(
    store: object, namespace: str, entities: Mapping[str, str], page_size: int
) -> dict[str, Callable[[], object]]:
    """Every measured call on one engine: each competency question, then each entity page's ``describe``."""
    calls: dict[str, Callable[[], object]] = {}
    for name, text in competency_queries().items():
        calls[f"cq {name}"] = lambda text=text: store.select(text)  # type: ignore[attr-defined]
    for label, path in entities.items():
        iri = URIRef(namespace + path)
        window = Window(size=page_size)
        calls[f"page {label}"] = lambda iri=iri, window=window: describe(store, iri, window, namespace)  # type: ignore[arg-type]
    return calls


def measure(
    settings: Settings,
    entities: Mapping[str, str],
    budget_s: float,
    max_samples: int,
    rdflib_dataset: Dataset,
) -> dict[str, dict[str, Latency]]:
    """One round: ``{workload: {"kgpub": Latency, "rdflib": Latency}}`` on the current build."""
    embedded = EmbeddedStore(settings)
    try:
        namespace = embedded.namespace
        engines = {"kgpub": embedded, "rdflib": RdflibStore(rdflib_dataset, namespace)}
        results: dict[str, dict[str, Latency]] = {}
        for engine, store in engines.items():
            for name, call in workloads(store, namespace, entities, settings.page_size).items():
                results.setdefault(name, {})[engine] = percentiles(sample(call, budget_s, max_samples))
        return results
    finally:
        embedded.close()
