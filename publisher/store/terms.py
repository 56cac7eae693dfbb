"""rdflib terms <-> pyoxigraph terms, terms bound into a query's text, and registry formats ->
pyoxigraph's, in one place.

rdflib is the currency of the publisher's Python API (``SelectResult`` rows, bindings, pySHACL input);
pyoxigraph is the engine. Plain ``xsd:string`` literals become rdflib literals *without* a datatype,
which is what rdflib's own parsers produce, so both sides compare equal after a round trip.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Identifier, Node

from publisher.errors import PublisherError
from publisher.formats import Format, Kind
from publisher.sparql_text import insert_in_where

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
OxSubject = ox.NamedNode | ox.BlankNode | ox.Triple


class InvalidTerm(PublisherError):
    """A bound value is not a valid RDF term (e.g. an IRI containing ``>`` or a space).

    pyoxigraph refuses such terms, so they can never reach a query's text; the caller gets a 400.
    """

    status, title = 400, "Invalid RDF term"


@lru_cache(maxsize=65_536)
def to_rdflib(term: OxTerm | ox.DefaultGraph) -> Node:
    """A pyoxigraph term as an rdflib term (RDF-star triples are not supported by the publisher).

    Cached: both kinds of term are immutable, and rdflib's constructors validate every IRI and language
    tag with regular expressions, which measured as a third of an entity page's time."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        return (
            Literal(term.value) if datatype == XSD_STRING else Literal(term.value, datatype=URIRef(datatype))
        )
    raise TypeError(f"unsupported term {term!r}")


def to_oxigraph(term: Identifier | Node) -> OxTerm:
    """An rdflib term as a pyoxigraph term, e.g. to bind a variable through ``substitutions``."""
    try:
        return _to_oxigraph(term)
    except ValueError as err:  # pyoxigraph validates IRIs and language tags
        raise InvalidTerm(f"{term!r}: {err}") from err


def _to_oxigraph(term: Identifier | Node) -> OxTerm:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None and str(term.datatype) != RDF_LANG_STRING:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"cannot convert {term!r} to a pyoxigraph term")


def to_oxigraph_subject(term: Identifier | Node) -> OxSubject:
    """An rdflib term that can be a subject (not a literal) as a pyoxigraph term, for a pattern lookup."""
    found = to_oxigraph(term)
    if isinstance(found, ox.Literal):
        raise InvalidTerm(f"a literal ({term!r}) cannot be a subject")
    return found


def serialized(data: bytes | None) -> bytes:
    """pyoxigraph's serializers return the bytes when given no output; their stubs say ``bytes | None``."""
    if data is None:
        raise ValueError("the serializer wrote to an output instead of returning bytes")
    return data


def substitutions(bindings: dict[str, Identifier] | None) -> dict[ox.Variable, OxTerm] | None:
    """Bindings keyed by variable name (with or without ``?``) as pyoxigraph ``substitutions``."""
    if not bindings:
        return None
    return {ox.Variable(name.lstrip("?$")): to_oxigraph(value) for name, value in bindings.items()}


def rdf_format(fmt: Format) -> ox.RdfFormat:
    """pyoxigraph's parser/serializer of an RDF format of the registry (``publisher/formats.py``)."""
    if not fmt.is_rdf or fmt.oxigraph is None:
        raise ValueError(f"{fmt.label} is not an RDF syntax")
    return getattr(ox.RdfFormat, fmt.oxigraph)  # type: ignore[no-any-return]


def results_format(fmt: Format) -> ox.QueryResultsFormat:
    """pyoxigraph's parser/serializer of a SPARQL results format of the registry."""
    if fmt.kind is not Kind.RESULTS or fmt.oxigraph is None:
        raise ValueError(f"{fmt.label} is not a SPARQL results format")
    return getattr(ox.QueryResultsFormat, fmt.oxigraph)  # type: ignore[no-any-return]


def with_bindings(query: str, bindings: Mapping[str, Identifier]) -> str:
    """For an engine that cannot bind values (a remote endpoint, a query process): ``query`` with
    ``VALUES (?a ?b) { (...) }`` as the first element of its outermost WHERE group, or as a trailing VALUES
    clause where a group cannot take it (``CONSTRUCT WHERE {...}``, ``DESCRIBE ?x``)."""
    if not bindings:
        return query
    names = " ".join("?" + name.lstrip("?$") for name in bindings)
    values = f"VALUES ({names}) {{ ({' '.join(render(term) for term in bindings.values())}) }}"
    return insert_in_where(query, values) or f"{query}\n {values} "


def render(term: Identifier) -> str:
    """A term as SPARQL text, via pyoxigraph (validated IRI, escaped literal); blank nodes are refused."""
    if isinstance(term, BNode):
        raise InvalidTerm(f"a blank node ({term}) cannot be written into a query's text")
    return str(to_oxigraph(term))
