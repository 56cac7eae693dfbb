"""Evaluate one untrusted query against a store and serialize its answer, capped in size.

This runs in a query process (``sandbox.py``) or, for a streaming query, on the web worker's thread
(``embedded.py``); either way nothing holds an unbounded result: rows (SELECT) or triples
(CONSTRUCT/DESCRIBE) beyond ``max_rows`` are dropped and ``truncated`` is set. Serialization is
pyoxigraph's, for every format. pyoxigraph can only serialize a whole ``QuerySolutions`` iterator, so a
SELECT answer is first written in the wanted format into a writer that stops past a byte bound under
which it cannot hold more than ``max_rows`` rows (every row takes a few bytes at least: ``{}`` in JSON);
an answer past it (a big one) is evaluated again and written as SPARQL TSV (one line per row) into a writer
that stops it past the cap, and re-read from TSV when another format is wanted. Small answers, the usual
ones, are thus written once (the round trip through TSV was a quarter of a small query's evaluation).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable
from itertools import islice
from typing import IO, Any, cast

import pyoxigraph as ox

from publisher.errors import PublisherError, QuerySyntaxError
from publisher.formats import RDF_FORMATS, RESULT_FORMATS, Kind, by_media_type
from publisher.sparql_text import has_dataset_clause
from publisher.store import ProtocolResult, Row, SelectResult, UserQuery
from publisher.store.terms import rdf_format, results_format, serialized, to_rdflib

SOLUTION_TYPES = tuple(f.media_type for f in RESULT_FORMATS)
# The fewest bytes a row takes (an empty one: ``{},`` in JSON, ``<result></result>`` in XML, a line break in
# CSV): an answer written in less than ``max_rows`` times this has fewer than ``max_rows`` rows.
MIN_ROW_BYTES = {ox.QueryResultsFormat.JSON: 2, ox.QueryResultsFormat.XML: 17, ox.QueryResultsFormat.CSV: 2}
GRAPH_TYPES = tuple(f.media_type for f in RDF_FORMATS)
Answer = ox.QueryBoolean | ox.QuerySolutions | Iterable[ox.Triple]


class UnacceptableFormat(PublisherError):
    """The requested media type cannot carry this query form's answer (e.g. Turtle for a SELECT)."""

    status, title = 406, "Not Acceptable"

    def __init__(self, message: str, offered: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.offered = offered

    def __reduce__(self) -> tuple[type, tuple[str, tuple[str, ...]]]:  # crosses the sandbox pipe intact
        return (type(self), (str(self), self.offered))


def evaluate(
    store: ox.Store, query: UserQuery, base_iri: str, max_rows: int, names_dataset: bool | None = None
) -> ProtocolResult:
    """Run ``query`` on ``store`` with the protocol's dataset and serialize it in ``query.media_type``.

    ``names_dataset``: whether the text has FROM / FROM NAMED, if the caller's policy pass already knows.
    """
    arguments = dataset_arguments(query, names_dataset)
    answer = _run(store, query.text, base_iri, arguments)
    if isinstance(answer, ox.QuerySolutions):
        fmt = _solution_format(query.media_type, "SELECT")
        if fmt in MIN_ROW_BYTES:
            whole = _written_whole(answer, fmt, max_rows * MIN_ROW_BYTES[fmt])
            if whole is not None:
                return ProtocolResult(whole, _bare(fmt.media_type))
            answer = _run(store, query.text, base_iri, arguments)  # a big answer: the capped way
    return serialize_answer(answer, query.media_type, max_rows)


def _run(store: ox.Store, text: str, base_iri: str, arguments: dict[str, Any]) -> Answer:
    try:
        return store.query(text, base_iri=base_iri, **arguments)
    except SyntaxError as err:
        raise QuerySyntaxError(syntax_message(err)) from err


def _written_whole(answer: ox.QuerySolutions, fmt: ox.QueryResultsFormat, bound: int) -> bytes | None:
    """The answer in ``fmt`` if it takes at most ``bound`` bytes, else None (writing stops past it)."""
    written = _ByteBound(bound)
    try:
        answer.serialize(cast(IO[bytes], written), format=fmt)
    except _Enough:
        return None
    return b"".join(written.chunks)


def serialize_answer(answer: Answer, media_type: str, max_rows: int) -> ProtocolResult:
    """Any engine's answer (a boolean, solutions, or triples) in ``media_type``, capped at ``max_rows``.

    Shared by the embedded sandbox and the remote store, so both cap, flag and serialize alike.
    """
    if isinstance(answer, ox.QueryBoolean):
        return _boolean(answer, media_type)
    if isinstance(answer, ox.QuerySolutions):
        return _solutions(answer, media_type, max_rows)
    return _triples(answer, media_type, max_rows)


def selection(answer: ox.QuerySolutions, max_rows: int | None, truncated: bool = False) -> SelectResult:
    """A SELECT answer as rdflib rows (unbound variables left out), cut after ``max_rows`` (None: all);
    ``truncated``: the answer was already cut (by a query process)."""
    variables = tuple(v.value for v in answer.variables)
    rows: list[Row] = []
    for solution in answer:
        if len(rows) == max_rows:
            truncated = True
            break
        rows.append(
            {
                name: to_rdflib(term)
                for name, term in zip(variables, solution, strict=False)
                if term is not None
            }
        )
    return SelectResult(variables=variables, rows=tuple(rows), truncated=truncated)


def syntax_message(err: SyntaxError, limit: int = 400) -> str:
    """Oxigraph's ``error at 3:14: expected ...`` as ``line 3, column 14: expected ...``, kept short."""
    text = str(err)
    found = re.match(r"error at (\d+):(\d+): (.*)", text, re.DOTALL)
    if found:
        text = f"line {found.group(1)}, column {found.group(2)}: {found.group(3)}"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def dataset_arguments(query: UserQuery, names_dataset: bool | None = None) -> dict[str, Any]:
    """The query's dataset, by precedence: the protocol's graph IRIs (they override the query's, per the
    SPARQL protocol), then the query's own FROM / FROM NAMED, else the union of all graphs as default graph.
    ``names_dataset`` is ``has_dataset_clause(query.text)`` when the caller has it already.
    """
    if not query.default_graph_uris and not query.named_graph_uris:
        if names_dataset is None:
            names_dataset = has_dataset_clause(query.text)
        return {} if names_dataset else {"use_default_graph_as_union": True}
    return {
        "default_graph": [_graph_name(iri) for iri in query.default_graph_uris],
        "named_graphs": [_graph_name(iri) for iri in query.named_graph_uris],
    }


def _graph_name(iri: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(iri)
    except ValueError as err:
        raise QuerySyntaxError(f"not a valid graph IRI: {iri!r} ({err})") from err


def _boolean(answer: ox.QueryBoolean, media_type: str) -> ProtocolResult:
    fmt = _solution_format(media_type, "ASK")
    return ProtocolResult(serialized(answer.serialize(format=fmt)), _bare(fmt.media_type))


def _solutions(answer: ox.QuerySolutions, media_type: str, max_rows: int) -> ProtocolResult:
    fmt = _solution_format(media_type, "SELECT")
    capped = _RowCap(max_rows)
    with contextlib.suppress(_Enough):
        answer.serialize(cast(IO[bytes], capped), format=ox.QueryResultsFormat.TSV)  # it only writes
    tsv = capped.table()
    if fmt == ox.QueryResultsFormat.TSV:
        body = tsv
    else:
        body = serialized(ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV).serialize(format=fmt))
    return ProtocolResult(body, _bare(fmt.media_type), capped.truncated)


class _Enough(Exception):
    """Raised by a writer (``_RowCap``, ``_ByteBound``) to stop a serialization once its bound is passed."""


class _ByteBound:
    """Where pyoxigraph writes an answer, stopping it once more than ``bound`` bytes came."""

    def __init__(self, bound: int) -> None:
        self.left = bound
        self.chunks: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.left -= len(data)
        if self.left < 0:
            raise _Enough
        self.chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass


class _RowCap:
    """Where pyoxigraph writes a SELECT answer as SPARQL TSV, stopping it after ``max_rows`` rows.

    TSV is one line per row after a header line (terms escape their line breaks), so rows are counted by
    newlines in each chunk pyoxigraph flushes (about 8 KiB): evaluation stops one chunk past the cap, and
    the answer is cut at the cap exactly. Serializing in Rust and re-reading only when another format is
    wanted costs a small query less than turning each row into Python objects.
    """

    def __init__(self, max_rows: int) -> None:
        self.lines_wanted = max_rows + 1  # the header, then the rows
        self.lines = 0
        self.truncated = False
        self._chunks: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._chunks.append(bytes(data))
        self.lines += data.count(b"\n")
        if self.lines > self.lines_wanted:
            self.truncated = True
            raise _Enough
        return len(data)

    def flush(self) -> None:
        pass

    def table(self) -> bytes:
        """The TSV written so far, cut after the header and ``max_rows`` rows."""
        data = b"".join(self._chunks)
        if not self.truncated:
            return data
        return b"\n".join(data.split(b"\n", self.lines_wanted)[:-1]) + b"\n"


def _triples(answer: Iterable[ox.Triple], media_type: str, max_rows: int) -> ProtocolResult:
    known = by_media_type(media_type)
    if known is None or not known.is_rdf:
        raise UnacceptableFormat(f"{media_type} cannot carry a CONSTRUCT/DESCRIBE answer", GRAPH_TYPES)
    fmt = rdf_format(known)
    triples = list(islice(answer, max_rows + 1))
    truncated = len(triples) > max_rows
    if fmt.supports_datasets:  # N-Quads/TriG want quads: the answer is one default graph
        quads = [ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples[:max_rows]]
        body = ox.serialize(quads, format=fmt)
    else:
        body = ox.serialize(triples[:max_rows], format=fmt)
    return ProtocolResult(serialized(body), _bare(fmt.media_type), truncated)


def _solution_format(media_type: str, form: str) -> ox.QueryResultsFormat:
    known = by_media_type(media_type)
    if known is None or known.kind is not Kind.RESULTS:
        raise UnacceptableFormat(f"{media_type} cannot carry a {form} answer", SOLUTION_TYPES)
    return results_format(known)


def _bare(media_type: str) -> str:
    return media_type.split(";", 1)[0].strip()
