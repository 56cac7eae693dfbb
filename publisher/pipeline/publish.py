"""``build()``: load, validate, write a release, then publish it by swapping one symlink.

Layout under ``settings.builds_root``::

    releases/<build_id>/      immutable releases (the newest ``KEEP_RELEASES`` are kept)
    current -> releases/<id>  swapped with os.replace, so readers see the old or the new release, never half
    .staging-<id>/            a release being written; removed if anything fails
    .build.lock               serializes concurrent builds

A failed build (bad syntax, violations, I/O) never touches ``current``: the last good build keeps serving.
"""

from __future__ import annotations

import fcntl
import gc
import hashlib
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph
from rdflib.term import Node

from publisher.errors import PublisherError, ValidationFailed
from publisher.manifest import MANIFEST_NAME, Manifest
from publisher.pipeline import dumps, incremental, stats
from publisher.pipeline.load import (
    Kind,
    Project,
    Source,
    add_declared,
    declared_prefixes,
    discover,
    graphs_stating,
    load,
    parse_file,
    to_rdflib_graph,
)
from publisher.pipeline.validate import ValidationReport, validate, validate_changes
from publisher.settings import ONTOLOGY_IRI, Settings

KEEP_RELEASES = 3
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Build:
    build_id: str
    path: Path  # the published release folder, releases/<build_id>
    manifest: Manifest
    report: ValidationReport


def build(settings: Settings, progress: Progress | None = None, full: bool = False) -> Build:
    """Build and publish the project; raises DataError, ValidationFailed or PublisherError, leaving
    ``current`` as it was. Incremental when only data files changed since the current release (``full``:
    never)."""
    say = progress or (lambda _message: None)
    if not full:
        release = current_release(settings.builds_root)
        previous = incremental.published_manifest(release)
        known = previous.known_sources() if previous is not None else None
        changes = incremental.plan(settings, discover(settings, known), release, previous)
        if isinstance(changes, incremental.Changes) and not changes.changed_files and previous is not None:
            say(f"nothing changed since {previous.build_id}: nothing published")
            return Build(
                build_id=previous.build_id,
                path=changes.release,
                manifest=previous,
                report=ValidationReport((), Graph(), Graph()),
            )
        if isinstance(changes, incremental.Changes):
            made = _build_incrementally(settings, changes, say)
            if made is not None:
                return made
        else:
            say(f"full build: {changes}")
    project = load(settings, say)
    root = settings.builds_root
    (root / "releases").mkdir(parents=True, exist_ok=True)
    with _exclusive(root / ".build.lock"):
        _remove_stale_staging(root)
        header = _manifest_header(settings.namespace, project.sources, _next_second(root / "releases"))
        staging = root / f".staging-{header.build_id}"
        try:
            manifest, report = write_release(project, header, staging, say)
            final = promote(staging, root, manifest.build_id)
        finally:
            remove_tree(staging)
        return _published(root, final, manifest, report, say)


def _published(root: Path, final: Path, manifest: Manifest, report: ValidationReport, say: Progress) -> Build:
    """After a promotion (under the build lock): prune old releases and say what was published."""
    removed = prune(root, KEEP_RELEASES)
    say(
        f"published {final.name} ({manifest.triples} triples)"
        + (f"; removed {len(removed)} old" if removed else "")
    )
    return Build(build_id=final.name, path=final, manifest=manifest, report=report)


def _build_incrementally(settings: Settings, changes: incremental.Changes, say: Progress) -> Build | None:
    """Publish a release patched from ``changes.release``; None when validation cannot be bounded."""
    root = settings.builds_root
    with _exclusive(root / ".build.lock"):
        if current_release(root) != changes.release:  # another build published since the plan: start over
            say("full build: another build published while this one was planned")
            return None
        _remove_stale_staging(root)
        created = _next_second(root / "releases")
        base = _manifest_header(settings.namespace, changes.sources, created)
        # a unique folder: a failed build's writable store stays locked while its traceback lives (pyoxigraph
        # has no close()), and must not block the next build in the same process
        staging = Path(tempfile.mkdtemp(prefix=f".staging-{base.build_id}-", dir=root))
        try:
            store = incremental.copy_store(changes.release, staging / "store")
            patch = incremental.patch_store(changes, store, say)
            report = validate_changes(
                store,
                _shapes_graph(changes.sources, settings.namespace, changes.manifest.prefixes),
                patch.triples(),
                patch.removed_triples(),
                incremental.previous_report(changes.release),
                _files_finder(store, changes, patch.subject_files),
            )
            if report is None:
                say("full build: the shapes reach further than an incremental validation can bound")
                return None
            say(report.summary())
            if not report.conforms:
                raise ValidationFailed(report.text())
            manifest = incremental.next_manifest(changes, patch, store, base)
            # Close the writable store before the folder is promoted: pyoxigraph closes on the last reference.
            # (Its size is not re-counted, 0.4 s at 1M: the tests compare incremental and full releases.)
            store.flush()
            del store
            gc.collect()
            write_side_files(staging, changes, report, manifest, say)
            final = promote(staging, root, manifest.build_id)
        finally:
            remove_tree(staging)
        return _published(root, final, manifest, report, say)


def write_side_files(
    folder: Path, changes: incremental.Changes, report: ValidationReport, manifest: Manifest, say: Progress
) -> None:
    """Dumps (unchanged graphs' parts linked from the previous release), side files, the manifest.

    A change that declares a prefix no file declared before (or moves one) changes how every Turtle and
    TriG part is written: then every part is written anew, as a full build would, and the build says so.
    The rendered ontology and shapes use their own files' prefixes only, so a data change leaves them be.
    """
    store = ox.Store.read_only(str(folder / "store"))
    prefixes = dict(manifest.prefixes)
    same_prefixes = prefixes == dict(changes.manifest.prefixes)
    dumps.write_dumps(
        store,
        folder / "dumps",
        prefixes,
        manifest.graph_hashes,
        reuse=changes.release / "dumps" if same_prefixes else None,
    )
    if not same_prefixes:
        moved = sorted(prefixes.keys() ^ changes.manifest.prefixes.keys()) or ["an IRI"]
        say(f"the prefixes changed ({', '.join(moved)}): every part of every dump written anew")
    incremental.copy_side_files(changes.release, folder)
    report.graph.serialize(folder / "validation-report.ttl", format="turtle")
    (folder / MANIFEST_NAME).write_text(manifest.to_json(), encoding="utf-8")
    which = "changed graphs only" if same_prefixes else "every graph"
    say(f"wrote dumps ({which}), ontology.ttl, shapes.ttl, validation-report.ttl, manifest.json")


def own_prefixes(project: Project, kind: Kind) -> dict[str, str]:
    """The prefixes the ontology (or shapes) files declare themselves, to render them with: the data's own
    prefixes would make their rendering change whenever an article declared a new one."""
    declared: dict[str, str] = {}
    for source in project.sources:
        if source.kind == kind:
            add_declared(declared, {}, declared_prefixes(source, project.settings.namespace), source.relpath)
    return declared


def with_counts(project: Project, header: Manifest, graph_hashes: Mapping[str, str]) -> Manifest:
    """The manifest of a full build: ``header`` with its counts taken from the whole store."""
    return replace(
        header,
        triples=len(project.store),
        graphs=stats.graph_sizes(project.store),
        classes=stats.class_sizes(project.store),
        entities=stats.entity_count(project.store, project.settings.namespace),
        graph_hashes=dict(sorted(graph_hashes.items())),
        prefixes=dict(sorted(project.prefixes.items())),
        prefix_sources=dict(sorted(project.prefix_sources.items())),
        **stats.void_facts(project.store),
    )


def _manifest_header(namespace: str, sources: tuple[Source, ...], created: datetime) -> Manifest:
    """A manifest without counts; the build id is the UTC time plus a hash of the sources and namespace."""
    hashes = {s.relpath: s.sha256 for s in sources}
    digest = hashlib.sha256(namespace.encode())
    for relpath, sha in sorted(hashes.items()):
        digest.update(f"\n{relpath}\t{sha}".encode())
    return Manifest(
        build_id=f"{created:%Y%m%dT%H%M%SZ}-{digest.hexdigest()[:8]}",
        created=created.replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        namespace=namespace,
        triples=0,
        sources=hashes,
        source_stats={s.relpath: list(s.stat) for s in sources if s.stat},
        builder=incremental.builder(),
    )


def _shapes_graph(sources: Iterable[Source], namespace: str, prefixes: Mapping[str, str]) -> Graph:
    """The shapes files parsed (they are small), for an incremental validation."""
    triples = [t for s in sources if s.kind == "shapes" for t in parse_file(s.path, namespace)[0]]
    return to_rdflib_graph(triples, dict(prefixes))


def _files_finder(
    store: ox.Store, changes: incremental.Changes, parsed: dict[Node, tuple[str, ...]]
) -> Callable[[Node], tuple[str, ...]]:
    """The files describing a node, in source order, as a full build names them: as parsed for the
    re-parsed graphs, else the one file that feeds each graph stating the node."""
    order = {source.relpath: index for index, source in enumerate(changes.sources)}
    feeding = {
        source.graph: source.relpath
        for source in changes.sources
        if source.graph and source.graph not in changes.graphs
    }

    def files_of(node: Node) -> tuple[str, ...]:
        graphs = graphs_stating(store, node)
        found = set(parsed.get(node, ())) | {feeding[graph] for graph in graphs if graph in feeding}
        return tuple(sorted(found, key=order.__getitem__))

    return files_of


def write_release(
    project: Project, header: Manifest, folder: Path, say: Progress, validated: bool = True
) -> tuple[Manifest, ValidationReport]:
    """Validate, then write everything a release holds into ``folder`` (which must not exist yet); returns
    the manifest (``header`` with its counts) and the validation report.

    All quads go to one N-Quads file first: the SHACL Core engine reads it, and so does the store, which
    is built in the background meanwhile (``StoreWriter``); a failed validation still waits for it, since
    a bulk load cannot be interrupted. Raises ``ValidationFailed`` with the report's text. ``validated``
    False skips validation (``benchmarks.unvalidated`` only).
    """
    folder.mkdir(parents=True)
    quads = folder / "all.nq"
    project.store.dump(output=str(quads), format=ox.RdfFormat.N_QUADS)
    writer = dumps.StoreWriter(quads, folder / "store")
    try:
        report = validate(project, union=quads) if validated else ValidationReport((), Graph(), Graph())
        say(report.summary() if validated else "SHACL validation: skipped")
        if not report.conforms:
            raise ValidationFailed(report.text())
        hashes = dumps.write_dumps(project.store, folder / "dumps", project.prefixes)
        manifest = with_counts(project, header, hashes)
        ontology = dumps.graph_triples(project.store, ONTOLOGY_IRI)
        dumps.write_turtle(ontology, folder / "ontology.ttl", own_prefixes(project, "ontology"))
        dumps.write_turtle(project.shapes, folder / "shapes.ttl", own_prefixes(project, "shapes"))
        report.graph.serialize(folder / "validation-report.ttl", format="turtle")
        (folder / MANIFEST_NAME).write_text(manifest.to_json(), encoding="utf-8")
        say("wrote dumps, ontology.ttl, shapes.ttl, validation-report.ttl, manifest.json")
    except BaseException:
        with suppress(Exception):  # the first failure is the one reported; the store is discarded anyway
            writer.finish()
        quads.unlink(missing_ok=True)
        raise
    stored = writer.finish()
    quads.unlink()
    if stored != manifest.triples:
        raise PublisherError(f"the on-disk store holds {stored} quads, expected {manifest.triples}")
    say(f"wrote store: {stored} quads in {len(manifest.graphs)} graphs")
    return manifest, report


def promote(staging: Path, root: Path, build_id: str) -> Path:
    """Move a finished release into ``releases/`` and point ``current`` at it atomically."""
    final = _free_name(root / "releases", build_id)
    staging.rename(final)
    link = root / "current"
    if link.exists() and not link.is_symlink():
        raise PublisherError(f"{link} exists and is not a symlink; refusing to replace it")
    temporary = root / f".current.tmp-{os.getpid()}"
    temporary.unlink(missing_ok=True)
    temporary.symlink_to(Path("releases") / final.name)
    os.replace(temporary, link)
    return final


def prune(root: Path, keep: int) -> list[Path]:
    """Delete releases beyond the newest ``keep`` (ids sort by time); never the one ``current`` names."""
    current = current_release(root)
    releases = sorted((p for p in (root / "releases").iterdir() if p.is_dir()), key=lambda p: p.name)
    doomed = [p for p in releases[:-keep] if p.resolve() != current]
    for path in doomed:
        shutil.rmtree(path, ignore_errors=True)
    return doomed


def current_release(root: Path) -> Path | None:
    link = root / "current"
    return link.resolve() if link.is_symlink() and link.exists() else None


def _next_second(releases: Path) -> datetime:
    """Now, truncated to the second, but later than every existing release's timestamp.

    Release ids sort by time (``prune`` relies on it), so a build finishing within the same second as the
    previous one waits for the clock to tick rather than getting an id that sorts wrongly.
    """
    newest = max((p.name.split("-", 1)[0] for p in releases.iterdir() if p.is_dir()), default="")
    while True:
        now = datetime.now(UTC).replace(microsecond=0)
        if f"{now:%Y%m%dT%H%M%SZ}" > newest:
            return now
        time.sleep(1.0 - datetime.now(UTC).microsecond / 1e6 + 0.01)


def _free_name(folder: Path, build_id: str) -> Path:
    """``folder/build_id``; a ``-N`` suffix only if the clock went backwards onto an existing id."""
    candidate, n = folder / build_id, 1
    while candidate.exists():
        n += 1
        candidate = folder / f"{build_id}-{n}"
    return candidate


def _remove_stale_staging(root: Path) -> None:
    """Under the lock, any staging folder is left over from a crashed build."""
    for stale in root.glob(".staging-*"):
        shutil.rmtree(stale, ignore_errors=True)


@contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def remove_tree(path: Path, attempts: int = 20) -> None:
    """Remove a staging folder, again while something still writes into it: a failed build's store is
    flushed by RocksDB's background threads until its last reference goes (pyoxigraph has no close()), and
    a file it writes during the removal keeps the folder (seen with the suite under load)."""
    for _ in range(attempts):
        shutil.rmtree(path, ignore_errors=True)
        if not path.exists():
            return
        time.sleep(0.05)
