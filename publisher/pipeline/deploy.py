"""``kgpub publish --to URL``: copy the current build into a remote store over the Graph Store Protocol.

One named graph per article and per entities file, plus the ontology graph, each replaced with a GSP ``PUT``;
then the graphs the store still has but the build no longer has are deleted, among the dataset's own
graphs only (``{namespace}graph/...`` and the ontology graph; anything else in the store is left alone).

What "atomic" means here: the GSP has no multi-graph transaction, so a publish is atomic *per graph* at
best: one PUT replaces one graph, and whether a reader can catch that graph half-replaced is the store's
business (the protocol does not say). Readers can see some graphs of the new build next to some of the
old one while a publish runs. The order keeps every graph present throughout: the ontology and entities
first (what articles point to), then new and changed articles, and stale graphs are deleted last, so no
graph that either build has is ever absent.

Unchanged graphs are skipped: the manifest records a sha256 per graph, and the last publish to the same
URL is remembered in ``<build_dir>/published/<hash of URL>.json``. A graph is skipped only when its hash
equals the remembered one *and* the store still holds as many triples in it as the build does; ``--force``
sends everything. Someone editing the store behind our back without changing a graph's size is not
detected: publish with ``--force`` after any such manual change.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from publisher.errors import BuildMissing
from publisher.manifest import Manifest
from publisher.queries import load_query
from publisher.settings import ONTOLOGY_IRI, Settings
from publisher.store import Store
from publisher.store.gsp import GraphStore
from publisher.store.terms import serialized

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Plan:
    """What a publish does, in this order: PUT ``put``, leave ``unchanged``, then DELETE ``delete``."""

    put: tuple[str, ...]
    unchanged: tuple[str, ...]
    delete: tuple[str, ...]

    def summary(self) -> str:
        return f"{len(self.put)} graphs replaced, {len(self.unchanged)} unchanged, {len(self.delete)} deleted"


def publish_to(
    settings: Settings,
    target: GraphStore,
    query_store: Store,
    progress: Progress | None = None,
    force: bool = False,
) -> Plan:
    """Publish ``build/current`` into the store behind ``target`` (GSP) and ``query_store`` (its SPARQL
    query endpoint, used to list the graphs it holds). Returns what was done."""
    say = progress or (lambda _message: None)
    release = pinned_release(settings)
    manifest = Manifest.read(release)
    record = record_path(settings, target)
    remembered = {} if force else read_record(record, manifest.namespace)
    work = plan(manifest, remote_graph_sizes(query_store), remembered)
    say(f"publishing {manifest.build_id} to {target.public_url}: {work.summary()}")
    store = ox.Store.read_only(str(release / "store"))
    for graph in work.put:
        target.put(graph, graph_ntriples(store, graph))
        say(f"PUT <{graph}> ({manifest.graphs.get(graph, 0)} triples)")
    write_record(record, manifest)  # every graph of the build is now in place; stale ones may linger
    for graph in work.delete:
        target.delete(graph)
        say(f"DELETE <{graph}>")
    return work


def plan(manifest: Manifest, remote: Mapping[str, int], remembered: Mapping[str, str]) -> Plan:
    """Which graphs to send, skip and delete; graphs to send in an order that never leaves a dangling link."""
    ours = sorted(manifest.graphs, key=lambda graph: (upload_rank(graph, manifest.namespace), graph))
    skipped = tuple(g for g in ours if is_unchanged(g, manifest, remote, remembered))
    stale = tuple(sorted(g for g in remote if in_dataset(g, manifest.namespace) and g not in manifest.graphs))
    return Plan(put=tuple(g for g in ours if g not in skipped), unchanged=skipped, delete=stale)


def is_unchanged(
    graph: str, manifest: Manifest, remote: Mapping[str, int], remembered: Mapping[str, str]
) -> bool:
    known = manifest.graph_hashes.get(graph)
    return (
        known is not None and remembered.get(graph) == known and remote.get(graph) == manifest.graphs[graph]
    )


def upload_rank(graph: str, namespace: str) -> int:
    """Ontology first, then shared entities, then articles (which point to both)."""
    if graph == ONTOLOGY_IRI:
        return 0
    return 2 if graph.startswith(f"{namespace}graph/article/") else 1


def in_dataset(graph: str, namespace: str) -> bool:
    """The graphs a kgpub build owns in a store; only these are ever deleted."""
    return graph == ONTOLOGY_IRI or graph.startswith(f"{namespace}graph/")


def remote_graph_sizes(store: Store) -> dict[str, int]:
    """Triples per named graph the remote store holds now (the same query as the census)."""
    return {str(row["g"]): int(str(row["n"])) for row in store.select(load_query("census_graphs.rq")).rows}


def graph_ntriples(store: ox.Store, graph: str) -> bytes:
    quads = store.quads_for_pattern(None, None, None, ox.NamedNode(graph))
    return serialized(
        ox.serialize(
            (ox.Triple(q.subject, q.predicate, q.object) for q in quads), format=ox.RdfFormat.N_TRIPLES
        )
    )


def pinned_release(settings: Settings) -> Path:
    """The release ``current`` points to now, resolved once so a concurrent build cannot mix two."""
    current = settings.current_build
    if not (current / "manifest.json").is_file() or not (current / "store").is_dir():
        raise BuildMissing(f"no published build at {current}; run `kgpub build` first")
    return current.resolve()


def record_path(settings: Settings, target: GraphStore) -> Path:
    name = hashlib.sha256(target.public_url.encode()).hexdigest()[:16]
    return settings.builds_root / "published" / f"{name}.json"


def read_record(path: Path, namespace: str) -> dict[str, str]:
    """Graph hashes last published to this URL (empty if unknown, unreadable or for another namespace)."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return dict(raw.get("graph_hashes", {})) if raw.get("namespace") == namespace else {}


def write_record(path: Path, manifest: Manifest) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "build_id": manifest.build_id,
        "namespace": manifest.namespace,
        "graph_hashes": dict(manifest.graph_hashes),
    }
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    temporary.replace(path)
