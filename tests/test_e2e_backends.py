"""The same end-to-end scenario on both stores: the real CLI, real Tesseract, sample
cards; SQLite (a file) and PostgreSQL (a real server, tests/pgserver.py).

inbox -> contacts -> due list -> follow-up -> notes, edits, review, duplicates, digest ->
exports, and a second run that changes nothing."""

from __future__ import annotations

import csv

import pytest
from conftest import truth

pytestmark = pytest.mark.e2e

GOOD = ["scan300-02.png", "scan300-06.png"]
FUTURE = {"CARDPIPE_TODAY": "2099-01-01"}  # far ahead: every card is due


def read_csv(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_inbox_to_exports_on_both_backends(home, any_db):
    env = {"CARDPIPE_DB": str(any_db)}
    with open(home.config, "a", encoding="utf-8") as f:  # the same folders whatever the database
        f.write(f'archive = "{home.archive}"\nfailed = "{home.failed}"\nstate_dir = "{home.root / "state"}"\n')
    home.drop(*GOOD)
    (home.inbox / "again.png").write_bytes((home.inbox / GOOD[0]).read_bytes())  # same bytes: no second card

    r = home.run("run", env=env)
    assert (r.returncode, r.stdout, r.stderr) == (0, "", ""), r.stderr
    assert sorted(p.name for p in home.archive.rglob("*.png")) == sorted([*GOOD, "again.png"])
    assert [p for p in home.inbox.rglob("*") if p.is_file()] == []

    t = truth()
    names = [t[f]["cards"][0]["name"] for f in GOOD]
    listing = home.run("contacts", env=env)
    assert listing.returncode == 0, listing.stderr
    assert all(n in listing.stdout for n in names), listing.stdout
    rows = read_csv(home.output / "contacts.csv")
    assert sorted(r["name"] for r in rows) == sorted(names)
    emails = {e.lower() for f in GOOD for e in t[f]["cards"][0]["emails"]}
    assert emails <= {row["email"] for row in rows} | {e for row in rows for e in row["other_emails"].split("; ")}

    due = home.run("due", env={**env, **FUTURE})
    assert all(n in due.stdout for n in names), due.stdout
    first = next(row["contact_id"] for row in rows if row["name"] == names[0])
    r = home.run("followup", first, "--on", "2098-12-30", "--note", "called", env={**env, **FUTURE})
    assert r.returncode == 0 and "recorded" in r.stdout, r.stderr
    due = home.run("due", env={**env, **FUTURE})
    assert names[0] not in due.stdout and names[1] in due.stdout, due.stdout

    second = next(row["contact_id"] for row in rows if row["name"] == names[1])
    for args in (["note", first, "met at the expo"], ["edit", first, "title", "Head of Growth"],
                 ["interval", first, "60"], ["done", second], ["review"], ["duplicates"], ["digest", "--no-mark"],
                 ["contacts", "show", first]):
        r = home.run(*args, env={**env, **FUTURE})
        assert r.returncode == 0, (args, r.stderr)
    assert "Head of Growth" in r.stdout and "met at the expo" in r.stdout and "every 60 days" in r.stdout
    assert "nothing due" in home.run("due", env={**env, **FUTURE}).stdout

    vcf = home.root / "contacts.vcf"
    r = home.run("export", "--format", "vcard", "-o", str(vcf), env=env)
    assert r.returncode == 0, r.stderr
    assert vcf.read_text(encoding="utf-8").count("BEGIN:VCARD") == 2

    r = home.run("run", env=env)  # nothing new: nothing printed, nothing changed
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")
    assert len(read_csv(home.output / "contacts.csv")) == 2
