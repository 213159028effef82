"""Exports: the files a run writes and `cardpipe export` prints.

    spreadsheet.py  contacts.csv, due.csv, Google and Outlook CSV (cells safe in spreadsheets)
    vcard.py        vCard 3.0 / 4.0 for phones' and mail programs' address books
    this module     JSON, the format registry (`FORMATS`, `render`) and atomic writes

due.ics (the calendar of follow-ups) is written by `followup/ics.py`."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from ..errors import OutputError, UsageError
from ..models import Contact, DueItem
from .spreadsheet import (
    CONTACT_COLUMNS,
    GOOGLE_HEAD,
    OUTLOOK_COLUMNS,
    PhoneText,
    _iso,
    cell,
    contacts_csv,
    due_csv,
    google_csv,
    ordered_phones,
    outlook_csv,
    phone_text,
    safe_cell,
)
from .vcard import vcard

__all__ = [
    "CONTACT_COLUMNS",
    "FORMATS",
    "GOOGLE_HEAD",
    "OUTLOOK_COLUMNS",
    "ExportOptions",
    "PhoneText",
    "atomic_writer",
    "cell",
    "contacts_csv",
    "due_csv",
    "google_csv",
    "outlook_csv",
    "phone_text",
    "render",
    "safe_cell",
    "vcard",
    "write_text",
]

# ---------------------------------------------------------------------------
# JSON
# ---------------------------------------------------------------------------


def contact_json(c: Contact, next_due: DueItem | None = None) -> dict[str, object]:
    r = c.record
    a = r.address
    return {
        "id": c.id,
        "name": r.name,
        "given_name": r.given_name,
        "family_name": r.family_name,
        "title": r.title,
        "company": r.company,
        "emails": list(r.emails),
        "phones": [
            {"e164": p.e164, "type": p.type, "text": phone_text(p.e164), "extension": p.extension}
            for p in ordered_phones(r.phones)
        ],
        "website": r.website,
        "address": (
            {"text": a.text, "street": a.street, "city": a.city, "region": a.region, "postcode": a.postcode, "country": a.country}
            if a
            else None
        ),
        "social": dict(r.social),
        "event": c.event,
        "first_met": _iso(c.first_met),
        "last_followup": _iso(c.last_followup),
        "followups": c.followup_count,
        "next_followup": _iso(next_due.due_on) if next_due and not c.done else None,
        "done": c.done,
        "notes": c.notes,
        "past_companies": list(c.past_companies),
        "review": list(r.review),
        "card_ids": list(c.card_ids),
    }


def contacts_json(contacts: Iterable[Contact], schedule: Mapping[int, DueItem] | None = None) -> str:
    """An array of contact objects (UTF-8, no BOM as RFC 8259 asks); field names as `contact_json`."""
    schedule = schedule or {}
    items = [contact_json(c, schedule.get(c.id)) for c in contacts]
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"


# ---------------------------------------------------------------------------
# The formats, by name
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportOptions:
    schedule: Mapping[int, DueItem] = field(default_factory=dict)  # contact id -> next follow-up
    vcard_version: str = "3.0"


@dataclass(frozen=True)
class Format:
    name: str
    filename: str  # in the output folder
    encoding: str  # "utf-8-sig" writes the BOM
    render: Callable[[Sequence[Contact], ExportOptions], str]


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("csv", "contacts.csv", "utf-8-sig", lambda cs, o: contacts_csv(cs, o.schedule)),
        Format("google", "contacts-google.csv", "utf-8", lambda cs, o: google_csv(cs)),
        Format("outlook", "contacts-outlook.csv", "utf-8-sig", lambda cs, o: outlook_csv(cs)),
        Format("vcard", "contacts.vcf", "utf-8", lambda cs, o: vcard(cs, o.vcard_version)),
        Format("json", "contacts.json", "utf-8", lambda cs, o: contacts_json(cs, o.schedule)),
    )
}


def get_format(name: str) -> Format:
    try:
        return FORMATS[name]
    except KeyError:
        raise UsageError(f"unknown export format {name!r}; choose from {', '.join(FORMATS)}.") from None


def render(name: str, contacts: Sequence[Contact], options: ExportOptions | None = None) -> str:
    """The contacts in format `name` (a key of FORMATS), as text."""
    return get_format(name).render(contacts, options or ExportOptions())


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------


@contextmanager
def atomic_writer(path: Path, *, encoding: str = "utf-8-sig") -> Iterator[IO[str]]:
    """Write to a temporary file beside `path`, fsync, rename into place."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as e:
        raise OutputError(f"cannot write {path}: {e.strerror}; check the folder exists and is writable.") from e
    try:
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "w", encoding=encoding, newline="") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(e, OSError):
            raise OutputError(f"cannot write {path}: {e.strerror}.") from e
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (best effort: not every filesystem allows it)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text(path: Path, text: str, *, encoding: str = "utf-8-sig") -> None:
    with atomic_writer(path, encoding=encoding) as f:
        f.write(text)
