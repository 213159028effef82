"""Deciding whether a new card belongs to a contact we already have, and what a
contact with several cards says.

    ContactRecord -> Evidence (keys, name parts, company, city)
      -> Index.match(): candidate contacts from blocks -> rules -> Match (contact, rule, why)

No SQL here: the store builds an `Index` from its rows (`Index.build`) and keeps it
up to date; `bench/dedupe.py` runs the same index on 100,000 synthetic records.

Identity keys are the normalized forms normalization produced: the e-mail (case-folded)
and the E.164 phone. Role addresses (info@, sales@) and fax lines identify a team, not
a person, and are never keys.

Candidates come from *blocks*: a card is filed under its keys and a few name keys
(given or formal name + family name, and the same with one letter of either dropped;
the sorted pair for a swapped order; an initial's own block), so a new card is compared
with the few contacts that share one of them, and the cost grows about linearly with
the number of cards (an office number shared by many cards is a switchboard: it is not
read for candidates). Each candidate contact is judged by the rules below, strongest
first; the card goes to the candidate with the strongest rule, and the rule and the
fields that decided are recorded with the card (`Match.detail`).

    email         the same personal e-mail, and the names do not contradict
    profile       the same LinkedIn member page, or X/Instagram handle or personal
                  website that spells the name, and the names do not contradict
    mobile        the same mobile number, and the names do not contradict
    name+company  the same name (nickname, accents, order, OCR slip) and the same
                  company (legal form ignored, OCR slip) or company e-mail domain
    phone         the same office number and compatible names (an initial will do);
                  colleagues with different names behind one switchboard stay apart
    name+city     the same full name and the same city: a new job at another company;
                  only for a name rare in the user's own network (`Index.namesakes`),
                  rarer still when the two cards print different mobiles, and never
                  when two contacts of that name live in that city

The three weaker rules hold only when nothing says "another person": a different mobile,
or another personal address at the same company domain (two John Smiths at Acme). An
initial or a similar name that fits two contacts decides nothing. A card that matches
two contacts by a strong rule (its e-mail is on one, its mobile on the other) joins them
("linked"), unless the user split them apart (`Index.keep_apart`).

What a rule nearly decided becomes a *possible duplicate* (`Suggestion`, in
`Placement.suggestions`), for the user to merge or dismiss: the same name and city
refused for a name too common there (up to SUGGEST_NAMESAKES namesakes expected), for
two contacts of that name in that city, or for names an OCR slip apart; the same full
name and company or domain refused for another mobile or address; an initial that fits
two contacts; a contact of the same name and city as the one the card joined. They come
from the candidates judged anyway, so they cost next to nothing, and change no decision.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA, Indel

from ..models import Address, ContactRecord, Phone
from .nicknames import KNOWN_GIVEN, are_variants, formal_names, variants

# --------------------------------------------------------------------------
# Keys that do not identify a person
# --------------------------------------------------------------------------

# Role addresses are shared by a team: never evidence that two cards are one person.
ROLE_LOCALPARTS = frozenset(
    """info contact contacts hello hi office admin sales support service team mail enquiries
    inquiries enquiry inquiry reception post marketing press media help billing accounts
    accounting hr jobs careers general booking bookings orders noreply no-reply webmaster
    events event partners partner finance invoices invoice legal privacy security it ops
    operations feedback newsletter postmaster abuse studio shop store hallo kontakt contacto
    contato ventas vendas vertrieb verkauf empfang buero bureau secretariat sekretariat
    recepcion customerservice kundenservice service-client donotreply do-not-reply""".split()
)

# Free mail: an address there is personal, but the domain says nothing about the company.
FREE_MAIL_DOMAINS = frozenset(
    """gmail.com googlemail.com outlook.com hotmail.com hotmail.co.uk hotmail.de hotmail.fr
    hotmail.it hotmail.es live.com live.co.uk live.de live.fr live.nl msn.com yahoo.com
    yahoo.co.uk yahoo.de yahoo.fr yahoo.es yahoo.it yahoo.com.br ymail.com rocketmail.com
    icloud.com me.com mac.com aol.com aol.de gmx.de gmx.net gmx.com gmx.at gmx.ch web.de
    t-online.de freenet.de posteo.de mailbox.org orange.fr wanadoo.fr free.fr laposte.net
    sfr.fr libero.it virgilio.it tiscali.it alice.it proton.me protonmail.com pm.me
    tutanota.com zoho.com mail.com fastmail.com hey.com yandex.com yandex.ru btinternet.com
    sky.com virginmedia.com comcast.net verizon.net att.net sbcglobal.net ziggo.nl kpnmail.nl
    planet.nl telefonica.net movistar.es terra.com.br uol.com.br bol.com.br sapo.pt
    bluewin.ch""".split()
)

# Company legal forms and filler words, dropped before comparing company names.
LEGAL_FORMS = frozenset(
    """inc incorporated llc llp lp ltd limited plc corp corporation co company gmbh ag kg ohg ug
    mbh ev sa sas sasu sarl sl slu sau srl spa snc bv nv vof pty pte oy ab as asa aps kft sro se
    lda ltda cia the and und et y e""".split()
)
# Words too common in company names to make two names one company on their own.
GENERIC_COMPANY_WORDS = frozenset(
    """group holding holdings international global solutions services service systems
    technologies technology tech consulting consultants partners associates enterprises
    industries capital management marketing media digital design studio labs lab network
    networks software data works agency trading""".split()
)

HONORIFICS = frozenset(
    "mr mrs ms miss mx dr prof professor sir dame herr frau mme mlle sra srta dott ing dipl mag rev".split()
)
NAME_SUFFIXES = frozenset(
    "jr sr ii iii iv phd md mba esq cpa pe dds msc bsc ba ma cfa pmp ceng mbe obe frcs".split()
)
NAME_PARTICLES = frozenset("van von de der den da di du la le del della dos das do ten ter st bin al".split())


def is_role_email(email: str) -> bool:
    """info@, sales@, sales.uk@, info+cards@ ...: an address a team shares."""
    local = email.split("@", 1)[0].lower().split("+", 1)[0]
    return local in ROLE_LOCALPARTS or re.split(r"[._-]", local, maxsplit=1)[0] in ROLE_LOCALPARTS


# --------------------------------------------------------------------------
# Folding: the forms values are compared in
# --------------------------------------------------------------------------

_SPECIAL = str.maketrans(
    {"ß": "ss", "ø": "o", "Ø": "o", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ł": "l",
     "Ł": "l", "đ": "d", "Đ": "d", "ð": "d", "þ": "th", "ı": "i", "&": " and "}
)


@lru_cache(maxsize=262144)
def fold(text: str) -> str:
    """Lower case, accents off, apostrophes and hyphens joined, other punctuation a space:
    "José O'Brien-Smith" -> "jose obriensmith"."""
    t = unicodedata.normalize("NFKD", text.translate(_SPECIAL))
    t = "".join(c for c in t if not unicodedata.combining(c)).casefold()
    t = re.sub(r"['’`´\-‐]", "", t)
    return " ".join(re.sub(r"[\W_]+", " ", t).split())


_OCR_TABLE = str.maketrans({"0": "o", "1": "l", "i": "l", "|": "l", "!": "l", "5": "s", "8": "b"})


_OCR_PAIRS = (("rn", "m"), ("rl", "n"), ("cl", "d"), ("vv", "w"))


@lru_cache(maxsize=262144)
def ocr_fold(token: str) -> str:
    """Collapse the glyphs OCR confuses (0/o, 1/l/i, 5/s, then rn/m, ri/n, cl/d, vv/w until
    none is left) so that a misread and the printed word fold to the same string."""
    t = token.translate(_OCR_TABLE)
    while True:
        before = t
        for a, b in _OCR_PAIRS:
            t = t.replace(a, b)
        if t == before:
            return t


# --------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------

SAME, CLOSE, COMPATIBLE, UNKNOWN, CONFLICT = 3, 2, 1, 0, -1


@dataclass(frozen=True, eq=False)  # compared by identity: parse_name() hands out one object per text
class PersonName:
    """A name in compared form. `given` is one letter when the card prints an initial."""

    text: str  # as printed, for the reasons shown to the user
    given: str | None
    family: str | None
    forenames: str = ""  # every token before the family name, joined ("maryann")
    joined: str = ""  # every token joined, for names spaced differently
    doubtful: bool = False  # normalization flagged the name for review

    @property
    def initial_only(self) -> bool:
        return self.given is not None and len(self.given) == 1


@lru_cache(maxsize=131072)
def parse_name(text: str, doubtful: bool = False) -> PersonName | None:
    """'Dr. José van der Berg, PhD' -> given 'jose', family 'vanderberg'; 'Berg, Anna' -> anna berg."""
    left, comma, right = text.partition(",")
    if comma:
        right_tokens = fold(right).split()
        if all(t in NAME_SUFFIXES or t in HONORIFICS for t in right_tokens):
            text = left
        elif len(fold(left).split()) == 1:  # "Family, Given"
            text = f"{right} {left}"
        else:
            text = f"{left} {right}"
    tokens = fold(text).split()
    while len(tokens) > 1 and tokens[0] in HONORIFICS:
        tokens.pop(0)
    while len(tokens) > 2 and tokens[-1] in NAME_SUFFIXES:
        tokens.pop()
    if not tokens:
        return None
    joined = "".join(tokens)
    if len(tokens) == 1:
        return PersonName(text.strip(), None, tokens[0], "", joined, doubtful)
    i = len(tokens) - 1
    while i - 1 >= 1 and tokens[i - 1] in NAME_PARTICLES:
        i -= 1
    return PersonName(text.strip(), tokens[0], "".join(tokens[i:]), "".join(tokens[:i]), joined, doubtful)


def record_name(record: ContactRecord) -> PersonName | None:
    """The card's name; when OCR found none, the one a jane.doe@ address spells (doubtful)."""
    text = record.name or " ".join(x for x in (record.given_name, record.family_name) if x)
    if text.strip():
        return parse_name(text, "name" in record.review)
    for email in record.emails:
        local = email.split("@", 1)[0]
        parts = re.split(r"[._-]", local)
        if not is_role_email(email) and 1 <= len(parts) <= 2 and all(p.isalpha() and len(p) > 1 for p in parts):
            return parse_name(" ".join(parts), True)
    return None


def _given_rel(x: str, y: str) -> str | None:
    if x == y:
        return "same given name"
    if len(x) == 1 or len(y) == 1:
        return "initial" if x[0] == y[0] else None
    if are_variants(x, y):
        return "nickname"
    fx, fy = ocr_fold(x), ocr_fold(y)
    if fx == fy:
        return "OCR glyphs"
    if x in KNOWN_GIVEN and y in KNOWN_GIVEN:
        return None  # two real names (Jon, Joan): two people
    if min(len(fx), len(fy)) >= 4 and OSA.distance(fx, fy, score_cutoff=1) <= 1:
        return "OCR slip"
    # a nickname misread: "Pbil" for Phil, printed for Philipp
    known, slipped = (y, fx) if y in KNOWN_GIVEN else (x, fy)
    if len(slipped) >= 5 and any(OSA.distance(slipped, ocr_fold(v), score_cutoff=1) <= 1 for v in variants(known)):
        return "nickname, OCR slip"
    return None


def _family_rel(x: str, y: str) -> str | None:
    if x == y:
        return "same family name"
    fx, fy = ocr_fold(x), ocr_fold(y)
    if fx == fy:
        return "OCR glyphs"  # rn/m, cl/d...: a misread, not another family
    n = min(len(fx), len(fy))
    limit = 2 if n >= 9 else 1 if n >= 5 else 0
    if limit and OSA.distance(fx, fy, score_cutoff=limit) <= limit:
        return "OCR slip"
    if n >= 5 and fuzz.ratio(fx, fy, score_cutoff=80):
        return "similar"  # two slips ("Jansseri" / "Janssen"), or two families
    return None


def _orient(ag: str | None, af: str | None, bg: str | None, bf: str | None) -> tuple[int, str]:
    fam = _family_rel(af, bf) if af and bf else None
    if ag is None or bg is None:
        if fam == "same family name":
            return COMPATIBLE, "same family name, no given name"
        return UNKNOWN, ""
    giv = _given_rel(ag, bg)
    if giv is None:
        if fam is not None:  # a misread or a relative: not two people for sure
            return UNKNOWN, "same family name, different given names"
        return CONFLICT, "different names"
    if fam is None:
        return UNKNOWN, "different family names"
    if giv == "initial":
        if fam in ("same family name", "OCR glyphs"):
            return COMPATIBLE, "initial"
        return UNKNOWN, "initial, family name differs"
    exactish = ("same given name", "nickname", "same family name", "OCR glyphs")
    if fam == "similar":
        return (COMPATIBLE, "similar family name") if giv in exactish else (UNKNOWN, "similar names")
    if giv in exactish and fam in exactish:
        if "OCR glyphs" in (giv, fam):
            return SAME, "same name, OCR slip"
        return SAME, "nickname" if giv == "nickname" else "same name"
    if giv in ("OCR slip", "nickname, OCR slip") and fam == "OCR glyphs":
        return CLOSE, "OCR slips"
    if giv in ("OCR slip", "nickname, OCR slip") and fam == "OCR slip":
        return UNKNOWN, "two OCR slips"
    return CLOSE, "nickname, OCR slip" if giv.startswith("nickname") else "OCR slip"


def compare_names(a: PersonName, b: PersonName) -> tuple[int, str]:
    """How two names relate: (level, how). Levels: SAME (3: equal after folding accents,
    case, order, nicknames and OCR glyph confusions), CLOSE (2: an OCR slip), COMPATIBLE
    (1: an initial, a missing given name, a similar family name), UNKNOWN (0), CONFLICT
    (-1: different given and family names, so two people)."""
    if a.joined == b.joined:
        return SAME, "same name"
    if a.forenames and a.forenames == b.forenames and a.family == b.family:
        return SAME, "same name"
    level, how = _orient(a.given, a.family, b.given, b.family)
    if level < SAME and a.given and b.given:
        swapped, how2 = _orient(a.given, a.family, b.family, b.given)
        if swapped > level:
            level, how = swapped, f"{how2}, order swapped"
    if level == CONFLICT and (a.doubtful or b.doubtful):
        return UNKNOWN, "different names, one doubtful"
    return level, how


def _deletions(word: str) -> Iterator[str]:
    for i in range(len(word)):
        yield word[:i] + word[i + 1 :]


def name_keys(name: PersonName) -> tuple[set[str], set[str]]:
    """Block keys of a name: (keys it is filed under, keys it looks up). Any two names that
    compare_names() calls SAME or CLOSE, or an initial and a full given name, meet in a
    block (bar an OCR slip in the first letter of the family name and one of the given)."""
    if name.given is None or name.family is None:
        return set(), set()
    g, f = ocr_fold(name.given), ocr_fold(name.family)
    if len(g) == 1:  # an initial: filed apart, so that full names do not fill its block
        return {f"ii:{g}:{f}"}, {f"i:{g}:{f}", f"ii:{g}:{f}"}
    families = {f, *_deletions(f)} if len(f) >= 5 else {f}
    givens = {g, ocr_fold(name.forenames)} | {ocr_fold(n) for n in formal_names(name.given)}
    keys = {f"n:{x}:{y}" for x in givens for y in families}
    keys.update(f"g:{f}:{v}" for v in (g, *_deletions(g)))  # a given name a letter longer or shorter
    keys.add("s:" + ":".join(sorted((g, f))))  # the same name printed family-first
    return keys | {f"i:{g[0]}:{f}"}, keys | {f"ii:{g[0]}:{f}"}


# --------------------------------------------------------------------------
# Companies, domains, cities
# --------------------------------------------------------------------------


@lru_cache(maxsize=131072)
def company_key(text: str) -> str:
    """'ACME Labs GmbH & Co. KG' -> 'acme labs'."""
    tokens = fold(text).split()
    kept = [t for t in tokens if t not in LEGAL_FORMS]
    return " ".join(kept or tokens)


@lru_cache(maxsize=262144)
def same_company(a: str, b: str) -> bool:
    """Two company keys name one company: equal, spaced differently, an OCR slip, or one
    is the other plus words ('acme' / 'acme labs') sharing a distinctive word."""
    if a == b or a.replace(" ", "") == b.replace(" ", ""):
        return True
    if min(len(a), len(b)) >= 6 and fuzz.ratio(ocr_fold(a), ocr_fold(b)) >= 90:
        return True
    ta, tb = set(a.split()), set(b.split())
    small, big = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
    return small <= big and bool(small - GENERIC_COMPANY_WORDS)


_SECOND_LEVEL = frozenset("co com org net ac gov edu ne or gob nom".split())


def registered_domain(host: str) -> str:
    """'mail.acme.co.uk' -> 'acme.co.uk' (a heuristic good enough to compare two hosts)."""
    parts = host.lower().strip(".").split(".")
    if len(parts) >= 3 and parts[-2] in _SECOND_LEVEL and len(parts[-1]) == 2:
        return ".".join(parts[-3:])
    return ".".join(parts[-2:])


def _website_host(url: str) -> str:
    host = re.sub(r"^[a-z]+://", "", url.strip().lower()).split("/", 1)[0].split(":", 1)[0]
    return host.removeprefix("www.")


# --------------------------------------------------------------------------
# Evidence: what one card says about who it is
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    name: PersonName | None
    emails: frozenset[str] = frozenset()  # personal addresses (no role ones), lower case
    mobiles: frozenset[str] = frozenset()
    phones: frozenset[str] = frozenset()  # every number but fax lines, mobiles included
    company: str | None = None  # company_key()
    company_text: str | None = None
    domains: frozenset[str] = frozenset()  # company domains from e-mails and website (no free mail)
    city: str | None = None  # folded
    city_text: str | None = None
    profiles: frozenset[str] = frozenset()  # personal profiles: "linkedin:jane-doe-1a2b"
    keys: tuple[str, ...] = ()  # the blocks it is filed under
    probes: tuple[str, ...] = ()  # the blocks it looks candidates up in


def spells_name(text: str, name: PersonName | None, *, initial: bool = True) -> bool:
    """A handle or a domain label that spells the person's name: the family name (3 letters
    or more) and the given name ("janedoe", "doe_jane"); when `initial`, also its initial
    ("jdoe"), and for a card that prints only an initial, any given name of that initial.
    "doe", "doe-plumbing" or "acmelabs" names a family or a company, not a person."""
    if name is None or not name.family or not name.given or len(name.family) < 3:
        return False
    letters = re.sub(r"[^a-z]", "", fold(text))
    g, f = name.given, name.family
    if len(g) == 1:  # the card prints an initial: any given name of that initial
        rest = letters.removesuffix(f) if letters.endswith(f) else letters.removeprefix(f)
        return initial and rest != letters and rest[:1] == g
    return letters in (g + f, f + g) or (initial and letters == g[0] + f)


def personal_profiles(record: ContactRecord, name: PersonName | None = None) -> frozenset[str]:
    """Identities of one person, whatever their job: LinkedIn member pages
    (linkedin.com/in/<slug>); X/Twitter and Instagram handles that spell the card's name
    ("@janedoe", "jdoe"); a website whose domain spells the full name ("janedoe.com").
    Company pages, and handles or sites named otherwise (often the company's), are not used."""
    out = set()
    for network, value in record.social:
        path = re.sub(r"^[a-z]+://", "", value.strip().lower()).split("?", 1)[0].rstrip("/")
        if network == "linkedin" and "/in/" in path:
            slug = path.rpartition("/in/")[2].split("/", 1)[0]
            if slug:
                out.add(f"linkedin:{slug}")
        elif network in ("twitter", "instagram"):
            handle = path.rpartition("/")[2].lstrip("@")
            if spells_name(handle, name):
                out.add(f"{network}:{handle}")
    if record.website:
        domain = registered_domain(_website_host(record.website))
        if domain not in FREE_MAIL_DOMAINS and spells_name(domain.split(".", 1)[0], name, initial=False):
            out.add(f"website:{domain}")
    return frozenset(out)


def profile_text(key: str) -> str:
    """'linkedin:jane-doe-1a2b' -> 'LinkedIn profile jane-doe-1a2b', for the reasons shown."""
    network, _, value = key.partition(":")
    label = {"linkedin": "LinkedIn profile", "twitter": "X/Twitter handle", "instagram": "Instagram handle",
             "website": "personal website"}.get(network, network)
    return f"{label} {value}"


def evidence(record: ContactRecord) -> Evidence:
    """The normalized facts of one card that matching uses."""
    name = record_name(record)
    all_emails = [e.lower() for e in record.emails]
    emails = frozenset(e for e in all_emails if "@" in e and not is_role_email(e))
    phones = frozenset(p.e164 for p in record.phones if p.type != "fax")
    mobiles = frozenset(p.e164 for p in record.phones if p.type == "mobile")
    domains = {registered_domain(e.rsplit("@", 1)[1]) for e in all_emails if "@" in e}
    if record.website:
        domains.add(registered_domain(_website_host(record.website)))
    domains -= FREE_MAIL_DOMAINS
    company = company_key(record.company) if record.company and fold(record.company) else None
    city_text = record.address.city if record.address and record.address.city else None
    city = fold(city_text) if city_text else None
    profiles = personal_profiles(record, name)
    ids = {f"e:{e}" for e in emails} | {f"t:{p}" for p in phones} | {f"p:{p}" for p in profiles}
    # an office number is looked up only while few cards share it: behind a switchboard,
    # the names decide, and those meet in the name blocks
    asks = {f"e:{e}" for e in emails} | {f"t:{p}" if p in mobiles else f"T:{p}" for p in phones}
    asks |= {f"p:{p}" for p in profiles}
    filed, probes = name_keys(name) if name is not None else (set(), set())
    return Evidence(
        name, emails, mobiles, phones, company, record.company if company else None,
        frozenset(d for d in domains if d), city or None, city_text if city else None,
        profiles, tuple(ids | filed), tuple(asks | probes),
    )


# --------------------------------------------------------------------------
# Matching
# --------------------------------------------------------------------------

RULES = ("email", "profile", "mobile", "name+company", "phone", "name+city")
_RANK = {r: len(RULES) - i for i, r in enumerate(RULES)}
# Rules strong enough to join two contacts a card matches both of.
LINK_RULES = frozenset({"email", "profile", "mobile", "name+company", "phone"})
# A block this big is a shared key or a very common name: it is not read for candidates
# (a switchboard: names decide; the cards sharing a real name share a name block too).
BLOCK_LIMIT = 400
OFFICE_BLOCK_LIMIT = 12  # cards behind one office number before it counts as a switchboard
# name+city: the most namesakes (people with the same given and family name in the same
# city, estimated from the network's own name and city counts) the rule tolerates
# (bench/dedupe.py: 0.02 keeps precision >= 0.99 up to 100,000 cards; see the README)
RARE_NAME = 0.02
# ... divided by four when both cards print a mobile and no two are alike: people who change
# jobs often print a company mobile, so another number makes "another person" only a few
# times likelier (on bench/dedupe.py's same-name, same-city candidates, another mobile is
# about half as frequent for the same person as for a namesake; a tenth, 0.002, cost
# 0.003 to 0.006 of recall to gain 0.0001 to 0.002 of precision)
RARE_NAME_OTHER_MOBILE = RARE_NAME / 4
# Before a network has its own counts: the share of people with a typical given name,
# family name and city (the sums of squared shares in census data are about 0.006 for
# given names and 0.0005 for family names; a network clusters in a few cities), weighed
# as PRIOR_CARDS cards.
PRIOR_SHARE = (0.01, 0.001, 0.05)
PRIOR_CARDS = 200
# Possible duplicates (`Suggestion`): a near miss of name+city is suggested only while the
# namesakes expected are below this (beyond it, the same name in the city is mostly
# chance), and a card that nearly matches more than SUGGEST_LIMIT contacts suggests none.
SUGGEST_NAMESAKES = 1.0
SUGGEST_LIMIT = 3


@dataclass(frozen=True)
class Match:
    contact_id: int
    rule: str  # one of RULES, or "linked"
    detail: str  # the fields that decided, for `cardpipe contacts show`
    level: int = UNKNOWN  # how the names compared
    also: tuple[Match, ...] = ()  # other contacts the card matches by a LINK_RULES rule

    @property
    def reason(self) -> str:
        return f"{self.rule}: {self.detail}"


@dataclass(frozen=True)
class Suggestion:
    """A contact a card may belong to but was not joined to ("possible duplicate"): the
    rule that nearly held, and a sentence saying which fields agree and why it was not
    merged automatically."""

    contact_id: int
    rule: str
    reason: str


@dataclass
class _Profile:
    """The union of the evidence of a contact's cards."""

    names: dict[PersonName, None] = field(default_factory=dict)  # ordered set
    emails: set[str] = field(default_factory=set)
    profiles: set[str] = field(default_factory=set)
    mobiles: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    companies: dict[str, str] = field(default_factory=dict)  # key -> as printed
    domains: set[str] = field(default_factory=set)
    cities: dict[str, str] = field(default_factory=dict)

    def add(self, ev: Evidence) -> None:
        if ev.name is not None:
            self.names[ev.name] = None
        self.emails |= ev.emails
        self.profiles |= ev.profiles
        self.mobiles |= ev.mobiles
        self.phones |= ev.phones
        if ev.company:
            self.companies.setdefault(ev.company, ev.company_text or ev.company)
        self.domains |= ev.domains
        if ev.city:
            self.cities.setdefault(ev.city, ev.city_text or ev.city)


def _best_name(name: PersonName | None, names: Iterable[PersonName]) -> tuple[int, str, PersonName | None]:
    best: tuple[int, str, PersonName | None] = (UNKNOWN, "", None)
    if name is None:
        return best
    first = True
    for other in names:
        level, how = compare_names(name, other)
        if first or level > best[0]:
            best, first = (level, how, other), False
    return best


def _name_part(name: PersonName | None, level: int, how: str, other: PersonName | None) -> str:
    if name is None or other is None:
        return "no name to compare"
    if name.text == other.text:
        return f"name {name.text!r}"
    return f"name {name.text!r} ~ {other.text!r} ({how})"


def judge(
    ev: Evidence,
    contact_id: int,
    prof: _Profile,
    namesakes: Callable[[Evidence, PersonName, int], float] | None = None,
    near: list[Suggestion] | None = None,
) -> Match | None:
    """The strongest rule by which a card's evidence matches a contact's, or None.
    `namesakes(ev, name, contact_id)` estimates how many other people with this name (or
    the contact's, when commoner) live in its city (see `Index.namesakes`); without it,
    name+city is not used. When no rule holds but one nearly did (the same full name and
    company, refused for another mobile or address; the same name and city, refused for
    a name too common there), a `Suggestion` is added to `near`."""
    level, how, other = _best_name(ev.name, prof.names)
    named = _name_part(ev.name, level, how, other)
    if level >= UNKNOWN:
        shared = sorted(ev.emails & prof.emails)
        if shared:
            return Match(contact_id, "email", f"same e-mail {shared[0]}; {named}", level)
        profiles = sorted(ev.profiles & prof.profiles)
        if profiles:
            return Match(contact_id, "profile", f"same {profile_text(profiles[0])}; {named}", level)
        mobiles = sorted(p for p in ev.phones & prof.phones if p in ev.mobiles or p in prof.mobiles)
        if mobiles:
            return Match(contact_id, "mobile", f"same mobile {mobiles[0]}; {named}", level)
    if level < COMPATIBLE:
        return None
    # the weaker rules below hold only when nothing says "another person" (a different
    # mobile, another address at the same company domain); name+city tolerates a new mobile
    against = contradiction(ev, prof)
    given_both = ev.name is not None and other is not None and ev.name.given is not None and other.given is not None
    # an initial or a similar family name needs the company, and no rival (see Index.match)
    if (level >= CLOSE or given_both) and not against:
        if ev.company:
            for key, text in prof.companies.items():
                if same_company(ev.company, key):
                    said = repr(text) if text == ev.company_text else f"{ev.company_text!r} ~ {text!r}"
                    return Match(contact_id, "name+company", f"{named}; company {said}", level)
        domains = sorted(ev.domains & prof.domains)
        if domains:
            return Match(contact_id, "name+company", f"{named}; company domain {domains[0]}", level)
    phones = sorted(ev.phones & prof.phones)
    if phones and not against:
        return Match(contact_id, "phone", f"same office phone {phones[0]}; {named}", level)
    missed: Suggestion | None = None
    if near is not None and against and level >= SAME and _full(ev.name) and _full(other):
        company = _shared_company(ev, prof)
        if company:  # two John Smiths at Acme, or one with a new mobile or address
            missed = Suggestion(
                contact_id, "name+company",
                f"{named}; {company}; not merged automatically: the cards print {' and '.join(against)}",
            )
    if (
        (level >= SAME or (level == CLOSE and _same_family(ev.name, other)))
        and ev.city and namesakes and ev.name and not ev.name.initial_only and other and not other.initial_only
    ):
        if ev.company and any(same_company(ev.company, key) for key in prof.companies):
            return _missed(near, missed)  # the same company, and name+company did not hold: two people
        city = next((text for key, text in prof.cities.items() if same_city(ev.city, key)), None)
        # a new job in the same city: only for a name rare enough there, rarer still
        # when the card prints another mobile than the contact's
        other_mobile = against == ("different mobile numbers",)
        if city and (not against or other_mobile):
            expected = namesakes(ev, other, contact_id)
            if expected <= (RARE_NAME_OTHER_MOBILE if other_mobile else RARE_NAME):
                return Match(contact_id, "name+city", f"{named}; city {city!r} (new job?)", level)
            if near is not None and expected <= SUGGEST_NAMESAKES:
                why = "the name is too common there to tell a new job from a namesake"
                if other_mobile:
                    why = "the cards print different mobile numbers, and " + why.removeprefix("the ")
                missed = Suggestion(contact_id, "name+city", f"{named}; city {city!r}; not merged automatically: {why}")
    elif (
        near is not None and level == CLOSE and ev.city and _full(ev.name) and _full(other)
        and against in ((), ("different mobile numbers",))
        and not (ev.company and any(same_company(ev.company, key) for key in prof.companies))
    ):  # an OCR slip in a name, or two names a letter apart, in one city
        city = next((text for key, text in prof.cities.items() if same_city(ev.city, key)), None)
        if city:
            missed = Suggestion(
                contact_id, "name+city", f"{named}; city {city!r}; not merged automatically: the names differ by "
                "more than a misread, and the same name and city is too little to tell a slip from two people",
            )
    return _missed(near, missed)


def _missed(near: list[Suggestion] | None, missed: Suggestion | None) -> None:
    if near is not None and missed is not None:
        near.append(missed)
    return None


def _full(name: PersonName | None) -> bool:
    """A given name (not an initial) and a family name."""
    return name is not None and name.family is not None and name.given is not None and not name.initial_only


def _shared_company(ev: Evidence, prof: _Profile) -> str | None:
    """'company 'Acme'' or 'company domain acme.com' when the card and the contact share it."""
    if ev.company:
        for key, text in prof.companies.items():
            if same_company(ev.company, key):
                return f"company {text!r}" if text == ev.company_text else f"company {ev.company_text!r} ~ {text!r}"
    domains = sorted(ev.domains & prof.domains)
    return f"company domain {domains[0]}" if domains else None


@lru_cache(maxsize=65536)
def same_city(a: str, b: str) -> bool:
    """Two folded city names are one city, allowing an OCR slip in a long one, and a
    letter dropped or doubled in a short one ("Lyo", "RRoma"; a letter read as another
    one in a short name may be another city: Bonn / Born)."""
    if a == b or ocr_fold(a) == ocr_fold(b):
        return True
    if min(len(a), len(b)) >= 5:
        return OSA.distance(a, b, score_cutoff=1) <= 1
    return min(len(a), len(b)) >= 3 and abs(len(a) - len(b)) == 1 and Indel.distance(a, b, score_cutoff=1) <= 1


# Letters OCR reads one for another (beyond the glyphs ocr_fold() collapses).
_CONFUSABLE = frozenset({("e", "c"), ("h", "b"), ("u", "v"), ("a", "o"), ("t", "f"), ("n", "h")})


def misread(a: str, b: str) -> bool:
    """Two spellings one OCR misread apart: one confusable letter (e/c, h/b, u/v, a/o, t/f)
    or a doubled letter. Miller / Muller and Meyer / Meier are two families, not a misread."""
    a, b = ocr_fold(a), ocr_fold(b)
    if a == b:
        return True
    if len(a) == len(b):
        diff = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
        return len(diff) == 1 and (diff[0] in _CONFUSABLE or diff[0][::-1] in _CONFUSABLE)
    short, long = sorted((a, b), key=len)
    if len(long) != len(short) + 1:
        return False
    i = next((k for k in range(len(short)) if short[k] != long[k]), len(short))
    return long[:i] + long[i + 1 :] == short and (long[i] == long[i - 1:i] or long[i] == long[i + 1:i + 2])


def _same_family(a: PersonName | None, b: PersonName | None) -> bool:
    """The family names are one, or one OCR misread apart (see `misread`)."""
    if a is None or b is None or not a.family or not b.family:
        return False
    return misread(a.family, b.family) or (b.given is not None and misread(a.family, b.given))


def _near_number(a: str, b: str) -> bool:
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) <= 1


def contradiction(ev: Evidence, prof: _Profile) -> tuple[str, ...]:
    """Evidence that a card is another person than a contact with a similar name: both
    print a mobile and no two are alike, or both print a personal address at one company
    domain and no two are alike (allowing one OCR slip)."""
    found = []
    if ev.mobiles and prof.mobiles and not any(_near_number(a, b) for a in ev.mobiles for b in prof.mobiles):
        found.append("different mobile numbers")
    for email in ev.emails:
        local, _, domain = email.rpartition("@")
        if domain in FREE_MAIL_DOMAINS:
            continue
        theirs = [e.rpartition("@")[0] for e in prof.emails if e.endswith("@" + domain)]
        if theirs and not any(
            ocr_fold(local) == ocr_fold(t) or OSA.distance(local, t, score_cutoff=1) <= 1 for t in theirs
        ):
            found.append(f"different e-mail addresses at {domain}")
            break
    return tuple(found)


def _count_keys(name: PersonName, city: str) -> tuple[str, str, str]:
    given = name.given or ""
    if len(given) > 1:
        given = min(formal_names(given), default=given)
    return f"g:{ocr_fold(given)}", f"f:{ocr_fold(name.family or '')}", f"c:{ocr_fold(city)}"


def _plain(detail: str) -> str:
    return detail.removesuffix(" (new job?)")


def _suggest_all(near: list[Suggestion] | None, found: list[Match], why: str) -> None:
    if near is not None:
        near.extend(Suggestion(m.contact_id, m.rule, f"{_plain(m.detail)}; not merged automatically: {why}") for m in found)


def _strength(m: Match) -> tuple[int, int, int]:
    return (_RANK[m.rule], m.level, -m.contact_id)


@dataclass(frozen=True)
class Placement:
    """Where a new card goes (`Index.plan`): its contact (None: a new one), the match
    that decided (None: no match), the contacts the card joins into it, each with
    the match that linked it, and the contacts it nearly matched, for the user to
    confirm or dismiss (none that the user kept apart from the card's contact)."""

    contact_id: int | None
    match: Match | None
    joined: tuple[Match, ...] = ()
    suggestions: tuple[Suggestion, ...] = ()  # other contacts the card nearly matched


class Index:
    """Cards and contacts in memory, with the blocks and the user's apart-decisions.

    Build it from the store's rows (`Index.build`); for each new card, `plan()` says
    where it goes (changing nothing) and `apply()` files it once the caller has its id.
    """

    def __init__(self, *, block_limit: int = BLOCK_LIMIT) -> None:
        self.block_limit = block_limit
        self._evidence: dict[int, Evidence] = {}
        self._contact: dict[int, int] = {}  # card -> contact
        self._members: dict[int, list[int]] = {}  # contact -> cards
        self._blocks: dict[str, list[int]] = {}  # key -> cards
        self._profiles: dict[int, _Profile] = {}
        self._apart: dict[int, set[int]] = {}  # card -> cards it must not share a contact with
        self._counts: Counter[str] = Counter()  # cards by given name, family name and city
        self._counted = 0  # cards with a name and a city, in _counts

    @classmethod
    def build(
        cls,
        cards: Iterable[tuple[int, int, ContactRecord | Evidence]],
        apart: Iterable[tuple[int, int]] = (),
        **kw: int,
    ) -> Index:
        """An index of (card id, contact id, record) rows and (card, card) pairs kept apart."""
        index = cls(**kw)
        for card_id, contact_id, rec in cards:
            index.add(card_id, contact_id, rec)
        for a, b in apart:
            index.keep_apart(a, b)
        return index

    # ---- reading ----

    def __len__(self) -> int:
        return len(self._contact)

    def contact_of(self, card_id: int) -> int:
        return self._contact[card_id]

    def cards_of(self, contact_id: int) -> list[int]:
        return list(self._members.get(contact_id, ()))

    def contacts(self) -> dict[int, list[int]]:
        return {c: list(m) for c, m in self._members.items() if m}

    def _profile(self, contact_id: int) -> _Profile:
        prof = self._profiles.get(contact_id)
        if prof is None:
            prof = _Profile()
            for card in self._members.get(contact_id, ()):
                prof.add(self._evidence[card])
            self._profiles[contact_id] = prof
        return prof

    def candidates(self, ev: Evidence) -> set[int]:
        """The contacts that share a block with this evidence."""
        out: set[int] = set()
        contact = self._contact
        for key in ev.probes:
            limit = self.block_limit
            if key.startswith("T:"):
                key, limit = "t:" + key[2:], OFFICE_BLOCK_LIMIT
            cards = self._blocks.get(key)
            if cards and len(cards) <= limit:
                out.update(contact[c] for c in cards)
        return out

    def matches(self, record: ContactRecord | Evidence, near: list[Suggestion] | None = None) -> list[Match]:
        """Every contact the card matches, strongest first (and in `near`, the near misses)."""
        ev = record if isinstance(record, Evidence) else evidence(record)
        found = [
            m for cid in self.candidates(ev) if (m := judge(ev, cid, self._profile(cid), self.namesakes, near))
        ]
        return sorted(found, key=_strength, reverse=True)

    def namesakes(self, ev: Evidence, other: PersonName | None = None, contact_id: int | None = None) -> float:
        """How many people besides contact `contact_id` one expects by chance with this
        card's given and family name in its city: contacts x p(given) x p(family) x p(city),
        the shares counted over the cards filed (without the contact's own) and smoothed
        towards PRIOR_SHARE, so that a young network does not take every name for rare;
        each the larger of the card's spelling and `other`'s (Miller / Muller: both common)."""
        if ev.name is None or ev.city is None:
            return float("inf")
        own: Counter[str] = Counter()
        for card in self._members.get(contact_id, ()) if contact_id is not None else ():
            e = self._evidence[card]
            if e.name is not None and e.city is not None:
                own.update(_count_keys(e.name, e.city))
        c = self._counts
        n = self._counted - sum(own.values()) // 3 + PRIOR_CARDS
        names = [ev.name] if other is None else [ev.name, other]
        keys = [_count_keys(name, ev.city) for name in names]

        def share(kind: int, key: str) -> float:  # smoothed towards the prior share
            return (c[key] - own[key] + PRIOR_CARDS * PRIOR_SHARE[kind]) / n

        given = max(share(0, k[0]) for k in keys)
        family = max(share(1, k[1]) for k in keys)
        return max(len(self._members), 1) * given * family * share(2, keys[0][2])

    def match(self, record: ContactRecord | Evidence, near: list[Suggestion] | None = None) -> Match | None:
        """The contact this card belongs to, with the other contacts it links (`also`).
        With `near`, the contacts it nearly matches are added to it (see `plan`)."""
        found = self.matches(record, near)
        if not found:
            return None
        best = found[0]
        if best.level <= COMPATIBLE and best.rule not in ("email", "profile", "mobile") and len(found) > 1:
            # "J. Doe" at Acme, and both John and Jane Doe work there: ask nobody, guess nothing
            _suggest_all(near, found, f"the name fits {len(found)} contacts")
            return None
        if best.rule == "name+city" and any(m.rule == "name+city" for m in found[1:]):
            # two contacts of this name in this city already: namesakes, or one of them
            _suggest_all(near, found, f"{len(found)} contacts of that name live in that city")
            return None
        if best.rule not in LINK_RULES:
            return best
        also = tuple(m for m in found[1:] if m.rule in LINK_RULES and self.can_merge(best.contact_id, m.contact_id))
        if near is not None:  # a contact of the same name and city: not enough to join it too
            near.extend(
                Suggestion(m.contact_id, m.rule, _plain(m.detail) + "; not merged automatically: the card matched "
                           f"contact {best.contact_id} ({best.rule}), and the same name and city cannot join two contacts")
                for m in found[1:] if m.rule == "name+city"
            )
        return replace(best, also=also) if also else best

    def can_merge(self, a: int, b: int) -> bool:
        """False when the user kept a card of one apart from a card of the other, or
        the two contacts' names contradict each other."""
        if a == b:
            return False
        for card in self._members.get(a, ()):
            for other in self._apart.get(card, ()):
                if self._contact.get(other) == b:
                    return False
        names_b = list(self._profile(b).names)
        return all(_best_name(n, names_b)[0] >= UNKNOWN for n in self._profile(a).names) if names_b else True

    # ---- writing ----

    def add(self, card_id: int, contact_id: int, record: ContactRecord | Evidence) -> Evidence:
        """File a card under a contact (a new contact id is fine)."""
        ev = record if isinstance(record, Evidence) else evidence(record)
        self._evidence[card_id] = ev
        self._contact[card_id] = contact_id
        self._members.setdefault(contact_id, []).append(card_id)
        for key in ev.keys:
            self._blocks.setdefault(key, []).append(card_id)
        if ev.name is not None and ev.city is not None:
            self._counts.update(_count_keys(ev.name, ev.city))
            self._counted += 1
        prof = self._profiles.get(contact_id)
        if prof is not None:
            prof.add(ev)
        return ev

    def plan(self, record: ContactRecord | Evidence) -> Placement:
        """Decide where a new card goes, changing nothing: its best contact, which also
        absorbs the other contacts the card links (the oldest id survives); or a new one."""
        near: list[Suggestion] = []
        m = self.match(record, near)
        if m is None:
            return Placement(None, None, suggestions=self._suggestions(near, ()))
        into = min([m.contact_id, *(x.contact_id for x in m.also)])
        joined: list[Match] = []
        for other in sorted([m, *m.also], key=lambda x: x.contact_id):
            if other.contact_id == into:
                continue
            if self.can_merge(into, other.contact_id) and all(self.can_merge(j.contact_id, other.contact_id) for j in joined):
                joined.append(other)
        if m.contact_id != into and m not in joined:  # the best match could not be joined: go there alone
            return Placement(m.contact_id, replace(m, also=()), suggestions=self._suggestions(near, (m.contact_id,)))
        placed = (into, *(j.contact_id for j in joined))
        return Placement(into, replace(m, contact_id=into, also=()), tuple(joined), self._suggestions(near, placed))

    def _suggestions(self, near: list[Suggestion], placed: tuple[int, ...]) -> tuple[Suggestion, ...]:
        """The near misses worth showing: one per contact, none that the card's contact
        (`placed`: it and the contacts it joins; none for a new contact) cannot merge
        with, and none at all when there are more than SUGGEST_LIMIT."""
        out: dict[int, Suggestion] = {}
        for s in near:
            if s.contact_id not in out and s.contact_id not in placed and all(self.can_merge(c, s.contact_id) for c in placed):
                out[s.contact_id] = s
        return tuple(out.values()) if len(out) <= SUGGEST_LIMIT else ()

    def apply(self, card_id: int, record: ContactRecord | Evidence, contact_id: int, placement: Placement) -> Evidence:
        """File the card as planned (`contact_id`: the planned one, or the new contact's id)."""
        ev = self.add(card_id, contact_id, record)
        for other in placement.joined:
            self.merge(contact_id, other.contact_id)
        return ev

    def merge(self, into: int, other: int) -> list[int]:
        """Move every card of `other` into `into`; returns the cards moved."""
        moved = self._members.pop(other, [])
        for card in moved:
            self._contact[card] = into
        self._members.setdefault(into, []).extend(moved)
        self._profiles.pop(other, None)
        prof = self._profiles.get(into)
        if prof is not None:
            for card in moved:
                prof.add(self._evidence[card])
        return moved

    def keep_apart(self, a: int, b: int) -> None:
        """The user split cards a and b apart: no automatic join puts them together again.
        (The store rebuilds its index after a user's merge or split.)"""
        self._apart.setdefault(a, set()).add(b)
        self._apart.setdefault(b, set()).add(a)


# --------------------------------------------------------------------------
# What a contact with several cards says
# --------------------------------------------------------------------------

JOB_FIELDS = ("title", "company", "website", "address")
PERSON_FIELDS = ("name", "given_name", "family_name")


def _same_job(a: ContactRecord, b: ContactRecord) -> bool:
    if not a.company or not b.company:
        return True
    return same_company(company_key(a.company), company_key(b.company))


def _name_quality(record: ContactRecord) -> tuple[bool, bool]:
    name = record_name(record)
    return ("name" not in record.review, name is not None and not name.initial_only and name.given is not None)


def merge_records(records: Iterable[ContactRecord], edits: dict[str, str] | None = None) -> ContactRecord:
    """One view of a contact from its cards, oldest first.

    The newest card wins for the job fields (title, company, website, address), which
    older cards fill in only when they are from the same company; the name is the newest
    one that is neither flagged as doubtful nor only an initial; phones and e-mails are the union,
    newest first; the user's edits win over all.
    """
    ordered = list(records)
    if not ordered:
        return ContactRecord()
    merged = ordered[-1]
    named = [(i, r) for i, r in enumerate(ordered) if r.name]
    if named:  # the newest name that is neither doubtful nor only an initial, else the newest
        _, best = max(named, key=lambda ir: (_name_quality(ir[1]), ir[0]))
        if best is not merged:
            merged = replace(
                merged, name=best.name, given_name=best.given_name, family_name=best.family_name,
                review=tuple(f for f in merged.review if f != "name" or "name" in best.review),
            )
    for older in reversed(ordered[:-1]):
        fields = PERSON_FIELDS + (JOB_FIELDS if _same_job(merged, older) else ())
        fill = {f: getattr(older, f) for f in fields if getattr(merged, f) is None and getattr(older, f) is not None}
        if fill:
            merged = replace(merged, **fill)
    emails: list[str] = []
    phones: list[Phone] = []
    seen_e: set[str] = set()
    seen_p: set[str] = set()
    for rec in reversed(ordered):
        for e in rec.emails:
            if e.lower() not in seen_e:
                seen_e.add(e.lower())
                emails.append(e)
        for p in rec.phones:
            if p.e164 not in seen_p:
                seen_p.add(p.e164)
                phones.append(p)
    merged = replace(merged, emails=tuple(emails), phones=tuple(phones))
    return apply_edits(merged, edits or {})


def past_companies(records: Iterable[ContactRecord], current: str | None) -> tuple[str, ...]:
    """Companies of a contact's earlier cards other than the current one, oldest first,
    each once (legal forms and OCR slips ignored)."""
    seen = [company_key(current)] if current and fold(current) else []
    out: list[str] = []
    for rec in records:
        if not rec.company or not fold(rec.company):
            continue
        key = company_key(rec.company)
        if not any(same_company(key, s) for s in seen):
            seen.append(key)
            out.append(rec.company)
    return tuple(out)


EDITABLE = ("name", "given_name", "family_name", "title", "company", "website", "address", "emails", "phones")

# A phone as `cardpipe edit` stores it (corrections.py): E.164, RFC 3966 extension, type.
_EDITED_PHONE_RE = re.compile(r"(?P<e164>\+\d{4,15})(?:;ext=(?P<ext>\w+))?(?:\s+(?P<type>work|mobile|fax|other))?")


def edited_phone(text: str) -> Phone:
    """'+14155550134;ext=204 work' -> Phone; text in another form is kept as typed (type other)."""
    text = text.strip()
    m = _EDITED_PHONE_RE.fullmatch(text)
    if m is None:
        return Phone(e164=text, type="other", raw=text)
    return Phone(m["e164"], m["type"] or "work", text, m["ext"])


def edited_address(text: str) -> Address | None:
    """An address as `cardpipe edit` stores it: a JSON object of Address fields, or plain text."""
    text = text.strip()
    if text.startswith("{"):
        try:
            parts = json.loads(text)
            return Address(**{k: v for k, v in parts.items() if k in Address.__dataclass_fields__})
        except (ValueError, TypeError):
            pass
    return Address(text=text) if text else None


def apply_edits(record: ContactRecord, edits: dict[str, str]) -> ContactRecord:
    """Apply the user's corrections (field -> stored value, see corrections.py) to a record.

    An edited field leaves the review list and gets confidence 1 (an edited given or
    family name counts for the name).
    """
    changes: dict[str, object] = {}
    for name, value in edits.items():
        if name not in EDITABLE:
            continue
        value = value.strip()
        if name == "emails":
            changes[name] = tuple(v.strip() for v in value.split(",") if v.strip())
        elif name == "phones":
            changes[name] = tuple(edited_phone(v) for v in value.split(",") if v.strip())
        elif name == "address":
            changes[name] = edited_address(value)
        else:
            changes[name] = value or None
    edited = set(changes) | ({"name"} if {"given_name", "family_name"} & set(changes) else set())
    review = tuple(f for f in record.review if f not in edited)
    confidence = dict(record.confidence)
    confidence.update({f: 1.0 for f in edited if f not in PERSON_FIELDS[1:]})
    return replace(record, **changes, review=review, confidence=tuple(confidence.items()))
