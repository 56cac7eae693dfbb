"""CPU time of an entity page's first render, in process: ``python -m benchmarks.render PROJECT_DIR ENTITY...``.

Each request asks for ``/doc/<entity>.html?render=<n>`` with a query string never used before, as
``first_render.lua`` does under wrk, so the memo of finished documents never answers and every request
describes and renders the page (memos of labels and counts are warm after the first requests, as in a
worker that has served for a while). CPU time of this process, not wall time: on a shared machine it
moves far less than wrk's figures, so two commits can be compared by running this on each in turn.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from flask.testing import FlaskClient

from publisher import create_app
from publisher.settings import Settings

HTML = {"Accept": "text/html"}


def cpu_ms_per_render(client: FlaskClient, path: str, warm_up: int, requests: int) -> float:
    for n in range(warm_up):
        assert client.get(f"{path}?render=w{n}", headers=HTML).status_code == 200, path
    started = time.process_time()
    for n in range(requests):
        client.get(f"{path}?render={n}", headers=HTML)
    return (time.process_time() - started) / requests * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", type=Path, help="a project with a published build, e.g. the 1M run's")
    parser.add_argument("entities", nargs="+", help="entity paths, e.g. id/org/tianjin-university")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warm-up", type=int, default=30)
    args = parser.parse_args()
    client = create_app(Settings.load(project_dir=args.project)).test_client()
    for entity in args.entities:
        ms = cpu_ms_per_render(client, f"/doc/{entity}.html", args.warm_up, args.requests)
        print(f"{entity}: {ms:.2f} ms of CPU per first render")


if __name__ == "__main__":
    main()
