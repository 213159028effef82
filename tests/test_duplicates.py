"""Possible duplicates: the near misses of the matching rules become suggestions, not
merges (table-driven); the store keeps them until the user merges or dismisses the pair,
and a dismissal sticks across later runs (the store directly, and `cardpipe duplicates`)."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from click.testing import CliRunner

from cardpipe.cli import cli
from cardpipe.clock import FixedClock
from cardpipe.contacts import blocking, dedupe
from cardpipe.contacts.store import SCHEMA_VERSION, SqliteStore, open_store
from cardpipe.models import Address, CardResult, ContactRecord, Phone

NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
M1, M2 = "+14155550177", "+14155550133"


def rec(name=None, company=None, *, email=(), mobile=None, city=None) -> ContactRecord:
    emails = (email,) if isinstance(email, str) else tuple(email)
    phones = (Phone(mobile, "mobile", mobile),) if mobile else ()
    return ContactRecord(
        name=name, company=company, emails=emails, phones=phones,
        address=Address(f"1 Main St, {city}", city=city) if city else None,
    )


# A network where John and Smith are frequent in Springfield: John Smith is too common
# there for name+city to merge (about 0.07 namesakes expected), but not hopeless.
FAMILIES = "Avery Brook Carver Dale Ellison Fairfax Garber Holloway Ingram Jarvis Kimball Lockhart Mercer Norwood " \
    "Osgood Pendleton Quimby Radcliffe Stanton Thornbury".split()
GIVENS = "Ann Beatrix Cyril Dorothy Edmund Florence Gideon Harriet Ignatius Josephine Kenneth Lavinia Mortimer " \
    "Nathaniel Ophelia Percival Rosalind Sebastian Theodora Ulysses".split()
NETWORK = [rec(f"John {f}", f"{f} Works", city="Springfield") for f in FAMILIES]
NETWORK += [rec(f"{g} Smith", f"{g} Studio", city="Springfield") for g in GIVENS]
RARE = "Agnieszka Danuvalelli"

# (existing cards, one contact each, after NETWORK; the new card; (index of the contact it
# joins, rule) or None; {index of a contact suggested: words of the reason})
CASES = [
    ([rec("John Smith", "Acme", city="Springfield")], rec("John Smith", "NewCo", city="Springfield"),
     None, {0: ["city 'Springfield'", "too common there"]}, "job change, common name: a suggestion, not a merge"),
    ([rec("Mary Smith", "Acme", city="Springfield", mobile=M1)],
     rec("Mary Smith", "NewCo", city="Springfield", mobile=M2), None,
     {0: ["different mobile numbers, and the name is too common there"]},
     "job change, a name common there (0.006 namesakes expected), another mobile"),
    ([rec("John Smith", "Acme", city="Springfield", mobile=M1)],
     rec("John Smith", "NewCo", city="Springfield", mobile=M2), None, {},
     "job change, a name very common there (0.07), another mobile: a namesake more likely"),
    ([rec(RARE, "Acme", city="Springfield")], rec(RARE, "NewCo", city="Springfield"), (0, "name+city"), {},
     "job change, rare name: merged, nothing to suggest"),
    ([rec(RARE, "Acme", city="Springfield"), rec(RARE, "Beta", city="Springfield")],
     rec(RARE, "NewCo", city="Springfield"), None,
     {0: ["2 contacts of that name live in that city"], 1: ["2 contacts of that name live in that city"]},
     "two namesake contacts in the city: both suggested"),
    ([rec("John Smith", "Acme", mobile=M1)], rec("John Smith", "Acme", mobile=M2), None,
     {0: ["company 'Acme'", "different mobile numbers"]}, "same name and company, another mobile"),
    ([rec("John Smith", "Acme", email="john.smith@acme.com")], rec("John Smith", email="jsmith@acme.com"), None,
     {0: ["company domain acme.com", "different e-mail addresses at acme.com"]}, "same name and domain, another address"),
    ([rec("John Doe", "Acme"), rec("Jane Doe", "Acme")], rec("J. Doe", "Acme"), None,
     {0: ["initial", "fits 2 contacts"], 1: ["fits 2 contacts"]}, "an initial that fits two contacts"),
    ([rec(RARE, "Acme", city="Springfield"), rec(RARE, "NewCo", email="ad@newco.io")],
     rec(RARE, "NewCo", email="ad@newco.io", city="Springfield"), (1, "email"),
     {0: ["city 'Springfield'", "matched contact"]}, "matched one contact, the same rare name and city as another"),
    ([rec("Jacob Muller", "Acme", city="Springfield")], rec("Jacob Miller", "NewCo", city="Springfield"), None,
     {0: ["more than a misread"]}, "two names a letter apart in one city"),
    ([rec("John Smith", "Acme", city="Springfield")], rec("John Smith", "NewCo", city="Shelbyville"), None, {},
     "namesake in another city: nothing"),
    ([rec(RARE, "Acme", city="Springfield")], rec(RARE, "NewCo", city="Shelbyville"), None,
     {0: ["cities 'Shelbyville' and 'Springfield'", "nothing but the name, a rare one"]},
     "a rare name in another city and company: a move?"),
    ([rec(RARE, "Acme")], rec(RARE, "NewCo"), None, {0: ["no city on one of them", "a rare one"]},
     "a rare name, no city printed"),
    ([rec(RARE, "Acme", city="Springfield", mobile=M1)], rec(RARE, "NewCo", city="Shelbyville", mobile=M2), None, {},
     "a rare name in another city, another mobile: two people"),
    ([rec("Ann One", "Acme", city="Springfield")], rec("Bea Two", "Acme", city="Springfield"), None, {},
     "colleagues: nothing"),
]


@pytest.mark.parametrize("existing, card, joins, suggested", [c[:4] for c in CASES], ids=[c[4] for c in CASES])
def test_near_misses_are_suggested_not_merged(existing, card, joins, suggested):
    first = 1000  # contact ids of the existing cards: 1000, 1001...
    rows = [(i, i, r) for i, r in enumerate(NETWORK)]
    rows += [(first + i, first + i, r) for i, r in enumerate(existing)]
    plan = blocking.Index.build(rows).plan(card)
    if joins is None:
        assert plan.contact_id is None, plan.match
    else:
        assert (plan.contact_id, plan.match.rule) == (first + joins[0], joins[1])
    got = {s.contact_id - first: s.reason for s in plan.suggestions}
    assert set(got) == set(suggested), got
    for i, words in suggested.items():
        assert "not merged automatically" in got[i]
        for w in words:
            assert w in got[i], got[i]


@pytest.mark.parametrize(("network", "suggested"), [(NETWORK, True), (NETWORK + NETWORK, False)],
                         ids=["John and Smith frequent", "twice as frequent"])
def test_names_a_letter_apart_in_one_city_are_suggested_only_while_rare_enough(network, suggested):
    """'John Smyth' is not a misread of 'John Smith' (y/i): two people, or one read wrong.
    Suggested while few namesakes are expected in the city (about 0.07 in NETWORK), not when
    the names are common there (twice the network: about 0.6)."""
    rows = [(i, i, r) for i, r in enumerate(network)] + [(1000, 1000, rec("John Smith", "Acme", city="Springfield"))]
    plan = blocking.Index.build(rows).plan(rec("John Smyth", "NewCo", city="Springfield"))
    assert plan.contact_id is None
    assert [s.contact_id for s in plan.suggestions] == ([1000] if suggested else [])
    if suggested:
        assert "more than a misread" in plan.suggestions[0].reason


def test_a_card_that_nearly_matches_many_contacts_suggests_none():
    existing = [rec(RARE, f"Co {i}", city="Springfield") for i in range(dedupe.SUGGEST_LIMIT + 1)]
    plan = blocking.Index.build((i, i, r) for i, r in enumerate(existing)).plan(rec(RARE, "NewCo", city="Springfield"))
    assert plan.contact_id is None and plan.suggestions == ()


def test_no_suggestion_for_contacts_kept_apart():
    rows = [(1, 1, rec("John Smith", "Acme", city="Springfield")), (2, 2, rec("John Smith", "NewCo", city="Springfield"))]
    rows += [(100 + i, 100 + i, r) for i, r in enumerate(NETWORK)]
    card = rec("John Smith", "NewCo", city="Springfield")  # joins 2 by name+company; 1 only nearly
    assert [s.contact_id for s in blocking.Index.build(rows).plan(card).suggestions] == [1]
    plan = blocking.Index.build(rows, apart=[(1, 2)]).plan(card)
    assert plan.contact_id == 2 and plan.suggestions == ()


# --------------------------------------------------------------------------- the store


def add(store, sha, record):
    with store.transaction():
        store.add_file(sha, f"{sha}.png", status="done", at=NOW)
        return store.add_card(sha, CardResult(f"{sha}.png", 0, record, "", 90.0),
                              collected_on=NOW.date(), scanned_at=NOW, event=None)


def network_store(path) -> tuple[SqliteStore, int, int]:
    """A store with NETWORK, John Smith at Acme (A) and John Smith at NewCo (B), one city."""
    store = open_store(path)
    for i, r in enumerate(NETWORK):
        add(store, f"n{i}", r)
    _, a = add(store, "old", rec("John Smith", "Acme", city="Springfield"))
    _, b = add(store, "new", rec("John Smith", "NewCo", city="Springfield"))
    return store, a, b


def pairs(store) -> list[tuple[int, int]]:
    return [(r["contact_a"], r["contact_b"]) for r in store.suggestions()]


def test_the_store_keeps_a_suggestion_and_a_merge_drops_it(any_db):
    store, a, b = network_store(any_db)
    assert a != b and pairs(store) == [(a, b)]
    row = store.suggestions()[0]
    assert row["rule"] == "name+city" and "city 'Springfield'" in row["reason"] and row["reason"].startswith("card #")
    with store.transaction():
        store.merge_contacts(a, b, at=NOW)
    assert pairs(store) == []
    store.close()


def test_a_suggestion_follows_a_contact_merged_into_a_third(any_db):
    store, a, b = network_store(any_db)
    _, c = add(store, "mob", rec("J. Smith", "Othercorp", mobile=M1))
    assert c not in (a, b) and pairs(store) == [(a, b)]
    with store.transaction():
        store.merge_contacts(c, b, at=NOW)  # B was C all along: the question is now A or C
    assert pairs(store) == [(a, c)]
    store.close()


def test_a_dismissal_sticks_across_later_runs(any_db):
    path = any_db
    store, a, b = network_store(path)
    with store.transaction():
        store.dismiss_suggestion(a, b, at=NOW)
    assert pairs(store) == []
    assert [d["kind"] for d in store.decisions_about(a)] == ["dismiss"]
    store.close()
    store = open_store(path)  # a later run, another process: B's card again
    _, again = add(store, "new-rescan", rec("John Smith", "NewCo", city="Springfield"))
    _, old = add(store, "old-rescan", rec("John Smith", "Acme", city="Springfield"))
    assert (again, old) == (b, a) and pairs(store) == []
    with store.transaction():  # the user changes their mind: a merge lifts the dismissal
        store.merge_contacts(a, b, at=NOW)
    assert store.kept_apart_from(a) == []
    assert store.db.execute("SELECT COUNT(*) FROM apart").fetchone()[0] == 0  # the dismissal's pairs are gone
    store.close()


def test_a_database_at_schema_4_migrates_with_its_decisions(tmp_path):
    from cardpipe.contacts import store as store_mod

    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    db.execute("PRAGMA foreign_keys=ON")
    for number in range(4):
        for statement in store_mod._statements(store_mod.MIGRATIONS[number]):
            db.execute(statement)
    db.execute("PRAGMA user_version=4")
    db.execute("INSERT INTO files VALUES ('h', 'a.png', 'done', NULL, NULL, '2026-01-01')")
    db.execute("INSERT INTO contacts (id, created_at) VALUES (1, '2026-01-01'), (2, '2026-01-01')")
    for card, contact in ((1, 1), (2, 2)):
        db.execute(
            "INSERT INTO cards (id, file_sha256, card_index, source_name, contact_id, collected_on, scanned_at, "
            "ocr_text, ocr_conf, record, match_rule) VALUES (?, 'h', ?, 'a.png', ?, '2026-01-01', "
            "'2026-01-01T00:00:00+00:00', '', 90, '{\"name\": \"Ann Lee\"}', 'new')", (card, card, contact),
        )
    db.execute("INSERT INTO decisions VALUES (7, 'split', 2, 1, '2026-01-01', 'card #2 split off contact 1 into 2')")
    db.execute("INSERT INTO apart VALUES (1, 2, 7)")
    db.commit()
    db.close()
    s = SqliteStore(path)
    assert s.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert [tuple(r) for r in s.db.execute("SELECT id, kind FROM decisions")] == [(7, "split")]
    assert [tuple(r) for r in s.db.execute("SELECT * FROM apart")] == [(1, 2, 7)]
    assert s.db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert s.suggestions() == []
    with s.transaction():
        s.db.execute("INSERT INTO decisions (kind, card_id, contact_id, made_at) VALUES ('dismiss', 2, 1, 'x')")
    s.close()


# --------------------------------------------------------------------------- the CLI


@pytest.fixture
def home(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(f'db = "{tmp_path / "cardpipe.db"}"\noutput = "{tmp_path / "out"}"\n', encoding="utf-8")
    return tmp_path, config


def invoke(config, *args, code=0) -> str:
    r = CliRunner().invoke(cli, list(args), obj={"clock": FixedClock(NOW)}, env={"CARDPIPE_CONFIG": str(config)})
    assert r.exit_code == code, (args, r.output)
    return r.output


def test_duplicates_lists_dismisses_and_the_dismissal_survives_a_later_run(home):
    root, config = home
    store, a, b = network_store(root / "cardpipe.db")
    store.close()
    out = invoke(config, "duplicates")
    assert out.startswith("1 possible duplicate(s), newest first:")
    assert f"{a:>4}  John Smith  (Acme, Springfield)" in out and f"{b:>4}  John Smith  (NewCo, Springfield)" in out
    assert "same name and city" not in out and "not merged automatically" in out
    assert f"cardpipe merge {a} {b}" in out and f"cardpipe duplicates --dismiss {a} {b}" in out
    assert "1 possible duplicate(s): cardpipe duplicates" in invoke(config, "review")

    for args, code, message in [
        (("--dismiss", str(a), "999"), 66, "no contact with id 999"),
        (("--dismiss", str(a), str(a)), 64, "are the same contact"),
        (("--dismiss", str(a), "1"), 66, f"contacts {a} and 1 are not a suggested pair"),
    ]:
        out = invoke(config, "duplicates", *args, code=code)
        assert message in out and "Traceback" not in out and len(out.strip().splitlines()) == 1, out

    out = invoke(config, "duplicates", "--dismiss", str(b), str(a))
    assert f"contacts {b} and {a} are two people" in out
    assert invoke(config, "duplicates").startswith("no possible duplicates")

    store = SqliteStore(root / "cardpipe.db")  # a later run: the same two cards again
    assert add(store, "new-rescan", rec("John Smith", "NewCo", city="Springfield"))[1] == b
    assert add(store, "old-rescan", rec("John Smith", "Acme", city="Springfield"))[1] == a
    store.close()
    assert invoke(config, "duplicates").startswith("no possible duplicates")
    assert "possible duplicate" not in invoke(config, "review")


def test_merge_settles_a_suggested_pair(home):
    root, config = home
    store, a, b = network_store(root / "cardpipe.db")
    store.close()
    invoke(config, "merge", str(a), str(b))
    assert invoke(config, "duplicates").startswith("no possible duplicates")
