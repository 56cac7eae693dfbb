"""Pages rendered by the build: ``python -m benchmarks.prebuilt_pages PROJECT_DIR [--duration 5] [--repeat 2]``.

On a project with a published build (e.g. the 1M run's, ``python -m benchmarks.generate /tmp/p1m --size 1M``
then ``kgpub --project-dir /tmp/p1m build``), measures

1. a full render of every page into the current release (the last phase of ``kgpub build``, alone);
2. the rebuild after one new article, pages included (the held-back article, as ``benchmarks.run`` times
   it: ``kgpub build``, incremental), then withdrawn and rebuilt;
3. first renders over HTTP under wrk (``first_render.lua``: a query string never used before on every
   request) of the typical entity page and the hub's, served from the pages the build rendered and, in the
   same round, by a live render (the same release without its pages), plus the CPU of one request in
   process (``benchmarks.render``).

Prints a markdown table; each figure is the median of ``--repeat`` rounds, the two servers interleaved.
``benchmarks.run`` calls :func:`render_full` so the release it serves has its pages.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks import generate, servers
from benchmarks.render import cpu_ms_per_render
from publisher import create_app
from publisher.pipeline.publish import current_release
from publisher.prerender import prerender
from publisher.settings import Settings
from publisher.web.pages.prebuilt import PAGES

REPO = Path(__file__).resolve().parent.parent
KGPUB = str(Path(sys.executable).with_name("kgpub"))
FIRST_RENDER = Path(__file__).with_name("first_render.lua")
HTML = {"Accept": "text/html"}


def render_full(project: Path) -> dict[str, float]:
    """Render every page of the current release (its pages removed first); seconds and page count."""
    settings = Settings.load(project_dir=project)
    release = current_release(settings.builds_root)
    assert release is not None, f"no published build in {project}"
    shutil.rmtree(release / PAGES, ignore_errors=True)
    began = time.perf_counter()
    count = prerender(settings, release, None, lambda _line: None)
    return {"seconds": time.perf_counter() - began, "pages": float(count)}


def rebuild_with_pages(project: Path) -> dict[str, float]:
    """``kgpub build`` after the held-back article is added (incremental, its pages with it), then the
    article withdrawn and the release rebuilt, both timed."""
    times = {}
    article = generate.add_pending(project)
    for step in ("added", "withdrawn"):
        if step == "withdrawn":
            generate.withdraw_pending(project, article)
        began = time.perf_counter()
        subprocess.run(
            [KGPUB, "--project-dir", str(project), "build"], check=True, capture_output=True, cwd=REPO
        )
        times[step] = time.perf_counter() - began
    return times


@contextmanager
def without_pages(project: Path) -> Iterator[Path]:
    """A build folder serving the current release without its pages (hard links, so it costs no copy)."""
    release = current_release(Settings.load(project_dir=project).builds_root)
    assert release is not None
    with tempfile.TemporaryDirectory(prefix="kgpub-live-") as folder:
        copy = Path(folder) / "releases" / release.name
        shutil.copytree(release, copy, copy_function=os.link, ignore=shutil.ignore_patterns(PAGES))
        (Path(folder) / "current").symlink_to(Path("releases") / release.name)
        yield Path(folder)


def first_renders(
    project: Path, build_dir: Path | None, paths: dict[str, str], duration: float
) -> dict[str, dict[str, float]]:
    """wrk with a new query string per request on each path, against ``kgpub serve`` (2 workers)."""
    port = servers.free_port()
    env = {"KGPUB_WORKERS": "2", **({"KGPUB_BUILD_DIR": str(build_dir)} if build_dir else {})}
    argv = [KGPUB, "--project-dir", str(project), "serve", "--port", str(port), "--no-build"]
    server = servers.start(
        "kgpub", argv, "/", port, env, cwd=REPO, log=Path(tempfile.gettempdir()) / "kgpub-pages-bench.log"
    )
    try:
        loads = {}
        for label, path in paths.items():
            servers.wrk(server.url(path), min(2.0, duration / 5), HTML, script=FIRST_RENDER)
            load = servers.wrk(server.url(path), duration, HTML, script=FIRST_RENDER)
            loads[label] = {"rps": load.rps, "p50_ms": load.p50_ms, "p99_ms": load.p99_ms}
        return loads
    finally:
        servers.stop(server)


def cpu_per_request(project: Path, build_dir: Path | None, path: str) -> float:
    settings = Settings.load(project_dir=project, **({"build_dir": build_dir} if build_dir else {}))
    return cpu_ms_per_render(create_app(settings).test_client(), path, warm_up=20, requests=200)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", type=Path)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--skip-full-render", action="store_true", help="keep the pages the release has")
    args = parser.parse_args()
    meta = json.loads((args.project / generate.META_FILE).read_text())
    paths = {"typical": f"/doc/{meta['typical']}.html", "hub": f"/doc/{meta['hub']}.html"}
    results: dict[str, Any] = {}
    if not args.skip_full_render:
        results["full render"] = render_full(args.project)
    results["rebuild"] = rebuild_with_pages(args.project)
    rounds: dict[str, list[dict[str, dict[str, float]]]] = {"built": [], "live": []}
    for _ in range(args.repeat):
        rounds["built"].append(first_renders(args.project, None, paths, args.duration))
        with without_pages(args.project) as live:
            rounds["live"].append(first_renders(args.project, live, paths, args.duration))
    results["http"] = {
        served: {
            label: {k: statistics.median(r[label][k] for r in runs) for k in ("rps", "p50_ms", "p99_ms")}
            for label in paths
        }
        for served, runs in rounds.items()
    }
    with without_pages(args.project) as live:
        results["cpu_ms"] = {
            f"{label} {served}": cpu_per_request(args.project, build, path)
            for label, path in paths.items()
            for served, build in (("built", None), ("live", live))
        }
    print(report(results))


def report(results: dict[str, Any]) -> str:
    http, cpu = results["http"], results["cpu_ms"]
    lines = ["| first render at 1M | served from the build's pages | rendered live |", "|---|---:|---:|"]
    for label in ("typical", "hub"):
        built, live = http["built"][label], http["live"][label]
        lines.append(
            f"| {label} entity page, under wrk: p50 / rps | {built['p50_ms']:.1f} ms / {built['rps']:.0f}"
            f" | {live['p50_ms']:.1f} ms / {live['rps']:.0f} |"
        )
    for label in ("typical", "hub"):
        lines.append(
            f"| {label}: CPU per request, in process | {cpu[f'{label} built']:.2f} ms | {cpu[f'{label} live']:.2f} ms |"
        )
    if "full render" in results:
        full = results["full render"]
        lines.append(
            f"| every page, rendered after the build | {full['pages']:.0f} pages in {full['seconds']:.0f} s | |"
        )
    rebuild = results["rebuild"]
    lines.append(
        f"| rebuild after one new article, pages included | {rebuild['added']:.1f} s"
        f" (withdrawn again: {rebuild['withdrawn']:.1f} s) | |"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
