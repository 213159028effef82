"""Deciding whether a new card belongs to a contact we already have, and what
a contact with several cards says.

Matching keys are the normalized forms that normalization produced: the
email (email-validator's normalized form, case-folded) and the E.164 phone.
Keys that many people share (info@, sales@, a fax line) do not identify a
person and are not used.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from .models import ContactRecord, Phone

# Role addresses are shared by a team: never evidence that two cards are one person.
ROLE_LOCALPARTS = frozenset(
    """info contact contacts hello hi office admin sales support service team mail enquiries
    inquiries enquiry inquiry reception post marketing press media help billing accounts
    accounting hr jobs careers general booking bookings orders noreply no-reply webmaster""".split()
)


@dataclass(frozen=True)
class Match:
    contact_id: int
    rule: str  # e.g. "email", "phone"
    detail: str  # the key that matched, for `cardpipe contacts show`


def is_role_email(email: str) -> bool:
    return email.split("@", 1)[0].lower() in ROLE_LOCALPARTS


def identity_keys(record: ContactRecord) -> list[tuple[str, str]]:
    """The (kind, value) keys that identify the person on this card."""
    keys = [("email", e.lower()) for e in record.emails if not is_role_email(e)]
    keys += [("phone", p.e164) for p in record.phones if p.type in ("mobile", "work", "other")]
    return keys


def find_match(record: ContactRecord, lookup: Callable[[str, str], Sequence[int]]) -> Match | None:
    """The contact this card belongs to, if a key matches exactly one contact.

    `lookup(kind, value)` returns the ids of contacts holding that key. A key
    held by several contacts is shared (an office switchboard) and decides nothing.
    """
    for kind, value in identity_keys(record):
        ids = sorted(set(lookup(kind, value)))
        if len(ids) == 1:
            return Match(ids[0], kind, value)
    return None


JOB_FIELDS = ("title", "company", "website", "address")
PERSON_FIELDS = ("name", "given_name", "family_name")


def merge_records(records: Iterable[ContactRecord], edits: dict[str, str] | None = None) -> ContactRecord:
    """One view of a contact from its cards, oldest first.

    The newest card wins for job fields (title, company, website, address) and the
    name; phones and emails are the union, newest first; the user's edits win over all.
    """
    ordered = list(records)
    if not ordered:
        return ContactRecord()
    merged = ordered[-1]
    for older in reversed(ordered[:-1]):
        fill = {
            f: getattr(older, f)
            for f in JOB_FIELDS + PERSON_FIELDS
            if getattr(merged, f) is None and getattr(older, f) is not None
        }
        if fill:
            merged = replace(merged, **fill)
    emails: list[str] = []
    phones: list[Phone] = []
    for rec in reversed(ordered):
        emails += [e for e in rec.emails if e.lower() not in {x.lower() for x in emails}]
        phones += [p for p in rec.phones if p.e164 not in {x.e164 for x in phones}]
    merged = replace(merged, emails=tuple(emails), phones=tuple(phones))
    return apply_edits(merged, edits or {})


EDITABLE = ("name", "given_name", "family_name", "title", "company", "website", "address", "emails", "phones")


def apply_edits(record: ContactRecord, edits: dict[str, str]) -> ContactRecord:
    """Apply the user's corrections (field -> value as typed) to a record."""
    from .models import Address

    changes: dict[str, object] = {}
    for field, value in edits.items():
        value = value.strip()
        if field in ("emails",):
            changes[field] = tuple(v.strip() for v in value.split(",") if v.strip())
        elif field == "phones":
            changes[field] = tuple(Phone(e164=v.strip(), type="other", raw=v.strip()) for v in value.split(",") if v.strip())
        elif field == "address":
            changes[field] = Address(text=value) if value else None
        else:
            changes[field] = value or None
    review = tuple(f for f in record.review if f not in edits)
    confidence = tuple((f, 1.0 if f in edits else c) for f, c in record.confidence)
    return replace(record, **changes, review=review, confidence=confidence)
