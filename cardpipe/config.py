"""Options, in one frozen `Config`.

Precedence: command-line flags > the TOML file (`--config`, `$CARDPIPE_CONFIG`,
else `config.toml` in the platform's user config dir) > defaults. With no file
at all, cardpipe works out of the platform's user data dir.

Example `config.toml` (every key optional)::

    inbox = "~/Cards/inbox"
    output = "~/Cards/output"
    db = "~/Cards/cardpipe.db"
    days = 7            # follow-up window
    region = "GB"       # default phone region
    lang = "eng+deu"    # Tesseract languages
    jobs = 0            # 0 = one per core
    formats = ["csv", "google", "outlook", "vcard", "json"]   # exports besides due.csv
    vcard_version = "3.0"                                      # or "4.0"
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from .errors import ConfigError

APP = "cardpipe"
CONFIG_ENV = "CARDPIPE_CONFIG"


def _data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP))


@dataclass(frozen=True)
class Config:
    inbox: Path = field(default_factory=lambda: _data_dir() / "inbox")
    archive: Path | None = None  # default: <data dir>/archive, beside the database
    failed: Path | None = None  # default: <data dir>/failed
    output: Path = field(default_factory=lambda: _data_dir() / "output")
    # a SQLite file, or a team's PostgreSQL server: "postgresql://user@host/dbname" (DatabaseUrl)
    db: Path = field(default_factory=lambda: _data_dir() / "cardpipe.db")
    state_dir: Path | None = None  # lock and log; default: beside the database
    # claimed files wait here while they are read; default: a hidden sibling of the inbox
    # (`.inbox.cardpipe-work`), on its filesystem (atomic renames) and out of a sync client's view
    work_dir: Path | None = None

    days: int = 7  # follow-up window, in days after the card was collected
    cadence: tuple[int, ...] = (30, 90)  # later follow-ups: days after the previous one
    weekly_goal: int = 10  # follow-ups a week, for `cardpipe digest`
    date_order: str = "auto"  # how due.csv dates like 11/12/2026 read: "MDY", "DMY" or "auto" (from region)
    region: str = "US"  # default phone region (ISO 3166-1 alpha-2)
    lang: str = "eng"  # Tesseract languages, e.g. "eng+deu"
    # read a card from a non-English country again in its language (when installed) to keep
    # accents (Björn, not Bjorn): one more OCR pass on those cards only
    language_pass: bool = True
    # find the text lines with a neural text detector and read each with Tesseract (reads
    # cards on busy backgrounds, colours and pictures); false = Tesseract's own page layout
    text_detector: bool = True
    jobs: int = 0  # worker processes; 0 = one per core
    ocr_timeout: float = 60.0  # seconds per Tesseract call
    review_threshold: float = 0.6  # fields below this confidence are flagged for review
    formats: tuple[str, ...] = ("csv",)  # exports `cardpipe run` writes besides due.csv
    vcard_version: str = "3.0"  # contacts.vcf: "3.0" (what phone contact apps import) or "4.0"
    max_file_mb: float = 50.0  # bigger files are refused
    max_pixels: int = 100_000_000  # decoded size cap (decompression bombs)
    max_pages: int = 10  # PDF/TIFF pages read per file
    settle_seconds: float = 2.0  # a file must be unchanged this long to be claimed
    busy_timeout: float = 10.0  # seconds to wait for a database another program is writing
    # a team's server (db = "postgresql://..."): a file being read is leased to its worker for
    # this long, renewed while it reads; a worker that dies leaves it to the others after it
    lease_seconds: float = 60.0
    # a team's cards: who this worker's cards belong to (the person scanning), or, with
    # owner_folders, the inbox's first sub-folder names the owner (inbox/ann/2026-11-20 Expo/...)
    owner: str | None = None
    owner_folders: bool = False
    team_followups: bool = False  # a follow-up by one owner clears the contact for every owner
    # `cardpipe serve --host` beyond loopback: the token a browser must bring (CARDPIPE_WEB_TOKEN wins)
    web_token: str | None = None

    def __post_init__(self) -> None:
        _check(self)

    @property
    def archive_dir(self) -> Path:
        return self.archive or self._beside_db / "archive"

    @property
    def failed_dir(self) -> Path:
        return self.failed or self._beside_db / "failed"

    @property
    def state(self) -> Path:
        return self.state_dir or self._beside_db / "state"

    @property
    def _beside_db(self) -> Path:
        """Where the folders go by default: beside a SQLite file; the data dir for a server."""
        return _data_dir() if isinstance(self.db, DatabaseUrl) else self.db.parent

    @property
    def work(self) -> Path:
        """Where claimed files wait while they are read (see `default_work_dir`)."""
        return self.work_dir or default_work_dir(self.inbox)

    @property
    def day_first(self) -> bool:
        """Whether dates written with slashes (20/11/2026) put the day first."""
        if self.date_order == "auto":
            return self.region not in MONTH_FIRST_REGIONS
        return self.date_order == "DMY"

    @property
    def workers(self) -> int:
        return self.jobs if self.jobs > 0 else (os.cpu_count() or 1)


EXPORT_FORMATS = ("csv", "google", "outlook", "vcard", "json")
VCARD_VERSIONS = ("3.0", "4.0")
DATE_ORDERS = ("auto", "MDY", "DMY")
# Where spreadsheets write 11/20/2026 (month first); elsewhere 20/11/2026 (CLDR short dates).
MONTH_FIRST_REGIONS = frozenset({"US", "PR", "GU", "VI", "AS", "MP", "UM", "PH", "FM", "MH", "PW"})
_LANG_RE = re.compile(r"^[a-z_]{3,}(\+[a-z_]{3,})*$", re.I)


def _check(cfg: Config) -> None:
    if cfg.days < 0:
        raise ConfigError(f"days must be 0 or more, not {cfg.days}.")
    if any(d <= 0 for d in cfg.cadence):
        raise ConfigError("cadence takes positive numbers of days, e.g. cadence = [30, 90].")
    if not re.fullmatch(r"[A-Z]{2}", cfg.region):
        raise ConfigError(f"region must be a two-letter country code such as US or GB, not {cfg.region!r}.")
    if not _LANG_RE.match(cfg.lang):
        raise ConfigError(f"lang must be Tesseract language codes joined by '+', e.g. eng+deu, not {cfg.lang!r}.")
    if cfg.jobs < 0:
        raise ConfigError("jobs must be 0 (one per core) or more.")
    if cfg.ocr_timeout <= 0:
        raise ConfigError("ocr_timeout must be a positive number of seconds.")
    if not 0 <= cfg.review_threshold <= 1:
        raise ConfigError("review_threshold must be between 0 and 1.")
    bad = [f for f in cfg.formats if f not in EXPORT_FORMATS]
    if bad:
        raise ConfigError(f"unknown export format {bad[0]!r}; choose from {', '.join(EXPORT_FORMATS)}.")
    if cfg.vcard_version not in VCARD_VERSIONS:
        raise ConfigError(f"vcard_version must be {' or '.join(VCARD_VERSIONS)}, not {cfg.vcard_version!r}.")
    if cfg.weekly_goal < 0:
        raise ConfigError("weekly_goal must be 0 (no goal) or more follow-ups a week.")
    if cfg.date_order not in DATE_ORDERS:
        raise ConfigError(f"date_order must be one of {', '.join(DATE_ORDERS)}, not {cfg.date_order!r}.")
    if cfg.max_file_mb <= 0 or cfg.max_pixels <= 0 or cfg.max_pages <= 0:
        raise ConfigError("max_file_mb, max_pixels and max_pages must be positive.")
    if cfg.settle_seconds < 0 or cfg.busy_timeout < 0:
        raise ConfigError("settle_seconds and busy_timeout must be 0 or more seconds.")
    if cfg.lease_seconds <= 0:
        raise ConfigError("lease_seconds must be a positive number of seconds.")


def default_work_dir(inbox: Path) -> Path:
    """The claim folder of an inbox: a hidden sibling, `<parent>/.<inbox name>.cardpipe-work`.

    Beside the inbox, so on its filesystem (a claim is an atomic rename), yet outside
    the folder a sync client (Dropbox, Syncthing, Nextcloud) shows. Older versions kept
    it inside the inbox (`LEGACY_PROCESSING`); a run moves what is there."""
    inbox = Path(os.path.abspath(inbox))
    if not inbox.name:  # the root of a filesystem: no sibling to use
        return inbox / LEGACY_PROCESSING
    return inbox.parent / f".{inbox.name}.cardpipe-work"


LEGACY_PROCESSING = ".cardpipe-processing"  # the claim folder inside the inbox, before version 0.2


def default_config_path() -> Path:
    return Path(platformdirs.user_config_dir(APP)) / "config.toml"


# Database URLs cardpipe can open (a plain path is a SQLite file).
SUPPORTED_DB_SCHEMES: tuple[str, ...] = ("postgresql", "postgres")


class DatabaseUrl(str):
    """`db` given as a server URL (postgresql://user@host/dbname), kept as written: not a Path."""


_URL_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):/")  # 'postgresql://...' (a Path keeps one slash)


def _check_db_url(value: str) -> None:
    """A `db` that is a URL of a kind cardpipe does not open is a configuration error, not
    a folder named 'postgresql:' made in the working directory."""
    m = _URL_RE.match(value)
    if m and m.group(1).lower() not in SUPPORTED_DB_SCHEMES:
        raise ConfigError(
            f"db is a {m.group(1)}:// URL, which cardpipe cannot open; give a SQLite file's path "
            "(e.g. db = \"~/Cards/cardpipe.db\") or a PostgreSQL server's URL (supported schemes: "
            + ", ".join(f"{s}://" for s in SUPPORTED_DB_SCHEMES) + ")."
        )


def _coerce(name: str, hint: Any, value: Any) -> Any:
    """Turn a TOML or flag value into the type the field declares."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):  # X | None
        if value is None:
            return None
        (hint,) = [a for a in args if a is not type(None)]
        return _coerce(name, hint, value)
    try:
        if hint is Path:
            if not isinstance(value, (str, os.PathLike)):
                raise TypeError
            if name == "db":
                _check_db_url(str(value))
                if _URL_RE.match(str(value)):
                    return DatabaseUrl(os.path.expandvars(str(value)))
            return Path(os.path.expandvars(str(value))).expanduser()
        if origin is tuple:
            if isinstance(value, str):
                value = [v for v in re.split(r"[,\s]+", value) if v]
            if not isinstance(value, (list, tuple)):
                raise TypeError
            return tuple(_coerce(name, args[0], v) for v in value)
        if hint is bool:
            if not isinstance(value, bool):
                raise TypeError
            return value
        if hint is int:
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise TypeError
            return int(value)
        if hint is float:
            if isinstance(value, bool):
                raise TypeError
            return float(value)
        if hint is str:
            if not isinstance(value, str):
                raise TypeError
            return value.upper() if name == "region" else value
    except (TypeError, ValueError):
        pass
    else:
        raise ConfigError(f"option {name!r}: cannot use type {hint}.")
    raise ConfigError(f"option {name!r}: {value!r} is not a valid {getattr(hint, '__name__', hint)}.")


def load_config(path: Path | None = None, **overrides: Any) -> Config:
    """Build the Config from the TOML file (if any) and overrides (None = not given).

    `path` is the file given with --config; else $CARDPIPE_CONFIG; else the
    default location, used only if it exists.
    """
    explicit = path or (Path(os.environ[CONFIG_ENV]) if os.environ.get(CONFIG_ENV) else None)
    values: dict[str, Any] = {}
    if explicit is not None:
        values = read_toml(explicit.expanduser())
    else:
        default = default_config_path()
        if default.is_file():
            values = read_toml(default)
    values.update({k: v for k, v in overrides.items() if v is not None})
    hints = typing.get_type_hints(Config)
    names = {f.name for f in dataclasses.fields(Config)}
    unknown = sorted(set(values) - names)
    if unknown:
        raise ConfigError(
            f"unknown option {unknown[0]!r} in the configuration; known options: {', '.join(sorted(names))}."
        )
    kwargs = {k: _coerce(k, hints[k], v) for k, v in values.items()}
    return Config(**kwargs)


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist; create it or drop --config.") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"config file {path} is not valid TOML: {e}.") from None
    except OSError as e:
        raise ConfigError(f"cannot read config file {path}: {e.strerror}.") from None
