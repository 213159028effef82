"""A testing hook, and nothing else: stop a run at a named point to test recovery.

Unset in normal use, where `point()` returns at once. tests/test_faults.py sets
CARDPIPE_FAULT to kill `cardpipe run` at exact moments instead of racing timers:

    CARDPIPE_FAULT=committed:2        SIGKILL the run the 2nd time it reaches "committed"
    CARDPIPE_FAULT=read:1:TERM        send it SIGTERM instead (it finishes the card, then stops)
    CARDPIPE_FAULT=read:1:STOP        SIGSTOP: frozen until the test sends SIGCONT

Points (all in the parent process, in the order a file meets them):
claim-record (record written, file not yet renamed), claimed (renamed into the
processing folder), read (its result is back from the reader, nothing stored yet),
in-transaction (rows inserted, not committed), committed (committed, not moved),
moved (in the archive or failed folder, claim record not yet removed).
"""

from __future__ import annotations

import os
import signal
from collections import Counter

ENV = "CARDPIPE_FAULT"
_reached: Counter[str] = Counter()


def point(name: str) -> None:
    """Send the signal CARDPIPE_FAULT asks for if this is its point and its turn."""
    spec = os.environ.get(ENV)
    if not spec:
        return
    where, _, rest = spec.partition(":")
    if where != name:
        return
    nth, _, sig = rest.partition(":")
    _reached[name] += 1
    if _reached[name] == int(nth or 1):
        os.kill(os.getpid(), getattr(signal, "SIG" + (sig or "KILL")))
