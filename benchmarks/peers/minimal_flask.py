"""The floor under kgpub's ``/sparql``: Flask + pyoxigraph with no features (no policy, sandbox, time limit,
negotiation or row cap), run by the benchmark under the same gunicorn settings as ``kgpub serve``.

Its throughput is what the engine and the web framework cost on their own, so ``kgpub / minimal-flask``
isolates what kgpub's safety features cost per request. ``KGPUB_BENCH_STORE`` names the release's store.
"""

from __future__ import annotations

import os

import pyoxigraph as ox
from flask import Flask, Response, request

app = Flask(__name__)
STORE = ox.Store.read_only(os.environ["KGPUB_BENCH_STORE"])


@app.get("/sparql")
def sparql() -> Response:
    """Run the query on the union of the graphs and answer SPARQL JSON results."""
    results = STORE.query(request.args["query"], use_default_graph_as_union=True)
    body = results.serialize(format=ox.QueryResultsFormat.JSON)
    return Response(body, mimetype="application/sparql-results+json")
