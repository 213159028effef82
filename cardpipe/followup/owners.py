"""Each owner's due list on a team's base (see `contacts/owners.py` for who owns a card)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from ..config import Config
from ..contacts import owners as owned
from ..models import DueItem
from .due import schedule


def due_items(store, cfg: Config, today: dt.date, owner: str, *, days: int | None = None) -> list[DueItem]:
    """`owner`'s due list: the contacts they met, due from the day they met them, cleared
    by their follow-ups (and those with no owner; anyone's with `team_followups`)."""
    met = owned.met_by(store, owner)
    fus = owned.followup_dates(store, owner, team=cfg.team_followups)
    contacts = [c for c in store.contacts() if c.id in met]
    inputs = ((dataclasses.replace(c, first_met=min(met[c.id])), met[c.id], fus.get(c.id, [])) for c in contacts)
    items = schedule(inputs, today, days=cfg.days if days is None else days, cadence=cfg.cadence)
    return [i for i in items if i.days_overdue >= 0]


def file_name(owner: str) -> str:
    """due-<owner>.csv, the owner's name made safe for a file name."""
    return "due-" + (re.sub(r"[^\w.-]+", "_", owner).strip("._") or "owner") + ".csv"
