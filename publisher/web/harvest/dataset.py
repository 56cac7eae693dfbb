"""The served dataset as harvesters see it: its dump files and its VoID + DCAT description.

Everything here is a function of the served build (plus the web base where it is reached), computed from
the manifest, the release's ``dumps/`` folder and a few fixed queries (``queries/void_*.rq``) whose
answers are memoised per build. ``routes.py`` turns it into responses.

* IRIs keep the namespace (``void:uriSpace``, ``void:rootResource``, ``void:exampleResource``: the data
  keeps its IRIs wherever it is served); the endpoint, the dumps and the description sit at the web base.
* ``void:triples`` is the number of published quads (``manifest.triples``, the N-Quads/TriG dumps); the
  N-Triples and Turtle dumps hold the union graph, so a triple stated in two graphs appears there once.
* Partitions and distributions get IRIs, not blank nodes, so every serialization of one build is
  byte-identical and the strong ETag of ``site/caching.py`` stays honest.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rdflib import RDF, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, VOID

from publisher.formats import DUMP_FILES, DumpFile
from publisher.queries import load_query
from publisher.web import publisher
from publisher.web.site import caching
from publisher.web.site.urls import site_url
from publisher.web.sparql.service_description import LIST_GRAPHS_QUERY, MAX_LISTED_GRAPHS, SD

IANA = "https://www.iana.org/assignments/media-types/"
DESCRIPTION = (
    "Facts stated by university news articles: the events they report, who took part and on whose "
    "behalf, the agreements and joint bodies that came out of them, each traceable to its article."
)


@dataclass(frozen=True)
class Dump:
    """One downloadable file of the served release (what the dumps page and VoID show of it)."""

    name: str
    path: Path
    size: int
    format: DumpFile

    @property
    def url(self) -> str:
        return site_url(f"dumps/{self.name}")


@dataclass(frozen=True)
class BuildFacts:
    """What the manifest does not record but VoID states: answers of ``queries/void_*.rq``."""

    properties: tuple[str, ...]
    distinct_subjects: int
    example: str | None  # the newest article


def dumps() -> dict[str, Dump]:
    """The allow-list: file name -> dump, from the release's ``dumps/`` folder (regular files only)."""
    return publisher().memos.value("dumps", _scan_dumps)


def _scan_dumps() -> dict[str, Dump]:
    release = publisher().release_dir
    folder = release / "dumps" if release else None
    if folder is None or not folder.is_dir():
        return {}
    found = {}
    for entry in sorted(folder.iterdir()):
        fmt = next((f for f in DUMP_FILES if f.name == entry.name), None)
        if fmt and entry.is_file() and not entry.is_symlink():  # a planted symlink is never followed
            found[entry.name] = Dump(entry.name, entry, entry.stat().st_size, fmt)
    return found


def build_facts() -> BuildFacts:
    return publisher().memos.value("void-facts", _query_facts)


def _query_facts() -> BuildFacts:
    manifest = publisher().manifest
    if manifest is not None and manifest.properties is not None and manifest.distinct_subjects is not None:
        return BuildFacts(
            properties=manifest.properties,
            distinct_subjects=manifest.distinct_subjects,
            example=manifest.example,
        )  # counted by the build (at 10M: 27 s of queries)
    store = publisher().store
    properties = store.select(load_query("void_properties.rq")).rows
    subjects = store.select(load_query("void_subjects.rq")).rows
    example = store.select(load_query("void_example.rq")).rows
    return BuildFacts(
        properties=tuple(sorted(str(row["property"]) for row in properties)),
        distinct_subjects=int(str(subjects[0]["subjects"])) if subjects else 0,
        example=str(example[0]["article"]) if example else None,
    )


def vocabularies(terms: tuple[str, ...]) -> list[str]:
    """The namespaces of the given terms: each IRI up to and including its last ``#`` or ``/``."""
    return sorted({term[: max(term.rfind("#"), term.rfind("/")) + 1] for term in terms if "/" in term})


# ---------------------------------------------------------------- the VoID / DCAT graph


def void_graph(base: str) -> Graph:
    """The VoID + DCAT description of the served build, with web locations under ``base``."""
    graph = Graph(bind_namespaces="none")
    for prefix, ns in (
        ("void", VOID),
        ("dcat", DCAT),
        ("dcterms", DCTERMS),
        ("foaf", FOAF),
        ("sd", SD),
        ("xsd", XSD),
    ):
        graph.bind(prefix, ns)
    document = URIRef(f"{base}.well-known/void")
    dataset = URIRef(f"{document}#dataset")
    graph.add((document, RDF.type, VOID.DatasetDescription))
    graph.add((document, DCTERMS.title, Literal(f"VoID of {publisher().settings.title}", lang="en")))
    graph.add((document, FOAF.primaryTopic, dataset))
    _describe_dataset(graph, dataset, base)
    _describe_statistics(graph, dataset)
    _describe_partitions(graph, dataset)
    for dump in dumps().values():
        _describe_dump(graph, dataset, dump)
    return graph


def _describe_dataset(graph: Graph, dataset: URIRef, base: str) -> None:
    """Who, what, under which licence, when (this build), and where to query it."""
    settings, built = publisher().settings, Literal(caching.build_time().isoformat(), datatype=XSD.dateTime)
    agent = URIRef(f"{base}.well-known/void#publisher")
    for p, o in (
        (RDF.type, VOID.Dataset),
        (RDF.type, DCAT.Dataset),
        (DCTERMS.title, Literal(settings.title, lang="en")),
        (DCTERMS.description, Literal(DESCRIPTION, lang="en")),
        (DCTERMS.license, URIRef(settings.licence)),
        (DCTERMS.publisher, agent),
        (DCTERMS.created, built),
        (DCTERMS.modified, built),
        (FOAF.homepage, URIRef(base)),
        (DCAT.landingPage, URIRef(f"{base}dumps/")),
        (VOID.sparqlEndpoint, URIRef(f"{base}sparql")),
        (VOID.uriSpace, Literal(publisher().namespace)),
        (VOID.rootResource, URIRef(publisher().namespace)),
    ):
        graph.add((dataset, p, o))
    graph.add((agent, RDF.type, FOAF.Agent))
    graph.add((agent, FOAF.name, Literal(settings.title, lang="en")))
    graph.add((agent, FOAF.homepage, URIRef(base)))


def _describe_statistics(graph: Graph, dataset: URIRef) -> None:
    facts, manifest = build_facts(), publisher().built()
    for p, n in (
        (VOID.triples, manifest.triples),
        (VOID.entities, manifest.entities),
        (VOID.classes, len(manifest.classes)),
        (VOID.properties, len(facts.properties)),
        (VOID.distinctSubjects, facts.distinct_subjects),
    ):
        graph.add((dataset, p, Literal(n, datatype=XSD.integer)))
    for vocabulary in vocabularies(facts.properties + tuple(manifest.classes)):
        graph.add((dataset, VOID.vocabulary, URIRef(vocabulary)))
    if facts.example:
        graph.add((dataset, VOID.exampleResource, URIRef(facts.example)))


def _describe_partitions(graph: Graph, dataset: URIRef) -> None:
    """``void:classPartition`` per class and ``void:subset`` per named graph, counts from the manifest (past
    ``MAX_LISTED_GRAPHS`` graphs, the article graphs as one subset)."""
    manifest = publisher().built()
    for index, (cls, count) in enumerate(sorted(manifest.classes.items()), start=1):
        partition = URIRef(f"{dataset}-class-{index}")
        graph.add((dataset, VOID.classPartition, partition))
        graph.add((partition, VOID["class"], URIRef(cls)))
        graph.add((partition, VOID.entities, Literal(count, datatype=XSD.integer)))
    listed = dict(manifest.graphs)
    if len(listed) > MAX_LISTED_GRAPHS:
        articles = f"{publisher().namespace}graph/article/"
        listed = {name: n for name, n in manifest.graphs.items() if not name.startswith(articles)}
        _describe_article_graphs(
            graph, dataset, articles, {n: c for n, c in manifest.graphs.items() if n not in listed}
        )
    for index, (name, count) in enumerate(sorted(listed.items()), start=1):
        subset = URIRef(f"{dataset}-graph-{index}")
        graph.add((dataset, VOID.subset, subset))
        graph.add((subset, RDF.type, VOID.Dataset))
        graph.add((subset, RDF.type, SD.NamedGraph))
        graph.add((subset, SD.name, URIRef(name)))
        graph.add((subset, VOID.triples, Literal(count, datatype=XSD.integer)))


def _describe_article_graphs(graph: Graph, dataset: URIRef, prefix: str, graphs: dict[str, int]) -> None:
    """The per-article graphs as one subset: how many, their triples, how they are named and listed."""
    subset = URIRef(f"{dataset}-article-graphs")
    note = (
        f"The {len(graphs):,} per-article named graphs, {prefix}<article slug>, summed; list them with "
        f"{LIST_GRAPHS_QUERY}"
    )
    graph.add((dataset, VOID.subset, subset))
    graph.add((subset, RDF.type, VOID.Dataset))
    graph.add((subset, DCTERMS.description, Literal(note, lang="en")))
    graph.add((subset, VOID.triples, Literal(sum(graphs.values()), datatype=XSD.integer)))


def _describe_dump(graph: Graph, dataset: URIRef, dump: Dump) -> None:
    """``void:dataDump`` plus a DCAT distribution: the syntax as mediaType, gzip as compressFormat."""
    url, distribution = URIRef(dump.url), URIRef(f"{dataset}-dump-{dump.name}")
    syntax = dump.format.syntax
    graph.add((dataset, VOID.dataDump, url))
    graph.add((dataset, DCAT.distribution, distribution))
    for p, o in (
        (RDF.type, DCAT.Distribution),
        (DCTERMS.title, Literal(f"{syntax.label} dump", lang="en")),
        (DCAT.downloadURL, url),
        (DCAT.accessURL, url),
        (DCAT.mediaType, URIRef(IANA + syntax.media_type)),
        (DCAT.byteSize, Literal(dump.size, datatype=XSD.nonNegativeInteger)),
        (DCTERMS.format, URIRef(syntax.w3c or IANA + syntax.media_type)),
    ):
        graph.add((distribution, p, o))
    if dump.format.compressed:
        graph.add((distribution, DCAT.compressFormat, URIRef(IANA + dump.format.served_as)))
