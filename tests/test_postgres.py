"""PostgreSQL as the store, on a real server (tests/pgserver.py): one schema on both
backends, the SQLite spellings it translates, several connections writing at once,
and the errors a user meets (a wrong URL, a refused password, a server gone)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from cardpipe.contacts.pgconn import shown_url, translate
from cardpipe.contacts.postgres import PG_MIGRATIONS, PostgresStore
from cardpipe.contacts.store import MIGRATIONS, SCHEMA_VERSION, SqliteStore, open_store
from cardpipe.errors import BusyError, ConfigError, DatabaseUnavailable, ExitCode
from cardpipe.models import CardResult, ContactRecord, Phone

NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


def add(store, sha, name, *, email=None, mobile=None):
    rec = ContactRecord(name=name, emails=(email,) if email else (),
                        phones=(Phone(mobile, "mobile", mobile),) if mobile else ())
    with store.transaction():
        store.add_file(sha, f"{sha}.png", status="done", at=NOW)
        return store.add_card(sha, CardResult(f"{sha}.png", 0, rec, name, 90.0),
                              collected_on=NOW.date(), scanned_at=NOW, event=None)


@pytest.mark.parametrize("sqlite_sql, pg_sql", [
    ("SELECT * FROM cards WHERE id = ?", "SELECT * FROM cards WHERE id = %s"),
    ("INSERT OR IGNORE INTO apart (card_a, card_b) VALUES (?, ?)",
     "INSERT INTO apart (card_a, card_b) VALUES (%s, %s) ON CONFLICT DO NOTHING"),
    ("INSERT INTO contacts (created_at) VALUES (?)", "INSERT INTO contacts (created_at) VALUES (%s) RETURNING id"),
    ("SELECT MIN(?, a), MAX(?, b) FROM t", "SELECT LEAST(%s, a), GREATEST(%s, b) FROM t"),
    ("SELECT name FROM t WHERE name LIKE '%?%' AND x = ?", "SELECT name FROM t WHERE name LIKE '%%?%%' AND x = %s"),
])
def test_sqlite_spellings_are_translated(sqlite_sql, pg_sql):
    assert translate(sqlite_sql) == pg_sql


def test_both_backends_have_the_same_tables_and_columns(tmp_path, pg_url):
    lite = SqliteStore(tmp_path / "c.db")
    pg = PostgresStore(pg_url)
    lite_cols = {
        (t, c[1]) for (t,) in lite.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        for c in lite.db.execute(f"PRAGMA table_info({t})")
    }
    pg_cols = {
        (r[0], r[1]) for r in pg.db.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'")
        if r[0] != "leases"  # the shared inbox's leases: PostgreSQL only
    }
    assert lite_cols == pg_cols
    assert max(PG_MIGRATIONS) == len(MIGRATIONS) == SCHEMA_VERSION == pg.schema_version()
    lite.close()
    pg.close()


def test_reopening_does_not_migrate_again_and_a_newer_schema_is_refused(pg_url):
    s = PostgresStore(pg_url)
    add(s, "h1", "Jane Doe", email="jane@acme.com")
    s.close()
    s = PostgresStore(pg_url)
    assert [c.record.name for c in s.contacts()] == ["Jane Doe"]
    s.db.execute("UPDATE meta SET value = ? WHERE key = 'schema'", (str(SCHEMA_VERSION + 1),))
    s.close()
    with pytest.raises(Exception, match="newer cardpipe"):
        PostgresStore(pg_url)


def test_a_merge_moves_followups_and_keeps_the_one_both_had(pg_url):
    s = open_store(pg_url)
    _, a = add(s, "h1", "Ann One", email="ann@one.com")
    _, b = add(s, "h2", "Ann Uno", email="ann@uno.com")
    with s.transaction():
        s.add_followup(a, dt.date(2026, 11, 21), "call", source="cli", at=NOW)
        s.add_followup(b, dt.date(2026, 11, 21), "call", source="cli", at=NOW)  # the same on both
        s.add_followup(b, dt.date(2026, 11, 22), "mail", source="cli", at=NOW)
    with s.transaction():
        s.merge_contacts(a, b, at=NOW)
    assert [(r["on_date"], r["note"]) for r in s.followups(a)] == [("2026-11-21", "call"), ("2026-11-22", "mail")]
    assert s.followups(b) == []
    with s.transaction():
        new = s.split_cards(a, [s.contact(a).card_ids[1]], at=NOW)
    assert s.kept_apart_from(a) == [new]
    s.close()


def test_a_card_stored_by_another_connection_is_matched(pg_url):
    one, two = open_store(pg_url), open_store(pg_url)
    _, c1 = add(one, "h1", "Jane Doe", email="jane@acme.com")
    one.dedupe_index()  # built, then the other worker writes
    _, c2 = add(two, "h2", "Bob Stone", mobile="+14155550132")
    _, c3 = add(one, "h3", "Bob Stone", mobile="+14155550132")
    assert c3 == c2 != c1
    one.close()
    two.close()


def test_a_merge_by_another_connection_rebuilds_the_index(pg_url):
    one, two = open_store(pg_url), open_store(pg_url)
    _, a = add(one, "h1", "Ann One", email="ann@one.com")
    _, b = add(one, "h2", "Ann Uno", email="ann@uno.com")
    one.dedupe_index()
    with two.transaction():
        two.merge_contacts(a, b, at=NOW)
    assert add(one, "h3", "Ann Uno", email="ann@uno.com")[1] == a  # not the merged-away b
    one.close()
    two.close()


def test_two_workers_storing_one_person_at_once_make_one_contact(pg_url):
    """Writers take turns (the write lock): the second card sees the first, whatever the timing."""
    stores = [open_store(pg_url) for _ in range(4)]
    barrier = threading.Barrier(4)
    got: list[int] = []

    def work(i):
        barrier.wait()
        for n in range(5):
            got.append(add(stores[i], f"w{i}-{n}", f"Person {n}", email=f"p{n}@team.example")[1])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    contacts = stores[0].contacts()
    assert len(contacts) == 5 and sorted(len(c.card_ids) for c in contacts) == [4] * 5
    for s in stores:
        s.close()


def test_a_write_that_waits_too_long_for_the_lock_is_busy(pg_url):
    holder, waiter = open_store(pg_url), PostgresStore(pg_url, busy_timeout=0.2)
    with holder.transaction():
        with pytest.raises(BusyError, match="locked by another program") as e:
            with waiter.transaction():
                pass
    assert e.value.exit_code == ExitCode.busy
    holder.close()
    waiter.close()


def test_the_password_is_never_shown():
    assert shown_url("postgresql://ann:s3cret@db.example/cards") == "postgresql://ann:***@db.example/cards"
    assert "s3cret" not in shown_url("postgresql://ann@db.example/cards?password=s3cret&sslmode=require")


def test_a_refused_password_is_a_config_error_without_the_password(pg_server):
    name = pg_server.new_database()
    with pytest.raises(ConfigError, match="refused the login") as e:
        PostgresStore(pg_server.tcp_url(name, "wrong-pass"))
    assert e.value.exit_code == ExitCode.config and "wrong-pass" not in str(e.value)


def test_an_unknown_database_and_an_unreachable_server(pg_server):
    with pytest.raises(ConfigError, match="does not exist"):
        PostgresStore(pg_server.url("no_such_db"))
    with pytest.raises(DatabaseUnavailable, match="cannot reach the database") as e:
        PostgresStore("postgresql://ann@127.0.0.1:1/cards")
    assert e.value.exit_code == ExitCode.busy


def test_a_server_gone_mid_run_is_one_clear_error(pg_server):
    name = pg_server.new_database()
    s = PostgresStore(pg_server.url(name))
    add(s, "h1", "Jane Doe", email="jane@acme.com")
    pg_server.terminate(name)
    with pytest.raises(DatabaseUnavailable, match="lost the connection") as e:
        add(s, "h2", "Bob Stone", email="bob@stone.com")
    assert e.value.exit_code == ExitCode.busy and "\n" not in str(e.value)



def test_doctor_checks_the_server(pg_server):
    from pgserver import PASSWORD

    from cardpipe import doctor
    from cardpipe.config import load_config

    name = pg_server.new_database()
    check = doctor.check_database(load_config(None, db=pg_server.tcp_url(name, PASSWORD)))
    assert (check.status, check.detail) == (
        doctor.Status.ok,
        f"postgresql://cardpipe:***@127.0.0.1:{pg_server.port}/{name} (schema 0; the next run brings it to {SCHEMA_VERSION})",
    )
    open_store(pg_server.url(name)).close()
    assert doctor.check_database(load_config(None, db=pg_server.url(name))).detail.endswith(f"(schema {SCHEMA_VERSION}, current)")
    check = doctor.check_database(load_config(None, db=pg_server.tcp_url(name, "wrong-pass")))
    assert check.status == doctor.Status.fail and "refused the login" in check.detail and "wrong-pass" not in check.detail
    assert [c.name for c in doctor.check_disk(load_config(None, db=pg_server.url(name)))]  # no folder of a URL
