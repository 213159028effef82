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
refused for a name too common there (up to SUGGEST_NAMESAKES namesakes expected, a
quarter of that when the cards print different mobiles), for two contacts of that name in
that city, or for names an OCR slip apart (those too only up to SUGGEST_NAMESAKES); the
same full name and company or domain refused for another mobile or address; an initial
that fits two contacts; a contact of the same name and city as the one the card joined;
the same full name and nothing else alike (another city and company, or no city printed),
when the name is so rare in the whole network that a move is likelier than a namesake (up
to SUGGEST_MOVE namesakes expected anywhere). They come from the candidates judged anyway,
so they cost next to nothing, and change no decision.

Why this module is long: the evidence a card gives and the rules that judge two cards
to be one person are one table, read top to bottom; names (`names.py`), the blocking
index (`blocking.py`) and merging (`merge.py`) live beside it."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA, Indel

from ..models import ContactRecord
from .names import (
    CLOSE,
    COMPATIBLE,
    SAME,
    UNKNOWN,
    PersonName,
    compare_names,
    fold,
    is_role_email,
    name_keys,
    ocr_fold,
    record_name,
)
from .nicknames import formal_names

# --------------------------------------------------------------------------
# Keys that do not identify a person
# --------------------------------------------------------------------------

# Role addresses are shared by a team (names.is_role_email): never evidence that two cards are one person.


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
SUGGEST_NAMESAKES = 0.1


# ... divided by four, as RARE_NAME is, when the cards print different mobiles (on
# bench/dedupe.py at 10,000 records, a third of the pairs between this and
# SUGGEST_NAMESAKES were one person)
SUGGEST_NAMESAKES_OTHER_MOBILE = SUGGEST_NAMESAKES * RARE_NAME_OTHER_MOBILE / RARE_NAME


SUGGEST_LIMIT = 3


# ... and the same full name with nothing else alike (another city and company, or no city
# printed) only while the namesakes expected in the whole network are below this: what
# name+city tolerates in one city for cards that print another mobile (moving says
# "another person" at least as loudly as another number). On bench/dedupe.py at 10,000
# records, 85% of such pairs below it are one person, under half of those up to RARE_NAME.
SUGGEST_MOVE = RARE_NAME_OTHER_MOBILE


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
    namesakes: Callable[..., float] | None = None,
    near: list[Suggestion] | None = None,
) -> Match | None:
    """The strongest rule by which a card's evidence matches a contact's, or None.
    `namesakes(ev, name, contact_id, anywhere=False)` estimates how many other people with
    this name (or the contact's, when commoner) live in its city, or anywhere in the network
    (see `Index.namesakes`); without it,
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
            if near is not None and expected <= (SUGGEST_NAMESAKES_OTHER_MOBILE if other_mobile else SUGGEST_NAMESAKES):
                why = "the name is too common there to tell a new job from a namesake"
                if other_mobile:
                    why = "the cards print different mobile numbers, and " + why
                missed = Suggestion(contact_id, "name+city", f"{named}; city {city!r}; not merged automatically: {why}")
    elif (
        near is not None and level == CLOSE and ev.city and _full(ev.name) and _full(other)
        and against in ((), ("different mobile numbers",))
        and not (ev.company and any(same_company(ev.company, key) for key in prof.companies))
    ):  # an OCR slip in a name, or two names a letter apart, in one city
        city = next((text for key, text in prof.cities.items() if same_city(ev.city, key)), None)
        if city and namesakes and namesakes(ev, other, contact_id) <= SUGGEST_NAMESAKES:
            missed = Suggestion(
                contact_id, "name+city", f"{named}; city {city!r}; not merged automatically: the names differ by "
                "more than a misread, and the same name and city is too little to tell a slip from two people",
            )
    if (
        missed is None and near is not None and namesakes and level >= SAME and _full(ev.name) and _full(other)
        and not against and _shared_company(ev, prof) is None
        and not (ev.city and any(same_city(ev.city, key) for key in prof.cities))
    ):  # the same rare full name and nothing else alike: moved to another city and company?
        if namesakes(ev, other, contact_id, anywhere=True) <= SUGGEST_MOVE:
            where = (f"cities {ev.city_text!r} and {', '.join(map(repr, prof.cities.values()))}"
                     if ev.city_text and prof.cities else "no city on one of them")
            missed = Suggestion(
                contact_id, "name", f"{named}; {where}; not merged automatically: nothing but the name, a rare "
                "one in your contacts, ties the cards (a move to another city and company, or a namesake)",
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
