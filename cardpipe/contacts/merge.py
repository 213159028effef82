"""Merging cards into one contact (the newest job wins, past companies kept) and the user's corrections applied on top."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import replace

from ..models import Address, ContactRecord, Phone
from .dedupe import company_key, same_company
from .names import fold, record_name

# --------------------------------------------------------------------------
# What a contact with several cards says
# --------------------------------------------------------------------------

JOB_FIELDS = ("title", "company", "website", "address")


PERSON_FIELDS = ("name", "given_name", "family_name")


def _same_job(a: ContactRecord, b: ContactRecord) -> bool:
    if not a.company or not b.company:
        return True
    return same_company(company_key(a.company), company_key(b.company))


def _name_quality(record: ContactRecord) -> tuple[bool, bool]:
    name = record_name(record)
    return ("name" not in record.review, name is not None and not name.initial_only and name.given is not None)


def merge_records(records: Iterable[ContactRecord], edits: dict[str, str] | None = None) -> ContactRecord:
    """One view of a contact from its cards, oldest first.

    The newest card wins for the job fields (title, company, website, address), which
    older cards fill in only when they are from the same company; the name is the newest
    one that is neither flagged as doubtful nor only an initial; phones and e-mails are the union,
    newest first; the user's edits win over all.
    """
    ordered = list(records)
    if not ordered:
        return ContactRecord()
    merged = ordered[-1]
    named = [(i, r) for i, r in enumerate(ordered) if r.name]
    if named:  # the newest name that is neither doubtful nor only an initial, else the newest
        _, best = max(named, key=lambda ir: (_name_quality(ir[1]), ir[0]))
        if best is not merged:
            merged = replace(
                merged, name=best.name, given_name=best.given_name, family_name=best.family_name,
                review=tuple(f for f in merged.review if f != "name" or "name" in best.review),
            )
    for older in reversed(ordered[:-1]):
        fields = PERSON_FIELDS + (JOB_FIELDS if _same_job(merged, older) else ())
        fill = {f: getattr(older, f) for f in fields if getattr(merged, f) is None and getattr(older, f) is not None}
        if fill:
            merged = replace(merged, **fill)
    emails: list[str] = []
    phones: list[Phone] = []
    seen_e: set[str] = set()
    seen_p: set[str] = set()
    for rec in reversed(ordered):
        for e in rec.emails:
            if e.lower() not in seen_e:
                seen_e.add(e.lower())
                emails.append(e)
        for p in rec.phones:
            if p.e164 not in seen_p:
                seen_p.add(p.e164)
                phones.append(p)
    # a contact's fields come from several cards: where each was read stays on its card
    merged = replace(merged, emails=tuple(emails), phones=tuple(phones), evidence=())
    return apply_edits(merged, edits or {})


def past_companies(records: Iterable[ContactRecord], current: str | None) -> tuple[str, ...]:
    """Companies of a contact's earlier cards other than the current one, oldest first,
    each once (legal forms and OCR slips ignored)."""
    seen = [company_key(current)] if current and fold(current) else []
    out: list[str] = []
    for rec in records:
        if not rec.company or not fold(rec.company):
            continue
        key = company_key(rec.company)
        if not any(same_company(key, s) for s in seen):
            seen.append(key)
            out.append(rec.company)
    return tuple(out)


EDITABLE = ("name", "given_name", "family_name", "title", "company", "website", "address", "emails", "phones")


# A phone as `cardpipe edit` stores it (corrections.py): E.164, RFC 3966 extension, type.
_EDITED_PHONE_RE = re.compile(r"(?P<e164>\+\d{4,15})(?:;ext=(?P<ext>\w+))?(?:\s+(?P<type>work|mobile|fax|other))?")


def edited_phone(text: str) -> Phone:
    """'+14155550134;ext=204 work' -> Phone; text in another form is kept as typed (type other)."""
    text = text.strip()
    m = _EDITED_PHONE_RE.fullmatch(text)
    if m is None:
        return Phone(e164=text, type="other", raw=text)
    return Phone(m["e164"], m["type"] or "work", text, m["ext"])


def edited_address(text: str) -> Address | None:
    """An address as `cardpipe edit` stores it: a JSON object of Address fields, or plain text."""
    text = text.strip()
    if text.startswith("{"):
        try:
            parts = json.loads(text)
            return Address(**{k: v for k, v in parts.items() if k in Address.__dataclass_fields__})
        except (ValueError, TypeError):
            pass
    return Address(text=text) if text else None


def apply_edits(record: ContactRecord, edits: dict[str, str]) -> ContactRecord:
    """Apply the user's corrections (field -> stored value, see corrections.py) to a record.

    An edited field leaves the review list and gets confidence 1 (an edited given or
    family name counts for the name).
    """
    changes: dict[str, object] = {}
    for name, value in edits.items():
        if name not in EDITABLE:
            continue
        value = value.strip()
        if name == "emails":
            changes[name] = tuple(v.strip() for v in value.split(",") if v.strip())
        elif name == "phones":
            changes[name] = tuple(edited_phone(v) for v in value.split(",") if v.strip())
        elif name == "address":
            changes[name] = edited_address(value)
        else:
            changes[name] = value or None
    edited = set(changes) | ({"name"} if {"given_name", "family_name"} & set(changes) else set())
    review = tuple(f for f in record.review if f not in edited)
    confidence = dict(record.confidence)
    confidence.update({f: 1.0 for f in edited if f not in PERSON_FIELDS[1:]})
    return replace(record, **changes, review=review, confidence=tuple(confidence.items()))
