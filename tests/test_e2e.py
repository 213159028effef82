"""End to end: the real CLI, real Tesseract, sample cards in a temporary inbox."""

from __future__ import annotations

import csv
import json
import sqlite3

import pytest
from conftest import SAMPLES, truth

pytestmark = pytest.mark.e2e

GOOD = ["scan300-02.png", "scan300-06.png", "rotated-02.png"]


def read_csv(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_run_processes_the_inbox_once_and_writes_the_exports(home):
    home.drop(*GOOD[:2])
    home.drop(GOOD[2], into="2026-11-20 Chamber mixer")
    # the same bytes under another name: archived as a duplicate without OCR
    (home.inbox / "zz-again.png").write_bytes((SAMPLES / GOOD[0]).read_bytes())
    (home.inbox / "notes.jpg").write_text("this is not an image\n")

    r = home.run("run", "--days", "0")
    assert r.returncode == 1, r.stderr  # one file failed
    assert r.stdout == ""
    assert r.stderr.splitlines() == [  # one line, saying what the file is and what to do
        "cardpipe: notes.jpg: it is a text file (although it is named .jpg), not an image cardpipe "
        "reads; save the card as JPEG, PNG, TIFF, WebP, HEIC or PDF."
    ], r.stderr

    # every input file is in exactly one place
    left = [p for p in home.inbox.rglob("*") if p.is_file()]
    assert left == []
    archived = sorted(str(p.relative_to(home.archive)) for p in home.archive.rglob("*") if p.is_file())
    assert archived == sorted([*GOOD[:2], "zz-again.png", f"2026-11-20 Chamber mixer/{GOOD[2]}"])
    assert sorted(p.name for p in home.failed.iterdir()) == ["notes.jpg", "notes.jpg.reason.txt"]
    assert "not an image" in (home.failed / "notes.jpg.reason.txt").read_text()

    # the database: one card per distinct archived image, files by hash
    db = sqlite3.connect(home.db)
    assert db.execute("SELECT COUNT(*) FROM cards").fetchone()[0] == 3
    statuses = dict(db.execute("SELECT name, status FROM files").fetchall())
    assert statuses == {
        GOOD[0]: "done", GOOD[1]: "done", f"2026-11-20 Chamber mixer/{GOOD[2]}": "done", "notes.jpg": "failed"
    }
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    event_row = db.execute("SELECT event, collected_on FROM cards WHERE source_name = ?", (f"2026-11-20 Chamber mixer/{GOOD[2]}",)).fetchone()
    assert event_row == ("Chamber mixer", "2026-11-20")

    # contacts.csv: the emails and phones printed on the cards
    t = truth()
    rows = read_csv(home.output / "contacts.csv")
    assert len(rows) == 3
    got_emails = {e for row in rows for e in [row["email"], *row["other_emails"].split("; ")] if e}
    want_emails = {e.lower() for f in GOOD for e in t[f]["cards"][0]["emails"]}
    assert got_emails == want_emails
    # phones are written "+44 121 496 0896" (international format, text in spreadsheets): no apostrophe
    cells = [row[k] for row in rows for k in ("work_phone", "mobile_phone", "fax", "other_phones") if row[k]]
    assert all(c.startswith("+") for c in cells)
    got_phones = {p.replace(" ", "") for c in cells for p in c.split("; ")}
    want_phones = {p["e164"] for f in GOOD for p in t[f]["cards"][0]["phones"]}
    assert want_phones <= got_phones

    # due.csv with a 0-day window: every contact is due today, met on its collection date
    due = read_csv(home.output / "due.csv")
    assert len(due) == 3
    assert {d["days_overdue"] for d in due if d["met_on"] != "2026-11-20"} == {"0"}

    # an idempotent second run: nothing to do, nothing printed, nothing changed
    before = (home.output / "contacts.csv").read_bytes()
    r2 = home.run("run", "--days", "0")
    assert (r2.returncode, r2.stdout, r2.stderr) == (0, "", "")
    assert (home.output / "contacts.csv").read_bytes() == before
    assert db.execute("SELECT COUNT(*) FROM cards").fetchone()[0] == 3


def test_followup_takes_the_contact_off_the_due_list(home):
    home.drop(GOOD[0])
    assert home.run("run").returncode == 0
    env = {"CARDPIPE_TODAY": "2099-01-01"}  # far in the future: the card is overdue
    due = home.run("due", env=env)
    assert due.returncode == 0
    name = truth()[GOOD[0]]["cards"][0]["name"]
    assert name in due.stdout
    r = home.run("followup", "1", "--on", "2098-12-30", "--note", "called", env=env)
    assert r.returncode == 0, r.stderr
    assert "recorded" in r.stdout
    due = home.run("due", env=env)
    assert "nothing due" in due.stdout
    # the same follow-up again is not recorded twice
    r = home.run("followup", "1", "--on", "2098-12-30", "--note", "called", env=env)
    assert "already recorded" in r.stdout


def test_extract_json_has_exactly_the_promised_keys(home):
    f = SAMPLES / GOOD[1]
    r = home.run("extract", "--json", str(f))
    assert r.returncode == 0, r.stderr
    (line,) = r.stdout.splitlines()
    obj = json.loads(line)
    assert set(obj) >= {
        "source", "card", "name", "title", "company", "emails", "phones", "website", "address", "confidence", "review"
    }
    assert obj["source"] == str(f) and obj["card"] == 0
    want = truth()[GOOD[1]]["cards"][0]
    assert obj["emails"] == [e.lower() for e in want["emails"]]
    assert {p["e164"] for p in obj["phones"]} == {p["e164"] for p in want["phones"]}
    assert all(set(p) == {"e164", "type", "raw"} for p in obj["phones"])
    assert all(0 <= v <= 1 for v in obj["confidence"].values())
    # nothing was stored
    assert not home.db.exists()


def test_extract_reports_a_bad_file_and_goes_on(home, tmp_path):
    bad = tmp_path / "empty.png"
    bad.write_bytes(b"")
    r = home.run("extract", "--json", str(bad), str(SAMPLES / GOOD[0]))
    assert r.returncode == 1
    assert len(r.stdout.splitlines()) == 1
    assert "empty.png" in r.stderr and "Traceback" not in r.stderr


def test_summary_counts_new_and_matched_contacts(home):
    home.drop(GOOD[0])
    r = home.run("run", "--verbose")
    assert (r.returncode, r.stdout) == (0, "")
    assert "1 file(s), 1 card(s), 1 new contact(s), 0 due" in r.stderr
    # a second scan of the same card (other bytes: the same image with a trailing byte)
    (home.inbox / "rescan.png").write_bytes((SAMPLES / GOOD[0]).read_bytes() + b"\0")
    r = home.run("run", "--verbose")
    assert r.returncode == 0, r.stderr
    assert "1 file(s), 1 card(s), 0 new contact(s), 1 matched to existing contacts" in r.stderr
