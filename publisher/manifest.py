"""The build manifest: what a release contains, written once at build time and read by the server.

A module of its own, owned by neither side: the pipeline writes it, the store and the web layer read it.

A frozen dataclass (rather than a raw dict) so the web layer's VoID and home pages get typed fields,
and so the JSON layout is defined in exactly one place.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MANIFEST_NAME = "manifest.json"


@dataclass(frozen=True)
class Manifest:
    build_id: str
    created: str  # ISO 8601, UTC
    namespace: str
    triples: int  # quads in the store, all graphs (ontology included)
    graphs: Mapping[str, int] = field(default_factory=dict)  # graph IRI -> triples
    sources: Mapping[str, str] = field(default_factory=dict)  # project-relative path -> sha256
    source_stats: Mapping[str, list[int]] = field(default_factory=dict)  # path -> size, mtime/ctime ns, inode
    builder: str = ""  # what made it (``incremental.builder()``): a different one rebuilds in full
    classes: Mapping[str, int] = field(default_factory=dict)  # class IRI -> instances in the data graphs
    entities: int = 0  # distinct IRI subjects in the namespace (data graphs)
    graph_hashes: Mapping[str, str] = field(
        default_factory=dict
    )  # graph IRI -> sha256 of its sorted N-Triples
    prefixes: Mapping[str, str] = field(default_factory=dict)  # the dumps' prefixes: first declaration wins
    prefix_sources: Mapping[str, str] = field(
        default_factory=dict
    )  # prefix -> the file that declared it first
    # VoID's statistics over the union of all graphs, counted at build time (None: not counted, e.g. a
    # manifest from an older build or a census of a remote store; VoID then queries the store)
    properties: tuple[str, ...] | None = None  # distinct predicates
    distinct_subjects: int | None = None
    distinct_triples: int | None = None  # triples of the union default graph (a triple in two graphs once)
    example: str | None = None  # the newest article (void:exampleResource)

    def known_sources(self) -> dict[str, tuple[str, list[int]]]:
        """What ``load.discover`` may reuse: each source's hash with the file status it was taken at."""
        return {
            path: (sha, self.source_stats[path])
            for path, sha in self.sources.items()
            if path in self.source_stats
        }

    def to_json(self) -> str:
        fields = {name: getattr(self, name) for name in self.__dataclass_fields__}  # flat: asdict deep-copies
        return json.dumps(fields, indent=2, sort_keys=False, ensure_ascii=False, default=dict) + "\n"

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Manifest:
        known = {name: raw[name] for name in cls.__dataclass_fields__ if name in raw}
        if known.get("properties") is not None:
            known["properties"] = tuple(known["properties"])
        return cls(**known)

    @classmethod
    def read(cls, release_dir: Path) -> Manifest:
        """Read ``manifest.json`` of a release (unknown keys are ignored, so older servers read newer builds)."""
        return cls.from_dict(json.loads((release_dir / MANIFEST_NAME).read_text(encoding="utf-8")))
