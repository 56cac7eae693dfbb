"""Generate a realistic kgpub project of a given size: ``python -m benchmarks.generate DIR --size 1M``.

Why a generator: the bundled graph is one article, so nothing about speed or memory can be learnt from it.
The archive follows ``ontology/README.md`` and passes ``shapes/`` exactly like the seed article: one file
per article (``data/articles/YYYY-MM-DD-slug.ttl``) holding its events, sub-events, participations
(signatories acting for parties, witnesses, speakers, hosts), the memberships they acted in (attested on
the event's date), agreements and joint labs; shared institutions, units, people, posts, titles, topics and
images in ``data/entities/``. Reuse is skewed (Zipf): a few universities, companies and government bodies
appear in most articles, which is what makes hub entity pages expensive in real archives.

Constraints the shapes impose and how the generator keeps them:

* every person and organisation must be mentioned by some article: entities are written only once an
  article has mentioned them (a unit drags in its parent), so nothing unreferenced ever reaches a file;
* a participation's membership is the agent's, attested on the event's date: posts are slots held by a
  sequence of people over time, and a membership is made for the holder on that day;
* a signatory acts for a party (or a unit of one); dates never run backwards (sub-events share their
  parent's date, events happen before the article is published).

Size is one parameter, a target number of triples: articles are added until the data reaches it. Output
is deterministic for a seed (one ``random.Random`` drives everything, and per-organisation staff come from
generators seeded by the organisation's slug). Turtle is written as text, so 1M triples take seconds.

One article beyond the target is held back under ``pending/`` (with the entities only it introduces), so a
benchmark can time "rebuild after one new article" on exactly the data it built. ``bench-meta.json`` names
the hub entity, a typical entity and the counts.
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import json
import random
import re
import shutil
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Generic, Iterable, Sequence, TypeVar

from benchmarks import names

REPO = Path(__file__).resolve().parent.parent
META_FILE = "bench-meta.json"
PENDING_DIR = "pending"
FIRST_DAY, LAST_DAY = date(2015, 1, 1), date(2025, 12, 31)
CAREER_START, CAREER_END = 2008, 2027
TRIPLES_PER_ARTICLE = 150  # measured average (articles + the entities they bring): sizes the pools up front
SIZE_SUFFIXES = {"k": 1_000, "m": 1_000_000}
T = TypeVar("T")

PREFIXES = """@prefix kgo:     <https://kgpub.example.org/ontology#> .
@prefix schema:  <http://schema.org/> .
@prefix org:     <http://www.w3.org/ns/org#> .
@prefix prov:    <http://www.w3.org/ns/prov#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix skos:    <http://www.w3.org/2004/02/skos/core#> .
@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:     <http://www.w3.org/2001/XMLSchema#> .
@prefix art:     <id/article/> .
@prefix ev:      <id/event/> .
@prefix pa:      <id/participation/> .
@prefix m:       <id/membership/> .
@prefix ag:      <id/agreement/> .
@prefix o:       <id/org/> .
@prefix p:       <id/person/> .
@prefix post:    <id/post/> .
@prefix title:   <id/title/> .
@prefix topic:   <id/topic/> .
@prefix act:     <id/activity/> .
@prefix grp:     <id/group/> .
@prefix fig:     <id/figure/> .
@prefix scheme:  <id/scheme/> .
@prefix pl:      <id/place/> .
"""

# Titles of the posts each kind of organisation has, most senior first (slug, label).
TITLES: dict[str, tuple[tuple[str, str], ...]] = {
    "university": (("president", "President"), ("party-secretary", "Party Secretary"),
                   ("vice-president", "Vice President")),
    "college": (("dean", "Dean"), ("vice-dean", "Vice Dean")),
    "company": (("chairman", "Chairman"), ("vice-president", "Vice President"), ("general-manager", "General Manager")),
    "branch": (("general-manager", "General Manager"), ("deputy-general-manager", "Deputy General Manager")),
    "government": (("director", "Director"), ("deputy-director", "Deputy Director"),
                   ("deputy-secretary-general", "Deputy Secretary General")),
}
ALL_TITLES = dict(t for group in TITLES.values() for t in group)


# ---------------------------------------------------------------- Turtle text


def en(text: str) -> str:
    return f'"{text}"@en'


def xsd_date(day: date) -> str:
    return f'"{day.isoformat()}"^^xsd:date'


@dataclass
class Turtle:
    """Turtle text being written, with a count of the triples in it (the size target is in triples)."""

    parts: list[str] = field(default_factory=list)
    triples: int = 0

    def node(self, subject: str, *pairs: tuple[str, str | Sequence[str]]) -> None:
        """One subject block (``"o:x a schema:Person"`` or ``"o:x"``); a pair's object may be a list (an object
        list ``a , b``). Empty lists are skipped."""
        if " a " in subject:
            subject, classes = subject.split(" a ", 1)
            pairs = (("a", classes.split(", ")), *pairs)
        lines = []
        for predicate, obj in pairs:
            objects = [obj] if isinstance(obj, str) else list(obj)
            if objects:
                lines.append(f"    {predicate} {' , '.join(objects)}")
                self.triples += len(objects)
        self.parts.append(f"{subject}\n" + " ;\n".join(lines) + " .\n")

    @property
    def text(self) -> str:
        return "\n".join(self.parts)


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# ---------------------------------------------------------------- the world: organisations, people, posts


@dataclass(eq=False)
class Org:
    slug: str
    name: str
    kind: str  # university, college, company, branch, government, lab
    classes: tuple[str, ...]
    parent: Org | None = None
    units: list[Org] = field(default_factory=list)
    alternate: str | None = None
    city: str | None = None  # where a university is (its name says), for its campus
    zh: str | None = None  # its Chinese name, where one is made

    @property
    def ref(self) -> str:
        return f"o:{self.slug}"


@dataclass(frozen=True)
class Person:
    slug: str
    name: str

    @property
    def ref(self) -> str:
        return f"p:{self.slug}"


@dataclass(frozen=True)
class Stint:
    """One person holding one post (an organisation's title) from ``start`` up to, not including, ``end``."""

    start: int
    end: int
    person: Person


class Zipf(Generic[T]):
    """Draws items with weight 1/rank^s: rank 1 is in most draws, the tail is rare but present."""

    def __init__(self, items: Sequence[T], exponent: float) -> None:
        self.items = items
        self.cumulative = list(itertools.accumulate(1.0 / (rank ** exponent) for rank in range(1, len(items) + 1)))

    def pick(self, rng: random.Random) -> T:
        return self.items[bisect.bisect(self.cumulative, rng.random() * self.cumulative[-1])]


class World:
    """All organisations (made up front, ranked), their staff over time (made on first use), and the entities
    articles have mentioned so far (the only ones written to ``data/entities/``)."""

    def __init__(self, target: int, seed: int) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        estimate = max(3, target // TRIPLES_PER_ARTICLE)
        self.taken: set[str] = set()
        self.universities = [self._university(n) for n in _university_names(max(6, estimate // 40))]
        self.companies = [self._company(n) for n in _company_names(max(6, estimate // 50))]
        self.governments = [self._government(n) for n in _government_names(max(6, estimate // 150))]
        self.topics = _topic_labels(max(40, estimate // 20))
        self.pick_university = Zipf(self.universities, 1.3)
        self.pick_company = Zipf(self.companies, 1.1)
        self.pick_government = Zipf(self.governments, 1.2)
        self.labels = {slugify(t): t for t in self.topics}
        self.pick_topic = Zipf(list(self.labels), 1.0)
        self.staff: dict[str, dict[str, list[Stint]]] = {}
        self.people: set[str] = set()
        self.entities: dict[str, tuple[str, Turtle]] = {}  # key -> (file name, its Turtle)
        self.entity_total = 0  # triples in self.entities, kept as they are added (the size loop reads it)
        self.mentions: dict[str, int] = {}  # person slug -> number of articles mentioning them
        self.written_names: dict[str, list[str]] = {}  # a name -> the refs of the people written with it

    def label(self, topic: str) -> str:
        return self.labels[topic]

    # -- making organisations

    def _unique(self, slug: str) -> str:
        candidate, n = slug, 1
        while candidate in self.taken:
            n += 1
            candidate = f"{slug}-{n}"
        self.taken.add(candidate)
        return candidate

    def _org(self, name: str, kind: str, classes: tuple[str, ...], parent: Org | None = None) -> Org:
        prefix = f"{parent.slug}-" if parent else ""
        org = Org(self._unique(prefix + slugify(name)), name if not parent else f"{name}, {parent.name}", kind,
                  classes, parent, alternate=name if parent else None)
        if parent:
            parent.units.append(org)
        return org

    def _university(self, name: str) -> Org:
        university = self._org(name, "university", ("schema:CollegeOrUniversity",))
        university.city = next((c for c in names.CITIES if name.startswith(c + " ")), None)
        form = names.UNIVERSITY_FORMS_ZH.get(name.replace(university.city or "", "{city}", 1))
        if form and university.city in names.CITIES_ZH:
            university.zh = form.format(city=names.CITIES_ZH[university.city])
        for college in self.rng.sample(names.COLLEGES, self.rng.randint(3, 8)):
            self._org(college, "college", ("schema:CollegeOrUniversity", "org:OrganizationalUnit"), university)
        return university

    def _company(self, name: str) -> Org:
        company = self._org(name, "company", ("schema:Corporation",))
        for city in self.rng.sample(names.CITIES, self.rng.randint(0, 3)):
            self._org(f"{name} {city} Branch", "branch", ("schema:Corporation", "org:OrganizationalUnit"), company)
        return company

    def _government(self, name: str) -> Org:
        return self._org(name, "government", ("schema:GovernmentOrganization",))

    def new_lab(self, name: str) -> Org:
        return self._org(name, "lab", ("kgo:JointLab",))

    # -- people and posts

    def holder(self, org: Org, title: str, day: date) -> Person:
        """Who held ``title`` in ``org`` on ``day``: each post is a timeline of holders (posts over time)."""
        for stint in self._timelines(org)[title]:
            if stint.start <= day.year < stint.end:
                return stint.person
        raise AssertionError(f"no holder of {title} in {org.slug} in {day.year}")

    def _timelines(self, org: Org) -> dict[str, list[Stint]]:
        """Made on first use from a generator seeded by the organisation, so staff do not depend on the order
        in which articles happen to reach an organisation."""
        if org.slug not in self.staff:
            rng = random.Random(f"{self.seed}/{org.slug}")
            self.staff[org.slug] = {slug: self._timeline(rng) for slug, _ in TITLES[org.kind]}
        return self.staff[org.slug]

    def _timeline(self, rng: random.Random) -> list[Stint]:
        stints, year = [], CAREER_START
        while year < CAREER_END:
            length = rng.randint(3, 7)
            stints.append(Stint(year, year + length, self._person(rng)))
            year += length
        return stints

    def _person(self, rng: random.Random) -> Person:
        given = "".join(rng.choice(names.SYLLABLES) for _ in range(rng.randint(1, 2)))
        name = f"{rng.choice(names.SURNAMES)} {given.capitalize()}"
        slug, n = slugify(name), 1
        while slug in self.people:
            n += 1
            slug = f"{slugify(name)}-{n}"
        self.people.add(slug)
        return Person(slug, name)

    # -- entities, written once something mentions them

    def use_org(self, org: Org) -> list[Org]:
        """Record ``org`` (and its parent) as mentioned; returns the organisations the article must mention."""
        chain = [org, *([org.parent] if org.parent else [])]
        for each in chain:
            if f"org/{each.slug}" not in self.entities:
                self._register(f"org/{each.slug}", "organisations.ttl", _org_turtle(each))
        return chain

    def use_person(self, person: Person) -> None:
        self.mentions[person.slug] = self.mentions.get(person.slug, 0) + 1
        if f"person/{person.slug}" not in self.entities:
            doc = Turtle()
            namesakes = self.written_names.setdefault(person.name, [])
            # As an editor answers the build's namesake warning: two records, two people (none: no triple).
            doc.node(f"{person.ref} a schema:Person", ("schema:name", en(person.name)),
                     ("<http://www.w3.org/2002/07/owl#differentFrom>", namesakes[:]))
            namesakes.append(person.ref)
            self._register(f"person/{person.slug}", "people.ttl", doc)

    def use_post(self, org: Org, title: str) -> str:
        slug = f"{org.slug}-{title}"
        if f"post/{slug}" not in self.entities:
            doc = Turtle()
            doc.node(f"post:{slug} a org:Post", ("skos:prefLabel", en(f"{ALL_TITLES[title]} of {org.name}")),
                     ("org:postIn", org.ref), ("org:role", f"title:{title}"))
            self._register(f"post/{slug}", "posts.ttl", doc)
        return f"post:{slug}"

    def use_campus(self, org: Org) -> tuple[str, str]:
        """A university's main campus and its city (places, written once something mentions them)."""
        campus, city = f"pl:{org.slug}-main-campus", f"pl:{slugify(org.city or 'unknown')}"
        if f"place/{org.slug}" not in self.entities:
            doc = Turtle()
            doc.node(f"{campus} a kgo:Campus", ("schema:name", en(f"Main Campus, {org.name}")))
            self._register(f"place/{org.slug}", "places.ttl", doc)
        if f"city/{city}" not in self.entities:
            doc = Turtle()
            zh = names.CITIES_ZH.get(org.city or "")
            doc.node(f"{city} a schema:City", ("schema:name", [en(org.city or "unknown"), *([f'"{zh}"@zh-hans'] if zh else [])]))
            self._register(f"city/{city}", "places.ttl", doc)
        return campus, city

    def use_image(self, org: Org) -> str:
        url = f"<https://images.example.edu/campus/{org.slug}.jpg>"
        if f"image/{org.slug}" not in self.entities:
            doc = Turtle()
            doc.node(f"{url} a schema:ImageObject", ("schema:contentUrl", f'"{url[1:-1]}"^^xsd:anyURI'),
                     ("schema:caption", en(f"Campus of {org.name}")))
            self._register(f"image/{org.slug}", "images.ttl", doc)
        return url

    def _register(self, key: str, file_name: str, doc: Turtle) -> None:
        self.entities[key] = (file_name, doc)
        self.entity_total += doc.triples


def _org_turtle(org: Org) -> Turtle:
    doc = Turtle()
    doc.node(f"{org.ref} a {', '.join(org.classes)}", ("schema:name", [en(org.name), *([f'"{org.zh}"@zh-hans'] if org.zh else [])]),
             ("schema:alternateName", [en(org.alternate)] if org.alternate else []),
             ("org:subOrganizationOf", [org.parent.ref] if org.parent else []))
    return doc


def _university_names(count: int) -> list[str]:
    """Tianjin University first: it is the hub, as in the seed article and the competency questions."""
    forms = (f.format(city=c) for f in names.UNIVERSITY_FORMS for c in names.CITIES)
    return list(itertools.islice(forms, count))


def _company_names(count: int) -> list[str]:
    made = (f"{c} {w} {k}" for c in ("", *names.CITIES) for w in names.COMPANY_WORDS for k in names.COMPANY_KINDS)
    return list(itertools.islice(itertools.chain(names.KNOWN_COMPANIES, (m.strip() for m in made)), count))


def _government_names(count: int) -> list[str]:
    local = (f.format(city=c) for c in names.CITIES for f in names.GOVERNMENT_FORMS)
    return list(itertools.islice(itertools.chain(names.NATIONAL_BODIES, local), count))


def _topic_labels(count: int) -> list[str]:
    qualified = (f"{q} {t}" for q in names.TOPIC_QUALIFIERS for t in names.TOPICS)
    return list(itertools.islice(itertools.chain(names.TOPICS, qualified), count))


# ---------------------------------------------------------------- one article


@dataclass
class Article:
    """One article file being written: its Turtle, what it is about and whom it mentions."""

    slug: str
    published: date
    doc: Turtle = field(default_factory=Turtle)
    about: list[str] = field(default_factory=list)
    mentions: dict[str, None] = field(default_factory=dict)  # ordered set of refs
    memberships: set[str] = field(default_factory=set)

    @property
    def ref(self) -> str:
        return f"art:{self.slug}"


class ArticleWriter:
    """Writes articles of two kinds: a signing (conference, ceremony, agreement, maybe a joint lab) and a
    forum (talks hosted by a college). Every ``_``-helper adds one part of the model to the article."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.rng = world.rng

    def article(self, index: int) -> Article:
        published = FIRST_DAY + timedelta(days=self.rng.randrange((LAST_DAY - FIRST_DAY).days))
        host = self.world.pick_university.pick(self.rng)
        kind = "signing" if self.rng.random() < 0.6 else "forum"
        art = Article(f"{published.isoformat()}-{host.slug}-{kind}-{index}", published)
        event_day = published - timedelta(days=self.rng.randint(0, 20))
        headline = self._signing(art, host, event_day) if kind == "signing" else self._forum(art, host, event_day)
        self._article_node(art, host, headline)
        return art

    # -- the two kinds

    def _signing(self, art: Article, host: Org, day: date) -> str:
        partners = self._partners(host)
        parties = [host, *partners]
        organiser = self.world.pick_government.pick(self.rng)
        topics = self._topics(2, 5)
        conference = f"ev:{day}-cooperation-conference-{art.slug[11:]}"
        signing = f"ev:{day}-signing-ceremony-{art.slug[11:]}"
        subevents = [signing]
        self._attendees(art, conference, parties)
        signers = [self._act(art, signing, "signatory", self._signatory_post(p, day), day, p) for p in parties]
        witness_posts = [(host, TITLES["university"][self.rng.randrange(2)][0]), (organiser, "deputy-director")]
        witnesses = [self._act(art, signing, "witness", wp, day, wp[0]) for wp in witness_posts]
        speech = self._speech(art, signing, day, witness_posts[0], topics)
        place = self._place(art, host)
        dating = self.rng.random()  # the agreement dated by the text; else by its ceremony, maybe inferred
        self._event(art, signing, "kgo:SigningCeremony", f"Signing ceremony of the agreement between "
                    f"{_and(p.name for p in parties)}", day, parent=conference, subevents=[speech],
                    participations=[*signers, *witnesses], location=place,
                    inferred="Dated by the conference it was part of." if dating >= 0.85 else None)
        agreement = self._agreement(art, parties, signing, day, topics, dated=dating < 0.7)
        lab_name = ""
        if self.rng.random() < 0.35:
            unveiling, lab_name = self._joint_lab(art, parties, conference, day, topics)
            subevents.append(unveiling)
        self._event(art, conference, "kgo:Conference", f"Conference on cooperation in {self.world.label(topics[0])}",
                    day, organiser=organiser,
                    subevents=subevents, participations=[f"pa:{conference[3:]}-attendee-{p.slug}" for p in parties],
                    topics=topics[:2])
        art.about.extend([conference, signing, f"ag:{agreement}"])
        title = f"{host.name} Signs Strategic Cooperation Agreement with {_and(p.name for p in partners)}"
        return title + (f" and Unveils {lab_name}" if lab_name else "")

    def _forum(self, art: Article, host: Org, day: date) -> str:
        college = self.rng.choice(host.units)
        topics = self._topics(1, 3)
        forum = f"ev:{day}-forum-{art.slug[11:]}"
        chair = self._act(art, forum, "host", (college, "dean"), day, college)
        talks = []
        for n in range(self.rng.randint(1, 3)):
            guest = self._guest_org()
            title = TITLES[guest.kind][self.rng.randrange(len(TITLES[guest.kind]))][0]
            talks.append(self._speech(art, forum, day, (guest, title), topics, n))
        audience = self._audience(art, forum)
        self._event(art, forum, "kgo:Conference", f"{college.alternate} forum on {self.world.label(topics[0])}",
                    day, organiser=college, subevents=talks, participations=[chair, audience], topics=topics)
        art.about.append(forum)
        return f"{college.alternate} of {host.name} Hosts Forum on {self.world.label(topics[0]).capitalize()}"

    # -- parts

    def _partners(self, host: Org) -> list[Org]:
        found: list[Org] = []
        while len(found) < (1 if self.rng.random() < 0.7 else 2):
            pool = self.world.pick_company if self.rng.random() < 0.7 else self.world.pick_university
            candidate = pool.pick(self.rng)
            if candidate is not host and candidate not in found:
                found.append(candidate)
        return found

    def _guest_org(self) -> Org:
        pool = self.world.pick_university if self.rng.random() < 0.6 else self.world.pick_company
        org = pool.pick(self.rng)
        return self.rng.choice(org.units) if org.units and self.rng.random() < 0.5 else org

    def _signatory_post(self, party: Org, day: date) -> tuple[Org, str]:
        """A vice president of the party, or the head of one of its units (who acts for the whole party)."""
        if party.units and self.rng.random() < 0.6:
            unit = self.rng.choice(party.units)
            return unit, TITLES[unit.kind][0][0]
        return party, TITLES[party.kind][-1][0]

    def _place(self, art: Article, host: Org) -> str:
        """Where a signing was held: the host university's main campus (in its city, as the article says),
        or the host's premises."""
        if host.city is None or self.rng.random() >= 0.6:
            return host.ref
        campus, city = self.world.use_campus(host)
        art.doc.node(campus, ("schema:containedInPlace", city))
        art.doc.node(host.ref, ("schema:location", campus))
        art.mentions[campus] = None
        art.mentions[city] = None
        return campus

    def _topics(self, low: int, high: int) -> list[str]:
        drawn = (self.world.pick_topic.pick(self.rng) for _ in range(self.rng.randint(low, high)))
        return list(dict.fromkeys(drawn))  # distinct, in draw order

    def _mention_org(self, art: Article, org: Org) -> None:
        for each in self.world.use_org(org):
            art.mentions[each.ref] = None

    def _membership(self, art: Article, person: Person, org: Org, title: str, day: date) -> str:
        """The post ``person`` held in ``org`` on ``day``, attested by this article (once per article)."""
        ref = f"m:{person.slug}-{day}"
        if ref not in art.memberships:
            art.memberships.add(ref)
            stated = f"{ALL_TITLES[title]} of {org.name}"
            art.doc.node(f"{ref} a org:Membership", ("rdfs:label", en(f"{person.name}, {stated} ({day})")),
                         ("org:member", person.ref), ("org:organization", org.ref), ("org:role", f"title:{title}"),
                         ("kgo:post", self.world.use_post(org, title)), ("schema:roleName", en(stated)),
                         ("kgo:attestedOn", xsd_date(day)), ("prov:wasDerivedFrom", art.ref))
        return ref

    def _act(self, art: Article, event: str, role: str, post: tuple[Org, str], day: date, for_org: Org) -> str:
        """A participation: the holder of ``post`` on ``day`` played ``role`` at ``event`` for ``for_org``."""
        org, title = post
        person = self.world.holder(org, title, day)
        self.world.use_person(person)
        art.mentions[person.ref] = None
        self._mention_org(art, org)
        self._mention_org(art, for_org)
        membership = self._membership(art, person, org, title, day)
        ref = f"pa:{event[3:]}-{role}-{person.slug}"
        art.doc.node(f"{ref} a kgo:Participation", ("rdfs:label", en(f"{person.name}, {role} for {for_org.name}")),
                     ("prov:agent", person.ref), ("prov:hadRole", f"kgo:{role}"), ("kgo:onBehalfOf", for_org.ref),
                     ("kgo:inCapacityOf", membership), ("prov:wasDerivedFrom", art.ref))
        return ref

    def _attendees(self, art: Article, event: str, orgs: list[Org]) -> None:
        for org in orgs:
            self._mention_org(art, org)
            art.doc.node(f"pa:{event[3:]}-attendee-{org.slug} a kgo:Participation",
                         ("rdfs:label", en(f"{org.name}, partner at the conference")), ("prov:agent", org.ref),
                         ("prov:hadRole", "kgo:attendee"), ("schema:roleName", en("strategic partner")),
                         ("prov:wasDerivedFrom", art.ref))

    def _audience(self, art: Article, event: str) -> str:
        group, ref = f"grp:{event[3:]}-audience", f"pa:{event[3:]}-audience"
        art.doc.node(f"{group} a kgo:UnspecifiedGroup", ("rdfs:label", en("teachers and students")),
                     ("prov:wasDerivedFrom", art.ref))
        art.doc.node(f"{ref} a kgo:Participation", ("rdfs:label", en("Teachers and students attended")),
                     ("prov:agent", group), ("prov:hadRole", "kgo:attendee"), ("prov:wasDerivedFrom", art.ref))
        return ref

    def _speech(self, art: Article, parent: str, day: date, post: tuple[Org, str], topics: list[str],
                n: int = 0) -> str:
        """A speech, a sub-event of ``parent``, by the holder of ``post`` speaking for its organisation."""
        speech = f"ev:{day}-speech-{n}-{art.slug[11:]}"
        talk = self._act(art, speech, "speaker", post, day, post[0])
        speaker = self.world.holder(*post, day)
        self._event(art, speech, "kgo:Speech", f"Speech by {speaker.name}", day, parent=parent,
                    participations=[talk], topics=topics,
                    description=f"{speaker.name} spoke about {_and(self.world.label(t) for t in topics)}.")
        return speech

    def _event(self, art: Article, ref: str, cls: str, name: str, day: date, *, parent: str | None = None,
               organiser: Org | None = None, subevents: Sequence[str] = (), participations: Sequence[str] = (),
               topics: Sequence[str] = (), description: str | None = None, location: str | None = None,
               inferred: str | None = None) -> None:
        if organiser:
            self._mention_org(art, organiser)
        art.doc.node(f"{ref} a {cls}", ("schema:name", en(name)), ("schema:startDate", xsd_date(day)),
                     ("schema:organizer", [organiser.ref] if organiser else []),
                     ("schema:superEvent", [parent] if parent else []), ("schema:subEvent", list(subevents)),
                     ("schema:about", [f"topic:{t}" for t in topics]),
                     ("schema:description", [en(description)] if description else []),
                     ("schema:location", [location] if location else []),
                     ("kgo:inferred", ["schema:startDate"] if inferred else []),
                     ("skos:editorialNote", [en(inferred)] if inferred else []),
                     ("prov:qualifiedAssociation", list(participations)), ("prov:wasDerivedFrom", art.ref))

    def _agreement(self, art: Article, parties: list[Org], signing: str, day: date, topics: list[str],
                   dated: bool = True) -> str:
        """The agreement signed (of a kind; dated by the text, or only by its ceremony), and now and then an
        earlier one it supplements, renews or builds on, known only by reference."""
        slug = f"{day}-strategic-cooperation-{art.slug[11:]}"
        activities = self.rng.sample(names.ACTIVITIES, self.rng.randint(1, 3))
        kind = names.AGREEMENT_KINDS[min(int(self.rng.expovariate(0.7)), len(names.AGREEMENT_KINDS) - 1)]
        relation: tuple[str, str] | None = None
        if self.rng.random() < 0.12:
            relation = self._earlier_agreement(art, parties[:2], slug, day)
            kind = {"kgo:supplements": "supplementaryAgreement", "kgo:renews": "renewalAgreement"}.get(relation[0], kind)
        art.doc.node(f"ag:{slug} a kgo:Agreement",
                     ("schema:name", en(f"{_kind_name(kind)} between {_and(p.name for p in parties)}")),
                     ("dcterms:type", f"kgo:{kind}"),
                     ("kgo:party", [p.ref for p in parties]), ("kgo:signedAt", signing),
                     ("dcterms:date", [xsd_date(day)] if dated else []),
                     ("dcterms:subject", [f"topic:{t}" for t in topics]),
                     (relation[0] if relation else "kgo:relatedAgreement", [relation[1]] if relation else []),
                     ("kgo:activity", [f"act:{slugify(a)}" for a in activities]), ("prov:wasDerivedFrom", art.ref))
        return slug

    def _earlier_agreement(self, art: Article, parties: list[Org], slug: str, day: date) -> tuple[str, str]:
        """An agreement the article names by its year (or month) only: never signed in the graph."""
        year = day.year - self.rng.randint(1, 4)
        month = self.rng.randint(1, 12) if self.rng.random() < 0.4 else None
        stated = f'"{year}-{month:02d}"^^xsd:gYearMonth' if month else f'"{year}"^^xsd:gYear'
        ref = f"ag:{slug}-earlier"
        art.doc.node(f"{ref} a kgo:Agreement",
                     ("schema:name", en(f"Framework agreement between {_and(p.name for p in parties)} of {year}")),
                     ("dcterms:type", "kgo:frameworkAgreement"), ("kgo:party", [p.ref for p in parties]),
                     ("dcterms:date", stated), ("kgo:dateAsStated", en(f"in {year}")),
                     ("prov:wasDerivedFrom", art.ref))
        return self.rng.choice(("kgo:supplements", "kgo:renews", "kgo:buildsOn", "kgo:follows")), ref

    def _joint_lab(self, art: Article, parties: list[Org], conference: str, day: date,
                   topics: list[str]) -> tuple[str, str]:
        """A new joint lab founded by the parties, unveiled at a sub-event of the conference."""
        focus = self.world.label(topics[0])
        lab = self.world.new_lab(f"{parties[0].name} {parties[1].name} Joint Laboratory for {focus.title()}")
        self._mention_org(art, lab)
        unveiling = f"ev:{day}-joint-lab-unveiling-{art.slug[11:]}"
        self._event(art, unveiling, "kgo:UnveilingCeremony", f"Unveiling of the {lab.name}", day, parent=conference)
        figure = f"fig:{lab.slug}-investment"
        art.doc.node(lab.ref, ("schema:founder", [p.ref for p in parties]), ("org:resultedFrom", unveiling),
                     ("schema:knowsAbout", [f"topic:{t}" for t in topics[:3]]), ("schema:additionalProperty", figure))
        art.doc.node(f"{figure} a schema:PropertyValue", ("schema:name", en("planned investment")),
                     ("schema:minValue", str(self.rng.randint(1, 50) * 1_000_000)), ("schema:unitCode", '"CNY"'),
                     ("prov:wasDerivedFrom", art.ref))
        art.about.extend([unveiling, lab.ref])
        return unveiling, lab.name

    def _article_node(self, art: Article, host: Org, headline: str) -> None:
        publisher = self.rng.choice(host.units)
        self._mention_org(art, publisher)
        images = [f"<https://news.example.edu/{art.slug}/{n}.jpg>" for n in range(1, self.rng.randint(1, 3) + 1)]
        for position, image in enumerate(images, 1):
            art.doc.node(f"{image} a schema:ImageObject", ("schema:contentUrl", f'"{image[1:-1]}"^^xsd:anyURI'),
                         ("schema:position", str(position)))
        if self.rng.random() < 0.25:
            images.append(self.world.use_image(host))
        art.doc.node(f"<graph/article/{art.slug}> a prov:Entity",
                     ("rdfs:label", en(f"Statements of the article '{headline}'")),
                     ("prov:wasDerivedFrom", art.ref))
        topics = self._topics(1, 4)
        clock = f"{self.rng.randint(8, 19):02d}:{self.rng.randint(0, 59):02d}:00"  # China Standard Time
        art.doc.node(f"{art.ref} a schema:NewsArticle, prov:Entity", ("schema:headline", en(headline)),
                     ("schema:url", f"<https://news.example.edu/{art.slug}.html>"),
                     ("schema:datePublished", f'"{art.published}T{clock}+08:00"^^xsd:dateTime'),
                     ("schema:articleSection", en(self.rng.choice(names.SECTIONS))), ("schema:inLanguage", '"en"'),
                     ("schema:author", publisher.ref), ("schema:publisher", publisher.ref), ("schema:image", images),
                     ("schema:about", art.about), ("schema:mentions", [m for m in art.mentions if m not in art.about]),
                     ("dcterms:subject", [f"topic:{t}" for t in topics]))


def _kind_name(kind: str) -> str:
    """``strategicCooperationAgreement`` -> "Strategic cooperation agreement"."""
    words = re.sub(r"([A-Z])", r" \1", kind).lower().split()
    return " ".join(words).capitalize()


def _and(items: Iterable[str]) -> str:
    listed = list(items)
    return listed[0] if len(listed) == 1 else ", ".join(listed[:-1]) + " and " + listed[-1]


# ---------------------------------------------------------------- vocabularies written in full


def vocabulary_turtle(world: World) -> Turtle:
    """Topics, activities and post titles: concept schemes, written whole (they need no article to trace them)."""
    doc = Turtle()
    schemes = (("topics", "topics"), ("activities", "cooperation activities"), ("post-titles", "post titles"))
    for scheme, label in schemes:
        doc.node(f"scheme:{scheme} a skos:ConceptScheme", ("skos:prefLabel", en(label)))
    roots = {slugify(t) for t in names.TOPICS}
    for label in world.topics:
        slug = slugify(label)
        broader = slugify(label.split(" ", 1)[1]) if slug not in roots else None
        doc.node(f"topic:{slug} a skos:Concept", ("skos:inScheme", "scheme:topics"), ("skos:prefLabel", en(label)),
                 ("skos:broader", [f"topic:{broader}"] if broader else []),
                 ("skos:topConceptOf", [] if broader else ["scheme:topics"]))
    for label in names.ACTIVITIES:
        doc.node(f"act:{slugify(label)} a skos:Concept", ("skos:inScheme", "scheme:activities"),
                 ("skos:topConceptOf", "scheme:activities"), ("skos:prefLabel", en(label)))
    for slug, label in ALL_TITLES.items():
        doc.node(f"title:{slug} a org:Role, skos:Concept", ("skos:inScheme", "scheme:post-titles"),
                 ("skos:prefLabel", en(label)))
    return doc


# ---------------------------------------------------------------- the project on disk


@dataclass(frozen=True)
class Generated:
    directory: Path
    articles: int
    triples: int
    hub: str  # path of the most-mentioned university's IRI, e.g. "id/org/tianjin-university"
    typical: str  # a person mentioned by the median number of articles
    pending: str  # slug of the held-back article


def parse_size(text: str) -> int:
    """'10k' -> 10_000, '1M' -> 1_000_000, '2500' -> 2500."""
    text = text.strip().lower()
    if text[-1:] in SIZE_SUFFIXES:
        return int(float(text[:-1]) * SIZE_SUFFIXES[text[-1]])
    return int(text)


def generate(directory: Path, target: int, seed: int = 1, articles: int | None = None) -> Generated:
    """Write a project of about ``target`` triples (or exactly ``articles`` articles) into ``directory``."""
    world = World(target, seed)
    writer = ArticleWriter(world)
    _fresh_project(directory)
    vocabulary = vocabulary_turtle(world)
    total, count, article_triples = vocabulary.triples, 0, 0
    while (total < target) if articles is None else (count < articles):
        art = writer.article(count)
        _write(directory / "data" / "articles" / f"{art.slug}.ttl", PREFIXES + "\n" + art.doc.text)
        article_triples += art.doc.triples
        count += 1
        total = vocabulary.triples + article_triples + world.entity_total
    known = dict(world.entities)
    pending = writer.article(count)
    _write_entities(directory / "data" / "entities", known, vocabulary)
    _write_pending(directory / PENDING_DIR, pending, {k: v for k, v in world.entities.items() if k not in known})
    result = Generated(directory, count, total, f"id/org/{world.universities[0].slug}",
                       f"id/person/{_median_person(world, known)}", pending.slug)
    _write(directory / META_FILE, json.dumps({**result.__dict__, "directory": str(directory), "seed": seed}, indent=2))
    return result


def _fresh_project(directory: Path) -> None:
    """An empty project with the repository's ontology and shapes (the generated data must pass them)."""
    for sub in ("data", "ontology", "shapes", PENDING_DIR, "build"):
        shutil.rmtree(directory / sub, ignore_errors=True)
    (directory / "data" / "articles").mkdir(parents=True)
    (directory / "data" / "entities").mkdir(parents=True)
    shutil.copytree(REPO / "ontology", directory / "ontology")
    shutil.copytree(REPO / "shapes", directory / "shapes")


def _write_entities(folder: Path, entities: dict[str, tuple[str, Turtle]], vocabulary: Turtle) -> None:
    by_file: dict[str, list[str]] = {"vocabularies.ttl": [vocabulary.text]}
    for file_name, doc in entities.values():
        by_file.setdefault(file_name, []).append(doc.text)
    for file_name, texts in by_file.items():
        _write(folder / file_name, PREFIXES + "\n" + "\n".join(texts))


def _write_pending(folder: Path, art: Article, introduced: dict[str, tuple[str, Turtle]]) -> None:
    """The held-back article and the entities only it introduces (``entities/added-<slug>.ttl``)."""
    _write(folder / "articles" / f"{art.slug}.ttl", PREFIXES + "\n" + art.doc.text)
    _write(folder / "entities" / f"added-{art.slug}.ttl",
           PREFIXES + "\n" + "\n".join(doc.text for _, doc in introduced.values()))


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _median_person(world: World, known: dict[str, tuple[str, Turtle]]) -> str:
    counted = sorted((n, slug) for slug, n in world.mentions.items() if f"person/{slug}" in known)
    return counted[len(counted) // 2][1]


def withdraw_pending(directory: Path, article: Path) -> None:
    """Undo ``add_pending``: move the article and the entities file it came with back under ``pending/``."""
    pending = directory / PENDING_DIR
    for kind, name in (("articles", article.name), ("entities", f"added-{article.stem}.ttl")):
        source = directory / "data" / kind / name
        if source.exists():
            shutil.move(source, pending / kind / name)


def add_pending(directory: Path) -> Path:
    """Move the held-back article (and the entities it introduces) into the project; returns the article file."""
    pending = directory / PENDING_DIR
    moved = None
    for kind in ("entities", "articles"):
        for path in sorted((pending / kind).glob("*.ttl")):
            target = directory / "data" / kind / path.name
            shutil.move(path, target)
            moved = target if kind == "articles" else moved
    if moved is None:
        raise FileNotFoundError(f"nothing pending under {pending}")
    return moved


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--size", default="10k", help="target triples: 10k, 100k, 1M, 10M (default 10k)")
    parser.add_argument("--articles", type=int, help="exactly this many articles instead of a size")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    result = generate(args.directory, parse_size(args.size), args.seed, args.articles)
    print(f"{result.directory}: {result.articles} articles, {result.triples} triples; hub {result.hub}, "
          f"typical {result.typical}")


if __name__ == "__main__":
    main()
