"""The data that flows between the stages of the pipeline.

    inbox file -> SourceImage(s) -> PreparedCard -> OcrPage -> ContactRecord
      -> CardResult -> store (dedupe, merge) -> follow-up list -> CSV / vCard

Every arrow is one of the frozen dataclasses below. They are small and
picklable, so a worker process can hand them back to the parent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

# --------------------------------------------------------------------------
# Ingest and image preparation
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceImage:
    """One decoded page or frame of an input file (BGR or grayscale, uint8)."""

    path: Path
    page: int  # 0-based page/frame within the file
    image: np.ndarray = field(repr=False, compare=False)
    dpi: float | None = None  # from the file's metadata, when it says


@dataclass(frozen=True)
class PreparedCard:
    """One card cut out of a source image, ready for OCR (grayscale uint8)."""

    source: Path
    index: int  # 0-based index of the card within the file, in reading order
    image: np.ndarray = field(repr=False, compare=False)
    page: int = 0
    steps: tuple[str, ...] = ()  # what preparation did, for logs and --debug-images
    color: np.ndarray | None = field(default=None, repr=False, compare=False)  # for QR codes
    # the 3x3 map of `image`'s pixel coordinates to the source page's (the crop, turns,
    # deskew and scale undone): where a field's words are on the file the user sees
    to_source: np.ndarray | None = field(default=None, repr=False, compare=False)
    # the card in plain grey, before the light was evened out (same geometry as `image`):
    # each text line is cut from it and its light and polarity set on its own
    plain: np.ndarray | None = field(default=None, repr=False, compare=False)

    def box_on_source(self, box: tuple[int, int, int, int]) -> tuple[int, int, int, int] | None:
        """A (left, top, right, bottom) box of `image` as the box around it on the source page."""
        if self.to_source is None:
            return None
        import numpy as np

        left, top, right, bottom = box
        pts = np.array([[left, top, 1], [right, top, 1], [right, bottom, 1], [left, bottom, 1]], dtype=np.float64)
        out = pts @ self.to_source.T
        xy = out[:, :2] / out[:, 2:3]
        return (
            int(np.floor(xy[:, 0].min())), int(np.floor(xy[:, 1].min())),
            int(np.ceil(xy[:, 0].max())), int(np.ceil(xy[:, 1].max())),
        )


# --------------------------------------------------------------------------
# OCR
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class OcrWord:
    text: str
    conf: float  # 0..100, as Tesseract reports it
    left: int
    top: int
    width: int
    height: int


@dataclass(frozen=True)
class OcrLine:
    words: tuple[OcrWord, ...]
    block: int = 0
    par: int = 0

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def conf(self) -> float:
        """Mean word confidence, 0..100."""
        if not self.words:
            return 0.0
        return sum(w.conf for w in self.words) / len(self.words)

    @property
    def left(self) -> int:
        return min((w.left for w in self.words), default=0)

    @property
    def top(self) -> int:
        return min((w.top for w in self.words), default=0)

    @property
    def right(self) -> int:
        return max((w.left + w.width for w in self.words), default=0)

    @property
    def bottom(self) -> int:
        return max((w.top + w.height for w in self.words), default=0)

    @property
    def height(self) -> int:
        """Median word height: a proxy for the font size of the line."""
        if not self.words:
            return 0
        hs = sorted(w.height for w in self.words)
        return hs[len(hs) // 2]


@dataclass(frozen=True)
class OcrPage:
    """What the OCR engine read from one prepared card."""

    lines: tuple[OcrLine, ...]
    width: int
    height: int
    engine: str = "tesseract"

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    @property
    def mean_conf(self) -> float:
        words = [w for line in self.lines for w in line.words]
        if not words:
            return 0.0
        return sum(w.conf for w in words) / len(words)

    @classmethod
    def from_text(cls, text: str, *, conf: float = 95.0) -> OcrPage:
        """A page built from plain text (one line per line), for tests and tools.

        Boxes are synthetic: every line 20 px high, words laid out left to right.
        """
        lines = []
        for i, raw in enumerate(text.splitlines()):
            words = []
            x = 10
            for token in raw.split():
                w = 12 * len(token)
                words.append(OcrWord(token, conf, x, 10 + 30 * i, w, 20))
                x += w + 12
            if words:
                lines.append(OcrLine(tuple(words), block=i))
        return cls(tuple(lines), width=1000, height=40 + 30 * len(lines))


# --------------------------------------------------------------------------
# Extraction and normalization
# --------------------------------------------------------------------------

PHONE_TYPES = ("work", "mobile", "fax", "other")


@dataclass(frozen=True)
class Phone:
    e164: str
    type: str  # one of PHONE_TYPES
    raw: str
    extension: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"e164": self.e164, "type": self.type, "raw": self.raw}


_PHONE_ORDER = {"mobile": 0, "work": 1, "other": 2, "home": 2, "fax": 3}


def ordered_phones(phones: Sequence[Phone]) -> list[Phone]:
    """Phones in the order every export lists them: mobile, work, other, fax (as read
    within a type). A phone's address book dials the first number, and never wants a fax."""
    return sorted(phones, key=lambda p: _PHONE_ORDER.get(p.type, 2))


def number_to_call(phones: Sequence[Phone]) -> Phone | None:
    """The number to call: the first mobile, else work, else other one; never a fax."""
    return next((p for p in ordered_phones(phones) if p.type != "fax"), None)


@dataclass(frozen=True)
class Address:
    text: str  # the whole address on one line, parts separated by ", "
    street: str | None = None
    city: str | None = None
    region: str | None = None
    postcode: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2 when known



@dataclass(frozen=True)
class ContactRecord:
    """The normalized contact read from one card."""

    name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    title: str | None = None
    company: str | None = None
    emails: tuple[str, ...] = ()
    phones: tuple[Phone, ...] = ()
    website: str | None = None
    address: Address | None = None
    social: tuple[tuple[str, str], ...] = ()  # (network, url or handle), e.g. ("linkedin", "https://...")
    confidence: tuple[tuple[str, float], ...] = ()  # field -> 0..1
    review: tuple[str, ...] = ()  # fields that look doubtful
    # numbers the card prints that are no valid phone number as read ('Tél. 04 53 14 3?'):
    # kept as printed, for a human to read off the card (the phones field is flagged)
    unverified_phones: tuple[str, ...] = ()
    # field -> the boxes (left, top, right, bottom) of the lines it was read from: on the
    # prepared card as the fields stage gives it, on the source image in a `CardResult`
    evidence: tuple[tuple[str, tuple[tuple[int, int, int, int], ...]], ...] = field(default=(), compare=False)

    @property
    def confidence_map(self) -> dict[str, float]:
        return dict(self.confidence)

    @property
    def social_map(self) -> dict[str, str]:
        return dict(self.social)

    def to_json(self) -> dict[str, Any]:
        """The record as the JSON of `cardpipe extract --json` shows it (minus source/card)."""
        return {
            "name": self.name,
            "title": self.title,
            "company": self.company,
            "emails": list(self.emails),
            "phones": [p.to_json() for p in self.phones],
            "website": self.website,
            "address": self.address.text if self.address else None,
            "confidence": {k: round(v, 3) for k, v in self.confidence},
            "review": list(self.review),
            "unverified_phones": list(self.unverified_phones),
            "evidence": {f: [list(b) for b in boxes] for f, boxes in self.evidence},
        }


# --------------------------------------------------------------------------
# Results handed from a worker to the parent
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class CardResult:
    """One card read from a file: what the store keeps for it."""

    source: str
    card: int
    record: ContactRecord
    ocr_text: str
    ocr_conf: float
    steps: tuple[str, ...] = ()


@dataclass(frozen=True)
class FileResult:
    """Everything read from one input file, or why it could not be read."""

    path: str
    sha256: str
    cards: tuple[CardResult, ...] = ()
    error: str | None = None  # the reason, when the file failed
    error_code: int | None = None
    seconds: float = 0.0
    captured: dt.datetime | None = None  # EXIF capture time, when the file has one

    @property
    def ok(self) -> bool:
        return self.error is None


# --------------------------------------------------------------------------
# What the store hands to follow-up and export
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Contact:
    """A person: the merged view of every card attached to them."""

    id: int
    record: ContactRecord  # merged fields (user edits win, newest card for job fields)
    card_ids: tuple[int, ...] = ()
    first_met: dt.date | None = None  # when the earliest card was collected
    event: str | None = None  # where they were met (inbox sub-folder), latest card
    notes: str | None = None  # the user's notes on the contact
    last_followup: dt.date | None = None
    followup_count: int = 0
    done: bool = False  # the user marked the contact as needing no more follow-up
    past_companies: tuple[str, ...] = ()
    card_dates: tuple[dt.date, ...] = ()  # when each card was collected, oldest first
    interval_days: int | None = None  # the user's own days between follow-ups (replaces the cadence)


@dataclass(frozen=True)
class DueItem:
    """One line of the due list."""

    contact_id: int
    name: str | None
    company: str | None
    email: str | None
    phone: str | None
    met_on: dt.date
    event: str | None
    due_on: dt.date
    days_overdue: int  # 0 = due today
    last_followup: dt.date | None
    step: int  # 0 = first follow-up, 1 = second...
    notes: str | None = None  # the user's notes on the contact
