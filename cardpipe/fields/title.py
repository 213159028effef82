"""The job title: title words and departments, lines joined when a title wraps, case fixed.

Evidence: the title lexicon (core words and departments), the line's place under the name."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .candidates import Candidates, TextCandidate
from .company import _CONTACT_RE, _OFFICE_PLACE_RE, _UNIT_RE
from .confidence import _conf
from .layout import neighbour_below

_KEEP_UPPER = {
    "ceo",
    "cto",
    "cfo",
    "coo",
    "cmo",
    "cio",
    "cpo",
    "cso",
    "cro",
    "vp",
    "svp",
    "evp",
    "avp",
    "hr",
    "it",
    "r&d",
    "ux",
    "ui",
    "emea",
    "apac",
    "md",
    "gm",
    "pr",
    "qa",
    "b2b",
    "b2c",
    "ai",
    "seo",
    "us",
    "uk",
    "eu",
}


_KEEP_LOWER = {
    "of",
    "and",
    "for",
    "the",
    "to",
    "in",
    "de",
    "des",
    "du",
    "la",
    "le",
    "et",
    "y",
    "e",
    "und",
    "für",
    "van",
    "voor",
    "di",
    "del",
    "della",
    "en",
}


def title_case(title: str) -> str:
    """'CHIEF EXECUTIVE OFFICER' -> 'Chief Executive Officer' (acronyms stay: 'VP OF SALES' -> 'VP of Sales').

    A title printed in mixed case is kept as printed.
    """
    letters = [c for c in title if c.isalpha()]
    if not letters or not all(c.isupper() for c in letters) or len(title.split()) < 2:
        return title
    out = []
    for i, word in enumerate(title.split()):
        low = word.lower()
        core = low.strip(",.;:()")
        if core in _KEEP_UPPER:
            out.append(word)
        elif core in _KEEP_LOWER and i > 0:
            out.append(low)
        else:
            out.append("-".join(p[:1].upper() + p[1:] for p in low.split("-")))
    return " ".join(out)


def _clean_title(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip(" ,;|-–")


def _join_title(first: str, second: str) -> str:
    return _clean_title(f"{first.rstrip()} {second.lstrip()}")


_CONNECTOR_END_RE = re.compile(r"(?:[,&/+\-–]|\b(?:and|of|for|und|für|et|de|des|du|y|e|en|van|di))\s*$", re.I)


_CONNECTOR_START_RE = re.compile(r"^(?:[&/+]|(?:and|of|for|und|für|et|de|des|du|y|e|en|van|di)\b)", re.I)


def _pick_title(
    cands: Candidates, texts: Sequence[TextCandidate], name_seg: int | None, taken: set[int]
) -> tuple[str | None, list[int], float]:
    """The title: right under the name, or the best lexicon hit; two lines when the first runs on."""
    segs = {s.index: s for s in cands.segments}
    by_seg = {t.segment: t for t in texts}
    first = None
    if name_seg is not None:
        below = neighbour_below(segs[name_seg], cands.segments, max_gap=2.5)
        if below is not None and below.index in by_seg and below.index not in taken:
            bt = by_seg[below.index]
            if bt.company_score < 0.6 and ("title-lexicon" in bt.features or bt.title_score > 0):
                first = bt
    if first is None:
        lexicon = [t for t in texts if t.segment not in taken and "title-lexicon" in t.features]
        if lexicon:
            first = max(lexicon, key=lambda t: (t.title_score - 0.5 * t.company_score, -t.segment))
            if first.company_score >= 0.6 and first.title_score < 0.75:
                first = None
    if first is None:
        return None, [], 0.0
    title = _clean_title(first.text)
    used = [first.segment]
    ocr = first.evidence.conf
    fit = 0.9 if "title-lexicon" in first.features else 0.55
    if "title-slip" in first.features:
        fit = 0.6  # a word of it repaired from the lexicon ('Masager' -> 'Manager'): a guess
    nxt = neighbour_below(segs[first.segment], cands.segments, max_gap=1.2)
    if nxt is not None and nxt.index in by_seg and nxt.index not in taken:
        nt = by_seg[nxt.index]
        runs_on = (
            _CONNECTOR_END_RE.search(segs[first.segment].text)
            or _CONNECTOR_START_RE.search(nt.text)
            or nt.text[:1].islower()
            or (nt.title_score > 0 and nt.name_score < 0.4)
        )
        same_size = abs(nxt.height - segs[first.segment].height) <= 0.25 * segs[first.segment].height
        unit = (
            _UNIT_RE.search(nt.text) and "email-local-match" not in nt.features and nt.company_score < 0.6
            and not _CONTACT_RE.search(nt.text)
        )
        if _OFFICE_PLACE_RE.search(nt.text):
            unit = runs_on = False  # 'Head Office': where, not what
        if unit and not runs_on and nxt.height <= 1.25 * segs[first.segment].height:
            # the department under the title ('Director' / 'Business Design Office')
            title = f"{_clean_title(segs[first.segment].text)}, {_clean_title(nt.text)}"
            used.append(nt.segment)
            ocr = min(ocr, nt.evidence.conf)
        elif runs_on and same_size and nt.company_score < 0.6:
            title = _join_title(re.sub(r"\s+", " ", segs[first.segment].text).strip(" ;|"), nt.text)
            used.append(nt.segment)
            ocr = min(ocr, nt.evidence.conf)
    return title_case(title), used, _conf(fit, ocr)
