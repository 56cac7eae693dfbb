"""The publisher's fixed SPARQL queries, kept as ``.rq`` files beside this module.

Values reach a query in two ways only, and never as user-typed text:

* ``bindings`` passed to ``Store.select``/``construct``/``ask`` (the entity IRI, a search term...);
* :func:`with_values` / :func:`with_row` / :func:`with_window`, which append a ``VALUES`` block rendered
  from rdflib terms that the store itself returned (``URIRef.n3()`` refuses an IRI that would change the
  query's shape), and ``LIMIT``/``OFFSET`` from Python ``int``s. SPARQL cannot bind a list or a limit, so
  this is the one place where query text is extended, and it takes typed values, not strings.

pyoxigraph only substitutes variables that the query projects, so every ``.rq`` that takes a binding
projects it (``SELECT ?s ...``). Queries resolve relative IRIs against the namespace (``base_iri``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import cache, lru_cache
from importlib.resources import files
from string import Template

from rdflib.term import Identifier

from publisher.sparql_text import inline_trailing_values, significant, where_group, where_group_start


@cache
def load_query(name: str, **constants: Sequence[Identifier]) -> str:
    """The text of ``publisher/queries/<name>``, with ``$placeholders`` filled from term lists.

    Constants are vocabulary (e.g. ``label_predicates=LABEL_PREDICATES``), so one Python tuple stays the
    single source of truth for every query that needs it; they are rendered as comma-separated N3 terms.
    """
    if "/" in name or not name.endswith(".rq"):
        raise ValueError(f"not a query file name: {name!r}")
    text = files(__package__).joinpath(name).read_text(encoding="utf-8")
    rendered = {key: ", ".join(term.n3() for term in terms) for key, terms in constants.items()}
    return Template(text).substitute(rendered) if rendered else text


def with_values(query: str, variable: str, terms: Iterable[Identifier]) -> str:
    """``query`` restricted to ``VALUES ?variable { ... }`` (a trailing ValuesClause).

    Only for terms the store returned: ``n3()`` raises on an IRI that is not serialisable as ``<...>``.
    """
    rendered = " ".join(term.n3() for term in terms)
    return f"{query}\nVALUES ?{variable} {{ {rendered} }}"


def restricted(query: str, variable: str, terms: Iterable[Identifier]) -> str:
    """``query`` joined with ``VALUES ?variable { ... }`` at the start of its WHERE group, so an engine
    starts from those terms (pyoxigraph joins a trailing VALUES last: a page's signatories took 3.5 s at 1M
    that way, 9 ms this way): what ``inline_trailing_values`` makes of :func:`with_values`, with the place
    found once per query. Same rule as :func:`with_values` for the terms."""
    at = _group_start(query)
    rendered = " ".join(term.n3() for term in terms)
    return f"{query[:at]} VALUES ?{variable} {{ {rendered} }} {query[at:]}"


@lru_cache(maxsize=256)
def _group_start(query: str) -> int:
    """Where a fixed query's WHERE group starts; one that groups or aggregates cannot take VALUES there."""
    probe = inline_trailing_values(with_values(query, "x", []))
    at = where_group_start(query)
    if at is None or probe.endswith("VALUES ?x {  }"):
        raise ValueError("a restricted query needs a WHERE group and no grouping")
    return at


def counted(query: str, variable: str) -> str:
    """How many distinct ``?variable`` ``query``'s WHERE group matches (``?n``): a list query and its total
    from one text. ``?this`` stays grouped and projected, as a binding needs."""
    return f"{_prologue(query)}SELECT ?this (COUNT(DISTINCT ?{variable}) AS ?n) WHERE {_group(query)} GROUP BY ?this"


def _prologue(query: str) -> str:
    """The PREFIX declarations of a fixed query (everything before its SELECT)."""
    start = next(token.start for token in significant(query) if token.word == "SELECT")
    return query[:start]


def _group(query: str) -> str:
    group = where_group(query)
    if group is None:
        raise ValueError("a fixed query without a WHERE group")
    return group


def with_row(query: str, bindings: Mapping[str, Identifier]) -> str:
    """``query`` restricted to one row, ``VALUES (?a ?b) { (...) }``: a binding the query need not project.

    pyoxigraph substitutes only projected variables; a query whose answer repeats two bound terms on
    every row pays to decode and convert them each time (half of a hub page's windows). Same rule as
    :func:`with_values`: terms the store returned (or known to occur in it), rendered by ``n3()``.
    """
    names = " ".join(f"?{name}" for name in bindings)
    cells = " ".join(term.n3() for term in bindings.values())
    return f"{query}\nVALUES ({names}) {{ ({cells}) }}"


def with_window(query: str, limit: int, offset: int = 0) -> str:
    """``query`` with ``LIMIT``/``OFFSET`` (SPARQL has no variables for them); ints only, never strings."""
    if not isinstance(limit, int) or not isinstance(offset, int) or limit < 0 or offset < 0:
        raise ValueError(f"bad window: limit={limit!r} offset={offset!r}")
    return f"{query}\nLIMIT {limit} OFFSET {offset}"
