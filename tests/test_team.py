"""A team on one PostgreSQL server (a real one, tests/pgserver.py): several `cardpipe run`
workers on several "machines" (state folders of their own) sharing one inbox. The workers
are the real CLI with a fake reader (tests/team_worker.py), since these tests are about
claims, leases and dedupe; tests/test_e2e.py reads real cards with Tesseract on PostgreSQL.

After each scenario: every file read by one live worker at most, stored once, archived
once; one contact per person; nothing left leased."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import psycopg
import pytest
from conftest import ROOT

WORKER = [sys.executable, str(ROOT / "tests" / "team_worker.py")]
PEOPLE = 180  # 200 files: 180 people, the first 20 of them met twice


GIVEN = "Ann Bruno Chloe Dmitri Elena Farid Greta Hiro Ines Jonas Kaori Luca Maya Nils Olga Pavel Rosa Sven".split()
FAMILY = "Avery Brook Carver Dale Ellison Fairfax Garber Holloway Ingram Jarvis".split()


def person(p: int) -> str:
    return f"{GIVEN[p % len(GIVEN)]} {FAMILY[p // len(GIVEN)]}"


def email(p: int) -> str:
    given, family = person(p).lower().split()
    return f"{given}.{family}@firm{p}.example"


def scans(inbox: Path, salt: str = "") -> dict[str, int]:
    """Write the 200 scans into the inbox; returns sha256 -> person."""
    inbox.mkdir(parents=True, exist_ok=True)
    out = {}
    files = [(p, f"{person(p)}\n{email(p)}\n") for p in range(PEOPLE)]
    files += [(p, f"{person(p)}\n{email(p)}\nmet again\n") for p in range(20)]
    for i, (p, text) in enumerate(files):
        text += salt
        path = inbox / f"scan-{i:03d}.png"
        path.write_text(text, encoding="utf-8")
        os.utime(path, (time.time() - 60, time.time() - 60))
        out[hashlib.sha256(text.encode()).hexdigest()] = p
    return out


def machine(root: Path, name: str, url: str, *, lease: float = 1.5, owner: str | None = None) -> Path:
    cfg = root / name / "config.toml"
    cfg.parent.mkdir(parents=True)
    lines = [
        f'inbox = "{root / "inbox"}"', f'archive = "{root / "archive"}"', f'failed = "{root / "failed"}"',
        f'output = "{root / name / "output"}"', f'state_dir = "{root / name / "state"}"', f'db = "{url}"',
        "settle_seconds = 0", "jobs = 1", f"lease_seconds = {lease}",
    ]
    if owner:
        lines.append(f'owner = "{owner}"')
    cfg.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return cfg


def start(cfg: Path, reads: Path, *, fault: str | None = None, read_seconds: float = 0.1) -> subprocess.Popen:
    env = {**os.environ, "CARDPIPE_CONFIG": str(cfg), "TEAM_READS": str(reads), "TEAM_READ_SECONDS": str(read_seconds),
           "CARDPIPE_TODAY": "2026-11-20"}
    env.pop("CARDPIPE_FAULT", None)
    if fault:
        env["CARDPIPE_FAULT"] = fault
    return subprocess.Popen([*WORKER, "run"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            stdin=subprocess.DEVNULL)


def query(url: str, sql: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(sql).fetchall()


def reads_by_pid(reads: Path) -> dict[str, Counter]:
    out: dict[str, Counter] = {}
    for line in reads.read_text().splitlines():
        pid, sha = line.split()
        out.setdefault(sha, Counter())[int(pid)] += 1
    return out


def check_base(url: str, root: Path, inputs: dict[str, int]) -> None:
    """Stored once, archived once, one contact per person, nothing leased."""
    assert sorted(p.name for p in (root / "inbox").iterdir()) == []
    archived = Counter(hashlib.sha256(p.read_bytes()).hexdigest() for p in (root / "archive").rglob("*.png"))
    assert archived == Counter(inputs.keys()), "every file archived exactly once"
    assert not (root / "failed").exists() or not list((root / "failed").iterdir())
    assert query(url, "SELECT status, COUNT(*) FROM files GROUP BY status") == [("done", 200)]
    cards = Counter(r[0] for r in query(url, "SELECT file_sha256 FROM cards"))
    assert cards == Counter(set(inputs)), "one card per file"
    per_contact = query(url, "SELECT contact_id, COUNT(*), MIN(record), MAX(record) FROM cards GROUP BY contact_id")
    assert len(per_contact) == PEOPLE, "one contact per person"
    assert sorted(n for _, n, _, _ in per_contact) == [1] * (PEOPLE - 20) + [2] * 20
    for _, _, a, b in per_contact:  # both cards of a contact name the same person
        assert a.split('"name": ')[1][:20] == b.split('"name": ')[1][:20]
    assert query(url, "SELECT COUNT(*) FROM leases") == [(0,)]
    assert query(url, "SELECT COUNT(*) FROM cards c LEFT JOIN files f ON f.sha256 = c.file_sha256 "
                      "WHERE f.sha256 IS NULL") == [(0,)]


def test_four_workers_on_two_machines_one_killed_nothing_lost_nothing_doubled(tmp_path, pg_url):
    inputs = scans(tmp_path / "inbox")
    reads = tmp_path / "reads.log"
    m0, m1 = machine(tmp_path, "m0", pg_url), machine(tmp_path, "m1", pg_url)
    # one worker is killed (SIGKILL) right after its 5th commit, before that file is archived
    victim = start(m0, reads, fault="committed:5")
    workers = [start(m0, reads), start(m1, reads), start(m1, reads)]
    for w in [victim, *workers]:
        out, err = w.communicate(timeout=300)
        if w is not victim:
            assert w.returncode == 0, err
    assert victim.returncode == -signal.SIGKILL
    # a pass reads 32 files in ~3.2 s, past the 1.5 s lease: only renewal kept them
    by_sha = reads_by_pid(reads)
    for sha, pids in by_sha.items():
        live = {p: n for p, n in pids.items() if p != victim.pid}
        assert sum(live.values()) <= 1, f"{sha[:8]} read by {len(live)} live workers"
    if list((tmp_path / "inbox").iterdir()):  # the others ended before the killed one's leases expired
        deadline = time.monotonic() + 30
        while query(pg_url, "SELECT COUNT(*) FROM leases WHERE expires_at > now()")[0][0] and time.monotonic() < deadline:
            time.sleep(0.2)
        late = start(m1, reads)  # the next cron run on the other machine takes them
        out, err = late.communicate(timeout=300)
        assert late.returncode == 0, err
    check_base(pg_url, tmp_path, inputs)
    by_sha = reads_by_pid(reads)
    assert set(by_sha) == set(inputs), "every file was read"
    victims = {sha for sha, pids in by_sha.items() if victim.pid in pids}
    assert len(victims) >= 5, "the killed worker had read files of its own"
    # its files read but not stored (the batch after its 5th commit) were read again by the others
    assert any(len(by_sha[sha]) == 2 for sha in victims)


def test_a_server_gone_mid_run_one_line_exit_75_and_the_files_stay_in_the_inbox(tmp_path, pg_server):
    name = pg_server.new_database()
    url = pg_server.url(name)
    inbox = tmp_path / "inbox"
    inputs = scans(inbox)
    cfg = machine(tmp_path, "m0", url)
    w = start(cfg, tmp_path / "reads.log", fault="read:3:STOP", read_seconds=0)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # stopped at its 3rd file, two stored and archived
        with open(f"/proc/{w.pid}/stat") as f:
            if f.read().split(") ")[1][0] == "T":
                break
        time.sleep(0.05)
    pg_server.terminate(name)
    os.kill(w.pid, signal.SIGCONT)
    out, err = w.communicate(timeout=120)
    assert w.returncode == 75, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "lost the connection to the database" in lines[0] and "run again" in lines[0], err
    archived = list((tmp_path / "archive").rglob("*.png"))
    assert len(archived) == 2 and len(list(inbox.iterdir())) == len(inputs) - 2


@pytest.mark.parametrize("url, code, words", [
    ("postgresql://cardpipe:wrong-pass@127.0.0.1:{port}/{db}", 78, "refused the login"),
    ("postgresql://cardpipe@/no_such_db?host={sock}&port={port}", 78, "does not exist"),
    ("postgresql://cardpipe@127.0.0.1:1/{db}", 75, "cannot reach the database"),
    ("postgresql://cardpipe@[broken/{db}", 78, "not a valid PostgreSQL URL"),
], ids=["refused password", "no such database", "no server", "broken URL"])
def test_a_bad_database_is_one_line_and_the_files_stay(tmp_path, pg_server, url, code, words):
    db = pg_server.new_database()
    url = url.format(port=pg_server.port, db=db, sock=pg_server.socket_dir)
    inbox = tmp_path / "inbox"
    scans(inbox)
    before = sorted(p.name for p in inbox.iterdir())
    r = subprocess.run([*WORKER, "run", "--inbox", str(inbox), "--db", url], capture_output=True, text=True,
                       env={**os.environ, "HOME": str(tmp_path), "TEAM_READS": str(tmp_path / "r")},
                       stdin=subprocess.DEVNULL, timeout=120)
    assert r.returncode == code, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and words in r.stderr, r.stderr
    assert "wrong-pass" not in r.stderr
    assert sorted(p.name for p in inbox.iterdir()) == before


def test_the_password_comes_from_pgpass(tmp_path, pg_server):
    from pgserver import PASSWORD, USER

    db = pg_server.new_database()
    pgpass = tmp_path / ".pgpass"
    pgpass.write_text(f"127.0.0.1:{pg_server.port}:{db}:{USER}:{PASSWORD}\n")
    pgpass.chmod(0o600)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    env = {**os.environ, "HOME": str(tmp_path), "PGPASSFILE": str(pgpass)}
    r = subprocess.run([*WORKER, "contacts", "--db", pg_server.tcp_url(db)], capture_output=True, text=True,
                       env=env, stdin=subprocess.DEVNULL, timeout=120)
    assert r.returncode == 0, r.stderr
    assert PASSWORD not in r.stdout + r.stderr


def cli(cfg: Path, *args: str, today: str = "2099-01-01") -> subprocess.CompletedProcess:
    env = {**os.environ, "CARDPIPE_CONFIG": str(cfg), "CARDPIPE_TODAY": today, "TEAM_READS": str(cfg.parent / "r")}
    return subprocess.run([*WORKER, *args], capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL,
                          timeout=120)


def test_owners_one_contact_known_by_both_own_due_lists_and_follow_ups(tmp_path, pg_url):
    inbox = tmp_path / "inbox"
    ann, bob = machine(tmp_path, "ann", pg_url, owner="ann"), machine(tmp_path, "bob", pg_url, owner="bob")
    scans(inbox)
    for p in inbox.iterdir():  # ann scans persons 0-9
        if int(p.stem.split("-")[1]) >= 10:
            p.unlink()
    assert cli(ann, "run", today="2026-11-20").returncode == 0
    scans(inbox, salt="scanned by bob\n")
    for p in inbox.iterdir():  # bob scans persons 5-14: 5-9 are met by both
        if not 5 <= int(p.stem.split("-")[1]) < 15:
            p.unlink()
    assert cli(bob, "run", today="2026-11-20").returncode == 0
    assert query(pg_url, "SELECT COUNT(DISTINCT contact_id) FROM cards") == [(15,)]

    r = cli(ann, "due", "--owner", "ann")
    due_ann = r.stdout
    assert sum(person(p) in due_ann for p in range(15)) == 10, r.stdout + r.stderr
    assert all(f"{person(p)[:20]}" in due_ann for p in range(10))
    also = [line for line in due_ann.splitlines() if "(also known by bob)" in line]
    assert also, due_ann
    assert sorted(line.split()[2] for line in also) == sorted(person(p).split()[0] for p in range(5, 10))

    seven = query(pg_url, f"SELECT contact_id FROM cards WHERE record LIKE '%{email(7)}%'")[0][0]
    assert "  known by   ann, bob" in cli(ann, "contacts", "show", str(seven)).stdout
    r = cli(bob, "followup", str(seven), "--on", "2098-12-30")  # bob's config: owner = "bob"
    assert r.returncode == 0, r.stderr
    assert person(7) not in cli(bob, "due", "--owner", "bob").stdout
    assert person(7) in cli(ann, "due", "--owner", "ann").stdout  # ann still owes Person 7 a follow-up
    with open(ann, "a") as f:
        f.write("team_followups = true\n")
    assert person(7) not in cli(ann, "due", "--owner", "ann").stdout  # configured team-wide: bob's counts

    r = cli(ann, "due", "--owner", "carol")
    assert r.returncode == 66 and "owners: ann, bob" in r.stderr
    assert cli(ann, "run").returncode == 0  # writes each owner's due list (team-wide here: 7 is done)
    for owner in ("ann", "bob"):
        rows = (tmp_path / "ann" / "output" / f"due-{owner}.csv").read_text(encoding="utf-8-sig").splitlines()
        assert len(rows) == 1 + 9, owner


def test_a_dry_run_on_the_server_shows_the_url_without_its_password(tmp_path, pg_server):
    from pgserver import PASSWORD

    url = pg_server.tcp_url(pg_server.new_database(), PASSWORD)
    inbox = tmp_path / "inbox"
    scans(inbox)
    r = subprocess.run([*WORKER, "run", "--dry-run", "--inbox", str(inbox), "--db", url], capture_output=True,
                       text=True, env={**os.environ, "TEAM_READS": str(tmp_path / "r")}, stdin=subprocess.DEVNULL,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    assert "would claim scan-000.png" in r.stdout and "would write the database postgresql://cardpipe:***@" in r.stdout
    assert PASSWORD not in r.stdout + r.stderr
    assert len(list(inbox.iterdir())) == 200


def test_bytes_another_worker_stored_meanwhile_are_archived_not_stored_twice(tmp_path, any_db):
    """Two workers read two files with the same bytes at once (leases are per file): the one
    that commits second finds the bytes stored, under the write lock, and only archives its file."""
    import datetime as dt
    from pathlib import PurePosixPath

    from cardpipe.clock import FixedClock
    from cardpipe.config import Config
    from cardpipe.contacts.store import open_store
    from cardpipe.inbox import claim, claims, run
    from cardpipe.models import CardResult, ContactRecord, FileResult

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    cfg = Config(inbox=inbox, archive=tmp_path / "archive", failed=tmp_path / "failed", output=tmp_path / "out",
                 db=any_db)
    store = open_store(any_db)
    clock = FixedClock(dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC))
    card = CardResult("a.png", 0, ContactRecord(name="Ann Avery", emails=("ann@firm.example",)), "Ann", 90.0)
    summaries = []
    for name in ("a.png", "a-copy.png"):
        path = inbox / name
        path.write_bytes(b"the same bytes")
        st = path.stat()
        job = run.Job(claim.InboxItem(path, PurePosixPath(name), size=st.st_size, mtime_ns=st.st_mtime_ns), "f" * 64)
        summary = run.RunSummary()
        run._store_result(job, FileResult(str(path), job.sha256, (card,)), cfg, store, clock, summary,
                          claims.FolderClaims(inbox))
        summaries.append(summary)
    assert [(s.cards, s.duplicates, s.files) for s in summaries] == [(1, 0, 1), (0, 1, 1)]
    assert sorted(p.name for p in (tmp_path / "archive").iterdir()) == ["a-copy.png", "a.png"]
    assert [len(c.card_ids) for c in store.contacts()] == [1]
    store.close()
