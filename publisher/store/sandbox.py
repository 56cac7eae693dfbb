"""The time and memory limits for user queries that do not stream: a small pool of killable child processes
per web worker (streaming ones run on the worker's thread: ``embedded.py``).

pyoxigraph's ``Store.query`` has no timeout and cannot be interrupted from another thread, so such a
query runs in a child process that holds the store open read-only. The parent waits at most
``query_timeout_s`` (waiting for a free child counts towards it); on timeout it kills that child (SIGKILL)
and raises ``QueryTimeout``, and a later query starts a fresh child in its place. The child also
serializes and caps the answer (``results.evaluate``), so only bytes cross the pipe.

A worker keeps up to ``processes`` children (the ``query_processes`` setting), started with the worker
(``prestart``) or when a query needs one, one query each at a time; a query that finds every child busy
waits for one within its own time limit, so at most ``processes`` queries run per worker. With more than
one, a runaway query holds one child, not the worker's whole endpoint, until it is stopped. The default
is one: on the 2-core benchmark machine, small queries under ``wrk -c4`` cost 10-25% more CPU per request
with two children per worker than with one (more processes to switch between; the children's wait on the
lock was not what bounded throughput).

Messages are plain bytes (``send_bytes``/``recv_bytes``), not pickled objects: a query is a marshalled
tuple of strings, an answer a one-byte status, the media type and the body. Only an error is pickled
(rare, and the exceptions define ``__reduce__`` where their constructor needs it).

Children come from a fork server (``multiprocessing``'s ``forkserver``, one per web worker): a small,
single-threaded process started once (about 0.9 s, in the background at worker start), which imports this
module and pyoxigraph and forks a child in about 15 ms. Forking from the web worker itself (the method
until 2026-12-07) is no longer right: a worker now holds its release in memory (``memory.py``), and a
child forked from it would keep the worker's pages alive, so every page the worker touched afterwards
(pyoxigraph's in-memory store writes a lock word on each quad it reads) would be copied: up to a second
store's worth per child. A fork-server child shares nothing with the worker: no memory, no lock another
thread held at the fork, no socket. The child asks the kernel to kill it when its parent (the fork server)
dies (Linux ``PR_SET_PDEATHSIG``), and the fork server ends when its worker does (it watches a pipe the
worker holds), so a runaway query never outlives a dead web worker. A child still closes every socket it
may have inherited but its own pipe: a connection the worker closes must be closed for the client too.

When the worker stops (``close``), queries in flight and later ones get ``ServerStopping`` (503).

As with any use of ``forkserver``, a script that runs queries through the store must keep its top-level
code under ``if __name__ == "__main__":`` (a child imports the main module first); the ``kgpub`` command,
gunicorn and pytest do.
"""

from __future__ import annotations

import contextlib
import ctypes
import marshal
import multiprocessing
import os
import pickle
import resource
import select
import signal
import stat
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from publisher.errors import PublisherError, QueryTimeout, QueryTooExpensive, ServerStopping
from publisher.store import ProtocolResult, UserQuery
from publisher.store.results import UnacceptableFormat, evaluate  # re-exported: the web layer maps it to 406

__all__ = ["Sandbox", "SandboxConfig", "UnacceptableFormat"]

_PR_SET_PDEATHSIG = 1
_PRELOAD = ["publisher.store.sandbox", "pyoxigraph"]  # imported once by the fork server, not per child
_OK, _TRUNCATED, _ERROR = 0, 1, 2  # the first byte of an answer


@dataclass(frozen=True)
class SandboxConfig:
    store_path: Path
    base_iri: str
    timeout_s: float
    max_rows: int
    memory_bytes: int | None = None  # RLIMIT_DATA of each child: a query cannot take the machine's memory
    processes: int = 1  # children per worker: how many queries it runs at once


class Sandbox:
    """Up to ``config.processes`` lazily started children; each runs one query at a time."""

    def __init__(self, config: SandboxConfig) -> None:
        if config.processes < 1:
            raise ValueError("a sandbox needs at least one query process")
        self.config = config
        self._slots = threading.BoundedSemaphore(config.processes)  # one per query in flight
        self._guard = threading.Lock()  # the child lists; starting and stopping children
        self._idle: list[_Child] = []
        self._children: set[_Child] = set()
        self._closed = False

    def run(self, query: UserQuery, names_dataset: bool | None = None) -> ProtocolResult:
        """Evaluate in a child within the time limit (waiting for a free child counts towards it).

        ``names_dataset``: whether the text has FROM / FROM NAMED, if the policy pass already found out.
        """
        deadline = time.monotonic() + self.config.timeout_s
        if self._closed:
            raise ServerStopping()
        if not self._slots.acquire(timeout=self.config.timeout_s):
            raise QueryTimeout(
                f"no query slot became free within {self.config.timeout_s:g} s; try again later"
            )
        try:
            child = self._take()
            status, payload = self._exchange(child, _encode(query, names_dataset), deadline)
            with self._guard:
                if child in self._children:  # not stopped by close() meanwhile
                    self._idle.append(child)
        finally:
            self._slots.release()
        if status == _ERROR:
            raise pickle.loads(payload)
        media_length = payload[0]
        media_type = payload[1 : 1 + media_length].decode("ascii")
        return ProtocolResult(payload[1 + media_length :], media_type, status == _TRUNCATED)

    def prestart(self) -> None:
        """Start the children now, in the background, so the first queries do not wait for them."""
        threading.Thread(target=self._prestart, daemon=True, name="kgpub-prestart").start()

    def _prestart(self) -> None:
        for _ in range(self.config.processes):
            with self._guard:
                if self._closed or len(self._children) >= self.config.processes:
                    return
                child = _Child.start(self.config)
                self._children.add(child)
                self._idle.append(child)

    def close(self) -> None:
        """Stop every child, idle or busy; queries in flight and later ones get ``ServerStopping``."""
        with self._guard:
            self._closed = True
            children, self._children, self._idle = list(self._children), set(), []
            for child in children:
                child.stop()

    @property
    def pid(self) -> int | None:
        """A running child's process id, if any (for tests and diagnostics)."""
        pids = self.pids
        return pids[0] if pids else None

    @property
    def pids(self) -> list[int]:
        """The process ids of the running children (for tests and diagnostics)."""
        with self._guard:
            return sorted(child.process.pid for child in self._children if child.process.is_alive())

    def _take(self) -> _Child:
        """An idle child, else a new one; the caller holds a slot, so there are never more than ``processes``."""
        with self._guard:
            if self._closed:
                raise ServerStopping()
            while self._idle:
                child = self._idle.pop()
                if child.process.is_alive():
                    return child
                self._drop(child)
            child = _Child.start(self.config)  # under the guard: one start at a time
            self._children.add(child)
            return child

    def _exchange(self, child: _Child, message: bytes, deadline: float) -> tuple[int, bytes]:
        try:
            child.conn.send_bytes(message)
            if not child.wait(deadline - time.monotonic()):
                self._discard(child)
                raise QueryTimeout(f"the query ran longer than {self.config.timeout_s:g} s and was stopped")
            answer = child.conn.recv_bytes()
            return answer[0], answer[1:]
        except (EOFError, OSError, IndexError) as err:  # the child died (its memory limit, most likely)
            self._discard(child)
            if self._closed:
                raise ServerStopping() from err
            limit = f" of {self.config.memory_bytes // 2**20} MiB" if self.config.memory_bytes else ""
            raise QueryTooExpensive(
                f"the query's process ended before answering, most likely at its memory limit{limit}"
            ) from err

    def _discard(self, child: _Child) -> None:
        with self._guard:
            self._drop(child)

    def _drop(self, child: _Child) -> None:
        self._children.discard(child)
        child.stop()


class _Child:
    """One query process and the parent's end of its pipe."""

    def __init__(self, process: Any, conn: Connection) -> None:
        self.process, self.conn = process, conn
        self._poller = select.poll()  # registered once: cheaper than Connection.poll's selector per call
        self._poller.register(conn.fileno(), select.POLLIN)

    @classmethod
    def start(cls, config: SandboxConfig) -> _Child:
        """A new child from this process's fork server (started with the first child)."""
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(_PRELOAD)
        parent_end, child_end = context.Pipe()
        process = context.Process(
            target=_child_main, args=(child_end, config), daemon=True, name="kgpub-query"
        )
        process.start()
        child_end.close()
        return cls(process, parent_end)

    def wait(self, seconds: float) -> bool:
        """Whether the answer (or the child's end) arrived within ``seconds``."""
        return bool(self._poller.poll(max(0, int(seconds * 1000) + 1)))

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=5)
        self.conn.close()


def _encode(query: UserQuery, names_dataset: bool | None) -> bytes:
    graphs = tuple(map(str, query.default_graph_uris)), tuple(map(str, query.named_graph_uris))
    return marshal.dumps((str(query.text), str(query.media_type), *graphs, names_dataset))  # exact str only


def _child_main(conn: Connection, config: SandboxConfig) -> None:
    """The child's loop: answer one query at a time until the parent closes the pipe."""
    import pyoxigraph as ox

    _die_with_parent()
    _default_signals()
    _close_inherited_sockets(keep=conn.fileno())
    if config.memory_bytes:
        resource.setrlimit(resource.RLIMIT_DATA, (config.memory_bytes, config.memory_bytes))
    store = ox.Store.read_only(str(config.store_path))
    while True:
        try:
            text, media_type, default_graphs, named_graphs, names_dataset = marshal.loads(conn.recv_bytes())
        except (EOFError, OSError):
            return
        try:
            query = UserQuery(text, media_type, default_graphs, named_graphs)
            result = evaluate(store, query, config.base_iri, config.max_rows, names_dataset)
            media = result.media_type.encode("ascii")
            head = bytes((_TRUNCATED if result.truncated else _OK, len(media))) + media
            conn.send_bytes(head + result.body)
            continue
        except PublisherError as err:
            error = err
        except Exception as err:  # an engine failure: report it as a server error, keep serving
            error = PublisherError(f"query evaluation failed: {type(err).__name__}: {err}")
        try:
            pickled = pickle.dumps(error)
        except Exception:  # an error that cannot cross the pipe still reports its message
            pickled = pickle.dumps(PublisherError(str(error)))
        conn.send_bytes(bytes((_ERROR,)) + pickled)


def _default_signals() -> None:
    """Default signal handling, whatever the parent had: a handler like gunicorn's, which only flags its
    own loop to stop, would make a child ignore the SIGTERM that ends it, and its worker wait for it."""
    for name in (
        "SIGTERM",
        "SIGINT",
        "SIGQUIT",
        "SIGHUP",
        "SIGUSR1",
        "SIGUSR2",
        "SIGWINCH",
        "SIGABRT",
        "SIGCHLD",
    ):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
    with contextlib.suppress(ValueError):  # not the main thread: nothing was inherited there
        signal.set_wakeup_fd(-1)


def _close_inherited_sockets(keep: int) -> None:
    """Close every socket this child holds but its own pipe (``keep``).

    A child forked from a web worker would hold a copy of each descriptor the worker had open at that
    instant: the listening socket and the client connections of that moment. When the worker then closed
    an idle keep-alive connection, the child's copy kept the TCP connection open, so the client's next
    request landed in a socket nobody read and hung until its own timeout (issue 11). The fork server
    passes on none of the worker's descriptors; this keeps the rule whatever a future start method copies.
    Files (the store's, logs) are left: they hold nothing a client waits on.
    """
    for fd in _open_descriptors():
        if fd == keep or fd <= 2:
            continue
        try:
            if stat.S_ISSOCK(os.fstat(fd).st_mode):
                os.close(fd)
        except OSError:  # closed meanwhile (the listing's own descriptor, for one)
            pass


def _open_descriptors() -> list[int]:
    """This process's open file descriptors (Linux's /proc, else every number below the soft limit)."""
    try:
        return [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        return list(range(min(resource.getrlimit(resource.RLIMIT_NOFILE)[0], 65536)))


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when its parent (the fork server) exits (no-op elsewhere)."""
    parent_pid = os.getppid()
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the pipe's EOF still ends an idle child
        pass
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(0)
