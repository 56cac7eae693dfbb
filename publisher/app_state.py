"""What a running publisher holds: the releases it serves, each a :class:`Publisher` (settings, store,
manifest, and the memos of what that build determines).

``create_app`` puts one :class:`Releases` in ``app.extensions["kgpub"]``. A new ``kgpub build`` is served
within a second or so, with no restart: ``build/current`` is checked at most every :data:`CHECK_S`
seconds (one ``realpath``, on a request that comes by), a new release gets a new :class:`Publisher` (its
own store, in-memory copy, query processes and memos), and from then on new requests get it. Each request
*pins* the Publisher it starts with (``web.publisher()``, the SPARQL fast path) and finishes on it, so a
page, a query or a paged window never mixes two releases; a superseded Publisher is closed (its query
processes stopped) when its last request ends. Memos and answers are per Publisher, so nothing an old
build determined is served for the new one.

With a remote store (``--store``), what comes from the local build (manifest, VoID counts, dumps, ontology,
shapes, the ETags) follows ``build/current`` the same way; the answers come from the store, which changes
when ``kgpub publish`` loads it, not with the build (and no answer is kept for it). Without a local build
(the counts taken from the store at start) there is nothing to follow.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from publisher.errors import BuildMissing
from publisher.manifest import Manifest
from publisher.memo import Memos
from publisher.settings import Settings
from publisher.store import Store, open_store
from publisher.store.census import census

CHECK_S = 0.5  # how often build/current is looked at (when requests come)
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Publisher:
    settings: Settings
    store: Store
    manifest: Manifest | None
    release_dir: Path | None  # the resolved release being served (dumps, ontology.ttl, shapes.ttl), if local
    memos: Memos = field(default_factory=Memos, compare=False)  # what this build determines, kept (memo.py)

    @classmethod
    def open(cls, settings: Settings, release: Path | None = None) -> Publisher:
        """The Publisher of ``release`` (default: what ``build/current`` resolves to now).

        Raises ``BuildMissing`` for the embedded store when nothing was built yet. A remote store with no
        local build gets a manifest counted from the store itself (``store/census.py``) and no release
        folder (so no dumps).
        """
        release = release or current_release(settings)
        store = open_store(settings, release)
        manifest = getattr(store, "manifest", None)
        if manifest is None and release is not None:
            manifest = Manifest.read(release)
        if manifest is None and settings.store_url:
            manifest = census(store, settings.namespace)
        return cls(settings=settings, store=store, manifest=manifest, release_dir=release)

    @property
    def namespace(self) -> str:
        """The namespace the served data was minted in: the build's, which wins over the settings."""
        return self.manifest.namespace if self.manifest else self.settings.namespace

    def built(self) -> Manifest:
        """The manifest, for what only a build (or a census of a remote store) can say; 503 without one."""
        if self.manifest is None:
            raise BuildMissing("nothing is published yet: run kgpub build")
        return self.manifest

    @property
    def build_id(self) -> str:
        return self.manifest.build_id if self.manifest else "unbuilt"

    def warm_up(self) -> None:
        self.store.warm_up()

    def close(self) -> None:
        self.store.close()


def current_release(settings: Settings) -> Path | None:
    """What ``build/current`` resolves to, if it holds a release (a manifest); None before any build."""
    current = settings.current_build
    return Path(os.path.realpath(current)) if (current / "manifest.json").is_file() else None


class Releases:
    """The Publishers an app serves: the newest release, and older ones until their last request ends."""

    def __init__(self, settings: Settings, first: Publisher, follows: bool = True) -> None:
        self.settings = settings
        self.follows = follows  # False: ``first`` is served whatever ``build/current`` points to later
        self.memos = Memos()  # what outlives a build, keyed by content alone (a term's rendered markup)
        self._current = first
        self._pins: dict[int, int] = {id(first): 0}  # requests on each open Publisher, by id
        self._lock = threading.Lock()
        self._checked = time.monotonic()
        self._opening = False
        self._failed: Path | None = None  # a release that would not open (logged once; a later one is tried)
        self._warm = False

    @classmethod
    def open(cls, settings: Settings, release: Path | None = None) -> Releases:
        """The releases a server follows (``build/current``, now and as builds publish); or, given one
        ``release``, that release alone (the build renders a release's pages while a later build may
        publish another)."""
        return cls(settings, Publisher.open(settings, release), follows=release is None)

    def current(self) -> Publisher:
        """The newest release's Publisher (not pinned: for code outside a request, and tests)."""
        self._follow()
        return self._current

    def pin(self) -> Publisher:
        """The Publisher a request starts on; hand it back with :meth:`unpin` when the request ends."""
        self._follow()
        with self._lock:
            chosen = self._current
            self._pins[id(chosen)] += 1
        return chosen

    def unpin(self, chosen: Publisher) -> None:
        with self._lock:
            self._pins[id(chosen)] -= 1
            done = chosen is not self._current and self._pins[id(chosen)] == 0
            if done:
                del self._pins[id(chosen)]
        if done:
            chosen.close()

    def warm_up(self) -> None:
        """Start the current release's query processes; a later release's start when it opens."""
        self._warm = True
        self._current.warm_up()

    def close(self) -> None:
        """Stop the current release's query processes (the worker is stopping); an older release still
        serving a request closes when that request ends (:meth:`unpin`)."""
        with self._lock:
            self._opening = True  # no release opens after this
        self._current.close()

    def _follow(self) -> None:
        """Open the release ``build/current`` points to now, if it changed (one request does, at most every
        ``CHECK_S``; the others go on with the current one meanwhile)."""
        if not self.follows or time.monotonic() - self._checked < CHECK_S:
            return
        with self._lock:
            if self._opening or time.monotonic() - self._checked < CHECK_S:
                return
            self._checked = time.monotonic()
            release = current_release(self.settings)
            if release is None or release in (self._current.release_dir, self._failed):
                return
            self._opening = True
        try:
            opened = Publisher.open(self.settings, release)
        except Exception:  # a release that cannot be served: keep the one that can
            log.exception(
                "could not open the new release %s; still serving %s", release, self._current.build_id
            )
            with self._lock:
                self._failed, self._opening = release, False
            return
        if self._warm:
            opened.warm_up()
        self._switch(opened)

    def _switch(self, opened: Publisher) -> None:
        with self._lock:
            previous, self._current, self._opening = self._current, opened, False
            self._pins[id(opened)] = 0
            idle = self._pins[id(previous)] == 0
            if idle:
                del self._pins[id(previous)]
        if idle:
            previous.close()
