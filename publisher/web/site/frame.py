"""What every page's frame shows (``site`` in templates): the title, the navigation, the licence, and the
metadata a page has unless it says better (description, canonical URL).

Every link is absolute under the web base (``urls.site_url``), so a page made once is right wherever it is
served from: pages rendered by the build carry a placeholder base that serving replaces
(``publisher/prerender.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask import request

from publisher.web import publisher
from publisher.web.site.labels import fallback_label
from publisher.web.site.urls import site_url, web_base

LICENCES = {"https://creativecommons.org/licenses/by/4.0/": "CC BY 4.0"}
DESCRIPTION = (
    "A knowledge graph of university news: which institutions made agreements with which, when, who signed "
    "for each side, and the article that says so."
)
LINKS = {  # name -> path under the web base
    "home": "",
    "search": "search",
    "suggest": "search/suggest",
    "organisations": "organisations",
    "people": "people",
    "events": "events",
    "topics": "topics",
    "articles": "articles",
    "partnerships": "partnerships",
    "sparql": "sparql",
    "ontology": "ontology",
    "shapes": "shapes",
    "void": ".well-known/void",
    "dumps": "dumps/",
    "static": "static/",
    "favicon": "favicon.ico",
}


@dataclass(frozen=True)
class Site:
    title: str
    short_title: str
    licence: str
    licence_label: str
    description: str
    canonical: str  # this page's URL without its query (a page may name a better one)
    links: Mapping[str, str]


def site() -> Site:
    settings = publisher().settings
    links = {name: site_url(path) for name, path in LINKS.items()}
    return Site(
        title=settings.title,
        short_title="kgpub",
        licence=settings.licence,
        licence_label=LICENCES.get(settings.licence, fallback_label(settings.licence)),
        description=DESCRIPTION,
        canonical=web_base() + request.path.lstrip("/"),
        links=links,
    )
