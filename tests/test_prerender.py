"""Pages rendered by the build: served as the same bytes a live render makes, and kept right incrementally
(after an article is added, edited, relabelled or deleted, the pages equal a full render file for file)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from werkzeug.datastructures import Headers
from werkzeug.test import Client

from publisher import create_app
from publisher.pipeline.publish import build, current_release
from publisher.prerender import prerender
from publisher.settings import Settings
from publisher.web.pages import entities, prebuilt
from publisher.web.pages.prebuilt import COMPLETE, PAGES

ROOT = Path(__file__).resolve().parents[1]
FIFTH = ROOT / "tests/fixtures/fifth-article"
TJU = "/doc/id/org/tianjin-university.html"


def project(folder: Path) -> Settings:
    for part in ("ontology", "data", "shapes"):
        shutil.copytree(ROOT / part, folder / part)
    return Settings(project_dir=folder, build_dir=folder / "build")


def published(settings: Settings, full: bool = False) -> Path:
    """``kgpub build`` as the command runs it: publish, then render the pages (from the previous release's)."""
    previous = current_release(settings.builds_root)
    release = build(settings, full=full).path
    prerender(settings, release, None if full else previous, lambda _line: None)
    return release


def pages_of(release: Path) -> dict[str, bytes]:
    folder = release / PAGES
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    made = project(tmp_path_factory.mktemp("prerender"))
    published(made, full=True)
    return made


def test_a_built_page_is_served_as_the_bytes_a_live_render_makes(settings: Settings, tmp_path: Path) -> None:
    built = create_app(settings).test_client()
    live = create_app(settings.with_(build_dir=unrendered_copy(settings, tmp_path))).test_client()
    for path in (TJU, "/doc/id/person/wang-shuxin-tianjin-university.html", "/doc/id/topic/5g.html"):
        served, rendered = built.get(path), live.get(path)
        assert served.status_code == rendered.status_code == 200
        assert served.data == rendered.data, path
        assert served.headers["Content-Language"] == rendered.headers["Content-Language"]
        assert served.headers["Link"] == rendered.headers["Link"]


def unrendered_copy(settings: Settings, folder: Path) -> Path:
    """The same release without its pages, in a build folder of its own."""
    release = settings.current_build.resolve()
    copy = folder / "build" / "releases" / release.name
    shutil.copytree(release, copy, ignore=shutil.ignore_patterns(PAGES))
    (folder / "build" / "current").symlink_to(Path("releases") / release.name)
    return folder / "build"


VARIANTS = [  # (path with query, request headers, base URL): plain, localised, mounted, another host
    (TJU, {"Accept": "text/html"}, "http://localhost/"),
    (f"{TJU}?utm=1&lang=en", {"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}, "http://localhost/"),
    ("/doc/id/topic/5g.html?x=%C3%A9", {"Accept-Language": "zh-CN"}, "http://localhost/"),
    ("/doc/id/person/wang-shuxin-tianjin-university.html", {}, "https://mirror.example/kg/"),
]


@pytest.mark.parametrize(("path", "headers", "base"), VARIANTS)
def test_the_fast_path_answers_as_the_app_does(
    settings: Settings, path: str, headers: dict[str, str], base: str
) -> None:
    """A page the build rendered is answered around Flask (``web/pages/fast_path.py``) with the bytes and
    headers the app's own view and caching hook give it, and a later conditional request validates it."""
    app = create_app(settings)
    fast, through_app = Client(app.wsgi_app), Client(app.wsgi_app.next)
    answered, expected = (
        fast.get(path, headers=headers, base_url=base),
        through_app.get(path, headers=headers, base_url=base),
    )
    assert answered.status_code == expected.status_code == 200
    assert answered.data == expected.data
    assert without_date(answered.headers) == without_date(expected.headers)
    again = fast.get(path, headers={**headers, "If-None-Match": answered.headers["ETag"]}, base_url=base)
    assert again.status_code == 304


def test_the_fast_path_follows_a_configured_web_base(settings: Settings) -> None:
    app = create_app(settings.with_(web_base="https://kg.example/"))
    answered, expected = Client(app.wsgi_app).get(TJU), Client(app.wsgi_app.next).get(TJU)
    assert answered.data == expected.data and b'href="https://kg.example/id/org/huawei"' in answered.data
    assert without_date(answered.headers) == without_date(expected.headers)


def without_date(headers: Headers) -> list[tuple[str, str]]:
    return [(name, value) for name, value in headers.items() if name != "Date"]


def test_the_fast_path_takes_plain_requests_for_rendered_pages_only(settings: Settings) -> None:
    app = create_app(settings)
    reached: list[str] = []
    following = app.wsgi_app.next
    app.wsgi_app.next = lambda environ, start: (
        reached.append(environ["PATH_INFO"]) or following(environ, start)
    )
    client = app.test_client()
    assert client.get(f"{TJU}?render=1").status_code == 200
    assert client.get(f"{TJU}?lang=zh").status_code == 200  # no names in Chinese: the English page
    assert client.get(f"{TJU}?page=2").status_code == 404
    assert client.head(TJU).status_code == 200
    assert client.get("/doc/id/org/no-such-thing.html").status_code == 404
    assert reached == [TJU, TJU, "/doc/id/org/no-such-thing.html"]


def test_a_built_page_is_read_not_rendered(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    client = create_app(settings).test_client()

    def no_render(*_args: object) -> None:
        raise AssertionError("rendered a page the build had rendered")

    monkeypatch.setattr(entities, "build_page", no_render)
    for n in range(3):  # a query string never seen before is still the same page
        assert client.get(f"{TJU}?render={n}").status_code == 200
    assert client.get(f"{TJU}?render=1", base_url="https://elsewhere.example/kg/").status_code == 200


def test_pages_completed_after_the_release_was_opened_are_read(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server takes a release up as soon as it is published, before the build has rendered its pages:
    it renders live meanwhile, then reads the pages once they are complete."""
    build_dir = unrendered_copy(settings, tmp_path)
    client = create_app(settings.with_(build_dir=build_dir)).test_client()
    assert client.get(f"{TJU}?render=before").status_code == 200  # rendered live: no pages yet
    prerender(settings, (build_dir / "current").resolve(), None, lambda _line: None)

    def no_render(*_args: object) -> None:
        raise AssertionError("rendered a page the build had rendered")

    monkeypatch.setattr(entities, "build_page", no_render)
    assert client.get(f"{TJU}?render=after").status_code == 200


def test_pages_made_under_another_site_title_are_not_served(settings: Settings) -> None:
    """A restart with another title (or licence, or page size) renders live until the next build."""
    body = create_app(settings.with_(title="Another title")).test_client().get(TJU).get_data(as_text=True)
    assert "Another title" in body


def test_a_configured_web_base_is_never_written_into_the_pages(settings: Settings, tmp_path: Path) -> None:
    build_dir = unrendered_copy(settings, tmp_path)
    configured = settings.with_(build_dir=build_dir, web_base="https://production.example/")
    prerender(configured, (build_dir / "current").resolve(), None, lambda _line: None)
    staging = create_app(settings.with_(build_dir=build_dir)).test_client()
    body = staging.get(TJU, base_url="https://staging.example/").get_data(as_text=True)
    assert "https://staging.example/id/org/huawei" in body and "production.example" not in body


def test_links_follow_the_host_the_page_is_served_at(settings: Settings) -> None:
    body = (
        create_app(settings).test_client().get(TJU, base_url="https://mirror.example/").get_data(as_text=True)
    )
    assert 'href="https://mirror.example/id/org/huawei"' in body and "kgpub-prerender.invalid" not in body


def test_a_paged_window_is_rendered_live(settings: Settings) -> None:
    assert create_app(settings).test_client().get(f"{TJU}?page=2").status_code == 404  # past the last value


def test_pages_made_by_other_code_are_not_served(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = create_app(settings).test_client().get(TJU).data
    monkeypatch.setattr(prebuilt, "renderer", lambda: "another version of the code")
    calls: list[str] = []
    original = entities.build_page
    monkeypatch.setattr(entities, "build_page", lambda d, rest: calls.append(rest) or original(d, rest))
    assert create_app(settings).test_client().get(TJU).data == expected
    assert calls == ["id/org/tianjin-university"]  # rendered live, not read


def test_a_release_s_pages_show_that_release_though_a_later_one_is_published(tmp_path: Path) -> None:
    """Pages are rendered after publishing, so another build may publish meanwhile: they still show the
    data of the release they belong to."""
    settings = project(tmp_path / "project")
    first = published(settings, full=True)
    edit(settings.data_dir / "entities" / "organisations.ttl", '"Huawei"@en', '"Huawei Renamed"@en')()
    build(settings)  # the next release is current now; its pages are not rendered yet
    shutil.rmtree(first / PAGES)
    prerender(settings, first, None, lambda _line: None)
    page = prebuilt.read_page(first / PAGES, "id/org/huawei")
    assert page is not None and b"Huawei Renamed" not in page[0] and b"<h1" in page[0]


def edit(path: Path, old: str, new: str) -> Callable[[], None]:
    return lambda: path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


def test_incremental_pages_equal_a_full_render(tmp_path: Path) -> None:
    settings = project(tmp_path / "project")
    published(settings, full=True)
    data = settings.data_dir
    article = data / "articles" / "musterstadt-hafen-zusatzvereinbarung.ttl"

    def add() -> None:
        for kind in ("articles", "entities"):
            for source in (FIFTH / kind).glob("*.ttl"):
                shutil.copy(source, data / kind / source.name)

    def delete() -> None:
        article.unlink()
        (data / "entities" / "musterstadt.ttl").unlink()

    steps = [
        add,
        edit(article, '"2023-07-03"^^xsd:date', '"2023-07-04"^^xsd:date'),  # a date on the parties' pages
        edit(data / "entities" / "organisations.ttl", '"Huawei"@en', '"Huawei Technologies"@en'),  # a name
        edit(data / "entities" / "people.ttl", '"Hu Qinghua"@en', '"Hu Qing-hua"@en'),  # a signatory's name
        delete,
    ]
    for step in steps:
        step()
        incremental = pages_of(published(settings))
        full = pages_of(published(settings, full=True))
        assert incremental.keys() == full.keys()
        assert [name for name in full if incremental[name] != full[name]] == []
        assert (settings.current_build / PAGES / COMPLETE).is_file()
        if step is add:  # a reader whose language the build did not render for gets a live page
            client = create_app(settings).test_client()
            musterstadt = "/doc/id/org/universitaet-musterstadt.html"
            assert '<h1 lang="en">University of Musterstadt</h1>' in client.get(musterstadt).get_data(
                as_text=True
            )
            german = client.get(musterstadt, headers={"Accept-Language": "de"}).get_data(as_text=True)
            assert '<h1 lang="de">Universität Musterstadt</h1>' in german
