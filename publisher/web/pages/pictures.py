"""Pictures drawn by the server as inline SVG: a network of institutions linked by their agreements, and a
timeline of events and agreements.

Only geometry is decided here (frozen dataclasses, numbers rounded so the markup is stable); the markup is
``_pictures.html``, where Jinja escapes every name like any other text. The pictures read without
JavaScript, print, and carry accessible names (a ``<title>`` per mark, an ``aria-label`` per picture) plus
the same facts as a list beside them. They stay bounded at any size of the archive: a network draws at
most ``MAX_NODES`` institutions (the rest are counted, "and N more") and is laid out on a circle by rank,
O(n log n); a timeline draws each item while there are few and counts per year when there are many.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from publisher.web.pages.terms import Term

MAX_NODES = 24
MAX_MARKS = 30
WIDTH = 720
LABEL_CHARS = 22
# A network's canvas: an ellipse of nodes, wide enough for a 22-character label beside each side node.
NET_WIDTH, NET_HEIGHT = 840, 460
# A timeline's rows: the text at the left, the axis at the right.
AXIS_LEFT, ROW, TEXT_CHARS = 360, 24, 44
MIDDLE_X, MIDDLE_Y = NET_WIDTH / 2, NET_HEIGHT / 2
RING_X, RING_Y = 180, 180


@dataclass(frozen=True)
class NetNode:
    term: Term
    x: float
    y: float
    r: float
    count: int  # agreements with the centre (or in all, on the whole graph)
    short: str  # the label cut to fit; the whole name is in the node's <title>
    anchor: str  # where the label sits: "start", "middle" or "end"
    lx: float
    ly: float


@dataclass(frozen=True)
class NetEdge:
    x1: float
    y1: float
    x2: float
    y2: float
    width: float
    title: str


@dataclass(frozen=True)
class Network:
    label: str  # the picture's accessible name
    width: int
    height: int
    nodes: tuple[NetNode, ...]
    edges: tuple[NetEdge, ...]
    more: int  # institutions not drawn


def star(centre: Term, partners: Sequence[tuple[Term, int]], label: str, total: int | None = None) -> Network:
    """An organisation in the middle, its partners around it (most agreements first), one edge each;
    ``total``: how many partners it has in all, when ``partners`` lists only the first."""
    shown = sorted(partners, key=lambda p: (-p[1], p[0].label.lower()))[:MAX_NODES]
    hub = _node(centre, MIDDLE_X, MIDDLE_Y, 14, 0)
    ring = [
        _on_circle(term, count, index, len(shown), _radius(count, shown))
        for index, (term, count) in enumerate(shown)
    ]
    edges = tuple(
        NetEdge(
            MIDDLE_X,
            MIDDLE_Y,
            n.x,
            n.y,
            _width(n.count, shown),
            f"{centre.label} and {n.term.label}: {_n(n.count)}",
        )
        for n in ring
    )
    more = (len(partners) if total is None else total) - len(shown)
    return Network(label, NET_WIDTH, NET_HEIGHT, (hub, *ring), edges, max(0, more))


def web(ranked: Sequence[tuple[Term, int]], pairs: Mapping[tuple[str, str], int], label: str) -> Network:
    """The whole graph: the institutions with most agreements on a circle, an edge per pair of them that
    made agreements together (by IRI in ``pairs``), as thick as how many."""
    shown = sorted(ranked, key=lambda p: (-p[1], p[0].label.lower()))[:MAX_NODES]
    ring = [
        _on_circle(term, count, index, len(shown), _radius(count, shown))
        for index, (term, count) in enumerate(shown)
    ]
    at = {node.term.iri: node for node in ring}
    weights = [n for (a, b), n in pairs.items() if a in at and b in at]
    heaviest = max(weights, default=1)
    edges = tuple(
        NetEdge(
            at[a].x,
            at[a].y,
            at[b].x,
            at[b].y,
            round(1 + 5 * n / heaviest, 1),
            f"{at[a].term.label} and {at[b].term.label}: {_n(n)}",
        )
        for (a, b), n in sorted(pairs.items())
        if a in at and b in at
    )
    return Network(label, NET_WIDTH, NET_HEIGHT, tuple(ring), edges, max(0, len(ranked) - len(shown)))


def _n(count: int) -> str:
    return f"{count} agreement" + ("" if count == 1 else "s")


def _radius(count: int, shown: Sequence[tuple[Term, int]]) -> float:
    most = max((n for _, n in shown), default=1)
    return round(5 + 7 * math.sqrt(count / most), 1)


def _width(count: int, shown: Sequence[tuple[Term, int]]) -> float:
    most = max((n for _, n in shown), default=1)
    return round(1 + 5 * count / most, 1)


def _on_circle(term: Term, count: int, index: int, total: int, r: float) -> NetNode:
    angle = -math.pi / 2 + 2 * math.pi * index / max(total, 1)
    return _node(term, MIDDLE_X + RING_X * math.cos(angle), MIDDLE_Y + RING_Y * math.sin(angle), r, count)


def _node(term: Term, x: float, y: float, r: float, count: int) -> NetNode:
    """A node with its label beside it, on the side away from the centre (so labels do not cross edges)."""
    side = x - MIDDLE_X
    anchor = "middle" if abs(side) < 20 else ("start" if side > 0 else "end")
    lx = x + (r + 4 if anchor == "start" else -(r + 4) if anchor == "end" else 0)
    ly = y + (r + 14 if anchor == "middle" and y >= MIDDLE_Y else -(r + 6) if anchor == "middle" else 4)
    short = _cut(term.label, LABEL_CHARS)
    return NetNode(term, round(x, 1), round(y, 1), r, count, short, anchor, round(lx, 1), round(ly, 1))


@dataclass(frozen=True)
class Mark:
    """One dated item on a timeline: an agreement (and with whom) or an event."""

    term: Term
    date: str  # as people read it
    key: str  # ISO, at its precision
    kind: str  # "agreement" or "event"
    note: str  # with whom, in which role...


@dataclass(frozen=True)
class PlacedMark:
    """A mark on its row: the text at the left (cut to fit), the dot at its date on the axis."""

    mark: Mark
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class YearBar:
    year: str
    x: float
    agreements: int
    events: int
    agreements_height: float
    events_height: float


@dataclass(frozen=True)
class Timeline:
    label: str
    width: int
    height: int
    ticks: tuple[tuple[float, str], ...]
    marks: tuple[PlacedMark, ...]  # when few
    bars: tuple[YearBar, ...]  # when many: counts per year
    undated: int


def timeline(marks: Sequence[Mark], label: str) -> Timeline:
    """Items on a time axis (each drawn while at most ``MAX_MARKS``, counted per year beyond)."""
    dated = sorted((m for m in marks if m.key), key=lambda m: (m.key, m.term.label))
    undated = len(marks) - len(dated)
    years = sorted({int(m.key[:4]) for m in dated if m.key[:4].isdigit()})
    if not years:
        return Timeline(label, WIDTH, 60, (), (), (), undated)
    first, last = years[0], years[-1] + 1
    span = max(last - first, 1)
    left, right = AXIS_LEFT, WIDTH - 20

    def x_of(key: str) -> float:
        year = int(key[:4])
        month = int(key[5:7]) if len(key) >= 7 and key[5:7].isdigit() else 7
        day = int(key[8:10]) if len(key) >= 10 and key[8:10].isdigit() else 15
        fraction = (year - first + (month - 1) / 12 + (day - 1) / 365) / span
        return round(left + (right - left) * fraction, 1)

    step = max(1, math.ceil(span / 10))
    ticks = tuple((x_of(f"{year}-01-01"), str(year)) for year in range(first, last + 1, step))
    if len(dated) <= MAX_MARKS:
        placed = tuple(
            PlacedMark(m, x_of(m.key), 24 + ROW * index, _cut(f"{m.date} · {_line(m)}", TEXT_CHARS))
            for index, m in enumerate(dated)
        )
        return Timeline(label, WIDTH, 56 + ROW * len(dated), ticks, placed, (), undated)
    counts: dict[str, tuple[int, int]] = {}
    for mark in dated:
        a, e = counts.get(mark.key[:4], (0, 0))
        counts[mark.key[:4]] = (a + 1, e) if mark.kind == "agreement" else (a, e + 1)
    return yearly(counts, label, undated)


def _line(mark: Mark) -> str:
    """An agreement by whom it was with; an event by its name and the part played."""
    if mark.kind == "agreement" and mark.note:
        return mark.note
    return f"{mark.term.label} ({mark.note})" if mark.note else mark.term.label


def _cut(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: chars - 1] + "…"


def yearly(counts: Mapping[str, tuple[int, int]], label: str, undated: int = 0) -> Timeline:
    """Agreements and other events counted per year (year -> (agreements, events)), as bars."""
    years = sorted(int(year) for year in counts if year.isdigit())
    if not years:
        return Timeline(label, WIDTH, 60, (), (), (), undated)
    first, span = years[0], max(years[-1] + 1 - years[0], 1)
    left, right = 40, WIDTH - 20
    width = (right - left) / span
    step = max(1, math.ceil(span / 10))
    ticks = tuple(
        (round(left + width * (year - first), 1), str(year)) for year in range(first, years[-1] + 2, step)
    )
    most = max(max(a, e) for a, e in counts.values()) or 1
    scale = 130 / most
    bars = tuple(
        YearBar(
            year,
            round(left + width * (int(year) - first) + 2, 1),
            a,
            e,
            round(a * scale, 1),
            round(e * scale, 1),
        )
        for year, (a, e) in sorted(counts.items())
        if year.isdigit()
    )
    return Timeline(label, WIDTH, 200, ticks, (), bars, undated)
