"""RDF out, byte for byte the same on every run: what strong ETags (``caching.py``) promise.

rdflib's N-Triples, RDF/XML and JSON-LD serializers walk sets, so the same graph comes out in a different
order in every process (``PYTHONHASHSEED``): two gunicorn workers would send different bytes under one
strong ETag. Feeding a ``SimpleMemory`` graph (plain dicts, insertion order) in sorted order fixes
N-Triples and RDF/XML; JSON-LD is then put in a canonical order as JSON (arrays of an RDF graph are
unordered, except ``@list``). Turtle is deterministic already and takes the same path. Blank nodes get
fresh random labels on every parse, so graphs that have them (the shapes) are relabelled canonically
first (``rdflib.compare.to_canonical_graph``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from rdflib import BNode, Graph, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.plugins.serializers.jsonld import from_rdf
from rdflib.plugins.shared.jsonld.context import Context
from rdflib.term import Node

from publisher.formats import Format

Triple = tuple[Node, Node, Node]


def rdf_bytes(
    triples: Iterable[Triple],
    fmt: Format,
    prefixes: Mapping[str, str],
    context: Mapping[str, Any] | None = None,
) -> bytes:
    """``triples`` in ``fmt`` (a graph format with an rdflib serializer), deterministically."""
    if fmt.rdflib == "json-ld":
        return canonical_json(json_ld(triples, context)).encode("utf-8")
    graph = _sorted_graph(triples)
    for prefix, namespace in prefixes.items():
        graph.bind(prefix, namespace)
    return graph.serialize(format=fmt.rdflib or "", encoding="utf-8")  # every graph format names one


def json_ld(triples: Iterable[Triple], context: Mapping[str, Any] | None = None) -> Any:
    """``triples`` as JSON-LD data compacted with ``context``: what rdflib's ``json-ld`` serializer writes,
    without its per-call costs (binding prefixes, which JSON-LD ignores when a context is given, parsing the
    context again, writing text to be parsed back). Put it in order with :func:`canonical_json`."""
    data = from_rdf(  # type: ignore[no-untyped-call]  # rdflib's JSON-LD converter has no annotations
        _sorted_graph(triples), _jsonld_context(_frozen(context)), use_native_types=True
    )
    if isinstance(data, dict) and "@context" in data:
        data["@context"] = dict(context or {})  # as given, as the serializer writes it
    return data


DOCUMENT_GRAPH = URIRef("urn:kgpub:document")  # a fixed name: a fresh Graph() would draw a uuid4 per call


def _sorted_graph(triples: Iterable[Triple]) -> Graph:
    graph = Graph(store="SimpleMemory", bind_namespaces="none", identifier=DOCUMENT_GRAPH)
    for triple in sorted(_labelled(triples), key=lambda t: tuple(term.n3() for term in t)):
        graph.add(triple)
    return graph


def _frozen(context: Mapping[str, Any] | None) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((key, str(value)) for key, value in (context or {}).items()))


@lru_cache(maxsize=8)
def _jsonld_context(context: tuple[tuple[str, str], ...]) -> Context:
    """A parsed JSON-LD context, made once: conversions only read it."""
    return Context(dict(context))


def graph_bytes(graph: Graph, fmt: Format) -> bytes:
    """A whole rdflib graph (VoID, a service description) in ``fmt``, deterministically, prefixes kept."""
    prefixes = {prefix: str(namespace) for prefix, namespace in graph.namespaces()}
    return rdf_bytes(graph, fmt, prefixes)


def _labelled(triples: Iterable[Triple]) -> set[Triple]:
    """The triples, with blank nodes relabelled canonically when there are any."""
    unique = set(triples)
    if not any(isinstance(term, BNode) for triple in unique for term in triple):
        return unique
    source = Graph()
    for triple in unique:
        source.add(triple)
    return set(to_canonical_graph(source))


def canonical_json(data: Any) -> str:
    """JSON with sorted keys and sorted arrays (``@list`` arrays keep their order: it is meaningful)."""
    return json.dumps(_canonical(data), sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def _canonical(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            key: [_canonical(item) for item in value] if key == "@list" else _canonical(value)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return sorted((_canonical(item) for item in node), key=lambda item: json.dumps(item, sort_keys=True))
    return node
