"""Which focus nodes a change can affect: the reach of an incremental build's re-validation.

A SHACL-SPARQL rule's result for a focus node ``X`` depends only on triples its query can match in a
solution that binds ``$this`` to ``X``. Such a solution binds every triple pattern of one conjunctive branch
of the query (UNIONs expanded), and the patterns of a branch chain the matched triples to ``X``. So for an
added or removed triple ``t`` that matches a pattern ``e`` of a branch, every affected ``X`` is found by
walking the data from ``t``'s end at ``e``, back along a chain of the branch's patterns to ``$this``, in the
union of the old and the new graph (the solution holds in one of them). This module reads the patterns
with ``rule_patterns.py`` (the project's own lexer; UNIONs expanded, property paths as single steps: sequence,
inverse, alternative, ``*``/``+``/``?`` as a closure, negated as "any predicate"), and walks every simple
chain, so the candidates are a superset of
the affected focus nodes, for the queries ``sparql_rules.is_safe`` accepts (no sub-select, ``VALUES`` or
``MINUS``: a sub-select's ``LIMIT`` or a variable it does not project would make the reach global; the
others stay with pySHACL and make an incremental build validate in full). A chain only uses patterns that
are matched whenever the changed one is: those of its own group and of the groups around it, never those
of a sibling ``OPTIONAL`` or ``(NOT) EXISTS`` (a ``NOT EXISTS`` holds precisely when its patterns are not
there to walk).

When that cannot be shown (a branch where the matched pattern is not chained to ``$this``: the rule looks at
the whole graph; a candidate that is not an IRI; a query the reader does not follow), ``candidates`` answers
``None``
and the rule is evaluated for all of its focus nodes. ``tests/test_incremental.py`` checks the result against
a full validation for every invalid fixture and for edits and deletions of an article.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

import pyoxigraph as ox
from rdflib import Literal, URIRef, Variable
from rdflib.term import Node

from publisher.pipeline import rule_patterns
from publisher.pipeline.rule_patterns import Edge
from publisher.pipeline.sparql_rules import Rule
from publisher.store.terms import to_oxigraph, to_oxigraph_subject, to_rdflib

THIS = Variable("this")
WALK_LIMIT = 500
Triple = tuple[Node, Node, Node]
Branch = tuple[Edge, ...]
Hop = tuple[Edge, bool]  # an edge and whether it is walked from source to target
Chain = tuple[Hop, ...]
Branches = tuple[Branch, ...]


def branches_of(rule: Rule) -> Branches | None:
    """The conjunctive branches of a rule as it runs: its focus nodes' target patterns (joined first, so
    a change of target membership, a new ``rdf:type`` say, reaches ``$this`` like any other pattern) joined
    with its SELECT's WHERE group; None when either is not readable (``rule_patterns.read``)."""
    selected = rule_patterns.read(rule.prefixes + rule.select)
    targets = [rule_patterns.read(f"SELECT $this WHERE {{ {target} }}") for target in rule.targets]
    if selected is None or any(target is None for target in targets):
        return None
    return tuple(t + s for target in targets for t in target or () for s in selected)


class Graphs:
    """The union of the new store and the removed triples: every chain that held before or holds now."""

    def __init__(self, store: ox.Store, removed: Iterable[Triple]) -> None:
        self.store = store
        self.removed_from: dict[Node, list[tuple[Node, Node]]] = {}  # subject -> (predicate, object)
        self.removed_to: dict[Node, list[tuple[Node, Node]]] = {}  # object -> (predicate, subject)
        for s, p, o in removed:
            self.removed_from.setdefault(s, []).append((p, o))
            self.removed_to.setdefault(o, []).append((p, s))

    def step(self, node: Node, predicate: URIRef | None, forward: bool) -> set[Node]:
        if isinstance(node, Literal) and forward:
            return set()
        p = ox.NamedNode(predicate) if predicate is not None else None
        if forward:
            quads = self.store.quads_for_pattern(to_oxigraph_subject(node), p, None, None)
            found = {to_rdflib(q.object) for q in quads}
        else:
            found = {
                to_rdflib(q.subject) for q in self.store.quads_for_pattern(None, p, to_oxigraph(node), None)
            }
        removed = (self.removed_from if forward else self.removed_to).get(node, [])
        found.update(other for q, other in removed if predicate is None or q == predicate)
        return found


def candidates(
    branches: Branches | None, changed: Collection[Triple], graphs: Graphs, only_iris: bool = False
) -> set[URIRef] | None:
    """Focus nodes whose result may differ after ``changed`` (added and removed triples); None: all of them.
    A candidate that is not an IRI makes it all of them, unless ``only_iris`` (focus nodes that can only be
    IRIs, such as pages' subjects: then it is left out)."""
    if branches is None:
        return None
    found: set[Node] = set()
    for branch in branches:
        for edge in branch:
            hits = [t for t in changed if edge.matches(t)]
            if not hits:
                continue
            options = _chains_from(edge, branch)
            if not options:
                return None
            for s, _p, o in hits:
                found |= _reach_of(s, o, options, graphs)
    return _iris(found, only_iris)


def _iris(found: set[Node], only_iris: bool) -> set[URIRef] | None:
    iris = {node for node in found if isinstance(node, URIRef)}
    return iris if only_iris or len(iris) == len(found) else None


def binding(node: Node, branches: Branches | None, graphs: Graphs) -> set[URIRef] | None:
    """Focus nodes (IRIs) with a solution that can bind ``node`` to a variable of the branches (what a page
    shows by name: when its label changes, those pages change); None: all of them. Walked from every
    variable, through the patterns matched whenever the one binding it is, back to ``$this``."""
    if branches is None:
        return None
    found: set[Node] = set()
    for branch in branches:
        starts = {
            (end, tuple(other for other in branch if edge.sees(other)))
            for edge in branch
            for end in (edge.source, edge.target)
            if isinstance(end, Variable) and end != THIS
        }
        for variable, visible in starts:
            found |= _walk_all({node}, _simple_chains(variable, visible, set()), graphs, None) or set()
    return _iris(found, only_iris=True)


def _reach_of(s: Node, o: Node, options: list[tuple[str, list[Chain]]], graphs: Graphs) -> set[Node]:
    """What one changed triple reaches. Each end gives a superset of the affected nodes, so their
    intersection does too; the end with the shortest chains is walked first, another end only while the
    result is over ``WALK_LIMIT`` nodes, and given up once its own frontier is larger (a hub)."""
    best: set[Node] | None = None
    for start, chains in sorted(options, key=lambda option: min(len(c) for c in option[1])):
        if best is not None and len(best) <= WALK_LIMIT:
            break
        limit = None if best is None else len(best)
        reached = _walk_all({s if start == "source" else o}, chains, graphs, limit)
        if reached is not None:
            best = reached if best is None else best & reached
    assert best is not None, "the first end is walked without a limit"
    return best


def _walk_all(start: set[Node], chains: list[Chain], graphs: Graphs, limit: int | None) -> set[Node] | None:
    found: set[Node] = set()
    for chain in chains:
        reached = _walk(start, chain, graphs, limit)
        if reached is None:
            return None
        found |= reached
    return found


def _chains_from(edge: Edge, branch: Branch) -> list[tuple[str, list[Chain]]]:
    """From each end of a matched triple, the chains of the branch that lead to ``$this``.

    A plain edge binds the triple's subject to its source and its object to its target, so the walk may
    start at either end. A repeated edge (``p*``) may match a triple anywhere along the repetition: the
    walk first takes the closure back to the pattern's source (or forward to its target). An end with no
    chain is left out; no end at all means the pattern is not tied to ``$this``.
    """
    options = []
    for start, node, forward in (("source", edge.source, False), ("target", edge.target, True)):
        head: Chain = ((edge, forward),) if edge.repeated else ()
        visible = tuple(other for other in branch if edge.sees(other))
        chains = [head + rest for rest in _simple_chains(node, visible, {edge})]
        if chains:
            options.append((start, chains))
    return options


def _simple_chains(start: Node, branch: Branch, used: set[Edge]) -> list[Chain]:
    """Every simple chain of the branch's edges from ``start`` to ``$this`` (the empty chain if it is ``$this``)."""
    if start == THIS:
        return [()]
    chains: list[Chain] = []
    for edge in branch:
        if edge in used:
            continue
        for here, there, forward in ((edge.source, edge.target, True), (edge.target, edge.source, False)):
            if here == start and (isinstance(there, Variable) or there == THIS):
                chains.extend(
                    ((edge, forward),) + rest for rest in _simple_chains(there, branch, used | {edge})
                )
    return chains


def _walk(nodes: set[Node], chain: Chain, graphs: Graphs, limit: int | None = None) -> set[Node] | None:
    """The nodes at the end of ``chain`` from ``nodes``; None once a frontier exceeds ``limit``."""
    for edge, forward in chain:
        nodes = _hop(nodes, edge, forward, graphs)
        if limit is not None and len(nodes) > limit:
            return None
        if not nodes:
            break
    return nodes


def _hop(nodes: set[Node], edge: Edge, forward: bool, graphs: Graphs) -> set[Node]:
    if not edge.repeated:
        return {n for node in nodes for n in graphs.step(node, edge.predicate, forward)}
    reached, frontier = set(nodes), set(nodes)  # the closure: zero or more steps
    while frontier:
        frontier = {n for node in frontier for n in graphs.step(node, edge.predicate, forward)} - reached
        reached |= frontier
    return reached
