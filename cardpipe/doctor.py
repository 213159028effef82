"""`cardpipe doctor`: is this set-up able to run? Each check is one typed result
with what was found and, when something is wrong, the fix.

Checks, in order: the config file; Tesseract and its version; the configured
languages (with the apt package of each missing one); optional parts (HEIC,
PDF); the folders (there, writable, the work folder and archive on the inbox's
filesystem so renames are atomic); the database (opens, its schema); the
schedule (a crontab line or a systemd user timer, and when a run last took the
lock); free disk space. A `fail` makes the command exit non-zero; a `warn` is
worth knowing but does not stop cardpipe from working.

The programs and places probed are parameters (`Probes`), so the tests can point
them at fakes; the defaults are the real ones.
"""

from __future__ import annotations

import enum
import importlib.util
import os
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .config import Config, default_config_path
from .errors import CardpipeError

LOW_SPACE = 1 << 30  # under 1 GiB free: a warning
NO_SPACE = 100 << 20  # under 100 MiB: a failure (archive copies and the database grow)
STALE_RUN = 24 * 3600  # scheduled, but no run for a day: a warning


class Status(enum.Enum):
    ok = "ok"
    warn = "warn"
    fail = "fail"


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    detail: str
    fix: str = ""


@dataclass(frozen=True)
class Probes:
    """What `run_checks` looks at, injectable for tests."""

    crontab: Sequence[str] = ("crontab",)
    runner: Callable[..., subprocess.CompletedProcess] = subprocess.run
    systemd_dir: Path | None = None  # default: ~/.config/systemd/user
    now: Callable[[], float] = time.time
    has_module: Callable[[str], bool] = field(default=lambda name: importlib.util.find_spec(name) is not None)


def run_checks(cfg: Config, *, config_path: Path | None = None, probes: Probes | None = None) -> list[Check]:
    """Every check, in the order `cardpipe doctor` prints them."""
    probes = probes or Probes()
    checks = [check_config(config_path)]
    checks += check_tesseract(cfg.lang)
    checks += check_optional(probes)
    checks += check_folders(cfg)
    checks.append(check_database(cfg))
    checks.append(check_schedule(cfg, probes))
    checks += check_disk(cfg)
    return checks


def ok(checks: Sequence[Check]) -> bool:
    return all(c.status is not Status.fail for c in checks)


# ---------------------------------------------------------------------------
# The checks
# ---------------------------------------------------------------------------


def check_config(path: Path | None) -> Check:
    if path is not None:
        return Check("config", Status.ok, f"{path}")
    default = default_config_path()
    if default.is_file():
        return Check("config", Status.ok, f"{default}")
    return Check(
        "config", Status.warn, f"no config file ({default}): the built-in defaults are used",
        "cardpipe init",
    )


def check_tesseract(lang: str) -> list[Check]:
    import pytesseract

    from .ocr import INSTALL_HINT

    try:
        version = str(pytesseract.get_tesseract_version()).splitlines()[0]
        installed = set(pytesseract.get_languages(config=""))
    except (pytesseract.TesseractNotFoundError, OSError, SystemExit):
        return [
            Check("Tesseract", Status.fail, "not found on PATH", INSTALL_HINT.split(": ", 1)[-1]),
            Check("languages", Status.fail, f"{lang}: cannot tell without Tesseract", "install Tesseract first"),
        ]
    where = shutil.which(pytesseract.pytesseract.tesseract_cmd) or pytesseract.pytesseract.tesseract_cmd
    checks = [Check("Tesseract", Status.ok, f"{version} ({where})")]
    wanted = [code for code in lang.split("+") if code]
    missing = [code for code in wanted if code not in installed]
    if missing:
        pkgs = " ".join(apt_package(code) for code in missing)
        checks.append(Check(
            "languages", Status.fail,
            f"{', '.join(missing)} not installed (configured lang = {lang}; installed: "
            f"{', '.join(sorted(installed - {'osd'})) or 'none'})",
            f"sudo apt-get install {pkgs}, or remove {', '.join(missing)} from 'lang' in the config",
        ))
    else:
        checks.append(Check("languages", Status.ok, f"{', '.join(wanted)} installed"))
    return checks


def apt_package(code: str) -> str:
    """Debian's package for a Tesseract language: chi_sim -> tesseract-ocr-chi-sim."""
    return "tesseract-ocr-" + code.lower().replace("_", "-")


def check_optional(probes: Probes) -> list[Check]:
    heic = probes.has_module("pillow_heif")
    pdf = probes.has_module("pypdfium2")
    return [
        Check("HEIC photos", Status.ok, "pillow-heif installed") if heic else Check(
            "HEIC photos", Status.warn, "pillow-heif is not installed: iPhone .heic files will fail",
            "pip install 'cardpipe[heic]'",
        ),
        Check("PDF scans", Status.ok, "pypdfium2 installed") if pdf else Check(
            "PDF scans", Status.fail, "pypdfium2 is not installed: PDF files will fail", "pip install pypdfium2",
        ),
    ]


def check_folders(cfg: Config) -> list[Check]:
    inbox_dev = _device(cfg.inbox)
    checks = []
    for what, folder, same_fs in (
        ("inbox", cfg.inbox, None),
        ("work folder", cfg.work, "fail"),  # a claim is a rename: it must not cross filesystems
        ("archive", cfg.archive_dir, "warn"),  # copied then removed across filesystems: works, not atomic
        ("failed", cfg.failed_dir, "warn"),
        ("output", cfg.output, None),
        ("state folder", cfg.state, None),
    ):
        checks.append(_check_folder(what, folder, inbox_dev if same_fs else None, same_fs, cfg))
    return checks


def _check_folder(what: str, folder: Path, inbox_dev: int | None, same_fs: str | None, cfg: Config) -> Check:
    if not folder.is_dir():
        if folder.exists():
            return Check(what, Status.fail, f"{folder} is not a folder", f"remove it or set another path for the {what}")
        if what in ("work folder", "state folder", "output") and _writable(_existing_parent(folder)):
            return Check(what, Status.ok, f"{folder} (created by the first run)")
        return Check(what, Status.fail, f"{folder} does not exist", f"cardpipe init, or mkdir -p {_q(folder)}")
    if not _writable(folder):
        return Check(what, Status.fail, f"{folder} is not writable", f"chmod u+rwx {_q(folder)} (or fix its owner)")
    if inbox_dev is not None and _device(folder) != inbox_dev:
        status = Status.fail if same_fs == "fail" else Status.warn
        return Check(
            what, status, f"{folder} is on another filesystem than the inbox: moves are not atomic renames",
            f"put the {what} beside the inbox (same disk)",
        )
    return Check(what, Status.ok, f"{folder}")


def check_database(cfg: Config) -> Check:
    from .contacts.store import SCHEMA_VERSION, _refuse_network_fs, store_kind

    if store_kind(cfg.db) == "postgresql":
        return check_server_database(cfg)
    path = cfg.db
    try:
        _refuse_network_fs(path)
    except CardpipeError as e:
        return Check("database", Status.fail, str(e), "set 'db' to a file on a local disk")
    if not path.exists():
        parent = _existing_parent(path.parent)
        if _writable(parent):
            return Check("database", Status.ok, f"{path} (created by the first run)")
        return Check("database", Status.fail, f"{path} cannot be created: {parent} is not writable",
                     "set 'db' to a writable place")
    mode = "mode=ro" if os.path.exists(f"{path}-wal") else "immutable=1"
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?{mode}", uri=True)
        try:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            db.close()
    except sqlite3.DatabaseError as e:
        return Check("database", Status.fail, f"{path} cannot be read: {e}", "is it a cardpipe database? set 'db'")
    if version > SCHEMA_VERSION:
        return Check("database", Status.fail, f"{path} has schema {version}, newer than this cardpipe ({SCHEMA_VERSION})",
                     "upgrade cardpipe")
    if version < SCHEMA_VERSION:
        return Check("database", Status.ok, f"{path} (schema {version}; the next run upgrades it to {SCHEMA_VERSION})")
    if not os.access(path, os.W_OK):
        return Check("database", Status.fail, f"{path} is not writable", f"chmod u+w {_q(path)}")
    return Check("database", Status.ok, f"{path} (schema {version}, current)")


def check_server_database(cfg: Config) -> Check:
    """A team's PostgreSQL base: the server answers, the login works, the schema is known."""
    from .contacts.pgconn import PgConnection, connect, shown_url
    from .contacts.postgres import schema_of
    from .contacts.store import SCHEMA_VERSION

    shown = shown_url(str(cfg.db))
    try:
        conn = connect(str(cfg.db), busy_timeout=cfg.busy_timeout)
        try:
            version = schema_of(PgConnection(conn, shown))
        finally:
            conn.close()
    except CardpipeError as e:
        return Check("database", Status.fail, str(e), "fix 'db', the password (~/.pgpass) or the server")
    if version > SCHEMA_VERSION:
        return Check("database", Status.fail, f"{shown} has schema {version}, newer than this cardpipe ({SCHEMA_VERSION})",
                     "upgrade cardpipe")
    if version < SCHEMA_VERSION:
        return Check("database", Status.ok, f"{shown} (schema {version}; the next run brings it to {SCHEMA_VERSION})")
    return Check("database", Status.ok, f"{shown} (schema {version}, current)")


def check_schedule(cfg: Config, probes: Probes) -> Check:
    from . import init

    where = []
    try:
        entries = init.cron_entries(init.read_crontab(probes.crontab, probes.runner))
    except CardpipeError:
        entries = []
    if entries:
        where.append(f"crontab: {entries[0].strip()}")
    timer = (probes.systemd_dir or init.systemd_user_dir()) / init.TIMER_NAME
    if timer.is_file():
        where.append(f"systemd timer {timer}")
    last = _last_run(cfg, probes.now())
    if not where:
        return Check(
            "schedule", Status.warn, f"no crontab line or systemd timer runs cardpipe ({last})",
            "cardpipe init --cron (or --systemd), or add the line 'cardpipe init' prints to 'crontab -e'",
        )
    lock = cfg.state / "cardpipe.lock"
    if lock.exists() and probes.now() - lock.stat().st_mtime > STALE_RUN:
        return Check("schedule", Status.warn, f"{'; '.join(where)}; but {last}",
                     "is cron running? see 'systemctl status cron' or 'grep CRON /var/log/syslog'")
    return Check("schedule", Status.ok, f"{'; '.join(where)}; {last}")


def _last_run(cfg: Config, now: float) -> str:
    """When a run last took the lock (its file is rewritten by every run), and the log's last line."""
    lock = cfg.state / "cardpipe.lock"
    if not lock.exists():
        return "no run yet"
    text = f"last run {_ago(now - lock.stat().st_mtime)}"
    log = cfg.state / "cardpipe.log"
    if log.is_file() and log.stat().st_size:
        with open(log, "rb") as f:
            f.seek(max(0, log.stat().st_size - 4096))
            last = f.read().decode("utf-8", "replace").rstrip("\n").rsplit("\n", 1)[-1]
        text += f"; last logged: {last[:19]}"
    return text


def _ago(seconds: float) -> str:
    seconds = max(0.0, seconds)
    for unit, size in (("day", 86400), ("hour", 3600), ("min", 60)):
        if seconds >= size:
            n = int(seconds // size)
            return f"{n} {unit}{'s' if n > 1 and unit != 'min' else ''} ago"
    return "just now"


def check_disk(cfg: Config) -> list[Check]:
    seen: dict[int, Path] = {}
    local_db = [cfg.db.parent] if isinstance(cfg.db, Path) else []  # not a server's URL
    for folder in (cfg.inbox, cfg.archive_dir, *local_db, cfg.output):
        probe = _existing_parent(folder)
        seen.setdefault(_device(probe), probe)
    checks = []
    for probe in seen.values():
        free = shutil.disk_usage(probe).free
        text = f"{_size(free)} free on the disk of {probe}"
        if free < NO_SPACE:
            checks.append(Check("disk space", Status.fail, text, "free some space, or move the folders"))
        elif free < LOW_SPACE:
            checks.append(Check("disk space", Status.warn, text, "free some space soon"))
        else:
            checks.append(Check("disk space", Status.ok, text))
    return checks


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def _existing_parent(path: Path) -> Path:
    path = Path(os.path.abspath(path))
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _device(path: Path) -> int:
    return _existing_parent(path).stat().st_dev


def _writable(folder: Path) -> bool:
    return folder.is_dir() and os.access(folder, os.W_OK | os.X_OK)


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return f"{n} B"


def _q(path: Path) -> str:
    import shlex

    return shlex.quote(str(path))
