"""HTTP under load: kgpub with every area's targets, then each area's peers, one server at a time (they
never compete), restarted every round; each target loaded ``--wrk-runs`` times (fresh connections, so a
fresh draw of which worker holds which: see ``servers.wrk``) after a short warm-up; medians reported."""

from __future__ import annotations

import argparse
import json
import re
import time
from dataclasses import asdict
from typing import Any

from benchmarks import servers
from benchmarks.common import KGPUB, REPO, WORKERS, median, say
from benchmarks.targets import Peer, Size, areas
from publisher.settings import Settings

MEMORY_COPY_LINE = re.compile(rb"kgpub: worker (\d+) holds release \S+ in memory")
SETTLE_TIMEOUT_S = 180.0


def kgpub_peer(size: Size) -> Peer:
    """``kgpub serve`` (2 gunicorn gthread workers × 4 threads) with every area's targets, measured once
    each worker holds the release in memory (when it fits: ``memory_store_triples``), as a server that has
    run a while does: until then its streaming queries run at half speed on the on-disk store."""
    return Peer(
        "kgpub",
        lambda port: [KGPUB, "--project-dir", str(size.project), "serve", "--port", str(port), "--no-build"],
        "/",
        tuple(target for area in areas() for target in area.kgpub_targets(size)),
        {"KGPUB_WORKERS": str(WORKERS)},
        setup=settled if holds_in_memory(size) else None,
        workers=WORKERS,
    )


def holds_in_memory(size: Size) -> bool:
    triples = json.loads((size.release / "manifest.json").read_text())["triples"]
    return bool(0 < triples <= Settings.load(project_dir=size.project).memory_store_triples)


def settled(server: servers.Server) -> None:
    """Wait until every worker has said it holds the release in memory (``store/memory.py``'s line)."""
    assert server.log is not None, "kgpub's log is where its workers say they hold the release"
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    while len(set(MEMORY_COPY_LINE.findall(server.log.read_bytes()))) < WORKERS:
        if time.monotonic() > deadline:
            raise TimeoutError(
                f"kgpub's workers did not load the release in {SETTLE_TIMEOUT_S} s: {server.log}"
            )
        time.sleep(0.2)


def measure_http(size: Size, args: argparse.Namespace) -> dict[str, Any]:
    chosen = [kgpub_peer(size)] + [peer for area in areas() for peer in area.peers(size)]
    chosen = [peer for peer in chosen if peer.name not in args.skip_peers]
    rounds: dict[str, list[dict[str, Any]]] = {}
    for n in range(args.repeat):
        for peer in chosen:
            rounds.setdefault(peer.name, []).append(serve_round(peer, size, args))
            say(f"{size.project.parent.name}: HTTP round {n + 1}/{args.repeat}: {peer.name} done")
    return {name: merge_rounds(runs) for name, runs in rounds.items()}


def serve_round(peer: Peer, size: Size, args: argparse.Namespace) -> dict[str, Any]:
    """Start one server, load each of its targets, record memory, stop it."""
    port = servers.free_port()
    log = size.work / f"{peer.name}.log"
    server = servers.start(peer.name, peer.argv(port), peer.ready, port, peer.env, cwd=REPO, log=log)
    try:
        if peer.setup is not None:
            peer.setup(server)
        loads = {}
        for target in peer.targets:
            url = server.url(target.path)
            servers.wrk(url, min(2.0, args.duration / 5), target.headers, script=target.script)
            runs = [
                asdict(
                    servers.wrk(
                        url,
                        args.duration,
                        target.headers,
                        script=target.script,
                        port=port,
                        workers=peer.workers,
                    )
                )
                for _ in range(args.wrk_runs)
            ]
            loads[target.label] = {"runs": runs, "versus": list(target.versus)}
        return {
            "startup_s": server.startup_s,
            "rss_mib": server.peak_rss_mib(),
            "helper_rss_mib": server.helper_rss_mib(),
            "loads": loads,
        }
    finally:
        servers.stop(server)


def merge_rounds(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians over every wrk run of every round; the connection splits seen are kept as they were."""
    loads: dict[str, dict[str, Any]] = {}
    for label, first in runs[0]["loads"].items():
        every = [load for run in runs for load in run["loads"][label]["runs"]]
        numbers = [key for key in every[0] if key != "split"]
        loads[label] = {key: median(load[key] for load in every) for key in numbers}
        loads[label] |= {"splits": [list(load["split"]) for load in every], "versus": first["versus"]}
    return {
        "startup_s": median(r["startup_s"] for r in runs),
        "rss_mib": median(r["rss_mib"] for r in runs),
        "helper_rss_mib": median(r["helper_rss_mib"] for r in runs),
        "loads": loads,
    }
