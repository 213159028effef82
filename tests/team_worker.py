"""`cardpipe` for the team tests (tests/test_team.py): the real CLI, store, claims, leases
and dedupe, with a fake reader in place of OCR, because those tests are about who takes
which file, not about reading. Each "scan" is a text file: a name, then an e-mail. Every
read is logged to $TEAM_READS as "<pid> <sha256>", and takes $TEAM_READ_SECONDS."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from cardpipe import batch
from cardpipe.cli import main
from cardpipe.models import CardResult, ContactRecord, FileResult


def fake_read_files(jobs, opts, engine=None):
    out = []
    for path, sha, _back in jobs:
        text = Path(path).read_text(encoding="utf-8")
        name, email = text.splitlines()[:2]
        with open(os.environ["TEAM_READS"], "a", encoding="utf-8") as log:
            log.write(f"{os.getpid()} {sha}\n")
        time.sleep(float(os.environ.get("TEAM_READ_SECONDS", "0.05")))
        card = CardResult(str(path), 0, ContactRecord(name=name, emails=(email,)), text, 90.0)
        out.append(FileResult(str(path), sha, (card,), seconds=0.05))
    return out


if __name__ == "__main__":
    batch.read_files = fake_read_files  # what batch._Reader calls in the run
    sys.exit(main(sys.argv[1:]))
