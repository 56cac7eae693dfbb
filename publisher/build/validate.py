"""SHACL validation of a parsed project with pySHACL, reported in terms a data editor can act on.

Shapes see one graph: the union of all data graphs plus the ontology, so ``sh:targetClass`` and
``sh:class`` follow the ontology's ``rdfs:subClassOf`` and ``rdf:type`` of its role concepts (pySHACL
mixes an ``ont_graph`` in only when inference runs; measured: RDFS inference adds nothing the shapes
need, at several times the cost, so none is run). Each result names
the source file(s) that describe its focus node. Warnings and infos are reported but do not fail a build.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import pyshacl
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from publisher.build import sparql_rules
from publisher.build.load import Project
from publisher.settings import ONTOLOGY_IRI

SEVERITY_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}


@dataclass(frozen=True)
class ValidationResult:
    severity: str  # "Violation", "Warning" or "Info"
    focus_node: Node
    path: Node | None
    value: Node | None
    message: str
    source_shape: Node
    constraint: str  # the constraint component's local name, e.g. "MinCountConstraintComponent"
    files: tuple[str, ...]  # project-relative files describing the focus node


@dataclass(frozen=True)
class ValidationReport:
    results: tuple[ValidationResult, ...]
    graph: Graph  # the SHACL report graph, published as validation-report.ttl
    shapes: Graph

    @property
    def conforms(self) -> bool:
        """True when there is no violation; warnings and infos do not fail the build."""
        return not self.violations

    @property
    def violations(self) -> list[ValidationResult]:
        return [r for r in self.results if r.severity == "Violation"]

    @property
    def warnings(self) -> list[ValidationResult]:
        return [r for r in self.results if r.severity != "Violation"]

    def summary(self) -> str:
        counts = {name: sum(1 for r in self.results if r.severity == name) for name in SEVERITY_ORDER}
        parts = [f"{n} {name.lower()}{'s' if n != 1 else ''}" for name, n in counts.items() if n]
        verdict = "conforms" if self.conforms else "does NOT conform"
        return f"SHACL validation: data {verdict}" + (f" ({', '.join(parts)})" if parts else "")

    def text(self) -> str:
        """A readable report: one block per result, violations first, each naming its file."""
        blocks = [self.summary()]
        blocks.extend(_render(result, self.graph, self.shapes) for result in self.results)
        return "\n\n".join(blocks) + "\n"


def validate(project: Project, fast_rules: bool = True) -> ValidationReport:
    """Validate the union of the data graphs (plus the ontology) against all shapes.

    With ``fast_rules`` the SHACL-SPARQL constraints that allow it run once over the whole graph in
    pyoxigraph (``sparql_rules.py``: same results, from quadratic to about linear); pySHACL runs the rest.
    """
    data = project.rdflib_graph([*project.data_graphs, ONTOLOGY_IRI])
    shapes = project.rdflib_shapes()
    for_pyshacl, rules = sparql_rules.split(shapes) if fast_rules else (shapes, [])
    _, report_graph, _ = pyshacl.validate(  # inplace: ``data`` is a throwaway copy, so pySHACL need not clone it
        data, shacl_graph=for_pyshacl, inference="none", advanced=True, allow_warnings=True, inplace=True
    )
    sparql_rules.run(rules, project.store, report_graph)
    _set_conforms(report_graph)
    for prefix, namespace in data.namespaces():
        report_graph.bind(prefix, namespace, override=False)
    results = sorted(_results(report_graph, project), key=_sort_key)
    return ValidationReport(results=tuple(results), graph=report_graph, shapes=shapes)


def _set_conforms(report: Graph) -> None:
    """``sh:conforms`` over all results, as pySHACL with ``allow_warnings`` decides it: no violation."""
    node = report.value(None, RDF.type, SH.ValidationReport)
    if node is None:
        return
    violated = any((result, SH.resultSeverity, SH.Violation) in report for result in report.objects(node, SH.result))
    report.set((node, SH.conforms, Literal(not violated)))


def _results(report: Graph, project: Project) -> Iterable[ValidationResult]:
    for node in report.subjects(RDF.type, SH.ValidationResult):
        focus = report.value(node, SH.focusNode)
        severity = report.value(node, SH.resultSeverity)
        component = report.value(node, SH.sourceConstraintComponent)
        messages = sorted(str(m) for m in report.objects(node, SH.resultMessage))
        yield ValidationResult(
            severity=_local_name(severity) if severity is not None else "Violation",
            focus_node=focus,  # type: ignore[arg-type]
            path=report.value(node, SH.resultPath),
            value=report.value(node, SH.value),
            message="; ".join(messages) or "(no message)",
            source_shape=report.value(node, SH.sourceShape),  # type: ignore[arg-type]
            constraint=_local_name(component) if component is not None else "",
            files=project.files_of(focus) if focus is not None else (),
        )


def _sort_key(result: ValidationResult) -> tuple[int, tuple[str, ...], str, str]:
    return (SEVERITY_ORDER.get(result.severity, 3), result.files, str(result.focus_node), result.message)


def _render(result: ValidationResult, report: Graph, shapes: Graph) -> str:
    where = ", ".join(result.files) or "(no source file describes this node)"
    lines = [
        f"{result.severity.upper()} in {where}",
        f"  focus node: {_term(result.focus_node, report)}",
    ]
    if result.path is not None:
        lines.append(f"  path: {_term(result.path, report)}")
    if result.value is not None:
        lines.append(f"  value: {_term(result.value, report)}")
    lines.append(f"  message: {result.message}")
    lines.append(f"  shape: {_shape_label(result.source_shape, shapes)} ({result.constraint})")
    return "\n".join(lines)


def _shape_label(shape: Node, shapes: Graph) -> str:
    """A named shape as its prefixed name; a blank property shape as ``<node shape> / <path>``."""
    if not isinstance(shape, BNode):
        return _term(shape, shapes)
    parent = next(shapes.subjects(SH.property, shape), None)
    path = shapes.value(shape, SH.path)
    owner = _term(parent, shapes) if parent is not None else "[]"
    return f"{owner} / {_term(path, shapes) if path is not None else 'property'}"


def _term(node: Node, graph: Graph) -> str:
    if isinstance(node, URIRef):
        try:
            return graph.namespace_manager.normalizeUri(node)
        except Exception:  # rdflib cannot abbreviate every IRI; the full form is always correct
            return f"<{node}>"
    if isinstance(node, Literal):
        return node.n3(graph.namespace_manager)
    if isinstance(node, BNode):
        return "[complex path]" if graph.value(node, RDF.first) or graph.value(node, SH.inversePath) else f"_:{node}"
    return str(node)


def _local_name(iri: Node) -> str:
    text = str(iri)
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
