"""Every shape fails, with its message, on a small invalid fixture; the seed data passes with none."""

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


def test_seed_data_conforms_with_zero_violations_and_zero_warnings() -> None:
    report = validate(load(Settings(project_dir=ROOT)))
    assert report.results == (), report.text()


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.stem)
def test_invalid_fixture_fails_with_expected_message(fixture: Path, tmp_path: Path) -> None:
    shape, message = expectation(fixture)
    report = validate_with(fixture, tmp_path)
    matching = [
        r for r in report.results if shape in owners(r.source_shape, report.shapes) and message in r.message
    ]
    assert matching, f"expected {shape} with {message!r}; got:\n{report.text()}"
    warning_only = (URIRef(shape), SH.severity, SH.Warning) in report.shapes
    assert report.conforms is warning_only
    assert any(r.files for r in matching), "a result must name the source file of its focus node"


def test_every_shape_has_an_invalid_fixture() -> None:
    shapes = shapes_graph()
    node_shapes = {str(s) for s in shapes.subjects(RDF.type, SH.NodeShape) if str(s).startswith(KS)}
    covered = {expectation(f)[0] for f in FIXTURES}
    assert node_shapes - covered == set()
