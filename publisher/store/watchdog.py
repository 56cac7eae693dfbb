"""The time limit for queries that run on a web worker's own thread: answer 503 at the deadline, then
retire the worker.

pyoxigraph cannot stop a query, so a streaming query (``streaming.py``) run on the request's thread is
given a :class:`Ticket` with its deadline. If it finishes in time, nothing happens. If not, this
process's watchdog thread answers the client with the error through ``on_overrun`` (the web layer writes
the 503 on the connection itself: the request's thread is still inside the engine) and calls the
*runaway handler* the server installed, which retires the worker: it stops taking connections, lets the
requests it holds finish (``serving.py``), and exits, which is what finally stops the query; the server
starts a fresh worker meanwhile. The request's thread, should the query end after all, never returns: its
answer was already sent, and returning would make the server write a second one.

What a runaway costs here, against one in a query process (killed at the deadline): the core it keeps
busy until its worker exits (a few seconds past the deadline), and a worker start. What it does not cost:
other requests, on this worker or another, are answered meanwhile (pyoxigraph releases the GIL while it
evaluates).

Without a runaway handler (the app served in-process: tests, ``kgpub serve --get``) nothing could stop a
runaway, so :func:`can_stop_runaways` is false and every query goes to the query processes.

**After a runaway** the server's :class:`RunawayRecord` (a stamp file in the runtime directory ``kgpub
serve`` owns, so it outlives the retired worker and every worker of the server sees it) says a runaway is
recent for :data:`RUNAWAY_WINDOW_LIMITS` time limits (5 minutes at the default 30 s limit). Meanwhile
streaming queries go to the query processes too (``embedded.py``), where a runaway is killed at its
deadline and costs no worker; one stopped there renews the window. Without it, one anonymous runaway sent
once per time limit kept the workers restarting: each restart cut the requests in flight and reloaded the
in-memory copy. What the window costs: streaming queries lose the worker-thread lane (about 25% of their
rate, ``embedded.py``) until it closes, and a runaway sent once per window still retires one worker.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from publisher.errors import PublisherError, ServerStopping

Overrun = Callable[[PublisherError], None]  # answers the client with this error, from another thread
RUNNING, DONE, OVERRUN = "running", "done", "overrun"
RUNAWAY_WINDOW_LIMITS = 10  # a runaway is recent for this many query time limits (module docstring)
log = logging.getLogger(__name__)


class Ticket:
    """One query running on a request's thread, with its deadline; finished by whichever comes first.

    Held over the query as a context manager (:meth:`Watchdog.ticket`): a class rather than a generator,
    and one lock (the watchdog's) for its claims, because every small query pays for it (3 us of 160 in
    process as a ``contextmanager`` with a lock of its own, measured 2026-12-07)."""

    __slots__ = ("watchdog", "deadline", "on_overrun", "error", "state")

    def __init__(
        self, watchdog: Watchdog, deadline: float, on_overrun: Overrun, error: PublisherError
    ) -> None:
        self.watchdog = watchdog
        self.deadline = deadline
        self.on_overrun = on_overrun
        self.error = error  # what the client is told if the deadline passes
        self.state = RUNNING

    def claimed(self, state: str) -> bool:
        """Move from running to ``state``; false if the other side got there first (call it holding the
        watchdog's lock)."""
        if self.state != RUNNING:
            return False
        self.state = state
        return True

    def __enter__(self) -> Ticket:
        self.watchdog._hold(self)
        return self

    def __exit__(self, *exc_info: object) -> None:
        with self.watchdog._wake:
            self.watchdog._tickets.discard(self)
            finished = self.claimed(DONE)
        if not finished:
            self.watchdog._park()


class Watchdog:
    """This process's deadlines for queries on request threads, and the thread that enforces them."""

    def __init__(self) -> None:
        self._tickets: set[Ticket] = set()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None
        self._sleeping_until: float | None = None  # when the watchdog thread wakes next (None: when told)
        self.stopping = False  # the worker stopped taking queries
        self.overran = 0  # request threads whose query overran (in the engine, or parked): they never return

    def ticket(self, deadline: float, on_overrun: Overrun, error: PublisherError) -> Ticket:
        """A ticket to hold over a block (``with``): it runs under ``deadline`` (``error`` answers it past
        that); a block that overruns never leaves (see the module docstring)."""
        return Ticket(self, deadline, on_overrun, error)

    def _hold(self, ticket: Ticket) -> None:
        with self._wake:
            if self.stopping:
                raise ServerStopping()
            self._tickets.add(ticket)
            self._start()
            if self._sleeping_until is None or ticket.deadline < self._sleeping_until:
                self._wake.notify()  # rarely: deadlines come in order, so the thread usually sleeps till one

    def overrun_all(self, error: PublisherError) -> None:
        """Answer every query in flight with ``error`` now and refuse new ones (the worker is stopping)."""
        with self._wake:
            self.stopping = True
            tickets = list(self._tickets)
        for ticket in tickets:
            self._overrun(ticket, error)

    @property
    def busy(self) -> bool:
        """Whether a request thread is inside the engine now, or parked for good."""
        return bool(self._tickets) or self.overran > 0

    def _start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._watch, daemon=True, name="kgpub-watchdog")
            self._thread.start()

    def _watch(self) -> None:
        while True:
            with self._wake:
                now = time.monotonic()
                due = [t for t in self._tickets if t.deadline <= now and t.state == RUNNING]
                if not due:
                    upcoming = [t.deadline for t in self._tickets if t.state == RUNNING]
                    self._sleeping_until = min(upcoming) if upcoming else None
                    self._wake.wait(self._sleeping_until - now if self._sleeping_until else None)
                    self._sleeping_until = 0.0  # awake: a new ticket need not wake it
                    continue
            for ticket in due:
                if self._overrun(ticket, ticket.error):
                    note_runaway()
                    retire_worker()

    def _overrun(self, ticket: Ticket, error: PublisherError) -> bool:
        with self._wake:  # one hold: ``busy`` never misses a request thread between its claim and its park
            if not ticket.claimed(OVERRUN):
                return False
            self.overran += 1
        try:
            ticket.on_overrun(error)
        except Exception:  # the client may be gone; the worker must still retire
            log.exception("could not answer a query that overran its deadline")
        return True

    def _park(self) -> None:
        """This thread's query overran and its answer was sent: wait here until the worker exits."""
        threading.Event().wait()


class RunawayRecord:
    """When the server last had a runaway: the modification time of ``stamp`` (in the server's runtime
    directory), so a worker started after the runaway, and every other worker, sees it too.

    Every streaming query asks :meth:`recent`; the stamp is looked at no more than every ``LOOK_EVERY_S``
    (a ``stat`` that fails with an exception when there was no runaway cost 6% of a small query's time
    under load, 2026-12-07), so another worker's runaway is seen within that, this worker's at once."""

    LOOK_EVERY_S = 0.5

    def __init__(self, stamp: Path, window_s: float) -> None:
        self.stamp = stamp
        self.window_s = window_s
        self._looked: tuple[float, float | None] = (-self.LOOK_EVERY_S, None)  # (when, the stamp's mtime)

    def note(self) -> None:
        self.stamp.touch()
        self._looked = (time.monotonic(), time.time())

    def recent(self) -> bool:
        looked_at, stamped = self._looked
        now = time.monotonic()
        if now - looked_at >= self.LOOK_EVERY_S:
            try:
                stamped = self.stamp.stat().st_mtime
            except FileNotFoundError:  # no runaway yet
                stamped = None
            self._looked = (now, stamped)
        return stamped is not None and time.time() - stamped < self.window_s


_watchdog: tuple[int, Watchdog] | None = None
_runaway_handler: Callable[[], None] | None = None
_runaways: RunawayRecord | None = None
_lock = threading.Lock()


def watchdog() -> Watchdog:
    """This process's watchdog (a forked process gets its own)."""
    global _watchdog
    known = _watchdog
    if known is not None and known[0] == os.getpid():
        return known[1]
    with _lock:
        if _watchdog is None or _watchdog[0] != os.getpid():
            _watchdog = (os.getpid(), Watchdog())
        return _watchdog[1]


def set_runaway_handler(handler: Callable[[], None] | None, record: RunawayRecord | None = None) -> None:
    """What retires this process once a query on a request thread overran, and where the server keeps when
    that last happened (both installed by the server)."""
    global _runaway_handler, _runaways
    _runaway_handler, _runaways = handler, record


def runaway_recent() -> bool:
    """Whether the server had a runaway within its window: streaming queries then go to query processes."""
    return _runaways is not None and _runaways.recent()


def note_runaway() -> None:
    """A streaming query ran past its limit (on a request thread, or in a query process during the window)."""
    if _runaways is not None:
        try:
            _runaways.note()
        except OSError:  # the runtime directory is gone (the server is stopping): nothing left to protect
            log.exception("could not note a runaway in %s", _runaways.stamp)


def can_stop_runaways() -> bool:
    """Whether a query may run on a request thread here: only if an overrun can end this process."""
    return _runaway_handler is not None


def retire_worker() -> None:
    """Ask the server to replace this process (its handler must bear being called more than once)."""
    if _runaway_handler is not None:
        _runaway_handler()
