"""Where a reading worker's memory goes: resident memory after each stage, and each
stage's own peak, in one process reading as a worker does (one core).

    .venv/bin/python bench/memory.py                       # sample cards + a 12 MP photo
    .venv/bin/python bench/memory.py --files 'sample_cards/images/scan300-*'

tracemalloc does not see OpenCV's buffers, so this reads the kernel's figures
(`/proc/self/status`, `smaps_rollup`): RSS (resident), its peak (VmHWM, reset before
each stage by writing 5 to `/proc/self/clear_refs`) and USS (private: what the
process would give back if it ended; the libraries it shares with the other workers
are not in it). Stages:

- the imports (OpenCV, NumPy, cardpipe), then the text detector's two nets loaded;
- for each file: decode, prepare (finding the card, the prepared grey card), the
  detector on the prepared card (its bands of rows);
- a batch of files read together, as `cardpipe run` gives one worker (`read_files`).

`--run N` instead runs `cardpipe run --jobs 2` on N sample cards (and `--big-photos M`
12-megapixel photos, as `bench/throughput.py` makes them) and prints the peak PSS of
each part of the process tree: the parent, each worker, the Tesseract children (all
of them at once), and of the whole tree.
"""

from __future__ import annotations

import argparse
import glob
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SAMPLES = ROOT / "sample_cards" / "images"


def _status() -> dict[str, int]:
    out = {}
    with open("/proc/self/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(rest.split()[0]) * 1024
    with open("/proc/self/smaps_rollup") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("Pss", "Private_Clean", "Private_Dirty"):
                out[key] = int(rest.split()[0]) * 1024
    out["USS"] = out["Private_Clean"] + out["Private_Dirty"]
    return out


def _reset_peak() -> None:
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


class Probe:
    def __init__(self) -> None:
        self.last = _status()

    def stage(self, label: str, fn, *a, **k):
        _reset_peak()
        before = _status()
        out = fn(*a, **k)
        after = _status()
        print(f"{label:<44} {after['VmRSS'] / 1e6:8.0f} {(after['VmRSS'] - before['VmRSS']) / 1e6:+8.0f}"
              f" {(after['VmHWM'] - before['VmRSS']) / 1e6:+9.0f} {after['USS'] / 1e6:8.0f}")
        return out


def big_photo(folder: Path) -> Path:
    """A 12-megapixel JPEG (4032x3024) from a photo sample, as bench/throughput.py makes them."""
    import cv2

    img = cv2.imread(str(sorted(SAMPLES.glob("photo-*.jpg"))[0]))
    path = folder / "photo-12mp.jpg"
    cv2.imwrite(str(path), cv2.resize(img, (4032, 3024), interpolation=cv2.INTER_CUBIC), [cv2.IMWRITE_JPEG_QUALITY, 90])
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", nargs="+", metavar="GLOB", help="read these files instead of the samples")
    ap.add_argument("--batch", type=int, default=16, help="files in the batch read together (MAX_BATCH)")
    ap.add_argument("--run", type=int, metavar="N", help="cardpipe run --jobs 2 on N sample cards: peak PSS per process")
    ap.add_argument("--big-photos", type=int, default=0, help="with --run: 12-megapixel photos added to the inbox")
    ap.add_argument("--jobs", type=int, default=2, help="with --run: workers")
    args = ap.parse_args()
    if args.run is not None:
        run_breakdown(args.run, args.big_photos, args.jobs)
        return
    print(f"{'stage':<44} {'RSS MB':>8} {'held':>8} {'peak':>9} {'USS MB':>8}")
    p = Probe()

    def imports():
        import cv2  # noqa: F401
        import numpy  # noqa: F401

        from cardpipe import batch, pipeline  # noqa: F401
        from cardpipe.image import decode, prepare  # noqa: F401

    p.stage("imports", imports)
    from cardpipe import batch as batching
    from cardpipe import pipeline
    from cardpipe.image import decode
    from cardpipe.image import prepare as preprocess
    from cardpipe.ocr import detect

    batching._one_core()
    found = p.stage("detector loaded", detect.detector)
    tmp = Path(tempfile.mkdtemp(prefix="cardpipe-mem-"))
    if args.files:
        files = sorted(Path(f) for g in args.files for f in glob.glob(g))
    else:
        files = [big_photo(tmp), *sorted(SAMPLES.glob("scan300-0*.png"))[:3], *sorted(SAMPLES.glob("photo-0*.jpg"))[:2],
                 *sorted(SAMPLES.glob("flatbed-0*.png"))[:2]]
    for path in files:
        d = p.stage(f"{path.name[:28]}: decode", decode.load, path, max_bytes=50 << 20, max_pixels=100_000_000,
                    max_pages=10)
        cards = p.stage(f"{path.name[:28]}: prepare", lambda d=d: [c for s in d.images for c in preprocess.prepare(s)])
        del d
        for n, card in enumerate(cards):
            p.stage(f"  card {n} {card.image.shape[1]}x{card.image.shape[0]}: detect", found.detect, card.image)
        del cards
    opts = pipeline.ReadOptions()
    jobs = [(f, "", None) for f in (files * args.batch)[: args.batch]]
    p.stage(f"batch of {len(jobs)} files (read_files)", pipeline.read_files, jobs, opts)


def _pss(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024 / 1e6
    except OSError:
        pass
    return 0.0


def _tree(pid: int) -> dict[int, tuple[int, str]]:
    """Every descendant of `pid`: pid -> (parent pid, command name)."""
    procs = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    stat = f.read()
                procs[int(entry)] = (int(stat.rsplit(")", 1)[1].split()[1]), stat.split("(", 1)[1].rsplit(")", 1)[0])
            except (OSError, IndexError, ValueError):
                continue
    out, stack = {}, [pid]
    while stack:
        p = stack.pop()
        for child, (ppid, name) in procs.items():
            if ppid == p:
                out[child] = (ppid, name)
                stack.append(child)
    return out


def run_breakdown(cards: int, big_photos: int, jobs: int) -> None:
    """Peak PSS of each part of a `cardpipe run --jobs` process tree."""
    import subprocess
    import threading
    import time

    sys.path.insert(0, str(Path(__file__).parent))
    from throughput import cardpipe_cmd, make_batch, make_big_photos

    work = Path(tempfile.mkdtemp(prefix="cardpipe-mem-run-"))
    if cards:
        make_batch(work / "inbox", cards)
    if big_photos:
        make_big_photos(work / "inbox", big_photos)
    proc = subprocess.Popen(cardpipe_cmd(work, jobs), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peaks: dict[str, float] = {}
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            parts = {"parent": _pss(proc.pid)}
            workers = tess = 0.0
            each = []
            for pid, (ppid, name) in _tree(proc.pid).items():
                if name.startswith("tesseract"):
                    tess += _pss(pid)
                elif ppid == proc.pid:
                    m = _pss(pid)
                    each.append(m)
                    workers += m
            parts["workers (all)"] = workers
            parts["largest worker"] = max(each, default=0.0)
            parts["tesseract children (all)"] = tess
            parts["whole tree"] = sum(v for k, v in parts.items() if k in ("parent", "workers (all)")) + tess
            for k, v in parts.items():
                peaks[k] = max(peaks.get(k, 0.0), v)
            time.sleep(0.02)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    start = time.perf_counter()
    _, err = proc.communicate()
    stop.set()
    t.join()
    print(f"cardpipe run --jobs {jobs}: {cards} sample cards, {big_photos} photos of 12 MP:"
          f" {time.perf_counter() - start:.1f} s, exit {proc.returncode}")
    for k, v in peaks.items():
        print(f"  peak PSS {k:<28} {v:6.0f} MB")


if __name__ == "__main__":
    main()
