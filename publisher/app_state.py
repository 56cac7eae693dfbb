"""What a running publisher holds: settings, a store and the manifest of the build it serves.

Immutable after start-up; the web layer reads it through ``publisher.web.publisher()``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from publisher.settings import Settings
from publisher.store import Store


@dataclass(frozen=True)
class Publisher:
    settings: Settings
    store: Store
    manifest: dict[str, Any] = field(default_factory=dict)
    build_dir: Path | None = None  # the release behind ``current``, resolved once at start-up

    @classmethod
    def open(cls, settings: Settings, store: Store) -> "Publisher":
        manifest_path = settings.current_build / "manifest.json"
        manifest = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {}
        build_dir = settings.current_build.resolve() if manifest else None
        return cls(settings=settings, store=store, manifest=manifest, build_dir=build_dir)

    @property
    def namespace(self) -> str:
        """The namespace the served data was minted in (the build's, which wins over settings)."""
        return self.manifest.get("namespace", self.settings.namespace)

    @property
    def build_id(self) -> str:
        return self.manifest.get("build_id", "unbuilt")

    @property
    def last_modified(self) -> datetime:
        created = self.manifest.get("created")
        return datetime.fromisoformat(created) if created else datetime.now(timezone.utc)
