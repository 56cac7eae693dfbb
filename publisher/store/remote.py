"""A remote SPARQL 1.1 endpoint as the store (Oxigraph server, Fuseki, Virtuoso, GraphDB...).

The stores' pooled HTTP client (``http.py``, requests) speaks the protocol (form-encoded POST, ``Accept``,
``default-graph-uri`` / ``named-graph-uri``), keeping connections alive between the queries of a page;
credentials in ``store_url`` are sent as the client sends them and never shown. SPARQLWrapper would guess
the query type with its own regexes and wrap HTTP errors in its own exceptions, and we need the raw body
and status to pass through.

SPARQL has no parameter binding, so fixed queries get their bindings as a ``VALUES`` block inserted at
the start of the outermost ``WHERE`` group (engines join it first, like a substitution), rendered by
pyoxigraph from validated terms: an IRI with ``>`` is refused and literals are escaped, so no value can
change a query's shape. Relative IRIs resolve through a ``BASE <namespace>`` line. The endpoint must
answer with the union of its graphs as default graph (``oxigraph serve --union-default-graph``, Fuseki
``unionDefaultGraph``; Virtuoso does by default).

Untrusted queries get the same limits as on the embedded store: the policy check (no updates, no
SERVICE) before anything is sent; a wall-clock limit (the HTTP timeout, a deadline checked on every read
of the answer, and the limit passed to the engine where it takes one per request: ``store_timeout_param``);
and the row cap: the answer is asked for as SPARQL JSON or N-Triples, parsed as it streams in, cut after
``max_result_rows`` (the connection is then closed, so the rest is never read) and re-serialized in the
client's format by the same code as the embedded sandbox. Engines differ on datasets: Oxigraph with
``--union-default-graph`` ignores a query's own ``FROM`` (the embedded store honours it).

Where engines differ on the protocol, the answer is normalized here (checked against Oxigraph and
Debian's Virtuoso 7.2 in the tests):

* The ``Accept`` header names only what the query form can be answered in: SPARQL JSON for SELECT and
  ASK, N-Triples for CONSTRUCT and DESCRIBE. Virtuoso answers a CONSTRUCT in SPARQL JSON (rows of
  ``?s ?p ?o``) when JSON is acceptable at all, whatever the q-values.
* A stopped query is a time-out (503), however the engine says it: 503/504 (Oxigraph, Fuseki), a 500
  whose text is a Virtuoso time-out (``S1T00``, ``S1TAT``) or its cost estimate refusing a query as
  longer than its limit, and a *200* flagged ``X-SQL-State: S1TAT``: Virtuoso's "anytime" answer, cut
  at its time limit and otherwise indistinguishable from a complete (often empty) one.
* A fixed query's trailing ``VALUES`` clause (``queries.with_values``) is moved to the start of its WHERE
  group: Virtuoso 7.2 answers ``SELECT DISTINCT ... VALUES ?x { <a> <b> }`` with no rows at all. The two
  are the same query for ours (the VALUES variable is bound by the group's own patterns, and no
  grouping or aggregate sits between, see ``inline_trailing_values``).
* A syntax error is a 400 from every engine; its text is the engine's, except that Virtuoso's
  ``SPARQL compiler, line 3: syntax error at ...`` loses the copy of the query it appends (with its own
  pragmas added) and reads ``line 3: syntax error at ...``. Virtuoso names no column.
"""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import pyoxigraph as ox
import requests
from rdflib import BNode, Literal, URIRef
from rdflib.term import Identifier, Node
from urllib3.exceptions import ReadTimeoutError
from urllib3.response import HTTPResponse

from publisher.errors import (
    PublisherError,
    QueryRefused,
    QuerySyntaxError,
    QueryTimeout,
    StoreUnavailable,
)
from publisher.settings import Settings
from publisher.sparql_text import has_relative_iri, inline_trailing_values, query_form
from publisher.store import ProtocolResult, SelectResult, UserQuery
from publisher.store.http import HttpClient
from publisher.store.policy import check_user_query
from publisher.store.results import Answer, UnacceptableFormat, selection, serialize_answer
from publisher.store.terms import to_rdflib, with_bindings
from publisher.store.watchdog import Overrun

JSON_RESULTS = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"
ANSWER_TYPES = f"{JSON_RESULTS}, {N_TRIPLES};q=0.9"  # whichever fits the query form: both stream and parse
ACCEPT_FOR_FORM = {"SELECT": JSON_RESULTS, "ASK": JSON_RESULTS, "CONSTRUCT": N_TRIPLES, "DESCRIBE": N_TRIPLES}
VIRTUOSO_SYNTAX = re.compile(r"Virtuoso \w+ Error (\w+): SPARQL compiler, line (\d+): ([^\n]*)")
# Virtuoso's SQL states for "stopped at the time limit": S1T00 (timeout), S1TAT (anytime query cut short)
TIMED_OUT = re.compile(r"\bS1T(?:00|AT)\b|estimated execution time -?\d+ \(sec\) exceeds the limit")
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


class RemoteStore:
    """The ``Store`` protocol over HTTP; ``manifest`` and ``release_dir`` are None (no local build)."""

    manifest = None
    release_dir = None

    def __init__(self, settings: Settings) -> None:
        if not settings.store_url:
            raise PublisherError("RemoteStore needs the store_url setting")
        self.settings = settings
        self.client = HttpClient(settings.store_url)  # pooled: a page asks several queries
        self.endpoint = self.client.url  # without credentials: messages name it
        self.namespace = ox.NamedNode(settings.namespace).value  # validates the namespace as an IRI

    def select(
        self, query: str, bindings: Mapping[str, Identifier] | None = None, capped: bool = True
    ) -> SelectResult:
        body, _ = self._post(self._fixed(query, bindings), JSON_RESULTS)
        data = json.loads(body)
        variables = tuple(data["head"].get("vars", []))
        solutions = data["results"]["bindings"]
        cap = self.settings.max_result_rows if capped else len(solutions)  # as the embedded store caps
        rows = tuple({name: json_term(value) for name, value in row.items()} for row in solutions[:cap])
        return SelectResult(variables=variables, rows=rows, truncated=len(solutions) > cap)

    def select_bounded(self, query: str, bindings: Mapping[str, Identifier] | None = None) -> SelectResult:
        """Under the time limit of user queries (the engine's own limit too), capped alike."""
        with self._answer(self._fixed(query, bindings), JSON_RESULTS, self._limit_fields()) as answer:
            if not isinstance(answer, ox.QuerySolutions):
                raise PublisherError("select_bounded() was given a query that is not a SELECT")
            return selection(answer, self.settings.max_result_rows)

    def ask(self, query: str, bindings: Mapping[str, Identifier] | None = None) -> bool:
        body, _ = self._post(self._fixed(query, bindings), JSON_RESULTS)
        return bool(json.loads(body)["boolean"])

    def construct(
        self, query: str, bindings: Mapping[str, Identifier] | None = None
    ) -> list[tuple[Node, Node, Node]]:
        body, _ = self._post(self._fixed(query, bindings), N_TRIPLES)
        parsed = ox.parse(body, format=ox.RdfFormat.N_TRIPLES)
        return [(to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)) for q in parsed]

    def run_user_query(self, query: UserQuery, on_overrun: Overrun | None = None) -> ProtocolResult:
        """Policy check (403/413), then the endpoint under the time limit; capped like the embedded store.

        ``on_overrun`` is not needed: this thread only waits on the network, and stops at the deadline."""
        check_user_query(query.text, self.settings)
        fields = [*self._limit_fields(), *dataset_fields(query.default_graph_uris, query.named_graph_uris)]
        # relative IRIs resolve against the namespace, as on the embedded store; other queries are sent as
        # written, so the store's error positions match the client's text
        text = f"BASE <{self.namespace}>\n{query.text}" if has_relative_iri(query.text) else query.text
        accept = ACCEPT_FOR_FORM.get(query_form(query.text) or "", ANSWER_TYPES)
        with self._answer(text, accept, fields) as answer:
            return serialize_answer(answer, query.media_type, self.settings.max_result_rows)

    def warm_up(self) -> None:
        """Nothing to start: the remote endpoint is already running."""

    def close(self) -> None:
        """Close the pooled connections."""
        self.client.close()

    def _fixed(self, query: str, bindings: Mapping[str, Identifier] | None) -> str:
        return f"BASE <{self.namespace}>\n" + with_bindings(inline_trailing_values(query), bindings or {})

    def _limit_fields(self) -> list[tuple[str, str]]:
        """The time limit as the engine's own request parameter, if configured (``name`` in seconds,
        ``name:ms`` in milliseconds: Fuseki takes ``timeout`` in seconds, Virtuoso in milliseconds)."""
        spec = self.settings.store_timeout_param
        if not spec:
            return []
        name, _, unit = spec.partition(":")
        limit = self.settings.query_timeout_s * (1000 if unit == "ms" else 1)
        return [(name, f"{limit:g}")]

    def _post(self, text: str, accept: str) -> tuple[bytes, str]:
        with self._open(text, accept, []) as response:
            return response.content, content_type(response)

    @contextmanager
    def _answer(self, text: str, accept: str, fields: list[tuple[str, str]]) -> Iterator[Answer]:
        """The endpoint's answer to ``text``, parsed as it streams in, within the time limit (the deadline
        is checked on every read): use it inside the block."""
        deadline = time.monotonic() + self.settings.query_timeout_s
        with self._open(text, accept, fields) as response:
            try:
                yield parse_answer(DeadlineReader(response.raw, deadline), content_type(response))
            except (
                SyntaxError
            ) as err:  # the endpoint's own output does not parse: its fault, not the client's
                raise StoreUnavailable(f"{self.endpoint} sent a malformed answer: {err}") from err

    @contextmanager
    def _open(self, text: str, accept: str, fields: list[tuple[str, str]]) -> Iterator[requests.Response]:
        """POST a query (form-encoded) and yield the open, streaming response; HTTP and network failures
        become PublisherErrors, and so does a timeout while the answer is being read."""
        limit = self.settings.query_timeout_s
        try:
            with self.client.request(
                "POST",
                data=[("query", text), *fields],
                headers={"Accept": accept},
                timeout=limit,
                stream=True,
            ) as response:
                if response.status_code >= 400:
                    raise http_error(
                        response.status_code, response.content.decode("utf-8", "replace")[:500], accept
                    )
                if TIMED_OUT.search(response.headers.get("X-SQL-State", "")):
                    raise QueryTimeout(
                        f"{self.endpoint} stopped the query at its time limit (answer incomplete)"
                    )
                yield response
        except (requests.Timeout, ReadTimeoutError) as err:
            raise QueryTimeout(f"{self.endpoint} did not answer within the time limit ({limit:g} s)") from err
        except requests.RequestException as err:
            raise StoreUnavailable(f"{self.endpoint} is unreachable: {err}") from err


class DeadlineReader(io.RawIOBase):
    """A response body that raises QueryTimeout once the deadline has passed, checked before every read.

    The socket timeout bounds each read; this bounds the sum, so an endpoint that trickles a huge answer
    is cut off too (at most one socket timeout late).
    """

    def __init__(self, response: HTTPResponse, deadline: float) -> None:  # requests' raw response
        super().__init__()
        self._response, self._deadline = response, deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if time.monotonic() > self._deadline:
            raise QueryTimeout("the answer took longer than the time limit to arrive and was stopped")
        chunk = self._response.read1(
            len(buffer)
        )  # what has arrived: readinto() would wait to fill the buffer
        buffer[: len(chunk)] = chunk
        return len(chunk)


def content_type(response: requests.Response) -> str:
    """The media type of a response, without parameters (``text/plain`` when it names none)."""
    return response.headers.get("Content-Type", "text/plain").split(";", 1)[0].strip().lower()


def parse_answer(body: io.RawIOBase, media_type: str) -> Answer:
    """The endpoint's answer as pyoxigraph objects, parsed lazily from the stream."""
    if media_type == N_TRIPLES:
        quads = ox.parse(io.BufferedReader(body), format=ox.RdfFormat.N_TRIPLES)
        return (ox.Triple(q.subject, q.predicate, q.object) for q in quads)
    if media_type == JSON_RESULTS:
        return ox.parse_query_results(io.BufferedReader(body), format=ox.QueryResultsFormat.JSON)
    raise StoreUnavailable(f"the endpoint answered in {media_type}, not in one of {ANSWER_TYPES}")


def dataset_fields(default_graphs: Any, named_graphs: Any) -> list[tuple[str, str]]:
    """The SPARQL protocol's dataset parameters."""
    return [
        *(("default-graph-uri", g) for g in default_graphs),
        *(("named-graph-uri", g) for g in named_graphs),
    ]


def http_error(status: int, detail: str, accept: str) -> PublisherError:
    """The endpoint's HTTP error as the matching PublisherError (client faults stay client faults)."""
    detail = detail.split("\n\nSPARQL query:", 1)[0]  # Virtuoso's copy of the query, with its own pragmas
    if status == 400:
        virtuoso = VIRTUOSO_SYNTAX.match(detail)
        if virtuoso:
            code, line, cause = virtuoso.groups()
            detail = f"line {line}: {cause} (Virtuoso {code})"
        return QuerySyntaxError(detail)
    if status == 403:
        return QueryRefused(detail)
    if status == 406:
        return UnacceptableFormat(f"the endpoint cannot answer in {accept}: {detail}")
    if status in (503, 504) or (status == 500 and TIMED_OUT.search(detail)):
        return QueryTimeout(detail or f"the endpoint answered {status}")
    return StoreUnavailable(f"the endpoint answered {status}: {detail}")


def json_term(value: Mapping[str, str]) -> Node:
    """A SPARQL JSON results term as an rdflib term."""
    kind = value["type"]
    if kind == "uri":
        return URIRef(value["value"])
    if kind == "bnode":
        return BNode(value["value"])
    if "xml:lang" in value:
        return Literal(value["value"], lang=value["xml:lang"])
    datatype = value.get("datatype")
    return Literal(value["value"], datatype=URIRef(datatype) if datatype and datatype != XSD_STRING else None)
