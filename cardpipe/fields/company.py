"""The company: legal-form suffixes read right, words repaired from the card's domain, company lines that wrap onto two rows.

Evidence: legal forms (GmbH, Ltd., S.A.), company words, the e-mail and web domain, logo-sized lines."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .candidates import Candidates, Segment, TextCandidate
from .layout import neighbour_below, neighbours_above
from .lexicon import (
    COMPANY_SUFFIX_RE,
    COMPANY_WORDS,
)
from .text import fold, name_label


def _company_from_domain(domain: str) -> str:
    label = name_label(domain)  # 'Bastide' for www.bastide, not 'WWW'
    words = [w for w in re.split(r"[-_.]+", label) if w]
    return " ".join(w.upper() if len(w) <= 3 and len(words) == 1 else w.capitalize() for w in words)


# --------------------------------------------------------------------------
# Company
# --------------------------------------------------------------------------

_DOTTED_SUFFIX_RE = re.compile(r"(?<![\w.])((?:[A-Za-z]\.){1,3}[A-Za-z])$")


# What OCR reads for a letter in a company's name, and the letters it may stand for
_LOOKALIKE = {")": "ij", "(": "c", "]": "ij", "|": "il", "!": "il", "1": "il", "0": "o", "5": "s", "8": "b", "$": "s"}


def spelled_by(company: str, spellings: Sequence[str]) -> str:
    """The company with a character OCR put for a letter put back, when the card's domain or
    a mailbox spells the name letter for letter otherwise ('ARIF) MAINTENANCE SERVICE' and
    arifimaintenanceservice@gmail.com: 'ARIFI MAINTENANCE SERVICE')."""
    if not any(c in _LOOKALIKE for c in company):
        return company
    marks = [(i, c) for i, c in enumerate(company) if c.isalnum() or c in _LOOKALIKE]
    read = "".join(fold(c) if c.isalnum() else c for _, c in marks)
    for spelled in spellings:
        target = re.sub(r"[^a-z0-9]", "", fold(spelled))
        if len(target) != len(read) or len(target) < 5:
            continue
        fixes = {}
        for (i, c), r, t in zip(marks, read, target, strict=True):
            if r == t:
                continue
            if t not in _LOOKALIKE.get(c, ""):
                break
            word = re.findall(r"\S+", company[: i + 1])[-1] + company[i + 1 :].split(" ")[0]
            letters = [x for x in word if x.isalpha()]
            upper = (letters and all(x.isupper() for x in letters)) or word.index(company[i]) == 0
            fixes[i] = t.upper() if upper else t
        else:
            if fixes:
                return "".join(fixes.get(i, c) for i, c in enumerate(company))
    return company


def completed_by_domain(company: str, domains: Sequence[str]) -> str:
    """The company's name completed from a domain that spells it in words with hyphens, when
    the read is some of those words in a row and the logo's other word was not read
    ('OVERSEAS' beside www.seli-overseas.com: 'SELI OVERSEAS'), in the read's case."""
    words = [fold(w) for w in re.findall(r"[^\W_]+", company)]
    if not words or len(words) > 3:
        return company
    for d in domains:
        parts = [p for p in name_label(d).split("-") if p]
        n = len(words)
        if len(parts) <= n or len(parts) > 4 or any(len(p) < 3 for p in parts):
            continue
        if any(parts[i : i + n] == words for i in range(len(parts) - n + 1)):
            if company.isupper():
                return " ".join(p.upper() for p in parts)
            if company.islower():
                return " ".join(parts)
            return " ".join(p.capitalize() for p in parts)
    return company


def complete_suffix(company: str) -> str:
    """'Van Dijk B.V' -> 'Van Dijk B.V.', 'GmbH & Co.KG' -> 'GmbH & Co. KG': OCR loses dots and spaces in suffixes."""
    company = re.sub(r"(?<=\bCo)\.(?=(?:KG|OHG|AG|Ltd|Inc|LLC)\b)", ". ", company)
    m = _DOTTED_SUFFIX_RE.search(company)
    if m and COMPANY_SUFFIX_RE.search(" " + m.group(1) + "."):
        return company + "."
    return company


def _names_site(texts: Sequence[TextCandidate], domain: str) -> bool:
    """Whether the domain spells a line that is the person's name by the e-mail ('‘es
    Lefevre' beside lefevre@gmail.com, for ineslefevre.fr): a personal site, no company."""
    label = re.sub(r"[^a-z]", "", fold(name_label(domain)))
    for t in texts:
        if "name-like" in t.features:
            words = [w for w in re.findall(r"[a-z]+", fold(t.text)) if len(w) >= 4]
            if words and all(w in label for w in words):
                return True
    return False


# A line naming a unit of an organisation: joins the title printed above it.
_UNIT_RE = re.compile(
    r"\b(?:department|dept\.?|division|div\.?|section|office|bureau|unit|team|group|"
    r"abteilung|bereich|département|service|división|departamento|afdeling|"
    r"müdürlüğü|bölümü|birimi|dipartimento|ufficio)\b",
    re.IGNORECASE,
)


_CONTACT_RE = re.compile(r"@|www\.|https?:|\d{3}")


_OFFICE_PLACE_RE = re.compile(r"\b(?:head|main|registered|branch|regional)\s+office\b", re.IGNORECASE)


def _all_company_words(text: str) -> bool:
    words = [fold(w).strip(".,:;()") for w in text.split()]
    words = [w for w in words if w and w not in {"&", "and", "und", "et", "y", "ve"}]
    return bool(words) and all(w in COMPANY_WORDS for w in words)


def _company_rows(
    best: TextCandidate, cands: Candidates, texts: Sequence[TextCandidate], taken: set[int]
) -> tuple[str, list[int]]:
    """The company line with the row of its name printed right above or below it: a
    wordmark over the rest ('SELI' / 'OVERSEAS'), a name over its legal form ('DEMIR RAF'
    / 'METAL SAN. ve TİC. LTD. ŞTİ.'). A row joins only when it is no other field (no
    name, title, e-mail, web or number), short, and of a size with the company line."""
    segs = {s.index: s for s in cands.segments}
    by_seg = {t.segment: t for t in texts}
    seg = segs[best.segment]

    def fits(other: Segment | None, smallest: float = 0.6) -> TextCandidate | None:
        t = by_seg.get(other.index) if other is not None else None
        if t is None or other.index in taken or other.index == seg.index:
            return None
        if _CONTACT_RE.search(other.text) or t.name_score >= 0.4 or "title-lexicon" in t.features:
            return None
        if len(other.text.split()) > 5 or not smallest * seg.height <= other.height <= 2.5 * seg.height:
            return None
        return t

    text, used = best.text.strip(" ,"), [best.segment]
    suffixed = "company-suffix" in best.features
    above = neighbours_above(seg, cands.segments, taken)[:1]
    if above and above[0].box.top < seg.box.top and seg.box.top - above[0].box.bottom <= 0.8 * max(seg.height, above[0].height):
        t = fits(above[0])
        if t is not None and (suffixed or "company-word" in best.features) and (
            t.text.isupper() or t.company_score >= 0.3
        ):
            text, used = f"{t.text.strip(' ,')} {text}", [t.segment, *used]
    if not suffixed:
        below = neighbour_below(seg, cands.segments, max_gap=0.8)
        t = fits(below)
        if t is None and "domain-match" in best.features and below is not None and _all_company_words(below.text):
            # under a logo the domain spells, its trade in smaller type ('JESPERAPPS' / 'SOFTWARE
            # SERVICES', 'Blaiklock' / 'international logistics')
            t = fits(below, smallest=0.3)
        # a legal form below; or, under a name the domain spells and nothing more ('AYGÜN'),
        # the trade it is in ('aluminium', 'KAZAN MAKİNA SANAYİ')
        trade = {"company-word", "domain-match"} & set(t.features) if t is not None else set()
        bare = "domain-match" in best.features and "company-word" not in best.features
        # or two rows each with a company word ('CRAFT MUSEUM' / 'CALCUTTA EMPORIUM'; not a list of wares)
        both = "company-word" in best.features and t is not None and "company-word" in t.features and "," not in t.text
        if t is not None and ("company-suffix" in t.features or (trade and bare) or both):
            text, used = f"{text} {t.text.strip(' ,')}", [*used, t.segment]
    return text, used
