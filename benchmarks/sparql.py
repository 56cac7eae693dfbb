"""The SPARQL endpoint's area: small SELECTs on kgpub against the bare app and Oxigraph's servers.

* **distinct texts** (``distinct_query.lua``: every request another text, so no cache keyed by the text can
  answer): what evaluating a small query costs. Issue 11's target: at least 0.9× the bare Flask +
  pyoxigraph app with an in-memory store (``peers/minimal_flask.py`` with ``KGPUB_BENCH_DUMP``), at 100k
  and 1M; the same app on the on-disk store and ``oxigraph serve-read-only`` are shown beside it.
* **one repeated text**: what answering from kgpub's per-build cache of answers costs, against the same
  bytes served as a static file and against ``oxigraph serve`` with an in-memory store (data posted), the
  fastest SPARQL server measured here.
"""

from __future__ import annotations

import gzip
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from benchmarks import servers
from benchmarks.common import GUNICORN, OXIGRAPH, PYTHON, WORKERS
from benchmarks.targets import Area, Check, Peer, Size, Target, versus

SELECT_PERSONS = (
    "SELECT ?person ?name WHERE { ?person a <http://schema.org/Person> ; <http://schema.org/name> ?name }"
)
SMALL_SELECT = f"{SELECT_PERSONS} LIMIT 10"
RESULTS_JSON = {"Accept": "application/sparql-results+json"}
REPEATED, DISTINCT = "sparql small SELECT, one text", "sparql small SELECT, distinct texts"
DISTINCT_SCRIPT = Path(__file__).with_name("distinct_query.lua")
BARE_MEMORY, BARE_DISK = "minimal-flask-memory", "minimal-flask"
OXIGRAPH_MEMORY, OXIGRAPH_DISK = "oxigraph-memory", "oxigraph"
STATIC_ANSWER, RDFLIB = "static-answer", "rdflib-endpoint"


def sparql_path(endpoint: str, query: str = SMALL_SELECT) -> str:
    return f"{endpoint}?query={quote(query)}"


def targets(endpoint: str) -> tuple[Target, ...]:
    """The two targets on a server whose SPARQL endpoint is at ``endpoint``."""
    return (
        Target(REPEATED, sparql_path(endpoint), RESULTS_JSON),
        Target(DISTINCT, sparql_path(endpoint, SELECT_PERSONS), RESULTS_JSON, DISTINCT_SCRIPT),
    )


def kgpub_targets(size: Size) -> tuple[Target, ...]:
    repeated, distinct = targets("/sparql")
    return (
        Target(
            repeated.label,
            repeated.path,
            repeated.headers,
            versus=(STATIC_ANSWER, OXIGRAPH_MEMORY, OXIGRAPH_DISK, RDFLIB),
        ),
        Target(
            distinct.label,
            distinct.path,
            distinct.headers,
            distinct.script,
            versus=(BARE_MEMORY, BARE_DISK, OXIGRAPH_MEMORY, OXIGRAPH_DISK),
        ),
    )


def peers(size: Size) -> list[Peer]:
    gunicorn = [PYTHON, "-m", "gunicorn", *GUNICORN]
    bare = [*gunicorn, "benchmarks.peers.minimal_flask:app"]
    dump = size.release / "dumps" / "kgpub.nq.gz"
    return [
        Peer(BARE_MEMORY, lambda port: [*bare, "-b", f"127.0.0.1:{port}"], sparql_path("/sparql"),
             targets("/sparql"), {"KGPUB_BENCH_DUMP": str(dump)}, workers=WORKERS),
        Peer(BARE_DISK, lambda port: [*bare, "-b", f"127.0.0.1:{port}"], sparql_path("/sparql"),
             targets("/sparql"), {"KGPUB_BENCH_STORE": str(size.release / "store")}, workers=WORKERS),
        Peer(OXIGRAPH_MEMORY, lambda port: [OXIGRAPH, "serve", "--bind", f"127.0.0.1:{port}",
             "--union-default-graph"], sparql_path("/query"), targets("/query"), setup=post_quads(dump)),
        Peer(OXIGRAPH_DISK, lambda port: [OXIGRAPH, "serve-read-only", "--location", str(load_oxigraph(size)),
             "--bind", f"127.0.0.1:{port}", "--union-default-graph"], sparql_path("/query"), targets("/query")),
        Peer(STATIC_ANSWER, lambda port: [*gunicorn, "-b", f"127.0.0.1:{port}",
             "benchmarks.peers.static_file:app"], "/", (Target(REPEATED, "/"),),
             {"KGPUB_BENCH_FILE": str(saved_answer(size)), "KGPUB_BENCH_TYPE": RESULTS_JSON["Accept"]},
             workers=WORKERS),
        Peer(RDFLIB, lambda port: [PYTHON, "-m", "uvicorn", "benchmarks.peers.rdflib_endpoint_app:app",
             "--host", "127.0.0.1", "--port", str(port), "--workers", str(WORKERS), "--log-level", "warning"],
             sparql_path("/sparql"), targets("/sparql"), {"KGPUB_BENCH_DUMP": str(dump)}, workers=WORKERS),
    ]  # fmt: skip


def load_oxigraph(size: Size) -> Path:
    """``oxigraph load`` of the build's N-Quads dump into a store of its own (once per size)."""
    location = size.work / "oxigraph"
    if (location / "CURRENT").exists():
        return location
    shutil.rmtree(location, ignore_errors=True)
    nquads = size.work / "kgpub.nq"
    with gzip.open(size.release / "dumps" / "kgpub.nq.gz", "rb") as source, nquads.open("wb") as out:
        shutil.copyfileobj(source, out)
    subprocess.run(
        [OXIGRAPH, "load", "--location", str(location), "--file", str(nquads)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    nquads.unlink()
    return location


def post_quads(dump: Path) -> Callable[[servers.Server], None]:
    """Load the dump into a running ``oxigraph serve`` (its Graph Store endpoint takes N-Quads)."""

    def setup(server: servers.Server) -> None:
        with gzip.open(dump, "rb") as quads:
            servers.post(server.url("/store"), quads.read(), "application/n-quads")

    return setup


def saved_answer(size: Size) -> Path:
    """kgpub's answer to the repeated query, saved for the static-file peer (the same bytes)."""
    answer = size.work / "small-select.json"
    if not answer.exists():
        answer.write_bytes(servers.fetch_from_kgpub(size, sparql_path("/sparql"), RESULTS_JSON))
    return answer


AREA = Area(
    kgpub_targets,
    peers,
    (
        Check("/sparql distinct texts ≥ 0.9× Flask + pyoxigraph in memory", "100k",
              versus(BARE_MEMORY, DISTINCT), "{:.2f}×", 0.9),
        Check("/sparql distinct texts ≥ 0.9× Flask + pyoxigraph in memory", "1M",
              versus(BARE_MEMORY, DISTINCT), "{:.2f}×", 0.9),
        Check("/sparql one text (answer cache) ≥ 0.9× the same bytes as a static file", "100k",
              versus(STATIC_ANSWER, REPEATED), "{:.2f}×", 0.9),
        Check("/sparql one text (answer cache) ≥ 0.9× the same bytes as a static file", "1M",
              versus(STATIC_ANSWER, REPEATED), "{:.2f}×", 0.9),
        Check("/sparql one text: kgpub / oxigraph serve in memory (a figure)", "1M",
              versus(OXIGRAPH_MEMORY, REPEATED), "{:.2f}×"),
        Check("/sparql one text ≥ 10× rdflib-endpoint", "100k", versus(RDFLIB, REPEATED), "{:.2f}×", 10),
        Check("/sparql one text ahead of oxigraph serve-read-only", "100k",
              versus(OXIGRAPH_DISK, REPEATED), "{:.2f}×", 1),
    ),
)  # fmt: skip
