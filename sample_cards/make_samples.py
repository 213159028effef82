"""Generate the cardpipe sample card set: business-card images plus their ground truth.

Run from the repository root (needs the DejaVu, Liberation and FreeFont fonts):

    .venv/bin/python sample_cards/make_samples.py

It rewrites ``sample_cards/images/`` and ``sample_cards/truth.json``. Everything is drawn
from fixed seeds, so a rerun with the same Pillow / OpenCV / libjpeg gives the same files.
The contacts are fictional: US/CA numbers use the 555-01xx range, UK landlines the Ofcom
drama ranges, and every phone number is checked with ``phonenumbers.is_valid_number``.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
import unicodedata
import zlib
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

import cv2
import numpy as np
import phonenumbers
from PIL import Image, ImageDraw, ImageFilter, ImageFont

SEED = 20240611
HERE = Path(__file__).resolve().parent
IMAGES = HERE / "images"
TRUTH = HERE / "truth.json"
FONT_ROOT = Path("/usr/share/fonts/truetype")

# family -> (regular, bold), relative to FONT_ROOT
FONTS: dict[str, tuple[str, str]] = {
    "DejaVu Sans": ("dejavu/DejaVuSans.ttf", "dejavu/DejaVuSans-Bold.ttf"),
    "DejaVu Serif": ("dejavu/DejaVuSerif.ttf", "dejavu/DejaVuSerif-Bold.ttf"),
    "Liberation Sans": ("liberation/LiberationSans-Regular.ttf", "liberation/LiberationSans-Bold.ttf"),
    "Liberation Serif": ("liberation/LiberationSerif-Regular.ttf", "liberation/LiberationSerif-Bold.ttf"),
    "Liberation Mono": ("liberation/LiberationMono-Regular.ttf", "liberation/LiberationMono-Bold.ttf"),
    "FreeSans": ("freefont/FreeSans.ttf", "freefont/FreeSansBold.ttf"),
    "FreeSerif": ("freefont/FreeSerif.ttf", "freefont/FreeSerifBold.ttf"),
}
NAME_FAMILIES = [f for f in FONTS if f != "Liberation Mono"]
BODY_FAMILIES = list(FONTS)

# --------------------------------------------------------------------------- contact data

EN_TITLES = [
    "CEO", "Chief Executive Officer", "Founder & CEO", "Co-Founder", "Managing Director",
    "Senior Account Manager", "Account Executive", "Head of Partnerships", "Head of Marketing",
    "Sales Director", "VP of Engineering", "Product Manager", "Senior Software Engineer",
    "Office Manager", "Business Development Manager", "Chief Financial Officer",
    "Principal Architect", "Creative Director", "Operations Manager", "Partner",
    "Customer Success Lead", "Regional Sales Manager",
]
DE_TITLES = [  # (male, female)
    ("Geschäftsführer", "Geschäftsführerin"), ("Vertriebsleiter", "Vertriebsleiterin"),
    ("Projektleiter", "Projektleiterin"), ("Leiter Einkauf", "Leiterin Einkauf"),
    ("Key Account Manager", "Key Account Managerin"), ("Technischer Leiter", "Technische Leiterin"),
    ("Head of Partnerships", "Head of Partnerships"),
]
FR_TITLES = [
    ("Directeur Commercial", "Directrice Commerciale"), ("Directeur Général", "Directrice Générale"),
    ("Chef de projet", "Cheffe de projet"), ("Responsable Marketing", "Responsable Marketing"),
    ("Ingénieur commercial", "Ingénieure commerciale"), ("Gérant", "Gérante"),
]
NL_TITLES = ["Directeur", "Accountmanager", "Projectleider", "Commercieel Directeur", "Office Manager",
             "Senior Consultant"]
FREELANCE_TITLES = ["Freelance Photographer", "Independent Consultant", "Interior Designer",
                    "Freelance Translator", "Wedding Photographer"]


@dataclass(frozen=True)
class City:
    name: str
    region: str  # state / province / postcode-bearing part, country specific
    postcode: str
    area: str  # national area code digits (no trunk prefix)


@dataclass(frozen=True)
class Country:
    code: str  # ISO region for phonenumbers
    names: str  # printed country name on addresses
    first: list[tuple[str, str]]  # (first name, "m"/"f")
    last: list[str]
    companies: list[str]  # "Name|legal suffix" (suffix may be empty)
    tlds: list[str]
    streets: list[str]
    cities: list[City]
    mobile_prefixes: list[str]
    card_mm: tuple[float, float]


def _names(spec: str) -> list[tuple[str, str]]:
    out = []
    for item in spec.split(","):
        name, sex = item.strip().rsplit(":", 1)
        out.append((name, sex))
    return out


COUNTRIES: dict[str, Country] = {
    "US": Country(
        "US", "USA",
        _names("James:m, Emily:f, Michael:m, Sarah:f, David:m, Jessica:f, Robert:m, Megan:f, José:m, "
               "Zoë:f, Christopher:m, Olivia:f, Brian:m, Lauren:f, Kevin:m, Rachel:f, Marcus:m, Priya:f"),
        ["Johnson", "Carter", "Nguyen", "Patel", "Ramirez", "McDonald", "O'Connor", "Thompson", "Kim",
         "Rivera", "Walsh", "Brooks", "Bennett", "Foster", "Hayes", "Delgado"],
        ["Northwind Logistics|Inc.", "Brightline Analytics|Inc.", "Cedar & Stone Partners|LLC",
         "Bluewater Robotics|Inc.", "Summit Ridge Capital|LLC", "Pinecrest Software|LLC",
         "Lighthouse Media|Corp.", "Granite Peak Health|"],
        ["com", "com", "io"],
        ["Market Street", "Mission Street", "Broadway", "Main Street", "Congress Avenue", "Pine Street",
         "Peachtree Street NE", "Pearl Street"],
        [City("San Francisco", "CA", "94103", "415"), City("New York", "NY", "10013", "212"),
         City("Chicago", "IL", "60606", "312"), City("Boston", "MA", "02110", "617"),
         City("Seattle", "WA", "98101", "206"), City("Austin", "TX", "78701", "512"),
         City("Denver", "CO", "80202", "303"), City("Atlanta", "GA", "30303", "404")],
        [], (88.9, 50.8),
    ),
    "CA": Country(
        "CA", "Canada",
        _names("Liam:m, Chloé:f, Noah:m, Émilie:f, Ethan:m, Mathieu:m, Hannah:f, Marc-André:m, Avery:f"),
        ["Tremblay", "Gagnon", "Roy", "Campbell", "MacLeod", "Bouchard", "Wilson", "Stewart"],
        ["Maple Ridge Consulting|Inc.", "Northern Lights Energy|Ltd.", "Laurentian Design|Corp.",
         "Ironwood Construction|Inc.", "Boreal Data|"],
        ["ca", "com"],
        ["Bay Street", "Yonge Street", "Rue Sainte-Catherine O", "West Georgia Street", "Sparks Street"],
        [City("Toronto", "ON", "M5J 2J2", "416"), City("Vancouver", "BC", "V6E 4A2", "604"),
         City("Montréal", "QC", "H3B 4W8", "514"), City("Ottawa", "ON", "K1P 5G4", "613"),
         City("Calgary", "AB", "T2P 1J9", "403")],
        [], (88.9, 50.8),
    ),
    "GB": Country(
        "GB", "United Kingdom",
        _names("Oliver:m, Charlotte:f, Harry:m, Amelia:f, George:m, Sophie:f, Thomas:m, Eleanor:f, "
               "William:m, Imogen:f, Zoë:f, Alistair:m, Siobhan:f"),
        ["Smith", "Davies", "Evans", "Hughes", "Wright", "Clarke", "Fletcher", "Pemberton", "McAllister",
         "Ashworth", "Whitfield", "O'Neill"],
        ["Harbour & Finch|Ltd", "Thameside Consulting|Limited", "Kestrel Engineering|Ltd",
         "Oakmere Property|LLP", "Albion Print Works|plc", "Sterling Hart|"],
        ["co.uk", "co.uk", "com"],
        ["Baker Street", "Southwark Street", "Deansgate", "Colmore Row", "George Street", "Queen Street"],
        [City("London", "", "W1U 3BW", "20"), City("London", "", "SE1 9HA", "20"),
         City("Manchester", "", "M3 2BY", "161"), City("Birmingham", "", "B3 2BJ", "121"),
         City("Edinburgh", "", "EH2 2AD", "131")],
        ["7700", "7911", "7412", "7583", "7824"], (85.0, 55.0),
    ),
    "AU": Country(
        "AU", "Australia",
        _names("Jack:m, Matilda:f, Lachlan:m, Isla:f, Cooper:m, Ruby:f, Hamish:m, Chloe:f, Mia:f"),
        ["Kelly", "Nguyen", "Mitchell", "Walker", "Harrison", "O'Brien", "Doyle", "Campbell"],
        ["Southern Cross Solar|Pty Ltd", "Coral Coast Travel|Pty. Ltd.", "Eucalypt Digital|Pty Ltd",
         "Redgum Builders|Pty Ltd", "Harbourside Legal|"],
        ["com.au"],
        ["George Street", "Collins Street", "Queen Street", "Hay Street", "King William Street"],
        [City("Sydney", "NSW", "2000", "2"), City("Melbourne", "VIC", "3000", "3"),
         City("Brisbane", "QLD", "4000", "7"), City("Perth", "WA", "6000", "8"),
         City("Adelaide", "SA", "5000", "8")],
        ["4"], (90.0, 55.0),
    ),
    "DE": Country(
        "DE", "Deutschland",
        _names("Lukas:m, Anna:f, Jürgen:m, Katrin:f, Sebastian:m, Sabine:f, Tobias:m, Julia:f, "
               "Matthias:m, Jörg:m, Lena:f, Björn:m"),
        ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Becker", "Hoffmann", "Schäfer", "Köhler",
         "Groß", "Wagner", "Krüger"],
        ["Kessler Maschinenbau|GmbH & Co. KG", "Bauer Systems|AG", "Lindner Logistik|GmbH",
         "Rheinblick Software|GmbH", "Alpenwerk Energie|AG", "Hansa Druck|"],
        ["de"],
        ["Friedrichstraße", "Leopoldstraße", "Mönckebergstraße", "Zeil", "Hohe Straße", "Königsallee"],
        [City("Berlin", "", "10117", "30"), City("München", "", "80802", "89"),
         City("Hamburg", "", "20095", "40"), City("Frankfurt am Main", "", "60313", "69"),
         City("Köln", "", "50667", "221"), City("Düsseldorf", "", "40212", "211")],
        ["151", "160", "170", "171", "176"], (85.0, 55.0),
    ),
    "FR": Country(
        "FR", "France",
        _names("Frédéric:m, Camille:f, Élodie:f, Julien:m, Hélène:f, Antoine:m, Margaux:f, Benoît:m, "
               "Cécile:f, Thierry:m, Inès:f"),
        ["Dubois", "Lefèvre", "Moreau", "Girard", "Rousseau", "Faure", "Lemaître", "Chevalier", "Garnier",
         "Bérenger"],
        ["Lumière Conseil|SARL", "Groupe Vertigo|S.A.", "Atelier Delacroix|SARL", "Océane Transports|SAS",
         "Bastide Immobilier|", "Quintessence Audit|S.A."],
        ["fr"],
        ["rue de Rivoli", "avenue des Champs-Élysées", "rue de la République", "cours de l'Intendance",
         "boulevard Haussmann", "quai des Chartrons"],
        [City("Paris", "", "75004", "1"), City("Paris", "", "75008", "1"), City("Lyon", "", "69002", "4"),
         City("Bordeaux", "", "33000", "5"), City("Marseille", "", "13001", "4")],
        ["6", "7"], (85.0, 55.0),
    ),
    "NL": Country(
        "NL", "Nederland",
        _names("Pieter:m, Sanne:f, Daan:m, Femke:f, Joost:m, Anouk:f, Bram:m, Eva:f, Sven:m"),
        ["de Vries", "van Dijk", "Jansen", "Bakker", "Visser", "van den Berg", "Smit", "de Jong",
         "Mulder"],
        ["Van Dijk Installatietechniek|B.V.", "Dijkstra Logistiek|B.V.", "Oranjewoud Media|",
         "Tulip Data Solutions|B.V.", "Grachtenhuis Architecten|"],
        ["nl"],
        ["Keizersgracht", "Herengracht", "Coolsingel", "Oudegracht", "Stationsplein"],
        [City("Amsterdam", "", "1015 CJ", "20"), City("Amsterdam", "", "1017 EG", "20"),
         City("Rotterdam", "", "3011 AD", "10"), City("Utrecht", "", "3511 AV", "30"),
         City("Den Haag", "", "2511 BT", "70")],
        ["6"], (85.0, 55.0),
    ),
}
COUNTRY_ORDER = ["US", "GB", "DE", "FR", "CA", "AU", "NL"]

LABELS = {  # label families: (work, mobile, fax)
    "letter": ("T:", "M:", "F:"),
    "letter_plain": ("T", "M", "F"),
    "word": ("Tel", "Mobile", "Fax"),
    "word_colon": ("Phone:", "Cell:", "Fax:"),
    "office": ("Office", "Mob", "Fax"),
    "direct": ("Direct:", "Mobile:", "F:"),
    "tel_dot": ("Tel.", "Mob.", "Fax"),
    "office_colon": ("Office:", "Mob:", "Fax:"),
}
LABELS_DE = {"de": ("Tel.", "Mobil", "Fax"), "de_colon": ("Telefon:", "Mobil:", "Fax:")}
LABELS_FR = {"fr": ("Tél.", "Port.", "Fax")}


@dataclass
class Phone:
    raw: str
    e164: str
    type: str  # work / mobile / fax
    label: str
    ext: str | None = None

    def line(self) -> str:
        return f"{self.label} {self.raw}".strip()


@dataclass
class Contact:
    country: str
    name: str
    title: str | None
    company: str | None
    emails: list[str]
    phones: list[Phone]
    website: str | None  # as printed
    address_lines: list[str]
    linkedin: str | None
    email_label: str = ""
    web_label: str = ""
    upper_name: bool = False

    def truth(self) -> dict:
        site = self.website
        if site:
            for scheme in ("https://", "http://"):
                site = site.removeprefix(scheme)
            site = site.rstrip("/")
        return {
            "name": self.name,
            "title": self.title,
            "company": self.company,
            "emails": list(self.emails),
            "phones": [
                {"e164": p.e164, "type": p.type, "raw": p.raw, **({"ext": p.ext} if p.ext else {})}
                for p in self.phones
            ],
            "website": site,
            "address": ", ".join(self.address_lines) if self.address_lines else None,
            "social": {"linkedin": self.linkedin},
        }


def ascii_slug(text: str, german: bool = False) -> str:
    if german:
        for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("Ä", "Ae"), ("Ö", "Oe"), ("Ü", "Ue")):
            text = text.replace(a, b)
    text = text.replace("ß", "ss")
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if c.isascii() and (c.isalnum() or c in " -")).lower()


def make_phone(rng: random.Random, country: Country, city: City | None, kind: str,
               national: bool, style: str) -> tuple[str, str]:
    """Return (printed form, E.164) of a valid fictional number."""
    code = country.code
    for _ in range(200):
        if code in ("US", "CA"):
            area = city.area if city and kind != "mobile" else rng.choice([c.area for c in country.cities])
            nsn = f"{area}55501{rng.randint(0, 99):02d}"
        elif code == "GB":
            if kind == "mobile":
                nsn = rng.choice(country.mobile_prefixes) + f"{rng.randint(0, 999999):06d}"
            else:
                area = city.area if city else "20"
                nsn = area + ("7946" if area == "20" else "496") + f"0{rng.randint(0, 999):03d}"
        elif code == "DE":
            if kind == "mobile":
                nsn = rng.choice(country.mobile_prefixes) + str(rng.randint(1000000, 99999999))
            else:
                area = city.area if city else "30"
                nsn = area + str(rng.randint(2, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(rng.choice([5, 6, 7])))
        elif code == "FR":
            first = rng.choice(country.mobile_prefixes) if kind == "mobile" else (city.area if city else "1")
            nsn = first + f"{rng.randint(10, 99)}" + f"{rng.randint(0, 999999):06d}"
        elif code == "AU":
            if kind == "mobile":
                nsn = "4" + f"{rng.randint(10000000, 99999999)}"
            else:
                area = city.area if city else "2"
                nsn = area + rng.choice("9835") + f"{rng.randint(0, 9999999):07d}"
        elif code == "NL":
            if kind == "mobile":
                nsn = "6" + f"{rng.randint(10000000, 99999999)}"
            else:
                area = city.area if city else "20"
                nsn = area + str(rng.randint(2, 9)) + f"{rng.randint(0, 999999):06d}"
        else:
            raise ValueError(code)
        num = phonenumbers.parse("+" + str(phonenumbers.country_code_for_region(code)) + nsn)
        if not phonenumbers.is_valid_number(num) or phonenumbers.region_code_for_number(num) != code:
            continue
        ntype = phonenumbers.number_type(num)
        want = {phonenumbers.PhoneNumberType.MOBILE} if kind == "mobile" else {
            phonenumbers.PhoneNumberType.FIXED_LINE}
        want.add(phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
        if ntype not in want:
            continue
        e164 = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
        intl = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        nat = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.NATIONAL)
        if national:
            raw = nat
            if code in ("US", "CA"):
                digits = nsn
                raw = {"paren": nat, "dots": f"{digits[:3]}.{digits[3:6]}.{digits[6:]}",
                       "dash": f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"}.get(style, nat)
            elif code == "FR" and style == "dots":
                raw = nat.replace(" ", ".")
        else:
            raw = intl
            if code in ("US", "CA"):
                digits = nsn
                raw = {"spaces": f"+1 {digits[:3]} {digits[3:6]} {digits[6:]}",
                       "paren": f"+1 ({digits[:3]}) {digits[3:6]}-{digits[6:]}",
                       "dots": f"+1.{digits[:3]}.{digits[3:6]}.{digits[6:]}"}.get(style, intl)
            elif code in ("DE", "GB", "FR") and style == "trunk0":
                cc, rest = intl.split(" ", 1)
                raw = f"{cc} (0){rest}"
        return raw, e164
    raise RuntimeError(f"no valid {kind} number for {code}")


def check_phone(raw: str, e164: str, region: str) -> None:
    num = phonenumbers.parse(raw, region)
    assert phonenumbers.is_valid_number(num), raw
    got = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
    assert got == e164, (raw, got, e164)


def make_address(rng: random.Random, country: Country, city: City) -> list[str]:
    street = rng.choice(country.streets)
    num = rng.randint(1, 480)
    show_country = rng.random() < 0.35
    c = country.code
    if c in ("US", "CA"):
        line1 = f"{num * 10 if c == 'US' else num} {street}"
        if rng.random() < 0.5:
            line1 += f", Suite {rng.choice([100, 200, 300, 410, 1200, 2050])}"
        lines = [line1, f"{city.name}, {city.region} {city.postcode}"]
    elif c == "GB":
        lines = [f"{num} {street}"]
        if rng.random() < 0.5:
            lines.insert(0, rng.choice(["Unit 4", "Second Floor", "Suite 12", "Floor 3"]))
        lines += [city.name, city.postcode] if rng.random() < 0.5 else [f"{city.name} {city.postcode}"]
    elif c == "AU":
        line1 = f"{num} {street}"
        if rng.random() < 0.5:
            line1 = f"Level {rng.randint(2, 30)}, {line1}"
        lines = [line1, f"{city.name} {city.region} {city.postcode}"]
    elif c == "FR":
        lines = [f"{num} {street}", f"{city.postcode} {city.name}"]
    else:  # DE, NL
        lines = [f"{street} {num}", f"{city.postcode} {city.name}"]
        if c == "NL" and rng.random() < 0.4:
            lines = [f"{street} {num}-{rng.choice(['A', 'B', 'C'])}", f"{city.postcode} {city.name}"]
    if show_country:
        names = {"DE": ["Deutschland", "Germany"], "NL": ["Nederland", "The Netherlands"]}.get(c, [country.names])
        lines.append(rng.choice(names))
    return lines


# Names the set must hold whatever the dice say, by card number (countries cycle US GB DE FR CA AU NL).
FORCED_NAMES = {7: ("José", "m", "Ramirez", False), 8: ("Zoë", "f", "Fletcher", False),
                14: ("John", "m", "McDonald", True), 23: ("Jürgen", "m", "Groß", False)}


def make_contact(rng: random.Random, code: str, used: set[str], forced: tuple | None = None) -> Contact:
    country = COUNTRIES[code]
    while True:
        first, sex = rng.choice(country.first)
        last = rng.choice(country.last)
        if forced:
            first, sex, last, _ = forced
        name = f"{first} {last}"
        if name not in used or forced:
            break
    used.add(name)
    freelance = rng.random() < 0.1
    city = rng.choice(country.cities)
    german = code == "DE"

    if freelance:
        company = None
        title: str | None = rng.choice(FREELANCE_TITLES)
    else:
        base, suffix = rng.choice(country.companies).split("|")
        crc = zlib.crc32(base.encode())  # one domain per company, whoever's card it is
        company = f"{base} {suffix}".strip()
        if code == "DE":
            title = rng.choice(DE_TITLES)[0 if sex == "m" else 1]
        elif code == "FR":
            title = rng.choice(FR_TITLES)[0 if sex == "m" else 1]
        elif code == "NL":
            title = rng.choice(NL_TITLES + EN_TITLES[:6])
        else:
            title = rng.choice(EN_TITLES)
        if rng.random() < 0.06:
            title = None

    # domain + emails
    fs, ls = ascii_slug(first, german).replace(" ", ""), ascii_slug(last, german).replace(" ", "")
    fs_dash = fs.replace("-", "")
    if company:
        words = [ascii_slug(w, german) for w in base.replace("&", " ").split()]
        words = [w for w in words if w]
        slug = "".join(words)
        if len(slug) > 15:
            slug = words[0] if crc % 3 == 0 or len(words) == 1 else "-".join(words[:2])
        domain = f"{slug}.{country.tlds[crc // 7 % len(country.tlds)]}"
        local = rng.choice([f"{fs_dash}.{ls}", fs_dash, f"{fs_dash[0]}.{ls}", f"{fs_dash[0]}{ls}",
                            f"{fs_dash}.{ls}"]).replace("'", "")
        emails = [f"{local}@{domain}"]
        if rng.random() < 0.1:
            emails = [f"{fs_dash}.{ls}{rng.randint(70, 99)}@gmail.com".replace("'", "")]
        elif rng.random() < 0.12:
            emails.append(f"{rng.choice(['info', 'sales', 'contact', 'hello'])}@{domain}")
        website: str | None = rng.choice([f"www.{domain}", domain, f"https://www.{domain}",
                                          f"https://{domain}", f"www.{domain}"])
        if rng.random() < 0.12:
            website = None
    else:
        domain = None
        emails = [f"{fs_dash}.{ls}{rng.choice(['', str(rng.randint(1, 99))])}@gmail.com".replace("'", "")]
        website = f"www.{fs_dash}{ls}.{rng.choice(country.tlds)}".replace("'", "") if rng.random() < 0.5 else None

    # address (most cards), phones
    has_address = rng.random() < 0.8
    address = make_address(rng, country, city) if has_address else []
    national_ok = has_address
    us_style = rng.choice(["paren", "paren", "dots", "dash", "spaces"])
    intl_style = rng.choice(["plain", "plain", "plain", "trunk0", "spaces", "paren", "dots"])
    national = national_ok and rng.random() < 0.55
    if code == "DE":
        labels = rng.choice(list(LABELS_DE.values()) + [LABELS["letter"], LABELS["word"]])
    elif code == "FR":
        labels = rng.choice(list(LABELS_FR.values()) + [LABELS["letter"], LABELS["tel_dot"]])
    else:
        labels = rng.choice(list(LABELS.values()))
    wants = ["work"]
    r = rng.random()
    if r < 0.45:
        wants.append("mobile")
    elif r < 0.6:
        wants = ["mobile"]
    if rng.random() < 0.18:
        wants.append("fax")
    unlabelled = len(wants) == 1 and wants[0] == "work" and rng.random() < 0.5
    phones: list[Phone] = []
    seen: set[str] = set()
    for want in wants:
        style = us_style if national else intl_style
        raw, e164 = make_phone(rng, country, city, want, national, style)
        if e164 in seen:
            continue
        seen.add(e164)
        label = "" if unlabelled else labels[["work", "mobile", "fax"].index(want)]
        ext = None
        if want == "work" and code in ("US", "CA", "GB") and rng.random() < 0.2:
            ext = str(rng.choice([12, 204, 315, 4021, 118]))
            raw = f"{raw} {rng.choice(['ext. ', 'x', 'ext '])}{ext}"
        check_phone(raw, e164, code)
        phones.append(Phone(raw, e164, want, label, ext))

    linkedin = None
    if rng.random() < 0.25:
        linkedin = f"linkedin.com/in/{ascii_slug(first, german).replace(' ', '-')}-{ls.replace(chr(39), '')}"
    email_label = rng.choice(["", "", "E:", "Email:" if code != "DE" else "E-Mail:", "e:"])
    web_label = rng.choice(["", "", "W:", "Web:"]) if email_label else ""
    upper = rng.random() < 0.2 if not forced else forced[3]
    return Contact(code, name, title, company, emails, phones, website, address, linkedin,
                   email_label, web_label, upper_name=upper)


# --------------------------------------------------------------------------- drawing


@cache
def font(family: str, bold: bool, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_ROOT / FONTS[family][1 if bold else 0]), max(size, 6))


@dataclass
class Line:
    text: str
    family: str
    size: float  # in 300-dpi pixels
    color: tuple[int, int, int]
    bold: bool = False
    gap: float = 0.0  # extra space above the line


@dataclass
class Style:
    layout: str
    name_family: str
    body_family: str
    bg: tuple[int, int, int]
    fg: tuple[int, int, int]
    accent: tuple[int, int, int]
    muted: tuple[int, int, int]
    logo: str | None  # shape name
    detail_order: str
    separator: str
    name_size: float
    body_size: float
    stripe: str | None
    dark: bool = False
    one_line_address: bool = False


class Painter:
    """Draws in 300-dpi card coordinates onto an image of any resolution."""

    def __init__(self, img: Image.Image, s: float) -> None:
        self.img = img
        self.s = s
        self.draw = ImageDraw.Draw(img)
        self.min_size = 999.0  # smallest text fit() had to settle for, in 300-dpi pixels

    def font(self, line: Line) -> ImageFont.FreeTypeFont:
        return font(line.family, line.bold, round(line.size * self.s))

    def width(self, line: Line) -> float:
        return self.font(line).getlength(line.text) / self.s

    def block_size(self, lines: list[Line]) -> tuple[float, float]:
        w = max((self.width(li) for li in lines), default=0.0)
        h = sum(li.size * 1.3 + li.gap for li in lines) - (lines[-1].size * 0.3 if lines else 0)
        return w, h

    def fit(self, lines: list[Line], max_w: float, max_h: float | None = None, track: bool = True) -> list[Line]:
        for _ in range(30):
            w, h = self.block_size(lines)
            if w <= max_w and (max_h is None or h <= max_h):
                break
            lines = [replace(li, size=li.size * 0.95, gap=li.gap * 0.95) for li in lines]
        if track and lines:
            self.min_size = min(self.min_size, *(li.size for li in lines))
        return lines

    def block(self, lines: list[Line], x: float, y: float, align: str = "left") -> float:
        anchor = {"left": "la", "center": "ma", "right": "ra"}[align]
        for li in lines:
            y += li.gap
            self.draw.text((x * self.s, y * self.s), li.text, font=self.font(li), fill=li.color, anchor=anchor)
            y += li.size * 1.3
        return y

    def rect(self, box: tuple[float, float, float, float], fill: tuple[int, int, int]) -> None:
        self.draw.rectangle([v * self.s for v in box], fill=fill)

    def line(self, pts: list[tuple[float, float]], fill: tuple[int, int, int], width: float) -> None:
        self.draw.line([(x * self.s, y * self.s) for x, y in pts], fill=fill, width=max(1, round(width * self.s)))

    def logo(self, shape: str, x: float, y: float, size: float, color: tuple[int, int, int],
             bg: tuple[int, int, int]) -> None:
        s = self.s
        x0, y0, x1, y1 = x * s, y * s, (x + size) * s, (y + size) * s
        cx, cy, r = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2
        d = self.draw
        if shape == "circle":
            d.ellipse([x0, y0, x1, y1], fill=color)
            d.ellipse([cx - r * 0.45, cy - r * 0.45, cx + r * 0.45, cy + r * 0.45], fill=bg)
        elif shape == "square":
            d.rounded_rectangle([x0, y0, x1, y1], radius=r * 0.3, fill=color)
            d.rectangle([cx - r * 0.2, y0 + r * 0.3, cx + r * 0.2, y1 - r * 0.3], fill=bg)
        elif shape == "triangle":
            d.polygon([(cx, y0), (x1, y1), (x0, y1)], fill=color)
        elif shape == "diamond":
            d.polygon([(cx, y0), (x1, cy), (cx, y1), (x0, cy)], fill=color)
            d.polygon([(cx, cy - r * 0.4), (cx + r * 0.4, cy), (cx, cy + r * 0.4), (cx - r * 0.4, cy)], fill=bg)
        elif shape == "rings":
            w = max(2, round(r * 0.22))
            d.ellipse([x0, y0 + r * 0.3, x0 + r * 1.3, y1 - r * 0.4], outline=color, width=w)
            d.ellipse([x1 - r * 1.3, y0 + r * 0.4, x1, y1 - r * 0.3], outline=color, width=w)
        elif shape == "hexagon":
            pts = [(cx + r * math.cos(math.radians(60 * k + 30)), cy + r * math.sin(math.radians(60 * k + 30)))
                   for k in range(6)]
            d.polygon(pts, fill=color)
        elif shape == "bars":
            for k in range(4):
                h = r * (0.6 + 0.45 * k)
                bx = x0 + k * r * 0.5
                d.rectangle([bx, y1 - h, bx + r * 0.35, y1], fill=color)


LIGHT_BGS = [(255, 255, 255), (255, 255, 255), (250, 248, 242), (246, 244, 238), (240, 243, 247),
             (255, 253, 245), (236, 236, 232)]
DARK_BGS = [(20, 33, 61), (18, 18, 20), (16, 58, 42), (38, 40, 46), (55, 20, 32)]
ACCENTS = [(0, 82, 155), (180, 30, 45), (0, 120, 110), (90, 40, 140), (210, 110, 20), (40, 40, 40),
           (20, 100, 50), (0, 140, 200)]
GOLD = [(212, 175, 55), (201, 168, 106), (230, 200, 120)]
LAYOUTS = ["left", "centered", "two_col", "bar", "logo"]
MIN_TEXT = 25.0  # smallest acceptable text height in 300-dpi pixels (6 pt)


def make_style(rng: random.Random, layout: str, dark: bool) -> Style:
    if dark:
        bg = rng.choice(DARK_BGS)
        fg = rng.choice([(250, 250, 250), (240, 238, 230)])
        accent = rng.choice(GOLD + [(250, 250, 250)])
        muted = (205, 205, 205)
    else:
        bg = rng.choice(LIGHT_BGS)
        fg = rng.choice([(20, 20, 20), (35, 35, 40), (30, 40, 60), (0, 0, 0)])
        accent = rng.choice(ACCENTS)
        muted = rng.choice([(70, 70, 70), (90, 90, 95), fg])
    logo = rng.choice(["circle", "square", "triangle", "diamond", "rings", "hexagon", "bars"])
    if layout in ("left", "two_col", "centered") and rng.random() < 0.5:
        logo = None
    return Style(
        layout=layout,
        name_family=rng.choice(NAME_FAMILIES),
        body_family=rng.choice(BODY_FAMILIES if rng.random() < 0.2 else NAME_FAMILIES),
        bg=bg, fg=fg, accent=accent, muted=muted, logo=logo,
        detail_order=rng.choice(["phones_first", "phones_first", "address_first"]),
        separator=rng.choice(["|", "·"]),
        name_size=rng.uniform(56, 70),
        body_size=rng.uniform(31, 36),
        stripe=rng.choice([None, None, "left", "top", "bottom"]) if layout != "bar" else None,
        dark=dark,
    )


def detail_lines(c: Contact, st: Style, one_line_address: bool = False) -> list[str]:
    phones = [p.line() for p in c.phones]
    email = [f"{c.email_label} {e}".strip() for e in c.emails]
    web = [f"{c.web_label} {c.website}".strip()] if c.website else []
    social = [c.linkedin] if c.linkedin else []
    one_line = one_line_address or st.one_line_address
    addr = [", ".join(c.address_lines)] if one_line and c.address_lines else list(c.address_lines)
    if st.detail_order == "address_first":
        return addr + phones + email + web + social
    return phones + email + web + social + addr


def name_lines(c: Contact, st: Style, with_company: bool) -> list[Line]:
    name = c.name.upper() if c.upper_name else c.name
    lines = [Line(name, st.name_family, st.name_size * (0.85 if c.upper_name else 1.0),
                  st.accent if st.dark and st.accent in GOLD else st.fg, bold=True)]
    if c.title:
        lines.append(Line(c.title, st.body_family, st.body_size * 1.1, st.accent if not st.dark else st.muted,
                          gap=4))
    if with_company and c.company:
        lines.append(Line(c.company, st.name_family, st.body_size * 1.15, st.fg, bold=True, gap=18))
    return lines


def body(texts: list[str], st: Style, color: tuple[int, int, int] | None = None) -> list[Line]:
    return [Line(t, st.body_family, st.body_size, color or st.muted) for t in texts]


def wordmark(c: Contact, st: Style, rng: random.Random) -> Line:
    text = c.company or ""
    if rng.random() < 0.4:
        text = text.upper()
    return Line(text, st.name_family, st.body_size * 1.3, st.accent, bold=True)


def draw_card(c: Contact, st: Style, size_mm: tuple[float, float], s: float,
              rng: random.Random) -> tuple[Image.Image, Style]:
    """Draw the card; fall back to simpler layouts when some text would shrink below ~6 pt."""
    attempts = [st, replace(st, layout="left", logo=None),
                replace(st, layout="left", logo=None, one_line_address=True)]
    seed = rng.random()
    for k, attempt in enumerate(attempts):
        img, smallest = _draw_card(c, attempt, size_mm, s, random.Random(seed))
        if smallest >= MIN_TEXT or k == len(attempts) - 1:
            return img, attempt
    raise AssertionError("unreachable")


def _draw_card(c: Contact, st: Style, size_mm: tuple[float, float], s: float,
               rng: random.Random) -> tuple[Image.Image, float]:
    W, H = size_mm[0] / 25.4 * 300, size_mm[1] / 25.4 * 300
    img = Image.new("RGB", (round(W * s), round(H * s)), st.bg)
    p = Painter(img, s)
    m = rng.uniform(58, 80)
    if st.stripe == "left":
        p.rect((0, 0, 22, H), st.accent)
        m += 20
    elif st.stripe == "top":
        p.rect((0, 0, W, 16), st.accent)
    elif st.stripe == "bottom":
        p.rect((0, H - 16, W, H), st.accent)
    logo_size = rng.uniform(70, 95)
    L = st.layout

    if L == "left":
        has_logo = st.logo is not None and c.company and len(c.company) <= 24
        room = W - 2 * m
        if has_logo:
            p.logo(st.logo, W - m - logo_size, m, logo_size, st.accent, st.bg)
            wm = p.fit([wordmark(c, st, rng)], W * 0.45, track=False)
            p.block(wm, W - m, m + logo_size + 12, "right")
            room -= max(p.block_size(wm)[0], logo_size) + 40
        top = p.fit(name_lines(c, st, with_company=not has_logo), room)
        y = p.block(top, m, m)
        details = body(detail_lines(c, st), st)
        details = p.fit(details, W - 2 * m, H - y - m - 20)
        _, dh = p.block_size(details)
        p.block(details, m, max(y + 20, H - m - dh))

    elif L == "centered":
        y = m * 0.8
        if c.company:
            if st.logo:
                p.logo(st.logo, W / 2 - logo_size / 2 * 0.8, y, logo_size * 0.8, st.accent, st.bg)
                y += logo_size * 0.8 + 10
            wm = p.fit([wordmark(c, st, rng)], W - 2 * m, track=False)
            y = p.block(wm, W / 2, y, "center") + 24
        top = p.fit(name_lines(c, st, with_company=False), W - 2 * m)
        y = p.block(top, W / 2, y, "center") + 18
        p.line([(W / 2 - 90, y), (W / 2 + 90, y)], st.accent, 3)
        details = p.fit(body(detail_lines(c, st, one_line_address=True), st), W - 2 * m, H - y - m * 0.7 - 14)
        _, dh = p.block_size(details)
        p.block(details, W / 2, max(y + 14, H - m * 0.7 - dh), "center")

    elif L == "two_col":
        # share the width between the columns in proportion to what each needs at full size
        left = name_lines(c, st, with_company=st.logo is None)
        left_w = p.block_size(left)[0]
        right_w = p.block_size(body(detail_lines(c, st), st))[0]
        room = W - m - m * 0.8 - 60
        if left_w + right_w <= room:
            split = m + left_w + 30 + (room - left_w - right_w) * rng.uniform(0.3, 0.7)
        else:
            split = m + 30 + room * left_w / (left_w + right_w)
        left = p.fit(left, split - m - 30)
        _, lh = p.block_size(left)
        if st.logo and c.company:
            p.logo(st.logo, m, m, logo_size * 0.8, st.accent, st.bg)
            wm = p.fit([wordmark(c, st, rng)], split - m - 30, track=False)
            p.block(wm, m, m + logo_size * 0.8 + 10)
            p.block(left, m, H - m - lh)
        else:
            p.block(left, m, (H - lh) / 2)
        p.line([(split, m), (split, H - m)], st.accent, 3)
        details = p.fit(body(detail_lines(c, st), st), W - split - 30 - m * 0.8, H - 2 * m)
        _, dh = p.block_size(details)
        p.block(details, split + 30, (H - dh) / 2)

    elif L == "bar":
        bar_items = [ph.line() for ph in c.phones] + list(c.emails) + ([c.website] if c.website else [])
        sep = f"  {st.separator}  "
        bar_text_size = st.body_size * 0.95
        rows: list[str] = []
        for item in bar_items:  # greedy: as many items per bar row as fit
            joined = f"{rows[-1]}{sep}{item}" if rows else item
            if rows and p.width(Line(joined, st.body_family, bar_text_size, (0, 0, 0))) <= W - 1.4 * m:
                rows[-1] = joined
            else:
                rows.append(item)
        filled = rng.random() < 0.6
        bar_fg = st.bg if filled else st.fg
        bar_lines = [Line(r, st.body_family, bar_text_size, bar_fg, gap=0) for r in rows]
        bar_lines = p.fit(bar_lines, W - 2 * m * 0.7)
        _, bh = p.block_size(bar_lines)
        bar_top = H - bh - 2 * 34
        if filled:
            p.rect((0, bar_top, W, H), st.accent)
        else:
            p.line([(m * 0.7, bar_top + 8), (W - m * 0.7, bar_top + 8)], st.accent, 3)
        p.block(bar_lines, W / 2, bar_top + 34, "center")
        has_logo = st.logo is not None and c.company and len(c.company) <= 24
        room = W - 2 * m
        if has_logo:
            p.logo(st.logo, W - m - logo_size, m, logo_size, st.accent, st.bg)
            wm = p.fit([wordmark(c, st, rng)], W * 0.45, track=False)
            p.block(wm, W - m, m + logo_size + 10, "right")
            room -= max(p.block_size(wm)[0], logo_size) + 40
        top = p.fit(name_lines(c, st, with_company=not has_logo), room)
        y = p.block(top, m, m)
        mid = [ln for ln in c.address_lines] + ([c.linkedin] if c.linkedin else [])
        if mid:
            mid_lines = p.fit(body(mid, st), W - 2 * m, bar_top - y - 30)
            _, mh = p.block_size(mid_lines)
            p.block(mid_lines, m, max(y + 14, bar_top - 22 - mh))

    elif L == "logo":
        if c.company:
            p.logo(st.logo or "circle", m, m, logo_size, st.accent, st.bg)
            wm = p.fit([wordmark(c, st, rng)], W - 2 * m - logo_size - 24, track=False)
            _, wh = p.block_size(wm)
            p.block(wm, m + logo_size + 22, m + (logo_size - wh) / 2)
            top_y = m + logo_size + 30
        else:
            top_y = m
        left = p.fit(name_lines(c, st, with_company=False), W * 0.44)
        _, lh = p.block_size(left)
        p.block(left, m, max(top_y + 10, H - m - lh))
        details = p.fit(body(detail_lines(c, st), st), W * 0.5 - m, H - top_y - m)
        _, dh = p.block_size(details)
        p.block(details, W - m, H - m - dh, "right")
    else:
        raise ValueError(L)
    return img, p.min_size


# --------------------------------------------------------------------------- effects


def scanner(img: Image.Image, rng: random.Random, skew: float = 0.0) -> Image.Image:
    if skew:
        bg = img.getpixel((img.width // 2, 2))
        img = img.rotate(skew, resample=Image.BICUBIC, expand=False, fillcolor=bg)
    return img.filter(ImageFilter.GaussianBlur(rng.uniform(0.4, 0.7)))


def desk_texture(rng: random.Random, w: int, h: int, nrng: np.random.Generator) -> np.ndarray:
    kind = rng.choice(["wood", "wood", "laminate", "fabric", "stone"])
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    if kind == "wood":
        base = np.array(rng.choice([(150, 100, 60), (120, 80, 50), (185, 140, 95), (95, 65, 45)]), np.float32)
        # planks run along x: the grain wanders slowly along a plank and fast across it
        warp = cv2.resize(nrng.normal(0, 1, (h // 30 + 2, w // 500 + 2)).astype(np.float32), (w, h),
                          interpolation=cv2.INTER_CUBIC)
        period = rng.uniform(6, 12)
        grain = np.sin(yy / period + warp * 2.0) * 0.5 + 0.5
        fine = cv2.GaussianBlur(nrng.normal(0, 1, (h, w)).astype(np.float32), (0, 0), sigmaX=25, sigmaY=0.8)
        plank = rng.randint(260, 420)
        seams = (np.abs(((yy + rng.randint(0, plank)) % plank) - plank / 2) > plank / 2 - 2).astype(np.float32)
        tones = nrng.uniform(0.9, 1.08, h // plank + 3).astype(np.float32)
        tone = tones[(yy.astype(int) + rng.randint(0, plank)) // plank]
        shade = (0.8 + 0.16 * grain + 0.12 * fine) * tone * (1 - 0.35 * seams)
        img = base[None, None, :] * shade[..., None].astype(np.float32)
        img = cv2.warpAffine(img, cv2.getRotationMatrix2D((w / 2, h / 2), rng.uniform(-25, 25), 1.3), (w, h),
                             borderMode=cv2.BORDER_REFLECT)
    elif kind == "laminate":
        base = np.array(rng.choice([(225, 225, 220), (200, 205, 210), (235, 230, 220)]), np.float32)
        speck = cv2.GaussianBlur(nrng.normal(0, 1, (h, w)).astype(np.float32), (0, 0), 2.0)
        img = base[None, None, :] * (1 + 0.03 * speck)[..., None]
    elif kind == "fabric":
        base = np.array(rng.choice([(60, 62, 70), (40, 55, 75), (90, 60, 55)]), np.float32)
        weave = (np.sin(xx / 2.1) * np.sin(yy / 2.1)) * 0.06
        img = base[None, None, :] * (1 + weave)[..., None]
    else:  # stone / granite
        base = np.array(rng.choice([(120, 118, 115), (170, 165, 160), (70, 70, 72)]), np.float32)
        blob = cv2.GaussianBlur(nrng.normal(0, 1, (h, w)).astype(np.float32), (0, 0), 3.0)
        img = base[None, None, :] * (1 + 0.25 * blob)[..., None]
    return np.clip(img, 0, 255)


def photo(card: Image.Image, rng: random.Random, seed: int, frame_w: int) -> Image.Image:
    """Put a card rendered at 600 dpi onto a desk and photograph it with a phone."""
    nrng = np.random.default_rng(seed)
    frame_h = frame_w * 3 // 4
    bg = desk_texture(rng, frame_w, frame_h, nrng)
    cw0, ch0 = card.size
    area = rng.uniform(0.42, 0.62) * frame_w * frame_h
    aspect = cw0 / ch0
    ch = math.sqrt(area / aspect)
    cw = ch * aspect
    k = rng.uniform(0.04, 0.16)  # keystone from tilting the phone
    side = rng.uniform(-0.06, 0.06)
    corners = np.array([[-cw / 2 * (1 - k), -ch / 2 * (1 - side)], [cw / 2 * (1 - k), -ch / 2 * (1 + side)],
                        [cw / 2 * (1 + k * 0.3), ch / 2 * (1 + side)], [-cw / 2 * (1 + k * 0.3), ch / 2 * (1 - side)]])
    corners[:, 1] *= 1 - k * 0.5  # foreshortening
    theta = math.radians(rng.uniform(-18, 18))
    rot = np.array([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]])
    corners = corners @ rot.T
    for _ in range(20):  # keep the whole card in the frame with a margin
        span = corners.max(0) - corners.min(0)
        if span[0] < frame_w * 0.92 and span[1] < frame_h * 0.92:
            break
        corners *= 0.96
    span = corners.max(0) - corners.min(0)
    cx = frame_w / 2 + rng.uniform(-0.5, 0.5) * (frame_w * 0.95 - span[0])
    cy = frame_h / 2 + rng.uniform(-0.5, 0.5) * (frame_h * 0.95 - span[1])
    dst = (corners + [cx, cy]).astype(np.float32)
    src = np.array([[0, 0], [cw0, 0], [cw0, ch0], [0, ch0]], np.float32)
    M = cv2.getPerspectiveTransform(src, dst)
    card_np = np.asarray(card.convert("RGB"), np.float32)
    warped = cv2.warpPerspective(card_np, M, (frame_w, frame_h), flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.ones((ch0, cw0), np.float32), M, (frame_w, frame_h), flags=cv2.INTER_LINEAR)
    # soft drop shadow
    shadow = cv2.GaussianBlur(mask, (0, 0), rng.uniform(8, 18))
    shadow = np.roll(shadow, (rng.randint(6, 22), rng.randint(-12, 12)), axis=(0, 1))
    bg = bg * (1 - 0.45 * shadow[..., None])
    # slight paper thickness: darken a 1-2 px rim
    out = bg * (1 - mask[..., None]) + warped * mask[..., None]
    # uneven lighting: directional gradient + vignette + a soft shadow blob (hand / phone)
    yy, xx = np.mgrid[0:frame_h, 0:frame_w].astype(np.float32)
    ang = rng.uniform(0, 2 * math.pi)
    grad = ((xx - frame_w / 2) * math.cos(ang) + (yy - frame_h / 2) * math.sin(ang)) / max(frame_w, frame_h)
    light = 1.0 + grad * rng.uniform(0.35, 0.7)
    r2 = ((xx - frame_w / 2) / frame_w) ** 2 + ((yy - frame_h / 2) / frame_h) ** 2
    light *= 1 - rng.uniform(0.2, 0.45) * r2
    if rng.random() < 0.6:
        bx, by = rng.uniform(0, frame_w), rng.uniform(0, frame_h)
        blob = np.exp(-(((xx - bx) / (frame_w * 0.25)) ** 2 + ((yy - by) / (frame_h * 0.3)) ** 2))
        light *= 1 - rng.uniform(0.15, 0.3) * blob
    tint = np.array([1.0, rng.uniform(0.95, 1.0), rng.uniform(0.85, 0.97)], np.float32)
    if rng.random() < 0.3:
        tint = tint[::-1].copy()
    out = out * light[..., None] * tint[None, None, :] * rng.uniform(0.85, 1.0)
    # lens / focus blur, sensor noise
    out = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.9, 1.7))
    out += nrng.normal(0, rng.uniform(2.5, 4.5), out.shape).astype(np.float32)
    return Image.fromarray(np.clip(out, 0, 255).astype(np.uint8))


def flatbed_page(cards: list[Image.Image], dpi: int, rng: random.Random) -> Image.Image:
    pw, ph = round(8.27 * dpi), round(11.69 * dpi)
    page = Image.new("RGB", (pw, ph), rng.choice([(252, 252, 250), (248, 248, 246), (255, 255, 255)]))
    n = len(cards)
    cols = 2 if n > 1 else 1
    gap_x, gap_y = rng.uniform(0.25, 0.6) * dpi, rng.uniform(0.35, 0.7) * dpi
    x0, y0 = rng.uniform(0.3, 0.6) * dpi, rng.uniform(0.3, 0.6) * dpi
    cell_w = max(c.width for c in cards)
    cell_h = max(c.height for c in cards)
    shadow_layer = Image.new("L", (pw, ph), 0)
    placed = []
    for i, card in enumerate(cards):
        r, col = divmod(i, cols)
        angle = rng.uniform(-2.5, 2.5)
        rgba = card.convert("RGBA").rotate(angle, resample=Image.BICUBIC, expand=True)
        x = round(x0 + col * (cell_w + gap_x) + rng.uniform(-0.05, 0.05) * dpi)
        y = round(y0 + r * (cell_h + gap_y) + rng.uniform(-0.05, 0.05) * dpi)
        alpha = rgba.getchannel("A")
        shadow_layer.paste(alpha, (x + 2, y + 3), alpha)
        placed.append((rgba, x, y))
    shadow_layer = shadow_layer.filter(ImageFilter.GaussianBlur(dpi / 60))
    gray = Image.new("RGB", (pw, ph), (150, 150, 150))
    page = Image.composite(gray, page, shadow_layer.point(lambda v: v * 55 // 255))
    for rgba, x, y in placed:
        page.paste(rgba, (x, y), rgba)
    return page.filter(ImageFilter.GaussianBlur(0.5))


# --------------------------------------------------------------------------- the set

KIND_PLAN: list[tuple[str, int]] = [
    ("scan300", 15), ("scan150", 7), ("rotated", 6), ("photo", 10), ("dark", 5), ("flatbed", 6),
]
SPECIAL_EXT = {("scan300", 14): "tif", ("scan300", 15): "pdf", ("photo", 10): "webp"}
ROTATIONS = [90, 180, 270, 90, 180, 270]
FLATBED_COUNTS = [2, 3, 4, 2, 3, 4]
FLATBED_DPI = [150, 200, 150, 200, 200, 150]


@dataclass
class Counter:
    n: int = 0
    names: set[str] = field(default_factory=set)

    def next_country(self) -> str:
        c = COUNTRY_ORDER[self.n % len(COUNTRY_ORDER)]
        self.n += 1
        return c


def new_card(rng: random.Random, ctr: Counter, layout: str, dark: bool = False) -> tuple[Contact, Style]:
    forced = FORCED_NAMES.get(ctr.n)
    code = ctr.next_country()
    contact = make_contact(rng, code, ctr.names, forced)
    style = make_style(rng, layout, dark)
    return contact, style


def card_meta(contact: Contact, style: Style) -> dict:
    return {"country": contact.country, "layout": style.layout, "font": style.name_family,
            "body_font": style.body_family, "dark": style.dark}


def save(img: Image.Image, path: Path, dpi: int | None) -> None:
    ext = path.suffix.lower()
    kw: dict = {}
    if dpi:
        kw["dpi"] = (dpi, dpi)
    if ext == ".png":
        img.save(path, optimize=True, **kw)
    elif ext == ".jpg":
        img.save(path, quality=85, optimize=True, **kw)
    elif ext == ".webp":
        img.save(path, quality=85, method=6)
    elif ext == ".tif":
        img.save(path, compression="tiff_lzw", **kw)
    elif ext == ".pdf":
        stamp = time.gmtime(1718064000)  # 2024-06-11, fixed so the file is reproducible
        img.save(path, resolution=float(dpi or 300), creationDate=stamp, modDate=stamp,
                 title="cardpipe sample card", producer="sample_cards/make_samples.py")
    else:
        raise ValueError(ext)


def holdout_set(rng: random.Random, n: int) -> set[int]:
    k = max(1, round(n / 4))
    return set(rng.sample(range(1, n + 1), k))


def build(out_dir: Path, seed: int = SEED) -> dict:
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.iterdir():
        if old.is_file() and old.name.split("-")[0] in {k for k, _ in KIND_PLAN}:
            old.unlink()
    ctr = Counter()
    split_rng = random.Random(f"{seed}-split")
    images = []
    layout_i = 0
    for kind, count in KIND_PLAN:
        holdout = holdout_set(split_rng, count)
        for i in range(1, count + 1):
            rng = random.Random(f"{seed}-{kind}-{i}")
            ext = SPECIAL_EXT.get((kind, i), "jpg" if kind == "photo" else "png")
            name = f"{kind}-{i:02d}.{ext}"
            entry: dict = {"file": name, "kind": kind, "split": "holdout" if i in holdout else "tune"}
            cards_meta = []
            if kind == "flatbed":
                dpi = FLATBED_DPI[i - 1]
                rendered, contacts = [], []
                for j in range(FLATBED_COUNTS[i - 1]):
                    layout = LAYOUTS[layout_i % len(LAYOUTS)]
                    layout_i += 1
                    contact, style = new_card(rng, ctr, layout, dark=(i == 3 and j == 1))
                    card, style = draw_card(contact, style, COUNTRIES[contact.country].card_mm, dpi / 300, rng)
                    rendered.append(card)
                    contacts.append(contact)
                    cards_meta.append(card_meta(contact, style))
                img = flatbed_page(rendered, dpi, rng)
                entry["dpi"] = dpi
            else:
                layout = LAYOUTS[layout_i % len(LAYOUTS)]
                layout_i += 1
                contact, style = new_card(rng, ctr, layout, dark=(kind == "dark" or (kind == "photo" and i == 7)))
                contacts = [contact]
                mm = COUNTRIES[contact.country].card_mm
                card, style = draw_card(contact, style, mm, 2.0 if kind == "photo" else
                                        0.5 if kind == "scan150" else 1.0, rng)
                cards_meta.append(card_meta(contact, style))
                if kind == "photo":
                    img = photo(card, rng, seed * 100 + i, rng.choice([2000, 2200, 2400]))
                    dpi = None
                else:
                    dpi = 150 if kind == "scan150" else 300
                    skew = rng.uniform(-0.6, 0.6) if (kind == "scan300" and rng.random() < 0.3) else 0.0
                    img = scanner(card, rng, skew)
                    if kind == "rotated":
                        rot = ROTATIONS[i - 1]
                        img = img.transpose({90: Image.Transpose.ROTATE_90, 180: Image.Transpose.ROTATE_180,
                                             270: Image.Transpose.ROTATE_270}[rot])
                        entry["rotation"] = rot
                    entry["dpi"] = dpi
            save(img, out_dir / name, dpi)
            entry["cards"] = [{**ct.truth(), "meta": meta} for ct, meta in zip(contacts, cards_meta, strict=True)]
            images.append(entry)
            print(f"{name:18} {img.width}x{img.height}  " + "; ".join(ct.name for ct in contacts))
    return {"version": 1, "images": images}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=IMAGES, help="image directory (default: %(default)s)")
    ap.add_argument("--truth", type=Path, default=TRUTH, help="truth file (default: %(default)s)")
    ap.add_argument("--seed", type=int, default=SEED,
                    help="draw another set of cards (default: %(default)s, the committed set); with --out and "
                    "--truth elsewhere, a fresh set to measure on that nobody has tuned on")
    args = ap.parse_args(argv)
    if args.seed != SEED and (args.out == IMAGES or args.truth == TRUTH):
        ap.error("--seed draws another set: give --out and --truth outside sample_cards/, "
                 "which holds the committed set")
    truth = build(args.out, args.seed)
    args.truth.write_text(json.dumps(truth, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    total = sum(f.stat().st_size for f in args.out.iterdir() if f.is_file())
    print(f"{len(truth['images'])} images, {sum(len(i['cards']) for i in truth['images'])} cards, "
          f"{total / 1e6:.1f} MB in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
