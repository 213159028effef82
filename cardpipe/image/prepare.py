"""Prepare decoded pages for OCR with OpenCV: find the cards, make them upright, flat and legible.

    SourceImage -> find the card(s) -> crop (perspective) -> even out the light (invert
      light-on-dark) -> measure the text -> quarter turn, deskew, scale -> PreparedCard(s)

Finding cards, in order:

1. *A scan of one card*: the DPI says the image is card-sized: the whole image.
2. *Flatbed page*: when the border of the page is a light, uniform background, the
   regions that differ from it (found at full resolution, so a white card on a
   white lid is found by its faint rim) and have the size and shape of a card
   become one card each, in reading order. The split is only accepted when the
   ink on the page lies inside those regions, so a scan of one card is never cut
   into its text blocks.
3. *Photo* (a card on a desk): convex quadrilaterals from edges (Canny on
   lightness and colour, dilated; `approxPolyDP`, `minAreaRect` as fallback), from
   a light/dark (Otsu) split and from what does not look like the desk along the
   image border (histogram back-projection). The biggest one whose outline lies on
   edges and that holds the print wins; its sides are snapped onto the edges and it
   is perspective-corrected to a flat rectangle of card aspect.
4. Otherwise the whole image is the card.
5. *Cards told apart by their text*: on a scan with a trusted DPI, larger than a
   card, where outlines showed one card or none (white cards on a white lid show
   no edge), the text detector's lines (given by the pipeline) are parted by empty
   bands into the fewest groups that each fit on one card (`textsplit.text_regions`);
   each group, with a margin, is a card.

Each card is then evened out (divided by its background, a grey-level closing;
areas of light print on dark ground inverted) and measured on a small binary
copy: the direction from each character to its nearest neighbour says whether
lines run across or up and down (0 or 90 degrees), the balance of ascenders and
descenders says whether it is upside down, a projection-profile search gives the
small skew, and the character heights give the scale that brings the small print
to an x-height of about `TARGET_TEXT_PX`. The output is grayscale, not binarized:
Tesseract 5 binarizes it itself and reads these cards better that way than from
an Otsu image (`alternatives` offers an adaptive-threshold variant).

`PreparedCard.color` is the colour crop turned upright by the same quarter turn,
at the crop's own resolution (not deskewed or scaled): it is there for QR codes."""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Callable, Iterable

import cv2
import numpy as np

from ..models import PreparedCard, SourceImage
from .find import _find_cards, _Found, _odd, _warp_quad, rot90_matrix
from .textsplit import needs_text_split, text_regions

log = logging.getLogger(__name__)


# OpenCV writes its warnings to stderr, which cron mails to the user after a good run:
# only its errors are worth a line.
cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)


TARGET_TEXT_PX = 24.0  # wanted x-height of the small print (35th percentile of character heights), px


MAX_UPSCALE = 3.0


SKEW = 8.0  # the most skew a scan or a cropped card is searched for, degrees


WIDE_SKEW = 25.0  # ... and a photo whose card outline was not found


MIN_SCALE = 0.2


MAX_OUTPUT_SIDE = 3600  # px, long side of a prepared card


_ANALYSE_SIDE = 1000  # px: long side of the copy used to measure text


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------


# A page's text lines: each a 4-point box (tl, tr, br, bl) in the page's pixels (the text
# detector's, given by the pipeline: the image stage does not run OCR models itself).
TextLines = Callable[[np.ndarray], list[np.ndarray]]


def prepare(src: SourceImage, text_lines: TextLines | None = None) -> list[PreparedCard]:
    """Every card found on `src`, prepared for OCR, in reading order (rows top to bottom, then left to right).

    With `text_lines`, a scanned page where outlines show one card or none is also split
    by its text (`textsplit.text_regions`): white cards on a white lid show no edge."""
    bgr = _as_bgr(src.image)
    found = _find_cards(bgr, dpi=src.dpi)
    if text_lines is not None and needs_text_split(bgr, found, src.dpi):
        regions = text_regions(text_lines(bgr), bgr.shape[:2], src.dpi or 0.0)
        if regions:
            found = [_Found(q, "crop-text") for q in regions]
    cards = []
    for i, f in enumerate(found):
        whole = f.how in ("whole", "whole-photo")
        if whole:
            color, warp = bgr, np.eye(3)
        elif f.how == "crop-text":  # an upright rectangle of the page, cut out as it is
            x0, y0 = np.floor(f.quad.min(axis=0)).astype(int)
            x1, y1 = np.ceil(f.quad.max(axis=0)).astype(int)
            color, warp = bgr[y0:y1, x0:x1].copy(), np.array([[1, 0, -x0], [0, 1, -y0], [0, 0, 1]], np.float64)
        else:
            color, warp = _warp_quad(bgr, f.quad)
        steps: list[str] = [] if whole else [f.how]
        # a card photographed at an angle whose outline was not found is still turned as
        # much as it was photographed (up to 18 degrees and more), not just a scan's skew
        crop = color
        gray, color, more, moved = _prepare_crop(color, skew_limit=WIDE_SKEW if f.how == "whole-photo" else SKEW)
        # a card that was inverted whole (light print on a dark card) keeps its plain grey:
        # its lines read better cut from it, each line's polarity and light set on its own
        plain = None
        if "invert" in more:
            plain = cv2.warpPerspective(
                cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY), moved, (gray.shape[1], gray.shape[0]),
                flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE,
            )
        del crop
        cards.append(
            PreparedCard(
                source=src.path, index=i, image=gray, page=src.page, steps=tuple(steps + more), color=color,
                to_source=np.linalg.inv(moved @ warp), plain=plain,
            )
        )
    return cards


def prepare_pages(images: Iterable[SourceImage], text_lines: TextLines | None = None) -> list[PreparedCard]:
    """`prepare` every page of a file, numbering the cards across pages (index 0, 1, 2... in the file)."""
    out: list[PreparedCard] = []
    for src in images:
        for card in prepare(src, text_lines):
            out.append(dataclasses.replace(card, index=len(out)))
    return out


def rotate(card: PreparedCard, degrees: int) -> PreparedCard:
    """The card turned clockwise by 90, 180 or 270 degrees (e.g. after Tesseract OSD says "Rotate: 90")."""
    d = degrees % 360
    if d == 0:
        return card
    codes = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
    if d not in codes:
        raise ValueError(f"rotate takes a multiple of 90 degrees, not {degrees}")
    code = codes[d]
    color = cv2.rotate(card.color, code) if card.color is not None else None
    h, w = card.image.shape[:2]
    to_source = card.to_source @ np.linalg.inv(rot90_matrix(-d // 90, w, h)) if card.to_source is not None else None
    plain = cv2.rotate(card.plain, code) if card.plain is not None else None
    return dataclasses.replace(
        card, image=cv2.rotate(card.image, code), color=color, steps=(*card.steps, f"rotate:{d}"),
        to_source=to_source, plain=plain,
    )


def alternatives(card: PreparedCard) -> list[PreparedCard]:
    """Two differently prepared variants of `card` for a second OCR pass when the first read is weak.

    1. binarized with a local (adaptive) threshold over about three text heights: helps with
       faint print, leftover shading and textured paper;
    2. the other scale: 2/3 of the size when the card was scaled up a lot (very large type,
       or noise that was magnified), else 1.5 x (small print).
    """
    img = card.image
    block = _odd(int(3 * TARGET_TEXT_PX))
    binar = cv2.adaptiveThreshold(img, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, block, 15)
    upscaled = any(s.startswith("scale:") and float(s[6:]) > 1.3 for s in card.steps)
    f = 2 / 3 if upscaled else min(1.5, MAX_OUTPUT_SIDE / max(img.shape))
    rescaled = cv2.resize(img, None, fx=f, fy=f, interpolation=_interpolation(f))
    sx, sy = rescaled.shape[1] / img.shape[1], rescaled.shape[0] / img.shape[0]
    to_source = card.to_source @ np.diag([1 / sx, 1 / sy, 1.0]) if card.to_source is not None else None
    return [
        dataclasses.replace(card, image=binar, steps=(*card.steps, "adaptive-threshold")),
        dataclasses.replace(card, image=rescaled, steps=(*card.steps, f"rescale:{f:.2f}"), to_source=to_source),
    ]


# --------------------------------------------------------------------------
# Preparing one card
# --------------------------------------------------------------------------


def _prepare_crop(
    color: np.ndarray, skew_limit: float = SKEW
) -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray]:
    """(gray for OCR, colour card turned upright, steps, the 3x3 map of the crop's
    coordinates to the gray's) for one cropped card."""
    steps: list[str] = []
    gray = cv2.cvtColor(color, cv2.COLOR_BGR2GRAY)
    gray, lsteps = _even_light(gray)
    steps += lsteps
    if _clean_edges(gray):
        steps.append("clean-edges")
    mask, fa = _text_mask(gray)
    quarter, skew, size = _measure(mask, skew_limit)
    moved = np.eye(3)
    if quarter:
        k = -quarter // 90  # np.rot90 turns counter-clockwise
        moved = rot90_matrix(k, gray.shape[1], gray.shape[0])
        gray = np.ascontiguousarray(np.rot90(gray, k))
        color = np.ascontiguousarray(np.rot90(color, k))
        steps.append(f"rotate:{quarter}")
    scale = TARGET_TEXT_PX / (size / fa) if size else 1.0
    h, w = gray.shape
    scale = min(MAX_UPSCALE, max(MIN_SCALE, scale), MAX_OUTPUT_SIDE / max(h, w))
    if abs(skew) < 0.5:  # Tesseract reads half a degree of skew without trouble
        skew = 0.0
    else:
        steps.append(f"deskew:{skew:.1f}")
    if abs(scale - 1) < 0.05:
        scale = 1.0
    else:
        steps.append(f"scale:{scale:.2f}")
    if skew:
        m = _rotate_scale_matrix(w, h, skew, scale)[0]
        gray = _rotate_scale(gray, skew, scale)
        moved = np.vstack([m, [0, 0, 1]]) @ moved
    elif scale != 1.0:
        gray = cv2.resize(gray, (round(w * scale), round(h * scale)), interpolation=_interpolation(scale))
        moved = np.diag([gray.shape[1] / w, gray.shape[0] / h, 1.0]) @ moved
    return gray, color, steps, moved


def _even_light(gray: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Dark text on an even white background, with the steps taken.

    Light-on-dark areas (a dark card, or a dark band on a light card) are inverted where the
    text in them is lighter than its surroundings; then the image is divided by its background
    (a grey-level closing, which removes the text but keeps shadows and gradients), and the
    contrast is stretched so the text is near black.
    """
    steps = []
    h, w = gray.shape
    f = max(1.0, max(h, w) / 500)
    sw, sh = max(1, round(w / f)), max(1, round(h / f))
    small = cv2.resize(gray, (sw, sh), interpolation=cv2.INTER_AREA) if f > 1 else gray.copy()
    k = _odd(max(sw, sh) // 12)

    # Polarity: text is the minority that differs from the local median (the background); in each
    # region of dark background, is the text lighter or darker than it? Invert where it is lighter.
    med = cv2.medianBlur(small, min(k, 255))
    diff = small.astype(np.int16) - med.astype(np.int16)
    bright, dark = diff > 35, diff < -35
    inv = np.zeros(small.shape, np.uint8)
    t_med, _ = cv2.threshold(med, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    lo_m, hi_m = np.percentile(med, (3, 97))
    if hi_m - lo_m < 60:  # one background all over (perhaps unevenly lit)
        regions = [np.ones(small.shape, bool)]
    else:  # light paper with dark bands or blocks (or the reverse)
        n, lab = cv2.connectedComponents((med < t_med).astype(np.uint8), connectivity=4)
        regions = [lab == i for i in range(1, n)]
    for r in regions:
        area = int(np.count_nonzero(r))
        if area < 0.01 * small.size:
            continue
        nb, nd = int(np.count_nonzero(bright & r)), int(np.count_nonzero(dark & r))
        if nb > 1.3 * nd and nb > 0.002 * area:
            inv[r] = 255
    share = float(np.count_nonzero(inv)) / inv.size
    if share > 0.5:
        steps.append("invert")
    elif share > 0:
        steps.append("invert-patches")
    if share > 0.995:
        gray = cv2.bitwise_not(gray)
        small = cv2.bitwise_not(small)
    elif share > 0:
        inv_full = (cv2.resize(inv, (w, h), interpolation=cv2.INTER_LINEAR) > 127).astype(np.uint8)
        r = cv2.getStructuringElement(cv2.MORPH_RECT, (2 * math.ceil(f) + 5,) * 2)
        core = cv2.erode(inv_full, r).astype(bool)
        edge = cv2.dilate(inv_full, r).astype(bool) & ~core
        neg = cv2.bitwise_not(gray)
        gray = gray.copy()
        gray[core] = neg[core]
        gray[edge] = np.maximum(gray[edge], neg[edge])  # the boundary is paper on both sides: keep it light
        small = cv2.resize(gray, (sw, sh), interpolation=cv2.INTER_AREA) if f > 1 else gray.copy()

    # Background: a closing removes the dark text, leaving paper, shading and large blocks.
    bg = cv2.morphologyEx(small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    bg = cv2.blur(bg, (k, k))
    spread = float(np.percentile(bg, 97)) - float(np.percentile(bg, 3))
    if spread > 12 or float(np.median(bg)) < 225:
        bg_full = cv2.resize(bg, (w, h), interpolation=cv2.INTER_LINEAR)
        gray = cv2.divide(gray, np.maximum(bg_full, 1), scale=255)
        steps.append("flatten-light")
    # Stretch: the darkest text goes to black (faint grey print becomes legible).
    sample = gray[:: max(1, h // 200), :: max(1, w // 300)]
    t, _ = cv2.threshold(sample, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    ink = sample[sample < t]
    if ink.size > 20:
        lo = float(np.percentile(ink, 5))
        if 12 < lo < 0.8 * t:
            a = 255.0 / (255.0 - lo)
            gray = cv2.convertScaleAbs(gray, alpha=a, beta=-lo * a)
            steps.append("stretch")
    return gray, steps


def _clean_edges(gray: np.ndarray) -> bool:
    """Whiten rows and columns along the edges that are mostly dark (a card's rim, a shadow, a strip
    of desk): Tesseract reads them as "|" or "_". In place; whether anything changed."""
    h, w = gray.shape
    depth = max(2, round(0.03 * min(h, w)))
    if min(h, w) < 4 * depth:
        return False
    changed = False
    for band, axis in ((gray[:depth], 1), (gray[h - depth :], 1), (gray[:, :depth], 0), (gray[:, w - depth :], 0)):
        lines = np.count_nonzero(band < 128, axis=axis) > 0.5 * band.shape[axis]
        if lines.any():
            if axis == 1:
                band[lines, :] = 255
            else:
                band[:, lines] = 255
            changed = True
    return changed


def _text_mask(gray: np.ndarray) -> tuple[np.ndarray, float]:
    """A binary copy (text = 255) at analysis size, and its scale relative to `gray`."""
    h, w = gray.shape
    f = max(1.0, max(h, w) / _ANALYSE_SIDE)
    small = cv2.resize(gray, (round(w / f), round(h / f)), interpolation=cv2.INTER_AREA) if f > 1 else gray
    _, m = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    return m, 1.0 / f


def _measure(mask: np.ndarray, skew_limit: float = SKEW) -> tuple[int, float, float | None]:
    """(clockwise quarter turn to apply: 0/90/180/270, skew correction in degrees, small-print height)."""
    n, _, stats, cents = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if n < 4:
        return 0, 0.0, None
    H, W = mask.shape
    ws, hs, areas = stats[1:, 2], stats[1:, 3], stats[1:, 4]
    keep = (
        (hs >= 3)
        & (ws >= 2)
        & (np.maximum(ws, hs) >= 5)
        & (hs < H * 0.25)
        & (ws < W * 0.25)
        & (areas < 0.9 * ws * hs + 1)  # not solid blocks
        & (np.maximum(ws, hs) < 8 * np.minimum(ws, hs))  # not rules and frames
    )
    idx = np.nonzero(keep)[0]
    if len(idx) < 5:
        return 0, 0.0, None
    ws, hs, c = ws[idx].astype(np.float32), hs[idx].astype(np.float32), cents[1:][idx].astype(np.float32)
    vertical = _text_is_vertical(c, np.maximum(ws, hs))
    m = cv2.rotate(mask, cv2.ROTATE_90_CLOCKWISE) if vertical else mask
    glyph_h = ws if vertical else hs
    small_print = float(np.percentile(glyph_h, 35))
    skew = _skew(m, float(np.median(glyph_h)), skew_limit)
    if skew:
        hh, ww = m.shape
        M = cv2.getRotationMatrix2D((ww / 2, hh / 2), skew, 1.0)
        m = cv2.warpAffine(m, M, (ww, hh), flags=cv2.INTER_NEAREST, borderValue=0)
    quarter = 90 if vertical else 0
    if _upside_down(m, float(np.median(glyph_h))):
        quarter = (quarter + 180) % 360
    return quarter, skew, small_print


def _text_is_vertical(c: np.ndarray, size: np.ndarray) -> bool:
    """Whether text lines run up/down: the nearest similar-sized neighbour of a character is above or below."""
    if len(c) > 800:
        sel = np.random.default_rng(0).choice(len(c), 800, replace=False)
        c, size = c[sel], size[sel]
    d = c[:, None, :] - c[None, :, :]
    dist = np.hypot(d[..., 0], d[..., 1])
    ratio = size[:, None] / size[None, :]
    dist[(ratio > 2) | (ratio < 0.5)] = np.inf
    np.fill_diagonal(dist, np.inf)
    rows = np.arange(len(c))
    nn = np.argmin(dist, axis=1)
    best = dist[rows, nn]
    ok = np.isfinite(best) & (best < 2.5 * size)
    v = d[rows, nn][ok]
    if len(v) < 5:
        return False
    horiz = int((np.abs(v[:, 0]) > 1.7 * np.abs(v[:, 1])).sum())
    vert = int((np.abs(v[:, 1]) > 1.7 * np.abs(v[:, 0])).sum())
    return vert > 1.5 * horiz and vert >= 5


def _skew(mask: np.ndarray, glyph: float, limit: float = 8.0) -> float:
    """The skew correction in degrees (counter-clockwise, as OpenCV turns).

    The angle that makes the row profile of the text sharpest (sum of squared differences).
    """
    h, w = mask.shape
    f = max(1.0, min(max(h, w) / 500, glyph / 3))  # small, but characters stay >= 3 px
    m = cv2.resize(mask, (round(w / f), round(h / f)), interpolation=cv2.INTER_AREA) if f > 1 else mask
    hh, ww = m.shape
    centre = (ww / 2, hh / 2)

    def score(a: float) -> float:
        M = cv2.getRotationMatrix2D(centre, a, 1.0)
        r = cv2.warpAffine(m, M, (ww, hh), flags=cv2.INTER_NEAREST, borderValue=0)
        p = cv2.reduce(r, 1, cv2.REDUCE_SUM, dtype=cv2.CV_32F).ravel()
        return float(np.sum(np.diff(p) ** 2))

    best = max(np.arange(-limit, limit + 0.01, 1.0), key=score)
    best = max(np.arange(best - 0.8, best + 0.81, 0.2), key=score)
    best = round(float(best), 1)
    if abs(best) < 0.3:
        best = 0.0
    return best


def _upside_down(m: np.ndarray, glyph: float) -> bool:
    """Whether the (horizontal, deskewed) text is upside down.

    In Latin text, ascenders and capitals stick out above the x-height band more than
    descenders hang below it; each text line votes with its ink above and below its core.
    """
    if glyph < 3:
        return False
    k = max(3, round(glyph * 1.2))
    lines = cv2.morphologyEx(m, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, 1)))
    _, _, lstats, _ = cv2.connectedComponentsWithStats(lines, connectivity=8)
    up = down = 0.0
    for x, y, w, h, _a in lstats[1:]:
        if w < 4 * h or h < 0.6 * glyph or h > 3 * glyph:
            continue
        prof = np.count_nonzero(m[y : y + h, x : x + w], axis=1).astype(np.float32)
        peak = prof.max()
        if peak <= 0:
            continue
        core = np.nonzero(prof >= 0.5 * peak)[0]
        up += float(prof[: core[0]].sum())
        down += float(prof[core[-1] + 1 :].sum())
    return up + down > 0 and down > 1.6 * up


def _rotate_scale_matrix(w: int, h: int, angle: float, scale: float) -> tuple[np.ndarray, int, int]:
    M = cv2.getRotationMatrix2D((w / 2, h / 2), angle, scale)
    cos, sin = abs(M[0, 0]), abs(M[0, 1])
    nw, nh = round(h * sin + w * cos), round(h * cos + w * sin)
    M[0, 2] += nw / 2 - w / 2
    M[1, 2] += nh / 2 - h / 2
    return M, nw, nh


def _rotate_scale(img: np.ndarray, angle: float, scale: float) -> np.ndarray:
    """Rotate by `angle` degrees (counter-clockwise) and scale, in one warp, keeping all of the image."""
    h, w = img.shape[:2]
    M, nw, nh = _rotate_scale_matrix(w, h, angle, scale)
    interp = _interpolation(scale) if scale > 1 else cv2.INTER_LINEAR
    return cv2.warpAffine(img, M, (nw, nh), flags=interp, borderMode=cv2.BORDER_CONSTANT, borderValue=255)


def _interpolation(scale: float) -> int:
    """How to resample a card by `scale`: Lanczos to enlarge (the strokes of small, low-resolution
    print stay sharper than with cubic; on the sample cards shrunk to 0.5-0.7 of their size,
    Tesseract reads noticeably more of them right), area averaging to shrink."""
    return cv2.INTER_LANCZOS4 if scale > 1 else cv2.INTER_AREA


def _as_bgr(img: np.ndarray) -> np.ndarray:
    if img.ndim == 2:
        return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    if img.shape[2] == 4:
        return cv2.cvtColor(img, cv2.COLOR_BGRA2BGR)
    return img
