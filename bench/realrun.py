"""The real dev photos through `cardpipe run` as cron runs it: no terminal, output captured.

Copies every image of ``../shared/real_cards`` (or ``--real DIR``) into a fresh inbox in a
temporary folder, runs ``cardpipe run`` once with stdin, stdout and stderr not a terminal,
and prints what a user would want to know from cron:

    .venv/bin/python bench/realrun.py
    .venv/bin/python bench/realrun.py --jobs 1        # the slowest file's time on one core

- files stored and files failed, with the reason each failed file was given;
- the exit code, and the bytes written to stdout and stderr (cron mails any output);
- the slowest files' seconds: a run reads files in batches, in step, so each file is then
  read alone (``cardpipe extract --jobs 1``, one after the other, one core) and timed.

Prints figures; exits 0 unless the run could not be started.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--real", type=Path, default=ROOT.parent / "shared" / "real_cards")
    ap.add_argument("--jobs", type=int, default=0, help="worker processes (default: one per core)")
    ap.add_argument("--cardpipe", type=Path, default=Path(sys.executable).parent / "cardpipe")
    args = ap.parse_args(argv)
    if not (args.real / "cards.jsonl").is_file():
        print(f"realrun: no cards.jsonl in {args.real}", file=sys.stderr)
        return 2
    entries = [json.loads(line) for line in (args.real / "cards.jsonl").read_text(encoding="utf-8").splitlines()]
    with tempfile.TemporaryDirectory(prefix="cardpipe-realrun-") as tmp:
        home = Path(tmp)
        inbox = home / "inbox"
        inbox.mkdir()
        for e in entries:
            shutil.copy(args.real / e["path"], inbox / Path(e["path"]).name)
        past = time.time() - 60
        for f in inbox.iterdir():  # dropped a while ago: settled
            os.utime(f, (past, past))
        cmd = [str(args.cardpipe), "run", "--inbox", str(inbox), "--db", str(home / "cardpipe.db"),
               "--output", str(home / "output"), "--jobs", str(args.jobs)]
        env = {k: v for k, v in os.environ.items() if k not in ("TERM", "COLUMNS")}
        env["CARDPIPE_CONFIG"] = str(home / "none.toml")
        (home / "none.toml").write_text("", encoding="utf-8")
        started = time.perf_counter()
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, env=env)
        wall = time.perf_counter() - started
        failed = sorted((home / "failed").glob("*.reason.txt")) if (home / "failed").is_dir() else []
        stored = len([f for f in (home / "archive").rglob("*") if f.is_file()]) if (home / "archive").is_dir() else 0
        failed = [(f.name.removesuffix(".reason.txt"), f.read_text(encoding="utf-8").strip()) for f in failed]
        times = []
        for e in entries:
            t = time.perf_counter()
            alone = subprocess.run(
                [str(args.cardpipe), "extract", "--json", "--jobs", "1", str(args.real / e["path"])],
                stdin=subprocess.DEVNULL, capture_output=True, env=env,
            )
            if alone.returncode not in (0, 1):
                print(f"realrun: cardpipe extract failed on {e['path']}: {alone.stderr.decode()[-300:]}", file=sys.stderr)
            times.append((time.perf_counter() - t, Path(e["path"]).name))
        times.sort(reverse=True)
    print(f"{len(entries)} real photos through `cardpipe run --jobs {args.jobs}` with no terminal, in {wall:.1f} s")
    print(f"exit code {proc.returncode}; stdout {len(proc.stdout)} bytes, stderr {len(proc.stderr)} bytes")
    print(f"archived {stored}, failed {len(failed)}")
    for name, reason in failed:
        print(f"  failed: {name}: {reason[:200]}")
    print("slowest files read alone on one core (seconds, start-up included): "
          + ", ".join(f"{s:.1f} {name}" for s, name in times[:3])
          + f"; median {times[len(times) // 2][0]:.1f}")
    if proc.stderr:
        print("stderr:", proc.stderr.decode(errors="replace")[:1000])
    return 0


if __name__ == "__main__":
    sys.exit(main())
