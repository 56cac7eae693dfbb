"""Fetch what the publisher says about one IRI: the query step shared by the HTML page and the RDF documents.

A description is bounded by construction: statements are fetched per (subject, direction, predicate)
group in windows of ``Window.size``, in the store's index order, so a hub entity with thousands of
incoming links costs one count query plus one window per group, never a sort or scan of its whole
neighbourhood (measured on a 20,000-link hub: ORDER BY made one window take 3 s on the on-disk store).
Every store call goes through the :class:`~publisher.store.Store` protocol with the IRI bound, never
spliced into text.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice
from typing import TYPE_CHECKING
from typing import Literal as Lit

from rdflib import URIRef
from rdflib.term import Node

from publisher.queries import load_query, with_row, with_values, with_window
from publisher.store import Store
from publisher.web.site.labels import LABEL_PREDICATES

if TYPE_CHECKING:
    from publisher.memo import BoundedMemo

Direction = Lit["out", "in"]

EXISTS = load_query("exists.rq")
PREDICATES = load_query("predicates.rq")
VALUES = {"out": load_query("values-out.rq"), "in": load_query("values-in.rq")}
WINDOW = {"out": load_query("window-out.rq"), "in": load_query("window-in.rq")}
VALUES_BOTH = load_query("values-both.rq")
CONTEXT = load_query("context.rq", label_predicates=LABEL_PREDICATES)

MAX_HASH_SUBJECTS = 50  # hash IRIs folded into one document
MAX_GROUPS = 200  # predicate groups shown per subject and direction (a safety bound)
CONTEXT_CHUNK = 400  # terms per VALUES block when fetching labels
MEMO_GROUPS_FROM = 200  # a subject with at least this many statements has its counts memoised (see Memos)


@dataclass(frozen=True)
class Window:
    """Which statements to fetch: page ``page`` (1-based) of ``size`` per group, optionally one group only."""

    page: int = 1
    size: int = 50
    focus: tuple[Direction, URIRef] | None = None

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size


@dataclass(frozen=True)
class Group:
    """The values of one subject through one predicate in one direction, and how many there are in all."""

    subject: URIRef
    direction: Direction
    predicate: URIRef
    total: int


@dataclass(frozen=True)
class Statement:
    """A triple in one group's window, with the named graphs that state it."""

    group: Group
    value: Node  # the object ("out") or the subject ("in") of the triple
    graphs: tuple[URIRef, ...]

    @property
    def triple(self) -> tuple[Node, Node, Node]:
        if self.group.direction == "out":
            return (self.group.subject, self.group.predicate, self.value)
        return (self.value, self.group.predicate, self.group.subject)


@dataclass(frozen=True)
class Description:
    """One document's worth of data: its subjects (the IRI and its hash IRIs), group windows, context."""

    iri: URIRef
    subjects: tuple[URIRef, ...]
    groups: tuple[Group, ...]
    statements: tuple[Statement, ...]
    context: tuple[tuple[Node, Node, Node], ...]  # labels, types and image URLs of every term shown
    window: Window

    @property
    def has_more(self) -> bool:
        """Whether some group has values beyond this window (a next page exists)."""
        return any(group.total > self.window.offset + self.window.size for group in self.groups)


@dataclass(frozen=True)
class Memos:
    """Per-build memos (``publisher.memo.BoundedMemo``) for what the build fixes about one term.

    ``context``: a term's context rows (labels, types, image URLs), so a page queries only for the terms no
    earlier page showed: the predicates, types and popular articles of a page are mostly known already.
    ``groups``: the predicate counts of a subject with at least ``groups_from`` statements, the one query
    of a hub page whose cost grows with the archive (it counts every link to count the pages); a small
    subject's counts cost less to query than to keep. Either memo may be None: same answer, only slower."""

    context: BoundedMemo[Node, tuple[tuple[Node, Node], ...]] | None = None
    groups: BoundedMemo[URIRef, tuple[Group, ...]] | None = None
    groups_from: int = MEMO_GROUPS_FROM


NO_MEMOS = Memos()


def describe(
    store: Store, iri: URIRef, window: Window, namespace: str, memos: Memos = NO_MEMOS
) -> Description | None:
    """The description of ``iri``'s document, or None when the IRI occurs nowhere in the data.

    Hash IRIs (``iri#part``) found among the values shown are described too, one level deep: their data
    belongs to this document. Finding them among fetched values costs no query; a scan for every
    ``iri#...`` in the store would cost a string comparison per neighbour (350 ms for a 23k-link hub).
    """
    counted = predicate_groups(store, iri, memos.groups, memos.groups_from)
    if not counted:  # no statement has it as subject or object, in any graph: what exists.rq asks
        return None
    groups, statements = _windows(store, iri, window, memos, counted)
    hashes = _hash_subjects(iri, statements) if window.focus is None else ()
    for subject in hashes:
        more_groups, more_statements = _windows(store, subject, window, memos)
        groups, statements = groups + more_groups, statements + more_statements
    shown = _terms_shown((iri, *hashes), groups, statements, namespace)
    found = tuple(context(store, shown, memos.context))
    return Description(iri, (iri, *hashes), groups, statements, found, window)


def exists(store: Store, iri: URIRef) -> bool:
    """Whether ``iri`` occurs in the data (as subject or object): the line between a document and a 404."""
    return store.ask(EXISTS, {"s": iri})


def predicate_groups(
    store: Store,
    subject: URIRef,
    memo: BoundedMemo[URIRef, tuple[Group, ...]] | None = None,
    memo_from: int = MEMO_GROUPS_FROM,
) -> list[Group]:
    """The (direction, predicate) groups of ``subject`` with their statement counts, bounded per direction
    (in predicate order, so the same groups are kept whatever order the store groups in)."""
    known = memo.get(subject) if memo is not None else None
    if known is not None:
        return list(known)
    groups = _count_groups(store, subject)
    if memo is not None and sum(g.total for g in groups) >= memo_from:
        memo.put(subject, tuple(groups))
    return groups


def _direction(term: Node) -> Direction:
    return "out" if str(term) == "out" else "in"


def _iri(term: Node) -> URIRef:
    if not isinstance(term, URIRef):
        raise ValueError(f"a predicate is an IRI, not {term!r}")
    return term


def _count_groups(store: Store, subject: URIRef) -> list[Group]:
    rows = store.select(PREDICATES, {"s": subject}).rows
    found = [Group(subject, _direction(r["direction"]), _iri(r["p"]), int(str(r["n"]))) for r in rows]
    groups = sorted(found, key=lambda group: str(group.predicate))
    outgoing = [g for g in groups if g.direction == "out"][:MAX_GROUPS]
    incoming = [g for g in groups if g.direction == "in"][:MAX_GROUPS]
    return outgoing + incoming


def group_window(store: Store, group: Group, window: Window) -> list[Statement]:
    """One window of a group's statements in the store's index order; a value stated by several graphs
    becomes one statement naming them all (they are usually adjacent: same triple, next graph)."""
    query = with_row(
        with_window(WINDOW[group.direction], window.size, window.offset),
        {"s": group.subject, "p": group.predicate},
    )
    graphs: dict[Node, list[URIRef]] = {}
    for row in store.select(query).rows:
        graphs.setdefault(row["o"], []).append(row["g"])  # type: ignore[arg-type]
    return [Statement(group, value, tuple(stated_by)) for value, stated_by in graphs.items()]


def context(
    store: Store,
    terms: Iterable[URIRef],
    memo: BoundedMemo[Node, tuple[tuple[Node, Node], ...]] | None = None,
) -> Iterator[tuple[Node, Node, Node]]:
    """Labels, types and image URLs of ``terms``, term by term in IRI order, each term's rows in the order
    the store returned them. One query per chunk of terms the memo does not know (chunked so no query
    grows without bound); a term with no context is remembered too, as no rows."""
    wanted = sorted(
        set(terms), key=str
    )  # IRI order, as rdflib orders URIRefs, without its Python-level __lt__
    known = memo.get_many(wanted) if memo is not None else {}
    fetched: dict[Node, list[tuple[Node, Node]]] = {}
    pending = iter([term for term in wanted if term not in known])
    while chunk := list(islice(pending, CONTEXT_CHUNK)):
        for term in chunk:
            fetched[term] = []
        for row in store.select(with_values(CONTEXT, "x", chunk)).rows:
            fetched[row["x"]].append((row["p"], row["o"]))
    if memo is not None and fetched:
        memo.put_many({term: tuple(rows) for term, rows in fetched.items()})
    for term in wanted:
        for p, o in known[term] if term in known else fetched[term]:
            yield (term, p, o)


@lru_cache(maxsize=16_384)
def article_of(graph: URIRef, namespace: str) -> URIRef | None:
    """The article whose statements a named graph holds (``graph/article/<slug>`` -> ``id/article/<slug>``).

    Remembered, so a page gets the same ``URIRef`` object for an article each time: dict look-ups then
    match it by identity instead of calling rdflib's Python-level ``__eq__``."""
    prefix = f"{namespace}graph/article/"
    return URIRef(f"{namespace}id/article/{graph[len(prefix) :]}") if graph.startswith(prefix) else None


def _windows(
    store: Store, subject: URIRef, window: Window, memos: Memos = NO_MEMOS, counted: list[Group] | None = None
) -> tuple[tuple[Group, ...], tuple[Statement, ...]]:
    """The groups of one subject (those in focus) and the statements of their current windows.

    Directions whose groups all fit in the first window are read whole, by one query for both (or the
    one) of them instead of one per predicate: that is a typical entity, whose page then needs three
    queries in all (counts, statements, context)."""
    if counted is None:
        counted = predicate_groups(store, subject, memos.groups, memos.groups_from)
    groups = tuple(g for g in counted if _in_focus(g, window))
    shown = {d: [g for g in groups if g.direction == d and window.offset < g.total] for d in ("out", "in")}
    whole = [
        d for d, gs in shown.items() if gs and window.offset == 0 and all(g.total <= window.size for g in gs)
    ]
    read = whole_directions(store, subject, [g for d in whole for g in shown[d]]) if whole else {}
    statements: list[Statement] = []
    for direction in ("out", "in"):  # outgoing first, as the page's "usual source" ties are broken in order
        if direction in read:
            statements.extend(read[direction])
        else:
            statements.extend(st for g in shown[direction] for st in group_window(store, g, window))
    return groups, tuple(statements)


def whole_directions(store: Store, subject: URIRef, groups: list[Group]) -> dict[str, list[Statement]]:
    """Every statement of ``groups`` (one subject, all small), by direction, from a single query."""
    by_key: dict[tuple[str, Node], Group] = {(g.direction, g.predicate): g for g in groups}
    directions = sorted({g.direction for g in groups})
    query = VALUES_BOTH if len(directions) == 2 else VALUES[directions[0]]
    graphs: dict[tuple[str, Node, Node], list[URIRef]] = {}
    for row in store.select(query, {"s": subject}).rows:
        direction = str(row["direction"]) if "direction" in row else directions[0]
        if (direction, row["p"]) in by_key:
            graphs.setdefault((direction, row["p"], row["o"]), []).append(row["g"])  # type: ignore[arg-type]
    read: dict[str, list[Statement]] = {direction: [] for direction in directions}
    for (direction, p, value), stated in graphs.items():
        read[direction].append(Statement(by_key[(direction, p)], value, tuple(stated)))
    return read


def _hash_subjects(iri: URIRef, statements: tuple[Statement, ...]) -> tuple[URIRef, ...]:
    prefix = f"{iri}#"
    found = {s.value for s in statements if isinstance(s.value, URIRef) and s.value.startswith(prefix)}
    return tuple(sorted(found))[:MAX_HASH_SUBJECTS]


def _in_focus(group: Group, window: Window) -> bool:
    return window.focus is None or window.focus == (group.direction, group.predicate)


def _terms_shown(
    subjects: tuple[URIRef, ...], groups: tuple[Group, ...], statements: tuple[Statement, ...], namespace: str
) -> set[URIRef]:
    """Every IRI a page names: subjects, predicates, values, and the articles stating them."""
    terms: set[Node] = {*subjects, *(g.predicate for g in groups)}
    for statement in statements:
        terms.add(statement.value)
        terms.update(filter(None, (article_of(g, namespace) for g in statement.graphs)))
    return {t for t in terms if isinstance(t, URIRef)}
