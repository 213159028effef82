"""Three readers, one parser, the same real cards: cardpipe (text detector + Tesseract per
line), whole-image Tesseract (cardpipe with `text_detector = false`: Tesseract's own page
layout) and PP-OCR end to end (the DB detector and PP-OCR's own recogniser, the models in
the `rapidocr-onnxruntime` wheel). Every reader's text goes through the same field parser
(`fields.record.read_contact`), so the table compares reading, not parsing.

    .venv/bin/python bench/readers.py                     # ../shared/real_cards
    .venv/bin/python bench/readers.py --limit 20 --readers cardpipe,ppocr

PP-OCR is not a dependency of cardpipe: it runs in the bench's own environment, made on
first use (`.venv-ppocr`, `pip install rapidocr-onnxruntime`; the wheel carries its models,
nothing is downloaded at run time). CPU seconds are the readers' own (Tesseract's child
processes included), on one core each, one image at a time. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

import realcards  # noqa: E402

from cardpipe import pipeline  # noqa: E402
from cardpipe.fields.record import read_contact  # noqa: E402
from cardpipe.models import OcrLine, OcrPage, OcrWord  # noqa: E402

PPOCR_ENV = ROOT / ".venv-ppocr"

# The PP-OCR side: a long-lived worker in its own environment, one image path per line in,
# one JSON line of [box, text, score] lines and its CPU seconds out.
WORKER = r"""
import json, sys, time
from rapidocr_onnxruntime import RapidOCR
engine = RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1)
print("ready", flush=True)
for path in sys.stdin:
    t = time.process_time()
    result, _ = engine(path.strip())
    lines = [[[[float(v) for v in p] for p in box], text, float(score)] for box, text, score in (result or [])]
    print(json.dumps({"lines": lines, "cpu": time.process_time() - t}), flush=True)
"""


def cpu_now() -> float:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def ppocr_python() -> Path:
    py = PPOCR_ENV / "bin" / "python"
    if not py.exists():
        print(f"making {PPOCR_ENV} (rapidocr-onnxruntime, for this bench only)...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(PPOCR_ENV)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", "rapidocr-onnxruntime"], check=True)
    return py


def page_of(lines: list) -> OcrPage:
    """PP-OCR's lines as an OcrPage: each line's box split into words by their characters."""
    out = []
    for n, (box, text, score) in enumerate(lines):
        xs, ys = [p[0] for p in box], [p[1] for p in box]
        left, top, right, bottom = min(xs), min(ys), max(xs), max(ys)
        words, chars = text.split(), max(1, len(text))
        x, per = left, (right - left) / chars
        out_words = []
        for w in words:
            width = per * len(w)
            out_words.append(OcrWord(w, 100 * score, round(x), round(top), max(1, round(width)), max(1, round(bottom - top))))
            x += width + per
        if out_words:
            out.append(OcrLine(tuple(out_words), block=n))
    width = max((w.left + w.width for ln in out for w in ln.words), default=1)
    height = max((w.top + w.height for ln in out for w in ln.words), default=1)
    return OcrPage(tuple(out), width=width, height=height, engine="ppocr")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--real", type=Path, default=ROOT.parent / "shared" / "real_cards")
    ap.add_argument("--limit", type=int, default=0, help="only the first N images")
    ap.add_argument("--readers", default="cardpipe,tesseract,ppocr")
    ap.add_argument("--region", default="US")
    args = ap.parse_args()
    readers = args.readers.split(",")
    entries = realcards.load(args.real)
    if args.limit:
        entries = entries[: args.limit]

    worker = None
    if "ppocr" in readers:
        worker = subprocess.Popen(
            [str(ppocr_python()), "-c", WORKER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            env={**os.environ, "OMP_NUM_THREADS": "1"},
        )
        assert worker.stdout.readline().strip() == "ready"

    rows: dict[str, list] = {r: [] for r in readers}
    cpu: dict[str, float] = {r: 0.0 for r in readers}
    for i, e in enumerate(entries, 1):
        path = args.real / e["path"]
        for r in readers:
            if r == "ppocr":
                worker.stdin.write(f"{path}\n")
                worker.stdin.flush()
                got = json.loads(worker.stdout.readline())
                t0 = cpu_now()
                rec = read_contact(page_of(got["lines"]), region=args.region)
                cpu[r] += got["cpu"] + cpu_now() - t0
                outs = [rec.to_json()]
            else:
                opts = pipeline.ReadOptions(region=args.region, text_detector=(r == "cardpipe"))
                t0 = cpu_now()
                result = pipeline.read_file(path, opts)
                cpu[r] += cpu_now() - t0
                outs = [c.record.to_json() for c in result.cards]
            rows[r].extend(realcards.score_entry(e, outs))
        print(f"\r{i}/{len(entries)} images", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    if worker:
        worker.stdin.close()
        worker.wait(timeout=30)

    for r in readers:
        print(f"\n== {r}: {cpu[r] / max(1, len(entries)):.2f} CPU s per image ({len(entries)} images, one core)")
        print("\n".join(realcards.report(rows[r])))


if __name__ == "__main__":
    t = time.time()
    main()
    print(f"\n{time.time() - t:.0f} s wall time")
