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


def due_items(store: SqliteStore, cfg: Config, today: dt.date, *, days: int | None = None) -> list[DueItem]:
    def inputs():
        for c in store.contacts():
            dates = store.card_dates(c.id)
            fus = [dt.date.fromisoformat(r["on_date"]) for r in store.followups(c.id)]
            yield c, dates, fus

    return followup.due_list(inputs(), today, days=cfg.days if days is None else days, cadence=cfg.cadence)


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
    contacts = store.contacts()
    due = due_items(store, cfg, today)
    outputs: dict[str, str] = {"contacts.csv": export.contacts_csv(contacts), "due.csv": export.due_csv(due)}
    written = []
    for name, text in outputs.items():
        path = cfg.output / name
        if _unchanged(path, text):
            continue
        export.write_text(path, text)
        written.append(str(path))
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
