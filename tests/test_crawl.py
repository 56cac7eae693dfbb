"""A harvester's walk: start at the article's page, follow every entity link, find no broken link,
and get parseable RDF for every page, from a real ``kgpub serve``."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlparse

import requests
from rdflib import Graph, URIRef

from tests.conftest import LiveServer

EVERY_BACKEND = True  # live-server tests here run on every store in BACKENDS (conftest.py)

ARTICLE = "id/article/2020-10-12-tju-china-telecom-huawei-agreement"
PAGE_LIMIT = 400


class Links(HTMLParser):
    """Every link a page makes: anchors (``hrefs``) and what the page loads or names (``resources``)."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.resources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        href = found.get("href")
        if tag == "a" and href:
            self.hrefs.append(href)
        elif tag == "link" and href:
            self.resources.append(href)
        elif tag == "script" and found.get("src"):
            self.resources.append(found["src"] or "")


def entity_links(page_url: str, html: str, base: str) -> set[str]:
    """Links to entity pages on this server (``/id/…`` or ``/doc/…``), without fragments."""
    parser = Links()
    parser.feed(html)
    found = set()
    for href in parser.hrefs:
        url = urldefrag(urljoin(page_url, href)).url
        path = urlparse(url).path
        is_data_document = path.endswith((".ttl", ".jsonld", ".nt", ".rdf"))
        if (
            url.startswith(base)
            and path.startswith(("/id/", "/doc/"))
            and "?" not in url
            and not is_data_document
        ):
            found.add(url)
    return found


def turtle_of(session: requests.Session, page_url: str) -> Graph:
    response = session.get(page_url, headers={"Accept": "text/turtle"})
    assert response.status_code == 200, page_url
    assert response.headers["Content-Type"].startswith("text/turtle")
    return Graph().parse(data=response.text, format="turtle")


def test_crawl_from_the_article_finds_no_broken_link_and_rdf_everywhere(live_server: LiveServer) -> None:
    session = requests.Session()
    start = live_server.url + ARTICLE
    seen: set[str] = set()
    queue = [start]
    while queue and len(seen) < PAGE_LIMIT:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        response = session.get(url, headers={"Accept": "text/html"})
        assert response.status_code == 200, f"broken link: {url}"
        assert response.headers["Content-Type"].startswith("text/html")
        assert 'rel="alternate"' in response.headers.get("Link", ""), url
        turtle_url = response.url.rsplit(".html", 1)[0] + ".ttl" if response.url.endswith(".html") else url
        assert len(turtle_of(session, turtle_url)) > 0, turtle_url
        queue.extend(entity_links(response.url, response.text, live_server.url) - seen)
    people = [u for u in seen if "/person/" in u]
    assert len(people) >= 6, "every person of the article is reachable from it"
    assert any("/org/huawei" in u for u in seen)


def test_entity_iri_redirects_browsers_and_data_clients_differently(live_server: LiveServer) -> None:
    url = live_server.url + "id/person/hu-qinghua-tianjin-university"
    html = requests.get(url, headers={"Accept": "text/html"}, allow_redirects=False)
    data = requests.get(url, headers={"Accept": "text/turtle"}, allow_redirects=False)
    assert html.status_code == data.status_code == 303
    assert html.headers["Location"] != data.headers["Location"]
    assert "Accept" in html.headers.get("Vary", "")
    graph = turtle_of(requests.Session(), url)
    subject = URIRef(live_server.settings.namespace + "id/person/hu-qinghua-tianjin-university")
    assert (subject, None, None) in graph


SITE_LIMIT = 200  # pages of the whole site walked per store
VARIANTS_PER_PATH = 12  # query-string variants followed per path (facet combinations multiply)


def site_links(page_url: str, html: str, base: str) -> tuple[set[str], set[str]]:
    """The page's own links and the resources it loads, on this server, without fragments."""
    parser = Links()
    parser.feed(html)

    def local(hrefs: list[str]) -> set[str]:
        urls = {urldefrag(urljoin(page_url, href)).url for href in hrefs}
        return {url for url in urls if url.startswith(base)}

    return local(parser.hrefs), local(parser.resources)


def test_every_link_of_every_page_resolves(live_server: LiveServer) -> None:
    """From the home page, every link of every page on this server (the explorer's facets, the indexes,
    search, the ontology, the shapes...) and everything a page loads answers 200."""
    session = requests.Session()
    seen: set[str] = set()
    checked: set[str] = set()
    variants: dict[str, int] = {}
    seeds = (
        "ontology",
        "",
        "search?q=Huawei",
        "shapes",
        "partnerships",
    )  # search is a form: no link leads to it
    queue = [live_server.url + seed for seed in seeds]
    while queue and len(seen) < SITE_LIMIT:
        url = queue.pop(0)
        path = urlparse(url).path
        if url in seen or variants.get(path, 0) >= VARIANTS_PER_PATH:
            continue
        seen.add(url)
        variants[path] = variants.get(path, 0) + 1
        response = session.get(url, headers={"Accept": "text/html"})
        assert response.status_code == 200, f"broken link: {url}"
        if not response.headers["Content-Type"].startswith("text/html"):
            continue
        links, resources = site_links(response.url, response.text, live_server.url)
        for resource in resources - checked:
            checked.add(resource)
            assert session.get(resource).status_code == 200, f"{url} loads a missing {resource}"
        queue.extend(sorted(u for u in links - seen if "/sparql?" not in u))
    walked = {urlparse(u).path for u in seen}
    for path in ("/partnerships", "/organisations", "/people", "/events", "/search", "/ontology", "/shapes"):
        assert path in walked, path
    assert any(p.startswith("/id/org/") for p in walked) and any("/ontology/" in p for p in walked)
