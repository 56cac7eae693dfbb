"""Rebuilding after one article changes: whole-graph SHACL-SPARQL gives exactly pySHACL's results, a new
article file is picked up and republished atomically, and a failing change keeps the current build served."""

from __future__ import annotations

import gzip
import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.namespace import SH

from publisher import create_app
from publisher.errors import DataError, ValidationFailed
from publisher.formats import DUMP_FILES
from publisher.manifest import Manifest
from publisher.pipeline import load as load_module
from publisher.pipeline import sparql_rules
from publisher.pipeline.load import load
from publisher.pipeline.publish import build
from publisher.pipeline.validate import validate
from publisher.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
NS = "https://kgpub.example.org/"
SEED = "2020-10-12-tju-china-telecom-huawei-agreement"
NEW_ARTICLE = """@prefix schema: <http://schema.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<id/article/2020-10-13-second-look> a schema:NewsArticle ;
    schema:headline "A second look at the agreement"@en ;
    schema:url <https://news.example.edu/2020/10/13/second-look.html> ;
    schema:datePublished "2020-10-13T09:00:00+08:00"^^xsd:dateTime ;
    schema:publisher <id/org/tju-college-of-intelligence-and-computing> ;
    schema:about <id/agreement/2020-09-24-tju-china-telecom-huawei-strategic-cooperation> .
"""


def copy_project(target: Path, *extra_entities: Path) -> Settings:
    for folder in ("ontology", "data", "shapes"):
        shutil.copytree(ROOT / folder, target / folder)
    for path in extra_entities:
        shutil.copy(path, target / "data/entities" / f"zz-{path.name}")
    return Settings(project_dir=target, build_dir=target / "build")


def test_every_shipped_rule_runs_over_the_whole_graph() -> None:
    shapes = Graph()
    for path in sorted((ROOT / "shapes").glob("*.ttl")):
        shapes.parse(path)
    remaining, rules = sparql_rules.split(shapes)
    assert len(rules) == 17
    assert not list(remaining.subject_objects(SH.sparql))  # nothing left for pySHACL's per-node evaluation


@pytest.mark.parametrize(
    "select,safe",
    [
        ("SELECT $this WHERE { $this a ?c . FILTER NOT EXISTS { $this ?p ?o . FILTER(?o = 1) } }", True),
        ("SELECT $this WHERE { $this ?p ?o . OPTIONAL { ?o ?q ?r } BIND(STR(?o) AS ?x) }", True),
        (
            "SELECT $this WHERE { { SELECT $this WHERE { $this ?p ?o } } }",
            False,
        ),  # sub-select: evaluated alone
        ("SELECT $this WHERE { ?s ?p ?o MINUS { $this ?p ?o } }", False),
        ("SELECT $this WHERE { ?s ?p ?o { ?x ?y ?z FILTER(?x = $this) } }", False),  # $this unbound in there
        ("SELECT $this WHERE { ?s ?p ?o OPTIONAL { BIND($this AS ?t) } }", False),
        ("SELECT $this WHERE { $this $PATH ?o }", False),
        ("SELECT $this WHERE { VALUES ?x { 1 } $this ?p ?x }", False),
    ],
)
def test_only_queries_where_joining_equals_pre_binding_run_whole_graph(select: str, safe: bool) -> None:
    assert sparql_rules.is_safe(select) is safe


def test_a_new_article_is_picked_up_and_published(tmp_path: Path) -> None:
    settings = copy_project(tmp_path)
    first = build(settings)
    (settings.data_dir / "articles" / "2020-10-13-second-look.ttl").write_text(NEW_ARTICLE)
    second = build(settings)
    assert settings.current_build.resolve() == second.path != first.path
    assert f"{NS}graph/article/2020-10-13-second-look" in second.manifest.graphs
    assert set(second.manifest.graphs) - set(first.manifest.graphs) == {
        f"{NS}graph/article/2020-10-13-second-look"
    }
    unchanged = {
        g for g, h in first.manifest.graph_hashes.items() if second.manifest.graph_hashes.get(g) == h
    }
    assert unchanged == set(first.manifest.graphs)  # nothing else changed: `kgpub publish` sends one graph


@pytest.mark.parametrize(
    "breakage,error",
    [
        (lambda text: text + "\nthis is not turtle .\n", DataError),
        (
            lambda text: text.replace('"2020-10-12T16:03:00+08:00"^^xsd:dateTime', '"10/12/2020 16:03"'),
            ValidationFailed,
        ),
    ],
)
def test_a_failing_change_keeps_the_current_build_served(
    tmp_path: Path, breakage: Callable[[str], str], error: type[Exception]
) -> None:
    settings = copy_project(tmp_path)
    good = build(settings)
    client = create_app(settings).test_client()
    article = settings.data_dir / "articles" / f"{SEED}.ttl"
    article.write_text(breakage(article.read_text()))
    with pytest.raises(error):
        build(settings)
    assert settings.current_build.resolve() == good.path
    assert client.get(f"/doc/id/article/{SEED}.html").status_code == 200
    assert create_app(settings).test_client().get("/").status_code == 200  # a restart serves it too


# Incremental builds: the same report, store, manifest and dumps as a full build of the same files.

FIXTURES = sorted((ROOT / "tests/fixtures/invalid").glob("*.ttl"))
ARTICLE = f"data/articles/{SEED}.ttl"


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled project with one full build, copied (build included) by each test that changes it."""
    root = tmp_path_factory.mktemp("published")
    build(copy_project(root), full=True)
    return root


def copy_published(published: Path, target: Path) -> Settings:
    shutil.copytree(published, target, symlinks=True)  # build/current is a relative symlink
    return Settings(project_dir=target, build_dir=target / "build")


def rebuild(settings: Settings) -> tuple[str, list[str]]:
    """The report text of a build (passing or failing) and its progress lines."""
    lines: list[str] = []
    try:
        return build(settings, progress=lines.append).report.text(), lines
    except ValidationFailed as failure:
        return str(failure), lines


def assert_incremental(lines: list[str]) -> None:
    assert any(line.startswith("incremental: ") for line in lines), lines
    assert not any(line.startswith("full build") for line in lines), lines


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda path: path.stem)
def test_an_incremental_build_reports_what_a_full_validation_reports(
    published: Path, tmp_path: Path, fixture: Path
) -> None:
    """Each invalid fixture added to a published build: the incremental validation finds exactly the results
    (and files) that validating everything finds — the reach of every shape is covered."""
    settings = copy_published(published, tmp_path / "project")
    shutil.copy(fixture, settings.data_dir / "entities" / f"zz-{fixture.name}")
    text, lines = rebuild(settings)
    assert_incremental(lines)
    assert text == validate(load(settings)).text()
    assert "VIOLATION in " in text or "WARNING in " in text


ARTICLE_EDITS = {
    "article deleted": lambda text: None,
    "signatory becomes a witness": lambda text: text.replace("kgo:signatory", "kgo:witness", 1),
    "event moved after the article": lambda text: text.replace('"2020-09-24', '"2020-10-24', 1),
    "a participation loses its agent": lambda text: re.sub(r"prov:agent [^;.]+;", "", text, count=1),
    "a mention removed": lambda text: re.sub(r"schema:mentions [^;.,]+,", "schema:mentions ", text, count=1),
}


@pytest.mark.parametrize("edit", sorted(ARTICLE_EDITS))
def test_an_edited_or_deleted_article_is_revalidated_as_a_full_build_would(
    published: Path, tmp_path: Path, edit: str
) -> None:
    settings = copy_published(published, tmp_path / "project")
    article = settings.project_dir / ARTICLE
    changed = ARTICLE_EDITS[edit](article.read_text())
    if changed is None:
        article.unlink()
    else:
        assert changed != article.read_text(), "the edit must change the article"
        article.write_text(changed)
    text, lines = rebuild(settings)
    assert_incremental(lines)
    assert text == validate(load(settings)).text()


def published_state(release: Path) -> tuple[dict[str, object], dict[str, bytes], int]:
    """What a release publishes, minus its id, time and file statuses: manifest, dump and side file bytes,
    store size."""
    manifest = {
        k: v
        for k, v in Manifest.read(release).__dict__.items()
        if k not in ("build_id", "created", "source_stats")
    }
    dumps = {dump.name: (release / "dumps" / dump.name).read_bytes() for dump in DUMP_FILES}
    dumps |= {name: (release / name).read_bytes() for name in ("ontology.ttl", "shapes.ttl")}
    return manifest, dumps, len(ox.Store.read_only(str(release / "store")))


NEW_PERSON = """@prefix schema: <http://schema.org/> .
<id/person/li-ming> a schema:Person ; schema:name "Li Ming"@en .
"""


def test_incremental_releases_equal_full_builds_of_the_same_files(published: Path, tmp_path: Path) -> None:
    """Add an article (declaring a prefix no file declared before) with a new entities file, change both
    (the prefix now names another IRI), delete both, then drop a prefix from the file that declared it first:
    each incremental release equals a full build, byte for byte, prefixes included."""
    settings = copy_published(published, tmp_path / "project")
    new = settings.data_dir / "articles" / "2020-10-13-second-look.ttl"
    person = settings.data_dir / "entities" / "added-people.ttl"
    seed = settings.project_dir / ARTICLE
    mentioning = "@prefix look: <id/person/> .\n" + NEW_ARTICLE.replace(
        "schema:publisher", "schema:mentions look:li-ming ;\n    schema:publisher"
    )

    def add() -> None:
        new.write_text(mentioning)
        person.write_text(NEW_PERSON)

    def change() -> None:  # also older than the seed article now: VoID's newest article changes back
        changed = mentioning.replace("A second look", "Another look").replace(
            "2020-10-13T09", "2020-10-11T09"
        )
        new.write_text(
            changed.replace("look: <id/person/>", "look: <id/>").replace(
                "look:li-ming", "look:person\\/li-ming"
            )
        )
        person.write_text(NEW_PERSON.replace("Li Ming", "Li Ming (TJU)"))

    def delete() -> None:
        new.unlink()
        person.unlink()

    def drop_first_declaration() -> None:  # the seed declares addr: first, and only it
        text = seed.read_text()
        seed.write_text(
            text.replace("@prefix addr:    <id/address/> .\n", "").replace(
                "addr:tju-college-of-intelligence-and-computing",
                "<id/address/tju-college-of-intelligence-and-computing>",
            )
        )

    steps = [add, change, delete, drop_first_declaration]
    for step in steps:
        step()
        lines: list[str] = []
        incremental = build(settings, progress=lines.append)
        assert_incremental(lines)
        full = build(settings, full=True)
        assert published_state(incremental.path) == published_state(full.path)
    assert Manifest.read(full.path).graphs == Manifest.read(published / "build" / "current").graphs


def test_shapes_that_reach_past_a_value_make_the_build_full() -> None:
    """A property shape applying a shape with a path to its values reads the values' own triples, which the
    incremental neighbourhood does not hold: validate_changes declines, and the build validates everything."""
    from publisher.pipeline.validate import validate_changes

    shapes = Graph().parse(
        format="turtle",
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        ex:S a sh:NodeShape ; sh:targetClass ex:A ;
            sh:property [ sh:path ex:r ; sh:property [ sh:path ex:name ; sh:minCount 1 ] ] .""",
    )
    answer = validate_changes(ox.Store(), shapes, [], [], Graph(), lambda node: ())
    assert answer is None


def test_a_change_to_the_shapes_or_ontology_rebuilds_everything(published: Path, tmp_path: Path) -> None:
    settings = copy_published(published, tmp_path / "project")
    shapes = settings.shapes_dir / "core.ttl"
    shapes.write_text(shapes.read_text() + "\n# a comment changes the hash\n")
    lines: list[str] = []
    build(settings, progress=lines.append)
    assert (
        "full build: shapes/core.ttl changed (a change to the ontology or the shapes rebuilds everything)"
        in lines
    )


def test_an_incremental_build_serves_the_new_article(published: Path, tmp_path: Path) -> None:
    """The running app follows the build (``app_state.Releases``: it looks at most every ``CHECK_S``)."""
    settings = copy_published(published, tmp_path / "project")
    client = create_app(settings).test_client()
    page = "/doc/id/article/2020-10-13-second-look.html"
    assert client.get(page).status_code == 404
    (settings.data_dir / "articles" / "2020-10-13-second-look.ttl").write_text(NEW_ARTICLE)
    lines: list[str] = []
    build(settings, progress=lines.append)
    assert_incremental(lines)
    deadline = time.monotonic() + 5
    while client.get(page).status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert client.get(page).status_code == 200
    assert b"A second look" in client.get("/dumps/kgpub.ttl").data


def test_unchanged_files_are_not_read_again_and_a_same_size_rewrite_is_seen(
    published: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sources whose size, times and inode match the last build keep its hash (as git's index does); a
    rewrite, even to the same size, changes the times and is hashed again."""
    from publisher.pipeline import load as load_module

    monkeypatch.setattr(load_module, "RACY_NS", 0)  # the copied files are seconds old: vouch for them now
    settings = copy_published(published, tmp_path / "project")
    build(settings, full=True)  # records every file's status (a build with nothing changed publishes nothing)
    read: list[str] = []
    digest = load_module.hashlib.file_digest
    monkeypatch.setattr(
        load_module.hashlib,
        "file_digest",
        lambda handle, name: read.append(handle.name) or digest(handle, name),
    )
    build(settings)
    assert read == []
    article = settings.project_dir / ARTICLE
    text = article.read_text()
    article.write_text(text.replace("Huawei", "HUAWEI", 1))  # same size
    assert len(article.read_bytes()) == len(text.encode())
    _, lines = rebuild(settings)
    assert read == [str(article)]
    assert_incremental(lines)
    assert (
        Manifest.read(settings.current_build).sources[ARTICLE]
        != Manifest.read(published / "build" / "current").sources[ARTICLE]
    )


def test_a_file_changed_just_before_a_build_is_hashed_again_by_the_next(
    published: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Within 2 s of a change, a file's status is not recorded (a second rewrite could keep it)."""
    settings = copy_published(published, tmp_path / "project")
    new = settings.data_dir / "articles" / "2020-10-13-second-look.ttl"
    new.write_text(NEW_ARTICLE)
    written_ns = time.time_ns()
    # the builds see the clock of the moment of the write, however long a loaded machine takes to get there
    monkeypatch.setattr(load_module, "time", SimpleNamespace(time_ns=lambda: written_ns))
    assert "data/articles/2020-10-13-second-look.ttl" not in Manifest.read(build(settings).path).source_stats
    new.write_text(NEW_ARTICLE.replace("A second look", "A second lock"))  # same size, right away
    rebuilt = build(settings)
    assert "A second lock" in gzip.decompress((rebuilt.path / "dumps" / "kgpub.nt.gz").read_bytes()).decode()


def test_a_build_with_nothing_changed_says_so_and_publishes_nothing(published: Path, tmp_path: Path) -> None:
    settings = copy_published(published, tmp_path / "project")
    before = settings.current_build.resolve()
    releases = sorted((settings.builds_root / "releases").iterdir())
    lines: list[str] = []
    same = build(settings, progress=lines.append)
    assert lines == [f"nothing changed since {before.name}: nothing published"]
    assert same.path == before == settings.current_build.resolve()
    assert sorted((settings.builds_root / "releases").iterdir()) == releases
    assert build(settings, full=True).path != before  # asked for, a full build still publishes
