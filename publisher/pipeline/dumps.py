"""Write a release's files: the on-disk store, the dumps and the served side files.

Every dump is written from the store that is published, so the downloads contain exactly the published
quads. N-Triples and Turtle carry the union of the graphs; N-Quads, TriG and JSON-LD keep the graphs.
"""

from __future__ import annotations

import gc
import gzip
import json
import os
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from publisher.formats import DUMP_FILES, DumpFile
from publisher.pipeline import stats
from publisher.store.terms import rdf_format, serialized

INDEX = "index.json"  # graph -> content hash, and each graph's byte range in each dump


class StoreWriter:
    """Builds a release's on-disk store from an N-Quads file in a background thread.

    pyoxigraph's bulk loader releases the GIL when it reads a file, so the store (14 s at 1M triples,
    the longest step of a build) is built while the build validates, counts and writes the dumps. Blank
    nodes get new labels on the way (the loader mints its own); the store and the dumps hold the same
    graphs, as RDF, and the project's data has none.
    """

    def __init__(self, quads: Path, path: Path) -> None:
        self.path = path
        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._write, args=(quads,), name="kgpub-store-writer", daemon=True
        )
        self._thread.start()

    def _write(self, quads: Path) -> None:
        try:
            disk = ox.Store(str(self.path))
            disk.bulk_load(path=quads, format=ox.RdfFormat.N_QUADS)
            disk.flush()
            disk.optimize()  # measured without it at 1M: a smaller store (196 MB, not 317), same query times,
            # but no faster build (34-38 s against 32-34 s, alternating runs)
            del disk  # RocksDB closes when the last reference goes; the release must not hold a lock
        except BaseException as err:  # re-raised in the building thread by ``finish``
            self._error = err

    def finish(self) -> int:
        """Wait for the store; returns the quads found on reopening it read-only."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        gc.collect()
        return len(ox.Store.read_only(str(self.path)))


def write_dumps(
    store: ox.Store,
    folder: Path,
    prefixes: dict[str, str],
    graph_hashes: Mapping[str, str] | None = None,
    reuse: Path | None = None,
) -> dict[str, str]:
    """Every dump, one part per named graph (sorted by graph IRI), and ``index.json`` saying where each is;
    returns each graph's hash (``stats.quads_hash``), computed on the way when ``graph_hashes`` is None.

    Each format concatenates: gzip members, N-Triples/N-Quads lines, Turtle/TriG statements after one
    ``@prefix`` header, JSON-LD graph objects in one array. A part depends only on its graph's content, so
    an incremental build copies the parts of unchanged graphs from the previous release's dumps
    (``reuse``: its folder, with ``graph_hashes`` the new hashes) as byte ranges, in long runs, and
    serializes only the graphs that changed. A triple stated in two graphs appears in both parts of the
    union formats (N-Triples, Turtle): the same RDF graph, a few repeated lines.
    """
    folder.mkdir(parents=True, exist_ok=True)
    previous = _read_index(reuse)
    header = "".join(f"@prefix {prefix}: <{iri}> .\n" for prefix, iri in sorted(prefixes.items())).encode()
    writers = {
        dump.name: _DumpWriter(folder / dump.name, dump, header, reuse / dump.name if reuse else None)
        for dump in DUMP_FILES
    }
    graphs = (
        sorted(graph_hashes)
        if graph_hashes is not None
        else sorted(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode))
    )
    hashes: dict[str, str] = {}
    try:
        for graph in graphs:
            if graph_hashes is not None and previous.get("graphs", {}).get(graph) == graph_hashes[graph]:
                hashes[graph] = graph_hashes[graph]
                for dump, writer in writers.items():
                    writer.copy(graph, *previous["ranges"][dump][graph])
                continue
            hashes[graph], parts = _serialize_part(store, graph, prefixes)
            for writer, data in zip(writers.values(), parts, strict=True):
                writer.write(graph, data)
    finally:
        for writer in writers.values():
            writer.close()
    index = {"graphs": hashes, "ranges": {dump: writer.ranges for dump, writer in writers.items()}}
    (folder / INDEX).write_text(json.dumps(index, sort_keys=True) + "\n", encoding="utf-8")
    return hashes


def _read_index(folder: Path | None) -> dict[str, Any]:
    """The previous release's dump index; empty (nothing reusable) when absent or unreadable."""
    if folder is None:
        return {}
    try:
        index = json.loads((folder / INDEX).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    complete = all(d.name in index.get("ranges", {}) and (folder / d.name).is_file() for d in DUMP_FILES)
    return index if complete else {}


def _serialize_part(store: ox.Store, graph: str, prefixes: dict[str, str]) -> tuple[str, tuple[bytes, ...]]:
    """One graph's hash and its part in each dump, in ``DUMP_FILES`` order.

    The triples are sorted by their N-Triples text (the order is the store's otherwise, which differs
    between a built and a patched store), and that sorted text is what the graph's hash covers.
    """
    quads = list(store.quads_for_pattern(None, None, None, ox.NamedNode(graph)))
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
    rows = sorted(
        zip(map(str, triples), triples, quads, strict=False)
    )  # a graph's triples are distinct: texts decide
    texts, triples, quads = [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]
    parts = tuple(_part(dump, triples, quads, prefixes) for dump in DUMP_FILES)
    return stats.lines_hash(texts), parts


def _part(dump: DumpFile, triples: list[ox.Triple], quads: list[ox.Quad], prefixes: dict[str, str]) -> bytes:
    """One graph in one dump: quads where the syntax keeps graphs, triples (the union) elsewhere; Turtle
    and TriG without their ``@prefix`` lines (the dump has one header), JSON-LD as one graph object of the
    dump's array, gzip level 6 (gzip's own default: at 1M triples level 9 took 4.8 s of the dump pass,
    level 6 3.1 s)."""
    syntax = dump.syntax
    statements: list[ox.Triple] | list[ox.Quad] = quads if syntax.named_graphs else triples
    if syntax.prefixed:
        return _without_prefixes(
            serialized(ox.serialize(statements, format=rdf_format(syntax), prefixes=prefixes))
        )
    data = serialized(ox.serialize(statements, format=rdf_format(syntax)))
    if syntax.extension == "jsonld":
        data = data.strip()[1:-1]  # [{graph}] -> {graph}
    return gzip.compress(data, compresslevel=6, mtime=0) if dump.compressed else data


def _without_prefixes(text: bytes) -> bytes:
    lines = text.splitlines(keepends=True)
    at = next((i for i, line in enumerate(lines) if not line.startswith(b"@prefix ")), len(lines))
    return b"".join(lines[at:])


class _DumpWriter:
    """Writes one dump part by part, recording each part's byte range; copied parts are coalesced into
    runs (consecutive in the previous dump, separators included) and copied by the kernel."""

    def __init__(self, path: Path, dump: DumpFile, header: bytes, previous: Path | None) -> None:
        self.out = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        self.source = os.open(previous, os.O_RDONLY) if previous is not None and previous.is_file() else None
        array = dump.syntax.extension == "jsonld"  # graph objects in one array
        self.separator = b",\n" if array else b""
        self.trailer = b"]\n" if array else b""
        self.position = 0
        self.parts = 0
        self.run: tuple[int, int] | None = None  # pending copy: [start, end) in the previous dump
        self.ranges: dict[str, tuple[int, int]] = {}
        self._emit(b"[" if array else header if dump.syntax.prefixed else b"")

    def write(self, graph: str, data: bytes) -> None:
        self._flush_run()
        self._begin_part()
        self.parts += 1
        self.ranges[graph] = (self.position, len(data))
        self._emit(data)

    def copy(self, graph: str, offset: int, length: int) -> None:
        if self.run is not None and self.run[1] + len(self.separator) == offset:
            start = self.position + self.run[1] - self.run[0] + len(self.separator)
            self.run = (self.run[0], offset + length)
        else:
            self._flush_run()
            self._begin_part()
            start, self.run = self.position, (offset, offset + length)
        self.parts += 1
        self.ranges[graph] = (start, length)

    def close(self) -> None:
        try:
            self._flush_run()
            self._emit(self.trailer)
        finally:
            os.close(self.out)
            if self.source is not None:
                os.close(self.source)

    def _begin_part(self) -> None:
        if self.parts:
            self._emit(self.separator)

    def _flush_run(self) -> None:
        if self.run is None:
            return
        start, end = self.run
        self.run = None
        assert self.source is not None, "a part was copied from a previous dump that is not there"
        _copy_range(self.source, self.out, start, end - start)
        self.position += end - start

    def _emit(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(self.out, view) :]
        self.position += len(data)


def _copy_range(source: int, target: int, offset: int, length: int) -> None:
    """Append ``length`` bytes of ``source`` from ``offset`` to ``target``, in the kernel where it can."""
    while length:
        try:
            copied = os.copy_file_range(source, target, length, offset)
        except OSError:  # not supported between these files: read and write
            copied = len(chunk := os.pread(source, min(length, 1 << 23), offset))
            view = memoryview(chunk)
            while view:
                view = view[os.write(target, view) :]
        if copied == 0:
            raise OSError(f"the previous dump ended {length} bytes early")
        offset, length = offset + copied, length - copied


def write_turtle(triples: Iterable[ox.Triple], path: Path, prefixes: dict[str, str]) -> None:
    """The ontology or the shapes as Turtle, the same bytes for the same triples in the same order: blank
    nodes (a parse names them at random) are renamed by first appearance, and triples sorted, so two builds
    of the same files, full or incremental, write the same file."""
    ox.serialize(
        sorted(_stable_blank_nodes(triples), key=str), path, format=ox.RdfFormat.TURTLE, prefixes=prefixes
    )


def _stable_blank_nodes(triples: Iterable[ox.Triple]) -> list[ox.Triple]:
    names: dict[ox.BlankNode, ox.BlankNode] = {}

    def stable(term: Any) -> Any:
        if isinstance(term, ox.BlankNode):
            return names.setdefault(term, ox.BlankNode(f"b{len(names)}"))
        return term

    return [ox.Triple(stable(t.subject), t.predicate, stable(t.object)) for t in triples]


def graph_triples(store: ox.Store, graph_iri: str) -> list[ox.Triple]:
    quads = store.quads_for_pattern(None, None, None, ox.NamedNode(graph_iri))
    return [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
