"""The release's quads in an in-memory pyoxigraph store, for the queries that run on the worker's thread.

A small query on pyoxigraph's on-disk (RocksDB) store costs about twice what it costs in memory (each
query opens iterators and a snapshot on the database), so a release that fits (``memory_store_triples``,
2M by default) is also loaded into memory by each web worker, in a background thread from the N-Quads
dump the build wrote (the exact published quads): 4.2 s and about 320 MiB per worker at 1M triples (peak
380 MiB) on an idle machine, 13 s with both workers loading on 2 busy cores, measured 2026-12-07. Start-up
is not delayed, and nothing but the streaming user queries uses the copy.

Until the copy is loaded, the streaming queries run on the on-disk store (on the same thread, at about
half the speed): waiting for the copy instead stalled every query of a fresh 1M worker for 13-25 s (the
benchmark's first target at 1M got no answer at all), and a worker is fresh after every streaming
runaway. What that costs: a query without ``ORDER BY`` gets its rows in the engine's index order, which
differs between the two stores, so in a worker's first seconds such a query (with a ``LIMIT``, other
rows) may be answered otherwise than later; SPARQL leaves that order open, and the answer cache keeps
the answer to the query's second asking for the build, from whichever store gave it. The entity pages
page through windows in index order, so they stay on the on-disk store, like every query in the query
processes.

A superseded release's copy is of no use: :meth:`MemoryCopy.close` (its release ends) drops a loaded copy
and stops a load under way at its next read of the dump (the parser reads it in small pieces, through
:class:`_UntilClosed`), so several builds in a row do not leave several big loads running in each worker.
"""

from __future__ import annotations

import gzip
import logging
import os
import threading
import time
from pathlib import Path
from typing import IO, cast

import pyoxigraph as ox

log = logging.getLogger(__name__)
DUMP = Path("dumps") / "kgpub.nq.gz"


class MemoryCopy:
    """An in-memory copy of one release, loaded once in the background; or none, if it does not fit."""

    def __init__(self, release_dir: Path, triples: int, max_triples: int) -> None:
        self._store: ox.Store | None = None  # set once, whole, when loaded
        self._closed = threading.Event()
        if 0 < triples <= max_triples and (release_dir / DUMP).is_file():
            threading.Thread(
                target=self._load, args=(release_dir / DUMP,), daemon=True, name="kgpub-memory-copy"
            ).start()

    def loaded(self) -> ox.Store | None:
        """The copy, if it is loaded by now (None while it loads, if there is none, or once closed)."""
        return self._store

    def close(self) -> None:
        """The release ends: drop the copy (queries still running keep theirs to their end) and stop its load."""
        self._closed.set()
        self._store = None

    def _load(self, dump: Path) -> None:
        began = time.monotonic()
        try:
            store = ox.Store()
            with gzip.open(dump, "rb") as quads:
                store.load(cast(IO[bytes], _UntilClosed(quads, self._closed)), format=ox.RdfFormat.N_QUADS)
            self._store = store
            if self._closed.is_set():  # closed as the load ended: close() may have looked before this
                self._store = None
            else:
                log.info(  # an operator sees where the memory went; a benchmark, when a worker is at full speed
                    "kgpub: worker %d holds release %s in memory (%s quads, loaded in %.1f s)",
                    os.getpid(),
                    dump.parent.parent.name,
                    f"{len(store):,}",
                    time.monotonic() - began,
                )
        except Closed:
            log.info("stopped loading %s into memory: its release was closed", dump)
        except Exception:  # the on-disk store answers instead: slower, never wrong
            log.exception("could not load %s into memory", dump)


class Closed(Exception):
    """The copy being loaded was closed: the load stops (what it had read is dropped with its store)."""


class _UntilClosed:
    """The dump as the parser reads it, ending the load with :class:`Closed` once ``closed`` is set."""

    def __init__(self, quads: gzip.GzipFile, closed: threading.Event) -> None:
        self._quads = quads
        self._closed = closed

    def read(self, size: int = -1) -> bytes:
        if self._closed.is_set():
            raise Closed()
        return self._quads.read(size)
