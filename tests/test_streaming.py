"""Which queries stream (``store/streaming.py``): run on the worker's thread, or in a query process.

A wrong "streams" lets a query whose memory grows run where no memory limit applies, so the table errs
on "does not stream": every construct the whitelist grammar does not know must send a query to the
processes, however harmless it would have been.
"""

from __future__ import annotations

import pytest

from publisher.sparql_text import lexemes
from publisher.store.streaming import streams

STREAMING = [
    "SELECT ?person ?name WHERE { ?person a <http://schema.org/Person> ; <http://schema.org/name> ?name } LIMIT 10",
    "PREFIX s: <http://schema.org/> SELECT * WHERE { ?p a s:Person ; s:name ?n . ?p s:worksFor ?o } LIMIT 5",
    "PREFIX s: <http://schema.org/> SELECT ?n { ?p a s:Person; s:name ?n. } OFFSET 10 LIMIT 10 # a comment",
    "SELECT * WHERE { ?s ?p ?o }",
    "ASK { <http://e/a> <http://e/b> ?o }",
    "ASK {}",
    'SELECT ?s WHERE { ?s <http://e/p> "x"@en-GB , "y"^^<http://www.w3.org/2001/XMLSchema#string>, -3 }',
    "SELECT ?s FROM <http://e/g> FROM NAMED <http://e/h> WHERE { ?s ?p true }",
    'SELECT ?s ?l WHERE { ?s <http://e/label> ?l FILTER(LANG(?l) = "en" && CONTAINS(LCASE(STR(?l)), "uni")) }',
    'SELECT ?s WHERE { ?s <http://e/p> ?o . FILTER regex(?o, "^a", "i") ?o <http://e/q> ?x }',
    "SELECT ?s WHERE { ?s <http://e/year> ?y FILTER(?y IN (2020, 2021) || YEAR(?y) > 2019) }",
    "CONSTRUCT { ?s <http://e/named> ?n } WHERE { ?s <http://schema.org/name> ?n } LIMIT 3",
    "CONSTRUCT WHERE { ?s <http://schema.org/name> ?n }",
    "BASE <http://e/> SELECT ?s { ?s <p> <o> . <s> <p> <o> }",  # a ground pattern joins as a check
    "SELECT ?s { ?s <http://e/p> _:b . _:b <http://e/q> ?o }",  # a blank node label joins like a variable
]

NOT_STREAMING = {
    "cartesian product": "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }",
    "disconnected after a join": "SELECT * WHERE { ?a <http://e/p> ?b . ?b <http://e/q> ?c . ?x <http://e/r> ?y }",
    "aggregate": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "distinct": "SELECT DISTINCT ?s WHERE { ?s ?p ?o }",
    "reduced": "SELECT REDUCED ?s WHERE { ?s ?p ?o }",
    "order by": "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s",
    "group by": "SELECT ?s WHERE { ?s ?p ?o } GROUP BY ?s",
    "optional": "SELECT * WHERE { ?s ?p ?o OPTIONAL { ?o ?q ?r } }",
    "union": "SELECT * WHERE { { ?s ?p ?o } UNION { ?o ?p ?s } }",
    "graph": "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }",
    "minus": "SELECT * WHERE { ?s ?p ?o MINUS { ?s a <http://e/C> } }",
    "sub-select": "SELECT * WHERE { { SELECT ?s WHERE { ?s ?p ?o } } }",
    "exists": "SELECT * WHERE { ?s ?p ?o FILTER NOT EXISTS { ?o ?q ?r } }",
    "bind": 'SELECT * WHERE { ?s ?p ?o BIND(CONCAT(STR(?o), "x") AS ?c) }',
    "values": "SELECT * WHERE { VALUES ?s { <http://e/a> } ?s ?p ?o }",
    "trailing values": "SELECT * WHERE { ?s ?p ?o } VALUES ?s { <http://e/a> }",
    "projected expression": "SELECT (STR(?s) AS ?t) WHERE { ?s ?p ?o }",
    "concat in a filter": 'SELECT * WHERE { ?s ?p ?o FILTER(CONCAT(STR(?o), STR(?o)) = "x") }',
    "replace in a filter": 'SELECT * WHERE { ?s ?p ?o FILTER(REPLACE(STR(?o), "", "xx") = "x") }',
    "encode in a filter": 'SELECT * WHERE { ?s ?p ?o FILTER(ENCODE_FOR_URI(STR(?o)) = "x") }',
    "a comparison lexed as an IRI": "SELECT * WHERE { ?s ?p ?o FILTER(?o<CONCAT(?o,?o)>?s) }",
    "one-or-more path": "SELECT * WHERE { ?s <http://e/p>+ ?o }",
    "sequence path": "SELECT * WHERE { ?s <http://e/p>/<http://e/q> ?o }",
    "inverse path": "SELECT * WHERE { ?s ^<http://e/p> ?o }",
    "blank node property list": "SELECT * WHERE { ?s <http://e/p> [ <http://e/q> ?o ] }",
    "collection": "SELECT * WHERE { ?s <http://e/p> ( 1 2 ) }",
    "describe": "DESCRIBE <http://e/a>",
    "service": "SELECT * WHERE { SERVICE <http://e/> { ?s ?p ?o } }",
    "not a query": "INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }",
    "garbage": "SELECT ?s WHERE { ?s ?p",
    "limit without a number": "SELECT * WHERE { ?s ?p ?o } LIMIT ?x",
}


@pytest.mark.parametrize("text", STREAMING)
def test_these_stream(text: str) -> None:
    assert streams(lexemes(text))


@pytest.mark.parametrize("text", NOT_STREAMING.values(), ids=NOT_STREAMING.keys())
def test_these_do_not(text: str) -> None:
    assert not streams(lexemes(text))


@pytest.mark.parametrize("text", STREAMING)
def test_a_query_cut_short_does_not_stream(text: str) -> None:
    """Every text that ends inside the grammar (after PREFIX, FROM NAMED, "x"@, ^^, FILTER(, inside the
    group...) is refused as not streaming, at whatever token it ends, and so is a LIMIT without its number."""
    lexed = lexemes(text)
    last_brace = max(at for at, (_, token, _) in enumerate(lexed) if token == "}")
    for end in range(last_brace):
        assert not streams(lexed[:end]), lexed[:end]
    if lexed[-1][0] == "number":
        assert not streams(lexed[:-1])
