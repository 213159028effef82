"""The claim folder lives beside the inbox, not in it: a sync client (Dropbox, Syncthing,
Nextcloud) showing the inbox never sees it. Set-ups of older versions, with claims left
in `inbox/.cardpipe-processing/`, are migrated by the next run with nothing lost."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

from conftest import SAMPLES, Home

from cardpipe.config import default_work_dir, load_config
from cardpipe.inbox import claim as ingest

NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


def test_the_default_work_folder_is_a_hidden_sibling_of_the_inbox(tmp_path):
    assert default_work_dir(tmp_path / "Cards" / "inbox") == tmp_path / "Cards" / ".inbox.cardpipe-work"
    assert default_work_dir(Path("/")) == Path("/.cardpipe-processing")  # no sibling of a root


def test_work_dir_in_the_config_wins(tmp_path):
    conf = tmp_path / "c.toml"
    conf.write_text(f'inbox = "{tmp_path}/in"\nwork_dir = "{tmp_path}/claims"\n', encoding="utf-8")
    assert load_config(conf).work == tmp_path / "claims"
    conf.write_text(f'inbox = "{tmp_path}/in"\n', encoding="utf-8")
    assert load_config(conf).work == tmp_path / ".in.cardpipe-work"


def test_a_run_claims_outside_the_inbox(home: Home):
    home.drop("scan150-01.png")
    r = home.run("run", env={"CARDPIPE_FAULT": "claimed:1"})
    assert r.returncode != 0
    work = default_work_dir(home.inbox)
    assert [p.name for p in home.inbox.iterdir()] == []  # nothing of cardpipe's in the synced folder
    claimed = [p for p in work.rglob("*") if p.is_file() and not p.name.endswith(ingest.CLAIM_SUFFIX)]
    assert [p.name for p in claimed] == ["scan150-01.png"]
    r = home.run("run")  # recovery, unchanged: the claimed file is read and archived
    assert r.returncode == 0, r.stderr
    assert [p.name for p in home.archive.rglob("*.png")] == ["scan150-01.png"]
    assert list(work.iterdir()) == []


def test_claims_left_inside_the_inbox_by_an_older_version_are_migrated(home: Home):
    """A run of an older version died with two files claimed in inbox/.cardpipe-processing/
    (one with its record, one whose record was already gone); the next run moves them out
    of the inbox, reads the first, puts the second back, and removes the old folder."""
    legacy = home.inbox / ingest.PROCESSING
    for name in ("scan150-01.png", "scan150-02.png"):
        shutil.copy2(SAMPLES / name, home.inbox / name)
    ready, _ = ingest.scan_inbox(home.inbox)
    first, second = (ingest.claim(i, home.inbox, now=NOW, work=legacy) for i in ready)
    second.claim.unlink()
    assert json.loads(first.claim.read_text())["file"].endswith("/scan150-01.png")
    assert sorted(p.name for p in home.inbox.iterdir()) == [ingest.PROCESSING]

    r = home.run("run", "--verbose")
    assert r.returncode == 0, r.stderr
    assert not legacy.exists()
    assert list(default_work_dir(home.inbox).iterdir()) == []
    assert [p.name for p in home.archive.rglob("*.png")] == ["scan150-01.png"]  # recovered and read
    assert [p.name for p in home.inbox.iterdir()] == ["scan150-02.png"]  # back, for the next run
    r = home.run("run")
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in home.archive.rglob("*.png")) == ["scan150-01.png", "scan150-02.png"]


def test_an_unwritable_parent_keeps_claims_inside_the_inbox(home: Home, tmp_path):
    """Where the inbox's parent cannot hold the work folder, claims stay where older
    versions kept them (with a warning), rather than the run failing."""
    if os.geteuid() == 0:
        # root writes everywhere: make the sibling's name taken by a file instead
        default_work_dir(home.inbox).write_text("not a folder")
    else:
        home.inbox.parent.chmod(0o555)
    try:
        home.drop("scan150-01.png")
        r = home.run("-v", "run")
        assert r.returncode == 0, r.stderr
        assert "cannot create the work folder" in r.stderr and "claiming inside the inbox" in r.stderr
        assert [p.name for p in home.archive.rglob("*.png")] == ["scan150-01.png"]
    finally:
        home.inbox.parent.chmod(0o755)


def test_dry_run_sees_claims_in_either_place_and_moves_nothing(home: Home):
    legacy = home.inbox / ingest.PROCESSING
    shutil.copy2(SAMPLES / "scan150-01.png", home.inbox / "scan150-01.png")
    (item,) = ingest.scan_inbox(home.inbox)[0]
    ingest.claim(item, home.inbox, now=NOW, work=legacy)
    r = home.run("run", "--dry-run")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == "would recover 1 file(s) claimed by a run that did not finish, and read them again"
    assert legacy.is_dir() and not default_work_dir(home.inbox).exists()


def test_a_first_run_with_no_set_up_points_at_init(tmp_path):
    r = Home(tmp_path).run("run", env={"CARDPIPE_CONFIG": str(tmp_path / "none.toml")})
    assert r.returncode == 78 and "create it or drop --config" in r.stderr
    conf = tmp_path / "c.toml"
    conf.write_text(f'inbox = "{tmp_path}/inbox"\ndb = "{tmp_path}/cardpipe.db"\n')
    r = Home(tmp_path).run("run", env={"CARDPIPE_CONFIG": str(conf)})
    assert r.returncode == 78
    assert r.stderr == (
        f"cardpipe: error: the inbox {tmp_path}/inbox does not exist; 'cardpipe init' sets cardpipe up "
        "(or create it, or set 'inbox' or --inbox).\n"
    )
