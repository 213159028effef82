"""What QR decoding costs per card, with and without the presence test.

Prepares every sample card as `cardpipe run` does (decode, find the card, turn it
upright) and times `qr.decode_qr` on the colour card the pipeline hands it: the
sample cards carry no QR code. Then pastes a vCard QR code (several sizes, dark on
light and light on dark, a few degrees of turn) on each card and checks that it is
still decoded:

    .venv/bin/python bench/qr.py
    .venv/bin/python bench/qr.py --limit 10 --repeat 3

Prints figures; asserts nothing (the tests in tests/test_qr.py do).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import cv2
import numpy as np

from cardpipe import decode, preprocess, qr

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_cards"
PAYLOAD = (
    "BEGIN:VCARD\nVERSION:3.0\nN:Doe;Jane;;;\nFN:Jane Doe\nORG:Acme Robotics Inc.\nTITLE:Head of Product\n"
    "TEL;TYPE=WORK:+1 415 555 0134\nEMAIL:jane.doe@acmerobotics.com\nURL:https://www.acmerobotics.com\nEND:VCARD"
)
URL = "https://www.acmerobotics.com/jane"


def cards(limit: int | None) -> list[np.ndarray]:
    """The colour cards the pipeline would pass to decode_qr, one per card in the sample set."""
    truth = json.loads((SAMPLES / "truth.json").read_text(encoding="utf-8"))
    out: list[np.ndarray] = []
    for entry in truth["images"][:limit]:
        loaded = decode.load(SAMPLES / "images" / entry["file"], max_bytes=50 << 20, max_pixels=100_000_000, max_pages=2)
        for src in loaded.images:
            for card in preprocess.prepare(src):
                out.append(card.color if card.color is not None else card.image)
    return out


def with_qr(card: np.ndarray, payload: str, side_frac: float, angle: float, light: bool) -> np.ndarray:
    """The card with a QR code pasted in its bottom-right corner (side = side_frac of the card's height)."""
    code = cv2.QRCodeEncoder.create().encode(payload)
    code = cv2.copyMakeBorder(code, 4, 4, 4, 4, cv2.BORDER_CONSTANT, value=255)
    if light:
        code = 255 - code
    side = max(21, int(card.shape[0] * side_frac))
    code = cv2.resize(code, (side, side), interpolation=cv2.INTER_NEAREST)
    if angle:
        m = cv2.getRotationMatrix2D((side / 2, side / 2), angle, 1.0)
        code = cv2.warpAffine(code, m, (side, side), flags=cv2.INTER_LINEAR, borderValue=0 if light else 255)
    out = card.copy() if card.ndim == 3 else cv2.cvtColor(card, cv2.COLOR_GRAY2BGR)
    h, w = out.shape[:2]
    y, x = h - side - h // 20, w - side - w // 30
    out[y : y + side, x : x + side] = cv2.cvtColor(code, cv2.COLOR_GRAY2BGR)
    return out


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    best = float("inf")
    result: object = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best * 1000, result


def summary(ms: Sequence[float]) -> str:
    q = statistics.quantiles(ms, n=20) if len(ms) >= 2 else [ms[0]] * 19
    return f"median {statistics.median(ms):6.1f} ms, p95 {q[18]:6.1f} ms, max {max(ms):6.1f} ms"


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--limit", type=int, help="only the first N sample files")
    ap.add_argument("--repeat", type=int, default=3, help="time each call N times, keep the best (default 3)")
    args = ap.parse_args(argv)
    cv2.setNumThreads(1)  # as in a pipeline worker
    images = cards(args.limit)
    print(f"{len(images)} prepared sample cards (no QR code), sizes "
          f"{min(i.shape[1] for i in images)}-{max(i.shape[1] for i in images)} px wide")

    full, quick, false_pos = [], [], 0
    for img in images:
        ms, _ = timed(lambda img=img: qr.detect_and_decode(img), args.repeat)
        full.append(ms)
        ms, _ = timed(lambda img=img: qr.decode_qr(img), args.repeat)
        quick.append(ms)
        false_pos += qr.finder_patterns(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY) if img.ndim == 3 else img) is not None
    print(f"no QR code, OpenCV detector on the card (before): {summary(full)}")
    print(f"no QR code, presence test first (now):           {summary(quick)}")
    print(f"cards where the presence test saw finder patterns (then the detector ran): {false_pos}/{len(images)}")

    cases = [
        (payload, frac, angle, light)
        for payload in (PAYLOAD, URL)
        for frac in (0.2, 0.3, 0.4)
        for angle in (0.0, 3.0)
        for light in (False, True)
    ]
    alone = kept = 0
    ms_qr: list[float] = []
    for img in images:
        for payload, frac, angle, light in cases:
            test = with_qr(img, payload, frac, angle, light)
            ms, got = timed(lambda test=test: qr.decode_qr(test), 1)
            ms_qr.append(ms)
            if payload in qr.detect_and_decode(test) or payload in qr.detect_and_decode(255 - test):
                alone += 1
                kept += payload in got  # type: ignore[operator]
    print(f"with a QR code ({len(cases)} variants per card: a vCard or a URL, side 20/30/40% of the card "
          f"height, 0/3 degrees, dark on light / light on dark): {summary(ms_qr)}")
    print(f"  codes OpenCV's detector reads on the whole card: {alone}; of those, read with the presence "
          f"test first: {kept} ({100 * kept / max(alone, 1):.1f}%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
