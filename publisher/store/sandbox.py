"""The time limit for untrusted queries: a killable child process per web worker.

pyoxigraph's ``Store.query`` has no timeout and cannot be interrupted from another thread, so each
untrusted query runs in a child process that holds the store open read-only. The parent waits at most
``query_timeout_s``; on timeout it kills the child (SIGKILL) and raises ``QueryTimeout``, and the next
query starts a fresh child. The child also serializes and caps the answer (``results.evaluate``), so
only bytes cross the pipe.

Start method, measured on the project's build (2 cores): ``fork`` starts a child in 35-100 ms;
``forkserver`` took 0.4-0.8 s per child (each child re-imported publisher/rdflib/flask) and ``spawn``
0.65 s, and both re-run the main script, so they need ``if __name__ == "__main__"`` guards. ``fork`` is
the default. Its known risk, forking while another thread holds a lock the child then needs, is bounded
here: the child touches only its own, freshly opened store, and a child that hangs is killed by the
same deadline as a slow query. The child asks the kernel to kill it when its parent dies (Linux
``PR_SET_PDEATHSIG``), so a runaway query never outlives a dead web worker.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import resource
import signal
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from publisher.errors import PublisherError, QueryTimeout, QueryTooExpensive
from publisher.store import ProtocolResult, UserQuery
from publisher.store.results import UnacceptableFormat  # re-exported: the web layer maps it to 406

__all__ = ["Sandbox", "SandboxConfig", "UnacceptableFormat"]

_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class SandboxConfig:
    store_path: Path
    base_iri: str
    timeout_s: float
    max_rows: int
    memory_bytes: int | None = None  # RLIMIT_DATA of the child: a query cannot take the machine's memory
    start_method: str = "fork"


class Sandbox:
    """One lazily started child process; queries from several threads take turns (one engine per worker)."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._process: Any = None
        self._conn: Connection | None = None

    def run(self, query: UserQuery) -> ProtocolResult:
        """Evaluate in the child within the time limit (waiting for a busy child counts towards it)."""
        deadline = time.monotonic() + self.config.timeout_s
        if not self._lock.acquire(timeout=self.config.timeout_s):
            raise QueryTimeout(f"no query slot became free within {self.config.timeout_s:g} s; try again later")
        try:
            kind, payload = self._exchange(query, deadline)
        finally:
            self._lock.release()
        if kind == "ok":
            return payload
        raise payload

    def close(self) -> None:
        with self._lock:
            self._stop()

    @property
    def pid(self) -> int | None:
        """The child's process id, if one is running (for tests and diagnostics)."""
        return self._process.pid if self._process is not None and self._process.is_alive() else None

    def _exchange(self, query: UserQuery, deadline: float) -> tuple[str, Any]:
        conn = self._ensure_child()
        try:
            conn.send(query)
            if not conn.poll(max(0.0, deadline - time.monotonic())):
                self._stop()
                raise QueryTimeout(f"the query ran longer than {self.config.timeout_s:g} s and was stopped")
            return conn.recv()
        except (EOFError, OSError) as err:  # the child died (its memory limit, most likely): start afresh
            self._stop()
            limit = f" of {self.config.memory_bytes // 2**20} MiB" if self.config.memory_bytes else ""
            raise QueryTooExpensive(
                f"the query's process ended before answering, most likely at its memory limit{limit}"
            ) from err

    def _ensure_child(self) -> Connection:
        if self._process is not None and self._process.is_alive() and self._conn is not None:
            return self._conn
        self._stop()
        context = multiprocessing.get_context(self.config.start_method)
        parent_end, child_end = context.Pipe()
        process = context.Process(
            target=_child_main, args=(child_end, self.config, os.getpid()), daemon=True, name="kgpub-query"
        )
        process.start()
        child_end.close()
        self._process, self._conn = process, parent_end
        return parent_end

    def _stop(self) -> None:
        process, conn = self._process, self._conn
        self._process = self._conn = None
        if process is not None and process.is_alive():
            process.kill()
            process.join(timeout=5)
        if conn is not None:
            conn.close()


def _child_main(conn: Connection, config: SandboxConfig, parent_pid: int) -> None:
    """The child's loop: answer one query at a time until the parent closes the pipe."""
    import pyoxigraph as ox

    from publisher.store.results import evaluate

    _die_with_parent(parent_pid)
    if config.memory_bytes:
        resource.setrlimit(resource.RLIMIT_DATA, (config.memory_bytes, config.memory_bytes))
    store = ox.Store.read_only(str(config.store_path))
    while True:
        try:
            query = conn.recv()
        except (EOFError, OSError):
            return
        try:
            reply: tuple[str, Any] = ("ok", evaluate(store, query, config.base_iri, config.max_rows))
        except PublisherError as err:
            reply = ("error", err)
        except Exception as err:  # an engine failure: report it as a server error, keep serving
            reply = ("error", PublisherError(f"query evaluation failed: {type(err).__name__}: {err}"))
        conn.send(reply)


def _die_with_parent(parent_pid: int) -> None:
    """Ask Linux to SIGKILL this process when its parent exits (no-op elsewhere)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the pipe's EOF still ends an idle child
        pass
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(0)
