"""Adding an article needs no change to code, ontology or shapes: a fifth article written by the editor's
guide (tests/fixtures/fifth-article, made up: German, undated, with the patterns real news needs) is built
incrementally into a copy of the bundled project, validates with no result, and answers the competency
questions it bears on."""

from __future__ import annotations

import shutil
from importlib.resources import files
from pathlib import Path

import pytest

from publisher.pipeline.publish import build
from publisher.settings import Settings
from publisher.store.embedded import EmbeddedStore

ROOT = Path(__file__).resolve().parents[1]
FIFTH = ROOT / "tests/fixtures/fifth-article"
NS = "https://kgpub.example.org/"


@pytest.fixture(scope="module")
def with_fifth(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("fifth")
    for folder in ("ontology", "data", "shapes"):
        shutil.copytree(ROOT / folder, root / folder)
    settings = Settings(project_dir=root, build_dir=root / "build")
    build(settings, full=True)
    for kind in ("articles", "entities"):
        for path in (FIFTH / kind).glob("*.ttl"):
            shutil.copy(path, root / "data" / kind / path.name)
    messages: list[str] = []
    build(settings, progress=messages.append)
    assert messages[0].startswith("incremental"), messages[0]
    return settings


def ask(settings: Settings, name: str, replace: tuple[str, str] | None = None) -> list[dict[str, str]]:
    text = files("publisher.queries").joinpath("competency", name).read_text(encoding="utf-8")
    if replace:
        text = text.replace(*replace)
    store = EmbeddedStore(settings)
    try:
        return [{k: str(v) for k, v in row.items()} for row in store.select(text).rows]
    finally:
        store.close()


def test_it_validates_with_no_result_and_no_code_change(with_fifth: Settings) -> None:
    report = (with_fifth.current_build / "validation-report.ttl").read_text(encoding="utf-8")
    assert "sh:conforms true" in report and "sh:result" not in report


def test_its_partners_kinds_and_relations_are_queryable(with_fifth: Settings) -> None:
    partners = ask(
        with_fifth,
        "01-tju-agreement-partners.rq",
        ("<id/org/tianjin-university>", "<id/org/universitaet-musterstadt>"),
    )
    assert {(r["partnerName"], r["kind"], r["date"]) for r in partners} == {
        ("Huawei", "letter of intent", "2023-07-03"),
        ("Hafen-Universität", "supplementary agreement", "2023-07-03"),  # no English name: every name it has
        ("港口大学", "supplementary agreement", "2023-07-03"),
        ("Hafen-Universität", "framework agreement", "2022"),
        ("港口大学", "framework agreement", "2022"),
    }
    built_on = {
        (r["agreement"].removeprefix(NS), r["relationLabel"], r.get("earlierDate", ""))
        for r in ask(with_fifth, "11-agreements-building-on-earlier-ones.rq")
    }
    assert ("id/agreement/musterstadt-hafen-zusatzvereinbarung", "supplements", "2022") in built_on


def test_its_namesake_shows_as_a_candidate_identity_not_one_person(with_fifth: Settings) -> None:
    rows = ask(with_fifth, "12-people-acting-for-several-institutions.rq")
    candidates = {r["candidateIdentity"].removeprefix(NS) for r in rows if "candidateIdentity" in r}
    assert candidates == {"id/identity/wang-shuxin", "id/identity/hu-qinghua"}


def test_its_campus_is_found_in_its_country(with_fifth: Settings) -> None:
    rows = ask(with_fifth, "13-events-at-a-place.rq", ("<id/place/tianjin>", "<id/place/deutschland>"))
    assert [r["eventName"] for r in rows] == ["Unterzeichnung auf dem Campus Nord"]


def test_language_tags_are_published_in_lower_case_and_matched_with_langmatches(with_fifth: Settings) -> None:
    """As documented (docs/editing.md, "Language tags"): "港口大学"@zh-Hans in a data file is published as
    @zh-hans, in the store and in the dumps a remote store is loaded from; langMatches ignores case."""
    ask = "SELECT ?name WHERE {{ <{ns}id/org/hafen-universitaet> <http://schema.org/name> ?name {f} }}"
    store = EmbeddedStore(with_fifth)
    try:
        rows = store.select(ask.format(ns=NS, f='FILTER(langMatches(lang(?name), "zh-Hans"))')).rows
        assert [(str(r["name"]), r["name"].language) for r in rows] == [("港口大学", "zh-hans")]
        assert store.select(ask.format(ns=NS, f='FILTER(lang(?name) = "zh-hans")')).rows
        assert not store.select(ask.format(ns=NS, f='FILTER(lang(?name) = "zh-Hans")')).rows
    finally:
        store.close()
    dump = (with_fifth.current_build / "dumps" / "kgpub.ttl").read_text(encoding="utf-8")
    assert '"港口大学"@zh-hans' in dump and "@zh-Hans" not in dump
