"""Cards on a scanned page told apart by their text: white cards on a white lid show no
outline, so the text detector's lines (given by the pipeline) say where each card is."""

from __future__ import annotations

import cv2
import numpy as np

from .find import _DETECT_SIDE, _border_ring, _card_sized, _Found, _ink_outside, _px_per_mm, _reading_order

TEXT_CARD_MM = (95.0, 60.0)  # the most a card's text can span, long and short side (a card is 85-91 x 55)
TEXT_GAP_MM = 2.0  # the narrowest empty band between two cards' text
TEXT_MARGIN_MM = 6.0  # how far a card is taken to reach beyond its outermost text
MAX_GROUPS = 5000  # groups of lines weighed at most: a page of cards needs a few hundred; a
# table or a form (small boxes in a grid, cut anywhere) would need millions, and is no cards


class _TooManyWays(Exception):
    pass


def needs_text_split(bgr: np.ndarray, found: list[_Found], dpi: float | None) -> bool:
    """Whether a page may hold cards its outlines did not show: a scan with a trusted DPI,
    larger than one card, where one card or none was found by its outline, or where print
    lies outside the one found (a white card beside one with edges)."""
    h, w = bgr.shape[:2]
    ppm = _px_per_mm(dpi, (h, w)) if dpi else 0.0
    if not ppm or len(found) != 1 or found[0].how == "whole":
        return False
    if _card_sized(*sorted((w / ppm, h / ppm), reverse=True), slack=1.25):
        return False  # the page is one card
    if found[0].how == "whole-photo":
        return True
    f = max(h, w) / _DETECT_SIDE if max(h, w) > _DETECT_SIDE else 1.0
    gray = cv2.cvtColor(cv2.resize(bgr, (round(w / f), round(h / f)), interpolation=cv2.INTER_AREA),
                        cv2.COLOR_BGR2GRAY)
    inside = np.zeros_like(gray)
    cv2.fillConvexPoly(inside, (found[0].quad / f).astype(np.int32), 255)
    inside = cv2.dilate(inside, np.ones((9, 9), np.uint8))
    return _ink_outside(gray, float(np.median(_border_ring(gray))), inside) > 0.05


def text_regions(boxes: list[np.ndarray], shape: tuple[int, int], dpi: float) -> list[np.ndarray]:
    """Cards on a scanned page told apart by their text alone: the line boxes (4-point quads
    in page pixels) parted by empty bands across the page into the fewest groups whose text
    each fits on one card; each group's extent, grown by a margin (never past the middle of
    the gap to the next group), is a card. [] when the lines do not part so into two or more
    cards (one card, or text that is not on cards: a letter's lines are wider than a card).

    The groups are found by cutting along empty bands (an XY cut), choosing among the ways
    to cut the one that needs the fewest cards, and then the widest bands: a cut between a
    card's name block and its details is never needed, since each card's text fits a card."""
    h, w = shape[:2]
    ppm = _px_per_mm(dpi, (h, w))
    if not ppm or len(boxes) < 2:
        return []
    rects = np.array([[q[:, 0].min(), q[:, 1].min(), q[:, 0].max(), q[:, 1].max()] for q in boxes], np.float64)
    long_max, short_max = TEXT_CARD_MM[0] * ppm, TEXT_CARD_MM[1] * ppm
    min_gap = TEXT_GAP_MM * ppm
    memo: dict[frozenset[int], tuple[float, float, list[frozenset[int]]]] = {}

    def fits(group: frozenset[int]) -> float | None:
        """None when the group's text does not fit on one card; else what it costs as a
        card: 1, a little more when it fits only standing (the bottom of one card and the
        top of the next can make a group as tall as a card stood on end)."""
        r = rects[list(group)]
        gw, gh = r[:, 2].max() - r[:, 0].min(), r[:, 3].max() - r[:, 1].min()
        if gw <= long_max and gh <= short_max:
            return 1.0
        return 1.1 if gw <= short_max and gh <= long_max else None

    def cuts(group: frozenset[int]) -> list[tuple[float, frozenset[int], frozenset[int]]]:
        out = []
        members = sorted(group)
        for axis in (0, 1):
            order = sorted(members, key=lambda i: rects[i, axis])
            reach = -np.inf
            for k, i in enumerate(order):
                gap = rects[i, axis] - reach
                if k and gap >= min_gap:
                    out.append((float(gap), frozenset(order[:k]), frozenset(order[k:])))
                reach = max(reach, rects[i, axis + 2])
        return out

    def best(group: frozenset[int]) -> tuple[float, float, list[frozenset[int]]]:
        """(cards, minus the narrowest cut's gap, the groups) of the best way to cut `group`:
        the fewest cards, then the widest gaps."""
        if group in memo:
            return memo[group]
        if len(memo) >= MAX_GROUPS:
            raise _TooManyWays
        cost = fits(group)
        if cost is not None:
            out: tuple[float, float, list[frozenset[int]]] = (cost, -np.inf, [group])
        else:
            out = (np.inf, 0.0, [group])
            for gap, a, b in cuts(group):
                na, ga, pa = best(a)
                nb, gb, pb = best(b)
                cand = (na + nb, max(-gap, ga, gb), pa + pb)
                if cand[:2] < out[:2]:
                    out = cand
        memo[group] = out
        return out

    try:
        n, _, groups = best(frozenset(range(len(boxes))))  # n: the cards, a little more for standing ones
    except _TooManyWays:
        return []
    if not np.isfinite(n) or len(groups) < 2:
        return []
    ext = np.array([[rects[list(g), 0].min(), rects[list(g), 1].min(), rects[list(g), 2].max(),
                     rects[list(g), 3].max()] for g in groups])
    grown = ext + np.array([-1, -1, 1, 1]) * TEXT_MARGIN_MM * ppm
    for i in range(len(ext)):
        for j in range(len(ext)):
            if i == j:
                continue
            for axis in (0, 1):  # j beyond i along this axis, and beside it across: the middle of the gap
                other = 1 - axis
                apart = ext[j, axis] >= ext[i, axis + 2]
                beside = grown[j, other] < grown[i, other + 2] and grown[i, other] < grown[j, other + 2]
                if apart and beside:
                    mid = (ext[i, axis + 2] + ext[j, axis]) / 2
                    grown[i, axis + 2] = min(grown[i, axis + 2], mid)
                    grown[j, axis] = max(grown[j, axis], mid)
    grown = np.clip(grown, 0, [w, h, w, h])
    quads = [np.float32([[x0, y0], [x1, y0], [x1, y1], [x0, y1]]) for x0, y0, x1, y1 in grown]
    return _reading_order(quads)
