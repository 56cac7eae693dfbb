"""How ``kgpub serve``'s gunicorn workers start, stop and are replaced (gunicorn server hooks).

* **Start** (``post_worker_init``): the worker installs its runaway handler (a query that overran its
  deadline on a request thread retires the worker: ``store/watchdog.py``) and starts its query
  processes in the background, so the first query does not wait for them.
* **Stop** (SIGTERM, from the arbiter stopping the server or replacing the worker): gunicorn stops
  accepting and lets the requests in flight finish; :data:`DRAIN_GRACE_S` later, queries still running
  are answered 503 (``ServerStopping``) and their processes killed, so nothing but a parked request
  thread keeps the worker, and gunicorn's graceful timeout (:data:`GRACEFUL_TIMEOUT_S`) ends it. SIGTERM
  to the server therefore stops it within about 3 s (issue 11: within 5 s at any moment): small requests
  in flight finish, runaways are killed.
* **Retire** (a runaway on a request thread): the worker sends itself SIGTERM, which is the stop above;
  gunicorn starts a fresh worker when it exits.
* **Exit** (``worker_exit``): a worker with a parked request thread (its query overran, its answer was
  sent) leaves with ``os._exit``: the interpreter's normal exit joins every request thread, and that one
  never ends.
"""

from __future__ import annotations

import os
import signal
import threading
from typing import Any

from publisher.errors import ServerStopping
from publisher.store.watchdog import set_runaway_handler, watchdog

DRAIN_GRACE_S = 2.0  # what a stopping worker gives queries in flight before answering them 503
GRACEFUL_TIMEOUT_S = 3  # gunicorn's: a stopping worker is gone by then, whatever it held


def hooks() -> dict[str, Any]:
    """The gunicorn settings this module provides."""
    return {
        "post_worker_init": post_worker_init,
        "worker_exit": worker_exit,
        "graceful_timeout": GRACEFUL_TIMEOUT_S,
    }


def post_worker_init(worker: Any) -> None:
    """Runaway handler, fast stop on SIGTERM, query processes started in the background."""
    previous = signal.getsignal(signal.SIGTERM)
    stopping = threading.Event()

    def stop() -> None:
        """Once: answer what still runs after the grace, and leave at the latest just after gunicorn would.
        Started from the signal handler, and by the runaway handler itself: a sync worker's only thread is
        the one in the engine, so no Python signal handler of its would ever run."""
        if not stopping.is_set():
            stopping.set()
            threading.Timer(DRAIN_GRACE_S, lambda: stop_queries(worker.wsgi)).start()
            threading.Timer(GRACEFUL_TIMEOUT_S + 1, lambda: os._exit(0)).start()

    def on_term(signum: int, frame: Any) -> None:
        if callable(previous):
            previous(signum, frame)
        stop()

    def retire() -> None:
        stop()
        os.kill(os.getpid(), signal.SIGTERM)

    signal.signal(signal.SIGTERM, on_term)
    set_runaway_handler(retire)
    threading.Thread(target=worker.wsgi.extensions["kgpub"].warm_up, daemon=True).start()


def stop_queries(app: Any) -> None:
    """Answer every query still running in this worker (503) and stop its query processes."""
    watchdog().overrun_all(ServerStopping())
    app.extensions["kgpub"].close()


def worker_exit(arbiter: Any, worker: Any) -> None:
    """Leave at once if a request thread is parked in the engine (see the module docstring)."""
    if watchdog().busy:
        os._exit(0)
