"""Publish a release exactly as ``kgpub build`` does, minus the SHACL validation: ``python -m
benchmarks.unvalidated PROJECT_DIR``.

Why: pySHACL's time grows so fast with the archive (see README.md) that at 100k triples and beyond a full
``kgpub build`` does not finish within a benchmark run. The generated archives are valid by construction
(and checked with ``kgpub validate`` at 10k by the tests), so the benchmark times validation separately,
capped, and publishes the releases it serves from with this. Every other phase runs the product's own
functions (``load``, ``make_manifest``, ``write_release``, ``promote``, ``prune``), and progress lines are the
same as ``kgpub build``'s, so one parser times both.
"""

from __future__ import annotations

import sys
from pathlib import Path

from rdflib import Graph

from publisher.build.load import load
from publisher.build.publish import KEEP_RELEASES, _next_second, make_manifest, promote, prune, write_release
from publisher.build.validate import ValidationReport
from publisher.settings import Settings


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def publish_unvalidated(project_dir: Path) -> Path:
    """Load, write and promote a release of ``project_dir`` with an empty validation report."""
    settings = Settings.load(project_dir=project_dir)
    project = load(settings, say)
    say("SHACL validation: skipped (benchmarks.unvalidated)")
    root = settings.builds_root
    (root / "releases").mkdir(parents=True, exist_ok=True)
    manifest = make_manifest(project, _next_second(root / "releases"))  # ids sort by time, as prune needs
    staging = root / f".staging-{manifest.build_id}"
    write_release(project, ValidationReport(results=(), graph=Graph(), shapes=Graph()), manifest, staging, say)
    final = promote(staging, root, manifest.build_id)
    prune(root, KEEP_RELEASES)
    say(f"published {final.name} ({manifest.triples} triples)")
    return final


if __name__ == "__main__":
    publish_unvalidated(Path(sys.argv[1]))
