"""SHACL validation of a parsed project (pySHACL, or faster engines giving the same results), reported in
terms a data editor can act on.

Shapes see one graph: the union of all data graphs plus the ontology, so ``sh:targetClass`` and
``sh:class`` follow the ontology's ``rdfs:subClassOf`` and ``rdf:type`` of its role concepts (pySHACL
mixes an ``ont_graph`` in only when inference runs; measured: RDFS inference adds nothing the shapes
need, at several times the cost, so none is run). Each result names
the source file(s) that describe its focus node. Warnings and infos are reported but do not fail a build.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pyshacl
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from publisher.pipeline import core_shacl, reach, sparql_rules
from publisher.pipeline.load import Project
from publisher.settings import ONTOLOGY_IRI
from publisher.store.terms import to_oxigraph, to_oxigraph_subject, to_rdflib

Triple = tuple[Node, Node, Node]
RDF_TYPE = ox.NamedNode(str(RDF.type))

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


def validate(project: Project, fast: bool = True, union: Path | None = None) -> ValidationReport:
    """Validate the union of the data graphs (plus the ontology) against all shapes.

    With ``fast`` (the default) the SHACL-SPARQL constraints that allow it run once over the whole graph
    in pyoxigraph (``sparql_rules.py``: same results, from quadratic to about linear), and SHACL Core
    shapes run in the ``shacl`` engine (``core_shacl.py``: same results, about 60x faster at 1M triples);
    pySHACL runs whatever is left. Without it, pySHACL runs everything: the reference the tests compare to.
    ``union``: an N-Quads file of the store's quads, if the caller has one (the engine reads a file).
    """
    shapes = project.rdflib_shapes()
    remaining, rules = sparql_rules.split(shapes) if fast else (shapes, [])
    if fast and core_shacl.handles(remaining):
        report_graph = (
            core_shacl.validate_file(union, remaining)
            if union is not None
            else core_shacl.validate(project.store, remaining)
        )
    else:
        data = project.rdflib_graph([*project.data_graphs, ONTOLOGY_IRI])
        _, report_graph, _ = (
            pyshacl.validate(  # inplace: ``data`` is a throwaway copy, so pySHACL need not clone it
                data,
                shacl_graph=remaining,
                inference="none",
                advanced=True,
                allow_warnings=True,
                inplace=True,
            )
        )
    sparql_rules.run(rules, project.store, report_graph)
    _set_conforms(report_graph)
    for prefix, namespace in project.prefixes.items():
        report_graph.bind(prefix, namespace, override=False)
    results = sorted(_results(report_graph, project.files_of), key=_sort_key)
    return ValidationReport(results=tuple(results), graph=report_graph, shapes=shapes)


# Core constructs whose result for a focus node depends only on its own triples (with inverse paths, the
# triples pointing at it) and the rdf:type of its values. Anything that applies a shape to the values
# (sh:node, qualified shapes, a property shape inside a property shape, a logical constraint of a property
# shape whose members have paths) or that is SHACL-AF makes ``validate_changes`` decline (None), and the
# build validates everything.
NON_LOCAL = (
    SH.node,
    SH.qualifiedValueShape,
    SH.targetObjectsOf,
    SH.target,
    SH.sparql,
    SH.rule,
    URIRef(str(SH) + "expression"),
)
LOGICAL = (SH["or"], SH["and"], SH.xone, SH["not"])


def validate_changes(
    store: ox.Store,
    shapes: Graph,
    changed: list[Triple],
    removed: list[Triple],
    previous: Graph,
    files_of: Callable[[Node], tuple[str, ...]],
) -> ValidationReport | None:
    """Validate what ``changed`` (added and removed triples) can reach in ``store``, the patched graph.

    Core shapes run in pySHACL on the focus nodes whose own triples changed (plus, for a node whose type
    changed, the nodes pointing at it), over just their neighbourhood; SHACL-SPARQL rules run in pyoxigraph
    on the candidates ``reach`` finds. Results of the previous report for nodes not re-validated are kept
    (a conforming release has only warnings). None when the shapes reach further than this handles.
    """
    core, rules = sparql_rules.split(shapes)
    inverse = _local_inverse_paths(core)
    if inverse is None:
        return None
    focus = _core_focus(store, changed, removed, inverse)
    report_graph = _empty_report()
    if focus:  # not pySHACL's focus_nodes: 0.40 also filters the value nodes of nested shapes (sh:or) by it
        data = _neighbourhood(store, focus, inverse)
        _, report_graph, _ = pyshacl.validate(
            data, shacl_graph=core, inference="none", advanced=True, allow_warnings=True, inplace=True
        )
        _keep_results_for(report_graph, focus)
    graphs = reach.Graphs(store, removed)
    candidates = {rule: reach.candidates(reach.branches_of(rule), changed, graphs) for rule in rules}
    sparql_rules.run(rules, store, report_graph, {r: c for r, c in candidates.items() if c is not None})
    _keep_previous(previous, report_graph, focus, candidates)
    _set_conforms(report_graph)
    for prefix, namespace in shapes.namespaces():
        report_graph.bind(prefix, namespace, override=False)
    results = sorted(_results(report_graph, files_of), key=_sort_key)
    return ValidationReport(results=tuple(results), graph=report_graph, shapes=shapes)


def _local_inverse_paths(core: Graph) -> set[URIRef] | None:
    """Predicates of the core shapes' inverse paths; None if a shape uses a non-local construct or path."""
    if any((None, p, None) in core for p in NON_LOCAL) or _shapes_values(core):
        return None
    inverse: set[URIRef] = set()
    for path in core.objects(None, SH.path):
        if isinstance(path, URIRef):
            continue
        step = core.value(path, SH.inversePath)
        if not isinstance(step, URIRef) or len(list(core.predicate_objects(path))) != 1:
            return None  # sequence, alternative or repeated paths reach further
        inverse.add(step)
    return inverse


def _shapes_values(core: Graph) -> bool:
    """Whether a property shape applies further shapes with paths to its values (they reach past them)."""
    for shape in set(core.subjects(SH.path, None)):
        if (shape, SH.property, None) in core:
            return True
        for logical in LOGICAL:
            for members in core.objects(shape, logical):
                items = core.items(members) if (members, RDF.first, None) in core else [members]
                if any((m, SH.path, None) in core or (m, SH.property, None) in core for m in items):
                    return True
    return False


def _core_focus(
    store: ox.Store, changed: list[Triple], removed: list[Triple], inverse: set[URIRef]
) -> set[Node]:
    """Subjects of changed triples; objects of changed inverse-path triples; nodes pointing at a re-typed node."""
    focus: set[Node] = {s for s, _, _ in changed}
    focus |= {o for _, p, o in changed if p in inverse and not isinstance(o, Literal)}
    for node in {s for s, p, _ in changed if p == RDF.type}:
        focus |= {to_rdflib(q.subject) for q in store.quads_for_pattern(None, None, to_oxigraph(node), None)}
        focus |= {s for s, _, o in removed if o == node}
    return focus


def _neighbourhood(store: ox.Store, focus: set[Node], inverse: set[URIRef]) -> Graph:
    """What core shapes read about ``focus``: its triples, inverse-path triples into it, its values' types,
    and the ontology (class hierarchy)."""
    data = Graph()
    quads = [
        q
        for node in focus
        if not isinstance(node, Literal)
        for q in store.quads_for_pattern(to_oxigraph_subject(node), None, None, None)
    ]
    for p in inverse:
        quads += [
            q
            for node in focus
            for q in store.quads_for_pattern(None, ox.NamedNode(p), to_oxigraph(node), None)
        ]
    quads += list(store.quads_for_pattern(None, None, None, ox.NamedNode(ONTOLOGY_IRI)))
    ends = {q.object for q in quads if not isinstance(q.object, ox.Literal)} | {q.subject for q in quads}
    quads += [q for end in ends for q in store.quads_for_pattern(end, RDF_TYPE, None, None)]
    for q in quads:
        data.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
    return data


def _keep_results_for(report: Graph, focus: set[Node]) -> None:
    """Drop results about nodes outside ``focus``: the neighbourhood holds only the types of its values, so
    pySHACL's results about those values are artefacts of the cut, not findings."""
    node = report.value(None, RDF.type, SH.ValidationReport)
    for result in list(report.subjects(RDF.type, SH.ValidationResult)):
        if report.value(result, SH.focusNode) not in focus:
            report.remove((node, SH.result, result))
            report.remove((result, None, None))
    reachable, frontier = {node}, [node]
    while frontier:
        children = [
            o for o in report.objects(frontier.pop(), None) if isinstance(o, BNode) and o not in reachable
        ]
        reachable.update(children)
        frontier.extend(children)
    for orphan in {s for s in report.subjects() if isinstance(s, BNode)} - reachable:
        report.remove((orphan, None, None))


def _empty_report() -> Graph:
    report = Graph()
    node = BNode()
    report.add((node, RDF.type, SH.ValidationReport))
    report.add((node, SH.conforms, Literal(True)))
    return report


def _keep_previous(
    previous: Graph,
    report: Graph,
    core_focus: set[Node],
    candidates: Mapping[sparql_rules.Rule, set[URIRef] | None],
) -> None:
    """Copy the previous report's results for the nodes and rules this validation did not look at again."""
    rule_reach: dict[Node, set[URIRef] | None] = {}
    for rule, found in candidates.items():
        known = rule_reach.get(rule.shape, set())
        rule_reach[rule.shape] = None if found is None or known is None else known | found
    node = report.value(None, RDF.type, SH.ValidationReport)
    for result in previous.subjects(RDF.type, SH.ValidationResult):
        focus, shape = previous.value(result, SH.focusNode), previous.value(result, SH.sourceShape)
        if shape in rule_reach:
            reached = rule_reach[shape]
            if reached is None or focus in reached:
                continue
        elif focus in core_focus:
            continue
        for triple in previous.triples((result, None, None)):
            report.add(triple)
        if node is not None:
            report.add((node, SH.result, result))


def _set_conforms(report: Graph) -> None:
    """``sh:conforms`` over all results, as pySHACL with ``allow_warnings`` decides it: no violation."""
    node = report.value(None, RDF.type, SH.ValidationReport)
    if node is None:
        return
    violated = any(
        (result, SH.resultSeverity, SH.Violation) in report for result in report.objects(node, SH.result)
    )
    report.set((node, SH.conforms, Literal(not violated)))


def _results(report: Graph, files_of: Callable[[Node], tuple[str, ...]]) -> Iterable[ValidationResult]:
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
            files=files_of(focus) if focus is not None else (),
        )


def _sort_key(result: ValidationResult) -> tuple[object, ...]:
    """A total order, so a report reads the same however the report graph was filled."""
    return (
        SEVERITY_ORDER.get(result.severity, 3),
        result.files,
        str(result.focus_node),
        result.message,
        result.constraint,
        str(result.path),
        str(result.value),
        "" if isinstance(result.source_shape, BNode) else str(result.source_shape),
    )


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
    lines.append(f"  message: {_compact_iris(result.message, report)}")
    lines.append(f"  shape: {_shape_label(result.source_shape, shapes)} ({result.constraint})")
    return "\n".join(lines)


def _compact_iris(message: str, graph: Graph) -> str:
    """A message with the IRIs a rule filled in written as the report names nodes (``p:hu-qinghua``), so
    that a focus node and the same node in its message read alike."""
    return _IRI_IN_TEXT.sub(lambda found: _term(URIRef(found.group(0)), graph), message)


_IRI_IN_TEXT = re.compile(r"https?://[^\s,;()<>'\"{}]+(?<![.:])")


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
        return (
            "[complex path]"
            if graph.value(node, RDF.first) or graph.value(node, SH.inversePath)
            else f"_:{node}"
        )
    return str(node)


def _local_name(iri: Node) -> str:
    text = str(iri)
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
