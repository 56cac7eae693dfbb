"""How ``kgpub serve``'s gunicorn workers start, stop and are replaced (gunicorn server hooks).

* **Start** (``post_worker_init``): the worker installs its runaway handler (a query that overran its
  deadline on a request thread retires the worker: ``store/watchdog.py``) with the server's runaway record
  (a stamp file in the runtime directory ``kgpub serve`` owns: after a runaway, streaming queries go to the
  query processes for a while, so a runaway sent again costs a query process, not a worker), and starts its
  query processes in the background, so the first query does not wait for them.
* **Stop** (SIGTERM, from the arbiter stopping the server or replacing the worker): gunicorn stops
  accepting and lets the requests in flight finish; :data:`DRAIN_GRACE_S` later, queries still running
  are answered 503 (``ServerStopping``) and their processes killed, so nothing but a parked request
  thread keeps the worker, and gunicorn's graceful timeout (:data:`GRACEFUL_TIMEOUT_S`) ends it. SIGTERM
  to the server therefore stops it within about 3 s (issue 11: within 5 s at any moment): small requests
  in flight finish, runaways are killed.
* **Retire** (a runaway on a request thread): not the stop above. The worker stops taking connections
  (gunicorn's own stop flag, what its SIGTERM handler sets) and lets every request it holds finish: small
  answers and queries (each within its time limit) at once, a dump download (``send_file``) as long as it
  takes, up to :data:`RETIRE_GRACE_S`; it exits as soon as nothing but the runaway's thread is left
  (requests counted in flight by ``pre_request``/``post_request``, or with the threaded worker every
  connection it holds, queued or kept alive: :func:`held`; less the threads that overran), and
  gunicorn starts a fresh worker. Why bounded: pyoxigraph cannot stop a query and nothing but the
  process's exit ends it, so the runaway keeps one core busy in the engine until then, and the retiring
  worker takes no new connections meanwhile (the other workers do). A download slower than the bound is cut
  there (``send_file`` answers ``Range``, so a client resumes it); one that ends sooner is not cut (it used
  to be, 3 s after the runaway's 503). Stopping the server meanwhile is the stop above.
* **Exit** (``worker_exit``): a worker with a parked request thread (its query overran, its answer was
  sent) leaves with ``os._exit``: the interpreter's normal exit joins every request thread, and that one
  never ends. ``on_exit`` (the arbiter) removes the runtime directory.
"""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
from pathlib import Path
from typing import Any

from publisher.errors import ServerStopping
from publisher.store.watchdog import RUNAWAY_WINDOW_LIMITS, RunawayRecord, set_runaway_handler, watchdog

DRAIN_GRACE_S = 2.0  # what a stopping worker gives queries in flight before answering them 503
GRACEFUL_TIMEOUT_S = 3  # gunicorn's: a stopping worker is gone by then, whatever it held
RETIRE_GRACE_S = 30  # what a retiring worker gives the requests it holds (dump downloads) before it exits
RUNAWAY_STAMP = "runaway"  # in the server's runtime directory: when the last runaway was (its mtime)


class InFlight:
    """The requests this worker is answering now (gunicorn's ``pre_request`` to ``post_request``: a
    response's body is sent in between)."""

    def __init__(self) -> None:
        self._count = 0
        self._lock = threading.Lock()

    def enter(self, worker: Any, req: Any) -> None:
        with self._lock:
            self._count += 1

    def leave(self, worker: Any, req: Any, environ: Any, resp: Any) -> None:
        with self._lock:
            self._count -= 1

    @property
    def count(self) -> int:
        return self._count


in_flight = InFlight()  # this process's (each worker counts its own after the fork)


def hooks(runtime_dir: Path) -> dict[str, Any]:
    """The gunicorn settings this module provides; ``runtime_dir``: the server's own directory (made by
    ``kgpub serve``, removed when the server exits)."""
    return {
        "post_worker_init": lambda worker: post_worker_init(worker, runtime_dir),
        "pre_request": in_flight.enter,
        "post_request": in_flight.leave,
        "worker_exit": worker_exit,
        "on_exit": lambda server: shutil.rmtree(runtime_dir, ignore_errors=True),
        "graceful_timeout": GRACEFUL_TIMEOUT_S,
    }


def post_worker_init(worker: Any, runtime_dir: Path) -> None:
    """Runaway handler and record, fast stop on SIGTERM, query processes started in the background."""
    previous = signal.getsignal(signal.SIGTERM)
    stopping = threading.Event()
    retiring = threading.Lock()
    releases = worker.wsgi.extensions["kgpub"]

    def stop() -> None:
        """Once: answer what still runs after the grace, and leave at the latest just after gunicorn would.
        Started from the signal handler (which a sync worker whose only thread is in the engine never
        runs: a runaway there retires it, and it leaves by itself)."""
        if not stopping.is_set():
            stopping.set()
            threading.Timer(DRAIN_GRACE_S, lambda: stop_queries(worker.wsgi)).start()
            threading.Timer(GRACEFUL_TIMEOUT_S + 1, lambda: os._exit(0)).start()

    def on_term(signum: int, frame: Any) -> None:
        if callable(previous):
            previous(signum, frame)
        stop()

    def retire() -> None:
        """Once (from the watchdog thread): stop taking connections, let what is held finish, exit."""
        if stopping.is_set() or not retiring.acquire(blocking=False):
            return
        worker.cfg.set("graceful_timeout", RETIRE_GRACE_S + 1)  # gunicorn's own drain outlasts ours
        worker.alive = False
        threading.Thread(target=drain_and_exit, daemon=True, name="kgpub-retire").start()

    def drain_and_exit() -> None:
        deadline = time.monotonic() + RETIRE_GRACE_S
        while held(worker) > watchdog().overran and time.monotonic() < deadline:
            time.sleep(0.05)
        stop_queries(worker.wsgi)
        os._exit(0)

    signal.signal(signal.SIGTERM, on_term)
    window_s = RUNAWAY_WINDOW_LIMITS * releases.settings.query_timeout_s
    set_runaway_handler(retire, RunawayRecord(runtime_dir / RUNAWAY_STAMP, window_s))
    threading.Thread(target=releases.warm_up, daemon=True).start()


def held(worker: Any) -> int:
    """The requests a retiring worker still owes an answer: those in flight, and with the threaded worker
    every connection it holds (``nr_conns``). A connection's request may wait in the thread pool's queue,
    or arrive on a kept-alive connection during gunicorn's stop, and so start after the count of requests
    in flight was seen at zero: stopping the queries then answered it 503 (seen once in the stress test)."""
    return max(in_flight.count, getattr(worker, "nr_conns", 0))


def stop_queries(app: Any) -> None:
    """Answer every query still running in this worker (503) and stop its query processes."""
    watchdog().overrun_all(ServerStopping())
    app.extensions["kgpub"].close()


def worker_exit(arbiter: Any, worker: Any) -> None:
    """Leave at once if a request thread is parked in the engine (see the module docstring)."""
    if watchdog().busy:
        os._exit(0)
