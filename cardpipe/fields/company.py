"""The company: legal-form suffixes read right, words repaired from the card's domain, company lines that wrap onto two rows.

Evidence: legal forms (GmbH, Ltd., S.A.), company words, the e-mail and web domain, logo-sized lines."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from .candidates import Candidates, Segment, TextCandidate
from .confidence import _agree, _conf
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


@dataclass(frozen=True)
class CompanyPick:
    """The company a card gives: its name, whether it was read on the card (not made from a
    domain), the line it was read from and the rows it takes, and its confidence."""

    value: str | None = None
    read: bool = False
    line: TextCandidate | None = None
    segments: tuple[int, ...] = ()
    conf: float | None = None


def pick_company(
    cands: Candidates,
    texts: Sequence[TextCandidate],
    taken: set[int],
    domains: Sequence[str],
    mailboxes: Sequence[str],
    *,
    personal_site: bool,
) -> CompanyPick:
    """The company, in the order the evidence is trusted: a line that scores as a company
    (a legal form, company words, the domain's name; a legal-form line over a logo read
    beside it), a short line printed twice, a name made from the domain (flagged: derived,
    not read; none for a personal site, `personal_site`), or with no domain a line ending in a
    company word or the logo. A read name is then spelled right by the mailboxes and domain."""
    rest = [t for t in texts if t.segment not in taken]
    best = max(rest, key=lambda t: (t.company_score, -t.segment)) if rest else None
    legal = [t for t in rest if "company-suffix" in t.features and t.company_score >= 0.5 and t.name_score < 0.4]
    if best is not None and "company-suffix" not in best.features and legal:
        # the name with its legal form ('ASIAPAC TURKEY TAŞIMACILIK A.Ş.') over a logo read
        # beside it ('allcarco'): the legal line is the company's full name
        best = max(legal, key=lambda t: (t.company_score, -t.segment))
    if best is not None and best.company_score >= 0.5:
        text, segs = _company_rows(best, cands, texts, taken)
        fit = 0.9 if "company-suffix" in best.features else 0.75 if "company-word" in best.features else 0.6
        c = _conf(fit, best.evidence.conf)
        c = _agree(c) if "domain-match" in best.features else c
        if re.search(r"\d{4}", text):
            c *= 0.6  # 'Lumière Conseil SARL 13001 Marseille': an address line run into the name
        if _MISREAD_RE.search(text):
            c *= 0.6  # 'HDFC BAN!', 'NVvO': a mark or a small letter inside capitals is OCR's
        pick = CompanyPick(text.strip(" ,"), True, best, tuple(segs), round(c, 3))
    elif (twice := _printed_twice(rest)) is not None:
        # a name printed twice, under the logo and in the text ('BKI Group'), is the
        # company's, whatever the domain says (vetassess.com.au: the parent's mailbox)
        conf = round(min(0.55, _conf(0.6, twice.evidence.conf)), 3)
        pick = CompanyPick(twice.text.strip(" ,"), True, twice, (twice.segment,), conf)
    elif domains and not personal_site and not _names_site(texts, domains[0]):
        # (a domain that spells the person's name, averyroy.com, is a personal site: no company)
        return CompanyPick(_company_from_domain(domains[0]), False, best, (), 0.45)  # derived: a human should look
    elif not domains and (plain := _plain_company_line(rest, cands)) is not None:
        # no domain to go by, and a line that ends in a company word ('ORANJEWOUD MEDIA'),
        # or else a logo-sized line: most likely the company, but a human should look
        text, segs = _company_rows(plain, cands, texts, taken)
        pick = CompanyPick(text.strip(" ,"), True, plain, tuple(segs), round(min(0.5, _conf(0.6, plain.evidence.conf)), 3))
    else:
        return CompanyPick(line=best)
    value = spelled_by(pick.value or "", [name_label(d) for d in domains] + list(mailboxes))
    value = completed_by_domain(value, domains)
    value = re.sub(r"(?<=[^\W\d_]):(?=[^\W\d_])", " ", value)  # 'VIKAS:ELECTRICALS': the space read ':'
    return replace(pick, value=value or None)


# What OCR leaves in a word it misread: a mark no name carries, or one small letter amid capitals
_MISREAD_RE = re.compile(r"[!|¥{}\[\]<>~^]|\b[A-Z]{2,}[a-z][A-Z]")


def _printed_twice(rest: Sequence[TextCandidate]) -> TextCandidate | None:
    """A short line printed twice on the card (a logo and the same words in the text): the
    company, not a person or a title. The first of the two."""
    seen: dict[str, TextCandidate] = {}
    for t in sorted(rest, key=lambda t: t.segment):
        if _CONTACT_RE.search(t.text) or t.name_score >= 0.5 or "title-lexicon" in t.features:
            continue
        key = " ".join(re.findall(r"\w+", fold(t.text)))
        if len(key.replace(" ", "")) < 3 or len(key.split()) > 5:
            continue
        if key in seen:
            return seen[key]
        seen[key] = t
    return None


def _plain_company_line(rest: Sequence[TextCandidate], cands: Candidates) -> TextCandidate | None:
    """With no domain to go by: the line that ends in a company word ('ORANJEWOUD MEDIA',
    'CALCUTTA EMPORIUM'), never one with a number or an address in it; or else the logo, the
    tallest line of the card when it is no name or title ('TECONJA' over 'Timo Tessen')."""
    plain = [t for t in rest if not _CONTACT_RE.search(t.text) and t.name_score < 0.4 and "title-lexicon" not in t.features]
    worded = [t for t in plain if t.company_score >= 0.3 and fold(re.split(r"[\s:]+", t.text)[-1]).strip(".,") in COMPANY_WORDS]
    if worded:
        return max(worded, key=lambda t: (t.company_score, -t.segment))
    heights = {s.index: s.height for s in cands.segments}
    if not heights:
        return None
    median = sorted(heights.values())[len(heights) // 2]
    tallest = max(heights, key=lambda i: heights[i])
    logo = [
        t for t in plain
        if t.segment == tallest and heights[tallest] >= 1.3 * median and len(t.text.split()) <= 4
        and sum(c.isalpha() for c in t.text) >= 3 and not {"web-like", "name-like"} & set(t.features)
    ]
    return logo[0] if logo else None
