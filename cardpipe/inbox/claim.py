"""The inbox: which files to take, claiming them, and where they go afterwards.

A file's life: it is found in the inbox (complete: a regular file, not hidden
or temporary, its size and mtime unchanged for `settle_seconds`), claimed by an
atomic rename into the work folder, `<work>/<token>/<its name>` (a hidden sibling of
the inbox, `.inbox.cardpipe-work`, see `config.default_work_dir`), after a
claim record `<token>.claim.json` (pid, host, time, where it came from) is on
disk, processed, and moved to the archive only after its database transaction
commits, or to the failed folder with a `.reason.txt` sidecar. A run that dies
leaves its claims behind; the next run recovers them, so a file is always in
exactly one of: the inbox (claimed or not), the archive, the failed folder.

One run at a time: `run_lock` holds a kernel lock (flock) in the state folder.
Child processes forked while it is held close their copy of the lock, so a
worker that outlives a killed run cannot keep the next run out.

Why this module is long: claiming, recovering a dead run's claims and the moves
afterwards all keep the one invariant above; split apart, no module would show it."""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import socket
import stat
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from ..config import LEGACY_PROCESSING, default_work_dir
from ..errors import BusyError, ConfigError, NotFoundError, OutputError
from . import faults

log = logging.getLogger(__name__)

PROCESSING = LEGACY_PROCESSING  # the claim folder inside the inbox of older versions
CLAIM_SUFFIX = ".claim.json"
REASON_SUFFIX = ".reason.txt"
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
    size: int = -1  # size and mtime when the inbox was scanned (-1: not known)
    mtime_ns: int = -1


@dataclass(frozen=True)
class SetAside:
    """Something in the inbox that will never be a card (a link, a FIFO...)."""

    path: Path
    rel: PurePosixPath
    reason: str


SIDE_RE = re.compile(r"^(?P<base>.+?)[ _.\-]+(?P<side>front|back)$", re.IGNORECASE)


def card_side(rel: PurePosixPath) -> tuple[str, str]:
    """(folder/base name, side) of a file: `ev/jane-back.jpg` -> ("ev/jane", "back");
    a file with no side in its name is a front: `ev/jane.jpg` -> ("ev/jane", "front")."""
    stem = rel.name.rsplit(".", 1)[0] if "." in rel.name else rel.name
    m = SIDE_RE.match(stem)
    base, side = (m.group("base"), m.group("side").lower()) if m else (stem, "front")
    return str(rel.parent / base).casefold(), side


def pair_sides(rels: list[PurePosixPath]) -> dict[int, int]:
    """Which files are the back of which: {index of back: index of front}.

    `NAME-back.jpg` pairs with `NAME.jpg` or `NAME-front.jpg` in the same folder
    (also `_back`, ` back`, `.back`); a back with no front stays a card of its own.
    """
    fronts: dict[str, int] = {}
    backs: dict[str, int] = {}
    for i, rel in enumerate(rels):
        base, side = card_side(rel)
        (backs if side == "back" else fronts).setdefault(base, i)
    return {b: fronts[base] for base, b in backs.items() if base in fronts}


class Unsettled(Exception):
    """The file changed after the inbox was scanned: a writer is still at it."""


def is_ignored_name(name: str) -> bool:
    low = name.lower()
    return (
        name.startswith(".")
        or name.startswith("~$")
        or low in IGNORED_NAMES
        or low.endswith(TEMP_SUFFIXES)
    )


def display_name(path: str | bytes | os.PathLike) -> str:
    """A file name safe for one line of a log or a terminal, and for JSON and SQLite text:
    undecodable bytes and control characters (newlines...) become backslash escapes."""
    text = text_name(path)
    return "".join(c if c.isprintable() or c == " " else c.encode("unicode_escape").decode("ascii") for c in text)


def text_name(path: str | bytes | os.PathLike) -> str:
    """A file name as valid UTF-8 text (undecodable bytes escaped, newlines kept)."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def event_of(rel: PurePosixPath) -> tuple[str | None, dt.date | None]:
    """The event a card was collected at, from its inbox sub-folder:
    `2026-11-20 Chamber mixer/` -> ("Chamber mixer", 2026-11-20); `Web Summit/` -> ("Web Summit", None)."""
    if len(rel.parts) < 2:
        return None, None
    folder = text_name(rel.parts[0])
    m = EVENT_RE.match(folder)
    if m:
        try:
            day = dt.date.fromisoformat(m.group(1))
        except ValueError:
            return folder, None
        return (m.group(2) or "").strip() or None, day
    return folder, None


def scan_inbox(
    inbox: Path, *, now: dt.datetime | None = None, settle_seconds: float = 0.0
) -> tuple[list[InboxItem], list[SetAside]]:
    """Files ready to be claimed, and things to set aside, in a stable order (see `scan`)."""
    found = scan(inbox, now=now, settle_seconds=settle_seconds)
    return found.ready, found.aside


@dataclass(frozen=True)
class Skipped:
    """A file the run leaves in the inbox, and why: still being written (`wait` seconds
    until it has settled) or a name cardpipe never takes (hidden, temporary, system)."""

    rel: PurePosixPath
    reason: str
    wait: float = 0.0  # > 0: still being written; this long until it has settled


@dataclass(frozen=True)
class InboxScan:
    ready: list[InboxItem]
    aside: list[SetAside]
    unsettled: list[Skipped]  # still being written: left for the next run (or waited for)
    ignored: list[Skipped]  # hidden, temporary and system files: never taken


def scan(inbox: Path, *, now: dt.datetime | None = None, settle_seconds: float = 0.0) -> InboxScan:
    """What is in the inbox: files ready to be claimed, things to set aside, files still
    being written and names never taken, each in a stable order.

    A file is ready when its mtime is at least `settle_seconds` old: nothing has
    written to it for that long. `now` is the wall clock (file times are wall-clock
    times, whatever the run's business date); None means time.time(). The size and
    mtime seen here are checked again when the file is claimed and after it is read.
    Hidden folders (an older version's claim folder among them) are not looked into.
    """
    if not inbox.is_dir():
        raise ConfigError(f"the inbox {inbox} does not exist; 'cardpipe init' sets cardpipe up (or create it, or set 'inbox' or --inbox).")
    ready: list[InboxItem] = []
    aside: list[SetAside] = []
    unsettled: list[Skipped] = []
    ignored: list[Skipped] = []
    now_ts = time.time() if now is None else now.timestamp()
    for dirpath, dirnames, filenames in os.walk(inbox, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            path = Path(dirpath) / name
            rel = PurePosixPath(path.relative_to(inbox).as_posix())
            if is_ignored_name(name):
                ignored.append(Skipped(rel, _ignored_reason(name)))
                continue
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
            age = now_ts - st.st_mtime
            if age < settle_seconds:
                if age < -60:  # a clock in the future (camera, network share): judge by the inode change time
                    age = now_ts - st.st_ctime
                if age < settle_seconds:
                    log.debug("%s: still being written (changed %.1f s ago), left for the next run", display_name(rel), age)
                    unsettled.append(Skipped(
                        rel, f"still being written (changed {max(age, 0):.1f} s ago, settle_seconds is "
                        f"{settle_seconds:g})", wait=settle_seconds - max(age, 0),
                    ))
                    continue
            event, day = event_of(rel)
            ready.append(InboxItem(path, rel, event, day, size=st.st_size, mtime_ns=st.st_mtime_ns))
    return InboxScan(ready, aside, unsettled, ignored)


def _ignored_reason(name: str) -> str:
    low = name.lower()
    if low in IGNORED_NAMES:
        return "a system file (folder settings), never a card"
    if name.startswith("~$") or low.endswith(TEMP_SUFFIXES):
        return "a temporary file (a download or an editor's copy still in progress)"
    return "a hidden file (its name starts with a dot)"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb", buffering=0) as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def processing_dir(inbox: Path) -> Path:
    """The default claim folder of `inbox` (a hidden sibling; `Config.work` is the one in use)."""
    return default_work_dir(inbox)


def legacy_processing_dir(inbox: Path) -> Path:
    """Where older versions claimed files: inside the inbox, in a sync client's view."""
    return inbox / PROCESSING


def open_work_dir(inbox: Path, work: Path, *, configured: bool = False) -> Path:
    """Create the claim folder and return it; move into it what an older version left
    claimed inside the inbox (held under the run lock, so no run is using it).

    When the default sibling cannot be made (the inbox's parent is not writable), the
    claims stay inside the inbox as before, with a warning; a `work_dir` set in the
    config must work, else a ConfigError says how to fix it.
    """
    legacy = legacy_processing_dir(inbox)
    try:
        work.mkdir(parents=configured, exist_ok=True)
    except OSError as e:
        if configured:
            raise ConfigError(
                f"cannot create the work folder {work}: {e.strerror}; make it writable or set 'work_dir' "
                "to a folder on the inbox's filesystem."
            ) from e
        log.warning(
            "cannot create the work folder %s beside the inbox (%s); claiming inside the inbox instead "
            "(set 'work_dir' to a writable folder on the inbox's filesystem)", display_name(work), e.strerror,
        )
        return legacy
    if os.path.lexists(legacy) and not legacy.is_symlink() and legacy.is_dir() and legacy != work:
        migrate_claims(legacy, work)
    return work


def migrate_claims(old: Path, new: Path) -> None:
    """Move claim records and claimed files from `old` into `new` (same filesystem), files
    first: a crash half-way leaves a file without its record, which recovery puts back
    into the inbox, or a record without its file, which recovery drops."""
    entries = sorted(old.iterdir(), key=lambda p: p.name.endswith(CLAIM_SUFFIX))  # records last
    for path in entries:
        dest = unique_path(new / path.name)
        try:
            os.rename(path, dest)
        except OSError as e:
            raise OutputError(
                f"cannot move {display_name(path)} into the work folder {display_name(new)}: {e.strerror}; "
                "the work folder must be on the inbox's filesystem and writable ('work_dir')."
            ) from e
    _rmdir(old)
    if entries:
        log.info("moved %d claim entries from %s to the work folder %s", len(entries), display_name(old), display_name(new))


def _same_as_scanned(item: InboxItem, st: os.stat_result) -> bool:
    return item.size < 0 or (st.st_size == item.size and st.st_mtime_ns == item.mtime_ns)


def claim(item: InboxItem, inbox: Path, *, now: dt.datetime, work: Path | None = None) -> InboxItem:
    """Take the file out of the inbox by an atomic rename, with a record of who took it.

    The record is on disk before the rename, so a crash at any point leaves either
    the file in the inbox or a record pointing at the claimed file. Raises
    `Unsettled` (the file is left in, or put back into, the inbox) when the file
    changed since the scan, and OSError when it cannot be renamed. `work` is the claim
    folder (default: `processing_dir(inbox)`).
    """
    if not _same_as_scanned(item, item.path.lstat()):
        raise Unsettled(f"{display_name(item.rel)} changed since the inbox was scanned")
    pdir = work or processing_dir(inbox)
    pdir.mkdir(exist_ok=True)
    token = uuid.uuid4().hex[:12]
    folder = pdir / token
    target = folder / item.path.name  # the real name, so messages about the file name it
    record = pdir / f"{token}{CLAIM_SUFFIX}"
    data = {
        "rel": str(item.rel),
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "claimed_at": now.isoformat(),
        "file": f"{token}/{item.path.name}",
    }
    _write_json(record, data)
    faults.point("claim-record")
    try:
        folder.mkdir()
        os.rename(item.path, target)
    except OSError:
        _remove_claim(record, folder)
        raise
    claimed = replace(item, path=target, claim=record)
    if not _same_as_scanned(item, target.stat()):  # a writer was still at it: give it back
        unclaim(claimed, inbox)
        raise Unsettled(f"{display_name(item.rel)} changed while it was being claimed")
    return claimed


def unchanged_since_scan(item: InboxItem) -> bool:
    """False when the (claimed) file's size or mtime moved since the scan: a writer kept it open."""
    try:
        return _same_as_scanned(item, item.path.stat())
    except OSError:
        return False


def recover_claims(inbox: Path, work: Path | None = None) -> list[InboxItem]:
    """Files claimed by a run that did not finish (we hold the lock, so it is dead).

    Claims whose file has moved on are removed; files with no claim record go back
    to the inbox (a crash between the two steps of an older layout). `work` is the
    claim folder (default: `processing_dir(inbox)`).
    """
    pdir = work or processing_dir(inbox)
    if not pdir.is_dir():
        return []
    items = []
    for record in sorted(pdir.glob(f"*{CLAIM_SUFFIX}")):
        try:
            data = json.loads(record.read_text(encoding="utf-8"))
            path = pdir / data["file"]
            rel = PurePosixPath(data["rel"])
        except (OSError, ValueError, KeyError, TypeError):
            log.warning("%s: unreadable claim record, left in place", display_name(record))
            continue
        token_dir = path.parent if path.parent != pdir else None
        if not os.path.lexists(path):
            _remove_claim(record, token_dir)  # the file was moved on before the record was removed
            continue
        log.info(
            "%s: recovering a file claimed by pid %s on %s at %s",
            display_name(rel), data.get("pid"), data.get("host"), data.get("claimed_at"),
        )
        event, day = event_of(rel)
        items.append(InboxItem(path, rel, event, day, claim=record))
    known = {i.path for i in items}
    for path in sorted(pdir.iterdir()):
        if path.name.endswith(CLAIM_SUFFIX) or path in known:
            continue
        if path.name.endswith(CLAIM_SUFFIX + ".tmp"):
            path.unlink(missing_ok=True)  # a claim record never completed: its file is still in the inbox
            continue
        if (pdir / (path.name.split(".")[0] + CLAIM_SUFFIX)).exists():
            continue  # a token folder (or old-style file) with its record: handled above
        if path.is_dir() and not path.is_symlink():
            for inner in sorted(path.iterdir()):  # a claim record already removed: the file goes back
                _rename_back(inner, inbox / inner.name)
            _rmdir(path)
        else:
            _rename_back(path, inbox / path.name)
    return items


def _rename_back(path: Path, dest: Path) -> None:
    back = unique_path(dest)
    os.rename(path, back)
    log.warning("%s: found in the processing folder without a claim record; put back into the inbox", display_name(back.name))


def unclaim(item: InboxItem, inbox: Path) -> Path:
    """Put a claimed file back where it came from (a run stopped before finishing it)."""
    dest = unique_path(inbox / Path(*item.rel.parts))
    dest.parent.mkdir(parents=True, exist_ok=True)
    os.rename(item.path, dest)
    _remove_claim(item.claim, _token_dir(item))
    return dest


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


def check_writable(folder: Path) -> None:
    """Refuse, before anything is claimed, a destination folder that cannot be written."""
    probe = folder
    while not os.path.lexists(probe) and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        raise OutputError(f"cannot move files into {folder}: {probe} is not a folder; fix the path in the config.")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise OutputError(
            f"cannot move files into {folder}: {probe} is not writable (read-only); "
            "make it writable, then run again. No file was taken from the inbox."
        )


def move_into(item: InboxItem, folder: Path) -> Path:
    """Move a claimed file into `folder`, keeping its inbox sub-folder; never overwrite."""
    dest = unique_path(folder / Path(*item.rel.parts))
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.rename(item.path, dest)
        except OSError as e:
            if e.errno != errno.EXDEV:  # another filesystem: copy to a hidden name, sync, rename, remove
                raise
            tmp = dest.with_name(f".{dest.name}.cardpipe-copy")
            shutil.copy2(item.path, tmp)
            with open(tmp, "rb") as f:
                os.fsync(f.fileno())
            os.rename(tmp, dest)
            os.unlink(item.path)
    except OSError as e:
        raise OutputError(
            f"cannot move {display_name(item.rel)} into {folder}: {e.strerror}; check that the folder is writable."
        ) from e
    faults.point("moved")
    _remove_claim(item.claim, _token_dir(item))
    return dest


def set_aside(item: InboxItem, failed: Path, reason: str) -> Path:
    """Move a file into the failed folder with a sidecar saying why."""
    dest = move_into(item, failed)
    sidecar = dest.with_name(dest.name + REASON_SUFFIX)
    try:
        sidecar.write_text(f"{display_name(item.rel)}: {reason}\n", encoding="utf-8")
    except OSError as e:
        log.warning("%s: cannot write %s: %s", display_name(item.rel), display_name(sidecar), e.strerror)
    return dest


def failed_files(failed: Path) -> list[Path]:
    """What is in the failed folder (the files, not their .reason.txt sidecars), sorted."""
    if not failed.is_dir():
        return []
    out = []
    for dirpath, dirnames, filenames in os.walk(failed, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.endswith(REASON_SUFFIX) and not name.startswith("."):
                out.append(Path(dirpath) / name)
    return out


def resolve_failed(failed: Path, names: list[Path]) -> list[Path]:
    """The failed files named on the command line: paths to them (or to their sidecar),
    or paths relative to the failed folder. Refuses any name that is not there."""
    available = {os.path.realpath(p.parent) + os.sep + p.name: p for p in failed_files(failed)}
    chosen: list[Path] = []
    for name in names:
        text = os.fspath(name)
        if text.endswith(REASON_SUFFIX):
            text = text[: -len(REASON_SUFFIX)]
        hit = None
        for candidate in (Path(text), failed / text):
            key = os.path.realpath(candidate.parent) + os.sep + candidate.name
            if key in available:
                hit = available[key]
                break
        if hit is None:
            raise NotFoundError(
                f"{display_name(name)} is not in the failed folder {display_name(failed)}; "
                "'cardpipe retry' with no names retries every failed file."
            )
        if hit not in chosen:
            chosen.append(hit)
    return chosen


def restore(path: Path, failed: Path, inbox: Path) -> Path:
    """Move a failed file back into the inbox (same sub-folder), dropping its sidecar."""
    rel = path.relative_to(failed)
    dest = unique_path(inbox / rel)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.rename(path, dest)
    except OSError as e:
        raise OutputError(f"cannot move {display_name(rel)} back into the inbox {inbox}: {e.strerror}.") from e
    path.with_name(path.name + REASON_SUFFIX).unlink(missing_ok=True)
    return dest


# ---------------------------------------------------------------------------
# One run at a time
# ---------------------------------------------------------------------------

_HELD_LOCKS: set[int] = set()  # lock fds held by this process, closed in forked children


def _close_locks_in_child() -> None:
    for fd in list(_HELD_LOCKS):
        try:
            os.close(fd)
        except OSError:
            pass
    _HELD_LOCKS.clear()


os.register_at_fork(after_in_child=_close_locks_in_child)


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
        _HELD_LOCKS.add(fd)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()} {socket.gethostname()}\n".encode())
        yield
    finally:
        _HELD_LOCKS.discard(fd)
        os.close(fd)


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def _token_dir(item: InboxItem) -> Path | None:
    if item.claim is None:
        return None
    folder = item.claim.with_name(item.claim.name[: -len(CLAIM_SUFFIX)])
    return folder if item.path.parent == folder else None


def _remove_claim(record: Path | None, folder: Path | None) -> None:
    if folder is not None:
        _rmdir(folder)
    if record is not None:
        record.unlink(missing_ok=True)


def _rmdir(folder: Path) -> None:
    try:
        folder.rmdir()
    except FileNotFoundError:
        pass
    except OSError as e:
        log.warning("cannot remove %s: %s", display_name(folder), e.strerror)


def _split_name(name: str) -> tuple[str, str]:
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        return name, ""
    return stem, "." + ext


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f)  # ASCII with escapes: valid JSON whatever bytes the file name has
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
