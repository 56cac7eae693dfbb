"""rdflib-endpoint (FastAPI) serving the build's N-Quads dump from an in-memory rdflib ``Dataset``.

The default graph is the union of the named graphs, as on kgpub. Run by the benchmark with uvicorn;
``KGPUB_BENCH_DUMP`` names the ``kgpub.nq.gz`` to load.
"""

from __future__ import annotations

import gzip
import os

from rdflib import Dataset
from rdflib_endpoint import SparqlEndpoint


def load(path: str) -> Dataset:
    dataset = Dataset(default_union=True)
    with gzip.open(path, "rb") as handle:
        dataset.parse(handle, format="nquads")
    return dataset


app = SparqlEndpoint(graph=load(os.environ["KGPUB_BENCH_DUMP"]), path="/sparql", cors_enabled=False)
