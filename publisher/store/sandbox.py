"""The time limit for untrusted queries: a small pool of killable child processes per web worker.

pyoxigraph's ``Store.query`` has no timeout and cannot be interrupted from another thread, so each
untrusted query runs in a child process that holds the store open read-only. The parent waits at most
``query_timeout_s`` (waiting for a free child counts towards it); on timeout it kills that child (SIGKILL)
and raises ``QueryTimeout``, and a later query starts a fresh child in its place. The child also
serializes and caps the answer (``results.evaluate``), so only bytes cross the pipe.

A worker keeps up to ``processes`` children (the ``query_processes`` setting), started lazily, one query
each at a time; a query that finds every child busy waits for one within its own time limit, so at most
``processes`` queries run per worker. With more than one, a runaway query holds one child, not the
worker's whole endpoint, until it is stopped. The default is one: on the 2-core benchmark machine, small
queries under ``wrk -c4`` cost 10-25% more CPU per request with two children per worker than with one
(more processes to switch between; the children's wait on the lock was not what bounded throughput).

Messages are plain bytes (``send_bytes``/``recv_bytes``), not pickled objects: a query is a marshalled
tuple of strings, an answer a one-byte status, the media type and the body. Only an error is pickled
(rare, and the exceptions define ``__reduce__`` where their constructor needs it).

Start method, measured on the project's build (2 cores): ``fork`` starts a child in 35-100 ms;
``forkserver`` took 0.4-0.8 s per child (each child re-imported publisher/rdflib/flask) and ``spawn``
0.65 s, and both re-run the main script, so they need ``if __name__ == "__main__"`` guards. ``fork`` is
the default. Its known risk, forking while another thread holds a lock the child then needs, is bounded
here: the child touches only its own, freshly opened store, children are started one at a time (so a
child never inherits another child's half-made pipe), and a child that hangs is killed by the same
deadline as a slow query. The child asks the kernel to kill it when its parent dies (Linux
``PR_SET_PDEATHSIG``), so a runaway query never outlives a dead web worker; since the kernel means the
parent *thread*, children are forked by one long-lived spawner thread, never by a request's thread.
A forked child closes every socket it inherited (the listening socket, the client connections of that
instant) but its own pipe, so a connection the worker closes is closed for the client too.
"""

from __future__ import annotations

import contextlib
import ctypes
import marshal
import multiprocessing
import os
import pickle
import queue
import resource
import select
import signal
import stat
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, TypeVar

from publisher.errors import PublisherError, QueryTimeout, QueryTooExpensive
from publisher.store import ProtocolResult, UserQuery
from publisher.store.results import UnacceptableFormat, evaluate  # re-exported: the web layer maps it to 406

__all__ = ["Sandbox", "SandboxConfig", "UnacceptableFormat"]

_PR_SET_PDEATHSIG = 1
_T = TypeVar("_T")
_OK, _TRUNCATED, _ERROR = 0, 1, 2  # the first byte of an answer


@dataclass(frozen=True)
class SandboxConfig:
    store_path: Path
    base_iri: str
    timeout_s: float
    max_rows: int
    memory_bytes: int | None = None  # RLIMIT_DATA of each child: a query cannot take the machine's memory
    start_method: str = "fork"
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

    def run(self, query: UserQuery, names_dataset: bool | None = None) -> ProtocolResult:
        """Evaluate in a child within the time limit (waiting for a free child counts towards it).

        ``names_dataset``: whether the text has FROM / FROM NAMED, if the policy pass already found out.
        """
        deadline = time.monotonic() + self.config.timeout_s
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

    def close(self) -> None:
        """Stop every child, idle or busy (a busy query then fails as if its process had died)."""
        with self._guard:
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
            while self._idle:
                child = self._idle.pop()
                if child.process.is_alive():
                    return child
                self._drop(child)
            child = _Child.start(self.config)  # under the guard: one fork at a time
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
        """Fork a child from the spawner thread (see ``_spawn``) and wait for it."""
        return _spawn(lambda: cls._fork(config))

    @classmethod
    def _fork(cls, config: SandboxConfig) -> _Child:
        context = multiprocessing.get_context(config.start_method)
        parent_end, child_end = context.Pipe()
        process = context.Process(  # type: ignore[attr-defined]  # typeshed's BaseContext lacks it; every context has it
            target=_child_main, args=(child_end, config, os.getpid()), daemon=True, name="kgpub-query"
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


_spawner: tuple[int, queue.SimpleQueue[Any]] | None = None
_spawner_lock = threading.Lock()


def _spawn(fork: Callable[[], _T]) -> _T:
    """Run ``fork`` on this process's spawner thread, which lives as long as the process does.

    Linux sends ``PR_SET_PDEATHSIG`` when the *thread* that forked the child ends, not the process: a
    child forked from a short-lived request thread (a thread pool that shrinks, a test's executor) would be
    killed with it, idle in the pool. So every child is forked by one daemon thread per process.
    """
    global _spawner
    with _spawner_lock:
        if _spawner is None or _spawner[0] != os.getpid():  # none yet, or inherited through a fork: dead
            requests: queue.SimpleQueue[Any] = queue.SimpleQueue()
            threading.Thread(
                target=_spawner_loop, args=(requests,), daemon=True, name="kgpub-spawner"
            ).start()
            _spawner = (os.getpid(), requests)
        requests = _spawner[1]
    done: queue.SimpleQueue[tuple[bool, Any]] = queue.SimpleQueue()
    requests.put((fork, done))
    ok, value = done.get()
    if not ok:
        raise value
    return value  # type: ignore[no-any-return]


def _spawner_loop(requests: queue.SimpleQueue[Any]) -> None:
    while True:
        fork, done = requests.get()
        try:
            done.put((True, fork()))
        except BaseException as err:  # handed to the caller, which raises it
            done.put((False, err))


def _encode(query: UserQuery, names_dataset: bool | None) -> bytes:
    graphs = tuple(map(str, query.default_graph_uris)), tuple(map(str, query.named_graph_uris))
    return marshal.dumps((str(query.text), str(query.media_type), *graphs, names_dataset))  # exact str only


def _child_main(conn: Connection, config: SandboxConfig, parent_pid: int) -> None:
    """The child's loop: answer one query at a time until the parent closes the pipe."""
    import pyoxigraph as ox

    _die_with_parent(parent_pid)
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
    """Drop the signal handlers inherited from the web worker: gunicorn's SIGTERM handler only flags its
    own loop to stop, so a child keeping it would ignore the SIGTERM that ends it when the worker exits
    (multiprocessing terminates daemonic children), and the worker would hang until gunicorn's graceful
    timeout ran out."""
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
    """Close every socket the fork copied from the web worker except the child's own pipe (``keep``).

    A forked child holds a copy of each descriptor the worker had open at that instant: the listening
    socket and the client connections of that moment. When the worker then closes an idle keep-alive
    connection, the child's copy keeps the TCP connection open, so the client's next request lands in a
    socket nobody reads, and it hangs until its own timeout (issue 11). Files (the store's, logs) are
    left: they hold nothing a client waits on.
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


def _die_with_parent(parent_pid: int) -> None:
    """Ask Linux to SIGKILL this process when its parent exits (no-op elsewhere)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the pipe's EOF still ends an idle child
        pass
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(0)
