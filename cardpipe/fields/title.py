"""The job title: title words and departments, lines joined when a title wraps, case fixed.

Evidence: the title lexicon (core words and departments), the line's place under the name."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .candidates import Candidates, TextCandidate
from .company import _CONTACT_RE, _OFFICE_PLACE_RE, _UNIT_RE
from .confidence import _conf
from .freetext import title_score
from .layout import neighbour_below, neighbours_above

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


_CONNECTOR_END_RE = re.compile(r"(?:[,&/+\-–]|\b(?:and|of|for|und|für|et|de|des|du|y|e|en|van|di))\s*$", re.I)


_CONNECTOR_START_RE = re.compile(r"^(?:[&/+]|(?:and|of|for|und|für|et|de|des|du|y|e|en|van|di)\b)", re.I)


def _all_title_words(text: str) -> bool:
    """Whether every word of the line is a department or area word ('Global Business Development')."""
    score, core = title_score(text)
    return not core and score > 0


def _unit_line(t: TextCandidate, texts: Sequence[TextCandidate]) -> bool:
    """A department, section or area line ('Sensor Network Section', 'Global Business
    Development'), not the company: no contact detail, not printed twice on the card (a name
    printed twice, 'BKI Group' under the logo and in the text, is the company's)."""
    if "email-local-match" in t.features or t.company_score >= 0.6 or _CONTACT_RE.search(t.text):
        return False
    if not (_UNIT_RE.search(t.text) or _all_title_words(t.text)):
        return False
    key = _fold_line(t.text)
    return not any(o.segment != t.segment and _fold_line(o.text) == key for o in texts)


def _fold_line(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


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
            elif _unit_line(bt, texts) and not _OFFICE_PLACE_RE.search(bt.text):
                first = bt  # no title, the department: 'Wataru Aoto' / 'Sensor Network Section'
    if first is None:
        lexicon = [t for t in texts if t.segment not in taken and "title-lexicon" in t.features]
        if lexicon:
            first = max(lexicon, key=lambda t: (t.title_score - 0.5 * t.company_score, -t.segment))
            if first.company_score >= 0.6 and first.title_score < 0.75:
                first = None
            while first is not None:  # the first of stacked title lines ('Professor of ...' / 'Co-ordinator')
                seg = segs[first.segment]
                above = next(iter(neighbours_above(seg, cands.segments, taken)), None)
                at = by_seg.get(above.index) if above is not None else None
                if (
                    at is None
                    or "title-lexicon" not in at.features
                    or at.company_score >= 0.6
                    or seg.box.top - above.box.bottom > 1.2 * max(seg.height, above.height)
                    or abs(above.height - seg.height) > 0.25 * seg.height
                ):
                    break
                first = at
    if first is None:
        return None, [], 0.0
    title = re.sub(r"\s+", " ", first.text).strip(" ;|")
    tail = re.search(r"[,&/+\-–]$", segs[first.segment].text.rstrip())
    if tail and not title.endswith(tail.group(0)):
        title += ("" if tail.group(0) in ",-–" else " ") + tail.group(0)  # 'Senior Vice President,' / 'Global Sales'
    used = [first.segment]
    ocr = first.evidence.conf
    fit = 0.9 if "title-lexicon" in first.features else 0.55
    if "title-slip" in first.features:
        fit = 0.6  # a word of it repaired from the lexicon ('Masager' -> 'Manager'): a guess
    # The lines under it that go on with it: a wrapped title, the department or section, the
    # area it covers ('Director' / 'Global Business Development'; 'TLD Manager' / 'Europe, Asia,
    # Middle East'); at most three lines in all.
    last = segs[first.segment]
    while len(used) < 3:
        nxt = neighbour_below(last, cands.segments, max_gap=1.2)
        if nxt is None or nxt.index not in by_seg or nxt.index in taken:
            break
        nt = by_seg[nxt.index]
        wraps = bool(
            _CONNECTOR_END_RE.search(last.text) or _CONNECTOR_START_RE.search(nt.text) or nt.text[:1].islower()
        )
        same_size = abs(nxt.height - last.height) <= 0.25 * last.height
        unit = _unit_line(nt, texts)
        runs_on = wraps or (nt.title_score > 0 and nt.name_score < 0.4 and not unit)
        if _OFFICE_PLACE_RE.search(nt.text):
            unit = runs_on = False  # 'Head Office': where, not what
        if unit and not wraps and nxt.height <= 1.25 * last.height:
            title = f"{_clean_title(title)}, {_clean_title(nt.text)}"
        elif runs_on and same_size and nt.company_score < 0.6:
            title = f"{title.rstrip()} {nt.text.strip()}"
        else:
            break
        used.append(nt.segment)
        ocr = min(ocr, nt.evidence.conf)
        last = nxt
    return title_case(_clean_title(title)), used, _conf(fit, ocr)
