"""What every part of the benchmark shares: where things are, the median, the log line, figure formats."""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Iterable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
KGPUB = str(Path(PYTHON).with_name("kgpub"))
OXIGRAPH = str(Path(PYTHON).with_name("oxigraph"))
WORKERS = 2  # every Python server's worker processes, kgpub's included
GUNICORN = [
    "-w",
    str(WORKERS),
    "-k",
    "gthread",
    "--threads",
    "4",
    "--timeout",
    "40",
]  # what `kgpub serve` runs


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def median(values: Iterable[float]) -> float:
    listed = [v for v in values if v == v]  # drop NaN
    return statistics.median(listed) if listed else float("nan")


def fmt(value: float, digits: int = 1) -> str:
    return "n/a" if value != value else f"{value:,.{digits}f}"


def ratio(a: float, b: float) -> str:
    return "n/a" if not (a == a and b == b) or b == 0 else f"{a / b:.2f}×"
