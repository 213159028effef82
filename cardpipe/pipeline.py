"""The pipeline: one file in, its cards out (`read_file`, run in workers).

    inbox file -> decode -> prepare -> OCR -> fields -> FileResult

The stages are imported where they are used, so a worker process pays for
OpenCV and Tesseract only when it reads. Many files at once: `batch.py`; the
inbox run that stores them: `inbox/run.py`.

Why this module is long: one file's reading is a chain of passes (detected lines, a
whole-card read when they are weak, a second language, the name's accents) that share
the OCR request plumbing (`_drive`) and must stay in step."""

from __future__ import annotations

import logging
import re
import time
import unicodedata
from collections.abc import Generator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from .config import Config
from .errors import CardpipeError, InputFileError, NoTextFound, OcrError, OcrTimeout
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
    from .fields.address import better_address
    from .fields.name import name_reread
    from .fields.record import read_contact
    from .image import decode, qr
    from .image import prepare as preprocess
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
            record = read_contact(
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
                record2 = read_contact(
                    page2, region=opts.region, review_threshold=opts.review_threshold, qr_texts=qr_texts
                )
                # and the address of that read when it is the same address, read better (Köln, not Kdéin)
                record = better_address(restore_accents(record, record2), record2)
            reread = opts.language_pass and name_reread(page, record)
            if reread and reread[1] in _installed_languages():
                # a name that may have lost its accents (Jose, Zoé read at low confidence):
                # its line only, again, as a raw line in a language that keeps them
                record = yield from _name_reading(record, best.image, *reread)
            cards.append(
                CardResult(
                    source=str(path),
                    card=card_no,
                    record=_on_source(record, best),
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
    from .image import decode
    from .image import prepare as preprocess

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
    from .fields.lexicon import PHONE_LABELS

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


def _on_source(record: ContactRecord, card: PreparedCard) -> ContactRecord:
    """The record with its evidence boxes on the source image instead of the prepared card
    (the lines of a back side stacked under the front are left out: another image)."""
    height, width = card.image.shape[:2]
    evidence = []
    for name, boxes in record.evidence:
        mapped = tuple(m for b in boxes if b[1] < height and (m := card.box_on_source(b)) is not None)
        if mapped:
            evidence.append((name, mapped))
    whole = card.box_on_source((0, 0, width, height))  # the card itself: a flatbed page holds several
    if evidence and whole is not None:
        evidence.append(("card", (whole,)))
    return replace(record, evidence=tuple(evidence))


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
    from .fields.name import take_name_accents
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
    return take_name_accents(record, line)


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
    from .image import prepare as preprocess
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
    from .image import prepare as preprocess
    from .ocr import OcrRequest, detect

    found = detect.detector()
    boxes = found.detect(card.image)
    for degrees in (90, 180):  # on its side: a quarter turn; then upside down: half a turn
        if boxes and (detect.runs_up(boxes) if degrees == 90 else found.upside_down(card.image, boxes)):
            h, w = card.image.shape[:2]
            card = preprocess.rotate(card, degrees)
            boxes = detect.reading_order([detect.turned(b, w, h, degrees) for b in boxes])
    src = card.plain if card.plain is not None else card.image
    lines = [ln for ln in (detect.cut_line(src, b) for b in boxes) if ln is not None]
    answers = (yield [OcrRequest(ln.image, kind="textline") for ln in lines]) if lines else []
    pages = [a if isinstance(a, OcrPage) else None for a in answers]
    # a second look at the e-mail and web lines, where one misread character costs the
    # field: larger and in black and white; the read with the higher confidence stays
    again = [n for n, p in enumerate(pages) if p is not None and _ADDRESS_RE.search(p.text)]
    alts = [detect.cut_line(src, lines[n].box, detect.SECOND_LOOK_HEIGHT, binary=True) for n in again]
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
    """Take from `other` the text fields that say the same as `record` but with accents
    (and a title `record` has none of).

    Only accents: a second read never replaces what the first one read otherwise, except
    for a letter the default read guessed where the card prints an accented one ('Miller'
    for 'Müller': the English model has no 'ü'; `fields.name.accents_only`).
    """
    from .fields.confidence import CONFIDENCE_FIELDS
    from .fields.name import accents_only

    changes: dict[str, object] = {}
    if record.title is None and other.title is not None:
        # a title only the card's own language reads ('Genel Müdür', which English reads
        # 'Genel Miidiir', no title word): taken, with the confidence that read gave it
        changes["title"] = other.title
        confidence = {**dict(record.confidence), "title": other.confidence_map.get("title", 0.0)}
        changes["confidence"] = tuple((f, confidence[f]) for f in CONFIDENCE_FIELDS if f in confidence)
        if "title" in other.review:
            changes["review"] = (*record.review, "title")
    for name in ("name", "given_name", "family_name", "title", "company"):
        a, b = getattr(record, name), getattr(other, name)
        # 'ii' for 'ü' only in names: 'Hawaii' or 'Skiing' in a company stays as read
        same = accents_only(a, b, umlaut_ii=name.endswith("name")) if a and b else False
        if a and b and a != b and (_fold(a) == _fold(b) or same) and not b.isascii():
            changes[name] = b
        elif a and b and name in ("title", "company") and len(a.split()) > 1:
            # word by word: 'asos celik kapi' and 'çelik kapı' (the logo not read in the
            # card's language, or read worse): 'asos çelik kapı' (a person's name only whole)
            words = [
                next((y for y in b.split() if y != x and (_fold(x) == _fold(y) or accents_only(x, y, umlaut_ii=False))), x)
                for x in a.split()
            ]
            if words != a.split():
                changes[name] = " ".join(words)
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
