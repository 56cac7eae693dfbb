"""A running ``kgpub serve`` follows ``kgpub build`` with no restart (``app_state.Releases``): the new release
is served within seconds, a request in flight finishes on the release it started with, and nothing the old
build determined (a kept answer, a page) is served for the new one. Real servers, a real build between."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests

from tests.conftest import ROOT, free_port, kgpub_command, oxigraph, running
from tests.test_incremental import NEW_ARTICLE
from tests.test_lanes import workers

NS = "https://kgpub.example.org/"
ARTICLE = "id/article/2020-10-13-second-look"
JSON = {"Accept": "application/sparql-results+json"}
ASK_ARTICLE = f"ASK {{ <{NS}{ARTICLE}> ?p ?o }}"
# A count over a cross product (about 12 s here): it runs while the next build is made and switched to.
SLOW_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?a <http://schema.org/name> ?b . ?c ?d ?e . ?f a ?g }"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for folder in ("ontology", "data", "shapes"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    kgpub(tmp_path, "build")
    return tmp_path


def kgpub(project: Path, *argv: str) -> None:
    subprocess.run([*kgpub_command(), "--project-dir", str(project), *argv], check=True, capture_output=True)


@pytest.fixture
def served(project: Path) -> Iterator[tuple[str, int]]:
    port = free_port()
    command = [
        *kgpub_command(),
        "--project-dir",
        str(project),
        "serve",
        "--port",
        str(port),
        "--workers",
        "2",
    ]
    env = {**os.environ, "KGPUB_QUERY_TIMEOUT_S": "60"}
    with running(command, f"http://127.0.0.1:{port}/", project / "serve.log", env) as process:
        yield f"http://127.0.0.1:{port}/", process.pid


def asked(url: str, query: str) -> bool:
    answer = requests.get(url + "sparql", params={"query": query}, headers=JSON, timeout=30)
    return bool(answer.json()["boolean"])


def add_article_and_build(project: Path) -> None:
    (project / "data" / "articles" / "2020-10-13-second-look.ttl").write_text(NEW_ARTICLE)
    kgpub(project, "build")


def wait_for(condition: object, seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.2)
    return False


def count_in(release: Path) -> int:
    store = ox.Store.read_only(str(release / "store"))
    (row,) = store.query(SLOW_COUNT, use_default_graph_as_union=True)  # type: ignore[misc]
    return int(row["n"].value)


def test_a_new_build_is_served_within_seconds_with_no_restart(project: Path, served: tuple[str, int]) -> None:
    url, arbiter = served
    page = url + f"doc/{ARTICLE}.html"
    before = workers(arbiter)
    assert requests.get(page, timeout=10).status_code == 404
    assert asked(url, ASK_ARTICLE) is False  # and kept, per build, by whichever worker answered
    assert asked(url, ASK_ARTICLE) is False
    add_article_and_build(project)
    built = time.monotonic()
    assert wait_for(lambda: requests.get(page, timeout=10).status_code == 200)
    assert time.monotonic() - built < 5
    assert all(asked(url, ASK_ARTICLE) for _ in range(6)), "an answer kept for the old build was served"
    assert "A second look" in requests.get(url + "dumps/kgpub.ttl", timeout=10).text
    assert workers(arbiter) == before, "the workers were restarted"


def test_a_request_in_flight_finishes_on_the_release_it_started_with(
    project: Path, served: tuple[str, int]
) -> None:
    url, _ = served
    old_release = (project / "build" / "current").resolve()
    answers: list[requests.Response] = []
    slow = threading.Thread(
        target=lambda: answers.append(
            requests.get(url + "sparql", params={"query": SLOW_COUNT}, headers=JSON, timeout=90)
        )
    )
    slow.start()
    time.sleep(1)
    add_article_and_build(project)
    assert wait_for(lambda: requests.get(url + f"doc/{ARTICLE}.html", timeout=10).status_code == 200)
    assert slow.is_alive(), "the slow query ended before the new release was served: nothing was shown"
    slow.join(90)
    new_release = (project / "build" / "current").resolve()
    assert new_release != old_release and count_in(new_release) != count_in(old_release)
    (row,) = answers[0].json()["results"]["bindings"]
    assert int(row["n"]["value"]) == count_in(old_release)


def test_behind_a_remote_store_the_local_build_is_followed_and_the_answers_are_the_stores(
    project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """With ``--store``, what the local build determines (VoID counts, dumps) follows ``kgpub build`` at
    once; the answers are the store's, which change when ``kgpub publish`` loads the new build."""
    folder = tmp_path_factory.mktemp("oxigraph")
    store_port, port = free_port(), free_port()
    store = f"http://127.0.0.1:{store_port}/"
    command = [*kgpub_command(), "--project-dir", str(project), "serve", "--port", str(port)]
    command += ["--store", store + "query", "--workers", "1"]
    with oxigraph("serve", folder / "data", store_port, folder / "oxigraph.log", "--union-default-graph"):
        kgpub(project, "publish", "--to", store + "store", "--query-url", store + "query")
        with running(command, f"http://127.0.0.1:{port}/", project / "serve.log"):
            url = f"http://127.0.0.1:{port}/"
            assert asked(url, ASK_ARTICLE) is False
            add_article_and_build(project)
            assert wait_for(lambda: "A second look" in requests.get(url + "dumps/kgpub.ttl", timeout=10).text)
            assert asked(url, ASK_ARTICLE) is False  # the store has not been loaded with it yet
            kgpub(project, "publish", "--to", store + "store", "--query-url", store + "query")
            assert asked(url, ASK_ARTICLE) is True  # no answer is kept for a remote store
