"""How long each export format takes to render and write, for N synthetic contacts.

    .venv/bin/python bench/export.py                 # 5,000 contacts
    .venv/bin/python bench/export.py --contacts 20000 --repeat 5

Prints, per format, the best of --repeat runs for rendering the text and for writing
it atomically (temporary file, fsync, rename) into a temporary folder, and the file
size. A benchmark, not a test: it asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

from cardpipe import export
from cardpipe.models import Address, Contact, ContactRecord, DueItem, Phone

FIRST = ["Ann", "Jürgen", "山田", "Zoë", "Łukasz", "María", "Noa", "Olu", "Priya", "Sven"]
LAST = ["Lee", "Müller", "太郎", "O'Brien", "Kowalski", "García", "כהן", "Adeyemi", "Patel", "Berg"]
PHONES = ["+442079460958", "+14155550132", "+491701234567", "+33123456789", "+81312345678", "+420123456789"]


def contacts(n: int, seed: int = 7) -> tuple[list[Contact], dict[int, DueItem]]:
    rnd = random.Random(seed)
    out, schedule = [], {}
    met = dt.date(2026, 11, 20)
    for i in range(1, n + 1):
        given, family = rnd.choice(FIRST), rnd.choice(LAST)
        company = rnd.choice(["Acme", "=Evil()", "Beispiel GmbH", "株式会社テスト", "Smith, Jones & Co"])
        rec = ContactRecord(
            name=f"{given} {family}",
            given_name=given,
            family_name=family,
            title=rnd.choice(["CTO", "Geschäftsführer", "- Sales -", "Head of \"Growth\""]),
            company=company,
            emails=tuple(f"{given.lower()}{k}@example.com" for k in range(rnd.randint(1, 3))),
            phones=tuple(Phone(rnd.choice(PHONES), t, "") for t in rnd.sample(["work", "mobile", "fax"], rnd.randint(1, 3))),
            website="www.example.com",
            address=Address("1 Main St, Springfield, IL 62701", "1 Main St", "Springfield", "IL", "62701", "US"),
            social=(("linkedin", f"https://www.linkedin.com/in/u{i}"),),
        )
        out.append(Contact(id=i, record=rec, card_ids=(i,), first_met=met, event="Web Summit", notes="Met at booth 12"))
        schedule[i] = DueItem(i, rec.name, company, None, None, met, None, met + dt.timedelta(days=7), 4, None, 0)
    return out, schedule


def best(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--contacts", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    people, schedule = contacts(args.contacts)
    print(f"{args.contacts} contacts, best of {args.repeat}")
    print(f"{'format':<10}{'render s':>10}{'write s':>10}{'MB':>8}{'contacts/s':>12}")
    with tempfile.TemporaryDirectory() as tmp:
        for name, fmt in export.FORMATS.items():
            versions = ("3.0", "4.0") if name == "vcard" else ("",)
            for version in versions:
                opts = export.ExportOptions(schedule, version or "3.0")
                render_s, text = best(lambda fmt=fmt, opts=opts: fmt.render(people, opts), args.repeat)
                path = Path(tmp) / fmt.filename
                write_s, _ = best(lambda path=path, text=text, fmt=fmt: export.write_text(path, text, encoding=fmt.encoding), args.repeat)
                label = f"{name} {version}".strip()
                mb = path.stat().st_size / 1e6
                print(f"{label:<10}{render_s:>10.3f}{write_s:>10.3f}{mb:>8.2f}{args.contacts / render_s:>12,.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
