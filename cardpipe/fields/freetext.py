"""Free text: how much a line looks like a person's name, a job title or a company."""

from __future__ import annotations

import re
from collections.abc import Sequence

from rapidfuzz import fuzz

from ..models import OcrWord
from .lexicon import (
    COMPANY_SUFFIX_RE,
    COMPANY_WORDS,
    GIVEN_NAMES,
    NAME_PARTICLES,
    NAME_PREFIXES,
    NAME_SUFFIXES,
    STRONG_SUFFIX_RE,
    SUFFIX_ALTS,
    TITLE_CORE,
    TITLE_DEPT,
)
from .text import fold, name_label, nearest, similarity

_JUNK_CHARS_RE = re.compile(r"[(){}\[\]<>©®@#*~^=_\\/%$§¤|]")
# 'Marc-Andre', "O'Neill": capitalised parts joined by a hyphen or an apostrophe
_HYPHENATED_NAME_RE = re.compile(r"[^\W\d_][^\W\d_]*(?:[-'’][^\W\d_a-z][^\W\d_]+)+")


def _is_junk_word(w: OcrWord, nxt: Sequence[OcrWord]) -> bool:
    """A word that a logo or a rule left at the edge of a line ("ip)", "©", "GD" read at low confidence).

    A logo glyph read as text is short and much taller than the words next to it.
    """
    t = w.text.strip("*¥™®©•·|")  # a mark stuck to a word ('K.V.Rao*') leaves the word
    if not re.search(r"[^\W_]", t) or _JUNK_CHARS_RE.search(t) and not re.fullmatch(r"\(?[\w.&'’-]+\)?", t):
        return True
    if len(t) <= 3 and w.conf < 50:
        return True
    if w.conf < 20 and not (re.fullmatch(r"[^\W\d_][^\W\d_'’-]+", t) or _HYPHENATED_NAME_RE.fullmatch(t)):
        return True  # a long word read at very low confidence is junk unless it is a plain word or name
    if nxt and len(t) <= 3:
        hs = sorted(x.height for x in nxt)
        if w.height > 1.35 * hs[len(hs) // 2]:
            return True
    if nxt and len(nxt) >= 2 and t.islower() and len(t) <= 3 and all(x.text[:1].isupper() for x in nxt):
        return True  # "all PINECREST SOFTWARE", "i Harbourside Legal"
    return False


def clean_free_words(words: Sequence[OcrWord]) -> list[OcrWord]:
    """The words of a free-text segment without logo junk at either end."""
    ws = list(words)
    while ws and _is_junk_word(ws[0], ws[1:]):
        ws.pop(0)
    while ws and not re.search(r"[^\W_]", ws[-1].text):
        ws.pop()
    return ws


_PERSON_TOKEN_RE = re.compile(r"^[^\W\d_][^\W\d_'’.\-]*(?:['’\-][^\W\d_]+)*\.?$")


def _tokens(text: str) -> list[str]:
    return [t for t in re.split(r"[\s,]+", text) if t]


# An 'ß' the English model read as '&' inside a name word: 'Gro&' for 'Groß'
_ESZETT_RE = re.compile(r"(?<=[^\W\d_][a-zäöü])&(?=\s|$)")  # at a word's end, after lower case


# A first letter OCR set apart from the rest of the given name: 'J OHN MCDONALD'
_LONE_FIRST_RE = re.compile(r"^\s*([^\W\d_])\s+([^\W\d_]+)(?=\s)")


def name_text(text: str) -> str:
    """A name line with the usual misreads of a name's letters put back: 'Bjorn Gro&' ->
    'Bjorn Groß' (the English model's '&' for ß), 'J OHN MCDONALD' -> 'JOHN MCDONALD'
    (a first letter set apart, when that makes a known given name)."""
    if "&" in text:
        text = _ESZETT_RE.sub("ß", text)
    m = _LONE_FIRST_RE.match(text)
    if m and fold(m[1] + m[2]) in GIVEN_NAMES and fold(m[2]) not in GIVEN_NAMES:
        text = m[1] + m[2] + text[m.end() :]
    return text


# 'K.V.Rao': initials run into the family name, one token to OCR
_INITIALS_RE = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]{2,}")
_INITIAL_PART_RE = re.compile(r"[^\W\d_]\.|[^\W\d_]{2,}$")
# words that make a line a place, never a person ('Venkatappiah Street', 'Opp. Time Hospital')
_PLACE_WORDS = set("street st. road rd rd. avenue ave ave. boulevard blvd lane highway straße strasse marg floor "
                   "building bldg opp opp. hospital hills box p.o. colony sector block caddesi cad. sokak "
                   "sok. mahallesi mah. sitesi blok jl. jalan".split())


def person_tokens(text: str) -> tuple[list[str], list[str], list[str]] | None:
    """(prefixes, core name tokens, suffixes) if the text is shaped like a person's name, else None.

    A known given name read in lower case ('isla Walker': OCR took the capital I for i)
    counts, when the other words are capitalised."""
    main, _, after = text.partition(",")
    toks = _tokens(name_text(main))
    suffixes = [t for t in _tokens(after)]
    prefixes = []
    while toks and fold(toks[0]) in NAME_PREFIXES:
        prefixes.append(toks.pop(0))
    while toks and fold(toks[-1]).rstrip(".") in NAME_SUFFIXES | {s.rstrip(".") for s in NAME_SUFFIXES}:
        suffixes.insert(0, toks.pop())
    if after and not all(fold(s).strip(".") in {x.rstrip(".") for x in NAME_SUFFIXES} for s in suffixes):
        return None
    toks = [p for t in toks for p in (_INITIAL_PART_RE.findall(t) if _INITIALS_RE.fullmatch(t) and t[-2:].islower() else [t])]  # 'K.V.Rao'
    if not 2 <= len(toks) <= 5 or any(fold(t) in _PLACE_WORDS for t in toks):
        return None
    core = initials = 0
    for i, t in enumerate(toks):
        if fold(t) in NAME_PARTICLES and 0 < i < len(toks) - 1:
            continue
        if not _PERSON_TOKEN_RE.match(t):
            return None
        letters = re.sub(r"[^\w]", "", t)
        bare_run = i + 1 < len(toks) and len(toks[i + 1]) == 1 or i > 0 and len(toks[i - 1]) == 1  # 'K S'
        if len(letters) == 1 and (t.endswith(".") or t.isupper() and i < len(toks) - 1 and bare_run):
            initials += 1  # 'John F. Kennedy', 'K S Prasad', 'T. Saha'
            continue
        if not (t[0].isupper() or t.isupper() or (i == 0 and len(toks) > 1 and fold(t) in GIVEN_NAMES)):
            return None
        if (
            len(letters) < 2
            or len(letters) > 2
            and not re.search(r"[aeiouyäöüàâéèêëïîôûùÿáíóúåæøAEIOUYÄÖÜÀÂÉÈÊËÏÎÔÛÙÁÍÓÚ]", letters)
        ):
            return None
        core += 1
    if core < 2 and not (core == 1 and initials and len(re.sub(r"[^\w]", "", toks[-1])) >= 3):
        return None
    return prefixes, toks, suffixes


def email_local_match(tokens: Sequence[str], locals_: Sequence[str]) -> float:
    if not locals_:
        return 0.0
    best = 0.0
    translit = [
        t.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss") for t in tokens
    ]
    if translit != [t.lower() for t in tokens]:
        best = _email_local_match_plain(translit, locals_)
    return max(best, _email_local_match_plain(tokens, locals_))


def _email_local_match_plain(tokens: Sequence[str], locals_: Sequence[str]) -> float:
    letters = [re.sub(r"[^a-z]", "", fold(t)) for t in tokens]
    words = [w for w in letters if len(w) >= 2]
    if len(words) == 1 and len(words[0]) >= 4 and any(len(w) == 1 for w in letters):
        # initials and one name ('K S Prasad', prasad.srinivasaiah@): the name in the mailbox
        return 0.8 if any(words[0] in re.sub(r"[^a-z]", "", fold(loc)) for loc in locals_) else 0.0
    if len(words) < 2:
        return 0.0
    given, family = words[0], words[-1]
    best = 0.0
    for loc in locals_:
        lo = re.sub(r"[^a-z]", "", fold(loc))
        if not lo:
            continue
        forms = {
            given + family,
            family + given,
            given[0] + family,
            given + family[0],
            family + given[0],
            family,
        }
        if lo in forms or lo == "".join(words):
            best = max(best, 1.0 if lo != family else 0.85)
        elif lo == given and len(given) >= 3:
            best = max(best, 0.7)
        elif len(family) >= 4 and family in lo:
            best = max(best, 0.8)
        else:
            best = max(best, fuzz.ratio(lo, given + family) / 100 * 0.8 if len(lo) > 4 else 0.0)
    return best


_TITLE_CORE_FOLDED = frozenset(fold(w) for w in TITLE_CORE)


def title_score(text: str) -> tuple[float, bool]:
    """(score, has a core title word)."""
    toks = [fold(t).strip(".,:;()") for t in re.split(r"[\s/,]+", text) if t.strip(".,:;()")]
    if not toks:
        return 0.0, False
    core_set = _TITLE_CORE_FOLDED
    core = sum(
        1
        for t in toks
        if t in core_set or (len(t) > 4 and t.removesuffix("s") in core_set) or t.replace("-", "") in core_set
    )
    dept = sum(1 for t in toks if t in TITLE_DEPT)
    if core == 0:
        return (0.25 if dept == len(toks) and dept > 0 else 0.0), False
    known = (core + dept) / len(toks)
    return min(1.0, 0.5 + 0.5 * known), True


_TITLE_WORDS = {fold(w): w for w in sorted(TITLE_CORE) if len(w) >= 6 and w.isalpha()}
_KNOWN_WORDS = _TITLE_CORE_FOLDED | {fold(w) for w in TITLE_DEPT} | {fold(w) for w in COMPANY_WORDS}


def title_slips(words: Sequence[OcrWord]) -> dict[str, str]:
    """Words read with low confidence (under 70) that are a letter or two away from one
    title word of the lexicon, and no known word themselves, mapped to that word in the
    case printed: {'Masager': 'Manager'}. A word as near to two title words is left out.
    A word with the 'ii' the English model reads for 'ü' is mapped at any confidence when
    it spells a title word with 'ü': {'Geschaftsfiihrer': 'Geschäftsführer'}."""
    out: dict[str, str] = {}
    for w in words:
        t = w.text.strip(".,;:")
        low = fold(t)
        if len(low) < 6 or not low.isalpha() or {low, low.removesuffix("s")} & _KNOWN_WORDS:
            continue  # short, or a known word ('Partners' is no slip of 'partner')
        if "ii" in low and low.replace("ii", "u") in _TITLE_WORDS:
            key = low.replace("ii", "u")
        elif w.conf >= 70:
            continue  # read with confidence
        else:
            key, edits = nearest(low, _TITLE_WORDS, by_length=False)
            if not key or edits > (1 if len(low) <= 9 else 2):
                continue
        word = _TITLE_WORDS[key]
        out[w.text] = word.upper() if t.isupper() else word.capitalize() if t[:1].isupper() else word
    return out


# Text that is a web address, a profile path, an e-mail address or a handle, whole or
# misread: 'linkedin .convin/harry-whitfield', 'www.acme', 'acme.com', 'benoit@acme fr',
# '@acme_design'. Never a company (nor is the slash of a legal form: 'Maersk A/S', nor
# an '@' between words: 'Acme @ Home').
_WEB_LIKE_RE = re.compile(
    r"://|\b(?:www|https?)(?=\s*[.:]|//)|(?<![^\W_])[^\W_]{2,}/[^\W_]{2,}|[^\W_]@|@[^\W_]{2,}"
    r"|(?<![^\W_])[^\W_]{2,}\.(?:com|net|org|info|biz|io|de|fr|nl|be|ch|at|es|it|uk|ca|au|eu)\b",
    re.IGNORECASE,
)


def web_like(text: str) -> bool:
    """Whether a line is a web address, profile path or handle rather than words."""
    return bool(_WEB_LIKE_RE.search(text))


def spells_name(text: str, locals_: Sequence[str]) -> bool:
    """Whether a line is mostly words that e-mail local parts (or profile slugs) spell, that
    is the person's name read with some junk: '‘es Lefevre' beside 'lefevre@...'. Most of
    its letters are in such words, one of them of four letters or more."""
    pieces = {p for loc in locals_ for p in re.split(r"[._+\-\d]+", fold(loc)) if len(p) >= 3}
    words = re.findall(r"[a-z]+", fold(text))
    if not pieces or not words:
        return False
    named = [w for w in words if w in pieces]
    return any(len(w) >= 4 for w in named) and sum(map(len, named)) >= 0.6 * sum(map(len, words))


def company_score(text: str, domains: Sequence[str], locals_: Sequence[str] = ()) -> tuple[float, list[str]]:
    """(score, features): how much a line looks like a company name. A web address or
    handle scores 0 ('web-like'); so does a line that is mostly the words of an e-mail's
    local part, the person's name ('name-like'), unless a legal form or company word says
    otherwise."""
    feats = []
    score = 0.0
    ends_in_form = re.search(rf"\s(?:{SUFFIX_ALTS})\.?$", text, re.I)
    suffix = bool(ends_in_form or STRONG_SUFFIX_RE.search(text))
    # a line that ends in a legal form as a word of its own is a company, whatever it
    # names ('Acme.io GmbH'); a legal form inside an address is not ('www.acme-gmbh.de')
    if not ends_in_form and web_like(text):
        return 0.0, ["web-like"]
    if suffix:
        score += 0.6
        feats.append("company-suffix")
    words = {fold(t).strip(".,:;()&") for t in re.split(r"[\s:]+", text)}  # 'VIKAS:ELECTRICALS': a space read ':'
    if words & COMPANY_WORDS:
        score += 0.3
        feats.append("company-word")
    if not feats and spells_name(text, locals_):
        return 0.0, ["name-like"]
    if "&" in text or " and " in f" {text.lower()} ":
        score += 0.1
        feats.append("ampersand")
    best = 0.0
    for d in domains:
        label = name_label(d)
        core = COMPANY_SUFFIX_RE.sub(" ", text)
        best = max(best, similarity(core, label), similarity(text, label))
    if best >= 0.8:
        score += 0.6 * best
        feats.append("domain-match")
    elif best >= 0.6:
        score += 0.2
        feats.append("domain-partial")
    return min(score, 1.0), feats
