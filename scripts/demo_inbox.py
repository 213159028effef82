#!/usr/bin/env python3
"""Fill the demo inbox of `make run`: the sample cards as if collected at six events
over the past weeks, so the run ends with people to follow up with.

Each file is copied (bytes unchanged: the benches measure the committed images)
into an event sub-folder named `YYYY-MM-DD Event`, dated relative to today; the
event folder's date is the day the card was collected (the samples carry no EXIF
date). Files are dealt round-robin so every event gets a mix of kinds. The copies'
times are set a minute back: complete files, ready to be read.

    python scripts/demo_inbox.py sample_cards/images .demo/inbox [--today 2026-12-04]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import time
from pathlib import Path

# (days ago, event): with the default 7-day window the oldest four are overdue,
# "Client workshop" is due today, "Networking lunch" comes up next week.
EVENTS = (
    (40, "Chamber of Commerce mixer"),
    (30, "Regional trade fair"),
    (21, "Startup breakfast"),
    (12, "Industry conference"),
    (7, "Client workshop"),
    (2, "Networking lunch"),
)


def event_folders(today: dt.date) -> list[str]:
    return [f"{(today - dt.timedelta(days=ago)).isoformat()} {name}" for ago, name in EVENTS]


def fill(source: Path, inbox: Path, today: dt.date) -> dict[str, list[str]]:
    """Copy every file of `source` into `inbox/<event folder>/`; returns {folder: [names]}."""
    folders = event_folders(today)
    placed: dict[str, list[str]] = {f: [] for f in folders}
    stamp = time.time() - 60
    for i, path in enumerate(sorted(p for p in source.iterdir() if p.is_file())):
        folder = folders[i % len(folders)]
        dest = inbox / folder / path.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, dest)
        os.utime(dest, (stamp, stamp))
        placed[folder].append(path.name)
    return placed


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("inbox", type=Path)
    parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.date.today())
    args = parser.parse_args(argv)
    for folder, names in fill(args.source, args.inbox, args.today).items():
        print(f"   {len(names):2d} file(s) in {folder}/")


if __name__ == "__main__":
    main()
