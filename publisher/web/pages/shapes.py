"""The shapes as a page: for each kind of thing the validator checks, what it needs, in the shapes' own
words (their ``sh:message``s, written for the editor who must fix what they report)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rdflib import RDFS, Graph, Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from publisher.formats import GRAPH_FORMATS
from publisher.web.pages.terms import Naming, Term
from publisher.web.site.labels import local_name

TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)


@dataclass(frozen=True)
class ShapeDoc:
    anchor: str
    name: str
    targets: tuple[tuple[str, Term], ...]  # ("every", class), ("subjects of", property)...
    needs: tuple[str, ...]  # what a focus node needs, as the shapes' messages say it


@dataclass(frozen=True)
class ShapesPage:
    shapes: tuple[ShapeDoc, ...]
    formats: tuple[tuple[str, str, str], ...]  # (label, href, media type)


def shapes_page(graph: Graph, web_base: str, namespace: str) -> ShapesPage:
    """Every node shape with targets, in name order, with the messages of its constraints."""
    naming = Naming.from_context(namespace, web_base, graph.triples((None, RDFS.label, None)))
    shaped = sorted({s for p in TARGETS for s in graph.subjects(p, None) if isinstance(s, URIRef)}, key=str)
    docs = tuple(_doc(graph, shape, naming) for shape in shaped)
    formats = tuple((f.label, f"{web_base}shapes.{f.extension}", f.media_type) for f in GRAPH_FORMATS)
    return ShapesPage(docs, formats)


def _doc(graph: Graph, shape: URIRef, naming: Naming) -> ShapeDoc:
    words = {
        SH.targetClass: "every",
        SH.targetNode: "the node",
        SH.targetSubjectsOf: "subjects of",
        SH.targetObjectsOf: "objects of",
    }
    targets = tuple(
        (words[p], naming.term(o)) for p in TARGETS for o in sorted(graph.objects(shape, p), key=str)
    )
    return ShapeDoc(
        local_name(str(shape)), _name(local_name(str(shape))), targets, tuple(_needs(graph, shape))
    )


def _name(local: str) -> str:
    """``AgreementSignatoryRule`` -> "Agreement signatory rule"."""
    words, word = [], ""
    for char in local:
        if char.isupper() and word:
            words.append(word)
            word = ""
        word += char
    words.append(word)
    return " ".join([words[0], *(w.lower() for w in words[1:])])


def _needs(graph: Graph, shape: URIRef) -> Iterable[str]:
    parts: list[Node] = [shape, *graph.objects(shape, SH.property), *graph.objects(shape, SH.sparql)]
    messages = {str(m) for part in parts for m in graph.objects(part, SH.message) if isinstance(m, Literal)}
    return sorted(messages)
