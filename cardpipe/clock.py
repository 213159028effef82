"""The clock is injected: nothing in cardpipe asks the system for the date itself."""

from __future__ import annotations

import datetime as dt
from typing import Protocol


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """Timezone-aware current time."""
        ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now().astimezone()


class FixedClock:
    """A clock for tests and simulations: it says what it is told."""

    def __init__(self, now: dt.datetime | dt.date) -> None:
        self.set(now)

    def set(self, now: dt.datetime | dt.date) -> None:
        if not isinstance(now, dt.datetime):
            now = dt.datetime.combine(now, dt.time(9, 0))
        if now.tzinfo is None:
            now = now.replace(tzinfo=dt.UTC)
        self._now = now

    def advance(self, days: int = 0, **kw: float) -> None:
        self._now += dt.timedelta(days=days, **kw)

    def now(self) -> dt.datetime:
        return self._now


CLOCKS: dict[str, type] = {"system": SystemClock, "fixed": FixedClock}
