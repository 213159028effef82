"""Finding the card: its outline in a photo (edges, colour against the background), several cards on a flatbed page, the crop warped flat."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import cv2
import numpy as np

CARD_ASPECTS = (85.6 / 53.98, 85.0 / 55.0, 88.9 / 50.8, 91.0 / 55.0)  # ISO/EU, US, JP


CARD_MM = (80.0, 45.0, 100.0, 62.0)  # min long, min short, max long, max short


_DETECT_SIDE = 900  # px: long side of the copy used to find cards


@dataclass(frozen=True)
class _Found:
    """A card located on the page: its corners (tl, tr, br, bl) in page pixels."""

    quad: np.ndarray  # float32 (4, 2)
    how: str  # "crop-quad", "crop-region", "crop-text" (a cluster of text lines), "whole" (a one-card
    # scan), "whole-photo" (no card outline found)


# --------------------------------------------------------------------------
# Finding cards
# --------------------------------------------------------------------------


def _find_cards(bgr: np.ndarray, dpi: float | None = None) -> list[_Found]:
    """Where the cards are on a page, in reading order; the whole image when nothing card-like is found."""
    h, w = bgr.shape[:2]
    f = max(h, w) / _DETECT_SIDE if max(h, w) > _DETECT_SIDE else 1.0
    px_per_mm = _px_per_mm(dpi, (h, w)) / f if dpi else None
    if px_per_mm and _card_sized(*sorted((w / f / px_per_mm, h / f / px_per_mm), reverse=True), slack=1.25):
        return [_Found(np.float32([[0, 0], [w, 0], [w, h], [0, h]]), "whole")]  # a scan of one card
    # the small copy only when there is something to look for (a few ms for a photo)
    small = cv2.resize(bgr, (round(w / f), round(h / f)), interpolation=cv2.INTER_AREA) if f > 1 else bgr
    quads = _flatbed_regions(bgr, small, px_per_mm)
    if quads:
        how = "crop-region"
    else:
        q = _photo_quad(small, px_per_mm)
        quads = [q] if q is not None else []
        how = "crop-quad"
    if not quads:  # no card outline found (a card on a background of its own colour): all of it
        whole = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
        return [_Found(whole, "whole-photo")]
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


def _flatbed_regions(page: np.ndarray, small: np.ndarray, px_per_mm: float | None) -> list[np.ndarray]:
    """Card-sized regions on a light, uniform background (a flatbed scan), or [] when it is not one."""
    gray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    ring = _border_ring(gray)
    bg = float(np.median(ring))
    dev = np.abs(ring.astype(np.int16) - bg)
    if bg < 160 or np.mean(dev < 20) < 0.9:
        return []  # not a light, uniform page background
    # What differs from the page, found at full resolution: a white card on a white lid often shows
    # only as a one-pixel rim a level or two darker, which averaging would wash out.
    full_ring = _ring_pixels(page)
    bgc = np.median(full_ring, axis=0)
    noise = float(np.median(np.abs(full_ring.astype(np.int16) - bgc.astype(np.int16)))) * 1.4826
    src = page if noise < 0.5 else cv2.GaussianBlur(page, (5, 5), 0)
    thr = max(1.5, 4 * noise + 1.5)
    b, g, r = cv2.split(cv2.absdiff(src, np.full_like(src, bgc.astype(np.uint8))))
    dist = cv2.max(cv2.max(b, g), r)
    fg_full = (dist > thr).astype(np.uint8) * 255
    fg = (cv2.resize(fg_full, gray.shape[::-1], interpolation=cv2.INTER_AREA) > 0).astype(np.uint8) * 255
    fg = cv2.morphologyEx(fg, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (2, 2)))
    # Close gaps in rims and between text blocks; small kernels first, so that cards laid a few mm
    # apart stay apart; a larger one when a rim is too broken for that.
    h, w = gray.shape
    unit = px_per_mm or min(h, w) / 180  # ~1 mm on an A4 page when the DPI is unknown
    for mm in (1.2, 2.5, 4.0):
        quads = _regions_of(fg, max(3, round(mm * unit)), px_per_mm)
        if quads is None:
            continue
        mask = np.zeros_like(fg)
        for q in quads:
            cv2.fillConvexPoly(mask, q.astype(np.int32), 255)
        if _ink_outside(gray, bg, cv2.dilate(mask, np.ones((5, 5), np.uint8))) <= 0.05:
            return quads
    return []  # no cards, or the regions are a card's own blocks (the ink is outside them)


def _regions_of(fg: np.ndarray, k: int, px_per_mm: float | None) -> list[np.ndarray] | None:
    """Card-shaped regions of a foreground mask closed with a k x k kernel, or None."""
    h, w = fg.shape
    fg = cv2.morphologyEx(fg, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    # Fill the convex hull of every piece: a card rim with gaps, or a shadow on two sides, becomes the card.
    image_area = float(h * w)
    contours, _ = cv2.findContours(fg, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    hulls = np.zeros_like(fg)
    for c in contours:
        if cv2.contourArea(c) >= 0.0002 * image_area or cv2.arcLength(c, True) > 0.05 * (h + w):
            cv2.fillConvexPoly(hulls, cv2.convexHull(c), 255)
    contours, _ = cv2.findContours(hulls, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    quads = []
    for c in contours:
        c = cv2.convexHull(c)
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
        quads.append(_order(cv2.boxPoints(rect).astype(np.float32)))  # no perspective on a flatbed
    return quads or None


def _ring_pixels(bgr: np.ndarray, frac: float = 0.02) -> np.ndarray:
    """The BGR pixels of a thin ring along the image border, as an (n, 3) array (subsampled)."""
    h, w = bgr.shape[:2]
    b = max(2, round(min(h, w) * frac))
    parts = (bgr[:b:2, ::2], bgr[-b::2, ::2], bgr[::2, :b:2], bgr[::2, -b::2])
    return np.concatenate([p.reshape(-1, 3) for p in parts])


def _ink_outside(gray: np.ndarray, bg: float, inside: np.ndarray) -> float:
    """The share of dark (text-like) pixels that lie outside the `inside` mask."""
    ink = gray < min(bg - 60, 160)
    total = int(np.count_nonzero(ink))
    if not total:
        return 0.0
    return int(np.count_nonzero(ink & (inside == 0))) / total


def _card_sized(long_mm: float, short_mm: float, slack: float = 1.0) -> bool:
    lo_l, lo_s, hi_l, hi_s = CARD_MM
    return lo_l / slack <= long_mm <= hi_l * slack and lo_s / slack <= short_mm <= hi_s * slack


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

    # Colour: what does not look like the desk seen along the image border (wood grain, a dark
    # card on a dark desk, a card with a coloured band that splits its outline in two).
    for m in _not_background(lab):
        contours, _ = cv2.findContours(m, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        cands += _quad_candidates(contours, image_area)

    # Print: pixels far from their neighbourhood's median. A card holds (nearly) all of it; a
    # logo block or a band of the card does not.
    ink = cv2.absdiff(gray, cv2.medianBlur(gray, _odd(max(h, w) // 40))) > 45
    ink_total = max(1, int(np.count_nonzero(ink)))
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
        inside = np.zeros_like(gray)
        cv2.fillConvexPoly(inside, q.astype(np.int32), 255)
        if np.count_nonzero(ink & (inside > 0)) < 0.75 * ink_total:
            continue
        score = area * sup
        if score > best_score:
            best, best_score = q, score
    if best is not None:
        for _ in range(2):
            best = _refine_quad(edges, best, d=max(3, round(0.012 * (w + h))))
    return best


def _refine_quad(edges: np.ndarray, q: np.ndarray, d: int) -> np.ndarray:
    """Snap each side of a rough quadrilateral onto the strongest straight edge within `d` px of it.

    Each end of a side may move independently along the outward normal; on a tie the outer line
    wins (a card's outline rather than a bar printed along it). Corners are the intersections.
    """
    h, w = edges.shape
    centre = q.mean(axis=0)

    def hits(base: np.ndarray, n: np.ndarray, s: np.ndarray, oa: np.ndarray, ob: np.ndarray) -> np.ndarray:
        off = oa[:, None, None] * (1 - s) + ob[None, :, None] * s  # (A, B, S)
        pts = base + off[..., None] * n  # (A, B, S, 2)
        xi = np.clip(np.rint(pts[..., 0]).astype(np.int32), 0, w - 1)
        yi = np.clip(np.rint(pts[..., 1]).astype(np.int32), 0, h - 1)
        return np.count_nonzero(edges[yi, xi], axis=-1) + 0.01 * (oa[:, None] + ob[None, :])  # ties: outward

    lines = []
    for i in range(4):
        a, b = q[i].astype(np.float32), q[(i + 1) % 4].astype(np.float32)
        length = float(np.linalg.norm(b - a))
        if length < 10:
            return q
        t = (b - a) / length
        n = np.float32([-t[1], t[0]])
        if np.dot(n, (a + b) / 2 - centre) < 0:
            n = -n
        s = np.linspace(0.1, 0.9, max(10, int(length * 0.4)), dtype=np.float32)
        base = a + s[:, None] * (b - a)  # (S, 2)
        coarse = np.arange(-d, d + 1, 3, dtype=np.float32)  # coarse to fine: every 3 px, then +-2 px
        hc = hits(base, n, s, coarse, coarse)
        ia, ib = np.unravel_index(int(np.argmax(hc)), hc.shape)
        fa = coarse[ia] + np.arange(-2, 3, dtype=np.float32)
        fb = coarse[ib] + np.arange(-2, 3, dtype=np.float32)
        hf = hits(base, n, s, fa, fb)
        ja, jb = np.unravel_index(int(np.argmax(hf)), hf.shape)
        if hf[ja, jb] < 0.3 * len(s):
            lines.append((a, b))  # no clear edge: keep the side as it was
        else:
            lines.append((a + fa[ja] * n, b + fb[jb] * n))
    out = []
    for i in range(4):
        p = _intersect(lines[i - 1], lines[i])
        if p is None or np.linalg.norm(p - q[i]) > 3 * d:
            return q
        out.append(p)
    return _order(np.float32(out))


def _intersect(l1: tuple[np.ndarray, np.ndarray], l2: tuple[np.ndarray, np.ndarray]) -> np.ndarray | None:
    (p, r), (q2, s2) = (l1[0], l1[1] - l1[0]), (l2[0], l2[1] - l2[0])
    den = float(r[0] * s2[1] - r[1] * s2[0])
    if abs(den) < 1e-6:
        return None
    t = float((q2[0] - p[0]) * s2[1] - (q2[1] - p[1]) * s2[0]) / den
    return p + t * r


def _not_background(lab: np.ndarray) -> list[np.ndarray]:
    """Masks of what does not look like the image border, by histogram back-projection.

    One on chroma (a*, b*) only, which ignores shading across the desk; one on lightness and
    chroma, for a grey card on a grey desk.
    """
    h, w = lab.shape[:2]
    ring = np.zeros((h, w), np.uint8)
    b = max(2, round(min(h, w) * 0.03))
    ring[:b], ring[-b:], ring[:, :b], ring[:, -b:] = 255, 255, 255, 255
    on_ring = ring > 0
    out = []
    for channels, bins in (((1, 2), (64, 64)), ((0, 1, 2), (16, 32, 32))):
        # Bin index of every pixel (numpy: OpenCV's Python binding has no 3-D histograms).
        idx = np.zeros((h, w), np.int32)
        for c, n in zip(channels, bins, strict=True):
            idx = idx * n + (lab[:, :, c].astype(np.int32) * n >> 8)
        hist = np.bincount(idx[on_ring], minlength=int(np.prod(bins))).astype(np.float32).reshape(bins)
        hist = _smooth_hist(_smooth_hist(hist)).ravel()
        hist *= 255.0 / max(float(hist.max()), 1e-6)
        m = (hist[idx] < 8).astype(np.uint8) * 255
        m = cv2.morphologyEx(m, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5)))
        out.append(cv2.morphologyEx(m, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (15, 15))))
    return out


def _smooth_hist(hist: np.ndarray) -> np.ndarray:
    """A [1, 2, 1] blur along every axis of a 2-D or 3-D histogram (colours near the border's count too)."""
    out = hist.astype(np.float32)
    for axis in range(out.ndim):
        p = np.pad(out, [(1, 1) if i == axis else (0, 0) for i in range(out.ndim)])
        lo = np.take(p, range(0, out.shape[axis]), axis=axis)
        mid = np.take(p, range(1, out.shape[axis] + 1), axis=axis)
        hi = np.take(p, range(2, out.shape[axis] + 2), axis=axis)
        out = (lo + 2 * mid + hi) / 4
    return np.ascontiguousarray(out)


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


def _warp_quad(bgr: np.ndarray, quad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The quadrilateral, perspective-corrected to a flat rectangle of card aspect, slightly
    inset; and the 3x3 map of page coordinates to the rectangle's."""
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
    return cv2.warpPerspective(bgr, M, (W, H), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE), M


def rot90_matrix(k: int, w: int, h: int) -> np.ndarray:
    """The 3x3 map of pixel coordinates under `np.rot90(image, k)` of a `w` x `h` image."""
    k %= 4
    m = {
        0: [[1, 0, 0], [0, 1, 0]],
        1: [[0, 1, 0], [-1, 0, w - 1]],  # counter-clockwise
        2: [[-1, 0, w - 1], [0, -1, h - 1]],
        3: [[0, -1, h - 1], [1, 0, 0]],  # clockwise
    }[k]
    return np.array([*m, [0, 0, 1]], dtype=np.float64)


def _odd(n: int) -> int:
    n = max(3, int(n))
    return n if n % 2 else n + 1
