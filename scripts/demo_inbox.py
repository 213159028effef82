#!/usr/bin/env python3
"""Fill the demo inbox of `make run`: the sample cards as if collected at six events
over the past weeks, so the run ends with people to follow up with, plus a card of
someone met again after a job change, so it ends with a possible duplicate too.

Each file is copied (bytes unchanged: the benches measure the committed images)
into an event sub-folder named `YYYY-MM-DD Event`, dated relative to today; the
event folder's date is the day the card was collected (the samples carry no EXIF
date). Files are dealt round-robin so every event gets a mix of kinds. The copies'
times are set a minute back: complete files, ready to be read.

The sample cards are all different people, so `cardpipe duplicates` would have nothing
to show. `met_again` draws (here, with Pillow's built-in font: nothing is committed, the
samples stay untouched) the new card of a sample person (the name from `truth.json`)
met again at the latest event: the same full name, another company, e-mail domain,
office number and city. That is the case the dedupe rules leave to the user (a move
to another job and city, or a namesake: README, "One person, one contact"), so the
run lists the pair as a possible duplicate instead of merging it.

    python scripts/demo_inbox.py sample_cards/images .demo/inbox [--today 2026-12-04]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

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


@dataclass(frozen=True)
class NewJob:
    """A sample person's card after a job change: `sample` names the sample file whose
    (first) card's person this is; everything else on the card is new."""

    sample: str
    title: str
    company: str
    domain: str  # of the new e-mail address and website
    phone: str  # an office number, printed as labelled "Office" (no mobile: see below)
    address: str  # in another city than the sample card's


# John McDonald (scan300-15.pdf, Pinecrest Software in Seattle, met at the oldest event)
# moves to Austin: in the same city, his name (rare among the demo's contacts) would be
# merged as a new job (rule name+city). The new card prints no mobile: two different
# mobiles would say "another person" and nothing would be suggested; the same mobile, or
# the LinkedIn page his sample card prints, would merge the two.
MET_AGAIN = (
    NewJob("scan300-15.pdf", "VP of Sales", "Bluebonnet Robotics Inc.", "bluebonnet-robotics.com",
           "(512) 555-0126", "600 Congress Avenue, Suite 1400, Austin, TX 78701"),
)


@dataclass(frozen=True)
class MetAgain:
    folder: str
    file: str
    name: str
    company: str  # the new one
    was: str  # the sample card's company


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def draw_card(name: str, job: NewJob) -> Image.Image:
    """A plain 3.5 x 2 in card at 300 dpi, black on white, in sizes Tesseract reads well."""
    given, _, family = name.partition(" ")
    email = f"{_ascii(given)}.{_ascii(family)}@{job.domain}".lower().replace(" ", "")
    lines = [(name, 64), (job.title, 36), (job.company, 42), ("", 10), (email, 32),
             (f"Office: {job.phone}", 32), (f"www.{job.domain}", 32), (job.address, 30)]  # fmt: skip
    img = Image.new("RGB", (1050, 600), (252, 252, 249))
    draw = ImageDraw.Draw(img)
    y = 50
    for text, size in lines:
        draw.text((60, y), text, font=ImageFont.load_default(size=size), fill=(20, 20, 25))
        y += size + (26 if size < 60 else 34)
    return img


def met_again(inbox: Path, today: dt.date, truth: Path) -> list[MetAgain]:
    """Draw the MET_AGAIN cards into the latest event folder of `inbox` (PNG, 300 dpi,
    a minute old); returns what was drawn."""
    people = {img["file"]: img["cards"][0] for img in json.loads(truth.read_text(encoding="utf-8"))["images"]}
    folder = event_folders(today)[-1]
    stamp = time.time() - 60
    out = []
    for i, job in enumerate(MET_AGAIN, 1):
        person = people[job.sample]
        dest = inbox / folder / f"met-again-{i:02d}.png"
        dest.parent.mkdir(parents=True, exist_ok=True)
        draw_card(person["name"], job).save(dest, dpi=(300, 300))
        os.utime(dest, (stamp, stamp))
        out.append(MetAgain(folder, dest.name, person["name"], job.company, person["company"]))
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("inbox", type=Path)
    parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.date.today())
    parser.add_argument("--truth", type=Path, help="the samples' truth.json (default: beside SOURCE)")
    args = parser.parse_args(argv)
    for folder, names in fill(args.source, args.inbox, args.today).items():
        print(f"   {len(names):2d} file(s) in {folder}/")
    for m in met_again(args.inbox, args.today, args.truth or args.source.parent / "truth.json"):
        print(f"    + {m.folder}/{m.file}: {m.name} met again, now at {m.company} (a possible duplicate)")


if __name__ == "__main__":
    main()
