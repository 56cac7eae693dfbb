"""Each shipped competency question returns the answer the four bundled articles give, on every store."""

from __future__ import annotations

from collections.abc import Iterator
from importlib.resources import files

import pytest

from publisher.settings import Settings
from publisher.store import SelectResult, Store, open_store
from tests.conftest import BACKENDS, remote_endpoint

ARTICLE = "id/article/2020-10-12-tju-china-telecom-huawei-agreement"
AGREEMENT = "id/agreement/2020-09-24-tju-china-telecom-huawei-strategic-cooperation"


@pytest.fixture(scope="module", params=BACKENDS)
def store(request: pytest.FixtureRequest, built_settings: Settings) -> Iterator[Store]:
    """The session's build through the embedded store, and through each remote store loaded by ``kgpub publish``."""
    endpoint = remote_endpoint(request, request.param)
    opened = open_store(built_settings.with_(store_url=endpoint) if endpoint else built_settings)
    yield opened
    opened.close()


def ask(store: Store, name: str) -> SelectResult:
    text = files("publisher.queries").joinpath("competency", name).read_text(encoding="utf-8")
    return store.select(text)


def column(result: SelectResult, variable: str) -> list[str]:
    return [str(row[variable]) for row in result.rows if row.get(variable) is not None]


def local(result: SelectResult, variable: str, namespace: str) -> set[str]:
    return {value.removeprefix(namespace) for value in column(result, variable)}


def test_q1_tju_partners_across_articles_with_kinds_and_dates_at_their_precision(
    store: Store, built_settings: Settings
) -> None:
    result = ask(store, "01-tju-agreement-partners.rq")
    rows = {(str(r["partnerName"]), str(r["kind"]), str(r["date"])) for r in result.rows}
    assert rows == {
        ("China Telecom", "strategic cooperation agreement", "2020-09-24"),
        ("Huawei", "strategic cooperation agreement", "2020-09-24"),
        ("NXP", "memorandum of cooperation", "2017-12-11"),
        ("Tencent Technology (Shenzhen) Co., Ltd.", "memorandum of cooperation", "2017-07-29"),
    }
    assert column(result, "date") == sorted(column(result, "date"), reverse=True)  # newest first
    assert local(result, "article", built_settings.namespace) == {
        ARTICLE,
        "id/article/tju-nxp-emerging-engineering-memorandum",
        "id/article/tju-tencent-innovative-engineering-memorandum",
    }


def test_q2_signatories_each_for_one_party_with_their_posts(store: Store) -> None:
    result = ask(store, "02-agreement-signatories.rq")
    signed = {(str(r["signatoryName"]), str(r["partyName"]), str(r["postLabel"])) for r in result.rows}
    assert signed == {
        (
            "Hu Qinghua",
            "Tianjin University",
            "Vice Dean of the College of Intelligence and Computing, Tianjin University",
        ),
        ("Su Weifeng", "China Telecom", "Deputy General Manager of China Telecom Tianjin Branch"),
        ("Qi Pingchuan", "Huawei", "General Manager of Huawei Tianjin Cloud and AI BG"),
        ("Xu Jingwen", "Tencent Technology (Shenzhen) Co., Ltd.", "Vice President of Tencent Cloud"),
        ("Wang Shuxin", "Tianjin University", "Vice President of Tianjin University"),
    }


def test_q3_witnesses_include_the_unnamed_and_the_counted(store: Store) -> None:
    result = ask(store, "03-signing-witnesses.rq")
    witnesses = {(str(r["witnessName"]), str(r.get("postLabel") or "")) for r in result.rows}
    assert witnesses == {
        ("Zhu Yubing", "Deputy Secretary General of Tianjin Municipal Government"),
        ("Yuan Yingjin", "Vice President of Tianjin University"),
        ("Zhao Yufeng", "General Manager of China Telecom Tianjin Branch"),
        ("other leaders from relative departments", ""),
        ("3 government representatives", ""),
        (
            "Li Ning",
            "Vice Director of the Personnel Exchange Center, Ministry of Industry and Information Technology",
        ),
        (
            "Zhang Guihua",
            "Vice Director of the Committee of Industry and Information Technology, Tianjin Binhai New Area",
        ),
    }


def test_q4_one_joint_lab_founded_by_three_parties_with_its_focus(store: Store) -> None:
    (row,) = ask(store, "04-joint-labs.rq").rows
    assert str(row["labName"]) == "Joint Innovation Laboratory for Digital Government-Smart City"
    assert set(str(row["founders"]).split(", ")) == {"Tianjin University", "China Telecom", "Huawei"}
    assert set(str(row["focus"]).split(", ")) == {"digital government", "smart city"}
    assert str(row["date"]) == "2020-09-24"


def test_q5_the_seed_agreement_covers_the_seven_named_technologies(
    store: Store, built_settings: Settings
) -> None:
    result = ask(store, "05-agreement-topics.rq")
    seed = built_settings.namespace + AGREEMENT
    topics = {str(r["topicLabel"]) for r in result.rows if str(r["agreement"]) == seed}
    assert topics == {
        "5G",
        "artificial intelligence",
        "big data",
        "intelligent network",
        "edge intelligence",
        "human-computer interaction",
        "pattern recognition",
    }
    assert len({str(r["agreement"]) for r in result.rows}) == 4  # the Chongqing agreement names no topic


def test_q6_articles_mentioning_huawei_with_or_without_a_date(
    store: Store, built_settings: Settings, request: pytest.FixtureRequest
) -> None:
    if request.node.callspec.params["store"] == "virtuoso":
        request.applymarker(
            pytest.mark.xfail(
                strict=True,
                reason=(
                    "Virtuoso 7.2.5 answers no rows: its engine drops the join of "
                    "`?entity org:subOrganizationOf* ?org` with `?article schema:mentions|schema:about ?entity` "
                    "(each part alone is right)"
                ),
            )
        )
    result = ask(store, "06-articles-mentioning.rq")
    assert [str(r["article"]).removeprefix(built_settings.namespace) for r in result.rows] == [
        ARTICLE,
        "id/article/cqu-huawei-deepen-strategic-cooperation",
    ]  # the undated one last
    assert column(result, "published") == ["2020-10-12T16:03:00+08:00"]
    assert column(result, "url") == ["https://english.cqu.edu.cn/info/1100/3112.htm"]


def test_q7_posts_inside_tju_include_its_units_and_when_attested(store: Store) -> None:
    result = ask(store, "07-posts-inside-tju.rq")
    held = {(str(r["name"]), str(r["organisationName"]), str(r["attestedOn"])) for r in result.rows}
    assert held == {
        ("Hu Qinghua", "College of Intelligence and Computing, Tianjin University", "2020-09-24"),
        ("Yuan Yingjin", "Tianjin University", "2020-09-24"),
        ("Wang Shuxin", "Tianjin University", "2017-07-29"),
        ("Wang Shuxin", "Tianjin University", "2017-12-11"),
        ("Li Jiajun", "Tianjin University", "2017-07-29"),
        ("Zhong Denghua", "Tianjin University", "2017-07-29"),
        ("Gong Jinlong", "Academic Affairs Office", "2017-12-11"),
    }


def test_q8_the_bureau_organised_the_conference_and_who_took_part(store: Store) -> None:
    result = ask(store, "08-government-events.rq")
    assert set(column(result, "organiserName")) == {"Tianjin Industrial and Information Technology Bureau"}
    parts = {(str(r["agentName"]), str(r["role"]), str(r.get("onBehalfOfName") or "")) for r in result.rows}
    assert ("Zhu Yubing", "witness", "") in parts  # the text does not say for whom they witnessed
    assert ("Yuan Yingjin", "speaker", "") in parts
    assert ("Hu Qinghua", "signatory", "Tianjin University") in parts
    assert ("Huawei", "attendee", "") in parts
    assert len(parts) == 11  # 3 partner organisations, 3 signatories, 4 witnesses, 1 speaker


def test_q9_every_fact_about_huawei_traces_to_an_article(store: Store, built_settings: Settings) -> None:
    result = ask(store, "09-fact-provenance.rq")
    stated = {(str(r["predicate"]), str(r["object"])) for r in result.rows}
    assert ("http://schema.org/alternateName", "Huawei Technologies Co., Ltd.") in stated
    assert local(result, "article", built_settings.namespace) == {
        ARTICLE,
        "id/article/cqu-huawei-deepen-strategic-cooperation",
    }
    assert set(column(result, "publisherName")) == {
        "College of Intelligence and Computing, Tianjin University",
        "Chongqing University",
    }


def test_q10_agreements_by_year_and_kind(store: Store) -> None:
    result = ask(store, "10-agreements-by-year-and-kind.rq")
    counts = {(str(r["year"]), str(r["kind"])): int(str(r["agreements"])) for r in result.rows}
    assert counts == {
        ("2017", "memorandum of cooperation"): 3,
        ("2020", "strategic cooperation agreement"): 1,
        ("2023", "strategic cooperation agreement"): 1,
    }


def test_q11_agreements_building_on_earlier_ones_known_only_by_reference(
    store: Store, built_settings: Settings
) -> None:
    result = ask(store, "11-agreements-building-on-earlier-ones.rq")
    rows = {
        (
            str(r["agreement"]).removeprefix(built_settings.namespace),
            str(r["relationLabel"]),
            str(r["earlier"]).removeprefix(built_settings.namespace),
            str(r.get("earlierDate") or ""),
            str(r["onlyByReference"]).lower() in ("true", "1"),
        )
        for r in result.rows
    }  # Virtuoso says 1
    assert rows == {
        (
            "id/agreement/tju-tencent-innovative-engineering-memorandum",
            "follows",
            "id/agreement/moe-tencent-innovative-engineering-memorandum",
            "2017-04",
            True,
        ),
        (
            "id/agreement/cqu-huawei-strategic-cooperation-2023",
            "upgrades or deepens",
            "id/cooperation/cqu-huawei-comprehensive-strategic-partnership",
            "",
            True,
        ),
        (
            "id/cooperation/cqu-huawei-comprehensive-strategic-partnership",
            "builds on",
            "id/cooperation/cqu-huawei",
            "",
            True,
        ),
    }


def test_q12_wang_shuxin_acted_for_two_universities_as_a_candidate_identity_only(
    store: Store, built_settings: Settings
) -> None:
    (row,) = ask(store, "12-people-acting-for-several-institutions.rq").rows
    assert str(row["candidateIdentity"]) == built_settings.namespace + "id/identity/wang-shuxin"
    assert set(str(row["records"]).split()) == {
        built_settings.namespace + "id/person/wang-shuxin-tianjin-university",
        built_settings.namespace + "id/person/wang-shuxin-chongqing-university",
    }
    assert set(str(row["institutions"]).split(" | ")) == {"Tianjin University", "Chongqing University"}
    assert set(str(row["years"]).split()) == {"2017", "2023"}


def test_q13_events_in_tianjin_through_the_university_that_hosted_them(
    store: Store, built_settings: Settings
) -> None:
    result = ask(store, "13-events-at-a-place.rq")
    assert {str(r["eventName"]) for r in result.rows} >= {
        "Signing ceremony for the Tianjin University-NXP Memorandum of Cooperation Regarding Construction of "
        "Emerging Engineering Education",
        "Innovative Engineering Construction Thematic Training Class",
    }
    assert local(result, "heldAt", built_settings.namespace) == {
        "id/org/tianjin-university"
    }  # the reading shows
    assert {str(r["whereName"]) for r in result.rows} == {"Beiyangyuan Campus, Tianjin University"}


def test_q13_asked_about_a_campus_finds_the_ceremony_held_there(store: Store) -> None:
    text = (
        files("publisher.queries")
        .joinpath("competency", "13-events-at-a-place.rq")
        .read_text(encoding="utf-8")
    )
    result = store.select(text.replace("<id/place/tianjin>", "<id/place/cqu-shapingba-campus>"))
    assert [str(r["eventName"]) for r in result.rows] == [
        "Signing ceremony for Chongqing University and Huawei Technologies Co., Ltd. to deepen comprehensive "
        "strategic cooperation"
    ]
    assert column(result, "heldAt") == column(result, "where")  # held at the campus itself


def test_q14_every_article_names_where_it_was_read(store: Store) -> None:
    result = ask(store, "14-article-sources.rq")
    assert set(column(result, "url")) == {
        "http://tiei.tju.edu.cn/info/1510/2683.htm",
        "https://hwengd.com/english/info/1010/2912.html",
        "https://english.cqu.edu.cn/info/1100/3112.htm",
    }
    copies = [r for r in result.rows if r.get("kind") is not None]
    assert [(str(r["url"]), str(r["kind"]), r.get("headline")) for r in copies] == [
        ("https://hwengd.com/english/info/1010/2912.html", "third-party copy", None)
    ]
