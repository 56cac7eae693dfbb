"""Pages as a person sees them, in a real headless Chromium (Debian's), against a real server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.conftest import LiveServer

CHROMIUM = "/usr/bin/chromium"
# Chromium's own background traffic fails on this closed network; these flags keep it quiet.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTICLE = "id/article/2020-10-12-tju-china-telecom-huawei-agreement"
WAIT_MS = 20_000  # how long an expectation waits (Playwright's 5 s default is tight for a loaded machine)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: run scripts/setup --test"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    opened = context.new_page()
    yield opened
    context.close()


def test_article_page_shows_headline_images_and_links_to_people(
    page: Page, live_server: LiveServer, tmp_path: Path
) -> None:
    page.goto(live_server.url + ARTICLE)
    expect(page.locator("h1")).to_contain_text("TJU Signs Strategic Cooperation Agreement", timeout=WAIT_MS)
    assert (
        page.locator("img").count() == 0
    )  # the article's photos are links to their originals, not hot-linked
    assert page.locator('a.external[href^="http://news.tju.edu.cn/"]').count() >= 3
    embedded = page.locator('script[type="application/ld+json"]').first.text_content() or ""
    assert json.loads(embedded)
    page.get_by_role("link", name="Hu Qinghua").first.click()
    expect(page.locator("h1")).to_contain_text("Hu Qinghua", timeout=WAIT_MS)
    page.screenshot(path=str(tmp_path / "person.png"), full_page=True)


def test_person_page_shows_labelled_properties_and_what_points_here(
    page: Page, live_server: LiveServer
) -> None:
    page.goto(live_server.url + "id/person/yuan-yingjin-tianjin-university")
    expect(page.locator("h1")).to_contain_text("Yuan Yingjin", timeout=WAIT_MS)
    body = page.locator("body")
    expect(body).to_contain_text("name", timeout=WAIT_MS)
    # from an incoming post holding
    expect(body).to_contain_text("Vice President of Tianjin University", timeout=WAIT_MS)
    assert "http://schema.org/name" not in (page.locator("main").text_content() or "").split()


def test_query_page_runs_an_example_and_shows_a_result_table(page: Page, live_server: LiveServer) -> None:
    page.goto(live_server.url + "sparql")
    expect(page.locator(".yasqe")).to_be_visible(timeout=WAIT_MS)  # the real editor, not the fallback form
    page.get_by_text("Who has Tianjin University (or one of its units) made agreements with").first.click()
    page.locator(".yasqe_queryButton").click()
    expect(page.locator(".yasr")).to_contain_text("Huawei", timeout=WAIT_MS)
