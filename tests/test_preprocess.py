"""preprocess.prepare: cards found, split, upright, evened out and scaled, checked by reading them with Tesseract.

Fixtures are made by tests/resources/make_resources.py (see tests/resources/README.md).
"""

from __future__ import annotations

import re
from pathlib import Path

import cv2
import numpy as np
import pytest
from conftest import SAMPLES

from cardpipe.image import decode
from cardpipe.image import prepare as preprocess
from cardpipe.models import PreparedCard, SourceImage
from cardpipe.ocr import TesseractEngine

RES = Path(__file__).parent / "resources"
LIMITS = dict(max_bytes=50_000_000, max_pixels=100_000_000, max_pages=10)



def source(name: str) -> SourceImage:
    (src,) = decode.load(RES / name, **LIMITS).images
    return src


def read(img: np.ndarray) -> str:
    import pytesseract

    text = pytesseract.image_to_string(img, lang="eng", config="--psm 3", timeout=60)
    return re.sub(r"\s+", " ", text)


def one(name: str) -> PreparedCard:
    cards = preprocess.prepare(source(name))
    assert len(cards) == 1, [c.steps for c in cards]
    return cards[0]


# ---- single cards --------------------------------------------------------


@pytest.mark.parametrize("name", ["prep_scan_upright.png", "prep_scan_rot90.png", "prep_scan_rot180.png",
                                  "prep_scan_rot270.png"])
def test_rotated_scans_come_out_upright(name):
    card = one(name)
    text = read(card.image)
    assert "Grace Hopper" in text and "grace@cobolsystems.com" in text, (card.steps, text)
    assert card.image.ndim == 2 and card.image.dtype == np.uint8
    h, w = card.image.shape
    assert w > h  # landscape again


def test_rotation_step_names_the_turn():
    assert "rotate:270" in one("prep_scan_rot90.png").steps  # lying turned 90 clockwise: turn back 270
    assert "rotate:90" in one("prep_scan_rot270.png").steps
    assert not any(s.startswith("rotate") for s in one("prep_scan_upright.png").steps)


def test_skewed_scan_is_deskewed():
    card = one("prep_scan_skew4.png")
    (step,) = [s for s in card.steps if s.startswith("deskew:")]
    assert abs(abs(float(step.split(":")[1])) - 4) < 0.6, card.steps
    assert "linus@vitaminresearch.org" in read(card.image)


def test_dark_card_is_inverted():
    card = one("prep_dark_card.png")
    assert "invert" in card.steps
    assert np.median(card.image) > 200  # white background, dark text
    text = read(card.image)
    assert "Marie Curie" in text and "marie.curie@radium.fr" in text


def test_low_resolution_scan_is_scaled_up():
    card = one("prep_scan_150dpi.png")
    (step,) = [s for s in card.steps if s.startswith("scale:")]
    assert float(step.split(":")[1]) > 1.5
    assert "alan.turing@bletchley.org" in read(card.image)


@pytest.mark.parametrize(
    ("name", "printed"),
    [("scan150-03.png", "igirard@lumiereconseil.fr"), ("flatbed-02.png", "helene.rousseau@quintessence.fr")],
)
def test_small_print_enlarged_with_lanczos_reads_right(name, printed):
    """Sample cards (tune split) shrunk to 0.6 of their size, about 90 dpi: the card is enlarged
    about 3 times, and with Lanczos resampling Tesseract reads the e-mail right (enlarged with
    cubic resampling it read 'igiraré@lumiereconseil. fr' and 'helene .rousscau@...')."""
    img = cv2.imread(str(SAMPLES / name))
    small = cv2.resize(img, None, fx=0.6, fy=0.6, interpolation=cv2.INTER_AREA)
    card = preprocess.prepare(SourceImage(Path(name), 0, small))[0]
    assert any(s.startswith("scale:") and float(s[6:]) > 2.5 for s in card.steps), card.steps
    text = TesseractEngine().read(card.image).text
    assert printed in re.sub(r"\s+", "", text), text


def test_text_height_lands_near_the_target():
    import pytesseract

    for name in ("prep_scan_upright.png", "prep_scan_150dpi.png"):
        card = one(name)
        data = pytesseract.image_to_data(card.image, output_type=pytesseract.Output.DICT, timeout=60)
        hs = [h for h, t, c in zip(data["height"], data["text"], data["conf"], strict=True)
              if t.strip() and float(c) > 60 and t.islower()]
        assert hs and 20 <= float(np.median(hs)) <= 60, (name, sorted(hs))


def test_photo_on_desk_is_cropped_and_flattened():
    src = source("prep_photo_desk.jpg")
    card = one("prep_photo_desk.jpg")
    assert card.steps[0] == "crop-quad"
    assert "flatten-light" in card.steps
    h, w = card.image.shape
    assert 1.45 < w / h < 1.8  # card aspect, not the photo's 4:3
    assert card.color is not None and card.color.ndim == 3
    ch, cw = card.color.shape[:2]
    assert abs(cw / ch - w / h) < 0.02  # the colour card has the same geometry, at crop resolution
    assert card.image.size < src.image.shape[0] * src.image.shape[1] * 2
    text = read(card.image)
    assert "Ada Lovelace" in text and "ada@engineworks.co.uk" in text, text
    # the desk is gone: the bottom corners of the prepared card are paper-white (the top has a blue bar)
    for corner in (card.image[-30:, :30], card.image[-30:, -30:]):
        assert np.median(corner) > 200


def test_photo_without_a_found_outline_is_still_turned_level():
    """A card on a background of nearly its own colour, touching the frame: no outline is
    found, so the whole photo is read, turned by the card's own tilt (16 degrees, more
    than a scan's skew is searched for)."""
    card = one("prep_photo_no_outline.jpg")
    assert not any(s.startswith("crop") for s in card.steps), card.steps
    skew = next(float(s.split(":")[1]) for s in card.steps if s.startswith("deskew:"))
    assert 12 < skew < 20, card.steps
    text = read(card.image)
    assert "LIAM GAGNON" in text and "lgagnon@maple.ca" in text, text


def test_light_text_on_a_dark_band_is_inverted_locally():
    card = one("prep_band_card.png")
    assert "invert-patches" in card.steps and "invert" not in card.steps
    text = read(card.image)
    assert "Alan Turing" in text and "alan.turing@bletchley.org" in text and "640404" in text, text
    band = card.image[int(card.image.shape[0] * 0.85) :, :]
    assert np.median(band) > 200  # the band is now light paper with dark print


def test_plain_scans_stay_one_card():
    for name in ("prep_scan_upright.png", "prep_scan_150dpi.png", "prep_dark_card.png", "prep_scan_skew4.png",
                 "prep_band_card.png", "decode_cmyk.jpg", "decode_2pages.tif"):
        cards = preprocess.prepare(source(name) if name != "decode_2pages.tif" else
                                   decode.load(RES / name, **LIMITS).images[0])
        assert len(cards) == 1, (name, [c.steps for c in cards])
        assert not any(s.startswith("crop") for s in cards[0].steps), (name, cards[0].steps)


# ---- several cards on a flatbed page --------------------------------------


def test_flatbed_page_gives_four_cards_in_reading_order():
    src = source("prep_flatbed_4cards.jpg")
    cards = preprocess.prepare(src)
    assert [c.index for c in cards] == [0, 1, 2, 3]
    assert all(c.source == src.path and c.page == 0 and c.steps[0] == "crop-region" for c in cards)
    names = ["Ada Lovelace", "Alan Turing", "Grace Hopper", "Linus Pauling"]
    for card, name in zip(cards, names, strict=True):
        h, w = card.image.shape
        assert 1.4 < w / h < 1.75
        assert name in read(card.image), (name, card.steps)


def test_white_cards_on_a_white_lid_are_found_by_their_rims():
    cards = preprocess.prepare(source("prep_flatbed_white_2cards.png"))
    assert len(cards) == 2
    assert "Marie Curie" in read(cards[0].image) and "Ada Lovelace" in read(cards[1].image)


def test_prepare_pages_numbers_cards_across_pages():
    d = decode.load(RES / "decode_2pages.pdf", **LIMITS)
    cards = preprocess.prepare_pages(d.images)
    assert [(c.page, c.index) for c in cards] == [(0, 0), (1, 1)]


# ---- rotate, alternatives, odd inputs ------------------------------------


def test_rotate_turns_clockwise_and_back():
    card = one("prep_scan_upright.png")
    r90 = preprocess.rotate(card, 90)
    assert r90.image.shape == card.image.shape[::-1]
    assert r90.steps[-1] == "rotate:90"
    # clockwise: the top-left corner goes to the top-right
    assert np.array_equal(r90.image[:, -1], card.image[0, :])
    back = preprocess.rotate(r90, 270)
    assert np.array_equal(back.image, card.image)
    assert np.array_equal(back.color, card.color)
    assert preprocess.rotate(card, 360) is card
    assert np.array_equal(preprocess.rotate(card, -90).image, preprocess.rotate(card, 270).image)
    with pytest.raises(ValueError):
        preprocess.rotate(card, 45)


def test_osd_rotate_value_fixes_a_sideways_card():
    import pytesseract

    card = preprocess.rotate(one("prep_scan_upright.png"), 90)
    osd = pytesseract.image_to_osd(card.image, timeout=60)
    turn = int(re.search(r"Rotate: (\d+)", osd).group(1))
    assert "Grace Hopper" in read(preprocess.rotate(card, turn).image)


def test_alternatives():
    card = one("prep_scan_upright.png")
    alts = preprocess.alternatives(card)
    assert 1 <= len(alts) <= 2
    for a in alts:
        assert (a.source, a.index, a.page) == (card.source, card.index, card.page)
        assert a.image.dtype == np.uint8 and a.image.ndim == 2
        assert a.steps[: len(card.steps)] == card.steps and len(a.steps) == len(card.steps) + 1
    assert set(np.unique(alts[0].image)) <= {0, 255}


@pytest.mark.parametrize(
    "img",
    [
        np.full((600, 1000, 3), 255, np.uint8),  # blank
        np.zeros((600, 1000, 3), np.uint8),  # black
        np.full((8, 12, 3), 200, np.uint8),  # tiny
        np.random.default_rng(1).integers(0, 256, (300, 500, 3), dtype=np.uint8),  # noise
        np.full((400, 700), 255, np.uint8),  # grayscale input
    ],
)
def test_odd_images_give_one_card_without_error(img):
    cards = preprocess.prepare(SourceImage(path=Path("odd.png"), page=0, image=img))
    assert len(cards) == 1
    assert cards[0].image.dtype == np.uint8 and cards[0].image.ndim == 2 and cards[0].image.size > 0


def test_input_is_not_modified():
    src = source("prep_photo_desk.jpg")
    before = src.image.copy()
    preprocess.prepare(src)
    assert np.array_equal(src.image, before)
    assert cv2.countNonZero(cv2.absdiff(src.image, before).reshape(-1)) == 0
