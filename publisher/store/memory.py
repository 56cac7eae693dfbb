"""The release's quads in an in-memory pyoxigraph store, for the queries that run on the worker's thread.

A small query on pyoxigraph's on-disk (RocksDB) store costs about twice what it costs in memory (each
query opens iterators and a snapshot on the database), so a release that fits (``memory_store_triples``,
2M by default) is also loaded into memory by each web worker, in a background thread from the N-Quads
dump the build wrote (the exact published quads): 4.2 s and about 320 MiB per worker at 1M triples (peak
380 MiB), measured 2026-12-07. The worker answers from the on-disk store meanwhile: start-up is not
delayed, and nothing but the streaming user queries uses the copy.

Why only those: a query without ``ORDER BY`` gets its rows in the engine's index order, which differs
between the two stores (and a ``LIMIT`` then picks other rows). The entity pages page through windows in
index order, so they stay on the on-disk store, like every query in the query processes; a streaming
query waits for the copy rather than being answered from the on-disk store first and from memory later.
Each query text is therefore always answered by the same engine, and a build's answers do not change
while it is served.
"""

from __future__ import annotations

import gzip
import logging
import threading
from pathlib import Path
from typing import IO, cast

import pyoxigraph as ox

log = logging.getLogger(__name__)
DUMP = Path("dumps") / "kgpub.nq.gz"


class MemoryCopy:
    """An in-memory copy of one release, loaded once in the background; or none, if it does not fit."""

    def __init__(self, release_dir: Path, triples: int, max_triples: int) -> None:
        self.wanted = 0 < triples <= max_triples and (release_dir / DUMP).is_file()
        self._store: ox.Store | None = None
        self._loaded = threading.Event()
        if self.wanted:
            threading.Thread(
                target=self._load, args=(release_dir / DUMP,), daemon=True, name="kgpub-memory-copy"
            ).start()

    def wait(self, seconds: float) -> ox.Store | None:
        """The copy, once loaded (waiting at most ``seconds``); None if there is none or it is late."""
        if not self.wanted or not self._loaded.wait(max(seconds, 0)):
            return None
        return self._store

    def _load(self, dump: Path) -> None:
        try:
            store = ox.Store()
            with gzip.open(dump, "rb") as quads:
                store.load(cast(IO[bytes], quads), format=ox.RdfFormat.N_QUADS)
            self._store = store
        except Exception:  # the on-disk store answers instead: slower, never wrong
            log.exception("could not load %s into memory", dump)
            self.wanted = False
        finally:
            self._loaded.set()
