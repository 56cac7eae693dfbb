"""Write a release's files: the on-disk store, the dumps and the served side files.

Every dump is written from the same in-memory store that is copied into the on-disk store, so the
downloads contain exactly the published quads. N-Triples and Turtle carry the union of the graphs
(duplicates across graphs collapse to one triple); N-Quads, TriG and JSON-LD keep the graphs.
"""

from __future__ import annotations

import gc
import gzip
from pathlib import Path
from typing import Iterable

import pyoxigraph as ox

DUMP_FILES = ("kgpub.nt.gz", "kgpub.nq.gz", "kgpub.ttl", "kgpub.trig", "kgpub.jsonld")


def write_store(source: ox.Store, path: Path) -> int:
    """Copy all quads into a new on-disk store and close it; returns the quads found on reopening it."""
    disk = ox.Store(str(path))
    disk.bulk_extend(source)
    disk.flush()
    disk.optimize()
    del disk  # RocksDB closes when the last reference goes; the release must not hold a lock
    gc.collect()
    return len(ox.Store.read_only(str(path)))


def write_dumps(store: ox.Store, folder: Path, prefixes: dict[str, str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    union = union_triples(store)
    with gzip.open(folder / "kgpub.nq.gz", "wb") as out:
        store.dump(out, format=ox.RdfFormat.N_QUADS)
    with gzip.open(folder / "kgpub.nt.gz", "wb") as out:
        ox.serialize(union, out, format=ox.RdfFormat.N_TRIPLES)
    ox.serialize(union, folder / "kgpub.ttl", format=ox.RdfFormat.TURTLE, prefixes=prefixes)
    store.dump(folder / "kgpub.trig", format=ox.RdfFormat.TRIG, prefixes=prefixes)
    store.dump(folder / "kgpub.jsonld", format=ox.RdfFormat.JSON_LD)


def write_turtle(triples: Iterable[ox.Triple], path: Path, prefixes: dict[str, str]) -> None:
    ox.serialize(list(triples), path, format=ox.RdfFormat.TURTLE, prefixes=prefixes)


def graph_triples(store: ox.Store, graph_iri: str) -> list[ox.Triple]:
    quads = store.quads_for_pattern(None, None, None, ox.NamedNode(graph_iri))
    return [ox.Triple(q.subject, q.predicate, q.object) for q in quads]


def union_triples(store: ox.Store) -> list[ox.Triple]:
    """Distinct triples over all graphs, in a stable order (sorted by their N-Triples form)."""
    distinct = {ox.Triple(q.subject, q.predicate, q.object) for q in store}
    return sorted(distinct, key=str)
