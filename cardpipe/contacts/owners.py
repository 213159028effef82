"""Owners: on a team's base, a card belongs to the person who scanned it.

The owner comes from the worker's config (`owner = "ann"`), or, with `owner_folders`,
from the inbox's first sub-folder (`inbox/ann/2026-11-20 Expo/card.jpg`: owner ann,
event "Expo"). A contact met by several owners is one contact, "known by" each of them.
Each owner's due list (`followup/owners.py`) counts the cards they scanned and the
follow-ups they recorded (and those recorded with no owner; anyone's with
`team_followups`). A base where no card has an owner works as before.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import PurePosixPath

from ..config import Config
from ..errors import NotFoundError
from ..inbox import claim as ingest


@dataclass(frozen=True)
class Placement:
    owner: str | None
    event: str | None
    event_date: dt.date | None


def place(item: ingest.InboxItem, cfg: Config) -> Placement:
    """The owner and event of an inbox file."""
    if cfg.owner_folders and len(item.rel.parts) >= 2:
        event, day = ingest.event_of(PurePosixPath(*item.rel.parts[1:]))
        return Placement(ingest.text_name(item.rel.parts[0]), event, day)
    return Placement(cfg.owner, item.event, item.event_date)


def owners(store) -> list[str]:
    return [r[0] for r in store.db.execute("SELECT DISTINCT owner FROM cards WHERE owner IS NOT NULL ORDER BY owner")]


def known_by(store) -> dict[int, list[str]]:
    """contact id -> the owners who met them, for contacts with any."""
    out: dict[int, list[str]] = {}
    for contact_id, owner in store.db.execute(
        "SELECT DISTINCT contact_id, owner FROM cards WHERE owner IS NOT NULL ORDER BY contact_id, owner"
    ):
        out.setdefault(contact_id, []).append(owner)
    return out


def met_by(store, owner: str) -> dict[int, list[dt.date]]:
    """contact id -> the days `owner` collected their cards (NotFoundError: no card of theirs)."""
    met: dict[int, list[dt.date]] = {}
    for contact_id, on in store.db.execute(
        "SELECT contact_id, collected_on FROM cards WHERE owner = ? ORDER BY collected_on", (owner,)
    ):
        met.setdefault(contact_id, []).append(dt.date.fromisoformat(on))
    if not met:
        raise NotFoundError(f"no card belongs to {owner!r}; owners: {', '.join(owners(store)) or 'none yet'}.")
    return met


def followup_dates(store, owner: str, *, team: bool) -> dict[int, list[dt.date]]:
    """contact id -> the follow-up days that count for `owner`: theirs and those with no
    owner (everyone's when `team`)."""
    out: dict[int, list[dt.date]] = {}
    for contact_id, on, by in store.db.execute("SELECT contact_id, on_date, owner FROM followups ORDER BY on_date"):
        if team or by is None or by == owner:
            out.setdefault(contact_id, []).append(dt.date.fromisoformat(on))
    return out
