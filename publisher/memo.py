"""The one memo mechanism of a running publisher: bounded LRU memos, owned by the app, per build.

A published build is immutable and each :class:`~publisher.app_state.Publisher` serves one build (the
app opens a new one for each new build: ``app_state.Releases``), so what the build says never changes
while its Publisher lives. :class:`Memos` (one per Publisher) hands out named
:class:`BoundedMemo` s: many small values that pages look up in batches (a page asks for the labels of its
500 terms at once and queries the store only for those it has not seen), finished documents bounded by
their size, and single computed facts (:meth:`Memos.value`). Each is an LRU with a fixed number of entries
(and optionally of bytes), so memory stays bounded whatever the size of the archive. Threads share a
memo; a lock keeps the LRU order consistent.

Pure functions of immutable arguments (an IRI's URI form, an engine term's rdflib form) keep
``functools.lru_cache``: their answer cannot depend on an app or a build.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping
from threading import Lock
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
T = TypeVar("T")
VALUE_ENTRIES = 256  # single facts kept per app (a few per web base a request arrives at)


class BoundedMemo(Generic[K, V]):
    """An LRU mapping of at most ``max_entries`` entries (and, given ``weigh``, of at most ``max_weight`` in
    all, e.g. bytes), safe to share between threads. A value heavier than a quarter of ``max_weight`` is
    not kept: one huge value would evict everything else."""

    def __init__(
        self, max_entries: int, max_weight: int | None = None, weigh: Callable[[V], int] | None = None
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
        """The entry, refreshed; None if absent. No lock: each OrderedDict call is atomic, and an entry
        evicted between the two calls is simply missed (its value is made again), so a page's thousands of
        lookups pay no lock."""
        try:
            value = self._entries[key]
            self._entries.move_to_end(key)
        except KeyError:
            return None
        return value

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


class Sightings:
    """Which keys were seen lately, by their hash alone: for a memo that keeps a value only once it is asked
    for again (:meth:`again`), so one-off keys cost no entry.

    Bounded by generations: once ``per_generation`` keys were noted, the oldest generation is forgotten,
    so a key counts as seen for between one and two generations of other keys. A hash collision only makes
    a first sighting count as a second: the memo then keeps a correct value a request early."""

    def __init__(self, per_generation: int) -> None:
        self.per_generation = per_generation
        self._current: set[int] = set()
        self._previous: set[int] = set()

    def again(self, key: Hashable) -> bool:
        """Whether ``key`` was seen lately; a key not seen is noted. No lock: a race between threads can only
        forget a sighting or count one twice."""
        sighting = hash(key)
        if sighting in self._current or sighting in self._previous:
            return True
        if len(self._current) >= self.per_generation:
            self._previous, self._current = self._current, set()
        self._current.add(sighting)
        return False


class Memos:
    """Every memo of one app, by name: the one place a running publisher keeps what its build determines.

    Each ``Publisher`` owns one and serves one build for its whole life, so whatever is kept there is per
    build and dies with it; the app's ``Releases`` owns one more, for what outlives a build because it is
    keyed by content alone (a term's rendered markup). Two apps in one process never share a memo. Every
    memo is a :class:`BoundedMemo`.
    """

    def __init__(self) -> None:
        self._memos: dict[str, BoundedMemo[Any, Any]] = {}
        self._sightings: dict[str, Sightings] = {}
        self._lock = Lock()

    def memo(
        self,
        name: str,
        max_entries: int,
        max_weight: int | None = None,
        weigh: Callable[[Any], int] | None = None,
    ) -> BoundedMemo[Any, Any]:
        """The memo called ``name`` (created empty, with these bounds, on first use)."""
        memo = self._memos.get(name)
        if memo is None:
            with self._lock:
                memo = self._memos.setdefault(name, BoundedMemo(max_entries, max_weight, weigh))
        return memo

    def sightings(self, name: str, per_generation: int) -> Sightings:
        """The :class:`Sightings` called ``name`` (created empty on first use)."""
        seen = self._sightings.get(name)
        if seen is None:
            with self._lock:
                seen = self._sightings.setdefault(name, Sightings(per_generation))
        return seen

    def value(
        self, key: Hashable, compute: Callable[[], T], memo_name: str = "values", entries: int = VALUE_ENTRIES
    ) -> T:
        """``compute()`` once per key: for facts worth a query but not worth a manifest field (VoID
        statistics, the sitemap's IRIs, a converted ontology). A race between threads only computes the
        same value twice; keys may carry a request's Host, so these are bounded too. Values whose keys a
        request chooses (a reader's languages, a class IRI) go to a memo of their own (``memo_name``), so
        that a run of requests cannot evict the build's facts."""
        memo = self.memo(memo_name, entries)
        kept = memo.get(key)
        if kept is None:
            kept = (compute(),)  # a tuple, so a computed None is kept too
            memo.put(key, kept)
        return kept[0]
