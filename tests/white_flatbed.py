"""Flatbed pages of white cards on a white lid with no edge showing, drawn with the sample
generator's helpers (`sample_cards/make_samples.py`): the cards can only be told apart by
where their text lines are."""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "sample_cards"))
import make_samples as ms  # noqa: E402

CARD_MM = (85.0, 55.0)
LAYOUTS = ("left", "centered", "two_col", "logo")  # no "bar": its band of colour would show the card


@dataclass(frozen=True)
class Placed:
    """A card on the page: who is on it and where (x0, y0, x1, y1 in page pixels)."""

    name: str
    email: str
    box: tuple[int, int, int, int]


def white_page(n: int, *, dpi: int = 200, gap_mm: float = 8.0, cols: int = 2, seed: int = 1,
               portrait: tuple[int, ...] = ()) -> tuple[np.ndarray, list[Placed]]:
    """An A4 page (BGR) with `n` white cards on white, `gap_mm` apart, `cols` to a row;
    the cards numbered in `portrait` stand upright (55 x 85 mm, their text turned)."""
    rng = random.Random(f"white-flatbed-{seed}")
    ctr = ms.Counter()
    ctr.n = seed  # a different country mix per seed
    px = dpi / 25.4
    page = Image.new("RGB", (round(210 * px), round(297 * px)), (255, 255, 255))
    placed = []
    x0 = y0 = round(12 * px)
    x, y, row_h = x0, y0, 0
    for i in range(n):
        contact, style = ms.new_card(rng, ctr, LAYOUTS[i % len(LAYOUTS)])
        style = replace(style, bg=(255, 255, 255), stripe=None, dark=False)
        card, _ = ms.draw_card(contact, style, CARD_MM, dpi / 300, rng)
        if i in portrait:
            card = card.transpose(Image.Transpose.ROTATE_90)
        if i and i % cols == 0:
            x, y = x0, y + row_h + round(gap_mm * px)
            row_h = 0
        page.paste(card, (x, y))
        placed.append(Placed(contact.name, contact.emails[0] if contact.emails else "",
                             (x, y, x + card.width, y + card.height)))
        x += card.width + round(gap_mm * px)
        row_h = max(row_h, card.height)
    bgr = np.ascontiguousarray(np.asarray(page)[:, :, ::-1])
    return bgr, placed
