"""What extraction proposes: candidates for every field, each with its evidence."""

from __future__ import annotations

from dataclasses import dataclass

from ..models import OcrWord


@dataclass(frozen=True)
class Box:
    left: int
    top: int
    right: int
    bottom: int

    def x_overlap(self, other: Box) -> int:
        return min(self.right, other.right) - max(self.left, other.left)


@dataclass(frozen=True)
class Evidence:
    """Why a candidate was proposed."""

    line: int  # index of the OcrLine in page.lines
    box: Box
    conf: float  # mean OCR word confidence of the text used, 0..100
    rule: str  # the rule that fired, e.g. "phone:matcher", "address:us-zip"
    label: str | None = None  # the label printed next to the value ("Tel", "Fax", "E-mail"...)


@dataclass(frozen=True)
class Segment:
    """A piece of a line between separators: one column cell or one contact-bar item."""

    index: int  # position in Candidates.segments (reading order)
    line: int  # index of the OcrLine it comes from
    text: str
    words: tuple[OcrWord, ...]
    box: Box
    conf: float  # mean word confidence, 0..100
    height: int  # median word height (font size proxy)


@dataclass(frozen=True)
class EmailCandidate:
    value: str  # after OCR repairs, not yet validated
    raw: str  # as read
    repairs: tuple[str, ...]  # which repairs were applied ("at-sign", "comma-dot", "spaces"...)
    evidence: Evidence


@dataclass(frozen=True)
class UrlCandidate:
    value: str  # host (lowercased) + path, no scheme, no trailing slash
    raw: str
    network: str | None  # "linkedin", "twitter", "instagram" or None for a website
    evidence: Evidence


@dataclass(frozen=True)
class PhoneCandidate:
    raw: str  # as printed (after label-guided digit repairs)
    e164: str
    type: str  # work / mobile / fax / other
    extension: str | None
    valid: bool  # phonenumbers.is_valid_number
    region: str  # region used to read a number printed without `+`
    type_source: str  # "label", "number-type" or "default"
    evidence: Evidence
    span: tuple[int, int] = (0, 0)  # where the number is in the segment's text


@dataclass(frozen=True)
class AddressCandidate:
    lines: tuple[str, ...]  # the address lines as printed (labels stripped)
    street: str | None
    city: str | None
    region: str | None
    postcode: str | None
    country: str | None  # ISO 3166-1 alpha-2
    fit: float  # 0..1, how completely the address parsed
    segments: tuple[int, ...]  # Segment.index of each line used
    evidence: Evidence


@dataclass(frozen=True)
class TextCandidate:
    """A free-text segment (no e-mail, phone, URL or address) scored for each role."""

    text: str  # label-stripped text
    segment: int  # Segment.index
    name_score: float  # 0..1
    title_score: float
    company_score: float
    features: tuple[str, ...]  # e.g. ("person-shape", "email-local-match", "title-lexicon")
    evidence: Evidence


@dataclass(frozen=True)
class Candidates:
    """Everything extraction proposes for one card."""

    segments: tuple[Segment, ...]
    emails: tuple[EmailCandidate, ...]
    urls: tuple[UrlCandidate, ...]
    phones: tuple[PhoneCandidate, ...]
    addresses: tuple[AddressCandidate, ...]
    texts: tuple[TextCandidate, ...]
    region: str  # the region used for numbers printed without `+`
    region_source: str  # "address", "tld", "phone-prefix" or "default"
    median_height: float
    unread: tuple[str, ...] = ()  # fields printed on the card that gave no value ("phones": a label and digits)
    unread_phones: tuple[str, ...] = ()  # those numbers as printed ('Tél. 04 53 14 3?' -> '04 53 14 3')
