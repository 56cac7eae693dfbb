"""The home page, label search and class indexes over the real build."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from publisher import create_app
from publisher.manifest import Manifest
from publisher.settings import Settings

ARTICLE_HEADLINE = "TJU Signs Strategic Cooperation Agreement with China Telecom and Huawei"


def page(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def test_home_shows_what_the_dataset_is_and_its_counts(client: FlaskClient, built_settings: Settings) -> None:
    body = page(client, "/")
    manifest = Manifest.read(built_settings.current_build)
    assert f"<h1>{built_settings.title}</h1>" in body
    assert f"<dd>{manifest.triples:,}</dd>" in body
    assert f"<dd>{manifest.entities:,}</dd>" in body
    articles = [g for g in manifest.graphs if "/graph/article/" in g]
    assert f"<dd>{len(articles):,}</dd>" in body


def test_home_lists_the_newest_article(client: FlaskClient) -> None:
    body = page(client, "/")
    newest = body.split("Newest articles", 1)[1]
    assert ARTICLE_HEADLINE in newest
    assert (
        '<time datetime="2020-10-12T16:03:00+08:00"' in newest
        and ">12 October 2020, 16:03 (UTC+08:00)<" in newest
    )
    assert 'href="http://localhost/id/article/2020-10-12-tju-china-telecom-huawei-agreement"' in newest


def test_home_links_the_other_surfaces(client: FlaskClient) -> None:
    body = page(client, "/")
    for path in (
        "sparql",
        ".well-known/void",
        "dumps/",
        "ontology",
        "search",
        "partnerships",
        "organisations",
    ):
        href = "http://localhost/" + path  # absolute under the web base (where the request arrived)
        assert f'href="{href}"' in body or f'action="{href}"' in body


def test_home_lists_classes_with_counts_linking_to_their_index(
    client: FlaskClient, built_settings: Settings
) -> None:
    body = page(client, "/")
    manifest = Manifest.read(built_settings.current_build)
    count = manifest.classes["http://schema.org/Person"]
    modellers = body.split("For modellers", 1)[1]
    link = r'href="http://localhost/class\?iri=http%3A//schema.org/Person"[^>]*>person</a>'
    assert re.search(rf'{link} <span class="count">{count}<', modellers)


def test_class_index_lists_members_by_label(client: FlaskClient) -> None:
    body = page(client, "/class?iri=http://schema.org/Person")
    assert ">Yuan Yingjin</a>" in body and "24 in all" in body


def test_class_index_pages(built_settings: Settings) -> None:
    size = 7
    client = create_app(built_settings.with_(page_size=size)).test_client()
    body = page(client, "/class?iri=http://www.w3.org/2004/02/skos/core%23Concept")
    concepts = int(re.search(r"([\d,]+) in all", body).group(1).replace(",", ""))  # type: ignore[union-attr]
    direct = Manifest.read(built_settings.current_build).classes[
        "http://www.w3.org/2004/02/skos/core#Concept"
    ]
    assert concepts > direct > size  # subclasses' instances are listed too (agreement kinds, event roles...)
    assert f"1–{size} of {concepts}" in body and 'rel="next"' in body
    last_page = -(-concepts // size)
    last = page(client, f"/class?iri=http://www.w3.org/2004/02/skos/core%23Concept&page={last_page}")
    assert f"–{concepts} of {concepts}" in last
    assert 'rel="next"' not in last and 'rel="prev"' in last


def test_class_index_needs_an_iri(client: FlaskClient) -> None:
    assert client.get("/class").status_code == 400
    assert client.get("/class?iri=not an iri").status_code == 400


@pytest.mark.parametrize("phrase", ["Huawei", "huawei", "HUAWEI"])
def test_search_finds_huawei_case_insensitively(client: FlaskClient, phrase: str) -> None:
    body = page(client, f"/search?q={phrase}")
    assert 'href="http://localhost/id/org/huawei"' in body and ">Huawei</a>" in body


def test_search_escapes_the_query_echo(client: FlaskClient) -> None:
    body = page(client, "/search?q=%3Cscript%3Ealert(1)%3C/script%3E")
    assert "<script>alert(1)" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body  # echoed in the heading and the search box


def test_search_binds_the_phrase_as_a_literal(client: FlaskClient) -> None:
    for phrase in ['") } SELECT * WHERE { ?s ?p ?o } #', "\\", "' OR 1=1", "}"]:
        response = client.get("/search", query_string={"q": phrase})
        assert response.status_code == 200  # no syntax error: the phrase never becomes query text
        assert "Nothing is named with" in response.get_data(as_text=True)


def test_search_without_a_phrase_shows_the_form(client: FlaskClient) -> None:
    body = page(client, "/search")
    assert 'name="q"' in body and "Nothing is named" not in body


def test_search_rejects_a_bad_page(client: FlaskClient) -> None:
    assert client.get("/search?q=a&page=0").status_code == 400
    assert client.get("/search?q=a&page=21").status_code == 400  # capped at 1,000 hits (20 pages of 50)


def test_a_class_with_no_published_instance_is_404(client: FlaskClient) -> None:
    assert client.get("/class?iri=http://example.org/NoSuchClass").status_code == 404
    assert client.get("/class?iri=http://schema.org/Person").status_code == 200
