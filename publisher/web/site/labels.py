"""How the publisher names things: one label precedence, one prefix table, used by every page.

Labels of reused terms (schema:, org:, prov: ...) ship with the build in the ontology graph, so naming a
predicate never touches the network; when a term has no label at all it is shown compacted
(``schema:foo``) or by its local name, never as a bare IRI.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

from rdflib import DCTERMS, OWL, RDF, RDFS, SKOS, XSD, Literal, Namespace, URIRef
from rdflib.term import Node

from publisher.web.site.languages import ENGLISH, Languages

SDO: Final = Namespace("http://schema.org/")
ORG: Final = Namespace("http://www.w3.org/ns/org#")
PROV: Final = Namespace("http://www.w3.org/ns/prov#")
FOAF: Final = Namespace("http://xmlns.com/foaf/0.1/")
KGO: Final = Namespace("https://kgpub.example.org/ontology#")

# Precedence order, within the reader's best language (``languages.py``): the first predicate with a value wins.
LABEL_PREDICATES: Final[tuple[URIRef, ...]] = (
    SKOS.prefLabel,
    RDFS.label,
    SDO.name,
    DCTERMS.title,
    SDO.headline,
)
# The precedence as a mapping: a dict finds a term by hash, where ``in``/``index`` on the tuple would call
# rdflib's Python-level ``__eq__`` once per label predicate (a couple of microseconds each, per row).
LABEL_RANK: Final[Mapping[Node, int]] = {p: rank for rank, p in enumerate(LABEL_PREDICATES)}

PREFIXES: Final[Mapping[str, str]] = {
    "kgo": str(KGO),
    "schema": str(SDO),
    "org": str(ORG),
    "prov": str(PROV),
    "foaf": str(FOAF),
    "dcterms": str(DCTERMS),
    "skos": str(SKOS),
    "owl": str(OWL),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "time": "http://www.w3.org/2006/time#",
    "vann": "http://purl.org/vocab/vann/",
    "sh": "http://www.w3.org/ns/shacl#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "void": "http://rdfs.org/ns/void#",
    "frapo": "http://purl.org/cerif/frapo/",
    "vivo": "http://vivoweb.org/ontology/core#",
    "sem": "http://semanticweb.cs.vu.nl/2009/11/sem/",
    "wd": "http://www.wikidata.org/entity/",
}


def best_label(values: Iterable[tuple[URIRef, Node]], languages: Languages = ENGLISH) -> Literal | None:
    """The preferred label among ``(predicate, value)`` pairs, or None when none is a label.

    The reader's language comes first (a name in it beats a better-ranked predicate in another), then the
    predicate's precedence, then the tag and the text, so the choice never depends on the rows' order.
    Takes pairs rather than a Graph so that pages, search results and the ontology page (which hold
    rows, not graphs) all rank labels with exactly this rule.
    """
    candidates = [
        (languages.rank(o.language), rank, o.language or "", str(o), o)
        for p, o in values
        if (rank := LABEL_RANK.get(p)) is not None and isinstance(o, Literal)
    ]
    return min(candidates)[4] if candidates else None


def other_names(values: Iterable[tuple[URIRef, Node]], shown: Literal) -> tuple[Literal, ...]:
    """The thing's names in languages other than the one ``shown`` (its original-language name beside a
    translation), by the same predicates as labels, each text once, in tag order."""
    seen = {str(shown)}
    found = []
    for p, o in sorted(values, key=lambda pair: (str(getattr(pair[1], "language", "")), str(pair[1]))):
        if p in LABEL_RANK and isinstance(o, Literal) and o.language != shown.language and str(o) not in seen:
            seen.add(str(o))
            found.append(o)
    return tuple(found)


def compact(iri: str) -> str | None:
    """``schema:name`` for a known namespace, else None."""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return None


def local_name(iri: str) -> str:
    """The last ``#`` or ``/`` segment of an IRI: the fallback name of an unlabelled thing."""
    tail = iri.rstrip("/#")
    cut = max(tail.rfind("#"), tail.rfind("/"))
    return tail[cut + 1 :] or iri


def fallback_label(iri: str) -> str:
    """How an unlabelled IRI is shown: compacted when its namespace is known, else its local name,
    unless that says nothing on its own (``.../by/4.0/``, ``.../0.1.0``): then the IRI without its scheme."""
    if known := compact(iri):
        return known
    name = local_name(iri)
    return name if any(c.isalpha() for c in name) else iri.split("://", 1)[-1]
