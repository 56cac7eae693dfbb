"""HTTP figures of an already built project: ``python -m benchmarks.serve_only PROJECT_DIR [--repeat 1]``.

The HTTP part of ``benchmarks.run`` (``load.py``: kgpub with every area's targets, then the peers not
skipped), on a project whose release is already published: for sizes where generating, building and
rendering every page in the run would take most of an hour (10M: ``benchmarks.generate`` then
``kgpub build --full --no-pages``, so its pages are rendered live). Prints the HTTP and server tables.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from benchmarks import generate
from benchmarks.load import measure_http
from benchmarks.report import http_table, server_table, split_note
from benchmarks.run import code_version
from benchmarks.targets import Size


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("project", type=Path)
    parser.add_argument("--repeat", type=int, default=1, help="rounds per figure (the median is reported)")
    parser.add_argument("--wrk-runs", type=int, default=3, help="wrk runs per target per round")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds of load per wrk run")
    parser.add_argument("--skip-peers", default="", help="comma-separated peers not to run")
    parser.add_argument(
        "--work", type=Path, help="where logs and data copies go (default: beside the project)"
    )
    args = parser.parse_args(argv)
    args.skip_peers = {p for p in args.skip_peers.split(",") if p}
    work = args.work or args.project.parent / f"{args.project.name}-serve-only"
    work.mkdir(parents=True, exist_ok=True)
    meta = json.loads((args.project / generate.META_FILE).read_text())
    manifest = json.loads((args.project / "build" / "current" / "manifest.json").read_text())
    result = {
        "size": f"{manifest['triples']:,} triples",
        "load_before": os.getloadavg(),
        "code": code_version(),
    }
    result["http"] = measure_http(Size(args.project, meta, work), args)
    result["load_after"] = os.getloadavg()
    (work / "results.json").write_text(json.dumps(result, indent=2))
    loads = " ".join(f"{x:.1f}" for x in (*result["load_before"], *result["load_after"]))
    print(f"Code measured: {result['code']}; load average before/after (1, 5, 15 min): {loads}\n")
    print("\n\n".join((http_table([result]), split_note([result]), server_table([result]))))


if __name__ == "__main__":
    main()
