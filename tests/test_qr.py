"""QR codes on cards: decoding with OpenCV, parsing vCard / MeCard / URL payloads, and QR over OCR."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
import pytest
from conftest import SAMPLES

from cardpipe.fields.qr import QrContact, parse_payload
from cardpipe.fields.record import read_contact
from cardpipe.image.qr import decode_qr
from cardpipe.models import Address, OcrPage, Phone

VCARD = """BEGIN:VCARD
VERSION:3.0
N:Müller;Hans;;Dr.;
FN:Dr. Hans Müller
ORG:Acme GmbH;Sales
TITLE:Geschäftsführer
TEL;TYPE=WORK,VOICE:+49 30 1234567
TEL;TYPE=CELL:+49 171 1234567
TEL;TYPE=FAX:+49 30 1234568
EMAIL;TYPE=INTERNET:hans@acme.de
URL:https://www.acme.de/
URL:https://www.linkedin.com/in/hans-mueller
ADR;TYPE=WORK:;;Hauptstraße 5;Berlin;;10115;Germany
END:VCARD
"""


def qr_image(payload: str, *, scale: int = 8, color: bool = False) -> np.ndarray:
    code = cv2.QRCodeEncoder.create().encode(payload)
    img = cv2.resize(code, None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST)
    img = cv2.copyMakeBorder(img, 40, 40, 40, 40, cv2.BORDER_CONSTANT, value=255)
    return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR) if color else img


@pytest.mark.parametrize("color", [False, True])
def test_decode_qr(color: bool) -> None:
    payload = "MECARD:N:Doe,John;TEL:+14155550134;EMAIL:john@acme.com;;"
    assert decode_qr(qr_image(payload, color=color)) == (payload,)


@pytest.mark.parametrize(
    "image",
    [np.full((200, 300), 255, np.uint8), np.zeros((50, 50, 3), np.uint8), np.zeros((0, 0), np.uint8)],
    ids=["blank", "black", "empty"],
)
def test_no_qr_code(image: np.ndarray) -> None:
    assert decode_qr(image) == ()


PAYLOADS: list[tuple[str, str, dict[str, Any]]] = [
    (
        "vcard",
        VCARD,
        {
            "kind": "vcard",
            "name": "Hans Müller",
            "given_name": "Hans",
            "family_name": "Müller",
            "title": "Geschäftsführer",
            "company": "Acme GmbH",
            "emails": ("hans@acme.de",),
            "phones": (("+49 30 1234567", "work"), ("+49 171 1234567", "mobile"), ("+49 30 1234568", "fax")),
            "website": "www.acme.de",
            "address": Address(
                "Hauptstraße 5, Berlin, 10115, Germany", "Hauptstraße 5", "Berlin", None, "10115", "DE"
            ),
            "social": (("linkedin", "www.linkedin.com/in/hans-mueller"),),
        },
    ),
    (
        "mecard-with-escapes",
        r"MECARD:N:Doe,John;TEL:+14155550134;EMAIL:john@acme.com;ORG:Smith\; Sons;"
        r"ADR:,,1 Main St,Springfield,IL,62701,USA;URL:https://acme.com;;",
        {
            "kind": "mecard",
            "name": "John Doe",
            "given_name": "John",
            "family_name": "Doe",
            "company": "Smith; Sons",
            "emails": ("john@acme.com",),
            "phones": (("+14155550134", "work"),),
            "website": "acme.com",
            "address": Address(
                "1 Main St, Springfield, IL 62701, USA", "1 Main St", "Springfield", "IL", "62701", "US"
            ),
        },
    ),
    ("url", "https://www.acme.com/", {"kind": "url", "website": "www.acme.com", "social": ()}),
    (
        "linkedin-url",
        "https://linkedin.com/in/jane-doe",
        {"kind": "url", "website": None, "social": (("linkedin", "linkedin.com/in/jane-doe"),)},
    ),
    ("mailto", "mailto:jane@acme.com?subject=Hi", {"kind": "email", "emails": ("jane@acme.com",)}),
    ("tel", "tel:+14155550134", {"kind": "tel", "phones": (("+14155550134", "work"),)}),
]


@pytest.mark.parametrize(("case", "payload", "expected"), PAYLOADS, ids=[p[0] for p in PAYLOADS])
def test_parse_payload(case: str, payload: str, expected: dict[str, Any]) -> None:
    q = parse_payload(payload)
    assert isinstance(q, QrContact)
    assert {k: getattr(q, k) for k in expected} == expected


@pytest.mark.parametrize(
    "payload", ["", "hello world", "WIFI:S:home;T:WPA;P:secret;;", "BEGIN:VCARD\nbroken"]
)
def test_payloads_that_are_not_contacts(payload: str) -> None:
    assert parse_payload(payload) is None


def test_qr_wins_over_ocr_for_the_fields_it_covers() -> None:
    page = OcrPage.from_text(
        "Hans Mul1er\nGeschaftsfuhrer\nAcme GmbH\nTel. 030 1234567\nhans@acrne.de\nwww.acme.de"
    )
    record = read_contact(page, qr_texts=(VCARD,))
    assert record.name == "Hans Müller"
    assert (record.given_name, record.family_name) == ("Hans", "Müller")
    assert record.title == "Geschäftsführer"
    assert record.emails == ("hans@acme.de",)
    assert record.phones[1] == Phone("+491711234567", "mobile", "+49 171 1234567")
    assert record.address is not None and record.address.country == "DE"
    assert record.review == ()
    assert record.confidence_map["name"] == 1.0


def test_numbers_and_addresses_the_code_leaves_out_stay() -> None:
    """A code with the office number only; the card also prints a fax and a second e-mail.
    A number or address OCR misread from the code's own is not kept twice."""
    qr = "BEGIN:VCARD\nVERSION:3.0\nFN:Deniz Arslan\nTEL;TYPE=WORK:+90 212 876 7071\nEMAIL:deniz@afs.com.tr\nEND:VCARD"
    page = OcrPage.from_text(
        "Deniz Arslan\nT: +90-212-876-7011\nF: +90-212-876-7101\n"  # the office number misread
        "deniz@afs.com.tr\ndenlz@afs.com.tr\nsales@afs.com.tr"
    )
    record = read_contact(page, qr_texts=(qr,), region="TR")
    assert [(p.e164, p.type) for p in record.phones] == [("+902128767071", "work"), ("+902128767101", "fax")]
    assert record.emails == ("deniz@afs.com.tr", "sales@afs.com.tr")


def test_url_qr_only_replaces_the_website() -> None:
    page = OcrPage.from_text("Ivy Chen\nDesigner\nivy@lotusworks.com\nwww.lotusw0rks.com")
    record = read_contact(page, qr_texts=("https://www.lotusworks.com",))
    assert (record.name, record.website, record.emails) == (
        "Ivy Chen",
        "www.lotusworks.com",
        ("ivy@lotusworks.com",),
    )
    assert "website" not in record.review


# --------------------------------------------------------------------------
# Decoding (zxing-cpp) on cards
# --------------------------------------------------------------------------

SCANS = sorted(SAMPLES.glob("scan300-*.png")) + sorted(SAMPLES.glob("dark-*.png"))


def on_card(card: np.ndarray, code: np.ndarray, *, invert: bool = False) -> np.ndarray:
    """The card with the QR image pasted in its bottom-right corner (light-on-dark when `invert`)."""
    code = cv2.cvtColor(code, cv2.COLOR_GRAY2BGR) if code.ndim == 2 else code
    if invert:
        code = 255 - code
    out = card.copy()
    h, w = code.shape[:2]
    out[-h - 20 : -20, -w - 20 : -20] = code
    return out


def test_sample_cards_without_a_code_decode_nothing() -> None:
    """Text, logos, rules and '@' on cards are not taken for a QR code."""
    assert len(SCANS) >= 15
    for path in SCANS:
        assert decode_qr(cv2.imread(str(path))) == (), path.name


@pytest.mark.parametrize("invert", [False, True], ids=["dark-on-light", "light-on-dark"])
def test_a_vcard_code_on_a_card_is_decoded(invert: bool) -> None:
    card = cv2.imread(str(SCANS[3]))
    test = on_card(card, qr_image(VCARD, scale=3), invert=invert)
    assert decode_qr(test) == (VCARD,)
    assert decode_qr(cv2.cvtColor(test, cv2.COLOR_BGR2GRAY)) == (VCARD,)


def test_a_code_turned_on_the_card_and_one_with_a_logo_in_its_middle_are_decoded() -> None:
    card = cv2.imread(str(SCANS[0]))
    code = qr_image("https://www.linkedin.com/in/ann-lee-4b1a2", scale=6)
    turned = cv2.rotate(code, cv2.ROTATE_90_CLOCKWISE)
    assert decode_qr(on_card(card, turned)) == ("https://www.linkedin.com/in/ann-lee-4b1a2",)
    # a logo over the middle: the error correction (level H) carries it
    params = cv2.QRCodeEncoder.Params()
    params.correction_level = cv2.QRCodeEncoder_CORRECT_LEVEL_H
    logo = cv2.QRCodeEncoder.create(params).encode("https://www.linkedin.com/in/ann-lee-4b1a2")
    logo = cv2.copyMakeBorder(logo, 4, 4, 4, 4, cv2.BORDER_CONSTANT, value=255)
    logo = cv2.resize(logo, None, fx=6, fy=6, interpolation=cv2.INTER_NEAREST)
    h, w = logo.shape
    logo[int(h * 0.42) : int(h * 0.58), int(w * 0.42) : int(w * 0.58)] = 128
    assert decode_qr(on_card(card, logo)) == ("https://www.linkedin.com/in/ann-lee-4b1a2",)


def test_an_empty_image_decodes_nothing() -> None:
    assert decode_qr(np.zeros((0, 0), np.uint8)) == ()


@pytest.mark.parametrize(
    ("printed", "qr", "website"),
    [
        ("www.harbourline.com", "https://qrco.de/bX9k2", "www.harbourline.com"),  # a shortener: the printed site stays
        ("www.harbourline.com", "https://linktr.ee/harbourline_ana", "www.harbourline.com"),
        (None, "https://qrco.de/bX9k2", "qrco.de/bX9k2"),  # nothing printed: the code's URL is all there is
        ("www.harbourline.com", "https://www.harbourline.com/team/ana", "www.harbourline.com/team/ana"),
    ],
)
def test_a_qr_url_is_the_website_only_when_it_is_the_printed_sites_domain(printed, qr, website) -> None:
    rows = ["Ana Ruiz", "Harbour Line Shipping", "ana@harbourline.com"] + ([printed] if printed else [])
    record = read_contact(OcrPage.from_text("\n".join(rows)), qr_texts=(qr,))
    assert record.website == website


def test_a_qr_code_that_makes_opencv_warn_leaves_stderr_empty(tmp_path) -> None:
    """OpenCV's decoder warns 'ECI is not supported properly' on stderr for a code in ECI
    mode; under cron any output is mailed, so a good run must print nothing."""
    import subprocess

    import cv2
    import numpy as np
    from conftest import CARDPIPE

    params = cv2.QRCodeEncoder.Params()
    params.mode = cv2.QRCodeEncoder_MODE_ECI
    code = cv2.QRCodeEncoder.create(params).encode("https://www.example.com/team/jörg")
    code = cv2.resize(code, None, fx=6, fy=6, interpolation=cv2.INTER_NEAREST)
    card = np.full((600, 1000), 255, np.uint8)
    card[100 : 100 + code.shape[0], 700 : 700 + code.shape[1]] = code
    for n, text in enumerate(["Jorg Brandt", "Sales Director", "jorg@example.com", "+49 30 1234567"]):
        cv2.putText(card, text, (60, 120 + 80 * n), cv2.FONT_HERSHEY_SIMPLEX, 1.3, 0, 3)
    path = tmp_path / "card.png"
    cv2.imwrite(str(path), card)
    proc = subprocess.run([*CARDPIPE, "extract", "--json", str(path)], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert "jorg@example.com" in proc.stdout

    # and a run as cron starts it (no terminal anywhere) prints nothing at all
    import os

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    dropped = inbox / "card.png"
    path.rename(dropped)
    os.utime(dropped, (0, 0))  # dropped long ago: settled
    config = tmp_path / "config.toml"
    config.write_text("", encoding="utf-8")
    env = {**os.environ, "CARDPIPE_CONFIG": str(config)}
    proc = subprocess.run([*CARDPIPE, "run", "--inbox", str(inbox), "--db", str(tmp_path / "cards.db"),
                           "--output", str(tmp_path / "out")], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=120, env=env)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    assert list((tmp_path / "archive").rglob("card.png"))
