"""Write a release's files: the on-disk store, the dumps and the served side files.

Every dump is written from the store that is published, so the downloads contain exactly the published
quads. N-Triples and Turtle carry the union of the graphs; N-Quads, TriG and JSON-LD keep the graphs.
"""

from __future__ import annotations

import gc
import gzip
import hashlib
import os
import shutil
from pathlib import Path
from typing import BinaryIO, Iterable, Mapping

import pyoxigraph as ox

DUMP_PARTS = {"kgpub.nt.gz": "nt.gz", "kgpub.nq.gz": "nq.gz", "kgpub.ttl": "ttl", "kgpub.trig": "trig",
              "kgpub.jsonld": "jsonld"}  # dump file -> suffix of its per-graph parts
DUMP_FILES = tuple(DUMP_PARTS)
PARTS = "parts"


def write_store(source: ox.Store, path: Path) -> int:
    """Copy all quads into a new on-disk store and close it; returns the quads found on reopening it."""
    disk = ox.Store(str(path))
    disk.bulk_extend(source)
    disk.flush()
    disk.optimize()
    del disk  # RocksDB closes when the last reference goes; the release must not hold a lock
    gc.collect()
    return len(ox.Store.read_only(str(path)))


def write_dumps(store: ox.Store, folder: Path, prefixes: dict[str, str], graph_hashes: Mapping[str, str],
                reuse: Path | None = None) -> None:
    """Every dump, assembled from one part per named graph (sorted by graph IRI).

    A part depends only on its graph's IRI and content hash, so an incremental build hard-links the parts of
    unchanged graphs from the previous release (``reuse``) and serializes only the graphs that changed.
    Each format concatenates: gzip members, N-Triples/N-Quads lines, Turtle/TriG statements after one
    ``@prefix`` header, JSON-LD graph objects in one array. A triple stated in two graphs appears in both
    parts of the union formats (N-Triples, Turtle): the same RDF graph, a few repeated lines.
    """
    parts = folder / PARTS
    parts.mkdir(parents=True, exist_ok=True)
    names = {graph: part_name(graph, digest) for graph, digest in sorted(graph_hashes.items())}
    for graph, name in names.items():
        if not (reuse is not None and _link_part(reuse / PARTS, parts, name)):
            _write_part(store, graph, parts, name, prefixes)
    header = "".join(f"@prefix {prefix}: <{iri}> .\n" for prefix, iri in sorted(prefixes.items())).encode()
    for dump, suffix in DUMP_PARTS.items():
        with (folder / dump).open("wb") as out:
            _assemble(out, [parts / f"{name}.{suffix}" for name in names.values()], suffix, header)


def part_name(graph_iri: str, graph_hash: str) -> str:
    return hashlib.sha256(f"{graph_iri}\n{graph_hash}".encode()).hexdigest()[:32]


def _write_part(store: ox.Store, graph: str, parts: Path, name: str, prefixes: dict[str, str]) -> None:
    quads = sorted(store.quads_for_pattern(None, None, None, ox.NamedNode(graph)), key=str)
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
    serialized = {
        "nq.gz": gzip.compress(ox.serialize(quads, format=ox.RdfFormat.N_QUADS), mtime=0),
        "nt.gz": gzip.compress(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), mtime=0),
        "ttl": _without_prefixes(ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes)),
        "trig": _without_prefixes(ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=prefixes)),
        "jsonld": ox.serialize(quads, format=ox.RdfFormat.JSON_LD).strip()[1:-1],  # [{graph}] -> {graph}
    }
    for suffix, data in serialized.items():
        (parts / f"{name}.{suffix}").write_bytes(data)


def _without_prefixes(serialized: bytes) -> bytes:
    lines = serialized.splitlines(keepends=True)
    at = next((i for i, line in enumerate(lines) if not line.startswith(b"@prefix ")), len(lines))
    return b"".join(lines[at:])


def _link_part(previous: Path, parts: Path, name: str) -> bool:
    """Hard-link (or copy, across file systems) a previous release's part files; False if any is missing."""
    sources = [previous / f"{name}.{suffix}" for suffix in DUMP_PARTS.values()]
    if not all(path.is_file() for path in sources):
        return False
    for path in sources:
        try:
            os.link(path, parts / path.name)
        except OSError:
            shutil.copy2(path, parts / path.name)
    return True


def _assemble(out: BinaryIO, parts: list[Path], suffix: str, header: bytes) -> None:
    if suffix in ("ttl", "trig"):
        out.write(header)
    if suffix == "jsonld":
        out.write(b"[")
    written = False
    for path in parts:
        data = path.read_bytes()
        if suffix == "jsonld" and written and data:
            out.write(b",\n")
        out.write(data)
        written = written or bool(data)
    if suffix == "jsonld":
        out.write(b"]\n")


def write_turtle(triples: Iterable[ox.Triple], path: Path, prefixes: dict[str, str]) -> None:
    ox.serialize(list(triples), path, format=ox.RdfFormat.TURTLE, prefixes=prefixes)


def graph_triples(store: ox.Store, graph_iri: str) -> list[ox.Triple]:
    quads = store.quads_for_pattern(None, None, None, ox.NamedNode(graph_iri))
    return [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
