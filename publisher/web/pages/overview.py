"""What the home page shows of the whole archive: how many things of each kind, a few of each, the newest
articles, the institutions with most agreements and the pairs of them, agreements and events per year.

Working it out reads every instance of the kinds it lists examples of (to sort them by name or date) and
every agreement: 2 s at 1M triples, 20-25 s at 10M (where each worker's first home page took 121 s). So
``kgpub build`` works it out once per release, right after publishing it, into ``overview.json`` beside the
manifest; a worker then only names the hundred or so things the home page lists, in the reader's languages.
Names are not part of it: they depend on the reader. A release without an overview made by the code running
now (one from an older kgpub, a remote store's census) has it worked out live, once per build and worker,
as before.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib import Literal, URIRef
from rdflib.term import Node

from publisher.queries import load_query, with_window
from publisher.sparql_text import insert_in_where
from publisher.web import publisher
from publisher.web.pages.entities import classes
from publisher.web.pages.explorer import index
from publisher.web.pages.indexes import DATED_KINDS, Member, members
from publisher.web.pages.kinds import KINDS
from publisher.web.pages.partnership_index import facet_counts, yearly_counts
from publisher.web.pages.prebuilt import renderer

OVERVIEW_NAME = "overview.json"
NEWEST = load_query("newest-articles.rq")
COUNT = load_query("kind-count.rq")
NEWEST_SHOWN = 10
EXAMPLES = 8  # things listed of each kind
RANKED = 60  # institutions the network draws from (the picture shows the first MAX_NODES of them)


@dataclass(frozen=True)
class KindSummary:
    count: int
    examples: tuple[Member, ...]


@dataclass(frozen=True)
class Overview:
    kinds: Mapping[str, KindSummary]  # every kind but articles (the newest stand for them)
    articles: tuple[Member, ...]  # the newest, newest first
    institutions: tuple[tuple[URIRef, int], ...]  # most agreements first: the network's nodes
    pairs: Mapping[tuple[str, str], int]  # agreements two of ``institutions`` made together (IRIs in order)
    topics: tuple[tuple[URIRef, int], ...]  # the topics of most agreements
    timeline: Mapping[str, tuple[int, int]]  # year -> agreements, events


def current_overview() -> Overview:
    """The served build's overview: the one the build wrote, else worked out here, once per build."""
    return publisher().memos.value("overview", _read_or_work_out)


def _read_or_work_out() -> Overview:
    release = publisher().release_dir
    written = read_overview(release) if release is not None else None
    return written if written is not None else work_out()


def work_out() -> Overview:
    """The overview of the served build, from its store (in an app context)."""
    agreements = index()
    institutions = agreements.institutions().most_common(RANKED)
    ranked = {str(p) for p, _ in institutions}
    topics = facet_counts(agreements.entries, "topic").most_common(EXAMPLES)
    examples = {
        "organisation": tuple(Member(p, (), None) for p, _ in institutions[:EXAMPLES]),
        "topic": tuple(Member(t, (), None) for t, _ in topics if isinstance(t, URIRef)),
        "agreement": tuple(Member(e.agreement, (), e.date) for e in agreements.entries[:EXAMPLES]),
    }
    kinds = {}
    for kind in KINDS:
        if kind.key in examples:  # counted by the engine: sorting them all by name would be wasted
            kinds[kind.key] = KindSummary(_count(kind.roots), examples[kind.key])
        elif kind.key != "article":
            listed = members(kind.roots, kind.key in DATED_KINDS)
            kinds[kind.key] = KindSummary(len(listed), listed[:EXAMPLES])
    # uncapped: its window bounds it
    newest = publisher().store.select(with_window(NEWEST, NEWEST_SHOWN), capped=False).rows
    return Overview(
        kinds=kinds,
        articles=tuple(Member(r["article"], (), r.get("published")) for r in newest),  # type: ignore[arg-type]
        institutions=tuple(institutions),
        pairs={pair: n for pair, n in agreements.pairs().items() if ranked.issuperset(pair)},
        topics=tuple((t, n) for t, n in topics if isinstance(t, URIRef)),
        timeline=yearly_counts(agreements.entries, agreements.events_per_year),
    )


def _count(roots: Sequence[Node]) -> int:
    """How many things are instances of ``roots`` or their subclasses (as many as ``members`` lists)."""
    types = " ".join(t.n3() for t in classes().members(roots) if isinstance(t, URIRef))
    query = insert_in_where(COUNT, f"VALUES ?type {{ {types} }}")
    assert query is not None, "kind-count.rq has a WHERE group"
    rows = publisher().store.select(query).rows
    return int(str(rows[0]["n"])) if rows else 0


# ---------------------------------------------------------------- the file


def write_overview(release: Path, overview: Overview) -> None:
    """Write ``overview.json`` into ``release`` atomically, marked with the code that made it."""
    document = {
        "made_by": renderer(),
        "kinds": {
            key: {"count": s.count, "examples": [_member_json(m) for m in s.examples]}
            for key, s in overview.kinds.items()
        },
        "articles": [_member_json(m) for m in overview.articles],
        "institutions": [[str(p), n] for p, n in overview.institutions],
        "pairs": [[a, b, n] for (a, b), n in sorted(overview.pairs.items())],
        "topics": [[str(t), n] for t, n in overview.topics],
        "timeline": {year: list(counts) for year, counts in sorted(overview.timeline.items())},
    }
    temporary = release / f"{OVERVIEW_NAME}.tmp-{os.getpid()}"
    temporary.write_text(
        json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8"
    )
    os.replace(temporary, release / OVERVIEW_NAME)


def read_overview(release: Path) -> Overview | None:
    """The overview the build wrote into ``release``; None if there is none by the code running now."""
    try:
        document = json.loads((release / OVERVIEW_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(document, dict) or document.get("made_by") != renderer():
        return None
    return Overview(
        kinds={
            key: KindSummary(s["count"], tuple(_member(m) for m in s["examples"]))
            for key, s in document["kinds"].items()
        },
        articles=tuple(_member(m) for m in document["articles"]),
        institutions=tuple((URIRef(p), n) for p, n in document["institutions"]),
        pairs={(a, b): n for a, b, n in document["pairs"]},
        topics=tuple((URIRef(t), n) for t, n in document["topics"]),
        timeline={year: (a, e) for year, (a, e) in document["timeline"].items()},
    )


def _member_json(member: Member) -> dict[str, Any]:
    date = member.date
    return {
        "iri": str(member.iri),
        "types": [str(t) for t in member.types],
        "date": None if date is None else [str(date), str(date.datatype or ""), date.language or ""],
    }


def _member(raw: Mapping[str, Any]) -> Member:
    date = raw["date"]
    return Member(
        URIRef(raw["iri"]),
        tuple(URIRef(t) for t in raw["types"]),
        None if date is None else Literal(date[0], datatype=date[1] or None, lang=date[2] or None),
    )
