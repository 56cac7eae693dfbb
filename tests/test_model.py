"""The ontology and the data keep the modelling rules the product relies on."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

ROOT = Path(__file__).resolve().parents[1]
KGO = "https://kgpub.example.org/ontology#"
NAMESPACE = "https://kgpub.example.org/"
LINKS = (RDFS.subClassOf, RDFS.subPropertyOf, OWL.equivalentClass, OWL.equivalentProperty)


def parse(folder: str) -> Graph:
    graph = Graph()
    for path in sorted((ROOT / folder).rglob("*.ttl")):
        graph.parse(path, publicID=NAMESPACE)
    return graph


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return parse("ontology")


@pytest.fixture(scope="module")
def data() -> Graph:
    return parse("data")


def own_terms(ontology: Graph) -> set[URIRef]:
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
    return {s for kind in kinds for s in ontology.subjects(RDF.type, kind) if str(s).startswith(KGO)}


def test_ontology_header_names_title_version_licence_creator_and_prefix(ontology: Graph) -> None:
    header = URIRef("https://kgpub.example.org/ontology")
    assert (header, RDF.type, OWL.Ontology) in ontology
    for predicate in (
        "http://purl.org/dc/terms/title",
        "http://purl.org/dc/terms/description",
        str(OWL.versionIRI),
        "http://purl.org/dc/terms/license",
        "http://purl.org/dc/terms/creator",
        "http://purl.org/vocab/vann/preferredNamespacePrefix",
        "http://purl.org/vocab/vann/preferredNamespaceUri",
    ):
        assert ontology.value(header, URIRef(predicate)) is not None, predicate


def test_every_own_term_has_label_definition_and_link_to_a_reused_term(ontology: Graph) -> None:
    terms = own_terms(ontology)
    assert len(terms) >= 10
    for term in terms:
        assert ontology.value(term, RDFS.label), term
        assert ontology.value(term, SKOS.definition), term
        links = [o for p in LINKS for o in ontology.objects(term, p)]
        assert any(not str(o).startswith(KGO) for o in links), f"{term} is not linked to a reused term"


def test_every_class_and_property_the_data_uses_has_a_label(ontology: Graph, data: Graph) -> None:
    used = set(data.predicates()) | set(data.objects(None, RDF.type))
    unlabelled = {
        t for t in used if not ontology.value(t, RDFS.label) and not ontology.value(t, SKOS.prefLabel)
    }
    assert unlabelled == set()


def test_data_has_no_blank_nodes_so_every_node_dereferences(data: Graph) -> None:
    assert not [t for t in data if any(isinstance(x, BNode) for x in t)]


def test_every_label_is_language_tagged(data: Graph) -> None:
    label_predicates = (RDFS.label, SKOS.prefLabel, URIRef("http://schema.org/name"))
    for predicate in label_predicates:
        for value in data.objects(None, predicate):
            assert isinstance(value, Literal) and value.language, (predicate, value)


def test_data_iris_are_minted_in_the_configured_namespace(tmp_path: Path) -> None:
    """Data files use relative IRIs: parsing with another base moves every entity with no file change."""
    other = "https://kg.example.edu/"
    graph = Graph()
    for path in sorted((ROOT / "data").rglob("*.ttl")):
        graph.parse(path, publicID=other)
    subjects = {str(s) for s in graph.subjects() if isinstance(s, URIRef)}
    assert f"{other}id/org/tianjin-university" in subjects
    assert not [s for s in subjects if s.startswith(NAMESPACE)]


def test_college_figures_are_typed_numbers_not_strings(data: Graph) -> None:
    schema = "http://schema.org/"
    figures = {
        str(data.value(f, URIRef(schema + "name"))): data.value(f, URIRef(schema + "value"))
        or data.value(f, URIRef(schema + "minValue"))
        for f in data.subjects(RDF.type, URIRef(schema + "PropertyValue"))
    }
    assert figures["provincial and ministerial research teams and bases"].toPython() == 11
    assert figures["scale of the project group"].toPython() == 100_000_000
