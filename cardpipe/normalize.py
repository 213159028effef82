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
from collections.abc import Sequence
from dataclasses import dataclass

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from . import extract as ex
from .models import Address, ContactRecord, OcrPage, Phone

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
    "macdonald", "mackenzie", "macleod", "macintyre", "macgregor", "macarthur", "macmillan", "macneil",
    "macaulay", "maclean", "macintosh", "mackintosh", "macpherson", "macdougall", "maclachlan", "macrae",
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
    # family name: the last token plus the particles in front of it (van der Berg, de la Cruz)
    i = len(cased) - 1
    while i - 1 >= 1 and cased[i - 1].lower() in ex.NAME_PARTICLES:
        i -= 1
    family = " ".join(cased[i:])
    given = " ".join(cased[:i]) or None
    return NameParts(" ".join(cased), given, family, tuple(prefixes), tuple(suffixes))


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


def _tld_ok(address: str) -> bool:
    return address.rpartition(".")[2].lower() in ex.COMMON_TLDS or len(address.rpartition(".")[2]) == 2


@dataclass(frozen=True)
class _Judged:
    value: str
    fit: float
    conf: float  # OCR, 0..100
    note: str = ""


def judge_email(cand: ex.EmailCandidate, site_domain: str | None) -> _Judged | None:
    """Validate an e-mail candidate, trying 'rn'/'m' and TLD digit repairs when they help."""
    value = cand.value
    local, _, domain = value.rpartition("@")
    tld = domain.rpartition(".")[2]
    fixed_tld = tld.translate(str.maketrans({"0": "o", "1": "l"}))
    if fixed_tld != tld:
        value = f"{local}@{domain[: len(domain) - len(tld)]}{fixed_tld}"
    fit = 1.0 if not cand.repairs else 0.85
    original = _validate(value)
    if site_domain and original and ex.registrable_domain(original.rpartition("@")[2]) == site_domain:
        return _Judged(original, fit, cand.evidence.conf)
    variants = _rn_m_variants(value)
    if site_domain:
        for v in variants:
            n = _validate(v)
            if n and ex.registrable_domain(n.rpartition("@")[2]) == site_domain:
                return _Judged(n, fit * 0.85, cand.evidence.conf, "rn-m")
    if original and _tld_ok(original):
        return _Judged(original, fit, cand.evidence.conf)
    for v in variants:
        n = _validate(v)
        if n and _tld_ok(n):
            return _Judged(n, fit * 0.75, cand.evidence.conf, "rn-m")
    if original:
        return _Judged(original, fit * 0.6, cand.evidence.conf, "unknown-tld")
    return None


def _company_from_domain(domain: str) -> str:
    label = ex.domain_label(domain)
    words = [w for w in re.split(r"[-_.]+", label) if w]
    return " ".join(w.upper() if len(w) <= 3 and len(words) == 1 else w.capitalize() for w in words)


# --------------------------------------------------------------------------
# The record
# --------------------------------------------------------------------------


def _conf(fit: float, ocr: float) -> float:
    """Combine how well a value fits (0..1) with its OCR confidence (0..100)."""
    ocr01 = max(0.0, min(ocr, 100.0)) / 100.0
    return round(max(0.0, min(1.0, fit * (0.3 + 0.7 * ocr01))), 3)


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
    """Read a contact from one OCR'd card; QR payloads (vCard, MeCard, URL) win for the fields they cover."""
    cands = ex.propose(page, region=region)
    return judge(cands, region=region, review_threshold=review_threshold, qr_texts=qr_texts)


def judge(
    cands: ex.Candidates,
    *,
    region: str = "US",
    review_threshold: float = 0.6,
    qr_texts: Sequence[str] = (),
) -> ContactRecord:
    """Pick and normalize one value per field from the candidates."""
    conf: dict[str, float] = {}
    review: list[str] = []
    segs = {s.index: s for s in cands.segments}

    # ---- website and social
    websites = [u for u in cands.urls if u.network is None]
    websites.sort(key=lambda u: (not u.evidence.rule.endswith("explicit"), u.evidence.line))
    website = None
    site_domain = None
    website_fit = 0.0
    if websites:
        w = websites[0]
        website = w.value
        site_domain = ex.registrable_domain(website.split("/")[0])
        website_fit = 0.9 if w.evidence.rule.endswith("explicit") else 0.8
        website_ocr = w.evidence.conf
    social: dict[str, str] = {}
    for u in cands.urls:
        if u.network and u.network not in social:
            social[u.network] = u.value

    # ---- e-mails
    emails: list[str] = []
    email_confs: list[float] = []
    email_failed = False
    for c in cands.emails:
        j = judge_email(c, site_domain)
        if j is None:
            email_failed = True
            continue
        if j.value.lower() in {e.lower() for e in emails}:
            continue
        emails.append(j.value)
        email_confs.append(_conf(j.fit, j.conf))
    email_domains = [e.rpartition("@")[2].lower() for e in emails]
    company_domains = [d for d in email_domains if not ex.is_freemail(d)]
    if website and company_domains:
        if any(ex.registrable_domain(d) == site_domain for d in company_domains):
            website_fit = 1.0
        else:
            # the website and the e-mail disagree: one of them may be misread
            sim = max(ex.similarity(ex.domain_label(d), ex.domain_label(site_domain or "")) for d in company_domains)
            website_fit = 0.5
            if sim >= 0.75:
                email_confs = [min(c, 0.55) for c in email_confs]
    if emails:
        conf["emails"] = min(email_confs)
    elif email_failed:
        conf["emails"] = 0.0
    if website:
        conf["website"] = _conf(website_fit, website_ocr)

    # ---- phones
    phones: list[Phone] = []
    phone_confs: list[float] = []
    for p in cands.phones:
        fit = 1.0 if p.valid else 0.5
        if p.evidence.rule.endswith("possible"):
            fit = min(fit, 0.5)
        if p.type_source == "default":
            fit *= 0.9
        phones.append(Phone(p.e164, p.type, p.raw, p.extension))
        phone_confs.append(_conf(fit, p.evidence.conf))
    if phones:
        conf["phones"] = min(phone_confs)

    # ---- address
    address = None
    if cands.addresses:
        a = max(cands.addresses, key=lambda a: a.fit)
        text = ", ".join(line.strip(" ,") for line in a.lines)
        address = Address(text, a.street, a.city, a.region, a.postcode, a.country)
        conf["address"] = _conf(a.fit, a.evidence.conf)

    # ---- name, title, company
    texts = list(cands.texts)
    name_parts: NameParts | None = None
    name_seg: int | None = None
    title: str | None = None
    title_segs: list[int] = []
    name_cands = sorted((t for t in texts if t.name_score >= 0.4), key=lambda t: -t.name_score)
    name_fit = 0.0
    for t in name_cands:
        parts = split_name(t.text)
        if parts:
            name_parts, name_seg = parts, t.segment
            name_fit = min(1.0, 0.35 + t.name_score * 0.7)
            name_ocr = t.evidence.conf
            # "Jane Smith, CEO" is handled by split_name refusing it; nothing else to do here
            break
    if name_parts is None:
        # "Jane Smith, Sales Director": a name followed by a title after a comma
        for t in texts:
            head, sep, tail = t.text.partition(",")
            if sep and ex._title_score(tail)[1]:
                parts = split_name(head)
                if parts:
                    name_parts, name_seg = parts, t.segment
                    name_fit, name_ocr = 0.7, t.evidence.conf
                    title, title_segs = _clean_title(tail), [t.segment]
                    break

    by_seg = {t.segment: t for t in texts}
    taken = {name_seg} if name_seg is not None else set()

    if title is None:
        title_cands = [t for t in texts if t.segment not in taken and "title-lexicon" in t.features]
        first = None
        if name_seg is not None:
            below = ex.neighbour_below(segs[name_seg], cands.segments, max_gap=2.5)
            if below is not None and below.index in by_seg and below.index not in taken:
                bt = by_seg[below.index]
                if "title-lexicon" in bt.features or (
                    bt.title_score > 0 and bt.company_score < 0.5
                ):
                    first = bt
        if first is None and title_cands:
            first = max(title_cands, key=lambda t: (t.title_score - 0.5 * t.company_score, -t.segment))
            if first.company_score >= 0.6 and first.title_score < 0.75:
                first = None
        if first is not None:
            title = _clean_title(first.text)
            title_segs = [first.segment]
            title_fit = 0.9 if "title-lexicon" in first.features else 0.55
            title_ocr = first.evidence.conf
            # a title on two lines
            nxt = ex.neighbour_below(segs[first.segment], cands.segments, max_gap=1.2)
            if nxt is not None and nxt.index in by_seg and nxt.index not in taken:
                nt = by_seg[nxt.index]
                joins = (
                    _CONNECTOR_END_RE.search(first.text)
                    or _CONNECTOR_START_RE.search(nt.text)
                    or nt.text[:1].islower()
                    or (nt.title_score > 0 and nt.company_score < 0.6 and nt.name_score < 0.4)
                )
                similar = abs(segs[nxt.index].height - segs[first.segment].height) <= 0.25 * segs[first.segment].height
                if joins and similar and nt.company_score < 0.6:
                    title = _join_title(title, nt.text)
                    title_segs.append(nt.segment)
                    title_ocr = min(title_ocr, nt.evidence.conf)
            conf["title"] = _conf(title_fit, title_ocr)
    elif title_segs:
        conf["title"] = _conf(0.75, by_seg[title_segs[0]].evidence.conf)
    taken.update(title_segs)

    company = None
    comp_cands = [t for t in texts if t.segment not in taken]
    if comp_cands:
        best = max(comp_cands, key=lambda t: (t.company_score, -t.segment))
        if best.company_score >= 0.5:
            company = best.text.strip(" ,")
            fit = 0.6
            if "company-suffix" in best.features:
                fit = 0.9
            if "domain-match" in best.features:
                fit = max(fit, 0.95) + (0.05 if "company-suffix" in best.features else 0)
            elif "company-word" in best.features and fit < 0.9:
                fit = 0.75
            conf["company"] = _conf(min(fit, 1.0), best.evidence.conf)
            taken.add(best.segment)
    if company is None:
        domain = (site_domain if website else None) or (company_domains[0] if company_domains else None)
        if domain:
            company = _company_from_domain(domain)
            conf["company"] = 0.45

    if name_parts is not None:
        conf["name"] = _conf(name_fit, name_ocr)
    else:
        conf["name"] = 0.0

    record_name = name_parts.full if name_parts else None
    given = name_parts.given if name_parts else None
    family = name_parts.family if name_parts else None

    # ---- QR codes win for the fields they cover
    if qr_texts:
        from .qr import parse_payload

        for payload in qr_texts:
            q = parse_payload(payload)
            if q is None:
                continue
            if q.name or q.family_name:
                record_name = q.name or " ".join(x for x in (q.given_name, q.family_name) if x)
                given, family = q.given_name, q.family_name
                if given is None and family is None and record_name:
                    parts = split_name(record_name)
                    if parts:
                        given, family = parts.given, parts.family
                conf["name"] = 1.0
            if q.title:
                title, conf["title"] = q.title, 1.0
            if q.company:
                company, conf["company"] = q.company, 1.0
            if q.emails:
                qe = [n for n in (_validate(e) for e in q.emails) if n]
                if qe:
                    emails, conf["emails"] = qe, 1.0
            if q.phones:
                qp = []
                for raw, ptype in q.phones:
                    try:
                        num = phonenumbers.parse(raw, cands.region)
                    except phonenumbers.NumberParseException:
                        continue
                    qp.append(
                        Phone(
                            phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164),
                            ptype,
                            raw,
                            num.extension or None,
                        )
                    )
                if qp:
                    phones, conf["phones"] = qp, 1.0
            if q.website:
                website, conf["website"] = q.website, 1.0
            if q.address:
                address, conf["address"] = q.address, 1.0
            for net, url in q.social:
                social[net] = url

    for f in CONFIDENCE_FIELDS:
        if f in conf and conf[f] < review_threshold:
            review.append(f)

    return ContactRecord(
        name=record_name,
        given_name=given,
        family_name=family,
        title=title,
        company=company,
        emails=tuple(emails),
        phones=tuple(phones),
        website=website,
        address=address,
        social=tuple(social.items()),
        confidence=tuple((f, conf[f]) for f in CONFIDENCE_FIELDS if f in conf),
        review=tuple(review),
    )
