"""The ontology and the shapes, served where their IRIs point.

``https://kgpub.example.org/ontology`` (and every ``...ontology#Term``, since browsers never send the
fragment) is answered at ``/ontology``: HTML documentation for people, the build's ``ontology.ttl`` as
Turtle, JSON-LD, N-Triples or RDF/XML by ``Accept`` (or ``/ontology.ttl`` etc.). Its ``owl:versionIRI``
(``/ontology/0.2.0``) answers the same; an ``owl:priorVersion`` is a page saying what superseded it (this
build publishes only the current version). ``/shapes`` serves ``shapes.ttl`` the same way, with a page
listing what each kind of thing needs. Unlike entity IRIs these are 200s with ``Vary: Accept``, not 303s:
the IRIs name the documents, as is usual for OWL ontologies.

The HTML is made here from the ontology graph with our own template rather than with pyLODE. Checked
2026-12-06 in a scratch virtualenv: pyLODE 3.4.1, the newest release on PyPI, still cannot be imported
from a wheel install (``pylode/version.py`` reads ``pyproject.toml`` from ``site-packages``;
RDFLib/pyLODE#260 is fixed on its master, commit 0fe02bb, in no release yet). With that file planted by
hand it documents ``ontology/kgpub.ttl`` in 1.3 s, but writes ``rdf/refs.pickle`` and
``rdf/refs_titles.pickle`` into its installed package while doing so (global state changed at run time),
and its page would not share the site's frame, label precedence and linking (``Naming``) with every
other page. Worth trying again once a release carries the fix. The parsed files and their conversions
are memoised per build (``publisher().memos``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Response, abort, render_template, request, send_file
from rdflib import OWL, RDF, RDFS, SKOS, Graph, URIRef
from rdflib.namespace import DCTERMS
from rdflib.term import Node

from publisher.formats import GRAPH_FORMATS, HTML, TURTLE, Format
from publisher.settings import ONTOLOGY_IRI, ONTOLOGY_NAMESPACE
from publisher.web import publisher
from publisher.web.pages.shapes import shapes_page
from publisher.web.pages.terms import Naming, Term
from publisher.web.site import caching
from publisher.web.site.labels import LABEL_PREDICATES, PREFIXES, SDO
from publisher.web.site.negotiation import add_alternates, add_vary, choose
from publisher.web.site.serialize import rdf_bytes
from publisher.web.site.urls import site_url, web_base

bp = Blueprint("ontology", __name__, template_folder="templates")

ONTOLOGY_FORMATS: tuple[Format, ...] = (HTML, *GRAPH_FORMATS)
SHAPES_FORMATS: tuple[Format, ...] = ONTOLOGY_FORMATS
BY_EXTENSION = {fmt.extension: fmt for fmt in ONTOLOGY_FORMATS}
CLASS_TYPES = (OWL.Class, RDFS.Class)
PROPERTY_TYPES = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDF.Property)
DEFINITIONS = (SKOS.definition, RDFS.comment, DCTERMS.description, SDO.description)
ALIGNMENTS = (  # how an own term relates to the reused terms it refines or matches
    RDFS.subClassOf,
    RDFS.subPropertyOf,
    OWL.equivalentClass,
    OWL.equivalentProperty,
    OWL.inverseOf,
    SKOS.exactMatch,
    SKOS.closeMatch,
    SKOS.broadMatch,
    SKOS.narrowMatch,
    SKOS.relatedMatch,
    RDFS.seeAlso,
)
SCHEME = (SKOS.inScheme, SKOS.broader)


@dataclass(frozen=True)
class Relation:
    predicate: Term
    values: tuple[Term, ...]


@dataclass(frozen=True)
class TermDoc:
    """One term of the ontology: what it is, what it means, and how it ties to reused vocabularies."""

    anchor: str
    term: Term
    kinds: tuple[Term, ...]
    definition: str | None
    domain: tuple[Term, ...]
    range: tuple[Term, ...]
    relations: tuple[Relation, ...]


@dataclass(frozen=True)
class OntologyPage:
    iri: str
    title: str
    description: str | None
    metadata: tuple[Relation, ...]
    classes: tuple[TermDoc, ...]
    properties: tuple[TermDoc, ...]
    others: tuple[TermDoc, ...]  # concepts, schemes and individuals the ontology defines
    formats: tuple[tuple[str, str, str], ...]  # (label, href, media type)


@bp.get("/ontology")
@bp.get("/ontology.<ext>")
def ontology(ext: str | None = None) -> Response:
    fmt = _format(ext, ONTOLOGY_FORMATS)
    source = _release_file("ontology.ttl")
    if fmt is HTML:
        # Not memoised: the model embeds the web base, which follows the Host header when unset.
        page = ontology_page(parsed(source), web_base(), publisher().namespace)
        response = Response(render_template("ontology.html", page=page), mimetype=HTML.media_type)
    else:
        response = rdf_file(source, fmt)
    return add_alternates(response, [(site_url(f"ontology.{f.extension}"), f) for f in ONTOLOGY_FORMATS])


@bp.get("/ontology/<version>")
def ontology_version(version: str) -> Response:
    """The current version's IRI answers as the ontology; a prior version's says what superseded it."""
    graph = parsed(_release_file("ontology.ttl"))
    ontology_iri = URIRef(ONTOLOGY_IRI)
    current = graph.value(ontology_iri, OWL.versionIRI)
    if str(current) == f"{ONTOLOGY_IRI}/{version}":
        return ontology()
    if (ontology_iri, OWL.priorVersion, URIRef(f"{ONTOLOGY_IRI}/{version}")) not in graph:
        abort(404, description=f"No version {version} of the ontology is known.")
    if _format(None, ONTOLOGY_FORMATS) is not HTML:
        abort(404, description=f"Only the current version of the ontology ({current}) is published as RDF.")
    latest = str(current).rsplit("/", 1)[-1]
    body = render_template("superseded.html", version=version, latest=latest, current=site_url("ontology"))
    return add_vary(Response(body, mimetype=HTML.media_type))


@bp.get("/shapes")
@bp.get("/shapes.<ext>")
def shapes(ext: str | None = None) -> Response:
    fmt = _format(ext, SHAPES_FORMATS, default=TURTLE)  # a client that says nothing gets the shapes
    source = _release_file("shapes.ttl")
    if fmt is HTML:
        page = shapes_page(parsed(source), web_base(), publisher().namespace)
        response = Response(render_template("shapes.html", page=page), mimetype=HTML.media_type)
    else:
        response = rdf_file(source, fmt)
    return add_alternates(response, [(site_url(f"shapes.{f.extension}"), f) for f in SHAPES_FORMATS])


def rdf_file(path: Path, fmt: Format) -> Response:
    """The file as is for Turtle (its own prefixes and comments); re-serialized for the other formats."""
    if fmt.extension == "ttl":
        return send_file(
            path,
            mimetype=fmt.media_type,
            etag=caching.entity_tag(fmt.media_type),
            last_modified=caching.build_time(),
        )
    return Response(converted(path, fmt), mimetype=fmt.media_type)


def converted(path: Path, fmt: Format) -> bytes:
    """A release file in another format, made once per build (the shapes' blank nodes make it ~1 s)."""
    return publisher().memos.value(f"{path.name} as {fmt.extension}", lambda: _convert(parsed(path), fmt))


def _convert(graph: Graph, fmt: Format) -> bytes:
    prefixes = {prefix: str(namespace) for prefix, namespace in graph.namespaces()}
    return rdf_bytes(graph, fmt, prefixes)


def parsed(path: Path) -> Graph:
    """The graph in a release file, parsed once per build. Callers must not mutate it (views never do)."""
    return publisher().memos.value(f"parsed {path.name}", lambda: _parse(path))


def _parse(path: Path) -> Graph:
    graph = Graph(bind_namespaces="none")
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    return graph.parse(path, format="turtle")


def ontology_page(graph: Graph, web_base: str, namespace: str) -> OntologyPage:
    """The documentation model: every term minted in the ontology namespace, grouped by kind."""
    context = [t for p in (*LABEL_PREDICATES, RDF.type) for t in graph.triples((None, p, None))]
    naming = Naming.from_context(namespace, web_base, context)
    own = sorted({s for s in graph.subjects() if isinstance(s, URIRef) and s.startswith(ONTOLOGY_NAMESPACE)})
    docs = [term_doc(graph, term, naming) for term in own]
    ontology_iri = URIRef(ONTOLOGY_IRI)
    return OntologyPage(
        iri=ONTOLOGY_IRI,
        title=naming.label(ontology_iri),
        description=_first_text(graph, ontology_iri, DEFINITIONS),
        metadata=tuple(
            _relations(graph, ontology_iri, naming, exclude={RDF.type, *LABEL_PREDICATES, *DEFINITIONS})
        ),
        classes=tuple(d for d in docs if _is_a(graph, d, CLASS_TYPES)),
        properties=tuple(d for d in docs if _is_a(graph, d, PROPERTY_TYPES)),
        others=tuple(d for d in docs if not _is_a(graph, d, CLASS_TYPES + PROPERTY_TYPES)),
        formats=tuple((f.label, f"{web_base}ontology.{f.extension}", f.media_type) for f in GRAPH_FORMATS),
    )


def term_doc(graph: Graph, term: URIRef, naming: Naming) -> TermDoc:
    return TermDoc(
        anchor=term[len(ONTOLOGY_NAMESPACE) :],
        term=naming.term(term),
        kinds=tuple(naming.term(k) for k in sorted(graph.objects(term, RDF.type))),  # type: ignore[type-var]
        definition=_first_text(graph, term, DEFINITIONS),
        domain=_terms(graph, term, (RDFS.domain, SDO.domainIncludes), naming),
        range=_terms(graph, term, (RDFS.range, SDO.rangeIncludes), naming),
        relations=tuple(r for r in _relations(graph, term, naming, include=ALIGNMENTS + SCHEME)),
    )


def _relations(
    graph: Graph,
    subject: URIRef,
    naming: Naming,
    include: tuple[URIRef, ...] | None = None,
    exclude: set[URIRef] | None = None,
) -> list[Relation]:
    predicates = include or sorted(set(graph.predicates(subject)) - (exclude or set()))  # type: ignore[type-var]
    found = [(p, _terms(graph, subject, (p,), naming)) for p in predicates]
    return [Relation(naming.term(p), values) for p, values in found if values]


def _terms(graph: Graph, subject: URIRef, predicates: tuple[Node, ...], naming: Naming) -> tuple[Term, ...]:
    # rdflib's terms order among themselves (by kind, then text); its Node base declares no __lt__
    return tuple(naming.term(o, p) for p in predicates for o in sorted(graph.objects(subject, p)))  # type: ignore[type-var]


def _first_text(graph: Graph, subject: URIRef, predicates: tuple[URIRef, ...]) -> str | None:
    pairs = [(p, o) for p in predicates for o in graph.objects(subject, p)]
    english = [str(o) for _, o in pairs if getattr(o, "language", None) in ("en", None)]
    return english[0] if english else (str(pairs[0][1]) if pairs else None)


def _is_a(graph: Graph, doc: TermDoc, types: tuple[URIRef, ...]) -> bool:
    return any((URIRef(doc.term.iri or ""), RDF.type, t) in graph for t in types)


def _format(ext: str | None, offered: tuple[Format, ...], default: Format | None = None) -> Format:
    if ext is None:
        return choose(request.accept_mimetypes, offered, default)
    fmt = BY_EXTENSION.get(ext)
    if fmt is None or fmt not in offered:
        abort(404)
    return fmt


def _release_file(name: str) -> Path:
    release = publisher().release_dir
    path = release / name if release else None
    if path is None or not path.is_file():
        abort(404, description=f"This server has no published {name}.")
    return path
