"""SPARQL as text, in one place: the lexer every reader of query text uses, the facts read from it, and
the rewrites the publisher makes to queries before an engine sees them.

* **Lexer** (:func:`tokens`; :func:`lexemes`, the endpoint's one pass per query): one regular expression,
  hand-written rather than a parser library's, because the store policy (``store/policy.py``) must err
  towards refusing where it and the engine could tokenize differently (its docstring says where), and a
  full parser would accept what the policy must see.
  Comments, strings (short and long), IRIs, variables, blank-node labels and prefixed names are whole
  tokens, so a keyword inside a literal or an IRI is never taken for one.
* **Facts**: :func:`query_form`, :func:`has_dataset_clause`, :func:`has_relative_iri`,
  :func:`declared_prefixes`.
* **Rewrites**: :func:`where_group_start` (where a pattern can join a query first), :func:`insert_in_where`
  and :func:`inline_trailing_values` (used by the remote store for bindings, by the SHACL-SPARQL rules for
  their focus nodes), :func:`where_group` and :func:`renamed` (used to join page queries into the
  patterns the build walks to find the pages a change reaches).

Nothing here knows an engine or HTTP; ``tests/test_sparql_text.py`` is its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
AGGREGATION = frozenset({"GROUP", "HAVING", "COUNT", "SUM", "MIN", "MAX", "AVG", "SAMPLE", "GROUP_CONCAT"})
ABSOLUTE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
INSIGNIFICANT = frozenset({"space", "comment"})
LEXED_KEPT = 64  # query texts whose lexemes are kept: the requests in flight at once, and a few more

_PN = r"\w\u00B7\u0300-\u036F\u203F\u2040"  # PN_CHARS, approximated by Unicode word characters
_NUMBER = r"\d+\.\d*[eE][+-]?\d+|\d*\.\d+(?:[eE][+-]?\d+)?|\d+(?:[eE][+-]?\d+)?"
_TOKENS = rf"""
    (?P<comment>\#[^\r\n]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''
             | \"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
             | '(?:[^'\\\r\n]|\\.)*'
             | "(?:[^"\\\r\n]|\\.)*")
  | (?P<iri><[^<>"{{}}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][{_PN}]+)
  | (?P<bnode>_:[{_PN}.\-]*)
  | (?P<pname>(?:[^\W\d_][{_PN}.\-]*+)?:[{_PN}.\-:%]*)
  | (?P<word>[^\W\d_][{_PN}]*)
  | (?P<number>{_NUMBER})
  | (?P<other>.)
    """  # every token but spaces; a prefixed name's prefix never gives back characters (``*+``): none is a colon
_TOKEN = re.compile(rf"(?P<space>\s+) | {_TOKENS}", re.VERBOSE | re.DOTALL)
# The same tokens, each with the spaces before it (the lexemes' pass: half as many matches); a match fails
# only at the end of the text (``other`` takes any character), so no position inside a token is tried.
_AFTER_SPACES = re.compile(rf"\s*+(?:{_TOKENS})", re.VERBOSE | re.DOTALL)


@dataclass(frozen=True)
class Token:
    kind: str  # space, comment, string, iri, var, bnode, word, pname, number, other
    text: str
    start: int

    @property
    def prefix_part(self) -> str:
        """For a word or prefixed name, the part before ``:``: where a keyword could begin."""
        return self.text.split(":", 1)[0]

    @property
    def word(self) -> str:
        """A bare word in upper case (a keyword, a function name); ``""`` for any other token."""
        return self.text.upper() if self.kind == "word" else ""


def tokens(text: str) -> Iterator[Token]:
    """Tokenize SPARQL text; every character belongs to exactly one token.

    ``finditer`` yields the same tokens as matching at each end in turn: every alternative is non-empty
    and ``(?P<other>.)`` matches any character, so the next match always starts where the last ended.
    """
    for match in _TOKEN.finditer(text):
        yield Token(match.lastgroup or "other", match.group(0), match.start())


Lexeme = tuple[str, str, int]  # kind, text, start: a token without the object around it


@lru_cache(maxsize=LEXED_KEPT)
def lexemes(text: str) -> tuple[Lexeme, ...]:
    """The significant tokens of ``text`` (no spaces, no comments) as plain tuples, in one pass.

    What the public endpoint reads a query with: the negotiation, the policy, the lane decision and the
    answer memo's "per call?" all walk this one sequence, kept for the last few texts so a request lexes
    its query once (each pass cost about 10 us of a small query's 200, and a request made four), and a
    tuple costs a fraction of a :class:`Token`.
    """
    return tuple(
        (kind, match.group(kind), match.start(kind))
        for match in _AFTER_SPACES.finditer(text)
        if (kind := match.lastgroup or "other") != "comment"
    )


def words(text: str) -> Iterator[str]:
    """The bare words of ``text`` in upper case (keywords, function names), from :func:`lexemes`."""
    return (token.upper() for kind, token, _ in lexemes(text) if kind == "word")


def significant(text: str) -> Iterator[Token]:
    """The tokens that mean something: no spaces, no comments."""
    return (token for token in tokens(text) if token.kind not in INSIGNIFICANT)


def outside_strings(text: str) -> str:
    """The query without its strings and comments (where a backslash is ordinary text)."""
    return "".join(m.group(0) for m in _TOKEN.finditer(text) if m.lastgroup not in ("string", "comment"))


def nesting(text: str) -> Iterator[tuple[int, Token]]:
    """Each significant token with its group depth: 0 for the outermost ``{`` and its own ``}``."""
    depth = 0
    for token in significant(text):
        depth -= token.text == "}"
        yield depth, token
        depth += token.text == "{"


# ---------------------------------------------------------------- facts


def query_form(text: str) -> str | None:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the first query-form keyword (a sub-SELECT comes later).

    Lets the web layer negotiate a results format before the query runs. None if there is none.
    """
    return next((word for word in words(text) if word in QUERY_FORMS), None)


PER_CALL_FUNCTIONS = frozenset({"NOW", "RAND", "UUID", "STRUUID", "BNODE"})


def answers_per_call(text: str) -> bool:
    """Whether the query calls a function whose value changes with every evaluation (``NOW()``,
    ``RAND()``...): its answer is not the build's to keep."""
    return any(word in PER_CALL_FUNCTIONS for word in words(text))


def has_dataset_clause(text: str) -> bool:
    """Whether the query names its own dataset (``FROM``/``FROM NAMED``).

    pyoxigraph's ``use_default_graph_as_union=True`` silently overrides a query's ``FROM``, so the
    union default graph may only be requested for queries without one.
    """
    return any(word == "FROM" for word in words(text))


def has_relative_iri(text: str) -> bool:
    """Whether the query writes an IRI without a scheme (``<id/org/x>``): it then needs the namespace as BASE."""
    return any(kind == "iri" and not ABSOLUTE_IRI.match(token[1:]) for kind, token, _ in lexemes(text))


def declared_prefixes(text: str, base: str) -> dict[str, str]:
    """``PREFIX name: <iri>`` declarations, relative IRIs resolved against ``base`` (and any ``BASE``)."""
    found, shown = {}, list(significant(text))
    for keyword, first, second in zip(shown, shown[1:], shown[2:], strict=False):
        if keyword.word == "BASE" and first.kind == "iri":
            base = resolve(base, first.text[1:-1])
        elif keyword.word == "PREFIX" and first.kind == "pname" and second.kind == "iri":
            found[first.text.rstrip(":")] = resolve(base, second.text[1:-1])
    return found


def resolve(base: str, reference: str) -> str:
    """RFC 3986 resolution that keeps an empty fragment (``urljoin`` drops the ``#`` of ``...ontology#``)."""
    if urlsplit(reference).scheme:
        return reference
    resolved = urljoin(base, reference)
    return resolved + "#" if reference.endswith("#") and not resolved.endswith("#") else resolved


# ---------------------------------------------------------------- rewrites


def where_group_start(query: str) -> int | None:
    """Offset just inside the outermost WHERE group's ``{``, or None.

    The group follows the first top-level ``WHERE``; without one (``SELECT * {...}``, ``ASK {...}``) it is
    the first top-level ``{``. None for ``CONSTRUCT WHERE`` (its group may hold triples only) and for
    queries without a group.
    """
    previous, after_where, first_brace = "", False, None
    for depth, token in nesting(query):
        if depth > 0:
            continue
        if token.word == "WHERE" and previous == "CONSTRUCT":
            return None
        after_where = after_where or token.word == "WHERE"
        if token.text == "{" and after_where:
            return token.start + 1
        if token.text == "{" and first_brace is None:
            first_brace = token.start + 1
        previous = token.word
    return first_brace


def insert_in_where(query: str, pattern: str) -> str | None:
    """``query`` with ``pattern`` as the first element of its outermost WHERE group; None without one."""
    at = where_group_start(query)
    return None if at is None else f"{query[:at]} {pattern} {query[at:]}"


def where_group(query: str) -> str | None:
    """The text of ``query``'s outermost WHERE group, braces included; None without one."""
    at = where_group_start(query)
    if at is None:
        return None
    depth = 0
    for token in significant(query[at - 1 :]):
        depth += (token.text == "{") - (token.text == "}")
        if depth == 0:
            return query[at - 1 : at + token.start]
    return None


def renamed(query: str, rename: Callable[[str], str]) -> str:
    """``query`` with every variable ``?name`` (or ``$name``) written ``?`` + ``rename(name)``."""
    return "".join("?" + rename(t.text[1:]) if t.kind == "var" else t.text for t in tokens(query))


def inline_trailing_values(query: str) -> str:
    """``query`` with its trailing ``VALUES`` clause moved to the start of its outermost WHERE group.

    A trailing VALUES joins the group's solutions before projection and modifiers, so inside the group it
    is the same join, provided nothing groups or aggregates in between (such queries are left alone) and
    the group's FILTERs see the variable bound either way (true of the fixed queries, which bind it in a
    triple pattern). Queries without a WHERE group to take it (``CONSTRUCT WHERE``, ``DESCRIBE``) stay as
    they are.
    """
    at = where_group_start(query)
    clause = None if at is None else trailing_values(query, after=at)
    if at is None or clause is None:
        return query
    start, end = clause
    return f"{query[:at]} {query[start:end]} {query[at:start]}"


def trailing_values(query: str, after: int) -> tuple[int, int] | None:
    """Where a top-level ``VALUES`` clause after offset ``after`` ends the query; None if there is none, if
    anything follows it, or if the query groups or aggregates."""
    start = end = None
    for depth, token in nesting(query):
        if end is not None or token.word in AGGREGATION:
            return None
        if depth == 0 and token.word == "VALUES" and token.start > after:
            start = token.start
        elif depth == 0 and token.text == "}" and start is not None:
            end = token.start + 1
    return None if start is None or end is None else (start, end)
