"""Conditional requests and cache lifetimes for everything a build determines (publisher/web/caching.py).

Real builds, real apps: the validators must come from the build, survive a second request unchanged,
turn into 304s, and change when a new build is served.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from publisher import create_app
from publisher.manifest import Manifest
from publisher.pipeline.publish import build
from publisher.settings import Settings

ARTICLE = "id/article/2020-10-12-tju-china-telecom-huawei-agreement"
ASK = "/sparql?query=ASK%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D"

# Every kind of build-derived GET: (path, Accept). Pages, data documents, dumps, VoID, sitemap, robots.
BUILD_DERIVED = [
    ("/.well-known/void", "text/turtle"),
    ("/.well-known/void", "application/ld+json"),
    ("/void?format=nt", "*/*"),
    ("/dumps/", "text/html"),
    ("/dumps/kgpub.nt.gz", "*/*"),
    ("/dumps/kgpub.ttl", "*/*"),
    ("/sitemap.xml", "*/*"),
    ("/robots.txt", "*/*"),
    (f"/doc/{ARTICLE}.html", "text/html"),
    (f"/doc/{ARTICLE}.ttl", "*/*"),
    (f"/doc/{ARTICLE}", "application/ld+json"),
    ("/", "text/html"),
    ("/ontology", "text/turtle"),
    ("/ontology.jsonld", "*/*"),
    ("/shapes", "text/turtle"),
]


@pytest.fixture(scope="module")
def manifest(built_settings: Settings) -> Manifest:
    return Manifest.read(built_settings.current_build.resolve())


def get(client: FlaskClient, path: str, accept: str = "*/*", **headers: str):
    return client.get(path, headers={"Accept": accept, **headers})


def built_at(manifest: Manifest) -> datetime:
    return datetime.fromisoformat(manifest.created).astimezone(UTC).replace(microsecond=0)


@pytest.mark.parametrize("path, accept", BUILD_DERIVED)
def test_build_derived_responses_carry_validators_and_a_lifetime(client, manifest, path, accept) -> None:
    response = get(client, path, accept)
    assert response.status_code == 200, path
    etag, weak = response.get_etag()
    assert etag and not weak, "strong ETag expected"
    assert parsedate_to_datetime(response.headers["Last-Modified"]) == built_at(manifest)
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert "Expires" not in response.headers


@pytest.mark.parametrize("path, accept", BUILD_DERIVED)
def test_if_none_match_gives_304_without_a_body(client, path, accept) -> None:
    first = get(client, path, accept)
    again = get(client, path, accept, **{"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304, path
    assert again.data == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Cache-Control"] == "public, max-age=300"


@pytest.mark.parametrize("path, accept", BUILD_DERIVED)
def test_if_modified_since_gives_304_from_the_build_time(client, manifest, path, accept) -> None:
    stamp = format_datetime(built_at(manifest), usegmt=True)
    assert get(client, path, accept, **{"If-Modified-Since": stamp}).status_code == 304, path
    earlier = format_datetime(built_at(manifest) - timedelta(seconds=1), usegmt=True)
    assert get(client, path, accept, **{"If-Modified-Since": earlier}).status_code == 200, path


def test_etag_wins_over_if_modified_since(client, manifest) -> None:
    """RFC 9110 13.1.3: with If-None-Match present, If-Modified-Since is ignored."""
    stamp = format_datetime(built_at(manifest), usegmt=True)
    response = get(
        client, "/.well-known/void", **{"If-None-Match": '"elsewhere"', "If-Modified-Since": stamp}
    )
    assert response.status_code == 200


def test_same_request_same_etag_and_same_bytes(client) -> None:
    """A strong ETag promises byte-identical bodies: the serializations must be deterministic."""
    for accept in ("text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml"):
        first, second = get(client, "/void", accept), get(client, "/void", accept)
        assert first.headers["ETag"] == second.headers["ETag"]
        assert first.data == second.data, accept


def test_every_variant_has_its_own_etag(client) -> None:
    variants = [
        get(client, "/void", "text/turtle"),
        get(client, "/void", "application/ld+json"),
        get(client, "/.well-known/void", "text/turtle"),
        get(client, "/void?format=nt"),
        client.get(
            "/void", headers={"Accept": "text/turtle", "Host": "mirror.example.org"}
        ),  # other web base
    ]
    assert len({r.headers["ETag"] for r in variants}) == len(variants)
    assert all("Accept" in r.headers["Vary"] for r in variants)


@pytest.mark.parametrize(
    "path", ["/", "/partnerships", "/organisations", "/doc/id/org/tianjin-university.html"]
)
def test_a_page_in_another_reader_language_is_another_variant(client, path: str) -> None:
    """Pages pick the language of their names from Accept-Language: a cache must key on it, and a copy made
    for an English reader is not current for a Chinese one."""
    english = client.get(path, headers={"Accept": "text/html", "Accept-Language": "en"})
    chinese = client.get(path, headers={"Accept": "text/html", "Accept-Language": "zh-CN"})
    assert english.status_code == chinese.status_code == 200
    assert "Accept-Language" in english.headers["Vary"] and "Accept-Language" in chinese.headers["Vary"]
    assert english.headers["ETag"] != chinese.headers["ETag"]
    again = client.get(
        path,
        headers={"Accept": "text/html", "Accept-Language": "zh-CN", "If-None-Match": english.headers["ETag"]},
    )
    assert again.status_code == 200


def test_dumps_keep_send_files_conditionals_with_the_build_validators(client, manifest) -> None:
    whole = get(client, "/dumps/kgpub.ttl")
    part = get(client, "/dumps/kgpub.ttl", Range="bytes=0-9", **{"If-Range": whole.headers["ETag"]})
    assert part.status_code == 206 and len(part.data) == 10
    assert part.headers["ETag"] == whole.headers["ETag"]
    stale = get(client, "/dumps/kgpub.ttl", Range="bytes=0-9", **{"If-Range": '"older-build"'})
    assert stale.status_code == 200 and stale.data == whole.data


def test_errors_are_never_stored(client) -> None:
    for response in (
        get(client, "/dumps/nope.ttl"),
        get(client, "/id/nothing/here"),
        get(client, "/void", "image/png"),
        get(client, "/sparql?query=NOT%20SPARQL"),
    ):
        assert response.status_code >= 400
        assert response.headers["Cache-Control"] == "no-store"
        assert "ETag" not in response.headers and "Last-Modified" not in response.headers


def test_query_results_get_an_etag_and_a_shorter_lifetime(client) -> None:
    first = get(client, ASK, "application/sparql-results+json")
    assert first.status_code == 200
    assert first.headers["Cache-Control"] == "public, max-age=60"
    again = get(client, ASK, "application/sparql-results+json", **{"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert get(client, ASK, "application/sparql-results+xml").headers["ETag"] != first.headers["ETag"]


def test_query_answers_get_a_weak_etag_that_still_gives_304_on_either_path(client) -> None:
    """Without ORDER BY, SPARQL leaves the rows' order open and two workers may answer the same query in
    different orders (in-memory copy or on-disk store), so a query answer claims no byte identity: a weak
    ETag, from the fast path (a plain GET) and from the Flask view (a conditional GET, or one with other
    parameters) alike; If-None-Match compares weakly, with either form of the tag. The endpoint's service
    description is deterministic and keeps a strong one."""
    query = "/sparql?query=SELECT%20%3Fs%20WHERE%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D%20LIMIT%203"
    fast = get(client, query, "application/sparql-results+json")
    view = get(client, query, "application/sparql-results+json", **{"If-None-Match": '"elsewhere"'})
    assert fast.status_code == view.status_code == 200
    tag, weak = fast.get_etag()
    assert weak and fast.headers["ETag"] == f'W/"{tag}"' == view.headers["ETag"]
    assert get(client, ASK + "&format=json").get_etag()[1]  # the view's own answer, a download
    for offered in (fast.headers["ETag"], f'"{tag}"'):
        again = get(client, query, "application/sparql-results+json", **{"If-None-Match": offered})
        assert again.status_code == 304 and again.data == b"", offered
        assert again.headers["ETag"] == fast.headers["ETag"]
    description = get(client, "/sparql", "text/turtle")
    assert description.status_code == 200 and description.get_etag()[1] is False


def test_query_over_post_gets_no_validators(client) -> None:
    response = client.post(
        "/sparql", data={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": "application/sparql-results+json"}
    )
    assert response.status_code == 200
    assert "ETag" not in response.headers


def test_redirects_are_cacheable_but_carry_no_validators(client) -> None:
    response = get(client, f"/{ARTICLE}", "text/turtle")
    assert response.status_code == 303
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert "ETag" not in response.headers


def test_a_rebuild_changes_the_etags(client, built_settings: Settings, tmp_path: Path) -> None:
    """A rebuild finds the served release in its build folder, as in production. (A build of the same sources
    in an empty folder within the same second is the same release, id and bytes: that is no rebuild.)"""
    rebuilt = Settings(project_dir=built_settings.project_dir, build_dir=tmp_path / "build")
    shutil.copytree(
        built_settings.builds_root / "releases", rebuilt.builds_root / "releases"
    )  # not `current`
    build(rebuilt)
    assert (
        Manifest.read(rebuilt.current_build.resolve()).build_id
        != Manifest.read(built_settings.current_build.resolve()).build_id
    )
    other = create_app(rebuilt).test_client()
    for path, accept in BUILD_DERIVED:
        old, new = get(client, path, accept), get(other, path, accept)
        assert old.headers["ETag"] != new.headers["ETag"], path
        assert get(other, path, accept, **{"If-None-Match": old.headers["ETag"]}).status_code == 200, path


def test_memos_belong_to_the_app_that_filled_them(built_settings: Settings) -> None:
    """Two apps in one process never share a memo: a term's markup comes from each app's own templates
    (it was once kept by term alone, module-wide, and the first app's markup won)."""
    from jinja2 import ChoiceLoader, DictLoader

    first, second = create_app(built_settings), create_app(built_settings)
    macros = (Path(__file__).resolve().parents[1] / "publisher/web/site/templates/_macros.html").read_text()
    marked = macros.replace('<span class="iri"', '<span class="iri second-app"').replace(
        '<a href="{{ t.href }}"', '<a class="second-app" href="{{ t.href }}"'
    )
    second.jinja_env.loader = ChoiceLoader([DictLoader({"_macros.html": marked}), second.jinja_env.loader])
    page = "/doc/id/org/huawei.html"
    assert "second-app" not in first.test_client().get(page).get_data(as_text=True)
    assert "second-app" in second.test_client().get(page).get_data(as_text=True)
    assert first.extensions["kgpub"].memos is not second.extensions["kgpub"].memos


def test_requests_cannot_evict_what_the_build_determined(built_settings: Settings) -> None:
    """Keys a request chooses (a reader's languages, a class IRI) live in memos of their own: hundreds of
    them leave the build's facts (VoID statistics, reserved names...) kept, not recomputed."""
    app = create_app(built_settings)
    client = app.test_client()
    assert client.get("/.well-known/void", headers={"Accept": "text/turtle"}).status_code == 200

    def requests(names: range) -> None:
        for n in names:
            assert client.get("/", headers={"Accept-Language": f"x{n:04d}"}).status_code == 200
            assert client.get("/class", query_string={"iri": f"http://example.org/c/{n}"}).status_code == 404

    requests(range(1))  # the facts the home page itself is made of
    facts = app.extensions["kgpub"].current().memos.memo("values", 1)
    kept = len(facts)
    requests(range(1, 300))
    assert len(facts) == kept
