"""Due-list rules with an injected clock: no test depends on today's date."""

import csv
import datetime as dt
import re
import types

import icalendar
import pytest
from click.testing import CliRunner

from cardpipe import service
from cardpipe.cli import cli
from cardpipe.clock import FixedClock
from cardpipe.config import load_config
from cardpipe.contacts.store import SqliteStore
from cardpipe.errors import AmbiguousError, NotFoundError
from cardpipe.followup import ics
from cardpipe.followup.due import due_date, due_list, schedule, update_notes
from cardpipe.followup.due_edits import parse_date
from cardpipe.models import CardResult, Contact, ContactRecord, DueItem

D = dt.date


@pytest.mark.parametrize(
    "cards, followups, days, cadence, expected",
    [
        # a card with no follow-up is due N days after it was collected
        ([D(2026, 11, 1)], [], 7, (), (D(2026, 11, 8), 0)),
        # a follow-up after the card closes it; without a cadence nothing more is due
        ([D(2026, 11, 1)], [D(2026, 11, 3)], 7, (), None),
        # a late follow-up still counts
        ([D(2026, 11, 1)], [D(2026, 11, 20)], 7, (), None),
        # with a cadence, the next touch is due after the first interval...
        ([D(2026, 11, 1)], [D(2026, 11, 3)], 7, (30, 90), (D(2026, 12, 3), 1)),
        # ...then after the last interval, repeatedly
        ([D(2026, 1, 1)], [D(2026, 1, 3), D(2026, 2, 2)], 7, (30, 90), (D(2026, 5, 3), 2)),
        ([D(2026, 1, 1)], [D(2026, 1, 3), D(2026, 2, 2), D(2026, 5, 3)], 7, (30, 90), (D(2026, 8, 1), 3)),
        # met again after the last follow-up: the new card starts the rule again
        ([D(2026, 1, 1), D(2026, 6, 1)], [D(2026, 1, 3)], 7, (30, 90), (D(2026, 6, 8), 1)),
        # a follow-up before the card was collected does not count for it
        ([D(2026, 11, 10)], [D(2026, 11, 1)], 3, (), (D(2026, 11, 13), 1)),
        ([], [], 7, (), None),
    ],
)
def test_due_date(cards, followups, days, cadence, expected):
    assert due_date(cards, followups, days=days, cadence=cadence) == expected


def _contact(cid, name, met, done=False):
    return Contact(id=cid, record=ContactRecord(name=name), card_ids=(cid,), first_met=met, done=done)


def test_due_list_orders_most_overdue_first_and_skips_done_and_future():
    today = D(2026, 11, 23)
    data = [
        (_contact(1, "Recent", D(2026, 11, 20)), [D(2026, 11, 20)], []),  # due 11-27: not yet
        (_contact(2, "Old", D(2026, 11, 1)), [D(2026, 11, 1)], []),  # due 11-08: 15 days overdue
        (_contact(3, "Middle", D(2026, 11, 10)), [D(2026, 11, 10)], []),  # due 11-17: 6 days
        (_contact(4, "Today", D(2026, 11, 16)), [D(2026, 11, 16)], []),  # due today: 0
        (_contact(5, "Done", D(2026, 10, 1), done=True), [D(2026, 10, 1)], []),
        (_contact(6, "Followed", D(2026, 11, 1)), [D(2026, 11, 1)], [D(2026, 11, 2)]),
    ]
    items = due_list(data, today, days=7)
    assert [(i.name, i.days_overdue) for i in items] == [("Old", 15), ("Middle", 6), ("Today", 0)]
    assert items[0].due_on == D(2026, 11, 8)
    assert items[0].met_on == D(2026, 11, 1)


def test_due_list_window_zero_puts_todays_cards_on_the_list():
    today = D(2026, 11, 23)
    items = due_list([(_contact(1, "A", today), [today], [])], today, days=0)
    assert [(i.contact_id, i.days_overdue) for i in items] == [(1, 0)]


# ---------------------------------------------------------------------------
# Cadence, per-contact interval, touches counted by day
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cards, followups, interval, expected",
    [
        # two follow-ups on the same day (a call and an email) are one touch: still step 1
        ([D(2026, 1, 1)], [D(2026, 1, 3), D(2026, 1, 3)], None, (D(2026, 2, 2), 1)),
        # the contact's own interval replaces the cadence after the first follow-up...
        ([D(2026, 1, 1)], [D(2026, 1, 3)], 14, (D(2026, 1, 17), 1)),
        ([D(2026, 1, 1)], [D(2026, 1, 3), D(2026, 1, 17)], 14, (D(2026, 1, 31), 2)),
        # ...but not the first window after a card
        ([D(2026, 1, 1)], [], 14, (D(2026, 1, 8), 0)),
        ([D(2026, 1, 1), D(2026, 3, 1)], [D(2026, 1, 3)], 14, (D(2026, 3, 8), 1)),
        # a card collected the day of the follow-up is covered by it
        ([D(2026, 1, 1), D(2026, 1, 3)], [D(2026, 1, 3)], None, (D(2026, 2, 2), 1)),
    ],
)
def test_due_date_cadence_and_interval(cards, followups, interval, expected):
    assert due_date(cards, followups, days=7, cadence=(30, 90), interval=interval) == expected


def test_interval_gives_a_next_touch_even_without_a_cadence():
    assert due_date([D(2026, 1, 1)], [D(2026, 1, 3)], days=7, cadence=(), interval=10) == (D(2026, 1, 13), 1)
    assert due_date([D(2026, 1, 1)], [D(2026, 1, 3)], days=7, cadence=()) is None


def test_schedule_lists_future_follow_ups_with_negative_overdue_and_honours_interval():
    today = D(2026, 11, 23)
    c = Contact(id=1, record=ContactRecord(name="A"), card_ids=(1,), first_met=D(2026, 11, 1), interval_days=5)
    items = schedule([(c, [D(2026, 11, 1)], [D(2026, 11, 20)])], today, days=7, cadence=(30,))
    assert [(i.due_on, i.days_overdue, i.step) for i in items] == [(D(2026, 11, 25), -2, 1)]
    assert due_list([(c, [D(2026, 11, 1)], [D(2026, 11, 20)])], today, days=7, cadence=(30,)) == []


# ---------------------------------------------------------------------------
# Notes
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "old, kw, expected",
    [
        (None, {"text": "wants the deck"}, "wants the deck"),
        ("met at the mixer", {"text": "wants the deck"}, "met at the mixer\nwants the deck"),
        (None, {"labelled": {"needs": "a  bookkeeper", "does": "IT"}}, "Does: IT\nNeeds: a bookkeeper"),
        # a labelled line is replaced, not repeated; free lines stay after the labelled ones
        ("Does: IT\nhello", {"labelled": {"does": "payroll"}, "text": "x"}, "Does: payroll\nhello\nx"),
        ("Does: IT\nNeeds: cash", {"labelled": {"needs": ""}}, "Does: IT"),
        ("Needs: cash", {"labelled": {"meet": "Ann Lee"}}, "Needs: cash\nWants to meet: Ann Lee"),
        ("old stuff", {"clear": True}, None),
        ("old stuff", {"clear": True, "text": "new"}, "new"),
    ],
)
def test_update_notes(old, kw, expected):
    assert update_notes(old, **kw) == expected


# ---------------------------------------------------------------------------
# Dates as typed into a spreadsheet (or after --on)
# ---------------------------------------------------------------------------

TODAY = D(2026, 11, 23)


@pytest.mark.parametrize(
    "text, day_first, expected",
    [
        ("2026-11-20", False, D(2026, 11, 20)),
        ("2026-11-20 00:00:00", False, D(2026, 11, 20)),  # LibreOffice with a time format
        ("11/20/2026", False, D(2026, 11, 20)),
        ("11/20/26", False, D(2026, 11, 20)),
        ("20/11/2026", True, D(2026, 11, 20)),
        ("05/11/2026", False, D(2026, 5, 11)),  # ambiguous: the configured order decides
        ("05/11/2026", True, D(2026, 11, 5)),
        ("20.11.2026", False, D(2026, 11, 20)),  # dots are day first whatever the order
        ("20 Nov 2026", False, D(2026, 11, 20)),
        ("Nov 20, 2026", True, D(2026, 11, 20)),
        ("20-Nov-26", False, D(2026, 11, 20)),  # Excel's d-mmm-yy
        ("Friday, November 20, 2026", False, D(2026, 11, 20)),
        ("'2026-11-20", False, D(2026, 11, 20)),  # an apostrophe typed to keep it text
        ("46346", False, D(2026, 11, 20)),  # an Excel day number: the cell lost its date format
        ("20-Nov", False, D(2026, 11, 20)),  # no year: the latest such day not after today
        ("25 Dec", False, D(2025, 12, 25)),
        ("11/21", False, D(2026, 11, 21)),
        ("11/20/2026 0:00", False, D(2026, 11, 20)),  # Excel with a date-time format
        ("20/11/2026 12:30 PM", True, D(2026, 11, 20)),
    ],
)
def test_parse_date_spellings(text, day_first, expected):
    assert parse_date(text, today=TODAY, day_first=day_first) == expected


@pytest.mark.parametrize(
    "text, day_first, message",
    [
        ("20/11/2026", False, 'not a MM/DD/YYYY date; for day-first dates set date_order = "DMY"'),
        ("11/20/2026", True, 'not a DD/MM/YYYY date; for month-first dates set date_order = "MDY"'),
        ("20/11/2026 0:00", False, "not a MM/DD/YYYY date"),  # not silently swapped
        ("02/30/2026", False, "not a date"),
        ("2026-13-01", False, "not a date"),
        ("32.11.2026", False, "not a date"),
        ("someday", False, "not a date"),
        ("Nov 2026", False, "not a whole date"),
        ("10:30", False, "not a whole date"),
        ("called on the 20th", False, "not a date"),
    ],
)
def test_parse_date_refuses_with_a_reason(text, day_first, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_date(text, today=TODAY, day_first=day_first)


# ---------------------------------------------------------------------------
# due.ics
# ---------------------------------------------------------------------------


def _item(cid, due_on, today, step=0, **kw):
    return DueItem(
        contact_id=cid, name=kw.get("name", f"P{cid}"), company=kw.get("company"), email=kw.get("email"),
        phone=None, met_on=D(2026, 11, 1), event=kw.get("event"), due_on=due_on,
        days_overdue=(today - due_on).days, last_followup=None, step=step, notes=kw.get("notes"),
    )


def _events(text):
    cal = icalendar.Calendar.from_ical(text)
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def test_ics_one_event_per_contact_on_its_day_or_today_when_overdue():
    today = D(2026, 11, 23)
    items = [
        _item(1, D(2026, 11, 20), today, name="Jane Doe", company="Acme", event="Chamber mixer", notes="Needs: a CFO"),
        _item(2, D(2026, 11, 30), today, step=1, email="bo@x.org"),
    ]
    text = ics.due_calendar(items, today=today, calendar_id="abc")
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    ev = _events(text)
    assert set(ev) == {"cardpipe-abc-contact-1-followup-1@cardpipe.invalid", "cardpipe-abc-contact-2-followup-2@cardpipe.invalid"}
    jane = ev["cardpipe-abc-contact-1-followup-1@cardpipe.invalid"]
    assert jane.decoded("DTSTART") == today  # overdue: shown today, an all-day date
    assert jane.decoded("DTEND") == today + dt.timedelta(days=1)
    assert str(jane["SUMMARY"]) == "Follow up with Jane Doe (Acme)"
    desc = str(jane["DESCRIPTION"])
    assert "Met 2026-11-01 at Chamber mixer." in desc and "3 day(s) overdue" in desc and "Needs: a CFO" in desc
    later = ev["cardpipe-abc-contact-2-followup-2@cardpipe.invalid"]
    assert later.decoded("DTSTART") == D(2026, 11, 30)
    assert "2nd follow-up" in str(later["SUMMARY"])


def test_ics_uid_is_stable_from_day_to_day_and_sequence_grows_while_overdue():
    d1, d2 = D(2026, 11, 23), D(2026, 11, 24)
    a = _events(ics.due_calendar([_item(1, D(2026, 11, 20), d1)], today=d1, calendar_id="abc"))
    b = _events(ics.due_calendar([_item(1, D(2026, 11, 20), d2)], today=d2, calendar_id="abc"))
    assert set(a) == set(b)
    (uid,) = a
    assert b[uid].decoded("DTSTART") == d2 and int(b[uid]["SEQUENCE"]) > int(a[uid]["SEQUENCE"])
    # the same day twice: the same bytes (a run that changes nothing rewrites nothing)
    again = ics.due_calendar([_item(1, D(2026, 11, 20), d1)], today=d1, calendar_id="abc")
    assert again == ics.due_calendar([_item(1, D(2026, 11, 20), d1)], today=d1, calendar_id="abc")


# ---------------------------------------------------------------------------
# Store-backed: contact lookup, digest, CLI
# ---------------------------------------------------------------------------

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def env(tmp_path, monkeypatch):
    cfg_file = tmp_path / "config.toml"
    cfg_file.write_text(
        f'db = "{tmp_path / "c.db"}"\noutput = "{tmp_path / "out"}"\ninbox = "{tmp_path / "inbox"}"\n'
        "days = 7\ncadence = [30, 90]\nweekly_goal = 3\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("CARDPIPE_CONFIG", str(cfg_file))
    cfg = load_config(cfg_file)
    store = SqliteStore(cfg.db)
    clock = FixedClock(NOW)

    def add(name, email, day, *, sha=None, event=None, scanned=None):
        rec = ContactRecord(name=name, emails=(email,), company="Acme")
        result = CardResult(f"{name}.jpg", 0, rec, name, 90.0)
        sha = sha or f"{email}-{day}"
        with store.transaction():
            store.add_file(sha, result.source, status="done", at=NOW)
            return store.add_card(sha, result, collected_on=day, scanned_at=scanned or NOW, event=event)[1]

    def cli_run(*args):
        return CliRunner().invoke(cli, list(args), obj={"clock": clock})

    yield types.SimpleNamespace(cfg=cfg, store=store, clock=clock, add=add, cli=cli_run)
    store.close()


def test_resolve_contact_prefers_exact_email_and_name_and_refuses_ambiguity(env):
    ann = env.add("Ann Lee", "ann@acme.com", D(2026, 11, 1))
    joann = env.add("Joann Leeds", "joann@acme.com", D(2026, 11, 1))
    assert service.resolve_contact(env.store, "ann@acme.com") == ann  # not ambiguous with joann@acme.com
    assert service.resolve_contact(env.store, "ann  lee") == ann  # exact name, spacing and case aside
    assert service.resolve_contact(env.store, "JOANN") == joann
    assert service.resolve_contact(env.store, str(joann)) == joann
    with pytest.raises(AmbiguousError, match="'acme' matches 2 contacts"):
        service.resolve_contact(env.store, "acme")
    with pytest.raises(NotFoundError):
        service.resolve_contact(env.store, "nobody")


def test_followup_cli_several_contacts_next_due_and_refusals(env):
    a = env.add("Ann Lee", "ann@acme.com", D(2026, 11, 1))
    b = env.add("Bob Stone", "bob@stone.org", D(2026, 11, 2))
    r = env.cli("followup", str(a), "bob@stone.org", "--on", "11/20/2026", "--note", "sent the deck")
    assert r.exit_code == 0, r.output
    assert r.output.splitlines() == [
        "Ann Lee: follow-up on 2026-11-20 recorded; next follow-up due 2026-12-20",
        "Bob Stone: follow-up on 2026-11-20 recorded; next follow-up due 2026-12-20",
    ]
    assert [f["note"] for f in env.store.followups(b)] == ["sent the deck"]
    # one ambiguous reference: nothing recorded for anyone
    r = env.cli("followup", str(a), "acme", "--on", "2026-11-21")
    assert r.exit_code == 64 and "matches 2 contacts" in r.output
    assert len(env.store.followups(a)) == 1
    # a date in the future, a date that is not one: one line, exit 64, no traceback
    for on, msg in (("2026-11-24", "is after today"), ("31/11/2026", "not a MM/DD/YYYY date")):
        r = env.cli("followup", str(a), "--on", on)
        assert r.exit_code == 64 and msg in r.output and "Traceback" not in r.output
        assert len(r.output.strip().splitlines()) == 1
    # --done: recorded and off the schedule for good
    r = env.cli("followup", str(b), "--note", "not interested", "--done")
    assert r.exit_code == 0 and "done: no more follow-ups" in r.output
    assert env.store.contact(b).done


def test_done_undo_and_interval_change_the_due_list(env):
    a = env.add("Ann Lee", "ann@acme.com", D(2026, 11, 1))
    today = NOW.date()
    assert [i.contact_id for i in service.due_items(env.store, env.cfg, today)] == [a]
    assert env.cli("done", "ann@acme.com").exit_code == 0
    assert service.due_items(env.store, env.cfg, today) == []
    r = env.cli("done", str(a), "--undo")
    assert r.exit_code == 0 and "overdue since 2026-11-08" in r.output
    assert [i.contact_id for i in service.due_items(env.store, env.cfg, today)] == [a]
    env.cli("followup", str(a), "--on", "2026-11-10")
    r = env.cli("interval", str(a), "10")
    assert r.exit_code == 0 and "every 10 days" in r.output and "overdue since 2026-11-20" in r.output
    assert [(i.contact_id, i.days_overdue) for i in service.due_items(env.store, env.cfg, today)] == [(a, 3)]
    r = env.cli("interval", str(a), "default")
    assert r.exit_code == 0 and "next follow-up due 2026-12-10" in r.output
    assert env.store.contact(a).interval_days is None
    for bad in ("0", "soon", "2.5"):
        r = env.cli("interval", str(a), bad)
        assert r.exit_code == 64 and "not a number of days" in r.output
    assert env.cli("interval", str(a), "-3").exit_code == 64  # click: no such option


def test_note_cli_and_notes_in_the_exports(env):
    a = env.add("Ann Lee", "ann@acme.com", D(2026, 11, 1), event="Chamber mixer")
    r = env.cli("note", str(a), "--does", "runs IT for 3 clinics", "--needs", "a bookkeeper", "--meet", "Bob Stone")
    assert r.exit_code == 0, r.output
    r = env.cli("note", "Ann Lee", "wants the case study")
    assert r.output.splitlines() == [
        "Ann Lee:",
        "  Does: runs IT for 3 clinics",
        "  Needs: a bookkeeper",
        "  Wants to meet: Bob Stone",
        "  wants the case study",
    ]
    assert env.cli("note", str(a)).output == r.output  # nothing to add: prints them
    service.write_exports(env.store, env.cfg, env.clock)
    out = env.cfg.output
    (contact,) = _read_csv(out / "contacts.csv")
    (due,) = _read_csv(out / "due.csv")
    assert contact["notes"] == due["notes"] == env.store.contact(a).notes
    assert due["event"] == "Chamber mixer" and due["days_overdue"] == "15" and due["followup_number"] == "1"
    (ev,) = _events((out / "due.ics").read_bytes()).values()
    assert "Wants to meet: Bob Stone" in str(ev["DESCRIPTION"])
    assert not (out / "due.ics").read_bytes().startswith(b"\xef\xbb\xbf")  # no BOM in a calendar file


def _read_csv(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_due_ics_uids_survive_a_run_and_a_new_step_is_a_new_event(env):
    a = env.add("Ann Lee", "ann@acme.com", D(2026, 11, 1))
    service.write_exports(env.store, env.cfg, env.clock)
    first = set(_events((env.cfg.output / "due.ics").read_bytes()))
    env.clock.advance(1)
    service.write_exports(env.store, env.cfg, env.clock)
    assert set(_events((env.cfg.output / "due.ics").read_bytes())) == first
    env.cli("followup", str(a))
    service.write_exports(env.store, env.cfg, env.clock)
    (uid,) = _events((env.cfg.output / "due.ics").read_bytes())
    assert uid not in first and uid.endswith(f"-contact-{a}-followup-2@cardpipe.invalid")


def test_digest_new_cards_due_overdue_and_weekly_goal(env):
    # Monday 2026-11-23 is today; the week starts today
    env.clock.set(dt.datetime(2026, 11, 25, 8, 0, tzinfo=dt.UTC))  # Wednesday
    old = env.add("Ann Lee", "ann@acme.com", D(2026, 11, 1), scanned=dt.datetime(2026, 11, 1, 9, tzinfo=dt.UTC))
    today_due = env.add("Bob Stone", "bob@stone.org", D(2026, 11, 18), scanned=dt.datetime(2026, 11, 18, 9, tzinfo=dt.UTC))
    new = env.add("Cy Young", "cy@young.org", D(2026, 11, 24), event="Expo", scanned=dt.datetime(2026, 11, 24, 9, tzinfo=dt.UTC))
    # follow-ups this week: two on Monday with one contact (one touch), one last week (not counted)
    with env.store.transaction():
        for cid, day, note in ((new, D(2026, 11, 23), "a"), (new, D(2026, 11, 23), "b"), (new, D(2026, 11, 22), "c")):
            env.store.add_followup(cid, day, note, source="cli", at=NOW)
    r = env.cli("digest")
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[0] == "cardpipe, Wed 25 Nov 2026: 1 due today, 1 overdue, 2 new card(s)"
    assert "New since Wed 18 Nov 08:00: 2 card(s), 2 contact(s)" in lines
    assert f"  Cy Young (Acme), met at Expo  [{new}]" in lines
    assert f"  Bob Stone (Acme), bob@stone.org, met 18 Nov  [{today_due}]" in lines
    assert any(line.strip().startswith("17 d  Ann Lee") and line.endswith(f"[{old}]") for line in lines)
    assert "This week (since Mon 23 Nov): 1 follow-up(s) of 3, 2 to go" in lines
    # the digest moved the mark: a second one has no new cards; --no-mark leaves the mark alone
    env.clock.advance(hours=1)
    assert "No new cards since Wed 25 Nov 08:00." in env.cli("digest", "--no-mark").output
    assert "No new cards since Wed 25 Nov 08:00." in env.cli("digest").output
    r = env.cli("digest", "--since", "2026-11-17", "--limit", "1")
    assert "New since Tue 17 Nov 00:00: 2 card(s), 2 contact(s)" in r.output and "... and 1 more" in r.output


def test_every_follow_up_command_has_help_with_an_example():
    for name in ("followup", "done", "interval", "note", "import", "digest"):
        r = CliRunner().invoke(cli, [name, "--help"])
        assert r.exit_code == 0, name
        assert "Example" in r.output and f"cardpipe {name}" in r.output, name
