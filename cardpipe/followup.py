"""The due list: who to follow up with today, most overdue first.

The rule: a contact is due `days` days after the card was collected unless a
follow-up has been recorded since. After a follow-up, the next touch is due
after the cadence's next interval (e.g. 30 days, then every 90) until the
contact is marked done. A card collected after the last follow-up (met again)
starts the rule again from that card.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from .models import Contact, DueItem


def due_date(
    card_dates: Sequence[dt.date],
    followups: Sequence[dt.date],
    *,
    days: int,
    cadence: Sequence[int] = (),
) -> tuple[dt.date, int] | None:
    """When the next follow-up is due, and which step it is (0 = first); None when nothing is due.

    `card_dates` are the days the contact's cards were collected; `followups` the
    days follow-ups were recorded.
    """
    if not card_dates:
        return None
    last = max(followups) if followups else None
    open_cards = [d for d in card_dates if last is None or d > last]
    if open_cards:
        return min(open_cards) + dt.timedelta(days=days), len(followups)
    if not cadence:
        return None
    step = len(followups)
    interval = cadence[min(step - 1, len(cadence) - 1)]
    assert last is not None
    return last + dt.timedelta(days=interval), step


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
    items = []
    for contact, card_dates, followups in contacts:
        if contact.done:
            continue
        due = due_date(card_dates, followups, days=days, cadence=cadence)
        if due is None:
            continue
        due_on, step = due
        if due_on > today:
            continue
        r = contact.record
        items.append(
            DueItem(
                contact_id=contact.id,
                name=r.name,
                company=r.company,
                email=r.emails[0] if r.emails else None,
                phone=r.phones[0].e164 if r.phones else None,
                met_on=contact.first_met or min(card_dates),
                event=contact.event,
                due_on=due_on,
                days_overdue=(today - due_on).days,
                last_followup=max(followups) if followups else None,
                step=step,
            )
        )
    items.sort(key=lambda i: (-i.days_overdue, i.name or "", i.contact_id))
    return items
