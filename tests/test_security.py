"""What a hostile or careless client can try against a real ``kgpub serve``: the endpoint stays read-only,
offline, bounded in time and size, and never serves a file outside what is published."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.conftest import Canary, LiveServer

EVERY_BACKEND = True  # live-server tests here run on every store in BACKENDS (conftest.py)

COUNT_PEOPLE = "SELECT (COUNT(*) AS ?n) WHERE { ?p a <http://schema.org/Person> }"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"


def sparql(server: LiveServer, query: str, **kwargs: object) -> requests.Response:
    return requests.post(
        server.url + "sparql",
        data={"query": query},
        headers={"Accept": "application/sparql-results+json"},
        timeout=60,
        **kwargs,
    )


def count_people(server: LiveServer) -> int:
    response = sparql(server, COUNT_PEOPLE)
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


@pytest.mark.parametrize(
    "update",
    [
        "INSERT DATA { <http://x> <http://y> <http://z> }",
        "DELETE WHERE { ?s ?p ?o }",
        "CLEAR ALL",
        "DROP DEFAULT",
        "PREFIX s: <http://schema.org/> DELETE { ?p s:name ?n } WHERE { ?p s:name ?n }",
    ],
)
def test_updates_are_refused_in_every_form_and_change_nothing(live_server: LiveServer, update: str) -> None:
    before = count_people(live_server)
    as_query = sparql(live_server, update)
    as_update = requests.post(live_server.url + "sparql", data={"update": update}, timeout=30)
    direct = requests.post(
        live_server.url + "sparql",
        data=update.encode(),
        headers={"Content-Type": "application/sparql-update"},
        timeout=30,
    )
    assert {as_query.status_code, as_update.status_code, direct.status_code} <= {400, 403, 415}
    assert count_people(live_server) == before == 24


def test_no_query_makes_the_server_fetch_anything(live_server: LiveServer, canary: Canary) -> None:
    attempts = [
        f"SELECT * WHERE {{ SERVICE <{canary.base}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE SILENT <{canary.base}sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * FROM <{canary.base}data.nt> WHERE {{ ?s ?p ?o }}",
        f"SELECT * FROM NAMED <{canary.base}data.nt> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        f"LOAD <{canary.base}data.nt>",
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{canary.base}> {{ ?s ?p ?o }} }}",
    ]
    statuses = [sparql(live_server, query).status_code for query in attempts]
    time.sleep(0.5)
    assert canary.requests == []
    assert statuses[0] == statuses[1] == 403
    assert statuses[2] == statuses[3] == 200  # graph names of this dataset only: empty, not fetched


def test_a_runaway_query_is_stopped_while_others_are_answered(live_server: LiveServer) -> None:
    """A worker has two query processes by default, so a quick query that lands on the runaway's worker is
    answered by the other one; with one (``KGPUB_QUERY_PROCESSES=1``) it waits for the runaway, within its
    own time limit, and is answered after the runaway is stopped if it arrived long enough after it (the
    kill, a fresh process, the query). A head start of a fraction of the limit keeps that margin under load
    (0.3 s left ~0.25 s of it; with no head start such queries got 503)."""
    timeout_s = live_server.settings.query_timeout_s
    with ThreadPoolExecutor(max_workers=4) as pool:
        started = time.monotonic()
        runaway = pool.submit(sparql, live_server, RUNAWAY)
        time.sleep(timeout_s * 0.4)  # a head start, not a wait for an event: see the docstring
        quick = [pool.submit(count_people, live_server) for _ in range(10)]
        assert [f.result(timeout=timeout_s * 3) for f in quick] == [24] * 10
        stopped = runaway.result(timeout=timeout_s * 4)
        elapsed = time.monotonic() - started
    assert stopped.status_code == 503
    assert "time limit" in stopped.text.lower()
    assert elapsed < timeout_s + 10
    assert count_people(live_server) == 24  # the worker came back


def test_oversized_requests_get_a_clear_4xx(live_server: LiveServer) -> None:
    body = requests.post(
        live_server.url + "sparql",
        data=b"#" * 2_000_000,
        headers={"Content-Type": "application/sparql-query"},
        timeout=30,
    )
    assert body.status_code == 413
    long_query = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 200_000
    assert sparql(live_server, long_query).status_code == 413
    url = requests.get(live_server.url + "sparql", params={"query": "x" * 100_000}, timeout=30)
    assert 400 <= url.status_code < 500


@pytest.mark.parametrize(
    "path",
    [
        "dumps/../manifest.json",
        "dumps/%2e%2e/manifest.json",
        "dumps/..%2fmanifest.json",
        "doc/..%2f..%2f..%2fetc%2fpasswd",
        "%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "static/../../settings.py",
        "static/..%2f..%2fsettings.py",
        "id/%00",
        "id/%ff%fe",
        "doc/id/person/hu-qinghua-tianjin-university.ttl%00.html",
        "dumps/kgpub.ttl%00",
        "id/" + "a" * 5000,
    ],
)
def test_no_path_reaches_a_file_outside_what_is_published(live_server: LiveServer, path: str) -> None:
    response = requests.get(live_server.url + path, timeout=30)
    assert 400 <= response.status_code < 500, (path, response.status_code)
    assert (
        "root:" not in response.text
        and "class Settings" not in response.text
        and "build_id" not in response.text
    )


def test_everything_rendered_is_escaped(live_server: LiveServer) -> None:
    attack = '<script>alert("x")</script>'
    search = requests.get(live_server.url + "search", params={"q": attack}, timeout=30)
    assert search.status_code == 200 and attack not in search.text
    bad_query = requests.get(
        live_server.url + "sparql",
        params={"query": f"SELECT {attack}"},
        headers={"Accept": "text/html"},
        timeout=30,
    )
    assert bad_query.status_code == 400 and attack not in bad_query.text
    unknown = requests.get(live_server.url + "id/" + requests.utils.quote(attack), timeout=30)
    assert unknown.status_code in (400, 404) and attack not in unknown.text
