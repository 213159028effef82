"""E-mails and websites whose start, dot or end OCR lost: card text -> ContactRecord fields.

Every case is a card as OCR read it (the slips are those seen on generated sample cards);
`flagged` says whether the field must go to review: a repair the card cannot confirm is
flagged, a repair the name or an e-mail confirms is not.
"""

from __future__ import annotations

import pytest

from cardpipe import fields as extract
from cardpipe.fields.domain import repair_tld
from cardpipe.fields.email import lead_from_name
from cardpipe.fields.name import split_name
from cardpipe.fields.record import read_contact
from cardpipe.models import OcrLine, OcrPage, OcrWord


def words_page(rows: list[list[tuple[str, int, int]]], *, height: int = 30, conf: float = 90.0) -> OcrPage:
    """A page from rows of (text, left, width) words, one OcrLine per row."""
    lines = [
        OcrLine(tuple(OcrWord(t, conf, left, 40 + 50 * i, w, height) for t, left, w in row), block=i)
        for i, row in enumerate(rows)
    ]
    return OcrPage(tuple(lines), width=1400, height=60 + 50 * len(rows))


# --------------------------------------------------------------------------
# E-mails
# --------------------------------------------------------------------------

EMAILS = [
    # an 'I' read for the 'l' of the initial: the given name says which letter it was
    (
        "I-for-l-given-name-L",
        "Liam Tremblay\nCustomer Success Lead\ne: Itremblay@borealdata.ca",
        ("ltremblay@borealdata.ca",),
        False,
    ),
    (
        "I-for-i-given-name-I",
        "Ian Tremblay\nCustomer Success Lead\ne: Itremblay@borealdata.ca",
        ("itremblay@borealdata.ca",),
        False,
    ),
    (
        "I-initial-name-disagrees",
        "Anna Tremblay\nCustomer Success Lead\ne: Itremblay@borealdata.ca",
        ("Itremblay@borealdata.ca",),
        True,
    ),
    (
        "I-word-no-name-in-it",
        "Lena Berg\nKey Account Manager\nInfo@bergco.de\nwww.bergco.de",
        ("info@bergco.de",),
        False,
    ),
    # a bar or '!' glued before the local part is the 'l' OCR lost
    (
        "bang-for-l-given-name-L",
        "Liam Wilson\nChief Executive Officer\n!.wilson@ironwood.ca",
        ("l.wilson@ironwood.ca",),
        False,
    ),
    (
        "bang-for-i-given-name-I",
        "Ian Wilson\nChief Executive Officer\n!.wilson@ironwood.ca",
        ("i.wilson@ironwood.ca",),
        False,
    ),
    (
        "bang-name-disagrees",
        "Mark Wilson\nChief Executive Officer\n!.wilson@ironwood.ca",
        ("l.wilson@ironwood.ca",),
        True,
    ),
    # the start lost before a dot: the initial put back from the name, but flagged
    (
        "lost-initial-before-dot",
        "Liam Wilson\nChief Executive Officer\n.wilson@ironwood.ca",
        ("l.wilson@ironwood.ca",),
        True,
    ),
    (
        "lost-start-no-name",
        "Chief Executive Officer\n.wilson@ironwood.ca\nironwood.ca",
        ("wilson@ironwood.ca",),
        True,
    ),
    (
        "lost-start-after-junk",
        "Vertriebsleiter\nLUKAS SCHAFER!“fer@kessler-maschinenbau.de",
        ("fer@kessler-maschinenbau.de",),
        True,
    ),
    # a label or bracket glued to the address says nothing
    ("label-glued", "Jane Acton\nE:jane@acme.com\nwww.acme.com", ("jane@acme.com",), False),
    ("brackets", "Jane Acton\n<jane.acton@acme.com>\nwww.acme.com", ("jane.acton@acme.com",), False),
    # the given name before the family name, the dot between them read as a space
    (
        "other-word-before",
        "Pieter Jansen\nCo-Founder\nmail jansen@grachtenhuis-architecten.nl",
        ("jansen@grachtenhuis-architecten.nl",),
        False,
    ),
    # 'e.' before the family name: Ethan's initial, or the label 'e.' (e-mail)?
    (
        "capital-E-label-after-a-number",
        "Jo Marsh\nM: 06 12 34 56 78 E. jo@marshworks.com\nwww.marshworks.com",
        ("jo@marshworks.com",),
        False,
    ),
    # the dot before the TLD read as a space
    (
        "space-for-tld-dot",
        "Benoît Bérenger\nbenoit. berenger@bastide-immobilier fr\nwww.bastide-immobilier.fr",
        ("benoit.berenger@bastide-immobilier.fr",),
        False,
    ),
    ("space-for-tld-dot-short", "Jo Marsh\nE: jo@marshworks com", ("jo@marshworks.com",), False),
    ("tld-word-after-address-not-joined", "Jo Marsh\njo@marshworks.com com", ("jo@marshworks.com",), False),
    # a TLD that does not exist, one slip from real ones: the card says which
    (
        "tld-misread-the-address-country-decides",
        "Anouk Visser\nTulip Data Solutions B.V.\nEmail: anouk@tulip.nt\nCoolsingel 378\n1017 EG Amsterdam",
        ("anouk@tulip.nl",),
        False,
    ),
    (
        "tld-misread-the-website-decides",
        "Hélène Rousseau\nhelene.rousseau@ groupevertigo. ft\nhttps://groupevertigo.fr",
        ("helene.rousseau@groupevertigo.fr",),
        False,
    ),
    (
        "tld-misread-the-phone-country-decides",
        "Élodie Garnier\nT: +33 5 93 06 47 40\nelodie.garnier@groupevertigo.ft",
        ("elodie.garnier@groupevertigo.fr",),
        False,
    ),
    ("tld-misread-nothing-decides", "Jo Marsh\njo@marshworks.nt", ("jo@marshworks.nt",), True),
    ("real-tld-left-alone", "Jo Marsh\nT: +31 20 489 1797\njo@marshworks.ni", ("jo@marshworks.ni",), False),
    (
        "bang-in-tld",
        "Pieter de Jong\nKeizersgracht 169\n3011 AD Rotterdam\ne: pieter.dejong@oranjewoudmedia.n!\n"
        "e: hello@oranjewoudmedia.nl",
        ("pieter.dejong@oranjewoudmedia.nl", "hello@oranjewoudmedia.nl"),
        False,
    ),
    # a colon read for the dot after the initial: the name says whether it is the initial
    ("colon-for-dot-the-initial", "FREDERIC MOREAU\nGérant\nf:moreau@quintessence.fr", ("f.moreau@quintessence.fr",), False),
    ("colon-for-dot-not-the-initial", "Anne Moreau\nGérante\nf:moreau@quintessence.fr", ("f.moreau@quintessence.fr",), True),
    ("e-colon-is-the-label", "Anne Moreau\nGérante\ne:amoreau@quintessence.fr", ("amoreau@quintessence.fr",), False),
    # a speck beside the dot read as a hyphen
    (
        "dot-and-hyphen",
        "Sophie Hughes\nHead of Marketing\ne: sophie.-hughes@harbourfinch.com",
        ("sophie.hughes@harbourfinch.com",),
        False,
    ),
    (
        "dot-and-hyphen-no-name-in-it",
        "Sophie Hughes\nHead of Marketing\ne: sales.-team@harbourfinch.com",
        ("sales.team@harbourfinch.com",),
        True,
    ),
    # the name printed on the address's line, a dot after it: not part of the address
    (
        "name-beside-the-address",
        "Thameside Consulting Limited\nHarry Davies\nHarry DavieS. hdavies@thameside.com",
        ("hdavies@thameside.com",),
        False,
    ),
    # a bar after the address ('nl_|' read 'nl_l'): the website after it is not joined to it
    (
        "bar-after-the-address",
        "Pieter van Dijk\npvandijk@van-dijk.nl_l www.van-dijk.nl",
        ("pvandijk@van-dijk.nl",),
        False,
    ),
    # a capital before a colon is a label (Mobile, Phone, Tel, Office), never an initial,
    # even when the name starts with that letter; a small letter is an initial
    ("label-m-not-an-initial", "Mark Smith\nM:smith@acme.co.uk", ("smith@acme.co.uk",), False),
    ("label-p-not-an-initial", "Paul Smith\nP:smith@acme.co.uk", ("smith@acme.co.uk",), False),
    ("label-t-not-an-initial", "Tom Smith\nT:smith@acme.com", ("smith@acme.com",), False),
    ("label-o-not-an-initial", "Ole Smith\nO:smith@acme.com", ("smith@acme.com",), False),
    ("colon-initial-confirmed-by-name", "Francois Moreau\nf:moreau@acme.fr", ("f.moreau@acme.fr",), False),
    ("colon-initial-not-confirmed", "Jane Doe\nf:moreau@acme.fr", ("f.moreau@acme.fr",), True),
    # two dashes or underscores are printed so: only a dot beside one is squeezed
    ("dash-between-underscores-kept", "Sophie Hughes\nsophie_-_hughes@x.com", ("sophie_-_hughes@x.com",), False),
    ("double-underscore-kept", "Sophie Hughes\nsophie__hughes@x.com", ("sophie__hughes@x.com",), False),
    ("double-dash-kept", "Sophie Hughes\nsophie--hughes@x.com", ("sophie--hughes@x.com",), False),
    # a comma glued inside the local part is the dot
    ("comma-inside-local", "Pushpa Arockiam\npushpa,arockiam@jesper.com", ("pushpa.arockiam@jesper.com",), False),
]


@pytest.mark.parametrize(("case", "text", "emails", "flagged"), EMAILS, ids=[c[0] for c in EMAILS])
def test_email_start_and_dots(case: str, text: str, emails: tuple[str, ...], flagged: bool) -> None:
    record = read_contact(OcrPage.from_text(text))
    assert record.emails == emails
    assert ("emails" in record.review) is flagged


@pytest.mark.parametrize(
    ("text", "value", "repairs"),
    [
        ("!.wilson@ironwood.ca", "l.wilson@ironwood.ca", ("bar-for-l",)),
        (".lefevre@gmail.com", "lefevre@gmail.com", ("lost-start", "lost-before-dot")),
        ("SCHAFER!“fer@kessler.de", "fer@kessler.de", ("lost-start",)),
        ("mailto:jo@acme.de", "jo@acme.de", ()),
        ("“jo@acme.de”", "jo@acme.de", ()),
        ("jo@acme de", "jo@acme.de", ("space-dot", "spaces")),
        ("Ethan Wilson e. wilson@acme.ca", "e.wilson@acme.ca", ("spaces", "stray-piece")),  # not 'Wilsone.'
        ("M: 06 12 34 56 78 E. jo@acme.com", "jo@acme.com", ()),
        ("f:moreau@acme.fr", "f.moreau@acme.fr", ("colon-for-dot",)),
        ("E:moreau@acme.fr", "moreau@acme.fr", ()),
        ("Harry DavieS. hdavies@acme.com", "hdavies@acme.com", ()),  # the name beside it
        ("E: Matthias. wagner88@gmail.com", "Matthias.wagner88@gmail.com", ("spaces",)),  # capitalised by OCR
        ("Lena Kruger «ev. krueger@acme.de", "krueger@acme.de", ("lost-start", "lost-before-dot")),
        ("sophie.-hughes@acme.com", "sophie.hughes@acme.com", ("double-separator",)),
        ("jo@acme.n!", "jo@acme.nl", ("bar-in-tld",)),
        ("jo@acme.nl_l www.acme.nl", "jo@acme.nl", ()),
    ],
)
def test_what_is_glued_before_an_address_is_told_apart(
    text: str, value: str, repairs: tuple[str, ...]
) -> None:
    (email,) = extract.propose(OcrPage.from_text(text)).emails
    assert (email.value, email.repairs) == (value, repairs)


@pytest.mark.parametrize(
    ("local", "repairs", "name", "expected"),
    [
        ("Itremblay", (), "Liam Tremblay", ("ltremblay", "repaired")),
        ("Ikoehler", (), "Lena Köhler", ("lkoehler", "repaired")),
        ("Itremblay", (), None, ("Itremblay", "")),  # no name: the mixed case alone lowers confidence
        ("Info", (), "Lena Berg", ("Info", "")),
        ("l.wilson", ("bar-for-l",), "Liam Wilson", ("l.wilson", "repaired")),
        ("l.wilson", ("bar-for-l",), None, ("l.wilson", "doubtful")),
        ("wilson", ("lost-start", "lost-before-dot"), "Liam Wilson", ("l.wilson", "doubtful")),
        ("wilson", ("lost-start",), "Liam Wilson", ("wilson", "doubtful")),  # no dot: one letter or more?
        ("jane.doe", (), "Jane Doe", ("jane.doe", "")),
    ],
)
def test_first_letter_checked_against_the_name(
    local: str, repairs: tuple[str, ...], name: str | None, expected: tuple[str, str]
) -> None:
    assert lead_from_name(local, repairs, split_name(name) if name else None) == expected


# --------------------------------------------------------------------------
# Websites
# --------------------------------------------------------------------------

WEBSITES = [
    ("hyphen-for-www-dot", "William Wright\nWeb: www-sterlinghart.co.uk", "www.sterlinghart.co.uk", False),
    # at the start of a line, 'www-' reads as a label: the same site
    (
        "hyphen-after-www-at-line-start",
        "William Wright\nwwright@sterlinghart.co.uk\nwww-sterlinghart.co.uk",
        "sterlinghart.co.uk",
        False,
    ),
    (
        "space-for-tld-dot-hyphenated-name",
        "Benoît Bérenger\nwww.bastide-immobilier fr",
        "www.bastide-immobilier.fr",
        False,
    ),
    # joined, but no company line or e-mail on the card says so: flagged
    ("cut-at-a-line-break", "Matthias Wagner\nWeb: Www.ba\nUersystems.de", "www.bauersystems.de", True),
    (
        "spaced-bare-domain-the-email-confirms",
        "Cécile Bérenger\nE: cberenger@groupevertigo.fr\ngroupevertigo. fr",
        "groupevertigo.fr",
        False,
    ),
    ("spaced-bare-domain-alone", "Cécile Bérenger\nE: cberenger@gmail.com\ngroupevertigo. fr", None, True),
    ("no-tld", "Lindner Logistik GmbH\nwww.lindnerlogistik", "www.lindnerlogistik", True),
    # a TLD that does not exist: the e-mail, else the country, says which one it was
    ("tld-misread-the-email-decides", "Anouk Visser\nEmail: anouk@tulip.nl\nwww.tulip.nt", "www.tulip.nl", False),
    (
        "tld-misread-the-country-decides",
        "Anouk Visser\nCoolsingel 378\n1017 EG Amsterdam\nwww.tulip.nt",
        "www.tulip.nl",
        False,
    ),
    ("tld-misread-nothing-decides", "Anouk Visser\nwww.tulip.nt", "www.tulip.nt", True),
    # a website with no TLD does not swallow the next one: only a plain 'label.tld' is its rest
    (
        "no-tld-next-url-not-joined",
        "Jan Lindner\nLindner Logistik GmbH\nwww.lindnerlogistik\nshop.lindner.de",
        "www.lindnerlogistik",
        True,
    ),
    # joined, and the company says so / nothing says so
    ("cut-website-joined-company-agrees", "Jan Bauer\nBauer Systems GmbH\nWww.ba\nUersystems.de", "www.bauersystems.de", False),
    ("cut-website-joined-nothing-agrees", "Jan Bauer\nWww.ba\nUersystems.de", "www.bauersystems.de", True),
    ("www-read-yw", "Ali Veli\nyw.kartalsogutma.com\ninfo@kartalsogutma.com", "www.kartalsogutma.com", False),
]


@pytest.mark.parametrize(
    ("domain", "others", "countries", "unsure", "expected"),
    [
        ("tulip.nt", ["tulip.nl"], set(), False, ("tulip.nl", "repaired")),
        ("www.tulip.nt", ["tulip.nl"], set(), False, ("www.tulip.nl", "repaired")),
        ("tulip.nt", ["other.fr"], {"nl"}, False, ("tulip.nl", "repaired")),
        ("tulip.nt", [], {"de"}, False, ("tulip.nt", "doubtful")),  # nl, ni, nf or nr?
        ("groupevertigo.ft", [], {"fr"}, False, ("groupevertigo.fr", "repaired")),
        ("acme.nl", [], {"ni"}, False, ("acme.nl", "")),  # a real TLD read for sure is kept
        ("acme.nl", [], {"ni"}, True, ("acme.ni", "repaired")),  # 'acme.n!': an 'l' or an 'i'?
        ("acme.nl", [], set(), True, ("acme.nl", "doubtful")),
        ("acme.com", [], {"nl"}, False, ("acme.com", "")),
        # three letters: a .com with its 'm' read 'r' (a real card: info@arassogutma.cor)
        ("arassogutma.cor", [], {"tr"}, False, ("arassogutma.com", "doubtful")),
        ("acme.orq", ["acme.org"], set(), False, ("acme.org", "repaired")),
        ("acme.xyz", [], set(), False, ("acme.xyz", "")),  # real: kept
    ],
)
def test_tld_repaired_from_the_card(
    domain: str, others: list[str], countries: set[str], unsure: bool, expected: tuple[str, str]
) -> None:
    assert repair_tld(domain, others, countries, unsure=unsure) == expected


@pytest.mark.parametrize(("case", "text", "website", "flagged"), WEBSITES, ids=[c[0] for c in WEBSITES])
def test_website_slips(case: str, text: str, website: str | None, flagged: bool) -> None:
    record = read_contact(OcrPage.from_text(text))
    assert record.website == website
    assert ("website" in record.review) is flagged


def test_website_word_cut_on_a_skewed_line_is_joined() -> None:
    """'Www.ba' and 'Uersystems.de' read as two words of one line (the second a little lower)."""
    page = words_page(
        [
            [("Matthias", 100, 180), ("Wagner", 300, 150)],
            [("Web:", 100, 80), ("Www.ba", 200, 130), ("Uersystems.de", 333, 250)],
        ]
    )
    assert read_contact(page).website == "www.bauersystems.de"
    # a website with its TLD is complete: the next word is not part of it
    page = words_page(
        [
            [("Matthias", 100, 180), ("Wagner", 300, 150)],
            [("Web:", 100, 80), ("www.bauer.de", 200, 200)],
            [("linkedin.com/in/mw", 100, 300)],
        ]
    )
    assert read_contact(page).website == "www.bauer.de"


def test_a_turkish_word_starting_with_dotted_capital_i_is_no_linkedin_handle() -> None:
    """'İnşaat' matched the 'in' label case-blind and crashed the handle lookup."""
    from cardpipe.fields.record import read_contact

    record = read_contact(OcrPage.from_text("Mert Yılmaz\nİnşaat\nmert@yapi-ornek.com.tr"))
    assert record.name == "Mert Yılmaz"
    assert "linkedin" not in dict(record.social or ())


@pytest.mark.parametrize(
    ("line", "email"),
    [
        ("E-maitkaito-s@bravo-example.com", "kaito-s@bravo-example.com"),  # the label read into the address
        ("E-mail:kaito-s@bravo-example.com", "kaito-s@bravo-example.com"),
        ("Emailjo.ann@bravo-example.com", "jo.ann@bravo-example.com"),
        ("email.team@bravo-example.com", "email.team@bravo-example.com"),  # a real address may start so
        ("mailroom@bravo-example.com", "mailroom@bravo-example.com"),
    ],
)
def test_an_email_label_glued_to_the_address_is_not_part_of_it(line: str, email: str) -> None:
    record = read_contact(OcrPage.from_text(f"Kaito Sato\nDirector\n{line}"))
    assert record.emails == (email,)


def test_the_dot_before_the_tld_read_as_a_hyphen_is_repaired() -> None:
    record = read_contact(OcrPage.from_text("Katrin Weber\nBauer Werke AG\n,kweber@bauerwerke -de\nwww.bauerwerke.de"))
    assert record.emails == ("kweber@bauerwerke.de",)


def test_an_at_sign_misread_in_an_address_line_is_no_email() -> None:
    """'Kö' read as 'K@6': the words after it joined across spaces end in no real TLD."""
    record = read_contact(OcrPage.from_text(
        "Julia Brandt\nHANSA DRUCK\njulia@hansadruck.de\nK@6nigsallee 472, 20095 Hamburg, Deutschland"
    ))
    assert record.emails == ("julia@hansadruck.de",)


@pytest.mark.parametrize(
    ("text", "e164"),
    [
        # no '+90' anywhere: the city in capitals says the card is Turkish
        ("Ali Demir\nYıldız Mah. Çınar Sok. No: 12\nŞişli / İSTANBUL\nTel: (0212) 555 12 34", "+902125551234"),
        ("Ravi Sharma\nBG-12, Sunrise Complex, Hisar\nMob. 98765-43210", "+919876543210"),
        ("Ana Ruiz\nCalle Mayor 5, Madrid\nT. 912 345 678", "+34912345678"),
    ],
)
def test_numbers_without_a_country_code_are_read_in_the_country_the_card_names(text: str, e164: str) -> None:
    record = read_contact(OcrPage.from_text(text), region="US")
    assert [p.e164 for p in record.phones] == [e164]


def test_a_us_city_named_like_a_foreign_one_keeps_its_numbers_american() -> None:
    record = read_contact(OcrPage.from_text("Dana Cole\n5500 Frantz Rd, Dublin, OH 43017\nTel. (614) 555-0142"), region="US")
    assert [p.e164 for p in record.phones] == ["+16145550142"]


@pytest.mark.parametrize(
    ("text", "phones"),
    [
        # other last digits of the same number: kept in the raw text, the first one dialled
        ("+90 (216) 315 77 45-46", [("+902163157745", "work", "+90 (216) 315 77 45-46")]),
        ("Tel : +90 324 238 05 40-41-42", [("+903242380540", "work", "+90 324 238 05 40-41-42")]),
        # a local number after a full one shares its area code and its label
        (
            "Tel.: (0212) 231 99 93 - 246 21 05 Fax: (0212) 225 53 95",
            [("+902122319993", "work", "(0212) 231 99 93"), ("+902122462105", "work", "246 21 05"),
             ("+902122255395", "fax", "(0212) 225 53 95")],
        ),
        # a German direct-dial ending is part of the number, not a range
        ("T +49 30 1234-56", [("+4930123456", "work", "+49 30 1234-56")]),
    ],
)  # fmt: skip
def test_numbers_printed_as_ranges_or_sharing_an_area_code(text: str, phones: list) -> None:
    region = "DE" if "+49" in text else "TR"
    record = read_contact(OcrPage.from_text("Ali Veli\n" + text), region=region)
    assert [(p.e164, p.type, p.raw) for p in record.phones] == phones


def test_visit_us_at_a_domain_is_the_website_not_an_email() -> None:
    text = "Robert Dunn\nSales Director\nrobert.dunn@stormcommerce.com\nVisit us at stormcommerce.com"
    record = read_contact(OcrPage.from_text(text))
    assert record.emails == ("robert.dunn@stormcommerce.com",)
    assert record.website == "stormcommerce.com"


@pytest.mark.parametrize(
    ("text", "region", "unverified"),
    [
        # a number printed after a label that is no valid number as read: kept as printed, flagged
        ("Raj Saha\nShop : 55614360\nCRAFT EMPORIUM", "IN", ("55614360",)),
        # a tax or company number is no phone
        ("Ryo Imai\nE-mail: ryo@jic.vn / Tax code: 0106472242\nMobile: +84-902 175 728", "VN", ()),
        ("Ali Veli\nP.O. Box 10070, Manama\n+973 17358739", "BH", ()),
    ],
)
def test_numbers_printed_but_not_valid_are_kept_as_printed_and_flagged(text, region, unverified) -> None:
    record = read_contact(OcrPage.from_text(text), region=region)
    assert record.unverified_phones == unverified
    assert ("phones" in record.review) is bool(unverified)
    assert record.to_json()["unverified_phones"] == list(unverified)
