"""The pipeline: one file in, its cards out (`read_file`, run in workers), and the
inbox run that stores them (`run`, in the parent: only the parent writes).

    inbox file -> decode -> prepare -> OCR -> extract/normalize -> FileResult
      (parent) -> store (dedupe) -> archive / failed -> exports
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

from . import ingest, service
from .clock import Clock
from .config import Config
from .errors import CardpipeError, ExitCode, InputFileError, NoTextFound, OcrTimeout
from .models import CardResult, ContactRecord, FileResult, OcrPage, PreparedCard

if TYPE_CHECKING:
    from .ocr import OcrEngine

# The image and OCR stages (OpenCV, NumPy, Pillow, Tesseract) are imported where
# they are used: a cron run with nothing new to read never pays for loading them.

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

# ---------------------------------------------------------------------------
# Reading one file (runs in a worker process)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReadOptions:
    """What a worker needs to read a file: small and picklable."""

    lang: str = "eng"
    region: str = "US"
    ocr_timeout: float = 60.0
    review_threshold: float = 0.6
    max_bytes: int = 50 * 1024 * 1024
    max_pixels: int = 100_000_000
    max_pages: int = 10
    engine: str = "tesseract"
    debug_dir: Path | None = None

    @classmethod
    def from_config(cls, cfg: Config, **kw: object) -> ReadOptions:
        return cls(
            lang=cfg.lang,
            region=cfg.region,
            ocr_timeout=cfg.ocr_timeout,
            review_threshold=cfg.review_threshold,
            max_bytes=int(cfg.max_file_mb * 1024 * 1024),
            max_pixels=cfg.max_pixels,
            max_pages=cfg.max_pages,
            **kw,  # type: ignore[arg-type]
        )

    def make_engine(self) -> OcrEngine:
        from .ocr import ENGINES

        return ENGINES[self.engine](lang=self.lang, timeout=self.ocr_timeout)


def read_file(path: Path, opts: ReadOptions, engine: OcrEngine | None = None, *, sha256: str = "") -> FileResult:
    """Decode, prepare, OCR and extract every card in one file. Never raises for bad input:
    the reason goes into `FileResult.error`."""
    from . import decode, normalize, preprocess, qr

    start = time.perf_counter()
    engine = engine or _worker_engine(opts)
    try:
        decoded = decode.load(path, max_bytes=opts.max_bytes, max_pixels=opts.max_pixels, max_pages=opts.max_pages)
        cards: list[CardResult] = []
        for src in decoded.images:
            for prepared in preprocess.prepare(src):
                card_no = len(cards)
                best, page = read_card(prepared, engine)
                if opts.debug_dir is not None:
                    _write_debug(opts.debug_dir, path, card_no, best)
                if not _has_text(page):
                    continue
                color = best.color if best.color is not None else best.image
                qr_texts = qr.decode_qr(color)
                record = normalize.read_contact(
                    page, region=opts.region, review_threshold=opts.review_threshold, qr_texts=qr_texts
                )
                lang2 = second_language(record, opts.lang, installed=_installed_languages())
                if lang2:
                    # a card printed in another country: read it again with that language
                    # first, which keeps the accents the default languages drop
                    page2 = engine.read(best.image, lang=lang2)
                    if quality(page2) >= 0.9 * quality(page):
                        page = page2
                        record = normalize.read_contact(
                            page, region=opts.region, review_threshold=opts.review_threshold, qr_texts=qr_texts
                        )
                cards.append(
                    CardResult(
                        source=str(path),
                        card=card_no,
                        record=record,
                        ocr_text=page.text,
                        ocr_conf=round(page.mean_conf, 1),
                        steps=best.steps,
                    )
                )
        if not cards:
            raise NoTextFound("no text found on the image; is it a business card?")
        # number the cards that had text 0, 1, 2... in reading order
        cards = [CardResult(c.source, i, c.record, c.ocr_text, c.ocr_conf, c.steps) for i, c in enumerate(cards)]
        return FileResult(str(path), sha256, tuple(cards), seconds=time.perf_counter() - start, captured=decoded.captured)
    except InputFileError as e:
        return FileResult(str(path), sha256, error=str(e), error_code=int(e.exit_code), seconds=time.perf_counter() - start)
    except CardpipeError:
        raise
    except MemoryError:
        return FileResult(str(path), sha256, error="the image is too large to process in memory", error_code=1)


def read_card(card: PreparedCard, engine: OcrEngine) -> tuple[PreparedCard, OcrPage]:
    """OCR a prepared card; only a weak first read pays for orientation detection
    and a second pass on an alternative preparation."""
    from . import preprocess

    page = engine.read(card.image)
    if not is_weak(page):
        return card, page
    best = (card, page)
    try:
        degrees = engine.orientation(card.image)
    except OcrTimeout:
        degrees = 0
    if degrees:
        turned = preprocess.rotate(card, degrees)
        best = _better(best, (turned, engine.read(turned.image)))
        if not is_weak(best[1]):
            return best
    for alt in preprocess.alternatives(best[0]):
        best = _better(best, (alt, engine.read(alt.image)))
        if not is_weak(best[1]):
            break
    return best


def card_country(record: ContactRecord) -> str | None:
    """The country a card was printed for: its address, else most of its phone numbers."""
    if record.address and record.address.country:
        return record.address.country.upper()
    import phonenumbers

    regions = [phonenumbers.region_code_for_number(phonenumbers.parse(p.e164)) for p in record.phones if p.e164]
    regions = [r for r in regions if r and r != "ZZ"]
    return max(set(regions), key=regions.count) if regions else None


def second_language(record: ContactRecord, lang: str, *, installed: tuple[str, ...]) -> str | None:
    """The languages for a second read of a card from a non-English country, or None."""
    from .ocr import COUNTRY_LANG

    country = card_country(record)
    extra = COUNTRY_LANG.get(country or "")
    if country == "CA" and record.address and (record.address.region or "").upper() == "QC":
        extra = "fra"
    if not extra or extra in lang.split("+") or extra not in installed:
        return None
    return f"{extra}+{lang}"


_INSTALLED: tuple[str, ...] | None = None


def _installed_languages() -> tuple[str, ...]:
    global _INSTALLED  # asked once per worker process
    if _INSTALLED is None:
        from .ocr import installed_languages

        _INSTALLED = installed_languages()
    return _INSTALLED


def quality(page: OcrPage) -> float:
    """How much confidently read text a page has: letters and digits weighted by confidence."""
    return sum(sum(ch.isalnum() for ch in w.text) * w.conf / 100 for ln in page.lines for w in ln.words if w.conf > 30)


def is_weak(page: OcrPage) -> bool:
    return page.mean_conf < 70 or len(page.lines) < 3 or quality(page) < 40


def _better(a: tuple[PreparedCard, OcrPage], b: tuple[PreparedCard, OcrPage]) -> tuple[PreparedCard, OcrPage]:
    return b if quality(b[1]) > quality(a[1]) * 1.05 else a


def _has_text(page: OcrPage) -> bool:
    return quality(page) >= 4


def _write_debug(folder: Path, path: Path, card_no: int, card: PreparedCard) -> None:
    import cv2

    folder.mkdir(parents=True, exist_ok=True)
    name = f"{path.stem}-p{card.page}-c{card_no}.png"
    cv2.imwrite(str(folder / name), card.image)


_ENGINE: OcrEngine | None = None


def _worker_engine(opts: ReadOptions) -> OcrEngine:
    global _ENGINE  # one engine per worker process, made on first use
    if _ENGINE is None or getattr(_ENGINE, "lang", opts.lang) != opts.lang:
        _ENGINE = opts.make_engine()
    return _ENGINE


# ---------------------------------------------------------------------------
# Executors: serial (tests, debugging) or a process pool (speed)
# ---------------------------------------------------------------------------


class Executor(Protocol):
    def map_unordered(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[tuple[T, R]]: ...


class SerialExecutor:
    def __init__(self, stop: threading.Event | None = None) -> None:
        self.stop = stop or threading.Event()

    def map_unordered(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[tuple[T, R]]:
        for item in items:
            if self.stop.is_set():
                return
            yield item, fn(item)


def _ignore_signals() -> None:
    # The parent decides when to stop; workers finish the card they hold.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    os.environ["OMP_THREAD_LIMIT"] = "1"


class PoolExecutor:
    """A process pool with a bounded number of files in flight (bounded memory)."""

    def __init__(self, jobs: int, stop: threading.Event | None = None) -> None:
        self.jobs = jobs
        self.stop = stop or threading.Event()

    def map_unordered(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[tuple[T, R]]:
        it = iter(items)
        with ProcessPoolExecutor(max_workers=self.jobs, initializer=_ignore_signals) as pool:
            pending: dict[Future, T] = {}
            while True:
                while not self.stop.is_set() and len(pending) < 2 * self.jobs:
                    try:
                        item = next(it)
                    except StopIteration:
                        break
                    pending[pool.submit(fn, item)] = item
                if not pending:
                    return
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    yield pending.pop(fut), fut.result()


def make_executor(jobs: int, stop: threading.Event | None = None) -> Executor:
    return SerialExecutor(stop) if jobs <= 1 else PoolExecutor(jobs, stop)


class _Reader:
    """A picklable callable: (path, sha) -> FileResult."""

    def __init__(self, opts: ReadOptions) -> None:
        self.opts = opts

    def __call__(self, job: tuple[Path, str]) -> FileResult:
        path, sha = job
        return read_file(path, self.opts, sha256=sha)


def extract_files(
    paths: Iterable[Path], opts: ReadOptions, *, jobs: int = 1, engine: OcrEngine | None = None
) -> Iterator[FileResult]:
    """Read files without touching any database, in the order given."""
    paths = list(paths)
    if engine is not None:
        for p in paths:
            yield read_file(p, opts, engine)
        return
    results: dict[int, FileResult] = {}
    index = {p: i for i, p in enumerate(paths)}
    nxt = 0
    for (path, _), res in make_executor(min(jobs, len(paths))).map_unordered(_Reader(opts), [(p, "") for p in paths]):
        results[index[path]] = res
        while nxt in results:
            yield results.pop(nxt)
            nxt += 1


# ---------------------------------------------------------------------------
# The inbox run (parent process)
# ---------------------------------------------------------------------------


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


def run(
    cfg: Config,
    *,
    clock: Clock,
    stop: threading.Event | None = None,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
    engine_check: Callable[[str], object] | None = None,
) -> RunSummary:
    """Process the inbox once: claim, read, store, archive, rewrite the exports."""
    started = time.perf_counter()
    stop = stop or threading.Event()
    summary = RunSummary()
    now = clock.now()
    with ingest.run_lock(cfg.state):
        ready, aside = ingest.scan_inbox(cfg.inbox, now=now, settle_seconds=cfg.settle_seconds)
        if dry_run:
            summary.dry_run = [f"would claim {i.rel}" for i in ready] + [f"would set aside {a.rel}: {a.reason}" for a in aside]
            return summary
        with service.open_db(cfg) as store:
            recovered = ingest.recover_claims(cfg.inbox)
            summary.imported, summary.import_problems = service.import_due_edits(store, cfg, clock)
            for a in aside:
                _set_aside_path(a, cfg, store, now)
                summary.set_aside += 1
                summary.failed.append((str(a.rel), a.reason))
            jobs: list[Job] = []
            seen: set[str] = set()
            for item in recovered + ready:
                if stop.is_set():
                    break
                if item.claim is None:
                    try:
                        item = ingest.claim(item, cfg.inbox, now=now)
                    except FileNotFoundError:
                        continue
                sha = ingest.sha256_file(item.path)
                status = store.file_status(sha)
                if status in ("done", "duplicate") or sha in seen:
                    _archive_duplicate(item, sha, cfg, store, now)
                    summary.duplicates += 1
                    summary.files += 1
                    continue
                seen.add(sha)
                jobs.append(Job(item, sha))
            if jobs:
                if engine_check is None:
                    from .ocr import check_engine as engine_check
                engine_check(cfg.lang)
            by_path = {j.item.path: j for j in jobs}
            reader = _Reader(ReadOptions.from_config(cfg))
            executor = make_executor(min(cfg.workers, len(jobs)), stop)
            done = 0
            try:
                for (path, _sha), result in executor.map_unordered(reader, [(j.item.path, j.sha256) for j in jobs]):
                    job = by_path.pop(path)
                    _store_result(job, result, cfg, store, clock, summary)
                    done += 1
                    if progress:
                        progress(done, len(jobs))
            finally:
                # files not read (stopped): back into the inbox for the next run
                for job in by_path.values():
                    ingest.unclaim(job.item, cfg.inbox)
                if by_path:
                    summary.interrupted = True
            if stop.is_set():
                summary.interrupted = True
            summary.due, summary.written = service.write_exports(store, cfg, clock)
    summary.seconds = time.perf_counter() - started
    return summary


def _store_result(job: Job, result: FileResult, cfg: Config, store, clock: Clock, summary: RunSummary) -> None:
    now = clock.now()
    name = str(job.item.rel)
    if not result.ok:
        reason = result.error or "unknown error"
        with store.transaction():
            store.add_file(job.sha256, name, status="failed", reason=reason, at=now)
        ingest.set_aside(job.item, cfg.failed_dir, reason)
        summary.failed.append((name, reason))
        log.warning("%s: failed: %s", name, reason)
        return
    collected = (
        result.captured.date() if result.captured else job.item.event_date or now.date()
    )
    with store.transaction():
        store.add_file(job.sha256, name, status="done", at=now)
        for card in result.cards:
            _card_id, contact_id = store.add_card(
                job.sha256, card, collected_on=collected, scanned_at=now, event=job.item.event, name=name
            )
            attached = len(store.cards_of(contact_id)) > 1
            summary.matched += attached
            summary.new_contacts += not attached
            log.info(
                "%s: card %d -> contact %d (%s) %r, %.1f s",
                name, card.card, contact_id, "matched" if attached else "new", card.record.name, result.seconds,
            )
    dest = ingest.move_into(job.item, cfg.archive_dir)
    with store.transaction():
        store.set_stored_as(job.sha256, str(dest))
    summary.files += 1
    summary.cards += len(result.cards)


def _archive_duplicate(item: ingest.InboxItem, sha: str, cfg: Config, store, now: dt.datetime) -> None:
    dest = ingest.move_into(item, cfg.archive_dir)
    log.info("%s: same bytes as a file already processed; archived as %s without OCR", item.rel, dest.name)


def _set_aside_path(a: ingest.SetAside, cfg: Config, store, now: dt.datetime) -> None:
    item = ingest.InboxItem(a.path, a.rel)
    ingest.set_aside(item, cfg.failed_dir, a.reason)
    log.warning("%s: set aside: %s", a.rel, a.reason)
