"""vCard 3.0/4.0 (RFC 6350): one card per contact, lines folded at 75 octets, PREF on the first mobile or work number, never a fax."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from ..config import VCARD_VERSIONS
from ..errors import UsageError
from ..models import Contact
from .spreadsheet import (
    _leftover_lines,
    _websites,
    as_url,
    contact_note,
    country_name,
    ordered_phones,
    phone_text,
)

# ---------------------------------------------------------------------------
# vCard
# ---------------------------------------------------------------------------

_TEL_TYPES = {"work": ("work", "voice"), "mobile": ("cell", "voice"), "fax": ("work", "fax"), "other": ("voice",)}


_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _text(value: str | None) -> str:
    """A vCard text value: line breaks as LF (vobject escapes them as \\n), no other control characters."""
    if not value:
        return ""
    return _CONTROL_RE.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def vcard_one(c: Contact, version: str = "3.0") -> Any:
    """One contact as a `vobject` vCard component (3.0: RFC 2426, 4.0: RFC 6350)."""
    import vobject

    v4 = version == "4.0"
    r = c.record
    card = vobject.vCard()
    if v4:
        card.add("version").value = "4.0"
    named = bool(r.name or r.given_name or r.family_name)
    card.add("fn").value = _text(r.name or " ".join(x for x in (r.given_name, r.family_name) if x) or r.company) or (
        r.emails[0] if r.emails else "?"
    )
    given = r.given_name if (r.given_name or r.family_name) else r.name
    card.add("n").value = vobject.vcard.Name(family=_text(r.family_name), given=_text(given))
    if not named and r.company:
        if v4:
            card.add("kind").value = "org"
        else:
            card.add("x-abshowas").value = "COMPANY"  # Apple Contacts: list the card under its company
    if r.company:
        card.add("org").value = [_text(r.company)]
    if r.title:
        card.add("title").value = _text(r.title)
    for i, p in enumerate(ordered_phones(r.phones)):
        types = list(_TEL_TYPES.get(p.type, ("voice",)))
        tel = card.add("tel")
        pref = i == 0 and p.type != "fax"  # the number to dial: the first mobile or work one, never a fax
        if v4:
            tel.value = "tel:" + p.e164 + (f";ext={p.extension}" if p.extension else "")
            tel.params["VALUE"] = ["uri"]
            tel.type_param = types
            if pref:
                tel.params["PREF"] = ["1"]
        else:
            tel.value = phone_text(p.e164) + (f" ext. {p.extension}" if p.extension else "")
            tel.type_param = [t.upper() for t in types] + (["PREF"] if pref else [])
    for i, email in enumerate(r.emails):
        em = card.add("email")
        em.value = _text(email)
        if v4:
            em.type_param = ["work"]
            if i == 0:
                em.params["PREF"] = ["1"]
        else:
            em.type_param = ["INTERNET", "WORK"] + (["PREF"] if i == 0 else [])
    addr = r.address
    if addr:
        has_parts = any((addr.street, addr.city, addr.region, addr.postcode, addr.country))
        adr = card.add("adr")
        adr.value = vobject.vcard.Address(
            street=_text(addr.street if has_parts else addr.text),
            city=_text(addr.city),
            region=_text(addr.region),
            code=_text(addr.postcode),
            country=_text(country_name(addr.country)),
        )
        adr.type_param = ["work"] if v4 else ["WORK"]
    for _, url in _websites(c):
        card.add("url").value = _text(as_url(url))
    note = contact_note(c, _leftover_lines(c))
    if note:
        card.add("note").value = _text(note)
    if c.event:
        card.add("categories").value = [_text(c.event)]
    return card


def _continues(ch: str) -> bool:
    """Whether `ch` belongs to the character before it (a combining mark, joiner, variation selector,
    skin-tone modifier): a fold should not come between them."""
    return (
        unicodedata.combining(ch) != 0
        or ch in "\u200d\ufe0e\ufe0f"
        or "\U0001f3fb" <= ch <= "\U0001f3ff"
        or unicodedata.category(ch) == "Me"
    )


def fold_line(line: str, limit: int = 75) -> str:
    """Fold a content line into physical lines of at most `limit` octets (RFC 6350 3.2, RFC 2426 2.6):
    CRLF and a space before each continuation; a character is never split, nor (when it fits) a
    letter from its accents or an emoji from its modifiers."""
    if len(line.encode("utf-8")) <= limit:
        return line
    clusters: list[str] = []
    for ch in line:
        if clusters and (_continues(ch) or clusters[-1].endswith("\u200d")):
            clusters[-1] += ch
        else:
            clusters.append(ch)
    lines: list[str] = []
    current, size = "", 0
    for cluster in clusters:
        n = len(cluster.encode("utf-8"))
        room = limit - (1 if lines else 0)  # continuation lines start with the space
        if size + n > room and current:
            lines.append(current)
            current, size = "", 0
            room = limit - 1
        if n > room:  # one cluster longer than a line: split it between characters
            for ch in cluster:
                m = len(ch.encode("utf-8"))
                if size + m > limit - (1 if lines else 0) and current:
                    lines.append(current)
                    current, size = "", 0
                current, size = current + ch, size + m
            continue
        current, size = current + cluster, size + n
    lines.append(current)
    return "\r\n ".join(lines)


def vcard(contacts: Iterable[Contact], version: str = "3.0") -> str:
    """vCards, one after the other: UTF-8, CRLF, text escaped by vobject, lines folded at 75 octets by
    `fold_line` (vobject 0.9 counts characters, not octets, before it folds: a line of 60 Hebrew or
    Chinese characters would stay one 105-octet line)."""
    if version not in VCARD_VERSIONS:
        raise UsageError(f"vCard version {version!r} is not supported; choose {' or '.join(VCARD_VERSIONS)}.")
    out = []
    for c in contacts:
        text = vcard_one(c, version).serialize(lineLength=1 << 30)  # unfolded: one content line per line
        out.extend(fold_line(line) + "\r\n" for line in text.split("\r\n") if line)
    return "".join(out)
