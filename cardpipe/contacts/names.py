"""People's names for dedupe: folding, OCR-tolerant forms, given/family parts compared (nicknames, initials, accents) and the blocking keys."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from ..models import ContactRecord
from .nicknames import KNOWN_GIVEN, are_variants, formal_names, variants

HONORIFICS = frozenset(
    "mr mrs ms miss mx dr prof professor sir dame herr frau mme mlle sra srta dott ing dipl mag rev".split()
)


ROLE_LOCALPARTS = frozenset(
    """info contact contacts hello hi office admin sales support service team mail enquiries
    inquiries enquiry inquiry reception post marketing press media help billing accounts
    accounting hr jobs careers general booking bookings orders noreply no-reply webmaster
    events event partners partner finance invoices invoice legal privacy security it ops
    operations feedback newsletter postmaster abuse studio shop store hallo kontakt contacto
    contato ventas vendas vertrieb verkauf empfang buero bureau secretariat sekretariat
    recepcion customerservice kundenservice service-client donotreply do-not-reply""".split()
)


def is_role_email(email: str) -> bool:
    """info@, sales@, sales.uk@, info+cards@ ...: an address a team shares."""
    local = email.split("@", 1)[0].lower().split("+", 1)[0]
    return local in ROLE_LOCALPARTS or re.split(r"[._-]", local, maxsplit=1)[0] in ROLE_LOCALPARTS


NAME_SUFFIXES = frozenset(
    "jr sr ii iii iv phd md mba esq cpa pe dds msc bsc ba ma cfa pmp ceng mbe obe frcs".split()
)


NAME_PARTICLES = frozenset("van von de der den da di du la le del della dos das do ten ter st bin al".split())


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
