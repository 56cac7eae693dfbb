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
import hashlib
import os
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

from publisher.build import dumps, stats
from publisher.build.load import Project, load
from publisher.build.manifest import MANIFEST_NAME, Manifest
from publisher.build.validate import ValidationReport, validate
from publisher.errors import PublisherError, ValidationFailed
from publisher.settings import ONTOLOGY_IRI, Settings

KEEP_RELEASES = 3
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Build:
    build_id: str
    path: Path  # the published release folder, releases/<build_id>
    manifest: Manifest
    report: ValidationReport


def build(settings: Settings, progress: Progress | None = None) -> Build:
    """Build and publish the project; raises DataError, ValidationFailed or PublisherError, leaving
    ``current`` as it was."""
    say = progress or (lambda _message: None)
    project = load(settings, say)
    report = validate(project)
    say(report.summary())
    if not report.conforms:
        raise ValidationFailed(report.text())
    root = settings.builds_root
    (root / "releases").mkdir(parents=True, exist_ok=True)
    with _exclusive(root / ".build.lock"):
        _remove_stale_staging(root)
        manifest = make_manifest(project, _next_second(root / "releases"))
        staging = root / f".staging-{manifest.build_id}"
        try:
            write_release(project, report, manifest, staging, say)
            final = promote(staging, root, manifest.build_id)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        removed = prune(root, KEEP_RELEASES)
    say(f"published {final.name} ({manifest.triples} triples)" + (f"; removed {len(removed)} old" if removed else ""))
    return Build(build_id=final.name, path=final, manifest=manifest, report=report)


def make_manifest(project: Project, created: datetime) -> Manifest:
    """The manifest; the build id is the UTC time plus a hash of the sources and namespace."""
    sources = {s.relpath: s.sha256 for s in project.sources}
    digest = hashlib.sha256(project.settings.namespace.encode())
    for relpath, sha in sorted(sources.items()):
        digest.update(f"\n{relpath}\t{sha}".encode())
    return Manifest(
        build_id=f"{created:%Y%m%dT%H%M%SZ}-{digest.hexdigest()[:8]}",
        created=created.replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        namespace=project.settings.namespace,
        triples=len(project.store),
        graphs=stats.graph_sizes(project.store),
        sources=sources,
        classes=stats.class_sizes(project.store),
        entities=stats.entity_count(project.store, project.settings.namespace),
        graph_hashes=stats.graph_hashes(project.store),
    )


def write_release(project: Project, report: ValidationReport, manifest: Manifest, folder: Path, say: Progress) -> None:
    """Everything a release holds, written into ``folder`` (which must not exist yet)."""
    folder.mkdir(parents=True)
    stored = dumps.write_store(project.store, folder / "store")
    if stored != manifest.triples:
        raise PublisherError(f"the on-disk store holds {stored} quads, expected {manifest.triples}")
    say(f"wrote store: {stored} quads in {len(manifest.graphs)} graphs")
    dumps.write_dumps(project.store, folder / "dumps", project.prefixes)
    ontology = dumps.graph_triples(project.store, ONTOLOGY_IRI)
    dumps.write_turtle(ontology, folder / "ontology.ttl", project.prefixes)
    dumps.write_turtle(project.shapes, folder / "shapes.ttl", project.prefixes)
    report.graph.serialize(folder / "validation-report.ttl", format="turtle")
    (folder / MANIFEST_NAME).write_text(manifest.to_json(), encoding="utf-8")
    say("wrote dumps, ontology.ttl, shapes.ttl, validation-report.ttl, manifest.json")


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
        now = datetime.now(timezone.utc).replace(microsecond=0)
        if f"{now:%Y%m%dT%H%M%SZ}" > newest:
            return now
        time.sleep(1.0 - datetime.now(timezone.utc).microsecond / 1e6 + 0.01)


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
