"""Reading a rule's triple patterns with the project's own lexer (``pipeline/rule_patterns.py``): branches,
scopes and path steps, as ``reach.py`` walks them. That the walk finds every affected focus node is
``test_incremental.py``'s equality with full validations."""

from __future__ import annotations

from rdflib import RDF, URIRef, Variable

from publisher.pipeline.rule_patterns import Edge, read

EX = "http://example.org/"
PREFIX = f"PREFIX ex: <{EX}>\n"
THIS, X = Variable("this"), Variable("x")


def shapes(query: str) -> list[set[tuple[str, str | None, str, bool, int]]]:
    """Each branch as (source, predicate, target, repeated, depth of scope), fresh variables as ``_``."""
    branches = read(PREFIX + query)
    assert branches is not None

    def term(node: object) -> str:
        return "_" if str(node).startswith("_reach") else str(node)

    def edge(e: Edge) -> tuple[str, str | None, str, bool, int]:
        return (
            term(e.source),
            None if e.predicate is None else str(e.predicate),
            term(e.target),
            e.repeated,
            len(e.scope),
        )

    return sorted(({edge(e) for e in b} for b in branches), key=sorted)


def test_triples_with_predicate_and_object_lists() -> None:
    got = shapes("SELECT $this WHERE { $this ex:p ?x , ?y ; a ex:C . ?x ex:q 5 }")
    assert got == [
        {
            ("this", EX + "p", "x", False, 0),
            ("this", EX + "p", "y", False, 0),
            ("this", str(RDF.type), EX + "C", False, 0),
            ("x", EX + "q", "_", False, 0),
        }
    ]


def test_union_multiplies_branches_and_optional_exists_nest() -> None:
    got = shapes("""SELECT $this WHERE {
        { ?a ex:about $this } UNION { $this ex:from ?a }
        OPTIONAL { ?a ex:p ?o }
        FILTER NOT EXISTS { ?a ex:q ?v . FILTER EXISTS { ?v a ex:C } }
        BIND (STR(?o) AS ?s) FILTER (?s != "x")
    }""")
    nested = {
        ("a", EX + "p", "o", False, 1),
        ("a", EX + "q", "v", False, 1),
        ("v", str(RDF.type), EX + "C", False, 2),
    }
    assert got == sorted(
        [{("a", EX + "about", "this", False, 0)} | nested, {("this", EX + "from", "a", False, 0)} | nested],
        key=sorted,
    )


def test_paths_become_steps() -> None:
    got = shapes(
        "SELECT $this WHERE { $this ex:a/^ex:b ?x . ?x ex:c* ?y . ?y (ex:d|ex:e)+ ?z . ?z !ex:f ?w }"
    )
    assert {("this", EX + "a", "_", False, 0), ("x", EX + "b", "_", False, 0)} <= got[0]
    assert ("x", EX + "c", "y", True, 0) in got[0]
    assert ("y", None, "z", True, 0) in got[0] and ("z", None, "w", False, 0) in got[0]


def test_alternative_paths_are_branches() -> None:
    got = shapes("SELECT $this WHERE { $this ex:a|ex:b ?x }")
    assert got == [{("this", EX + "a", "x", False, 0)}, {("this", EX + "b", "x", False, 0)}]


def test_blank_node_property_lists_and_a_trailing_dot_on_a_prefixed_name() -> None:
    got = shapes("SELECT $this WHERE { $this ex:p [ ex:q ex:o ] . ?x ex:r ex:s. }")
    assert got == [
        {
            ("this", EX + "p", "_", False, 0),
            ("_", EX + "q", EX + "o", False, 0),
            ("x", EX + "r", EX + "s", False, 0),
        }
    ]


def test_what_it_does_not_follow_is_none() -> None:
    assert read(PREFIX + "SELECT $this WHERE { $this ex:list (1 2) }") is None  # a collection
    assert read(PREFIX + "SELECT $this WHERE { $this unknown:p ?x }") is None
    assert read("CONSTRUCT WHERE { ?s ?p ?o }") is None


def test_edges_match_triples_and_see_their_enclosing_groups() -> None:
    outer = Edge(THIS, URIRef(EX + "p"), X, scope=(1,))
    inner = Edge(X, None, Variable("y"), scope=(1, 2))
    assert inner.sees(outer) and not outer.sees(inner)
    assert outer.matches((URIRef(EX + "s"), URIRef(EX + "p"), URIRef(EX + "o")))
    assert not outer.matches((URIRef(EX + "s"), URIRef(EX + "q"), URIRef(EX + "o")))


def test_values_add_no_pattern() -> None:
    assert shapes("SELECT $this WHERE { VALUES $this { ex:a ex:b } $this ex:p ?x }") == [
        {("this", EX + "p", "x", False, 0)}
    ]


def test_a_rules_branches_start_with_its_target_patterns() -> None:
    from publisher.pipeline.reach import branches_of
    from publisher.pipeline.sparql_rules import Rule

    targets = (
        f"{{ $this <{RDF.type}>/<http://www.w3.org/2000/01/rdf-schema#subClassOf>* <{EX}C> }}",
        f"{{ VALUES $this {{ <{EX}n> }} }}",
    )
    rule = Rule(
        URIRef(EX + "S"),
        URIRef(EX + "c"),
        PREFIX,
        "SELECT $this WHERE { $this ex:p ?x }",
        targets,
        (),
        URIRef(EX + "Violation"),
    )
    branches = branches_of(rule)
    assert branches is not None and len(branches) == 2  # one per target, each joined with the SELECT
    by_class, by_node = ({(str(e.source), str(e.predicate)) for e in b} for b in branches)
    assert ("this", str(RDF.type)) in by_class and ("this", EX + "p") in by_class
    assert by_node == {("this", EX + "p")}
