"""A team's throughput: cards per second with 1, 2 and 4 `cardpipe run` workers against
one PostgreSQL server, and one run on SQLite, on the same cards; and the database's
share of each worker's time.

    .venv/bin/python bench/workers.py [--cards 40] [--workers 1 2 4] [--no-ocr 400]

- Starts a throwaway PostgreSQL server (tests/pgserver.py: Debian's `postgresql`
  package, initdb into a temporary folder), a fresh database for each measurement.
- The cards: --cards files from sample_cards/images (one card each, repeated, every
  copy with distinct bytes), in one shared inbox.
- Each worker is `cardpipe run --jobs 1` in a process of its own (this script with
  --worker), started at the same moment; cards/s = cards stored / wall time from the
  first start to the last exit. On SQLite one run at a time is the rule: one worker.
- The database's time in each worker: every write transaction (file row, cards,
  dedupe, under the write lock on PostgreSQL), the file-status lookups and, on
  PostgreSQL, taking and dropping leases; per card, and as a share of the worker's time.
- --no-ocr N: the same on N files with a reader that costs nothing (the team tests'
  fake reader, tests/team_worker.py): what the database path alone can take.

Cards per second depend on the cores: with fewer cores than workers, more workers
cannot read faster (Tesseract is the work); the database's share says whether it is
what limits.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))


# ---------------------------------------------------------------------------
# --worker: one `cardpipe run`, its database time measured
# ---------------------------------------------------------------------------


def worker(args: list[str], fake: bool) -> int:
    import contextlib
    import functools

    from cardpipe import batch
    from cardpipe.cli import main
    from cardpipe.contacts.postgres import PostgresStore
    from cardpipe.contacts.store import SqliteStore

    spent = {"db": 0.0}

    def timed(fn):
        @functools.wraps(fn)
        def inner(*a, **kw):
            t = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                spent["db"] += time.perf_counter() - t
        return inner

    def timed_cm(fn):
        @functools.wraps(fn)
        @contextlib.contextmanager
        def inner(*a, **kw):
            t = time.perf_counter()
            try:
                with fn(*a, **kw) as v:
                    yield v
            finally:
                spent["db"] += time.perf_counter() - t
        return inner

    SqliteStore.transaction = timed_cm(SqliteStore.transaction)  # type: ignore[method-assign]
    PostgresStore.transaction = timed_cm(PostgresStore.transaction)  # type: ignore[method-assign]
    SqliteStore.file_status = timed(SqliteStore.file_status)  # type: ignore[method-assign]
    PostgresStore.take_lease = timed(PostgresStore.take_lease)  # type: ignore[method-assign]
    PostgresStore.drop_lease = timed(PostgresStore.drop_lease)  # type: ignore[method-assign]
    if fake:
        from team_worker import fake_read_files

        batch.read_files = fake_read_files
    started = time.perf_counter()
    code = 0
    try:
        main(args)
    except SystemExit as e:
        code = int(e.code or 0)
    with open(os.environ["BENCH_TIMES"], "a", encoding="utf-8") as f:
        f.write(json.dumps({"db": spent["db"], "wall": time.perf_counter() - started}) + "\n")
    return code


# ---------------------------------------------------------------------------
# The measurements
# ---------------------------------------------------------------------------


def make_cards(inbox: Path, n: int, fake: bool) -> None:
    inbox.mkdir(parents=True, exist_ok=True)
    old = time.time() - 60
    if fake:
        for i in range(n):
            p = inbox / f"{i:04d}.png"
            p.write_text(f"Person{i} Bench\nperson{i}@firm{i}.example\n", encoding="utf-8")
            os.utime(p, (old, old))
        return
    from throughput import make_batch

    make_batch(inbox, n)


def measure(root: Path, db: str, workers: int, n: int, fake: bool) -> dict:
    inbox, times = root / "inbox", root / "times.jsonl"
    make_cards(inbox, n, fake)
    cfg = root / "config.toml"
    cfg.write_text(
        f'inbox = "{inbox}"\narchive = "{root / "archive"}"\nfailed = "{root / "failed"}"\n'
        f'output = "{root / "output"}"\nstate_dir = "{root / "state"}"\ndb = "{db}"\n'
        "settle_seconds = 0\njobs = 1\n",
        encoding="utf-8",
    )
    env = {**os.environ, "CARDPIPE_CONFIG": str(cfg), "BENCH_TIMES": str(times), "TEAM_READS": str(root / "reads"),
           "TEAM_READ_SECONDS": "0", "OMP_THREAD_LIMIT": "1"}
    cmd = [sys.executable, __file__, "--worker", *(["--fake"] if fake else []), "--", "run"]
    t = time.perf_counter()
    procs = [subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for _ in range(workers)]
    for p in procs:
        _, err = p.communicate()
        if p.returncode not in (0, 1):
            raise SystemExit(f"a worker failed ({p.returncode}): {err.decode(errors='replace')}")
    wall = time.perf_counter() - t
    rows = [json.loads(line) for line in times.read_text().splitlines()]
    stored = sum(p.is_file() for p in (root / "archive").rglob("*"))
    db_s, worker_s = sum(r["db"] for r in rows), sum(r["wall"] for r in rows)
    return {"cards": stored, "wall": wall, "rate": stored / wall, "db_ms": 1000 * db_s / max(stored, 1),
            "share": db_s / worker_s}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cards", type=int, default=40)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    ap.add_argument("--no-ocr", type=int, default=400, metavar="N", help="files for the runs with a free reader (0: none)")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--fake", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("rest", nargs="*", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        sys.exit(worker(a.rest, a.fake))

    from pgserver import PgServer

    server = PgServer()
    print(f"cores: {os.cpu_count()}; PostgreSQL {server.bin.parent.name} on a unix socket; load {os.getloadavg()[0]:.1f}")
    print(f"{'reader':<9} {'backend':<11} {'workers':>7} {'cards':>6} {'seconds':>8} {'cards/s':>8} "
          f"{'db ms/card':>10} {'db share':>9}")
    try:
        runs = [("tesseract", a.cards, False)] + ([("none", a.no_ocr, True)] if a.no_ocr else [])
        for reader, n, fake in runs:
            plan = [("sqlite", 1)] + [("postgresql", w) for w in a.workers]
            for backend, w in plan:
                with tempfile.TemporaryDirectory(prefix="cardpipe-bench-") as tmp:
                    root = Path(tmp)
                    db = str(root / "cardpipe.db") if backend == "sqlite" else server.url(server.new_database())
                    r = measure(root, db, w, n, fake)
                print(f"{reader:<9} {backend:<11} {w:>7} {r['cards']:>6} {r['wall']:>8.1f} {r['rate']:>8.2f} "
                      f"{r['db_ms']:>10.1f} {100 * r['share']:>8.1f}%", flush=True)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
