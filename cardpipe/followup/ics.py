"""due.ics: the follow-ups as all-day calendar events (RFC 5545, written with `icalendar`).

One event per contact with a follow-up to make: on its due day, or on today
while it is overdue (so the calendar's today shows the whole stack). The UID
names the database, the contact and the follow-up step, so importing the file
again, or a calendar that subscribes to it, updates the event instead of adding
a second one; the next step of the cadence is a new event. SEQUENCE grows as an
overdue event moves day by day, as RFC 5545 asks of a changed event.

The file depends on the date only, not the time of the run, so a run that
changes nothing rewrites nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from icalendar import Calendar, Event

from ..models import DueItem
from .due import ordinal

PRODID = "-//cardpipe//follow-ups//EN"


def uid(calendar_id: str, item: DueItem) -> str:
    """Stable for a contact's given follow-up step."""
    return f"cardpipe-{calendar_id}-contact-{item.contact_id}-followup-{item.step + 1}@cardpipe.invalid"


def event_for(item: DueItem, *, today: dt.date, calendar_id: str) -> Event:
    day = max(item.due_on, today)
    who = item.name or item.email or item.phone or f"contact {item.contact_id}"
    summary = f"Follow up with {who}" + (f" ({item.company})" if item.company else "")
    if item.step:
        summary += f" - {ordinal(item.step + 1)} follow-up"
    met = f"Met {item.met_on.isoformat()}" + (f" at {item.event}" if item.event else "")
    lines = [met + "."]
    if item.days_overdue > 0:
        lines.append(f"Due {item.due_on.isoformat()}: {item.days_overdue} day(s) overdue.")
    if item.last_followup:
        lines.append(f"Last follow-up: {item.last_followup.isoformat()}.")
    for label, value in (("Email", item.email), ("Phone", item.phone)):
        if value:
            lines.append(f"{label}: {value}")
    if item.notes:
        lines.append(f"Notes: {item.notes}")
    lines.append(f"Done? cardpipe followup {item.contact_id} --note \"...\"")
    ev = Event()
    ev.add("uid", uid(calendar_id, item))
    ev.add("dtstamp", dt.datetime.combine(today, dt.time(0, 0), tzinfo=dt.UTC))
    ev.add("dtstart", day)
    ev.add("dtend", day + dt.timedelta(days=1))
    ev.add("sequence", max(item.days_overdue, 0))
    ev.add("summary", summary)
    ev.add("description", "\n".join(lines))
    ev.add("categories", ["Follow-up"])
    ev.add("transp", "TRANSPARENT")  # a reminder, not a meeting: the day stays free
    if item.email:
        ev.add("url", f"mailto:{item.email}")
    return ev


def due_calendar(items: Iterable[DueItem], *, today: dt.date, calendar_id: str) -> str:
    """The text of due.ics (CRLF line ends, folded lines, as RFC 5545 wants)."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", "Follow-ups (cardpipe)")
    for item in sorted(items, key=lambda i: (i.contact_id, i.step)):
        cal.add_component(event_for(item, today=today, calendar_id=calendar_id))
    return cal.to_ical().decode("utf-8")
