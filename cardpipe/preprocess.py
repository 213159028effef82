"""Prepare decoded pages for OCR with OpenCV: find the cards, make them upright, flat and legible.

    SourceImage -> find cards -> crop (perspective) -> orient -> deskew
      -> even out the light (and invert light-on-dark) -> scale -> PreparedCard(s)

Card finding, in order:

1. *Flatbed page*: when the border of the page is a near-uniform light
   background, regions that differ from it and have the size and shape of a
   card become one card each (several cards on one scan). The split is only
   accepted when (almost) all the ink on the page lies inside those regions, so
   a scan of one card is never cut into its text blocks.
2. *Photo*: the largest convex quadrilateral found on the edges (Canny +
   dilate, `approxPolyDP`, `minAreaRect` as fallback) or on a light/dark
   segmentation, perspective-corrected to a flat rectangle of card aspect.
3. Otherwise the whole image is the card.

Each card is then analysed on a small binary copy: the direction of text lines
(nearest-neighbour directions between characters) gives 0 vs 90 degrees, the
balance of ascenders and descenders gives 0 vs 180, a projection-profile search
gives the small skew, and the heights of the characters give the scale that
brings the small print to about `TARGET_TEXT_PX` pixels. Rotation, skew and
scale are applied in one warp. The output is grayscale, not binarized:
Tesseract 5 binarizes it itself (see `alternatives` for a binarized variant).
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass

import cv2
import numpy as np

from .models import PreparedCard, SourceImage

log = logging.getLogger(__name__)

TARGET_TEXT_PX = 30.0  # wanted height of the small print (median of the smaller half of characters)
MAX_UPSCALE = 3.0
MIN_SCALE = 0.2
MAX_OUTPUT_SIDE = 3600  # px, long side of a prepared card

CARD_ASPECTS = (85.6 / 53.98, 85.0 / 55.0, 88.9 / 50.8, 91.0 / 55.0)  # ISO/EU, US, JP
CARD_MM = (80.0, 45.0, 100.0, 62.0)  # min long, min short, max long, max short

_DETECT_SIDE = 900  # px: long side of the copy used to find cards
_ANALYSE_SIDE = 1000  # px: long side of the copy used to measure text


@dataclass(frozen=True)
class _Found:
    """A card located on the page: its corners (tl, tr, br, bl) in page pixels."""

    quad: np.ndarray  # float32 (4, 2)
    how: str  # "crop-quad", "crop-region", "whole"


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------


def prepare(src: SourceImage) -> list[PreparedCard]:
    """Every card found on `src`, prepared for OCR, in reading order (rows top to bottom, then left to right)."""
    bgr = _as_bgr(src.image)
    found = find_cards(bgr, dpi=src.dpi)
    cards = []
    for i, f in enumerate(found):
        color = _warp_quad(bgr, f.quad) if f.how != "whole" else bgr
        steps: list[str] = [] if f.how == "whole" else [f.how]
        gray, color, more = _prepare_crop(color)
        cards.append(
            PreparedCard(
                source=src.path, index=i, image=gray, page=src.page, steps=tuple(steps + more), color=color
            )
        )
    return cards


def prepare_pages(images: Iterable[SourceImage]) -> list[PreparedCard]:
    """`prepare` every page of a file, numbering the cards across pages (index 0, 1, 2... in the file)."""
    out: list[PreparedCard] = []
    for src in images:
        for card in prepare(src):
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
    return dataclasses.replace(
        card, image=cv2.rotate(card.image, code), color=color, steps=(*card.steps, f"rotate:{d}")
    )


def alternatives(card: PreparedCard) -> list[PreparedCard]:
    """Differently prepared variants of `card` for a second OCR pass when the first read is weak.

    1. binarized with a local (adaptive) threshold: helps with low contrast and leftover shading;
    2. the same image at 2/3 of the size (text that was scaled up too far, or large type).
    """
    img = card.image
    h = max(15, _odd(min(img.shape[:2]) // 12))
    binar = cv2.adaptiveThreshold(img, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, h, 15)
    small = cv2.resize(img, None, fx=2 / 3, fy=2 / 3, interpolation=cv2.INTER_AREA)
    return [
        dataclasses.replace(card, image=binar, steps=(*card.steps, "adaptive-threshold")),
        dataclasses.replace(card, image=small, steps=(*card.steps, "scale:0.67")),
    ]


# --------------------------------------------------------------------------
# Finding cards
# --------------------------------------------------------------------------


def find_cards(bgr: np.ndarray, dpi: float | None = None) -> list[_Found]:
    """Where the cards are on a page, in reading order; the whole image when nothing card-like is found."""
    h, w = bgr.shape[:2]
    f = max(h, w) / _DETECT_SIDE if max(h, w) > _DETECT_SIDE else 1.0
    small = cv2.resize(bgr, (round(w / f), round(h / f)), interpolation=cv2.INTER_AREA) if f > 1 else bgr
    px_per_mm = _px_per_mm(dpi, (h, w)) / f if dpi else None
    quads = _flatbed_regions(small, px_per_mm)
    if quads:
        how = "crop-region"
    else:
        q = _photo_quad(small, px_per_mm)
        quads = [q] if q is not None else []
        how = "crop-quad"
    if not quads:
        whole = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
        return [_Found(whole, "whole")]
    return [_Found((q * f).astype(np.float32), how) for q in _reading_order(quads)]


def _px_per_mm(dpi: float, shape: tuple[int, int]) -> float:
    ppm = dpi / 25.4
    # Phone photos often claim 72 dpi; only trust DPI when it gives a page-sized image.
    long_mm = max(shape) / ppm
    return ppm if dpi >= 100 and long_mm <= 450 else 0.0


def _border_ring(a: np.ndarray, frac: float = 0.02) -> np.ndarray:
    h, w = a.shape[:2]
    b = max(2, round(min(h, w) * frac))
    return np.concatenate([a[:b].reshape(-1), a[-b:].reshape(-1), a[:, :b].reshape(-1), a[:, -b:].reshape(-1)])


def _flatbed_regions(small: np.ndarray, px_per_mm: float | None) -> list[np.ndarray]:
    """Card-sized regions on a light, uniform background (a flatbed scan), or [] when it is not one."""
    gray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    ring = _border_ring(gray)
    bg = float(np.median(ring))
    dev = np.abs(ring.astype(np.int16) - bg)
    if bg < 160 or np.mean(dev < 20) < 0.9:
        return []  # not a light, uniform page background
    noise = float(np.median(dev)) * 1.4826
    thr = max(2.0, 4 * noise + 1.5)
    blur = cv2.GaussianBlur(small, (5, 5), 0)
    bgc = _ring_color(blur)
    dist = np.abs(blur.astype(np.int16) - bgc.astype(np.int16)).max(axis=2)
    fg = (dist > thr).astype(np.uint8) * 255
    h, w = gray.shape
    k = max(3, round(min(h, w) / 60))
    fg = cv2.morphologyEx(fg, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    fg = cv2.morphologyEx(fg, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
    contours, _ = cv2.findContours(fg, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    image_area = float(h * w)
    quads, mask = [], np.zeros_like(fg)
    for c in contours:
        area = cv2.contourArea(c)
        if area < 0.015 * image_area or area > 0.8 * image_area:
            continue  # specks, or the whole scan (one card: no split)
        rect = cv2.minAreaRect(c)
        (rw, rh) = rect[1]
        if rw < 2 or rh < 2:
            continue
        long_, short = max(rw, rh), min(rw, rh)
        if area / (rw * rh) < 0.85 or not 1.3 <= long_ / short <= 2.1:
            continue
        if px_per_mm and not _card_sized(long_ / px_per_mm, short / px_per_mm):
            continue
        quads.append(_quad_of(c, rect))
        cv2.drawContours(mask, [c], -1, 255, cv2.FILLED)
    if not quads or _ink_outside(gray, bg, mask) > 0.05:
        return []  # no cards, or the regions are a card's own blocks (the ink is outside them)
    return quads


def _ring_color(bgr: np.ndarray) -> np.ndarray:
    h, w = bgr.shape[:2]
    b = max(2, round(min(h, w) * 0.02))
    ring = np.concatenate([bgr[:b].reshape(-1, 3), bgr[-b:].reshape(-1, 3), bgr[:, :b].reshape(-1, 3),
                           bgr[:, -b:].reshape(-1, 3)])
    return np.median(ring, axis=0)


def _ink_outside(gray: np.ndarray, bg: float, inside: np.ndarray) -> float:
    """The share of dark (text-like) pixels that lie outside the `inside` mask."""
    ink = gray < min(bg - 60, 160)
    total = int(np.count_nonzero(ink))
    if not total:
        return 0.0
    return int(np.count_nonzero(ink & (inside == 0))) / total


def _card_sized(long_mm: float, short_mm: float) -> bool:
    lo_l, lo_s, hi_l, hi_s = CARD_MM
    return lo_l <= long_mm <= hi_l and lo_s <= short_mm <= hi_s


def _quad_of(contour: np.ndarray, rect: tuple) -> np.ndarray:
    """The 4 corners of a contour: its polygon if it is a clean quadrilateral, else its minAreaRect."""
    hull = cv2.convexHull(contour)
    peri = cv2.arcLength(hull, True)
    approx = cv2.approxPolyDP(hull, 0.02 * peri, True)
    if len(approx) == 4 and cv2.isContourConvex(approx):
        return _order(approx.reshape(4, 2).astype(np.float32))
    return _order(cv2.boxPoints(rect).astype(np.float32))


def _photo_quad(small: np.ndarray, px_per_mm: float | None) -> np.ndarray | None:
    """The card's corners in a photo (card on a desk), or None when no card-like quadrilateral stands out."""
    gray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    h, w = gray.shape
    image_area = float(h * w)
    blur = cv2.GaussianBlur(small, (5, 5), 0)
    lab = cv2.cvtColor(blur, cv2.COLOR_BGR2Lab)
    # Edges in lightness and in colour: a maroon card on a brown desk differs mostly in colour.
    edges = cv2.Canny(lab[:, :, 0], 20, 60)
    for ch in (1, 2):
        edges |= cv2.Canny(cv2.normalize(lab[:, :, ch], None, 0, 255, cv2.NORM_MINMAX), 25, 75)
    support = cv2.dilate(edges, cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5)))
    closed = cv2.dilate(edges, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)), iterations=2)
    contours, _ = cv2.findContours(closed, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    cands = _quad_candidates(contours, image_area)

    l_blur = lab[:, :, 0]
    _, otsu = cv2.threshold(l_blur, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    for m in (otsu, 255 - otsu):
        m = cv2.morphologyEx(m, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5)))
        m = cv2.morphologyEx(m, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (15, 15)))
        contours, _ = cv2.findContours(m, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        cands += _quad_candidates(contours, image_area)

    scan_like = _scan_background(gray)
    best, best_score = None, 0.0
    for area, q in cands:
        if area > 0.92 * image_area or _hugs_border(q, w, h):
            continue  # the image is already the card (or a part of it)
        if px_per_mm:
            long_, short = _quad_sides(q)
            if not _card_sized(long_ / px_per_mm, short / px_per_mm):
                continue
        sup = _edge_support(support, q)
        if sup < 0.6:
            continue
        if scan_like is not None:
            inside = np.zeros_like(gray)
            cv2.fillConvexPoly(inside, q.astype(np.int32), 255)
            if _ink_outside(gray, scan_like, inside) > 0.1:
                continue
        score = area * sup
        if score > best_score:
            best, best_score = q, score
    return best


def _scan_background(gray: np.ndarray) -> float | None:
    """The background level when the image border is light and uniform (a scan), else None."""
    ring = _border_ring(gray)
    bg = float(np.median(ring))
    if bg >= 160 and np.mean(np.abs(ring.astype(np.int16) - bg) < 20) >= 0.9:
        return bg
    return None


def _hugs_border(q: np.ndarray, w: int, h: int) -> bool:
    """Whether a side of the quadrilateral runs along the image border (a part of a card, not a card)."""
    m = 0.015 * max(w, h)
    for a, b in ((q[0], q[1]), (q[1], q[2]), (q[2], q[3]), (q[3], q[0])):
        for axis, lim in ((0, 0), (0, w), (1, 0), (1, h)):
            if abs(a[axis] - lim) < m and abs(b[axis] - lim) < m:
                return True
    return False


def _edge_support(edges: np.ndarray, q: np.ndarray) -> float:
    """The share of the quadrilateral's outline that lies on detected edges."""
    pts = []
    for i in range(4):
        a, b = q[i], q[(i + 1) % 4]
        n = max(2, int(np.linalg.norm(b - a) / 3))
        t = np.linspace(0, 1, n, endpoint=False)[:, None]
        pts.append(a + (b - a) * t)
    p = np.concatenate(pts).round().astype(int)
    h, w = edges.shape
    ok = (p[:, 0] >= 0) & (p[:, 0] < w) & (p[:, 1] >= 0) & (p[:, 1] < h)
    if not ok.any():
        return 0.0
    p = p[ok]
    return float(np.count_nonzero(edges[p[:, 1], p[:, 0]])) / len(p)


def _quad_candidates(contours: Iterable[np.ndarray], image_area: float) -> list[tuple[float, np.ndarray]]:
    out = []
    for c in contours:
        if cv2.contourArea(c) < 0.08 * image_area:
            continue
        hull = cv2.convexHull(c)
        hull_area = cv2.contourArea(hull)
        peri = cv2.arcLength(hull, True)
        approx = cv2.approxPolyDP(hull, 0.02 * peri, True)
        if len(approx) == 4 and cv2.isContourConvex(approx):
            q = _order(approx.reshape(4, 2).astype(np.float32))
        else:
            rect = cv2.minAreaRect(hull)
            if hull_area < 0.9 * rect[1][0] * rect[1][1]:
                continue
            q = _order(cv2.boxPoints(rect).astype(np.float32))
        long_, short = _quad_sides(q)
        if short < 1 or not 1.2 <= long_ / short <= 2.3 or not _angles_ok(q):
            continue
        out.append((cv2.contourArea(q), q))
    return out


def _angles_ok(q: np.ndarray, tol: float = 35.0) -> bool:
    for i in range(4):
        a, b, c = q[i - 1], q[i], q[(i + 1) % 4]
        v1, v2 = a - b, c - b
        cos = float(np.dot(v1, v2) / (np.linalg.norm(v1) * np.linalg.norm(v2) + 1e-9))
        if abs(math.degrees(math.acos(max(-1.0, min(1.0, cos)))) - 90) > tol:
            return False
    return True


def _quad_sides(q: np.ndarray) -> tuple[float, float]:
    tl, tr, br, bl = q
    wdt = (np.linalg.norm(tr - tl) + np.linalg.norm(br - bl)) / 2
    hgt = (np.linalg.norm(bl - tl) + np.linalg.norm(br - tr)) / 2
    return float(max(wdt, hgt)), float(min(wdt, hgt))


def _order(pts: np.ndarray) -> np.ndarray:
    """Corners as top-left, top-right, bottom-right, bottom-left."""
    s = pts.sum(axis=1)
    d = pts[:, 1] - pts[:, 0]
    return np.float32([pts[np.argmin(s)], pts[np.argmin(d)], pts[np.argmax(s)], pts[np.argmax(d)]])


def _reading_order(quads: list[np.ndarray]) -> list[np.ndarray]:
    """Rows from top to bottom (cards whose vertical centres fall within a row's span), then left to right."""
    boxes = [(q[:, 0].min(), q[:, 1].min(), q[:, 0].max(), q[:, 1].max(), q) for q in quads]
    boxes.sort(key=lambda b: b[1])
    rows: list[list[tuple]] = []
    for b in boxes:
        cy = (b[1] + b[3]) / 2
        if rows and rows[-1][0][1] <= cy <= rows[-1][0][3]:
            rows[-1].append(b)
        else:
            rows.append([b])
    return [b[4] for row in rows for b in sorted(row, key=lambda b: b[0])]


def _warp_quad(bgr: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """The quadrilateral, perspective-corrected to a flat rectangle of card aspect, slightly inset."""
    long_, short = _quad_sides(quad)
    tl, tr, _, bl = quad
    wide = np.linalg.norm(tr - tl) >= np.linalg.norm(bl - tl)
    aspect = long_ / max(short, 1.0)
    snap = min(CARD_ASPECTS, key=lambda a: abs(a - aspect))
    if abs(snap - aspect) / snap < 0.12:  # perspective skews the measured aspect: trust the card's
        aspect = snap
    long_ = max(long_, short * aspect)
    short = long_ / aspect
    W, H = (round(long_), round(short)) if wide else (round(short), round(long_))
    inset = 0.012 * min(W, H)
    dst = np.float32([[-inset, -inset], [W + inset, -inset], [W + inset, H + inset], [-inset, H + inset]])
    M = cv2.getPerspectiveTransform(quad.astype(np.float32), dst)
    return cv2.warpPerspective(bgr, M, (W, H), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


# --------------------------------------------------------------------------
# Preparing one card
# --------------------------------------------------------------------------


def _prepare_crop(color: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Gray, upright, flat, scaled: (gray for OCR, colour with the same geometry, steps)."""
    steps: list[str] = []
    gray = cv2.cvtColor(color, cv2.COLOR_BGR2GRAY)
    gray, lsteps = _even_light(gray)
    steps += lsteps
    text = _text_mask(gray)
    quarter, skew, size = _measure(text)
    scale_a = text.shape[1] / gray.shape[1]  # analysis px per card px
    if quarter:
        gray = np.ascontiguousarray(np.rot90(gray, -quarter // 90))
        color = np.ascontiguousarray(np.rot90(color, -quarter // 90))
        steps.append(f"rotate:{quarter}")
    scale = 1.0
    if size:
        scale = TARGET_TEXT_PX / (size / scale_a)
    scale = min(MAX_UPSCALE, max(MIN_SCALE, scale))
    h, w = gray.shape
    scale = min(scale, MAX_OUTPUT_SIDE / max(h, w))
    if abs(skew) >= 0.3:
        steps.append(f"deskew:{skew:.1f}")
    else:
        skew = 0.0
    if abs(scale - 1) >= 0.05:
        steps.append(f"scale:{scale:.2f}")
    else:
        scale = 1.0
    if skew or scale != 1.0:
        gray = _rotate_scale(gray, skew, scale, 255)
        color = _rotate_scale(color, skew, scale, (255, 255, 255))
    return gray, color, steps


def _even_light(gray: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Dark text on an even white background: divide by the estimated background, invert light-on-dark."""
    steps = []
    h, w = gray.shape
    f = max(1.0, max(h, w) / 400)
    small = cv2.resize(gray, (max(1, round(w / f)), max(1, round(h / f))), interpolation=cv2.INTER_AREA)
    k = _odd(max(small.shape) // 12)
    med = cv2.medianBlur(small, k)
    diff = small.astype(np.int16) - med.astype(np.int16)
    bright, dark = int((diff > 40).sum()), int((diff < -40).sum())
    if bright > 1.3 * dark and bright > 0.002 * small.size:
        gray = 255 - gray
        small = 255 - small
        steps.append("invert")
    kern = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
    bg = cv2.morphologyEx(small, cv2.MORPH_CLOSE, kern)
    bg = cv2.GaussianBlur(bg, (k, k), 0)
    bg_full = cv2.resize(bg, (w, h), interpolation=cv2.INTER_LINEAR)
    spread = float(np.percentile(bg, 95)) - float(np.percentile(bg, 5))
    if spread > 12 or float(np.median(bg)) < 200:
        gray = cv2.divide(gray, np.maximum(bg_full, 1), scale=255)
        steps.append("flatten-light")
    lo = float(np.percentile(gray[::4, ::4], 1))
    if lo > 10:
        gray = cv2.convertScaleAbs(gray, alpha=255 / (255 - lo), beta=-lo * 255 / (255 - lo))
        steps.append("stretch")
    return gray, steps


def _text_mask(gray: np.ndarray) -> np.ndarray:
    """A binary copy (text = 255) at analysis size."""
    h, w = gray.shape
    f = max(1.0, max(h, w) / _ANALYSE_SIDE)
    small = cv2.resize(gray, (round(w / f), round(h / f)), interpolation=cv2.INTER_AREA) if f > 1 else gray
    _, m = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    return m


def _measure(mask: np.ndarray) -> tuple[int, float, float | None]:
    """(quarter turn clockwise to apply: 0/90/180/270, skew in degrees, small-print height in mask px)."""
    n, _, stats, cents = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if n < 4:
        return 0, 0.0, None
    H, W = mask.shape
    ws, hs, areas = stats[1:, 2], stats[1:, 3], stats[1:, 4]
    keep = (
        (hs >= 3)
        & (ws >= 2)
        & (hs < H * 0.3)
        & (ws < W * 0.3)
        & (areas >= 6)
        & (areas < 0.9 * ws * hs + 1)  # not solid blocks
    )
    idx = np.nonzero(keep)[0]
    if len(idx) < 5:
        return 0, 0.0, None
    ws, hs, c = ws[idx].astype(np.float32), hs[idx].astype(np.float32), cents[1:][idx].astype(np.float32)
    size = np.maximum(ws, hs)
    vertical = _text_is_vertical(c, size)
    quarter = 90 if vertical else 0
    m = np.ascontiguousarray(np.rot90(mask, -1)) if vertical else mask
    skew = _skew(m)
    if _upside_down(m, skew):
        quarter = (quarter + 180) % 360
    glyph_h = ws if vertical else hs
    small_print = float(np.percentile(glyph_h, 35))
    return quarter, skew, small_print


def _text_is_vertical(c: np.ndarray, size: np.ndarray) -> bool:
    """Whether text lines run up/down: the nearest similar-sized neighbour of a character is above or below."""
    if len(c) > 1500:
        sel = np.random.default_rng(0).choice(len(c), 1500, replace=False)
        c, size = c[sel], size[sel]
    d = c[:, None, :] - c[None, :, :]
    dist = np.hypot(d[..., 0], d[..., 1])
    ratio = size[:, None] / size[None, :]
    dist[(ratio > 2) | (ratio < 0.5)] = np.inf
    np.fill_diagonal(dist, np.inf)
    nn = np.argmin(dist, axis=1)
    ok = np.isfinite(dist[np.arange(len(c)), nn]) & (dist[np.arange(len(c)), nn] < 2.5 * size)
    v = d[np.arange(len(c)), nn][ok]
    if len(v) < 5:
        return False
    horiz = int((np.abs(v[:, 0]) > 1.7 * np.abs(v[:, 1])).sum())
    vert = int((np.abs(v[:, 1]) > 1.7 * np.abs(v[:, 0])).sum())
    return vert > 1.5 * horiz and vert >= 5


def _skew(mask: np.ndarray, limit: float = 8.0) -> float:
    """The small rotation (degrees, counter-clockwise as in OpenCV) that makes text rows sharpest in the row profile."""
    h, w = mask.shape
    f = max(1.0, max(h, w) / 600)
    m = cv2.resize(mask, (round(w / f), round(h / f)), interpolation=cv2.INTER_AREA) if f > 1 else mask
    m = m.astype(np.float32)
    hh, ww = m.shape
    centre = (ww / 2, hh / 2)

    def score(a: float) -> float:
        M = cv2.getRotationMatrix2D(centre, a, 1.0)
        r = cv2.warpAffine(m, M, (ww, hh), flags=cv2.INTER_NEAREST, borderValue=0)
        p = r.sum(axis=1)
        return float(np.sum(np.diff(p) ** 2))

    best = max(np.arange(-limit, limit + 0.01, 1.0), key=score)
    best = max(np.arange(best - 1.0, best + 1.01, 0.2), key=score)
    return float(best) if abs(best) > 0.05 else 0.0


def _upside_down(mask: np.ndarray, skew: float) -> bool:
    """Whether the text is upside down: in Latin text, ascenders and capitals outweigh descenders."""
    m = mask
    if abs(skew) >= 0.3:
        h, w = m.shape
        M = cv2.getRotationMatrix2D((w / 2, h / 2), skew, 1.0)
        m = cv2.warpAffine(m, M, (w, h), flags=cv2.INTER_NEAREST, borderValue=0)
    n, lab, stats, _ = cv2.connectedComponentsWithStats(m, connectivity=8)
    hs = stats[1:, 3]
    good = hs[(hs >= 4) & (hs < m.shape[0] * 0.2)]
    if len(good) < 10:
        return False
    ch = float(np.median(good))
    k = max(3, round(ch * 1.2))
    lines = cv2.morphologyEx(m, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, 1)))
    nl, _, lstats, _ = cv2.connectedComponentsWithStats(lines, connectivity=8)
    up = down = 0.0
    for x, y, w, h, _a in lstats[1:]:
        if w < 4 * h or h < 0.6 * ch or h > 3 * ch:
            continue
        prof = (m[y : y + h, x : x + w] > 0).sum(axis=1).astype(np.float32)
        if prof.max() <= 0:
            continue
        core = np.nonzero(prof >= 0.5 * prof.max())[0]
        top, bot = core[0], core[-1]
        up += float(prof[:top].sum())
        down += float(prof[bot + 1 :].sum())
    total = up + down
    return total > 0 and down > 1.6 * up


def _rotate_scale(img: np.ndarray, angle: float, scale: float, fill: int | tuple[int, int, int]) -> np.ndarray:
    """Rotate by `angle` degrees (counter-clockwise) and scale, in one warp, keeping all of the image."""
    h, w = img.shape[:2]
    M = cv2.getRotationMatrix2D((w / 2, h / 2), angle, scale)
    cos, sin = abs(M[0, 0]), abs(M[0, 1])
    nw, nh = round(h * sin + w * cos), round(h * cos + w * sin)
    M[0, 2] += nw / 2 - w / 2
    M[1, 2] += nh / 2 - h / 2
    interp = cv2.INTER_AREA if scale < 1 and not angle else cv2.INTER_CUBIC if scale > 1 else cv2.INTER_LINEAR
    border = fill if isinstance(fill, tuple) else (fill,) * 3
    return cv2.warpAffine(img, M, (nw, nh), flags=interp, borderMode=cv2.BORDER_CONSTANT, borderValue=border)


def _as_bgr(img: np.ndarray) -> np.ndarray:
    if img.ndim == 2:
        return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    if img.shape[2] == 4:
        return cv2.cvtColor(img, cv2.COLOR_BGRA2BGR)
    return img


def _odd(n: int) -> int:
    n = max(3, int(n))
    return n if n % 2 else n + 1
