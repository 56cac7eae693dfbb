"""A manifest made by asking the store, for a remote store served without a local build.

The manifest is what the home page, VoID and the service description count from. With a local build it
is read from ``manifest.json``; a publisher pointed at a remote store with no build beside it asks the
store once, at start-up, with three fixed queries (``queries/census_*.rq``) that count what
``pipeline/stats.py`` counts. Its ``build_id`` stays ``"unbuilt"``: the publisher cannot know when the store
changes, so caching claims nothing (no validators, ``no-cache``), and the counts are as of start-up.
"""

from __future__ import annotations

from datetime import UTC, datetime

from publisher.manifest import Manifest
from publisher.queries import load_query
from publisher.settings import ONTOLOGY_IRI
from publisher.store import Store

UNBUILT = "unbuilt"


def census(store: Store, namespace: str) -> Manifest:
    """Counts of the store's current content, in the manifest's shape (no sources: nothing was built)."""
    graphs = {str(row["g"]): int(str(row["n"])) for row in store.select(load_query("census_graphs.rq")).rows}
    classes = {
        str(row["class"]): int(str(row["n"])) for row in store.select(load_query("census_classes.rq")).rows
    }
    subjects = (str(row["s"]) for row in store.select(load_query("census_subjects.rq")).rows)
    now = datetime.now(UTC).replace(microsecond=0)
    return Manifest(
        build_id=UNBUILT,
        created=now.isoformat().replace("+00:00", "Z"),
        namespace=namespace,
        triples=sum(graphs.values()),
        graphs=graphs,
        classes=classes,
        entities=sum(1 for iri in subjects if iri.startswith(namespace) and not iri.startswith(ONTOLOGY_IRI)),
    )
