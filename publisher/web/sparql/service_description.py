"""The SPARQL 1.1 Service Description of ``/sparql`` (what ``GET /sparql`` returns to RDF clients).

It states what a client needs before querying: the endpoint, the language (SPARQL 1.1 Query only: the
endpoint is read-only), every result format, and the dataset: the default graph is the union of all
named graphs (``sd:UnionDefaultGraph``), each named graph listed with its VoID triple count from the
build manifest (up to ``MAX_LISTED_GRAPHS``; beyond, a comment says how many and how to list them).
The result is a plain ``rdflib.Graph`` so the view serializes it in any negotiated RDF format; nothing
here depends on Flask.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from rdflib import RDF, RDFS, XSD, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, VOID

from publisher.formats import Format

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
# Named graphs listed one by one in the service description and VoID. An archive has one graph per article:
# at 65k graphs (10M triples) the full list made VoID 19 MB and 95 s to build; past this many, the
# descriptions say how many there are and how to list them (one SPARQL query) instead.
MAX_LISTED_GRAPHS = 1000
LIST_GRAPHS_QUERY = "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }"


@dataclass(frozen=True)
class DatasetFacts:
    """What the description says about the data; ``default_graph_triples`` is None when unknown."""

    title: str
    graphs: Mapping[str, int]
    default_graph_triples: int | None


def service_description(endpoint: str, facts: DatasetFacts, result_formats: Iterable[Format]) -> Graph:
    """The description of the service at ``endpoint`` (an absolute URL), as an rdflib graph."""
    graph = Graph()
    graph.bind("sd", SD)
    graph.bind("void", VOID)
    graph.bind("formats", FORMATS)
    graph.bind("dcterms", DCTERMS)
    service = URIRef(endpoint + "#service")
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, URIRef(endpoint)))
    graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    graph.add((service, SD.feature, SD.UnionDefaultGraph))
    for fmt in result_formats:
        if fmt.w3c:
            graph.add((service, SD.resultFormat, URIRef(fmt.w3c)))
    graph.add((service, SD.defaultDataset, _dataset(graph, URIRef(endpoint + "#dataset"), facts)))
    return graph


def _dataset(graph: Graph, dataset: URIRef, facts: DatasetFacts) -> URIRef:
    """``sd:defaultDataset``: one default graph (the union) and every named graph of the build."""
    graph.add((dataset, RDF.type, SD.Dataset))
    graph.add((dataset, DCTERMS.title, Literal(facts.title)))
    default = BNode()
    graph.add((dataset, SD.defaultGraph, default))
    graph.add((default, RDF.type, SD.Graph))
    if facts.default_graph_triples is not None:
        graph.add((default, VOID.triples, _count(facts.default_graph_triples)))
    if len(facts.graphs) > MAX_LISTED_GRAPHS:
        note = f"{len(facts.graphs):,} named graphs, too many to list here; query: {LIST_GRAPHS_QUERY}"
        graph.add((dataset, RDFS.comment, Literal(note, lang="en")))
        return dataset
    for name, triples in sorted(facts.graphs.items()):
        graph.add((dataset, SD.namedGraph, _named_graph(graph, name, triples)))
    return dataset


def _named_graph(graph: Graph, name: str, triples: int) -> BNode:
    named, content = BNode(), BNode()
    graph.add((named, RDF.type, SD.NamedGraph))
    graph.add((named, SD.name, URIRef(name)))
    graph.add((named, SD.graph, content))
    graph.add((content, RDF.type, SD.Graph))
    graph.add((content, VOID.triples, _count(triples)))
    return named


def _count(value: int) -> Literal:
    return Literal(value, datatype=XSD.integer)
