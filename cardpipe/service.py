"""The operations on the database that the commands offer, as plain functions
(the CLI parses, calls one of these and prints): the due list, follow-ups,
contact lookup, edits, exports.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from . import export, followup
from .clock import Clock
from .config import Config
from .errors import AmbiguousError, NotFoundError
from .models import Contact, DueItem
from .store import SqliteStore, open_store


@contextmanager
def open_db(cfg: Config) -> Iterator[SqliteStore]:
    store = open_store(cfg.db)
    try:
        yield store
    finally:
        store.close()


def due_items(
    store: SqliteStore,
    cfg: Config,
    today: dt.date,
    *,
    days: int | None = None,
    contacts: list[Contact] | None = None,
) -> list[DueItem]:
    """The due list for `today` (pass `contacts` when already loaded)."""
    fus: dict[int, list[dt.date]] = {}
    for contact_id, on_date in store.db.execute("SELECT contact_id, on_date FROM followups ORDER BY on_date"):
        fus.setdefault(contact_id, []).append(dt.date.fromisoformat(on_date))
    inputs = ((c, c.card_dates, fus.get(c.id, [])) for c in (store.contacts() if contacts is None else contacts))
    return followup.due_list(inputs, today, days=cfg.days if days is None else days, cadence=cfg.cadence)


def resolve_contact(store: SqliteStore, ref: str) -> int:
    """A contact from an id or a search on name, company or email; refuses ambiguity."""
    ref = ref.strip()
    if ref.isdigit():
        store.contact(int(ref))
        return int(ref)
    hits = store.search(ref)
    if not hits:
        raise NotFoundError(f"no contact matches {ref!r}; 'cardpipe contacts' lists them with their ids.")
    if len(hits) > 1:
        names = ", ".join(f"{i} ({store.contact(i).record.name or '?'})" for i in hits[:8])
        raise AmbiguousError(f"{ref!r} matches {len(hits)} contacts: {names}; give the id instead.")
    return hits[0]


def record_followup(
    store: SqliteStore, contact_id: int, on: dt.date, note: str, *, clock: Clock, source: str = "cli"
) -> bool:
    with store.transaction():
        return store.add_followup(contact_id, on, note, source=source, at=clock.now())


def import_due_edits(store: SqliteStore, cfg: Config, clock: Clock) -> tuple[int, list[str]]:
    """Follow-ups the user typed into due.csv since the last run. (Issue #6 adds the parsing.)"""
    return 0, []


def write_exports(store: SqliteStore, cfg: Config, clock: Clock) -> tuple[int, list[str]]:
    """Rewrite the exports in the output folder when their content changed.
    Returns (number due, files written)."""
    today = clock.now().date()
    # Nothing written since the last run today, same settings, files in place: the
    # exports are current, and a no-op cron run stays cheap whatever the database size.
    key = f"{today}|{store.revision()}|{cfg.days}|{cfg.cadence}|{cfg.formats}|{cfg.output.resolve()}"
    names = ("contacts.csv", "due.csv")
    if store.get_meta("exports_key") == key and all((cfg.output / n).exists() for n in names):
        return int(store.get_meta("exports_due") or 0), []
    contacts = store.contacts()
    due = due_items(store, cfg, today, contacts=contacts)
    outputs: dict[str, str] = {"contacts.csv": export.contacts_csv(contacts), "due.csv": export.due_csv(due)}
    written = []
    for name, text in outputs.items():
        path = cfg.output / name
        if _unchanged(path, text):
            continue
        export.write_text(path, text)
        written.append(str(path))
    store.set_meta("exports_key", key)
    store.set_meta("exports_due", str(len(due)))
    return len(due), written


def export_contacts(contacts: list[Contact], fmt: str = "csv") -> str:
    if fmt != "csv":
        from .errors import UsageError

        raise UsageError(f"format {fmt!r} is not available yet; use csv.")
    return export.contacts_csv(contacts)


def _unchanged(path: Path, text: str) -> bool:
    try:
        return path.read_bytes().decode("utf-8-sig") == text
    except (OSError, UnicodeDecodeError):
        return False
