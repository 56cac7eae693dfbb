"""SHACL Core shapes checked by the ``shacl`` engine (Rust, PyPI ``shacl``) instead of pySHACL.

Why: pySHACL walks rdflib graphs in Python; on a 1M-triple archive the project's core shapes took it
about 190 s, where ``shacl`` takes about 3 s on the same union of graphs (2.8 s, plus 1.1 s for
pyoxigraph to write the N-Quads it reads; ``benchmarks.run``). pyrudof was measured too: 58 s and 10 GiB.

Trust: the engine is young, so it is used only for shapes made of SHACL Core terms
(``handles``; anything else, SHACL-SPARQL left over, SHACL-AF, custom components, goes to pySHACL), and
``tests/test_core_shacl.py`` checks that it reports what pySHACL reports on the project's shapes and
invalid fixtures, and what the W3C SHACL Core test suite expects, case by case.

The report is read back into an rdflib graph shaped like pySHACL's, so everything downstream (the text
report, ``validation-report.ttl``) does not know which engine ran: blank property shapes are named for
the engine (``urn:kgpub:shape:N``, a legal shape name) and named back afterwards, because a blank node
cannot survive the trip and the report names a property shape by its node shape and path.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import cast

import pyoxigraph as ox
import shacl
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

SKOLEM = "urn:kgpub:shape:"

# The SHACL vocabulary a shapes graph may use for the engine to run it: SHACL Core (targets, shapes,
# paths, every core constraint component, non-validating properties) and the prefix declarations that
# SHACL-SPARQL constraints (run apart, see ``sparql_rules``) leave behind.
CORE_PREDICATES = frozenset(
    SH[name]
    for name in (
        "targetClass",
        "targetNode",
        "targetObjectsOf",
        "targetSubjectsOf",
        "property",
        "path",
        "deactivated",
        "severity",
        "message",
        "inversePath",
        "alternativePath",
        "zeroOrMorePath",
        "oneOrMorePath",
        "zeroOrOnePath",
        "class",
        "datatype",
        "nodeKind",
        "minCount",
        "maxCount",
        "minExclusive",
        "minInclusive",
        "maxExclusive",
        "maxInclusive",
        "minLength",
        "maxLength",
        "pattern",
        "flags",
        "languageIn",
        "uniqueLang",
        "equals",
        "disjoint",
        "lessThan",
        "lessThanOrEquals",
        "not",
        "and",
        "or",
        "xone",
        "node",
        "qualifiedValueShape",
        "qualifiedMinCount",
        "qualifiedMaxCount",
        "qualifiedValueShapesDisjoint",
        "closed",
        "ignoredProperties",
        "hasValue",
        "in",
        "name",
        "description",
        "order",
        "group",
        "defaultValue",
        "declare",
        "prefix",
        "namespace",
        "prefixes",
    )
)


def handles(shapes: Graph) -> bool:
    """Whether every SHACL term the shapes use as a predicate is SHACL Core (what the engine is tested on)."""
    used = {p for p in shapes.predicates(None, None, unique=True) if str(p).startswith(str(SH))}
    return used <= CORE_PREDICATES


def validate(store: ox.Store, shapes: Graph) -> Graph:
    """Validate the union of all graphs in ``store`` against ``shapes``; the report as pySHACL shapes it."""
    with tempfile.TemporaryDirectory(prefix="kgpub-shacl-") as folder:
        data = Path(folder) / "union.nq"  # N-Quads: every graph, read as one data graph
        store.dump(output=str(data), format=ox.RdfFormat.N_QUADS)
        return validate_file(data, shapes)


def validate_file(data: Path, shapes: Graph) -> Graph:
    """Validate the RDF file ``data`` (syntax by extension: .nq, .nt, .ttl...) against ``shapes``."""
    named, original = _name_blank_shapes(shapes)
    compiled = shacl.Shapes.from_text(named.serialize(format="nt"), format="ntriples")
    report = compiled.validate_file(str(data))
    graph = Graph(bind_namespaces="core").parse(data=report.serialize("ntriples"), format="nt")  # as pySHACL
    _restore_shapes(graph, shapes, original)
    return graph


def _name_blank_shapes(shapes: Graph) -> tuple[Graph, dict[URIRef, BNode]]:
    """A copy of ``shapes`` with every blank node that is a shape (has ``sh:path``, or is a value of
    ``sh:property``) given an IRI; returns it and the IRI -> original blank node map."""
    blank = {n for n in shapes.subjects(SH.path, None) if isinstance(n, BNode)}
    blank |= {n for n in shapes.objects(None, SH.property) if isinstance(n, BNode)}
    names = {node: URIRef(f"{SKOLEM}{index}") for index, node in enumerate(sorted(blank))}
    named, rename = Graph(), cast(dict[Node, Node], names)
    for s, p, o in shapes:
        named.add((rename.get(s, s), p, rename.get(o, o)))
    return named, {iri: node for node, iri in names.items()}


def _restore_shapes(report: Graph, shapes: Graph, original: dict[URIRef, BNode]) -> None:
    """Give each result its original source shape and, for a complex path, the shapes graph's own path
    description (what pySHACL's report holds), so reports read the same whichever engine made them."""
    for result in list(report.subjects(RDF.type, SH.ValidationResult)):
        named = report.value(result, SH.sourceShape)
        shape = original.get(named, named) if isinstance(named, URIRef) else named
        if shape is not named and shape is not None:
            report.set((result, SH.sourceShape, shape))
        path = report.value(result, SH.resultPath)
        own = shapes.value(shape, SH.path)
        if isinstance(path, BNode) and own is not None:
            report.set((result, SH.resultPath, own))
            _move_description(report, path, report, remove=True)
            _move_description(shapes, own, report)


def _move_description(source: Graph, node: Node, target: Graph, remove: bool = False) -> None:
    """Copy (or with ``remove``, delete) the triples describing ``node`` in ``source`` and, recursively,
    its blank objects (a path, a list)."""
    stack, seen = [node], set()
    while stack:
        subject = stack.pop()
        if subject in seen:
            continue
        seen.add(subject)
        for p, o in list(source.predicate_objects(subject)):
            if remove:
                target.remove((subject, p, o))
            else:
                target.add((subject, p, o))
            if isinstance(o, BNode):
                stack.append(o)
