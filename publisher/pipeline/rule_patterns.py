"""The triple patterns of a SHACL-SPARQL rule's query, read with the project's own SPARQL lexer
(``publisher/sparql_text.py``): what ``reach.py`` walks to find the focus nodes a change can affect.

A rule's WHERE group becomes its *conjunctive branches* (UNION alternatives multiplied out, everything else
joined), each a set of :class:`Edge` s, one per step of a triple pattern's path. An edge remembers the
nested groups it sits in (``OPTIONAL``, ``EXISTS``/``NOT EXISTS``, ``MINUS``), so a walk only uses the
patterns that are matched whenever the changed one is. Paths become edges: sequence (fresh variables in
between), inverse, alternative (more branches), ``*``/``+``/``?`` (one repeated edge; any predicate
unless the step is one IRI), negated (any predicate). A literal in a pattern is read as a fresh variable:
it then matches more triples, never fewer, so the reach stays a superset.

Only the subset ``sparql_rules.is_safe`` admits is read (no sub-select, ``MINUS`` or ``SERVICE``; a
``VALUES`` block, as in a ``sh:targetNode`` pattern, adds no pattern); anything else (a collection, a
keyword it does not know) makes :func:`read` answer None and the rule is evaluated for all its focus
nodes. FILTER and BIND expressions are skipped except for the
``EXISTS`` groups inside them.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from rdflib import BNode, URIRef, Variable
from rdflib.namespace import RDF
from rdflib.term import Node

from publisher.sparql_text import Token, declared_prefixes, significant, where_group_start

NESTING = frozenset({"OPTIONAL", "MINUS"})
EXPRESSIONS = frozenset({"FILTER", "BIND"})
PATTERN_END = frozenset({".", "]", "{", "}"})  # what ends a subject's predicate-object list
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


def _fits(pattern_term: Node, term: Node) -> bool:
    return isinstance(pattern_term, (Variable, BNode)) or pattern_term == term


Branches = list[list[Edge]]  # alternatives, each a conjunction of edges


class Unreadable(Exception):
    """The query uses something this reader does not follow; the rule then runs for all its focus nodes."""


def read(query: str) -> tuple[tuple[Edge, ...], ...] | None:
    """The conjunctive branches of ``query``'s WHERE group (PREFIX lines resolved), or None if unreadable."""
    start = where_group_start(query)
    if start is None:
        return None
    try:
        branches = _Reader(query[start - 1 :], declared_prefixes(query, "")).group(())
    except (Unreadable, StopIteration):
        return None
    return tuple(tuple(dict.fromkeys(branch)) for branch in branches)


def join(parts: Sequence[Branches]) -> Branches:
    combined: Branches = [[]]
    for alternatives in parts:
        combined = [left + right for left in combined for right in alternatives]
    return combined


class _Reader:
    """Recursive descent over the significant tokens of a WHERE group."""

    def __init__(self, text: str, prefixes: dict[str, str]) -> None:
        self.tokens = list(_split_trailing_dots(significant(text)))
        self.at = 0
        self.prefixes = prefixes
        self.fresh = (Variable(f"_reach{n}") for n in itertools.count())
        self.groups = itertools.count(1)

    def peek(self) -> Token:
        if self.at >= len(self.tokens):
            raise Unreadable("the query ends inside a group")
        return self.tokens[self.at]

    def take(self, text: str | None = None) -> Token:
        token = self.peek()
        if text is not None and token.text.upper() != text:
            raise Unreadable(f"expected {text} at character {token.start}, found {token.text!r}")
        self.at += 1
        return token

    def group(self, scope: tuple[int, ...]) -> Branches:
        """``{ ... }``: its elements joined."""
        self.take("{")
        parts: list[Branches] = []
        while self.peek().text != "}":
            parts.append(self.element(scope))
        self.take("}")
        return join(parts)

    def element(self, scope: tuple[int, ...]) -> Branches:
        token = self.peek()
        if token.word in NESTING:
            self.take()
            return self.group((*scope, next(self.groups)))
        if token.word in EXPRESSIONS:
            self.take()
            return join(self.expression(scope))
        if token.word == "GRAPH":
            self.take()
            self.term()
            return self.group(scope)
        if token.word == "VALUES":  # constants: no pattern to walk
            self.values()
            return [[]]
        if token.text == "{":
            return self.union(scope)
        if token.text == ".":
            self.take()
            return [[]]
        if token.word:
            raise Unreadable(f"{token.word} is not followed here")
        return self.triples(scope)

    def values(self) -> None:
        """``VALUES ?v { ... }`` or ``VALUES (?a ?b) { (...) ... }``, skipped."""
        self.take("VALUES")
        while self.take().text != "{":
            pass
        depth = 1
        while depth:
            token = self.take()
            depth += (token.text == "{") - (token.text == "}")

    def union(self, scope: tuple[int, ...]) -> Branches:
        alternatives = self.group(scope)
        while self.peek().word == "UNION":
            self.take()
            alternatives = alternatives + self.group(scope)
        return alternatives

    def expression(self, scope: tuple[int, ...]) -> list[Branches]:
        """A FILTER or BIND: only its ``EXISTS`` groups (nested scopes) have patterns."""
        parts: list[Branches] = []
        depth = 0
        while True:
            token = self.take()
            if token.word == "EXISTS":
                parts.append(self.group((*scope, next(self.groups))))
            depth += (token.text == "(") - (token.text == ")")
            if depth == 0 and self.tokens[self.at - 1].text in (")", "}"):  # the expression's end
                return parts

    # ------------------------------------------------------------ triples and paths

    def triples(self, scope: tuple[int, ...]) -> Branches:
        subject, edges = self.node(scope)
        return join([edges, self.predicate_objects(subject, scope)])

    def predicate_objects(self, subject: Node, scope: tuple[int, ...]) -> Branches:
        parts: list[Branches] = []
        while True:
            path = self.path()
            while True:
                target, edges = self.node(scope)
                parts += [edges, _edges(subject, path, target, self.fresh, scope)]
                if self.peek().text != ",":
                    break
                self.take()
            while self.peek().text == ";":
                self.take()
            if self.peek().text in PATTERN_END or self.peek().word not in ("", "A"):
                return join(parts)

    def node(self, scope: tuple[int, ...]) -> tuple[Node, Branches]:
        """A subject or object: a term, or ``[ ... ]`` (a fresh variable with its own patterns)."""
        if self.peek().text != "[":
            return self.term(), [[]]
        self.take("[")
        blank = next(self.fresh)
        if self.peek().text == "]":
            self.take("]")
            return blank, [[]]
        edges = self.predicate_objects(blank, scope)
        self.take("]")
        return blank, edges

    def term(self) -> Node:
        token = self.take()
        if token.kind == "var":
            return Variable(token.text[1:])
        if token.kind in ("iri", "pname"):
            return self.iri(token)
        if token.kind == "bnode":
            return BNode(token.text[2:])
        if token.kind in ("string", "number") or token.word in ("TRUE", "FALSE"):
            self._skip_literal_suffix()
            return next(self.fresh)  # see the module docstring
        raise Unreadable(f"{token.text!r} at character {token.start} is not a term read here")

    def _skip_literal_suffix(self) -> None:
        if self.peek().text == "@":
            self.take()
            self.take()
            while self.peek().text == "-":  # en-GB: the lexer's words stop at "-"
                self.take()
                self.take()
        elif self.peek().text == "^":
            self.take("^")
            self.take("^")
            self.take()

    def iri(self, token: Token) -> URIRef:
        if token.kind == "iri":
            return URIRef(token.text[1:-1])
        prefix, _, local = token.text.partition(":")
        if prefix not in self.prefixes:
            raise Unreadable(f"unknown prefix {prefix}:")
        return URIRef(self.prefixes[prefix] + local)

    def path(self) -> Path:
        """``a | b`` of sequences (lowest precedence)."""
        options = [self.sequence()]
        while self.peek().text == "|":
            self.take()
            options.append(self.sequence())
        return options[0] if len(options) == 1 else ("alt", options)

    def sequence(self) -> Path:
        steps = [self.step()]
        while self.peek().text == "/":
            self.take()
            steps.append(self.step())
        return steps[0] if len(steps) == 1 else ("seq", steps)

    def step(self) -> Path:
        if self.peek().text == "^":
            self.take()
            return ("inv", [self.step()])
        primary = self.primary()
        if self.peek().text in ("*", "+", "?") and self.peek().kind == "other":
            self.take()
            return ("mul", [primary])
        return primary

    def primary(self) -> Path:
        token = self.take()
        if token.text == "(":
            inner = self.path()
            self.take(")")
            return inner
        if token.text == "!":
            self._negated()
            return ("any", [])
        if token.kind == "var":
            return ("any", [])
        if token.text == "a":
            return RDF.type
        if token.kind in ("iri", "pname"):
            return self.iri(token)
        raise Unreadable(f"{token.text!r} at character {token.start} is not a path")

    def _negated(self) -> None:
        if self.peek().text != "(":
            self.take()
            return
        depth = 0
        while True:
            token = self.take()
            depth += (token.text == "(") - (token.text == ")")
            if depth == 0:
                return


Path = URIRef | tuple[str, list["Path"]]


def _edges(s: Node, path: Path, o: Node, fresh: Iterator[Variable], scope: tuple[int, ...]) -> Branches:
    """A triple pattern's path as alternatives of single-step edges."""
    if isinstance(path, URIRef):
        return [[Edge(s, path, o, scope=scope)]]
    kind, args = path
    if kind == "inv":
        return _edges(o, args[0], s, fresh, scope)
    if kind == "seq":
        nodes = [s, *(next(fresh) for _ in args[1:]), o]
        return join(
            [_edges(a, step, b, fresh, scope) for a, step, b in zip(nodes, args, nodes[1:], strict=False)]
        )
    if kind == "alt":
        return [branch for arg in args for branch in _edges(s, arg, o, fresh, scope)]
    if kind == "mul":  # a repeated single step stays precise; anything longer: any predicate, repeated
        inner = args[0] if isinstance(args[0], URIRef) else None
        return [[Edge(s, inner, o, repeated=True, scope=scope)]]
    return [[Edge(s, None, o, scope=scope)]]  # a variable or negated predicate: any predicate


def _split_trailing_dots(tokens: Iterator[Token]) -> Iterator[Token]:
    """The lexer keeps a prefixed name's trailing dots (``ex:o.``), which end the triple instead."""
    for token in tokens:
        if token.kind == "pname" and token.text.endswith("."):
            name = token.text.rstrip(".")
            yield Token("pname", name, token.start)
            for offset in range(len(name), len(token.text)):
                yield Token("other", ".", token.start + offset)
        else:
            yield token
