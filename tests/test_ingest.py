"""The inbox: what is taken, claims, recovery, collisions, the run lock."""

import datetime as dt
import os
from pathlib import Path, PurePosixPath

import pytest

from cardpipe.errors import BusyError, ExitCode, NotFoundError, OutputError
from cardpipe.inbox import claim as ingest

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)


def touch(path: Path, data: bytes = b"x", age: float = 60.0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    t = NOW.timestamp() - age
    os.utime(path, (t, t))
    return path


def test_scan_takes_complete_regular_files_only(tmp_path):
    inbox = tmp_path / "inbox"
    touch(inbox / "a.jpg")
    touch(inbox / "2026-11-20 Chamber mixer" / "b.png")
    touch(inbox / "fresh.jpg", age=0.5)  # still being written
    for junk in (".DS_Store", "Thumbs.db", "~$sheet.xlsx", "._a.jpg", "c.jpg.part", "d.crdownload", ".hidden.jpg"):
        touch(inbox / junk)
    touch(inbox / ".cardpipe-processing" / "claimed.jpg")
    (inbox / "link.jpg").symlink_to(tmp_path / "elsewhere.jpg")
    os.mkfifo(inbox / "pipe.jpg")
    ready, aside = ingest.scan_inbox(inbox, now=NOW, settle_seconds=2)
    assert [str(i.rel) for i in ready] == ["a.jpg", "2026-11-20 Chamber mixer/b.png"]
    assert ready[1].event == "Chamber mixer" and ready[1].event_date == dt.date(2026, 11, 20)
    assert sorted(str(a.rel) for a in aside) == ["link.jpg", "pipe.jpg"]
    assert "symbolic link" in next(a.reason for a in aside if a.rel.name == "link.jpg")


@pytest.mark.parametrize(
    "rel, expected",
    [
        ("a.jpg", (None, None)),
        ("Web Summit/a.jpg", ("Web Summit", None)),
        ("2026-11-20 Chamber mixer/a.jpg", ("Chamber mixer", dt.date(2026, 11, 20))),
        ("2026-11-20_CES/x/a.jpg", ("CES", dt.date(2026, 11, 20))),
        ("2026-11-20/a.jpg", (None, dt.date(2026, 11, 20))),
        ("2026-13-45 Bad date/a.jpg", ("2026-13-45 Bad date", None)),
    ],
)
def test_event_from_subfolder(rel, expected):
    assert ingest.event_of(PurePosixPath(rel)) == expected


def test_claim_then_archive_keeps_name_and_never_overwrites(tmp_path):
    inbox, archive = tmp_path / "inbox", tmp_path / "archive"
    touch(archive / "ev" / "a.jpg", b"older")
    src = touch(inbox / "ev" / "a.jpg", b"new")
    (item,), _ = ingest.scan_inbox(inbox, now=NOW)
    claimed = ingest.claim(item, inbox, now=NOW)
    assert not src.exists() and claimed.path.exists() and claimed.claim.exists()
    dest = ingest.move_into(claimed, archive)
    assert dest == archive / "ev" / "a-1.jpg"
    assert dest.read_bytes() == b"new" and (archive / "ev" / "a.jpg").read_bytes() == b"older"
    assert not claimed.claim.exists()


def test_failed_file_gets_a_reason_sidecar(tmp_path):
    inbox, failed = tmp_path / "inbox", tmp_path / "failed"
    touch(inbox / "bad.jpg")
    (item,), _ = ingest.scan_inbox(inbox, now=NOW)
    dest = ingest.set_aside(ingest.claim(item, inbox, now=NOW), failed, "not an image")
    assert dest == failed / "bad.jpg"
    assert (failed / "bad.jpg.reason.txt").read_text() == "bad.jpg: not an image\n"


def test_claims_of_a_dead_run_are_recovered(tmp_path):
    inbox = tmp_path / "inbox"
    touch(inbox / "sub" / "a.jpg")
    (item,), _ = ingest.scan_inbox(inbox, now=NOW)
    claimed = ingest.claim(item, inbox, now=NOW)
    # the run dies here; the next one finds the claim
    (rec,) = ingest.recover_claims(inbox)
    assert rec.path == claimed.path and rec.rel == PurePosixPath("sub/a.jpg") and rec.event == "sub"
    ingest.unclaim(rec, inbox)
    assert (inbox / "sub" / "a.jpg").exists()
    assert ingest.recover_claims(inbox) == []


def test_second_run_is_refused_while_the_lock_is_held(tmp_path):
    with ingest.run_lock(tmp_path / "state"):
        with pytest.raises(BusyError) as e:
            with ingest.run_lock(tmp_path / "state"):
                pass
        assert e.value.exit_code == ExitCode.busy == 75
    with ingest.run_lock(tmp_path / "state"):  # released
        pass


def test_unique_path(tmp_path):
    (tmp_path / "a.jpg").write_bytes(b"1")
    (tmp_path / "a-1.jpg").write_bytes(b"1")
    assert ingest.unique_path(tmp_path / "a.jpg") == tmp_path / "a-2.jpg"
    assert ingest.unique_path(tmp_path / "b") == tmp_path / "b"


# ---- claims in detail, recovery of every half-finished state, the lock across fork ----


def test_claim_keeps_the_real_name_and_records_who_took_it(tmp_path):
    inbox = tmp_path / "inbox"
    touch(inbox / "ev" / "My Card.JPG")
    (item,), _ = ingest.scan_inbox(inbox, now=NOW)
    claimed = ingest.claim(item, inbox, now=NOW)
    assert claimed.path.name == "My Card.JPG" and claimed.path.parent.parent == ingest.processing_dir(inbox)
    import json
    import socket

    record = json.loads(claimed.claim.read_text())
    assert record["rel"] == "ev/My Card.JPG" and record["pid"] == os.getpid()
    assert record["host"] == socket.gethostname() and record["claimed_at"] == NOW.isoformat()
    ingest.move_into(claimed, tmp_path / "archive")
    assert list((ingest.processing_dir(inbox)).iterdir()) == []  # record and token folder gone


def test_a_file_that_changes_after_the_scan_is_not_claimed(tmp_path):
    inbox = tmp_path / "inbox"
    path = touch(inbox / "a.jpg", b"first half")
    (item,), _ = ingest.scan_inbox(inbox, now=NOW)
    with open(path, "ab") as f:
        f.write(b" and more")  # the writer was only pausing
    with pytest.raises(ingest.Unsettled):
        ingest.claim(item, inbox, now=NOW)
    assert path.exists() and not (ingest.processing_dir(inbox)).exists()


def test_a_file_written_to_during_the_claim_goes_back(tmp_path, monkeypatch):
    inbox = tmp_path / "inbox"
    path = touch(inbox / "a.jpg", b"first half")
    (item,), _ = ingest.scan_inbox(inbox, now=NOW)
    rename = os.rename

    def rename_while_writing(src, dst):  # the writer appends just as the file is renamed
        if Path(src) == path:
            with open(src, "ab") as f:
                f.write(b" and more")
        rename(src, dst)

    monkeypatch.setattr(os, "rename", rename_while_writing)
    with pytest.raises(ingest.Unsettled):
        ingest.claim(item, inbox, now=NOW)
    assert path.read_bytes() == b"first half and more"
    assert list((ingest.processing_dir(inbox)).iterdir()) == []  # no claim left behind


def test_a_claimed_file_that_keeps_changing_is_noticed(tmp_path):
    inbox = tmp_path / "inbox"
    touch(inbox / "a.jpg", b"data")
    (item,), _ = ingest.scan_inbox(inbox, now=NOW)
    claimed = ingest.claim(item, inbox, now=NOW)
    assert ingest.unchanged_since_scan(claimed)
    with open(claimed.path, "ab") as f:  # a writer holding the file open across the rename
        f.write(b"more")
    assert not ingest.unchanged_since_scan(claimed)


def test_settling_uses_the_wall_clock_and_the_mtime():
    import tempfile
    import time

    with tempfile.TemporaryDirectory() as d:
        inbox = Path(d)
        fresh = inbox / "fresh.jpg"
        fresh.write_bytes(b"x")
        old = touch(inbox / "old.jpg", b"x", age=0)
        t = time.time() - 10
        os.utime(old, (t, t))
        ready, _ = ingest.scan_inbox(inbox, settle_seconds=2)  # now = the wall clock
        assert [i.path for i in ready] == [old]
        assert ready[0].size == 1 and ready[0].mtime_ns == old.stat().st_mtime_ns


def test_recovery_of_every_half_finished_claim(tmp_path):
    inbox = tmp_path / "inbox"
    pdir = ingest.processing_dir(inbox)
    for name in ("live.jpg", "moved-on.jpg", "no-record.jpg"):
        touch(inbox / name)
    ready, _ = ingest.scan_inbox(inbox, now=NOW)
    live, moved_on, no_record = (ingest.claim(i, inbox, now=NOW) for i in ready)
    os.rename(moved_on.path, tmp_path / "archived.jpg")  # moved on, then the run died: its claim is left
    no_record.claim.unlink()  # "record removed, file not moved" (an older layout, or a manual edit)
    (pdir / "0123456789ab.claim.json.tmp").write_text("{")  # a claim record never completed
    touch(pdir / "loose.jpg")  # an old-style claimed file with no record
    items = ingest.recover_claims(inbox)
    assert [i.path for i in items] == [live.path] and items[0].rel == PurePosixPath("live.jpg")
    assert sorted(p.name for p in inbox.iterdir()) == ["loose.jpg", "no-record.jpg"]
    assert sorted(p.name for p in pdir.iterdir()) == sorted([live.claim.name, live.path.parent.name])


def test_a_forked_child_does_not_keep_the_run_lock(tmp_path):
    state = tmp_path / "state"
    r, w = os.pipe()
    ready_r, ready_w = os.pipe()
    with ingest.run_lock(state):
        pid = os.fork()
        if pid == 0:  # a worker: still alive after the parent lets the lock go
            os.write(ready_w, b"x")
            os.read(r, 1)
            os._exit(0)
        os.read(ready_r, 1)  # the child is running (its fork handlers have run)
    try:
        with ingest.run_lock(state):  # would raise BusyError if the child had inherited the lock
            pass
    finally:
        os.write(w, b"x")
        os.waitpid(pid, 0)


@pytest.mark.parametrize(
    "raw, shown, text",
    [
        ("plain name.jpg", "plain name.jpg", "plain name.jpg"),
        ("new\nline.jpg", "new\\nline.jpg", "new\nline.jpg"),
        ("tab\there.jpg", "tab\\there.jpg", "tab\there.jpg"),
        (b"caf\xe9.jpg", "caf\\xe9.jpg", "caf\\xe9.jpg"),
        ("Jose\u0301.jpg", "Jose\u0301.jpg", "Jose\u0301.jpg"),  # NFD kept as it is
        ("Zoë.jpg", "Zoë.jpg", "Zoë.jpg"),
    ],
)
def test_names_for_logs_and_for_the_database(raw, shown, text):
    assert ingest.display_name(raw) == shown
    assert ingest.text_name(raw) == text
    shown.encode("utf-8")  # always valid UTF-8
    text.encode("utf-8")


def test_retry_helpers_find_and_restore_failed_files(tmp_path):
    inbox, failed = tmp_path / "inbox", tmp_path / "failed"
    inbox.mkdir()
    touch(failed / "ev" / "a.jpg")
    (failed / "ev" / "a.jpg.reason.txt").write_text("ev/a.jpg: broken\n")
    touch(failed / "b.jpg")
    assert ingest.failed_files(failed) == [failed / "b.jpg", failed / "ev" / "a.jpg"]
    assert ingest.resolve_failed(failed, [Path("ev/a.jpg.reason.txt"), failed / "b.jpg"]) == [
        failed / "ev" / "a.jpg", failed / "b.jpg"
    ]
    with pytest.raises(NotFoundError):
        ingest.resolve_failed(failed, [Path("c.jpg")])
    touch(inbox / "ev" / "a.jpg", b"a newer file with the same name")
    dest = ingest.restore(failed / "ev" / "a.jpg", failed, inbox)
    assert dest == inbox / "ev" / "a-1.jpg" and not (failed / "ev" / "a.jpg.reason.txt").exists()


def test_check_writable_refuses_what_cannot_take_files(tmp_path):
    ingest.check_writable(tmp_path / "not" / "yet" / "there")  # created later: fine
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="is not a folder"):
        ingest.check_writable(tmp_path / "file" / "archive")
