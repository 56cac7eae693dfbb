"""Publish a release exactly as ``kgpub build`` does, minus the SHACL validation: ``python -m
benchmarks.unvalidated PROJECT_DIR``.

Why: to time the other phases without the validator, and to publish archives too big to validate in a
benchmark's time (10M). The generated archives are valid by construction (and checked with ``kgpub
validate`` at 10k by the tests). Every other phase runs the product's own functions (``load``,
``write_release``, ``promote``, ``prune``), and progress lines are the same as ``kgpub build``'s, so one
parser times both.
"""

from __future__ import annotations

import sys
from pathlib import Path

from publisher.pipeline.load import load
from publisher.pipeline.publish import (
    KEEP_RELEASES,
    _manifest_header,
    _next_second,
    promote,
    prune,
    write_release,
)
from publisher.prerender import summarise
from publisher.settings import Settings


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def publish_unvalidated(project_dir: Path) -> Path:
    """Load, write and promote a release of ``project_dir`` with an empty validation report."""
    settings = Settings.load(project_dir=project_dir)
    project = load(settings, say)
    root = settings.builds_root
    (root / "releases").mkdir(parents=True, exist_ok=True)
    header = _manifest_header(
        settings.namespace, project.sources, _next_second(root / "releases")
    )  # ids sort by time
    staging = root / f".staging-{header.build_id}"
    manifest, _ = write_release(project, header, staging, say, validated=False)
    final = promote(staging, root, manifest.build_id)
    prune(root, KEEP_RELEASES)
    say(f"published {final.name} ({manifest.triples} triples)")
    summarise(settings, final, say)  # as `kgpub build` does after publishing: the home page's overview
    return final


if __name__ == "__main__":
    publish_unvalidated(Path(sys.argv[1]))
