"""Addresses as OCR damages them: a unit line above the street, postcodes with a letter read
for a digit (or the other way round) or a lost space, in the UK, Canada and the Netherlands.

Every case is card text as OCR reads it; the expected values are what a person would type.
"""

from __future__ import annotations

import pytest

from cardpipe.fields.address import is_unit_line, repair_postcode_line
from cardpipe.fields.record import read_contact
from cardpipe.models import OcrPage

ADDRESS_CASES = [
    (
        "second-floor-above-street",
        "Amelia Fletcher\nPrincipal Architect\nSecond Floor\n140 Deansgate\nManchester M3 2BY",
        "Second Floor, 140 Deansgate, Manchester M3 2BY",
        "GB",
    ),
    (
        "ordinal-floor-and-suite",
        "3rd Floor, Suite 300\n120 Adelaide Street West\nToronto, ON M5H 1T1",
        "3rd Floor, Suite 300, 120 Adelaide Street West, Toronto, ON M5H 1T1",
        "CA",
    ),
    (
        "level-above-street",
        "Level 24\n1 Martin Place\nSydney NSW 2000",
        "Level 24, 1 Martin Place, Sydney NSW 2000",
        "AU",
    ),
    (
        "uk-postcode-space-lost",
        "Thameside Consulting Limited\nFloor 3\n44 Deansgate\nLondon\nSE19HA",
        "Floor 3, 44 Deansgate, London, SE1 9HA",
        "GB",
    ),
    (
        "uk-district-digit-read-as-i-with-country-line",
        "Harry Davies\nSuite 12\n348 Baker Street\nLondon\nSEI 9HA\nUnited Kingdom",
        "Suite 12, 348 Baker Street, London, SE1 9HA, United Kingdom",
        "GB",
    ),
    (
        "canadian-digit-read-as-s",
        "Unit 5\n22 King Street West\nToronto, ON M5V SG4",
        "Unit 5, 22 King Street West, Toronto, ON M5V 5G4",
        "CA",
    ),
    (
        "dutch-digit-read-as-l-and-space-moved",
        "Joost de Vries\nCoolsingel 82\n351 LAV Utrecht\njoost@devries.nl",
        "Coolsingel 82, 3511 AV Utrecht",
        "NL",
    ),
]


@pytest.mark.parametrize(("case", "text", "address", "country"), ADDRESS_CASES, ids=[c[0] for c in ADDRESS_CASES])
def test_damaged_addresses(case: str, text: str, address: str, country: str) -> None:
    record = read_contact(OcrPage.from_text(text))
    assert record.address is not None
    assert (record.address.text, record.address.country) == (address, country)


@pytest.mark.parametrize(
    ("printed", "repaired"),
    [
        ("London SEI 9HA", "London SE1 9HA"),
        ("SE19HA", "SE1 9HA"),
        ("London, W1U3BW", "London, W1U 3BW"),
        ("London EClA 1BB", "London EC1A 1BB"),  # l for 1 in the district
        ("London 5W1A 2AA", "London SW1A 2AA"),  # 5 for S in the area
        ("Leeds LSl 4AP", "Leeds LS1 4AP"),
        ("Calgary, AB T2P IJ9", "Calgary, AB T2P 1J9"),
        ("Toronto ON M5V SG4", "Toronto ON M5V 5G4"),
        ("351 LAV Utrecht", "3511 AV Utrecht"),
        ("35I1 AV Amsterdam", "3511 AV Amsterdam"),
        ("3511AV Utrecht", "3511 AV Utrecht"),
        # nothing to repair, or nothing that would be a postcode
        ("London SW1A 2AA", "London SW1A 2AA"),
        ("3511 AV Utrecht", "3511 AV Utrecht"),
        ("Sydney NSW 2000", "Sydney NSW 2000"),
        ("New York, NY 10013", "New York, NY 10013"),
        ("STE 201", "STE 201"),
        ("PO BOX 123", "PO BOX 123"),
        ("ISO 9001", "ISO 9001"),
        ("Suite 4l0", "Suite 4l0"),
        ("100 MAIN Street", "100 MAIN Street"),
        ("XQI 9HA", "XQI 9HA"),  # no UK postcode area is XQ
        ("3511 SS Utrecht", "3511 SS Utrecht"),  # SA, SD and SS are not used in Dutch postcodes
    ],
)
def test_postcode_repairs(printed: str, repaired: str) -> None:
    assert repair_postcode_line(printed) == repaired


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("Second Floor", True),
        ("Ground Floor", True),
        ("3rd Floor", True),
        ("Floor 3", True),
        ("Suite 12", True),
        ("Level 24", True),
        ("Unit 5B", True),
        ("Suite 12, Level 4", True),
        ("Building C", True),
        ("2. OG", True),
        ("Floor Manager", False),
        ("Second Street", False),
        ("Level Partners", False),
        ("Harry Davies", False),
        ("348 Baker Street", False),
    ],
)
def test_unit_lines(text: str, unit: bool) -> None:
    assert is_unit_line(text) is unit


@pytest.mark.parametrize(
    "text",
    [
        # the name misread, the unit line the only line shaped like a name
        "Z.o0é Fletcher\nHead of Partnerships\nThameside Consulting Limited\nSecond Floor\n59 Baker Street\n"
        "London\nW1U 3BW\nz.fletcher@thameside.com",
        # ... and with no address for it to join
        "Z.o0é Fletcher\nHead of Partnerships\nSecond Floor\nz.fletcher@thameside.com",
    ],
    ids=["unit-line-in-address", "unit-line-alone"],
)
def test_unit_line_is_never_the_name(text: str) -> None:
    record = read_contact(OcrPage.from_text(text))
    assert record.name is None and "name" in record.review  # flagged, never 'Second Floor'
    if "Baker Street" in text:
        assert record.address is not None and record.address.text.startswith("Second Floor, 59 Baker Street")


# The 'l' of an elided article read as a bar, a speck read as a bracket after a postcode
MORE_ADDRESS_CASES = [
    (
        "elided-article-read-as-bar",
        "Hélène Rousseau\nCheffe de projet\n247 cours de |'Intendance\n75008 Paris",
        "247 cours de l'Intendance, 75008 Paris",
        "FR",
    ),
    (
        "elided-article-typographic-apostrophe",
        "Cécile Garnier\n12 place de |’Hôtel de Ville\n69002 Lyon",
        "12 place de l’Hôtel de Ville, 69002 Lyon",
        "FR",
    ),
    (
        "dutch-bracket-after-letters",
        "Bram de Vries\nManaging Director\nKeizersgracht 308, 1015 CJ) Amsterdam\n+31 20 555 0134",
        "Keizersgracht 308, 1015 CJ Amsterdam",
        "NL",
    ),
]


@pytest.mark.parametrize(
    ("case", "text", "address", "country"), MORE_ADDRESS_CASES, ids=[c[0] for c in MORE_ADDRESS_CASES]
)
def test_more_damaged_addresses(case: str, text: str, address: str, country: str) -> None:
    record = read_contact(OcrPage.from_text(text))
    assert record.address is not None
    assert (record.address.text, record.address.country) == (address, country)


# US street lines shaped like a damaged Dutch postcode: never "repaired" into one
@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("Anna Becker\nAcme Inc\n125 LBJ Freeway\nDallas, TX 75251", "125 LBJ Freeway, Dallas, TX 75251"),
        ("Anna Becker\nAcme Inc\n901 SLO Road\nDallas, TX 75251", "901 SLO Road, Dallas, TX 75251"),
        # a .nl domain on the card, but a postcode line as read elsewhere on it
        (
            "Anna Becker\nAcme Inc\n125 LBJ Freeway\nDallas, TX 75251\nanna@acme.nl",
            "125 LBJ Freeway, Dallas, TX 75251",
        ),
    ],
    ids=["lbj-freeway", "slo-road", "lbj-freeway-with-nl-domain"],
)
def test_us_street_line_is_not_a_dutch_postcode(text: str, address: str) -> None:
    record = read_contact(OcrPage.from_text(text))
    assert record.address is not None
    assert (record.address.text, record.address.country) == (address, "US")


@pytest.mark.parametrize(
    ("printed", "repaired"),
    [
        ("Keizersgracht 308, 1015 CJ) Amsterdam", "Keizersgracht 308, 1015 CJ Amsterdam"),
        ("1015 CJ] Amsterdam", "1015 CJ Amsterdam"),
        ("Calgary, AB T2P 1)9", "Calgary, AB T2P 1J9"),  # a J read as a bracket
        # a bracket that is part of the line, or a letter pair short of a postcode: as read
        ("(Suite 100) 1015 CJ Amsterdam", "(Suite 100) 1015 CJ Amsterdam"),
        ("1015 C) Amsterdam", "1015 C) Amsterdam"),
    ],
)
def test_postcode_repairs_of_brackets(printed: str, repaired: str) -> None:
    assert repair_postcode_line(printed) == repaired


# Addresses in no postcode format of the rules above: found by their street and place words,
# numbers and a country or city in capitals, with the lines of the block around them.
@pytest.mark.parametrize(
    ("text", "address"),
    [
        (
            "Selin Kaya\nSatış Müdürü\nYıldız Mah. Çınar Sok. No: 12/B\nKadıköy / İSTANBUL\nselin@ornek.com.tr",
            "Yıldız Mah. Çınar Sok. No: 12/B, Kadıköy / İSTANBUL",
        ),
        (
            "Hiro Tanaka\nSales Manager\n3-4-5, Minamimachi, Sakura City,\nChiba, 285-0011 JAPAN\nTEL +81-43-123-4567",
            "3-4-5, Minamimachi, Sakura City, Chiba, 285-0011 JAPAN",
        ),
        (
            "Omar Haddad\nDirector\nOffice 12, Pearl Tower, Al Noor District\nP.O. Box 5521, Doha, Qatar\nomar@pearl-example.qa",
            "Office 12, Pearl Tower, Al Noor District, P.O. Box 5521, Doha, Qatar",
        ),
        ("Lucía Gómez\nSALES DIRECTOR\nlucia@raft-example.ai\nMadrid, Spain", "Madrid, Spain"),
        ("Head Office 4-1-2, Kita-ku, Sapporo City,\nHokkaido, 060-0001 JAPAN\nKen Mori", "4-1-2, Kita-ku, Sapporo City, Hokkaido, 060-0001 JAPAN"),
        (  # a road line with the city run into it, and the address's first line above it
            "Utsav Busa (Director)\n+91 93289 42556\nutsav@ullasindia.com\n1003, South Block, Twin Star,\n150 ft Ring Road, Rajkot-360005",
            "1003, South Block, Twin Star, 150 ft Ring Road, Rajkot-360005",
        ),
        (  # India: a state and its six-digit PIN, the lines above it
            "K S Prasad\nGeneral Manager\nA3, Sipcot Housing Colony,\n1st Floor,\nHosur, Tamil Nadu 635126",
            "A3, Sipcot Housing Colony, 1st Floor, Hosur, Tamil Nadu 635126",
        ),
        (  # a street name over two lines, the first without a number (Turkish 'Sitesi', 'Caddesi')
            "Deniz Arslan\nSatış Müdürü\nBeysan Sanayi Sitesi Fuar\nCaddesi No:8 Haramidere\n34524 İstanbul / Türkiye",
            "Beysan Sanayi Sitesi Fuar, Caddesi No:8 Haramidere, 34524 İstanbul",
        ),
        (  # the last line long, but it ends the address: a Thai postcode and the country
            "Warit Sae\nSales Manager\n719 KPN Tower, 10th Floor, Rama 9 Road,\nBangkapi, Huaykwang District, Bangkok, 10310, Thailand\nwarit@iss-example.com",
            "719 KPN Tower, 10th Floor, Rama 9 Road, Bangkapi, Huaykwang District, Bangkok, 10310, Thailand",
        ),
        (  # Indonesia: five digits before the country
            "Brata Rafi\n16 Floor, Sinarmas Tower, Jl. Sudirman Kav. 21\nRT 12/RW 01, Karet, Setiabudi, Jakarta Selatan, 12920 Indonesia",
            "16 Floor, Sinarmas Tower, Jl. Sudirman Kav. 21, RT 12/RW 01, Karet, Setiabudi, Jakarta Selatan, 12920 Indonesia",
        ),
    ],
)
def test_an_address_in_no_known_postcode_format_is_found_by_its_words(text: str, address: str) -> None:
    record = read_contact(OcrPage.from_text(text))
    assert record.address is not None and record.address.text == address


@pytest.mark.parametrize(
    "text",
    [
        "Selin Kaya\nSatış Müdürü\nselin@ornek.com.tr\n+90 212 555 12 12",  # no address printed
        "Ken Mori\nProject Manager\nMori Design Studio\nken@mori-example.jp",
    ],
)
def test_a_card_without_an_address_gets_none(text: str) -> None:
    assert read_contact(OcrPage.from_text(text)).address is None


@pytest.mark.parametrize(
    ("line", "ends"),
    [
        ("Bangkapi, Huaykwang District, Bangkok, 10310, Thailand", True),
        ("RT 12/RW 01, Karet, Jakarta Selatan, 12920 Indonesia", True),
        ("Kukatpally, Hyderabad - 500 085, INDIA", True),  # six digits, printed with a space
        ("Bangkapi, Huaykwang District, Bangkok, 1031, Thailand", False),  # four digits: no Thai postcode
        ("Suite 10310, Rama 9 Road, Huaykwang District, Bangkok, Thailand", False),  # amid the street
        ("Bangkapi, Huaykwang District, Bangkok, 10310", False),  # no country printed
    ],
)
def test_a_line_that_ends_an_address_by_its_countrys_postcode(line: str, ends: bool) -> None:
    from cardpipe.fields.address import ends_address

    assert ends_address(line) is ends


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        # found by its words, and it ends in a postcode of the card's country: not a guess
        ("Ken Mori\n2-10-2 Fujimi, Chiyoda-ku,\nTokyo 102-0071, Japan\nken@mori-example.jp", False),
        ("Ken Mori\n2-10-2 Fujimi, Chiyoda-ku,\nTokyo 102-0071\nTEL +81-3-5205-6455", False),  # Japan by its number
        ("Ana Horvat\nAvenija Dubrovnik 15,\n10 000 Zagreb, Croatia", False),
        # no postcode of that shape: still a guess for a human to check
        ("Ken Mori\n2-10-2 Fujimi, Chiyoda-ku,\nTokyo, Japan\nken@mori-example.jp", True),
        ("Selin Kaya\nKocamansur Sokak Gülen Apt. No. 125/2\nŞişli / İSTANBUL", True),
    ],
)
def test_an_address_found_by_its_words_is_sure_when_its_countrys_postcode_ends_it(text: str, flagged: bool) -> None:
    record = read_contact(OcrPage.from_text(text))
    assert record.address is not None
    assert ("address" in record.review) is flagged
