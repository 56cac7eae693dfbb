"""Small helpers shared by the reader sections: a fixed query asked for many nodes in bounded chunks, query
rows regrouped as facts, the IRIs a set of rows names (whose labels a page fetches), and a date shown with
how the source stated it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rdflib import SKOS, Literal, URIRef
from rdflib.term import Identifier, Node

from publisher.queries import restricted
from publisher.store import Row, Store
from publisher.web.pages.terms import Naming, Term
from publisher.web.site.dates import sort_key
from publisher.web.site.labels import KGO

Facts = Mapping[Node, Mapping[Node, tuple[Node, ...]]]  # subject -> predicate -> objects
CHUNK = 400  # nodes per query: a VALUES block stays bounded however many a hub has


def rows_for(store: Store, query: str, variable: str, nodes: Sequence[Identifier]) -> list[Row]:
    """``query``'s rows with ``?variable`` bound to each of ``nodes``, CHUNK of them per query."""
    rows: list[Row] = []
    for start in range(0, len(nodes), CHUNK):
        rows += store.select(restricted(query, variable, nodes[start : start + CHUNK])).rows
    return rows


def facts(rows: Iterable[Row], subject: str, predicate: str = "p", value: str = "o") -> Facts:
    """``?subject ?p ?o`` rows as subject -> predicate -> objects (in a stable order)."""
    found: dict[Node, dict[Node, list[Node]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        found[row[subject]][row[predicate]].append(row[value])
    return {s: {p: tuple(sorted(set(o), key=str)) for p, o in by_p.items()} for s, by_p in found.items()}


def first(of: Mapping[Node, tuple[Node, ...]], predicate: Node) -> Node | None:
    values = of.get(predicate, ())
    return values[0] if values else None


def iris_in(rows: Iterable[Row]) -> set[URIRef]:
    """Every IRI the rows hold: what a page names, so what it fetches labels for."""
    return {term for row in rows for term in row.values() if isinstance(term, URIRef)}


def total(rows: Iterable[Row]) -> int:
    """The sum of a counting query's ``?n`` (one row per group, none when nothing matched)."""
    return sum(int(str(row["n"])) for row in rows)


def distinct(rows: Iterable[Row], item: str) -> int:
    """How many distinct ``?item`` the rows hold (a list query's total, from its rows)."""
    return len({row[item] for row in rows})


def per_year(rows: Iterable[Row], item: str, date: str) -> dict[str, int]:
    """How many distinct ``?item`` the rows date in each year (the first four characters of ``?date``, at
    whatever precision it was given; undated rows have no year): a timeline's bars, from a list's rows."""
    years: dict[str, set[Node]] = defaultdict(set)
    for row in rows:
        if date in row:
            years[str(row[date])[:4]].add(row[item])
    return {year: len(items) for year, items in years.items()}


def by_key(rows: Iterable[Row], key: str) -> dict[Node, list[Row]]:
    grouped: dict[Node, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[row[key]].append(row)
    return grouped


@dataclass(frozen=True)
class DateShown:
    """A date as a page shows it: at its precision, with the editor's note when the editor inferred it and
    the text's own wording (``kgo:dateAsStated``) when there is one."""

    term: Term
    key: str  # what it sorts by (the lexical form)
    inferred: str | None = None
    stated: str | None = None


def dated(
    naming: Naming, value: Node | None, of: Mapping[Node, tuple[Node, ...]], via: Node
) -> DateShown | None:
    """``value`` (a date ``of`` some node states through ``via``), marked inferred when that node says so."""
    if not isinstance(value, Literal):
        return None
    inferred = via in of.get(KGO.inferred, ())
    notes = " ".join(str(note) for note in of.get(SKOS.editorialNote, ()))
    stated = first(of, KGO.dateAsStated)
    return DateShown(
        naming.term(value), sort_key(value), notes if inferred else None, str(stated) if stated else None
    )
