"""Due-list rules with an injected clock: no test depends on today's date."""

import datetime as dt

import pytest

from cardpipe.followup import due_date, due_list
from cardpipe.models import Contact, ContactRecord

D = dt.date


@pytest.mark.parametrize(
    "cards, followups, days, cadence, expected",
    [
        # a card with no follow-up is due N days after it was collected
        ([D(2026, 11, 1)], [], 7, (), (D(2026, 11, 8), 0)),
        # a follow-up after the card closes it; without a cadence nothing more is due
        ([D(2026, 11, 1)], [D(2026, 11, 3)], 7, (), None),
        # a late follow-up still counts
        ([D(2026, 11, 1)], [D(2026, 11, 20)], 7, (), None),
        # with a cadence, the next touch is due after the first interval...
        ([D(2026, 11, 1)], [D(2026, 11, 3)], 7, (30, 90), (D(2026, 12, 3), 1)),
        # ...then after the last interval, repeatedly
        ([D(2026, 1, 1)], [D(2026, 1, 3), D(2026, 2, 2)], 7, (30, 90), (D(2026, 5, 3), 2)),
        ([D(2026, 1, 1)], [D(2026, 1, 3), D(2026, 2, 2), D(2026, 5, 3)], 7, (30, 90), (D(2026, 8, 1), 3)),
        # met again after the last follow-up: the new card starts the rule again
        ([D(2026, 1, 1), D(2026, 6, 1)], [D(2026, 1, 3)], 7, (30, 90), (D(2026, 6, 8), 1)),
        # a follow-up before the card was collected does not count for it
        ([D(2026, 11, 10)], [D(2026, 11, 1)], 3, (), (D(2026, 11, 13), 1)),
        ([], [], 7, (), None),
    ],
)
def test_due_date(cards, followups, days, cadence, expected):
    assert due_date(cards, followups, days=days, cadence=cadence) == expected


def _contact(cid, name, met, done=False):
    return Contact(id=cid, record=ContactRecord(name=name), card_ids=(cid,), first_met=met, done=done)


def test_due_list_orders_most_overdue_first_and_skips_done_and_future():
    today = D(2026, 11, 23)
    data = [
        (_contact(1, "Recent", D(2026, 11, 20)), [D(2026, 11, 20)], []),  # due 11-27: not yet
        (_contact(2, "Old", D(2026, 11, 1)), [D(2026, 11, 1)], []),  # due 11-08: 15 days overdue
        (_contact(3, "Middle", D(2026, 11, 10)), [D(2026, 11, 10)], []),  # due 11-17: 6 days
        (_contact(4, "Today", D(2026, 11, 16)), [D(2026, 11, 16)], []),  # due today: 0
        (_contact(5, "Done", D(2026, 10, 1), done=True), [D(2026, 10, 1)], []),
        (_contact(6, "Followed", D(2026, 11, 1)), [D(2026, 11, 1)], [D(2026, 11, 2)]),
    ]
    items = due_list(data, today, days=7)
    assert [(i.name, i.days_overdue) for i in items] == [("Old", 15), ("Middle", 6), ("Today", 0)]
    assert items[0].due_on == D(2026, 11, 8)
    assert items[0].met_on == D(2026, 11, 1)


def test_due_list_window_zero_puts_todays_cards_on_the_list():
    today = D(2026, 11, 23)
    items = due_list([(_contact(1, "A", today), [today], [])], today, days=0)
    assert [(i.contact_id, i.days_overdue) for i in items] == [(1, 0)]
