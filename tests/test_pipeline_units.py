"""Pure pieces of the pipeline: language choice for a second read, accent restoration,
and the weak-read test, with a fake engine where the OCR matters."""

import numpy as np
import pytest

from cardpipe import pipeline
from cardpipe.models import Address, ContactRecord, OcrPage, Phone, PreparedCard

ALL = ("eng", "deu", "fra", "spa", "por", "nld", "ita", "osd")


@pytest.mark.parametrize(
    "record, lang, installed, expected",
    [
        (ContactRecord(address=Address("x", country="DE")), "eng", ALL, "deu"),
        (ContactRecord(phones=(Phone("+33142685300", "work", "x"),)), "eng", ALL, "fra"),
        (ContactRecord(phones=(Phone("+14155550132", "work", "x"),)), "eng", ALL, None),  # US: English
        (ContactRecord(address=Address("x", region="QC", country="CA")), "eng", ALL, "fra"),
        (ContactRecord(address=Address("x", region="ON", country="CA")), "eng", ALL, None),
        (ContactRecord(address=Address("x", country="DE")), "eng+deu", ALL, None),  # already read in German
        (ContactRecord(address=Address("x", country="DE")), "eng", ("eng",), None),  # German not installed
        (ContactRecord(), "eng", ALL, None),
    ],
)
def test_second_language(record, lang, installed, expected):
    assert pipeline.second_language(record, lang, installed=installed) == expected


def test_restore_accents_takes_only_accents():
    first = ContactRecord(name="Bjorn Wagner", company="Muller GmbH", title="Geschaftsfuhrer",
                          address=Address("Zeil 123, 50667 Koln"))
    second = ContactRecord(name="Björn Wagner", company="Müller GmbH", title="Geschäftsführer",
                           address=Address("Zeil 123, 50667 Köln"))
    out = pipeline.restore_accents(first, second)
    assert (out.name, out.company, out.title, out.address.text) == (
        "Björn Wagner", "Müller GmbH", "Geschäftsführer", "Zeil 123, 50667 Köln"
    )


def test_restore_accents_takes_an_accented_letter_the_default_read_guessed():
    first = ContactRecord(name="Jurgen Miller", company="Miller Druck GmbH")
    second = ContactRecord(name="Jürgen Müller", company="Mailer Druck GmbH")
    out = pipeline.restore_accents(first, second)
    assert (out.name, out.company) == ("Jürgen Müller", "Miller Druck GmbH")  # 'a' for 'i' is another word


def test_a_title_only_the_cards_language_reads_is_taken():
    """'Genel Müdür' read by the English model is 'Genel Miidiir', no title word: the Turkish
    read's title is taken, with its confidence (and its review flag)."""
    first = ContactRecord(name="Seyfettin Karagoz", confidence=(("name", 0.9),))
    second = ContactRecord(name="Seyfettin Karagöz", title="Genel Müdür",
                           confidence=(("name", 0.9), ("title", 0.55)), review=("title",))
    out = pipeline.restore_accents(first, second)
    assert (out.name, out.title) == ("Seyfettin Karagöz", "Genel Müdür")
    assert out.confidence_map == {"name": 0.9, "title": 0.55} and out.review == ("title",)
    kept = ContactRecord(title="General Manager")
    assert pipeline.restore_accents(kept, second).title == "General Manager"  # never replaced


def test_restore_accents_of_a_company_word_by_word():
    """The logo not read in the card's language (or read worse): the words both reads
    share take their accents; the rest stays as the default read has it."""
    first = ContactRecord(company="asos celik kapi", title="Satis Muduru Export")
    second = ContactRecord(company="çelik kapı", title="Satış Müdürü Exp0rt")
    out = pipeline.restore_accents(first, second)
    assert (out.company, out.title) == ("asos çelik kapı", "Satış Müdürü Export")
    other = ContactRecord(company="Mailer Druck")  # another word: nothing taken
    assert pipeline.restore_accents(ContactRecord(company="Miller Druck"), other).company == "Miller Druck"


def test_restore_accents_never_replaces_a_different_reading():
    first = ContactRecord(name="Bjorn Wagner", company="Acme Ltd")
    second = ContactRecord(name="Björn Wagnér Jr", company=None)
    assert pipeline.restore_accents(first, second) == first


class FakeEngine:
    """Reads the same page whatever it is given; counts calls."""

    name = "fake"

    def __init__(self, text: str, conf: float = 95.0, rotate: int = 0) -> None:
        self.page = OcrPage.from_text(text, conf=conf)
        self.reads = 0
        self.osd = 0
        self.rotate = rotate

    def read(self, image, lang=None):
        self.reads += 1
        return self.page

    def orientation(self, image):
        self.osd += 1
        return self.rotate


CARD = PreparedCard(source=__import__("pathlib").Path("x.png"), index=0, image=np.full((60, 100), 255, np.uint8))


def test_a_clean_read_costs_one_ocr_call():
    eng = FakeEngine("Jane Doe\nSales Director\nAcme Widgets Inc.\njane@acme.com\n+1 415 555 0132")
    card, page = pipeline.read_card(CARD, eng)
    assert (eng.reads, eng.osd) == (1, 0)
    assert page is eng.page and card is CARD


def test_a_weak_read_asks_for_orientation_and_alternatives():
    eng = FakeEngine("x1 ~~ ,,\nzz", conf=40.0)
    pipeline.read_card(CARD, eng)
    assert eng.osd == 1 and eng.reads >= 2


@pytest.mark.parametrize(
    "text, conf, weak",
    [
        ("Jane Doe\nSales Director\nAcme Widgets Inc.\njane@acme.com", 92.0, False),
        ("Jane Doe\nSales Director\nAcme Widgets Inc.\njane@acme.com", 50.0, True),  # low confidence
        ("Jane Doe", 95.0, True),  # too few lines
    ],
)
def test_is_weak(text, conf, weak):
    assert pipeline.is_weak(OcrPage.from_text(text, conf=conf)) is weak


def _tsv(words: list[tuple[str, int, int, int, int, int]]) -> dict[str, list]:
    """An image_to_data dict from (text, tesseract line number, left, top, width, height)."""
    keys = ("text", "conf", "block_num", "par_num", "line_num", "left", "top", "width", "height")
    data: dict[str, list] = {k: [] for k in keys}
    for text, line, left, top, width, height in words:
        for k, v in zip(keys, (text, 95, line, 1, 1, left, top, width, height), strict=True):
            data[k].append(v)
    return data


def test_ocr_rows_keep_a_title_under_a_large_name_apart() -> None:
    """A large name (72-91 px) and the smaller title whose box reaches into the name's: two rows."""
    from cardpipe.ocr import page_from_tsv

    data = _tsv([
        ("Rachel", 1, 101, 113, 346, 72), ("Thompson", 1, 481, 113, 531, 91),
        ("Office", 2, 100, 180, 131, 36), ("Manager", 2, 254, 181, 201, 44),
    ])
    page = page_from_tsv(data, width=1200, height=400)
    assert [ln.text for ln in page.lines] == ["Rachel Thompson", "Office Manager"]


def test_ocr_rows_join_the_pieces_of_one_printed_line() -> None:
    """Sparse-text mode cut one line (a small label, larger digits) into pieces: one row again."""
    from cardpipe.ocr import page_from_tsv

    data = _tsv([("T:", 1, 100, 414, 30, 26), ("+1", 2, 150, 411, 51, 31), ("404", 2, 220, 411, 72, 32),
                 ("555", 3, 310, 412, 71, 31), ("0106", 3, 400, 411, 97, 32)])
    page = page_from_tsv(data, width=1200, height=500)
    assert [ln.text for ln in page.lines] == ["T: +1 404 555 0106"]


class LangSpy(FakeEngine):
    """Remembers the languages it was asked to read in."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.langs: list[str | None] = []

    def read(self, image, lang=None):
        self.langs.append(lang)
        return super().read(image, lang)


GERMAN_CARD = "Jurgen Weber\nVertriebsleiter\nWeber Druck GmbH\nTel. +49 30 1234567\njw@weber-druck.de\nwww.weber-druck.de"


@pytest.mark.parametrize("language_pass", [True, False])
def test_language_pass_reads_a_german_card_again_in_german_only_when_on(language_pass):
    from conftest import SAMPLES

    spy = LangSpy(GERMAN_CARD)
    opts = pipeline.ReadOptions(language_pass=language_pass)
    result = pipeline.read_file(SAMPLES / "scan300-01.png", opts, spy)
    assert result.ok, result.error
    assert spy.langs[0] is None  # the first read: the configured languages
    assert ("deu" in spy.langs) is language_pass
    assert set(spy.langs) <= {None, "deu"}


def test_the_second_language_read_skips_email_web_and_phone_lines_and_takes_them_from_the_first():
    page = OcrPage.from_text(
        "Jürgen Weber\nVertriebsleiter\n@) Weber Druck GmbH\nTel. +49 30 1234567\njw@weber-druck.de\n"
        "www.weber-druck.de\nKönigstraße 5, 10178 Berlin"
    )
    image = np.zeros((page.height, page.width), np.uint8)  # all ink: what is painted white shows
    wordy, plain = pipeline._wordy_lines(image, page)
    assert [ln.text for ln in plain] == ["Tel. +49 30 1234567", "jw@weber-druck.de", "www.weber-druck.de"]
    for line in page.lines:
        inside = wordy[line.top : line.bottom, line.left : line.right]
        assert (inside == 255).all() == (line in plain), line.text
    assert (image == 0).all()  # the first read's image is left as it was

    second = OcrPage.from_text("Jürgen Weber\nVertriebsleiter")  # what the masked read found
    merged = pipeline._with_lines(second, plain, 0.5)
    assert [ln.text for ln in merged.lines] == [
        "Jürgen Weber", "Vertriebsleiter", "Tel. +49 30 1234567", "jw@weber-druck.de", "www.weber-druck.de"
    ]
    assert merged.lines[2].top == round(plain[0].top * 0.5)


def test_a_card_with_nothing_to_skip_is_read_again_as_it_is():
    page = OcrPage.from_text("Jürgen Weber\nWeber Druck GmbH")
    image = np.zeros((page.height, page.width), np.uint8)
    wordy, plain = pipeline._wordy_lines(image, page)
    assert wordy is image and plain == []
    assert pipeline._with_lines(page, [], 0.6) is page
