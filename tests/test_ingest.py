"""The inbox: what is taken, claims, recovery, collisions, the run lock."""

import datetime as dt
import os
from pathlib import Path, PurePosixPath

import pytest

from cardpipe import ingest
from cardpipe.errors import BusyError, ExitCode

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
