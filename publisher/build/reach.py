"""Which focus nodes a change can affect: the reach of an incremental build's re-validation.

A SHACL-SPARQL rule's result for a focus node ``X`` depends only on triples its query can match in a
solution that binds ``$this`` to ``X``. Such a solution binds every triple pattern of one conjunctive branch
of the query (UNIONs expanded), and the patterns of a branch chain the matched triples to ``X``. So for an
added or removed triple ``t`` that matches a pattern ``e`` of a branch, every affected ``X`` is found by
walking the data from ``t``'s end at ``e``, back along a chain of the branch's patterns to ``$this``, in the
union of the old and the new graph (the solution holds in one of them). This module reads the patterns
from rdflib's SPARQL parser, expands UNIONs and property paths (sequence, inverse, alternative, ``*``/``+``/``?``
as a closure, negated as "any predicate"), and walks every simple chain, so the candidates are a superset of
the affected focus nodes.

When that cannot be shown (a branch where the matched pattern is not chained to ``$this``: the rule looks at
the whole graph; a candidate that is not an IRI; a query the parser rejects), ``candidates`` answers ``None``
and the rule is evaluated for all of its focus nodes. Assumed, as in ``sparql_rules``: variables bound inside
an ``OPTIONAL`` are not used to connect patterns outside it (``is_safe`` queries written the usual way).
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass
from typing import Any, Callable, Collection, Iterable, Iterator, Sequence

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef, Variable
from rdflib.paths import AlternativePath, InvPath, MulPath, NegatedPath, Path, SequencePath
from rdflib.plugins.sparql import prepareQuery
from rdflib.term import Node

from publisher.store.terms import to_oxigraph, to_rdflib

THIS = Variable("this")
Triple = tuple[Node, Node, Node]


@dataclass(frozen=True)
class Edge:
    """One step of a triple pattern: ``source -predicate-> target`` (``predicate`` None: any), maybe repeated."""

    source: Node
    predicate: URIRef | None
    target: Node
    repeated: bool = False

    def matches(self, triple: Triple) -> bool:
        s, p, o = triple
        if self.predicate is not None and p != self.predicate:
            return False
        return self.repeated or (_fits(self.source, s) and _fits(self.target, o))


Branch = tuple[Edge, ...]
Hop = tuple[Edge, bool]  # an edge and whether it is walked from source to target
Chain = tuple[Hop, ...]


@dataclass(frozen=True)
class Pattern:
    """The conjunctive branches of one SPARQL query, ready to be walked."""

    branches: tuple[Branch, ...]

    @classmethod
    @functools.lru_cache(maxsize=256)  # rdflib's parser takes ~50 ms a query; the shapes rarely change
    def of(cls, query: str) -> "Pattern | None":
        """The query's branches; None when rdflib cannot parse it (the rule then runs in full)."""
        try:
            parsed = prepareQuery(query)
        except Exception:  # any parser failure means "cannot tell": the caller falls back to a full run
            return None
        counter = itertools.count()
        branches = _branches(parsed.algebra, lambda: Variable(f"_reach{next(counter)}"))
        return cls(tuple(tuple(dict.fromkeys(b)) for b in branches))


class Graphs:
    """The union of the new store and the removed triples: every chain that held before or holds now."""

    def __init__(self, store: ox.Store, removed: Iterable[Triple]) -> None:
        self.store = store
        self.removed = list(removed)

    def step(self, node: Node, predicate: URIRef | None, forward: bool) -> set[Node]:
        if isinstance(node, Literal) and forward:
            return set()
        found: set[Node] = set()
        term, p = to_oxigraph(node), to_oxigraph(predicate) if predicate is not None else None
        if forward:
            found.update(to_rdflib(q.object) for q in self.store.quads_for_pattern(term, p, None, None))
            found.update(o for s, q, o in self.removed if s == node and (predicate is None or q == predicate))
        else:
            found.update(to_rdflib(q.subject) for q in self.store.quads_for_pattern(None, p, term, None))
            found.update(s for s, q, o in self.removed if o == node and (predicate is None or q == predicate))
        return found


def candidates(pattern: Pattern | None, changed: Collection[Triple], graphs: Graphs) -> set[URIRef] | None:
    """Focus nodes whose result may differ after ``changed`` (added and removed triples); None: all of them."""
    if pattern is None:
        return None
    found: set[Node] = set()
    for branch in pattern.branches:
        for edge in branch:
            hits = [t for t in changed if edge.matches(t)]
            if not hits:
                continue
            chains = _chains_from(edge, branch)
            if chains is None:
                return None
            for (s, _p, o), (start, chain_list) in itertools.product(hits, chains):
                for chain in chain_list:
                    found |= _walk({s if start == "source" else o}, chain, graphs)
    if not all(isinstance(node, URIRef) for node in found):
        return None
    return found  # type: ignore[return-value]


def _chains_from(edge: Edge, branch: Branch) -> list[tuple[str, list[Chain]]] | None:
    """From which end of a matched triple to walk, and the chains of the branch from there to ``$this``.

    A plain edge binds the triple's subject to its source and its object to its target, so the walk starts
    at either end; the end with the shorter chains is taken. A repeated edge (``p*``) may match a triple
    anywhere along the repetition: the walk first takes the closure back to the pattern's source (or
    forward to its target). None when neither end is chained to ``$this``.
    """
    options = []
    for start, node, forward in (("source", edge.source, False), ("target", edge.target, True)):
        head: Chain = ((edge, forward),) if edge.repeated else ()
        chains = [head + rest for rest in _simple_chains(node, branch, {edge})]
        if chains:
            options.append((start, chains))
    if not options:
        return None
    return [min(options, key=lambda option: min(len(c) for c in option[1]))]


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
                chains.extend(((edge, forward),) + rest for rest in _simple_chains(there, branch, used | {edge}))
    return chains


def _walk(nodes: set[Node], chain: Chain, graphs: Graphs) -> set[Node]:
    for edge, forward in chain:
        nodes = _hop(nodes, edge, forward, graphs)
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


def _fits(pattern_term: Node, term: Node) -> bool:
    return isinstance(pattern_term, (Variable, BNode)) or pattern_term == term


def _branches(node: Any, fresh: Callable[[], Variable]) -> list[list[Edge]]:
    """Conjunctive branches of an algebra or parse-tree node: UNION alternatives multiply out, all else joins."""
    if isinstance(node, dict) or hasattr(node, "name") and hasattr(node, "keys"):
        name = getattr(node, "name", "")
        if name in ("Union",):
            return [b for key in ("p1", "p2") for b in _branches(node[key], fresh)]
        if name == "GroupOrUnionGraphPattern":
            alternatives = [_branches(g, fresh) for g in node["graph"]]
            return [b for alternative in alternatives for b in alternative] if len(alternatives) > 1 else alternatives[0]
        parts: list[list[list[Edge]]] = []
        if "triples" in node and node["triples"] is not None:
            parts.append(_triples(node["triples"], fresh))
        parts.extend(_branches(node[key], fresh) for key in node.keys() if key not in ("triples", "_vars", "PV"))
        return _join(parts)
    if isinstance(node, (list, tuple)):
        return _join([_branches(item, fresh) for item in node])
    return [[]]


def _join(parts: Sequence[list[list[Edge]]]) -> list[list[Edge]]:
    combined: list[list[Edge]] = [[]]
    for alternatives in parts:
        combined = [left + right for left in combined for right in alternatives]
    return combined


def _triples(triples: Iterable[Sequence[Node]], fresh: Callable[[], Variable]) -> list[list[Edge]]:
    return _join([_path_edges(s, p, o, fresh) for s, p, o in triples])


def _path_edges(s: Node, p: Any, o: Node, fresh: Callable[[], Variable]) -> list[list[Edge]]:
    """A triple pattern's path as alternatives of single-step edges."""
    if isinstance(p, URIRef):
        return [[Edge(s, p, o)]]
    if isinstance(p, Variable):
        return [[Edge(s, None, o)]]
    if isinstance(p, InvPath):
        return _path_edges(o, p.arg, s, fresh)
    if isinstance(p, SequencePath):
        nodes = [s, *(fresh() for _ in p.args[1:]), o]
        return _join([_path_edges(a, step, b, fresh) for a, step, b in zip(nodes, p.args, nodes[1:])])
    if isinstance(p, AlternativePath):
        return [b for arg in p.args for b in _path_edges(s, arg, o, fresh)]
    if isinstance(p, MulPath):  # a repeated single step stays precise; anything longer: any predicate, repeated
        inner = p.path if isinstance(p.path, URIRef) else None
        return [[Edge(s, inner, o, repeated=True)]]
    if isinstance(p, (NegatedPath, Path)):
        return [[Edge(s, None, o)]]
    return [[Edge(s, None, o)]]
