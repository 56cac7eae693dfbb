"""Every shape fails, with its message and nothing else, on a small invalid fixture; every pattern the model
offers passes, with no result at all, on a small valid fixture; the bundled data passes with none."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SH

from publisher.pipeline.load import load
from publisher.pipeline.validate import ValidationReport, validate
from publisher.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = sorted((ROOT / "tests/fixtures/invalid").glob("*.ttl"))
VALID = sorted((ROOT / "tests/fixtures/valid").glob("*.ttl"))
KS = "https://kgpub.example.org/shapes#"


def expectation(fixture: Path) -> tuple[str, str]:
    text = fixture.read_text()
    shape = re.search(r"^# expect-shape: (\S+)$", text, re.M)
    message = re.search(r"^# expect-message: (.+)$", text, re.M)
    assert shape and message, f"{fixture.name} lacks its expect-shape / expect-message header"
    return KS + shape.group(1), message.group(1).strip()


def shapes_graph() -> Graph:
    graph = Graph()
    for path in sorted((ROOT / "shapes").glob("*.ttl")):
        graph.parse(path)
    return graph


def owners(shape: URIRef, shapes: Graph) -> set[str]:
    """The shape itself and every node shape that uses it (property shapes and SPARQL constraints are shared)."""
    found = {str(shape)}
    for link in (SH.property, SH.sparql):
        found |= {str(owner) for owner in shapes.subjects(link, shape)}
    return found


def validate_with(fixture: Path, tmp_path: Path) -> ValidationReport:
    """Validate the bundled project plus one fixture file, in a copy of the project."""
    for folder in ("ontology", "data", "shapes"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    shutil.copy(fixture, tmp_path / "data/entities" / f"zz-{fixture.name}")
    return validate(load(Settings(project_dir=tmp_path)))


def test_bundled_data_conforms_with_zero_violations_and_zero_warnings() -> None:
    report = validate(load(Settings(project_dir=ROOT)))
    assert report.results == (), report.text()


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.stem)
def test_invalid_fixture_fails_with_expected_message(fixture: Path, tmp_path: Path) -> None:
    """The fixture's one mistake is reported, and nothing else: no cascade of follow-on results."""
    shape, message = expectation(fixture)
    report = validate_with(fixture, tmp_path)
    matching = [
        r for r in report.results if shape in owners(r.source_shape, report.shapes) and message in r.message
    ]
    assert matching, f"expected {shape} with {message!r}; got:\n{report.text()}"
    assert len(matching) == len(report.results), f"more than the one mistake was reported:\n{report.text()}"
    warning_only = (URIRef(shape), SH.severity, SH.Warning) in report.shapes
    assert report.conforms is warning_only
    assert any(r.files for r in matching), "a result must name the source file of its focus node"


def test_every_shape_has_an_invalid_fixture() -> None:
    shapes = shapes_graph()
    node_shapes = {str(s) for s in shapes.subjects(RDF.type, SH.NodeShape) if str(s).startswith(KS)}
    covered = {expectation(f)[0] for f in FIXTURES}
    assert node_shapes - covered == set()


@pytest.mark.parametrize("fixture", VALID, ids=lambda p: p.stem)
def test_valid_fixture_conforms_with_no_result(fixture: Path, tmp_path: Path) -> None:
    """Each pattern a news text may need (a date at its precision, an agreement known by reference, a byline,
    a place, a possible identity...) can be written without inventing anything, and passes untouched."""
    report = validate_with(fixture, tmp_path)
    assert report.results == (), report.text()


def test_the_editors_guide_explains_every_shape_and_shows_every_valid_pattern() -> None:
    """docs/editing.md says what each validation message means and how to fix it, and points at the valid
    fixture of each pattern: a shape or pattern added without its explanation fails here."""
    guide = (ROOT / "docs/editing.md").read_text(encoding="utf-8")
    shapes = shapes_graph()
    node_shapes = {
        str(s).removeprefix(KS) for s in shapes.subjects(RDF.type, SH.NodeShape) if str(s).startswith(KS)
    }
    assert {name for name in node_shapes if f"`{name}`" not in guide} == set()
    assert {
        f.name for f in VALID if f"tests/fixtures/valid/{f.name}" not in guide and f"`{f.name}`" not in guide
    } == set()
