"""The partnership explorer, ``/partnerships``: every agreement in one sortable table with facets (year,
institution, kind, topic, place) and their counts, and the same table as CSV and JSON at a link beside it
(``/partnerships.csv``, ``/partnerships.json``), as Datasette offers every table.

The URL is the state: ``?institution=IRI&year=2017&sort=-date&page=2``. Facet values combine with AND, so
two institutions give the agreements between them. Filters are checked (a year is four digits, a value an
absolute IRI) and only ever compared with the index (``partnership_index.py``), never put in a query.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, render_template, request
from rdflib import URIRef
from rdflib.term import Node
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest

from publisher.formats import HTML, TABLE_CSV, TABLE_FORMATS, Format
from publisher.web import publisher
from publisher.web.pages.describe import context
from publisher.web.pages.partnership_index import (
    FACETS,
    Entry,
    PartnershipIndex,
    build_index,
    facet_counts,
    yearly_counts,
)
from publisher.web.pages.pictures import Network, Timeline, web, yearly
from publisher.web.pages.terms import Naming, Term
from publisher.web.site.languages import requested
from publisher.web.site.negotiation import add_alternates
from publisher.web.site.params import iri_param, page_param
from publisher.web.site.urls import site_url, web_base

bp = Blueprint("explorer", __name__, template_folder="templates")

FACET_LABELS = {
    "year": "Year",
    "institution": "Institution",
    "kind": "Kind",
    "topic": "Topic",
    "place": "Place",
}
SORTS = {"date": "Date", "name": "Agreement"}
FACET_VALUES_SHOWN = 12
MAX_FILTER_VALUES = 4
MAX_EXPORT_ROWS = 20_000
YEAR = re.compile(r"-?\d{4,}")


@dataclass(frozen=True)
class FacetValue:
    term: Term
    count: int
    href: str  # the explorer with this value added (or removed, when active)
    active: bool


@dataclass(frozen=True)
class Facet:
    name: str
    label: str
    values: tuple[FacetValue, ...]
    more: int


@dataclass(frozen=True)
class Row:
    date: Term | None
    agreement: Term
    kind: Term | None
    parties: tuple[Term, ...]
    event: Term | None
    place: Term | None
    topics: tuple[Term, ...]
    sources: tuple[Term, ...]


@dataclass(frozen=True)
class Column:
    label: str
    href: str | None  # sorts by this column (the other way when it already does)
    sorted: str | None  # "ascending" / "descending" when the table is sorted by it


@dataclass(frozen=True)
class ExplorerPage:
    total: int
    rows: tuple[Row, ...]
    first: int
    prev_href: str | None
    next_href: str | None
    columns: tuple[Column, ...]
    facets: tuple[Facet, ...]
    active: tuple[FacetValue, ...]
    downloads: tuple[tuple[str, str, str], ...]  # (label, href, media type)
    network: Network | None
    timeline: Timeline | None

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1


def index() -> PartnershipIndex:
    """The agreements of the served build, indexed once per build (the Publisher's memo)."""
    return publisher().memos.value("partnership index", lambda: build_index(publisher().store))


@bp.get("/partnerships")
def explorer() -> Response:
    filters, sort = filters_from(request.args), sort_from(request.args)
    chosen = ordered(index().matching(filters), sort)
    page = page_param(request.args)
    body = render_template("explorer.html", page=explorer_page(chosen, filters, sort, page))
    return add_alternates(Response(body, mimetype=HTML.media_type), downloads_of(request.args))


@bp.get("/partnerships.<ext>")
def export(ext: str) -> Response:
    fmt = {f.extension: f for f in TABLE_FORMATS}.get(ext)
    if fmt is None:
        abort(404)
    chosen = ordered(index().matching(filters_from(request.args)), sort_from(request.args))
    rows = rows_of(chosen[:MAX_EXPORT_ROWS])
    truncated = len(chosen) > MAX_EXPORT_ROWS
    body = as_csv(rows) if fmt is TABLE_CSV else as_json(rows, len(chosen), truncated)
    response = Response(body, mimetype=fmt.media_type)
    if truncated:
        response.headers["X-Kgpub-Truncated"] = "true"
    return add_alternates(response, downloads_of(request.args))


def filters_from(args: MultiDict[str, str]) -> dict[str, list[Node]]:
    """The facet values asked for, checked: 400 for a malformed one."""
    filters: dict[str, list[Node]] = {}
    for facet in FACETS:
        values = args.getlist(facet)
        if len(values) > MAX_FILTER_VALUES:
            raise BadRequest(f"At most {MAX_FILTER_VALUES} values of '{facet}'.")
        if facet == "year":
            if any(not YEAR.fullmatch(v) for v in values):
                raise BadRequest("'year' must be a year, such as 2017.")
            checked: list[Node] = list(values)  # type: ignore[arg-type]
        else:
            checked = [iri_param(MultiDict({facet: v}), facet) for v in values]
        if checked:
            filters[facet] = checked
    return filters


def sort_from(args: MultiDict[str, str]) -> str:
    sort = args.get("sort", "-date")
    if sort.lstrip("-") not in SORTS:
        raise BadRequest(f"'sort' must be one of: {', '.join(SORTS)} (with '-' for descending).")
    return sort


def ordered(entries: list[Entry], sort: str) -> list[Entry]:
    """By date (newest first by default) or by name; ties by IRI, so pages never shuffle."""
    descending = sort.startswith("-")
    if sort.lstrip("-") == "date":
        return sorted(entries, key=lambda e: (e.key, str(e.agreement)), reverse=descending)
    labels = naming_for([e.agreement for e in entries])
    return sorted(
        entries, key=lambda e: (labels.label(e.agreement).lower(), str(e.agreement)), reverse=descending
    )


def naming_for(iris: Sequence[Node]) -> Naming:
    memo = publisher().memos.memo("describe.context", 20_000)
    found = context(publisher().store, [i for i in iris if isinstance(i, URIRef)], memo)
    return Naming.from_context(
        publisher().namespace, web_base(), found, languages=requested(request.args, request.accept_languages)
    )


def explorer_page(
    chosen: list[Entry], filters: Mapping[str, list[Node]], sort: str, page: int
) -> ExplorerPage:
    size = publisher().settings.page_size
    shown = chosen[(page - 1) * size : page * size]
    if page > 1 and not shown:
        abort(404, description="This page is past the last agreement; the first page has no ?page.")
    counts = {facet: facet_counts(chosen, facet) for facet in FACETS}
    top = {facet: _top(facet, c) for facet, c in counts.items()}
    active = [v for values in filters.values() for v in values]
    naming = naming_for([*_named(shown), *(v for vs in top.values() for v in vs), *active])
    rows = tuple(_row(e, naming) for e in shown)
    return ExplorerPage(
        total=len(chosen),
        rows=rows,
        first=(page - 1) * size + 1,
        prev_href=_href(request.args, page=page - 1) if page > 1 else None,
        next_href=_href(request.args, page=page + 1) if page * size < len(chosen) else None,
        columns=_columns(sort),
        facets=tuple(_facet(f, counts[f], top[f], filters, naming) for f in FACETS),
        active=tuple(_toggle(f, v, 0, filters, naming) for f, vs in filters.items() for v in vs),
        downloads=tuple((fmt.label, href, fmt.media_type) for href, fmt in downloads_of(request.args)),
        network=_network(chosen, naming) if chosen else None,
        timeline=_timeline(chosen, not filters),
    )


def _top(facet: str, counts: Counter[Node]) -> list[Node]:
    """The values a facet lists: the most frequent, except years, newest first."""
    if facet == "year":
        return sorted(counts, key=str, reverse=True)[:FACET_VALUES_SHOWN]
    return [value for value, _ in counts.most_common(FACET_VALUES_SHOWN)]


def _named(entries: Sequence[Entry]) -> list[Node]:
    return [
        n
        for e in entries
        for n in (e.agreement, e.kind, e.event, e.place, *e.parties, *e.topics, *e.sources)
        if n
    ]


def _row(entry: Entry, naming: Naming) -> Row:
    def term(node: Node | None) -> Term | None:
        return naming.term(node) if node is not None else None

    return Row(
        date=term(entry.date),
        agreement=naming.term(entry.agreement),
        kind=term(entry.kind),
        parties=tuple(sorted((naming.term(p) for p in entry.parties), key=lambda t: t.label.lower())),
        event=term(entry.event),
        place=term(entry.place),
        topics=tuple(sorted((naming.term(t) for t in entry.topics), key=lambda t: t.label.lower())),
        sources=tuple(naming.term(s) for s in entry.sources),
    )


def _facet(
    name: str, counts: Mapping[Node, int], top: list[Node], filters: Mapping[str, list[Node]], naming: Naming
) -> Facet:
    values = tuple(_toggle(name, v, counts[v], filters, naming) for v in top)
    return Facet(name, FACET_LABELS[name], values, max(0, len(counts) - len(values)))


def _toggle(
    facet: str, value: Node, count: int, filters: Mapping[str, list[Node]], naming: Naming
) -> FacetValue:
    """A facet value linking to the explorer with it added, or removed when it is already a filter."""
    current = [str(v) for v in filters.get(facet, [])]
    active = str(value) in current
    args = MultiDict(request.args)
    args.setlist(facet, [v for v in current if v != str(value)] if active else [*current, str(value)])
    args.pop("page", None)
    term = Term(str(value)) if facet == "year" else naming.term(value)
    return FacetValue(term, count, site_url("partnerships") + _query(args), active)


def _columns(sort: str) -> tuple[Column, ...]:
    made = []
    for label in ("Date", "Agreement", "Kind", "Parties", "Signed at", "Place", "Topics", "Source"):
        key = next((k for k, v in SORTS.items() if v == label), None)
        if key is None:
            made.append(Column(label, None, None))
            continue
        current = sort.lstrip("-") == key
        descending = sort.startswith("-")
        flipped = key if current and descending else f"-{key}" if current or key == "date" else key
        state = ("descending" if descending else "ascending") if current else None
        made.append(Column(label, _href(request.args, sort=flipped, page=None), state))
    return tuple(made)


def _network(entries: list[Entry], naming: Naming) -> Network:
    parties = [p for e in entries for p in e.parties]
    counted: dict[URIRef, int] = {}
    for party in parties:
        counted[party] = counted.get(party, 0) + 1
    subset = PartnershipIndex(tuple(entries), {})
    ranked = sorted(counted.items(), key=lambda item: (-item[1], str(item[0])))[:60]
    names = naming_for([p for p, _ in ranked])
    return web(
        [(names.term(p), n) for p, n in ranked],
        dict(subset.pairs()),
        "Institutions linked by their agreements",
    )


def _timeline(entries: list[Entry], whole: bool) -> Timeline | None:
    counts = yearly_counts(entries, index().events_per_year if whole else None)
    label = "Agreements and events per year" if whole else "These agreements per year"
    return yearly(counts, label) if counts else None


def downloads_of(args: MultiDict[str, str]) -> list[tuple[str, Format]]:
    query = _query(MultiDict([(k, v) for k, v in args.items(multi=True) if k != "page"]))
    return [(site_url(f"partnerships.{fmt.extension}") + query, fmt) for fmt in TABLE_FORMATS]


def _href(args: MultiDict[str, str], **changes: object) -> str:
    changed = MultiDict(args)
    for key, value in changes.items():
        if value is None:
            changed.pop(key, None)
        else:
            changed[key] = str(value)
    return site_url("partnerships") + _query(changed)


def _query(args: MultiDict[str, str]) -> str:
    pairs = [(k, v) for k, v in args.items(multi=True)]
    return "?" + urlencode(pairs) if pairs else ""


def rows_of(entries: Sequence[Entry]) -> list[Row]:
    naming = naming_for(_named(entries))
    return [_row(e, naming) for e in entries]


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def as_cell(text: str) -> str:
    """A label as a CSV cell a spreadsheet shows as text: one starting like a formula (``=HYPERLINK(...)``)
    gets a leading apostrophe (OWASP's advice against CSV injection)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def as_csv(rows: Sequence[Row]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "date",
            "agreement",
            "agreement_iri",
            "kind",
            "parties",
            "party_iris",
            "signed_at",
            "place",
            "topics",
            "sources",
        ]
    )
    for r in rows:
        writer.writerow(
            [
                r.date.machine if r.date else "",
                as_cell(r.agreement.label),
                r.agreement.iri,
                as_cell(r.kind.label) if r.kind else "",
                as_cell(" | ".join(p.label for p in r.parties)),
                " ".join(p.iri or "" for p in r.parties),
                r.event.iri if r.event else "",
                as_cell(r.place.label) if r.place else "",
                as_cell(" | ".join(t.label for t in r.topics)),
                " ".join(s.iri or "" for s in r.sources),
            ]
        )
    return out.getvalue()


def as_json(rows: Sequence[Row], total: int, truncated: bool) -> str:
    def named(term: Term | None) -> dict[str, str | None] | None:
        return {"iri": term.iri, "label": term.label} if term is not None else None

    data = {
        "total": total,
        "truncated": truncated,
        "rows": [
            {
                "date": r.date.machine if r.date else None,
                "agreement": named(r.agreement),
                "kind": named(r.kind),
                "parties": [named(p) for p in r.parties],
                "signed_at": named(r.event),
                "place": named(r.place),
                "topics": [named(t) for t in r.topics],
                "sources": [named(s) for s in r.sources],
            }
            for r in rows
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"
