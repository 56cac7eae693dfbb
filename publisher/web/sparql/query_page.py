"""The model behind the HTML query page: examples, prefixes, download links, editor assets.

Query, then model, then template: ``sparql.html`` receives a frozen :class:`QueryPage` and makes no
decision of its own. The competency questions in ``publisher/queries/competency/*.rq`` are the examples;
each is shown (and run) with a ``BASE <namespace>`` line, because the files use relative IRIs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

from publisher.formats import RDF_FORMATS, RESULT_FORMATS, Format
from publisher.sparql_text import declared_prefixes
from publisher.web.pages.models import Alternate
from publisher.web.sparql.protocol import answer_formats

COMPETENCY_PACKAGE, COMPETENCY_FOLDER = "publisher.queries", "competency"
YASGUI_DIR = Path("vendor") / "yasgui"  # under sparql/static/; see scripts/install-frontend.sh
YASGUI_FILES = ("yasgui.min.js", "yasgui.min.css")

#: Vocabularies the dataset uses; competency queries' own PREFIX lines are added (and win).
STANDARD_PREFIXES: Mapping[str, str] = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "schema": "http://schema.org/",
    "org": "http://www.w3.org/ns/org#",
    "prov": "http://www.w3.org/ns/prov#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "kgo": "https://kgpub.example.org/ontology#",
}


@dataclass(frozen=True)
class Example:
    """One competency question, ready to show: ``text`` already starts with ``BASE <namespace>``."""

    name: str
    title: str
    text: str
    downloads: tuple[Alternate, ...]


@dataclass(frozen=True)
class Editor:
    """The vendored YASGUI files (static-folder-relative paths) and their version, for cache busting."""

    script: str
    stylesheet: str
    version: str


@dataclass(frozen=True)
class QueryPage:
    title: str
    endpoint: str  # the page's own /sparql (relative URL: the editor resolves it against the page)
    endpoint_url: str  # the same, absolute, as published in the service description
    namespace: str
    web_base: str  # where the namespace's IRIs are served (entity links are rewritten to it)
    examples: tuple[Example, ...]
    prefixes: Mapping[str, str]
    initial_query: str
    editor: Editor | None  # None: the vendor files are absent, the page is a plain form
    max_rows: int
    result_formats: tuple[Format, ...] = RESULT_FORMATS
    graph_formats: tuple[Format, ...] = RDF_FORMATS
    description_links: tuple[Alternate, ...] = ()

    def client_config(self) -> dict[str, object]:
        """What static/sparql.js needs, embedded as JSON (``tojson`` escapes it for the HTML page)."""
        return {
            "endpoint": self.endpoint,
            "namespace": self.namespace,
            "webBase": self.web_base,
            "prefixes": dict(self.prefixes),
        }


@dataclass(frozen=True)
class CompetencyQuery:
    name: str
    title: str
    text: str  # as stored, relative IRIs and all


@lru_cache(maxsize=1)
def competency_queries() -> tuple[CompetencyQuery, ...]:
    """The shipped competency questions, in file-name order (``NN-name.rq``); package data, so cached."""
    folder = files(COMPETENCY_PACKAGE).joinpath(COMPETENCY_FOLDER)
    if not folder.is_dir():
        return ()
    entries = sorted((e for e in folder.iterdir() if e.name.endswith(".rq")), key=lambda e: e.name)
    return tuple(_competency(e.name, e.read_text(encoding="utf-8")) for e in entries)


def _competency(file_name: str, text: str) -> CompetencyQuery:
    """Title from the first ``# `` comment line; the file name stands in when there is none."""
    stem = file_name.removesuffix(".rq")
    title = next((line[2:].strip() for line in text.splitlines() if line.startswith("# ")), "")
    return CompetencyQuery(stem, title or stem.replace("-", " "), text)


def with_base(text: str, namespace: str) -> str:
    """The query as run from the page: relative IRIs resolve against the namespace."""
    return f"BASE <{namespace}>\n{text}"


def examples(namespace: str, download_href: Callable[[str, Format], str]) -> tuple[Example, ...]:
    """Every competency question with a download link per format its form can produce."""
    out = []
    for query in competency_queries():
        text = with_base(query.text, namespace)
        links = tuple(
            Alternate(f.label, download_href(text, f), f.media_type) for f in answer_formats(text) or ()
        )
        out.append(Example(query.name, query.title, text, links))
    return tuple(out)


def dataset_prefixes(namespace: str) -> dict[str, str]:
    """Standard vocabularies plus every prefix the competency queries declare (resolved to absolute)."""
    prefixes = dict(STANDARD_PREFIXES)
    for query in competency_queries():
        prefixes.update(declared_prefixes(query.text, namespace))
    return prefixes


def starter_query(prefixes: Mapping[str, str], namespace: str) -> str:
    """What the editor shows first: the prefixes, then a query that answers on any build."""
    declarations = "\n".join(f"PREFIX {name}: <{iri}>" for name, iri in sorted(prefixes.items()))
    body = "SELECT ?class (COUNT(?s) AS ?instances)\nWHERE { ?s a ?class }\nGROUP BY ?class\nORDER BY DESC(?instances)"
    return f"BASE <{namespace}>\n{declarations}\n\n{body}\n"


def find_editor(static_folders: Sequence[Path]) -> Editor | None:
    """The vendored editor if ``scripts/install-frontend.sh`` has run, else None (plain form)."""
    folder = next(
        (f / YASGUI_DIR for f in static_folders if all((f / YASGUI_DIR / n).is_file() for n in YASGUI_FILES)),
        None,
    )
    if folder is None:
        return None
    version_file = folder / "VERSION"
    version = version_file.read_text(encoding="utf-8").strip() if version_file.is_file() else "0"
    script, stylesheet = (str(YASGUI_DIR / name) for name in YASGUI_FILES)
    return Editor(script=script, stylesheet=stylesheet, version=version)
