"""Cron-grade reliability: the real `cardpipe` in subprocesses, against a temporary
inbox, with bad input, writers still writing, overlapping runs, SIGTERM and SIGKILL
at exact points (the CARDPIPE_FAULT hook, cardpipe/faults.py), a read-only archive
and a locked database.

After every scenario `Tray.check` asserts that nothing was lost or done twice:

- every input file is in exactly one of inbox / archive / failed (compared as a
  multiset of SHA-256 of the bytes, so a renamed `name-1.png` still counts), and
  once a run has finished normally nothing is left claimed in the processing folder;
- every failed file has its `.reason.txt`;
- in the database: every distinct archived hash has a `files` row `done` and
  exactly its cards (one for each scan150 sample; a file whose bytes were seen
  before adds no card; a flatbed file would add several), numbered 0..n-1; no
  card belongs to a hash that is not archived; a failed hash has no card;
  `PRAGMA integrity_check` is ok and no foreign key is dangling.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import fcntl
import hashlib
import io
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import CARDPIPE, RESOURCES, SAMPLES, Home

from cardpipe import batch as batching
from cardpipe.contacts.store import SqliteStore, _refuse_network_fs
from cardpipe.errors import ConfigError, StoreError
from cardpipe.inbox import claim as ingest

CARDS = [f"scan150-0{i}.png" for i in range(1, 8)]  # one card each, small and quick to read
BUSY_LINE = "cardpipe: error: another cardpipe run is in progress; try again later."


# ---------------------------------------------------------------------------
# The tray: a home whose every input file is remembered, and the invariant
# ---------------------------------------------------------------------------


def identity(path: Path) -> str:
    st = path.lstat()
    if stat.S_ISLNK(st.st_mode):
        return "symlink->" + os.readlink(path)
    if stat.S_ISFIFO(st.st_mode):
        return "fifo"
    return hashlib.sha256(path.read_bytes()).hexdigest()


def listing(folder: Path, *, sidecars: bool = False) -> dict[Path, str]:
    """Every file under `folder` (not following links), without hidden ones, by identity."""
    out: dict[Path, str] = {}
    if not folder.is_dir():
        return out
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            path = Path(dirpath) / name
            if name.startswith(".") or (name.endswith(ingest.REASON_SUFFIX) and not sidecars):
                continue
            out[path] = identity(path)
    return out


@dataclass
class Places:
    inbox: dict[Path, str]
    claimed: dict[Path, str]
    archive: dict[Path, str]
    failed: dict[Path, str]


@dataclass
class Tray:
    home: Home
    inputs: Counter = field(default_factory=Counter)
    options: dict = field(default_factory=dict)

    # ---- input ----

    def card(self, sample: str, name: str | None = None, into: str | None = None) -> Path:
        src = SAMPLES / sample if (SAMPLES / sample).exists() else RESOURCES / sample
        return self.data(name or sample, src.read_bytes(), into=into)

    def data(self, name: str | bytes, data: bytes, into: str | None = None) -> Path:
        folder = self.home.inbox / into if into else self.home.inbox
        folder.mkdir(parents=True, exist_ok=True)
        path = Path(os.fsdecode(os.fsencode(folder) + b"/" + os.fsencode(name)))
        path.write_bytes(data)
        self.inputs[identity(path)] += 1
        return path

    def add(self, path: Path) -> Path:
        """Count a file the test put into the inbox itself (a link, a FIFO...)."""
        self.inputs[identity(path)] += 1
        return path

    # ---- running ----

    def configure(self, **options: object) -> None:
        self.options.update(options)
        h = self.home
        lines = [f'inbox = "{h.inbox}"', f'output = "{h.output}"', f'db = "{h.db}"']
        for k, v in {"settle_seconds": 0, "jobs": 1, **self.options}.items():
            lines.append(f"{k} = {v!r}" if not isinstance(v, str) else f'{k} = "{v}"')
        h.config.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def env(self, extra: dict | None = None) -> dict:
        base = {k: v for k, v in os.environ.items() if k != "CARDPIPE_FAULT"}
        return {**base, "CARDPIPE_CONFIG": str(self.home.config), **(extra or {})}

    def run(self, *args: str, env: dict | None = None, **kw: object) -> subprocess.CompletedProcess:
        kw.setdefault("text", True)
        kw.setdefault("timeout", 300)
        return subprocess.run(
            [*CARDPIPE, *(args or ("run",))], capture_output=True, env=self.env(env), stdin=subprocess.DEVNULL, **kw
        )

    def start(self, *args: str, env: dict | None = None) -> subprocess.Popen:
        return subprocess.Popen(
            [*CARDPIPE, *(args or ("run",))], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=self.env(env), stdin=subprocess.DEVNULL,
        )

    # ---- the invariant ----

    def places(self) -> Places:
        h = self.home
        claimed: dict[Path, str] = {}
        pdir = ingest.processing_dir(h.inbox)
        if pdir.is_dir():  # listing() skips hidden folders: read the processing folder itself
            claimed = {
                Path(dp) / n: identity(Path(dp) / n)
                for dp, _, names in os.walk(pdir)
                for n in names
                if not n.endswith((ingest.CLAIM_SUFFIX, ".tmp"))
            }
        return Places(listing(h.inbox), claimed, listing(h.archive), listing(h.failed))

    def check(self, *, settled: bool = True, cards: dict[str, int] | None = None) -> Places:
        """Nothing lost, nothing twice (see the module docstring). `cards`: hash -> cards
        expected for an archived file when not 1. `settled`: a run finished normally last."""
        p = self.places()
        everywhere = Counter([*p.inbox.values(), *p.claimed.values(), *p.archive.values(), *p.failed.values()])
        assert everywhere == self.inputs, f"lost or duplicated: {everywhere - self.inputs} / {self.inputs - everywhere}"
        if settled:
            assert p.claimed == {}, f"left claimed: {p.claimed}"
            pdir = ingest.processing_dir(self.home.inbox)
            assert not pdir.is_dir() or not any(pdir.glob("*" + ingest.CLAIM_SUFFIX))
            for path in p.failed:
                assert path.with_name(path.name + ingest.REASON_SUFFIX).is_file(), f"no reason for {path}"
        if not self.home.db.exists():
            assert not p.archive and not p.failed
            return p
        db = sqlite3.connect(self.home.db)
        try:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert db.execute("PRAGMA foreign_key_check").fetchall() == []
            status = dict(db.execute("SELECT sha256, status FROM files"))
            per_hash: dict[str, list[int]] = {}
            for sha, index in db.execute("SELECT file_sha256, card_index FROM cards"):
                per_hash.setdefault(sha, []).append(index)
        finally:
            db.close()
        archived = set(p.archive.values())
        present = archived | set(p.inbox.values()) | set(p.claimed.values())
        for sha, indexes in per_hash.items():
            assert status.get(sha) == "done", (sha, status.get(sha))
            assert sorted(indexes) == list(range((cards or {}).get(sha, 1))), (sha, indexes)
            assert sha in (archived if settled else present), f"cards of a file that is not archived: {sha}"
        for sha in archived:
            assert status.get(sha) == "done" and sha in per_hash, f"archived without its cards: {sha}"
        for sha in set(p.failed.values()) - archived:
            if sha in status:
                assert status[sha] == "failed" and sha not in per_hash
        return p


@pytest.fixture
def tray(home: Home) -> Tray:
    t = Tray(home)
    t.configure()
    return t


def lines_of(text: str) -> list[str]:
    return text.strip().splitlines() if text.strip() else []


def log_lines(t: Tray) -> list[str]:
    path = t.home.root / "state" / "cardpipe.log"
    return path.read_bytes().decode("utf-8").splitlines() if path.exists() else []


def snapshot(root: Path) -> dict[str, tuple]:
    """Every path under root with its type, size and mtime: to prove a run changed nothing."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            st = path.lstat()
            out[str(path.relative_to(root))] = (stat.S_IFMT(st.st_mode), st.st_size, st.st_mtime_ns)
    return out


def blank_png(width: int = 700, height: int = 400) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("L", (width, height), 255).save(buf, "PNG")
    return buf.getvalue()


def pdf_pages(n: int) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    page = Image.new("L", (20, 12), 255)
    page.save(buf, "PDF", save_all=True, append_images=[page] * (n - 1))
    return buf.getvalue()


HEIC_HEADER = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64


# ---------------------------------------------------------------------------
# Bad input: each set aside with its reason, the batch goes on
# ---------------------------------------------------------------------------

BAD = {  # name in the inbox -> (bytes, what the reason must say)
    "zero.jpg": (lambda: b"", "empty (0 bytes)"),
    "notes.jpg": (lambda: b"call Jane back on Monday\n", "text file"),
    "truncated.jpg": (lambda: (RESOURCES / "decode_truncated.jpg").read_bytes(), "cannot be decoded"),
    "bomb.png": (lambda: (RESOURCES / "decode_bomb_20000x20000.png").read_bytes(), "decompression bomb"),
    "huge.png": (lambda: (SAMPLES / "scan150-05.png").read_bytes() + b"\0" * 1_100_000, "larger than the"),
    "drawing.png": (lambda: (RESOURCES / "decode_eps_named.png").read_bytes(), "EPS/PostScript"),
    "layers.png": (lambda: (RESOURCES / "decode_psd_named.png").read_bytes(), "Photoshop (PSD)"),
    "manual.pdf": (lambda: pdf_pages(300), "has 300 pages, more than max_pages"),
    "blank.png": (lambda: blank_png(), "no text found"),
}


def test_bad_inputs_are_set_aside_with_a_reason_and_the_batch_goes_on(tray):
    tray.configure(max_file_mb=1)
    for name, (make, _) in BAD.items():
        tray.data(name, make())
    good = tray.card(CARDS[0], "card with spaces.png")
    target = tray.home.root / "outside.jpg"
    target.write_bytes((SAMPLES / CARDS[1]).read_bytes())
    link = tray.add(_symlink(target, tray.home.inbox / "link.jpg"))
    os.mkfifo(tray.home.inbox / "pipe.jpg")
    tray.add(tray.home.inbox / "pipe.jpg")

    r = tray.run()
    assert r.returncode == 1, r.stderr
    assert r.stdout == ""
    assert "Traceback" not in r.stderr
    err = lines_of(r.stderr)
    assert len(err) == len(BAD) + 2, err  # one line per failed file, nothing else
    p = tray.check()
    assert set(p.archive) == {tray.home.archive / good.name}
    for name, (_, reason) in BAD.items():
        sidecar = tray.home.failed / (name + ".reason.txt")
        assert reason in sidecar.read_text(encoding="utf-8"), (name, sidecar.read_text(encoding="utf-8"))
        assert any(line.startswith(f"cardpipe: {name}: ") and reason in line for line in err), name
    assert "symbolic link" in (tray.home.failed / "link.jpg.reason.txt").read_text()
    assert os.readlink(tray.home.failed / "link.jpg") == str(target)  # the link moved, not what it points at
    assert target.read_bytes() == (SAMPLES / CARDS[1]).read_bytes() and link.name == "link.jpg"
    assert "not a regular file" in (tray.home.failed / "pipe.jpg.reason.txt").read_text()


def _symlink(target: Path, link: Path) -> Path:
    link.symlink_to(target)
    return link


def test_a_decompression_bomb_is_refused_with_bounded_memory(tray):
    tray.card("decode_bomb_20000x20000.png", "bomb.png")
    probe = (
        "import resource, subprocess, sys\n"
        "r = subprocess.run(sys.argv[1:])\n"
        "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    r = subprocess.run([sys.executable, "-c", probe, *CARDPIPE, "run"], capture_output=True, text=True, env=tray.env())
    code, max_rss_kb = map(int, r.stdout.split())
    assert code == 1
    # 20000 x 20000 decoded is 400 MB in gray, 1.2 GB in colour: the header check must come first
    assert max_rss_kb < 300 * 1024, f"peak RSS {max_rss_kb / 1024:.0f} MB"
    assert "decompression bomb" in (tray.home.failed / "bomb.png.reason.txt").read_text()
    tray.check()


def test_heic_without_its_optional_library_says_what_to_install(tray, tmp_path):
    shadow = tmp_path / "no-heif"
    (shadow / "pillow_heif").mkdir(parents=True)
    (shadow / "pillow_heif" / "__init__.py").write_text("raise ImportError('pillow_heif is not installed')\n")
    tray.data("IMG_0001.HEIC", HEIC_HEADER)
    tray.card(CARDS[2])
    r = tray.run(env={"PYTHONPATH": str(shadow)})
    assert r.returncode == 1, r.stderr
    reason = (tray.home.failed / "IMG_0001.HEIC.reason.txt").read_text()
    assert "pillow-heif" in reason and "pip install" in reason
    tray.check()


def test_awkward_file_names_work_and_stay_valid_in_logs_json_and_the_database(tray):
    names = [
        "-leading dash.png",
        "Zoë Ünïcode.png",
        "Jose\u0301 nfd.png",  # NFD: e + combining acute
        "new\nline.png",
        b"caf\xe9 latin1.png",  # not UTF-8
    ]
    for sample, name in zip(CARDS, names, strict=False):
        tray.card(sample, name)
    tray.data(b"bad\xff\nname.jpg", b"plain text, not a card\n")
    r = tray.run()
    assert r.returncode == 1, r.stderr
    (err,) = lines_of(r.stderr)  # one line, even for a name with a newline
    assert err.startswith("cardpipe: bad\\xff\\nname.jpg: ") and "text file" in err
    p = tray.check()
    archived = sorted(os.fsencode(path.name) for path in p.archive)
    assert archived == sorted(os.fsencode(n) for n in names)  # the exact bytes, NFD kept as NFD
    log = log_lines(tray)
    stored = [line for line in log if " -> contact " in line]
    assert len(stored) == len(names)  # one line per card
    assert all(line[:4].isdigit() for line in log), log  # no record broken over lines
    assert any("new\\nline.png: card 0" in line for line in stored)
    assert any("caf\\xe9 latin1.png: card 0" in line for line in stored)
    db = sqlite3.connect(tray.home.db)
    sources = {row[0] for row in db.execute("SELECT source_name FROM cards")}
    assert {"-leading dash.png", "Zoë Ünïcode.png", "Jose\u0301 nfd.png", "new\nline.png", "caf\\xe9 latin1.png"} == sources
    # JSON Lines from extract: valid UTF-8 whatever the name
    weird = next(path for path in p.archive if b"\xe9" in os.fsencode(path.name))
    r = tray.run("extract", "--json", "-j", "1", str(weird), text=False)
    assert r.returncode == 0
    import json

    (obj,) = [json.loads(line) for line in r.stdout.decode("utf-8").splitlines()]
    assert obj["source"].endswith("caf\\xe9 latin1.png")


# ---------------------------------------------------------------------------
# Files still being written; quiet and idempotent runs; --dry-run
# ---------------------------------------------------------------------------


def test_a_file_still_being_written_is_left_until_it_settles(tray):
    tray.configure(settle_seconds=2)
    data = (SAMPLES / CARDS[0]).read_bytes()
    path = tray.home.inbox / "arriving.png"
    path.write_bytes(data[:4000])
    done = threading.Event()

    def writer() -> None:  # a slow upload: a few bytes every 50 ms, while the run starts
        with open(path, "ab") as f:
            for i in range(4000, len(data) - 1000, 100):
                if done.is_set():
                    return
                f.write(data[i : i + 100])
                f.flush()
                time.sleep(0.05)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        r = tray.run()
    finally:
        done.set()
        thread.join()
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")
    assert path.exists() and not (tray.home.failed).exists() and not (tray.home.archive).exists()
    assert not any("arriving.png" in line for line in log_lines(tray))  # not even claimed
    # the upload finishes; nothing touches the file for longer than settle_seconds
    with open(path, "r+b") as f:
        f.seek(0)
        f.write(data)
    old = time.time() - 10
    os.utime(path, (old, old))
    tray.add(path)
    r = tray.run()
    assert (r.returncode, r.stderr) == (0, "")
    assert set(tray.check().archive) == {tray.home.archive / "arriving.png"}


def test_cron_run_is_silent_and_a_rerun_changes_nothing(tray):
    tray.card(CARDS[0])
    tray.card(CARDS[0], "same bytes again.png")  # processed once, archived twice
    r = tray.run()
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")
    tray.check()
    before = snapshot(tray.home.root)
    r = tray.run()
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")
    after = snapshot(tray.home.root)
    changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    assert changed <= {"cardpipe.db", "cardpipe.db-wal", "cardpipe.db-shm", "state/cardpipe.lock"}, changed
    db = sqlite3.connect(tray.home.db)
    assert db.execute("SELECT COUNT(*) FROM cards").fetchone()[0] == 1
    assert [r[0] for r in db.execute("PRAGMA journal_mode")] == ["wal"]


def test_dry_run_says_what_would_happen_and_changes_nothing(tray):
    tray.card(CARDS[0])
    r = tray.run()
    assert r.returncode == 0
    tray.card(CARDS[0], "again.png")  # same bytes as a processed file
    tray.card(CARDS[1], "new card.png", into="2026-11-20 Chamber mixer")
    tray.add(_symlink(tray.home.root / "elsewhere.png", tray.home.inbox / "link.png"))
    before = snapshot(tray.home.root)
    r = tray.run("run", "--dry-run")
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    out = r.stdout
    assert f"would claim again.png and move it to {tray.home.archive / 'again.png'} without OCR" in out
    assert f"would claim 2026-11-20 Chamber mixer/new card.png, read it and move it to {tray.home.archive}" in out
    assert "would set aside link.png" in out and "symbolic link" in out
    assert f"would write the database {tray.home.db}" in out and "contacts.csv" in out
    assert snapshot(tray.home.root) == before  # not even the log, the lock file or a -wal
    # on a fresh set-up it creates nothing either (no state folder, no database)
    fresh = Tray(Home(tray.home.root / "fresh"))
    fresh.home.inbox.mkdir(parents=True)
    fresh.configure()
    fresh.card(CARDS[2])
    r = fresh.run("run", "--dry-run")
    assert r.returncode == 0 and "would claim scan150-03.png" in r.stdout
    assert sorted(p.name for p in fresh.home.root.iterdir()) == ["config.toml", "inbox"]


# ---------------------------------------------------------------------------
# One run at a time
# ---------------------------------------------------------------------------


def test_a_second_run_exits_75_at_once_and_touches_nothing(tray):
    tray.card(CARDS[0])
    state = tray.home.root / "state"
    state.mkdir()
    with open(state / "cardpipe.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a run in progress
        before = snapshot(tray.home.root)
        r = tray.run()
        assert (r.returncode, r.stdout, lines_of(r.stderr)) == (75, "", [BUSY_LINE])
        assert snapshot(tray.home.root) == before  # no database, no log, no claim
    r = tray.run()
    assert r.returncode == 0
    tray.check()


def test_two_runs_started_together_process_each_file_once(tray):
    for sample in CARDS[:3]:
        tray.card(sample)
    a, b = tray.start(), tray.start()
    results = [(p.wait(timeout=300), *p.communicate()) for p in (a, b)]
    codes = sorted(code for code, _, _ in results)
    assert codes in ([0, 0], [0, 75]), results
    for code, out, err in results:
        assert out == ""
        assert lines_of(err) == ([BUSY_LINE] if code == 75 else []), err
    tray.check()


# ---------------------------------------------------------------------------
# SIGKILL at every step of a file's life, then a run that recovers
# ---------------------------------------------------------------------------

KILL_POINTS = [
    "claim-record:1",  # the claim record is written, the file not yet renamed
    "claimed:2",  # the second file has just been claimed
    "read:1",  # two workers: one result back, the other card mid-OCR
    "in-transaction:1",  # during the commit: rows inserted, COMMIT not reached
    "committed:1",  # committed, not yet moved to the archive
    "moved:2",  # in the archive, its claim record not yet removed
    "committed:3",  # a failed file: its failure committed, not yet in failed/
]


@pytest.mark.parametrize("fault", KILL_POINTS)
def test_sigkill_at_any_point_loses_nothing_and_the_next_run_recovers(tray, fault):
    tray.configure(jobs=2 if fault.startswith("read") else 1)
    tray.card(CARDS[0], "a.png")
    tray.card(CARDS[1], "b.png")
    tray.data("c-broken.jpg", b"not an image at all\n")
    tray.card(CARDS[0], "d-same-as-a.png")
    # (an orphaned worker would hold the output pipes open: the timeout catches that too)
    r = tray.run(env={"CARDPIPE_FAULT": fault}, timeout=90)
    assert r.returncode == -signal.SIGKILL, (r.returncode, r.stderr)
    _wait_for_no_process_with(tray.home.config)  # no worker outlives its parent
    tray.check(settled=False)

    r = tray.run()
    assert r.returncode == 1, r.stderr  # c-broken.jpg failed (again, or for the first time)
    (line,) = lines_of(r.stderr)
    assert line.startswith("cardpipe: c-broken.jpg: ")
    p = tray.check()
    assert sorted(path.name for path in p.archive) == ["a.png", "b.png", "d-same-as-a.png"]
    assert [path.name for path in p.failed] == ["c-broken.jpg"]
    assert any("recovering a file claimed by pid" in line for line in log_lines(tray)) or fault.startswith(
        "claim-record"
    )


def test_a_file_that_kills_its_reader_is_set_aside_and_the_batch_goes_on(tray):
    tray.configure(jobs=2)
    for name, sample in (("a.png", CARDS[0]), ("poison.png", CARDS[1]), ("z.png", CARDS[2])):
        tray.card(sample, name)
    r = tray.run(env={"CARDPIPE_FAULT": "reading poison.png:1"})  # its reader dies, every time
    assert r.returncode == 1, r.stderr
    (line,) = lines_of(r.stderr)
    assert line.startswith("cardpipe: poison.png: the process reading this file died")
    p = tray.check()
    assert sorted(path.name for path in p.archive) == ["a.png", "z.png"]
    assert [path.name for path in p.failed] == ["poison.png"]
    assert tray.run("retry").returncode == 0  # it was not the file's fault after all
    assert tray.run().returncode == 0
    assert len(tray.check().archive) == 3


def _wait_for_no_process_with(config: Path, timeout: float = 20.0) -> None:
    """Wait until no process has our CARDPIPE_CONFIG in its environment (orphaned workers)."""
    needle = f"CARDPIPE_CONFIG={config}".encode()
    deadline = time.monotonic() + timeout
    while True:
        alive = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                if needle in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0"):
                    alive.append(pid)
            except OSError:
                continue
        if not alive:
            return
        assert time.monotonic() < deadline, f"orphaned cardpipe processes: {alive}"
        time.sleep(0.05)


# ---------------------------------------------------------------------------
# SIGTERM: finish the current card, commit, exit
# ---------------------------------------------------------------------------


# With 2 workers, 14 files are read in batches of 4, 4, 3, 2, 1 (batch.batches), one per
# worker and one more in flight: a SIGTERM while the first results are stored lets those 11
# files be read and stored, and puts the other 3 back; a SIGTERM while files are claimed
# reads none.
@pytest.mark.parametrize("fault, stored", [("read:1:TERM", 11), ("in-transaction:2:TERM", 11), ("claimed:2:TERM", 0)])
def test_sigterm_finishes_the_cards_being_read_then_stops(tray, fault, stored):
    assert [len(b) for b in batching.batches(range(14), 2)] == [4, 4, 3, 2, 1]
    tray.configure(jobs=2)
    for i in range(14):  # the same cards twice, with distinct bytes (a trailing comment)
        sample = SAMPLES / CARDS[i % len(CARDS)]
        tray.data(f"{i}.png", sample.read_bytes() + f"copy {i}".encode())
    r = tray.run(env={"CARDPIPE_FAULT": fault})
    assert r.returncode == 130, r.stderr
    assert "stopped before the end; the files not read are back in the inbox" in r.stderr
    p = tray.check()  # settled: nothing left claimed
    assert len(p.archive) == stored and len(p.inbox) == 14 - stored
    r = tray.run()
    assert (r.returncode, r.stderr) == (0, "")
    assert len(tray.check().archive) == 14


def test_sigterm_from_outside_during_ocr(tray):
    tray.configure(jobs=2)
    for sample in CARDS[:4]:
        tray.card(sample)
    proc = tray.start()
    pdir = ingest.processing_dir(tray.home.inbox)
    deadline = time.monotonic() + 120
    while not (pdir.is_dir() and any(pdir.glob("*" + ingest.CLAIM_SUFFIX))) and proc.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    proc.send_signal(signal.SIGTERM)
    code = proc.wait(timeout=120)
    _, err = proc.communicate()
    assert code in (0, 130), err  # 0 if the signal came after the last card
    assert "Traceback" not in err
    tray.check()
    r = tray.run()
    assert r.returncode == 0
    assert len(tray.check().archive) == 4


# ---------------------------------------------------------------------------
# The database: locked by another writer, on a network filesystem, its settings
# ---------------------------------------------------------------------------


def test_a_database_locked_by_another_writer_is_busy_and_no_file_moves(tray):
    tray.configure(busy_timeout=0.3)
    tray.card(CARDS[0])
    assert tray.run().returncode == 0
    tray.card(CARDS[1])
    other = sqlite3.connect(tray.home.db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another program writing
    try:
        before = snapshot(tray.home.inbox)
        r = tray.run()
        assert r.returncode == 75, r.stderr
        (line,) = lines_of(r.stderr)
        assert "is locked by another program" in line and "try again later" in line
        assert snapshot(tray.home.inbox) == before
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert tray.run().returncode == 0
    assert len(tray.check().archive) == 2


def test_a_database_locked_in_the_middle_of_a_run(tray):
    tray.configure(busy_timeout=0.3)
    for sample in CARDS[:3]:
        tray.card(sample)
    proc = tray.start(env={"CARDPIPE_FAULT": "read:2:STOP"})  # frozen after storing the first card
    _wait_until_stopped(proc)
    other = sqlite3.connect(tray.home.db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        proc.send_signal(signal.SIGCONT)
        code = proc.wait(timeout=120)
        _, err = proc.communicate()
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert code == 75, err
    assert "is locked by another program" in err and "Traceback" not in err
    p = tray.check()  # the file being stored and the ones after it are back in the inbox
    assert len(p.archive) == 1 and len(p.inbox) == 2
    assert tray.run().returncode == 0
    assert len(tray.check().archive) == 3


def _wait_until_stopped(proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while True:
        fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        if fields[0] == "T":
            return
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.02)


def test_sqlite_runs_in_wal_with_full_sync_and_a_busy_timeout(tmp_path):
    store = SqliteStore(tmp_path / "c.db", busy_timeout=7)
    try:
        pragma = {k: store.db.execute(f"PRAGMA {k}").fetchone()[0] for k in ("journal_mode", "synchronous", "busy_timeout")}
    finally:
        store.close()
    assert pragma == {"journal_mode": "wal", "synchronous": 2, "busy_timeout": 7000}  # 2 = FULL


def test_a_full_disk_is_one_clear_error_and_the_transaction_rolls_back(tmp_path):
    store = SqliteStore(tmp_path / "c.db")
    try:
        pages = store.db.execute("PRAGMA page_count").fetchone()[0]
        store.db.execute(f"PRAGMA max_page_count = {pages}")  # as good as a full disk
        with pytest.raises(StoreError, match="cannot write the database .*full") as e:
            with store.transaction():
                store.add_file("f" * 64, "a.png", status="failed", reason="x" * 50_000, at=dt.datetime.now(dt.UTC))
        assert e.value.exit_code == 74
        assert not store.db.in_transaction and store.file_status("f" * 64) is None
    finally:
        store.close()


@pytest.mark.parametrize("fstype, refused", [("nfs4", True), ("cifs", True), ("fuse.sshfs", True), ("ext4", False)])
def test_a_database_on_a_network_filesystem_is_refused(tmp_path, fstype, refused):
    share = tmp_path / "my share"
    share.mkdir()
    mounts = tmp_path / "mounts"
    mounts.write_text(
        f"/dev/sda1 / ext4 rw 0 0\nserver:/cards {str(share).replace(' ', chr(92) + '040')} {fstype} rw 0 0\n"
    )
    if refused:
        with pytest.raises(ConfigError, match=f"network filesystem \\({fstype}\\)") as e:
            _refuse_network_fs(share / "cardpipe.db", mounts=str(mounts))
        assert e.value.exit_code == 78
    else:
        _refuse_network_fs(share / "cardpipe.db", mounts=str(mounts))


# ---------------------------------------------------------------------------
# A read-only archive folder
# ---------------------------------------------------------------------------


def _unprivileged() -> None:
    """Run the child as root without the capabilities that ignore file permissions."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2, 3):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER
        if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def _honours_permissions(folder: Path) -> bool:
    probe = subprocess.run(
        [sys.executable, "-c", f"import os, sys; sys.exit(os.access({str(folder)!r}, os.W_OK))"],
        preexec_fn=_unprivileged if os.geteuid() == 0 else None,
    )
    return probe.returncode == 0


def test_a_read_only_archive_stops_the_run_before_anything_is_taken(tray):
    tray.card(CARDS[0])
    tray.home.archive.mkdir()
    tray.home.archive.chmod(0o555)
    try:
        if not _honours_permissions(tray.home.archive):
            pytest.skip("cannot make a folder read-only for the child here")
        pre = _unprivileged if os.geteuid() == 0 else None
        before = snapshot(tray.home.inbox)
        r = tray.run(preexec_fn=pre)
        assert r.returncode == 73, r.stderr
        (line,) = lines_of(r.stderr)
        assert "is not writable (read-only)" in line and str(tray.home.archive) in line
        assert snapshot(tray.home.inbox) == before
        tray.check()
        # a read-only event folder inside the archive: found only when moving, after the commit
        tray.home.archive.chmod(0o755)
        (tray.home.archive / "ev").mkdir()
        (tray.home.archive / "ev").chmod(0o555)
        tray.card(CARDS[1], into="ev")
        r = tray.run(preexec_fn=pre)
        assert r.returncode == 73, r.stderr
        assert "cannot move ev/scan150-02.png into" in r.stderr and "Traceback" not in r.stderr
        p = tray.check(settled=False)  # committed, but the file went back to the inbox: nothing lost
        assert p.claimed == {} and tray.home.inbox / "ev" / "scan150-02.png" in p.inbox
    finally:
        tray.home.archive.chmod(0o755)
        if (tray.home.archive / "ev").exists():
            (tray.home.archive / "ev").chmod(0o755)
    r = tray.run()
    assert r.returncode == 0, r.stderr
    p = tray.check()  # its cards were stored once; now it is archived, not read twice
    assert len(p.archive) == 2


# ---------------------------------------------------------------------------
# cardpipe retry
# ---------------------------------------------------------------------------


def test_retry_puts_failed_files_back_once_the_cause_is_fixed(tray):
    tray.configure(max_file_mb=0.01)  # every card is "too large"
    tray.card(CARDS[0], "-dash.png")
    tray.card(CARDS[1], "b.png", into="2026-11-20 Fair")
    tray.card(CARDS[2], "c.png")
    assert tray.run().returncode == 1
    assert len(tray.check().failed) == 3
    r = tray.run("retry", "nope.png")
    assert (r.returncode, r.stdout) == (66, "")
    assert "nope.png is not in the failed folder" in r.stderr
    assert len(tray.check().failed) == 3  # an unknown name: nothing moved
    tray.configure(max_file_mb=50)  # the fix
    r = tray.run("retry", "--", "-dash.png", str(tray.home.failed / "2026-11-20 Fair" / "b.png.reason.txt"))
    assert r.returncode == 0, r.stderr
    assert lines_of(r.stdout) == [
        f"-dash.png: back in the inbox as {tray.home.inbox / '-dash.png'}",
        f"2026-11-20 Fair/b.png: back in the inbox as {tray.home.inbox / '2026-11-20 Fair' / 'b.png'}",
    ]
    assert sorted(p.name for p in tray.home.failed.rglob("*")) == ["2026-11-20 Fair", "c.png", "c.png.reason.txt"]
    db = sqlite3.connect(tray.home.db)
    assert db.execute("SELECT COUNT(*) FROM files WHERE status = 'failed'").fetchone()[0] == 1
    r = tray.run()
    assert (r.returncode, r.stderr) == (0, "")
    r = tray.run("retry")  # all the rest
    assert r.returncode == 0 and "c.png: back in the inbox" in r.stdout
    assert tray.run().returncode == 0
    p = tray.check()
    assert len(p.archive) == 3 and not p.failed
    assert db.execute("SELECT event FROM cards WHERE source_name = '2026-11-20 Fair/b.png'").fetchone() == ("Fair",)
    assert tray.run("retry").stdout == "nothing to retry: the failed folder is empty\n"


# ---------------------------------------------------------------------------
# Exit codes through the real CLI
# ---------------------------------------------------------------------------


def test_exit_codes(tray, tmp_path):
    tray.card(CARDS[0])
    # 64: usage
    r = tray.run("run", "--no-such-option")
    assert r.returncode == 64 and "Traceback" not in r.stderr
    # 78: configuration (an invalid value; a missing inbox)
    bad = tmp_path / "bad.toml"
    bad.write_text(f'inbox = "{tray.home.inbox}"\ndays = -1\n')
    r = tray.run("run", "--config", str(bad))
    assert r.returncode == 78 and lines_of(r.stderr) == ["cardpipe: error: days must be 0 or more, not -1."]
    r = tray.run("run", "--inbox", str(tmp_path / "missing"))
    assert r.returncode == 78 and "does not exist" in r.stderr
    # 69: Tesseract missing; the claimed file goes back to the inbox
    r = tray.run(env={"PATH": str(tmp_path)})
    assert r.returncode == 69, r.stderr
    assert "Tesseract" in r.stderr and "Traceback" not in r.stderr
    assert tray.check().inbox  # still there, not claimed
    # 0: silent
    r = tray.run()
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")
    # 1: some files failed, one line each
    tray.data("x.jpg", b"")
    tray.data("y.jpg", b"text\n")
    r = tray.run()
    assert r.returncode == 1 and len(lines_of(r.stderr)) == 2
    tray.check()


def test_every_new_command_has_help_with_an_example(tray):
    for cmd in ("run", "retry"):
        r = tray.run(cmd, "--help")
        assert r.returncode == 0 and "Example" in r.stdout
