"""Which user queries *stream*: evaluated a row at a time, so their memory is bounded by the row cap.

A streaming query may run on the web worker's own thread (no hop to a query process, which costs a
quarter of a small query's throughput: see ``sandbox.py``); every other query runs in a killable child
with its memory limit. The time limit holds either way (``watchdog.py`` stops what streams); the memory
limit holds because only a query whose every operator streams is let in, decided from its text with the
project's own lexer (``sparql_text.lexemes``) and a whitelist grammar: anything it does not know is not
streaming.

What streams, read against Oxigraph 0.5's evaluator (``spareval``/``sparopt``):

* ``SELECT`` (variables or ``*``), ``ASK`` and ``CONSTRUCT`` with ``FROM``/``FROM NAMED``, ``LIMIT`` and
  ``OFFSET``;
* a WHERE group of triple patterns (variables, IRIs, prefixed names, ``a``, literals; no paths, no ``[]``
  or collections) that are **connected** through shared variables: the optimizer then joins them with
  nested loops (``Lateral``), each pattern an index lookup per row, nothing materialized. Disconnected
  patterns are a cartesian product, whose smaller side Oxigraph collects in memory, so they do not stream;
* ``FILTER`` over those variables with operators and functions whose answer is no bigger than their input
  or of a fixed size (``STR``, ``REGEX``, ``CONTAINS``, ``LCASE``, ``YEAR``...): ``CONCAT``, ``REPLACE``
  or ``ENCODE_FOR_URI`` can grow a string with every nesting, so they are not let in; nor are ``EXISTS``
  (a group) or IRIs in a FILTER holding a parenthesis (a ``<`` comparison the lexer took for an IRI
  could hide a function call, as in ``?a<CONCAT(?b)>?c``).

Not streaming: ``DISTINCT``/``REDUCED`` (a set of every row seen), ``ORDER BY``, ``GROUP BY`` and
aggregates, ``OPTIONAL``/``UNION``/``MINUS``/``GRAPH``/sub-queries (nested groups), ``BIND``, ``VALUES``,
projected expressions, property paths, ``DESCRIBE``. Those go to the query processes, as every query did
before. ``tests/test_streaming.py`` holds the table of both.
"""

from __future__ import annotations

from collections.abc import Sequence

from publisher.sparql_text import Lexeme

QUERY_START = frozenset({"SELECT", "ASK", "CONSTRUCT"})
# Functions whose value is a boolean, a number, a term of the input or a string no longer than an input's
# (UCASE may double a few letters, once: it is idempotent).
FUNCTIONS = frozenset(
    {
        "STR", "LANG", "LANGMATCHES", "DATATYPE", "BOUND", "SAMETERM", "ISIRI", "ISURI", "ISBLANK",
        "ISLITERAL", "ISNUMERIC", "REGEX", "CONTAINS", "STRSTARTS", "STRENDS", "STRLEN", "LCASE",
        "UCASE", "SUBSTR", "STRBEFORE", "STRAFTER", "ABS", "CEIL", "FLOOR", "ROUND", "YEAR", "MONTH",
        "DAY", "HOURS", "MINUTES", "SECONDS", "TIMEZONE", "TZ", "IN", "NOT", "TRUE", "FALSE", "IF",
        "COALESCE",
    }
)  # fmt: skip
OPERATORS = frozenset("()=!<>&|+-*/,")
TERM_KINDS = frozenset({"var", "iri", "pname", "bnode", "string", "number"})
# After the last token, two of these: a token one ahead is always there (no bound checks on the way), and
# the end is never a term, a keyword or punctuation the grammar waits for.
END: tuple[Lexeme, ...] = (("", "", -1),) * 2


class _NotStreaming(Exception):
    """Raised wherever the text leaves the streaming grammar."""


def streams(lexed: Sequence[Lexeme]) -> bool:
    """Whether the query (its significant tokens, from ``sparql_text.lexemes``) streams."""
    try:
        return _Reader(lexed).query()
    except (_NotStreaming, IndexError):  # IndexError: a safety net (the END tokens stop every reading)
        return False


class _Reader:
    """Recursive descent over the whitelist grammar; collects each triple pattern's variables."""

    def __init__(self, lexed: Sequence[Lexeme]) -> None:
        self.lexed = [*_split_trailing_dots(lexed), *END]
        self.end = len(self.lexed) - len(END)
        self.at = 0
        self.patterns: list[set[str]] = []  # the WHERE group's triple patterns, by their variables

    # ------------------------------------------------------------ the query

    def query(self) -> bool:
        self.prologue()
        form = self.word()
        if form not in QUERY_START:
            return False
        self.at += 1
        if form == "SELECT":
            self.projection()
        elif form == "CONSTRUCT" and self.text() == "{":
            self.group(template=True)
            self.patterns.clear()  # a template's variables join nothing
        self.datasets()
        if self.word() == "WHERE":
            self.at += 1
        self.group(template=False)
        self.modifiers()
        return self.at == self.end and connected(self.patterns)

    def prologue(self) -> None:
        while self.word() in ("BASE", "PREFIX"):
            self.at += 2 if self.word() == "BASE" else 3
            if self.kind(-1) != "iri":
                raise _NotStreaming("a prologue line without its IRI")

    def projection(self) -> None:
        if self.text() == "*":
            self.at += 1
            return
        start = self.at
        while self.kind() == "var":
            self.at += 1
        if self.at == start:
            raise _NotStreaming("DISTINCT, REDUCED or an expression in the projection")

    def datasets(self) -> None:
        while self.word() == "FROM":
            self.at += 2 if self.word(1) == "NAMED" else 1
            if self.kind() not in ("iri", "pname"):
                raise _NotStreaming("a dataset clause without an IRI")
            self.at += 1

    def modifiers(self) -> None:
        while self.word() in ("LIMIT", "OFFSET"):
            if self.kind(1) != "number":
                raise _NotStreaming("LIMIT or OFFSET without a number")
            self.at += 2

    # ------------------------------------------------------------ groups and triples

    def group(self, template: bool) -> None:
        """``{ triples and FILTERs }`` (a CONSTRUCT template: triples only)."""
        self.expect_text("{")
        while self.text() != "}":
            if self.text() == ".":
                self.at += 1
            elif self.word() == "FILTER" and not template:
                self.at += 1
                self.filter()
            else:
                self.triples()
        self.at += 1

    def triples(self) -> None:
        subject = self.node()
        while True:
            verb = self.verb()
            while True:
                self.patterns.append({name for name in (subject, verb, self.node()) if name})
                if self.text() != ",":
                    break
                self.at += 1
            while self.text() == ";":
                self.at += 1
            if self.text() in (".", "}") or self.word() == "FILTER":
                return

    def verb(self) -> str | None:
        if self.text() == "a":
            self.at += 1
            return None
        return self.node(literal=False)

    def node(self, literal: bool = True) -> str | None:
        """A term; its variable name (a blank node label counts as one), None for a constant."""
        kind, text, _ = self.lexed[self.at]
        self.at += 1
        if kind in ("var", "bnode"):
            return text.lstrip("?$")
        if kind in ("iri", "pname"):
            return None
        if literal and self.literal(kind, text):
            return None
        raise _NotStreaming(f"{text!r} is not a term of a plain triple pattern")

    def literal(self, kind: str, text: str) -> bool:
        """A string (with its language tag or datatype), a signed number, true or false (consumed)."""
        if kind == "string":
            self.literal_suffix()
            return True
        if text in ("+", "-") and self.kind() == "number":
            self.at += 1
            return True
        return kind == "number" or text.upper() in ("TRUE", "FALSE")

    def literal_suffix(self) -> None:
        if self.text() == "@":
            self.at += 2
            while self.text() == "-":  # en-GB: the lexer's words stop at "-"
                self.at += 2
        elif self.text() == "^" and self.text(1) == "^":
            self.at += 2
            if self.kind() not in ("iri", "pname"):
                raise _NotStreaming("a datatype that is not an IRI")
            self.at += 1

    # ------------------------------------------------------------ FILTER

    def filter(self) -> None:
        """``FILTER (...)`` or ``FILTER fn(...)``: balanced parentheses over whitelisted tokens only."""
        if self.word() in FUNCTIONS and self.text(1) == "(":
            self.at += 1
        self.expect_text("(")
        depth = 1
        while depth:
            kind, text, _ = self.lexed[self.at]
            self.at += 1
            depth += (text == "(") - (text == ")")
            if kind == "string":
                self.literal_suffix()
            elif not self.fits_expression(kind, text):
                raise _NotStreaming(f"{text!r} in a FILTER")

    @staticmethod
    def fits_expression(kind: str, text: str) -> bool:
        if kind == "iri":
            return "(" not in text and ")" not in text
        if kind in TERM_KINDS:
            return True
        if kind == "word":
            return text.upper() in FUNCTIONS
        return kind == "other" and text in OPERATORS

    # ------------------------------------------------------------ tokens (``ahead`` of the current one)

    def kind(self, ahead: int = 0) -> str:
        return self.lexed[self.at + ahead][0]

    def text(self, ahead: int = 0) -> str:
        return self.lexed[self.at + ahead][1]

    def word(self, ahead: int = 0) -> str:
        kind, text, _ = self.lexed[self.at + ahead]
        return text.upper() if kind == "word" else ""

    def expect_text(self, text: str) -> None:
        if self.text() != text:
            raise _NotStreaming(f"expected {text!r}")
        self.at += 1


def _split_trailing_dots(lexed: Sequence[Lexeme]) -> Sequence[Lexeme]:
    """The lexer keeps a prefixed name's trailing dots (``schema:Person.``), which end the triple instead."""
    if not [text for kind, text, _ in lexed if kind == "pname" and text.endswith(".")]:
        return lexed  # a list: for the usual query's twenty tokens, quicker than any() over a generator
    split: list[Lexeme] = []
    for kind, text, start in lexed:
        name = text.rstrip(".") if kind == "pname" else text
        split.append((kind, name, start))
        split += [("other", ".", start + offset) for offset in range(len(name), len(text))]
    return split


def connected(patterns: list[set[str]]) -> bool:
    """Whether the patterns with variables form one component through shared variables (ground patterns
    join as a check of at most one row, which streams)."""
    remaining = [names for names in patterns if names]
    if not remaining:
        return True
    reached = set(remaining.pop())
    grew = True
    while grew:
        grew = False
        for names in list(remaining):
            if names & reached:
                reached |= names
                remaining.remove(names)
                grew = True
    return not remaining
