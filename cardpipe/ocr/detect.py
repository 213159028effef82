"""Text lines found by a neural text detector, cut out flat for Tesseract.

Tesseract's own page segmentation looks for text where the page is mostly paper: on a
card photographed on wood, over a picture or a logo, it finds little or reads the
background as text. A DB (Differentiable Binarization) detector finds text lines on any
background. We run the detection model of PP-OCR v4 (`models/ppocr-v4-det.onnx`,
Apache-2.0, see `models/NOTICE`) through OpenCV's dnn module, so it needs no other
runtime, and read each line it finds with Tesseract (`--psm 7`, one line).

    prepared card -> probability map (one forward pass, input bounded to
      `MAX_SIDE` px) -> line boxes (threshold, contours, rotated rectangles,
      unclip) -> each line warped flat, light-on-dark inverted, contrast
      stretched, scaled to `LINE_HEIGHT` -> Tesseract, all lines of a batch in one
      process -> `OcrPage` with the words placed back on the card

The model is loaded once per process and reused (`detector()`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ..models import OcrLine, OcrPage, OcrWord

log = logging.getLogger(__name__)

MODEL = Path(__file__).with_name("models") / "ppocr-v4-det.onnx"
CLS_MODEL = Path(__file__).with_name("models") / "ppocr-mobile-v2-cls.onnx"
# px: the detector's input is at most this on its long side. cv2.dnn keeps its layer
# outputs, so this sets a worker's memory: `bench/throughput.py` --jobs 2 peaks at 852 MB
# with 1280, 726 MB with 1024, 597 MB with 832; the real dev set reads 0.74, 0.74, 0.73.
MAX_SIDE = 1024
MIN_SIDE = 640  # px: ... and small images are brought up to this
STRIP_ROWS = 384  # px at the input scale: a larger input is read in bands of this many rows...
STRIP_OVERLAP = 64  # px: ... with this much of the rows above and below, for context
# px: ... and, on an input wider than a card scanned at 300 dpi (704 px at the input scale),
# in bands of fewer rows, at most this many pixels with their context. cv2.dnn keeps the
# buffers of the largest input it has seen, about 0.23 KB per pixel: 84 MB for a band of
# 512 x 704, 125 MB for 512 x 1024 (a card cut out of a 12-megapixel photo), for the rest
# of the worker's life.
STRIP_PIXELS = (STRIP_ROWS + 2 * STRIP_OVERLAP) * 704
# A prepared card has its small print at an x-height of about 24 px (preprocess.TARGET_TEXT_PX);
# the detector finds lines as well at half that, for a quarter of the work.
SCALE = 0.5
THRESH = 0.3  # probability that a pixel is text
BOX_THRESH = 0.55  # mean probability inside a box to keep it
UNCLIP = 1.6  # how far a shrunk text kernel is grown back (PP-OCR's default)
LINE_HEIGHT = 40  # px: height a line crop is scaled to for Tesseract (48 and 56 read no better)
SECOND_LOOK_HEIGHT = 56  # px: ... and an e-mail or web line read a second time
BUSY_GROUND = 30.0  # grey levels: the spread of a line's ground above which it is binarised
MIN_BOX_PX = 6  # px on the card: boxes shorter than this are noise


@dataclass(frozen=True, eq=False)
class TextBox:
    """One line of text: its corners tl, tr, br, bl on the image, and the detector's score."""

    quad: np.ndarray  # float32 (4, 2)
    score: float

    @property
    def width(self) -> float:
        return float(np.linalg.norm(self.quad[1] - self.quad[0]))

    @property
    def height(self) -> float:
        return float(np.linalg.norm(self.quad[3] - self.quad[0]))

    @property
    def top(self) -> float:
        return float(self.quad[:, 1].min())

    @property
    def left(self) -> float:
        return float(self.quad[:, 0].min())

    def bounds(self) -> tuple[int, int, int, int]:
        """x0, y0, x1, y1 of the box, rounded out."""
        x0, y0 = np.floor(self.quad.min(axis=0)).astype(int)
        x1, y1 = np.ceil(self.quad.max(axis=0)).astype(int)
        return int(x0), int(y0), int(x1), int(y1)


class TextDetector:
    """The DB text detector, loaded once: `detect(image)` -> line boxes in image pixels."""

    def __init__(self, model: Path = MODEL, cls_model: Path = CLS_MODEL) -> None:
        self.net = cv2.dnn.readNetFromONNX(str(model))
        self.cls = cv2.dnn.readNetFromONNX(str(cls_model))

    def upside_down(self, image: np.ndarray, boxes: list[TextBox], most: int = 12) -> bool:
        """Whether the card's lines read upside down: PP-OCR's 0/180 line classifier on the
        widest lines, each vote weighted by its confidence and the line's width."""
        widest = sorted((b for b in boxes if b.width > 2 * b.height), key=lambda b: -b.width)[:most]
        if not widest:
            return False
        crops = []
        for box in widest:
            flat = warp(image, box, 48)
            if flat.ndim == 2:
                flat = cv2.cvtColor(flat, cv2.COLOR_GRAY2BGR)
            w = min(192, max(8, int(round(flat.shape[1] * 48 / flat.shape[0]))))
            canvas = np.zeros((48, 192, 3), np.float32)
            canvas[:, :w] = cv2.resize(flat, (w, 48)).astype(np.float32) / 127.5 - 1.0
            crops.append(canvas.transpose(2, 0, 1))
        self.cls.setInput(np.stack(crops))
        probs = self.cls.forward()
        vote = sum((p[1] - p[0]) * b.width for p, b in zip(probs, widest, strict=True))
        return bool(vote > 0)

    def probability(self, image: np.ndarray, max_side: int = MAX_SIDE) -> tuple[np.ndarray, float]:
        """The text probability map of `image` at the detector's input size, and that size's scale."""
        h, w = image.shape[:2]
        scale = min(max_side / max(h, w), max(SCALE, MIN_SIDE / max(h, w)))
        rh = max(32, int(round(h * scale / 32)) * 32)
        rw = max(32, int(round(w * scale / 32)) * 32)
        bgr = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR) if image.ndim == 2 else image
        small = cv2.resize(bgr, (rw, rh), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
        rows = strip_rows(rw)
        if rh <= rows + 2 * STRIP_OVERLAP:
            return self._forward(small), rw / w
        # a large input in bands of rows, each with its neighbours' edges for context: the
        # network's memory grows with its input (about 180 MB at 1024 x 640 in one go)
        prob = np.empty((rh, rw), np.float32)
        for top in range(0, rh, rows):
            a, b = max(0, top - STRIP_OVERLAP), min(rh, top + rows + STRIP_OVERLAP)
            band = self._forward(small[a:b])
            prob[top : min(rh, top + rows)] = band[top - a : top - a + min(rows, rh - top)]
        return prob, rw / w

    def _forward(self, bgr: np.ndarray) -> np.ndarray:
        blob = cv2.dnn.blobFromImage(bgr, scalefactor=2 / 255.0, mean=(127.5, 127.5, 127.5), swapRB=False)
        self.net.setInput(blob)
        return self.net.forward()[0, 0]

    def detect(self, image: np.ndarray, max_side: int = MAX_SIDE) -> list[TextBox]:
        prob, sx = self.probability(image, max_side)
        sy = prob.shape[0] / image.shape[0]
        boxes = boxes_from_map(prob)
        out = []
        h, w = image.shape[:2]
        for box in boxes:
            quad = box.quad / np.array([sx, sy], dtype=np.float32)
            quad[:, 0] = quad[:, 0].clip(0, w - 1)
            quad[:, 1] = quad[:, 1].clip(0, h - 1)
            tb = TextBox(quad, box.score)
            if min(tb.width, tb.height) >= MIN_BOX_PX:
                out.append(tb)
        return reading_order(out)


def strip_rows(width: int) -> int:
    """The rows of a band (its context not counted) for an input `width` px wide: `STRIP_ROWS`,
    fewer on a wide input so that a band with its context holds at most `STRIP_PIXELS`
    (a multiple of 32, the network's stride; never under 128)."""
    fit = (STRIP_PIXELS // max(width, 1) - 2 * STRIP_OVERLAP) // 32 * 32
    return max(128, min(STRIP_ROWS, fit))


def boxes_from_map(prob: np.ndarray) -> list[TextBox]:
    """Line boxes on a probability map, in the map's pixels (PP-OCR's DB post-processing:
    threshold, dilate, contours, rotated rectangle, score, unclip)."""
    mask = (prob > THRESH).astype(np.uint8)
    mask = cv2.dilate(mask, np.ones((2, 2), np.uint8))
    contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    out = []
    for contour in contours[:1000]:
        rect = cv2.minAreaRect(contour)
        if min(rect[1]) < 3:
            continue
        score = _mean_inside(prob, cv2.boxPoints(rect))
        if score < BOX_THRESH:
            continue
        (cx, cy), (rw, rh), angle = rect
        area, perimeter = rw * rh, 2 * (rw + rh)
        d = area * UNCLIP / perimeter
        grown = ((cx, cy), (rw + 2 * d, rh + 2 * d), angle)
        if min(grown[1]) < 5:
            continue
        out.append(TextBox(order_quad(cv2.boxPoints(grown)), score))
    return out


def _mean_inside(prob: np.ndarray, pts: np.ndarray) -> float:
    h, w = prob.shape
    x0, y0 = np.clip(np.floor(pts.min(axis=0)).astype(int), 0, [w - 1, h - 1])
    x1, y1 = np.clip(np.ceil(pts.max(axis=0)).astype(int), 0, [w - 1, h - 1])
    mask = np.zeros((y1 - y0 + 1, x1 - x0 + 1), np.uint8)
    cv2.fillPoly(mask, [(pts - [x0, y0]).astype(np.int32)], 1)
    return float(cv2.mean(prob[y0 : y1 + 1, x0 : x1 + 1], mask)[0])


def order_quad(pts: np.ndarray) -> np.ndarray:
    """Corners as tl, tr, br, bl, for a box whose long side runs across."""
    pts = np.asarray(pts, dtype=np.float32)
    by_x = pts[np.argsort(pts[:, 0])]
    left, right = by_x[:2], by_x[2:]
    tl, bl = left[np.argsort(left[:, 1])]
    tr, br = right[np.argsort(right[:, 1])]
    return np.array([tl, tr, br, bl], dtype=np.float32)


def reading_order(boxes: list[TextBox]) -> list[TextBox]:
    """Top to bottom; boxes whose middles share a row, left to right."""
    boxes = sorted(boxes, key=lambda b: b.top)
    rows: list[list[TextBox]] = []
    for box in boxes:
        mid = float(box.quad[:, 1].mean())
        if rows:
            last = rows[-1]
            top = min(b.top for b in last)
            bottom = max(float(b.quad[:, 1].max()) for b in last)
            if top <= mid <= bottom:
                last.append(box)
                continue
        rows.append([box])
    return [b for row in rows for b in sorted(row, key=lambda b: b.left)]


@dataclass(frozen=True, eq=False)
class LineImage:
    """A line cut out of the card for Tesseract, and how to map its pixels back."""

    box: TextBox
    image: np.ndarray  # grey, dark text on light, `LINE_HEIGHT` px high plus white padding
    pad: int


def is_vertical(box: TextBox) -> bool:
    """A line printed up or down the card (a box much higher than wide; a short word or
    a single character is about as high as wide, and reads across)."""
    return box.height > 2.5 * box.width


def warp(image: np.ndarray, box: TextBox, height: int) -> np.ndarray:
    """The box cut out of `image` and warped flat to `height` px high (a box higher than
    wide, a line printed up the card, is turned to read across)."""
    w, h = box.width, box.height
    vertical = is_vertical(box)
    dst_w, dst_h = (h, w) if vertical else (w, h)
    ow = max(8, int(round(dst_w * height / max(dst_h, 1.0))))
    quad = box.quad if not vertical else np.roll(box.quad, -1, axis=0)  # start at the corner above the text
    target = np.array([[0, 0], [ow - 1, 0], [ow - 1, height - 1], [0, height - 1]], dtype=np.float32)
    return cv2.warpPerspective(image, cv2.getPerspectiveTransform(quad, target), (ow, height),
                               flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)


def cut_line(card: np.ndarray, box: TextBox, height: int = LINE_HEIGHT, *, binary: bool = False) -> LineImage | None:
    """The box warped flat, scaled to `height`, turned dark on light, its contrast
    stretched (`binary`: Otsu's black and white, for a second look at a hard line)."""
    if box.width < 4 or box.height < 4:
        return None
    text_h, long = (box.width, box.height) if is_vertical(box) else (box.height, box.width)
    if long > 40 * text_h:  # a rule or a border, not a line of text
        return None
    gray = card if card.ndim == 2 else cv2.cvtColor(card, cv2.COLOR_BGR2GRAY)
    flat = normalise(warp(gray, box, height), force_binary=binary)
    pad = height // 4
    flat = cv2.copyMakeBorder(flat, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=255)
    return LineImage(box, flat, pad)


def normalise(gray: np.ndarray, *, force_binary: bool = False) -> np.ndarray:
    """The line with its text dark on a light ground, for Tesseract. Which side is the
    text, Otsu on the line alone says (the ground is what lies along the box's rim).

    On a plain ground the line stays grey, its contrast stretched, for Tesseract to
    binarise; on a busy ground (text over a picture or a pattern: the ground's own grey
    spreads over more than `BUSY_GROUND` levels) Otsu's black and white is given, which
    drops the picture. Of 719 printed values on the real dev cards and small fresh
    samples, Tesseract finds 93.3% so, 92.1% in lines all binarised, 92.4% with the
    busy threshold at 18."""
    _, black_white = cv2.threshold(cv2.GaussianBlur(gray, (3, 3), 0), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    rim = np.concatenate([black_white[0], black_white[-1], black_white[:, 0], black_white[:, -1]])
    if rim.mean() < 127:  # the ground is dark: light text on a dark card
        gray, black_white = 255 - gray, 255 - black_white
    ground = gray[black_white == 255]
    if force_binary or (ground.size and float(ground.std()) > BUSY_GROUND):
        return black_white
    return cv2.normalize(gray, None, 0, 255, cv2.NORM_MINMAX)


def turned(box: TextBox, width: int, height: int, degrees: int = 180) -> TextBox:
    """The same box on the image (`width` x `height`) turned clockwise by 90, 180 or 270 degrees."""
    x, y = box.quad[:, 0], box.quad[:, 1]
    d = degrees % 360
    if d == 90:
        quad = np.stack([height - 1 - y, x], axis=1)
    elif d == 180:
        quad = np.stack([width - 1 - x, height - 1 - y], axis=1)
    elif d == 270:
        quad = np.stack([y, width - 1 - x], axis=1)
    else:
        return box
    return TextBox(order_quad(quad.astype(np.float32)), box.score)


def runs_up(boxes: list[TextBox]) -> bool:
    """Whether most of the card's text (by length) runs up or down the image, not across:
    a card photographed on its side."""
    across = sum(max(b.width, b.height) for b in boxes if b.width > 1.5 * b.height)
    up = sum(max(b.width, b.height) for b in boxes if b.height > 1.5 * b.width)
    return up > across


@dataclass(frozen=True, eq=False)
class LineReading:
    """The detector's lines of one card and what the reader made of each (None: the
    read failed): enough to read some lines again, in another language, and rebuild."""

    lines: list[LineImage]
    pages: list[OcrPage | None]

    def page(self, *, width: int, height: int) -> OcrPage:
        return page_from_lines(self.lines, self.pages, width=width, height=height)


def page_from_lines(lines: list[LineImage], pages: list[OcrPage | None], *, width: int, height: int) -> OcrPage:
    """One OcrPage of the card: each line's words, placed back on the card by the line's box,
    and the pieces of one printed line (the detector cuts a line at a wide gap) joined as
    Tesseract's own layout joins them.

    A word's box is mapped along the line's top edge by its horizontal position; its
    height is the line's. That is exact for a level line, close for a tilted one.
    """
    from . import _merge_same_row

    out: list[OcrLine] = []
    for n, (line, page) in enumerate(zip(lines, pages, strict=True)):
        if page is None:
            continue
        words = [w for ln in page.lines for w in ln.words]
        if not words:
            continue
        x0, y0, x1, y1 = line.box.bounds()
        span = max(1.0, line.image.shape[1] - 2 * line.pad)
        placed = []
        for w in sorted(words, key=lambda w: w.left):
            f0 = min(1.0, max(0.0, (w.left - line.pad) / span))
            f1 = min(1.0, max(0.0, (w.left + w.width - line.pad) / span))
            left = x0 + f0 * (x1 - x0)
            right = x0 + f1 * (x1 - x0)
            placed.append(OcrWord(w.text, w.conf, int(round(left)), y0, max(1, int(round(right - left))),
                                  max(1, y1 - y0)))
        out.append(OcrLine(tuple(placed), block=n + 1, par=1))
    return OcrPage(tuple(_merge_same_row(out)), width=width, height=height, engine="tesseract+det")


_DETECTOR: TextDetector | None = None


def detector() -> TextDetector:
    """The process's detector, loaded on first use."""
    global _DETECTOR
    if _DETECTOR is None:
        _DETECTOR = TextDetector()
    return _DETECTOR
