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
DOCUMENTED_LINKS = (SKOS.closeMatch, SKOS.exactMatch, RDFS.seeAlso)  # where no reused term is a super-term


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
        assert reused_terms_reached(ontology, term), f"{term} is not linked to a reused term"


def reused_terms_reached(ontology: Graph, term: URIRef) -> set[URIRef]:
    """The reused terms a term refines, through its own super-terms (kgo:supplements < kgo:buildsOn <
    kgo:relatedAgreement < dcterms:relation), or that it documents itself against."""
    seen, todo, reached = set(), [term], set()
    while todo:
        current = todo.pop()
        seen.add(current)
        for link in (*LINKS, *DOCUMENTED_LINKS):
            for target in ontology.objects(current, link):
                if not str(target).startswith(KGO):
                    reached.add(target)
                elif target not in seen and link in LINKS:
                    todo.append(target)
    return reached


@pytest.mark.parametrize("folder", ["data", "tests/fixtures/valid"])
def test_every_class_and_property_the_data_uses_has_a_label(ontology: Graph, folder: str) -> None:
    """Pages and reports never show a compact name: every term the data (and every pattern the model offers,
    the valid fixtures) uses is labelled; the own ones are defined too (the test above)."""
    data = parse(folder)
    used = set(data.predicates()) | {o for o in data.objects(None, RDF.type) if isinstance(o, URIRef)}
    used |= {o for o in data.objects(None, URIRef(f"{KGO}inferred"))}
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
