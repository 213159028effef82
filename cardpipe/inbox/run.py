"""The inbox run (parent process): claim settled files, read them in workers, store each card (dedupe), archive or set aside, write the exports.

    inbox file -> claim -> pipeline.read_file (worker) -> store -> archive / failed -> exports

On a team's PostgreSQL base a run is one of many workers: the claims are database
leases (`claims.py`) and the run goes pass by pass while it finds files to take.

Why this module is long: the run is one story (scan, claim, read, store, move on, give
back) whose steps share the summary and the open claims; the dry run and retry beside it
walk the same folders."""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path

from .. import service
from ..batch import MAX_BATCH, _ignore_signals, _one_core, _Reader, batches, make_executor
from ..clock import Clock
from ..config import Config
from ..contacts import owners
from ..contacts.pgconn import shown_url
from ..contacts.store import store_kind
from ..errors import ConfigError, ExitCode
from ..models import FileResult
from ..pipeline import ReadOptions
from . import claim as ingest
from . import claims, faults

# ---------------------------------------------------------------------------
# The inbox run (parent process)
# ---------------------------------------------------------------------------


log = logging.getLogger(__name__)


@dataclass
class RunSummary:
    files: int = 0
    cards: int = 0
    new_contacts: int = 0
    matched: int = 0
    duplicates: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    set_aside: int = 0
    due: int = 0
    written: list[str] = field(default_factory=list)
    imported: int = 0
    import_problems: list[str] = field(default_factory=list)
    interrupted: bool = False
    seconds: float = 0.0
    dry_run: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, why): left in the inbox

    @property
    def exit_code(self) -> ExitCode:
        if self.interrupted:
            return ExitCode.interrupted
        if self.failed or self.import_problems:
            return ExitCode.files_failed
        return ExitCode.ok

    @property
    def changed(self) -> bool:
        return bool(self.files or self.failed or self.set_aside or self.imported)

    def line(self) -> str:
        parts = [f"{self.files} file(s)", f"{self.cards} card(s)", f"{self.new_contacts} new contact(s)"]
        if self.matched:
            parts.append(f"{self.matched} matched to existing contacts")
        if self.duplicates:
            parts.append(f"{self.duplicates} duplicate file(s)")
        if self.failed:
            parts.append(f"{len(self.failed)} failed")
        if self.imported:
            parts.append(f"{self.imported} follow-up(s) imported")
        parts.append(f"{self.due} due")
        return "cardpipe: " + ", ".join(parts) + f" in {self.seconds:.1f} s"


@dataclass(frozen=True)
class Job:
    item: ingest.InboxItem
    sha256: str
    back: Job | None = None  # the card's back side, read and archived with it


def _pair_sides(jobs: list[Job]) -> list[Job]:
    """Attach each `NAME-back` file to its `NAME` / `NAME-front` file of the same run."""
    pairs = ingest.pair_sides([j.item.rel for j in jobs])
    out = []
    for i, job in enumerate(jobs):
        if i in pairs:
            continue
        back = next((jobs[b] for b, f in pairs.items() if f == i), None)
        out.append(replace(job, back=back) if back else job)
    return out


def run(
    cfg: Config,
    *,
    clock: Clock,
    stop: threading.Event | None = None,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
    engine_check: Callable[[str], object] | None = None,
    wait: Callable[[list[ingest.Skipped], float], None] | None = None,
) -> RunSummary:
    """Process the inbox once: claim, read, store, archive, rewrite the exports.

    Nothing is lost or done twice, whatever happens: one run at a time (the lock);
    a file moves to the archive only after its transaction commits; a file not
    finished (stop, error) goes back to the inbox; a run that was killed leaves
    claims that the next run recovers (a committed file is then just archived).
    `stop` (SIGTERM) lets the files being read finish and be stored, then ends.

    `wait` (given at a terminal) is called with the files still being written and how
    long until they settle, and must sleep that long; the inbox is then scanned again,
    up to `settle_seconds` plus `SETTLE_GRACE` in all. Without it (cron) such files are
    left for the next run. Either way `summary.skipped` says what was left and why.
    """
    started = time.perf_counter()
    stop = stop or threading.Event()
    summary = RunSummary()
    if dry_run:
        summary.dry_run = plan(cfg)
        return summary
    now = clock.now()
    with claims.run_guard(cfg):  # one run at a time on a SQLite file; any number on a server
        found = _scan_settled(cfg, wait)
        ready, aside = found.ready, found.aside
        left = sorted(found.unsettled + found.ignored, key=lambda s: s.rel)
        summary.skipped += [(ingest.text_name(s.rel), s.reason) for s in left]
        with service.open_db(cfg) as store:
            store.check_writable()  # a database held by another program: exit 75, nothing touched
            work = ingest.open_work_dir(cfg.inbox, cfg.work, configured=cfg.work_dir is not None)
            if ready or aside or any(work.iterdir()):
                ingest.check_writable(cfg.archive_dir)  # a read-only archive: exit 73, nothing touched
                ingest.check_writable(cfg.failed_dir)
            with claims.claims_for(cfg, store, work=work, per_pass=_per_pass(cfg)) as claimer:
                recovered = claimer.recover()
                summary.imported, summary.import_problems = service.import_due_edits(store, cfg, clock)
                for a in aside:
                    _set_aside_path(a, cfg)
                    summary.set_aside += 1
                    summary.failed.append((ingest.text_name(a.rel), a.reason))
                items = recovered + ready
                while items:  # one pass; a worker sharing the inbox goes on while it finds files to take
                    taken = _read_and_store(items, cfg, store, claimer, clock, now, stop, summary, progress, engine_check)
                    if claimer.limit is None or not taken or summary.interrupted:
                        break
                    items = ingest.scan(cfg.inbox, settle_seconds=cfg.settle_seconds).ready
            summary.due, summary.written = service.write_exports(store, cfg, clock)
            summary.written += service.write_owner_due_files(store, cfg, clock)
    summary.seconds = time.perf_counter() - started
    return summary


def _per_pass(cfg: Config) -> int:
    """Files a worker sharing the inbox leases per pass: a few batches per reader."""
    return 2 * MAX_BATCH * cfg.workers


def _read_and_store(
    items: list[ingest.InboxItem],
    cfg: Config,
    store,
    claimer: claims.Claims,
    clock: Clock,
    now: dt.datetime,
    stop: threading.Event,
    summary: RunSummary,
    progress: Callable[[int, int], None] | None,
    engine_check: Callable[[str], object] | None,
) -> int:
    """Claim what `items` the claims allow, read them, store each and move it on.
    Returns how many files were claimed."""
    open_jobs: dict[Path, Job] = {}  # claimed, not finished: back to the inbox if the run ends early
    try:
        jobs, twins = _claim_all(items, cfg, store, now, stop, summary, open_jobs, claimer)
        taken = len(jobs) + len(twins)
        jobs = _pair_sides(jobs)
        paired = {j.item.path: j for j in jobs}
        if jobs:
            if engine_check is None:
                from ..ocr import check_engine as engine_check
            engine_check(cfg.lang)
        reader = _Reader(ReadOptions.from_config(cfg))
        workers = min(cfg.workers, len(jobs))
        if workers == 1:
            _one_core()  # --jobs 1 means one core, in this process
        executor = make_executor(workers, stop)
        todo = [(j.item.path, j.sha256, j.back.item.path if j.back else None) for j in jobs]
        results = executor.map_unordered(reader, batches(todo, workers))
        try:
            done = 0
            for batch, batch_results in results:
                for (path, *_), result in zip(batch, batch_results, strict=True):
                    faults.point("read")
                    _store_result(paired[path], result, cfg, store, clock, summary, claimer)
                    _finished(paired[path], open_jobs, claimer)
                    done += 1
                    if progress:
                        progress(done, len(jobs))
        except BrokenProcessPool:
            # a reader process died (out of memory, a decoder crash): read what is left one
            # file per process, so the file that kills its reader is set aside, not retried forever
            log.warning("a reader process died; reading the remaining files one at a time")
            for job in jobs:
                if job.item.path in open_jobs and not stop.is_set():
                    _store_result(job, _read_alone(job, reader), cfg, store, clock, summary, claimer)
                    _finished(job, open_jobs, claimer)
        finally:
            close = getattr(results, "close", None)
            if close:
                close()  # an error above: let the pool wind down before the files go back
        for twin in twins:  # same bytes as another file of this run: follow it
            if _follow_twin(twin, cfg, store, now, summary):
                del open_jobs[twin.item.path]
                claimer.release(twin.item)
    finally:
        _give_back(open_jobs.values(), claimer)
    if open_jobs or stop.is_set():
        summary.interrupted = True
    return taken


SETTLE_GRACE = 3.0  # seconds an interactive run waits beyond settle_seconds for files still being written


def _scan_settled(cfg: Config, wait: Callable[[list[ingest.Skipped], float], None] | None) -> ingest.InboxScan:
    """Scan the inbox; with `wait`, wait for files still being written until they settle
    (a file written without a pause for longer than the bound is left for the next run)."""
    found = ingest.scan(cfg.inbox, settle_seconds=cfg.settle_seconds)
    if wait is None:
        return found
    deadline = time.monotonic() + cfg.settle_seconds + SETTLE_GRACE
    while found.unsettled:
        pause = min(max(s.wait for s in found.unsettled) + 0.1, deadline - time.monotonic())
        if pause <= 0:
            break
        wait(found.unsettled, pause)
        found = ingest.scan(cfg.inbox, settle_seconds=cfg.settle_seconds)
    return found


def _claim_all(
    items: list[ingest.InboxItem],
    cfg: Config,
    store,
    now: dt.datetime,
    stop: threading.Event,
    summary: RunSummary,
    open_jobs: dict[Path, Job],
    claimer: claims.Claims,
) -> tuple[list[Job], list[Job]]:
    """Claim and hash each file (as many as the claims allow); archive at once the bytes
    already processed. Returns the files to read, and the twins (same bytes as one of those)."""
    jobs: list[Job] = []
    twins: list[Job] = []
    first: set[str] = set()
    for item in items:
        if stop.is_set() or (claimer.limit is not None and len(jobs) + len(twins) >= claimer.limit):
            break
        shown = ingest.display_name(item.rel)
        if item.claim is None:
            try:
                item = claimer.take(item, now=now)
            except claims.Taken:
                continue  # another worker reads it
            except ingest.Unsettled as e:
                log.info("%s; left for the next run", e)
                summary.skipped.append((ingest.text_name(item.rel), "changed while it was being claimed (still being written)"))
                continue
            except FileNotFoundError:
                continue  # gone meanwhile
            except OSError as e:
                reason = f"cannot be taken from the inbox ({e.strerror}); it stays there"
                summary.failed.append((ingest.text_name(item.rel), reason))
                log.warning("%s: %s", shown, reason)
                continue
        faults.point("claimed")
        try:
            sha = ingest.sha256_file(item.path)
        except OSError as e:
            log.warning("%s: cannot be read (%s); put back into the inbox", shown, e.strerror)
            _give_back([Job(item, "")], claimer)
            summary.failed.append((ingest.text_name(item.rel), f"cannot be read ({e.strerror}); it stays in the inbox"))
            continue
        job = Job(item, sha)
        open_jobs[item.path] = job
        if store.file_status(sha) in ("done", "duplicate"):
            _archive_duplicate(item, cfg)
            del open_jobs[item.path]
            claimer.release(item)
            summary.duplicates += 1
            summary.files += 1
        elif sha in first:
            twins.append(job)
        else:
            first.add(sha)
            jobs.append(job)
    return jobs, twins


def _finished(job: Job, open_jobs: dict[Path, Job], claimer: claims.Claims) -> None:
    for j in (job, job.back):
        if j and open_jobs.pop(j.item.path, None) is not None:
            claimer.release(j.item)


def _read_alone(job: Job, reader: _Reader) -> FileResult:
    """Read one file in a process of its own; if that process dies too, the file is the cause."""
    with ProcessPoolExecutor(max_workers=1, initializer=_ignore_signals) as pool:
        try:
            back = job.back.item.path if job.back else None
            return pool.submit(reader, [(job.item.path, job.sha256, back)]).result()[0]
        except BrokenProcessPool:
            return FileResult(
                str(job.item.path), job.sha256, error_code=int(ExitCode.files_failed),
                error="the process reading this file died (out of memory, or a crash in an image decoder); "
                "check the file, then 'cardpipe retry' it",
            )


def _follow_twin(job: Job, cfg: Config, store, now: dt.datetime, summary: RunSummary) -> bool:
    """A file with the same bytes as one read in this run goes where that one went.
    False when that one was not finished (the twin goes back to the inbox with it)."""
    status = store.file_status(job.sha256)
    if status == "done":
        _archive_duplicate(job.item, cfg)
        summary.duplicates += 1
        summary.files += 1
        return True
    if status == "failed":
        row = store.file(job.sha256)
        reason = f"same bytes as {ingest.display_name(row['name'])}, which failed: {row['reason']}"
        ingest.set_aside(job.item, cfg.failed_dir, reason)
        summary.failed.append((ingest.text_name(job.item.rel), reason))
        log.warning("%s: failed: %s", ingest.display_name(job.item.rel), reason)
        return True
    return False


def _give_back(jobs: Iterable[Job], claimer: claims.Claims) -> None:
    """Files claimed but not finished go back to the inbox for the next run. One that
    cannot be moved stays claimed: the next run recovers it."""
    for job in list(jobs):
        if not os.path.lexists(job.item.path):
            continue  # it was moved on already (archived, then a later step failed)
        try:
            claimer.give_back(job.item)
        except OSError as e:
            log.warning("%s: cannot be put back into the inbox (%s); the next run recovers it",
                        ingest.display_name(job.item.rel), e.strerror)


def _store_result(
    job: Job, result: FileResult, cfg: Config, store, clock: Clock, summary: RunSummary, claimer: claims.Claims
) -> None:
    """Commit what was read from one file, then move the file: archive, or failed/ with its reason.
    The log gets one line per card (or one for the failed file), with names made one-line safe."""
    now = clock.now()
    name = ingest.text_name(job.item.rel)  # as stored: valid UTF-8
    shown = ingest.display_name(job.item.rel)  # as logged: one line
    back = job.back
    if not ingest.unchanged_since_scan(job.item) or (back and not ingest.unchanged_since_scan(back.item)):
        for j in (job, back):
            if j:
                claimer.give_back(j.item)
        log.info("%s: changed while it was being read (still being written?); left for the next run", shown)
        summary.skipped.append((name, "changed while it was being read (still being written)"))
        return
    if not result.ok:
        reason = ingest.display_name(result.error or "unknown error")
        back_reason = f"the front side {shown} failed: {reason}"
        with store.transaction():
            store.add_file(job.sha256, name, status="failed", reason=reason, at=now)
            if back:
                store.add_file(back.sha256, ingest.text_name(back.item.rel), status="failed", reason=back_reason, at=now)
        faults.point("committed")
        ingest.set_aside(job.item, cfg.failed_dir, reason)
        summary.failed.append((name, reason))
        log.warning("%s: failed: %s", shown, reason)
        if back:
            ingest.set_aside(back.item, cfg.failed_dir, back_reason)
            summary.failed.append((ingest.text_name(back.item.rel), back_reason))
        return
    placed = owners.place(job.item, cfg)  # whose card (a team's base), at which event
    collected = (
        result.captured.date() if result.captured else placed.event_date or now.date()
    )
    lines = []
    try:
        with store.transaction():
            if store.file_status(job.sha256) in ("done", "duplicate"):
                raise _StoredMeanwhile  # the same bytes, committed by another worker while we read
            store.add_file(job.sha256, name, status="done", at=now)
            if back:  # the back side: read with the front, its text in the front's card
                store.add_file(back.sha256, ingest.text_name(back.item.rel), status="done", at=now)
            for card in result.cards:
                card_id, contact_id = store.add_card(
                    job.sha256, card, collected_on=collected, scanned_at=now, event=placed.event, name=name,
                    owner=placed.owner, back=back.sha256 if back and card.card == 0 else None,  # read with card 0
                )
                attached = store.card(card_id)["match_rule"] != "new"  # the rule add_card recorded
                summary.matched += attached
                summary.new_contacts += not attached
                lines.append((card.card, contact_id, "matched" if attached else "new", card.record.name))
            faults.point("in-transaction")
    except _StoredMeanwhile:
        for j in (job, back):
            if j:
                _archive_duplicate(j.item, cfg)
                summary.duplicates += 1
                summary.files += 1
        return
    faults.point("committed")
    for card_no, contact_id, how, person in lines:  # logged once committed
        log.info("%s: card %d -> contact %d (%s) %r, %.1f s", shown, card_no, contact_id, how, person, result.seconds)
    dest = ingest.move_into(job.item, cfg.archive_dir)
    with store.transaction():
        store.set_stored_as(job.sha256, ingest.text_name(dest))
    if back:
        back_dest = ingest.move_into(back.item, cfg.archive_dir)
        with store.transaction():
            store.set_stored_as(back.sha256, ingest.text_name(back_dest))
        summary.files += 1
    summary.files += 1
    summary.cards += len(result.cards)


class _StoredMeanwhile(Exception):
    """Rolls back the transaction of a file whose bytes another worker stored first."""


def _archive_duplicate(item: ingest.InboxItem, cfg: Config) -> None:
    dest = ingest.move_into(item, cfg.archive_dir)
    log.info(
        "%s: same bytes as a file already processed; archived as %s without OCR",
        ingest.display_name(item.rel), ingest.display_name(dest.name),
    )


def _set_aside_path(a: ingest.SetAside, cfg: Config) -> None:
    item = ingest.InboxItem(a.path, a.rel)
    ingest.set_aside(item, cfg.failed_dir, a.reason)
    log.warning("%s: set aside: %s", ingest.display_name(a.rel), a.reason)


def plan(cfg: Config) -> list[str]:
    """What `run` would claim, move and write now, one line each, changing nothing:
    no lock taken, no log written, the database only read (`run --dry-run`)."""
    from ..contacts.store import read_only_hashes

    ready, aside = ingest.scan_inbox(cfg.inbox, settle_seconds=cfg.settle_seconds)
    lines: list[str] = []
    claims = [
        record
        for pdir in dict.fromkeys((cfg.work, ingest.legacy_processing_dir(cfg.inbox)))
        if pdir.is_dir()
        for record in sorted(pdir.glob("*" + ingest.CLAIM_SUFFIX))
    ]
    if claims:
        lines.append(f"would recover {len(claims)} file(s) claimed by a run that did not finish, and read them again")
    known = read_only_hashes(cfg.db)
    seen: dict[str, str] = {}
    for item in ready:
        shown = ingest.display_name(item.rel)
        dest = ingest.display_name(ingest.unique_path(cfg.archive_dir / Path(*item.rel.parts)))
        try:
            sha = ingest.sha256_file(item.path)
        except OSError as e:
            lines.append(f"would skip {shown}: cannot be read ({e.strerror})")
            continue
        if sha in known:
            lines.append(f"would claim {shown} and move it to {dest} without OCR (same bytes as a file already processed)")
        elif sha in seen:
            lines.append(f"would claim {shown} and move it where {seen[sha]} goes, without OCR (same bytes)")
        else:
            lines.append(
                f"would claim {shown}, read it and move it to {dest} "
                f"(or into {ingest.display_name(cfg.failed_dir)} if it cannot be read)"
            )
        seen.setdefault(sha, shown)
    for a in aside:
        lines.append(f"would set aside {ingest.display_name(a.rel)} in {ingest.display_name(cfg.failed_dir)}: {a.reason}")
    if lines:
        out = ingest.display_name(cfg.output)
        shown = shown_url(cfg.db) if store_kind(cfg.db) == "postgresql" else ingest.display_name(cfg.db)  # no password
        lines.append(f"would write the database {shown} and {out}/contacts.csv, {out}/due.csv")
    return lines


def retry_failed(cfg: Config, names: Iterable[Path] = ()) -> list[tuple[Path, Path]]:
    """Move failed files (all, or the ones named) back into the inbox, drop their
    .reason.txt and their `failed` record, so the next run reads them afresh.

    Names are paths to files in the failed folder (or to their sidecars), or paths
    relative to it; an unknown name refuses them all (NotFoundError) before anything
    moves. Holds the run lock. Returns (where it was, where it is now) per file.
    """
    names = list(names)
    if not cfg.inbox.is_dir():
        raise ConfigError(f"the inbox {cfg.inbox} does not exist; 'cardpipe init' sets cardpipe up (or create it, or set 'inbox' or --inbox).")
    with ingest.run_lock(cfg.state):
        files = ingest.resolve_failed(cfg.failed_dir, names) if names else ingest.failed_files(cfg.failed_dir)
        if not files:
            return []
        moved: list[tuple[Path, Path]] = []
        with service.open_db(cfg) as store:
            for path in files:
                sha = ingest.sha256_file(path) if path.is_file() and not path.is_symlink() else None
                dest = ingest.restore(path, cfg.failed_dir, cfg.inbox)
                if sha:
                    with store.transaction():
                        store.forget_failed(sha)
                log.info("%s: back in the inbox as %s, to be read again",
                         ingest.display_name(path.relative_to(cfg.failed_dir)), ingest.display_name(dest))
                moved.append((path, dest))
        return moved
