"""Who may read which inbox file: the claim seam of `cardpipe run`.

Two ways, chosen by the database (`claims_for`):

- `FolderClaims` (a SQLite file: one person, one machine): one run at a time holds the
  lock in the state folder, and a file is claimed by renaming it into the work
  folder (`claim.claim`); a run that died leaves claims the next run recovers.
- `LeaseClaims` (a PostgreSQL server: a team, any number of workers on any number of
  machines sharing a network inbox): no run lock, a file stays where it is and is
  claimed by a lease row in the database (`leases`: its inbox path, the worker, an
  expiry on the server's clock). A live worker renews its leases from a thread of its
  own every third of `lease_seconds`; a worker that dies (SIGKILL, power cut, lost
  network) stops renewing, and once the lease expires another worker takes the file.
  Each pass of a worker leases at most `limit` files, so that the workers share the
  inbox instead of the first one taking it all. The lease is dropped once the file is
  archived (after its transaction commits) or set aside.

Whatever the way, a file's bytes are stored once: the run checks, under the write
lock, that no other worker committed the same bytes meanwhile (run._store_result).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import socket
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from ..config import Config
from ..errors import CardpipeError
from . import claim as ingest

log = logging.getLogger(__name__)


class Taken(Exception):
    """Another live worker holds this file's lease: leave it to that worker."""


class Claims(Protocol):
    limit: int | None  # files claimed per pass at most (None: the whole inbox in one pass)

    def recover(self) -> list[ingest.InboxItem]: ...
    def take(self, item: ingest.InboxItem, *, now: dt.datetime) -> ingest.InboxItem: ...
    def give_back(self, item: ingest.InboxItem) -> None: ...
    def release(self, item: ingest.InboxItem) -> None: ...


class FolderClaims:
    """Claims by rename into the work folder (see `claim.py`)."""

    limit: int | None = None

    def __init__(self, inbox: Path, work: Path | None = None) -> None:
        self.inbox = inbox
        self.work = work  # the claim folder (None: the inbox's default one)

    def recover(self) -> list[ingest.InboxItem]:
        return ingest.recover_claims(self.inbox, self.work)

    def take(self, item: ingest.InboxItem, *, now: dt.datetime) -> ingest.InboxItem:
        return ingest.claim(item, self.inbox, now=now, work=self.work)

    def give_back(self, item: ingest.InboxItem) -> None:
        ingest.unclaim(item, self.inbox)

    def release(self, item: ingest.InboxItem) -> None:
        pass  # moving the file (ingest.move_into) removed its claim record


class LeaseClaims:
    """Claims by database lease on a PostgreSQL store (`PostgresStore.take_lease`)."""

    def __init__(self, store: Any, inbox: Path, *, lease_seconds: float, limit: int, renew_store: Any = None) -> None:
        self.store = store
        self.inbox = inbox
        self.lease_seconds = lease_seconds
        self.limit = limit
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._renew_store = renew_store  # its own connection: renewals never wait for a transaction
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def key(self, item: ingest.InboxItem) -> str:
        return ingest.text_name(item.rel)

    def recover(self) -> list[ingest.InboxItem]:
        return []  # a dead worker's files are in the inbox; their leases expire on their own

    def take(self, item: ingest.InboxItem, *, now: dt.datetime) -> ingest.InboxItem:
        st = item.path.lstat()  # FileNotFoundError: gone meanwhile
        if item.size >= 0 and (st.st_size, st.st_mtime_ns) != (item.size, item.mtime_ns):
            raise ingest.Unsettled(f"{ingest.display_name(item.rel)} changed since the inbox was scanned")
        if not self.store.take_lease(self.key(item), self.worker, self.lease_seconds):
            raise Taken(ingest.display_name(item.rel))
        if not os.path.lexists(item.path):  # archived by the worker that held it until now
            self.store.drop_lease(self.key(item), self.worker)
            raise FileNotFoundError(item.path)
        return item

    def give_back(self, item: ingest.InboxItem) -> None:
        self.release(item)

    def release(self, item: ingest.InboxItem) -> None:
        try:
            self.store.drop_lease(self.key(item), self.worker)
        except CardpipeError as e:  # the server went away: the lease expires by itself
            log.warning("%s: cannot drop its lease (%s); it expires in %.0f s",
                        ingest.display_name(item.rel), e, self.lease_seconds)

    # ---- renewal ----

    def _renew(self) -> None:
        every = max(self.lease_seconds / 3, 0.05)
        while not self._stop.wait(every):
            try:
                self._renew_store.renew_leases(self.worker, self.lease_seconds)
            except CardpipeError as e:
                log.warning("cannot renew the leases of the files being read: %s", e)

    def __enter__(self) -> LeaseClaims:
        if self._renew_store is not None:
            self._thread = threading.Thread(target=self._renew, name="cardpipe-leases", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        with contextlib.suppress(CardpipeError):
            self.store.db.execute("DELETE FROM leases WHERE worker = ?", (self.worker,))


def is_shared(cfg: Config) -> bool:
    """Whether the database is a server shared by several workers (leases, no run lock)."""
    from ..contacts.store import store_kind

    return store_kind(cfg.db) == "postgresql"


@contextlib.contextmanager
def run_guard(cfg: Config) -> Iterator[None]:
    """One run at a time on a SQLite file (the lock in the state folder); none on a server."""
    if is_shared(cfg):
        yield
        return
    with ingest.run_lock(cfg.state):
        yield


@contextlib.contextmanager
def claims_for(cfg: Config, store: Any, *, per_pass: int, work: Path | None = None) -> Iterator[Claims]:
    """Folder claims (into `work`) on a SQLite file; leases, renewed meanwhile, on a server."""
    if not is_shared(cfg):
        yield FolderClaims(cfg.inbox, work)
        return
    from ..contacts.store import open_store

    renew = open_store(cfg.db, busy_timeout=cfg.busy_timeout)
    try:
        with LeaseClaims(store, cfg.inbox, lease_seconds=cfg.lease_seconds, limit=per_pass, renew_store=renew) as c:
            yield c
    finally:
        renew.close()
