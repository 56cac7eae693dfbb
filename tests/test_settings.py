"""Settings are checked when they are made (start-up), and a bad one is named with its value."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from publisher.cli import cli
from publisher.settings import SettingError, Settings

BAD = [
    ({"query_processes": 0}, "query_processes=0: must be at least 1"),
    ({"query_timeout_s": -1.0}, "query_timeout_s=-1.0: must be more than 0"),
    ({"query_timeout_s": 0.0}, "query_timeout_s=0.0"),
    ({"max_result_rows": 0}, "max_result_rows=0"),
    ({"page_size": -5}, "page_size=-5"),
    ({"workers": 0}, "workers=0"),
    ({"port": 70000}, "port=70000"),
    ({"store_url": "ftp://example.org/sparql"}, "store_url='ftp://example.org/sparql': must be an http"),
    ({"store_url": "localhost:7878/query"}, "store_url="),
    ({"store_update_url": "http:///store"}, "store_update_url="),
    ({"web_base": "/kg/"}, "web_base='/kg/'"),
    ({"namespace": "kgpub"}, "namespace='kgpub': must be an absolute IRI"),
    ({"store_timeout_param": "timeout:s"}, "store_timeout_param='timeout:s'"),
]


@pytest.mark.parametrize(
    "change,message", BAD, ids=[next(iter(c)) + "=" + repr(next(iter(c.values()))) for c, _ in BAD]
)
def test_a_bad_setting_is_refused_naming_it(change: dict[str, object], message: str) -> None:
    with pytest.raises(SettingError) as raised:
        Settings(**change)  # type: ignore[arg-type]
    assert str(raised.value).startswith(message)


def test_credentials_in_a_bad_url_are_not_shown() -> None:
    with pytest.raises(SettingError) as raised:
        Settings(store_url="ftp://user:s3cret@example.org/sparql")
    assert "s3cret" not in str(raised.value) and "user" not in str(raised.value)


def test_good_settings_pass() -> None:
    Settings(
        store_url="http://127.0.0.1:7878/query",
        web_base="https://news.example.edu/kg/",
        port=0,
        store_timeout_param="timeout:ms",
        query_timeout_s=0.5,
    )


def test_the_cli_names_a_bad_setting_from_the_environment(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("KGPUB_QUERY_PROCESSES", "0")
    result = CliRunner().invoke(cli, ["--project-dir", str(tmp_path), "serve", "--get", "/"])
    assert result.exit_code == 1
    assert "query_processes=0: must be at least 1" in result.output
    monkeypatch.setenv("KGPUB_QUERY_PROCESSES", "two")
    result = CliRunner().invoke(cli, ["--project-dir", str(tmp_path), "serve", "--get", "/"])
    assert result.exit_code == 1 and "query_processes='two': must be a number" in result.output
