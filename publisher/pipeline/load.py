"""Find and parse the project's sources into named graphs.

Every file is parsed with pyoxigraph (fast, and it reports the line of a syntax error) against the
configured namespace, so data files' relative IRIs follow the ``namespace`` setting. The result keeps, per
subject, the files that describe it: validation reports then name the file to fix, not only the node.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pyoxigraph as ox
from rdflib import Graph
from rdflib import Literal as RdfLiteral
from rdflib.term import Node

from publisher.errors import DataError
from publisher.settings import ONTOLOGY_IRI, Settings
from publisher.store.terms import to_oxigraph_subject, to_rdflib

Kind = Literal["ontology", "entities", "article", "shapes"]
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
NEWS_ARTICLE_CLASSES = frozenset(f"{scheme}://schema.org/NewsArticle" for scheme in ("http", "https"))
SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~-]*")
LOADERS = min(4, os.cpu_count() or 1)  # article files parsed into the store at once
_POSITION_PREFIX = re.compile(
    r"^Parser error [^:]*:\s*"
)  # "Parser error at line 6 between columns 1 and 5: "


@dataclass(frozen=True)
class Source:
    """One source file and where its triples go."""

    path: Path
    relpath: str  # POSIX path relative to the project directory: stable manifest keys
    kind: Kind
    graph: str | None  # target named graph; None for shapes (they are not published in the store)
    sha256: str
    stat: tuple[
        int, ...
    ] = ()  # size, mtime_ns, ctime_ns, inode; empty if too recent to vouch for (``discover``)


@dataclass
class Project:
    """Everything parsed from one project directory, ready to validate and publish."""

    settings: Settings
    sources: tuple[Source, ...]
    store: ox.Store  # in memory: ontology + data graphs, exactly what gets published
    shapes: list[ox.Triple]
    prefixes: dict[str, str] = field(default_factory=dict)
    prefix_sources: dict[str, str] = field(default_factory=dict)  # prefix -> the file that declared it first
    subject_files: dict[Node, tuple[str, ...]] = field(default_factory=dict)

    @property
    def data_graphs(self) -> list[str]:
        return sorted({s.graph for s in self.sources if s.kind in ("entities", "article") and s.graph})

    def graph_triples(self, graph_iris: Iterable[str]) -> Iterable[ox.Quad]:
        for iri in graph_iris:
            yield from self.store.quads_for_pattern(None, None, None, ox.NamedNode(iri))

    def rdflib_graph(self, graph_iris: Iterable[str]) -> Graph:
        """The union of some graphs as one rdflib ``Graph`` (what pySHACL consumes)."""
        return to_rdflib_graph(
            (ox.Triple(q.subject, q.predicate, q.object) for q in self.graph_triples(graph_iris)),
            self.prefixes,
        )

    def rdflib_shapes(self) -> Graph:
        return to_rdflib_graph(self.shapes, self.prefixes)

    @functools.cached_property
    def _article_files(self) -> dict[str, tuple[int, str]]:
        """Article graph -> (source position, file)."""
        return {
            s.graph: (i, s.relpath) for i, s in enumerate(self.sources) if s.kind == "article" and s.graph
        }

    def files_of(self, subject: Node) -> tuple[str, ...]:
        """The files describing ``subject``, in source order: as parsed, then the article files whose graphs
        state it (looked up in the store when asked: only reports ask, for few nodes)."""
        graphs = graphs_stating(self.store, subject)
        articles = sorted(self._article_files[g] for g in graphs if g in self._article_files)
        return self.subject_files.get(subject, ()) + tuple(relpath for _, relpath in articles)


def graphs_stating(store: ox.Store, node: Node) -> set[str]:
    """The named graphs of ``store`` in which ``node`` is a subject (none for a literal)."""
    if isinstance(node, RdfLiteral):
        return set()
    return {
        q.graph_name.value
        for q in store.quads_for_pattern(to_oxigraph_subject(node), None, None, None)
        if isinstance(q.graph_name, ox.NamedNode)
    }


def load(settings: Settings, progress: Callable[[str], None] | None = None) -> Project:
    """Parse all sources; raise ``DataError(path, line, cause)`` on the first file that is wrong.

    Article files (nearly all of an archive) are loaded by the store itself, with no Python object per
    triple, by ``LOADERS`` threads at once (the loader releases the GIL; at 1M triples 12 s became 4-5 s).
    Which article each states comes back from one query; which files describe a node is looked up when a
    report asks (``Project.files_of``). An article's prefixes are those declared before its first triple
    (where prefixes go; a later one still serves the parsing, but not the dumps and reports).
    """
    sources = discover(settings)
    store = ox.Store()
    shapes: list[ox.Triple] = []
    prefixes: dict[str, str] = {}
    prefix_sources: dict[str, str] = {}
    subject_files: dict[Node, list[str]] = defaultdict(list)
    articles = [source for source in sources if source.kind == "article"]
    with ThreadPoolExecutor(LOADERS) as pool, _cancelled_on_error(pool):
        loaded = pool.map(lambda source: _load_article(store, source, settings.namespace), articles)
        for source in sources:
            if source.kind == "article":
                # in source order: the first file that fails is reported
                add_declared(prefixes, prefix_sources, next(loaded), source.relpath)
                continue
            triples, file_prefixes = parse_file(source.path, settings.namespace)
            add_declared(prefixes, prefix_sources, file_prefixes, source.relpath)
            if source.kind == "shapes":
                shapes.extend(triples)
                continue
            _record_subjects(subject_files, triples, source.relpath)
            graph = ox.NamedNode(source.graph or "")
            store.extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples)
    _check_articles(store, articles, settings.namespace)
    if progress:
        progress(f"parsed {len(sources)} files: {len(store)} triples, {len(shapes)} shape triples")
    files = {subject: tuple(paths) for subject, paths in subject_files.items()}
    return Project(settings, tuple(sources), store, shapes, prefixes, prefix_sources, files)


def add_declared(
    prefixes: dict[str, str], first: dict[str, str], declared: Mapping[str, str], relpath: str
) -> None:
    """The first file to declare a prefix names it (``first``: prefix -> that file)."""
    for prefix, iri in declared.items():
        if prefix not in prefixes:
            prefixes[prefix], first[prefix] = iri, relpath


def declared_prefixes(source: Source, base_iri: str) -> dict[str, str]:
    """The prefixes a source contributes: an article's before its first triple, any other file's all."""
    if source.kind == "article":
        return _leading_prefixes(source.path, base_iri)
    return parse_file(source.path, base_iri)[1]


@contextmanager
def _cancelled_on_error(pool: ThreadPoolExecutor) -> Iterator[None]:
    """A build that fails on one file does not wait for the files queued after it to load."""
    try:
        yield
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise


def _load_article(store: ox.Store, source: Source, base_iri: str) -> dict[str, str]:
    """Parse one article file straight into its named graph of ``store``; returns its leading prefixes."""
    with _reported_as_data_error(source.path):
        store.load(
            path=source.path,
            format=ox.RdfFormat.TURTLE,
            base_iri=base_iri,
            to_graph=ox.NamedNode(source.graph or ""),
        )
    return _leading_prefixes(source.path, base_iri)


def _leading_prefixes(path: Path, base_iri: str) -> dict[str, str]:
    """The prefixes a Turtle file declares before its first triple (the parser stops there)."""
    with _reported_as_data_error(path):
        parser = ox.parse(path=path, format=ox.RdfFormat.TURTLE, base_iri=base_iri, without_named_graphs=True)
        next(parser, None)
    return dict(parser.prefixes)


def _check_articles(store: ox.Store, articles: list[Source], namespace: str) -> None:
    """``check_article`` for every loaded article file, in source order."""
    classes = " ".join(f"<{iri}>" for iri in sorted(NEWS_ARTICLE_CLASSES))  # constants, not input
    stated: dict[str, set[str]] = defaultdict(set)
    rows = store.query(f"SELECT ?g ?s {{ GRAPH ?g {{ ?s a ?c }} VALUES ?c {{ {classes} }} }}")
    assert isinstance(rows, ox.QuerySolutions)
    for row in rows:
        stated[row[0].value].add(row[1].value)
    for source in articles:
        check_article(source, stated.get(source.graph or "", set()), namespace)


Known = Mapping[str, tuple[str, Sequence[int]]]  # relpath -> (sha256, stat) from the last build
RACY_NS = 2_000_000_000  # files changed this recently are not vouched for by their status


def discover(settings: Settings, known: Known | None = None) -> list[Source]:
    """All source files in a fixed order (ontology, entities, articles, shapes), each with its target graph.

    A file whose size, mtime, ctime and inode equal what the last build recorded keeps that build's hash
    instead of being read again (at 1M triples, 6.5k files: 0.4 s of an incremental build), as git's index
    does. As in git, a file modified less than 2 s before it was hashed gets no recorded status (a rewrite
    within the clock's granularity could keep all four), so the next build hashes it again.
    """
    now_ns = time.time_ns()

    def source(path: Path, kind: Kind, graph: str | None) -> Source:
        return _source(settings, path, kind, graph, known or {}, now_ns - RACY_NS)

    ontology = _turtle_files(settings.ontology_dir)
    if not ontology:
        raise DataError(settings.ontology_dir, None, "no ontology files (*.ttl) found")
    found: list[Source] = [source(path, "ontology", ONTOLOGY_IRI) for path in ontology]
    for kind, folder in (("entities", "entities"), ("article", "articles")):
        for path in _turtle_files(settings.data_dir / folder):
            if not SLUG.fullmatch(path.stem):
                raise DataError(path, None, f"{kind} file name {path.stem!r} is not a valid IRI segment")
            found.append(source(path, kind, data_graph(settings, kind, path)))  # type: ignore[arg-type]
    found.extend(source(path, "shapes", None) for path in _turtle_files(settings.shapes_dir))
    return found


def data_graph(settings: Settings, kind: Kind, path: Path) -> str:
    """The named graph a data file feeds: its own, ``graph/entities/<name>`` or ``graph/article/<slug>``.

    One graph per file keeps what a change touches small: an article that brings new people in a new
    entities file adds two small graphs, and no build re-reads the shared reference data to find them.
    """
    if kind == "entities":
        return f"{settings.namespace}graph/entities/{path.stem}"
    return f"{settings.namespace}graph/article/{path.stem}"


def data_kind(settings: Settings, path: Path) -> Kind | None:
    """What a path under ``data/`` is (even a deleted one): an entities or an article file, or neither."""
    for kind, folder in (("entities", "entities"), ("article", "articles")):
        if path.parent == settings.data_dir / folder and path.suffix == ".ttl":
            return kind  # type: ignore[return-value]
    return None


def _turtle_files(folder: Path) -> list[Path]:
    """``*.ttl`` in ``folder``, sorted by name (as strings: Path comparison costs ~5x more per file)."""
    return [folder / name for name in sorted(p.name for p in folder.glob("*.ttl"))]


def _source(
    settings: Settings, path: Path, kind: Kind, graph: str | None, known: Known, settled_ns: int
) -> Source:
    relpath = _relpath(settings.project_dir, path)
    try:
        info = path.stat()
        stat = (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
        sha, recorded = known.get(relpath, ("", ()))
        if not (sha and tuple(recorded) == stat):
            with path.open("rb") as handle:
                sha = hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError as err:
        raise DataError(path, None, f"cannot read: {err.strerror or err}") from err
    vouched = stat if max(info.st_mtime_ns, info.st_ctime_ns) < settled_ns else ()
    return Source(path=path, relpath=relpath, kind=kind, graph=graph, sha256=sha, stat=vouched)


@functools.lru_cache(maxsize=64)
def _folder_relpath(project_dir: Path, folder: Path) -> str:
    return folder.relative_to(project_dir).as_posix()


def _relpath(project_dir: Path, path: Path) -> str:
    """``path`` relative to the project, as POSIX text (one ``relative_to`` per folder, not per file)."""
    folder = _folder_relpath(project_dir, path.parent)
    return f"{folder}/{path.name}" if folder != "." else path.name


def parse_file(path: Path, base_iri: str) -> tuple[list[ox.Triple], dict[str, str]]:
    """Parse one Turtle file; relative IRIs resolve against ``base_iri``. Returns triples and prefixes."""
    with _reported_as_data_error(path):
        parser = ox.parse(path=path, format=ox.RdfFormat.TURTLE, base_iri=base_iri, without_named_graphs=True)
        triples = [ox.Triple(q.subject, q.predicate, q.object) for q in parser]
    return triples, dict(parser.prefixes)


@contextmanager
def _reported_as_data_error(path: Path) -> Iterator[None]:
    """Parser and I/O errors as ``DataError(path, line, cause)``."""
    try:
        yield
    except SyntaxError as err:
        raise DataError(path, _line_of(err), _cause_of(err)) from err
    except (OSError, ValueError) as err:
        raise DataError(path, None, str(err)) from err


def _line_of(err: SyntaxError) -> int | None:
    if err.lineno:
        return int(err.lineno)
    found = re.search(r"line (\d+)", str(err))
    return int(found.group(1)) if found else None


def _cause_of(err: SyntaxError) -> str:
    """The parser's message without the 'at line N' preamble (the line is reported separately)."""
    message = str(err.msg if err.msg else err)
    column = f"column {err.offset}: " if err.offset else ""
    return column + _POSITION_PREFIX.sub("", message)


def check_article(source: Source, articles: Iterable[str], namespace: str) -> None:
    """An article file describes exactly one ``schema:NewsArticle`` (``articles``: the IRIs it types so),
    whose IRI is ``{ns}id/article/<slug>``."""
    expected = f"{namespace}id/article/{source.path.stem}"
    found = sorted(set(articles))
    if found == [expected]:
        return
    if not found:
        cause = f"no schema:NewsArticle is described; expected <{expected}>"
    else:
        listed = ", ".join(f"<{iri}>" for iri in found)
        cause = f"expected exactly one schema:NewsArticle <{expected}>, found {listed}"
    raise DataError(source.path, None, cause)


def news_articles(triples: Iterable[ox.Triple]) -> set[str]:
    """The IRIs that ``triples`` type as a ``schema:NewsArticle``."""
    return {
        t.subject.value
        for t in triples
        if isinstance(t.subject, ox.NamedNode) and t.predicate == RDF_TYPE and _is_news_article(t.object)
    }


def _is_news_article(term: object) -> bool:
    return isinstance(term, ox.NamedNode) and term.value in NEWS_ARTICLE_CLASSES


def _record_subjects(index: dict[Node, list[str]], triples: list[ox.Triple], relpath: str) -> None:
    for subject in {t.subject for t in triples}:
        key = to_rdflib(subject)
        if relpath not in index[key]:
            index[key].append(relpath)


def to_rdflib_graph(triples: Iterable[ox.Triple], prefixes: dict[str, str]) -> Graph:
    graph = Graph()
    for prefix, iri in prefixes.items():
        graph.bind(prefix, iri, override=True, replace=True)  # keep the files' own prefixes
    add = graph.add
    for triple in triples:
        add((to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object)))
    return graph
