"""Pages in the reader's terms, over the bundled build: who partnered with whom, when, and who signed, on an
organisation's page without a click; posts and events on a person's; parties, signatories and witnesses on
an agreement's; what an article reports; no raw tags anywhere; metadata search engines and previews read."""

from __future__ import annotations

import json
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph, Literal, URIRef

from publisher.memo import BoundedMemo
from publisher.settings import Settings
from publisher.store import open_store
from publisher.web.pages import organisations
from publisher.web.pages.organisations import OrgData, fetch_org
from publisher.web.site.labels import SDO

NS = "https://kgpub.example.org/"
TJU = "/doc/id/org/tianjin-university.html"
LD_SCRIPT = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)
PAGES = [  # one of each page type
    "/",
    TJU,
    "/doc/id/person/wang-shuxin-tianjin-university.html",
    "/doc/id/agreement/2020-09-24-tju-china-telecom-huawei-strategic-cooperation.html",
    "/doc/id/event/2023-08-30-cqu-huawei-signing-ceremony.html",
    "/doc/id/article/2020-10-12-tju-china-telecom-huawei-agreement.html",
    "/doc/id/place/tianjin.html",
    "/doc/id/topic/5g.html",
    "/doc/id/participation/2020-09-24-signing-hu-qinghua.html",
    "/partnerships",
    "/organisations",
    "/people",
    "/events",
    "/search?q=Huawei",
    "/class?iri=http://schema.org/Organization",
]


def html(client: FlaskClient, path: str, **headers: str) -> str:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def shown(body: str) -> str:
    """The text a reader sees in the page's main part (markup and the embedded data removed)."""
    main = body.split('<main id="content"', 1)[1].split("</main>", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


def section(body: str, anchor: str) -> str:
    return body.split(f'id="{anchor}"', 1)[1].split("</section>", 1)[0]


def test_an_organisation_leads_with_partners_dates_and_signatories(client: FlaskClient) -> None:
    body = html(client, TJU)
    lead = body.split('id="statements"', 1)[0]  # before the generic statements
    partners = section(body, "partnerships")
    for partner in ("China Telecom", "Huawei", "NXP", "Tencent Technology (Shenzhen) Co., Ltd."):
        assert f">{partner}</a>" in partners
    assert ">24 September 2020</time>" in lead and ">11 December 2017</time>" in lead
    # who signed for each side, with the title as printed
    assert re.search(
        r">Tianjin University</a>: signed by <a [^>]*>Hu Qinghua</a>, <span class=\"title\">Vice Dean", lead
    )
    assert re.search(r">China Telecom</a>: signed by <a [^>]*>Su Weifeng</a>", lead)
    assert '>NXP</a>: <span class="unknown">signatory not named</span>' in lead  # the text names none
    assert "3 agreements with 4 partners" in shown(body)


def test_a_hubs_sections_are_kept_per_build_and_give_the_same_page(
    built_settings: Settings, app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    tju = URIRef(NS + "id/org/tianjin-university")
    store = open_store(built_settings)
    try:
        memo: BoundedMemo[URIRef, OrgData] = BoundedMemo(4)
        read = fetch_org(store, tju, memo)
        assert read.items() < organisations.MEMO_FROM and len(memo) == 0  # small (the bundled hub): not kept
        monkeypatch.setattr(organisations, "MEMO_FROM", read.items())
        kept = fetch_org(store, tju, memo)
        assert kept == read and memo.get(tju) is kept and fetch_org(store, tju, memo) is kept
    finally:
        store.close()
    # the page from the app's memo (another reader language, a later render) is the page read afresh
    kept_by_app = app.extensions["kgpub"].current().memos.memo("pages.organisations", 1)
    afresh = html(client, f"{TJU}?n=1")
    assert kept_by_app.get(tju) is not None
    assert html(client, f"{TJU}?n=2") == afresh
    assert html(client, f"{TJU}?n=2", **{"Accept-Language": "zh"}) == html(
        client, f"{TJU}?n=3", **{"Accept-Language": "zh"}
    )


def test_an_inferred_date_is_marked_with_the_editors_note(client: FlaskClient) -> None:
    body = html(client, TJU)
    marker = body.split(">24 September 2020</time>", 1)[1].split("</p>", 1)[0]
    assert 'class="inferred"' in marker and "Dated by the conference it was part of" in marker


def test_pictures_name_the_partners(client: FlaskClient) -> None:
    body = html(client, TJU)
    network = body.split('<figure class="picture network">', 1)[1].split("</figure>", 1)[0]
    assert (
        'role="group"' in network
        and '<title id="network-title">Tianjin University and its partners' in network
    )
    for partner in ("China Telecom", "Huawei", "NXP"):
        assert f">{partner}</text>" in network
    timeline = body.split('<figure class="picture timeline">', 1)[1].split("</figure>", 1)[0]
    assert "24 September 2020 · with China Telecom, Hua…" in timeline  # the line, cut to fit the picture
    assert "(with China Telecom, Huawei)</title>" in timeline and "11 December 2017 · with NXP" in timeline


def test_a_person_has_posts_events_and_possible_namesakes(client: FlaskClient) -> None:
    body = html(client, "/doc/id/person/wang-shuxin-tianjin-university.html")
    posts = section(body, "posts")
    assert "Vice President of Tianjin University" in posts and ">29 July 2017</time>" in posts
    events = section(body, "events")
    assert ">signatory</a>" in events and ">Tianjin University</a>" in events  # on whose behalf
    assert "Possibly the same person" in body and "kept apart" in body
    assert "Memorandum on innovative engineering construction cooperation" in section(body, "signed")


def test_an_agreement_shows_sides_signatories_and_witnesses(client: FlaskClient) -> None:
    body = html(client, "/doc/id/agreement/2020-09-24-tju-china-telecom-huawei-strategic-cooperation.html")
    assert re.search(r">Huawei</a>: signed by <a [^>]*>Qi Pingchuan</a>", body)
    witnesses = section(body, "participants")
    assert ">witness</a>" in witnesses and ">Zhu Yubing</a>" in witnesses and ">Yuan Yingjin</a>" in witnesses


def test_related_agreements_read_in_both_directions(client: FlaskClient) -> None:
    later = html(client, "/doc/id/agreement/tju-tencent-innovative-engineering-memorandum.html")
    assert "Comprehensive memorandum on innovative engineering cooperation" in section(later, "related")
    earlier = html(client, "/doc/id/agreement/moe-tencent-innovative-engineering-memorandum.html")
    assert "Memorandum on innovative engineering construction cooperation" in section(earlier, "related")


def test_an_event_shows_where_who_and_what_was_signed(client: FlaskClient) -> None:
    body = html(client, "/doc/id/event/2023-08-30-cqu-huawei-signing-ceremony.html")
    assert ">Shapingba Campus, Chongqing University</a>" in section(body, "place")
    assert ">host</a>" in section(body, "participants") and ">Rao Jinsong</a>" in body
    assert "Strategic cooperation agreement between Chongqing University and Huawei" in section(
        body, "agreements"
    )


def test_an_article_leads_with_what_it_reports(client: FlaskClient) -> None:
    body = html(client, "/doc/id/article/2020-10-12-tju-china-telecom-huawei-agreement.html")
    assert body.index('id="agreements"') < body.index('id="statements"')
    people = section(body, "people")
    assert '>Hu Qinghua</a>, <span class="title">Vice Dean' in people
    assert "Conference promoting industry-university-research collaboration" in section(body, "events")


@pytest.mark.parametrize("path", PAGES)
def test_no_page_shows_raw_datatype_or_language_tags(client: FlaskClient, path: str) -> None:
    text = shown(html(client, path))
    assert not re.search(r"@[a-z]{2}\b|\^\^|xsd:|rdf:langString", text), path


@pytest.mark.parametrize("path", PAGES)
def test_every_page_has_a_description_a_canonical_url_and_a_preview(client: FlaskClient, path: str) -> None:
    head = html(client, path).split("</head>", 1)[0]
    assert re.search(r'<meta name="description" content="[^"]{20,}">', head)
    assert re.search(r'<link rel="canonical" href="http://localhost/[^"?]*(\?iri=[^"&]+)?">', head)
    for field in ("og:title", "og:description", "og:url", "og:site_name"):
        assert f'<meta property="{field}" content="' in head
    assert 'rel="icon"' in head


def test_the_favicon_is_served(client: FlaskClient) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.data[:4] == b"\x00\x00\x01\x00"  # an ICO file


def test_an_organisations_json_ld_carries_its_partnerships_as_schema_org(client: FlaskClient) -> None:
    """What a search engine reads: the page's JSON-LD, expanded (parsed) as RDF, in schema.org terms."""
    (block,) = LD_SCRIPT.findall(html(client, TJU))
    graph = Graph().parse(data=block, format="json-ld")
    tju, huawei = URIRef(NS + "id/org/tianjin-university"), URIRef(NS + "id/org/huawei")
    events = set(graph.objects(tju, SDO.event))
    assert len(events) == 3  # one signing per agreement
    signing = URIRef(NS + "id/event/2020-09-24-tju-china-telecom-huawei-signing-ceremony")
    assert signing in events
    assert {huawei, tju} <= set(graph.objects(signing, SDO.attendee))
    assert Literal("Huawei", lang="en") in set(graph.objects(huawei, SDO.name))
    assert str(graph.value(signing, SDO.startDate)) == "2020-09-24"
    assert (
        URIRef(NS + "id/agreement/2020-09-24-tju-china-telecom-huawei-strategic-cooperation"),
        SDO.name,
        None,
    ) in graph


def test_the_organisations_index_lists_every_institution_with_its_kind(client: FlaskClient) -> None:
    body = html(client, "/organisations")
    rows = re.findall(r'<td data-label="Name">(.*?)</td><td data-label="Kind">(.*?)</td>', body)
    names = {re.sub(r"<[^>]+>", "", name) for name, _ in rows}
    assert {"Tianjin University", "Huawei", "China Telecom", "Chongqing University", "NXP"} <= names
    kinds = dict((re.sub(r"<[^>]+>", "", n), re.sub(r"<[^>]+>", "", k)) for n, k in rows)
    assert kinds["Huawei"] == "corporation" and kinds["Tianjin University"] == "college or university"
    assert kinds["Joint Innovation Laboratory for Digital Government-Smart City"] == "joint laboratory"
    count = int(re.search(r"([\d,]+) in all", body).group(1))  # type: ignore[union-attr]
    assert count == len(rows) and count > 25  # every institution, units and government bodies included


def test_the_home_page_is_grouped_by_what_readers_look_for(client: FlaskClient) -> None:
    body = html(client, "/")
    headings = re.findall(r'<h2 id="group-(\w+)">', body)
    assert headings[:6] == ["organisation", "person", "agreement", "event", "topic", "place"]
    assert body.index("group-organisation") < body.index("For modellers")  # modelling classes last
    assert "participation</a>" in body.split("For modellers", 1)[1]


def test_pages_answer_conditional_requests(client: FlaskClient) -> None:
    first = client.get(TJU)
    again = client.get(TJU, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and not again.data
    assert "Accept-Language" in first.headers["Vary"] and first.headers["Content-Language"] == "en"


def test_json_of_the_suggestions(client: FlaskClient) -> None:
    data = json.loads(client.get("/search/suggest?q=huaw").data)
    assert data["suggestions"][0] == {
        "label": "Huawei",
        "kind": "Institution · corporation",
        "href": "http://localhost/id/org/huawei",
    }
    assert json.loads(client.get("/search/suggest?q=h").data)["suggestions"] == []  # too short to help


@pytest.mark.parametrize("path", ["/shapes", "/ontology/0.2.0"])
def test_shapes_and_the_versioned_ontology_answer_html_to_browsers_and_rdf_by_negotiation(
    client: FlaskClient, path: str
) -> None:
    browser = client.get(path, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert browser.status_code == 200 and browser.mimetype == "text/html"
    data = client.get(path, headers={"Accept": "text/turtle"})
    assert data.status_code == 200 and data.mimetype == "text/turtle"
    assert len(Graph().parse(data=data.get_data(as_text=True), format="turtle")) > 100
    assert "Accept" in browser.headers["Vary"]


def test_the_shapes_page_says_what_each_thing_needs(client: FlaskClient) -> None:
    body = html(client, "/shapes", Accept="text/html")
    assert ">Agreement signatory rule</h2>" in body and "neither a kgo:party to the agreement" in body
    assert "Applies to every <a" in body


def test_the_prior_ontology_version_says_what_superseded_it(client: FlaskClient) -> None:
    body = html(client, "/ontology/0.1.0")
    assert "superseded by version 0.2.0" in body
    assert client.get("/ontology/0.1.0", headers={"Accept": "text/turtle"}).status_code == 404
    assert client.get("/ontology/7.0.0").status_code == 404
