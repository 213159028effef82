"""Precision, recall and speed of card deduplication on a labelled synthetic set.

Builds N card records of synthetic people (fixed seed), each labelled with the person
it belongs to, feeds them oldest first through the same in-memory matching index the
store uses (`cardpipe.blocking.Index.plan` / `apply`, as `SqliteStore.add_card` does,
without SQLite), and compares the contacts it ends with against the labels:

    .venv/bin/python bench/dedupe.py                       # 10k, 30k and 100k records
    .venv/bin/python bench/dedupe.py --sizes 10000 --show-errors 10
    .venv/bin/python bench/dedupe.py --sizes 100000 --profile
    .venv/bin/python bench/dedupe.py --sizes 10000 --store 10000   # through SQLite too
    .venv/bin/python bench/dedupe.py --seeds 1 2 3 4 5 6 7 8       # the four goals, seed by seed

Precision and recall are pairwise: over all pairs of records, a pair is predicted when
both records end in one contact, and true when both are the same person. "Recall of
later cards by kind" asks, for each card after a person's first, whether it ended in
the contact of that person's previous card; the line below it splits the job changes by
what ties them to the card before (JOB_EVIDENCE). The third line counts the possible
duplicates left for the user (`Placement.suggestions`, as pairs of final contacts), the
share of them that are one person, and the precision and recall once the user merges
those that are (`score_suggestions`). Time is the wall (and CPU) time of matching
and filing every record, building each record's evidence included, generating the data
excluded, on one core.

How the duplicates are made (`make_people`, `make_cards`; every rate is a constant
below):

- people: given names from cardpipe's nickname table plus common names of other
  origins, family names from a list of common ones plus 20,000 generated ones, drawn
  with a Zipf skew calibrated so that two people share a given name 0.9% of the time and
  a family name 0.08% (census data: about 0.6% and 0.05%); a company (sizes skewed: a
  few big ones), a city (skewed: a network clusters in a few cities), a mobile (80%), a
  work e-mail unique within the company, a personal free-mail address (20%), and either
  a direct line or the company switchboard.
- 1 to 6 cards per person (about 1.6 on average), collected over three years, oldest
  first. A later card is a *re-scan* (the same card, new OCR noise), a *variant*
  (nickname, initial, "FAMILY, Given" or "FAMILY Given", accents dropped, capitals,
  "Dr.") or a *job change* (another company, e-mail and office phone) tied to the card
  before by one piece of evidence printed on both (JOB_EVIDENCE: the same mobile, the
  same personal e-mail, or the same city with a new mobile or none), or by nothing at
  all (3% of job changes: misses by design).
- every card: fields left out at random (mobile, e-mail, address, company, name), OCR
  slips (rn/m, l/1, e/c, h/b, d/cl, n/ri, a dropped or doubled letter...) in the name,
  company and city and now and then in an e-mail or a phone digit.
- must-not-merge: colleagues share the switchboard and print info@/sales@; relatives
  with the same family name work at the same company (2% of people); the namesakes that
  the name frequencies make by chance; and 2% of people more who take a full name someone
  in the network has (full names cluster more than independent given and family names
  predict), drawn the way real namesakes occur: full names are drawn from the same
  frequencies until one that is taken comes up, so a name is shared about as often as it
  is common squared (John Smith often, a rare given or family name almost never). They
  work elsewhere, 15% of them in the same city. (Until December 2026 these namesakes
  copied a recent person with one of the 300 commonest family names, whatever the given
  name, and namesakes of namesakes: rare given names had namesakes, and a few names many.)

Several seeds (`--seed`) tell a property of the rules from the luck of one draw: at 10,000
records a goal is read off some 50 to 100 suggested pairs.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
import pstats
import random
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cardpipe.contacts import blocking, dedupe, names  # noqa: E402
from cardpipe.contacts.nicknames import _TABLE  # noqa: E402
from cardpipe.models import Address, ContactRecord, Phone  # noqa: E402

# ---------------------------------------------------------------------------- rates

CARDS_PER_PERSON = [(1, 0.55), (2, 0.25), (3, 0.11), (4, 0.05), (5, 0.025), (6, 0.015)]
LATER_CARD_KIND = [("rescan", 0.40), ("variant", 0.30), ("job change", 0.30)]
HAS_MOBILE = 0.80
HAS_PERSONAL_EMAIL = 0.20
DIRECT_LINE = 0.40  # else the company switchboard
# What ties a job change to the card before it (printed on both cards): the same mobile,
# the same personal e-mail, the same city; or nothing (a miss by design).
JOB_EVIDENCE = [("mobile", 0.45), ("personal", 0.15), ("city", 0.37), ("none", 0.03)]
OMIT = {"mobile": 0.15, "email": 0.05, "address": 0.20, "company": 0.03, "name": 0.02}
ROLE_EMAIL_ONLY = 0.08  # the card prints info@/sales@ instead of the person's address
OCR_NOISE = {"name": 0.25, "company": 0.25, "city": 0.10, "email": 0.04, "phone": 0.02}
RELATIVES = 0.02  # a person with the same family name at the same company
# Namesakes beyond chance (full names cluster more than independent given and family
# names predict): this share of people take a full name someone in the network has,
# drawn the way real namesakes occur (see `make_people`: a common full name is shared,
# a rare one almost never), and work elsewhere ...
NAMESAKES = 0.02
NAMESAKE_SAME_CITY = 0.15  # ... of whom this share in the same city
# Name and city frequencies (Zipf exponents over the pools): the chance that two people
# share a given name is about 0.9%, a family name 0.08% (20,000 names; the US census
# gives about 0.05%), a city 6% (a network is concentrated where its owner works).
GIVEN_SKEW, FAMILY_SKEW, FAMILY_NAMES, CITY_SKEW = 0.6, 0.7, 20_000, 1.0

# ---------------------------------------------------------------------------- name pools

EXTRA_GIVEN = """olga yuki priya ahmed fatima wei mei raj sven ingrid lars pierre chloé zoé søren björn
jürgen mónica inés joão françoise renée ana luca giulia sofia noah ava mason aria lucas elena
amir leila omar yasmin hiroshi aiko kenji sakura arjun ananya vikram deepa chen li ming hui
mateus thiago rafael camila valentina diego sebastián lucía andrés pablo javier carmen dolores
henrik astrid nils freya kristian sigrid pekka aino jussi tuomas ewa piotr katarzyna tomasz
agnieszka marek zofia dmitri natasha sergei irina boris svetlana ivan anya kwame amara chidi
ngozi tariq noura emre elif mehmet ayşe cem selin kofi abena yaw efua ravi sunita anil kavita
""".split()
COMMON_FAMILY = """smith johnson williams brown jones garcía miller davis rodríguez martínez hernández
lópez gonzález wilson anderson thomas taylor moore jackson martin lee pérez thompson white harris
sánchez clark ramírez lewis robinson walker young allen king wright scott torres nguyen hill flores
green adams nelson baker hall rivera campbell mitchell carter roberts müller schmidt schneider fischer
weber meyer wagner becker schulz hoffmann koch richter klein wolf schröder neumann schwarz zimmermann
braun krüger hofmann hartmann lange werner krause lehmann köhler dubois durand lefèbvre moreau laurent
simon michel garnier faure rousseau blanc guérin muller henry roussel nicolas perrin morin mathieu
rossi russo ferrari esposito bianchi romano colombo ricci marino greco bruno gallo conti de luca
costa giordano mancini rizzo lombardi moretti de jong jansen de vries van den berg van dijk bakker
janssen visser smit meijer de boer mulder de groot bos vos peters hendriks van leeuwen dekker brouwer
silva santos oliveira souza lima pereira ferreira alves ribeiro carvalho gomes martins araújo
o'brien o'connor mcdonald macleod murphy kelly sullivan walsh byrne ryan o'neill kowalski nowak
wiśniewski wójcik kamiński lewandowski zieliński novák svoboda dvořák černý procházka kučera
yamamoto tanaka watanabe suzuki takahashi kim park choi jung kang cho patel sharma singh kumar gupta
""".split("\n")
SYLLABLES_A = "bar ber bor cal cor dan del dor fal fen gar gor hal han hel kar kel lan lor mal mar mor nor pal per ral ren ros sal sel tal tor val ven war wil".split()
SYLLABLES_B = "a e i o u ai ea ie ou".split()
SYLLABLES_C = "ton son berg stein mann ley field wood ford man ridge worth ski ova ez ini ardi elli eau ot ard hurst by ham well".split()
CITIES = """New York|Chicago|Boston|Seattle|Austin|Denver|Atlanta|Miami|Toronto|Montréal|Vancouver|London|
Manchester|Birmingham|Leeds|Glasgow|Edinburgh|Dublin|Cork|Paris|Lyon|Marseille|Toulouse|Lille|Nantes|
Berlin|Hamburg|München|Köln|Frankfurt|Stuttgart|Düsseldorf|Leipzig|Zürich|Genève|Basel|Wien|Graz|
Amsterdam|Rotterdam|Utrecht|Den Haag|Eindhoven|Brussel|Antwerpen|Gent|Madrid|Barcelona|Valencia|
Sevilla|Málaga|Bilbao|Lisboa|Porto|Roma|Milano|Napoli|Torino|Bologna|Firenze|Genova|São Paulo|
Rio de Janeiro|Belo Horizonte|Curitiba|Warszawa|Kraków|Praha|Brno|Budapest|København|Stockholm|
Göteborg|Oslo|Helsinki|Tallinn|Riga|Vilnius|Athína|İstanbul|Tel Aviv|Dubai|Mumbai|Bangalore|
Singapore|Tokyo|Osaka|Seoul|Sydney|Melbourne|Auckland|Cape Town|Nairobi|Lagos|Accra|Cairo|
Mexico City|Guadalajara|Bogotá|Lima|Santiago|Buenos Aires|Montevideo|San Francisco|Los Angeles|
San Diego|Portland|Phoenix|Dallas|Houston|Philadelphia|Pittsburgh|Detroit|Minneapolis""".replace("\n", "").split("|")
COMPANY_WORDS = """apex summit harbor northwind bluebird cedar granite lumen vertex nimbus quartz
orbit pioneer keystone lighthouse redwood silverline brightpath ironbridge meridian atlas
cobalt evergreen falcon horizon juniper kestrel maple nova oakridge pinnacle riverbend
sequoia tidewater union vanguard willow zenith alder beacon canyon delta ember fjord
glacier hawthorn indigo jasper kinetic lattice mosaic nexus onyx prairie quill rowan
sterling trident umbra vista wavelength yarrow""".split()
COMPANY_TAILS = "Labs|Systems|Partners|Consulting|Capital|Logistics|Analytics|Design|Foods|Energy|Health|Robotics|Media|Software|Works|Group|Trading|Studio|Bio|Legal".split("|")
LEGAL = ["Inc.", "LLC", "Ltd", "GmbH", "S.A.", "B.V.", "plc", "AG", "S.r.l.", "Corp.", "", "", ""]
FREE_MAIL = ["gmail.com", "outlook.com", "yahoo.com", "icloud.com", "gmx.de", "hotmail.com", "web.de", "orange.fr"]
TITLES = "Sales Manager|Account Executive|CTO|Head of Marketing|Engineer|Partner|Founder|Office Manager|Director|Consultant|Designer|Analyst".split("|")
ROLE_LOCALS = ["info", "sales", "contact", "hello", "office"]

_OCR_SWAPS = [("m", "rn"), ("rn", "m"), ("l", "1"), ("o", "0"), ("e", "c"), ("h", "b"), ("i", "l"),
              ("d", "cl"), ("u", "v"), ("n", "ri"), ("a", "o"), ("t", "f"), ("c", "e"), ("s", "5")]


def _nickname_pairs() -> tuple[list[str], dict[str, list[str]]]:
    formal, nicks = [], {}
    for line in _TABLE.strip().splitlines():
        names = line.split()
        formal.append(names[0])
        nicks[names[0]] = names[1:]
    return formal, nicks


FORMAL, NICKS = _nickname_pairs()


def zipf_choice(rng: random.Random, items: list, s: float = 1.0) -> object:
    # inverse-CDF of a truncated Zipf over the list order (cached cumulative weights)
    key = (id(items), s)
    cum = _ZIPF.get(key)
    if cum is None:
        total, cum = 0.0, []
        for i in range(len(items)):
            total += 1.0 / (i + 1) ** s
            cum.append(total)
        _ZIPF[key] = cum
    x = rng.random() * cum[-1]
    lo, hi = 0, len(cum) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if cum[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return items[lo]


_ZIPF: dict = {}


def pick(rng: random.Random, table: list[tuple[object, float]]) -> object:
    x, acc = rng.random(), 0.0
    for value, p in table:
        acc += p
        if x < acc:
            return value
    return table[-1][0]


# ---------------------------------------------------------------------------- people


@dataclass
class Company:
    name: str
    domain: str
    switchboard: str
    city: str
    country: str


@dataclass
class Job:
    company: Company
    email_local: str
    office: str  # a direct line or the switchboard
    title: str
    city: str


@dataclass
class Person:
    pid: int
    given: str
    family: str
    mobile: str | None
    personal_email: str | None
    jobs: list[Job] = field(default_factory=list)


class Numbers:
    """Unique E.164 numbers."""

    def __init__(self, rng: random.Random) -> None:
        self.rng, self.used = rng, set()

    def new(self, mobile: bool) -> str:
        while True:
            n = ("+447" if mobile else "+1") + "".join(self.rng.choice("0123456789") for _ in range(9 if mobile else 10))
            if n not in self.used:
                self.used.add(n)
                return n


def _pretty(name: str) -> str:
    return " ".join(p[:1].upper() + p[1:] for p in name.split())


def family_pool(rng: random.Random, n: int) -> list[str]:
    common = [f.strip() for f in COMMON_FAMILY for f in f.split()]  # one-word list
    common = [c for c in common if c]
    # every generated name: onset + vowel + ending, onset + ending, onset + vowel + onset + ending
    made = {a + b + c for a in SYLLABLES_A for b in SYLLABLES_B for c in SYLLABLES_C}
    made |= {a + c for a in SYLLABLES_A for c in SYLLABLES_C}
    while len(made) < n:
        made.add(rng.choice(SYLLABLES_A) + rng.choice(SYLLABLES_B) + rng.choice(SYLLABLES_A) + rng.choice(SYLLABLES_C))
    made_list = sorted(made - set(common))
    rng.shuffle(made_list)
    return common + made_list[: n - len(common)]


def make_companies(rng: random.Random, n: int, numbers: Numbers) -> list[Company]:
    out, names = [], set()
    while len(out) < n:
        base = f"{rng.choice(COMPANY_WORDS).title()} {rng.choice(COMPANY_TAILS)}"
        if rng.random() < 0.3:
            base = f"{rng.choice(COMPANY_WORDS).title()}{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_TAILS)}"
        if base in names:
            base = f"{base} {rng.choice(COMPANY_WORDS).title()}"
        if base in names:
            continue
        names.add(base)
        legal = rng.choice(LEGAL)
        domain = base.lower().replace(" ", "-") + rng.choice([".com", ".de", ".co.uk", ".io", ".fr", ".nl"])
        out.append(Company(f"{base} {legal}".strip(), domain, numbers.new(False), str(zipf_choice(rng, CITIES, CITY_SKEW)), "US"))
    return out


def make_people(rng: random.Random, n_people: int, numbers: Numbers) -> tuple[list[Person], list[Company]]:
    given_pool = FORMAL + EXTRA_GIVEN
    rng.shuffle(given_pool)
    families = family_pool(rng, FAMILY_NAMES)
    companies = make_companies(rng, max(50, n_people // 5), numbers)
    people: list[Person] = []
    holders: dict[tuple[str, str], Person] = {}  # each full name's first holder
    locals_used: dict[str, set[str]] = {}

    def new_job(p_given: str, p_family: str, company: Company | None = None, city: str | None = None) -> Job:
        company = company or zipf_choice(rng, companies, 0.8)  # type: ignore[assignment]
        g = names.fold(p_given).replace(" ", "")
        f = names.fold(p_family).replace(" ", "")
        taken = locals_used.setdefault(company.domain, set())
        local = rng.choice([f"{g}.{f}", f"{g[0]}{f}", f"{g}", f"{g}_{f}", f"{f}"])
        while local in taken:  # a company gives each person an address of their own
            local = f"{g}.{f}{rng.randint(2, 99)}"
        taken.add(local)
        office = numbers.new(False) if rng.random() < DIRECT_LINE else company.switchboard
        return Job(company, local, office, rng.choice(TITLES), city or company.city)

    while len(people) < n_people:
        pid = len(people)
        roll = rng.random()
        if people and roll < RELATIVES:  # same family name, same company, another given name
            rel = rng.choice(people)
            given = rng.choice([g for g in given_pool[:80] if g != rel.given])
            person = Person(pid, given, rel.family, numbers.new(True) if rng.random() < HAS_MOBILE else None, None)
            person.jobs.append(new_job(given, rel.family, rel.jobs[0].company, rel.jobs[0].city))
        elif people and roll < RELATIVES + NAMESAKES and (twin := namesake_of(rng, given_pool, families, holders)):
            # a full name someone has, another company (and mostly another city)
            person = Person(pid, twin.given, twin.family, numbers.new(True) if rng.random() < HAS_MOBILE else None, None)
            city = twin.jobs[0].city if rng.random() < NAMESAKE_SAME_CITY else str(zipf_choice(rng, CITIES, CITY_SKEW))
            others = [c for c in rng.sample(companies, 3) if c is not twin.jobs[0].company]
            person.jobs.append(new_job(twin.given, twin.family, others[0], city))
        else:
            given = str(zipf_choice(rng, given_pool, GIVEN_SKEW))
            family = str(zipf_choice(rng, families, FAMILY_SKEW))
            mobile = numbers.new(True) if rng.random() < HAS_MOBILE else None
            person = Person(pid, given, family, mobile, None)
            person.jobs.append(new_job(given, family))
        if rng.random() < HAS_PERSONAL_EMAIL:
            g, f = names.fold(person.given).replace(" ", ""), names.fold(person.family).replace(" ", "")
            person.personal_email = f"{g}.{f}{rng.randint(1, 999)}@{rng.choice(FREE_MAIL)}"
        people.append(person)
        holders.setdefault((person.given, person.family), person)
    return people, companies


def namesake_of(rng: random.Random, given_pool: list[str], families: list[str],
                holders: dict[tuple[str, str], Person], tries: int = 100_000) -> Person | None:
    """A person whose full name a namesake takes: full names are drawn from the
    population's given and family name frequencies until one someone in the network
    already has comes up, so a name is shared about as often as it is common squared
    (John Smith often, a rare given or family name almost never), as between real
    namesakes; None when none comes up (a network of a few people)."""
    for _ in range(tries):
        twin = holders.get((str(zipf_choice(rng, given_pool, GIVEN_SKEW)), str(zipf_choice(rng, families, FAMILY_SKEW))))
        if twin is not None:
            return twin
    return None


# ---------------------------------------------------------------------------- cards


@dataclass(frozen=True)
class Card:
    pid: int
    day: int
    kind: str  # first, rescan, variant, job change
    record: ContactRecord
    tie: str = ""  # a job change: the evidence printed on it and the card before (JOB_EVIDENCE)


def ocr_slip(rng: random.Random, text: str) -> str:
    for _ in range(4):
        a, b = rng.choice(_OCR_SWAPS)
        spots = [i for i in range(len(text)) if text.startswith(a, i)]
        if spots:
            i = rng.choice(spots)
            return text[:i] + b + text[i + len(a) :]
    i = rng.randrange(len(text)) if text else 0
    return text[:i] + text[i + 1 :] if rng.random() < 0.5 else text[:i] + text[i : i + 1] + text[i:]


def strip_accents(text: str) -> str:
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def name_variant(rng: random.Random, given: str, family: str) -> str:
    g, f = _pretty(given), _pretty(family)
    options = ["initial", "swapped", "caps", "accents"]
    nicks = NICKS.get(given)
    if nicks:
        options += ["nickname"] * 3
    kind = rng.choice(options)
    if kind == "nickname":
        return f"{_pretty(rng.choice(nicks))} {f}"
    if kind == "initial":
        return f"{g[0]}. {f}"
    if kind == "swapped":
        return rng.choice([f"{f}, {g}", f"{f.upper()} {g}"])
    if kind == "caps":
        return f"{g} {f}".upper()
    return strip_accents(f"{g} {f}") if strip_accents(g + f) != g + f else f"Dr. {g} {f}"


def card_record(
    rng: random.Random, person: Person, job: Job, kind: str, *, mobile: str | None, personal: bool, force: frozenset[str]
) -> ContactRecord:
    """One card as normalization would hand it over; fields in `force` are printed."""
    name = f"{_pretty(person.given)} {_pretty(person.family)}"
    if kind == "variant":
        name = name_variant(rng, person.given, person.family)
    noise = 1.0 if kind == "rescan" else 0.5
    if rng.random() < OCR_NOISE["name"] * noise:
        name = ocr_slip(rng, name)
    company = job.company.name
    if rng.random() < OCR_NOISE["company"] * noise:
        company = ocr_slip(rng, company)
    city = job.city
    if rng.random() < OCR_NOISE["city"] * noise:
        city = ocr_slip(rng, city)
    emails = []
    if rng.random() < ROLE_EMAIL_ONLY:
        emails.append(f"{rng.choice(ROLE_LOCALS)}@{job.company.domain}")
    elif rng.random() >= OMIT["email"]:
        email = f"{job.email_local}@{job.company.domain}"
        if rng.random() < OCR_NOISE["email"] * noise:
            email = ocr_slip(rng, email.split("@")[0]) + "@" + job.company.domain
        emails.append(email)
    if person.personal_email and (personal or "personal" in force):
        emails.append(person.personal_email)
    phones = [Phone(job.office, "work", job.office)]
    if mobile and ("mobile" in force or rng.random() >= OMIT["mobile"]):
        m = mobile
        if rng.random() < OCR_NOISE["phone"] * noise:
            i = rng.randrange(4, len(m))
            m = m[:i] + str((int(m[i]) + 1) % 10) + m[i + 1 :]
        phones.append(Phone(m, "mobile", m))
    if rng.random() < 0.3:
        phones.append(Phone(job.company.switchboard[:-2] + "99", "fax", ""))
    printed_city = "city" in force or rng.random() >= OMIT["address"]
    return ContactRecord(
        name=None if rng.random() < OMIT["name"] else name,
        title=job.title,
        company=None if rng.random() < OMIT["company"] else company,
        emails=tuple(emails),
        phones=tuple(phones),
        website=job.company.domain if rng.random() < 0.5 else None,
        address=Address(f"1 Main St, {city}", city=city) if printed_city else None,
    )


@dataclass
class Spec:
    kind: str
    job: Job
    mobile: str | None
    personal: bool
    force: set[str] = field(default_factory=set)
    tie: str = ""


def new_local(rng: random.Random, person: Person, company: Company, used: dict[str, set[str]]) -> str:
    g = names.fold(person.given).replace(" ", "")
    f = names.fold(person.family).replace(" ", "")
    taken = used.setdefault(company.domain, set())
    local = rng.choice([f"{g}.{f}", f"{g[0]}{f}", f"{g}", f"{g}_{f}", f"{f}"])
    while local in taken:
        local = f"{g}.{f}{rng.randint(2, 99)}"
    taken.add(local)
    return local


def make_cards(rng: random.Random, people: list[Person], companies: list[Company], numbers: Numbers) -> list[Card]:
    """Each person's cards, oldest first. A job change keeps one piece of evidence that
    ties it to the card before (JOB_EVIDENCE), printed on both cards, or none at all."""
    cards: list[Card] = []
    used: dict[str, set[str]] = {}
    for person in people:
        for job in person.jobs:
            used.setdefault(job.company.domain, set()).add(job.email_local)
    for person in people:
        n = int(pick(rng, CARDS_PER_PERSON))  # type: ignore[arg-type]
        job, mobile = person.jobs[0], person.mobile
        specs = [Spec("first", job, mobile, rng.random() < 0.3)]
        for _ in range(n - 1):
            kind = str(pick(rng, LATER_CARD_KIND))
            if kind != "job change":
                specs.append(Spec(kind, job, mobile, specs[-1].personal))
                continue
            choices = [(e, p) for e, p in JOB_EVIDENCE if e != "mobile" or mobile]
            evidence = str(pick(rng, [(e, p / sum(q for _, q in choices)) for e, p in choices]))
            new = next(c for c in rng.sample(companies, 3) if c is not job.company)
            city = job.city if evidence == "city" else str(zipf_choice(rng, CITIES, CITY_SKEW))
            job = Job(new, new_local(rng, person, new, used),
                      numbers.new(False) if rng.random() < DIRECT_LINE else new.switchboard, rng.choice(TITLES), city)
            if evidence != "mobile":  # a company mobile, or none printed
                mobile = numbers.new(True) if rng.random() < 0.5 else None
            if evidence == "personal" and not person.personal_email:
                g, f = names.fold(person.given).replace(" ", ""), names.fold(person.family).replace(" ", "")
                person.personal_email = f"{g}.{f}{rng.randint(1, 999)}@{rng.choice(FREE_MAIL)}"
            specs.append(Spec(kind, job, mobile, evidence == "personal", tie=evidence))
            if evidence != "none":
                specs[-2].force.add(evidence)
                specs[-1].force.add(evidence)
            else:  # nothing ties the cards: another city, no shared number or address
                specs[-1].personal = False
        day = rng.randrange(0, 1100)
        for spec in specs:
            record = card_record(rng, person, spec.job, spec.kind, mobile=spec.mobile, personal=spec.personal,
                                 force=frozenset(spec.force))
            cards.append(Card(person.pid, day, spec.kind, record, spec.tie))
            day += rng.randrange(1, 200)
    cards.sort(key=lambda c: c.day)
    return cards


def build(n_records: int, seed: int) -> list[Card]:
    rng = random.Random(seed)
    mean = sum(k * p for k, p in CARDS_PER_PERSON)
    numbers = Numbers(rng)
    people, companies = make_people(rng, int(1.02 * n_records / mean), numbers)
    cards = make_cards(rng, people, companies, numbers)
    return cards[:n_records] if len(cards) >= n_records else cards


# ---------------------------------------------------------------------------- run and score


def dedupe_cards(cards: list[Card], suggested: list | None = None) -> tuple[list[int], float, float]:
    """Feed the cards oldest first; returns each card's final contact, the wall seconds
    and the CPU seconds taken. Each possible duplicate a card raises is added to
    `suggested` as (card, a card of the contact suggested, rule)."""
    index = blocking.Index()
    next_contact = 0
    gc.collect()
    gc.disable()  # the index holds millions of small objects; collection pauses are not matching time
    start, cpu = time.perf_counter(), time.process_time()
    for card_id, card in enumerate(cards):
        ev = dedupe.evidence(card.record)
        plan = index.plan(ev)
        if plan.contact_id is None:
            next_contact += 1
            contact = next_contact
        else:
            contact = plan.contact_id
        if suggested is not None:
            suggested += [(card_id, index.cards_of(x.contact_id)[0], x.rule) for x in plan.suggestions]
        index.apply(card_id, ev, contact, plan)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    gc.enable()
    return [index.contact_of(i) for i in range(len(cards))], seconds, cpu


def store_timing(cards: list[Card]) -> tuple[float, float, float]:
    """The same cards through SqliteStore.add_card (one transaction per card, as a run
    stores them), then a fresh connection building its index: (seconds to store, seconds
    to open and build the index, precision of the stored contacts)."""
    import tempfile

    from cardpipe.contacts.store import SqliteStore
    from cardpipe.models import CardResult

    at = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
    with tempfile.TemporaryDirectory() as tmp:
        store = SqliteStore(Path(tmp) / "bench.db")
        start = time.perf_counter()
        contact = []
        for i, card in enumerate(cards):
            with store.transaction():
                store.add_file(f"{i:064x}", f"{i}.png", status="done", at=at)
                _, cid = store.add_card(f"{i:064x}", CardResult(f"{i}.png", 0, card.record, "", 90.0),
                                        collected_on=at.date(), scanned_at=at, event=None)
            contact.append(cid)
        stored = time.perf_counter() - start
        store.close()
        start = time.perf_counter()
        store = SqliteStore(Path(tmp) / "bench.db")
        store.dedupe_index()
        opened = time.perf_counter() - start
        final = [store.card(i + 1)["contact_id"] for i in range(len(cards))]
        store.close()
    return stored, opened, score(cards, final)["precision"]


def pairs(n: int) -> int:
    return n * (n - 1) // 2


def score(cards: list[Card], contact: list[int]) -> dict:
    by_both: Counter = Counter((c.pid, contact[i]) for i, c in enumerate(cards))
    by_person: Counter = Counter(c.pid for c in cards)
    by_contact: Counter = Counter(contact)
    tp = sum(pairs(n) for n in by_both.values())
    true = sum(pairs(n) for n in by_person.values())
    pred = sum(pairs(n) for n in by_contact.values())
    # recall of each later card: is it in the contact of the person's previous card?
    previous: dict[int, int] = {}
    kinds: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for i, c in enumerate(cards):
        if c.pid in previous:
            for kind in (c.kind, f"{c.kind} by {c.tie}") if c.tie else (c.kind,):
                kinds[kind][1] += 1
                kinds[kind][0] += contact[i] == contact[previous[c.pid]]
        previous[c.pid] = i
    return {
        "precision": tp / pred if pred else 1.0,
        "recall": tp / true if true else 1.0,
        "true_pairs": true,
        "predicted_pairs": pred,
        "people": len(by_person),
        "contacts": len(by_contact),
        "kinds": {k: v[0] / v[1] for k, v in kinds.items() if v[1]},
    }


def score_suggestions(cards: list[Card], contact: list[int], suggested: list) -> dict:
    """The possible duplicates left at the end (pairs of final contacts, as the store keeps
    them: a pair merged later is dropped), the share that are one person (the two contacts
    share a person), and precision and recall once the user accepts the right ones."""
    people: dict[int, set[int]] = defaultdict(set)
    for i, c in enumerate(cards):
        people[contact[i]].add(c.pid)
    found: dict[tuple[int, int], str] = {}
    for card, other, rule in suggested:
        a, b = sorted((contact[card], contact[other]))
        if a != b:
            found.setdefault((a, b), rule)
    right = [pair for pair in found if people[pair[0]] & people[pair[1]]]
    parent: dict[int, int] = {}

    def root(x: int) -> int:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    for a, b in right:
        parent[root(b)] = root(a)
    s = score(cards, [root(c) for c in contact])
    return {"pairs": len(found), "right": len(right), "rules": Counter(found.values()),
            "precision": s["precision"], "recall": s["recall"]}


def show_errors(cards: list[Card], contact: list[int], limit: int) -> None:
    members: dict[int, list[int]] = defaultdict(list)
    for i, cid in enumerate(contact):
        members[cid].append(i)
    shown = 0
    print("\nfalse merges (one contact, several people):")
    for _cid, idx in members.items():
        if len({cards[i].pid for i in idx}) > 1 and shown < limit:
            shown += 1
            for i in idx:
                r = cards[i].record
                print(f"  p{cards[i].pid:<6} {cards[i].kind:<10} {r.name!s:<24} {r.company!s:<28} {', '.join(r.emails):<40} "
                      f"{', '.join(p.e164 + p.type[0] for p in r.phones)} {r.address.city if r.address else ''}")
            print()
    shown = 0
    print("missed (one person, several contacts):")
    people: dict[int, list[int]] = defaultdict(list)
    for i, c in enumerate(cards):
        people[c.pid].append(i)
    for _pid, idx in people.items():
        if len({contact[i] for i in idx}) > 1 and shown < limit:
            shown += 1
            for i in idx:
                r = cards[i].record
                print(f"  c{contact[i]:<6} {cards[i].kind:<10} {r.name!s:<24} {r.company!s:<28} {', '.join(r.emails):<40} "
                      f"{', '.join(p.e164 + p.type[0] for p in r.phones)} {r.address.city if r.address else ''}")
            print()


GOALS = ("precision >= 0.99", "recall with suggestions >= 0.97", "half one person", "<= 2% of contacts")


def goals(s: dict, g: dict) -> list[bool]:
    """The four goals of the dedupe (issue 16), from `score` and `score_suggestions`."""
    return [s["precision"] >= 0.99, g["recall"] >= 0.97, g["right"] >= g["pairs"] / 2, g["pairs"] <= 0.02 * s["contacts"]]


def goals_by_seed(sizes: list[int], seeds: list[int]) -> int:
    print(f"{'records':>8} {'seed':>4} {'precision':>9} {'recall':>7} {'+sugg.':>7} {'pairs':>5} {'% cont.':>7} "
          f"{'1 person':>8}  goals not met")
    for n in sizes:
        met = [0] * len(GOALS)
        for seed in seeds:
            cards = build(n, seed)
            suggested: list = []
            contact, _, _ = dedupe_cards(cards, suggested)
            s, g = score(cards, contact), score_suggestions(cards, contact, suggested)
            ok = goals(s, g)
            met = [m + x for m, x in zip(met, ok, strict=True)]
            print(f"{len(cards):>8} {seed:>4} {s['precision']:>9.4f} {s['recall']:>7.4f} {g['recall']:>7.4f} "
                  f"{g['pairs']:>5} {100 * g['pairs'] / max(s['contacts'], 1):>6.2f}% {g['right'] / max(g['pairs'], 1):>8.2f}  "
                  f"{', '.join(x for x, y in zip(GOALS, ok, strict=True) if not y) or '-'}", flush=True)
        print(f"{n:>8} seeds meeting each goal: "
              f"{', '.join(f'{x} {m}/{len(seeds)}' for x, m in zip(GOALS, met, strict=True))}", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 30_000, 100_000], help="records per run")
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--show-errors", type=int, default=0, metavar="N", help="print N false merges and N misses")
    ap.add_argument("--profile", action="store_true", help="profile the matching of the last size")
    ap.add_argument("--store", type=int, metavar="N", help="also store the first N records of the first size "
                    "through SqliteStore.add_card and time that and the index a new run builds")
    ap.add_argument("--seeds", type=int, nargs="+", metavar="S", help="instead: the figures of the four goals for "
                    "each size and each of these seeds, one line each, and how many seeds meet each goal")
    args = ap.parse_args(argv)
    if args.seeds:
        return goals_by_seed(args.sizes, args.seeds)
    print(f"{'records':>8} {'people':>7} {'contacts':>8} {'true pairs':>10} {'precision':>9} {'recall':>7} "
          f"{'seconds':>8} {'cpu s':>6} {'us/record':>9}  recall of later cards by kind")
    for n in args.sizes:
        cards = build(n, args.seed)
        if args.profile and n == args.sizes[-1]:
            prof = cProfile.Profile()
            prof.enable()
        suggested: list = []
        contact, seconds, cpu = dedupe_cards(cards, suggested)
        if args.profile and n == args.sizes[-1]:
            prof.disable()
        s = score(cards, contact)
        kinds = ", ".join(f"{k} {v:.3f}" for k, v in sorted(s["kinds"].items()) if " by " not in k)
        print(f"{len(cards):>8} {s['people']:>7} {s['contacts']:>8} {s['true_pairs']:>10} {s['precision']:>9.4f} "
              f"{s['recall']:>7.4f} {seconds:>8.2f} {cpu:>6.2f} {1e6 * seconds / len(cards):>9.1f}  {kinds}", flush=True)
        ties = ", ".join(f"{k.split(' by ')[1]} {v:.3f}" for k, v in sorted(s["kinds"].items()) if " by " in k)
        print(f"{'':>68}  job changes tied by: {ties}", flush=True)
        g = score_suggestions(cards, contact, suggested)
        rules = ", ".join(f"{k} {v}" for k, v in sorted(g["rules"].items()))
        print(f"{'':>8} possible duplicates: {g['pairs']} pairs ({rules}) = {100 * g['pairs'] / max(s['contacts'], 1):.2f}% "
              f"of contacts, {g['right'] / max(g['pairs'], 1):.2f} one person; accepting those: precision "
              f"{g['precision']:.4f} recall {g['recall']:.4f}", flush=True)
        print(f"{'':>8} goals (automatic precision >= 0.99, recall with the right suggestions >= 0.97, half the "
              f"suggestions one person, suggestions <= 2% of contacts): "
              f"{' '.join('met' if x else 'NOT met' for x in goals(s, g))}", flush=True)
        if args.show_errors:
            show_errors(cards, contact, args.show_errors)
    if args.store:
        cards = build(args.sizes[0], args.seed)[: args.store]
        stored, opened, precision = store_timing(cards)
        print(f"\nSqliteStore: {len(cards)} cards stored one transaction each in {stored:.1f} s "
              f"({1e3 * stored / len(cards):.2f} ms/card, precision {precision:.4f}); "
              f"a new run opens the database and builds its index in {opened:.2f} s")
    if args.profile:
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
