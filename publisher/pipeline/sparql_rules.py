"""SHACL-SPARQL constraints evaluated once over the whole data graph by pyoxigraph, instead of once per focus
node by pySHACL.

Why: pySHACL runs a constraint's SELECT with rdflib's engine once per focus node, over the whole graph, so
the cost grows with focus nodes x graph size. Measured with ``benchmarks.generate`` (one core):
validation took 4.4 s for the 929-triple seed (4.2 s of it the SPARQL rules, 0.2 s the core shapes) and
187 s for 10k triples, while parsing took 0.04 s and 0.16 s. Every build, incremental or not, pays it.

How: for a node shape with ``sh:targetClass`` (or ``sh:targetNode``, ``sh:targetSubjectsOf``,
``sh:targetObjectsOf``), the SELECT runs once with the focus nodes joined in as a sub-select
``{ SELECT DISTINCT $this WHERE { $this rdf:type/rdfs:subClassOf* C } }``
placed first in the WHERE group, so every solution binds ``$this`` before the group's filters, OPTIONALs
and ``EXISTS`` run. That equals SHACL's pre-binding of ``$this`` only where ``$this`` is bound by the outer
group whenever it is used, so a constraint goes this way only if its query has no sub-select, ``MINUS``,
``VALUES``, ``SERVICE``, no ``$PATH``/``$currentShape``/``$shapesGraph``, and no ``FILTER`` or ``BIND``
inside a nested group other than an ``EXISTS`` group (``EXISTS`` substitutes the outer bindings). Any
other constraint, and constraints of property shapes or with other targets, stay with pySHACL, so the
result is never less strict. Results are written into pySHACL's report graph exactly as pySHACL writes
them (focus node, ``?value`` or the focus node as value, ``?path``, message with ``{?var}`` substituted).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from publisher.sparql_text import insert_in_where, significant, where_group_start
from publisher.store.terms import to_rdflib

UNSAFE_WORDS = frozenset({"MINUS", "VALUES", "SERVICE"})
PRE_BOUND = ("$PATH", "$currentShape", "$shapesGraph", "?PATH", "?currentShape", "?shapesGraph")
GROUP_LOCAL = frozenset({"FILTER", "BIND"})


@dataclass(frozen=True)
class Rule:
    """One SPARQL constraint of one node shape, ready to run over the whole graph."""

    shape: Node  # a node shape: an IRI, or a blank node
    constraint: Node
    prefixes: str  # PREFIX lines
    select: str  # the constraint's SELECT as written in the shapes
    targets: tuple[str, ...]  # graph patterns binding $this to the shape's targets, one per target
    messages: tuple[Literal, ...]
    severity: Node

    @property
    def query(self) -> str:
        """The SELECT over all focus nodes of the shape."""
        return self.query_for(None)

    def query_for(self, candidates: Collection[URIRef] | None) -> str:
        """The SELECT with the focus-node sub-select in place, restricted to ``candidates`` when given.

        Restricted, the candidates come first and each is checked against the targets with ``FILTER
        EXISTS``: measured at 1M triples, Oxigraph otherwise evaluates ``rdf:type/rdfs:subClassOf*`` for
        every instance before joining (200 candidates: 800 ms against 14 ms).
        """
        targets = " UNION ".join(self.targets)
        if candidates is None:
            where = targets
        else:
            where = (
                "VALUES $this { "
                + " ".join(c.n3() for c in sorted(candidates))
                + " } FILTER EXISTS { "
                + targets
                + " }"
            )
        return self.prefixes + _with_focus(self.select, "{ SELECT DISTINCT $this WHERE { " + where + " } }")


def split(shapes: Graph) -> tuple[Graph, list[Rule]]:
    """The shapes left for a SHACL validator, and the rules taken out of them to run here.

    A constraint taken from every shape that used it goes too (its ``sh:select``, message and prefixes):
    left behind it would be inert, but would make the shapes look like more than SHACL Core.
    """
    rules = [rule for shape in shapes.subjects(RDF.type, SH.NodeShape) for rule in _rules_of(shapes, shape)]
    remaining = Graph()
    for prefix, namespace in shapes.namespaces():
        remaining.bind(prefix, namespace, override=True, replace=True)
    taken = {(rule.shape, rule.constraint) for rule in rules}
    kept = {o for s, o in shapes.subject_objects(SH.sparql) if (s, o) not in taken}
    gone = {constraint for _, constraint in taken} - kept
    for triple in shapes:
        s, p, o = triple
        if (p == SH.sparql and (s, o) in taken) or s in gone:
            continue
        remaining.add(triple)
    return remaining, rules


def run(
    rules: Iterable[Rule],
    store: ox.Store,
    report: Graph,
    candidates: Mapping[Rule, Collection[URIRef]] | None = None,
) -> int:
    """Evaluate every rule over the union of the store's graphs; add results to ``report``; count them.

    With ``candidates``, a rule runs only for those focus nodes (an incremental build's reach); a rule
    missing from the mapping runs for all of its focus nodes, one with an empty collection not at all.
    """
    added = 0
    node = report.value(None, RDF.type, SH.ValidationReport)
    for rule in rules:
        restrict = None if candidates is None else candidates.get(rule)
        if restrict is not None and not restrict:
            continue
        for focus, bindings in _violations(rule.query_for(restrict), store):
            result = _add_result(report, rule, focus, bindings)
            if node is not None:
                report.add((node, SH.result, result))
            added += 1
    return added


def _rules_of(shapes: Graph, shape: Node) -> Iterator[Rule]:
    targets = _target_patterns(shapes, shape)
    if not targets or (shape, SH.path, None) in shapes or _deactivated(shapes, shape):
        return
    severity = shapes.value(shape, SH.severity) or SH.Violation
    for constraint in shapes.objects(shape, SH.sparql):
        select = shapes.value(constraint, SH.select)
        if select is None or _deactivated(shapes, constraint) or not is_safe(str(select)):
            continue
        if where_group_start(str(select)) is None:
            continue
        messages = tuple(m for m in shapes.objects(constraint, SH.message) if isinstance(m, Literal))
        yield Rule(shape, constraint, _prefixes(shapes, constraint), str(select), targets, messages, severity)


def is_safe(select: str) -> bool:
    """Whether joining focus nodes in equals pre-binding ``$this`` for this query (module docstring)."""
    if any(name in select for name in PRE_BOUND):
        return False
    selects, stack, previous = 0, list[str](), ""
    for token in significant(select):
        word = token.word
        selects += word == "SELECT"
        if word in UNSAFE_WORDS or selects > 1:
            return False
        if word in GROUP_LOCAL and len(stack) > 1 and "EXISTS" not in stack:
            return False
        if token.text == "{":
            stack.append(previous)
        elif token.text == "}" and stack:
            stack.pop()
        previous = word if token.kind == "word" else token.text
    return True


def _target_patterns(shapes: Graph, shape: Node) -> tuple[str, ...]:
    """Graph patterns binding ``$this`` to the shape's focus nodes; none for targets this module does not handle."""
    classes = [c for c in shapes.objects(shape, SH.targetClass) if isinstance(c, URIRef)]
    nodes = list(shapes.objects(shape, SH.targetNode))
    subjects_of = [p for p in shapes.objects(shape, SH.targetSubjectsOf) if isinstance(p, URIRef)]
    objects_of = [p for p in shapes.objects(shape, SH.targetObjectsOf) if isinstance(p, URIRef)]
    if (shape, SH.target, None) in shapes or not (classes or nodes or subjects_of or objects_of):
        return ()
    branches = [
        f"{{ $this <{RDF.type}>/<http://www.w3.org/2000/01/rdf-schema#subClassOf>* {c.n3()} }}"
        for c in classes
    ]
    branches += [f"{{ $this {p.n3()} ?kgpub_target_value }}" for p in subjects_of]
    branches += [f"{{ ?kgpub_target_value {p.n3()} $this }}" for p in objects_of]
    if nodes:
        branches.append("{ VALUES $this { " + " ".join(n.n3() for n in nodes) + " } }")
    return tuple(branches)


def _with_focus(select: str, focus: str) -> str:
    focused = insert_in_where(select, focus)
    assert focused is not None, "rules are only made of SELECTs with a WHERE group"
    return focused


def _prefixes(shapes: Graph, constraint: Node) -> str:
    lines = []
    for owner in shapes.objects(constraint, SH.prefixes):
        for declaration in shapes.objects(owner, SH.declare):
            prefix, namespace = shapes.value(declaration, SH.prefix), shapes.value(declaration, SH.namespace)
            if prefix is not None and namespace is not None:
                lines.append(f"PREFIX {prefix}: <{namespace}>\n")
    return "".join(sorted(set(lines)))


def _deactivated(shapes: Graph, node: Node) -> bool:
    flag = shapes.value(node, SH.deactivated)
    return isinstance(flag, Literal) and flag.toPython() is True


def _violations(query: str, store: ox.Store) -> Iterator[tuple[Node, dict[str, Node]]]:
    """Distinct solutions (rdflib sees one graph, where a triple stated in two named graphs is one)."""
    seen = set()
    solutions = store.query(query, use_default_graph_as_union=True)
    names = [v.value for v in solutions.variables]  # type: ignore[union-attr]
    for solution in solutions:  # type: ignore[union-attr]
        bindings = {name: to_rdflib(solution[name]) for name in names if solution[name] is not None}
        key = tuple(sorted(bindings.items()))
        if "this" in bindings and key not in seen:
            seen.add(key)
            yield bindings["this"], bindings


def _add_result(report: Graph, rule: Rule, focus: Node, bindings: dict[str, Node]) -> BNode:
    """One ``sh:ValidationResult``, as pySHACL's ``make_v_result`` writes it for a node shape."""
    result = BNode()
    for p, o in (
        (RDF.type, SH.ValidationResult),
        (SH.sourceConstraintComponent, SH.SPARQLConstraintComponent),
        (SH.sourceShape, rule.shape),
        (SH.resultSeverity, rule.severity),
        (SH.focusNode, focus),
        (SH.value, bindings.get("value", focus)),
        (SH.sourceConstraint, rule.constraint),
    ):
        report.add((result, p, o))
    if "path" in bindings:
        report.add((result, SH.resultPath, bindings["path"]))
    for message in rule.messages:
        report.add((result, SH.resultMessage, Literal(fill(str(message), bindings))))
    return result


def fill(message: str, bindings: dict[str, Node]) -> str:
    """``{?var}`` / ``{$var}`` replaced by the bound value's lexical form, as pySHACL does."""
    for name, value in bindings.items():
        message = re.sub(r"\{[?$]" + re.escape(name) + r"\}", _constant(str(value)), message)
    return message


def _constant(text: str) -> Callable[[re.Match[str]], str]:
    """A replacement that inserts ``text`` as it is (a replacement string would read its backslashes)."""
    return lambda _match: text
