"""Company and job title: legal forms as printed, titles the lexicon knows, and lines that
are no company (a web address, a profile path, the person's name read with junk).

Every card is text as OCR reads it (`OcrPage.from_text`); the expected values are what a
person would type into their address book.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from cardpipe import fields as extract
from cardpipe.fields.company import complete_suffix
from cardpipe.fields.record import read_contact
from cardpipe.models import OcrLine, OcrPage, OcrWord

# --------------------------------------------------------------------------
# Legal forms: the period Tesseract drops at the end of a line, a letter misread
# --------------------------------------------------------------------------


def test_a_typed_correction_keeps_its_form() -> None:
    """What a person types is no OCR read: only dots and spaces of a dotted form are completed."""
    assert complete_suffix("Acme Pty. Ltd") == "Acme Pty. Ltd"
    assert complete_suffix("Van Dijk B.V") == "Van Dijk B.V."


@pytest.mark.parametrize(
    ("text", "company"),
    [
        (
            """Matilda Mitchell
Chief Executive Officer
Coral Coast Travel Pty. Ltd
T +61 8 9459 1218
matilda.mitchell@coral-coast.com.au
https://www.coral-coast.com.au""",
            "Coral Coast Travel Pty. Ltd",  # as printed: no rule adds the dot (bench/prune.py)
        ),
        (
            """LAURENTIAN DESIGN CORP.
HANNAH ROY
Creative Director
M +1 416-555-0140
h.roy@laurentian.com
laurentian.com""",
            "LAURENTIAN DESIGN CORP.",
        ),
        # legal forms of Turkey and the Gulf; the full legal name over a logo read beside it
        (
            "globex\nDeniz Kaya\nSatış Müdürü\nKARTAL TAŞIMACILIK A.Ş.\ndeniz@globex.example",
            "KARTAL TAŞIMACILIK A.Ş.",
        ),
        (
            "ORYX\nRavi Menon\nSourcing Manager\nOryx Middle East B.S.C. (c)\nr.menon@oryx.example",
            "Oryx Middle East B.S.C. (c)",
        ),
        # 'ltd' with its l read as a capital I
        ("Hanabi\nKenta Mori\nGeneral Manager\nHanabi co., Itd.\nmori@hanabi.example", "Hanabi co., Ltd."),
    ],
)
def test_card_company_with_its_legal_form(text: str, company: str) -> None:
    assert read_contact(OcrPage.from_text(text)).company == company


# --------------------------------------------------------------------------
# Titles
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "title"),
    [
        (
            """Imogen Whitfield
Freelance Translator
+44 131 496 0657 ext 12
e: imogen.whitfield55@gmail.com
275 George Street
Edinburgh EH2 2AD""",
            "Freelance Translator",
        ),
        (
            """Hannah Tremblay
Independent Consultant
hannah.tremblay85@gmail.com
www.hannahtremblay.ca""",
            "Independent Consultant",
        ),
        (
            """Anna Köhler
Dolmetscherin
akoehler@hansadruck.de
Hansa Druck""",
            "Dolmetscherin",
        ),
        (
            """Claire Dubois
Traductrice
claire.dubois@gmail.com""",
            "Traductrice",
        ),
        (
            """Oliver Clarke
Senior Copywriter
oliver@sterlinghart.co.uk
Sterling Hart""",
            "Senior Copywriter",
        ),
    ],
)
def test_title_from_the_lexicon(text: str, title: str) -> None:
    assert read_contact(OcrPage.from_text(text)).title == title


def _card_with_word(rows: list[str], word: str, conf: float, at: int) -> OcrPage:
    """A card from text rows, with row `at` replaced by one word read at `conf`."""
    page = OcrPage.from_text("\n".join(rows))
    lines = list(page.lines)
    old = lines[at].words[0]
    lines[at] = OcrLine((OcrWord(word, conf, old.left, old.top, 12 * len(word), old.height),), block=at)
    return OcrPage(tuple(lines), page.width, page.height)


@pytest.mark.parametrize(
    ("word", "conf", "title"),
    [
        ("Geschaftsfiihrer", 80.0, "Geschäftsführer"),  # 'ii' for 'ü', read with confidence
        ("GESCHAFTSFIIHRER", 90.0, "GESCHÄFTSFÜHRER"),
        ("Geschäftsführer", 96.0, "Geschäftsführer"),
    ],
)
def test_title_with_ii_read_for_u_umlaut(word: str, conf: float, title: str) -> None:
    rows = ["BJORN SCHNEIDER", "TITLE", "bjoern.schneider@rheinblick.de", "Rheinblick Software GmbH"]
    record = read_contact(_card_with_word(rows, word, conf, at=1))
    assert record.title == title
    assert record.company == "Rheinblick Software GmbH"


@pytest.mark.parametrize(
    ("word", "slips"),
    [
        ("Geschaftsfiihrer", {"Geschaftsfiihrer": "Geschäftsführer"}),
        ("Skiing", {}),  # a word with 'ii' that spells no title word
        ("Partners", {}),  # read with confidence, and a known word
    ],
)
def test_title_slips_at_high_confidence(word: str, slips: dict[str, str]) -> None:
    assert extract.freetext.title_slips([OcrWord(word, 92.0, 0, 0, 100, 20)]) == slips


# --------------------------------------------------------------------------
# Lines that are no company
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "company"),
    [
        # a profile path OCR could not read as a URL
        (
            """HARRY WHITFIELD
Freelance Translator
Tel 0131 496 0640
e: harry.whitfield84@gmail.com
W: www.harrywhitfield.co.uk
linkedin .convin/harry-whitfield
106 Colmore Row
Edinburgh""",
            None,
        ),
        # an e-mail address OCR could not read as one
        (
            """Bastide Immobilier
Benoit Bérenger
Ingénieur commercial
M: +33 6 37 76 31 58
benoit. berenger@bastide-immobilier fr
www.bastide-immobilier fr""",
            "Bastide Immobilier",
        ),
        # the name line with a misread first name: the e-mail spells it, and the website is the person's
        (
            """‘es Lefevre
Interior Designer
v: +33 123 54 72 57
lefevre@gmail.com
ww.ineslefevre.fr""",
            None,
        ),
        # a handle
        (
            """Femke Smit
Wedding Photographer
@femkesmitfoto
femke.smit31@gmail.com""",
            None,
        ),
    ],
)
def test_web_text_and_name_lines_are_no_company(text: str, company: str | None) -> None:
    assert read_contact(OcrPage.from_text(text)).company == company


@pytest.mark.parametrize(
    ("text", "web_like"),
    [
        ("linkedin .convin/harry-whitfield", True),
        ("www.bastide", True),
        ("https//acme", True),
        ("acme-robotics.com", True),
        ("avery .campbell@ gmail.com", True),
        ("@acme_design", True),
        ("Maersk A/S", False),  # the slash of a legal form
        ("Acme @ Home", False),
        ("Smith Bros. Co", False),
        ("Harbour & Finch Ltd", False),
    ],
)
def test_web_like(text: str, web_like: bool) -> None:
    assert extract.freetext.web_like(text) is web_like


@pytest.mark.parametrize(
    ("text", "locals_", "name_like"),
    [
        ("‘es Lefevre", ["lefevre"], True),
        ("HARRY WHITFIELD", ["harry.whitfield84"], True),
        ("Sterling Hart", ["m.hart"], False),  # a company named for one word of the local part
        ("Bastide Immobilier", ["benoit.berenger"], False),
        ("Hansa Druck", ["info"], False),
    ],
)
def test_spells_name(text: str, locals_: list[str], name_like: bool) -> None:
    assert extract.freetext.spells_name(text, locals_) is name_like


def test_company_named_by_the_website_when_its_tld_was_lost() -> None:
    """'www.bastide' (its '-immobilier.fr' lost): the company is the line that spells
    'bastide', not 'WWW'."""
    text = """Bastide Immobilier
Benoit Bérenger
Ingénieur commercial
T: +33 5 81 91 59 61
www.bastide immobilier fr"""
    assert read_contact(OcrPage.from_text(text)).company == "Bastide Immobilier"
    assert extract.name_label("www.bastide") == "bastide"
    assert extract.name_label("www.acme-robotics.co.uk") == "acme-robotics"


@pytest.mark.parametrize(
    ("host", "registered"),
    [
        ("www.mail.acme.com", "acme.com"),
        ("www.acme.co.uk", "acme.co.uk"),
        ("www.iij.ad.jp", "iij.ad.jp"),
        ("www.blaiklock.uk.com", "blaiklock.uk.com"),  # a private suffix: the company is not 'UK'
        ("ana.github.io", "ana.github.io"),
        ("www.tulip.nt", "tulip.nt"),  # a TLD misread: still the name under it
    ],
)
def test_the_registered_domain_follows_the_public_suffix_list(host: str, registered: str) -> None:
    from cardpipe.fields.text import registrable_domain

    assert registrable_domain(host) == registered


def test_company_without_a_domain_is_a_line_ending_in_a_company_word() -> None:
    """No company e-mail or website, and a line that ends in a company word: that line,
    flagged for a human to look at."""
    text = """ORANJEWOUD MEDIA
Phone: 070 733 6719
Bram Visser
bram.visser76@gmail.com
Keizersgracht 161
Accountmanager
2511 BT Den Haag"""
    record = read_contact(OcrPage.from_text(text))
    assert record.company == "ORANJEWOUD MEDIA"
    assert "company" in record.review


def _sized(rows: list[tuple[str, int]]) -> OcrPage:
    """A page whose lines have the given heights (a logo is printed larger than the rest)."""
    from cardpipe.ocr import OcrLine, OcrWord

    lines, top = [], 20
    for text, h in rows:
        words, left = [], 40
        for w in text.split():
            words.append(OcrWord(w, 92.0, left, top, int(0.55 * h * len(w)), h))
            left += int(0.55 * h * len(w)) + h // 2
        lines.append(OcrLine(tuple(words)))
        top += int(1.6 * h)
    return OcrPage(tuple(lines), 1400, top + 20)


@pytest.mark.parametrize(
    ("rows", "company"),
    [
        # no domain to go by (the e-mail unreadable): the logo, the tallest line, is the company
        ([("TECONJA", 110), ("Timo Tessen", 50), ("CEO", 45), ("Mobile: +49 176 10229168", 50)], "TECONJA"),
        ([("C.H. ROBINSON", 75), ("FAIROSE JAFFAR", 56), ("Regional Manager", 56)], "C.H. ROBINSON"),
        # two rows with a company word each are one name
        ([("T. SAHA", 46), ("CRAFT MUSEUM", 61), ("CALCUTTA EMPORIUM", 58), ("Gunfoundry, Hyderabad 500001", 45)],
         "CRAFT MUSEUM CALCUTTA EMPORIUM"),
        # a name printed largest is no logo
        ([("Timo Tessen", 110), ("CEO", 45), ("Mobile: +49 176 10229168", 50)], None),
    ],
)  # fmt: skip
def test_company_without_a_domain_from_the_logo_or_company_words(rows, company) -> None:
    record = read_contact(_sized(rows))
    assert record.company == company
    if company:
        assert "company" in record.review  # not read beside a domain: a human should look


@pytest.mark.parametrize(
    ("tagline", "company"),
    [
        ("SOFTWARE SERVICES", "NORVIKAPPS SOFTWARE SERVICES"),  # its trade, in smaller type
        ("Ingenuity In Motion", "NORVIKAPPS"),  # a slogan is no part of the name
    ],
)
def test_the_trade_under_a_logo_joins_it(tagline: str, company: str) -> None:
    page = _sized([("NORVIKAPPS", 100), (tagline, 53), ("Priya Raman", 60), ("Director", 50),
                   ("priya@norvikapps.example", 50)])  # fmt: skip
    assert read_contact(page).company == company


def test_a_shop_name_its_mailbox_spells_is_the_company_not_the_name() -> None:
    text = "Mahesh Bansal\nKIRAN SALES\nPlot No. 4, Camp Chowk, Hisar 125001\nEmail : kiransales.hisar@gmail.com"
    record = read_contact(OcrPage.from_text(text))
    assert (record.name, record.company) == ("Mahesh Bansal", "KIRAN SALES")


def test_initials_and_a_name_the_mailbox_spells_is_the_name() -> None:
    text = "TEREX\nMaterials Processing\nK S Prasad\nGeneral Manager - Production\nEMAIL prasad.srinivasaiah@terex.com"
    assert read_contact(OcrPage.from_text(text)).name == "K S Prasad"


def test_a_name_printed_twice_is_the_company_whatever_the_domain() -> None:
    text = "Orbis Group\nMatthew Newton\nGroup Manager\nOrbis Group\nmatthewn@parentco.com.au\n+61 439 271 420"
    assert read_contact(OcrPage.from_text(text)).company == "Orbis Group"


@pytest.mark.parametrize(
    ("company", "spellings", "repaired"),
    [
        ("ARIF) MAINTENANCE SERVICE", ["arifimaintenanceservice"], "ARIFI MAINTENANCE SERVICE"),
        ("Acme 5ystems", ["acme.systems"], "Acme Systems"),
        ("HDFC BAN!", ["hdfcbank"], "HDFC BAN!"),  # '!' is no 'k': left as read
        ("Acme Sy5tems", ["acmesys"], "Acme Sy5tems"),  # not spelled letter for letter
    ],
)
def test_a_letter_ocr_misread_is_put_back_from_the_mailbox_that_spells_the_company(company, spellings, repaired):
    from cardpipe.fields.company import spelled_by

    assert spelled_by(company, spellings) == repaired


def test_the_company_is_spelled_right_from_its_mailbox_on_a_card() -> None:
    text = "ARIF) MAINTENANCE SERVICE\nABDEL ARIFI\narifimaintenanceservice@gmail.com"
    assert read_contact(OcrPage.from_text(text)).company == "ARIFI MAINTENANCE SERVICE"


@pytest.mark.parametrize(
    ("company", "domains", "completed"),
    [
        ("OVERSEAS", ["www.seli-overseas.com"], "SELI OVERSEAS"),  # the logo's first word not read
        ("Acme", ["acme-robotics.co.uk"], "Acme Robotics"),
        ("Acme Robotics", ["acme-robotics.co.uk"], "Acme Robotics"),
        ("Overseas", ["www.seli-shipping.com"], "Overseas"),  # not its words: left as read
        ("Acme", ["acmerobotics.com"], "Acme"),  # no hyphen: the domain does not say where words end
    ],
)
def test_a_company_read_in_part_is_completed_by_its_hyphenated_domain(company, domains, completed) -> None:
    from cardpipe.fields.company import completed_by_domain

    assert completed_by_domain(company, domains) == completed


@pytest.mark.parametrize(
    ("rows", "name", "company"),
    [
        # a name-shaped line over its trade, and the person's own name elsewhere on the card
        ([("A. Srinivas Rao", 49), ("Ph : 040 2311 2470", 51), ("Sri Shirdi Sai", 72), ("CATERERS", 52),
          ("Kavuri Hills, Madhapur, Hyderabad", 56)], "A. Srinivas Rao", "Sri Shirdi Sai CATERERS"),
        # no other name on the card: the person's name over their trade stays their name
        ([("Ravi Mehra", 72), ("CATERERS", 52), ("Kavuri Hills, Madhapur, Hyderabad", 56)], "Ravi Mehra", "CATERERS"),
    ],
)  # fmt: skip
def test_a_name_over_a_line_of_trade_words_is_the_business(rows, name, company) -> None:
    record = read_contact(_sized(rows))
    assert (record.name, record.company) == (name, company)


def test_a_heading_line_is_no_company_and_a_space_read_as_a_colon_is_a_space() -> None:
    text = "Dth. Dealer :\nProp. Satish Saini\n89012-60152\nVIKAS:ELECTRICALS\nSale & Repair\n123, Colony Road, Hisar"
    record = read_contact(OcrPage.from_text(text), region="IN")
    assert (record.name, record.title, record.company) == ("Satish Saini", "Prop.", "VIKAS ELECTRICALS")


def test_a_qr_service_address_names_no_company() -> None:
    record = read_contact(OcrPage.from_text("Timo Tessen\nCEO\n+49 40 6460 7088"), qr_texts=("https://me-qr.com/jJSoOROe",))
    assert record.website == "me-qr.com/jJSoOROe"  # nothing printed: the code's URL is all there is
    assert record.company is None


# --------------------------------------------------------------------------
# Legal forms one OCR slip off, company words and the domains, title and company in one row
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("company", "domain"),
    [
        # a capitalised ordinary last word one letter (or one 'l'/'i') off a form, which the
        # card's domain and e-mail spell: the word printed, no legal form
        ("Autohaus Karl", "autohaus-karl"),
        ("Hotel Sara", "hotel-sara"),
        ("Bistro Carl", "bistro-carl"),
        ("Weingut Earl", "weingut-earl"),
        ("Café Lida", "cafe-lida"),
        ("Kunst Lip", "kunst-lip"),
        ("Studio Lic", "studio-lic"),
        # 'www' and 'http' as words, no address: the company as printed
        ("HTTP Solutions GmbH", "httpsolutions"),
        ("WWW Design Studio Ltd", "wwwdesign"),
    ],
)
def test_ordinary_last_word_is_no_legal_form(company: str, domain: str) -> None:
    text = f"Anna Becker\nManager\n{company}\nanna.becker@{domain}.de\nwww.{domain}.de"
    record = read_contact(OcrPage.from_text(text))
    assert record.company == company
    assert "company" not in record.review


def _card_with_conf(rows: list[str], at: int, conf: float) -> OcrPage:
    """A card from text rows (read at 96), with the words of row `at` read at `conf`."""
    page = OcrPage.from_text("\n".join(rows), conf=96.0)
    lines = list(page.lines)
    lines[at] = OcrLine(tuple(replace(w, conf=conf) for w in lines[at].words), block=at)
    return OcrPage(tuple(lines), page.width, page.height)


def _row_with_gap(text: str, gap_after: int, gap: int) -> OcrPage:
    """A card from text, with a gap of `gap` px after word `gap_after` of its second row."""
    page = OcrPage.from_text(text)
    lines = list(page.lines)
    words = list(lines[1].words)
    words[gap_after + 1 :] = [replace(w, left=w.left + gap - 12) for w in words[gap_after + 1 :]]
    lines[1] = OcrLine(tuple(words), block=1)
    return OcrPage(tuple(lines), page.width, page.height)


@pytest.mark.parametrize(
    ("text", "gap_after", "gap", "title", "company"),
    [
        # a title and a company side by side, read as one line: split at the wide gap
        (
            "Anna Fischer\nTechnische Leiterin Lindner Logistik GmbH\nanna.fischer@lindnerlogistik.de",
            1, 50, "Technische Leiterin", "Lindner Logistik GmbH",
        ),
        (
            "Anna Fischer\nLindner Logistik GmbH Technische Leiterin\nanna.fischer@lindnerlogistik.de",
            2, 50, "Technische Leiterin", "Lindner Logistik GmbH",
        ),
        # the gap no wider than a word space: one line, the company
        (
            "Anna Fischer\nTechnische Leiterin Lindner Logistik GmbH\nanna.fischer@lindnerlogistik.de",
            1, 14, None, "Technische Leiterin Lindner Logistik GmbH",
        ),
    ],
)  # fmt: skip
def test_title_and_company_in_one_row(
    text: str, gap_after: int, gap: int, title: str | None, company: str
) -> None:
    record = read_contact(_row_with_gap(text, gap_after, gap))
    assert (record.title, record.company) == (title, company)


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("Kenji Morita\nDirector\nProduct Planning Office\nmorita@tsubame-works.example", "Director, Product Planning Office"),
        ("Ines Faro\nChief Engineer\nQuality Assurance Department\nines.faro@lumatec.example", "Chief Engineer, Quality Assurance Department"),
        # a place, not a unit: 'Head Office' under the title stays out of it
        ("Kenji Morita\nDirector\nHead Office\nmorita@tsubame-works.example", "Director"),
        # the company under the title is not a department
        ("Ines Faro\nSales Manager\nLumatec Group\nines.faro@lumatec.example", "Sales Manager"),
        # only a department under the name: that is what the card says the person does
        ("Mauricio Regner\nSALES DEPARTMENT\ncomercial2@cis-arg.example", "Sales Department"),
        # the area a title covers, and a chain of units under the name (at most three lines)
        ("Ana Rojas\nTLD Manager\nEurope, Asia, Middle East\narojas@interfreight.example", "TLD Manager, Europe, Asia, Middle East"),
        ("Satoshi Ono\nDirector\nGlobal Business Development\nono@brave-tech.example", "Director, Global Business Development"),
        (
            "Wataru Aoki\nSensor Network Section\nPlatform Development Department\nNetwork Division\nInternet Initiative Japan Inc.\naoki@iij.example",
            "Sensor Network Section, Platform Development Department, Network Division",
        ),
        # a name printed twice on the card (logo and text) is the company's, not a unit
        ("Orbis Group\nMatthew Newton\nSales Manager\nNorth Region\nOrbis Group\nmatt.newton@gmail.com", "Sales Manager, North Region"),
        # stacked titles: taken from the first one
        ("Ravi Kumar\nM.Tech, Ph.D\nProfessor of Civil Engineering\nCo-ordinator\nravi@univ.example", "Professor of Civil Engineering Co-ordinator"),
    ],
)
def test_a_department_under_the_title_joins_it(text: str, title: str) -> None:
    assert read_contact(OcrPage.from_text(text)).title == title


@pytest.mark.parametrize(
    ("text", "name", "title"),
    [
        ("Prop. Anil Mehra\nMehra Tyre House\n98100 12345", "Anil Mehra", "Prop."),
        # a blessing set between marks at the top is no name
        ("!! Jai Mata Di !!\nProp. Anil Mehra\nMehra Tyre House\n98100 12345", "Anil Mehra", "Prop."),
        ("|| Shree Ganeshaya Namah ||\nProp. Anil Mehra\nMehra Tyre House\n98100 12345", "Anil Mehra", "Prop."),
        ("Deniz Aksoy\nGenel Müdür\ndeniz@ornek-makina.com.tr", "Deniz Aksoy", "Genel Müdür"),
        ("Jonas Weber\nVerkaufsberater\njonas.weber@autohaus-beispiel.de", "Jonas Weber", "Verkaufsberater"),
    ],
)
def test_titles_printed_before_the_name_or_in_turkish_and_german(text: str, name: str, title: str) -> None:
    record = read_contact(OcrPage.from_text(text))
    assert (record.name, record.title) == (name, title)


@pytest.mark.parametrize(
    ("text", "name", "title"),
    [
        ("Deniz KAYA Satış Müdürü\nORNEK MAKINA\ndkaya@ornek-makina.com", "Deniz Kaya", "Satış Müdürü"),
        ("Arjun Patel (Director)\nSUNRISE INDIA LIMITED\narjun@sunrise-example.in", "Arjun Patel", "Director"),
    ],
)
def test_a_name_the_email_spells_and_the_title_after_it_in_one_row(text: str, name: str, title: str) -> None:
    record = read_contact(OcrPage.from_text(text))
    assert (record.name, record.title) == (name, title)


def test_a_row_whose_head_the_email_does_not_spell_is_not_split() -> None:
    record = read_contact(OcrPage.from_text("Sunrise Trading Export House\nsales@sunrise-example.in"))
    assert record.name is None


@pytest.mark.parametrize(
    ("text", "company"),
    [
        # the name the domain spells, and its trade printed under it
        ("Can Aksu\nPurchasing Manager\nKORAL\naluminium\ncan@koral.com.tr", "KORAL aluminium"),
        ("Ayla Demir\nKORAL\nTARIM\nayla@koraltarim.com", "KORAL TARIM"),
        # a tagline under a company that already says what it is stays out
        ("Ann Lee\nAcme Robotics Inc.\nRobotics Solutions\nann@acme.com", "Acme Robotics Inc."),
    ],
)
def test_a_company_the_domain_spells_takes_the_trade_printed_under_it(text: str, company: str) -> None:
    assert read_contact(OcrPage.from_text(text)).company == company
