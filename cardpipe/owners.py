"""Owners: on a team's base, a card belongs to the person who scanned it.

The owner comes from the worker's config (`owner = "ann"`), or, with `owner_folders`,
from the inbox's first sub-folder (`inbox/ann/2026-11-20 Expo/card.jpg`: owner ann,
event "Expo"). A contact met by several owners is one contact, "also known by" the
others. Each owner has a due list of their own: the contacts they met, due from the
day they met them, cleared by their own follow-ups (and by those recorded without an
owner); with `team_followups`, anyone's follow-up clears it for all.

A base with no owner anywhere works as before: one due list.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path, PurePosixPath

from . import export, followup, ingest
from .clock import Clock
from .config import Config
from .errors import NotFoundError
from .models import DueItem


@dataclasses.dataclass(frozen=True)
class Placement:
    owner: str | None
    event: str | None
    event_date: dt.date | None


def place(item: ingest.InboxItem, cfg: Config) -> Placement:
    """The owner and event of an inbox file."""
    if cfg.owner_folders and len(item.rel.parts) >= 2:
        inner = PurePosixPath(*item.rel.parts[1:])
        event, day = ingest.event_of(inner)
        return Placement(ingest.text_name(item.rel.parts[0]), event, day)
    return Placement(cfg.owner, item.event, item.event_date)


def known_by(store) -> dict[int, list[str]]:
    """contact id -> the owners who met them (by name), for contacts with any."""
    out: dict[int, list[str]] = {}
    for contact_id, owner in store.db.execute(
        "SELECT DISTINCT contact_id, owner FROM cards WHERE owner IS NOT NULL ORDER BY contact_id, owner"
    ):
        out.setdefault(contact_id, []).append(owner)
    return out


def owners(store) -> list[str]:
    return [r[0] for r in store.db.execute("SELECT DISTINCT owner FROM cards WHERE owner IS NOT NULL ORDER BY owner")]


def due_items(store, cfg: Config, today: dt.date, owner: str, *, days: int | None = None) -> list[DueItem]:
    """`owner`'s due list: the contacts they met, from the day they met them, cleared by their
    follow-ups (and those with no owner; anyone's with `team_followups`)."""
    if owner not in owners(store):
        raise NotFoundError(f"no card belongs to {owner!r}; owners: {', '.join(owners(store)) or 'none yet'}.")
    met: dict[int, list[dt.date]] = {}
    for contact_id, on in store.db.execute(
        "SELECT contact_id, collected_on FROM cards WHERE owner = ? ORDER BY collected_on", (owner,)
    ):
        met.setdefault(contact_id, []).append(dt.date.fromisoformat(on))
    fus: dict[int, list[dt.date]] = {}
    for contact_id, on, by in store.db.execute("SELECT contact_id, on_date, owner FROM followups ORDER BY on_date"):
        if cfg.team_followups or by is None or by == owner:
            fus.setdefault(contact_id, []).append(dt.date.fromisoformat(on))
    contacts = [c for c in store.contacts() if c.id in met]
    inputs = ((dataclasses.replace(c, first_met=min(met[c.id])), met[c.id], fus.get(c.id, [])) for c in contacts)
    items = followup.schedule(inputs, today, days=cfg.days if days is None else days, cadence=cfg.cadence)
    return [i for i in items if i.days_overdue >= 0]


def file_name(owner: str) -> str:
    """due-<owner>.csv, the owner's name made safe for a file name."""
    return "due-" + (re.sub(r"[^\w.-]+", "_", owner).strip("._") or "owner") + ".csv"


def write_due_files(store, cfg: Config, clock: Clock) -> list[str]:
    """Each owner's due list beside due.csv (due-<owner>.csv); none on a base without owners."""
    today = clock.now().date()
    written = []
    for owner in owners(store):
        path = Path(cfg.output) / file_name(owner)
        text = export.due_csv(due_items(store, cfg, today, owner))
        try:
            if path.read_text(encoding="utf-8-sig") == text:
                continue
        except OSError:
            pass
        export.write_text(path, text, encoding="utf-8-sig")
        written.append(str(path))
    return written
