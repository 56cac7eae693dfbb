"""``/sparql`` by hand, alternated: ``python -m benchmarks.alternate PROJECT_DIR [--rounds 3] [--runs 2]``.

kgpub and its reference are started in turn, each once per round (so a slow minute of a shared machine
falls on both), loaded with ``--runs`` wrk runs of ``--duration`` seconds each, with the connections spread
evenly over the workers (``servers.wrk``): "distinct" sends another query text each request
(``distinct_query.lua``) against the bare Flask + pyoxigraph app with the release in memory (issue 11 item
1); "repeated" sends one text against a static file of kgpub's answer (item 2). kgpub is loaded once each
worker holds the release in memory. Prints every run and the medians with their ratio.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from benchmarks import servers
from benchmarks.common import GUNICORN, KGPUB, PYTHON, REPO, WORKERS, median, say
from benchmarks.load import holds_in_memory, settled
from benchmarks.run import code_version
from benchmarks.sparql import DISTINCT_SCRIPT, RESULTS_JSON, SELECT_PERSONS, sparql_path
from benchmarks.targets import Size


def kgpub(project: Path, port: int) -> tuple[list[str], dict[str, str]]:
    argv = [KGPUB, "--project-dir", str(project), "serve", "--port", str(port), "--no-build"]
    return argv, {"KGPUB_WORKERS": str(WORKERS)}


def reference(project: Path, port: int, target: str, answer: Path) -> tuple[list[str], dict[str, str]]:
    app = "benchmarks.peers.minimal_flask:app" if target == "distinct" else "benchmarks.peers.static_file:app"
    argv = [PYTHON, "-m", "gunicorn", *GUNICORN, app, "-b", f"127.0.0.1:{port}"]
    if target == "distinct":
        return argv, {"KGPUB_BENCH_DUMP": str(project / "build" / "current" / "dumps" / "kgpub.nq.gz")}
    return argv, {"KGPUB_BENCH_FILE": str(answer), "KGPUB_BENCH_TYPE": RESULTS_JSON["Accept"]}


def load_one(name: str, project: Path, target: str, args: argparse.Namespace, answer: Path) -> list[float]:
    """Start one server, warm it up, load it ``--runs`` times; its requests per second."""
    port = servers.free_port()
    argv, env = kgpub(project, port) if name == "kgpub" else reference(project, port, target, answer)
    path = sparql_path("/sparql", SELECT_PERSONS) if target == "distinct" else sparql_path("/sparql")
    ready = "/" if name != "kgpub" and target == "repeated" else path
    script = DISTINCT_SCRIPT if target == "distinct" else None
    log = args.work / f"{name}.log"
    server = servers.start(name, argv, ready, port, env, cwd=REPO, log=log)
    try:
        if name == "kgpub" and holds_in_memory(Size(project, {}, args.work)):
            settled(server)
        url = server.url(path if name == "kgpub" or target == "distinct" else "/")
        servers.wrk(url, 2.0, RESULTS_JSON, script=script)
        found = []
        for _ in range(args.runs):
            load = servers.wrk(url, args.duration, RESULTS_JSON, script=script, port=port, workers=WORKERS)
            say(f"{name}: {load.rps:,.0f} rps, split {'-'.join(map(str, load.split))}, draws {load.draws}")
            found.append(load.rps)
        return found
    finally:
        servers.stop(server)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("project", type=Path)
    parser.add_argument("--target", choices=("distinct", "repeated"), default="distinct")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--runs", type=int, default=2, help="wrk runs per server per round")
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--work", type=Path, help="logs and the saved answer (default: beside the project)")
    args = parser.parse_args(argv)
    args.work = args.work or args.project.parent / f"{args.project.name}-alternate"
    args.work.mkdir(parents=True, exist_ok=True)
    answer = args.work / "answer.json"
    if args.target == "repeated":
        answer.write_bytes(
            servers.fetch_from_kgpub(Size(args.project, {}, args.work), sparql_path("/sparql"), RESULTS_JSON)
        )
    rps: dict[str, list[float]] = {"kgpub": [], "reference": []}
    for n in range(args.rounds):
        for name in rps:
            rps[name] += load_one(name, args.project, args.target, args, answer)
        say(f"round {n + 1}/{args.rounds} done")
    mine, theirs = median(rps["kgpub"]), median(rps["reference"])
    peer = "the bare in-memory app" if args.target == "distinct" else "the static answer"
    print(json.dumps(rps))
    print(f"Code measured: {code_version()}. {args.target}: kgpub {mine:,.0f} rps, {peer} {theirs:,.0f} rps "
          f"(medians of {len(rps['kgpub'])} runs each): {mine / theirs:.2f}x")  # fmt: skip


if __name__ == "__main__":
    main()
