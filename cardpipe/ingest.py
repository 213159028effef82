"""The inbox: which files to take, claiming them, and where they go afterwards.

A file's life: it is found in the inbox (complete: a regular file, not hidden
or temporary, unchanged for `settle_seconds`), claimed by an atomic rename into
`<inbox>/.cardpipe-processing/` with a claim record (pid, host, time, where it
came from), processed, and moved to the archive only after its database
transaction commits, or to the failed folder with a `.reason.txt` sidecar.
A run that dies leaves its claims behind; the next run recovers them.

One run at a time: `run_lock` holds a kernel lock (flock) in the state folder.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import socket
import stat
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .errors import BusyError, ConfigError, OutputError

log = logging.getLogger(__name__)

PROCESSING = ".cardpipe-processing"
IGNORED_NAMES = frozenset({".ds_store", "thumbs.db", "desktop.ini", "icon\r"})
TEMP_SUFFIXES = (".part", ".partial", ".crdownload", ".download", ".tmp", ".temp", ".swp", "~", ".!qb", ".opdownload")
EVENT_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[ _\-]+(.*))?$")


@dataclass(frozen=True)
class InboxItem:
    path: Path  # where the file is now
    rel: PurePosixPath  # its path relative to the inbox (keeps the event sub-folder)
    event: str | None = None
    event_date: dt.date | None = None
    claim: Path | None = None  # the claim record, once claimed


@dataclass(frozen=True)
class SetAside:
    """Something in the inbox that will never be a card (a link, a FIFO...)."""

    path: Path
    rel: PurePosixPath
    reason: str


def is_ignored_name(name: str) -> bool:
    low = name.lower()
    return (
        name.startswith(".")
        or name.startswith("~$")
        or low in IGNORED_NAMES
        or low.endswith(TEMP_SUFFIXES)
    )


def event_of(rel: PurePosixPath) -> tuple[str | None, dt.date | None]:
    """The event a card was collected at, from its inbox sub-folder:
    `2026-11-20 Chamber mixer/` -> ("Chamber mixer", 2026-11-20); `Web Summit/` -> ("Web Summit", None)."""
    if len(rel.parts) < 2:
        return None, None
    folder = rel.parts[0]
    m = EVENT_RE.match(folder)
    if m:
        try:
            day = dt.date.fromisoformat(m.group(1))
        except ValueError:
            return folder, None
        return (m.group(2) or "").strip() or None, day
    return folder, None


def scan_inbox(
    inbox: Path, *, now: dt.datetime, settle_seconds: float = 0.0
) -> tuple[list[InboxItem], list[SetAside]]:
    """Files ready to be claimed, and things to set aside, in a stable order."""
    if not inbox.is_dir():
        raise ConfigError(f"the inbox {inbox} does not exist; create it or set 'inbox' (--inbox).")
    ready: list[InboxItem] = []
    aside: list[SetAside] = []
    cutoff = now.timestamp() - settle_seconds
    for dirpath, dirnames, filenames in os.walk(inbox, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if is_ignored_name(name):
                continue
            path = Path(dirpath) / name
            rel = PurePosixPath(path.relative_to(inbox).as_posix())
            try:
                st = path.lstat()
            except OSError:
                continue  # vanished meanwhile
            if stat.S_ISLNK(st.st_mode):
                aside.append(SetAside(path, rel, "is a symbolic link; cardpipe reads only regular files in the inbox"))
                continue
            if not stat.S_ISREG(st.st_mode):
                aside.append(SetAside(path, rel, "is not a regular file (a FIFO, socket or device)"))
                continue
            if st.st_mtime > cutoff:
                log.debug("%s: still being written (changed %.1f s ago), left for the next run", rel, now.timestamp() - st.st_mtime)
                continue
            event, day = event_of(rel)
            ready.append(InboxItem(path, rel, event, day))
    return ready, aside


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb", buffering=0) as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def processing_dir(inbox: Path) -> Path:
    return inbox / PROCESSING


def claim(item: InboxItem, inbox: Path, *, now: dt.datetime) -> InboxItem:
    """Take the file out of the inbox by an atomic rename, with a record of who took it."""
    pdir = processing_dir(inbox)
    pdir.mkdir(exist_ok=True)
    token = uuid.uuid4().hex[:12]
    target = pdir / f"{token}{_safe_suffix(item.path)}"
    record = pdir / f"{token}.claim.json"
    data = {
        "rel": str(item.rel),
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "claimed_at": now.isoformat(),
        "file": target.name,
    }
    _write_json(record, data)
    try:
        os.rename(item.path, target)
    except OSError:
        record.unlink(missing_ok=True)
        raise
    return InboxItem(target, item.rel, item.event, item.event_date, claim=record)


def recover_claims(inbox: Path) -> list[InboxItem]:
    """Files claimed by a run that did not finish (we hold the lock, so it is dead)."""
    pdir = processing_dir(inbox)
    if not pdir.is_dir():
        return []
    items = []
    for record in sorted(pdir.glob("*.claim.json")):
        try:
            data = json.loads(record.read_text(encoding="utf-8"))
            path = pdir / data["file"]
            rel = PurePosixPath(data["rel"])
        except (OSError, ValueError, KeyError):
            log.warning("%s: unreadable claim record, left in place", record)
            continue
        if not path.exists():
            record.unlink(missing_ok=True)  # the file was moved on before the record was removed
            continue
        log.info("%s: recovering a file claimed by pid %s on %s at %s", rel, data.get("pid"), data.get("host"), data.get("claimed_at"))
        event, day = event_of(rel)
        items.append(InboxItem(path, rel, event, day, claim=record))
    # a file whose claim record was never written (crash between the two) goes back to the inbox
    for path in sorted(pdir.iterdir()):
        if path.name.endswith(".claim.json") or any(i.path == path for i in items):
            continue
        if path.name.endswith(".claim.json.tmp"):
            path.unlink(missing_ok=True)  # a claim record never completed: its file is still in the inbox
            continue
        if not (pdir / (path.name.split(".")[0] + ".claim.json")).exists():
            back = unique_path(inbox / path.name)
            os.rename(path, back)
    return items


def unclaim(item: InboxItem, inbox: Path) -> None:
    """Put a claimed file back where it came from (a run stopped before reading it)."""
    dest = unique_path(inbox / Path(*item.rel.parts))
    dest.parent.mkdir(parents=True, exist_ok=True)
    os.rename(item.path, dest)
    if item.claim:
        item.claim.unlink(missing_ok=True)


def unique_path(path: Path) -> Path:
    """`path`, or `name-1.ext`, `name-2.ext`... whichever does not exist yet."""
    if not os.path.lexists(path):
        return path
    stem, suffix = _split_name(path.name)
    n = 1
    while True:
        candidate = path.with_name(f"{stem}-{n}{suffix}")
        if not os.path.lexists(candidate):
            return candidate
        n += 1


def move_into(item: InboxItem, folder: Path) -> Path:
    """Move a claimed file into `folder`, keeping its inbox sub-folder; never overwrite."""
    dest = unique_path(folder / Path(*item.rel.parts))
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.rename(item.path, dest)
        except OSError as e:
            if e.errno != 18:  # EXDEV: another filesystem; copy, sync, then remove
                raise
            shutil.copy2(item.path, dest)
            os.unlink(item.path)
    except OSError as e:
        raise OutputError(f"cannot move {item.rel} into {folder}: {e.strerror}; check that the folder is writable.") from e
    if item.claim:
        item.claim.unlink(missing_ok=True)
    return dest


def set_aside(item: InboxItem, failed: Path, reason: str) -> Path:
    """Move a file into the failed folder with a sidecar saying why."""
    dest = move_into(item, failed)
    sidecar = dest.with_name(dest.name + ".reason.txt")
    sidecar.write_text(f"{item.rel}: {reason}\n", encoding="utf-8")
    return dest


@contextmanager
def run_lock(state_dir: Path) -> Iterator[None]:
    """Hold the one-run-at-a-time lock, or raise BusyError at once."""
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(state_dir / "cardpipe.lock", os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:
        raise ConfigError(f"cannot create the state folder {state_dir}: {e.strerror}; set 'state_dir'.") from e
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BusyError("another cardpipe run is in progress; try again later.") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()} {socket.gethostname()}\n".encode())
        yield
    finally:
        os.close(fd)


def _safe_suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    return suffix if re.fullmatch(r"\.[a-z0-9]{1,5}", suffix) else ""


def _split_name(name: str) -> tuple[str, str]:
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        return name, ""
    return stem, "." + ext


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
