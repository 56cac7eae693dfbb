"""The SPARQL text module: the lexer, the facts read with it, and the rewrites made with it."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from publisher.sparql_text import (
    declared_prefixes,
    has_dataset_clause,
    has_relative_iri,
    inline_trailing_values,
    insert_in_where,
    lexemes,
    nesting,
    outside_strings,
    query_form,
    renamed,
    significant,
    tokens,
    where_group,
    where_group_start,
)


def test_every_character_belongs_to_one_token() -> None:
    text = 'PREFIX s: <http://schema.org/> SELECT ?x WHERE { ?x s:name "a } b"@en ; s:n 1.5e3 } # }\n'
    assert "".join(t.text for t in tokens(text)) == text
    kinds = [t.kind for t in significant(text)]
    assert kinds == [
        "word",
        "pname",
        "iri",
        "word",
        "var",
        "word",
        "other",
        "var",
        "pname",
        "string",
        "other",
        "word",
        "other",
        "pname",
        "number",
        "other",
    ]  # "@" "en": a language tag is two tokens


QUERIES = Path(__file__).resolve().parents[1] / "publisher" / "queries"
TRICKY = [
    "SELECT * WHERE { ?s ?p 'x\\'y' } # c\rSERVICE",
    'a:b:c.d. e-f 1.5e3 .5 _:b1.x ?v$w """x\n"y""" ' + "'''a''b''' ",
    "SERVICEx: {} trueSERVICE ex:%41 \u00e9t\u00e9 # end",
    "'unterminated <iri with space> \t\n ",
    "",
]


def test_the_endpoint_s_one_pass_finds_the_lexer_s_significant_tokens() -> None:
    """``lexemes`` (each token with the spaces before it: the endpoint's pass, which the policy reads) and
    ``tokens`` (every character, spaces and comments included) must cut a text alike."""
    rng = random.Random(11)
    alphabet = " \t\r\n#'\"<>?$_:.-+eE0123456789abcAB{}()\\,;%^@\u00e9"
    texts = [path.read_text(encoding="utf-8") for path in sorted(QUERIES.rglob("*.rq"))] + TRICKY
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60))) for _ in range(20_000)]
    for text in texts:
        assert lexemes(text) == tuple((t.kind, t.text, t.start) for t in significant(text)), text


def test_keywords_inside_strings_iris_and_comments_are_not_words() -> None:
    text = 'SELECT * { <http://x/SERVICE> ?p "SERVICE" } # SERVICE'
    assert [t.word for t in significant(text) if t.word] == ["SELECT"]
    assert "SERVICE" not in outside_strings(text).replace("<http://x/SERVICE>", "")


def test_nesting_gives_each_brace_its_group_depth() -> None:
    braces = [(depth, t.text) for depth, t in nesting("{ { } { { } } }") if t.text in "{}"]
    assert braces == [(0, "{"), (1, "{"), (1, "}"), (1, "{"), (2, "{"), (2, "}"), (1, "}"), (0, "}")]


@pytest.mark.parametrize(
    "text,form",
    [
        ("SELECT * {}", "SELECT"),
        ("# SELECT\nASK {}", "ASK"),
        ("PREFIX a: <x:> CONSTRUCT WHERE {}", "CONSTRUCT"),
        ("describe <x:y>", "DESCRIBE"),
        ("INSERT DATA {}", None),
        ('"SELECT"', None),
    ],
)
def test_query_form_is_the_first_form_keyword(text: str, form: str | None) -> None:
    assert query_form(text) == form


def test_dataset_clause_and_relative_iris() -> None:
    assert has_dataset_clause("SELECT * FROM <x:g> {}") and not has_dataset_clause(
        'SELECT * { ?s ?p "FROM" }'
    )
    assert has_relative_iri("ASK { <id/org/x> ?p ?o }") and not has_relative_iri("ASK { <http://a/b> ?p ?o }")


def test_declared_prefixes_resolve_against_base_and_keep_an_empty_fragment() -> None:
    text = "BASE <https://kg.example/> PREFIX org: <id/org/> PREFIX kgo: <ontology#> SELECT * {}"
    assert declared_prefixes(text, "https://other.example/") == {
        "org": "https://kg.example/id/org/",
        "kgo": "https://kg.example/ontology#",
    }


@pytest.mark.parametrize(
    "query,marker",
    [
        ("SELECT * WHERE { ?s ?p ?o }", "WHERE {"),
        ("SELECT * { ?s ?p ?o }", "* {"),
        ("ASK { ?s ?p ?o }", "ASK {"),
        ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "WHERE {"),
        ("SELECT * WHERE { { SELECT * WHERE { ?s ?p ?o } } }", "* WHERE {"),
    ],
)
def test_where_group_start_is_just_inside_the_outermost_group(query: str, marker: str) -> None:
    assert where_group_start(query) == query.index(marker) + len(marker)


@pytest.mark.parametrize("query", ["CONSTRUCT WHERE { ?s ?p ?o }", "DESCRIBE <x:y>", "SELECT * WHERE"])
def test_no_where_group_to_take_a_pattern(query: str) -> None:
    assert where_group_start(query) is None
    assert insert_in_where(query, "?a ?b ?c") is None


def test_insert_in_where_puts_the_pattern_first() -> None:
    assert (
        insert_in_where("SELECT * WHERE { ?s ?p ?o }", "VALUES ?s { <x:a> }")
        == "SELECT * WHERE { VALUES ?s { <x:a> }  ?s ?p ?o }"
    )


def test_a_trailing_values_clause_moves_into_the_where_group() -> None:
    query = "SELECT DISTINCT ?s WHERE { ?s ?p ?o }\nVALUES ?s { <x:a> <x:b> }"
    moved = inline_trailing_values(query)
    assert moved == "SELECT DISTINCT ?s WHERE { VALUES ?s { <x:a> <x:b> }  ?s ?p ?o }\n"
    assert inline_trailing_values(moved) == moved


@pytest.mark.parametrize(
    "query",
    [
        "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o } VALUES ?s { <x:a> }",  # aggregates: not the same query
        "SELECT ?s WHERE { ?s ?p ?o } GROUP BY ?s VALUES ?s { <x:a> }",
        "SELECT ?s WHERE { ?s ?p ?o } VALUES ?s { <x:a> } LIMIT 1",  # something follows it
        "SELECT ?s WHERE { ?s ?p ?o VALUES ?s { <x:a> } }",  # not trailing
        "CONSTRUCT WHERE { ?s ?p ?o } VALUES ?s { <x:a> }",
    ],
)
def test_values_clauses_that_must_stay_where_they_are(query: str) -> None:
    assert inline_trailing_values(query) == query


def test_the_where_group_of_a_query_and_renamed_variables() -> None:
    query = 'PREFIX s: <http://s/> SELECT ?x WHERE { ?x s:p "}" . { ?x s:q ?y } } ORDER BY ?x'
    assert where_group(query) == '{ ?x s:p "}" . { ?x s:q ?y } }'
    assert where_group("ASK {}") == "{}"
    assert renamed('SELECT $x ?y { ?x <p> "?x" }', lambda name: name.upper()) == (
        'SELECT ?X ?Y { ?X <p> "?x" }'
    )
