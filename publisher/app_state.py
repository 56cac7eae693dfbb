"""What a running publisher holds: settings, the store, the manifest of the build it serves, and the
memos of what that build determines.

``create_app`` puts one :class:`Publisher` in ``app.extensions["kgpub"]``; views read it and never replace
it (its memos fill up as pages are served, and die with the app).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from publisher.errors import BuildMissing
from publisher.manifest import Manifest
from publisher.memo import Memos
from publisher.settings import Settings
from publisher.store import Store, open_store
from publisher.store.census import census


@dataclass(frozen=True)
class Publisher:
    settings: Settings
    store: Store
    manifest: Manifest | None
    release_dir: Path | None  # the resolved release being served (dumps, ontology.ttl, shapes.ttl), if local
    memos: Memos = field(default_factory=Memos, compare=False)  # what this build determines, kept (memo.py)

    @classmethod
    def open(cls, settings: Settings, store: Store | None = None) -> Publisher:
        """Pin the release a store serves (opening the store from ``settings`` unless one is given).

        ``build/current`` is resolved once here, so a later swap never mixes two releases in one process;
        a new build is picked up by restarting (or re-creating) the app. Raises ``BuildMissing`` for the
        embedded store when nothing was built yet. A remote store with no local build gets a manifest
        counted from the store itself (``store/census.py``) and no release folder (so no dumps).
        """
        store = store if store is not None else open_store(settings)
        release = getattr(store, "release_dir", None)
        if release is None and (settings.current_build / "manifest.json").is_file():
            release = settings.current_build.resolve()
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
