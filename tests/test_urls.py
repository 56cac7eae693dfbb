"""URL building and the reserved top-level names, which are derived from the app's URL map."""

from __future__ import annotations

from flask import Flask

from publisher.web.site.urls import is_reserved, reserved_names, reserved_pattern

#: What the app served itself when the names were a hand-kept list ("vendor" was listed but never routed).
ROUTED = {
    "doc",
    "sparql",
    "static",
    "dumps",
    "void",
    ".well-known",
    "sitemap.xml",
    "robots.txt",
    "search",
    "class",
    "ontology",
    "shapes",
}


def test_every_routed_top_level_name_is_reserved(app: Flask) -> None:
    pattern = reserved_pattern(app.url_map)
    assert all(pattern.fullmatch(name) for name in ROUTED)
    assert pattern.fullmatch("sitemap-3.xml") and pattern.fullmatch("ontology.ttl")
    assert not any(
        pattern.fullmatch(name) for name in ("org", "person", "article", "id", "sitemap", "sparqls")
    )


def test_the_catch_all_reserves_nothing(app: Flask) -> None:
    assert "" not in reserved_names(app.url_map)
    assert all("path:rest" not in name for name in reserved_names(app.url_map))


def test_a_new_route_reserves_its_name_with_no_list_to_edit(built_settings) -> None:
    from publisher import create_app

    app = create_app(built_settings)
    app.add_url_rule("/feeds/<name>", "feeds", lambda name: name)
    with app.test_request_context("/"):
        assert is_reserved("feeds/atom.xml")
        assert not is_reserved("org/tju")
    assert app.test_client().get("/feeds/atom").data == b"atom"
