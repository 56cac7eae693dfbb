"""Measure kgpub and its peers on generated archives; print one markdown report.

    python -m benchmarks.run [--sizes 10k,100k] [--repeat 3] [--duration 10] [--work DIR]

Per size: generate the archive (``benchmarks.generate``), time ``kgpub build`` by phase (``builds.py``), time
the queries in process (``EmbeddedStore`` vs rdflib), load every area's targets on kgpub and on its peers
(``load.py``, areas registered in ``targets.py``), then add the held-back article and time the rebuild.
Every figure is the median over ``--repeat`` runs; the raw figures go to ``DIR/results.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

from benchmarks import generate, inprocess, prebuilt_pages
from benchmarks.builds import time_builds, time_rebuilds
from benchmarks.common import REPO, median, say
from benchmarks.load import measure_http
from benchmarks.report import report
from benchmarks.targets import Size


def code_version() -> str:
    """The commit measured, and whether ``publisher/`` differed from it (the tree is shared and moves)."""

    def git(*argv: str) -> str:
        return subprocess.run(["git", *argv], cwd=REPO, capture_output=True, text=True).stdout.strip()

    dirty = git("status", "--porcelain", "--", "publisher", "shapes", "ontology")
    return git("rev-parse", "--short", "HEAD") + (" + uncommitted changes in publisher/" if dirty else "")


def run_size(size: str, args: argparse.Namespace) -> dict[str, Any]:
    work = args.work / size
    project = work / "project"
    say(f"{size}: generating")
    began = time.perf_counter()
    generated = generate.generate(project, generate.parse_size(size), args.seed)
    generate_s = time.perf_counter() - began
    meta = json.loads((project / generate.META_FILE).read_text())
    result: dict[str, Any] = {
        "size": size,
        "triples": generated.triples,
        "articles": generated.articles,
        "hub": meta["hub"],
        "typical": meta["typical"],
        "generate_s": generate_s,
        "load_before": os.getloadavg(),
        "code": code_version(),
    }
    result["build"] = time_builds(project, args, f"{size} build")
    result["pages"] = prebuilt_pages.render_full(project)  # the release served below, with a build's pages
    if not args.skip_inprocess:
        result["inprocess"] = measure_inprocess(project, meta, args)
    result["http"] = measure_http(Size(project, meta, work), args)
    result["rebuild"] = time_rebuilds(project, args)
    result["load_after"] = os.getloadavg()
    return result


def measure_inprocess(project: Path, meta: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    from publisher.settings import Settings

    settings = Settings.load(project_dir=project)
    began = time.perf_counter()
    dataset = inprocess.load_rdflib(settings.current_build / "dumps" / "kgpub.nq.gz")
    rdflib_load_s = time.perf_counter() - began
    entities = {"typical": meta["typical"], "hub": meta["hub"]}
    rounds = []
    for n in range(args.repeat):
        rounds.append(inprocess.measure(settings, entities, args.query_budget, args.max_samples, dataset))
        say(f"{project.parent.name}: in-process round {n + 1}/{args.repeat} done")
    merged: dict[str, Any] = {"rdflib_load_s": rdflib_load_s, "queries": {}}
    for name in rounds[0]:
        merged["queries"][name] = {
            engine: {
                "p50_ms": median(r[name][engine].p50_ms for r in rounds),
                "p99_ms": median(r[name][engine].p99_ms for r in rounds),
                "samples": sum(r[name][engine].samples for r in rounds),
            }
            for engine in rounds[0][name]
        }
    del dataset
    return merged


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    option = parser.add_argument
    option("--sizes", default="10k,100k", help="comma-separated target sizes (10k, 100k, 1M, 10M)")
    option("--repeat", type=int, default=3, help="rounds per figure (the median is reported)")
    option("--wrk-runs", type=int, default=3, help="wrk runs per target per round, each with new connections")
    option("--build-repeat", type=int, help="builds without validation per size (default: --repeat)")
    option("--full-builds", type=int, default=1, help="full `kgpub build` runs per size (default 1)")
    option("--validate-cap", type=float, default=600.0, help="seconds before a full build is stopped")
    option("--skip-inprocess", action="store_true", help="leave out the in-process query comparison")
    option("--duration", type=float, default=10.0, help="seconds of load per wrk run")
    option("--query-budget", type=float, default=2.0, help="seconds per query per round, in process")
    option("--max-samples", type=int, default=200, help="most calls per query per round, in process")
    option("--seed", type=int, default=1)
    option("--skip-peers", default="", help="comma-separated peers not to run")
    option("--work", type=Path, default=Path("/tmp/kgpub-bench"), help="where projects and logs go")
    args = parser.parse_args(argv)
    args.build_repeat = args.build_repeat or args.repeat
    args.skip_peers = {p for p in args.skip_peers.split(",") if p}
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    results = []
    for size in args.sizes.split(","):
        results.append(run_size(size.strip(), args))
        (args.work / "results.json").write_text(json.dumps(results, indent=2))
    print(report(results, args))


if __name__ == "__main__":
    main()
