"""CPU time of an entity page's first render, in process: ``python -m benchmarks.render PROJECT_DIR ENTITY...``.

Each request asks for ``/doc/<entity>.html?render=<n>`` with a query string never used before, as
``first_render.lua`` does under wrk, so the memo of finished documents never answers and every request
describes and renders the page (memos of labels and counts are warm after the first requests, as in a
worker that has served for a while). CPU time of this process, not wall time: on a shared machine it
moves far less than wrk's figures, so two commits can be compared by running this on each in turn.

Before those, each entity's first HTML render in this app is timed alone ("first"): what a worker pays the
first time it shows the page in a build, before any memo of its sections (the app's own first-request
work, the template and the class hierarchy, is done beforehand by asking every entity's page narrowed to
its types: a focused window, which reads no section). To time live renders of a release that
has its pages, point ``KGPUB_BUILD_DIR`` at a copy without them (``benchmarks.prebuilt_pages.without_pages``).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from flask.testing import FlaskClient
from rdflib import RDF

from publisher import create_app
from publisher.settings import Settings

HTML = {"Accept": "text/html"}
TYPES_ONLY = {"direction": "out", "property": str(RDF.type)}


def cpu_ms_per_render(client: FlaskClient, path: str, warm_up: int, requests: int) -> float:
    for n in range(warm_up):
        assert client.get(f"{path}?render=w{n}", headers=HTML).status_code == 200, path
    started = time.process_time()
    for n in range(requests):
        client.get(f"{path}?render={n}", headers=HTML)
    return (time.process_time() - started) / requests * 1000


def cpu_ms_first_render(client: FlaskClient, path: str) -> float:
    started = time.process_time()
    assert client.get(f"{path}?render=first", headers=HTML).status_code == 200, path
    return (time.process_time() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", type=Path, help="a project with a published build, e.g. the 1M run's")
    parser.add_argument("entities", nargs="+", help="entity paths, e.g. id/org/tianjin-university")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warm-up", type=int, default=30)
    args = parser.parse_args()
    client = create_app(Settings.load(project_dir=args.project)).test_client()
    for entity in args.entities:
        assert client.get(f"/doc/{entity}.html", query_string=TYPES_ONLY, headers=HTML).status_code == 200
    for entity in args.entities:
        print(
            f"{entity}: {cpu_ms_first_render(client, f'/doc/{entity}.html'):.2f} ms of CPU, first in this app"
        )
    for entity in args.entities:
        ms = cpu_ms_per_render(client, f"/doc/{entity}.html", args.warm_up, args.requests)
        print(f"{entity}: {ms:.2f} ms of CPU per first render")


if __name__ == "__main__":
    main()
