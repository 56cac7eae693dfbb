"""Bounded memos for facts a build fixes per term (a label, a hub's property counts, a term's markup).

A published build is immutable and an app serves one build for its lifetime, so what the build says about
one term never changes while the app runs. Unlike ``caching.per_build`` (one value per key, computed on
demand), a :class:`BoundedMemo` holds many small values that pages look up in batches: a page asks for the
labels of its 500 terms at once and queries the store only for those it has not seen. Each memo is an LRU
with a fixed number of entries, so memory stays bounded whatever the size of the archive.

Memos hang off the app (``app.extensions``) under the build id, never off the module, so two apps (two
builds) in one process never share one. Threads share a memo; a lock keeps the LRU order consistent.
"""

from __future__ import annotations

from collections import OrderedDict
from threading import Lock
from typing import Callable, Generic, Hashable, Iterable, Mapping, TypeVar

from flask import current_app

from publisher.web import publisher

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BoundedMemo(Generic[K, V]):
    """An LRU mapping of at most ``max_entries`` entries (and, given ``weigh``, of at most ``max_weight`` in
    all, e.g. bytes), safe to share between threads. A value heavier than a quarter of ``max_weight`` is
    not kept: one huge value would evict everything else."""

    def __init__(self, max_entries: int, max_weight: int | None = None, weigh: Callable[[V], int] | None = None
                 ) -> None:
        if max_entries < 1:
            raise ValueError("a memo needs room for at least one entry")
        self.max_entries = max_entries
        self.max_weight = max_weight
        self._weigh = weigh if weigh is not None and max_weight is not None else None
        self._weights: dict[K, int] = {}
        self.weight = 0
        self._entries: OrderedDict[K, V] = OrderedDict()
        self._lock = Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: K) -> V | None:
        with self._lock:
            if key not in self._entries:
                return None
            self._entries.move_to_end(key)
            return self._entries[key]

    def get_many(self, keys: Iterable[K]) -> dict[K, V]:
        """The entries known for ``keys`` (missing keys are left out)."""
        found: dict[K, V] = {}
        with self._lock:
            for key in keys:
                if key in self._entries:
                    self._entries.move_to_end(key)
                    found[key] = self._entries[key]
        return found

    def put(self, key: K, value: V) -> None:
        self.put_many({key: value})

    def put_many(self, values: Mapping[K, V]) -> None:
        with self._lock:
            for key, value in values.items():
                if self._weigh is not None:
                    weight = self._weigh(value)
                    if 4 * weight > self.max_weight:  # type: ignore[operator]
                        continue
                    self.weight += weight - self._weights.get(key, 0)
                    self._weights[key] = weight
                self._entries[key] = value
                self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries or (
                self._weigh is not None and self.weight > self.max_weight  # type: ignore[operator]
            ):
                evicted, _ = self._entries.popitem(last=False)
                self.weight -= self._weights.pop(evicted, 0)


def build_memo(name: str, max_entries: int, max_weight: int | None = None,
               weigh: Callable[[V], int] | None = None) -> BoundedMemo:  # type: ignore[type-arg]
    """The app's memo called ``name`` for the build it serves (created empty on first use)."""
    memos: dict[tuple[str, str], BoundedMemo] = current_app.extensions.setdefault("kgpub.memos", {})  # type: ignore[type-arg]
    slot = (publisher().build_id, name)
    memo = memos.get(slot)
    if memo is None:
        memo = memos.setdefault(slot, BoundedMemo(max_entries, max_weight, weigh))
    return memo
