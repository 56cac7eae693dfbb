"""Posts held and events taken part in: the rows person and organisation pages share.

A post holding (``org:Membership``) says who held which post, with the title as the source printed it;
news gives "title on a date", so a holding is dated by ``kgo:attestedOn`` or, failing that, by the events
its holder acted at in it. An event entry says who took part, in which role, on whose behalf and when.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rdflib import Literal, URIRef
from rdflib.term import Node

from publisher.queries import load_query, restricted
from publisher.store import Row, Store
from publisher.web.pages.answers import DateShown, by_key, iris_in
from publisher.web.pages.terms import Naming, Term
from publisher.web.site.dates import sort_key

HOLDING_DATES = load_query("holding-dates.rq")
CHUNK = 400


@dataclass(frozen=True)
class Holding:
    person: Term
    title: str | None  # as printed, else the post's or the title's name
    organisation: Term | None
    date: DateShown | None  # when a source vouches for it
    sources: tuple[Term, ...]


@dataclass(frozen=True)
class EventEntry:
    event: Term
    date: DateShown | None
    role: Term
    agent: Term | None  # who acted (on an organisation's page: its person or itself)
    party: Term | None  # on whose behalf


def holding_dates(store: Store, holdings: Sequence[URIRef]) -> tuple[Row, ...]:
    """Sources and event dates of ``holdings`` (a few queries, however many holdings)."""
    rows: list[Row] = []
    for start in range(0, len(holdings), CHUNK):
        rows += store.select(restricted(HOLDING_DATES, "holding", holdings[start : start + CHUNK])).rows
    return tuple(rows)


def latest_first(rows: Iterable[Row], key: str, date_keys: Sequence[str]) -> list[Node]:
    """The distinct ``key`` values of ``rows``, newest first by the latest of their dates (lexical order,
    so a year sorts before the days in it), then by IRI: a stable order for capped lists."""
    newest: dict[Node, str] = {}
    for row in rows:
        dates = [sort_key(row[k]) for k in date_keys if isinstance(row.get(k), Literal)]
        newest[row[key]] = max([newest.get(row[key], ""), *dates])
    return sorted(newest, key=lambda node: (newest[node], str(node)), reverse=True)


def holdings(
    rows: Sequence[Row],
    dates: Sequence[Row],
    chosen: Sequence[Node],
    naming: Naming,
    who: str,
    where: str | None,
) -> tuple[Holding, ...]:
    """Holdings ``chosen`` (in that order) from post rows (``who``: the holder's column, ``where``: the
    organisation's, None on an organisation's own page) and their :func:`holding_dates`."""
    by_holding = by_key(rows, "holding")
    vouched = by_key(dates, "holding")
    made = []
    for holding in chosen:
        row = by_holding[holding][0]
        extra = vouched.get(holding, [])
        organisation = row.get(where) if where else None
        made.append(
            Holding(
                person=naming.term(row[who]),
                title=_title(by_holding[holding], naming),
                organisation=naming.term(organisation) if organisation is not None else None,
                date=_vouched_date(by_holding[holding], extra, naming),
                sources=tuple(
                    naming.term(s) for s in sorted({r["source"] for r in extra if "source" in r}, key=str)
                ),
            )
        )
    return tuple(made)


def _title(rows: Sequence[Row], naming: Naming) -> str | None:
    printed = sorted({str(r["title"]) for r in rows if "title" in r})
    if printed:
        return "; ".join(printed)
    named = next((r[k] for r in rows for k in ("post", "role") if k in r), None)
    return naming.label(named) if named is not None else None


def _vouched_date(rows: Sequence[Row], extra: Sequence[Row], naming: Naming) -> DateShown | None:
    """The attested date, else the latest date of an event the holder acted at in the post."""
    stated = [r["attested"] for r in rows if isinstance(r.get("attested"), Literal)]
    stated = stated or [r["eventDate"] for r in extra if isinstance(r.get("eventDate"), Literal)]
    if not stated:
        return None
    latest = max(stated, key=lambda d: sort_key(d))
    return DateShown(naming.term(latest), sort_key(latest))


def event_entries(
    rows: Sequence[Row], chosen: Sequence[Node], naming: Naming, party: str | None
) -> tuple[EventEntry, ...]:
    """One entry per participation of the ``chosen`` events, in that order."""
    by_event = by_key(rows, "event")
    made = []
    for event in chosen:
        seen: set[Node] = set()
        for row in sorted(by_event[event], key=lambda r: str(r["participation"])):
            if row["participation"] in seen:
                continue
            seen.add(row["participation"])
            date = row.get("date")
            made.append(
                EventEntry(
                    event=naming.term(event),
                    date=DateShown(naming.term(date), sort_key(date)) if isinstance(date, Literal) else None,
                    role=naming.term(row["role"]),
                    agent=naming.term(row["agent"]) if "agent" in row else None,
                    party=naming.term(row[party]) if party and party in row else None,
                )
            )
    return tuple(made)


def named_in(*row_sets: Iterable[Row]) -> set[URIRef]:
    return {iri for rows in row_sets for iri in iris_in(rows)}
