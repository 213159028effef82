"""The one module that owns the OCR engine (Tesseract through pytesseract).

It probes Tesseract once at start-up (`check_engine`) and names the package to
install when it is missing; every call has a timeout; a timeout is a soft
failure of that card (`OcrTimeout`), anything else becomes `OcrError ... from e`.

`OcrEngine` is the seam where another engine (or a fake one, in tests) plugs in:
anything with `read(image) -> OcrPage` and `orientation(image) -> int`.

A reading asks for OCR with `OcrRequest`s, and `serve` answers the requests of
many cards at once: an engine with `read_many` (Tesseract) reads every image of
one kind and language in one process, so the 60-100 ms Tesseract spends starting
and loading its models is paid once per batch instead of once per card.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

import numpy as np
import pytesseract
from PIL import Image

from ..errors import ConfigError, OcrError, OcrTimeout, TesseractNotFound
from ..models import OcrLine, OcrPage, OcrWord

log = logging.getLogger(__name__)

INSTALL_HINT = (
    "Tesseract is not installed or not on PATH: install it with "
    "'apt-get install tesseract-ocr' (Debian/Ubuntu), 'dnf install tesseract' (Fedora) "
    "or 'brew install tesseract' (macOS), or run 'make setup'."
)

# Sparse-text segmentation suits cards: short lines scattered over the card.
DEFAULT_PSM = 11


class OcrEngine(Protocol):
    name: str

    def read(self, image: np.ndarray, lang: str | None = None) -> OcrPage:
        """Words with boxes and confidences from one prepared (grayscale) card,
        in the engine's languages or those given."""
        ...

    def orientation(self, image: np.ndarray) -> int:
        """Clockwise degrees (0, 90, 180, 270) to rotate the image so text is upright."""
        ...


@dataclass(frozen=True, eq=False)
class OcrRequest:
    """One thing a reading needs from the engine: `page` (the words of a card),
    `line` (one printed line cut out of a card, read raw) or `orientation`."""

    image: np.ndarray
    lang: str | None = None
    kind: Literal["page", "line", "textline", "orientation"] = "page"


def serve(engine: OcrEngine, requests: Sequence[OcrRequest]) -> list[OcrPage | int | OcrError]:
    """The answer to each request, in order: an `OcrPage`, degrees for `orientation`,
    or the `OcrError` that request met (for its reading to handle; other errors, like a
    missing Tesseract, are raised).

    Requests of one kind and language go to the engine's `read_many` together when it
    has one; if that batch fails, each is asked alone, so a card that makes Tesseract
    fail or time out gets its own error and the others their pages.
    """
    answers: list[OcrPage | int | OcrError | None] = [None] * len(requests)
    groups: dict[tuple[str, str | None], list[int]] = {}
    for i, req in enumerate(requests):
        groups.setdefault((req.kind, req.lang), []).append(i)
    read_many = getattr(engine, "read_many", None)
    for (kind, lang), idx in groups.items():
        if read_many is not None and kind != "orientation" and len(idx) > 1:
            try:
                pages = read_many([requests[i].image for i in idx], lang=lang, kind=kind)
            except OcrError as e:
                log.debug("a batch of %d %s reads failed (%s); reading them one at a time", len(idx), kind, e)
            else:
                for i, page in zip(idx, pages, strict=True):
                    answers[i] = page
                continue
        for i in idx:
            answers[i] = _serve_one(engine, requests[i])
    return answers  # type: ignore[return-value]


def _serve_one(engine: OcrEngine, req: OcrRequest) -> OcrPage | int | OcrError:
    try:
        if req.kind == "orientation":
            return engine.orientation(req.image)
        if req.kind == "line":
            return getattr(engine, "read_line", engine.read)(req.image, lang=req.lang)
        if req.kind == "textline":
            return getattr(engine, "read_textline", engine.read)(req.image, lang=req.lang)
        return engine.read(req.image, lang=req.lang)
    except OcrError as e:
        return e


@dataclass(frozen=True)
class EngineInfo:
    name: str
    version: str
    languages: tuple[str, ...]


def check_engine(lang: str) -> EngineInfo:
    """Probe Tesseract and the languages asked for; raise with a fix when missing."""
    try:
        version = str(pytesseract.get_tesseract_version())
        available = tuple(pytesseract.get_languages(config=""))
    except (pytesseract.TesseractNotFoundError, OSError, SystemExit) as e:
        raise TesseractNotFound(INSTALL_HINT) from e
    missing = [code for code in lang.split("+") if code not in available]
    if missing:
        pkgs = " ".join(f"tesseract-ocr-{m.replace('_', '-')}" for m in missing)
        raise ConfigError(
            f"Tesseract has no data for language {', '.join(missing)}; install it with "
            f"'apt-get install {pkgs}' or change 'lang' (installed: {'+'.join(available) or 'none'})."
        )
    return EngineInfo("tesseract", version, available)


class TesseractEngine:
    """Tesseract through pytesseract, single-threaded, with a timeout on every call."""

    name = "tesseract"

    def __init__(self, lang: str = "eng", timeout: float = 60.0, psm: int = DEFAULT_PSM) -> None:
        self.lang = lang
        self.timeout = timeout
        self.psm = psm
        # Parallelism comes from one process per card; Tesseract's own threads only
        # fight over the same cores (OCRmyPDF does the same).
        os.environ["OMP_THREAD_LIMIT"] = "1"

    def _call(
        self, fn: Callable[..., object], image: np.ndarray | str, config: str, lang: str | None = None, **kw: object
    ) -> object:
        if isinstance(image, str):
            pil: Image.Image | str = image  # a file (read_many's list of images)
        else:
            pil = Image.fromarray(image)
            pil.format = "BMP"  # uncompressed hand-over: no PNG encoding per call
        try:
            return fn(pil, lang=lang or self.lang, config=config, timeout=self.timeout, **kw)
        except pytesseract.TesseractNotFoundError as e:
            raise TesseractNotFound(INSTALL_HINT) from e
        except RuntimeError as e:  # pytesseract raises RuntimeError on timeout, TesseractError is one too
            if "timeout" in str(e).lower():
                raise OcrTimeout(f"Tesseract took longer than {self.timeout:g} s (ocr_timeout).") from e
            raise OcrError(f"Tesseract failed: {_first_line(e)}") from e

    def _config(self, kind: str) -> str:
        # a line cut out of a card is read as a raw line (--psm 13); a line the text
        # detector found, flat and binarised, as one line of text (--psm 7)
        psm = {"line": 13, "textline": 7}.get(kind, self.psm)
        return f"--psm {psm} --dpi 300"

    def read(self, image: np.ndarray, lang: str | None = None) -> OcrPage:
        data = self._call(
            pytesseract.image_to_data,
            image,
            self._config("page"),
            lang=lang,
            output_type=pytesseract.Output.DICT,
        )
        assert isinstance(data, dict)
        return page_from_tsv(data, width=image.shape[1], height=image.shape[0])

    def read_line(self, image: np.ndarray, lang: str | None = None) -> OcrPage:
        """One printed line cut out of a card, read as a raw line (--psm 13), which keeps
        accents that the sparse-text read of the whole card drops (Hélène, not Helene)."""
        data = self._call(
            pytesseract.image_to_data, image, self._config("line"), lang=lang, output_type=pytesseract.Output.DICT
        )
        assert isinstance(data, dict)
        return page_from_tsv(data, width=image.shape[1], height=image.shape[0])

    def read_textline(self, image: np.ndarray, lang: str | None = None) -> OcrPage:
        """One line the text detector found, cut out flat and binarised (--psm 7)."""
        data = self._call(
            pytesseract.image_to_data, image, self._config("textline"), lang=lang,
            output_type=pytesseract.Output.DICT,
        )
        assert isinstance(data, dict)
        return page_from_tsv(data, width=image.shape[1], height=image.shape[0])

    def read_many(self, images: Sequence[np.ndarray], lang: str | None = None, kind: str = "page") -> list[OcrPage]:
        """Several images in one Tesseract process (its list-of-files input): the same
        words as one call per image, without starting Tesseract and loading its models
        for each. The images go over as uncompressed BMP files in a temporary folder."""
        with tempfile.TemporaryDirectory(prefix="cardpipe-ocr-") as tmp:
            names = []
            for i, image in enumerate(images):
                name = Path(tmp, f"{i}.bmp")
                Image.fromarray(image).save(name, format="BMP")
                names.append(str(name))
            listing = Path(tmp, "images.txt")
            listing.write_text("\n".join(names) + "\n")
            data = self._call(
                pytesseract.image_to_data, str(listing), self._config(kind), lang=lang,
                output_type=pytesseract.Output.DICT,
            )
        assert isinstance(data, dict)
        rows: list[dict[str, list]] = [{k: [] for k in data} for _ in images]
        for r, page_num in enumerate(data["page_num"]):
            if not 1 <= int(page_num) <= len(images):
                raise OcrError(f"Tesseract returned page {page_num} for {len(images)} images")
            for k, col in data.items():
                rows[int(page_num) - 1][k].append(col[r])
        return [
            page_from_tsv(d, width=image.shape[1], height=image.shape[0]) for d, image in zip(rows, images, strict=True)
        ]

    def orientation(self, image: np.ndarray) -> int:
        try:
            text = self._call(pytesseract.image_to_osd, image, "--psm 0 --dpi 300")
        except OcrTimeout:
            raise
        except OcrError:  # "Too few characters": OSD cannot tell; keep the image as it is
            return 0
        m = re.search(r"Rotate:\s*(\d+)", str(text))
        conf = re.search(r"Orientation confidence:\s*([\d.]+)", str(text))
        if not m or (conf and float(conf.group(1)) < 1.0):
            return 0
        return int(m.group(1)) % 360


def page_from_tsv(data: dict[str, list], *, width: int, height: int) -> OcrPage:
    """Group Tesseract's word rows (image_to_data) into lines, in reading order."""
    lines: dict[tuple[int, int, int], list[OcrWord]] = {}
    n = len(data.get("text", []))
    for i in range(n):
        text = str(data["text"][i]).strip()
        conf = float(data["conf"][i])
        if not text or conf < 0:
            continue
        key = (int(data["block_num"][i]), int(data["par_num"][i]), int(data["line_num"][i]))
        lines.setdefault(key, []).append(
            OcrWord(
                text=text,
                conf=conf,
                left=int(data["left"][i]),
                top=int(data["top"][i]),
                width=int(data["width"][i]),
                height=int(data["height"][i]),
            )
        )
    built = [OcrLine(tuple(sorted(ws, key=lambda w: w.left)), block=k[0], par=k[1]) for k, ws in lines.items()]
    built.sort(key=lambda ln: (ln.top, ln.left))
    return OcrPage(tuple(_merge_same_row(built)), width=width, height=height)


def _merge_same_row(lines: list[OcrLine]) -> list[OcrLine]:
    """Put fragments in reading order and join the pieces of one printed line.

    Sparse-text mode often cuts a printed line into several pieces. Pieces that
    share a row join when the gap between them is small for their font size;
    a wide gap keeps them apart (two columns, a contact bar). A piece shares a row
    when each one's middle is within the other's height: a small title right
    under a large name reaches into the name's box, but not to its middle.
    """
    rows: list[list[OcrLine]] = []
    bounds: list[tuple[int, int]] = []
    for line in sorted(lines, key=lambda ln: (ln.top, ln.left)):
        centre = (line.top + line.bottom) / 2
        for i, (top, bottom) in enumerate(bounds):
            if top <= centre <= bottom and line.top <= (top + bottom) / 2 <= line.bottom:
                rows[i].append(line)
                bounds[i] = (min(top, line.top), max(bottom, line.bottom))
                break
        else:
            rows.append([line])
            bounds.append((line.top, line.bottom))
    out: list[OcrLine] = []
    for row in sorted(rows, key=lambda r: min(ln.top for ln in r)):
        merged: list[OcrLine] = []
        for line in sorted(row, key=lambda ln: ln.left):
            if merged:
                prev = merged[-1]
                tall = max(prev.height, line.height, 1)
                if line.left - prev.right < 1.5 * tall:
                    merged[-1] = OcrLine(prev.words + line.words, block=prev.block, par=prev.par)
                    continue
            merged.append(line)
        out.extend(merged)
    return out


def _first_line(e: BaseException) -> str:
    msg = str(e).strip().splitlines()
    return msg[0] if msg else e.__class__.__name__


# The language that reads a card printed in a country best: with it first, Tesseract
# keeps the accents (Björn, Müller, Émilie) that English-only models drop.
COUNTRY_LANG = {
    "DE": "deu", "AT": "deu", "CH": "deu", "LI": "deu",
    "FR": "fra", "BE": "fra", "LU": "fra", "MC": "fra",
    "ES": "spa", "MX": "spa", "AR": "spa", "CO": "spa", "CL": "spa", "PE": "spa",
    "PT": "por", "BR": "por",
    "NL": "nld",
    "IT": "ita", "SM": "ita",
    "TR": "tur", "CY": "tur",
    "HR": "hrv", "BA": "hrv",
    "PL": "pol", "CZ": "ces", "RO": "ron", "MD": "ron", "HU": "hun",
    "SE": "swe", "DK": "dan",
}


def installed_languages() -> tuple[str, ...]:
    try:
        return tuple(pytesseract.get_languages(config=""))
    except (pytesseract.TesseractNotFoundError, OSError):
        return ()


ENGINES: dict[str, type] = {"tesseract": TesseractEngine}
