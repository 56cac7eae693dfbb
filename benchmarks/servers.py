"""Start, load and stop HTTP servers for the benchmark: every one on 127.0.0.1, every load bounded by wrk's
duration and a hard timeout, every process stopped (its whole process group) when the benchmark is done.

Start-up is timed from ``Popen`` until the first ``200`` on the server's ready path: that is what a deploy
or a restart waits for. Peak memory is each worker's ``VmHWM`` (high-water RSS) from ``/proc``.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks.common import KGPUB, REPO

if TYPE_CHECKING:
    from benchmarks.targets import Size

HOST = "127.0.0.1"
READY_TIMEOUT_S = 300.0  # rdflib-endpoint parses the whole dump before it answers
MAX_DRAWS = 16  # wrk runs started, at most, to get evenly spread connections (see wrk)
UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    port: int
    startup_s: float
    log: Path | None = None  # where its output goes, if kept

    def url(self, path: str) -> str:
        return f"http://{HOST}:{self.port}{path}"

    def peak_rss_mib(self) -> float:
        """The largest high-water RSS among the serving processes: the workers if the server forks any,
        else the server process itself. Helper children of workers (kgpub's query sandbox) are excluded:
        they are reported by the caller separately if needed."""
        workers = children(self.process.pid) or [self.process.pid]
        return max((high_water_mib(pid) for pid in workers), default=0.0)

    def helper_rss_mib(self) -> float:
        """The largest high-water RSS among the processes under the workers (kgpub: its fork server and
        query processes)."""
        helpers = [pid for worker in children(self.process.pid) for pid in descendants(worker)]
        return max((high_water_mib(pid) for pid in helpers), default=0.0)


@dataclass(frozen=True)
class Load:
    """One wrk run: requests per second, latency percentiles, and failures (non-2xx/3xx, socket errors)."""

    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    split: tuple[int, ...] = ()  # connections per worker process, most first, a second into the load
    draws: int = 1  # runs started until the connections were spread evenly (see wrk)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def start(
    name: str,
    argv: Sequence[str],
    ready_path: str,
    port: int,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    log: Path | None = None,
) -> Server:
    """Start a server in its own process group and wait for the first 200 on ``ready_path``."""
    began = time.perf_counter()
    with (
        open(log, "wb") if log else contextlib.nullcontext(subprocess.DEVNULL) as out
    ):  # the child keeps its copy
        process = subprocess.Popen(
            list(argv),
            env={**os.environ, **(env or {})},
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(name, process, port, 0.0, log)
    try:
        wait_ready(server, ready_path)
    except BaseException:
        stop(server)
        raise
    server.startup_s = time.perf_counter() - began
    return server


def wait_ready(server: Server, path: str) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited with {server.process.returncode} before answering")
        if status(server.url(path)) == 200:
            return
        time.sleep(0.02)
    raise TimeoutError(f"{server.name} did not answer 200 on {path} within {READY_TIMEOUT_S} s")


def status(url: str, headers: Mapping[str, str] | None = None) -> int | None:
    try:
        with urllib.request.urlopen(
            urllib.request.Request(url, headers=dict(headers or {})), timeout=5
        ) as response:
            return int(response.status)
    except urllib.error.HTTPError as err:
        return err.code
    except OSError:
        return None


def fetch(url: str, headers: Mapping[str, str] | None = None) -> bytes:
    with urllib.request.urlopen(
        urllib.request.Request(url, headers=dict(headers or {})), timeout=60
    ) as response:
        return bytes(response.read())


def post(url: str, data: bytes, content_type: str) -> None:
    request = urllib.request.Request(url, data=data, headers={"Content-Type": content_type}, method="POST")
    with urllib.request.urlopen(request, timeout=600) as response:
        response.read()


def fetch_from_kgpub(size: Size, path: str, headers: Mapping[str, str]) -> bytes:
    """One response of ``kgpub serve`` over the size's project (a server started for it, one worker)."""
    port = free_port()
    argv = [KGPUB, "--project-dir", str(size.project), "serve", "--port", str(port), "--no-build"]
    server = start("kgpub", argv, "/", port, {"KGPUB_WORKERS": "1"}, REPO, size.work / "kgpub-fetch.log")
    try:
        return fetch(server.url(path), headers)
    finally:
        stop(server)


def stop(server: Server) -> None:
    """SIGTERM to the server's process group (workers and helpers too), SIGKILL if it lingers."""
    if server.process.poll() is not None:
        return
    pgid = os.getpgid(server.process.pid)
    os.killpg(pgid, signal.SIGTERM)
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(pgid, signal.SIGKILL)
        server.process.wait(timeout=5)


def wrk(
    url: str,
    duration_s: float,
    headers: Mapping[str, str] | None = None,
    threads: int = 2,
    connections: int = 4,
    script: Path | None = None,
    port: int | None = None,
    workers: int = 1,
) -> Load:
    """A bounded closed-loop load (``wrk -t2 -c4``): at most ``duration_s`` seconds, 10 s per request;
    ``script`` is a wrk Lua script (e.g. ``first_render.lua``), given a token new to each run (so a run never
    repeats an earlier run's distinct requests, which a cache could answer).

    With ``port``, which process holds which connection is sampled a second in. With 4 connections over 2
    workers that split is drawn afresh on each run (2-2 three times in 8, 3-1 one in 2, 4-0 one in 8), and
    all four on one worker nearly halves any Python server's throughput. So, given the server's ``workers``,
    a run whose connections are not spread evenly is stopped and drawn again (at most ``MAX_DRAWS`` times):
    every multi-process server is measured with the same spread, and servers compare like with like."""
    argv = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(duration_s))}s",
        "--timeout",
        "10s",
        "--latency",
        *(["-s", str(script)] if script else []),
    ]
    for key, value in (headers or {}).items():
        argv += ["-H", f"{key}: {value}"]
    for draw in range(1, MAX_DRAWS + 1):
        run = [*argv, url, *(["--", uuid.uuid4().hex[:12]] if script else [])]
        load = subprocess.Popen(run, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        split: tuple[int, ...] = ()
        if port is not None and duration_s > 1.5:
            time.sleep(1)
            split = connection_split(port)
            if draw < MAX_DRAWS and workers > 1 and not even(split, workers, connections):
                load.kill()
                load.communicate()
                continue
        out, err = load.communicate(timeout=duration_s + 60)
        if load.returncode != 0:
            raise RuntimeError(f"wrk failed ({load.returncode}): {err[-500:]}")
        return replace(parse_wrk(out), split=split, draws=draw)
    raise AssertionError("unreachable: the last draw is always measured")


def even(split: tuple[int, ...], workers: int, connections: int) -> bool:
    """Whether ``connections`` are spread over all ``workers`` as evenly as they can be."""
    return len(split) == workers and sum(split) == connections and max(split) - min(split) <= 1


def connection_split(port: int) -> tuple[int, ...]:
    """How many established connections to ``port`` each process holds, most first (``ss``)."""
    listing = subprocess.run(
        ["ss", "-tnpH", "state", "established", f"( sport = :{port} )"], capture_output=True, text=True
    ).stdout
    owners = re.findall(r'users:\(\("[^"]*",pid=(\d+)', listing)
    return tuple(sorted(Counter(owners).values(), reverse=True))


def parse_wrk(text: str) -> Load:
    percentiles = {
        int(p): _ms(v, u) for p, v, u in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M)
    }
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", text).group(1))  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    errors = (int(non_2xx.group(1)) if non_2xx else 0) + (sum(map(int, sockets.groups())) if sockets else 0)
    return Load(rps, percentiles.get(50, float("nan")), percentiles.get(99, float("nan")), requests, errors)


def _ms(value: str, unit: str) -> float:
    return float(value) * UNITS_MS[unit]


def children(pid: int) -> list[int]:
    """Direct children of ``pid`` (from /proc, so no extra dependency)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def descendants(pid: int) -> list[int]:
    """Every process under ``pid``."""
    found = children(pid)
    return found + [pid for child in found for pid in descendants(child)]


def high_water_mib(pid: int) -> float:
    try:
        status_text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    found = re.search(r"^VmHWM:\s+(\d+) kB", status_text, re.M)
    return int(found.group(1)) / 1024 if found else 0.0
