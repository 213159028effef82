"""The company: legal-form suffixes read right, words repaired from the card's domain, company lines that wrap onto two rows.

Evidence: legal forms (GmbH, Ltd., S.A.), company words, the e-mail and web domain, logo-sized lines."""

from __future__ import annotations

import re
from collections.abc import Sequence

from rapidfuzz.distance import Levenshtein

from .candidates import Candidates, Segment, TextCandidate
from .layout import neighbour_below, neighbours_above
from .lexicon import (
    COMPANY_SUFFIX_RE,
    COMPOUND_SUFFIXES,
    DOTTED_SUFFIXES,
    GIVEN_NAMES,
    LONG_SUFFIXES,
    STRONG_SUFFIX_RE,
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


def complete_suffix(company: str) -> str:
    """'Van Dijk B.V' -> 'Van Dijk B.V.', 'GmbH & Co.KG' -> 'GmbH & Co. KG': OCR loses dots and spaces in suffixes."""
    company = re.sub(r"(?<=\bCo)\.(?=(?:KG|OHG|AG|Ltd|Inc|LLC)\b)", ". ", company)
    m = _DOTTED_SUFFIX_RE.search(company)
    if m and COMPANY_SUFFIX_RE.search(" " + m.group(1) + "."):
        return company + "."
    return company


def _suffix_key(word: str) -> str:
    return re.sub(r"[^a-z]", "", fold(word))


_IL_SLIPS = "iIlL|"  # what OCR reads for an 'l' or an 'i', and back


def _plain_case(word: str) -> bool:
    letters = "".join(c for c in word if c.isalpha())
    return letters.isupper() or letters.islower() or (letters.istitle() and "." not in word)


def _suffix_slip(word: str) -> str | None:
    """The legal form a company's last word is when one OCR slip is undone: an 'l' read as
    'i' ('pic' -> 'plc', 'LIC' -> 'LLC'), a letter read twice ('B.vV.' -> 'B.V.'). Only a
    form that marks a company wherever it stands (`STRONG_SUFFIX_RE`), spelled in one case,
    and only when one form comes out; None otherwise."""
    core = word.rstrip(".,")
    tail = word[len(core) :]
    if len(core) > 15:  # legal forms are short; the loop below is quadratic
        return None
    if len(core) < 2 or STRONG_SUFFIX_RE.fullmatch(word) or fold(core) in GIVEN_NAMES:
        return None
    found: set[str] = set()
    for k, ch in enumerate(core):
        tries = []
        if ch in _IL_SLIPS:
            tries += [core[:k] + alt + core[k + 1 :] for alt in _IL_SLIPS[:4] if alt != ch]
        if k and ch.isalpha() and ch.casefold() == core[k - 1].casefold():
            tries += [core[:k] + core[k + 1 :], core[: k - 1] + core[k:]]
        found.update(
            t + tail for t in tries if _plain_case(t) and STRONG_SUFFIX_RE.fullmatch(t + tail)
        )
    return found.pop() if len(found) == 1 else None


def _letters(word: str) -> str:
    return "".join(c for c in word if c.isalpha())


def _spelled_on_card(key: str, spelled: Sequence[str]) -> bool:
    """Whether a domain or an e-mail on the card spells the word ('karl' in
    autohaus-karl.de): then it is the word printed, no legal form misread."""
    for text in spelled:
        folded = fold(text.lower())
        if key in re.split(r"[^a-z]+", folded) or (len(key) >= 4 and key in re.sub(r"[^a-z]", "", folded)):
            return True
    return False


def _form_case(word: str, form: str) -> bool:
    """Whether a last word's letter case looks like a legal form's: all capitals ('SARI',
    'LIC'), or the form's own mixed case ('GmbB' for 'GmbH'); a capitalised word ('Karl',
    'Sara', 'Lida') is an ordinary word. Lower case only for the forms written so ('pic')."""
    letters, form_letters = _letters(word), _letters(form)
    if len(letters) >= 2 and letters.isupper():
        return True
    if letters.islower():
        return form_letters.lower() in ("plc", "llc") and form_letters.islower()
    mixed = not (form_letters.isupper() or form_letters.islower() or form_letters.istitle())
    return mixed and [c.isupper() for c in letters] == [c.isupper() for c in form_letters]


def read_suffix(company: str, spelled: Sequence[str] = ()) -> str:
    """The legal form at the end of a company as read, as printed: a last word one letter off
    a known form where that form stands ('GMBH & CO. KC' -> 'GMBH & CO. KG', 'Logistik GmbB'
    -> 'Logistik GmbH'), and the period that ends an abbreviated form written with periods
    ('Pty. Ltd' -> 'Pty. Ltd.', 'Co., Ltd' -> 'Co., Ltd.'; 'Pty Ltd' and 'Corp' as read):
    Tesseract's sparse-text read drops the period at the end of a line. A one-word form is
    read only where the word's case looks like one ('SARI', 'GmbB'; not 'Karl') and no
    domain or e-mail of the card (`spelled`) spells the word as read."""
    words = company.split()
    if len(words) < 2:
        return company
    last = words[-1]
    key = _suffix_key(last)
    near: set[str] = set()
    exact = False  # the last words are a known compound form as printed: nothing to repair
    for form in COMPOUND_SUFFIXES:
        fw = form.split()
        if len(words) <= len(fw) or [_suffix_key(w) for w in words[-len(fw) : -1]] != [_suffix_key(w) for w in fw[:-1]]:
            continue  # not where this form stands
        want = _suffix_key(fw[-1])
        if key == want:
            near, exact = set(), True
            break
        if len(key) == len(want) and Levenshtein.distance(key, want) == 1:
            near.add(fw[-1])
    else:
        forms = {_suffix_key(f): f for f in LONG_SUFFIXES}
        if not near and len(key) >= 4 and key not in forms:
            near = {
                f
                for k, f in forms.items()
                if len(k) == len(key) and Levenshtein.distance(key, k) == 1 and _form_case(last, f)
            }
            if _spelled_on_card(key, spelled):
                near = set()
    if not near and not exact:
        slip = _suffix_slip(last)
        if slip and len(slip) == len(last) and not _form_case(last, slip):
            slip = None  # an 'l' read as 'i' in an ordinary word ('Lip', 'Studio Lic')
        if slip and _spelled_on_card(key, spelled):
            slip = None
        if slip:
            words[-1] = last = slip
            key = _suffix_key(slip)
    if len(near) == 1:
        form = near.pop()
        last = (form.upper() if last.isupper() else form) + last[len(last.rstrip(".,")) :]
        words[-1], key = last, _suffix_key(form)
    before = words[-2].lower()
    if (
        not last.endswith(".")
        and key in DOTTED_SUFFIXES
        and before.endswith((".", ".,"))
        and before.strip(".,") in DOTTED_SUFFIXES
    ):
        words[-1] = last + "."
    return " ".join(words)


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


def _match_case(word: str, like: str) -> str:
    if like.isupper():
        return word.upper()
    if like[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def _single_accent(word: str, labels: set[str]) -> str | None:
    """'Lumieére' -> 'Lumiére': a letter read twice, plain and accented (two reads of one
    glyph merged), made one, the accented one, when a domain then spells the word and did
    not before; None otherwise. (The card's language read then gives the accent printed.)"""
    if len(word) > 15:  # a company word, not a run of junk: the loop below is quadratic
        return None
    folded = fold(word)
    if len(word) < 5 or any(folded in label for label in labels):
        return None
    for k in range(len(word) - 1):
        a, b = word[k], word[k + 1]
        if a.isalpha() and b.isalpha() and a != b and fold(a) == fold(b) and a.isascii() != b.isascii():
            one = word[:k] + (b if a.isascii() else a) + word[k + 2 :]
            if any(fold(one) in label for label in labels):
                return one
    return None


def repair_company_words(company: str, domains: Sequence[str]) -> str:
    """Fix a misread word of the company name when the e-mail or web domain spells it ('PANECREST' -> 'PINECREST').

    Only a word of five letters or more, one or two letters away from a piece of
    the domain ('pinecrest-software', 'hansadruck'), is changed; or a word with an
    accented letter read twice, once plain ('Lumieére' for 'lumiereconseil.fr').
    """
    pieces: set[str] = set()
    labels: set[str] = set()
    for d in domains:
        label = name_label(d)  # 'bastide' for www.bastide, as company_score reads it
        pieces.update(p for p in re.split(r"[-_]+", label) if len(p) >= 5)
        labels.add(re.sub(r"[-_]+", "", label))
    if not pieces:
        return company
    out = []
    for word in company.split():
        core = re.sub(r"[^\w]", "", word)
        single = _single_accent(core, labels)
        if single:
            out.append(word.replace(core, single))
            continue
        low = core.lower()
        best = None
        if len(low) >= 5 and low.isalpha() and low not in pieces:
            for piece in pieces:
                if fold(low) == fold(piece):
                    break
                d = Levenshtein.distance(low, piece)
                if d <= (1 if len(low) < 8 else 2) and len(piece) == len(low):
                    best = piece
                    break
        out.append(word.replace(core, _match_case(best, core)) if best else word)
    return " ".join(out)


# A line naming a unit of an organisation: joins the title printed above it.
_UNIT_RE = re.compile(
    r"\b(?:department|dept\.?|division|div\.?|section|office|bureau|unit|team|group|"
    r"abteilung|bereich|département|service|división|departamento|afdeling|"
    r"müdürlüğü|bölümü|birimi|dipartimento|ufficio)\b",
    re.IGNORECASE,
)


_CONTACT_RE = re.compile(r"@|www\.|https?:|\d{3}")


_OFFICE_PLACE_RE = re.compile(r"\b(?:head|main|registered|branch|regional)\s+office\b", re.IGNORECASE)


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

    def fits(other: Segment | None) -> TextCandidate | None:
        t = by_seg.get(other.index) if other is not None else None
        if t is None or other.index in taken or other.index == seg.index:
            return None
        if _CONTACT_RE.search(other.text) or t.name_score >= 0.4 or "title-lexicon" in t.features:
            return None
        if len(other.text.split()) > 5 or not 0.6 * seg.height <= other.height <= 2.5 * seg.height:
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
        # a legal form below; or, under a name the domain spells and nothing more ('AYGÜN'),
        # the trade it is in ('aluminium', 'KAZAN MAKİNA SANAYİ')
        trade = {"company-word", "domain-match"} & set(t.features) if t is not None else set()
        bare = "domain-match" in best.features and "company-word" not in best.features
        if t is not None and ("company-suffix" in t.features or (trade and bare)):
            text, used = f"{text} {t.text.strip(' ,')}", [*used, t.segment]
    return text, used
