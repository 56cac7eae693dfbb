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
from typing import Any, Iterable, Mapping

from rdflib import BNode, Graph
from rdflib.compare import to_canonical_graph
from rdflib.term import Node

from publisher.web.negotiation import Format

Triple = tuple[Node, Node, Node]


def rdf_bytes(
    triples: Iterable[Triple], fmt: Format, prefixes: Mapping[str, str], context: Mapping[str, Any] | None = None
) -> bytes:
    """``triples`` in ``fmt`` (a graph format with an rdflib serializer), deterministically."""
    graph = Graph(store="SimpleMemory", bind_namespaces="none")
    for prefix, namespace in prefixes.items():
        graph.bind(prefix, namespace)
    for triple in sorted(_labelled(triples), key=lambda t: tuple(term.n3() for term in t)):
        graph.add(triple)
    if fmt.rdflib == "json-ld":
        text = graph.serialize(format="json-ld", context=dict(context or {}))
        return canonical_json(json.loads(text)).encode("utf-8")
    return graph.serialize(format=fmt.rdflib, encoding="utf-8")


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
