"""The name: proper case, given/family split, accents and umlauts restored from the e-mail or a second read, the line picked as the person's name.

Evidence: lines that look like a person (given-name lexicon, capitalised words), the e-mail's local part, the line's size and place on the card."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from ..models import ContactRecord, OcrPage, OcrWord
from .candidates import Candidates, TextCandidate
from .freetext import email_local_match, person_tokens, title_score
from .layout import neighbour_below
from .lexicon import GIVEN_NAMES, NAME_PARTICLES, NAME_SUFFIXES
from .text import fold
from .title import _clean_title


@dataclass(frozen=True)
class NameParts:
    """A person's name split for the record."""

    full: str  # proper-cased, without honorifics and degrees
    given: str | None
    family: str | None
    prefixes: tuple[str, ...] = ()
    suffixes: tuple[str, ...] = ()


# --------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------

_MAC_NAMES = {
    "macdonald",
    "mackenzie",
    "macleod",
    "macintyre",
    "macgregor",
    "macarthur",
    "macmillan",
    "macneil",
    "macaulay",
    "maclean",
    "macintosh",
    "mackintosh",
    "macpherson",
    "macdougall",
    "maclachlan",
    "macrae",
}


_TRANSLIT_MAP = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def _cap_part(part: str) -> str:
    low = part.lower().replace("i\u0307", "i")  # Turkish 'İ' in lower case is 'i', not 'i' + a dot above
    if len(low) > 2 and low.startswith("mc"):
        return "Mc" + low[2:].capitalize()
    if low in _MAC_NAMES:
        return "Mac" + low[3:].capitalize()
    out = low.capitalize()
    return "İ" + out[1:] if part[:1] == "İ" else out  # 'İBRAHİM' -> 'İbrahim


def _cap_token(token: str, first: bool) -> str:
    low = token.lower()
    if not first and low in NAME_PARTICLES:
        return low
    # O'BRIEN -> O'Brien, D'ANGELO -> D'Angelo, JEAN-LUC -> Jean-Luc
    return "".join(_cap_part(p) if p.isalpha() else p for p in re.split(r"([-'’])", token))


def proper_case(name: str) -> str:
    """Proper case for a name printed in capitals (or all lower case); mixed case is kept as printed."""
    tokens = name.split()
    letters = [c for c in name if c.isalpha()]
    if letters and not (all(c.isupper() for c in letters) or all(c.islower() for c in letters)):
        # mixed case: trust the print, but fix tokens that are in capitals ("John MCDONALD")
        return " ".join(
            _cap_token(t, i == 0) if len(t) > 1 and t.isupper() and t.lower() not in NAME_SUFFIXES else t
            for i, t in enumerate(tokens)
        )
    return " ".join(_cap_token(t, i == 0) for i, t in enumerate(tokens))


def split_name(text: str) -> NameParts | None:
    """'Dr. JOHN MCDONALD, PhD' -> NameParts('John McDonald', 'John', 'McDonald', ('Dr.',), ('PhD',))."""
    pt = person_tokens(text)
    if pt is None:
        return None
    prefixes, core, suffixes = pt
    cased = proper_case(" ".join(core)).split()
    if cased[0].islower() and fold(cased[0]) in GIVEN_NAMES:
        cased[0] = cased[0].capitalize()  # a given name OCR read in lower case: 'isla Walker'
    # family name: the last token plus the particles in front of it (van der Berg, de la Cruz)
    i = len(cased) - 1
    while i - 1 >= 1 and cased[i - 1].lower() in NAME_PARTICLES:
        i -= 1
    family = " ".join(cased[i:])
    given = " ".join(cased[:i]) or None
    return NameParts(" ".join(cased), given, family, tuple(prefixes), tuple(suffixes))


_TRANSLIT = (("ae", "ä"), ("oe", "ö"), ("ue", "ü"), ("ss", "ß"))


_PLAIN = str.maketrans({"ä": "a", "ö": "o", "ü": "u"})


def _umlaut_forms(token: str, limit: int = 16) -> list[str]:
    """'joerg' -> ['jörg'], 'gross' -> ['groß']: the German spellings an ASCII e-mail stands for."""
    spots = [(m.start(), old, new) for old, new in _TRANSLIT for m in re.finditer(old, token)]
    out = []
    for k in range(1, min(len(spots), 3) + 1):
        for combo in itertools.combinations(spots, k):
            starts = sorted(c[0] for c in combo)
            if any(b - a < 2 for a, b in itertools.pairwise(starts)):
                continue
            t = token
            for start, old, new in sorted(combo, reverse=True):
                t = t[:start] + new + t[start + len(old) :]
            out.append(t)
            if len(out) >= limit:
                return out
    return out


def _plain_forms(form: str) -> list[str]:
    base = form.translate(_PLAIN)
    return [base.replace("ß", x) for x in ("ss", "b", "fe", "B")] if "ß" in base else [base]


def restore_umlauts(parts: NameParts, email_locals: Sequence[str]) -> NameParts:
    """Put back the umlauts OCR lost ('Jorg', 'Miller') when the e-mail spells them out ('joerg.mueller').

    `email_locals` are the local parts of the card's e-mails, and any other ASCII spelling
    of the name printed on it (a LinkedIn slug such as 'matthias-mueller').
    """
    from rapidfuzz import fuzz

    local_tokens = {
        piece
        for loc in email_locals
        for t in re.split(r"[._+-]+", re.sub(r"\d+", "", loc.lower()))
        if len(t) >= 3
        for piece in ((t, t[1:]) if len(t) >= 5 else (t,))  # and without an initial: 'lkoehler'
    }
    if not local_tokens:
        return parts

    def fix(token: str) -> str:
        low = token.lower()
        if low in local_tokens or not token.isascii():
            return token  # spelled as in the e-mail, or OCR kept its accents: nothing was lost
        best, best_score = token, 0.0
        for lt in local_tokens:
            base = fuzz.ratio(low, lt) / 100
            for form in _umlaut_forms(lt):
                score = max(fuzz.ratio(low, p) / 100 for p in _plain_forms(form))
                if score >= 0.8 and score > base and score > best_score:
                    best, best_score = form.capitalize() if token[:1].isupper() else form, score
        return best

    given = " ".join(fix(t) for t in parts.given.split()) if parts.given else None
    family = (
        " ".join(fix(t) if t.lower() not in NAME_PARTICLES else t for t in parts.family.split())
        if parts.family
        else None
    )
    if given == parts.given and family == parts.family:
        return parts
    full = " ".join(x for x in (given, family) if x)
    return NameParts(full, given, family, parts.prefixes, parts.suffixes)


# Letters Tesseract's English model drops or confuses, and a language whose model keeps them.
ACCENT_LANGS = {
    **dict.fromkeys("éèêëàâçîïôûùÿœæÉÈÊËÀÂÇÎÏÔÛÙ", "fra"),
    **dict.fromkeys("áíóúñÁÍÓÚÑ", "spa"),
    **dict.fromkeys("äöüßÄÖÜ", "deu"),
    **dict.fromkeys("ãõÃÕ", "por"),
}


# Given names usually written with accents, by their plain spelling: 'jose' -> 'josé'.
ACCENTED_GIVEN_NAMES = {fold(n): n for n in sorted(GIVEN_NAMES) if fold(n) != n and fold(n).isalpha()}


ACCENTED_BY_LENGTH: dict[int, tuple[str, ...]] = {}


for _form in sorted(ACCENTED_GIVEN_NAMES.values()):
    ACCENTED_BY_LENGTH[len(_form)] = (*ACCENTED_BY_LENGTH.get(len(_form), ()), _form)


def name_reread(page: OcrPage, record: ContactRecord) -> tuple[tuple[int, int, int, int], str] | None:
    """Where the name is printed (left, top, right, bottom) and the language to read that
    line again in, when its accents may be lost: a word of it was read with an accent at low
    confidence ('Zoé' at 53: the English model guesses), the given name is one usually
    written with accents and was read without ('Jose', 'Helene'), or it is no known name
    but a known accented one read by the English model ('Jérg' or 'Zoé' for 'Jörg' or
    'Zoë', 'Jiirgen' for 'Jürgen'), or a word of the name has the 'ii' that model reads
    for 'ü' ('Kriiger'). None otherwise."""
    if not record.name or not record.given_name:
        return None
    keys = {fold(t).strip(".,") for t in record.name.split()}
    best: list[OcrWord] = []
    for line in page.lines:
        words = [w for w in line.words if fold(w.text).strip(".,") in keys]
        if len(words) > len(best):
            best = words
    if not best:
        return None
    lang = None
    for w in best:
        for ch in w.text:
            if ch in ACCENT_LANGS and w.conf < 80:
                lang = ACCENT_LANGS[ch]
                break
        if lang:
            break
    given = record.given_name.split()[0]
    if lang is None:
        form = _accented_form(given)
        if form:
            lang = next((ACCENT_LANGS[ch] for ch in form if ch in ACCENT_LANGS), None)
    if lang is None and any(_UMLAUT_II.search(w.text) for w in best):
        lang = "deu"
    if lang is None:
        return None
    pad = max(w.height for w in best) // 2
    return (
        max(0, min(w.left for w in best) - pad),
        max(0, min(w.top for w in best) - pad),
        max(w.left + w.width for w in best) + pad,
        max(w.top + w.height for w in best) + pad,
    ), lang


# 'ii' inside a word, where the English model reads a 'ü' (Jiirgen, Kriiger); not at the
# start or end (a Finnish "ii", as in Riikka, is read again too, and kept)
_UMLAUT_II = re.compile(r"(?<=[^\W\d_])ii(?=[^\W\d_])", re.IGNORECASE)


def _accented_form(given: str) -> str | None:
    """The known accented spelling of a given name that the default read may have lost or
    garbled: 'Jose' -> 'José', 'Jérg' -> 'Jörg', 'Zoé' -> 'Zoë', 'Jiirgen' -> 'Jürgen';
    None for a known name as read ('Zoë', 'Emil') or an unknown one."""
    if "-" in given.strip("-"):  # 'Marc-Andre': each part
        forms = [_accented_form(part) for part in given.split("-") if part]
        return next((f for f in forms if f), None)
    key = fold(given)
    if given.isascii() and key in ACCENTED_GIVEN_NAMES:
        return ACCENTED_GIVEN_NAMES[key]
    if given.casefold() in GIVEN_NAMES or (key in GIVEN_NAMES and given.isascii()):
        return None  # a known name, as read
    if not given.isascii():  # an accent the known names do not have on this name: 'Zoé'
        form = ACCENTED_GIVEN_NAMES.get(key)
        if form and form != given.casefold():
            return form
    # another letter where the known name has an accented one, or 'ii' for 'ü'
    squeezed = _UMLAUT_II.sub("ü", given) if _UMLAUT_II.search(given) else given
    read = squeezed.casefold()
    matches = {
        form
        for form in ACCENTED_BY_LENGTH.get(len(read), ())
        if all(a == b or (a.isalpha() and b.isalpha() and not b.isascii()) for a, b in zip(read, form, strict=True))
    }
    return matches.pop() if len(matches) == 1 else None


def accents_only(first: str, second: str, *, umlaut_ii: bool = True) -> bool:
    """Whether `second` (a read in the card's language) is `first` (the default read) with
    the accented letters the default read lost or took for another letter: 'Müller' for
    'Muller' or 'Miller' (the English model has no 'ü' and guesses), 'Inès' for 'Inés',
    'Jürgen' for 'Jiirgen' (its other guess for 'ü').
    Any other difference ('Mailer' for 'Miller', a letter more or less) is not."""
    if first == second or second.isascii():
        return False
    i = 0
    for b in second:
        if i >= len(first):
            return False
        a = first[i]
        i += 1
        if a == b:
            continue
        if umlaut_ii and b in "üÜ" and first[i - 1 : i + 1].casefold() == "ii":
            i += 1  # 'ii' for 'ü'
            continue
        if b.isascii() or not b.isalpha() or not a.isalpha():
            return False  # the second read differs at a plain letter: it read another word
        if fold(a) != fold(b) and not a.isascii():
            return False  # two accented letters that are not the same letter
    return i == len(first)


_QUOTES = " \t'\"‘’‚“”„`´|:;"  # marks a raw-line read may add around the name ('‘Émilie Stewart')


def _known_form(record: ContactRecord, parts: NameParts) -> bool:
    """Whether `parts` (a re-read) is `record`'s name with the given name in the known
    accented spelling the first read garbled ('Jörg' for 'Jérg'), the rest the same."""
    given, family = record.given_name or "", record.family_name or ""
    form = _accented_form(given) if given else None
    return bool(
        form
        and (parts.given or "").casefold() == form
        and (parts.family == family or fold(parts.family or "") == fold(family)
             or accents_only(family, parts.family or ""))
    )


def take_name_accents(record: ContactRecord, page: OcrPage) -> ContactRecord:
    """The record with the name as `page` (a second read of the name's line) spells it,
    when that differs only by accents; otherwise the record unchanged."""
    if not record.name:
        return record
    want = fold(record.name)
    for line in page.lines:
        parts = split_name(line.text.strip(_QUOTES))
        if (
            parts
            and parts.full != record.name
            and (fold(parts.full) == want or accents_only(record.name, parts.full) or _known_form(record, parts))
            and not parts.full.isascii()
        ):
            return replace(record, name=parts.full, given_name=parts.given, family_name=parts.family)
    return record


def _name_words(text: str | None) -> set[str]:
    """The folded words of a given or family name: 'Jean-Luc' -> {'jean', 'luc'}."""
    return {fold(w).lower() for w in re.split(r"[\s-]+", text or "") if w}


def _family_spellings(name: NameParts) -> set[str]:
    """The family name's words as an e-mail may spell them: 'Müller' -> {'muller', 'mueller'}."""
    family = _name_words(name.family)
    return family | {f.translate(_TRANSLIT_MAP) for f in family}


def _given_initials(name: NameParts) -> set[str]:
    return {w[:1] for w in _name_words(name.given)}


_LEADING_TITLE_RE = re.compile(r"^\s*(prop\.|propr\.|proprietor)\s+", re.IGNORECASE)


def _pick_name(
    texts: Sequence[TextCandidate], locals_: Sequence[str] = ()
) -> tuple[NameParts | None, TextCandidate | None, str | None]:
    """(name, its candidate, a title printed after it on the same line)."""
    for t in sorted((t for t in texts if t.name_score >= 0.4), key=lambda t: -t.name_score):
        lead = _LEADING_TITLE_RE.match(t.text)
        if lead:  # 'Prop. Rajesh Kumar': the proprietor's title printed before the name
            parts = split_name(t.text[lead.end():])
            if parts:
                return parts, t, lead.group(1)
        parts = split_name(t.text)
        if parts:
            return parts, t, None
    # "Jane Smith, Sales Director": a name, a comma, a title
    for t in texts:
        head, sep, tail = t.text.partition(",")
        if sep and title_score(tail)[1]:
            parts = split_name(head)
            if parts:
                return parts, t, _clean_title(tail)
    # "Ugur KARALI Imalat Müdürü", "Utsav Busa (Director)": a name the e-mail spells, and
    # the title printed after it in the same row
    for t in texts:
        words = t.text.split()
        for k in (3, 2):
            if len(words) <= k:
                continue
            head, tail = " ".join(words[:k]), " ".join(words[k:]).strip(" ()[],;-|")
            if locals_ and email_local_match(head.split(), locals_) >= 0.7 and tail:
                parts = split_name(head)
                if parts:
                    return parts, t, _clean_title(tail)
    return None, None, None


def stacked_name(
    cands: Candidates, texts: Sequence[TextCandidate], locals_: Sequence[str]
) -> tuple[NameParts, TextCandidate, int] | None:
    """A name printed over two lines ('Pushpajayabalan' / 'Arockiam', 'koen' / 'de jong'),
    taken only when an e-mail's local part spells it: (the name, its first line, the
    segment of its second line). Lines of one or two words each, of about the same size,
    with no title word."""
    if not locals_:
        return None
    segs = {s.index: s for s in cands.segments}
    by_seg = {t.segment: t for t in texts}
    for first in texts:
        top = segs.get(first.segment)
        below = neighbour_below(top, cands.segments, max_gap=1.0) if top is not None else None
        second = by_seg.get(below.index) if below is not None else None
        if second is None or "title-lexicon" in first.features or "title-lexicon" in second.features:
            continue
        if len(first.text.split()) > 2 or len(second.text.split()) > 2:
            continue
        if not 0.7 <= below.height / max(1, top.height) <= 1.4:
            continue
        joined = f"{first.text} {second.text}"
        if email_local_match(joined.split(), locals_) < 0.7:
            continue
        parts = split_name(proper_case(joined) if joined.islower() else joined)
        if parts is not None:
            return parts, first, second.segment
    return None
