"""Pages as a person sees them, in a real headless Chromium (Debian's), against a real server: who partnered
with whom, when and who signed, without a click; pictures that name the partners; every page type at
1280 and 390 px without sideways scrolling, without raw tags, with no serious or critical axe-core finding.
Screenshots of every page type at both widths are saved under build/screenshots/ for review."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.conftest import SCREENSHOTS, LiveServer

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
AXE = ROOT / "tests" / "vendor" / "axe-core" / "axe.min.js"  # from npm, by scripts/install-axe.sh
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
TJU = "id/org/tianjin-university"
WAIT_MS = 20_000  # how long an expectation waits (Playwright's 5 s default is tight for a loaded machine)
WIDTHS = (1280, 390)
PAGE_TYPES = {  # name -> path: one page of each type the site has
    "home": "",
    "organisation": TJU,
    "person": "id/person/wang-shuxin-tianjin-university",
    "agreement": "id/agreement/2020-09-24-tju-china-telecom-huawei-strategic-cooperation",
    "event": "id/event/2023-08-30-cqu-huawei-signing-ceremony",
    "article": ARTICLE,
    "place": "id/place/tianjin",
    "topic": "id/topic/5g",
    "modelling-node": "id/participation/2020-09-24-signing-hu-qinghua",
    "explorer": "partnerships",
    "organisations": "organisations",
    "people": "people",
    "events": "events",
    "class": "class?iri=http://schema.org/Organization",
    "search": "search?q=Huawei",
    "ontology": "ontology",
    "shapes": "shapes",
    "not-found": "id/org/no-such-org",
}
ABOUT_DATATYPES = {
    "ontology",
    "shapes",
}  # vocabulary documentation: datatypes and tag syntax are their subject
RAW_TAGS = re.compile(r"@[a-z]{2}(-[a-z]+)?\b|\^\^|xsd:[a-zA-Z]")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: run scripts/setup --test"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    yield opened
    context.close()


def test_tianjin_university_shows_partners_dates_and_signatories_without_a_click(
    page: Page, live_server: LiveServer
) -> None:
    page.goto(live_server.url + TJU)
    partnerships = page.locator("#partnerships")
    for partner in ("China Telecom", "Huawei", "NXP", "Tencent Technology (Shenzhen) Co., Ltd."):
        expect(partnerships.get_by_role("link", name=partner, exact=True).first).to_be_visible(
            timeout=WAIT_MS
        )
    expect(partnerships).to_contain_text("24 September 2020", timeout=WAIT_MS)
    expect(partnerships).to_contain_text(
        "Tianjin University: signed by Hu Qinghua, Vice Dean", timeout=WAIT_MS
    )
    expect(partnerships).to_contain_text("China Telecom: signed by Su Weifeng", timeout=WAIT_MS)


def test_the_pictures_name_the_partners(page: Page, live_server: LiveServer) -> None:
    page.goto(live_server.url + TJU)
    network = page.get_by_role("group", name="Tianjin University and its partners")
    expect(network).to_be_visible(timeout=WAIT_MS)
    names = network.locator("text").all_text_contents()
    assert {"China Telecom", "Huawei", "NXP"} <= set(names)
    timeline = page.get_by_role("group", name="Tianjin University in time: agreements and events")
    expect(timeline).to_contain_text("with China Telecom, Hua", timeout=WAIT_MS)
    expect(timeline).to_contain_text("with NXP", timeout=WAIT_MS)


def test_the_organisations_index_lists_every_institution(page: Page, live_server: LiveServer) -> None:
    query = """PREFIX schema: <http://schema.org/> PREFIX org: <http://www.w3.org/ns/org#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT DISTINCT ?name WHERE { ?x a ?type ; schema:name ?name .
          { ?type rdfs:subClassOf* schema:Organization } UNION { ?type rdfs:subClassOf* org:Organization }
          FILTER (LANGMATCHES(LANG(?name), "en")) }"""
    answer = requests.get(live_server.url + "sparql", params={"query": query}, timeout=30).json()
    names = {b["name"]["value"] for b in answer["results"]["bindings"]}
    assert len(names) > 25
    page.goto(live_server.url + "organisations")
    listed = set(page.locator("table.list td[data-label=Name]").all_text_contents())
    assert names <= listed


def test_search_ranks_the_company_huawei_first_and_suggests_as_one_types(
    page: Page, live_server: LiveServer
) -> None:
    page.goto(live_server.url)
    box = page.get_by_role("combobox", name="Search names")  # a search box with suggestions
    box.press_sequentially("Huaw", delay=50)
    expect(page.locator("#site-search-suggestions option").first).to_have_attribute(
        "value", "Huawei", timeout=WAIT_MS
    )
    box.fill("Huawei")
    box.press("Enter")
    first = page.locator("ol.results > li").first
    expect(first.get_by_role("link").first).to_have_attribute(
        "href", re.compile(r"/id/org/huawei$"), timeout=WAIT_MS
    )
    expect(first).to_contain_text("Institution · corporation", timeout=WAIT_MS)


def test_the_query_page_shows_results_by_name_and_scrolls_them_in_place(
    browser: Browser, live_server: LiveServer
) -> None:
    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        page.goto(live_server.url + "sparql")
        expect(page.locator(".yasqe")).to_be_visible(
            timeout=WAIT_MS
        )  # the real editor, not the fallback form
        page.get_by_text(
            "Who has Tianjin University (or one of its units) made agreements with"
        ).first.click()
        page.locator(".yasqe_queryButton").click()
        results = page.locator(".yasr")
        expect(results.locator("tbody tr").first).to_contain_text("China Telecom", timeout=WAIT_MS)
        expect(results.get_by_role("link", name="China Telecom", exact=True).first).to_be_visible(
            timeout=WAIT_MS
        )
        link = results.get_by_role("link", name="Huawei", exact=True).first
        assert link.get_attribute("title") == "https://kgpub.example.org/id/org/huawei"  # the IRI, at hand
        assert not RAW_TAGS.search(results.locator("table").inner_text())
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        context.close()


def test_the_article_page_links_photos_to_their_originals_and_people(
    page: Page, live_server: LiveServer
) -> None:
    page.goto(live_server.url + ARTICLE)
    expect(page.locator("h1")).to_contain_text("TJU Signs Strategic Cooperation Agreement", timeout=WAIT_MS)
    assert page.locator("img").count() == 0  # no hot-linked third-party file
    assert page.locator('a.external[href^="http://news.tju.edu.cn/"]').count() >= 3
    page.locator("#people").get_by_role("link", name="Hu Qinghua").first.click()
    expect(page.locator("h1")).to_contain_text("Hu Qinghua", timeout=WAIT_MS)


@pytest.mark.parametrize("name", list(PAGE_TYPES))
def test_every_page_type_reads_at_both_widths_and_passes_axe(
    browser: Browser, live_server: LiveServer, name: str
) -> None:
    """No sideways scrolling at 390 px, no raw tag in what is shown, no serious or critical axe finding;
    a screenshot of each width for review."""
    assert AXE.exists(), "axe-core is missing: run scripts/setup --test (scripts/install-axe.sh)"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        page.goto(live_server.url + PAGE_TYPES[name])
        expect(page.locator("main")).to_be_visible(timeout=WAIT_MS)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (
            f"{name} scrolls sideways at {width}"
        )
        assert name in ABOUT_DATATYPES or not RAW_TAGS.search(page.locator("main").inner_text()), name
        shot = SCREENSHOTS / f"{name}-{width}.png"
        page.screenshot(path=str(shot), full_page=True)
        print(f"screenshot: {shot}")
        if width == WIDTHS[0]:
            page.add_script_tag(path=str(AXE))
            found = page.evaluate("async () => (await axe.run(document)).violations")
            serious = [v for v in found if v["impact"] in ("serious", "critical")]
            assert not serious, json.dumps(
                [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in serious]
            )
        context.close()
