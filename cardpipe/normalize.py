"""Normalization: judge the candidates of `extract.py` and build a `ContactRecord`.

    OcrPage -> extract.propose() -> Candidates -> read_contact() -> ContactRecord

Extraction proposes; this module picks one value per field, puts it in its
normalized form (E.164 phones, `email_validator` normalized e-mails, website
without scheme, name in proper case split into given and family names) and
gives every field a confidence in 0..1 that combines the OCR word confidence
with how well the value fits (a validated e-mail, a valid number, a title
lexicon hit, a company suffix or agreement with the e-mail domain...). Fields
below `review_threshold` are listed in `ContactRecord.review`.

Values decoded from a QR code on the card (vCard, MeCard, URL) win over OCR
for the fields they cover.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from rapidfuzz.distance import Levenshtein

from . import extract as ex
from .extract.lexicon import CCTLDS, STRONG_SUFFIX_RE
from .models import Address, ContactRecord, OcrPage, OcrWord, Phone

log = logging.getLogger(__name__)

# Fit of a value with no other evidence than its shape; see _conf().
CONFIDENCE_FIELDS = ("name", "title", "company", "emails", "phones", "website", "address")


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


def _cap_part(part: str) -> str:
    low = part.lower()
    if len(low) > 2 and low.startswith("mc"):
        return "Mc" + low[2:].capitalize()
    if low in _MAC_NAMES:
        return "Mac" + low[3:].capitalize()
    return low.capitalize()


def _cap_token(token: str, first: bool) -> str:
    low = token.lower()
    if not first and low in ex.NAME_PARTICLES:
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
            _cap_token(t, i == 0) if len(t) > 1 and t.isupper() and t.lower() not in ex.NAME_SUFFIXES else t
            for i, t in enumerate(tokens)
        )
    return " ".join(_cap_token(t, i == 0) for i, t in enumerate(tokens))


def split_name(text: str) -> NameParts | None:
    """'Dr. JOHN MCDONALD, PhD' -> NameParts('John McDonald', 'John', 'McDonald', ('Dr.',), ('PhD',))."""
    pt = ex.person_tokens(text)
    if pt is None:
        return None
    prefixes, core, suffixes = pt
    cased = proper_case(" ".join(core)).split()
    if cased[0].islower() and ex.fold(cased[0]) in ex.GIVEN_NAMES:
        cased[0] = cased[0].capitalize()  # a given name OCR read in lower case: 'isla Walker'
    # family name: the last token plus the particles in front of it (van der Berg, de la Cruz)
    i = len(cased) - 1
    while i - 1 >= 1 and cased[i - 1].lower() in ex.NAME_PARTICLES:
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
        " ".join(fix(t) if t.lower() not in ex.NAME_PARTICLES else t for t in parts.family.split())
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
ACCENTED_GIVEN_NAMES = {ex.fold(n): n for n in sorted(ex.GIVEN_NAMES) if ex.fold(n) != n and ex.fold(n).isalpha()}
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
    keys = {ex.fold(t).strip(".,") for t in record.name.split()}
    best: list[OcrWord] = []
    for line in page.lines:
        words = [w for w in line.words if ex.fold(w.text).strip(".,") in keys]
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
    key = ex.fold(given)
    if given.isascii() and key in ACCENTED_GIVEN_NAMES:
        return ACCENTED_GIVEN_NAMES[key]
    if given.casefold() in ex.GIVEN_NAMES or (key in ex.GIVEN_NAMES and given.isascii()):
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
        if ex.fold(a) != ex.fold(b) and not a.isascii():
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
        and (parts.family == family or ex.fold(parts.family or "") == ex.fold(family)
             or accents_only(family, parts.family or ""))
    )


def take_name_accents(record: ContactRecord, page: OcrPage) -> ContactRecord:
    """The record with the name as `page` (a second read of the name's line) spells it,
    when that differs only by accents; otherwise the record unchanged."""
    if not record.name:
        return record
    want = ex.fold(record.name)
    for line in page.lines:
        parts = split_name(line.text.strip(_QUOTES))
        if (
            parts
            and parts.full != record.name
            and (ex.fold(parts.full) == want or accents_only(record.name, parts.full) or _known_form(record, parts))
            and not parts.full.isascii()
        ):
            return replace(record, name=parts.full, given_name=parts.given, family_name=parts.family)
    return record


def better_address(record: ContactRecord, other: ContactRecord) -> ContactRecord:
    """The record with the address of `other` (another read of the same card, e.g. in the
    card's language) when both found the same postcode and `other` read it with more
    confidence: the street and city in the card's own language ('Köln', not 'Kdéin'), or a
    street line the first read missed."""
    a, b = record.address, other.address
    if a is None or b is None or a == b or not a.postcode or not b.postcode:
        return record
    key = re.compile(r"\W")
    if key.sub("", a.postcode).upper() != key.sub("", b.postcode).upper():
        return record
    mine, theirs = record.confidence_map.get("address", 0.0), other.confidence_map.get("address", 0.0)
    if theirs <= mine:
        return record
    confidence = {**record.confidence_map, "address": theirs}
    review = [f for f in record.review if f != "address"] + (["address"] if "address" in other.review else [])
    order = {f: i for i, f in enumerate(CONFIDENCE_FIELDS)}
    return replace(
        record,
        address=b,
        confidence=tuple(sorted(confidence.items(), key=lambda kv: order.get(kv[0], 99))),
        review=tuple(sorted(review, key=lambda f: order.get(f, 99))),
    )


# --------------------------------------------------------------------------
# E-mails and website
# --------------------------------------------------------------------------


def _rn_m_variants(value: str, limit: int = 16) -> list[str]:
    """Every way of swapping 'rn' <-> 'm' in an address (at most `limit`)."""
    spots = [(m.start(), "rn", "m") for m in re.finditer("rn", value)] + [
        (m.start(), "m", "rn") for m in re.finditer("m", value)
    ]
    out = []
    for k in range(1, min(len(spots), 3) + 1):
        for combo in itertools.combinations(spots, k):
            starts = [c[0] for c in combo]
            if any(abs(a - b) < 2 for a, b in itertools.combinations(starts, 2)):
                continue
            v = value
            for start, old, new in sorted(combo, reverse=True):
                v = v[:start] + new + v[start + len(old) :]
            out.append(v)
            if len(out) >= limit:
                return out
    return out


def _validate(value: str) -> str | None:
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        return None


def _real_tld(tld: str) -> bool:
    return tld in ex.COMMON_TLDS or tld in CCTLDS


def _tld_ok(address: str) -> bool:
    return _real_tld(address.rpartition(".")[2].lower())


# Letters OCR reads one for another: thin strokes, round letters, arches, tails.
_TLD_SLIPS = ("iljtfr1", "ceoa", "nhmr", "uvy", "gq", "bh")


def _tld_slips(tld: str) -> set[str]:
    """The real TLDs one OCR slip away from `tld` ('nl', 'ni', 'nf', 'nr' for 'nt')."""
    out = set()
    for k, ch in enumerate(tld):
        for group in _TLD_SLIPS:
            for other in group.replace(ch, "") if ch in group else "":
                if _real_tld(tld[:k] + other + tld[k + 1 :]):
                    out.add(tld[:k] + other + tld[k + 1 :])
    return out


def card_tlds(cands: ex.Candidates) -> set[str]:
    """The country TLDs the card points to: its address's country, and the country of its
    numbers printed with `+` (or of all of them, when the address or a prefix set the region)."""
    regions = {a.country for a in cands.addresses if a.country}
    if cands.region_source in ("address", "phone-prefix"):
        regions.add(cands.region)
    for p in cands.phones:
        if p.raw.lstrip().startswith(("+", "00")):
            try:
                regions.add(phonenumbers.region_code_for_number(phonenumbers.parse(p.e164)))
            except phonenumbers.NumberParseException:
                pass
    return {"uk" if r == "GB" else r.lower() for r in regions if r}


def repair_tld(domain: str, others: Sequence[str], countries: set[str], *, unsure: bool = False) -> tuple[str, str]:
    """(domain, verdict): a two-letter TLD that does not exist ('tulip.nt', 'groupevertigo.ft'),
    or one read `unsure` (a bar for one of its letters: 'n!'), checked against the card.

    The real TLDs one OCR slip away are candidates; the one the card's other address
    (`others`: the website, the other e-mails) gives the same name, else the one of the
    card's country (`countries`, see `card_tlds`), is taken: verdict "repaired" ("" when
    the TLD was kept). When the card does not decide, the only candidate is taken, or the
    TLD is kept, and the verdict is "doubtful"."""
    name, _, tld = domain.lower().rpartition(".")
    if not name or len(tld) != 2 or (_real_tld(tld) and not unsure):
        return domain, ""
    near = _tld_slips(tld) | ({tld} if _real_tld(tld) else set())
    bare = name.removeprefix("www.")
    named = {o.lower().rpartition(".")[2] for o in others if o.lower().rpartition(".")[0].removeprefix("www.") == bare}
    for evidence in (named, countries):
        pick = near & evidence
        if len(pick) == 1:
            new = pick.pop()
            return f"{domain[: len(domain) - 2]}{new}", ("" if new == tld else "repaired")
    if len(near) == 1 and not _real_tld(tld):
        return f"{domain[: len(domain) - 2]}{near.pop()}", "doubtful"
    return domain, "doubtful"


@dataclass(frozen=True)
class _Judged:
    value: str
    fit: float
    conf: float  # OCR, 0..100
    note: str = ""
    repairs: tuple[str, ...] = ()  # the candidate's OCR repairs ("lost-start", "bar-for-l"...)


_FREEMAIL_LABELS = [(d.partition(".")[0], d) for d in sorted(ex.FREEMAIL) if len(d.partition(".")[0]) >= 5]


def _freemail_slip(domain: str) -> str | None:
    """The free-mail domain one letter away from `domain` ('gmai.com', 'hotrnail.com' are
    misreads: nobody prints them), or None."""
    domain = domain.lower()
    if domain in ex.FREEMAIL or ex.is_freemail(domain):
        return None
    label, _, rest = domain.partition(".")
    near = {
        d
        for name, d in _FREEMAIL_LABELS
        if d.partition(".")[2] == rest and Levenshtein.distance(label, name) <= (2 if "rn" in label else 1)
    }
    return near.pop() if len(near) == 1 else None


def judge_email(cand: ex.EmailCandidate, site_domain: str | None, site_conf: float = 100.0) -> _Judged | None:
    """Validate an e-mail candidate, trying 'rn'/'m' and TLD digit repairs when they help.

    A domain one or two letters away from the website's is taken from the
    website when the website was read with more confidence (`site_conf`, 0..100).
    """
    value = cand.value
    local, _, domain = value.rpartition("@")
    tld = domain.rpartition(".")[2]
    fixed_tld = tld.translate(str.maketrans({"0": "o", "1": "l"}))
    if fixed_tld != tld:
        value = f"{local}@{domain[: len(domain) - len(tld)]}{fixed_tld}"
    fit = 1.0 if not cand.repairs else 0.85
    if "stray-piece" in cand.repairs:
        fit *= 0.8
    freemail = _freemail_slip(value.rpartition("@")[2])
    if freemail:
        value, fit = f"{local}@{freemail}", fit * 0.9
    original = _validate(value)
    if site_domain and original and ex.registrable_domain(original.rpartition("@")[2]) == site_domain:
        return _Judged(original, fit, cand.evidence.conf)
    variants = _rn_m_variants(value)
    if site_domain:
        for v in variants:
            n = _validate(v)
            if n and ex.registrable_domain(n.rpartition("@")[2]) == site_domain:
                return _Judged(n, fit * 0.85, cand.evidence.conf, "rn-m")
    if site_domain and original:
        # one or two misread characters in the domain of a company address ("Ilumiere...")
        domain = original.rpartition("@")[2]
        reg = ex.registrable_domain(domain)
        if (
            not ex.is_freemail(reg)
            and reg != site_domain
            and site_conf > cand.evidence.conf
            and (_tld_ok(site_domain) or not _tld_ok(reg))  # not 'tulip.nl' -> 'tulip.nt'
        ):
            dist = Levenshtein.distance(reg, site_domain)
            if dist <= 2 and dist <= 0.2 * len(site_domain):
                fixed = _validate(
                    original.rpartition("@")[0] + "@" + domain[: len(domain) - len(reg)] + site_domain
                )
                if fixed:
                    return _Judged(fixed, fit * 0.8, cand.evidence.conf, "domain-from-website")
    if original and _tld_ok(original):
        return _Judged(original, fit, cand.evidence.conf)
    for v in variants:
        n = _validate(v)
        if n and _tld_ok(n):
            return _Judged(n, fit * 0.75, cand.evidence.conf, "rn-m")
    if original:
        return _Judged(original, fit * 0.6, cand.evidence.conf, "unknown-tld")
    return None


def _personal_domain(name: NameParts | None, domain: str) -> bool:
    """Whether a domain spells the person's whole name (averyroy.com, jdoe.com): their own site."""
    return name is not None and ex.email_local_match(name.full.split(), [ex.domain_label(domain)]) >= 0.95


def _near_name(local: str, name: NameParts) -> bool:
    """Whether an e-mail's local part almost, but not quite, spells a part of the name
    ('agner70' for Wagner, 'rousscau' for Rousseau, 'acampbeli'): a letter lost or misread.
    Exact spellings, with an initial or German transliteration ('joerg'), are not near."""
    from rapidfuzz import fuzz

    parts = [*name.full.split(), *(p.replace(" ", "") for p in (name.given, name.family) if p and " " in p)]
    words = [re.sub(r"[^a-z]", "", ex.fold(w)) for w in parts]  # 'de Jong' also as 'dejong'
    words = [w for w in words if len(w) >= 3]
    translit = [re.sub(r"[^a-z]", "", w.lower().translate(_TRANSLIT_MAP)) for w in parts]
    whole = [re.sub(r"[^a-z]", "", ex.fold(p)) for p in (name.given, name.family) if p]
    spelled = set(words) | set(translit) | {"".join(whole), "".join(reversed(whole))}
    initials = {w[0] for w in words}
    for piece in (p for p in re.split(r"[._+\-\d]+", ex.fold(local)) if len(p) >= 4):
        if piece in spelled or (piece[0] in initials and piece[1:] in spelled) or (piece[-1] in initials and piece[:-1] in spelled):
            continue
        for w in spelled:
            if len(w) >= 4 and (fuzz.ratio(piece, w) >= 80 or fuzz.ratio(piece[1:], w) >= 80):
                return True
    return False


def _local_forms(name: NameParts) -> tuple[set[str], set[str]]:
    """(accepted, targets): how an e-mail's local part may spell the name ('helene',
    'rousseau', 'hrousseau', 'helenerousseau'...), folded to ASCII; `targets`, the spellings a
    misread piece is repaired to, transliterate umlauts ('joerg', not 'jorg'), `accepted`
    holds both."""

    def spellings(spell: Callable[[str], str]) -> set[str]:
        def words(part: str | None) -> list[str]:
            out = [re.sub(r"[^a-z]", "", spell(w)) for w in re.split(r"[\s-]+", part or "")]
            return [w for w in out if w]

        given = words(name.given)
        family = [w for w in words(name.family) if w not in ex.NAME_PARTICLES]
        if not given or not family:
            return set()
        g, f = "".join(given), "".join(words(name.family))  # with its particles: 'vanderberg'
        forms = {*given, *family, g, f, "".join(family), g + f, f + g, g[0] + f, f + g[0]}
        return {x for x in forms if len(x) >= 2}

    targets = spellings(lambda t: ex.fold(t.lower().translate(_TRANSLIT_MAP)))
    return targets | spellings(ex.fold), targets


_TRANSLIT_MAP = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_DIGIT_SLIPS = str.maketrans({"o": "0", "l": "1", "i": "1", "s": "5", "b": "8", "z": "2"})


# An e-mail a letter away from the person's name (a website from the company's) is repaired
# to that spelling only when OCR itself doubted it (mean word confidence under this); one
# read well may really be spelled so (mohamed@ for Mohammed), and an e-mail is flagged for
# review instead: a wrong repair of a right address would be silent.
REPAIR_BELOW = 80.0


def local_from_name(local: str, name: NameParts) -> tuple[str, str]:
    """(local part, verdict): an e-mail's local part checked against the person's name.

    The verdict is "repaired" when a piece of it (between `.`, `_`, `-`) was a letter away
    from a spelling of the name, two in a long one, and now spells it ('a.campbeli' ->
    'a.campbell', 'helene.rousscau' -> 'helene.rousseau', 'igiraré' -> 'igirard'); beside a
    piece that spells the name exactly, the other name may also have lost its first letters
    ('elene.rousseau'); and the number after the name gets its digits back ('berenger7S' ->
    'berenger75'). It is "near" when a piece beside the name is two letters away from the
    other name ('perg.wagner' for Jörg Wagner: 'jorg' or 'joerg'?), "truncated" when the
    address starts with only the end of the name ('agner70' for Wagner, 'renger75' for
    Bérenger: the first letters were lost, and which ones is not known); then nothing is
    repaired. "" otherwise. A piece as near to two spellings as to one, or the start of the
    name ('steve' for Steven: a short form), is left alone.
    """
    accepted, targets = _local_forms(name)
    if not targets:
        return local, ""
    parts = re.split(r"([._+-])", local)
    heads: dict[int, tuple[str, str]] = {}
    for i, piece in enumerate(parts):
        m = re.fullmatch(r"([^\W\d_]+)(\d\w*)?", piece)
        if m:
            heads[i] = (m.group(1), m.group(2) or "")
    exact = {i for i, (head, _) in heads.items() if ex.fold(head) in accepted}
    verdicts: set[str] = set()
    for i, (head, tail) in heads.items():
        low = ex.fold(head)
        first = i == 0
        beside = bool(exact - {i})  # another piece spells the name: this one is the other name
        if i not in exact and len(low) >= 4:
            form, edits = ex.nearest(low, [f for f in targets if len(f) >= 4])
            if not form:
                pass  # as near to two spellings ('marq' for Mark Marx): nothing to say which
            elif form.startswith(low):
                pass  # 'steve' for Steven, 'chris' for Christine: a short form, not a slip
            elif edits <= (2 if len(form) > 9 else 1) and (len(form) >= 5 or beside):
                if first and not beside and form.endswith(low):
                    verdicts.add("truncated")  # 'agner' for 'wagner': the start is lost
                else:
                    head = form
                    exact.add(i)
                    verdicts.add("repaired")
            elif beside and edits == 2:
                verdicts.add("near")  # 'perg.wagner' for Jörg Wagner: 'jorg' or 'joerg'?
        if i not in exact and first and not beside and len(low) >= 3:
            if any(len(f) >= len(low) + 2 and f.endswith(low) for f in accepted):
                verdicts.add("truncated")  # 'renger' for 'berenger', 'ard' for 'igirard'
        if i in exact and re.fullmatch(r"\d[\dolisbz]*", tail, re.I) and not tail.isdigit():
            tail = tail.lower().translate(_DIGIT_SLIPS)
            verdicts.add("repaired")
        parts[i] = head + tail
    verdict = next((v for v in ("truncated", "near", "repaired") if v in verdicts), "")
    return "".join(parts), verdict


def _name_words(text: str | None) -> set[str]:
    """The folded words of a given or family name: 'Jean-Luc' -> {'jean', 'luc'}."""
    return {ex.fold(w).lower() for w in re.split(r"[\s-]+", text or "") if w}


def _family_spellings(name: NameParts) -> set[str]:
    """The family name's words as an e-mail may spell them: 'Müller' -> {'muller', 'mueller'}."""
    family = _name_words(name.family)
    return family | {f.translate(_TRANSLIT_MAP) for f in family}


def _given_initials(name: NameParts) -> set[str]:
    return {w[:1] for w in _name_words(name.given)}


def lead_from_name(local: str, repairs: Sequence[str], name: NameParts | None) -> tuple[str, str]:
    """(local part, verdict): the first letter of a local part, misread or lost, checked
    against the person's name.

    OCR reads a lower-case `l` as `I`, `|` or `!` ('Itremblay', '|.wilson'). An `I` before a
    lower-case rest is the `l` when `l` then spells the name (Liam Tremblay: 'ltremblay'),
    an `i` when that does ('Itremblay' for Ian); a bar read as `l` (repair "bar-for-l") is
    kept when the given name starts with L, made an `i` when it starts with I. When the start
    of the address was lost ("lost-start": '.wilson@', 'SCHAFER!“fer@') and what is left
    is the family name after a dot, the given name's initial goes back before the dot
    ('l.wilson' for Liam Wilson), but that stays a guess. The verdict is "repaired", "doubtful"
    (flag it: the name does not say, or the repair is a guess) or "". The extraction's
    guesses, a colon read for the dot after an initial ('f:moreau' -> 'f.moreau') and a
    separator dropped from a pair ('sophie.-hughes'), are "doubtful" unless the name is spelled.
    """
    guessed = {"colon-for-dot", "double-separator"} & set(repairs)  # 'f:moreau', 'sophie.-hughes'
    if name is None:
        doubt = "bar-for-l" in repairs or "lost-start" in repairs or bool(guessed)
        return local, "doubtful" if doubt else ""
    initials = _given_initials(name)
    accepted = _local_forms(name)[0]
    family = _family_spellings(name) - set(ex.NAME_PARTICLES)

    def spells(loc: str) -> bool:
        """Whether the local part starts with a spelling of the name ('ltremblay', 'l.wilson')."""
        pieces = [ex.fold(p).lower() for p in re.split(r"[._+\-\d]+", loc) if p]
        if len(pieces) >= 2 and len(pieces[0]) == 1:
            return pieces[0] in initials and pieces[1] in accepted
        return bool(pieces) and pieces[0] in accepted

    if re.fullmatch(r"I[a-z][a-z0-9._+-]*", local):
        rest = local[1:]
        for letter in "li":
            if letter in initials and spells(letter + rest):
                return letter + rest, "repaired"
        named = any(spells(x) for x in (rest, "l" + rest, "i" + rest))
        return local, ("doubtful" if named else "")  # 'Info@' says nothing either way
    if "bar-for-l" in repairs:
        if spells(local):
            return local, "repaired"
        if spells("i" + local[1:]):
            return "i" + local[1:], "repaired"
        return local, "doubtful"
    if "lost-start" in repairs:
        head = re.split(r"[._+\-\d]+", ex.fold(local).lower())[0]
        if "lost-before-dot" in repairs and len(initials) == 1 and head in family:
            return f"{next(iter(initials))}.{local}", "doubtful"
        return local, "doubtful"
    if guessed:
        return local, ("" if spells(local) else "doubtful")
    return local, ""


def given_before(
    cand: ex.EmailCandidate, segments: Sequence[ex.Segment], name: NameParts
) -> tuple[str, str] | None:
    """(local part, verdict) with the given name printed before it, when the dot between
    the two was read as a space ('pieter jansen@' for Pieter Jansen: 'pieter.jansen'), or None.

    The word before must spell the given name in lower case, as the address does (a name
    printed beside an address is capitalised), close enough to be the same run of type. The
    initial 'e.' before the family name ('e. wilson@' for Ethan Wilson) may as well be the
    label 'e.' (e-mail): then the verdict is "doubtful", else ""."""
    local = cand.value.rpartition("@")[0]
    box = cand.evidence.box
    for seg in segments:
        if seg.line != cand.evidence.line:
            continue
        k = next((k for k, w in enumerate(seg.words) if w.left == box.left and w.top == box.top), None)
        if not k:
            continue
        prev, first = seg.words[k - 1], seg.words[k]
        gap = first.left - (prev.left + prev.width)
        if prev.text != prev.text.lower() or gap > 1.5 * max(first.height, 1):
            return None
        word = ex.fold(prev.text).lower()
        if re.split(r"[._+\-\d]+", ex.fold(local).lower())[0] not in _family_spellings(name):
            return None
        if word in _name_words(name.given):
            return f"{word}.{local}", ""
        if word == "e." and _given_initials(name) == {"e"}:
            return f"e.{local}", "doubtful"
        return None
    return None


def _company_spellings(company: str, *, leading: bool = False) -> list[str]:
    """How a website may spell a company's name: 'harbourfinch' and 'harbour-finch' for
    'Harbour & Finch Ltd' (no legal suffix, no '&' or 'and'); with `leading`, its first
    words only ('northern-lights', 'northern' for 'Northern Lights Energy Ltd.')."""
    core = ex.COMPANY_SUFFIX_RE.sub(" ", company)
    words = [w for w in re.split(r"[^a-z0-9]+", ex.fold(core)) if w and w not in {"and", "und", "et"}]
    if not words:
        return []
    if leading:
        return list(dict.fromkeys(s for k in range(1, len(words)) for s in ("".join(words[:k]), "-".join(words[:k]))))
    return list(dict.fromkeys(["".join(words), "-".join(words)]))


def website_from_names(website: str, spellings: Sequence[str], misread: Sequence[str] = ()) -> str | None:
    """The website with its name replaced by one of `spellings` (domain names such as
    'harbourfinch' or 'oceane-transports', read elsewhere on the card) when it is one or two
    letters away from it ('harbourtinch', 'oceane4transports'); None when it already is one
    of them or none is that near. A spelling of `misread` counts only when one letter of
    the name is misread ('northerm-lights' for 'northern-lights'; not 'acme-labs' for
    'acme-lab', 'northern-light' for 'northernlights')."""
    host, slash, path = website.partition("/")
    reg = ex.registrable_domain(host)
    label = reg.split(".")[0]
    names = {s for s in spellings if len(s) >= 5}
    if label in names or label in misread:
        return None
    names |= {
        s for s in misread if len(s) == len(label) >= 5 and sum(a != b for a, b in zip(s, label, strict=True)) == 1
    }
    if not names or len(label) < 4:
        return None
    name, edits = ex.nearest(label, names)
    if not name or edits > (1 if len(name) <= 9 else 2):
        return None
    return host[: len(host) - len(reg)] + name + reg[len(label) :] + slash + path


def _company_from_domain(domain: str) -> str:
    label = ex.name_label(domain)  # 'Bastide' for www.bastide, not 'WWW'
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
    if m and ex.COMPANY_SUFFIX_RE.search(" " + m.group(1) + "."):
        return company + "."
    return company


def _suffix_key(word: str) -> str:
    return re.sub(r"[^a-z]", "", ex.fold(word))


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
    if len(core) < 2 or STRONG_SUFFIX_RE.fullmatch(word) or ex.fold(core) in ex.GIVEN_NAMES:
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
        folded = ex.fold(text.lower())
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
    for form in ex.COMPOUND_SUFFIXES:
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
        forms = {_suffix_key(f): f for f in ex.LONG_SUFFIXES}
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
        and key in ex.DOTTED_SUFFIXES
        and before.endswith((".", ".,"))
        and before.strip(".,") in ex.DOTTED_SUFFIXES
    ):
        words[-1] = last + "."
    return " ".join(words)


def _names_site(texts: Sequence[ex.TextCandidate], domain: str) -> bool:
    """Whether the domain spells a line that is the person's name by the e-mail ('‘es
    Lefevre' beside lefevre@gmail.com, for ineslefevre.fr): a personal site, no company."""
    label = re.sub(r"[^a-z]", "", ex.fold(ex.name_label(domain)))
    for t in texts:
        if "name-like" in t.features:
            words = [w for w in re.findall(r"[a-z]+", ex.fold(t.text)) if len(w) >= 4]
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
    folded = ex.fold(word)
    if len(word) < 5 or any(folded in label for label in labels):
        return None
    for k in range(len(word) - 1):
        a, b = word[k], word[k + 1]
        if a.isalpha() and b.isalpha() and a != b and ex.fold(a) == ex.fold(b) and a.isascii() != b.isascii():
            one = word[:k] + (b if a.isascii() else a) + word[k + 2 :]
            if any(ex.fold(one) in label for label in labels):
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
        label = ex.name_label(d)  # 'bastide' for www.bastide, as company_score reads it
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
                if ex.fold(low) == ex.fold(piece):
                    break
                d = Levenshtein.distance(low, piece)
                if d <= (1 if len(low) < 8 else 2) and len(piece) == len(low):
                    best = piece
                    break
        out.append(word.replace(core, _match_case(best, core)) if best else word)
    return " ".join(out)


# --------------------------------------------------------------------------
# The record
# --------------------------------------------------------------------------


def _conf(fit: float, ocr: float, weight: float = 0.7) -> float:
    """Combine how well a value fits (0..1) with its OCR confidence (0..100).

    `weight` is how much the OCR confidence counts: less for values whose
    structure was checked (a validated e-mail, a valid number).
    """
    ocr01 = max(0.0, min(ocr, 100.0)) / 100.0
    return round(max(0.0, min(1.0, fit * (1 - weight + weight * ocr01))), 3)


def _agree(conf: float, times: int = 1) -> float:
    """Raise a confidence for each independent agreement (two reads that say the same thing)."""
    for _ in range(times):
        conf = 1 - (1 - conf) * 0.5
    return round(conf, 3)


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


def read_contact(
    page: OcrPage,
    *,
    region: str = "US",
    review_threshold: float = 0.6,
    qr_texts: Sequence[str] = (),
) -> ContactRecord:
    """Read a contact from one OCR'd card.

    `region` is the phone region for numbers printed without `+` when the card
    itself (address, website) does not tell. Fields whose confidence is under
    `review_threshold` are listed in `review`. Payloads of QR codes on the card
    (vCard, MeCard, URL) win over OCR for the fields they cover.
    """
    cands = ex.propose(page, region=region)
    return judge(cands, review_threshold=review_threshold, qr_texts=qr_texts)


@dataclass
class _Draft:
    """The record being built, with one confidence per field."""

    conf: dict[str, float]
    name: NameParts | None = None
    title: str | None = None
    company: str | None = None
    emails: list[str] | None = None
    phones: list[Phone] | None = None
    website: str | None = None
    address: Address | None = None
    social: dict[str, str] | None = None


def _joined_site(site: ex.UrlCandidate, urls: Sequence[ex.UrlCandidate]) -> ex.UrlCandidate:
    """The website with the rest of its host from the next line, when a line break cut it
    after the first letters of the name ('Www.ba' / 'Uersystems.de', read as two words or two
    lines): 'www.' and one word is no website. Only a plain 'label.tld' is the rest of it:
    'shop.lindner.de' below 'www.lindnerlogistik' is a website of its own."""
    if not re.fullmatch(r"www\.[a-z0-9-]+", site.value):
        return site
    after = list(urls)[list(urls).index(site) + 1 :] if site in urls else []
    for u in after[:1]:
        same_seg = (u.evidence.line, u.evidence.box) == (site.evidence.line, site.evidence.box)
        if u.network is None and re.fullmatch(r"[a-z0-9-]+\.[a-z]{2,}", u.value) and (
            same_seg or u.evidence.line == site.evidence.line + 1
        ):
            ev = replace(site.evidence, conf=min(site.evidence.conf, u.evidence.conf))
            return ex.UrlCandidate(site.value + u.value, f"{site.raw} {u.raw}", None, ev)
    return site


def _pick_website(cands: ex.Candidates) -> tuple[ex.UrlCandidate | None, dict[str, str]]:
    """The website (explicit before bare, the first on the card), and the social profiles.

    A bare domain read with a space beside its dot ('groupevertigo. fr') is taken only when
    an e-mail on the card has that domain: alone, it is as likely a misread word."""
    mail_domains = {ex.registrable_domain(e.value.rpartition("@")[2]) for e in cands.emails}
    sites = sorted(
        (
            u
            for u in cands.urls
            if u.network is None
            and (u.evidence.rule != "url:bare-spaced" or ex.registrable_domain(u.value) in mail_domains)
        ),
        key=lambda u: (not u.evidence.rule.endswith("explicit"), u.evidence.line),
    )
    if sites:
        sites[0] = _joined_site(sites[0], cands.urls)
    social: dict[str, str] = {}
    for u in cands.urls:
        if u.network and u.network not in social:
            social[u.network] = u.value
    return (sites[0] if sites else None), social


_LEADING_TITLE_RE = re.compile(r"^\s*(prop\.|propr\.|proprietor)\s+", re.IGNORECASE)


def _pick_name(
    texts: Sequence[ex.TextCandidate], locals_: Sequence[str] = ()
) -> tuple[NameParts | None, ex.TextCandidate | None, str | None]:
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
        if sep and ex.title_score(tail)[1]:
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
            if locals_ and ex.email_local_match(head.split(), locals_) >= 0.7 and tail:
                parts = split_name(head)
                if parts:
                    return parts, t, _clean_title(tail)
    return None, None, None


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
    best: ex.TextCandidate, cands: ex.Candidates, texts: Sequence[ex.TextCandidate], taken: set[int]
) -> tuple[str, list[int]]:
    """The company line with the row of its name printed right above or below it: a
    wordmark over the rest ('SELI' / 'OVERSEAS'), a name over its legal form ('DEMIR RAF'
    / 'METAL SAN. ve TİC. LTD. ŞTİ.'). A row joins only when it is no other field (no
    name, title, e-mail, web or number), short, and of a size with the company line."""
    segs = {s.index: s for s in cands.segments}
    by_seg = {t.segment: t for t in texts}
    seg = segs[best.segment]

    def fits(other: ex.Segment | None) -> ex.TextCandidate | None:
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
    above = ex.neighbours_above(seg, cands.segments, taken)[:1]
    if above and above[0].box.top < seg.box.top and seg.box.top - above[0].box.bottom <= 0.8 * max(seg.height, above[0].height):
        t = fits(above[0])
        if t is not None and (suffixed or "company-word" in best.features) and (
            t.text.isupper() or t.company_score >= 0.3
        ):
            text, used = f"{t.text.strip(' ,')} {text}", [t.segment, *used]
    if not suffixed:
        below = ex.neighbour_below(seg, cands.segments, max_gap=0.8)
        t = fits(below)
        # a legal form below; or, under a name the domain spells and nothing more ('AYGÜN'),
        # the trade it is in ('aluminium', 'KAZAN MAKİNA SANAYİ')
        trade = {"company-word", "domain-match"} & set(t.features) if t is not None else set()
        bare = "domain-match" in best.features and "company-word" not in best.features
        if t is not None and ("company-suffix" in t.features or (trade and bare)):
            text, used = f"{text} {t.text.strip(' ,')}", [*used, t.segment]
    return text, used


def _pick_title(
    cands: ex.Candidates, texts: Sequence[ex.TextCandidate], name_seg: int | None, taken: set[int]
) -> tuple[str | None, list[int], float]:
    """The title: right under the name, or the best lexicon hit; two lines when the first runs on."""
    segs = {s.index: s for s in cands.segments}
    by_seg = {t.segment: t for t in texts}
    first = None
    if name_seg is not None:
        below = ex.neighbour_below(segs[name_seg], cands.segments, max_gap=2.5)
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
    nxt = ex.neighbour_below(segs[first.segment], cands.segments, max_gap=1.2)
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


def _qr_site_is_the_site(qr_site: str, printed: str | None) -> bool:
    """Whether a QR code's URL is the card's website: when the card prints none, or the
    same domain. A code often points elsewhere (a link shortener, a profile page, a
    vCard service); the printed site stays the website then."""
    if not printed:
        return True
    a = ex.registrable_domain(qr_site.split("/")[0]) or qr_site
    b = ex.registrable_domain(printed.split("/")[0]) or printed
    return Levenshtein.normalized_similarity(a.lower(), b.lower()) >= 0.85  # the same domain, or misread


def judge(
    cands: ex.Candidates,
    *,
    review_threshold: float = 0.6,
    qr_texts: Sequence[str] = (),
) -> ContactRecord:
    """Pick and normalize one value per field from the candidates, with confidences."""
    conf: dict[str, float] = {}

    # ---- website and social profiles
    site, social = _pick_website(cands)
    website = site.value if site else None
    site_conf = site.evidence.conf if site else 0.0
    from .qr import parse_payload

    for payload in qr_texts:  # a website in a QR code is exact: judge the e-mails against it
        q = parse_payload(payload)
        if q is not None and q.website and _qr_site_is_the_site(q.website, website):
            website, site_conf = q.website, 100.0
    site_domain = ex.registrable_domain(website.split("/")[0]) if website else None
    # a TLD that does not exist ('www.tulip.nt'), repaired by what the card says: the
    # e-mail's TLD (anouk@tulip.nl), the country of the address or numbers
    countries = card_tlds(cands)
    mail_hosts = [c.value.rpartition("@")[2] for c in cands.emails]
    site_tld_doubt = False
    if site is not None and website == site.value:
        host, slash, path = website.partition("/")
        fixed_host, verdict = repair_tld(host, mail_hosts, countries)
        site_tld_doubt = verdict == "doubtful"
        if fixed_host != host:
            website, site_domain = fixed_host + slash + path, ex.registrable_domain(fixed_host)

    # ---- e-mails
    judged: list[_Judged] = []
    email_failed = False
    tld_doubt: set[str] = set()
    for c in cands.emails:
        host = c.value.rpartition("@")[2]
        others = [h for h in (website.split("/")[0] if website else "", *mail_hosts) if h and h != host]
        fixed_host, verdict = repair_tld(host, others, countries, unsure="bar-in-tld" in c.repairs)
        if fixed_host != host:
            c = replace(c, value=c.value[: len(c.value) - len(host)] + fixed_host)
        if "spaces" in c.repairs and not _tld_ok(fixed_host):
            # words joined across spaces into no real domain ('K@6nigsallee 472, 20095 Hamburg,
            # Deutschland': an address line with an '@' slip): not an e-mail
            email_failed = True
            continue
        j = judge_email(c, site_domain, site_conf)
        if j is not None:
            j = replace(j, repairs=c.repairs)
        if j is None:
            email_failed = True
        elif j.value.lower() not in {x.value.lower() for x in judged}:
            judged.append(j)
            if verdict == "doubtful":
                tld_doubt.add(j.value)
    emails = [j.value for j in judged]
    email_domains = [e.rpartition("@")[2].lower() for e in emails]
    company_domains = [d for d in email_domains if not ex.is_freemail(d)]
    domains = ([site_domain] if site_domain else []) + company_domains

    # ---- name, title, company
    texts = list(cands.texts)
    name, name_cand, title_after_name = _pick_name(texts, [c.value.rpartition("@")[0] for c in cands.emails])
    taken: set[int] = {name_cand.segment} if name_cand else set()
    locals_ = [e.rpartition("@")[0] for e in emails]
    if name is not None and name_cand is not None:
        slugs = [v.rstrip("/").rpartition("/")[2] for net, v in social.items() if net == "linkedin"]
        restored = restore_umlauts(name, [*locals_, *slugs])
        local_match = ex.email_local_match(restored.full.split(), locals_)
        fit = min(1.0, 0.35 + name_cand.name_score * 0.7)
        seg = next((x for x in cands.segments if x.index == name_cand.segment), None)
        weakest = min((w.conf for w in seg.words), default=name_cand.evidence.conf) if seg else name_cand.evidence.conf
        conf["name"] = _conf(fit, (name_cand.evidence.conf + weakest) / 2)  # one badly read word counts
        if local_match >= 0.7 or restored is not name:
            conf["name"] = _agree(conf["name"])
        name = restored
    else:
        local_match = 0.0
        conf["name"] = 0.0

    if title_after_name is not None:
        title, title_segs = title_after_name, []
        conf["title"] = _conf(0.75, name_cand.evidence.conf if name_cand else 0.0)
    else:
        title, title_segs, title_conf = _pick_title(
            cands, texts, name_cand.segment if name_cand else None, taken
        )
        if title:
            conf["title"] = title_conf
    taken.update(title_segs)

    company = None
    company_read = False
    rest = [t for t in texts if t.segment not in taken]
    best = max(rest, key=lambda t: (t.company_score, -t.segment)) if rest else None
    if best is not None and best.company_score >= 0.5:
        # a domain read worse than the company line does not repair it: the company's
        # 'Northern' (96) stays, and spells the website's 'northerm' (59) right instead
        company_seg = next((s for s in cands.segments if s.index == best.segment), None)
        weakest = min(
            (w.conf for w in company_seg.words if w.text in best.text.split()) if company_seg else (),
            default=best.evidence.conf,
        )
        read_conf = {site_domain: site_conf} if site_domain else {}
        for j in judged:
            d = j.value.rpartition("@")[2].lower()
            read_conf[d] = max(read_conf.get(d, 0.0), j.conf)
        repair_from = [d for d in domains if read_conf.get(d, 0.0) >= weakest]
        company_text, company_segs = _company_rows(best, cands, texts, taken)
        taken.update(company_segs)
        company = complete_suffix(
            read_suffix(repair_company_words(company_text.strip(" ,"), repair_from), [*domains, *emails])
        )
        company_read = True
        suffix = "company-suffix" in best.features
        fit = 0.9 if suffix else 0.75 if "company-word" in best.features else 0.6
        c = _conf(fit, best.evidence.conf)
        c = _agree(c) if "domain-match" in best.features else c
        if re.search(r"\d{4}", company):
            c *= 0.6  # 'Lumière Conseil SARL 13001 Marseille': an address line run into the name
        conf["company"] = round(c, 3)
    elif domains and not _personal_domain(name, domains[0]) and not _names_site(texts, domains[0]):
        # (a domain that spells the person's name, averyroy.com, is a personal site: no company)
        company = _company_from_domain(domains[0])
        conf["company"] = 0.45  # derived, not read: a human should look
    elif (
        not domains
        and best is not None
        and best.company_score >= 0.3
        and best.name_score < 0.4
        and ex.fold(best.text.split()[-1]).strip(".,") in ex.COMPANY_WORDS
    ):
        # no domain to go by, and a line that ends in a company word ('ORANJEWOUD MEDIA'):
        # most likely the company, but a human should look
        company = best.text.strip(" ,")
        company_read = True
        conf["company"] = round(min(0.5, _conf(0.6, best.evidence.conf)), 3)
    if name is None and best is not None and company_read and {"person-shape", "given-name"} <= set(best.features):
        # no name found, and the "company" is a given name and a family name that the domain
        # spells (Jane Doe, janedoe.studio): a personal site; the line is the name (but
        # Hansa Druck, hansadruck.de, is a company: Hansa is no given name)
        parts = split_name(best.text)
        if parts is not None and domains and _personal_domain(parts, domains[0]):
            name, name_cand, company, company_read = parts, best, None, False
            conf["name"] = _conf(0.75, best.evidence.conf)
            conf.pop("company", None)

    # ---- e-mails checked against the name (read in a larger type, so with more confidence):
    # a misread letter repaired, a lost start flagged
    doubtful: set[str] = set(tld_doubt)
    if name is not None and name_cand is not None:
        checked: list[_Judged] = []
        by_value = {c.value.lower(): c for c in cands.emails}
        for j in judged:
            start = j.value
            local, _, domain = j.value.rpartition("@")
            cand = by_value.get(j.value.lower())
            before = given_before(cand, cands.segments, name) if cand is not None else None
            if before and _validate(f"{before[0]}@{domain}"):
                j = replace(j, value=f"{before[0]}@{domain}", fit=j.fit * 0.9, note="given-before")
                local = before[0]
                if before[1] == "doubtful":
                    doubtful.add(j.value)
            lead, lead_verdict = lead_from_name(local, j.repairs, name)
            if lead != local and _validate(f"{lead}@{domain}"):
                j = replace(j, value=_validate(f"{lead}@{domain}") or j.value, note="lead-from-name")
                local = lead
            if lead_verdict == "doubtful":
                doubtful.add(j.value)
            fixed, verdict = local_from_name(local, name)
            if verdict in ("truncated", "near"):
                doubtful.add(j.value)
            elif verdict == "repaired" and (j.conf >= REPAIR_BELOW or name_cand.evidence.conf < j.conf):
                doubtful.add(j.value)  # read well, yet a letter off the name: Mohamed may be right
            elif verdict == "repaired":
                value = _validate(f"{fixed}@{domain}")
                if value:
                    j = replace(j, value=value, fit=j.fit * 0.9, note="local-from-name")
            if start in doubtful:
                doubtful.add(j.value)
            if j.value.lower() not in {x.value.lower() for x in checked}:
                checked.append(j)
        judged = checked
        emails = [j.value for j in judged]
    else:
        for j in judged:
            if lead_from_name(j.value.rpartition("@")[0], j.repairs, None)[1] == "doubtful":
                doubtful.add(j.value)

    # ---- confidences of e-mails and website, from OCR and from agreement
    if judged:
        confs = []
        for j in judged:
            local, _, domain = j.value.rpartition("@")
            c = _conf(j.fit, j.conf, weight=0.5)
            odd = local != local.lower() and local != local.upper()
            if odd:
                c *= 0.7  # "ESAclgado": mixed case is rare in printed addresses, common in OCR junk
            near = name is not None and _near_name(local, name)
            named = not near and name is not None and ex.email_local_match(name.full.split(), [local]) >= 0.7
            agreements = int(named)
            if site_domain and ex.registrable_domain(domain) == site_domain and (named or not odd):
                agreements += 1
            c = _agree(c, agreements)
            if near or j.value in doubtful:
                c *= 0.6  # 'agner70' for Wagner, 'rousscau' for Rousseau: almost the name, so misread
            elif not named and ex.is_freemail(domain):
                c *= 0.6  # a personal address that says nothing of whose it is: nothing to check it by
            confs.append(round(c, 3))
        conf["emails"] = min(confs)
    elif email_failed:
        conf["emails"] = 0.0
    if site is not None:
        fit = 0.9 if site.evidence.rule.endswith("explicit") else 0.85
        if website == site.value and site.evidence.conf < REPAIR_BELOW:
            # a letter or two misread in the website, spelled right by what was read better:
            # the company name ('Harbour & Finch' for 'harbourtinch.com') or a company e-mail
            # (the company line as read: `company` may have been spelled like the website)
            read_well = company_read and best is not None and best.evidence.conf > site.evidence.conf
            spellings = _company_spellings(best.text) if read_well and best is not None else []
            spellings += [
                ex.domain_label(j.value.rpartition("@")[2])
                for j in judged
                if not ex.is_freemail(j.value.rpartition("@")[2]) and j.conf > site.evidence.conf
            ]
            leading = _company_spellings(best.text, leading=True) if read_well and best is not None else []
            fixed = website_from_names(website, spellings, leading)
            if fixed:
                website, site_domain, fit = fixed, ex.registrable_domain(fixed.split("/")[0]), fit * 0.85
        c = _conf(fit, site.evidence.conf, weight=0.5)
        if site_domain and not _tld_ok(site_domain):
            c *= 0.6  # 'www.lindnerlogistik': no TLD, or not one we know
        elif site_tld_doubt:
            c *= 0.6  # 'www.acme.nt' on a card with no country: 'nl'? taken, but a guess
        if company_domains and site_domain not in {ex.registrable_domain(d) for d in company_domains}:
            c *= 0.6  # the website and the company e-mail disagree: one of them is misread
        elif site_domain in {ex.registrable_domain(d) for d in company_domains}:
            c = _agree(c)
        company_like = bool(
            company_read and site_domain and ex.similarity(company or "", ex.domain_label(site_domain)) >= 0.8
        )
        if company_like:
            c = _agree(c)
        joined = site.value not in {u.value for u in cands.urls}  # 'www.ba' + 'uersystems.de'
        mailed = site_domain in {ex.registrable_domain(d) for d in email_domains}
        if joined and not (company_like or mailed):
            c = min(c, 0.9 * review_threshold)  # two pieces joined, and nothing on the card says so
        conf["website"] = round(c, 3)

    # ---- phones
    phones: list[Phone] = []
    phone_confs: list[float] = []
    for p in cands.phones:
        fit = 1.0 if p.valid else 0.5
        if p.evidence.rule.endswith("possible"):
            fit = min(fit, 0.5)
        elif p.evidence.rule.endswith("other-region"):
            fit = min(fit, 0.75)
        if p.type_source == "default":
            fit *= 0.9
        phones.append(Phone(p.e164, p.type, p.raw, p.extension))
        phone_confs.append(_conf(fit, p.evidence.conf, weight=0.6))  # the worst digit group counts
    if phones:
        conf["phones"] = min(phone_confs)

    # ---- address
    address = None
    if cands.addresses:
        a = max(cands.addresses, key=lambda a: a.fit)
        text = ", ".join(line.strip(" ,") for line in a.lines)
        address = Address(text, a.street, a.city, a.region, a.postcode, a.country)
        conf["address"] = _conf(a.fit, a.evidence.conf)

    if site is None and any(u.evidence.rule == "url:bare-spaced" for u in cands.urls):
        conf["website"] = 0.4  # 'harbourtinch. com': a website printed, but not read for sure
    for f in cands.unread:  # printed on the card (a labelled number, an '@'), but not read from it
        conf[f] = min(conf.get(f, 1.0), 0.4)

    draft = _Draft(conf, name, title, company, emails, phones, website, address, social)
    for payload in qr_texts:
        _apply_qr(draft, payload, cands.region)

    review = [f for f in CONFIDENCE_FIELDS if f in draft.conf and draft.conf[f] < review_threshold]
    if review:
        log.debug("fields under the review threshold %.2f: %s", review_threshold, ", ".join(review))
    n = draft.name
    return ContactRecord(
        name=n.full if n else None,
        given_name=n.given if n else None,
        family_name=n.family if n else None,
        title=draft.title,
        company=draft.company,
        emails=tuple(draft.emails or ()),
        phones=tuple(draft.phones or ()),
        website=draft.website,
        address=draft.address,
        social=tuple((draft.social or {}).items()),
        confidence=tuple((f, round(draft.conf[f], 3)) for f in CONFIDENCE_FIELDS if f in draft.conf),
        review=tuple(review),
    )


def _apply_qr(draft: _Draft, payload: str, region: str) -> None:
    """Let what a QR payload states replace what OCR read, field by field."""
    from .qr import parse_payload

    q = parse_payload(payload)
    if q is None:
        return
    if q.name or q.family_name:
        full = q.name or " ".join(x for x in (q.given_name, q.family_name) if x)
        given, family = q.given_name, q.family_name
        if given is None and family is None:
            parts = split_name(full)
            if parts:
                given, family = parts.given, parts.family
        draft.name = NameParts(full, given, family)
        draft.conf["name"] = 1.0
    if q.title:
        draft.title, draft.conf["title"] = q.title, 1.0
    if q.company:
        draft.company, draft.conf["company"] = q.company, 1.0
    emails = [n for n in (_validate(e) for e in q.emails) if n]
    if emails:
        draft.emails, draft.conf["emails"] = emails, 1.0
    phones = []
    for raw, ptype in q.phones:
        try:
            num = phonenumbers.parse(raw, region)
        except phonenumbers.NumberParseException:
            continue
        e164 = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
        phones.append(Phone(e164, ptype, raw, num.extension or None))
    if phones:
        draft.phones, draft.conf["phones"] = phones, 1.0
    if q.website and (q.name or q.emails or _qr_site_is_the_site(q.website, draft.website)):
        # a contact's own code (vCard, MeCard) states its site; a bare URL is the site
        # only when it is the printed one (not a shortener or a profile page)
        draft.website, draft.conf["website"] = q.website, 1.0
    if q.address:
        draft.address, draft.conf["address"] = q.address, 1.0
    if q.social:
        draft.social = {**(draft.social or {}), **dict(q.social)}
