"""`cardpipe doctor` through the real CLI (real Tesseract): all well, a language missing
(an unknown code, and TESSDATA_PREFIX holding only English), folders missing or on
another filesystem, the database's schema, the schedule and the last run, a broken
config. Exit code 0 only when nothing failed."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from conftest import CARDPIPE, Home

from cardpipe import doctor
from cardpipe.config import load_config
from cardpipe.contacts.store import SCHEMA_VERSION

TESSDATA = Path("/usr/share/tesseract-ocr/5/tessdata")


def set_up(home: Home, **extra: str) -> None:
    for folder in ("archive", "failed", "output", "state", ".inbox.cardpipe-work"):
        (home.root / folder).mkdir(exist_ok=True)
    lines = [f'inbox = "{home.inbox}"', f'output = "{home.output}"', f'db = "{home.db}"']
    lines += [f"{k} = {v}" for k, v in extra.items()]
    home.config.write_text("\n".join(lines) + "\n", encoding="utf-8")


def doctor_run(home: Home, env: dict | None = None, fake_cron: str | None = None, tmp: Path | None = None):
    env = dict(env or {})
    if tmp is not None:  # a crontab on PATH that prints `fake_cron` (or has none)
        bin_dir = tmp / "bin"
        bin_dir.mkdir(exist_ok=True)
        script = bin_dir / "crontab"
        body = f"cat <<'EOF'\n{fake_cron}\nEOF" if fake_cron else 'echo "no crontab for $USER" >&2; exit 1'
        script.write_text(f"#!/bin/sh\n{body}\n")
        script.chmod(0o755)
        env["PATH"] = f"{bin_dir}:{os.environ['PATH']}"
        env["XDG_CONFIG_HOME"] = str(tmp / "xdg")  # no systemd timer of the real user
    return home.run("doctor", env=env)


def line(stdout: str, name: str) -> str:
    return next(x for x in stdout.splitlines() if x[2:].startswith(name + ":"))


def test_all_well(home: Home, tmp_path):
    set_up(home, lang='"eng+deu"')
    cron = f"*/15 * * * *  /opt/cardpipe run --config {home.config}"
    r = doctor_run(home, fake_cron=cron, tmp=tmp_path)
    assert r.returncode == 0, r.stdout
    assert line(r.stdout, "Tesseract").startswith("✓ Tesseract: 5.")
    assert line(r.stdout, "languages") == "✓ languages: eng, deu installed"
    assert line(r.stdout, "inbox") == f"✓ inbox: {home.inbox}"
    assert line(r.stdout, "database") == f"✓ database: {home.db} (created by the first run)"
    assert line(r.stdout, "schedule") == f"✓ schedule: crontab: {cron}; no run yet"
    assert r.stdout.splitlines()[-1].startswith("all is well")


def test_a_language_that_does_not_exist(home: Home, tmp_path):
    set_up(home, lang='"eng+xyz"')
    r = doctor_run(home, tmp=tmp_path)
    assert r.returncode == 1
    out = r.stdout
    assert line(out, "languages").startswith("✗ languages: xyz not installed (configured lang = eng+xyz; installed: ")
    assert "    fix: sudo apt-get install tesseract-ocr-xyz, or remove xyz from 'lang' in the config" in out
    assert out.splitlines()[-1].startswith("1 problem(s) to fix before cardpipe can run here")


def test_a_machine_with_only_english_installed(home: Home, tmp_path):
    """TESSDATA_PREFIX pointing at a folder with only eng: German is missing, and doctor
    names Debian's package for it (the one the Makefile installs)."""
    only_eng = tmp_path / "tessdata"
    only_eng.mkdir()
    (only_eng / "eng.traineddata").symlink_to(TESSDATA / "eng.traineddata")
    set_up(home, lang='"eng+deu+chi_sim"')
    r = doctor_run(home, env={"TESSDATA_PREFIX": str(only_eng)}, tmp=tmp_path)
    assert r.returncode == 1
    assert line(r.stdout, "languages") == (
        "✗ languages: deu, chi_sim not installed (configured lang = eng+deu+chi_sim; installed: eng)"
    )
    assert "fix: sudo apt-get install tesseract-ocr-deu tesseract-ocr-chi-sim" in r.stdout


def test_no_tesseract(home: Home, tmp_path):
    set_up(home)
    r = doctor_run(home, env={"PATH": str(tmp_path / "empty")})
    assert r.returncode == 1
    assert line(r.stdout, "Tesseract") == "✗ Tesseract: not found on PATH"
    assert "fix: install it with 'apt-get install tesseract-ocr' (Debian/Ubuntu)" in r.stdout


def test_folders_missing_or_read_only(home: Home, tmp_path):
    set_up(home)
    os.rmdir(home.root / "archive")
    r = doctor_run(home, tmp=tmp_path)
    assert r.returncode == 1
    assert line(r.stdout, "archive") == f"✗ archive: {home.root / 'archive'} does not exist"
    assert f"fix: cardpipe init, or mkdir -p {home.root / 'archive'}" in r.stdout
    if os.geteuid() != 0:  # root writes anywhere
        (home.root / "archive").mkdir()
        home.inbox.chmod(0o555)
        try:
            r = doctor_run(home, tmp=tmp_path)
            assert line(r.stdout, "inbox") == f"✗ inbox: {home.inbox} is not writable"
        finally:
            home.inbox.chmod(0o755)


def test_the_work_folder_must_share_the_inbox_filesystem(home: Home, monkeypatch):
    """Checked in the library: a second filesystem is not something a test can mount."""
    set_up(home)
    cfg = load_config(home.config)
    real = doctor._device
    monkeypatch.setattr(doctor, "_device", lambda p: real(p) + (1 if "cardpipe-work" in str(p) or "archive" in str(p) else 0))
    checks = {c.name: c for c in doctor.check_folders(cfg)}
    assert checks["work folder"].status is doctor.Status.fail
    assert "on another filesystem than the inbox" in checks["work folder"].detail
    assert checks["archive"].status is doctor.Status.warn  # copied across: works, not atomic
    assert checks["failed"].status is doctor.Status.ok


def test_the_database_schema(home: Home, tmp_path):
    set_up(home)
    db = sqlite3.connect(home.db)
    db.execute("CREATE TABLE t (x)")
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.commit()
    db.close()
    r = doctor_run(home, tmp=tmp_path)
    assert r.returncode == 1
    assert line(r.stdout, "database") == (
        f"✗ database: {home.db} has schema {SCHEMA_VERSION + 1}, newer than this cardpipe ({SCHEMA_VERSION})"
    )
    home.db.unlink()
    home.db.write_bytes(b"not a database, just bytes" * 100)
    r = doctor_run(home, tmp=tmp_path)
    assert line(r.stdout, "database").startswith(f"✗ database: {home.db} cannot be read: ")


def test_the_schedule_and_the_last_run(home: Home, tmp_path):
    set_up(home)
    home.drop("scan150-01.png")
    assert home.run("run").returncode == 0
    r = doctor_run(home, tmp=tmp_path)  # no crontab
    assert r.returncode == 0  # not scheduled is worth knowing, not a failure
    sched = line(r.stdout, "schedule")
    assert sched.startswith("! schedule: no crontab line or systemd timer runs cardpipe (last run just now; last logged: ")
    assert "fix: cardpipe init --cron (or --systemd)" in r.stdout
    units = tmp_path / "xdg" / "systemd" / "user"
    units.mkdir(parents=True)
    (units / "cardpipe.timer").write_text("[Timer]\n")
    lock = home.root / "state" / "cardpipe.lock"
    old = time.time() - 3 * 86400
    os.utime(lock, (old, old))
    r = doctor_run(home, tmp=tmp_path)
    assert line(r.stdout, "schedule").startswith(f"! schedule: systemd timer {units / 'cardpipe.timer'}; but last run 3 days ago")


def test_a_broken_config(home: Home):
    home.config.write_text("days = -1\n")
    r = home.run("doctor")
    assert (r.returncode, r.stdout) == (1, "✗ config: days must be 0 or more, not -1.\n")


@pytest.mark.parametrize(
    "code, package", [("deu", "tesseract-ocr-deu"), ("chi_sim", "tesseract-ocr-chi-sim"), ("Fraktur", "tesseract-ocr-fraktur")]
)
def test_apt_package_names(code, package):
    assert doctor.apt_package(code) == package


def test_doctor_help_runs_without_a_config(tmp_path):
    r = subprocess.run([*CARDPIPE, "doctor", "--help"], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0 and "cardpipe doctor" in r.stdout
