"""Build timings: ``kgpub build --full`` by phase (capped), the build without validation, and the
incremental rebuild after one new article (the held-back article of ``benchmarks.generate``)."""

from __future__ import annotations

import argparse
import subprocess
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks import generate
from benchmarks.common import KGPUB, PYTHON, REPO, median, say

PHASES = (
    ("parse", "parsed "),
    ("validate", "SHACL validation"),
    ("dumps", "wrote dumps"),
    ("store", "wrote store"),
    ("publish", "published "),
    ("overview", "wrote overview.json"),
)  # the store is built in the background from the
# start of validation; "store" is what is left of it once the dumps are written
INCREMENTAL_PHASES = (
    ("patch", "incremental: "),
    ("validate", "SHACL validation"),
    ("dumps", "wrote dumps"),
    ("publish", "published "),
    ("overview", "wrote overview.json"),
)  # parse + store copy + patch, then validation, dumps + manifest; the home page's overview after publishing


def full_build(project: Path) -> list[str]:
    # the build's phases up to publishing; its pages are rendered and timed apart (benchmarks.prebuilt_pages)
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


def full_or_cap(times: dict[str, float]) -> float:
    """A full build's total, or, when it was stopped at the cap, the elapsed time (a lower bound)."""
    return times["elapsed"] if times.get("capped") else times["total"]
