"""Latency of name search, in process: ``python -m benchmarks.search PROJECT_DIR``.

A fresh app over the project's published build (the Flask test client, no server), started as a server
starts a worker (``warm_up``: its query processes) and left ``--idle`` seconds (its in-memory copy loads
meanwhile); then per URL the first request (what a worker's first reader waits for); ``--settle`` seconds
for what a first search starts in the background; then the same requests repeated (the median of
``--repeat``), and new phrases (the median over ``FRESH``, each asked once: a reader typing something no
one typed before). Wall time, so run it on a quiet machine and compare two commits in turn.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from flask.testing import FlaskClient

from publisher import create_app
from publisher.settings import Settings

URLS = ("/search?q=university", "/search/suggest?q=ti")
FRESH = ("tianjin", "huawei", "memorandum", "signing", "research", "wuxi", "liu", "agreement")


def timed(client: FlaskClient, url: str) -> float:
    started = time.perf_counter()
    with client.get(url, headers={"Accept": "text/html, application/json"}) as response:  # closed: as sent
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (url, response.status_code, response.get_data(as_text=True)[:300])
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", type=Path, help="a project with a published build, e.g. the 1M run's")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--idle", type=float, default=15.0, help="seconds between start and first request")
    parser.add_argument("--settle", type=float, default=15.0, help="seconds after the first requests")
    args = parser.parse_args()
    app = create_app(Settings.load(project_dir=args.project))
    app.extensions["kgpub"].warm_up()
    time.sleep(args.idle)
    client = app.test_client()
    for url in URLS:
        print(f"{url}: first {timed(client, url):.1f} ms")
    time.sleep(args.settle)
    for url in URLS:
        again = statistics.median(timed(client, url) for _ in range(args.repeat))
        print(f"{url}: repeated {again:.2f} ms (median of {args.repeat})")
    for url in URLS:
        stem = url.split("=", 1)[0]
        fresh = statistics.median(timed(client, f"{stem}={phrase}") for phrase in FRESH)
        print(f"{stem}=<new phrase>: {fresh:.1f} ms (median of {len(FRESH)} phrases, each asked once)")


if __name__ == "__main__":
    main()
