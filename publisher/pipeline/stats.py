"""Counts for the manifest (and from there VoID and the home page), computed once at build time.

The counts of a whole store use the same queries as the census of a remote store (``queries/census_*``);
a patched store's are updated from what the patch added and removed.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

import pyoxigraph as ox
from rdflib import URIRef

from publisher.queries import load_query, with_values
from publisher.settings import ONTOLOGY_IRI

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
DATE_PUBLISHED = ox.NamedNode("http://schema.org/datePublished")
_ONTOLOGY_GRAPH = ox.NamedNode(ONTOLOGY_IRI)


def graph_sizes(store: ox.Store) -> dict[str, int]:
    """Triples per named graph, sorted by graph IRI (the census query remote stores are counted with)."""
    return {row["g"].value: int(row["n"].value) for row in _select(store, "census_graphs.rq")}


def class_sizes(store: ox.Store) -> dict[str, int]:
    """Distinct instances per ``rdf:type`` in the data graphs (the ontology graph's own typing excluded)."""
    return {row["class"].value: int(row["n"].value) for row in _select(store, "census_classes.rq")}


def entity_count(store: ox.Store, namespace: str) -> int:
    """Distinct IRI subjects minted under the namespace in the data graphs: the pages the site serves."""
    return sum(1 for row in _select(store, "census_subjects.rq") if _is_entity(row["s"].value, namespace))


def _select(store: ox.Store, name: str) -> list[ox.QuerySolution]:
    """One of ``publisher/queries``' SELECTs over the store's named graphs, run by the engine (at 1M
    triples 3-5x faster than the same counts from quads in Python)."""
    return list(store.query(load_query(name)))  # type: ignore[arg-type]


def void_facts(store: ox.Store) -> dict[str, Any]:
    """VoID's union-graph statistics, with the queries VoID would otherwise run on every server's start."""

    def select(name: str) -> list[ox.QuerySolution]:
        return solutions(store, load_query(name))

    properties = tuple(sorted(row["property"].value for row in select("void_properties.rq")))
    subjects = select("void_subjects.rq")
    triples = select("sd_default_graph_triples.rq")
    example = select("void_example.rq")
    return {
        "properties": properties,
        "distinct_subjects": int(subjects[0]["subjects"].value) if subjects else 0,
        "distinct_triples": int(triples[0]["triples"].value) if triples else 0,
        "example": example[0]["article"].value if example else None,
    }


def patched_void_facts(
    previous: Mapping[str, Any], store: ox.Store, added: set[ox.Quad], removed: set[ox.Quad]
) -> dict[str, Any]:
    """``void_facts`` after a patch, from their values before it (only what the patch touched is looked up)."""
    properties = set(previous["properties"]) | {q.predicate.value for q in added}
    for predicate in {q.predicate for q in removed} - {q.predicate for q in added}:
        if next(iter(store.quads_for_pattern(None, predicate, None, None)), None) is None:
            properties.discard(predicate.value)
    subjects, triples = previous["distinct_subjects"], previous["distinct_triples"]
    for subject in {q.subject for q in added | removed}:
        subjects += _present(store, (subject, None, None), added, removed, True, any_graph=True) - _present(
            store, (subject, None, None), added, removed, False, any_graph=True
        )
    for triple in {(q.subject, q.predicate, q.object) for q in added | removed}:
        triples += _present(store, triple, added, removed, True, any_graph=True) - _present(
            store, triple, added, removed, False, any_graph=True
        )
    return {
        "properties": tuple(sorted(properties)),
        "distinct_subjects": subjects,
        "distinct_triples": triples,
        "example": _newest_article(store, previous["example"], added, removed),
    }


def _newest_article(
    store: ox.Store, previous: str | None, added: set[ox.Quad], removed: set[ox.Quad]
) -> str | None:
    """The newest article by VoID's own query: over the previous example and the articles whose type or
    date was added when the previous example was not touched, else over the whole store."""
    touched = {q.subject for q in added | removed}
    candidates = {q.subject for q in added if q.predicate in (RDF_TYPE, DATE_PUBLISHED)}
    rows: list[ox.QuerySolution] = []
    if previous is not None and ox.NamedNode(previous) not in touched:
        terms = [URIRef(previous)] + [
            URIRef(c.value) for c in sorted(candidates, key=str) if isinstance(c, ox.NamedNode)
        ]
        rows = solutions(store, with_values(load_query("void_example.rq"), "article", terms))
    if not rows:
        rows = solutions(store, load_query("void_example.rq"))
    return rows[0]["article"].value if rows else None


def quads_hash(quads: Iterable[ox.Quad]) -> str:
    """One graph's hash from its quads: sha256 over its sorted N-Triples lines, so ``kgpub publish`` and
    incremental builds can skip unchanged graphs.

    Blank node labels are minted afresh by every parse, so a graph holding blank nodes hashes differently
    on every build and is always re-sent: the safe direction (no canonicalization is attempted).
    """
    return lines_hash(sorted(str(ox.Triple(q.subject, q.predicate, q.object)) for q in quads))


def patched_counts(
    classes: Mapping[str, int],
    entities: int,
    store: ox.Store,
    added: set[ox.Quad],
    removed: set[ox.Quad],
    namespace: str,
) -> tuple[dict[str, int], int]:
    """``class_sizes`` and ``entity_count`` after a patch, from their values before it.

    Only the subjects the patch touched can change membership; each is looked up in the patched store
    (now) and in the store minus ``added`` plus ``removed`` (before).
    """
    counts = Counter(classes)
    for subject, cls in {(q.subject, q.object) for q in added | removed if q.predicate == RDF_TYPE}:
        if isinstance(cls, ox.NamedNode):
            pattern: tuple[object, object, object] = (subject, RDF_TYPE, cls)
            counts[cls.value] += _present(store, pattern, added, removed, now=True) - _present(
                store, pattern, added, removed, now=False
            )
    for subject in {q.subject for q in added | removed}:
        if isinstance(subject, ox.NamedNode) and _is_entity(subject.value, namespace):
            pattern = (subject, None, None)
            entities += _present(store, pattern, added, removed, now=True) - _present(
                store, pattern, added, removed, now=False
            )
    return {cls: n for cls, n in sorted(counts.items()) if n > 0}, entities


def solutions(store: ox.Store, select: str) -> list[ox.QuerySolution]:
    """The rows of a SELECT over the union of the store's graphs."""
    answer = store.query(select, use_default_graph_as_union=True)
    if not isinstance(answer, ox.QuerySolutions):
        raise ValueError("not a SELECT query")
    return list(answer)


def _present(
    store: ox.Store,
    pattern: tuple[object, object, object],
    added: set[ox.Quad],
    removed: set[ox.Quad],
    now: bool,
    any_graph: bool = False,
) -> bool:
    """Whether a data graph (or, with ``any_graph``, any graph) holds a quad matching ``pattern`` now (in
    ``store``) or before the patch."""
    for quad in store.quads_for_pattern(*pattern, None):  # type: ignore[arg-type]
        if (any_graph or quad.graph_name != _ONTOLOGY_GRAPH) and (now or quad not in added):
            return True
    return not now and any(
        _matches(q, pattern) and (any_graph or q.graph_name != _ONTOLOGY_GRAPH) for q in removed
    )


def _matches(quad: ox.Quad, pattern: tuple[object, object, object]) -> bool:
    return all(
        want is None or want == have
        for want, have in zip(pattern, (quad.subject, quad.predicate, quad.object), strict=False)
    )


def _is_entity(iri: str, namespace: str) -> bool:
    return iri.startswith(namespace) and not iri.startswith(ONTOLOGY_IRI)


def lines_hash(lines: list[str]) -> str:
    """sha256 over sorted N-Triples lines (without their final " ."), each ended by a newline."""
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line.encode("utf-8") + b"\n")
    return digest.hexdigest()
