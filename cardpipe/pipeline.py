"""The pipeline: one file in, its cards out (`read_file`, run in workers), and the
inbox run that stores them (`run`, in the parent: only the parent writes).

    inbox file -> decode -> prepare -> OCR -> extract/normalize -> FileResult
      (parent) -> store (dedupe) -> archive / failed -> exports
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import signal
import threading
import time
import unicodedata
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from . import claims, faults, ingest, owners, service
from .clock import Clock
from .config import Config
from .errors import CardpipeError, ConfigError, ExitCode, InputFileError, NoTextFound, OcrError, OcrTimeout
from .models import CardResult, ContactRecord, FileResult, OcrLine, OcrPage, OcrWord, PreparedCard

if TYPE_CHECKING:
    import numpy as np

    from .ocr import OcrEngine, OcrRequest

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
    language_pass: bool = True
    text_detector: bool = True

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
            language_pass=cfg.language_pass,
            text_detector=cfg.text_detector,
            **kw,  # type: ignore[arg-type]
        )

    def make_engine(self) -> OcrEngine:
        from .ocr import ENGINES

        return ENGINES[self.engine](lang=self.lang, timeout=self.ocr_timeout)


def read_file(
    path: Path,
    opts: ReadOptions,
    engine: OcrEngine | None = None,
    *,
    sha256: str = "",
    back: Path | None = None,
) -> FileResult:
    """Decode, prepare, OCR and extract every card in one file. Never raises for bad input:
    the reason goes into `FileResult.error`.

    `back` is the back side of a one-card file (`NAME-back.jpg` beside `NAME.jpg`): its
    text joins the front's, and the two make one card record.
    """
    return read_files([(path, sha256, back)], opts, engine)[0]


def read_files(
    jobs: Sequence[tuple[Path, str, Path | None]], opts: ReadOptions, engine: OcrEngine | None = None
) -> list[FileResult]:
    """`read_file` for each (path, sha256, back side) in `jobs`, read in step.

    Each file's reading is a generator that yields the OCR it needs (`OcrRequest`) and
    gets the answer back. All files advance to their next request, then the requests
    are served together (`ocr.serve`): one Tesseract process reads the first pass of
    every card of the batch, then the second-language passes, and so on. The words are
    the same as one call per image; the start-up is paid once per batch.
    """
    engine = engine or _worker_engine(opts)
    if opts.text_detector and not hasattr(engine, "read_textline"):
        opts = replace(opts, text_detector=False)  # an engine that reads pages only (a test's fake)
    return _drive([_reading(path, opts, sha256=sha, back=back) for path, sha, back in jobs], engine)


def _drive(readings: list[Reading[T]], engine: OcrEngine) -> list[T]:
    """Run readings in step to their ends: each advances to its next OCR request (or
    list of requests), the requests are served together, the answers sent back (an
    OcrError thrown in for a single request; in a list's answers, it stands in its place)."""
    from .ocr import serve

    results: dict[int, T] = {}
    waiting: dict[int, OcrRequest | list[OcrRequest]] = {}

    def advance(i: int, answer: object) -> None:
        try:
            if isinstance(answer, OcrError):
                waiting[i] = readings[i].throw(answer)
            else:
                waiting[i] = readings[i].send(answer)
        except StopIteration as done:
            results[i] = done.value

    for i in range(len(readings)):
        advance(i, None)
    while waiting:
        order = list(waiting)
        asked = [waiting.pop(i) for i in order]
        flat = [r for req in asked for r in (req if isinstance(req, list) else [req])]
        answers = iter(serve(engine, flat))
        for i, req in zip(order, asked, strict=True):
            advance(i, [next(answers) for _ in req] if isinstance(req, list) else next(answers))
    return [results[i] for i in range(len(readings))]


# What a reading yields (an OCR request, or a list of them), is sent (the answer: an
# OcrPage, or degrees for an orientation request; an OcrError is thrown in instead; a
# list of answers for a list) and returns.
Reading = Generator["OcrRequest", Any, T]


def _reading(path: Path, opts: ReadOptions, *, sha256: str = "", back: Path | None = None) -> Reading[FileResult]:
    from . import decode, normalize, preprocess, qr
    from .ocr import OcrRequest

    start = time.perf_counter()
    try:
        decoded = decode.load(path, max_bytes=opts.max_bytes, max_pixels=opts.max_pixels, max_pages=opts.max_pages)
        captured = decoded.captured
        # QR codes first, from the card in colour and full size; then only the grayscale card
        # for OCR is kept, so that a batch of files holds a few MB per card while it waits
        prepared_cards = [
            (replace(card, color=None), qr.decode_qr(card.color if card.color is not None else card.image))
            for src in decoded.images
            for card in preprocess.prepare(src)
        ]
        del decoded
        back_page = (yield from _back_reading(back, opts)) if back is not None else None
        cards: list[CardResult] = []
        for prepared, qr_texts in prepared_cards:
            card_no = len(cards)
            if opts.debug_dir is not None:  # before OCR: a card that hangs or fails can be looked at
                _write_debug(opts.debug_dir, path, card_no, prepared)
            best, page, lines = yield from _card_lines_reading(prepared, opts.text_detector)
            if opts.debug_dir is not None and best is not prepared:
                _write_debug(opts.debug_dir, path, card_no, best)  # as it was read: turned
            if back_page is not None and card_no == 0:
                page = stack_pages(page, back_page)
            if not _has_text(page):
                continue
            record = normalize.read_contact(
                page, region=opts.region, review_threshold=opts.review_threshold, qr_texts=qr_texts
            )
            lang2 = opts.language_pass and second_language(record, opts.lang, installed=_installed_languages())
            if lang2:
                # a card printed in another country: read it again in that language,
                # which keeps the accents the default languages drop (Björn, not Bjorn)
                if lines is not None:
                    page2 = yield from _lines_again(lines, lang2, width=best.image.shape[1], height=best.image.shape[0])
                    if back_page is not None and card_no == 0:
                        page2 = stack_pages(page2, back_page)
                else:
                    wordy, plain = _wordy_lines(best.image, page)
                    page2 = yield OcrRequest(_scaled(wordy, SECOND_READ_SCALE), lang=lang2)
                    page2 = _with_lines(page2, plain, SECOND_READ_SCALE)
                record2 = normalize.read_contact(
                    page2, region=opts.region, review_threshold=opts.review_threshold, qr_texts=qr_texts
                )
                # and the address of that read when it is the same address, read better (Köln, not Kdéin)
                record = normalize.better_address(restore_accents(record, record2), record2)
            reread = opts.language_pass and normalize.name_reread(page, record)
            if reread and reread[1] in _installed_languages():
                # a name that may have lost its accents (Jose, Zoé read at low confidence):
                # its line only, again, as a raw line in a language that keeps them
                record = yield from _name_reading(record, best.image, *reread)
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
        return FileResult(str(path), sha256, tuple(cards), seconds=time.perf_counter() - start, captured=captured)
    except InputFileError as e:
        return FileResult(str(path), sha256, error=str(e), error_code=int(e.exit_code), seconds=time.perf_counter() - start)
    except CardpipeError:
        raise
    except MemoryError:
        return FileResult(str(path), sha256, error="the image is too large to process in memory", error_code=1)


def _back_reading(back: Path, opts: ReadOptions) -> Reading[OcrPage]:
    """The text of a card's back side (its first card only)."""
    from . import decode, preprocess

    try:
        decoded = decode.load(back, max_bytes=opts.max_bytes, max_pixels=opts.max_pixels, max_pages=1)
    except InputFileError as e:
        raise type(e)(f"its back side {back.name} cannot be read: {e}") from e
    first = [replace(card, color=None) for src in decoded.images for card in preprocess.prepare(src)][:1]
    del decoded  # the full-size page, as for the front
    if not first:
        return OcrPage((), 0, 0)
    if opts.debug_dir is not None:
        _write_debug(opts.debug_dir, back, 0, first[0])
    best, page, _ = yield from _card_lines_reading(first[0], opts.text_detector)
    if opts.debug_dir is not None and best is not first[0]:
        _write_debug(opts.debug_dir, back, 0, best)
    return page


# The second-language read only restores accents and re-reads the address, and does
# that as well at 0.6 of the size (no change on the sample set's fields) for about a
# third of the OCR time.
SECOND_READ_SCALE = 0.6


_ADDRESS_RE = re.compile(r"\S@\S+\.\w|www\.|://", re.IGNORECASE)  # an e-mail or web address


def _wordy_lines(image: np.ndarray, page: OcrPage) -> tuple[np.ndarray, list[OcrLine]]:
    """The card with its e-mail, web and phone lines painted white, and those lines.

    The second-language read is for the words that can carry accents (names, titles,
    companies, addresses), and Tesseract's time goes by the lines it reads: the other
    lines are taken from the first read instead (`_with_lines`)."""
    out, plain = None, []
    for line in page.lines:
        if not _is_wordy(line.text):
            if out is None:
                out = image.copy()
            pad = max(2, line.height // 4)
            out[max(0, line.top - pad) : line.bottom + pad, max(0, line.left - pad) : line.right + pad] = 255
            plain.append(line)
    return (image if out is None else out), plain


def _is_wordy(text: str) -> bool:
    """A line with words that can carry accents: not an e-mail, web or phone line."""
    from .extract.lexicon import PHONE_LABELS

    words = [w.strip(".:;,()").lower() for w in text.split()]
    wordy = [w for w in words if sum(c.isalpha() for c in w) >= 2 and w not in PHONE_LABELS]
    return bool(wordy) and not _ADDRESS_RE.search(text)


def _with_lines(page: OcrPage, lines: list[OcrLine], scale: float) -> OcrPage:
    """`page` (read at `scale`) with `lines` of the full-size read added, in reading order."""
    if not lines:
        return page

    def scaled(line: OcrLine) -> OcrLine:
        words = tuple(
            OcrWord(w.text, w.conf, round(w.left * scale), round(w.top * scale),
                    max(1, round(w.width * scale)), max(1, round(w.height * scale)))
            for w in line.words
        )
        return OcrLine(words, block=line.block, par=line.par)

    merged = sorted([*page.lines, *map(scaled, lines)], key=lambda ln: (ln.top, ln.left))
    return OcrPage(tuple(merged), width=page.width, height=page.height, engine=page.engine)


def _scaled(image, factor: float):
    import cv2

    return cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)


def stack_pages(front: OcrPage, back: OcrPage) -> OcrPage:
    """One page with the back's lines below the front's, so layout rules still see the
    front first (name, title) and the back's lines as later ones."""
    gap = max(front.height // 10, 20)

    def shifted(line: OcrLine) -> OcrLine:
        words = tuple(
            OcrWord(w.text, w.conf, w.left, w.top + front.height + gap, w.width, w.height) for w in line.words
        )
        return OcrLine(words, block=line.block + 10_000, par=line.par)

    return OcrPage(
        front.lines + tuple(shifted(ln) for ln in back.lines),
        width=max(front.width, back.width),
        height=front.height + gap + back.height,
        engine=front.engine,
    )


def _name_reading(
    record: ContactRecord, image: np.ndarray, box: tuple[int, int, int, int], lang: str
) -> Reading[ContactRecord]:
    """The record with the accents a raw-line read of the name's box finds; unchanged when
    the box is not on this image or the read fails (it is only a second opinion)."""
    from . import normalize
    from .ocr import OcrRequest

    x0, y0, x1, y1 = box
    h, w = image.shape[:2]
    if not (0 <= x0 < x1 <= w + 50 and 0 <= y0 < y1 <= h + 50):
        return record  # e.g. a name on the back side of the card
    try:
        line = yield OcrRequest(image[y0:y1, x0:x1], lang=lang, kind="line")
    except OcrError as e:
        log.debug("re-reading the name failed: %s", e)
        return record
    return normalize.take_name_accents(record, line)


def read_card(card: PreparedCard, engine: OcrEngine) -> tuple[PreparedCard, OcrPage]:
    """OCR a prepared card: its detected lines when the engine reads lines, else (or when
    that reads little) the whole card; only a weak read pays for orientation detection
    and a second pass on an alternative preparation."""
    best, page, _ = _drive([_card_lines_reading(card, hasattr(engine, "read_textline"))], engine)[0]
    return best, page


def _card_lines_reading(card: PreparedCard, detector: bool = True) -> Reading[tuple[PreparedCard, OcrPage, Any]]:
    """The text lines the detector finds, each read by Tesseract; a card where that
    reads little is also read whole by Tesseract once, and the better reading wins. A
    card where the detector finds no line at all gets the whole-card reading of old
    (turned as Tesseract's OSD says, then an alternative preparation). The detector's
    lines come back too when their reading won (for a second read of some of them).

    Only the detector's lines are read more than once: a whole-card read of a large,
    noisy photo (a logo on a textured back side) can take Tesseract a minute, and the
    alternatives add little where the detector has found the text already."""
    if not detector:
        best = yield from _whole_reading(card, None)
        return (*best, None)
    card, page, lines = yield from _detected_reading(card)
    if not is_weak(page):
        return card, page, lines
    if not lines.lines:
        best = yield from _whole_reading(card, page)
        return (*best, None)
    from .ocr import OcrRequest

    try:
        whole = yield OcrRequest(card.image)
    except OcrError as e:  # the detector's reading stands: a second opinion failed
        log.debug("the whole-card read failed: %s", e)
        return card, page, lines
    best = _better((card, page), (card, whole))
    return (*best, lines if best[1] is page else None)


def _whole_reading(card: PreparedCard, page: OcrPage | None) -> Reading[tuple[PreparedCard, OcrPage]]:
    """Tesseract's own reading of the whole card, better than `page` (if any); a weak read
    pays for orientation detection and a read of an alternative preparation."""
    from . import preprocess
    from .ocr import OcrRequest

    whole = yield OcrRequest(card.image)
    best = (card, whole) if page is None else _better((card, page), (card, whole))
    if not is_weak(best[1]):
        return best
    try:
        degrees = yield OcrRequest(card.image, kind="orientation")
    except OcrTimeout:
        degrees = 0
    if degrees:
        turned = preprocess.rotate(card, degrees)
        best = _better(best, (turned, (yield OcrRequest(turned.image))))
        if not is_weak(best[1]):
            return best
    for alt in preprocess.alternatives(best[0]):
        best = _better(best, (alt, (yield OcrRequest(alt.image))))
        if not is_weak(best[1]):
            break
    return best


def _detected_reading(card: PreparedCard) -> Reading[tuple[PreparedCard, OcrPage, object]]:
    """The card (turned when its lines run up the image or read upside down) and its
    text, line by line: the detector's lines, each cut out flat and read by Tesseract
    as one line; and those lines with their reads (`detect.LineReading`)."""
    from . import preprocess
    from .ocr import OcrRequest, detect

    found = detect.detector()
    boxes = found.detect(card.image)
    for degrees in (90, 180):  # on its side: a quarter turn; then upside down: half a turn
        if boxes and (detect.runs_up(boxes) if degrees == 90 else found.upside_down(card.image, boxes)):
            h, w = card.image.shape[:2]
            card = preprocess.rotate(card, degrees)
            boxes = detect.reading_order([detect.turned(b, w, h, degrees) for b in boxes])
    lines = [ln for ln in (detect.cut_line(card.image, b) for b in boxes) if ln is not None]
    answers = (yield [OcrRequest(ln.image, kind="textline") for ln in lines]) if lines else []
    pages = [a if isinstance(a, OcrPage) else None for a in answers]
    # a second look at the e-mail and web lines, where one misread character costs the
    # field: larger and in black and white; the read with the higher confidence stays
    again = [n for n, p in enumerate(pages) if p is not None and _ADDRESS_RE.search(p.text)]
    alts = [detect.cut_line(card.image, lines[n].box, detect.SECOND_LOOK_HEIGHT, binary=True) for n in again]
    todo = [(n, alt) for n, alt in zip(again, alts, strict=True) if alt is not None]
    if todo:
        second = yield [OcrRequest(alt.image, kind="textline") for _, alt in todo]
        for (n, alt), answer in zip(todo, second, strict=True):
            if isinstance(answer, OcrPage) and answer.mean_conf > pages[n].mean_conf:
                lines[n], pages[n] = alt, answer
    reading = detect.LineReading(lines, pages)
    return card, reading.page(width=card.image.shape[1], height=card.image.shape[0]), reading


def _lines_again(reading, lang: str, *, width: int, height: int) -> Reading[OcrPage]:
    """The card's page with its wordy lines (those that can carry accents: not e-mail,
    web or phone lines) read again in `lang`, from the same line images."""
    from .ocr import OcrRequest, detect

    again = [n for n, p in enumerate(reading.pages) if p is not None and _is_wordy(p.text)]
    pages = list(reading.pages)
    if again:
        answers = yield [OcrRequest(reading.lines[n].image, lang=lang, kind="textline") for n in again]
        for n, answer in zip(again, answers, strict=True):
            if isinstance(answer, OcrPage):
                pages[n] = answer
    return detect.LineReading(reading.lines, pages).page(width=width, height=height)


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
    return extra


def _fold(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)).casefold()


def restore_accents(record: ContactRecord, other: ContactRecord) -> ContactRecord:
    """Take from `other` the text fields that say the same as `record` but with accents.

    Only accents: a second read never replaces what the first one read otherwise, except
    for a letter the default read guessed where the card prints an accented one ('Miller'
    for 'Müller': the English model has no 'ü'; `normalize.accents_only`).
    """
    from .normalize import accents_only

    changes: dict[str, object] = {}
    for name in ("name", "given_name", "family_name", "title", "company"):
        a, b = getattr(record, name), getattr(other, name)
        # 'ii' for 'ü' only in names: 'Hawaii' or 'Skiing' in a company stays as read
        same = accents_only(a, b, umlaut_ii=name.endswith("name")) if a and b else False
        if a and b and a != b and (_fold(a) == _fold(b) or same) and not b.isascii():
            changes[name] = b
    if record.address and other.address and record.address != other.address:
        a_text, b_text = record.address.text, other.address.text
        if _fold(a_text) == _fold(b_text) and not b_text.isascii():
            changes["address"] = other.address
    return replace(record, **changes) if changes else record


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
    _one_core()
    _die_with_parent()


def _one_core() -> None:
    """A reading process uses one core: parallelism comes from the number of processes
    (--jobs), and OpenCV's or Tesseract's own threads only fight over the same cores.
    Called in each worker, and in the parent when it reads itself (--jobs 1)."""
    os.environ["OMP_THREAD_LIMIT"] = "1"
    import cv2

    cv2.setNumThreads(1)


def _die_with_parent() -> None:
    """A worker must not outlive a parent killed with SIGKILL: it would sit on the pool's
    queue forever. Linux only (prctl PR_SET_PDEATHSIG); elsewhere a no-op."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


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
                # one task per worker, and one waiting for whichever finishes first
                while not self.stop.is_set() and len(pending) < self.jobs + 1:
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
    """A picklable callable: a batch of (path, sha[, back side path]) -> their FileResults."""

    def __init__(self, opts: ReadOptions) -> None:
        self.opts = opts

    def __call__(self, batch: Sequence[tuple]) -> list[FileResult]:
        jobs = [(*job, None)[:3] for job in batch]
        for path, *_ in jobs:
            faults.point(f"reading {path.name}")  # testing hook: a reader process that dies on this file
        return read_files(jobs, self.opts)


# Files read together by one worker (`read_files`): the more, the less Tesseract
# start-up per card, and the more second-language reads share a process (the cards
# of one country), but the more memory (the prepared grayscale cards, 1-3 MB each)
# and the more files to finish when a run is stopped. 8 -> 16 takes Tesseract from
# 0.60 to 0.46 processes per file on the sample mix.
MAX_BATCH = 16
MIN_BATCH = 4  # the smallest batch, but for the last files


def batches(items: Sequence[T], workers: int, most: int = MAX_BATCH, least: int = MIN_BATCH) -> Iterator[list[T]]:
    """`items` in consecutive batches of at most `most`, smaller towards the end (half
    of each worker's share of what is left, down to `least`), so that no worker is left
    alone with a big last batch while the others are idle, nor reads its last files one
    Tesseract process each. One worker waits for no one: full batches."""
    i = 0
    while i < len(items):
        left = len(items) - i
        floor = min(least, most, -(-left // workers))  # never so big that a worker gets nothing
        size = most if workers <= 1 else max(floor, min(most, -(-left // (2 * workers))))
        yield list(items[i : i + size])
        i += size


def extract_files(
    paths: Iterable[Path], opts: ReadOptions, *, jobs: int = 1, engine: OcrEngine | None = None
) -> Iterator[FileResult]:
    """Read files without touching any database, in the order given; a `NAME-back`
    file given with its front is read with it, as one card."""
    paths = list(paths)
    pairs = ingest.pair_sides([PurePosixPath(p.as_posix()) for p in paths])
    back_of = {paths[f]: paths[b] for b, f in pairs.items()}
    paths = [p for i, p in enumerate(paths) if i not in pairs]
    if engine is not None:
        for p in paths:
            yield read_file(p, opts, engine, back=back_of.get(p))
        return
    results: dict[int, FileResult] = {}
    index = {p: i for i, p in enumerate(paths)}
    nxt = 0
    workers = min(jobs, len(paths))
    if workers == 1:
        _one_core()
    todo = batches([(p, "", back_of.get(p)) for p in paths], workers)
    for batch, res in make_executor(workers).map_unordered(_Reader(opts), todo):
        for (path, *_), result in zip(batch, res, strict=True):
            results[index[path]] = result
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
) -> RunSummary:
    """Process the inbox once: claim, read, store, archive, rewrite the exports.

    Nothing is lost or done twice, whatever happens: one run at a time (the lock);
    a file moves to the archive only after its transaction commits; a file not
    finished (stop, error) goes back to the inbox; a run that was killed leaves
    claims that the next run recovers (a committed file is then just archived).
    `stop` (SIGTERM) lets the files being read finish and be stored, then ends.
    """
    started = time.perf_counter()
    stop = stop or threading.Event()
    summary = RunSummary()
    if dry_run:
        summary.dry_run = plan(cfg)
        return summary
    now = clock.now()
    with claims.run_guard(cfg):  # one run at a time on a SQLite file; any number on a server
        ready, aside = ingest.scan_inbox(cfg.inbox, settle_seconds=cfg.settle_seconds)
        with service.open_db(cfg) as store, claims.claims_for(cfg, store, per_pass=_per_pass(cfg)) as claimer:
            store.check_writable()  # a database held by another program: exit 75, nothing touched
            if ready or aside or ingest.processing_dir(cfg.inbox).is_dir():
                ingest.check_writable(cfg.archive_dir)  # a read-only archive: exit 73, nothing touched
                ingest.check_writable(cfg.failed_dir)
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
                items, _ = ingest.scan_inbox(cfg.inbox, settle_seconds=cfg.settle_seconds)
            summary.due, summary.written = service.write_exports(store, cfg, clock)
            summary.written += owners.write_due_files(store, cfg, clock)
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
                from .ocr import check_engine as engine_check
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
        row = store.db.execute("SELECT name, reason FROM files WHERE sha256 = ?", (job.sha256,)).fetchone()
        reason = f"same bytes as {ingest.display_name(row[0])}, which failed: {row[1]}"
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
                    owner=placed.owner,
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
    from .store import read_only_hashes

    ready, aside = ingest.scan_inbox(cfg.inbox, settle_seconds=cfg.settle_seconds)
    lines: list[str] = []
    pdir = ingest.processing_dir(cfg.inbox)
    claims = sorted(pdir.glob("*" + ingest.CLAIM_SUFFIX)) if pdir.is_dir() else []
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
        lines.append(f"would write the database {ingest.display_name(cfg.db)} and {out}/contacts.csv, {out}/due.csv")
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
        raise ConfigError(f"the inbox {cfg.inbox} does not exist; create it or set 'inbox' (--inbox).")
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
