"""`cardpipe migrate --to postgresql://...`: a SQLite base copied into a real PostgreSQL
server, ids and all; the counts checked; the SQLite file untouched."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from cardpipe.cli import cli
from cardpipe.contacts.migrate import migrate
from cardpipe.contacts.store import SqliteStore, open_store
from cardpipe.errors import ConfigError
from cardpipe.models import Address, CardResult, ContactRecord, Phone

NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


def add(store, sha, name, *, email=None, mobile=None, city=None, company=None):
    rec = ContactRecord(name=name, company=company, emails=(email,) if email else (),
                        phones=(Phone(mobile, "mobile", mobile),) if mobile else (),
                        address=Address(f"1 Main St, {city}", city=city) if city else None)
    with store.transaction():
        store.add_file(sha, f"{sha}.png", status="done", at=NOW)
        return store.add_card(sha, CardResult(f"{sha}.png", 0, rec, name, 90.0),
                              collected_on=NOW.date(), scanned_at=NOW, event="Expo")


def a_base(path: Path) -> SqliteStore:
    """Contacts with every kind of row: a merge, a split, a dismissed pair, edits, notes, follow-ups."""
    s = SqliteStore(path)
    _, ann = add(s, "a1", "Ann One", email="ann@one.com")
    _, ann2 = add(s, "a2", "Ann Uno", email="ann@uno.com")
    _, bob = add(s, "b1", "Bob Stone", mobile="+14155550132")
    add(s, "b2", "Bob Stone", mobile="+14155550132")
    _, cy = add(s, "c1", "Cyril Norwood", company="Acme", mobile="+14155550177")
    _, cy2 = add(s, "c2", "Cyril Norwood", company="Acme", mobile="+14155550133")  # a suggested pair
    with s.transaction():
        s.add_file("bad", "bad.png", status="failed", reason="not an image", at=NOW)
        s.merge_contacts(ann2, ann, at=NOW)  # into the later id: merged_into names a later contact
        s.split_cards(bob, [s.contact(bob).card_ids[1]], at=NOW)
        s.set_edit(bob, "title", "CEO", at=NOW)
        s.set_notes(bob, "met at the expo")
        s.add_followup(bob, dt.date(2026, 11, 21), "called", source="cli", at=NOW)
        s.set_meta("calendar_id", "abc")
    if s.suggestion(cy, cy2):
        with s.transaction():
            s.dismiss_suggestion(cy, cy2, at=NOW)
    return s


def fingerprint(folder: Path) -> dict[str, str]:
    """The database file and its write-ahead log (not the -shm index, where every reader marks its place)."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.suffix != ".db-shm"}


def test_everything_is_copied_with_its_ids_and_the_sqlite_file_is_untouched(tmp_path, pg_url):
    folder = tmp_path / "base"
    lite = a_base(folder / "cardpipe.db")  # still open, as a run might be
    before = fingerprint(folder)
    result = migrate(folder / "cardpipe.db", pg_url)
    assert fingerprint(folder) == before
    assert result.counts == {t: lite.db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in result.counts}
    assert result.counts["decisions"] >= 3 and result.counts["followups"] == 1
    pg = open_store(pg_url)
    assert pg.contacts() == lite.contacts()
    for cid in lite.contact_ids():
        assert [dict(r) for r in pg.decisions_about(cid)] == [dict(r) for r in lite.decisions_about(cid)]
        assert pg.kept_apart_from(cid) == lite.kept_apart_from(cid)
    assert pg.get_meta("calendar_id") == "abc"
    _, new = add(pg, "d1", "Dora New", email="dora@new.com")  # ids go on after the copied ones
    assert new > max(lite.contact_ids())
    lite.close()
    pg.close()


def test_a_database_that_is_not_empty_is_refused_and_nothing_copied(tmp_path, pg_url):
    a_base(tmp_path / "cardpipe.db").close()
    pg = open_store(pg_url)
    add(pg, "x", "Xena Held", email="x@held.com")
    with pytest.raises(ConfigError, match="already holds 1 card"):
        migrate(tmp_path / "cardpipe.db", pg_url)
    assert [c.record.name for c in pg.contacts()] == ["Xena Held"]
    pg.close()


def test_the_command(tmp_path, pg_url):
    a_base(tmp_path / "cardpipe.db").close()
    r = CliRunner().invoke(cli, ["migrate", "--to", pg_url, "--db", str(tmp_path / "cardpipe.db")])
    assert r.exit_code == 0, r.output
    assert "copied 7 files, " in r.output and "is unchanged" in r.output
    r = CliRunner().invoke(cli, ["migrate", "--to", str(tmp_path / "other.db"), "--db", str(tmp_path / "cardpipe.db")])
    assert r.exit_code == 78 and "takes a PostgreSQL URL" in r.output
