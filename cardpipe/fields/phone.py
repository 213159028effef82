"""Phone numbers in a segment, found with `phonenumbers.PhoneNumberMatcher`, typed from
the label printed next to them (T, Tel, M, Mob, F, Fax... in several languages).

Evidence: the digits as `phonenumbers` matches them in the card's region (`page.guess_region`:
the address country, a country TLD, a place name, then the configured region), the label
before the number. Judged in `record.judge` (E.164, the type, fax lines kept apart)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import phonenumbers
from phonenumbers import (
    Leniency,
    PhoneNumberFormat,
    PhoneNumberMatcher,
    PhoneNumberType,
)

from ..models import Phone
from .candidates import PhoneCandidate, Segment
from .confidence import _conf
from .layout import evidence_of, span_conf
from .lexicon import ICON_TYPES, PHONE_LABELS

_DIGITISH_RE = re.compile(r"[\dOoIl|!]{2,}[\dOoIl|!\s().,-]*")


def _label_before(text: str) -> str | None:
    """The label at the end of `text` ("Tel:", "M.", "Fax") if it is a phone label."""
    t = text.strip().rstrip(":.-–—=> ").strip()
    if not t:
        return None
    if t[-1] in ICON_TYPES:
        return t[-1]
    m = re.search(r"([^\W\d_][\w./-]*)$", t)
    if not m:
        return None
    word = m.group(1).lower().rstrip(".")
    if _label_type(word):
        return m.group(1)
    # "Mob. Tel" / "Tel. Mobil": try the last two words
    m2 = re.search(r"([^\W\d_][\w.]*)\W+([^\W\d_][\w.]*)$", t)
    if m2:
        w1 = m2.group(1).lower().rstrip(".")
        if w1 in PHONE_LABELS:
            return m2.group(1)
    return None


def _label_after(text: str) -> str | None:
    m = re.match(r"\s*[(\[]\s*([^\W\d_]+)\.?\s*[)\]]", text)
    if m and m.group(1).lower() in PHONE_LABELS:
        return m.group(1)
    m = re.match(
        r"\s*[-–(]?\s*(mobile|mobil|cell|fax|office|direct|work|home|handy|portable|móvil)\b", text, re.I
    )
    return m.group(1) if m else None


def _label_type(label: str | None) -> str | None:
    if not label:
        return None
    if label in ICON_TYPES:
        return ICON_TYPES[label]
    key = label.lower().rstrip(".:")
    found = PHONE_LABELS.get(key) or PHONE_LABELS.get(key + ".")
    if found is None and len(key) == 2 and key.isalpha() and key[0] in "tmfpc":
        return PHONE_LABELS.get(key[0])  # "Ts", "Mi": a one-letter label with an OCR speck
    return found


def _repair_digits(text: str) -> str:
    """O -> 0, l/I/|/! -> 1 and a comma between digits -> '.' inside runs that are mostly
    digits (used only after a phone label, 'O12! 496 0826', '04,53.14.37.25', or on a run of
    digits that stands alone, '04,58,56.90,72')."""

    def fix(m: re.Match[str]) -> str:
        s = m.group(0)
        core = re.sub(r"[\s().,-]", "", s)
        digits = sum(c.isdigit() for c in core)
        if core and digits / len(core) >= 0.6 and digits >= 3:
            s = s.translate(str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1", "|": "1", "!": "1"}))
            return re.sub(r"(?<=\d)[.,]*,[.,]*(?=\d)", ".", s)  # "04,.58": one separator
        return s

    return _DIGITISH_RE.sub(fix, text)


def _strip_leading_label(text: str) -> tuple[str, str | None]:
    m = re.match(r"\s*([^\W\d_][\w./-]*|[☎✆📞☏📱📠])\s*[:.]?\s*(?=[+(\d]|[OoIl|][\dOoIl|!\s().,-]{4,}\d)", text)
    if m:
        word = m.group(1)
        if _label_type(word.rstrip(".:")) or word in ICON_TYPES:
            return text, word
    return text, None


_NOT_PHONE_LABEL_RE = re.compile(
    r"\b(?:tax|vat|gst|gstin|pan|cin|tin|reg|regd|registration|code|id|iban|swift|account|a/c|box|pin|"
    r"zip|postcode|license|licence|cr|trn|ust-?id|siret|siren|kvk|btw|nip|regon|vergi)\b\.?\s*(?:no\.?|nr\.?|number|#)?\s*[:.\-]?\s*$",
    re.IGNORECASE,
)


def unread_number(text: str) -> bool:
    """Whether text left over once the numbers were found still looks like a phone number:
    a run of digits after a phone label, or a long one ('Tél. 04 53 14 3?', 'T O12! 49b')."""
    return bool(unread_numbers(text))


def unread_numbers(text: str) -> list[str]:
    """The runs of `unread_number`, as printed."""
    out = []
    for m in re.finditer(r"(?<![^\W\d_])[+(]?[\dOoIl|!][\dOoIl|!SB\s().,/-]{4,}[\dOoIl|!]", text):
        if _NOT_PHONE_LABEL_RE.search(text[: m.start()]):
            continue  # 'Tax code: 0106472242', 'GSTIN 27AAACR...', 'P.O. Box 10070'
        digits = sum(c.isdigit() for c in m.group(0))
        if digits >= 8 or (digits >= 5 and _label_before(text[: m.start()])):
            out.append(re.sub(r"\s+", " ", m.group(0)).strip())
    return out


FALLBACK_REGIONS = ("US", "GB", "DE", "FR", "NL", "AU", "CA", "BE", "CH", "AT", "IE", "ES", "IT", "NZ")


def phones_in(seg: Segment, text: str, region: str) -> list[PhoneCandidate]:
    out: list[PhoneCandidate] = []
    _, lead_label = _strip_leading_label(text)
    alone = re.fullmatch(r"\s*\+?\(?\d[\d\s().,/-]{7,}\d\s*", text)  # '04,58,56.90,72' on a line of its own
    work = _repair_digits(text) if lead_label or alone else text
    matches = list(PhoneNumberMatcher(work, region, leniency=Leniency.VALID))
    rule = "phone:matcher"
    if not matches and lead_label:
        matches = [
            m
            for m in PhoneNumberMatcher(work, region, leniency=Leniency.POSSIBLE)
            if len(phonenumbers.national_significant_number(m.number)) >= 6
        ]
        rule = "phone:matcher-possible"
    if not matches and (lead_label or re.fullmatch(r"\s*\(?\d[\d\s().\-/]{7,}\d\s*", work)):
        # No number in the card's region: the card may say nothing of its country (a .com site,
        # no address). A number that stands alone or after a phone label is read in the first
        # common region where it is valid, and flagged by the rule name.
        for other in FALLBACK_REGIONS:
            if other == region:
                continue
            matches = list(PhoneNumberMatcher(work, other, leniency=Leniency.VALID))
            if matches:
                rule, region = "phone:matcher-other-region", other
                break
    matches = _with_ranges_and_locals(work, matches, region)
    prev_end = 0
    label: str | None = None
    for i, m in enumerate(matches):
        next_start = matches[i + 1].start if i + 1 < len(matches) else len(work)
        if not getattr(m, "shares_label", False):  # else the label of the number it continues
            label = _label_before(work[prev_end : m.start]) or _label_after(work[m.end : next_start])
        if label is None and i > 0 and not work[prev_end : m.start].strip(" /,;-"):
            label = None  # "555-1234 / 555-5678": a second number with no label of its own
        prev_end = m.end
        num = m.number
        ptype = _label_type(label)
        type_source = "label" if ptype else "number-type"
        if ptype is None:
            nt = phonenumbers.number_type(num)
            if nt == PhoneNumberType.MOBILE:
                ptype = "mobile"
            elif nt in (
                PhoneNumberType.FIXED_LINE,
                PhoneNumberType.FIXED_LINE_OR_MOBILE,
                PhoneNumberType.TOLL_FREE,
                PhoneNumberType.VOIP,
                PhoneNumberType.UAN,
                PhoneNumberType.SHARED_COST,
            ):
                ptype = "work"
            else:
                ptype, type_source = "work", "default"
        e164 = phonenumbers.format_number(num, PhoneNumberFormat.E164)
        raw = m.raw_string.strip()
        out.append(
            PhoneCandidate(
                raw=raw,
                e164=e164,
                type=ptype,
                extension=num.extension or None,
                valid=phonenumbers.is_valid_number(num),
                region=region,
                type_source=type_source,
                evidence=evidence_of(seg, rule, label=label, conf=span_conf(seg, m.start, m.end, worst=True)),
                span=(m.start, m.end),
            )
        )
    return out


@dataclass(frozen=True)
class _Found:
    """A number found beside what `PhoneNumberMatcher` matched (its match objects' fields)."""

    start: int
    end: int
    raw_string: str
    number: phonenumbers.PhoneNumber
    shares_label: bool = False  # a local number after a full one: the same label (Tel, Fax...)


# Other last digits of the same number: '+90 (216) 315 77 45-46', '238 05 40-41-42' (lines in a row)
_RANGE_RE = re.compile(r"(?<=\d)(?:\s?[-/]\s?\d{1,2}){1,3}(?!\d)")
# A local number after a full one, sharing its area code: '(0212) 231 99 93 - 246 21 05'
_LOCAL_AFTER_RE = re.compile(r"\s*[-/,]\s*(\d{2,4}(?:[\s.]\d{2,4}){1,3})(?![\d])")


def _with_ranges_and_locals(work: str, matches: list, region: str) -> list:
    """The matcher's numbers, plus a number printed with other last digits after it (its raw
    text keeps them: '+90 (216) 315 77 45-46'), plus a local number printed after a full
    one and sharing its area code ('(0212) 231 99 93 - 246 21 05' is +90 212 246 21 05)."""
    found = list(matches)
    covered = [(m.start, m.end) for m in found]
    masked = work
    for r in _RANGE_RE.finditer(work):
        if not any(a <= r.start() < b for a, b in covered):
            masked = masked[: r.start()] + " " * (r.end() - r.start()) + masked[r.end() :]
    if masked != work:
        for m in PhoneNumberMatcher(masked, region, leniency=Leniency.VALID):
            if any(a < m.end and m.start < b for a, b in covered):
                continue
            r = _RANGE_RE.match(work, m.end)
            end = r.end() if r else m.end
            found.append(_Found(m.start, end, work[m.start : end].strip(), m.number))
            covered.append((m.start, end))
    for m in list(found):
        loc = _LOCAL_AFTER_RE.match(work, m.end)
        if loc is None or any(a <= loc.start(1) < b for a, b in covered):
            continue
        digits = re.sub(r"\D", "", loc.group(1))
        nsn = phonenumbers.national_significant_number(m.number)
        if not 6 <= len(digits) < len(nsn):
            continue
        try:
            num = phonenumbers.parse(f"+{m.number.country_code}{nsn[: len(nsn) - len(digits)]}{digits}")
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(num):
            found.append(_Found(loc.start(1), loc.end(1), loc.group(1), num, shares_label=True))
            covered.append((loc.start(1), loc.end(1)))
    return sorted(found, key=lambda m: m.start)


def judge_phones(found: Sequence[PhoneCandidate]) -> tuple[list[Phone], float]:
    """The numbers kept, in the card's order, and their confidence: the worst one's (a valid
    number for its region fits; a merely possible one, one valid only in another region
    than the card's, or one typed by default rather than by its label, less so)."""
    phones: list[Phone] = []
    confs: list[float] = []
    for p in found:
        fit = 1.0 if p.valid else 0.5
        if p.evidence.rule.endswith("possible"):
            fit = min(fit, 0.5)
        elif p.evidence.rule.endswith("other-region"):
            fit = min(fit, 0.75)
        if p.type_source == "default":
            fit *= 0.9
        phones.append(Phone(p.e164, p.type, p.raw, p.extension))
        confs.append(_conf(fit, p.evidence.conf, weight=0.6))  # the worst digit group counts
    return phones, min(confs, default=0.0)
