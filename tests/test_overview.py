"""The home page's overview of the archive is worked out by the build, not by every worker: the page served
from it is the page a live render makes, a worker serving it reads no list of every instance, and a change
to the data shows on the home page after the next (incremental) build."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from publisher import create_app
from publisher.cli import build_release
from publisher.settings import Settings
from publisher.web.pages import explorer, indexes, overview
from publisher.web.pages.kinds import KINDS
from publisher.web.pages.overview import OVERVIEW_NAME

ROOT = Path(__file__).resolve().parents[1]
FIFTH = ROOT / "tests/fixtures/fifth-article"
VARIANTS = [  # (request headers, base URL): plain, another reader's languages, another host
    ({}, "http://localhost/"),
    ({"Accept-Language": "zh-CN,zh;q=0.9"}, "http://localhost/"),
    ({"Accept-Language": "de"}, "https://mirror.example/kg/"),
]


def project(folder: Path) -> Settings:
    for part in ("ontology", "data", "shapes"):
        shutil.copytree(ROOT / part, folder / part)
    return Settings(project_dir=folder, build_dir=folder / "build")


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    made = project(tmp_path_factory.mktemp("overview"))
    build_release(made, full=True, pages=False)  # as `kgpub build --no-pages` runs it
    return made


def without_overview(settings: Settings, folder: Path) -> Settings:
    """The same release without its overview, in a build folder of its own."""
    release = settings.current_build.resolve()
    copy = folder / "build" / "releases" / release.name
    shutil.copytree(release, copy, ignore=shutil.ignore_patterns(OVERVIEW_NAME))
    (folder / "build" / "current").symlink_to(Path("releases") / release.name)
    return settings.with_(build_dir=folder / "build")


def test_the_build_writes_the_overview(settings: Settings) -> None:
    written = json.loads((settings.current_build / OVERVIEW_NAME).read_text(encoding="utf-8"))
    assert written["kinds"]["organisation"]["examples"][0]["iri"].endswith("/id/org/tianjin-university")
    assert written["institutions"] and written["articles"] and written["timeline"]


@pytest.mark.parametrize(("headers", "base"), VARIANTS)
def test_the_home_page_from_the_overview_is_the_one_a_live_render_makes(
    settings: Settings, tmp_path: Path, headers: dict[str, str], base: str
) -> None:
    served = create_app(settings).test_client().get("/", headers=headers, base_url=base)
    live = (
        create_app(without_overview(settings, tmp_path))
        .test_client()
        .get("/", headers=headers, base_url=base)
    )
    assert served.status_code == live.status_code == 200
    assert served.data == live.data
    assert b"Tianjin University" in served.data and b"Huawei" in served.data


def test_serving_the_home_page_reads_no_list_of_every_instance(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What scales with the archive (every instance of a kind, every agreement) was read by the build."""

    def read_everything(*_args: object) -> None:
        raise AssertionError("read what the build's overview holds")

    for module, name in ((indexes, "_members"), (explorer, "build_index"), (overview, "work_out")):
        monkeypatch.setattr(module, name, read_everything)
    assert create_app(settings).test_client().get("/").status_code == 200


def test_an_overview_by_other_code_is_worked_out_again(settings: Settings, tmp_path: Path) -> None:
    """An overview from another version of kgpub (its layout or its choices may differ) is never shown."""
    moved = without_overview(settings, tmp_path)
    expected = create_app(moved).test_client().get("/").data
    written = json.loads((settings.current_build / OVERVIEW_NAME).read_text(encoding="utf-8"))
    written["made_by"] = "another version of kgpub"
    written["kinds"]["person"]["count"] = 987_654
    (moved.current_build / OVERVIEW_NAME).write_text(json.dumps(written), encoding="utf-8")
    served = create_app(moved).test_client().get("/").data
    assert served == expected and b"987,654" not in served


def test_an_added_article_shows_on_the_home_page_after_an_incremental_build(tmp_path: Path) -> None:
    settings = project(tmp_path / "project")
    build_release(settings, full=True, pages=False)
    before = create_app(settings).test_client().get("/").get_data(as_text=True)
    for kind in ("articles", "entities"):
        for source in (FIFTH / kind).glob("*.ttl"):
            shutil.copy(source, settings.data_dir / kind / source.name)
    build_release(settings, pages=False)
    after = create_app(settings).test_client().get("/").get_data(as_text=True)
    assert "Musterstadt" not in before and "Musterstadt und Hafen-Universität" in after  # its headline
    assert after == create_app(without_overview(settings, tmp_path / "live")).test_client().get("/").get_data(
        as_text=True
    )


def test_the_row_cap_of_user_queries_never_cuts_what_the_site_reads_of_the_whole_archive(
    settings: Settings,
) -> None:
    """``max_result_rows`` bounds what a query sent to ``/sparql`` (or one page's query) may return; the
    build's reads of everything (the class hierarchy, every instance of a kind, every agreement's links)
    read past it: at 10M triples the events and the agreements' links are several times the default
    100,000 rows, and the home page's counts, the indexes and the partnership explorer were cut there."""

    def everything(app_settings: Settings) -> tuple[object, ...]:
        """Counts and members (orders by name may differ: names are read a page's worth at a time)."""
        with create_app(app_settings).test_request_context("/"):
            found = overview.work_out()
            lists = [indexes.members(kind.roots, kind.key in indexes.DATED_KINDS) for kind in KINDS]
            return (
                {key: summary.count for key, summary in found.kinds.items()},
                found.institutions,
                found.pairs,
                found.topics,
                found.timeline,
                explorer.index(),
                [{member.iri for member in listed} for listed in lists],
            )

    assert everything(settings.with_(max_result_rows=3)) == everything(settings)
