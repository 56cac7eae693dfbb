"""One exception hierarchy for the whole publisher.

The build and store layers raise these; ``cli.py`` turns them into exit codes and messages, and
``web/site/errors.py`` turns them into HTTP responses. Neither layer below imports click or Flask.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar


class PublisherError(Exception):
    """Base class: ``status`` is the HTTP status, ``exit_code`` the CLI exit code."""

    status: ClassVar[int] = 500
    title: ClassVar[str] = "Internal error"
    exit_code: ClassVar[int] = 1


@dataclass
class DataError(PublisherError):
    """A source file cannot be parsed: names the file, the line and the cause."""

    path: Path
    line: int | None
    cause: str
    status: ClassVar[int] = 500
    title: ClassVar[str] = "Invalid source data"
    exit_code: ClassVar[int] = 2

    def __str__(self) -> str:
        return f"{self.path}:{self.line if self.line is not None else '?'}: {self.cause}"


class ValidationFailed(PublisherError):
    """SHACL found violations; the message is the readable report."""

    title = "Validation failed"
    exit_code = 3


class BuildMissing(PublisherError):
    status, title, exit_code = 503, "No published build", 4


class QuerySyntaxError(PublisherError):
    status, title = 400, "Malformed SPARQL query"


class QueryRefused(PublisherError):
    """The query asks for something a read-only, offline endpoint does not do (updates, SERVICE)."""

    status, title = 403, "Query refused"


class QueryTooLarge(PublisherError):
    status, title = 413, "Query too large"


class QueryTimeout(PublisherError):
    status, title = 503, "Query exceeded the time limit"


class QueryTooExpensive(PublisherError):
    """The query's process died before answering (it hit its memory limit); other queries go on."""

    status, title = 503, "Query exceeded the resource limit"


class ServerStopping(PublisherError):
    """The worker holding the query stopped taking queries (the server stops, or replaces the worker)."""

    status, title = 503, "Server restarting"

    def __init__(self, message: str = "the server is stopping or restarting: send the query again") -> None:
        super().__init__(message)


class StoreUnavailable(PublisherError):
    status, title = 502, "Triplestore unreachable"
