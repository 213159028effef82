"""What the reliability machinery costs, measured on the real `cardpipe run`.

    .venv/bin/python bench/reliability.py [--files 500] [--repeat 3]

1. Ingest without OCR: --files copies of one already-processed card (same bytes),
   so every file goes through scan, settle check, claim (record + fsync + rename),
   SHA-256, the database look-up and the move to the archive, and none through OCR.
   Prints files/s and ms per file.
2. A no-op cron run (empty inbox, database and exports current): wall time.
3. A busy run (another run holds the lock): how quickly it gives up with 75.

Each figure is the median of --repeat runs. Figures depend on the disk (fsync).
"""

from __future__ import annotations

import argparse
import fcntl
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CARD = ROOT / "sample_cards" / "images" / "scan150-01.png"
CARDPIPE = [sys.executable, "-m", "cardpipe", "run"]


def setup(root: Path) -> dict[str, str]:
    (root / "inbox").mkdir(parents=True)
    config = root / "config.toml"
    config.write_text(
        f'inbox = "{root / "inbox"}"\noutput = "{root / "output"}"\ndb = "{root / "cardpipe.db"}"\n'
        "settle_seconds = 0\njobs = 1\n",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if k != "CARDPIPE_FAULT"}
    return {**env, "CARDPIPE_CONFIG": str(config)}


def run(env: dict[str, str], *, expect: tuple[int, ...] = (0,)) -> float:
    t0 = time.perf_counter()
    r = subprocess.run(CARDPIPE, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    seconds = time.perf_counter() - t0
    if r.returncode not in expect:
        sys.exit(f"cardpipe run exited {r.returncode}, expected {expect}: {r.stderr}")
    return seconds


def drop_copies(root: Path, n: int) -> None:
    data = CARD.read_bytes()
    for i in range(n):
        (root / "inbox" / f"copy-{i:05d}.png").write_bytes(data)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    ingest, noop, busy = [], [], []
    for _ in range(args.repeat):
        root = Path(tempfile.mkdtemp(prefix="cardpipe-bench-"))
        try:
            env = setup(root)
            shutil.copy(CARD, root / "inbox" / "first.png")
            run(env)  # the one OCR: afterwards every copy is a known file
            drop_copies(root, args.files)
            ingest.append(run(env))
            assert len(list((root / "archive").iterdir())) == args.files + 1
            run(env)  # exports current for today
            noop.append(run(env))
            with open(root / "state" / "cardpipe.lock", "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                busy.append(run(env, expect=(75,)))
        finally:
            shutil.rmtree(root, ignore_errors=True)
    med = statistics.median
    per_file = (med(ingest) - med(noop)) / args.files
    print(f"ingest without OCR, {args.files} files: {med(ingest):.2f} s run, "
          f"{1 / per_file:.0f} files/s, {per_file * 1000:.1f} ms per file (claim, hash, look-up, archive)")
    print(f"no-op cron run: {med(noop) * 1000:.0f} ms")
    print(f"busy run (lock held) exits with 75 in: {med(busy) * 1000:.0f} ms")
    print(f"(medians of {args.repeat} runs; python {sys.version.split()[0]}, {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
