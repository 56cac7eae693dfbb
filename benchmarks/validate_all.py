"""Time validating a whole published release with the build's engines, over its on-disk store:
``python -m benchmarks.validate_all PROJECT_DIR [--repeat N]``.

What an incremental build would pay to validate everything instead of what a change can reach (see
``pipeline/reach.py``): every SHACL-SPARQL rule in pyoxigraph (``sparql_rules.run``), and the SHACL Core
shapes in the ``shacl`` engine (``core_shacl.validate``, the store's N-Quads dump included).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from publisher.pipeline import core_shacl, sparql_rules


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", type=Path, help="a project with a published build, e.g. /tmp/p1m")
    parser.add_argument(
        "--build-dir", type=Path, help="where builds are published (default: PROJECT_DIR/build)"
    )
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    builds = args.build_dir or args.project / "build"
    store = ox.Store.read_only(str((builds / "current").resolve() / "store"))
    shapes = Graph()
    for path in sorted((args.project / "shapes").glob("*.ttl")):
        shapes.parse(path, format="turtle")
    core, rules = sparql_rules.split(shapes)
    for _ in range(args.repeat):
        started = time.perf_counter()
        sparql_rules.run(rules, store, Graph())
        rules_s = time.perf_counter() - started
        started = time.perf_counter()
        core_shacl.validate(store, core)
        core_s = time.perf_counter() - started
        print(
            f"{len(rules)} SHACL-SPARQL rules: {rules_s:.2f} s; SHACL Core (shacl engine, dump included): "
            f"{core_s:.2f} s"
        )


if __name__ == "__main__":
    main()
