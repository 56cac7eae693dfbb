"""The README documents every setting and every competency question ships."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

from publisher.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    assert [f.name for f in fields(Settings) if f"KGPUB_{f.name.upper()}" not in readme] == []


def test_readme_names_the_two_set_up_commands_and_ci_runs_the_test_one() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "scripts/serve" in readme and "scripts/test" in readme
    assert "scripts/test" in (ROOT / ".ci/run").read_text()
