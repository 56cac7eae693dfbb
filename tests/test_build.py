"""The build: parsing with file:line errors, validation reports, atomic publication, dumps, manifest.

Most tests use the tiny project in ``tests/fixtures/mini`` (copied to a temporary folder, so builds never
write into the repository); one builds the real project when its data is present.
"""

from __future__ import annotations

import gzip
import json
import shutil
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic

from publisher.errors import DataError, ValidationFailed
from publisher.manifest import Manifest
from publisher.pipeline.load import load
from publisher.pipeline.publish import KEEP_RELEASES, build, prune
from publisher.pipeline.validate import validate
from publisher.settings import ONTOLOGY_IRI, Settings
from publisher.store.embedded import EmbeddedStore
from publisher.store.terms import to_rdflib

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
NS = "https://kgpub.example.org/"


def copy_mini(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "mini", project)
    return project


def mini_settings(tmp_path: Path, **changes: object) -> Settings:
    return Settings(project_dir=copy_mini(tmp_path), build_dir=tmp_path / "build", **changes)  # type: ignore[arg-type]


def broken_project(name: str, tmp_path: Path) -> Path:
    """The mini project with the real ontology (when present) and one broken data folder laid over it."""
    project = copy_mini(tmp_path)
    if list((ROOT / "ontology").glob("*.ttl")):
        shutil.rmtree(project / "ontology")
        shutil.copytree(ROOT / "ontology", project / "ontology")
    shutil.copytree(FIXTURES / "broken" / name / "data", project / "data", dirs_exist_ok=True)
    return project


def add_file(project: Path, relpath: str, text: str) -> None:
    (project / relpath).write_text(text, encoding="utf-8")


NAMELESS_ORG = """@prefix org: <id/org/> .
@prefix kgo: <https://kgpub.example.org/ontology#> .
org:nameless a kgo:University .
"""


# --- load -------------------------------------------------------------------------------------------


def test_sources_go_to_their_named_graphs(tmp_path: Path) -> None:
    project = load(mini_settings(tmp_path))
    assert project.data_graphs == [
        f"{NS}graph/article/first-news",
        f"{NS}graph/article/second-news",
        f"{NS}graph/entities/orgs",  # one graph per entities file
    ]
    article = ox.NamedNode(f"{NS}id/article/first-news")
    graphs = {q.graph_name.value for q in project.store.quads_for_pattern(article, None, None, None)}
    assert graphs == {f"{NS}graph/article/first-news"}
    assert project.files_of(URIRef(f"{NS}id/org/tju")) == ("data/entities/orgs.ttl",)
    assert len(list(project.graph_triples([ONTOLOGY_IRI]))) > 0


def test_namespace_setting_moves_every_minted_iri(tmp_path: Path) -> None:
    project = load(mini_settings(tmp_path, namespace="https://news.example.edu/kg/"))
    subjects = {q.subject.value for q in project.store if isinstance(q.subject, ox.NamedNode)}
    assert "https://news.example.edu/kg/id/article/first-news" in subjects
    assert not any(s.startswith(f"{NS}id/") for s in subjects)


@pytest.mark.parametrize("name", ["missing-dot", "unterminated-string", "wrong-article", "two-articles"])
def test_bad_source_names_file_and_line(name: str, tmp_path: Path) -> None:
    expected_path, expected_line = (
        (FIXTURES / "broken" / name / "expected.txt").read_text().strip().rsplit(":", 1)
    )
    project = broken_project(name, tmp_path)
    with pytest.raises(DataError) as caught:
        load(Settings(project_dir=project, build_dir=tmp_path / "build"))
    error = caught.value
    assert error.path == project / expected_path
    assert error.line == (None if expected_line == "?" else int(expected_line))
    assert str(error).startswith(f"{project / expected_path}:{expected_line}: ")
    assert error.exit_code == 2


# --- validate ---------------------------------------------------------------------------------------


def test_warnings_do_not_fail_and_name_their_file(tmp_path: Path) -> None:
    report = validate(load(mini_settings(tmp_path)))
    assert report.conforms
    [warning] = report.warnings
    assert warning.severity == "Warning"
    assert warning.focus_node == URIRef(f"{NS}id/person/li")
    assert warning.files == ("data/entities/orgs.ttl",)
    assert "WARNING in data/entities/orgs.ttl" in report.text()


def test_violation_reports_focus_path_shape_and_file(tmp_path: Path) -> None:
    settings = mini_settings(tmp_path)
    add_file(settings.project_dir, "data/entities/more.ttl", NAMELESS_ORG)
    report = validate(load(settings))
    assert not report.conforms
    [violation] = report.violations
    assert violation.focus_node == URIRef(f"{NS}id/org/nameless")  # found through rdfs:subClassOf
    assert violation.path == URIRef("http://schema.org/name")
    assert violation.files == ("data/entities/more.ttl",)
    assert "kgs:OrganizationShape / schema:name" in report.text()


def test_sparql_constraint_runs(tmp_path: Path) -> None:
    settings = mini_settings(tmp_path)
    text = (settings.project_dir / "data/articles/second-news.ttl").read_text()
    add_file(
        settings.project_dir, "data/articles/second-news.ttl", text.replace("org:tju .", "org:unknown .")
    )
    report = validate(load(settings))
    assert [v.message for v in report.violations] == ["An article must be about something that has a name"]
    assert report.violations[0].files == ("data/articles/second-news.ttl",)


# --- publish ----------------------------------------------------------------------------------------


@pytest.fixture
def published(tmp_path: Path) -> tuple[Settings, Path]:
    settings = mini_settings(tmp_path)
    return settings, build(settings).path


def test_release_layout_and_current_symlink(published: tuple[Settings, Path]) -> None:
    settings, release = published
    assert settings.current_build.is_symlink()
    assert settings.current_build.resolve() == release
    for name in ("store", "dumps", "ontology.ttl", "shapes.ttl", "validation-report.ttl", "manifest.json"):
        assert (release / name).exists(), name
    assert not list(settings.builds_root.glob(".staging-*"))


def test_manifest_counts(published: tuple[Settings, Path]) -> None:
    _, release = published
    manifest = Manifest.read(release)
    store = ox.Store.read_only(str(release / "store"))
    assert manifest.triples == len(store) == sum(manifest.graphs.values())
    assert manifest.graphs[f"{NS}graph/entities/orgs"] == 8
    assert manifest.classes == {
        "http://schema.org/NewsArticle": 2,
        "https://kgpub.example.org/ontology#Person": 1,
        "https://kgpub.example.org/ontology#University": 2,
    }
    assert manifest.entities == 5  # tju, alpha, li and two articles; the ontology's terms are not entities
    assert set(manifest.sources) >= {"data/entities/orgs.ttl", "shapes/shapes.ttl", "ontology/kgpub.ttl"}
    assert manifest.build_id == release.name
    raw = json.loads((release / "manifest.json").read_text())
    assert set(raw) == {
        "build_id",
        "created",
        "namespace",
        "triples",
        "graphs",
        "sources",
        "classes",
        "entities",
        "graph_hashes",
        "prefixes",
        "prefix_sources",
        "properties",
        "distinct_subjects",
        "distinct_triples",
        "example",
        "source_stats",
        "builder",
    }
    assert "http://www.w3.org/1999/02/22-rdf-syntax-ns#type" in raw["properties"]
    assert 0 < raw["distinct_triples"] <= raw["triples"] and 0 < raw["entities"] <= raw["distinct_subjects"]
    assert set(raw["graph_hashes"]) == set(raw["graphs"])
    assert raw["created"].endswith("Z")


def test_dumps_hold_exactly_the_published_quads(published: tuple[Settings, Path]) -> None:
    _, release = published
    store = ox.Store.read_only(str(release / "store"))
    expected = {tuple(to_rdflib(t) for t in (q.subject, q.predicate, q.object, q.graph_name)) for q in store}
    union = {quad[:3] for quad in expected}
    dumps = release / "dumps"
    for name, fmt in (("kgpub.nq.gz", "nquads"), ("kgpub.trig", "trig"), ("kgpub.jsonld", "json-ld")):
        dataset = Dataset()
        data = (
            gzip.decompress((dumps / name).read_bytes())
            if name.endswith(".gz")
            else (dumps / name).read_bytes()
        )
        dataset.parse(data=data, format=fmt)
        assert {
            (s, p, o, g) for s, p, o, g in dataset.quads() if g != dataset.default_graph.identifier
        } == expected, name
    for name, fmt in (("kgpub.nt.gz", "nt"), ("kgpub.ttl", "turtle")):
        graph = Graph()
        data = (
            gzip.decompress((dumps / name).read_bytes())
            if name.endswith(".gz")
            else (dumps / name).read_bytes()
        )
        graph.parse(data=data, format=fmt)
        assert set(graph) == union, name
    ontology = Graph().parse(release / "ontology.ttl")
    assert isomorphic(ontology, Graph().parse(data=_graph_nt(store, ONTOLOGY_IRI), format="nt"))


def _graph_nt(store: ox.Store, graph: str) -> str:
    triples = [
        ox.Triple(q.subject, q.predicate, q.object)
        for q in store.quads_for_pattern(None, None, None, ox.NamedNode(graph))
    ]
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode()


@pytest.mark.parametrize("breakage", ["syntax", "violation"])
def test_failed_build_leaves_current_serving(published: tuple[Settings, Path], breakage: str) -> None:
    settings, release = published
    if breakage == "syntax":
        add_file(settings.project_dir, "data/entities/broken.ttl", "@prefix x: <id/> .\nx:a x:b .\n")
        expected: type[Exception] = DataError
    else:
        add_file(settings.project_dir, "data/entities/more.ttl", NAMELESS_ORG)
        expected = ValidationFailed
    with pytest.raises(expected):
        build(settings)
    assert settings.current_build.resolve() == release
    assert [p.name for p in (settings.builds_root / "releases").iterdir()] == [release.name]
    assert not list(settings.builds_root.glob(".staging-*"))
    store = EmbeddedStore(settings)
    try:
        assert store.manifest.build_id == release.name
        assert store.ask("ASK { ?s ?p ?o }")
    finally:
        store.close()


def test_rebuild_swaps_current_and_keeps_the_old_release_readable(published: tuple[Settings, Path]) -> None:
    settings, first = published
    old = EmbeddedStore(settings)
    add_file(
        settings.project_dir,
        "data/entities/more.ttl",
        NAMELESS_ORG + 'org:nameless <http://schema.org/name> "N" .\n',
    )
    second = build(settings).path
    try:
        assert second != first and second.name > first.name
        assert settings.current_build.resolve() == second
        assert old.release_dir == first  # a running server keeps its pinned release
        assert not old.ask("ASK { <https://kgpub.example.org/id/org/nameless> ?p ?o }")
        assert EmbeddedStore(settings).ask("ASK { <https://kgpub.example.org/id/org/nameless> ?p ?o }")
    finally:
        old.close()


def test_prune_keeps_newest_releases_and_never_current(tmp_path: Path) -> None:
    releases = tmp_path / "releases"
    names = [f"2024010{day}T000000Z-abcdef0{day}" for day in range(1, 7)]
    for name in names:
        (releases / name).mkdir(parents=True)
    (tmp_path / "current").symlink_to(Path("releases") / names[0])  # an old release still current
    removed = prune(tmp_path, KEEP_RELEASES)
    assert sorted(p.name for p in removed) == names[1:3]
    assert sorted(p.name for p in releases.iterdir()) == [names[0], *names[3:]]


def test_repeated_builds_keep_three_releases(tmp_path: Path) -> None:
    settings = mini_settings(tmp_path)
    ids = [build(settings, full=True).build_id for _ in range(KEEP_RELEASES + 1)]  # full: always publishes
    assert ids == sorted(ids) and len(set(ids)) == len(ids)  # ids strictly increase, even within a second
    kept = sorted(p.name for p in (settings.builds_root / "releases").iterdir())
    assert kept == ids[1:]
    assert settings.current_build.resolve().name == ids[-1]


@pytest.mark.skipif(not list((ROOT / "data" / "articles").glob("*.ttl")), reason="real data not present")
def test_real_project_builds(tmp_path: Path) -> None:
    started = time.monotonic()
    result = build(Settings(project_dir=ROOT, build_dir=tmp_path / "build"))
    elapsed = time.monotonic() - started
    assert result.report.conforms
    assert result.manifest.entities > 0 and result.manifest.triples > 0
    articles = [g for g in result.manifest.graphs if g.startswith(f"{NS}graph/article/")]
    assert len(articles) == len(list((ROOT / "data" / "articles").glob("*.ttl")))
    assert elapsed < 60
