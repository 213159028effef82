"""`cardpipe init`, as a newcomer meets it: with flags it asks nothing, at a terminal it
asks a few questions (defaults from the locale), it writes a commented config and the
folders, prints the crontab line or installs it (a fake `crontab` on PATH: the real
user's crontab is never touched), writes a systemd user timer, and a second run
changes nothing and says so. Then the whole first hour: init, doctor, a scan, run, due."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest
from conftest import CARDPIPE, SAMPLES

from cardpipe import init
from cardpipe.config import load_config

FAKE_CRONTAB = """#!/bin/sh
# a stand-in for crontab(1): the table lives in $FAKE_CRONTAB_FILE
case "$1" in
  -l) if [ -f "$FAKE_CRONTAB_FILE" ]; then cat "$FAKE_CRONTAB_FILE"; else echo "no crontab for $USER" >&2; exit 1; fi ;;
  -) cat > "$FAKE_CRONTAB_FILE" ;;
  *) echo "fake crontab: unexpected $*" >&2; exit 2 ;;
esac
"""


@pytest.fixture
def user(tmp_path: Path) -> dict[str, str]:
    """A user's environment in tmp_path: HOME, XDG folders, a German locale, a fake crontab."""
    home = tmp_path / "user"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "crontab").write_text(FAKE_CRONTAB)
    (bin_dir / "crontab").chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "XDG_", "CARDPIPE_"))}
    env.update(
        HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), XDG_DATA_HOME=str(home / ".local/share"),
        LANG="de_DE.UTF-8", PATH=f"{bin_dir}:{os.environ['PATH']}", FAKE_CRONTAB_FILE=str(tmp_path / "crontab.txt"),
    )
    home.mkdir()
    return env


def cardpipe(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*CARDPIPE, *args], env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=300
    )


def test_init_with_flags_asks_nothing_and_a_second_init_changes_nothing(user, tmp_path):
    folder = tmp_path / "Cards"
    r = cardpipe(user, "init", str(folder), "--days", "10", "--region", "gb")
    assert r.returncode == 0, r.stderr
    conf = folder / "config.toml"
    assert f"config {conf}: written" in r.stdout
    for name in ("inbox", "archive", "failed", "output", "state", ".inbox.cardpipe-work"):
        assert (folder / name).is_dir(), name
        if not name.startswith("."):
            assert f"{folder / name}: created" in r.stdout
    cfg = load_config(conf)
    assert (cfg.inbox, cfg.output, cfg.db, cfg.archive_dir) == (
        folder / "inbox", folder / "output", folder / "cardpipe.db", folder / "archive"
    )
    assert (cfg.days, cfg.region, cfg.lang) == (10, "GB", "eng+deu")  # languages from the locale
    text = conf.read_text()
    assert "# A card is due this many days after you met the person" in text  # commented
    # the exact crontab line, with absolute paths, and how to point the commands at this config
    line = f"*/15 * * * *  {Path(sys.executable).parent / 'cardpipe'} run --config {conf}"
    assert line in r.stdout.splitlines()[-1]
    assert f"export CARDPIPE_CONFIG={conf}" in r.stdout

    before = {p: p.stat().st_mtime_ns for p in [conf, *folder.iterdir()]}
    r = cardpipe(user, "init", str(folder), "--days", "10", "--region", "GB")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == f"nothing changed: cardpipe is already set up here (config {conf})."
    assert {p: p.stat().st_mtime_ns for p in [conf, *folder.iterdir()]} == before
    assert not (tmp_path / "crontab.txt").exists()  # printed, not installed


def test_init_keeps_an_edited_config_and_says_how_it_differs(user, tmp_path):
    folder = tmp_path / "Cards"
    assert cardpipe(user, "init", str(folder), "--yes").returncode == 0
    conf = folder / "config.toml"
    conf.write_text(conf.read_text().replace("days = 7", "days = 3"))
    r = cardpipe(user, "init", str(folder), "--days", "5")
    assert r.returncode == 0, r.stderr
    assert "already there and kept, though it says days = 3, not 5 (edit it, or --force writes a new one)" in r.stdout
    assert load_config(conf).days == 3
    r = cardpipe(user, "init", str(folder), "--days", "5", "--force")
    assert f"config {conf}: rewritten (--force)" in r.stdout and load_config(conf).days == 5


def test_init_at_a_terminal_asks_a_few_questions(user, tmp_path):
    scans = tmp_path / "Dropbox" / "Scans"
    child = pexpect.spawn(CARDPIPE[0], [*CARDPIPE[1:], "init"], env=user, encoding="utf-8", timeout=60)
    conf = Path(user["XDG_CONFIG_HOME"]) / "cardpipe" / "config.toml"
    child.expect_exact(f"config: {conf}")
    child.expect_exact(f"Where will you drop scans and photos? [{user['HOME']}/Cards/inbox]: ")
    child.sendline(str(scans))
    child.expect_exact("Follow up how many days after meeting someone? [7]: ")
    child.sendline("-2")
    child.expect("not in the range|is not in the valid range|>=0")
    child.expect_exact("Follow up how many days after meeting someone? [7]: ")
    child.sendline("5")
    child.expect_exact("Country of phone numbers printed without +code? [DE]: ")
    child.sendline("")  # the locale's guess
    child.expect_exact("Languages on the cards (Tesseract codes joined by +)? [eng+deu]: ")
    child.sendline("12")
    child.expect_exact("Tesseract language codes joined by '+'")
    child.sendline("eng, fra")
    child.expect_exact(f"inbox {scans}: created")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    cfg = load_config(conf)
    assert (cfg.inbox, cfg.days, cfg.region, cfg.lang) == (scans, 5, "DE", "eng+fra")
    assert cfg.output == Path(user["HOME"]) / "Cards" / "output"  # the rest in ~/Cards
    assert (scans.parent / ".Scans.cardpipe-work").is_dir()  # the claim folder beside the inbox

    # a second time at the terminal: the answers default to the config, Enter keeps them
    child = pexpect.spawn(CARDPIPE[0], [*CARDPIPE[1:], "init"], env=user, encoding="utf-8", timeout=60)
    for _ in range(4):
        child.expect(r"\]: ")
        child.sendline("")
    child.expect_exact("nothing changed: cardpipe is already set up here")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_init_cron_adds_the_line_once_and_keeps_the_others(user, tmp_path):
    table = tmp_path / "crontab.txt"
    table.write_text("MAILTO=me@example.com\n0 3 * * *  backup.sh\n*/5 * * * * cardpipe run")  # no final newline
    folder = tmp_path / "Cards"
    r = cardpipe(user, "init", str(folder), "--yes", "--cron")
    assert r.returncode == 0, r.stderr
    line = init.cron_line(folder / "config.toml", [str(Path(sys.executable).parent / "cardpipe")])
    assert f"crontab: line added: {line}" in r.stdout
    assert table.read_text() == f"MAILTO=me@example.com\n0 3 * * *  backup.sh\n*/5 * * * * cardpipe run\n{init.CRON_COMMENT}\n{line}\n"
    assert "crontab: this line runs cardpipe too (remove it with 'crontab -e' if it is an older set-up): */5 * * * * cardpipe run" in r.stdout
    r = cardpipe(user, "init", str(folder), "--yes", "--cron")
    assert r.returncode == 0, r.stderr
    assert "crontab: line already there" in r.stdout and "nothing changed" in r.stdout
    assert table.read_text().count(line) == 1


def test_init_cron_without_a_crontab_program_says_what_to_do(user, tmp_path):
    user["PATH"] = str(Path(sys.executable).parent)  # no crontab anywhere
    r = cardpipe(user, "init", str(tmp_path / "Cards"), "--yes", "--cron")
    assert r.returncode == 69
    assert "crontab is not installed (apt-get install cron), or use --systemd" in r.stderr


def test_init_systemd_writes_a_user_timer(user, tmp_path):
    folder = tmp_path / "Cards"
    r = cardpipe(user, "init", str(folder), "--yes", "--systemd")
    assert r.returncode == 0, r.stderr
    units = Path(user["XDG_CONFIG_HOME"]) / "systemd" / "user"
    service = (units / "cardpipe.service").read_text()
    assert f"ExecStart={Path(sys.executable).parent / 'cardpipe'} run --config {folder / 'config.toml'}" in service
    timer = (units / "cardpipe.timer").read_text()
    assert "OnCalendar=*:0/15" in timer and "Persistent=true" in timer and "WantedBy=timers.target" in timer
    if not init.systemd_running():
        assert "enable the timer where it runs with 'systemctl --user enable --now cardpipe.timer'" in r.stdout
    r = cardpipe(user, "init", str(folder), "--yes", "--systemd")
    assert "nothing changed" in r.stdout


def test_install_systemd_enables_the_timer_where_systemd_runs(tmp_path):
    calls = []

    def runner(args, **kw):
        calls.append(args)
        return subprocess.CompletedProcess(args, 0, "", "")

    steps = init.install_systemd(
        tmp_path / "my config.toml", folder=tmp_path / "units", command=["/opt/cp/bin/cardpipe"],
        systemctl=["systemctl"], runner=runner,
    )
    assert calls == [["systemctl", "--user", "daemon-reload"], ["systemctl", "--user", "enable", "--now", "cardpipe.timer"]]
    assert steps[-1].text.startswith("timer cardpipe.timer: enabled")
    service = (tmp_path / "units" / "cardpipe.service").read_text()
    assert f'ExecStart=/opt/cp/bin/cardpipe run --config "{tmp_path}/my config.toml"' in service


@pytest.mark.parametrize(
    "env, expected",
    [
        ({"LANG": "de_DE.UTF-8"}, ("DE", "eng+deu")),
        ({"LANG": "en_GB.UTF-8"}, ("GB", "eng")),
        ({"LANG": "fr_CA.UTF-8", "LC_ALL": "nl_BE.UTF-8"}, ("BE", "eng+nld")),  # LC_ALL wins
        ({"LANG": "sv_SE", "LC_MESSAGES": "pt_BR.utf8"}, ("BR", "eng+por")),
        ({"LANG": "ja_JP.UTF-8"}, ("JP", "eng")),  # a language the Makefile does not install
        ({"LANG": "C.UTF-8"}, ("US", "eng")),
        ({}, ("US", "eng")),
        ({"LANG": "de_AT@euro"}, ("AT", "eng+deu")),
    ],
)
def test_region_and_languages_are_guessed_from_the_locale(env, expected):
    assert init.guess_locale(env) == expected


def test_cron_line_quotes_paths_and_escapes_percent():
    line = init.cron_line(Path("/home/a b/100%/config.toml"), ["/opt/cardpipe/bin/cardpipe"])
    assert line == "*/15 * * * *  /opt/cardpipe/bin/cardpipe run --config '/home/a b/100\\%/config.toml'"


def test_the_first_hour(user, tmp_path):
    """The issue's 'done when': init, doctor, a scan dropped in, run, and a due list,
    with nothing read from the source. The days pass through CARDPIPE_TODAY."""
    r = cardpipe(user, "init", "--yes", "--cron")
    assert r.returncode == 0, r.stderr
    r = cardpipe(user, "doctor")
    assert r.returncode == 0, r.stdout
    assert "✓ languages: eng, deu installed" in r.stdout and "✓ schedule: crontab: */15" in r.stdout
    inbox = Path(user["HOME"]) / "Cards" / "inbox"
    shutil.copy2(SAMPLES / "scan150-01.png", inbox / "scan150-01.png")
    r = cardpipe({**user, "CARDPIPE_TODAY": "2026-11-20"}, "run", "--verbose")
    assert r.returncode == 0, r.stderr
    assert "1 file(s), 1 card(s), 1 new contact(s)" in r.stderr
    r = cardpipe({**user, "CARDPIPE_TODAY": "2026-11-30"}, "due")
    assert r.returncode == 0, r.stderr
    assert "Thomas Davies" in r.stdout and "3d" in r.stdout  # met on the 20th, due after 7 days
    assert (Path(user["HOME"]) / "Cards" / "output" / "due.csv").is_file()


@pytest.mark.parametrize("shell, marker", [("bash", "complete -o nosort -F"), ("zsh", "#compdef cardpipe"), ("fish", "complete --no-files")])
def test_shell_completion_as_the_readme_says(shell, marker):
    r = subprocess.run([*CARDPIPE], env={**os.environ, "_CARDPIPE_COMPLETE": f"{shell}_source"},
                       capture_output=True, text=True, timeout=60)  # fmt: skip
    assert r.returncode == 0 and marker in r.stdout, r.stdout
    r = subprocess.run([*CARDPIPE], env={**os.environ, "_CARDPIPE_COMPLETE": "bash_complete",
                                         "COMP_WORDS": "cardpipe init --sy", "COMP_CWORD": "2"},
                       capture_output=True, text=True, timeout=60)  # fmt: skip
    assert r.stdout.split() == ["plain,--systemd"]
