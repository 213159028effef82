"""`cardpipe init`: set cardpipe up for a newcomer, and leave a set-up alone.

`settings_for` works out what to set up (flags, else an existing config, else
defaults guessed from the locale); `apply` writes a commented config file and
creates the folders, reporting each step and whether it changed anything, so a
second `init` changes nothing and says so. `cron_line` is the exact crontab line
(absolute paths); `install_cron` and `install_systemd` schedule the run. The
programs they call (`crontab`, `systemctl`) are injected, for the tests.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

from .config import Config, default_config_path, default_work_dir, load_config, read_toml
from .errors import CardpipeError, ConfigError, ExitCode

CRON_SCHEDULE = "*/15 * * * *"
CRON_COMMENT = "# cardpipe: read new cards in the inbox every 15 minutes (added by cardpipe init)"
TIMER_NAME = "cardpipe.timer"
SERVICE_NAME = "cardpipe.service"

# ISO 639-1 (the locale's language) -> Tesseract's code, for the languages the Makefile
# installs; English is always read too, as most cards print some English.
TESSERACT_LANGS = {
    "de": "deu", "fr": "fra", "es": "spa", "pt": "por", "nl": "nld", "it": "ita", "tr": "tur",
    "hr": "hrv", "pl": "pol", "cs": "ces", "ro": "ron", "hu": "hun", "sv": "swe", "da": "dan",
}


class SchedulerError(CardpipeError):
    """crontab or systemctl failed."""

    exit_code = ExitCode.unavailable


@dataclass(frozen=True)
class Settings:
    """What `init` sets up: the config file and the values it holds."""

    config_path: Path
    inbox: Path
    archive: Path
    failed: Path
    output: Path
    db: Path
    days: int = 7
    region: str = "US"
    lang: str = "eng"

    @property
    def work(self) -> Path:
        return default_work_dir(self.inbox)

    @property
    def state(self) -> Path:
        return self.db.parent / "state"

    def folders(self) -> list[tuple[str, Path]]:
        return [
            ("inbox", self.inbox), ("archive", self.archive), ("failed", self.failed),
            ("output", self.output), ("work folder", self.work), ("state folder", self.state),
        ]


@dataclass(frozen=True)
class Step:
    text: str
    changed: bool
    notice: bool = False  # worth showing though nothing changed


@dataclass
class InitResult:
    settings: Settings
    steps: list[Step] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(s.changed for s in self.steps)


# ---------------------------------------------------------------------------
# What to set up
# ---------------------------------------------------------------------------


def guess_locale(env: Mapping[str, str] | None = None) -> tuple[str, str]:
    """(phone region, Tesseract languages) from the locale: de_DE.UTF-8 -> ("DE", "eng+deu").
    Anything unknown (C, POSIX, unset) -> ("US", "eng")."""
    env = os.environ if env is None else env
    value = next((env[k] for k in ("LC_ALL", "LC_MESSAGES", "LANG") if env.get(k)), "")
    code = value.split(".")[0].split("@")[0]
    language, _, country = code.partition("_")
    region = country.upper() if len(country) == 2 and country.isalpha() else "US"
    extra = TESSERACT_LANGS.get(language.lower())
    return region, "eng+" + extra if extra else "eng"


def default_base() -> Path:
    """Where the folders go when no FOLDER is given: ~/Cards."""
    return Path.home() / "Cards"


def settings_for(
    folder: Path | None = None,
    *,
    env: Mapping[str, str] | None = None,
    **given: object,
) -> Settings:
    """The settings: values given (flags; None = not given) win, then an existing config
    file, then the defaults (folders in FOLDER, else ~/Cards; region and languages from
    the locale). The config file is FOLDER/config.toml, else the platform's config file."""
    base = Path(os.path.abspath(os.path.expanduser(folder))) if folder else None
    config_path = base / "config.toml" if base else default_config_path()
    region, lang = guess_locale(env)
    home = base or default_base()
    values: dict[str, object] = {
        "inbox": home / "inbox", "archive": home / "archive", "failed": home / "failed",
        "output": home / "output", "db": home / "cardpipe.db", "days": 7, "region": region, "lang": lang,
    }
    if config_path.is_file():
        cfg = load_config(config_path)
        values.update(
            inbox=cfg.inbox, archive=cfg.archive_dir, failed=cfg.failed_dir, output=cfg.output, db=cfg.db,
            days=cfg.days, region=cfg.region, lang=cfg.lang,
        )
    values.update({k: v for k, v in given.items() if v is not None})
    # checked and typed as a config file would be (an empty file: only these values count)
    cfg = load_config(Path(os.devnull), **{k: str(v) if isinstance(v, Path) else v for k, v in values.items()})
    return Settings(
        config_path=config_path,
        inbox=_abs(cfg.inbox), archive=_abs(cfg.archive_dir), failed=_abs(cfg.failed_dir),
        output=_abs(cfg.output), db=_abs(cfg.db), days=cfg.days, region=cfg.region, lang=cfg.lang,
    )


def _abs(path: Path) -> Path:
    return Path(os.path.abspath(path))


# ---------------------------------------------------------------------------
# Doing it
# ---------------------------------------------------------------------------


def render_config(s: Settings) -> str:
    """The config file `init` writes: every value it chose, and the keys worth knowing, commented."""

    def q(value: object) -> str:
        return json.dumps(str(value), ensure_ascii=False)  # a TOML basic string

    return f"""\
# cardpipe configuration, written by `cardpipe init`: edit freely.
# `cardpipe doctor` checks this set-up; `cardpipe COMMAND --help` explains each command.

# Drop scans and phone photos here. A sub-folder "2026-11-20 Chamber mixer" names the event.
inbox = {q(s.inbox)}
# Every file read is kept here.
archive = {q(s.archive)}
# Files that could not be read, each beside a NAME.reason.txt ('cardpipe retry' puts them back).
failed = {q(s.failed)}
# contacts.csv, due.csv (type the day you followed up into it), due.ics.
output = {q(s.output)}
# The SQLite database.
db = {q(s.db)}
# Claimed files wait here while they are read; it must be on the inbox's filesystem.
# work_dir = {q(s.work)}

# A card is due this many days after you met the person...
days = {s.days}
# ...then again after 30 days, then every 90 (until 'cardpipe done').
# cadence = [30, 90]
# Follow-ups a week, for 'cardpipe digest'.
# weekly_goal = 10

# The country of phone numbers printed without a +code.
region = {q(s.region)}
# Tesseract languages joined by '+' ('cardpipe doctor' checks they are installed).
lang = {q(s.lang)}
# Exports besides due.csv: csv, google, outlook, vcard, json.
# formats = ["csv", "vcard"]
# Seconds a file must stay unchanged before it is read.
# settle_seconds = 2
"""


def apply(settings: Settings, *, force: bool = False) -> InitResult:
    """Write the config file (unless one is there: kept, or rewritten with `force`) and
    create the folders. Each step says what it did; nothing done twice."""
    result = InitResult(settings)
    path = settings.config_path
    text = render_config(settings)
    if path.is_file():
        current = path.read_text(encoding="utf-8")
        if current == text:
            result.steps.append(Step(f"config {path}: already there, unchanged", False))
        elif force:
            _write(path, text)
            result.steps.append(Step(f"config {path}: rewritten (--force)", True))
        else:
            read_toml(path)  # a broken file says so now
            differ = _differences(settings, load_config(path))
            if differ:
                result.steps.append(Step(
                    f"config {path}: already there and kept, though it says {'; '.join(differ)} "
                    "(edit it, or --force writes a new one)", False, notice=True,
                ))
            else:
                result.steps.append(Step(f"config {path}: already there (edited), kept", False))
    else:
        _write(path, text)
        result.steps.append(Step(f"config {path}: written", True))
    for what, folder in settings.folders():
        if folder.is_dir():
            result.steps.append(Step(f"{what} {folder}: already there", False))
            continue
        try:
            folder.mkdir(parents=True)
        except OSError as e:
            raise ConfigError(f"cannot create the {what} {folder}: {e.strerror}; choose another folder.") from e
        result.steps.append(Step(f"{what} {folder}: created", True))
    return result


def _differences(settings: Settings, cfg: Config) -> list[str]:
    """What the config file holds that differs from `settings`, e.g. ["days = 7, not 5"]."""
    held = {
        "inbox": _abs(cfg.inbox), "archive": _abs(cfg.archive_dir), "failed": _abs(cfg.failed_dir),
        "output": _abs(cfg.output), "db": _abs(cfg.db), "days": cfg.days, "region": cfg.region, "lang": cfg.lang,
    }
    return [f"{k} = {v}, not {getattr(settings, k)}" for k, v in held.items() if getattr(settings, k) != v]


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as e:
        raise ConfigError(f"cannot write the config file {path}: {e.strerror}; give another FOLDER.") from e


# ---------------------------------------------------------------------------
# Scheduling: cron or a systemd user timer
# ---------------------------------------------------------------------------


def cardpipe_command() -> list[str]:
    """The absolute command that runs this cardpipe: the console script beside this
    Python (a virtualenv's bin/), else this Python with -m cardpipe."""
    script = Path(sys.executable).parent / "cardpipe"
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    found = shutil.which("cardpipe")
    return [os.path.abspath(found)] if found else [sys.executable, "-m", "cardpipe"]


def run_command(config_path: Path, command: Sequence[str] | None = None) -> list[str]:
    return [*(command or cardpipe_command()), "run", "--config", str(config_path)]


def cron_line(config_path: Path, command: Sequence[str] | None = None) -> str:
    """The crontab line: every 15 minutes, absolute paths (cron's PATH is short), `%` escaped."""
    shell = " ".join(shlex.quote(a) for a in run_command(config_path, command))
    return f"{CRON_SCHEDULE}  {shell.replace('%', chr(92) + '%')}"


Runner = Callable[..., subprocess.CompletedProcess]


def read_crontab(crontab: Sequence[str] = ("crontab",), runner: Runner = subprocess.run) -> str:
    """The user's crontab ('' when there is none)."""
    try:
        r = runner([*crontab, "-l"], capture_output=True, text=True)
    except FileNotFoundError as e:
        raise SchedulerError(
            "crontab is not installed (apt-get install cron), or use --systemd, or add the line to your scheduler."
        ) from e
    if r.returncode != 0:
        if "no crontab" in (r.stderr or "").lower():
            return ""
        raise SchedulerError(f"'crontab -l' failed: {(r.stderr or '').strip()}")
    return r.stdout


def other_cron_entries(line: str, crontab: Sequence[str] = ("crontab",), runner: Runner = subprocess.run) -> list[str]:
    """Lines of the user's crontab that run cardpipe, other than `line` (an older set-up?)."""
    return [e for e in cron_entries(read_crontab(crontab, runner)) if e.split() != line.split()]


def cron_entries(crontab_text: str) -> list[str]:
    """The crontab lines (not comments) that run `cardpipe run`."""
    return [
        line for line in crontab_text.splitlines()
        if line.strip() and not line.lstrip().startswith("#") and "cardpipe" in line and " run" in line
    ]


def install_cron(line: str, crontab: Sequence[str] = ("crontab",), runner: Runner = subprocess.run) -> bool:
    """Add `line` to the user's crontab, keeping every other line. False when it is there already."""
    current = read_crontab(crontab, runner)
    if any(entry.split() == line.split() for entry in cron_entries(current)):
        return False
    text = current if not current or current.endswith("\n") else current + "\n"
    text += f"{CRON_COMMENT}\n{line}\n"
    r = runner([*crontab, "-"], input=text, capture_output=True, text=True)
    if r.returncode != 0:
        raise SchedulerError(f"'crontab -' refused the new crontab: {(r.stderr or '').strip()}")
    return True


def systemd_user_dir() -> Path:
    """~/.config/systemd/user (XDG_CONFIG_HOME honoured)."""
    return Path(platformdirs.user_config_dir("systemd", appauthor=False, roaming=False)) / "user"


def systemd_units(config_path: Path, command: Sequence[str] | None = None) -> dict[str, str]:
    exec_start = " ".join(_systemd_quote(a) for a in run_command(config_path, command))
    return {
        SERVICE_NAME: (
            "[Unit]\nDescription=cardpipe: read new business cards in the inbox\n\n"
            f"[Service]\nType=oneshot\nExecStart={exec_start}\n"
        ),
        TIMER_NAME: (
            "[Unit]\nDescription=Run cardpipe every 15 minutes\n\n"
            "[Timer]\nOnCalendar=*:0/15\nPersistent=true\n\n"
            "[Install]\nWantedBy=timers.target\n"
        ),
    }


def _systemd_quote(arg: str) -> str:
    arg = arg.replace("%", "%%")
    return arg if arg and not any(c in arg for c in " \t\"'\\;") else json.dumps(arg)


def systemd_running() -> bool:
    """Whether systemd is the init system here (so a user timer can run)."""
    return Path("/run/systemd/system").is_dir() and shutil.which("systemctl") is not None


def install_systemd(
    config_path: Path,
    *,
    folder: Path | None = None,
    command: Sequence[str] | None = None,
    systemctl: Sequence[str] | None = None,
    runner: Runner = subprocess.run,
) -> list[Step]:
    """Write the user service and timer (changed only when their text differs), then
    enable the timer with `systemctl --user` when `systemctl` is given (systemd runs)."""
    folder = folder or systemd_user_dir()
    steps: list[Step] = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in systemd_units(config_path, command).items():
            path = folder / name
            if path.is_file() and path.read_text(encoding="utf-8") == text:
                steps.append(Step(f"systemd unit {path}: already there", False))
                continue
            path.write_text(text, encoding="utf-8")
            steps.append(Step(f"systemd unit {path}: written", True))
    except OSError as e:
        raise ConfigError(f"cannot write the systemd units into {folder}: {e.strerror}.") from e
    if systemctl is None:
        steps.append(Step(
            f"systemd is not running here: enable the timer where it runs with 'systemctl --user enable --now {TIMER_NAME}'",
            False,
        ))
        return steps
    for args in (["daemon-reload"], ["enable", "--now", TIMER_NAME]):
        r = runner([*systemctl, "--user", *args], capture_output=True, text=True)
        if r.returncode != 0:
            raise SchedulerError(f"'systemctl --user {' '.join(args)}' failed: {(r.stderr or '').strip()}")
    steps.append(Step(f"timer {TIMER_NAME}: enabled (systemctl --user list-timers shows it)", any(s.changed for s in steps)))
    return steps


def is_default_config(path: Path) -> bool:
    return path == default_config_path()
