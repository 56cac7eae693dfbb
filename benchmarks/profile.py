"""Where kgpub's serving time goes: ``python -m benchmarks.profile PROJECT_DIR [--duration 10]``.

Serves the project's current build, loads each target with wrk while py-spy samples the server and all its
children (workers and query sandboxes), and prints, per target, the frames that hold most samples: the
functions themselves (self) and the ``publisher`` functions they sit under (inclusive). Raw py-spy output
is kept beside the project (``profile-<target>.raw``) for a flame graph.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

from benchmarks import servers
from benchmarks.common import KGPUB, REPO
from benchmarks.sparql import RESULTS_JSON, sparql_path

PY_SPY = str(Path(sys.executable).with_name("py-spy"))


def targets(meta: dict[str, str]) -> dict[str, tuple[str, dict[str, str]]]:
    return {
        "sparql": (sparql_path("/sparql"), RESULTS_JSON),
        "typical-page": (f"/doc/{meta['typical']}.html", {"Accept": "text/html"}),
        "hub-page": (f"/doc/{meta['hub']}.html", {"Accept": "text/html"}),
    }


def record(server: servers.Server, path: str, headers: dict[str, str], duration: float, out: Path) -> None:
    """py-spy over the whole process tree while wrk loads ``path`` (both bounded by ``duration``)."""
    spy = subprocess.Popen(
        [
            PY_SPY,
            "record",
            "--pid",
            str(server.process.pid),
            "--subprocesses",
            "--duration",
            str(int(duration)),
            "--rate",
            "200",
            "--format",
            "raw",
            "--output",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        servers.wrk(server.url(path), duration, headers)
    finally:
        spy.wait(timeout=duration + 60)


def warm_up(server: servers.Server, path: str, headers: dict[str, str]) -> None:
    """Two seconds of load before sampling: lazy start-up (a worker's query sandbox) is not steady state."""
    servers.wrk(server.url(path), 2.0, headers)


def summary(raw: Path, top: int = 12) -> str:
    """The busiest frames, as shares of the samples taken in non-idle worker code."""
    own: Counter[str] = Counter()
    under: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        if _idle(frames[-1]):
            continue
        total += int(count)
        own[frames[-1]] += int(count)
        for frame in set(frames):
            if "publisher/" in frame:
                under[frame] += int(count)
    lines = [f"  busy samples: {total}", "  self:"]
    lines += [f"    {100 * n / total:5.1f}%  {frame}" for frame, n in own.most_common(top)]
    lines += ["  inclusive, publisher code:"]
    lines += [f"    {100 * n / total:5.1f}%  {frame}" for frame, n in under.most_common(top)]
    return "\n".join(lines)


def _idle(frame: str) -> bool:
    """Frames where a thread waits (accept, select, locks, an idle thread-pool worker's queue.get, the arbiter's
    signal loop): py-spy cannot always tell a thread blocked in C from a busy one."""
    waits = (
        "select (",
        "wait (",
        "accept (",
        "sleep (",
        "acquire",
        "poll (",
        "_recv",
        "wait_for_signals",
        "_worker (concurrent/futures/thread.py:81)",
    )
    return any(word in frame for word in waits)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("project", type=Path)
    parser.add_argument("--duration", type=float, default=10.0)
    args = parser.parse_args(argv)
    meta = json.loads((args.project / "bench-meta.json").read_text())
    port = servers.free_port()
    server = servers.start(
        "kgpub",
        [KGPUB, "--project-dir", str(args.project), "serve", "--port", str(port), "--no-build"],
        "/",
        port,
        {"KGPUB_WORKERS": "2"},
        cwd=REPO,
    )
    try:
        for name, (path, headers) in targets(meta).items():
            out = args.project.parent / f"profile-{name}.raw"
            warm_up(server, path, headers)
            record(server, path, headers, args.duration, out)
            print(f"## {name} ({path[:60]})\n{summary(out)}\n", flush=True)
    finally:
        servers.stop(server)


if __name__ == "__main__":
    main()
