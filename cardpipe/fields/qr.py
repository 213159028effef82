"""QR payloads (vCard, MeCard, URL) parsed into fields; exact where OCR guesses."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from ..models import Address
from .lexicon import COUNTRY_NAMES
from .text import domain_label, registrable_domain

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class QrContact:
    """The fields a QR payload states; None / empty where it says nothing."""

    kind: str  # "vcard", "mecard", "url", "email", "tel"
    name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    title: str | None = None
    company: str | None = None
    emails: tuple[str, ...] = ()
    phones: tuple[tuple[str, str], ...] = ()  # (raw number, type in PHONE_TYPES)
    website: str | None = None
    address: Address | None = None
    social: tuple[tuple[str, str], ...] = ()


def _tel_type(types: list[str]) -> str:
    t = {x.lower() for x in types}
    if "fax" in t:
        return "fax"
    if t & {"cell", "mobile", "iphone"}:
        return "mobile"
    if t & {"work", "voice", "main", "pref"} or not t:
        return "work"
    return "other"


def _website(url: str) -> tuple[str | None, tuple[str, str] | None]:
    """(website, social pair) for a URL: the site without scheme, or a social profile."""
    value = re.sub(r"^[a-z][a-z0-9+.-]*://", "", url.strip(), flags=re.I).rstrip("/")
    if not value:
        return None, None
    host, sep, path = value.partition("/")
    value = host.lower() + sep + path
    label = domain_label(host)
    if label in ("linkedin", "twitter", "instagram") or (registrable_domain(host) == "x.com" and path):
        return None, ("twitter" if label in ("twitter", "x") else label, value)
    return value, None


def _parse_vcard(payload: str) -> QrContact | None:
    import vobject

    try:
        card = vobject.readOne(
            payload.replace("\r\n", "\n").strip() + ("\n" if not payload.endswith("\n") else "")
        )
    except Exception as e:  # vobject raises several unrelated exception types on bad input
        log.debug("unreadable vCard payload: %s", e)
        return None
    c = card.contents
    given = family = None
    if "n" in c:
        n = c["n"][0].value
        given = " ".join(x for x in ([n.given] if isinstance(n.given, str) else n.given) if x) or None
        if n.additional:
            add = " ".join([n.additional] if isinstance(n.additional, str) else n.additional).strip()
            if add and given:
                given = f"{given} {add}"
        family = " ".join(x for x in ([n.family] if isinstance(n.family, str) else n.family) if x) or None
    name = None
    if "fn" in c:
        name = str(c["fn"][0].value).strip() or None
        from .name import split_name

        parts = split_name(name) if name else None
        if parts:
            name = parts.full
    if name is None and (given or family):
        name = " ".join(x for x in (given, family) if x)
    company = None
    if "org" in c:
        org = c["org"][0].value
        company = (org[0] if isinstance(org, list) and org else str(org)).strip() or None
    title = str(c["title"][0].value).strip() if "title" in c else None
    emails = tuple(str(e.value).strip() for e in c.get("email", []) if str(e.value).strip())
    phones = tuple(
        (str(t.value).strip(), _tel_type([x for v in t.params.get("TYPE", []) for x in v.split(",")]))
        for t in c.get("tel", [])
        if str(t.value).strip()
    )
    website = None
    social: list[tuple[str, str]] = []
    for u in c.get("url", []):
        site, soc = _website(str(u.value))
        if site and website is None:
            website = site
        if soc:
            social.append(soc)
    for key in ("x-socialprofile",):
        for s in c.get(key, []):
            _, soc = _website(str(s.value))
            if soc:
                social.append(soc)
    address = None
    if "adr" in c:
        a = c["adr"][0].value

        def j(x: object) -> str:
            return (" ".join(x) if isinstance(x, list) else str(x or "")).strip()

        street, city, region, code, country = j(a.street), j(a.city), j(a.region), j(a.code), j(a.country)
        locality = " ".join(x for x in (region, code) if x)
        text = ", ".join(x for x in (street, city, locality, country) if x)
        if text:
            cc = COUNTRY_NAMES.get(country.lower()) or (country.upper() if len(country) == 2 else None)
            address = Address(text, street or None, city or None, region or None, code or None, cc)
    return QrContact(
        "vcard", name, given, family, title or None, company, emails, phones, website, address, tuple(social)
    )


def _mecard_fields(body: str) -> list[tuple[str, str]]:
    """Split 'N:Doe,John;TEL:123;;' into [('N', 'Doe,John'), ('TEL', '123')], honouring backslash escapes."""
    out: list[tuple[str, str]] = []
    buf = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            buf.append("\x00" + body[i + 1])  # keep escaped characters marked
            i += 2
            continue
        if ch == ";":
            item = "".join(buf)
            buf = []
            if item:
                key, sep, value = item.partition(":")
                if sep:
                    out.append((key.strip().upper(), value))
            i += 1
            continue
        buf.append(ch)
        i += 1
    item = "".join(buf)
    if item:
        key, sep, value = item.partition(":")
        if sep:
            out.append((key.strip().upper(), value))
    return out


def _unescape(v: str) -> str:
    return v.replace("\x00", "").strip()


def _parse_mecard(payload: str) -> QrContact:
    body = payload.split(":", 1)[1]
    fields = _mecard_fields(body)
    given = family = name = title = company = website = None
    emails: list[str] = []
    phones: list[tuple[str, str]] = []
    social: list[tuple[str, str]] = []
    address = None
    for key, value in fields:
        if key == "N":
            # "Doe,John": family, given (an escaped comma is part of a name)
            parts = [_unescape(p) for p in re.split(r"(?<!\x00),", value)]
            family = parts[0] or None
            given = parts[1] if len(parts) > 1 and parts[1] else None
            name = " ".join(x for x in (given, family) if x) or None
        elif key in ("TEL", "TEL-AV"):
            phones.append((_unescape(value), "work"))
        elif key == "EMAIL":
            emails.append(_unescape(value))
        elif key == "URL":
            site, soc = _website(_unescape(value))
            if site and website is None:
                website = site
            if soc:
                social.append(soc)
        elif key == "ADR":
            parts = [_unescape(p) for p in re.split(r"(?<!\x00),", value)]
            if len(parts) >= 7:  # PO box, extended, street, city, region, postcode, country (vCard order)
                street, city, region, code, country = parts[2], parts[3], parts[4], parts[5], parts[6]
                text = ", ".join(
                    x for x in (street, city, " ".join(y for y in (region, code) if y), country) if x
                )
                cc = COUNTRY_NAMES.get(country.lower()) or (country.upper() if len(country) == 2 else None)
                address = Address(text, street or None, city or None, region or None, code or None, cc)
            else:
                text = ", ".join(p for p in parts if p)
                address = Address(text) if text else None
        elif key == "ORG":
            company = _unescape(value) or None
        elif key == "TITLE":
            title = _unescape(value) or None
        elif key == "NICKNAME" or key == "NOTE":
            continue
    return QrContact(
        "mecard",
        name,
        given,
        family,
        title,
        company,
        tuple(emails),
        tuple(phones),
        website,
        address,
        tuple(social),
    )


def parse_payload(payload: str) -> QrContact | None:
    """What a QR payload says about the contact; None for payloads that are not contact data."""
    p = (payload or "").strip()
    if not p:
        return None
    upper = p[:12].upper()
    if upper.startswith("BEGIN:VCARD"):
        return _parse_vcard(p)
    if upper.startswith("MECARD:"):
        return _parse_mecard(p)
    if upper.startswith("MAILTO:"):
        addr = p[7:].split("?", 1)[0].strip()
        return QrContact("email", emails=(addr,)) if addr else None
    if upper.startswith("TEL:"):
        return QrContact("tel", phones=((p[4:].strip(), "work"),))
    if re.match(r"^(https?://|www\.)\S+$", p, re.I):
        site, soc = _website(p)
        return QrContact("url", website=site, social=(soc,) if soc else ())
    return None
