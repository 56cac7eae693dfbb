"""``kgpub`` commands and exit codes: in process with click's CliRunner, plus one real subprocess."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from publisher.cli import cli, render_table

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURES / "mini", tmp_path / "project")
    return tmp_path / "project"


def run(project: Path, *args: str) -> Result:
    return CliRunner().invoke(
        cli, ["--project-dir", str(project), "--build-dir", str(project.parent / "build"), *args]
    )


def break_syntax(project: Path) -> Path:
    broken = project / "data" / "articles" / "first-news.ttl"
    broken.write_text(broken.read_text().replace("kgo:mentions person:li .", "kgo:mentions person:li"))
    return broken


def test_help_everywhere() -> None:
    for args in ([], ["validate"], ["build"], ["query"], ["serve"]):
        result = CliRunner().invoke(cli, [*args, "--help"])
        assert result.exit_code == 0, args
        assert "Usage:" in result.output


def test_validate_ok_prints_report(project: Path) -> None:
    result = run(project, "validate")
    assert result.exit_code == 0
    assert "data conforms (1 warning)" in result.output


def test_validate_syntax_error_exits_2_with_file_and_line(project: Path) -> None:
    broken = break_syntax(project)
    result = run(project, "validate")
    assert result.exit_code == 2
    first_line = [line for line in result.output.splitlines() if str(broken) in line][0]
    assert first_line.startswith(f"{broken}:")
    assert first_line.split(":")[1].isdigit()


def test_validate_violation_exits_3(project: Path) -> None:
    (project / "data" / "entities" / "more.ttl").write_text(
        "@prefix org: <id/org/> .\n@prefix kgo: <https://kgpub.example.org/ontology#> .\norg:x a kgo:University .\n"
    )
    result = run(project, "validate")
    assert result.exit_code == 3
    assert "VIOLATION in data/entities/more.ttl" in result.output


def test_build_then_query(project: Path) -> None:
    built = run(project, "build")
    assert built.exit_code == 0, built.output
    assert "triples" in built.output and "releases" in built.output
    table = run(project, "query", "SELECT ?s WHERE { ?s a <http://schema.org/NewsArticle> } ORDER BY ?s")
    assert table.exit_code == 0
    assert "<https://kgpub.example.org/id/article/first-news>" in table.output and "(2 rows)" in table.output
    as_json = run(project, "query", "--format", "json", "ASK { <id/org/tju> ?p ?o }")
    assert json.loads(as_json.output)["boolean"] is True
    rq = project / "count.rq"
    rq.write_text("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert run(project, "query", "--format", "csv", str(rq)).output.splitlines()[0] == "n"
    described = run(project, "query", "DESCRIBE <id/org/tju>")
    assert "Tianjin University" in described.output  # CONSTRUCT/DESCRIBE default to Turtle


def test_build_failure_exit_codes(project: Path) -> None:
    break_syntax(project)
    assert run(project, "build").exit_code == 2


def test_query_without_build_exits_4(project: Path) -> None:
    result = run(project, "query", "ASK {}")
    assert result.exit_code == 4
    assert "kgpub build" in result.output


def test_refused_query_and_usage_errors_exit_1(project: Path) -> None:
    assert run(project, "build").exit_code == 0
    assert run(project, "query", "SELECT * { SERVICE <http://127.0.0.1:9/> {} }").exit_code == 1
    assert CliRunner().invoke(cli, ["--no-such-option"]).exit_code == 1
    assert run(project, "query", "--format", "png", "ASK {}").exit_code == 1


def test_serve_builds_when_missing_and_get_answers_in_process(project: Path) -> None:
    result = run(project, "serve", "--get", "/sparql?query=ASK%20%7B%7D")
    assert result.exit_code == 0, result.output
    assert (project.parent / "build" / "current" / "manifest.json").is_file()
    assert '"boolean":true' in result.output.replace(" ", "")


def test_serve_without_build_and_no_build_exits_4(project: Path) -> None:
    assert run(project, "serve", "--no-build", "--get", "/").exit_code == 4


def test_render_table_aligns_columns() -> None:
    results = {
        "head": {"vars": ["a", "b"]},
        "results": {
            "bindings": [
                {
                    "a": {"type": "uri", "value": "http://e/x"},
                    "b": {"type": "literal", "value": "hi", "xml:lang": "en"},
                },
                {
                    "a": {
                        "type": "literal",
                        "value": "2",
                        "datatype": "http://www.w3.org/2001/XMLSchema#integer",
                    }
                },
            ]
        },
    }
    lines = render_table(results).splitlines()
    assert lines[0].split() == ["?a", "?b"]
    assert lines[2].split() == ["<http://e/x>", '"hi"@en'] and lines[3].strip() == "2"
    assert lines[-1] == "(2 rows)"


def test_real_subprocess_validate(project: Path) -> None:
    """``python -m publisher validate`` as a user runs it: exit codes survive the process boundary."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "publisher", "--project-dir", str(project), "validate"]
    ok = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, cwd=project)
    assert ok.returncode == 0, ok.stderr
    assert "conforms" in ok.stdout
    broken = break_syntax(project)
    failed = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, cwd=project)
    assert failed.returncode == 2
    assert f"{broken}:" in failed.stderr


@pytest.mark.parametrize(
    "address,url",
    [
        (("127.0.0.1", 8080), "http://127.0.0.1:8080/"),
        (("0.0.0.0", 9000), "http://127.0.0.1:9000/"),
        (("::1", 8081, 0, 0), "http://[::1]:8081/"),
    ],
)
def test_serve_says_where_to_open_it_once_it_listens(address: tuple[object, ...], url: str) -> None:
    from publisher.cli import ready_line
    from publisher.settings import Settings

    line = ready_line(Settings(), address)
    assert line.startswith(f"kgpub: serving {Settings().title} at {url} ")
    assert "https://kgpub.example.org/" in line
