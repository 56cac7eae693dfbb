"""What the benchmark loads and checks, registered by area.

An **area** (``benchmarks/sparql.py``, ``benchmarks/pages.py``) contributes the URLs loaded on kgpub
(:class:`Target`), the peers they are compared with (:class:`Peer`, each a server started on the same
release's data), and the issue targets checked on the figures (:class:`Check`). ``benchmarks.run`` knows
no area: it loads every area's targets on one ``kgpub serve`` and every peer in turn, and reports. Adding a
target is one line in an area's module; adding an area is one line in :data:`AREAS`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from benchmarks.servers import Server

AREAS = ("benchmarks.sparql", "benchmarks.pages")


@dataclass(frozen=True)
class Target:
    """One URL to load, with the headers a real client would send; ``versus``: the peers whose target of
    the same label it is compared with (a ratio column of the report)."""

    label: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    script: Path | None = None  # a wrk Lua script (``first_render.lua``, ``distinct_query.lua``)
    versus: tuple[str, ...] = ()


@dataclass(frozen=True)
class Peer:
    """How to start one server on a port, where it answers when ready, and what to load on it.

    ``setup``, given the running server, runs once it is ready and before the load (e.g. posting the data
    into an in-memory store, waiting for kgpub's workers to hold the release in memory); its time is not
    start-up time."""

    name: str
    argv: Callable[[int], list[str]]
    ready: str
    targets: tuple[Target, ...]
    env: dict[str, str] = field(default_factory=dict)
    setup: Callable[[Server], None] | None = None
    workers: int = 1  # processes that accept connections (each load spreads its connections over them)


@dataclass(frozen=True)
class Size:
    """One size's project, as every area sees it."""

    project: Path
    meta: dict[str, Any]  # bench-meta.json: the hub and a typical entity
    work: Path  # where servers' logs and data copies go

    @property
    def release(self) -> Path:
        return (self.project / "build" / "current").resolve()


Measure = Callable[[dict[str, Any]], float]  # from one size's results


@dataclass(frozen=True)
class Check:
    """One of the issues' targets: what is measured at which size, and the bounds it must stay within."""

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


@dataclass(frozen=True)
class Area:
    kgpub_targets: Callable[[Size], tuple[Target, ...]]
    peers: Callable[[Size], list[Peer]]
    checks: tuple[Check, ...] = ()


def areas() -> list[Area]:
    return [importlib.import_module(name).AREA for name in AREAS]


def rps(result: dict[str, Any], server: str, label: str) -> float:
    """A server's requests per second on one target at one size; NaN if it was not measured."""
    return result["http"].get(server, {}).get("loads", {}).get(label, {}).get("rps", float("nan"))


def kgpub(label: str, key: str) -> Measure:
    return lambda r: r["http"]["kgpub"]["loads"][label][key]


class PeerNotRun(LookupError):
    """A check compares kgpub with a peer this run did not start (``--skip-peers``): nothing to say, which
    differs from kgpub's own figure missing (NaN: the check is MISSED)."""


def versus(peer: str, label: str, peer_label: str | None = None) -> Measure:
    """kgpub's rps on ``label`` over ``peer``'s on ``peer_label`` (the same label by default)."""

    def ratio(result: dict[str, Any]) -> float:
        if peer not in result["http"]:
            raise PeerNotRun(peer)
        return rps(result, "kgpub", label) / rps(result, peer, peer_label or label)

    return ratio
