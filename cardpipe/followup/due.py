"""The due list: who to follow up with today, most overdue first.

The rule: a contact is due `days` days after the card was collected unless a
follow-up has been recorded since. After a follow-up, the next touch is due
after the cadence's next interval (e.g. 30 days, then every 90), or after the
contact's own interval when the user set one, until the contact is marked
done. A card collected after the last follow-up (met again) starts the rule
again from that card.

Follow-ups are counted by day: two recorded on the same day (a call and an
email) are one touch, so they move the cadence one step, not two.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from ..models import Contact, DueItem, number_to_call


def due_date(
    card_dates: Sequence[dt.date],
    followups: Sequence[dt.date],
    *,
    days: int,
    cadence: Sequence[int] = (),
    interval: int | None = None,
) -> tuple[dt.date, int] | None:
    """When the next follow-up is due, and which step it is (0 = first); None when nothing is due.

    `card_dates` are the days the contact's cards were collected; `followups` the
    days follow-ups were recorded; `interval` the contact's own interval between
    touches, which replaces the cadence when set.
    """
    if not card_dates:
        return None
    touched = set(followups)
    step = len(touched)
    last = max(touched) if touched else None
    open_cards = [d for d in card_dates if last is None or d > last]
    if open_cards:
        return min(open_cards) + dt.timedelta(days=days), step
    assert last is not None
    if interval is not None and interval > 0:
        return last + dt.timedelta(days=interval), step
    if not cadence:
        return None
    return last + dt.timedelta(days=cadence[min(step - 1, len(cadence) - 1)]), step


def schedule(
    contacts: Iterable[tuple[Contact, Sequence[dt.date], Sequence[dt.date]]],
    today: dt.date,
    *,
    days: int,
    cadence: Sequence[int] = (),
) -> list[DueItem]:
    """The next follow-up of every contact that has one (done contacts have none),
    due first. `days_overdue` is negative for follow-ups due after `today`.

    `contacts` yields (contact, its card dates, its follow-up dates).
    """
    items = []
    for contact, card_dates, followups in contacts:
        if contact.done:
            continue
        due = due_date(card_dates, followups, days=days, cadence=cadence, interval=contact.interval_days)
        if due is None:
            continue
        due_on, step = due
        r = contact.record
        items.append(
            DueItem(
                contact_id=contact.id,
                name=r.name,
                company=r.company,
                email=r.emails[0] if r.emails else None,
                phone=(p.e164 if (p := number_to_call(r.phones)) else None),  # never a fax
                met_on=contact.first_met or min(card_dates),
                event=contact.event,
                due_on=due_on,
                days_overdue=(today - due_on).days,
                last_followup=max(followups) if followups else None,
                step=step,
                notes=contact.notes,
            )
        )
    items.sort(key=lambda i: (-i.days_overdue, i.name or "", i.contact_id))
    return items


def due_list(
    contacts: Iterable[tuple[Contact, Sequence[dt.date], Sequence[dt.date]]],
    today: dt.date,
    *,
    days: int,
    cadence: Sequence[int] = (),
) -> list[DueItem]:
    """Every contact due today or earlier, most overdue first.

    `contacts` yields (contact, its card dates, its follow-up dates).
    """
    return [i for i in schedule(contacts, today, days=days, cadence=cadence) if i.days_overdue >= 0]


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 21st..."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


# ---------------------------------------------------------------------------
# Notes on a contact: free lines, plus labelled lines the user keeps current
# ---------------------------------------------------------------------------

NOTE_LABELS = {"does": "Does", "needs": "Needs", "meet": "Wants to meet"}


def update_notes(
    old: str | None, *, text: str = "", labelled: dict[str, str] | None = None, clear: bool = False
) -> str | None:
    """A contact's notes after an edit: `labelled` ({"does"|"needs"|"meet": text}) sets
    (or, with "", removes) the line "Does: ...", "Needs: ..." or "Wants to meet: ...";
    `text` is added as a new line; `clear` starts from nothing. Labelled lines come first."""
    fields: dict[str, str] = {}
    free: list[str] = []
    for line in ([] if clear or not old else old.splitlines()):
        key = next((k for k, lab in NOTE_LABELS.items() if line.startswith(f"{lab}: ")), None)
        if key is not None and key not in fields:
            fields[key] = line.split(": ", 1)[1]
        elif line.strip():
            free.append(line)
    for key, value in (labelled or {}).items():
        if key not in NOTE_LABELS:
            raise ValueError(f"unknown note label {key!r}")
        value = " ".join(value.split())
        if value:
            fields[key] = value
        else:
            fields.pop(key, None)
    if text.strip():
        free.append(text.strip())
    lines = [f"{lab}: {fields[k]}" for k, lab in NOTE_LABELS.items() if k in fields] + free
    return "\n".join(lines) or None
