"""Flatbed pages split by clusters of text lines: white cards on a white lid show no
outline, so the text detector's lines say where each card is (`textsplit.text_regions`).

The pages are drawn with the sample generator's helpers (`white_flatbed.white_page`):
white cards pasted on a white page, no rim, no shadow. Read end to end with the real
detector and Tesseract: each card's name and e-mail must come out of its own card."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import cv2
import numpy as np
import pytest
from conftest import SAMPLES
from PIL import Image
from white_flatbed import white_page

from cardpipe.image import decode, textsplit
from cardpipe.image import prepare as preprocess
from cardpipe.models import SourceImage
from cardpipe.pipeline import ReadOptions, _page_lines, read_file

LIMITS = dict(max_bytes=50_000_000, max_pixels=100_000_000, max_pages=10)


def fold(text: str | None) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text or "") if not unicodedata.combining(c)).casefold()


def save(page: np.ndarray, path: Path, dpi: int) -> Path:
    Image.fromarray(page[:, :, ::-1]).save(path, dpi=(dpi, dpi))
    return path


def overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    """The share of box `a` that lies inside box `b`."""
    w = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    return w * h / max(1, (a[2] - a[0]) * (a[3] - a[1]))


# ---- read end to end: each card's name and e-mail from its own card -------------------


@pytest.mark.parametrize(
    ("n", "dpi", "gap_mm", "cols", "portrait", "seed"),
    [
        (2, 200, 8.0, 2, (), 2),  # two cards side by side
        (3, 150, 5.0, 2, (), 3),  # two, and one alone on the next row
        (4, 300, 3.0, 2, (), 4),  # four, close together
        (2, 200, 2.5, 1, (), 5),  # one above the other, 2.5 mm apart
        (3, 200, 4.0, 2, (1,), 6),  # one of them standing on end
    ],
)
def test_white_cards_on_a_white_page_are_read_each_from_its_own_card(tmp_path, n, dpi, gap_mm, cols, portrait, seed):
    page, placed = white_page(n, dpi=dpi, gap_mm=gap_mm, cols=cols, portrait=portrait, seed=seed)
    result = read_file(save(page, tmp_path / "page.png", dpi), ReadOptions(lang="eng", region="US"))
    assert result.error is None
    assert len(result.cards) == n, [c.record.name for c in result.cards]
    for card, want in zip(result.cards, placed, strict=True):
        assert fold(card.record.name) == fold(want.name), (card.record.name, want.name)
        assert want.email in card.record.emails, (card.record.emails, want.email)
        # the card is where the person's card lies on the page
        (where,) = [boxes[0] for name, boxes in card.record.evidence if name == "card"]
        assert overlap(where, want.box) > 0.5 and overlap(want.box, where) > 0.6, (where, want.box)


def test_one_white_card_alone_on_a_page_stays_one_card(tmp_path):
    page, (want,) = white_page(1, dpi=200, seed=7)
    result = read_file(save(page, tmp_path / "page.png", 200), ReadOptions(lang="eng", region="US"))
    (card,) = result.cards
    assert fold(card.record.name) == fold(want.name)
    assert want.email in card.record.emails


# ---- when the text is asked, and when not ----------------------------------------------


def _no_text(image: np.ndarray) -> list[np.ndarray]:
    raise AssertionError("the page's text lines were not needed here")


@pytest.mark.parametrize("name", ["flatbed-01.png", "flatbed-03.png", "scan300-01.png", "photo-01.jpg"])
def test_pages_split_by_outlines_and_single_cards_do_not_run_the_detector_on_the_page(name):
    (src,) = decode.load(SAMPLES / name, **LIMITS).images
    with_text = preprocess.prepare(src, _no_text)
    without = preprocess.prepare(src)
    assert [c.steps for c in with_text] == [c.steps for c in without]


def test_a_white_card_beside_one_with_edges_is_found_too():
    page, placed = white_page(2, dpi=200, gap_mm=10.0, seed=8)
    x0, y0, x1, y1 = placed[0].box
    cv2.rectangle(page, (x0, y0), (x1 - 1, y1 - 1), (90, 90, 90), 3)  # the first card's edge shows
    cards = preprocess.prepare(SourceImage(Path("page.png"), 0, page, 200.0), _page_lines)
    assert len(cards) == 2
    for card, want in zip(cards, placed, strict=True):
        where = card.box_on_source((0, 0, card.image.shape[1], card.image.shape[0]))
        assert overlap(where, want.box) > 0.5, (where, want.box)


def test_a_photo_without_a_trusted_dpi_is_never_split_by_its_text():
    page, _ = white_page(2, dpi=200, seed=9)
    for dpi in (None, 72.0):  # phone photos say nothing, or 72 dpi
        cards = preprocess.prepare(SourceImage(Path("page.jpg"), 0, page, dpi), _no_text)
        assert len(cards) == 1


# ---- the grouping itself, on boxes -------------------------------------------------------


def quad(x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    return np.float32([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])


PPM = 200 / 25.4  # px per mm at 200 dpi
A4 = (round(297 * PPM), round(210 * PPM))


def card_lines(x_mm: float, y_mm: float, rows=((8, 40), (20, 60), (36, 70), (42, 55))) -> list[np.ndarray]:
    """Lines of a card whose top-left corner is at (x_mm, y_mm): (top, width) in mm, 4 mm high,
    with a wide gap between the name (top) and the details."""
    return [quad((x_mm + 6) * PPM, (y_mm + t) * PPM, (x_mm + 6 + w) * PPM, (y_mm + t + 4) * PPM) for t, w in rows]


@pytest.mark.parametrize(
    ("cards", "expected"),
    [
        ([(10, 10)], 0),  # one card: no split
        ([(10, 10), (98, 10)], 2),  # side by side, 3 mm apart
        ([(10, 10), (10, 68)], 2),  # one above the other
        ([(10, 10), (98, 10), (10, 68), (98, 68)], 4),
        ([(10, 10), (98, 10), (10, 68)], 3),  # the bottom of one and the top of the next are no card
    ],
)
def test_text_regions_groups_lines_into_cards(cards, expected):
    boxes = [q for x, y in cards for q in card_lines(x, y)]
    regions = textsplit.text_regions(boxes, A4, 200.0)
    assert len(regions) == expected
    if not expected:
        return
    for region, (x, y) in zip(regions, cards, strict=True):
        inside = card_lines(x, y)
        x0, y0 = region.min(axis=0)
        x1, y1 = region.max(axis=0)
        assert all(x0 <= q[:, 0].min() and q[:, 0].max() <= x1 and y0 <= q[:, 1].min() and q[:, 1].max() <= y1
                   for q in inside)
    # regions never overlap: each ends at the middle of the gap to the next
    for i, a in enumerate(regions):
        for b in regions[i + 1:]:
            ax0, ay0 = a.min(axis=0)
            ax1, ay1 = a.max(axis=0)
            bx0, by0 = b.min(axis=0)
            bx1, by1 = b.max(axis=0)
            assert min(ax1, bx1) <= max(ax0, bx0) or min(ay1, by1) <= max(ay0, by0)


def test_a_letters_lines_are_not_cut_into_cards():
    lines = [quad(25 * PPM, (30 + 6 * i) * PPM, 185 * PPM, (34 + 6 * i) * PPM) for i in range(30)]
    assert textsplit.text_regions(lines, A4, 200.0) == []


def test_a_table_of_small_boxes_is_given_up_quickly_not_cut_every_way():
    cells = [quad((10 + 6 * i) * PPM, (10 + 7 * j) * PPM, (14 + 6 * i) * PPM, (14 + 7 * j) * PPM)
             for i in range(30) for j in range(38)]
    assert textsplit.text_regions(cells, A4, 200.0) == []


def test_no_split_without_a_trusted_dpi():
    boxes = card_lines(10, 10) + card_lines(98, 10)
    assert textsplit.text_regions(boxes, A4, 72.0) == []
