"""``GET /sparql?query=`` around Flask (``web/sparql/fast_path.py``) answers exactly as the view does: the
same status, body and headers, for every answer form and format, truncated or not, and errors through
the app's handlers. Both are driven with the same WSGI environ, one through the app's stack (which the
fast path fronts), one straight into Flask's own ``wsgi_app`` behind it."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from werkzeug.test import EnvironBuilder

from publisher import create_app
from publisher.memo import Sightings
from publisher.settings import Settings

SELECT = "SELECT ?s ?o WHERE { ?s <http://schema.org/name> ?o } LIMIT 5"
CASES = [
    (SELECT, "application/sparql-results+json"),
    (SELECT, "application/sparql-results+xml"),
    (SELECT, "text/csv"),
    (SELECT, "text/tab-separated-values"),
    (SELECT, "*/*"),
    ("ASK { ?s ?p ?o }", "application/sparql-results+json"),
    ("CONSTRUCT WHERE { ?s <http://schema.org/name> ?o }", "text/turtle"),
    ("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "application/json, text/plain;q=0.5"),
    ("SELECT * WHERE { ?s ?p ?o }", "application/sparql-results+json"),  # cut at the row cap below
    ("SELECT ?x WHERE { ?x", "application/sparql-results+json"),  # 400, rendered by the app's handler
    ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", "text/html"),  # 403
]


@pytest.fixture(scope="module")
def app(built_settings: Settings) -> Flask:
    return create_app(built_settings.with_(max_result_rows=40))


def call(wsgi: Any, query: str, accept: str) -> tuple[str, dict[str, str], bytes]:
    return sent(wsgi, "query=" + quote(query), accept)


def sent(
    wsgi: Any, query_string: str, accept: str, base_url: str | None = None, host_header: bool = True
) -> tuple[str, dict[str, str], bytes]:
    """What ``wsgi`` answers ``GET /sparql?<query_string>`` (status, headers but Date, body); without a
    ``Host`` header if told (the server's name and port stand for it)."""
    builder = EnvironBuilder(
        path="/sparql", base_url=base_url, query_string=query_string, headers={"Accept": accept}
    )
    environ = builder.get_environ()
    if not host_header:
        del environ["HTTP_HOST"]
    seen: list[tuple[str, list[tuple[str, str]]]] = []
    body = wsgi(environ, lambda status, headers, exc_info=None: seen.append((status, headers)))
    data = b"".join(body)
    getattr(body, "close", lambda: None)()
    status, headers = seen[0]
    return status, {name: value for name, value in headers if name != "Date"}, data


@pytest.mark.parametrize("query, accept", CASES)
def test_the_fast_path_answers_as_the_view_does(app: Flask, query: str, accept: str) -> None:
    fast = call(app.wsgi_app, query, accept)
    view = call(app.wsgi_app.next, query, accept)  # type: ignore[attr-defined]
    assert fast == view


def test_the_fast_path_tags_an_answer_for_where_it_was_asked_as_the_view_does(app: Flask) -> None:
    """The ETag hashes the base the answer was asked under (scheme, host, mount point), as the view's."""
    bases = [
        ("http://localhost/", True),
        ("https://data.example.org/", True),
        ("http://127.0.0.1:8080/kg/", True),
        ("http://127.0.0.1:8080/kg/", False),  # no Host header: the server's name and port
    ]
    tags = set()
    for base, host_header in bases:
        fast, view = (
            sent(wsgi, "query=" + quote(SELECT), "*/*", base, host_header)
            for wsgi in (app.wsgi_app, app.wsgi_app.next)  # type: ignore[attr-defined]
        )
        assert fast == view
        tags.add(fast[1]["ETag"])
    assert len(tags) == len(bases) - 1  # "127.0.0.1:8080" from the header or from the server: one base


RAW_QUERY_STRINGS = [  # as clients send them: "+" for spaces, an encoded "&", a malformed escape, nothing
    "query=SELECT+*+WHERE+%7B+%3Fs+%3Fp+%3Fo+%7D+LIMIT+2",
    "query=ASK+%7B+FILTER+%281+%3D+1+%26%26+2+%3D+2%29+%7D",
    "query=SELECT+*+WHERE+%7B+%3Fs+%3Fp+%22%ZZ%22+%7D",
    "query=",
    "query=ASK+%7B%7D&query=ASK+%7B%7D",
]


@pytest.mark.parametrize("raw", RAW_QUERY_STRINGS)
def test_the_fast_path_reads_the_query_string_as_the_view_does(app: Flask, raw: str) -> None:
    assert sent(app.wsgi_app, raw, "*/*") == sent(app.wsgi_app.next, raw, "*/*")  # type: ignore[attr-defined]


def test_the_fast_path_took_the_plain_request(app: Flask) -> None:
    """A plain GET is answered without the app: no Flask request context is ever pushed for it."""
    pushed: list[str] = []
    app.before_request_funcs.setdefault(None, []).append(lambda: pushed.append("view"))
    try:
        status, headers, _ = call(app.wsgi_app, SELECT, "application/sparql-results+json")
        call(app.wsgi_app, SELECT + " ", "application/sparql-results+json")  # another text, evaluated
        assert status == "200 OK" and headers["ETag"] and pushed == []
        call(app.wsgi_app, SELECT, "text/turtle")  # a 406: the app's
        assert pushed == ["view"]
    finally:
        app.before_request_funcs[None].pop()


def test_a_repeated_query_is_answered_from_the_builds_memo(app: Flask) -> None:
    """The build is immutable: a query, dataset and format asked again gets the kept answer; one asked
    once takes no room in the memo."""
    query = "SELECT ?o WHERE { <https://kgpub.example.org/id/org/huawei> ?p ?o } LIMIT 2"
    memo = app.extensions["kgpub"].current().memos.memo("sparql.answers", 1)

    def kept() -> bool:
        return any(key[0] == query for key in memo._entries)

    first = call(app.wsgi_app, query, "application/sparql-results+json")
    assert not kept()
    assert call(app.wsgi_app, query, "application/sparql-results+json") == first
    assert kept()
    assert call(app.wsgi_app, query, "application/sparql-results+json") == first


def test_sightings_remember_a_key_for_one_to_two_generations() -> None:
    """The memo's admission: a key is seen again within a generation of other keys, forgotten after two."""
    seen = Sightings(per_generation=3)
    assert [seen.again(key) for key in ("a", "b", "a")] == [False, False, True]
    assert [seen.again(key) for key in ("c", "d", "e", "f", "g")] == [False] * 5
    assert [seen.again(key) for key in ("a", "d", "g")] == [False, True, True]  # "a": two generations ago


@pytest.mark.parametrize("function", ["STRUUID()", "RAND()"])
def test_an_answer_that_changes_with_each_call_is_not_kept_for_the_build(app: Flask, function: str) -> None:
    """The build is immutable, a fresh UUID or random number is not: each call gets its own."""
    query = f"SELECT ?v WHERE {{ BIND ({function} AS ?v) }}"
    answers = {call(app, query, "application/sparql-results+json")[2] for _ in range(3)}
    assert len(answers) == 3, answers
