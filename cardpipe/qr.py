"""QR codes on cards: decode them with OpenCV and parse vCard, MeCard and URL payloads.

    card image -> decode_qr() -> payload strings -> parse_payload() -> QrContact

A QR code is exact where OCR guesses, so `normalize.read_contact(qr_texts=...)`
lets the fields a payload covers win over what OCR read. vCards are parsed
with `vobject`; MeCard (``MECARD:N:Doe,John;TEL:...;;``) with a small parser
that follows its escaping rules (``\\;``, ``\\:``, ``\\,``, ``\\\\``).

Most cards carry no QR code, and OpenCV's detector costs tens of milliseconds on a
full-size card whatever it finds. `decode_qr` therefore first looks for the three
finder patterns a QR code has in its corners (`finder_patterns`: a few
milliseconds of thresholding and contour tracing on a copy at most
`PRESENCE_SIDE` pixels long) and runs the detector only where they are.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import cv2
import numpy as np

from . import extract as ex
from .models import Address

log = logging.getLogger(__name__)

# OpenCV's QR decoder writes warnings to stderr ("ECI is not supported properly") that
# cron would mail to the user after a good run: only its errors are worth a line.
cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)


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


# --------------------------------------------------------------------------
# Decoding
# --------------------------------------------------------------------------


PRESENCE_SIDE = 1200  # long side (px) of the copy the presence test looks at


def decode_qr(image: np.ndarray, *, presence_test: bool = True) -> tuple[str, ...]:
    """The payloads of the QR codes in a BGR or grayscale image (empty if none could be read).

    With `presence_test` (the default) the detector runs only when `finder_patterns`
    sees a QR code's corner marks, so a card without one costs a few milliseconds.
    A light-on-dark code (a dark card) is decoded from the inverted image.
    """
    if image is None or image.size == 0:
        return ()
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    if not presence_test:
        return detect_and_decode(image) or detect_and_decode(255 - gray)
    found = finder_patterns(gray)
    if not found:
        return ()
    if found == "dark":
        return detect_and_decode(image) or detect_and_decode(255 - gray)
    return detect_and_decode(255 - gray) or detect_and_decode(image)


def detect_and_decode(image: np.ndarray) -> tuple[str, ...]:
    """OpenCV's QR detector on the whole image: every payload it reads (tens of ms per card)."""
    detector = cv2.QRCodeDetector()
    payloads: list[str] = []
    try:
        ok, infos, _points, _straight = detector.detectAndDecodeMulti(image)
        if ok:
            payloads.extend(s for s in infos if s)
    except cv2.error as e:  # OpenCV raises on odd inputs; a card without a QR code is normal
        log.debug("QR multi-decode failed: %s", e)
    if not payloads:
        try:
            text, _points, _straight = detector.detectAndDecode(image)
            if text:
                payloads.append(text)
        except cv2.error as e:
            log.debug("QR decode failed: %s", e)
    return tuple(dict.fromkeys(payloads))


def finder_patterns(gray: np.ndarray, *, minimum: int = 2) -> str | None:
    """Whether a grayscale image shows QR finder patterns: "dark" (dark code on a light
    ground), "light" (light on dark), or None.

    A finder pattern is a square ring around a square, 7:5:3 modules across. In the
    contour tree of a binarized image that is a contour whose hole holds another
    contour, all three nearly square (a ring of text such as "@" or "©" is round)
    and centred on each other, the outer about 5.4 times the area of the inner. At
    least `minimum` such marks of about the same size count as a code (three are
    printed; one may be lost to glare or a fold).
    """
    h, w = gray.shape[:2]
    f = PRESENCE_SIDE / max(h, w)
    small = cv2.resize(gray, (max(1, round(w * f)), max(1, round(h * f))), interpolation=cv2.INTER_AREA) if f < 1 else gray
    block = max(15, (min(small.shape[:2]) // 12) | 1)
    dark = cv2.adaptiveThreshold(small, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, 12)
    if _count_marks(dark) >= minimum:
        return "dark"
    light = cv2.adaptiveThreshold(small, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, block, -12)
    if _count_marks(light) >= minimum:
        return "light"
    return None


def _count_marks(binary: np.ndarray) -> int:
    """The largest number of finder-pattern-like marks of a similar size in a binary image."""
    contours, hierarchy = cv2.findContours(binary, cv2.RETR_TREE, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is None:
        return 0
    tree = hierarchy[0]
    areas: list[float] = []
    for i, (_next, _prev, hole, _parent) in enumerate(tree):
        if hole < 0 or tree[hole][2] < 0 or _depth(tree, i) % 2:
            continue  # no ring in a ring, or the outer ring is a hole (the other polarity)
        inner = tree[hole][2]
        outer_area = cv2.contourArea(contours[i])
        inner_area = cv2.contourArea(contours[inner])
        if outer_area < 49 or inner_area < 4 or not 2.5 <= outer_area / inner_area <= 12:
            continue
        if not (_squarish(contours[i], outer_area) and _squarish(contours[inner], inner_area)):
            continue
        (ox, oy), _, _ = cv2.minAreaRect(contours[i])
        (ix, iy), _, _ = cv2.minAreaRect(contours[inner])
        if abs(ox - ix) + abs(oy - iy) > 0.25 * outer_area**0.5:
            continue
        areas.append(outer_area)
    areas.sort()
    best = 0
    for k, a in enumerate(areas):  # marks within a factor 2.5 of each other in area
        best = max(best, sum(1 for b in areas[k:] if b <= 2.5 * a))
    return best


def _depth(tree: np.ndarray, i: int) -> int:
    """How many contours enclose contour i: even for the outline of a white (here: ink)
    region, odd for a hole in one."""
    depth = 0
    while tree[i][3] >= 0:
        i = tree[i][3]
        depth += 1
    return depth


def _squarish(contour: np.ndarray, area: float) -> bool:
    _, (rw, rh), _ = cv2.minAreaRect(contour)
    if rw <= 0 or rh <= 0:
        return False
    return 0.6 <= rw / rh <= 1.67 and area / (rw * rh) >= 0.8


# --------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------


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
    label = ex.domain_label(host)
    if label in ("linkedin", "twitter", "instagram") or (ex.registrable_domain(host) == "x.com" and path):
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
        from .normalize import split_name

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
            cc = ex.COUNTRY_NAMES.get(country.lower()) or (country.upper() if len(country) == 2 else None)
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
                cc = ex.COUNTRY_NAMES.get(country.lower()) or (country.upper() if len(country) == 2 else None)
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
