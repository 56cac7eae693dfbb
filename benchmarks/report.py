"""The markdown report of a run: build phases, in-process latency, HTTP figures with their ratios against
the peers each target names, servers' start-up and memory, and the issues' targets (each area's checks)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from benchmarks.builds import full_or_cap
from benchmarks.common import fmt, ratio
from benchmarks.targets import Check, PeerNotRun, areas, rps

NAN = float("nan")


def report(results: list[dict[str, Any]], args: argparse.Namespace) -> str:
    command = (
        f"python -m benchmarks.run --sizes {args.sizes} --repeat {args.repeat} --duration {args.duration:g} "
        f"--build-repeat {args.build_repeat} --wrk-runs {args.wrk_runs}"
    )
    parts = [
        f"Command: `{command}`; medians over {args.repeat} runs (builds: {args.build_repeat}).",
        "Code measured: " + "; ".join(f"{r['size']}: {r.get('code', '?')}" for r in results) + ".",
        "Load average (1, 5, 15 min) before/after each size: "
        + "; ".join(f"{r['size']}: {_loads(r['load_before'])} / {_loads(r['load_after'])}" for r in results),
        build_table(results, args.validate_cap),
        inprocess_table(results),
        http_table(results),
        split_note(results),
        server_table(results),
        targets_table(results),
    ]
    return "\n\n".join(parts) + "\n"


def _loads(averages: Sequence[float]) -> str:
    return " ".join(f"{x:.1f}" for x in averages)


def build_seconds(times: dict[str, float], cap: float) -> str:
    """A full build's total, or "> cap" when it was stopped at the cap."""
    if times.get("capped"):
        return f"> {cap:.0f} (stopped)" if times.get("elapsed") == times.get("elapsed") else "not run"
    return fmt(times["total"], 1)


def build_table(results: list[dict[str, Any]], cap: float) -> str:
    rows = [
        "### Build (seconds)",
        "",
        "Phases from the build's progress lines; parse (and an incremental build's patch) include interpreter "
        "start-up and imports. `kgpub build --full` = the full command, SHACL validation included; its phases "
        "are shown (those of the same build without validation, `benchmarks.unvalidated`, if it was stopped at "
        'the cap). The on-disk store is built in a background thread from the start of validation: "store" '
        "is only what is left of it once the dumps are written. The rebuild adds the held-back article (and "
        "its new entities file) to the published release and runs `kgpub build`, which builds incrementally. "
        '"overview": the home page\'s overview of the archive, worked out after publishing (in both totals).',
        "",
        "| size | triples | articles | generate | parse | validate | dumps, counts, side files | store (rest) "
        "| overview | `kgpub build --full` | without validation | rebuild +1 article: `kgpub build` (incremental) "
        "| of which patch | validate | dumps + manifest | overview |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        full, fast, rebuild = r["build"]["full"], r["build"]["unvalidated"], r["rebuild"]
        stopped = full.get("capped") and full.get("elapsed") == full.get("elapsed")
        phases = fast if full.get("capped") else full
        validate = f"> {cap:.0f}" if stopped else fmt(full["validate"], 1)
        generated = fmt(r.get("generate_s", float("nan")), 2)
        rows.append(
            f"| {r['size']} | {r['triples']:,} | {r['articles']:,} | {generated} | "
            f"{fmt(phases['parse'], 2)} | {validate} | {fmt(phases['dumps'], 2)} | {fmt(phases['store'], 2)} | "
            f"{fmt(phases.get('overview', NAN), 2)} | {build_seconds(full, cap)} | {fmt(fast['total'], 2)} | "
            f"{fmt(rebuild['total'], 2)} | {fmt(rebuild['patch'], 2)} | {fmt(rebuild['validate'], 2)} | "
            f"{fmt(rebuild['dumps'] + rebuild['publish'], 2)} | {fmt(rebuild.get('overview', NAN), 2)} |"
        )
    return "\n".join(rows)


def inprocess_table(results: list[dict[str, Any]]) -> str:
    rows = [
        "### In-process query latency (ms): EmbeddedStore vs rdflib Dataset, same queries and data",
        "",
        "| size | query | kgpub p50 | kgpub p99 | rdflib p50 | rdflib p99 | rdflib/kgpub p50 |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        if "inprocess" not in r:
            continue
        rows[0] += f" (rdflib parsed the dump in {fmt(r['inprocess']['rdflib_load_s'], 1)} s at {r['size']})"
        for name, engines in r["inprocess"]["queries"].items():
            k, rd = engines["kgpub"], engines["rdflib"]
            rows.append(
                f"| {r['size']} | {name} | {fmt(k['p50_ms'], 2)} | {fmt(k['p99_ms'], 2)} | "
                f"{fmt(rd['p50_ms'], 2)} | {fmt(rd['p99_ms'], 2)} | {ratio(rd['p50_ms'], k['p50_ms'])} |"
            )
    return "\n".join(rows)


def http_table(results: list[dict[str, Any]]) -> str:
    rows = [
        "### HTTP under load (wrk -t2 -c4), requests/s and latency (ms)",
        "",
        "| size | target | server | rps | p50 | p99 | errors | kgpub / peer (rps) |",
        "|---|---|---|---:|---:|---:|---:|---|",
    ]
    for r in results:
        for server, data in r["http"].items():
            for label, load in data["loads"].items():
                ratios = ""
                if server == "kgpub":
                    ratios = ", ".join(
                        f"{ratio(load['rps'], rps(r, peer, label))} {peer}" for peer in load.get("versus", ())
                    )
                rows.append(
                    f"| {r['size']} | {label} | {server} | {fmt(load['rps'])} | {fmt(load['p50_ms'], 2)} | "
                    f"{fmt(load['p99_ms'], 2)} | {int(load['errors'])} | {ratios} |"
                )
    return "\n".join(rows)


def split_note(results: list[dict[str, Any]]) -> str:
    """How the connections fell on each server's processes in the runs behind each figure, and how many wrk
    runs were started to get them spread evenly (see servers.wrk)."""
    lines = [
        "Connections per process in each measured wrk run (a run with its connections unevenly spread over a"
        " server's workers is stopped and drawn again; draws: runs started, median):",
        "",
    ]
    for r in results:
        for server, measured in r["http"].items():
            for label, load in measured.get("loads", {}).items():
                splits = " ".join("-".join(map(str, split)) or "?" for split in load.get("splits", []))
                lines.append(f"* {r['size']}, {server}, {label}: {splits} (draws {load.get('draws', 1):g})")
    return "\n".join(lines)


def server_table(results: list[dict[str, Any]]) -> str:
    rows = [
        "### Servers: start-up (until the first 200) and peak RSS per worker",
        "",
        "| size | server | start-up s | peak RSS per worker MiB | kgpub: largest process under a worker MiB |",
        "|---|---|---:|---:|---:|",
    ]
    for r in results:
        for server, data in r["http"].items():
            helper = fmt(data["helper_rss_mib"]) if server == "kgpub" else ""
            rows.append(
                f"| {r['size']} | {server} | {fmt(data['startup_s'], 2)} | {fmt(data['rss_mib'])} | {helper} |"
            )
    return "\n".join(rows)


def targets_table(results: list[dict[str, Any]]) -> str:
    """The issues' targets, each checked at its size if that size was measured."""
    by_size = {r["size"].lower(): r for r in results}
    rows = [
        "### The issues' targets",
        "",
        "A stopped build counts as its elapsed time at the cap (a lower bound).",
        "",
        "| target | at | measured | verdict |",
        "|---|---|---:|---|",
    ]
    for check in (*BUILD_CHECKS, *(check for area in areas() for check in area.checks)):
        result = by_size.get(check.size.lower())
        if result is None:
            rows.append(f"| {check.name} | {check.size} | not measured | — |")
            continue
        try:
            value = check.measure(result)
        except PeerNotRun as skipped:
            rows.append(f"| {check.name} | {check.size} | not measured ({skipped} not run) | — |")
            continue
        verdict = (
            "—"
            if check.at_least is None and check.below is None
            else "met"
            if check.passes(value)
            else "MISSED"
        )
        rows.append(f"| {check.name} | {check.size} | {check.shown.format(value)} | {verdict} |")
    return "\n".join(rows)


BUILD_CHECKS = (
    Check("build < 30 s (`kgpub build`, validation included)", "1M", lambda r: full_or_cap(r["build"]["full"]),
          "{:.1f} s", below=30),
    Check("build < 30 s without validation", "1M", lambda r: r["build"]["unvalidated"]["total"], "{:.1f} s",
          below=30),
    Check("rebuild after one new article < 3 s (`kgpub build`, incremental, until it is published)", "1M",
          lambda r: r["rebuild"]["total"] - r["rebuild"].get("overview", 0.0), "{:.1f} s", below=3),
    Check("the same, with the home page's overview worked out after publishing (a figure)", "1M",
          lambda r: r["rebuild"]["total"], "{:.1f} s"),
    Check("serve ready < 2 s", "1M", lambda r: r["http"]["kgpub"]["startup_s"], "{:.2f} s", below=2),
    Check("< 400 MiB per worker", "1M", lambda r: r["http"]["kgpub"]["rss_mib"], "{:.0f} MiB", below=400),
)  # fmt: skip
