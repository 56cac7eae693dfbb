"""All settings in one place: typed, defaulted, documented.

Precedence (lowest first): the defaults below, then a TOML config file (``kgpub.toml`` in the project
directory, or the file named by ``KGPUB_CONFIG``), then ``KGPUB_*`` environment variables, then
explicit keyword overrides (CLI options, tests). Nothing reads the environment after start-up.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

DEFAULT_NAMESPACE = "https://kgpub.example.org/"
ONTOLOGY_NAMESPACE = "https://kgpub.example.org/ontology#"
ONTOLOGY_IRI = "https://kgpub.example.org/ontology"


def _help(text: str, default: Any = MISSING, factory: Any = MISSING) -> Any:
    if factory is not MISSING:
        return field(default_factory=factory, metadata={"help": text})
    return field(default=default, metadata={"help": text})


@dataclass(frozen=True)
class Settings:
    project_dir: Path = _help("Folder holding ontology/, data/ and shapes/", factory=Path.cwd)
    build_dir: Path | None = _help("Where builds are published (default: <project_dir>/build)", None)
    namespace: str = _help("Base IRI against which data files' relative IRIs are minted", DEFAULT_NAMESPACE)
    web_base: str | None = _help(
        "Public URL prefix that serves the namespace; default: wherever the server is reached", None
    )
    store_url: str | None = _help("Remote SPARQL 1.1 query endpoint to serve from; embedded if unset", None)
    store_update_url: str | None = _help(
        "Remote store's Graph Store Protocol URL (for `kgpub publish`)", None
    )
    store_timeout_param: str | None = _help(
        "Request parameter that passes the time limit to the remote store: `name` (seconds) or `name:ms`",
        None,
    )
    query_timeout_s: float = _help("Wall-clock limit per SPARQL query, in seconds", 30.0)
    query_memory_mb: int = _help("Memory a query's process may allocate (embedded store), in MiB", 2048)
    query_processes: int = _help(
        "Query processes per web worker (embedded store): queries that do not stream one worker runs at once",
        2,
    )
    memory_store_triples: int = _help(
        "Releases up to this many triples are also held in memory by each web worker, for the user queries "
        "it runs itself, and their labels for search (0: never)",
        2_000_000,
    )
    max_request_bytes: int = _help("Largest accepted request body, in bytes", 1_000_000)
    max_query_chars: int = _help("Longest accepted SPARQL query text, in characters", 100_000)
    max_result_rows: int = _help("Rows (or triples) returned before a result is truncated", 100_000)
    page_size: int = _help("Values shown per property on an entity page before paging", 50)
    host: str = _help("Interface `kgpub serve` binds", "127.0.0.1")
    port: int = _help("Port `kgpub serve` listens on", 8080)
    workers: int = _help("WSGI worker processes for `kgpub serve`", 2)
    title: str = _help("Dataset title shown on pages and in VoID", "kgpub: university news knowledge graph")
    licence: str = _help("Licence IRI of the published data", "https://creativecommons.org/licenses/by/4.0/")

    def __post_init__(self) -> None:
        """Refuse a setting no part could work with, at start-up, naming it (not deep in the sandbox)."""
        for name, lowest in AT_LEAST.items():
            if getattr(self, name) < lowest:
                raise SettingError(name, getattr(self, name), f"must be at least {lowest}")
        if self.query_timeout_s <= 0:
            raise SettingError("query_timeout_s", self.query_timeout_s, "must be more than 0 seconds")
        if not 0 <= self.port <= 65535:
            raise SettingError("port", self.port, "must be a TCP port, 0 to 65535 (0 picks a free one)")
        for name in ("store_url", "store_update_url", "web_base"):
            _check_http_url(name, getattr(self, name))
        if not ABSOLUTE_IRI.match(self.namespace):
            raise SettingError(
                "namespace", self.namespace, "must be an absolute IRI, e.g. https://example.org/"
            )
        if self.store_timeout_param is not None and not TIMEOUT_PARAM.fullmatch(self.store_timeout_param):
            raise SettingError("store_timeout_param", self.store_timeout_param, "must be `name` or `name:ms`")

    @property
    def builds_root(self) -> Path:
        return self.build_dir or self.project_dir / "build"

    @property
    def current_build(self) -> Path:
        return self.builds_root / "current"

    @property
    def data_dir(self) -> Path:
        return self.project_dir / "data"

    @property
    def ontology_dir(self) -> Path:
        return self.project_dir / "ontology"

    @property
    def shapes_dir(self) -> Path:
        return self.project_dir / "shapes"

    @classmethod
    def load(cls, **overrides: Any) -> Settings:
        """Defaults < config file < ``KGPUB_*`` environment < explicit overrides (None means unset)."""
        env = os.environ
        project_dir = Path(overrides.get("project_dir") or env.get("KGPUB_PROJECT_DIR") or Path.cwd())
        config_path = Path(env["KGPUB_CONFIG"]) if env.get("KGPUB_CONFIG") else project_dir / "kgpub.toml"
        values: dict[str, Any] = {}
        if config_path.is_file():
            values.update(_read_config(config_path))
        values.update(_from_env(env))
        values.update({k: v for k, v in overrides.items() if v is not None})
        values["project_dir"] = project_dir
        return cls(**_coerce(values))

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)


class SettingError(ValueError):
    """A setting's value that nothing could work with; the message names the setting and the value."""

    def __init__(self, name: str, value: object, problem: str) -> None:
        super().__init__(f"{name}={value!r}: {problem}")


AT_LEAST = {
    "memory_store_triples": 0,
    "query_memory_mb": 1,
    "query_processes": 1,
    "max_request_bytes": 1,
    "max_query_chars": 1,
    "max_result_rows": 1,
    "page_size": 1,
    "workers": 1,
}
ABSOLUTE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S+\Z")
TIMEOUT_PARAM = re.compile(r"[A-Za-z0-9_.-]+(:ms)?")


def _check_http_url(name: str, value: str | None) -> None:
    if value is None:
        return
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingError(name, public_url(value), "must be an http:// or https:// URL with a host")


def public_url(value: str) -> str:
    """``value`` without the credentials a URL may carry (so a message never shows them)."""
    parts = urlsplit(value)
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def _read_config(path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        raw = tomllib.load(handle)
    table = raw.get("kgpub", raw)
    known = {f.name for f in fields(Settings)}
    unknown = set(table) - known
    if unknown:
        raise ValueError(f"{path}: unknown setting(s): {', '.join(sorted(unknown))}")
    return dict(table)


def _from_env(env: Mapping[str, str]) -> dict[str, Any]:
    return {
        f.name: env[f"KGPUB_{f.name.upper()}"] for f in fields(Settings) if f"KGPUB_{f.name.upper()}" in env
    }


def _coerce(values: dict[str, Any]) -> dict[str, Any]:
    """Turn strings from the environment into each field's declared type."""
    types = {f.name: f.type for f in fields(Settings)}
    out: dict[str, Any] = {}
    for name, value in values.items():
        kind = str(types[name])
        if isinstance(value, str):
            out[name] = _parsed(name, value, kind)
        else:
            out[name] = value
    return out


def _parsed(name: str, value: str, kind: str) -> Any:
    if "Path" in kind:
        return Path(value)
    try:
        return int(value) if kind == "int" else float(value) if kind == "float" else value
    except ValueError:
        raise SettingError(name, value, f"must be a number ({kind})") from None
