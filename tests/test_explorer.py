"""The partnership explorer: every agreement in one sortable table, facets with counts, the same table as CSV
and JSON beside it; the URL is the state and every value in it is checked."""

from __future__ import annotations

import csv
import io
import json
import re
from urllib.parse import urlencode

import pytest
from flask.testing import FlaskClient

from publisher.web.pages import explorer

NS = "https://kgpub.example.org/"
HUAWEI, TJU = NS + "id/org/huawei", NS + "id/org/tianjin-university"
AGREEMENTS = (
    5  # in the bundled articles: TJU with China Telecom and Huawei, NXP, Tencent; CQU-Huawei; MoE-Tencent
)


def explore(client: FlaskClient, **args: str | list[str]) -> str:
    query = urlencode([(k, v) for k, vs in args.items() for v in ([vs] if isinstance(vs, str) else vs)])
    response = client.get(f"/partnerships?{query}")
    assert response.status_code == 200, query
    return response.get_data(as_text=True)


def rows(body: str) -> list[str]:
    table = body.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr>(.*?)</tr>", table, re.S)


def facet(body: str, name: str) -> dict[str, int]:
    block = body.split(f"<h2>{name}</h2>", 1)[1].split("</section>", 1)[0]
    return {
        label: int(n) for label, n in re.findall(r">([^<>]+)</a> <span class=\"count\">(\d+)</span>", block)
    }


def test_every_agreement_newest_first(client: FlaskClient) -> None:
    body = explore(client)
    found = rows(body)
    assert len(found) == AGREEMENTS and f"{AGREEMENTS} agreements" in body
    dates = [re.search(r'datetime="([^"]+)"', r).group(1) for r in found]  # type: ignore[union-attr]
    assert dates == sorted(dates, reverse=True) and dates[0] == "2023-08-30" and "2017-04" in dates
    assert 'aria-sort="descending"' in body


def test_facets_count_what_the_table_holds(client: FlaskClient) -> None:
    body = explore(client)
    assert facet(body, "Year") == {"2023": 1, "2020": 1, "2017": 3}
    institutions = facet(body, "Institution")
    assert institutions["Tianjin University"] == 3 and institutions["Huawei"] == 2
    assert facet(body, "Kind") == {"memorandum of cooperation": 3, "strategic cooperation agreement": 2}
    places = facet(
        body, "Place"
    )  # a campus counts for its district and city; premises where the organisation is
    assert places["Jinnan District"] == 2 and places["Shapingba Campus, Chongqing University"] == 1


def test_a_facet_value_filters_and_two_institutions_mean_between_them(client: FlaskClient) -> None:
    assert len(rows(explore(client, institution=HUAWEI))) == 2
    between = explore(client, institution=[HUAWEI, TJU])
    assert len(rows(between)) == 1 and "China Telecom and Huawei" in between
    assert len(rows(explore(client, year="2017", institution=TJU))) == 2
    assert "Remove this filter" in between


def test_sorting_by_name_both_ways(client: FlaskClient) -> None:
    names = [
        re.findall(r"<td[^>]*><a [^>]*>([^<]+)</a></td>", r)[0] for r in rows(explore(client, sort="name"))
    ]
    assert names == sorted(names, key=str.lower)
    back = [
        re.findall(r"<td[^>]*><a [^>]*>([^<]+)</a></td>", r)[0] for r in rows(explore(client, sort="-name"))
    ]
    assert back == names[::-1]


def test_the_same_table_as_csv_and_json_at_a_link_beside_it(client: FlaskClient) -> None:
    body = explore(client, institution=HUAWEI)
    csv_href = re.search(r'<a href="([^"]+)" type="text/csv">CSV</a>', body).group(1)  # type: ignore[union-attr]
    json_href = re.search(r'<a href="([^"]+)" type="application/json">JSON</a>', body).group(1)  # type: ignore[union-attr]
    table = list(
        csv.DictReader(io.StringIO(client.get(csv_href.replace("&amp;", "&")).get_data(as_text=True)))
    )
    assert len(table) == 2 and all("Huawei" in row["parties"] for row in table)
    assert table[0]["date"] == "2023-08-30" and table[0]["agreement_iri"].startswith(NS + "id/agreement/")
    data = json.loads(client.get(json_href.replace("&amp;", "&")).data)
    assert data["total"] == 2 and not data["truncated"]
    assert {"iri": HUAWEI, "label": "Huawei"} in data["rows"][0]["parties"]
    link = client.get("/partnerships").headers["Link"]
    assert 'type="text/csv"' in link and 'type="application/json"' in link


@pytest.mark.parametrize(
    "query",
    [
        "year=20x7",
        "institution=not%20an%20iri",
        "sort=colour",
        "kind=%3Cscript%3E",
        "page=0",
        "year=1&year=2&year=3&year=4&year=5",
    ],
)
def test_malformed_parameters_are_400(client: FlaskClient, query: str) -> None:
    assert client.get(f"/partnerships?{query}").status_code == 400


def test_a_filter_is_only_compared_never_linked(client: FlaskClient) -> None:
    body = explore(client, kind="javascript:alert(1)")
    assert "0 agreements" in body and 'href="javascript:' not in body


def test_past_the_last_page_is_404_and_unknown_exports_too(client: FlaskClient) -> None:
    assert client.get("/partnerships?page=2").status_code == 404
    assert client.get("/partnerships.xml").status_code == 404


def test_the_whole_graph_pictures(client: FlaskClient) -> None:
    body = explore(client)
    network = body.split('<figure class="picture network">', 1)[1].split("</figure>", 1)[0]
    assert ">Huawei</text>" in network and ">Ministry of Education</text>" in network
    assert (
        "Tianjin University and Huawei: 1 agreement" in network
        or "Huawei and Tianjin University: 1" in network
    )
    timeline = body.split('<figure class="picture timeline">', 1)[1].split("</figure>", 1)[0]
    assert "2017: 3 agreements" in timeline


@pytest.mark.parametrize("label", ['=HYPERLINK("http://x.example/","y")', "+1", "-2", "@SUM(A1)", "\tx"])
def test_a_label_that_starts_like_a_formula_is_text_in_the_csv(label: str) -> None:
    cell = explorer.as_cell(label)
    assert cell == "'" + label


def test_an_ordinary_label_is_left_as_it_is_in_the_csv() -> None:
    assert explorer.as_cell("Tianjin University") == "Tianjin University"
