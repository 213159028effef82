"""What QR decoding reads and costs per card: cardpipe's decoder (zxing-cpp) against
OpenCV's QRCodeDetector, on the cards the pipeline hands it.

Sample cards (no QR code of their own) are prepared as `cardpipe run` does, then a vCard
or a URL code is pasted on each (several sizes, a few degrees of turn, dark on light and
light on dark); the real dev photos (``--real DIR``, default ``../shared/real_cards``)
are prepared the same way, and the codes they print are counted:

    .venv/bin/python bench/qr.py
    .venv/bin/python bench/qr.py --limit 10 --real ../shared/real_cards

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

from cardpipe.image import decode, qr
from cardpipe.image import prepare as preprocess

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


def opencv(image: np.ndarray) -> tuple[str, ...]:
    """OpenCV's QR detector on the whole card, both polarities (what cardpipe used before)."""
    detector = cv2.QRCodeDetector()
    out: list[str] = []
    for img in (image, 255 - image):
        try:
            ok, infos, _, _ = detector.detectAndDecodeMulti(img)
            out += [s for s in infos if s] if ok else []
        except cv2.error:
            pass
        if out:
            break
    return tuple(dict.fromkeys(out))


def real_cards(root: Path) -> list[np.ndarray]:
    out: list[np.ndarray] = []
    for line in (root / "cards.jsonl").read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        loaded = decode.load(root / entry["path"], max_bytes=50 << 20, max_pixels=100_000_000, max_pages=1)
        for src in loaded.images:
            for card in preprocess.prepare(src):
                out.append(card.color if card.color is not None else card.image)
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


def compare(label: str, images: Sequence[np.ndarray], repeat: int, want: Sequence[str | None] | None = None) -> None:
    """Codes read and ms per image by each decoder; `want`: the payload each image carries."""
    for name, fn in (("zxing-cpp (cardpipe)", qr.decode_qr), ("OpenCV QRCodeDetector", opencv)):
        ms, read = [], 0
        for k, img in enumerate(images):
            t, got = timed(lambda img=img, fn=fn: fn(img), repeat)
            ms.append(t)
            read += (want[k] in got) if want is not None else bool(got)  # type: ignore[operator]
        print(f"{label:<34} {name:<22} codes read {read:>4}/{len(images) if want is not None else '-':<4} {summary(ms)}")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--limit", type=int, help="only the first N sample files")
    ap.add_argument("--repeat", type=int, default=3, help="time each call N times, keep the best (default 3)")
    ap.add_argument("--real", type=Path, default=ROOT.parent / "shared" / "real_cards",
                    help="labelled real cards (default: %(default)s); a missing folder is skipped")
    args = ap.parse_args(argv)
    cv2.setNumThreads(1)  # as in a pipeline worker
    images = cards(args.limit)
    compare(f"{len(images)} sample cards, no code", images, args.repeat)
    cases = [
        (payload, frac, angle, light)
        for payload in (PAYLOAD, URL)
        for frac in (0.2, 0.3, 0.4)
        for angle in (0.0, 3.0)
        for light in (False, True)
    ]
    tests = [(with_qr(img, *case), case[0]) for img in images for case in cases]
    compare(f"the same with a code ({len(cases)} variants)", [t for t, _ in tests], 1, [p for _, p in tests])
    if (args.real / "cards.jsonl").is_file():
        real = real_cards(args.real)
        compare(f"{len(real)} real cards (cards with a code)", real, 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
