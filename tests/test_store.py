"""The store on both backends (SQLite, and PostgreSQL on a real server): schema,
first-cut dedupe on email/phone, edits, follow-ups."""

import datetime as dt
import sqlite3

import pytest

from cardpipe.contacts.store import SCHEMA_VERSION, SqliteStore, open_store
from cardpipe.errors import NotFoundError, StoreError
from cardpipe.models import Address, CardResult, ContactRecord, Phone

NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


def card(name, *, emails=(), phones=(), company=None, title=None, source="a.jpg", index=0):
    rec = ContactRecord(
        name=name,
        company=company,
        title=title,
        emails=tuple(emails),
        phones=tuple(Phone(e, t, e) for e, t in phones),
        address=Address("1 Main St, Springfield"),
    )
    return CardResult(source=source, card=index, record=rec, ocr_text=name, ocr_conf=90.0)


def add(store, sha, result, day=dt.date(2026, 11, 20), event=None):
    with store.transaction():
        store.add_file(sha, result.source, status="done", at=NOW)
        return store.add_card(sha, result, collected_on=day, scanned_at=NOW, event=event)


@pytest.fixture
def store(any_db):
    s = open_store(any_db)
    yield s
    s.close()


def test_schema_version_wal_and_reopen(tmp_path):
    path = tmp_path / "c.db"
    s = SqliteStore(path)
    add(s, "h1", card("Jane Doe", emails=["jane@acme.com"]))
    s.close()
    s = SqliteStore(path)
    assert s.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert s.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert s.db.execute("SELECT name FROM sqlite_master WHERE name = 'card_keys'").fetchone() is None
    assert [c.record.name for c in s.contacts()] == ["Jane Doe"]
    assert s.file_status("h1") == "done"
    assert s.file_status("nope") is None
    s.close()


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "c.db"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(StoreError, match="newer cardpipe"):
        SqliteStore(path)


def test_not_a_database_is_a_clear_error(tmp_path):
    path = tmp_path / "c.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="Is it a cardpipe database"):
        SqliteStore(path)


def test_same_email_attaches_to_the_same_contact(store):
    _, c1 = add(store, "h1", card("Jane Doe", emails=["jane@acme.com"], company="Acme"))
    _, c2 = add(store, "h2", card("Jane Doe", emails=["Jane@acme.com"], company="Acme Inc."), day=dt.date(2026, 11, 21))
    assert c1 == c2
    contact = store.contact(c1)
    assert len(contact.card_ids) == 2
    assert contact.record.company == "Acme Inc."  # newest card wins for job fields
    assert contact.first_met == dt.date(2026, 11, 20)
    rules = [r["match_rule"] for r in store.cards_of(c1)]
    assert rules == ["new", "email"]


def test_same_mobile_attaches_and_phones_are_unioned(store):
    _, c1 = add(store, "h1", card("Bob Stone", phones=[("+14155550132", "mobile")]))
    _, c2 = add(store, "h2", card("Bob Stone", phones=[("+14155550132", "mobile"), ("+14155550100", "work")]))
    assert c1 == c2
    assert [p.e164 for p in store.contact(c1).record.phones] == ["+14155550132", "+14155550100"]


def test_role_emails_and_fax_do_not_merge_people(store):
    _, c1 = add(store, "h1", card("Ann One", emails=["info@acme.com"], phones=[("+14155550199", "fax")]))
    _, c2 = add(store, "h2", card("Bea Two", emails=["info@acme.com"], phones=[("+14155550199", "fax")]))
    assert c1 != c2


def test_different_people_stay_apart(store):
    _, c1 = add(store, "h1", card("Ann One", emails=["ann@acme.com"]))
    _, c2 = add(store, "h2", card("Bea Two", emails=["bea@acme.com"]))
    assert c1 != c2
    assert len(store.contacts()) == 2


def test_followups_are_recorded_once(store):
    _, cid = add(store, "h1", card("Jane Doe", emails=["jane@acme.com"]))
    with store.transaction():
        assert store.add_followup(cid, dt.date(2026, 11, 21), "call", source="cli", at=NOW) is True
        assert store.add_followup(cid, dt.date(2026, 11, 21), "call", source="csv", at=NOW) is False
    c = store.contact(cid)
    assert c.followup_count == 1
    assert c.last_followup == dt.date(2026, 11, 21)


def test_unknown_contact_is_not_found(store):
    with pytest.raises(NotFoundError, match="no contact with id 42"):
        store.contact(42)


def test_user_edits_win_and_clear_review(store):
    result = card("JANE DOE", emails=["jane@acme.com"])
    result = CardResult(
        result.source, 0, ContactRecord(name="Jame Doe", emails=("jane@acme.com",), review=("name",)), "x", 50.0
    )
    _, cid = add(store, "h1", result)
    with store.transaction():
        store.set_edit(cid, "name", "Jane Doe", at=NOW)
    # a later card of the same person does not overwrite the correction
    add(store, "h2", card("Jame Doe", emails=["jane@acme.com"]))
    c = store.contact(cid)
    assert c.record.name == "Jane Doe"
    assert "name" not in c.record.review


def test_search(store):
    add(store, "h1", card("Jane Doe", emails=["jane@acme.com"], company="Acme"))
    add(store, "h2", card("John Roe", emails=["john@other.org"], company="Other"))
    assert len(store.search("acme")) == 1
    assert len(store.search("o")) == 2


def test_a_database_at_schema_3_migrates_and_loses_the_unread_card_keys(tmp_path):
    from cardpipe.contacts import store as store_mod

    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    for number in range(3):
        for statement in store_mod._statements(store_mod.MIGRATIONS[number]):
            db.execute(statement)
    db.execute("PRAGMA user_version=3")
    db.commit()
    db.close()
    s = SqliteStore(path)
    assert s.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert s.db.execute("SELECT name FROM sqlite_master WHERE name = 'card_keys'").fetchone() is None
    add(s, "h1", card("Jane Doe", emails=["jane@acme.com"]))  # and it still takes cards
    assert [c.record.name for c in s.contacts()] == ["Jane Doe"]
    s.close()
