"""Which focus nodes a change can affect: the reach of an incremental build's re-validation.

A SHACL-SPARQL rule's result for a focus node ``X`` depends only on triples its query can match in a
solution that binds ``$this`` to ``X``. Such a solution binds every triple pattern of one conjunctive branch
of the query (UNIONs expanded), and the patterns of a branch chain the matched triples to ``X``. So for an
added or removed triple ``t`` that matches a pattern ``e`` of a branch, every affected ``X`` is found by
walking the data from ``t``'s end at ``e``, back along a chain of the branch's patterns to ``$this``, in the
union of the old and the new graph (the solution holds in one of them). This module reads the patterns
from rdflib's SPARQL parser, expands UNIONs and property paths (sequence, inverse, alternative, ``*``/``+``/``?``
as a closure, negated as "any predicate"), and walks every simple chain, so the candidates are a superset of
the affected focus nodes, for the queries ``sparql_rules.is_safe`` accepts (no sub-select, ``VALUES`` or
``MINUS``: a sub-select's ``LIMIT`` or a variable it does not project would make the reach global; the
others stay with pySHACL and make an incremental build validate in full). A chain only uses patterns that
are matched whenever the changed one is: those of its own group and of the groups around it, never those
of a sibling ``OPTIONAL`` or ``(NOT) EXISTS`` (a ``NOT EXISTS`` holds precisely when its patterns are not
there to walk).

When that cannot be shown (a branch where the matched pattern is not chained to ``$this``: the rule looks at
the whole graph; a candidate that is not an IRI; a query the parser rejects), ``candidates`` answers ``None``
and the rule is evaluated for all of its focus nodes. ``tests/test_incremental.py`` checks the result against
a full validation for every invalid fixture and for edits and deletions of an article.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import os
import pickle
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef, Variable
from rdflib.paths import AlternativePath, InvPath, MulPath, SequencePath
from rdflib.plugins.sparql import prepareQuery
from rdflib.term import Node

from publisher.store.terms import to_oxigraph, to_oxigraph_subject, to_rdflib

THIS = Variable("this")
WALK_LIMIT = 500
PATTERN_FORMAT = 2  # bump when Pattern or Edge change: the pickled cache is then not read
Triple = tuple[Node, Node, Node]


@dataclass(frozen=True)
class Edge:
    """One step of a triple pattern: ``source -predicate-> target`` (``predicate`` None: any), maybe repeated."""

    source: Node
    predicate: URIRef | None
    target: Node
    repeated: bool = False
    scope: tuple[int, ...] = ()  # the nested OPTIONAL / EXISTS / NOT EXISTS groups it sits in

    def sees(self, other: Edge) -> bool:
        """Whether ``other`` is bound whenever this edge is: it is in this edge's group or an enclosing one."""
        return self.scope[: len(other.scope)] == other.scope

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
    def of(cls, query: str) -> Pattern | None:
        """The query's branches; None when rdflib cannot parse it (the rule then runs in full)."""
        try:
            parsed = prepareQuery(query)
        except Exception:  # any parser failure means "cannot tell": the caller falls back to a full run
            return None
        counter = itertools.count()
        branches = _branches(parsed.algebra, _Scopes(lambda: Variable(f"_reach{next(counter)}")), ())
        return cls(tuple(tuple(dict.fromkeys(b)) for b in branches))


def patterns(queries: Sequence[str], cache: Path | None = None) -> list[Pattern | None]:
    """``Pattern.of`` for each query, remembered in ``cache/reach-patterns.pickle`` between builds.

    rdflib's parser takes ~50 ms a query, most of an incremental build's validation at 1M triples; the
    cache is keyed by the query text and lives in the build folder, which only ``kgpub build`` writes.
    """
    path = cache / f"reach-patterns-{PATTERN_FORMAT}.pickle" if cache is not None else None
    known: dict[str, Pattern | None] = {}
    if path is not None and path.is_file():
        try:
            known = pickle.loads(path.read_bytes())
        except Exception:  # an unreadable cache is rebuilt, never trusted
            known = {}
    missing = [q for q in queries if q not in known]
    for query in missing:
        known[query] = Pattern.of(query)
    if path is not None and missing:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".tmp-{os.getpid()}")
        temporary.write_bytes(pickle.dumps({q: known[q] for q in queries}))
        os.replace(temporary, path)
    return [known[q] for q in queries]


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
            options = _chains_from(edge, branch)
            if not options:
                return None
            for s, _p, o in hits:
                found |= _reach_of(s, o, options, graphs)
    if not all(isinstance(node, URIRef) for node in found):
        return None
    return found  # type: ignore[return-value]


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


def _fits(pattern_term: Node, term: Node) -> bool:
    return isinstance(pattern_term, (Variable, BNode)) or pattern_term == term


@dataclass
class _Scopes:
    """Fresh variables for path steps, and fresh ids for nested groups."""

    fresh: Callable[[], Variable]
    groups: Iterator[int] = dataclasses.field(default_factory=lambda: itertools.count(1))

    def nested(self, scope: tuple[int, ...]) -> tuple[int, ...]:
        return (*scope, next(self.groups))


NESTED = ("OptionalGraphPattern", "Builtin_EXISTS", "Builtin_NOTEXISTS", "MinusGraphPattern", "Minus")


def _branches(node: Any, scopes: _Scopes, scope: tuple[int, ...]) -> list[list[Edge]]:
    """Conjunctive branches of an algebra or parse-tree node: UNION alternatives multiply out, all else
    joins; the edges of an OPTIONAL's right side and of (NOT) EXISTS groups get a nested scope."""
    if isinstance(node, dict):
        name = getattr(node, "name", "")
        if name in NESTED:
            scope = scopes.nested(scope)
        if name == "Union":
            return [b for key in ("p1", "p2") for b in _branches(node[key], scopes, scope)]
        if name == "GroupOrUnionGraphPattern" and len(node["graph"]) > 1:
            return [b for group in node["graph"] for b in _branches(group, scopes, scope)]
        if name == "LeftJoin":
            return _join(
                [
                    _branches(node["p1"], scopes, scope),
                    _branches(node["p2"], scopes, scopes.nested(scope)),
                    _branches(node.get("expr", None), scopes, scope),
                ]
            )
        parts: list[list[list[Edge]]] = []
        if "triples" in node and node["triples"] is not None:
            parts.append(_join([_path_edges(s, p, o, scopes.fresh, scope) for s, p, o in node["triples"]]))
        parts.extend(
            _branches(node[key], scopes, scope) for key in node if key not in ("triples", "_vars", "PV")
        )
        return _join(parts)
    if isinstance(node, (list, tuple)):
        return _join([_branches(item, scopes, scope) for item in node])
    return [[]]


def _join(parts: Sequence[list[list[Edge]]]) -> list[list[Edge]]:
    combined: list[list[Edge]] = [[]]
    for alternatives in parts:
        combined = [left + right for left in combined for right in alternatives]
    return combined


def _path_edges(
    s: Node, p: Any, o: Node, fresh: Callable[[], Variable], scope: tuple[int, ...]
) -> list[list[Edge]]:
    """A triple pattern's path as alternatives of single-step edges."""
    if isinstance(p, URIRef):
        return [[Edge(s, p, o, scope=scope)]]
    if isinstance(p, InvPath):
        return _path_edges(o, p.arg, s, fresh, scope)
    if isinstance(p, SequencePath):
        nodes = [s, *(fresh() for _ in p.args[1:]), o]
        return _join(
            [
                _path_edges(a, step, b, fresh, scope)
                for a, step, b in zip(nodes, p.args, nodes[1:], strict=False)
            ]
        )
    if isinstance(p, AlternativePath):
        return [b for arg in p.args for b in _path_edges(s, arg, o, fresh, scope)]
    if isinstance(
        p, MulPath
    ):  # a repeated single step stays precise; anything longer: any predicate, repeated
        inner = p.path if isinstance(p.path, URIRef) else None
        return [[Edge(s, inner, o, repeated=True, scope=scope)]]
    return [[Edge(s, None, o, scope=scope)]]  # a variable or negated predicate: any predicate
