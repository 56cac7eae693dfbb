"""The floor under kgpub's ``/sparql``: Flask + pyoxigraph with no features (no policy, time limit,
negotiation or row cap), run by the benchmark under the same gunicorn settings as ``kgpub serve``.

Its throughput is what the engine and the web framework cost on their own, so ``kgpub / minimal-flask``
isolates what kgpub's guarantees cost per request. Two stores, as the benchmark runs it twice:
``KGPUB_BENCH_DUMP`` (a ``kgpub.nq.gz``) loads an in-memory store in each worker, the issue's peer;
otherwise ``KGPUB_BENCH_STORE`` names the release's on-disk store, opened read-only.
"""

from __future__ import annotations

import gzip
import os
from typing import IO, cast

import pyoxigraph as ox
from flask import Flask, Response, request


def open_store() -> ox.Store:
    dump = os.environ.get("KGPUB_BENCH_DUMP")
    if not dump:
        return ox.Store.read_only(os.environ["KGPUB_BENCH_STORE"])
    store = ox.Store()
    with gzip.open(dump, "rb") as quads:
        store.load(cast(IO[bytes], quads), format=ox.RdfFormat.N_QUADS)
    return store


app = Flask(__name__)
STORE = open_store()


@app.get("/sparql")
def sparql() -> Response:
    """Run the query on the union of the graphs and answer SPARQL JSON results."""
    results = STORE.query(request.args["query"], use_default_graph_as_union=True)
    body = results.serialize(format=ox.QueryResultsFormat.JSON)
    return Response(body, mimetype="application/sparql-results+json")
