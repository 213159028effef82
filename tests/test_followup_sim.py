"""Weeks of simulated days with an injected clock, and due.csv as spreadsheets save it.

The simulation: cards arrive (some people met again, some at an event folder
dated days earlier); the user records follow-ups from the CLI (by id, email or
name, today or backdated, sometimes twice the same day), types follow-ups into
due.csv and saves it in the way of Excel, LibreOffice or Windows (BOM or not,
CRLF or LF, `,` `;` or tabs, UTF-8, cp1252 or UTF-16, dates spelled four ways),
sometimes types a date that is not one and fixes it a day later, sometimes
saves a stale copy again, marks contacts done and back, sets own intervals.
Each day the due list (and due.csv, and due.ics) must equal what an independent
simple computation over the test's own log of events says.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import random
import re
from dataclasses import dataclass, field

import icalendar
import pytest
from click.testing import CliRunner

from cardpipe import service
from cardpipe.cli import cli
from cardpipe.clock import FixedClock
from cardpipe.config import load_config
from cardpipe.contacts.store import SqliteStore
from cardpipe.followup import due_edits
from cardpipe.models import CardResult, ContactRecord

D = dt.date
START = D(2026, 10, 5)  # a Monday
DAYS, CADENCE = 3, (5, 12)

PEOPLE = [
    ("Ann Lee", "ann.lee@acme.com"),
    ("Bob Stone", "bob@stonemasons.org"),
    ("Carla Diaz", "carla@diaz-design.es"),
    ("Dmitri Volkov", "dv@volkov.ru"),
    ("Emeka Obi", "emeka@obi.ng"),
    ("Fiona Walsh", "fiona.walsh@walsh.ie"),
    ("Gustav Berg", "gustav@berg.se"),
    ("Hana Sato", "hana@sato.jp"),
    ("Ivan Petrov", "ivan@petrov.bg"),
    ("Julia Costa", "julia@costa.pt"),
    ("Kofi Mensah", "kofi@mensah.gh"),
    ("Lena Fischer", "lena@fischer.de"),
]


@dataclass
class Person:
    name: str
    email: str
    id: int | None = None
    cards: list[dt.date] = field(default_factory=list)
    fus: set[tuple[dt.date, str]] = field(default_factory=set)
    done: bool = False
    interval: int | None = None


def expected_due(people: list[Person], today: dt.date) -> set[tuple[int, dt.date, int, int]]:
    """The rule, computed independently: walk each person's events in time order.

    A card opens a follow-up unless one is open already; a follow-up (counted once
    per day) closes it and starts the cadence; a card the same day as a follow-up
    counts as covered by it.
    """
    due = set()
    for p in people:
        if p.id is None or p.done:
            continue
        fu_days = {d for d, _ in p.fus}
        events = sorted([(d, 0) for d in p.cards] + [(d, 1) for d in fu_days])
        opened, touches, last = None, 0, None
        for day, kind in events:
            if kind == 0:
                opened = opened or day
            else:
                touches, last, opened = touches + 1, day, None
        if opened is not None:
            when = opened + dt.timedelta(days=DAYS)
        elif last is not None:
            gap = p.interval or CADENCE[min(touches, len(CADENCE)) - 1]
            when = last + dt.timedelta(days=gap)
        else:
            continue
        if when <= today:
            due.add((p.id, when, (today - when).days, touches))
    return due


# ---------------------------------------------------------------------------
# The user's spreadsheet
# ---------------------------------------------------------------------------

SPELLINGS = [
    lambda d: d.isoformat(),  # 2026-11-20
    lambda d: f"{d.month}/{d.day}/{d.year}",  # 11/20/2026 (Excel, US)
    lambda d: f"{d.day} {d:%b} {d.year}",  # 20 Nov 2026
    lambda d: f"{d.day:02d}.{d.month:02d}.{d.year}",  # 20.11.2026
    lambda d: f"{d:%b} {d.day}, {d.year}",  # Nov 20, 2026
]

# (encoding, delimiter, line end): how Excel, LibreOffice, Numbers and Windows save a CSV
STYLES = [
    ("utf-8-sig", ",", "\r\n"),  # Excel "CSV UTF-8"
    ("utf-8", ";", "\n"),  # LibreOffice, a semicolon locale
    ("cp1252", ";", "\r\n"),  # Excel "CSV (Comma delimited)" in a German Windows
    ("utf-16", "\t", "\r\n"),  # Excel "Unicode Text"
    ("utf-8", ",", "\n"),  # Numbers, Google Sheets download
    ("utf-8", ",", "\r"),  # old Mac line ends
]


def read_sheet(path) -> tuple[list[str], list[list[str]]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def save_sheet(path, header, rows, style) -> None:
    encoding, delimiter, newline = style
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator=newline).writerows([header, *rows])
    path.write_bytes(buf.getvalue().encode(encoding))


# ---------------------------------------------------------------------------
# The simulation
# ---------------------------------------------------------------------------


class World:
    def __init__(self, tmp_path, seed: int) -> None:
        self.rng = random.Random(seed)
        cfg_file = tmp_path / "config.toml"
        cfg_file.write_text(
            f'db = "{tmp_path / "c.db"}"\noutput = "{tmp_path / "out"}"\ninbox = "{tmp_path / "inbox"}"\n'
            f"days = {DAYS}\ncadence = {list(CADENCE)}\n",
            encoding="utf-8",
        )
        self.env = {"CARDPIPE_CONFIG": str(cfg_file)}
        self.cfg = load_config(cfg_file)
        self.store = SqliteStore(self.cfg.db)
        self.clock = FixedClock(START)
        self.people = [Person(n, e) for n, e in PEOPLE]
        self.by_id: dict[int, Person] = {}
        self.cards = 0
        self.pending: list[tuple[Person, dt.date, str]] = []  # typed into due.csv, recorded by the next run
        self.bad: dict[int, tuple[int, str, str]] = {}  # contact id -> (row, text, note) typed wrong today
        self.kept: dict[int, tuple[str, str]] = {}  # contact id -> (text, note) reported, kept in due.csv
        self.stale: bytes | None = None  # a copy of an edited due.csv, saved again later
        self.checks = 0
        self.seen: dict[str, int] = dict.fromkeys(
            ("reported", "fixed", "stale", "done", "undo", "interval", "same_day", "met_again"), 0
        )

    @property
    def today(self) -> dt.date:
        return self.clock.now().date()

    def cli(self, *args: str) -> str:
        r = CliRunner().invoke(cli, list(args), obj={"clock": self.clock}, env=self.env)
        assert r.exit_code == 0, (args, r.output)
        return r.output

    # -- the nightly run: import due.csv edits, store new cards, rewrite the exports --

    def run(self) -> None:
        imported, problems = service.import_due_edits(self.store, self.cfg, self.clock)
        fresh = {(p.id, d, n) for p, d, n in self.pending if (d, n) not in p.fus}
        assert imported == len(fresh), (self.today, imported, fresh)
        for p, day, note in self.pending:
            p.fus.add((day, note))
        self.pending.clear()
        want = [
            f"due.csv row {row} (contact {cid}, {self.by_id[cid].name}): {text!r}"
            for cid, (row, text, _) in self.bad.items()
        ]
        self.seen["reported"] += len(problems)
        assert len(problems) == len(want), (problems, want)
        assert all(p.startswith(w) for p, w in zip(sorted(problems), sorted(want), strict=True)), (problems, want)
        self.kept.update({cid: (text, note) for cid, (_, text, note) in self.bad.items()})
        self.bad.clear()
        self.arrive()
        service.write_exports(self.store, self.cfg, self.clock)

    def arrive(self) -> None:
        for _ in range(self.rng.choice([0, 0, 1, 1, 2])):
            p = self.rng.choice(self.people)
            # a card from an event folder is dated a few days back; a scan is dated today
            event = self.rng.choice([None, "Chamber mixer", "Expo"])
            collected = self.today - dt.timedelta(days=self.rng.randint(1, 4) if event else 0)
            rec = ContactRecord(name=p.name, emails=(p.email,), company="Co")
            self.cards += 1
            sha = f"sha-{self.cards}"
            result = CardResult(f"card{self.cards}.jpg", 0, rec, p.name, 90.0)
            with self.store.transaction():
                self.store.add_file(sha, result.source, status="done", at=self.clock.now())
                _, cid = self.store.add_card(
                    sha, result, collected_on=collected, scanned_at=self.clock.now(), event=event
                )
            assert p.id in (None, cid), "the same person must stay one contact"
            self.seen["met_again"] += p.id is not None
            p.id = cid
            self.by_id[cid] = p
            p.cards.append(collected)

    # -- the check --

    def simulate(self, days: int = 56) -> None:
        """Each day: run cardpipe, check the outputs, act like a user, then a day passes;
        a last run and check at the end."""
        for _ in range(days):
            self.run()
            self.check()
            self.act()
            self.clock.advance(1)
        self.run()
        self.check()

    def check(self) -> None:
        want = expected_due(self.people, self.today)
        items = service.due_items(self.store, self.cfg, self.today)
        got = {(i.contact_id, i.due_on, i.days_overdue, i.step) for i in items}
        assert got == want, (self.today, got ^ want)
        assert [i.days_overdue for i in items] == sorted((i.days_overdue for i in items), reverse=True)
        # due.csv says the same, with where they were met
        _, rows = read_sheet(self.cfg.output / "due.csv")
        assert {(int(r[0]), int(r[8])) for r in rows} == {(cid, over) for cid, _, over, _ in want}
        # what the user typed wrong is still there, with the reason in front of the note, while
        # the contact is on the list (once off it, the entry goes with the row)
        for cid in set(self.kept) - {int(r[0]) for r in rows}:
            del self.kept[cid]
        for r in rows:
            if int(r[0]) in self.kept:
                text, note = self.kept[int(r[0])]
                assert r[10] == text and r[11].startswith("[not recorded: ") and r[11].endswith(note)
        # due.ics: one event per contact with a next follow-up, due ones today
        cal = icalendar.Calendar.from_ical((self.cfg.output / "due.ics").read_bytes())
        events = {str(e["UID"]): e.decoded("DTSTART") for e in cal.walk("VEVENT")}
        today_uids = {u for u, d in events.items() if d == self.today}
        assert {int(re.search(r"-contact-(\d+)-", u)[1]) for u in today_uids} >= {cid for cid, *_ in want}
        assert len(events) == len({re.search(r"-contact-(\d+)-", u)[1] for u in events})
        self.checks += 1

    # -- the user's day --

    def act(self) -> None:
        items = service.due_items(self.store, self.cfg, self.today)
        rng = self.rng
        chosen_cli = [i for i in items if rng.random() < 0.35]
        for i in chosen_cli:
            p = self.by_id[i.contact_id]
            ref = rng.choice([str(p.id), p.email, p.name])
            day = self.today - dt.timedelta(days=rng.choice([0, 0, 1]))
            note = rng.choice(["", "called", "sent the deck"])
            args = ["followup", ref, "--note", note]
            if day != self.today or rng.random() < 0.5:
                args += ["--on", rng.choice(SPELLINGS[:2])(day)]
            self.cli(*args)
            p.fus.add((day, note))
            if rng.random() < 0.2:  # an email as well as the call, the same day: one touch
                self.cli("followup", str(p.id), "--on", day.isoformat(), "--note", "and an email")
                self.seen["same_day"] += 1
                p.fus.add((day, "and an email"))
        self.edit_sheet([i for i in items if i not in chosen_cli])
        # now and then: done, back on the schedule, an own interval
        known = [p for p in self.people if p.id is not None]
        if known and rng.random() < 0.15:
            done = [p for p in known if p.done]
            p = rng.choice(done if done and rng.random() < 0.5 else known)
            if p.done:
                self.cli("done", str(p.id), "--undo")
                self.seen["undo"] += 1
            else:
                self.cli("done", p.email)
                self.seen["done"] += 1
            p.done = not p.done
        if known and rng.random() < 0.1:
            p = rng.choice(known)
            p.interval = rng.choice([None, 2, 7])
            self.cli("interval", str(p.id), str(p.interval or "default"))
            self.seen["interval"] += 1

    def edit_sheet(self, candidates) -> None:
        rng = self.rng
        path = self.cfg.output / "due.csv"
        if self.stale is not None and rng.random() < 0.15:
            path.write_bytes(self.stale)  # an old copy saved again: nothing may be recorded twice
            self.stale = None
            self.seen["stale"] += 1
            self.kept.clear()  # (and the entries kept in today's file are gone with it)
            return
        header, rows = read_sheet(path)
        col = {name: i for i, name in enumerate(header)}
        touched = has_bad = False
        for n, r in enumerate(rows, start=2):
            cid = int(r[col["contact_id"]])
            p = self.by_id[cid]
            # a day with no follow-up yet for this person (same-day merging has its own tests)
            day = self.today - dt.timedelta(days=rng.choice([0, 0, 1, 2]))
            if day in {d for d, _ in p.fus}:
                continue
            if cid in self.kept:  # the row typed wrong earlier: fix it, or leave it for later
                if rng.random() < 0.6:
                    _, note = self.kept.pop(cid)
                    r[col["followed_up_on"]] = SPELLINGS[0](day)  # the reason stays in the note
                    self.pending.append((p, day, note))
                    self.seen["fixed"] += 1
                    touched = True
                else:
                    has_bad = True
                continue
            if not any(i.contact_id == cid for i in candidates) or rng.random() > 0.4:
                continue
            note = rng.choice(["", "coffee", "intro to Ann", "Müller & Söhne, ça va"])
            if rng.random() < 0.12:
                text = rng.choice(["31/02/2026", "someday", "11/32/2026"])
                self.bad[cid] = (n, text, note)
                r[col["followed_up_on"]], r[col["followup_note"]] = text, note
                has_bad = True
            else:
                r[col["followed_up_on"]] = rng.choice(SPELLINGS)(day)
                r[col["followup_note"]] = note
                self.pending.append((p, day, note))
            touched = True
        if touched:
            save_sheet(path, header, rows, rng.choice(STYLES))
            if not has_bad:
                self.stale = path.read_bytes()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_eight_weeks_of_days_match_an_independent_computation(tmp_path, seed):
    w = World(tmp_path, seed)
    w.simulate(56)
    # the simulation exercised what it claims to
    recorded = w.store.db.execute("SELECT source, COUNT(*) FROM followups GROUP BY source").fetchall()
    sources = dict(recorded)
    assert sources.get("cli", 0) > 10 and sources.get("due.csv", 0) > 10, sources
    steps = w.store.db.execute("SELECT MAX(n) FROM (SELECT COUNT(DISTINCT on_date) n FROM followups GROUP BY contact_id)")
    assert steps.fetchone()[0] >= 3  # contacts went through several cadence steps
    assert w.checks == 57
    assert all(w.seen.values()), w.seen  # every kind of event happened at least once
    # and nothing was recorded twice
    dupes = w.store.db.execute(
        "SELECT COUNT(*) FROM (SELECT contact_id, on_date, note FROM followups GROUP BY 1, 2, 3 HAVING COUNT(*) > 1)"
    ).fetchone()[0]
    assert dupes == 0
    total = sum(len(p.fus) for p in w.people)
    assert w.store.db.execute("SELECT COUNT(*) FROM followups").fetchone()[0] == total


# ---------------------------------------------------------------------------
# due.csv round trip, as a spreadsheet would save it
# ---------------------------------------------------------------------------


@pytest.fixture
def world(tmp_path):
    w = World(tmp_path, 0)
    w.clock.set(D(2026, 11, 23))
    for k, (name, email) in enumerate(PEOPLE[:6]):
        rec = ContactRecord(name=name, emails=(email,), company="Co")
        with w.store.transaction():
            w.store.add_file(f"h{k}", "x.jpg", status="done", at=w.clock.now())
            _, cid = w.store.add_card(
                f"h{k}", CardResult("x.jpg", 0, rec, name, 90.0), collected_on=D(2026, 11, 1 + k),
                scanned_at=w.clock.now(), event="Chamber mixer",
            )
        w.by_id[cid] = w.people[k]
        w.people[k].id = cid
    service.write_exports(w.store, w.cfg, w.clock)
    yield w
    w.store.close()


def _fill(w, entries, style=("utf-8-sig", ",", "\r\n"), *, header_map=None):
    """Type (followed_up_on, note) into the rows of the given contact ids and save."""
    path = w.cfg.output / "due.csv"
    header, rows = read_sheet(path)
    col = {name: i for i, name in enumerate(header)}
    for r in rows:
        cid = int(r[col["contact_id"]])
        if cid in entries:
            r[col["followed_up_on"]], r[col["followup_note"]] = entries[cid]
    if header_map:
        header = [header_map.get(h, h) for h in header]
    save_sheet(path, header, rows, style)
    return {int(r[0]): n for n, r in enumerate(rows, start=2)}


def _followups(w):
    return [tuple(r) for r in w.store.db.execute("SELECT contact_id, on_date, note, source FROM followups ORDER BY 1, 2, 3")]


def test_round_trip_excel_bom_crlf_and_every_date_spelling(world):
    w = world
    raw = (w.cfg.output / "due.csv").read_bytes()
    assert raw.startswith(codecs.BOM_UTF8) and b"\r\n" in raw
    ids = [p.id for p in w.people[:5]]
    _fill(w, {
        ids[0]: ("11/20/2026", "called"),
        ids[1]: ("2026-11-20", ""),
        ids[2]: ("20 Nov 2026", "coffee; next month"),
        ids[3]: ("20.11.2026", "Müller & Söhne"),
        ids[4]: ("20-Nov", "=HYPERLINK(1)"),
    })
    assert service.import_due_edits(w.store, w.cfg, w.clock) == (5, [])
    assert _followups(w) == [
        (ids[0], "2026-11-20", "called", "due.csv"),
        (ids[1], "2026-11-20", "", "due.csv"),
        (ids[2], "2026-11-20", "coffee; next month", "due.csv"),
        (ids[3], "2026-11-20", "Müller & Söhne", "due.csv"),
        (ids[4], "2026-11-20", "=HYPERLINK(1)", "due.csv"),
    ]
    # the same file again (the user saves it once more): nothing recorded twice
    assert service.import_due_edits(w.store, w.cfg, w.clock) == (0, [])
    assert len(_followups(w)) == 5
    # the run rewrites due.csv: those five are off the list, the sixth still due
    service.write_exports(w.store, w.cfg, w.clock)
    _, rows = read_sheet(w.cfg.output / "due.csv")
    assert [int(r[0]) for r in rows] == [w.people[5].id]


@pytest.mark.parametrize("style", STYLES, ids=lambda s: f"{s[0]}-{s[1]!r}-{s[2]!r}")
def test_round_trip_in_every_save_style(world, style):
    w = world
    a, b = w.people[0].id, w.people[1].id
    _fill(w, {a: ("11/20/2026", "café"), b: ("20.11.2026", "")}, style)
    assert service.import_due_edits(w.store, w.cfg, w.clock) == (2, [])
    assert [(c, d, n) for c, d, n, _ in _followups(w)] == [(a, "2026-11-20", "café"), (b, "2026-11-20", "")]


def test_bad_dates_reported_with_row_numbers_the_rest_recorded_and_the_entry_kept(world):
    w = world
    p = w.people
    rows = _fill(w, {
        p[0].id: ("31/02/2026", "called"),
        p[1].id: ("11/20/2026", "fine"),
        p[2].id: ("someday", ""),
        p[3].id: ("", "a note and no date"),
        p[4].id: ("12/24/2026", "future"),
        p[5].id: ("10/01/2025", "too early"),
    })
    imported, problems = service.import_due_edits(w.store, w.cfg, w.clock)
    assert imported == 1
    assert [(c, d, n) for c, d, n, _ in _followups(w)] == [(p[1].id, "2026-11-20", "fine")]
    assert problems == [
        f"due.csv row {rows[p[0].id]} (contact {p[0].id}, Ann Lee): '31/02/2026' is not a MM/DD/YYYY date; "
        'for day-first dates set date_order = "DMY" in the config, or write it like 2026-11-20',
        f"due.csv row {rows[p[2].id]} (contact {p[2].id}, Carla Diaz): 'someday' is not a date; write it like 2026-11-20",
        f"due.csv row {rows[p[3].id]} (contact {p[3].id}, Dmitri Volkov): a note but no date in followed_up_on",
        f"due.csv row {rows[p[4].id]} (contact {p[4].id}, Emeka Obi): '12/24/2026' reads as 24 Dec 2026, which is after today",
        f"due.csv row {rows[p[5].id]} (contact {p[5].id}, Fiona Walsh): '10/01/2025' reads as 01 Oct 2025, "
        "before you met them (06 Nov 2026); check the year",
    ]
    # the fresh due.csv keeps what was typed, with the reason in front of the note
    service.write_exports(w.store, w.cfg, w.clock)
    header, after = read_sheet(w.cfg.output / "due.csv")
    by_id = {int(r[0]): dict(zip(header, r, strict=True)) for r in after}
    assert p[1].id not in by_id
    assert by_id[p[0].id]["followed_up_on"] == "31/02/2026"
    assert by_id[p[0].id]["followup_note"].startswith("[not recorded: '31/02/2026' is not a MM/DD/YYYY date")
    assert by_id[p[0].id]["followup_note"].endswith("] called")
    # ...and the next run does not report them again (cron stays quiet) nor record anything
    assert service.import_due_edits(w.store, w.cfg, w.clock) == (0, [])
    # the user fixes one date, leaving the reason in the note: recorded with the note as first typed
    _fill(w, {p[0].id: ("11/21/2026", by_id[p[0].id]["followup_note"])})
    assert service.import_due_edits(w.store, w.cfg, w.clock) == (1, [])
    assert (p[0].id, "2026-11-21", "called", "due.csv") in _followups(w)


def test_day_first_config_reads_slashes_day_first(world, tmp_path):
    w = world
    cfg = load_config(tmp_path / "config.toml", date_order="DMY")
    _fill(w, {w.people[0].id: ("05/11/2026", ""), w.people[1].id: ("11/20/2026", "")})
    imported, problems = service.import_due_edits(w.store, cfg, w.clock)
    assert imported == 1 and _followups(w)[0][:2] == (w.people[0].id, "2026-11-05")
    assert len(problems) == 1 and 'for month-first dates set date_order = "MDY"' in problems[0]
    # region GB and date_order auto: day first as well
    assert load_config(tmp_path / "config.toml", region="GB").day_first
    assert not load_config(tmp_path / "config.toml").day_first


def test_a_row_whose_name_belongs_to_someone_else_is_refused(world):
    """Sorting one column on its own scrambles rows: the contact id no longer matches the name."""
    w = world
    path = w.cfg.output / "due.csv"
    header, rows = read_sheet(path)
    col = {n: i for i, n in enumerate(header)}
    rows[0][col["name"]], rows[1][col["name"]] = rows[1][col["name"]], rows[0][col["name"]]
    rows[0][col["email"]], rows[1][col["email"]] = rows[1][col["email"]], rows[0][col["email"]]
    rows[0][col["followed_up_on"]] = "2026-11-20"
    rows[2][col["followed_up_on"]] = "2026-11-20"
    rows[2][col["name"]] = rows[2][col["name"]].upper()  # a name retyped differently is still the same person
    save_sheet(path, header, rows, STYLES[0])
    imported, problems = service.import_due_edits(w.store, w.cfg, w.clock)
    assert imported == 1
    assert len(problems) == 1 and problems[0].startswith("due.csv row 2 (contact") and "sorted on its own" in problems[0]


def test_unknown_contact_and_junk_id_are_reported(world):
    w = world
    path = w.cfg.output / "due.csv"
    header, rows = read_sheet(path)
    rows.append(["999", "", "", "", "", "", "", "", "", "", "2026-11-20", "", "", ""])
    rows.append(["abc", "", "", "", "", "", "", "", "", "", "2026-11-20", "", "", ""])
    rows.append([""] * len(header))  # an empty row Excel leaves behind: ignored
    save_sheet(path, header, rows, STYLES[1])
    imported, problems = service.import_due_edits(w.store, w.cfg, w.clock)
    assert imported == 0
    assert problems == [
        "due.csv row 8: no contact with id 999 (merged or deleted?); nothing recorded",
        "due.csv row 9: 'abc' is not a contact id; nothing recorded for this row",
    ]


def test_edited_note_for_an_imported_day_replaces_it_instead_of_adding_a_second(world):
    w = world
    a = w.people[0].id
    _fill(w, {a: ("2026-11-20", "called")})
    assert service.import_due_edits(w.store, w.cfg, w.clock)[0] == 1
    _fill(w, {a: ("2026-11-20", "called, sending the deck")})  # a stale copy, note edited
    assert service.import_due_edits(w.store, w.cfg, w.clock)[0] == 1
    assert [(c, d, n) for c, d, n, _ in _followups(w)] == [(a, "2026-11-20", "called, sending the deck")]
    # the same day recorded from the CLI with no note: the sheet's empty note adds nothing
    _fill(w, {a: ("2026-11-20", "")})
    assert service.import_due_edits(w.store, w.cfg, w.clock)[0] == 0


@pytest.mark.parametrize(
    "content, message",
    [
        (b"PK\x03\x04rest-of-a-zip", "is a workbook (.xlsx), not CSV"),
        (b"contact;name;when\r\n1;Ann;2026-11-20\r\n", "has no contact_id or followed_up_on column"),
        (b"", "is empty"),
    ],
)
def test_a_file_that_is_not_a_due_list_is_kept_aside_not_overwritten(world, content, message):
    w = world
    path = w.cfg.output / "due.csv"
    path.write_bytes(content)
    imported, problems = service.import_due_edits(w.store, w.cfg, w.clock)
    assert imported == 0 and len(problems) == 1 and message in problems[0]
    assert "your file is kept as due-not-imported-20261123-090000.csv" in problems[0]
    assert (w.cfg.output / "due-not-imported-20261123-090000.csv").read_bytes() == content
    service.write_exports(w.store, w.cfg, w.clock)
    header, rows = read_sheet(path)
    assert header[0] == "contact_id" and len(rows) == 6


def test_headers_retitled_and_moved_are_still_found(world):
    w = world
    path = w.cfg.output / "due.csv"
    header, rows = read_sheet(path)
    order = list(reversed(range(len(header))))
    header = ["Followed up on" if h == "followed_up_on" else h.upper() for h in header]
    rows[0][header.index("Followed up on")] = "2026-11-20"
    save_sheet(path, [header[i] for i in order], [[r[i] for i in order] for r in rows], STYLES[0])
    assert service.import_due_edits(w.store, w.cfg, w.clock) == (1, [])


def test_import_command_reads_any_file_and_exits_1_on_problems(world, tmp_path):
    w = world
    a, b = w.people[0].id, w.people[1].id
    _fill(w, {a: ("11/20/2026", "called"), b: ("31/02/2026", "")})
    copy = tmp_path / "Downloads" / "due (1).csv"
    copy.parent.mkdir()
    copy.write_bytes((w.cfg.output / "due.csv").read_bytes())
    r = CliRunner().invoke(cli, ["import", str(copy)], obj={"clock": w.clock}, env=w.env)
    assert r.exit_code == 1
    assert f"1 follow-up(s) recorded from {copy}" in r.stdout
    assert f"cardpipe: due (1).csv row 3 (contact {b}, Bob Stone): '31/02/2026'" in r.stderr
    r = CliRunner().invoke(cli, ["import", str(copy), "--date-order", "DMY"], obj={"clock": w.clock}, env=w.env)
    assert r.exit_code == 1 and "0 follow-up(s) recorded" in r.stdout  # 11/20 is now the bad one; b: 31 Feb
    r = CliRunner().invoke(cli, ["import", str(tmp_path / "nope.csv")], obj={"clock": w.clock}, env=w.env)
    assert r.exit_code == 66 and "does not exist" in r.stderr and "Traceback" not in r.output
    copy.write_bytes(b"PK\x03\x04zip")
    r = CliRunner().invoke(cli, ["import", str(copy)], obj={"clock": w.clock}, env=w.env)
    assert r.exit_code == 65 and "workbook" in r.stderr


def test_parse_rows_reports_spreadsheet_row_numbers_across_multiline_cells():
    data = (
        'contact_id,name,event,followed_up_on,followup_note\r\n'
        '1,Ann,"Chamber,\r\nmixer",,\r\n'
        '2,Bob,x,11/20/2026,"two\r\nlines"\r\n'
    ).encode("utf-8-sig")
    (row,) = due_edits.read_rows(data)
    assert (row.number, row.contact, row.date_text, row.note) == (3, "2", "11/20/2026", "two\r\nlines")


def test_cardpipe_run_imports_due_csv_reports_bad_rows_once_and_writes_due_ics(home):
    """The real CLI in a subprocess: the edit is picked up by `cardpipe run` (no cards to read)."""
    store = SqliteStore(home.db)
    for k, (name, email) in enumerate(PEOPLE[:3]):
        rec = ContactRecord(name=name, emails=(email,))
        with store.transaction():
            store.add_file(f"h{k}", "x.jpg", status="done", at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
            store.add_card(f"h{k}", CardResult("x.jpg", 0, rec, name, 90.0), collected_on=D(2026, 11, 1),
                           scanned_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC), event="Expo")
    store.close()
    env = {"CARDPIPE_TODAY": "2026-11-23"}
    r = home.run("run", env=env)
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")
    assert (home.output / "due.ics").exists()
    header, rows = read_sheet(home.output / "due.csv")
    assert len(rows) == 3 and all(r[header.index("event")] == "Expo" for r in rows)
    rows[0][header.index("followed_up_on")] = "11/20/2026"
    rows[1][header.index("followed_up_on")] = "20/11/2026"
    save_sheet(home.output / "due.csv", header, rows, STYLES[2])
    r = home.run("run", env=env)
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.splitlines() == [
        "cardpipe: due.csv row 3 (contact 2, Bob Stone): '20/11/2026' is not a MM/DD/YYYY date; "
        'for day-first dates set date_order = "DMY" in the config, or write it like 2026-11-20'
    ]
    # the next run is quiet: the entry is kept in due.csv with the reason, not reported again
    r = home.run("run", env=env)
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")
    header, rows = read_sheet(home.output / "due.csv")
    assert [(r[0], r[header.index("followed_up_on")]) for r in rows] == [("2", "20/11/2026"), ("3", "")]
    r = home.run("due", env=env)
    assert "Ann Lee" not in r.stdout and "Bob Stone" in r.stdout
