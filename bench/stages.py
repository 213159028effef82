"""Where the time goes when cards are read: milliseconds per file for each stage,
per kind of sample image, serially in one process (one core).

    .venv/bin/python bench/stages.py [--language-pass off] [--batch N] [--detector off]
    .venv/bin/python bench/stages.py --files '../shared/real_cards/images/*/*'   # real photos

Kinds are the sample names' prefixes; other files are grouped by size: ``photo-12mp``
(10 megapixels or more), ``photo`` and ``small`` (long side 1000 px or less).

Files are read as a worker reads them: in batches (`pipeline.read_files`, up to
`batch.MAX_BATCH` files of one kind; `--batch 1` reads one file at a time).
Stages: decode (decode.load), prepare (preprocess), detect (the text detector and its
line classifier), OCR (every Tesseract process:
the first reads, plus orientation / second-language / name re-reads when they
happen), QR (presence test + decoding), extract+normalize; then what one
Tesseract call costs before it reads anything (process start, model loading).
"""

from __future__ import annotations

import argparse
import collections
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pytesseract  # noqa: E402

from cardpipe import batch as batching  # noqa: E402
from cardpipe import pipeline  # noqa: E402
from cardpipe.fields import record  # noqa: E402
from cardpipe.image import decode, qr  # noqa: E402
from cardpipe.image import prepare as preprocess  # noqa: E402
from cardpipe.ocr import detect  # noqa: E402

SAMPLES = ROOT / "sample_cards" / "images"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--language-pass", choices=("on", "off"), default="on")
    ap.add_argument("--batch", type=int, default=batching.MAX_BATCH, help="files read together (1: one at a time)")
    ap.add_argument("--detector", choices=("on", "off"), default="on", help="the text detector (text_detector)")
    ap.add_argument("--files", nargs="+", metavar="GLOB", help="read these files instead of the samples")
    args = ap.parse_args()
    batching._one_core()
    spent: collections.Counter[tuple[str, str]] = collections.Counter()
    calls: collections.Counter[tuple[str, str]] = collections.Counter()
    kind = ["?"]

    def timed(stage: str, fn):
        def wrapper(*a, **k):
            t = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                spent[kind[0], stage] += time.perf_counter() - t
                calls[kind[0], stage] += 1
        return wrapper

    # every Tesseract process goes through run_tesseract (one per batch of images)
    pytesseract.pytesseract.run_tesseract = timed("ocr", pytesseract.pytesseract.run_tesseract)
    decode.load = timed("decode", decode.load)
    preprocess.prepare = timed("prepare", preprocess.prepare)
    preprocess.prepare_pages = timed("prepare", preprocess.prepare_pages)
    qr.decode_qr = timed("qr", qr.decode_qr)
    detect.TextDetector.detect = timed("detect", detect.TextDetector.detect)
    detect.TextDetector.upside_down = timed("detect", detect.TextDetector.upside_down)
    record.read_contact = timed("extract", record.read_contact)

    opts = pipeline.ReadOptions(language_pass=args.language_pass == "on", text_detector=args.detector == "on")
    if args.files:
        import glob

        files = sorted(Path(p) for g in args.files for p in glob.glob(g) if Path(p).is_file())
    else:
        files = sorted(p for p in SAMPLES.iterdir() if p.suffix.lower() != ".json")
    by_kind: dict[str, list[Path]] = collections.defaultdict(list)
    for f in files:
        by_kind[kind_of(f) if args.files else f.name.split("-")[0]].append(f)
    per_kind: collections.Counter[str] = collections.Counter()
    wall: collections.Counter[str] = collections.Counter()
    cpu: collections.Counter[str] = collections.Counter()
    pipeline.read_file(files[0], opts)  # warm up: imports, Tesseract's first start
    spent.clear()
    calls.clear()
    for k, group in by_kind.items():
        kind[0] = k
        for batch in batching.batches(group, 1, most=args.batch):
            t, c = time.perf_counter(), cpu_seconds()
            pipeline.read_files([(f, "", None) for f in batch], opts)
            wall[k] += time.perf_counter() - t
            cpu[k] += cpu_seconds() - c
            per_kind[k] += len(batch)
    stages = ("decode", "prepare", "detect", "ocr", "qr", "extract")
    print(f"ms per file, one core, language_pass {args.language_pass}, detector {args.detector}, "
          f"batches of up to {args.batch} files")
    print(f"{'kind':<11}{'files':>6}" + "".join(f"{s:>9}" for s in stages)
          + f"{'tess/file':>10}{'total':>8}{'cpu':>8}")
    for k in sorted(per_kind, key=lambda k: -per_kind[k]):
        n = per_kind[k]
        cells = "".join(f"{1000 * spent[k, s] / n:9.0f}" for s in stages)
        print(f"{k:<11}{n:>6}{cells}{calls[k, 'ocr'] / n:10.2f}{1000 * wall[k] / n:8.0f}{1000 * cpu[k] / n:8.0f}")
    n = sum(per_kind.values())
    cells = "".join(f"{1000 * sum(v for (_, s2), v in spent.items() if s2 == s) / n:9.0f}" for s in stages)
    ocr_calls = sum(v for (_, s2), v in calls.items() if s2 == "ocr") / n
    print(f"{'all':<11}{n:>6}{cells}{ocr_calls:10.2f}{1000 * sum(wall.values()) / n:8.0f}"
          f"{1000 * sum(cpu.values()) / n:8.0f}")
    print("total = wall ms per file; cpu = CPU ms per file of this process and its Tesseract processes "
          "(what one core spends; it hardly moves when other programs share the machine)")
    print(f"Tesseract start-up (process, model loading) per call: {1000 * startup_seconds():.0f} ms")


def cpu_seconds() -> float:
    import resource

    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def kind_of(path: Path) -> str:
    from PIL import Image

    try:
        with Image.open(path) as im:
            w, h = im.size
    except OSError:
        return "other"
    if w * h >= 10_000_000:
        return "photo-12mp"
    return "small" if max(w, h) <= 1000 else "photo"


def startup_seconds(repeat: int = 10) -> float:
    """What one Tesseract call costs before it reads anything: a blank 50x50 image."""
    import numpy as np

    blank = np.full((50, 50), 255, dtype=np.uint8)
    engine = pipeline.ReadOptions().make_engine()
    engine.read(blank)
    t = time.perf_counter()
    for _ in range(repeat):
        engine.read(blank)
    return (time.perf_counter() - t) / repeat


if __name__ == "__main__":
    main()
