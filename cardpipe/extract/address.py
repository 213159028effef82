"""Postal addresses: a postcode line in the formats of the US, Canada, the UK, Australia,
Germany, France and the Netherlands, the street and unit lines above it, a country line below."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from .candidates import AddressCandidate, Evidence, Segment
from .freetext import person_tokens, title_score
from .layout import evidence_of, neighbour_below, neighbours_above
from .lexicon import ADDRESS_LABEL_RE, COUNTRY_NAMES, STRONG_SUFFIX_RE, US_STATES

_CITY = r"(?P<city>[^\W\d_][\w'’.\- ]*?)"
_POSTCODE_RULES: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    (
        "CA",
        "address:ca-postcode",
        re.compile(
            rf"(?:{_CITY}\s*,?\s+)?(?P<region>AB|BC|MB|NB|NL|NS|NT|NU|ON|PE|QC|SK|YT|Ontario|Quebec|Québec|British Columbia|Alberta)\.?\s*,?\s+"
            r"(?P<postcode>[ABCEGHJ-NPRSTVXY][0-9O][A-Z]\s?[0-9O][A-Z][0-9O])\b"
        ),
    ),
    (
        "US",
        "address:us-zip",
        re.compile(
            rf"(?:{_CITY}\s*,?\s+)?(?P<region>[A-Z]{{2}})\.?\s*,?\s+(?P<postcode>\d{{5}}(?:[-–]\d{{4}})?)\b"
        ),
    ),
    (
        "AU",
        "address:au-postcode",
        re.compile(
            rf"(?:{_CITY}\s*,?\s+)?(?P<region>NSW|VIC|QLD|WA|SA|TAS|ACT|NT)\s*,?\s+(?P<postcode>\d{{4}})\b"
        ),
    ),
    (
        "GB",
        "address:uk-postcode",
        re.compile(
            rf"(?:{_CITY}\s*,?\s+)?(?P<postcode>(?:[A-Z]{{1,2}}[0-9][A-Z0-9]?|GIR)\s?[0-9][ABD-HJLNP-UW-Z]{{2}})\b"
        ),
    ),
    (
        "NL",
        "address:nl-postcode",
        re.compile(r"(?P<postcode>[1-9]\d{3}\s?(?!SA|SD|SS)[A-Z]{2})\s+(?P<city>[^\W\d_][\w'’.\- ]*)$"),
    ),
    (
        "DEFR",
        "address:5-digit-postcode",
        re.compile(
            r"(?:(?P<cc>D|F|DE|FR)\s?[-–]\s?)?(?P<postcode>\d{5})\s+(?P<city>[^\W\d_][\w'’.\- ]*?)(?P<cedex>\s+CEDEX(?:\s+\d{1,2})?)?\s*$",
            re.I,
        ),
    ),
)
_STREET_WORDS_RE = re.compile(
    r"\b(street|st|avenue|ave|av|road|rd|boulevard|blvd|lane|ln|drive|dr|way|court|ct|place|pl|square|sq|"
    r"parkway|pkwy|highway|hwy|terrace|crescent|close|row|suite|ste|floor|fl|level|unit|building|bldg|box|po|"
    r"p\.o\.|house|park|broadway|plaza|circle|trail|"
    r"straße|strasse|str|weg|platz|allee|gasse|ring|damm|ufer|chaussee|markt|"
    r"rue|bd|boulevard|allée|quai|chemin|impasse|cours|route|"
    r"straat|laan|plein|gracht|kade|singel|dijk|steeg|"
    r"calle|avenida|plaza|paseo|via|viale|piazza|rua)\b\.?|straße|strasse|str\.|weg\b|straat|laan\b|gracht",
    re.I,
)
DE_STREET_RE = re.compile(r"(straße|strasse|str\.|weg\b|platz\b|allee\b|gasse\b|damm\b|ring\b)", re.I)
FR_STREET_RE = re.compile(r"\b(rue|avenue|bd|boulevard|allée|quai|chemin|impasse|place|cours)\b|cedex", re.I)


def _repair_strasse(text: str) -> str:
    """'Leopoldstrafe', 'Hohe Strabe' -> '...straße', 'K6ln' -> 'Köln': OCR without German reads ß as B or fe."""
    text = re.sub(r"(?i)\b(\w*?stra)(?!sse\b)(?:[^\W\d_]{1,2}|8|f5)e\b", lambda m: m.group(1) + "ße", text)
    return re.sub(r"(?<=[^\W\d_])6(?=[^\W\d_])", "ö", text)  # "K6ln": an ö read as 6


_UNIT_RE = re.compile(
    r"\b(suite|ste|floor|fl|level|unit|building|bldg|apt|étage|etage|bâtiment|stock|etage|c/o|po box|p\.o\.)\b",
    re.I,
)


def country_of_line(text: str) -> str | None:
    t = text.strip().strip(".,").lower()
    return COUNTRY_NAMES.get(t)


def split_country_suffix(text: str) -> tuple[str, str | None]:
    """'Berlin, Germany' -> ('Berlin', 'DE')."""
    m = re.search(r"[,\s]+([^\W\d_][\w. ]+?)\.?$", text)
    if m:
        for k in range(len(text.split()), 0, -1):
            tail = " ".join(text.split()[-k:]).strip(",. ")
            cc = COUNTRY_NAMES.get(tail.lower())
            if cc and len(tail) > 2 or (cc and tail.isupper() and k == 1 and tail.lower() in {"usa", "uk"}):
                head = " ".join(text.split()[:-k]).rstrip(", ")
                return head, cc
    return text, None


_GLUED_US_RE = re.compile(r"\b([A-Z]{2})(\d{5}(?:[-–]\d{4})?)$")
_GLUED_CA_RE = re.compile(r"\b(AB|BC|MB|NB|NL|NS|NT|NU|ON|PE|QC|SK|YT)([ABCEGHJ-NPRSTVXY]\d[A-Z]\s?\d[A-Z]\d)$")
_UK_POSTCODE_RE = re.compile(r"(?:[A-Z]{1,2}[0-9][A-Z0-9]?|GIR) [0-9][ABD-HJLNP-UW-Z]{2}")
_UK_DAMAGED_RE = re.compile(r"(?<![\w])([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9OISZB])([A-Z0-9)\]}|]{2})$")
_AS_DIGIT = str.maketrans("OISZB", "01528")
_AS_LETTER = str.maketrans("5820)]}", "SBZOJJJ")


def repair_postcode_line(text: str) -> str:
    """A postcode line with the usual OCR damage undone: 'CA94103' -> 'CA 94103' (a space
    lost between state and ZIP), 'B3 2B)' -> 'B3 2BJ' (a UK inward code with a letter read as
    a digit or a bracket), 'K1iP 5G4' -> 'K1P 5G4' (a speck read as a letter). A repair is
    kept only when it gives a well-formed postcode."""
    tail = re.search(r"(?:\S+ )?\S+$", text)
    if tail and re.search(r"(?<=[A-Z0-9])[a-z](?=[A-Z0-9])", tail.group(0)):
        # 'K1iP 5G4': a speck read as a small letter inside a capitals-and-digits postcode
        cut = re.sub(r"(?<=[A-Z0-9])[a-z](?=[A-Z0-9])", "", tail.group(0))
        if re.fullmatch(r"[ABCEGHJ-NPRSTVXY]\d[A-Z] ?\d[A-Z]\d", cut) or _UK_POSTCODE_RE.fullmatch(cut):
            text = text[: tail.start()] + cut
    m = _GLUED_US_RE.search(text)
    if m and m.group(1) in US_STATES:
        return f"{text[: m.start()]}{m.group(1)} {m.group(2)}"
    m = _GLUED_CA_RE.search(text)
    if m:
        return f"{text[: m.start()]}{m.group(1)} {m.group(2)}"
    m = _UK_DAMAGED_RE.search(text)
    if m and re.search(r"[ABCEGHJ-NPRSTVXY]\d[A-Z] ?\d[A-Z]\d$", text):
        return text  # a Canadian postcode, not a damaged British one
    if m and not _UK_POSTCODE_RE.fullmatch(f"{m.group(1)} {m.group(2)}{m.group(3)}"):
        fixed = f"{m.group(1)} {m.group(2).translate(_AS_DIGIT)}{m.group(3).translate(_AS_LETTER)}"
        if _UK_POSTCODE_RE.fullmatch(fixed):
            return text[: m.start()] + fixed
    return text


def street_like(text: str) -> bool:
    if _STREET_WORDS_RE.search(text):
        return True
    return bool(
        re.match(r"^\d{1,5}[a-z]?\s+[^\W\d_]", text, re.I)
        or re.search(r"[^\W\d_]{3,}\s+\d{1,4}[a-z]?\b", text)
    )


def parse_postcode_line(
    text: str, hints: dict[str, str | None]
) -> tuple[str, str, dict[str, Any]] | None:
    """Find a postcode line; return (country, rule, parts) with city/region/postcode/street-prefix
    (and "guessed": a 5-digit postcode with nothing to say whether it is German or French)."""
    body, country_suffix = split_country_suffix(text)
    guessed = False  # a 5-digit postcode and nothing to tell Germany from France
    for country, rule, rx in _POSTCODE_RULES:
        # Search in the last comma part first, then the whole text.
        for m in rx.finditer(body):
            gd = m.groupdict()
            if country == "US" and gd["region"] not in US_STATES:
                continue
            if country == "AU" and country_suffix not in (None, "AU") and hints.get("country") != "AU":
                pass
            if country == "GB":
                # the postcode must end the text (or precede a country) and the city must not be a street
                if body[m.end() :].strip(" ,."):
                    continue
            if country == "NL" and gd.get("city") and _STREET_WORDS_RE.fullmatch(gd["city"].split()[0] or ""):
                continue
            if country == "DEFR":
                cc = (gd.get("cc") or "").upper()
                if cc in ("D", "DE"):
                    country = "DE"
                elif cc in ("F", "FR") or gd.get("cedex"):
                    country = "FR"
                elif country_suffix in ("DE", "FR", "AT", "CH", "ES", "IT"):
                    country = country_suffix
                else:
                    country = hints.get("defr") or "DE"
                    guessed = not hints.get("defr")
                if (
                    m.start() > 0
                    and body[: m.start()].strip()
                    and not body[: m.start()].rstrip().endswith(",")
                ):
                    # "Hauptstraße 5 10115 Berlin" is fine, "Suite 10115 Berlin" is odd; keep only if the prefix is a street
                    if not street_like(body[: m.start()]):
                        continue
            prefix = body[: m.start()].strip(" ,")
            city = (gd.get("city") or "").strip(" ,.") or None
            if city and "," in city:
                before, _, city = city.rpartition(",")
                prefix = (prefix + " " + before).strip(" ,")
                city = city.strip() or None
            if (
                city
                and country in ("US", "CA", "AU")
                and prefix == ""
                and street_like(city)
                and re.search(r"\d", city)
            ):
                prefix, city = city, None
            region = gd.get("region")
            postcode = gd["postcode"].replace("–", "-")
            if country == "CA":
                pc = postcode.replace(" ", "").upper().replace("O", "0")
                pc = pc[0] + pc[1].replace("0", "0") + pc[2] + pc[3:]
                postcode = pc[:3] + " " + pc[3:]
            if country == "GB" and " " not in postcode:
                postcode = postcode[:-3] + " " + postcode[-3:]
            if country == "NL" and " " not in postcode:
                postcode = postcode[:4] + " " + postcode[4:]
            if (
                country_suffix
                and country not in ("DEFR",)
                and country_suffix != country
                and country in ("US", "AU")
            ):
                # "NSW 2000, Australia" fine; "WA 98101, USA" fine; mismatch -> trust the printed country
                country = country_suffix
            return (
                country,
                rule,
                {
                    "city": city,
                    "region": region,
                    "postcode": postcode,
                    "prefix": prefix or None,
                    "country_printed": country_suffix,
                    "guessed": guessed,
                },
            )
    return None


def find_addresses(
    segments: Sequence[Segment], contact: set[int], hints: dict[str, str | None]
) -> list[AddressCandidate]:
    out: list[AddressCandidate] = []
    used: set[int] = set()
    for seg in segments:
        if seg.index in contact or seg.index in used:
            continue
        text = repair_postcode_line(ADDRESS_LABEL_RE.sub("", seg.text).strip())
        parsed = parse_postcode_line(text, hints)
        if not parsed:
            continue
        country, rule, parts = parsed
        lines = [text]
        idx = [seg.index]
        street_parts: list[str] = []
        if parts["prefix"]:
            street_parts.append(parts["prefix"])
        city = parts["city"]
        # lines above: street (and, for UK, a lone city line above the postcode)
        above = neighbours_above(seg, segments, used | contact)
        for k, s in enumerate(above):
            t = ADDRESS_LABEL_RE.sub("", s.text).strip()
            if (
                country == "GB"
                and city is None
                and k == 0
                and not re.search(r"\d", t)
                and len(t.split()) <= 3
            ):
                city = t.strip(" ,")
                lines.insert(0, t)
                idx.insert(0, s.index)
                continue
            if street_parts and not re.search(r"\d", t) and not _UNIT_RE.search(t):
                break  # above a street line, only a unit line ("Suite 12", "Level 24") belongs to the address
            if STRONG_SUFFIX_RE.search(t):
                break
            if street_like(t) and not person_tokens(t):
                lines.insert(0, t)
                idx.insert(0, s.index)
                street_parts.insert(0, t.strip(" ,"))
            else:
                break
        if parts["guessed"] and country == "DE" and street_parts and re.match(r"\d+\w?,?\s+[^\W\d_]", street_parts[0]):
            country = "FR"  # '429 quai des Chartrons': the number before the street, as in France, not Germany
        # a country line below
        below = neighbour_below(seg, segments)
        printed = parts["country_printed"]
        if below is not None and below.index not in contact:
            cc = country_of_line(below.text)
            if cc:
                lines.append(below.text.strip())
                idx.append(below.index)
                printed = cc
                if country in ("DEFR",):
                    country = cc
        if printed and country != printed and rule in ("address:5-digit-postcode", "address:nl-postcode"):
            country = printed
        if country in ("DE", "AT", "CH"):
            lines = [_repair_strasse(x) for x in lines]
            street_parts = [_repair_strasse(x) for x in street_parts]
        has_street = bool(street_parts)
        fit = 0.55 + (0.25 if has_street else 0) + (0.1 if city else 0) + (0.1 if printed or country else 0)
        used.update(idx)
        out.append(
            AddressCandidate(
                lines=tuple(lines),
                street=", ".join(street_parts) or None,
                city=city,
                region=parts["region"],
                postcode=parts["postcode"],
                country=country,
                fit=min(fit, 1.0),
                segments=tuple(idx),
                evidence=Evidence(seg.line, seg.box, min(s.conf for s in segments if s.index in idx), rule),
            )
        )
    # A street line with no postcode found (misread, or not printed): still an address, weakly,
    # with a unit line above it and up to two short place lines below it in the same column.
    if not out:
        for seg in segments:
            if seg.index in contact:
                continue
            text = ADDRESS_LABEL_RE.sub("", seg.text).strip()
            if not (re.match(r"^\d{1,5}[a-z]?\s+[^\W\d_]", text) and _STREET_WORDS_RE.search(text)) and not (
                DE_STREET_RE.search(text) and re.search(r"\d", text)
            ):
                continue
            lines, idx = [text], [seg.index]
            above = neighbours_above(seg, segments, contact)
            if above and _UNIT_RE.search(above[0].text) and len(above[0].text.split()) <= 4:
                lines.insert(0, above[0].text.strip())
                idx.insert(0, above[0].index)
            cur = seg
            for _ in range(2):
                nxt = neighbour_below(cur, segments)
                if (
                    nxt is None
                    or nxt.index in contact
                    or len(nxt.text.split()) > 4
                    or person_tokens(nxt.text)
                ):
                    break
                if title_score(nxt.text)[1] or STRONG_SUFFIX_RE.search(nxt.text) or "@" in nxt.text:
                    break
                lines.append(nxt.text.strip())
                idx.append(nxt.index)
                cur = nxt
            street = ", ".join(lines[: lines.index(text) + 1])
            city = lines[lines.index(text) + 1] if len(lines) > lines.index(text) + 1 else None
            out.append(
                AddressCandidate(
                    tuple(lines),
                    street,
                    city,
                    None,
                    None,
                    None,
                    0.45,
                    tuple(idx),
                    evidence_of(seg, "address:no-postcode"),
                )
            )
            break
    return out
