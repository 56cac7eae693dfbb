"""Measure kgpub and its peers on generated archives; print one markdown report.

    python -m benchmarks.run [--sizes 10k,100k] [--repeat 3] [--duration 10] [--work DIR]

Per size: generate the archive (``benchmarks.generate``), time ``kgpub build`` by phase, time the queries in
process (``EmbeddedStore`` vs rdflib), load every server with wrk (kgpub and its peers on the same data and
queries, one server at a time so they never compete), then add the held-back article and time the rebuild.
Every figure is the median over ``--repeat`` runs; the raw figures go to ``DIR/results.json``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from benchmarks import generate, inprocess, pages, servers

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
KGPUB = str(Path(PYTHON).with_name("kgpub"))
OXIGRAPH = str(Path(PYTHON).with_name("oxigraph"))
PHASES = (
    ("parse", "parsed "),
    ("validate", "SHACL validation"),
    ("dumps", "wrote dumps"),
    ("store", "wrote store"),
    ("publish", "published "),
)  # the store is built in the background from the
# start of validation; "store" is what is left of it once the dumps are written
INCREMENTAL_PHASES = (
    ("patch", "incremental: "),
    ("validate", "SHACL validation"),
    ("dumps", "wrote dumps"),
    ("publish", "published "),
)  # parse + store copy + patch, then validation, dumps + manifest
SMALL_SELECT = (
    "SELECT ?person ?name WHERE { ?person a <http://schema.org/Person> ; "
    "<http://schema.org/name> ?name } LIMIT 10"
)
RESULTS_JSON = {"Accept": "application/sparql-results+json"}
GUNICORN = ["-w", "2", "-k", "gthread", "--threads", "4", "--timeout", "40"]  # what `kgpub serve` runs


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def median(values: Iterable[float]) -> float:
    listed = [v for v in values if v == v]  # drop NaN
    return statistics.median(listed) if listed else float("nan")


# ---------------------------------------------------------------- build


# Both builds stop at publishing (what the build targets time; the release is served from then on): their
# pages are rendered and timed apart (benchmarks.pages). Were the full build's pages skipped and the
# incremental's not, each incremental build would render every page, having no previous pages to keep.
def full_build(project: Path) -> list[str]:
    return [KGPUB, "--project-dir", str(project), "build", "--full", "--no-pages"]


def incremental_build(project: Path) -> list[str]:
    return [KGPUB, "--project-dir", str(project), "build", "--no-pages"]


def unvalidated_build(project: Path) -> list[str]:
    return [PYTHON, "-m", "benchmarks.unvalidated", str(project)]


def time_build(
    argv: list[str], cap_s: float | None = None, phases: Sequence[tuple[str, str]] = PHASES
) -> dict[str, float]:
    """Run a build once; the time of each phase from its progress lines, and the total.

    With ``cap_s`` the build is killed when it runs longer: phases not reached are NaN and ``capped`` is 1,
    so a build that cannot finish within the run is reported as "more than the cap", not left out."""
    began = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=REPO)
    watchdog = threading.Timer(cap_s, process.kill) if cap_s else None
    if watchdog:
        watchdog.start()
    marks: dict[str, float] = {}
    lines = []
    assert process.stderr is not None
    for line in process.stderr:
        lines.append(line)
        for phase, prefix in phases:
            if line.startswith(prefix) and phase not in marks:
                marks[phase] = time.perf_counter() - began
    code = process.wait()
    if watchdog:
        watchdog.cancel()
    total = time.perf_counter() - began
    capped = code != 0 and cap_s is not None and total >= cap_s
    if code != 0 and not capped:
        raise RuntimeError(f"{' '.join(argv)} failed:\n{''.join(lines[-30:])}")
    times, previous = {}, 0.0
    for phase, _ in phases:
        times[phase] = marks[phase] - previous if phase in marks else float("nan")
        previous = marks.get(phase, previous)
    times["total"] = float("nan") if capped else total
    times["capped"] = float(capped)
    times["elapsed"] = total
    return times


def median_times(runs: Sequence[dict[str, float]]) -> dict[str, float]:
    return {key: median(run[key] for run in runs) for key in runs[0]}


def time_builds(project: Path, args: argparse.Namespace, what: str) -> dict[str, Any]:
    """The full ``kgpub build`` (validation included) ``--full-builds`` times, each capped at
    ``--validate-cap``; then the build without validation ``--build-repeat`` times (it also publishes the
    release the rest of the run serves, when the full build could not finish)."""
    fulls = [time_build(full_build(project), args.validate_cap) for _ in range(args.full_builds)]
    say(f"{what}, full kgpub build: {fulls}")
    fast = [time_build(unvalidated_build(project)) for _ in range(args.build_repeat)]
    say(f"{what}, without validation: {fast}")
    return {"full": median_times(fulls), "unvalidated": median_times(fast)}


def time_rebuilds(project: Path, args: argparse.Namespace) -> dict[str, float]:
    """``kgpub build`` after the held-back article is added to the current release, ``--build-repeat`` times
    (the article is withdrawn and the release rebuilt, untimed, between repeats); each must be incremental."""
    runs = []
    for n in range(args.build_repeat):
        article = generate.add_pending(project)
        times = time_build(incremental_build(project), phases=INCREMENTAL_PHASES)
        if times["patch"] != times["patch"]:
            raise RuntimeError("the rebuild after one new article was not incremental")
        runs.append(times)
        if n + 1 < args.build_repeat:
            generate.withdraw_pending(project, article)
            time_build(incremental_build(project), phases=INCREMENTAL_PHASES)
    say(f"{project.parent.name} rebuild after one new article (incremental): {runs}")
    return median_times(runs)


# ---------------------------------------------------------------- servers


@dataclass(frozen=True)
class Target:
    """One URL to load: a path on a server, with the headers a real client would send."""

    label: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    script: Path | None = None  # a wrk Lua script, e.g. FIRST_RENDER


@dataclass(frozen=True)
class Peer:
    """How to start one server on a port, where it answers when ready, and what to load on it."""

    name: str
    argv: Callable[[int], list[str]]
    ready: str
    targets: tuple[Target, ...]
    env: dict[str, str] = field(default_factory=dict)


def sparql_path(endpoint: str) -> str:
    return f"{endpoint}?query={quote(SMALL_SELECT)}"


def peers(project: Path, meta: dict[str, Any], work: Path, page_file: Path) -> list[Peer]:
    """kgpub and the four peers, each on the same release's data."""
    release = (project / "build" / "current").resolve()
    sparql = Target("sparql small SELECT", sparql_path("/sparql"), RESULTS_JSON)
    gunicorn = [PYTHON, "-m", "gunicorn", *GUNICORN]
    return [
        Peer(
            "kgpub",
            lambda port: [KGPUB, "--project-dir", str(project), "serve", "--port", str(port), "--no-build"],
            "/",
            (
                sparql,
                Target("typical entity page", f"/doc/{meta['typical']}.html", {"Accept": "text/html"}),
                Target(TYPICAL_FIRST, f"/doc/{meta['typical']}.html", {"Accept": "text/html"}, FIRST_RENDER),
                Target("hub entity page", f"/doc/{meta['hub']}.html", {"Accept": "text/html"}),
                Target(HUB_FIRST, f"/doc/{meta['hub']}.html", {"Accept": "text/html"}, FIRST_RENDER),
                Target("VoID", "/.well-known/void", {"Accept": "text/turtle"}),
                Target("dump", "/dumps/kgpub.nt.gz"),
            ),
            {"KGPUB_WORKERS": "2"},
        ),
        Peer(
            "minimal-flask",
            lambda port: [*gunicorn, "-b", f"127.0.0.1:{port}", "benchmarks.peers.minimal_flask:app"],
            sparql_path("/sparql"),
            (sparql,),
            {"KGPUB_BENCH_STORE": str(release / "store")},
        ),
        Peer(
            "oxigraph",
            lambda port: [
                OXIGRAPH,
                "serve-read-only",
                "--location",
                str(work / "oxigraph"),
                "--bind",
                f"127.0.0.1:{port}",
                "--union-default-graph",
            ],
            sparql_path("/query"),
            (Target("sparql small SELECT", sparql_path("/query"), RESULTS_JSON),),
        ),
        Peer(
            "rdflib-endpoint",
            lambda port: [
                PYTHON,
                "-m",
                "uvicorn",
                "benchmarks.peers.rdflib_endpoint_app:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                "2",
                "--log-level",
                "warning",
            ],
            sparql_path("/sparql"),
            (sparql,),
            {"KGPUB_BENCH_DUMP": str(release / "dumps" / "kgpub.nq.gz")},
        ),
        Peer(
            "static",
            lambda port: [*gunicorn, "-b", f"127.0.0.1:{port}", "benchmarks.peers.static_file:app"],
            "/",
            (Target("typical entity page", "/"),),
            {"KGPUB_BENCH_FILE": str(page_file)},
        ),
    ]


def load_oxigraph(release: Path, work: Path) -> None:
    """``oxigraph load`` of the build's N-Quads dump (decompressed first) into its own store."""
    shutil.rmtree(work / "oxigraph", ignore_errors=True)
    nquads = work / "kgpub.nq"
    with gzip.open(release / "dumps" / "kgpub.nq.gz", "rb") as source, nquads.open("wb") as out:
        shutil.copyfileobj(source, out)
    subprocess.run(
        [OXIGRAPH, "load", "--location", str(work / "oxigraph"), "--file", str(nquads)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    nquads.unlink()


def serve_round(peer: Peer, duration: float, work: Path) -> dict[str, Any]:
    """Start one server, load each of its targets (a short warm-up first), record memory, stop it."""
    port = servers.free_port()
    server = servers.start(
        peer.name, peer.argv(port), peer.ready, port, peer.env, cwd=REPO, log=work / f"{peer.name}.log"
    )
    try:
        loads = {}
        for target in peer.targets:
            url = server.url(target.path)
            servers.wrk(url, min(2.0, duration / 5), target.headers, script=target.script)
            loads[target.label] = asdict(servers.wrk(url, duration, target.headers, script=target.script))
        return {
            "startup_s": server.startup_s,
            "rss_mib": server.peak_rss_mib(),
            "helper_rss_mib": server.helper_rss_mib(),
            "loads": loads,
        }
    finally:
        servers.stop(server)


def save_page(project: Path, meta: dict[str, Any], work: Path) -> Path:
    """The typical entity page as kgpub renders it, saved so the static peer serves the same bytes."""
    port = servers.free_port()
    server = servers.start(
        "kgpub",
        [KGPUB, "--project-dir", str(project), "serve", "--port", str(port), "--no-build"],
        "/",
        port,
        {"KGPUB_WORKERS": "1"},
        cwd=REPO,
        log=work / "kgpub-page.log",
    )
    try:
        page = work / "typical-page.html"
        page.write_bytes(servers.fetch(server.url(f"/doc/{meta['typical']}.html"), {"Accept": "text/html"}))
        return page
    finally:
        servers.stop(server)


# ---------------------------------------------------------------- one size


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
    result["pages"] = pages.render_full(project)  # the release served below, with the pages a build renders
    if not args.skip_inprocess:
        result["inprocess"] = measure_inprocess(project, meta, args)
    result["http"] = measure_http(project, meta, work, args)
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


def measure_http(project: Path, meta: dict[str, Any], work: Path, args: argparse.Namespace) -> dict[str, Any]:
    release = (project / "build" / "current").resolve()
    load_oxigraph(release, work)
    page = save_page(project, meta, work)
    rounds: dict[str, list[dict[str, Any]]] = {}
    for n in range(args.repeat):
        for peer in peers(project, meta, work, page):
            if peer.name in args.skip_peers:
                continue
            rounds.setdefault(peer.name, []).append(serve_round(peer, args.duration, work))
            say(f"{project.parent.name}: HTTP round {n + 1}/{args.repeat}: {peer.name} done")
    return {name: merge_rounds(runs) for name, runs in rounds.items()} | {"page_bytes": page.stat().st_size}


def merge_rounds(runs: list[dict[str, Any]]) -> dict[str, Any]:
    loads = {
        label: {key: median(r["loads"][label][key] for r in runs) for key in runs[0]["loads"][label]}
        for label in runs[0]["loads"]
    }
    return {
        "startup_s": median(r["startup_s"] for r in runs),
        "rss_mib": median(r["rss_mib"] for r in runs),
        "helper_rss_mib": median(r["helper_rss_mib"] for r in runs),
        "loads": loads,
    }


# ---------------------------------------------------------------- report


def fmt(value: float, digits: int = 1) -> str:
    return "n/a" if value != value else f"{value:,.{digits}f}"


def ratio(a: float, b: float) -> str:
    return "n/a" if not (a == a and b == b) or b == 0 else f"{a / b:.2f}×"


def report(results: list[dict[str, Any]], args: argparse.Namespace) -> str:
    command = (
        f"python -m benchmarks.run --sizes {args.sizes} --repeat {args.repeat} --duration {args.duration:g} "
        f"--build-repeat {args.build_repeat}"
    )
    parts = [
        f"Command: `{command}`; medians over {args.repeat} runs (builds: {args.build_repeat}).",
        "Code measured: " + "; ".join(f"{r['size']}: {r.get('code', '?')}" for r in results) + ".",
        "Load average (1, 5, 15 min) before/after each size: "
        + "; ".join(f"{r['size']}: {_loads(r['load_before'])} / {_loads(r['load_after'])}" for r in results),
        build_table(results, args.validate_cap),
        inprocess_table(results),
        http_table(results),
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
        "its new entities file) to the published release and runs `kgpub build`, which builds incrementally.",
        "",
        "| size | triples | articles | generate | parse | validate | dumps, counts, side files | store (rest) "
        "| `kgpub build --full` | without validation | rebuild +1 article: `kgpub build` (incremental) "
        "| of which patch | validate | dumps + manifest |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
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
            f"{build_seconds(full, cap)} | {fmt(fast['total'], 2)} | {fmt(rebuild['total'], 2)} | "
            f"{fmt(rebuild['patch'], 2)} | {fmt(rebuild['validate'], 2)} | "
            f"{fmt(rebuild['dumps'] + rebuild['publish'], 2)} |"
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


def _rps(r: dict[str, Any], server: str, label: str) -> float:
    return r["http"].get(server, {}).get("loads", {}).get(label, {}).get("rps", float("nan"))


def http_table(results: list[dict[str, Any]]) -> str:
    rows = [
        "### HTTP under load (wrk -t2 -c4), requests/s and latency (ms)",
        "",
        "| size | target | server | rps | p50 | p99 | errors | kgpub/minimal-flask rps | kgpub/rdflib-endpoint rps "
        "| kgpub/oxigraph rps | kgpub/static rps |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        for server, data in r["http"].items():
            if server == "page_bytes":
                continue
            for label, load in data["loads"].items():
                ratios = ["", "", "", ""]
                if server == "kgpub":
                    peers_for = (
                        ("minimal-flask", "rdflib-endpoint", "oxigraph") if label.startswith("sparql") else ()
                    )
                    ratios = [
                        ratio(load["rps"], _rps(r, p, label)) if p in peers_for else ""
                        for p in ("minimal-flask", "rdflib-endpoint", "oxigraph")
                    ]
                    ratios.append(ratio(load["rps"], _rps(r, "static", label)) if label == TYPICAL else "")
                rows.append(
                    f"| {r['size']} | {label} | {server} | {fmt(load['rps'])} | {fmt(load['p50_ms'], 2)} | "
                    f"{fmt(load['p99_ms'], 2)} | {int(load['errors'])} | " + " | ".join(ratios) + " |"
                )
    return "\n".join(rows)


def server_table(results: list[dict[str, Any]]) -> str:
    rows = [
        "### Servers: start-up (until the first 200) and peak RSS per worker",
        "",
        "| size | server | start-up s | peak RSS per worker MiB | kgpub sandbox child MiB |",
        "|---|---|---:|---:|---:|",
    ]
    for r in results:
        for server, data in r["http"].items():
            if server == "page_bytes":
                continue
            helper = fmt(data["helper_rss_mib"]) if server == "kgpub" else ""
            rows.append(
                f"| {r['size']} | {server} | {fmt(data['startup_s'], 2)} | {fmt(data['rss_mib'])} | {helper} |"
            )
    return "\n".join(rows)


def full_or_cap(times: dict[str, float]) -> float:
    """A full build's total, or, when it was stopped at the cap, the elapsed time (a lower bound)."""
    return times["elapsed"] if times.get("capped") else times["total"]


SPARQL, TYPICAL, HUB = "sparql small SELECT", "typical entity page", "hub entity page"
TYPICAL_FIRST, HUB_FIRST = f"{TYPICAL}, first render", f"{HUB}, first render"
FIRST_RENDER = Path(__file__).with_name(
    "first_render.lua"
)  # a new query string per request: nothing memoized
Measure = Callable[[dict[str, Any]], float]


@dataclass(frozen=True)
class Check:
    """One of the issue's targets: what is measured at which size, and the bounds it must stay within."""

    name: str
    size: str
    measure: Measure
    shown: str  # format of the measured value
    at_least: float | None = None
    below: float | None = None

    def passes(self, value: float) -> bool:
        return (self.at_least is None or value >= self.at_least) and (
            self.below is None or value < self.below
        )


def _kgpub(label: str, key: str) -> Measure:
    return lambda r: r["http"]["kgpub"]["loads"][label][key]


def _versus(peer: str, label: str) -> Measure:
    return lambda r: r["http"]["kgpub"]["loads"][label]["rps"] / _rps(r, peer, label)


CHECKS = (
    Check(
        "/sparql small SELECT ≥ 0.9× minimal Flask+engine rps",
        "100k",
        _versus("minimal-flask", SPARQL),
        "{:.2f}×",
        0.9,
    ),
    Check(
        "/sparql small SELECT ≥ 10× rdflib-endpoint rps",
        "100k",
        _versus("rdflib-endpoint", SPARQL),
        "{:.2f}×",
        10,
    ),
    Check("/sparql small SELECT ahead of oxigraph serve", "100k", _versus("oxigraph", SPARQL), "{:.2f}×", 1),
    Check("typical entity page ≥ 0.5× static file rps", "1M", _versus("static", TYPICAL), "{:.2f}×", 0.5),
    Check("typical entity page p50 < 2 ms", "1M", _kgpub(TYPICAL, "p50_ms"), "{:.1f} ms", below=2),
    Check(
        "typical entity page p50 < 2 ms, first render",
        "1M",
        _kgpub(TYPICAL_FIRST, "p50_ms"),
        "{:.1f} ms",
        below=2,
    ),
    Check(
        "typical entity page ≥ 0.5× static file rps, first render",
        "1M",
        lambda r: _kgpub(TYPICAL_FIRST, "rps")(r) / _rps(r, "static", TYPICAL),
        "{:.2f}×",
        0.5,
    ),
    Check("hub entity page p50 < 30 ms", "1M", _kgpub(HUB, "p50_ms"), "{:.1f} ms", below=30),
    Check(
        "hub entity page p50 < 30 ms, first render", "1M", _kgpub(HUB_FIRST, "p50_ms"), "{:.1f} ms", below=30
    ),
    Check(
        "build < 30 s (`kgpub build`, validation included)",
        "1M",
        lambda r: full_or_cap(r["build"]["full"]),
        "{:.1f} s",
        below=30,
    ),
    Check(
        "build < 30 s without validation",
        "1M",
        lambda r: r["build"]["unvalidated"]["total"],
        "{:.1f} s",
        below=30,
    ),
    Check(
        "rebuild after one new article < 3 s (`kgpub build`, incremental)",
        "1M",
        lambda r: r["rebuild"]["total"],
        "{:.1f} s",
        below=3,
    ),
    Check("serve ready < 2 s", "1M", lambda r: r["http"]["kgpub"]["startup_s"], "{:.2f} s", below=2),
    Check("< 400 MiB per worker", "1M", lambda r: r["http"]["kgpub"]["rss_mib"], "{:.0f} MiB", below=400),
)


def targets_table(results: list[dict[str, Any]]) -> str:
    """The issue's targets, each checked at its size if that size was measured."""
    by_size = {r["size"].lower(): r for r in results}
    rows = [
        "### The issue's targets",
        "",
        "A stopped build counts as its elapsed time at the cap (a lower bound).",
        "",
        "| target | at | measured | verdict |",
        "|---|---|---:|---|",
    ]
    for check in CHECKS:
        result = by_size.get(check.size.lower())
        if result is None:
            rows.append(f"| {check.name} | {check.size} | not measured | — |")
            continue
        value = check.measure(result)
        rows.append(
            f"| {check.name} | {check.size} | {check.shown.format(value)} | "
            f"{'met' if check.passes(value) else 'MISSED'} |"
        )
    return "\n".join(rows)


# ---------------------------------------------------------------- command line


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--sizes", default="10k,100k", help="comma-separated target sizes (10k, 100k, 1M, 10M)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (the median is reported)")
    parser.add_argument(
        "--build-repeat", type=int, help="builds without validation per size (default: --repeat)"
    )
    parser.add_argument(
        "--full-builds", type=int, default=1, help="full `kgpub build` runs per size (default 1)"
    )
    parser.add_argument(
        "--validate-cap", type=float, default=600.0, help="seconds before a full build is stopped"
    )
    parser.add_argument(
        "--skip-inprocess", action="store_true", help="leave out the in-process query comparison"
    )
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of load per wrk run")
    parser.add_argument(
        "--query-budget", type=float, default=2.0, help="seconds per query per round, in process"
    )
    parser.add_argument(
        "--max-samples", type=int, default=200, help="most calls per query per round, in process"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-peers", default="", help="comma-separated peers not to run")
    parser.add_argument(
        "--work", type=Path, default=Path("/tmp/kgpub-bench"), help="where projects and logs go"
    )
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
