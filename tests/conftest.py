"""Shared fixtures: sample cards, a temporary cardpipe home, and running the real CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_cards" / "images"
RESOURCES = Path(__file__).resolve().parent / "resources"
CARDPIPE = [sys.executable, "-m", "cardpipe"]


def truth() -> dict[str, dict]:
    data = json.loads((ROOT / "sample_cards" / "truth.json").read_text(encoding="utf-8"))
    return {img["file"]: img for img in data["images"]}


@dataclass
class Home:
    """A cardpipe set-up in a temporary folder: inbox, db, output, config file."""

    root: Path

    @property
    def inbox(self) -> Path:
        return self.root / "inbox"

    @property
    def output(self) -> Path:
        return self.root / "output"

    @property
    def db(self) -> Path:
        return self.root / "cardpipe.db"

    @property
    def archive(self) -> Path:
        return self.root / "archive"

    @property
    def failed(self) -> Path:
        return self.root / "failed"

    @property
    def config(self) -> Path:
        return self.root / "config.toml"

    def drop(self, *names: str, into: str | None = None) -> list[Path]:
        """Copy sample cards into the inbox (optionally into an event sub-folder)."""
        folder = self.inbox / into if into else self.inbox
        folder.mkdir(parents=True, exist_ok=True)
        out = []
        for name in names:
            src = SAMPLES / name if (SAMPLES / name).exists() else RESOURCES / name
            out.append(Path(shutil.copy2(src, folder / src.name)))
        return out

    def run(self, *args: str, env: dict | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
        full_env = {**os.environ, "CARDPIPE_CONFIG": str(self.config), **(env or {})}
        return subprocess.run(
            [*CARDPIPE, *args], capture_output=True, text=True, env=full_env, timeout=timeout, stdin=subprocess.DEVNULL
        )


@pytest.fixture
def home(tmp_path: Path) -> Home:
    h = Home(tmp_path / "home")
    h.inbox.mkdir(parents=True)
    h.config.write_text(
        f'inbox = "{h.inbox}"\noutput = "{h.output}"\ndb = "{h.db}"\nsettle_seconds = 0\njobs = 2\n', encoding="utf-8"
    )
    return h


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--screenshots", default=None, help="also write the browser tests' screenshots to this folder (docs/screenshots)")


# ---- a real PostgreSQL server (tests/pgserver.py), once per session ----


@pytest.fixture(scope="session")
def pg_server():
    from pgserver import PgServer

    try:
        server = PgServer()
    except Exception as e:  # noqa: BLE001 - the reason is the test's failure message
        pytest.fail(f"cannot start PostgreSQL for the tests: {e}", pytrace=False)
    yield server
    server.stop()


@pytest.fixture
def pg_url(pg_server) -> str:
    """The URL of a fresh, empty database on the test server."""
    return pg_server.url(pg_server.new_database())


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db(request, tmp_path):
    """The database of a test that runs on both backends: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return tmp_path / "db.sqlite"
    return request.getfixturevalue("pg_url")
