"""Config: defaults, TOML file, flags over file, clear errors."""

from pathlib import Path

import pytest

from cardpipe.config import Config, load_config
from cardpipe.errors import ConfigError, ExitCode


@pytest.fixture(autouse=True)
def no_user_config(monkeypatch, tmp_path):
    monkeypatch.delenv("CARDPIPE_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))


def test_defaults_work_without_any_file(tmp_path):
    cfg = load_config()
    assert cfg.days == 7 and cfg.region == "US" and cfg.lang == "eng"
    assert cfg.inbox == tmp_path / "xdg-data" / "cardpipe" / "inbox"
    assert cfg.archive_dir == cfg.db.parent / "archive"
    assert cfg.failed_dir == cfg.db.parent / "failed"


def test_file_then_flags(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text('inbox = "~/cards/in"\ndays = 3\nregion = "gb"\ncadence = [14, 60]\nlang = "eng+deu"\n')
    cfg = load_config(f, days=10, region=None)
    assert cfg.days == 10  # the flag wins
    assert cfg.region == "GB"  # from the file, upper-cased
    assert cfg.cadence == (14, 60)
    assert cfg.inbox == Path("~/cards/in").expanduser()


def test_env_names_the_file(tmp_path, monkeypatch):
    f = tmp_path / "c.toml"
    f.write_text("days = 2\n")
    monkeypatch.setenv("CARDPIPE_CONFIG", str(f))
    assert load_config().days == 2


@pytest.mark.parametrize(
    "text, message",
    [
        ("dayz = 3", "unknown option 'dayz'"),
        ("days = 'soon'", "option 'days': 'soon' is not a valid int"),
        ("days = -1", "days must be 0 or more"),
        ('region = "USA"', "two-letter country code"),
        ('lang = "en glish"', "Tesseract language codes"),
        ('formats = ["csv", "xls"]', "unknown export format 'xls'"),
        ("days = ", "is not valid TOML"),
    ],
)
def test_bad_config_says_how_to_fix(tmp_path, text, message):
    f = tmp_path / "c.toml"
    f.write_text(text)
    with pytest.raises(ConfigError, match=message) as e:
        load_config(f)
    assert e.value.exit_code == ExitCode.config == 78


def test_missing_explicit_file(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml")


def test_config_is_frozen():
    cfg = Config()
    with pytest.raises(AttributeError):
        cfg.days = 3  # type: ignore[misc]


@pytest.mark.parametrize("url", ["mysql://h/db", "sqlite:///tmp/x.db", "mongodb://h/cards"])
def test_a_database_url_cardpipe_cannot_open_is_a_config_error_and_creates_nothing(tmp_path, monkeypatch, url):
    import subprocess

    from conftest import CARDPIPE

    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=r"URL, which cardpipe cannot open") as e:
        load_config(None, db=url)
    assert e.value.exit_code == ExitCode.config
    proc = subprocess.run([*CARDPIPE, "run", "--db", url, "--inbox", str(tmp_path)], capture_output=True, text=True,
                          cwd=tmp_path, stdin=subprocess.DEVNULL, timeout=60)
    assert proc.returncode == 78
    assert len(proc.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []  # no 'postgresql:' folder


@pytest.mark.parametrize("url", ["postgresql://ann@db.example/cards", "postgres://ann@db.example:5433/cards?sslmode=require"])
def test_a_postgresql_url_is_kept_as_written_and_the_folders_go_to_the_data_dir(url):
    from cardpipe.config import DatabaseUrl, _data_dir

    cfg = load_config(None, db=url)
    assert isinstance(cfg.db, DatabaseUrl) and cfg.db == url
    assert cfg.archive_dir == _data_dir() / "archive" and cfg.state == _data_dir() / "state"


@pytest.mark.parametrize("rel, cfg, want", [
    ("card.jpg", {}, (None, None, None)),
    ("card.jpg", {"owner": "ann"}, ("ann", None, None)),
    ("2026-11-20 Expo/card.jpg", {"owner": "ann"}, ("ann", "Expo", "2026-11-20")),
    ("bob/card.jpg", {"owner_folders": True}, ("bob", None, None)),
    ("bob/2026-11-20 Expo/card.jpg", {"owner_folders": True, "owner": "ann"}, ("bob", "Expo", "2026-11-20")),
    ("card.jpg", {"owner_folders": True, "owner": "ann"}, ("ann", None, None)),
])
def test_the_owner_and_event_of_an_inbox_file(rel, cfg, want):
    import datetime as dt
    from pathlib import PurePosixPath

    from cardpipe.contacts import owners
    from cardpipe.inbox import claim as ingest

    r = PurePosixPath(rel)
    item = ingest.InboxItem(Path("/inbox") / rel, r, *ingest.event_of(r))
    got = owners.place(item, Config(**cfg))
    assert (got.owner, got.event, got.event_date) == (want[0], want[1], want[2] and dt.date.fromisoformat(want[2]))
