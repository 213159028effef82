"""Follow-ups typed into due.csv: read the file as a spreadsheet saved it, record
each filled row once.

The user opens due.csv in Excel, LibreOffice, Numbers or Google Sheets, types the
day they followed up in `followed_up_on` (and, if they like, a `followup_note`)
and saves. The next `cardpipe run`, or `cardpipe import FILE`, records it:

- The file may come back with Excel's BOM or without one, as UTF-16 ("Unicode
  text") or in the Windows code page; with CRLF or LF; with `,`, `;` or tabs
  between cells (`csv.Sniffer` on the header row); with columns moved, rows
  sorted or deleted. Columns are found by name.
- Dates as typed or as the spreadsheet re-wrote them: 2026-11-20, 11/20/2026
  (month first unless the config's `date_order` says day first; "auto" follows
  the region), 20.11.2026 (dots are always day first), 20 Nov 2026, 20-Nov-26,
  an Excel serial day number, or no year at all (20-Nov: the latest such day
  not after today). python-dateutil reads them; a slash date that is only
  valid the other way round is refused rather than silently swapped.
- A row it cannot understand is reported with its row number as the
  spreadsheet shows it (the header is row 1) and the others are still
  recorded. When that contact is still due, the next due.csv keeps what the
  user typed, with the reason in front of the note ("[not recorded: ...]"): the
  entry is not lost, the problem shows where the user works, and the same
  problem is not reported again on every cron run.
- Recording is idempotent: a follow-up already recorded (same contact, day and
  note; or same contact and day with no note) is not recorded again, so saving
  an old copy of the file a second time is harmless. A changed note for a day
  already imported from due.csv replaces that note.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from dateutil import parser as dateparser
from rapidfuzz import fuzz, utils

from ..errors import DataError, NotFoundError
from ..models import Contact

if TYPE_CHECKING:
    from ..contacts.store import Store

SOURCE = "due.csv"  # followups.source for rows recorded from a spreadsheet
MARK = "[not recorded: {reason}]"
_MARK_RE = re.compile(r"^\[not recorded: .*?\]\s*", re.S)

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$")
# 11/20/2026, 20.11.26, 11-20, optionally with the time a spreadsheet adds ("11/20/2026 0:00")
_NUMERIC = re.compile(
    r"^(\d{1,2})([/.\- ])(\d{1,2})(?:\2(\d{2}|\d{4}))?(?:\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s*[ap]\.?m\.?)?)?$", re.I
)
_SERIAL = re.compile(r"^\d{5}(?:\.\d+)?$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_EXAMPLE = "write it like 2026-11-20"


# ---------------------------------------------------------------------------
# Dates as spreadsheets write them
# ---------------------------------------------------------------------------


def parse_date(text: str, *, today: dt.date, day_first: bool = False) -> dt.date:
    """A day typed into a spreadsheet cell. Raises ValueError with a reason a user can act on."""
    s = text.strip().lstrip("'").strip()
    if not s:
        raise ValueError("no date")
    if _SERIAL.match(s):  # an Excel day number, when the cell lost its date format
        n = float(s)
        if 20000 <= n <= 80000:
            return _EXCEL_EPOCH + dt.timedelta(days=int(n))
    if m := _ISO.match(s):
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            raise ValueError(f"{s!r} is not a date; {_EXAMPLE}") from None
    dayfirst = day_first
    if m := _NUMERIC.match(s):
        # dotted dates are day first everywhere; slashes, dashes and spaces follow date_order
        dayfirst = m[2] == "." or day_first
        month = int(m[3] if dayfirst else m[1])
        if not 1 <= month <= 12:
            if m[2] == ".":
                raise ValueError(f"{s!r} is not a date; {_EXAMPLE}")
            order, other, setting = ("DD/MM", "month", "MDY") if dayfirst else ("MM/DD", "day", "DMY")
            raise ValueError(
                f"{s!r} is not a {order}/YYYY date; for {other}-first dates set "
                f'date_order = "{setting}" in the config, or {_EXAMPLE}'
            )
    try:
        # two different defaults show which parts the text left out
        a = dateparser.parse(s, dayfirst=dayfirst, default=dt.datetime(2000, 1, 1))
        b = dateparser.parse(s, dayfirst=dayfirst, default=dt.datetime(2004, 2, 2))
    except (ValueError, OverflowError):
        raise ValueError(f"{s!r} is not a date; {_EXAMPLE}") from None
    if (a.month, a.day) != (b.month, b.day):
        raise ValueError(f"{s!r} is not a whole date (a day and a month at least); {_EXAMPLE}")
    if a.year == b.year:
        return a.date()
    # no year given: the latest such day that is not after today
    for year in range(today.year, today.year - 5, -1):  # (29 Feb: back to the last leap year)
        try:
            day = a.date().replace(year=year)
        except ValueError:
            continue
        if day <= today:
            return day
    raise ValueError(f"{s!r} is not a date; {_EXAMPLE}")


# ---------------------------------------------------------------------------
# The file as a spreadsheet saved it
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One data row of the file, as typed."""

    number: int  # as the spreadsheet numbers rows: the header is row 1
    contact: str
    date_text: str
    note: str = ""
    name: str = ""
    email: str = ""


def decode(data: bytes, name: str = SOURCE) -> str:
    """The text of a CSV file from whatever encoding a spreadsheet saved it in."""
    if data.startswith(b"PK\x03\x04"):
        raise DataError(f"{name} is a workbook (.xlsx), not CSV; save it as 'CSV UTF-8' and try again.")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise DataError(f"{name} cannot be read as UTF-16 text; save it as 'CSV UTF-8'.") from None
    if b"\x00" in data:
        raise DataError(f"{name} is not a text file; save it as 'CSV UTF-8'.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")  # Excel's "CSV (Comma delimited)" on Windows


def _header_key(cell: str) -> str:
    return re.sub(r"[\s\-]+", "_", cell.strip().lstrip("\ufeff").strip().casefold())


def read_rows(data: bytes, name: str = SOURCE) -> list[Row]:
    """The rows that have something typed in `followed_up_on` or `followup_note`.

    Raises DataError when the file is not a due list at all (no header it knows).
    """
    text = decode(data, name)
    header_line = (text.lstrip("\ufeff").splitlines() or [""])[0]
    try:
        delimiter = csv.Sniffer().sniff(header_line, delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    if not records:
        raise DataError(f"{name} is empty: it has no header row.")
    columns = {_header_key(c): i for i, c in reversed(list(enumerate(records[0])))}
    missing = [c for c in ("contact_id", "followed_up_on") if c not in columns]
    if missing:
        raise DataError(
            f"{name} has no {' or '.join(missing)} column; keep the header row cardpipe wrote "
            "(columns may move, but keep their names)."
        )

    def cell(rec: list[str], col: str) -> str:
        i = columns.get(col)
        return rec[i].strip() if i is not None and i < len(rec) else ""

    rows = []
    for number, rec in enumerate(records[1:], start=2):
        date_text, note = cell(rec, "followed_up_on"), cell(rec, "followup_note")
        if not date_text and not note:
            continue
        rows.append(Row(number, cell(rec, "contact_id"), date_text, note, cell(rec, "name"), cell(rec, "email")))
    return rows


# ---------------------------------------------------------------------------
# What each row means, checked against the store
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    row: Row
    contact: Contact | None = None
    on: dt.date | None = None
    note: str = ""  # the note to record, without a "[not recorded: ...]" mark
    problem: str | None = None  # why nothing is recorded for this row
    keep: bool = False  # write what the user typed back into the next due.csv
    known: bool = False  # the problem is already marked in the row's note: say nothing

    def message(self, name: str = SOURCE) -> str:
        who = f" (contact {self.contact.id}, {self.contact.record.name or 'no name'})" if self.contact else ""
        return f"{name} row {self.row.number}{who}: {self.problem}"

    def kept_note(self) -> str:
        """The note for the next due.csv: the reason, then what the user wrote."""
        return f"{MARK.format(reason=self.problem)} {self.note}".rstrip()


def _norm(text: str) -> str:
    return " ".join(text.lstrip("'").split()).casefold()


def _same_person(row: Row, contact: Contact) -> bool:
    """False when the row's name and email both belong to someone else (a column sorted on its own)."""
    r = contact.record
    if row.email and _norm(row.email) in {_norm(e) for e in r.emails}:
        return True
    if not row.name or not r.name:
        return not row.email or not r.emails
    return fuzz.token_set_ratio(_norm(row.name), _norm(r.name), processor=utils.default_process) >= 70


def _contact_id(text: str) -> int | None:
    m = re.fullmatch(r"'?\s*(\d+)(?:\.0+)?", text.strip())
    return int(m[1]) if m else None


def examine(rows: Sequence[Row], contacts: dict[int, Contact], *, today: dt.date, day_first: bool) -> list[Outcome]:
    """Decide, for every filled row, what to record or why not."""
    out = []
    for row in rows:
        cid = _contact_id(row.contact)
        if cid is None:
            what = f"{row.contact!r} is not a contact id" if row.contact else "the contact_id cell is empty"
            out.append(Outcome(row, problem=f"{what}; nothing recorded for this row"))
            continue
        contact = contacts.get(cid)
        if contact is None:
            out.append(Outcome(row, problem=f"no contact with id {cid} (merged or deleted?); nothing recorded"))
            continue
        if not _same_person(row, contact):
            out.append(
                Outcome(
                    row,
                    contact,
                    problem=f"the row names {row.name or row.email!r}: was a column sorted on its own? "
                    "Nothing recorded; use 'cardpipe followup' for this one",
                )
            )
            continue
        note = _MARK_RE.sub("", row.note, count=1).strip()
        try:
            if not row.date_text:
                raise ValueError("a note but no date in followed_up_on")
            on = parse_date(row.date_text, today=today, day_first=day_first)
            if on > today:
                raise ValueError(f"{row.date_text!r} reads as {on:%d %b %Y}, which is after today")
            if contact.first_met and on < contact.first_met:
                raise ValueError(
                    f"{row.date_text!r} reads as {on:%d %b %Y}, before you met them ({contact.first_met:%d %b %Y}); "
                    "check the year"
                )
        except ValueError as e:
            problem = str(e)
            known = row.note.startswith(MARK.format(reason=problem))
            out.append(Outcome(row, contact, note=note, problem=problem, keep=True, known=known))
            continue
        out.append(Outcome(row, contact, on=on, note=note))
    return out


def record(store: Store, outcomes: Sequence[Outcome], *, at: dt.datetime) -> int:
    """Record every good row once, in one transaction (none when there is nothing new).
    Returns how many follow-ups were recorded or had their note changed."""
    todo: list[tuple[Outcome, int | None]] = []  # (row, id of the follow-up whose note changes)
    for o in outcomes:
        if o.problem or o.contact is None or o.on is None:
            continue
        same_day = [r for r in store.followups(o.contact.id) if r["on_date"] == o.on.isoformat()]
        if any(r["note"] == o.note for r in same_day) or (same_day and not o.note):
            continue  # recorded already (an earlier run, the CLI, or an old copy of the file)
        if any(t.contact is o.contact and t.on == o.on and t.note == o.note for t, _ in todo):
            continue  # the same row twice in the file
        ours = [r for r in same_day if r["source"] == SOURCE]
        todo.append((o, ours[0]["id"] if len(ours) == 1 else None))
    if not todo:
        return 0
    with store.transaction():
        for o, followup_id in todo:
            assert o.contact is not None and o.on is not None
            if followup_id is not None:
                store.set_followup_note(followup_id, o.note)  # the note was edited in the sheet
            else:
                store.add_followup(o.contact.id, o.on, o.note, source=SOURCE, at=at)
    return len(todo)


# ---------------------------------------------------------------------------
# The whole job
# ---------------------------------------------------------------------------


@dataclass
class ImportResult:
    imported: int = 0
    problems: list[str] = field(default_factory=list)  # one line each, row numbers included
    outcomes: list[Outcome] = field(default_factory=list)


def read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise NotFoundError(f"{path} does not exist; give the due.csv you edited.") from None
    except IsADirectoryError:
        raise NotFoundError(f"{path} is a folder; give the due.csv you edited.") from None
    except OSError as e:
        raise DataError(f"cannot read {path}: {e.strerror}.") from None


def import_file(store: Store, path: Path, *, today: dt.date, at: dt.datetime, day_first: bool) -> ImportResult:
    """Record the follow-ups filled in a due.csv. Raises DataError when the file is
    not a due list at all; row problems are returned, not raised."""
    rows = read_rows(read_file(path), path.name)
    contacts = {c.id: c for c in store.contacts()} if rows else {}
    outcomes = examine(rows, contacts, today=today, day_first=day_first)
    imported = record(store, outcomes, at=at)
    problems = [o.message(path.name) for o in outcomes if o.problem and not o.known]
    return ImportResult(imported, problems, outcomes)


def kept_entries(
    path: Path, contacts: Sequence[Contact], *, today: dt.date, day_first: bool
) -> dict[int, tuple[str, str]]:
    """What the user typed in rows that could not be recorded, by contact id, to write back
    into the next due.csv: {contact id: (followed_up_on as typed, note with the reason)}."""
    try:
        rows = read_rows(path.read_bytes(), path.name)
    except (OSError, DataError):
        return {}
    if not rows:
        return {}
    kept: dict[int, tuple[str, str]] = {}
    for o in examine(rows, {c.id: c for c in contacts}, today=today, day_first=day_first):
        if o.keep and o.contact is not None:
            kept.setdefault(o.contact.id, (o.row.date_text, o.kept_note()))
    return kept
