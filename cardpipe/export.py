"""Exports: the spreadsheet CSVs (contacts.csv, due.csv).

Every file is written to a temporary file beside the target and renamed into
place, so a crash never leaves half a file. CSVs are UTF-8 with a BOM and CRLF
line ends (what Excel needs to read accents), quoted by the `csv` module, and
every cell that a spreadsheet could take for a formula is neutralized.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from .errors import OutputError
from .models import Contact, DueItem

CONTACT_COLUMNS = (
    "contact_id",
    "name",
    "given_name",
    "family_name",
    "title",
    "company",
    "email",
    "other_emails",
    "work_phone",
    "mobile_phone",
    "fax",
    "other_phones",
    "website",
    "address",
    "street",
    "city",
    "region",
    "postcode",
    "country",
    "linkedin",
    "twitter",
    "instagram",
    "event",
    "first_met",
    "last_followup",
    "followups",
    "notes",
    "past_companies",
    "review",
    "cards",
)

DUE_COLUMNS = (
    "contact_id",
    "name",
    "company",
    "email",
    "phone",
    "met_on",
    "event",
    "due_on",
    "days_overdue",
    "last_followup",
    "followed_up_on",  # the user types the date they followed up here
    "followup_note",  # and, if they like, a note
)

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """A cell value a spreadsheet shows as text, never runs (OWASP CSV injection)."""
    if value is None:
        return ""
    text = str(value)
    if text.lstrip(" ").startswith(FORMULA_STARTS):
        return "'" + text
    return text


def contact_row(c: Contact) -> dict[str, object]:
    r = c.record
    by_type: dict[str, list[str]] = {"work": [], "mobile": [], "fax": [], "other": []}
    for p in r.phones:
        by_type.setdefault(p.type, []).append(p.e164)
    addr = r.address
    social = r.social_map
    return {
        "contact_id": c.id,
        "name": r.name,
        "given_name": r.given_name,
        "family_name": r.family_name,
        "title": r.title,
        "company": r.company,
        "email": r.emails[0] if r.emails else None,
        "other_emails": "; ".join(r.emails[1:]),
        "work_phone": by_type["work"][0] if by_type["work"] else None,
        "mobile_phone": by_type["mobile"][0] if by_type["mobile"] else None,
        "fax": by_type["fax"][0] if by_type["fax"] else None,
        "other_phones": "; ".join(by_type["work"][1:] + by_type["mobile"][1:] + by_type["fax"][1:] + by_type["other"]),
        "website": r.website,
        "address": addr.text if addr else None,
        "street": addr.street if addr else None,
        "city": addr.city if addr else None,
        "region": addr.region if addr else None,
        "postcode": addr.postcode if addr else None,
        "country": addr.country if addr else None,
        "linkedin": social.get("linkedin"),
        "twitter": social.get("twitter") or social.get("x"),
        "instagram": social.get("instagram"),
        "event": c.event,
        "first_met": c.first_met.isoformat() if c.first_met else None,
        "last_followup": c.last_followup.isoformat() if c.last_followup else None,
        "followups": c.followup_count,
        "notes": c.notes,
        "past_companies": "; ".join(c.past_companies),
        "review": " ".join(r.review),
        "cards": len(c.card_ids),
    }


def due_row(d: DueItem) -> dict[str, object]:
    return {
        "contact_id": d.contact_id,
        "name": d.name,
        "company": d.company,
        "email": d.email,
        "phone": d.phone,
        "met_on": d.met_on.isoformat(),
        "event": d.event,
        "due_on": d.due_on.isoformat(),
        "days_overdue": d.days_overdue,
        "last_followup": d.last_followup.isoformat() if d.last_followup else None,
        "followed_up_on": None,
        "followup_note": None,
    }


def write_csv_rows(f: IO[str], columns: Sequence[str], rows: Iterable[dict[str, object]]) -> None:
    w = csv.writer(f, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(columns)
    for row in rows:
        w.writerow([safe_cell(row.get(col)) for col in columns])


def contacts_csv(contacts: Iterable[Contact]) -> str:
    buf = io.StringIO()
    write_csv_rows(buf, CONTACT_COLUMNS, (contact_row(c) for c in contacts))
    return buf.getvalue()


def due_csv(items: Iterable[DueItem]) -> str:
    buf = io.StringIO()
    write_csv_rows(buf, DUE_COLUMNS, (due_row(d) for d in items))
    return buf.getvalue()


@contextmanager
def atomic_writer(path: Path, *, encoding: str = "utf-8-sig"):
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


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text(path: Path, text: str, *, encoding: str = "utf-8-sig") -> None:
    with atomic_writer(path, encoding=encoding) as f:
        f.write(text)


FORMATS = {"csv": ("contacts.csv", contacts_csv)}
