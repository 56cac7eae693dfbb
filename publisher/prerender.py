"""Render entity pages during the build, so that serving a page is a file read (``web/pages/prebuilt.py``);
and work out the home page's overview of the archive (``web/pages/overview.py``), so a worker does not.

``kgpub build`` publishes the release, then calls :func:`prerender`: every thing readers look for
(institutions, people, agreements, events, topics, articles, places) gets its HTML page, rendered by the
same code that serves pages live, in worker processes. Modelling nodes (participations, post holdings...)
and every other variant (another language, a paged window, a remote store) are rendered on request, as
before. Until the pages are written the release is served by rendering live.

**Incrementally.** When the previous release has complete pages made by the same code, with the same
ontology, shapes and namespace, its pages are hard-linked and only those a change can reach are rendered
again (or removed). The change is read from the two releases: the triples of every graph whose hash
differs. A page can change when a changed triple

* has its entity (or a hash IRI of it) as subject or object: its statements, counts, types;
* names (label, type, image, address) something the page shows: a neighbour of its entity, or an article
  stating one of its facts (every node of that article's graph);
* matches a pattern of its kind's section queries (``reader.QUERIES``), or a label of a node they bind:
  the pages are found by walking those patterns back to ``?this`` (``pipeline/reach.py``, the walk the
  incremental validation uses), in the old and the new data.

A walk that cannot be bounded renders every page. ``tests/test_prerender.py`` checks that an incremental
render equals a full one, file for file, after additions, edits and deletions.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path

import pyoxigraph as ox
from flask import Flask
from rdflib import RDF, URIRef
from rdflib.term import Node
from werkzeug.exceptions import HTTPException

from publisher.manifest import Manifest
from publisher.pipeline import reach, rule_patterns
from publisher.queries import load_query, restricted
from publisher.settings import Settings
from publisher.sparql_text import declared_prefixes, renamed, where_group
from publisher.store.terms import to_oxigraph_subject, to_rdflib
from publisher.web.pages.kinds import KINDS, hierarchy
from publisher.web.pages.prebuilt import PAGES, PLACEHOLDER, mark_complete, remove_page, usable, write_page
from publisher.web.pages.reader import QUERIES, Walk
from publisher.web.site.labels import LABEL_PREDICATES, SDO

Triple = tuple[Node, Node, Node]
Say = Callable[[str], None]
MEMBERS = load_query("kind-members.rq")
CONTEXT_PREDICATES = (*LABEL_PREDICATES, RDF.type, SDO.contentUrl, SDO.caption, SDO.position, SDO.url)
SOURCE_KINDS = ("ontology", "shapes")  # a change to these renders every page (labels of every predicate)
WALKS = tuple(walk for walks in QUERIES.values() for walk in walks)


def summarise(settings: Settings, release: Path, say: Say) -> None:
    """Write ``release``/overview.json: what the home page shows of the whole archive."""
    from publisher.web.pages.overview import read_overview, work_out, write_overview

    if read_overview(release) is not None:  # an unchanged release, already summarised by this code
        return
    app = _app(settings, release)
    with app.test_request_context("/"):
        write_overview(release, work_out())
    say("wrote overview.json (the home page's counts and examples)")


def prerender(settings: Settings, release: Path, previous: Path | None, say: Say) -> int:
    """Write ``release``/pages; returns how many pages were rendered (the rest were kept)."""
    pages = release / PAGES
    if usable(pages, settings):
        return 0
    reused = previous / PAGES if previous is not None and _comparable(release, previous) else None
    wanted: set[str] | None = None
    if reused is not None and usable(reused, settings):
        wanted = _reached(settings, release, previous, reused)  # type: ignore[arg-type]
    if wanted is None:
        shutil.rmtree(pages, ignore_errors=True)
        wanted = set(_every_page(settings, release))
        say(f"pages: rendering {len(wanted)}")
    else:
        _link_tree(reused, pages)  # type: ignore[arg-type]
        say(f"pages: {len(wanted)} reached by the change, the others kept")
    count = _render_all(settings, release, sorted(wanted))
    mark_complete(pages, count, settings)
    return len(wanted)


def _comparable(release: Path, previous: Path) -> bool:
    """Whether pages of ``previous`` can be kept: same namespace, same ontology and shapes files."""
    new, old = Manifest.read(release), Manifest.read(previous)

    def model(manifest: Manifest) -> dict[str, str]:
        return {k: v for k, v in manifest.sources.items() if k.split("/", 1)[0] in SOURCE_KINDS}

    return new.namespace == old.namespace and model(new) == model(old)


def _link_tree(source: Path, target: Path) -> None:
    """A copy of ``source`` whose files are hard links (pages are replaced, never written in place)."""
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target, copy_function=os.link)
    (target / "COMPLETE").unlink(missing_ok=True)


# ---------------------------------------------------------------- which pages


def _every_page(settings: Settings, release: Path) -> list[str]:
    """The path of every thing of a reader's kind in the namespace."""
    store = _app(settings, release).extensions["kgpub"].current().store
    classes = hierarchy(store).members(root for kind in KINDS for root in kind.roots)
    namespace = Manifest.read(release).namespace
    things = {row["x"] for row in store.select(restricted(MEMBERS, "type", classes), capped=False).rows}
    paths = (
        str(t)[len(namespace) :] for t in things if isinstance(t, URIRef) and str(t).startswith(namespace)
    )
    return sorted(path for path in paths if "#" not in path)  # a hash IRI is shown by its base's page


def _reached(settings: Settings, release: Path, previous: Path, reused: Path) -> set[str] | None:
    """The paths of the pages the change between two releases can reach; None: every page."""
    namespace = Manifest.read(release).namespace
    new = ox.Store.read_only(str(release / "store"))
    old = ox.Store.read_only(str(previous / "store"))
    added, removed = _changes(Manifest.read(previous), Manifest.read(release), old, new)
    changed = added | removed
    graphs = reach.Graphs(new, removed)
    found: set[Node] = {n for t in changed for n in (t[0], t[2])}
    for node in _renamed(changed, old, new):
        found |= graphs.step(node, None, True) | graphs.step(node, None, False)
        found |= _in_graph(new, node, namespace)
        for walk in WALKS:
            shown = reach.binding(node, _branches(walk), graphs)
            if shown is None:
                return None
            found |= shown
    for walk in WALKS:
        reached = reach.candidates(_branches(walk), changed, graphs, only_iris=True)
        if reached is None:
            return None
        found |= reached
    inside = (node for node in found if isinstance(node, URIRef) and str(node).startswith(namespace))
    return {_path(node, namespace) for node in inside}


def _renamed(changed: set[Triple], old: ox.Store, new: ox.Store) -> set[Node]:
    """Nodes that were there before and are still there, whose label, type, image or address changed: every
    page showing them by name changes. (A node new or gone is shown only where a changed triple links it,
    which the walk of the changed triples finds.)"""
    named = {s for s, p, _ in changed if p in CONTEXT_PREDICATES}
    return {node for node in named if _exists(old, node) and _exists(new, node)}


def _exists(store: ox.Store, node: Node) -> bool:
    quads = store.quads_for_pattern(to_oxigraph_subject(node), None, None, None)
    return next(iter(quads), None) is not None


def _changes(
    old: Manifest, new: Manifest, old_store: ox.Store, new_store: ox.Store
) -> tuple[set[Triple], set[Triple]]:
    """The triples added to and removed from every graph whose content changed."""
    added: set[Triple] = set()
    removed: set[Triple] = set()
    for graph in sorted(set(old.graph_hashes) | set(new.graph_hashes)):
        if old.graph_hashes.get(graph) == new.graph_hashes.get(graph):
            continue
        before, after = _triples(old_store, graph), _triples(new_store, graph)
        added |= after - before
        removed |= before - after
    return added, removed


def _triples(store: ox.Store, graph: str) -> set[Triple]:
    quads = store.quads_for_pattern(None, None, None, ox.NamedNode(graph))
    return {(to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)) for q in quads}


def _in_graph(store: ox.Store, node: Node, namespace: str) -> set[Node]:
    """Every node an article's graph holds now, when ``node`` is that article (its headline names the source
    of their facts); the nodes of triples it no longer holds are among the changed ones already."""
    prefix = f"{namespace}id/article/"
    if not str(node).startswith(prefix):
        return set()
    graph = ox.NamedNode(f"{namespace}graph/article/{str(node)[len(prefix) :]}")
    quads = store.quads_for_pattern(None, None, None, graph)
    return {to_rdflib(term) for q in quads for term in (q.subject, q.object)}


def _path(node: Node, namespace: str) -> str:
    return str(node)[len(namespace) :].split("#", 1)[0]


@cache
def _branches(walk: Walk) -> reach.Branches | None:
    """The patterns of a page section as one conjunctive query: its root query, and each detail query joined
    on ``walk.on`` (its other variables kept apart)."""
    texts = [load_query(name) for name in ((walk.root,) if walk.root else ()) + walk.details]
    groups: list[str] = []
    for index, text in enumerate(texts):
        is_detail = walk.root is None or index > 0
        group = where_group(renamed(text, _detail_rename(walk, index) if is_detail else str))
        if group is None:
            return None
        groups.append(group)
    prologue = "".join(
        f"PREFIX {p}: <{ns}>\n" for text in texts for p, ns in declared_prefixes(text, "").items()
    )
    return rule_patterns.read(f"{prologue}SELECT * WHERE {{ {' '.join(groups)} }}")


def _detail_rename(walk: Walk, index: int) -> Callable[[str], str]:
    def rename(name: str) -> str:
        if name == walk.on:
            return "this" if walk.root is None else name
        return f"{name}_{index}"

    return rename


# ---------------------------------------------------------------- rendering


def _render_all(settings: Settings, release: Path, paths: Sequence[str]) -> int:
    """Render ``paths`` in worker processes (one per core); returns how many pages exist now."""
    workers = max(1, min(os.cpu_count() or 1, len(paths) // 200 or 1))
    shares = [list(paths[n::workers]) for n in range(workers)]
    if workers == 1:
        _render_share(settings, release, shares[0])
    else:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            pool.starmap(_render_share, [(settings, release, share) for share in shares])
    return sum(1 for _ in (release / PAGES).rglob("*.html"))


def _render_share(settings: Settings, release: Path, paths: list[str]) -> None:
    from publisher.web.pages.entities import rendered

    app = _app(settings, release)
    pages = release / PAGES
    with app.test_request_context("/", base_url=PLACEHOLDER):
        for path in paths:
            try:
                page = rendered(path)
            except HTTPException:  # a path no entity page can have (reserved, malformed)
                page = None
            if page is None:
                remove_page(pages, path)
            else:
                write_page(pages, path, *page)


def _app(settings: Settings, release: Path) -> Flask:
    """An app that renders ``release`` as a server would (whatever a later build publishes meanwhile), but
    with the placeholder base (never a configured ``web_base``: one file serves every host) and no in-memory
    copy of the store (hundreds of MiB per rendering process that no page query would use)."""
    from publisher import create_app

    return create_app(settings.with_(web_base=None, memory_store_triples=0), release)
