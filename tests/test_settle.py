"""Files still being written: an interactive run (a terminal) waits for them to settle,
a cron run (no terminal) leaves them for the next run as before, and `--verbose`
always says what was left in the inbox and why."""

from __future__ import annotations

import os
import shutil
import sys
import time

import pexpect
from conftest import CARDPIPE, SAMPLES, Home

CARD = "scan150-01.png"


def settle_home(home: Home, seconds: float) -> None:
    home.config.write_text(
        f'inbox = "{home.inbox}"\noutput = "{home.output}"\ndb = "{home.db}"\nsettle_seconds = {seconds}\njobs = 1\n',
        encoding="utf-8",
    )


def fresh_copy(home: Home, name: str = CARD) -> None:
    dest = home.inbox / name
    shutil.copyfile(SAMPLES / name, dest)  # copyfile: a new mtime, as a scanner or a copy leaves it
    os.utime(dest)


def spawn(home: Home, *args: str) -> pexpect.spawn:
    env = {**os.environ, "CARDPIPE_CONFIG": str(home.config), "COLUMNS": "120"}
    return pexpect.spawn(CARDPIPE[0], [*CARDPIPE[1:], *args], env=env, encoding="utf-8", timeout=120)


def test_at_a_terminal_a_fresh_file_is_waited_for_and_read(home: Home):
    settle_home(home, 3)
    fresh_copy(home)
    child = spawn(home, "run")
    child.expect(r"waiting (\d\.\d) s for scan150-01\.png to finish being written \(settle_seconds\)")
    assert 2.0 < float(child.match.group(1)) <= 3.1
    child.expect(r"1 file\(s\), 1 card\(s\), 1 new contact\(s\)")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert [p.name for p in home.archive.rglob("*.png")] == [CARD]
    assert list(home.inbox.iterdir()) == []


def test_at_a_terminal_a_file_written_without_pause_is_left_after_the_bound(home: Home, tmp_path):
    """A writer that never pauses: the run waits settle_seconds plus a little, no more,
    and says the file was left (nothing is claimed half-written)."""
    settle_home(home, 1)
    growing = home.inbox / "growing.png"
    writer = __import__("subprocess").Popen([
        sys.executable, "-c",
        "import time,sys\nwith open(sys.argv[1],'ab',buffering=0) as f:\n for _ in range(200):\n  f.write(b'x'); time.sleep(0.05)",
        str(growing),
    ])
    try:
        time.sleep(0.3)
        started = time.monotonic()
        child = spawn(home, "run", "--verbose")
        child.expect(r"waiting .* for growing\.png")
        child.expect(r"skipped growing\.png: still being written")
        child.expect(r"nothing new in the inbox \(1 file\(s\) left in the inbox, above\)")
        child.expect(pexpect.EOF)
        child.close()
        elapsed = time.monotonic() - started
    finally:
        writer.kill()
        writer.wait()
    assert child.exitstatus == 0
    assert growing.exists() and not home.archive.exists()
    assert elapsed < 1 + 3 + 5  # settle_seconds + SETTLE_GRACE, plus start-up: it did not wait for the writer


def test_under_cron_a_fresh_file_is_left_silently_and_verbose_says_why(home: Home):
    settle_home(home, 30)
    fresh_copy(home)
    (home.inbox / ".DS_Store").write_bytes(b"x")
    (home.inbox / "photo.jpg.part").write_bytes(b"x")
    r = home.run("run")  # no terminal: as under cron
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")
    assert (home.inbox / CARD).exists()
    r = home.run("run", "--verbose")
    assert r.returncode == 0
    lines = r.stderr.splitlines()
    assert lines[:3] == [
        "cardpipe: skipped .DS_Store: a system file (folder settings), never a card",
        "cardpipe: skipped photo.jpg.part: a temporary file (a download or an editor's copy still in progress)",
        lines[2],
    ]
    assert lines[2].startswith(f"cardpipe: skipped {CARD}: still being written (changed ")
    assert lines[2].endswith("s ago, settle_seconds is 30)")
    assert lines[3] == "cardpipe: nothing new in the inbox (3 file(s) left in the inbox, above)"
    assert (home.inbox / CARD).exists()
