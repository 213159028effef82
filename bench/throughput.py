"""Throughput of `cardpipe run` against the OCR engine's own limit.

    .venv/bin/python bench/throughput.py [--cards 200] [--jobs N] [--noop-cards 10000]

1. Builds a batch of N card files from sample_cards/images (repeated, each copy
   with distinct bytes so none is skipped as a duplicate).
2. The floor: the `tesseract` command alone on the already-prepared card images,
   one process per core (what the OCR engine can do with nothing around it).
3. `cardpipe run` on the same files into a fresh database, with --jobs 1 and
   --jobs = cores; each is timed without memory sampling, then run again for its
   peak memory.
4. A no-op `cardpipe run` (empty inbox) over a database of --noop-cards cards.
5. Memory with big images: --big-photos phone photos of 12 megapixels (the photo
   samples enlarged to 4032x3024) through `cardpipe run --jobs` = cores.

Prints cards/s for each, the ratio of the pipeline to the floor, the speed-up
from 1 to all cores, and the peak memory of the whole process tree (PSS, so
shared libraries count once; sampled every 20 ms). Also the CPU time per card
(user + system, the whole process tree): unlike cards/s it hardly moves when
other programs share the machine, so it tells whether a change made the
pipeline cheaper even on a busy machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cv2

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_cards" / "images"
sys.path.insert(0, str(ROOT))

from cardpipe.contacts.store import SqliteStore  # noqa: E402
from cardpipe.image import decode  # noqa: E402
from cardpipe.image import prepare as preprocess  # noqa: E402
from cardpipe.models import CardResult, ContactRecord, Phone  # noqa: E402


def tree_pss_mb(pid: int) -> float:
    """Memory of a process and all its descendants, in MB (Linux /proc).

    PSS (proportional set size) shares each shared page among the processes that
    map it, so the libraries every worker maps (OpenCV, NumPy, Tesseract's models)
    count once, not once per process as a plain sum of RSS would.
    """
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry))
        except (OSError, IndexError, ValueError):
            continue
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1]) * 1024
                        break
        except OSError:
            pass
        stack.extend(children.get(p, []))
    return total / 1e6


def children_cpu() -> float:
    """CPU seconds (user + system) of every finished child process and its descendants."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def measure(
    cmd: list[str], env: dict[str, str] | None = None, *, memory: bool = True
) -> tuple[float, float, subprocess.CompletedProcess]:
    """Wall seconds and peak tree PSS (MB) of a command. Sampling the memory reads every
    process's page tables 50 times a second, which takes a good part of a core: a run
    whose speed is measured goes without it (`memory=False`, peak 0)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0.0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, tree_pss_mb(proc.pid))
            time.sleep(0.02)

    t = threading.Thread(target=sample, daemon=True)
    if memory:
        t.start()
    out, err = proc.communicate()
    stop.set()
    if memory:
        t.join()
    secs = time.perf_counter() - start
    return secs, peak, subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def single_card_samples() -> list[Path]:
    """Sample images holding one card each (flatbed pages excluded: they count several)."""
    return sorted(p for p in SAMPLES.iterdir() if p.suffix.lower() in (".png", ".jpg", ".jpeg") and not p.name.startswith("flatbed"))


def make_batch(folder: Path, n: int) -> list[Path]:
    """n files from the samples, each with distinct bytes (a trailing comment/chunk)."""
    folder.mkdir(parents=True, exist_ok=True)
    samples = single_card_samples()
    out = []
    for i in range(n):
        src = samples[i % len(samples)]
        dst = folder / f"{i:04d}-{src.name}"
        data = src.read_bytes()
        # bytes after the end of a PNG/JPEG are ignored by decoders but change the hash
        dst.write_bytes(data + f"cardpipe-bench-{i}".encode())
        old = time.time() - 60
        os.utime(dst, (old, old))
        out.append(dst)
    return out


def make_big_photos(folder: Path, n: int) -> None:
    """n JPEGs of 4032x3024 (a 12-megapixel phone camera) from the photo samples."""
    folder.mkdir(parents=True, exist_ok=True)
    photos = sorted(SAMPLES.glob("photo-*.jpg"))
    for i in range(n):
        img = cv2.imread(str(photos[i % len(photos)]))
        big = cv2.resize(img, (4032, 3024), interpolation=cv2.INTER_CUBIC)
        dst = folder / f"{i:04d}.jpg"
        cv2.imwrite(str(dst), big, [cv2.IMWRITE_JPEG_QUALITY, 90 - i % 7])  # distinct bytes
        old = time.time() - 60
        os.utime(dst, (old, old))


def prepare_all(files: list[Path], folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for f in files:
        d = decode.load(f, max_bytes=50 << 20, max_pixels=100_000_000, max_pages=10)
        for src in d.images:
            for card in preprocess.prepare(src):
                p = folder / f"{f.stem}-{card.index}.png"
                cv2.imwrite(str(p), card.image)
                out.append(p)
    return out


def floor(prepared: list[Path], jobs: int) -> float:
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}

    def one(p: Path) -> None:
        subprocess.run(
            ["tesseract", str(p), "stdout", "--psm", "11", "--dpi", "300", "tsv"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=True,
        )

    start = time.perf_counter()
    with ThreadPoolExecutor(jobs) as pool:
        list(pool.map(one, prepared))
    return time.perf_counter() - start


def fill_db(path: Path, n: int) -> None:
    store = SqliteStore(path)
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    with store.transaction():
        for i in range(n):
            rec = ContactRecord(
                name=f"Person {i}",
                company=f"Company {i % 997}",
                emails=(f"person{i}@example{i % 97}.com",),
                phones=(Phone(f"+1415555{i % 10000:04d}", "mobile", "x"),),
            )
            sha = f"{i:064x}"
            store.add_file(sha, f"card-{i}.png", status="done", at=now)
            store.add_card(sha, CardResult(f"card-{i}.png", 0, rec, "text", 90.0), collected_on=now.date(), scanned_at=now, event=None)
    store.close()


def cardpipe_cmd(home: Path, jobs: int, config: Path | None = None) -> list[str]:
    return [
        str(Path(sys.executable).with_name("cardpipe")), "run",
        *(["--config", str(config)] if config else []),
        "--inbox", str(home / "inbox"), "--db", str(home / "cardpipe.db"), "--output", str(home / "out"),
        "--jobs", str(jobs),
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cards", type=int, default=200)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--noop-cards", type=int, default=10_000)
    ap.add_argument("--skip-serial", action="store_true", help="skip the --jobs 1 run (slow)")
    ap.add_argument("--big-photos", type=int, default=40, help="12-megapixel photos for the memory run (0: none)")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cardpipe-bench-"))
    try:
        batch = make_batch(work / "batch", args.cards)
        prepared = prepare_all(batch, work / "prepared")
        n_cards = len(prepared)
        cpu = children_cpu()
        floor_s = floor(prepared, args.jobs)
        floor_cpu = (children_cpu() - cpu) / n_cards
        print(f"batch: {len(batch)} files, {n_cards} cards, {args.jobs} cores")
        print(f"{'what':<40} {'seconds':>8} {'cards/s':>8} {'peak MB':>8} {'CPU ms/card':>12}")
        print(f"{'floor: tesseract alone, 1 proc/core':<40} {floor_s:8.1f} {n_cards / floor_s:8.2f} {'':>8}"
              f" {1000 * floor_cpu:12.0f}")
        cpus = {}
        no_pass = work / "no-language-pass.toml"
        no_pass.write_text("language_pass = false\n")
        rates = {}
        runs = [(1, None)] if not args.skip_serial else []
        runs += [(args.jobs, None), (args.jobs, no_pass)]
        for jobs, config in runs:
            key = (jobs, config is None)
            home = work / f"run-{jobs}-{'default' if config is None else 'nopass'}"
            (home / "inbox").mkdir(parents=True)
            for f in batch:
                shutil.copy2(f, home / "inbox" / f.name)
            cpu = children_cpu()
            secs, _, res = measure(cardpipe_cmd(home, jobs, config), memory=False)
            cpus[key] = (children_cpu() - cpu) / n_cards
            if res.returncode not in (0, 1):
                print(res.stderr[-2000:])
                raise SystemExit(f"cardpipe run failed with exit code {res.returncode}")
            rates[key] = n_cards / secs
            # the same run again, for its memory only (sampling slows it down)
            shutil.rmtree(home)
            (home / "inbox").mkdir(parents=True)
            for f in batch:
                shutil.copy2(f, home / "inbox" / f.name)
            _, peak, _ = measure(cardpipe_cmd(home, jobs, config))
            label = f"cardpipe run --jobs {jobs}" + ("" if config is None else ", language_pass off")
            print(f"{label:<40} {secs:8.1f} {rates[key]:8.2f} {peak:8.0f} {1000 * cpus[key]:12.0f}")
        floor_rate = n_cards / floor_s
        print(f"pipeline / floor (--jobs {args.jobs}): {rates[(args.jobs, True)] / floor_rate:.0%}"
              f" (language_pass off: {rates[(args.jobs, False)] / floor_rate:.0%});"
              f" in CPU per card: {floor_cpu / cpus[(args.jobs, True)]:.0%}"
              f" (language_pass off: {floor_cpu / cpus[(args.jobs, False)]:.0%})")
        if (1, True) in rates:
            print(f"speed-up 1 -> {args.jobs} cores: {rates[(args.jobs, True)] / rates[(1, True)]:.2f}x")
        noop = work / "noop"
        (noop / "inbox").mkdir(parents=True)
        fill_db(noop / "cardpipe.db", args.noop_cards)
        subprocess.run(cardpipe_cmd(noop, args.jobs), capture_output=True)  # first run writes the exports
        secs, _, res = measure(cardpipe_cmd(noop, args.jobs), memory=False)
        _, peak, _ = measure(cardpipe_cmd(noop, args.jobs))
        print(f"no-op run over {args.noop_cards} cards: {secs:.2f} s, peak {peak:.0f} MB (exit {res.returncode})")
        if args.big_photos:
            big = work / "big"
            make_big_photos(big / "inbox", args.big_photos)
            secs, peak, res = measure(cardpipe_cmd(big, args.jobs))
            print(f"{args.big_photos} photos of 12 MP, --jobs {args.jobs}: {secs:.1f} s,"
                  f" peak {peak:.0f} MB (exit {res.returncode})")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
