"""Search ranks exact names first and things readers look for before modelling nodes, in every language;
labels follow the reader's language (``?lang=``, ``Accept-Language``) with the other-language name beside."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import XSD, Literal

from publisher import create_app
from publisher.errors import QueryTimeout
from publisher.pipeline.publish import build
from publisher.queries import with_window
from publisher.settings import Settings
from publisher.web.pages import search
from publisher.web.pages.search import SEARCH, LabelIndex
from publisher.web.site.dates import human_date, typed
from publisher.web.site.languages import chain_of

FIXTURE = Path(__file__).parent / "fixtures" / "pages"


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    """The pages fixture: a hub named "Hub University"@en and "枢纽大学"@zh."""
    settings = Settings(project_dir=FIXTURE, build_dir=tmp_path_factory.mktemp("names-build"))
    build(settings)
    return create_app(settings).test_client()


def hits(body: str) -> list[str]:
    return re.findall(r'<li><a href="([^"]+)"', body.split('<ol class="results"', 1)[1])


def test_searching_huawei_finds_the_company_first(client: FlaskClient) -> None:
    body = client.get("/search?q=Huawei").get_data(as_text=True)
    found = hits(body)
    assert found[0] == "http://localhost/id/org/huawei"
    assert len(found) > 5  # units, people, participations... after it
    first = body.split('<ol class="results"', 1)[1].split("</li>", 1)[0]
    assert "Institution · corporation · 2 agreements" in first  # what it is, in a line
    assert re.search(r"\d+ things named with", body)


def test_entities_come_before_modelling_nodes(client: FlaskClient) -> None:
    found = hits(client.get("/search?q=Hu%20Qinghua").get_data(as_text=True))
    assert found[0] == "http://localhost/id/person/hu-qinghua-tianjin-university"
    kinds = [href.split("/id/", 1)[1].split("/", 1)[0] for href in found]
    assert kinds.index("participation") > kinds.index("person")
    # a participation whose name starts with the phrase still comes after agreements merely naming it
    found = hits(client.get("/search?q=Huawei").get_data(as_text=True))
    kinds = [href.rsplit("/", 2)[-2] for href in found]  # .../id/<kind>/<slug>
    assert "agreement" in kinds and "participation" in kinds
    assert max(i for i, k in enumerate(kinds) if k == "agreement") < kinds.index("participation")


def test_a_chinese_name_is_found(hub: FlaskClient) -> None:
    body = hub.get("/search?q=枢纽").get_data(as_text=True)
    assert hits(body)[0] == "http://localhost/id/org/hub"
    assert "(named <span" in body and "枢纽大学" in body  # the name that matched, beside the English one


def test_a_chinese_reader_gets_the_chinese_name_with_the_english_beside(hub: FlaskClient) -> None:
    for request in (
        {"query_string": {"lang": "zh"}},
        {"headers": {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}},
    ):
        response = hub.get("/doc/id/org/hub.html", **request)  # type: ignore[arg-type]
        body = response.get_data(as_text=True)
        assert '<h1 lang="zh">枢纽大学</h1>' in body
        assert '<span lang="en">Hub University</span>' in body.split("names-beside", 1)[1]
        assert response.headers["Content-Language"] == "zh"
    english = hub.get("/doc/id/org/hub.html", headers={"Accept-Language": "de-DE,de;q=0.9"})
    assert '<h1 lang="en">Hub University</h1>' in english.get_data(as_text=True)  # no German name: English


@pytest.mark.parametrize("phrase", ["hu", "a", "Huawei", "枢纽", "no such name"])
def test_the_label_index_finds_the_rows_the_search_query_finds(app: Flask, phrase: str) -> None:
    """In the same order, so a search cut at its limit (a short phrase) keeps the same hits."""
    store = app.extensions["kgpub"].current().store
    index = LabelIndex()
    index.start(store)
    deadline = time.monotonic() + 30
    while not index.loaded() and time.monotonic() < deadline:
        time.sleep(0.05)
    for limit in (1, 7, 200, 1001):
        asked = store.select_bounded(with_window(SEARCH, limit), {"q": Literal(phrase)}).rows
        assert [_found(row) for row in index.matching(phrase, limit)] == [_found(row) for row in asked]


def test_after_a_workers_first_search_the_store_is_not_asked_again(
    built_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(built_settings)
    client = app.test_client()
    with client.get("/search?q=Huawei") as first:  # asks the store; the labels are read once it is sent
        assert first.status_code == 200
    state = app.extensions["kgpub"].current()
    index = state.memos.value("search.label index", LabelIndex)
    deadline = time.monotonic() + 30
    while not index.loaded() and time.monotonic() < deadline:
        time.sleep(0.05)
    monkeypatch.setattr(state.store, "select_bounded", _never)
    assert hits(client.get("/search?q=Tianjin").get_data(as_text=True))[0].startswith("http://localhost/id/")


def _found(row: object) -> tuple[object, ...]:
    return tuple(row.get(name) for name in ("x", "label", "date"))  # type: ignore[attr-defined]


def test_a_search_is_answered_once_per_build_whatever_the_case(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = hits(client.get("/search?q=Tianjin").get_data(as_text=True))
    monkeypatch.setattr(search, "_matching", _never)
    assert hits(client.get("/search?q=tIANJIN").get_data(as_text=True)) == first


def _never(*args: object) -> None:
    raise AssertionError("searched again")


@pytest.mark.parametrize(
    "path,media_type",
    [("/search?q=Huawei", "text/html"), ("/search/suggest?q=Huawei", "application/json")],
)
def test_a_search_past_the_time_limit_is_503_in_the_views_format(
    built_settings: Settings, monkeypatch: pytest.MonkeyPatch, path: str, media_type: str
) -> None:
    """Whatever the ``Accept``; the store's limit itself: ``test_sandbox.py``, ``test_remote.py``."""
    app = create_app(built_settings)
    monkeypatch.setattr(app.extensions["kgpub"].current().store, "select_bounded", _stopped)
    response = app.test_client().get(path)
    assert (response.status_code, response.mimetype) == (503, media_type)
    body = response.get_data(as_text=True)
    detail = json.loads(body)["detail"] if media_type == "application/json" else body
    assert f"Searching for “Huawei” took longer than {built_settings.query_timeout_s:g} s" in detail


def _stopped(*args: object) -> None:
    raise QueryTimeout("the query ran longer than the limit and was stopped")


def test_the_language_chain() -> None:
    assert chain_of(["zh-Hans-CN", "de"]).chain == ("zh-hans-cn", "zh-hans", "zh", "de", "en")
    assert chain_of(["*", "not a tag", ""]).chain == ("en",)
    zh = chain_of(["zh"])
    assert zh.rank("zh-hans") < zh.rank("en") < zh.rank(None) < zh.rank("de")


@pytest.mark.parametrize(
    "value,text",
    [
        (Literal("2017", datatype=XSD.gYear), "2017"),
        (Literal("2017-04", datatype=XSD.gYearMonth), "April 2017"),
        (Literal("2023-08-30", datatype=XSD.date), "30 August 2023"),
        (Literal("2020-10-12T16:03:00+08:00", datatype=XSD.dateTime), "12 October 2020, 16:03 (UTC+08:00)"),
        (Literal("2020-10-12T16:03:00", datatype=XSD.dateTime), "12 October 2020, 16:03"),
        (Literal("--07-03", datatype=XSD.gMonthDay), "3 July"),
    ],
)
def test_dates_are_written_at_their_precision(value: Literal, text: str) -> None:
    shown = human_date(value)
    assert shown is not None and (shown.text, shown.machine) == (text, str(value))


def test_a_malformed_date_is_shown_as_written() -> None:
    assert human_date(Literal("2017-13", datatype=XSD.gYearMonth)) is None
    assert human_date(Literal("sometime", datatype=XSD.date)) is None


def test_a_date_read_back_from_text_keeps_its_precision() -> None:
    assert [typed(t) for t in ("2017", "2017-04", "2017-04-05", "2017-04-05T10:00:00Z")] == [
        Literal("2017", datatype=XSD.gYear),
        Literal("2017-04", datatype=XSD.gYearMonth),
        Literal("2017-04-05", datatype=XSD.date),
        Literal("2017-04-05T10:00:00Z", datatype=XSD.dateTime),
    ]
    assert typed("~") is None and typed("") is None
