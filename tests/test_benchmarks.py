"""The benchmark generator writes archives that pass the shapes, and the same ones for the same seed.

Tiny sizes only (three articles): the point is that generated data follows the model the shapes encode,
so measurements are made on data kgpub would accept; no timing is asserted here.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from benchmarks.generate import PENDING_DIR, add_pending, generate, parse_size
from benchmarks.render import cpu_ms_per_render
from benchmarks.report import targets_table
from benchmarks.servers import parse_wrk
from benchmarks.sparql import BARE_MEMORY, DISTINCT, REPEATED, STATIC_ANSWER
from publisher import create_app
from publisher.cli import cli
from publisher.settings import Settings


def validate(project: Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--project-dir", str(project), "validate"])
    return result.exit_code, result.output


def digest(project: Path) -> dict[str, str]:
    """Every generated file's hash by relative path (ontology/ and shapes/ are copies of the repository's)."""
    return {
        p.relative_to(project).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(project.rglob("*"))
        if p.is_file() and p.name != "bench-meta.json"
    }


def test_generated_archive_passes_the_shapes(tmp_path: Path) -> None:
    generated = generate(tmp_path / "p", target=0, seed=7, articles=3)
    assert generated.articles == 3
    assert len(list((tmp_path / "p" / "data" / "articles").glob("*.ttl"))) == 3
    code, report = validate(tmp_path / "p")
    assert code == 0, report
    assert "data conforms" in report


def test_namesakes_in_a_generated_archive_are_told_apart_as_an_editor_would(tmp_path: Path) -> None:
    """At scale the generator draws the same name twice; the build warns of namesakes, and an archive left
    with warnings would time report handling rather than building (1,580 warnings at 1M)."""
    people = tmp_path / "p" / "data" / "entities" / "people.ttl"
    for seed in range(1, 9):  # the first archive of this size in which a name comes up twice
        generate(tmp_path / "p", target=40_000, seed=seed)
        if "owl#differentFrom>" in people.read_text():
            break
    else:
        raise AssertionError("no namesakes in 8 archives of 40k triples: the test needs a larger one")
    code, report = validate(tmp_path / "p")
    assert code == 0, report
    assert "data conforms" in report and "warning" not in report, report


def test_held_back_article_still_passes_once_added(tmp_path: Path) -> None:
    generate(tmp_path / "p", target=0, seed=7, articles=3)
    added = add_pending(tmp_path / "p")
    assert added.parent == tmp_path / "p" / "data" / "articles"
    assert not list((tmp_path / "p" / PENDING_DIR).rglob("*.ttl"))
    code, report = validate(tmp_path / "p")
    assert code == 0, report


def test_same_seed_same_archive_other_seed_other_archive(tmp_path: Path) -> None:
    generate(tmp_path / "a", target=0, seed=3, articles=3)
    generate(tmp_path / "b", target=0, seed=3, articles=3)
    generate(tmp_path / "c", target=0, seed=4, articles=3)
    assert digest(tmp_path / "a") == digest(tmp_path / "b")
    assert digest(tmp_path / "a") != digest(tmp_path / "c")


def test_size_from_target_triples(tmp_path: Path) -> None:
    generated = generate(tmp_path / "p", target=parse_size("3k"), seed=1)
    assert 3_000 <= generated.triples < 3_600  # stops at the first article past the target
    assert generated.hub == "id/org/tianjin-university"


def test_wrk_output_is_read_in_milliseconds() -> None:
    sample = """Running 1s test @ http://127.0.0.1:1/
  Latency Distribution
     50%  812.00us
     75%    1.20ms
     99%    1.05s
  1234 requests in 1.00s, 1.00MB read
  Non-2xx or 3xx responses: 2
Requests/sec:   1234.50
"""
    load = parse_wrk(sample)
    assert (load.rps, load.p50_ms, load.p99_ms, load.requests, load.errors) == (
        1234.5,
        0.812,
        1050.0,
        1234,
        2,
    )


def test_render_timing_renders_the_page_and_refuses_a_missing_one(built_settings: Settings) -> None:
    """``benchmarks.render`` times real renders: a page that does not render stops it rather than timing 404s."""
    client = create_app(built_settings).test_client()
    assert cpu_ms_per_render(client, "/doc/id/org/huawei.html", warm_up=2, requests=3) > 0
    with pytest.raises(AssertionError, match="nowhere"):
        cpu_ms_per_render(client, "/doc/id/org/nowhere.html", warm_up=1, requests=1)


def test_validate_all_times_both_engines_over_a_published_release(
    built_settings: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from benchmarks import validate_all

    argv = ["validate_all", str(built_settings.project_dir), "--build-dir", str(built_settings.builds_root)]
    monkeypatch.setattr("sys.argv", [*argv, "--repeat", "1"])
    validate_all.main()
    assert "SHACL-SPARQL rules:" in capsys.readouterr().out


def test_a_target_whose_peer_was_not_run_is_reported_as_not_measured_not_missed() -> None:
    """``--skip-peers`` leaves a target without its peer: the report says so; kgpub's own figure missing
    (a peer that ran, a kgpub load that did not) is still MISSED."""
    loads = {
        "kgpub": {"loads": {REPEATED: {"rps": 950.0}}},
        STATIC_ANSWER: {"loads": {REPEATED: {"rps": 1e3}}},
    }
    loads[BARE_MEMORY] = {"loads": {DISTINCT: {"rps": 1e3}}}
    lines = targets_table([{"size": "100k", "http": loads}]).splitlines()
    cells = [line.strip("| ").split(" | ") for line in lines if line.startswith("| /sparql")]
    verdicts = {(name, size): (shown, verdict) for name, size, shown, verdict in cells}
    static = "/sparql one text (answer cache) ≥ 0.9× the same bytes as a static file"
    assert verdicts[static, "100k"] == ("0.95×", "met")
    assert verdicts["/sparql one text ≥ 10× rdflib-endpoint", "100k"] == (
        "not measured (rdflib-endpoint not run)",
        "—",
    )
    assert verdicts["/sparql distinct texts ≥ 0.9× Flask + pyoxigraph in memory", "100k"] == (
        "nan×",
        "MISSED",
    )
