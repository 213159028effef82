"""`cardpipe digest`: a short summary for a person or an email body.

New cards since the last digest (or in the last 7 days), who is due today, who
is overdue, and the follow-ups done this week (Monday to today) against the
weekly goal from the config.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..models import Contact, DueItem

DIGEST_MARK = "last_digest"  # store meta key: when the last digest was printed
DEFAULT_LOOKBACK = dt.timedelta(days=7)


@dataclass(frozen=True)
class Digest:
    today: dt.date
    since: dt.datetime  # new cards are those stored after this
    new_cards: int
    new_contacts: tuple[Contact, ...]  # the people those cards belong to
    due_today: tuple[DueItem, ...]
    overdue: tuple[DueItem, ...]  # most overdue first
    done_this_week: int  # follow-ups (contact and day) from Monday to today
    weekly_goal: int

    @property
    def week_start(self) -> dt.date:
        return week_start(self.today)


def week_start(today: dt.date) -> dt.date:
    """The Monday of today's week."""
    return today - dt.timedelta(days=today.weekday())


def _who(item: DueItem) -> str:
    parts = [item.name or f"contact {item.contact_id}"]
    if item.company:
        parts[0] += f" ({item.company})"
    how = item.email or item.phone
    if how:
        parts.append(how)
    met = f"met {item.met_on:%d %b}" + (f" at {item.event}" if item.event else "")
    parts.append(met)
    return ", ".join(parts)


def render(d: Digest, *, limit: int = 10) -> str:
    """Plain text: a first line that works as an email subject, then short sections."""
    lines = [
        f"cardpipe, {d.today:%a %d %b %Y}: {len(d.due_today)} due today, {len(d.overdue)} overdue, "
        f"{d.new_cards} new card(s)"
    ]

    def section(title: str, rows: list[str]) -> None:
        lines.append("")
        lines.append(title)
        lines.extend(f"  {r}" for r in rows[:limit])
        if len(rows) > limit:
            lines.append(f"  ... and {len(rows) - limit} more")

    since = f"{d.since:%a %d %b %H:%M}"
    if d.new_cards:
        rows = []
        for c in d.new_contacts:
            r = c.record
            text = r.name or (r.emails[0] if r.emails else None) or f"contact {c.id}"
            if r.company:
                text += f" ({r.company})"
            if c.event:
                text += f", met at {c.event}"
            rows.append(f"{text}  [{c.id}]")
        section(f"New since {since}: {d.new_cards} card(s), {len(d.new_contacts)} contact(s)", rows)
    else:
        lines.extend(["", f"No new cards since {since}."])
    if d.due_today:
        section(f"Due today ({len(d.due_today)})", [f"{_who(i)}  [{i.contact_id}]" for i in d.due_today])
    if d.overdue:
        section(
            f"Overdue ({len(d.overdue)})",
            [f"{i.days_overdue:>3} d  {_who(i)}  [{i.contact_id}]" for i in d.overdue],
        )
    if not d.due_today and not d.overdue:
        lines.extend(["", "Nothing due: every contact has been followed up in time."])
    lines.append("")
    week = f"This week (since Mon {d.week_start:%d %b}): {d.done_this_week} follow-up(s)"
    if d.weekly_goal:
        left = d.weekly_goal - d.done_this_week
        week += f" of {d.weekly_goal}" + (f", {left} to go" if left > 0 else ", goal reached")
    lines.append(week)
    if d.due_today or d.overdue:
        lines.append("Record one: cardpipe followup ID --note \"...\" (or fill followed_up_on in due.csv)")
    return "\n".join(lines) + "\n"
