"""Exports: the files `cardpipe run` writes into the output folder and `cardpipe export` prints.

    file                  when                          for
    contacts.csv          always                        Excel, LibreOffice, Google Sheets (CONTACT_COLUMNS)
    due.csv               always                        the same; the user types follow-ups into it (DUE_COLUMNS)
    contacts-google.csv   formats includes "google"     Google Contacts > Import
    contacts-outlook.csv  formats includes "outlook"    Outlook > Import/Export > Comma Separated Values,
                                                        Outlook.com > Contacts > Import
    contacts.vcf          formats includes "vcard"      iPhone / Android / macOS / Thunderbird contacts
                                                        (vCard 3.0; `vcard_version = "4.0"` for 4.0)
    contacts.json         formats includes "json"       scripts and CRM imports (UTF-8, an array of objects)

`cardpipe export --format {csv,google,outlook,vcard,json}` prints the same
contents (`-o FILE` writes them). Every file is written to a temporary file
beside the target, fsynced and renamed into place, so a crash never leaves half
a file and a reader never sees one.

Spreadsheet CSVs (contacts.csv, due.csv, also the Outlook CSV): UTF-8 with a BOM
(Excel reads UTF-8 only with it), CRLF line ends and every field quoted (RFC
4180, via the `csv` module). The Google CSV has no BOM: Google's own export has
none, and an importer that keeps the BOM would miss its first column, "First Name".

Formula injection (OWASP "CSV Injection"): in every CSV, a cell whose first
character, or first after leading whitespace, is = + - @ tab CR LF (or the
full-width ＝ ＋ － ＠) gets a leading apostrophe, so no spreadsheet runs it.
Excel and LibreOffice show that apostrophe when they open a CSV: the price of
never running a formula that came off a card or a QR code.

Phone numbers are the one exception, because they are ours, not the card's:
they are written in international format grouped by spaces (ITU-T E.123),
"+44 20 7946 0958", without the apostrophe. E.164 "+442079460958" is read as
the number 442079460958 (the + lost), and "'+44..." shows the apostrophe;
a string of digit groups separated by spaces is neither a number nor a valid
formula, so spreadsheets keep it as text, + and leading zeros included. A phone
cell is written raw only when it matches `PHONE_CELL_RE` (a +, digits, single
spaces; several numbers joined by "; "), so nothing else can ride on the
exception. Numbers whose groups are all three digits ("+420 123 456 789") are
written "+420 123 456789" so that no locale reads the spaces as thousands
separators. LibreOffice keeps every such cell as text even with formula
evaluation and special-number detection on (tests/test_export.py checks this
by converting the CSV to a workbook with `soffice --headless`). Excel and
Google Sheets cannot run here: that part rests on the reasoning above.

Known limit: an all-digit postcode with a leading zero ("01067") is read as a
number by spreadsheets that open the CSV directly (the `address` column keeps
the whole address as text).

Why this module is long: four CSV dialects (ours, due, Google, Outlook) share the
cell rules that make them safe (formula injection, numbers kept as text); the column
tables are most of it."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import IO, Any

import phonenumbers

from ..models import Contact, DueItem, Phone, ordered_phones

# ---------------------------------------------------------------------------
# contacts.csv and due.csv: the spreadsheet CSVs. Scripts read these columns by
# name: never rename or drop one; add new ones at the end.
# ---------------------------------------------------------------------------

CONTACT_COLUMNS = (
    "contact_id",
    "name",
    "given_name",
    "family_name",
    "title",
    "company",
    "email",  # the first e-mail
    "other_emails",  # the others, joined by "; "
    "work_phone",  # phones in international format, "+44 20 7946 0958"
    "mobile_phone",
    "fax",
    "other_phones",  # further numbers of any type, joined by "; "
    "website",
    "address",  # the whole address on one line
    "street",
    "city",
    "region",
    "postcode",
    "country",  # ISO 3166-1 alpha-2
    "linkedin",
    "twitter",
    "instagram",
    "event",  # where the card was collected (the inbox sub-folder)
    "first_met",  # YYYY-MM-DD
    "last_followup",  # YYYY-MM-DD
    "followups",  # how many follow-ups were recorded
    "notes",
    "past_companies",  # "; "
    "review",  # fields that look doubtful, space-separated
    "cards",  # how many cards make this contact
    # the follow-up columns of the due list
    "next_followup",  # YYYY-MM-DD when the next follow-up is due; empty when none is (done)
    "days_overdue",  # 0 = due today; empty when not due yet
    "done",  # "yes" when marked as needing no more follow-up
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
    "notes",  # the user's notes on the contact (cardpipe note)
    "followup_number",  # 1 = the first follow-up, 2 = the first check-in of the cadence...
)


# ---------------------------------------------------------------------------
# Cells
# ---------------------------------------------------------------------------

# OWASP CSV Injection: = + - @ tab CR; LF too (a spreadsheet may trim it), and the
# full-width forms that East Asian input methods turn into formulas.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


PHONE_CELL_RE = re.compile(r"\+\d{1,3}(?: \d+)+(?:; \+\d{1,3}(?: \d+)+)*")


_THOUSANDS_RE = re.compile(r"\+?\d{1,3}(?: \d{3})+")


class PhoneText(str):
    """Phone numbers formatted by `phone_text`: CSV writers keep them without the apostrophe."""


def safe_cell(value: object) -> str:
    """A cell value a spreadsheet shows as text, never runs (OWASP CSV injection)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    text = str(value)
    if text.startswith(FORMULA_STARTS) or text.lstrip().startswith(FORMULA_STARTS):
        return "'" + text
    return text


def is_phone_cell(text: str) -> bool:
    """Whether `text` is phone numbers only, in the form spreadsheets keep as text."""
    return bool(PHONE_CELL_RE.fullmatch(text)) and not any(_THOUSANDS_RE.fullmatch(p) for p in text.split("; "))


def cell(value: object) -> str:
    """What a CSV cell holds: phone numbers as they are, everything else through `safe_cell`."""
    if isinstance(value, PhoneText) and is_phone_cell(value):
        return str(value)
    return safe_cell(value)


def phone_text(e164: str) -> str:
    """E.164 "+442079460958" -> "+44 20 7946 0958" (international format, groups split by spaces)."""
    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return e164
    grouped = re.sub(r"[^\d+]+", " ", phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL))
    grouped = grouped.strip()
    if _THOUSANDS_RE.fullmatch(grouped):  # "+420 123 456 789": join the last two groups
        head, _, last = grouped.rpartition(" ")
        grouped = head + last
    return grouped


def phones_cell(numbers: Iterable[str]) -> PhoneText | None:
    """E.164 numbers as one cell, "; "-joined; None when there are none."""
    texts = [phone_text(n) for n in numbers]
    return PhoneText("; ".join(texts)) if texts else None


def write_csv_rows(f: IO[str], columns: Sequence[str], rows: Iterable[Mapping[str, object]]) -> None:
    """RFC 4180 CSV: CRLF, every field quoted, every cell through `cell`."""
    w = csv.writer(f, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    w.writerow(columns)
    for row in rows:
        w.writerow([cell(row.get(col)) for col in columns])


def _csv_text(columns: Sequence[str], rows: Iterable[Mapping[str, object]]) -> str:
    buf = io.StringIO()
    write_csv_rows(buf, columns, rows)
    return buf.getvalue()


def _iso(day: Any) -> str | None:
    return day.isoformat() if day else None


# ---------------------------------------------------------------------------
# The spreadsheet CSVs
# ---------------------------------------------------------------------------


def _phones_by_type(phones: Sequence[Phone]) -> dict[str, list[str]]:
    by_type: dict[str, list[str]] = {"work": [], "mobile": [], "fax": [], "other": []}
    for p in phones:
        by_type.setdefault(p.type if p.type in by_type else "other", []).append(p.e164)
    return by_type


def contact_row(c: Contact, next_due: DueItem | None = None) -> dict[str, object]:
    """One row of contacts.csv; `next_due` is the contact's next follow-up (from `followup.schedule`)."""
    r = c.record
    by_type = _phones_by_type(r.phones)
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
        "work_phone": phones_cell(by_type["work"][:1]),
        "mobile_phone": phones_cell(by_type["mobile"][:1]),
        "fax": phones_cell(by_type["fax"][:1]),
        # the rest in the order of every export: mobile, work, other, fax
        "other_phones": phones_cell(by_type["mobile"][1:] + by_type["work"][1:] + by_type["other"] + by_type["fax"][1:]),
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
        "first_met": _iso(c.first_met),
        "last_followup": _iso(c.last_followup),
        "followups": c.followup_count,
        "notes": c.notes,
        "past_companies": "; ".join(c.past_companies),
        "review": " ".join(r.review),
        "cards": len(c.card_ids),
        "next_followup": _iso(next_due.due_on) if next_due and not c.done else None,
        "days_overdue": next_due.days_overdue if next_due and not c.done and next_due.days_overdue >= 0 else None,
        "done": c.done,
    }


def due_row(d: DueItem, kept: tuple[str, str] | None = None) -> dict[str, object]:
    """One row of due.csv; `kept` is (followed_up_on, note) the user typed in a row that could
    not be recorded (see `due_edits.kept_entries`), written back so it is not lost."""
    return {
        "contact_id": d.contact_id,
        "name": d.name,
        "company": d.company,
        "email": d.email,
        "phone": phones_cell([d.phone]) if d.phone else None,
        "met_on": d.met_on.isoformat(),
        "event": d.event,
        "due_on": d.due_on.isoformat(),
        "days_overdue": d.days_overdue,
        "last_followup": _iso(d.last_followup),
        "followed_up_on": kept[0] if kept else None,
        "followup_note": kept[1] if kept else None,
        "notes": d.notes,
        "followup_number": d.step + 1,
    }


def contacts_csv(contacts: Iterable[Contact], schedule: Mapping[int, DueItem] | None = None) -> str:
    """contacts.csv; `schedule` maps contact id -> next follow-up, for the follow-up columns."""
    schedule = schedule or {}
    return _csv_text(CONTACT_COLUMNS, (contact_row(c, schedule.get(c.id)) for c in contacts))


def due_csv(items: Iterable[DueItem], kept: Mapping[int, tuple[str, str]] | None = None) -> str:
    """due.csv; `kept` maps contact id -> (followed_up_on, note) to write back (see `due_row`)."""
    kept = kept or {}
    return _csv_text(DUE_COLUMNS, (due_row(d, kept.get(d.contact_id)) for d in items))


# ---------------------------------------------------------------------------
# Shared by the contact-app formats
# ---------------------------------------------------------------------------

_SOCIAL_LABELS = {"linkedin": "LinkedIn", "twitter": "Twitter", "x": "X", "instagram": "Instagram"}


@lru_cache(maxsize=512)
def country_name(code: str | None) -> str | None:
    """ISO 3166-1 alpha-2 -> English name ("DE" -> "Germany"), from phonenumbers' data; else the code."""
    if not code:
        return None
    example = phonenumbers.example_number(code.upper())
    if example is None:
        return code
    from phonenumbers import geocoder

    return geocoder.country_name_for_number(example, "en") or code


def looks_like_url(text: str | None) -> bool:
    return bool(text) and re.fullmatch(r"(?:[a-z][a-z0-9+.-]*://)?[^\s/]+\.[^\s/]+(?:/\S*)?", text, re.I) is not None


def as_url(text: str) -> str:
    """A website as printed on a card ("www.acme.com") as a URL."""
    return text if re.match(r"[a-z][a-z0-9+.-]*://", text, re.I) else "https://" + text


def contact_note(c: Contact, extra: Sequence[str] = ()) -> str:
    """The NOTE / Notes of the contact-app formats: where and when met, the user's notes, `extra` lines."""
    lines = []
    met = []
    if c.first_met:
        met.append(f"on {c.first_met.isoformat()}")
    if c.event:
        met.append(f"at {_one_line(c.event)}")
    if met:
        lines.append("Met " + " ".join(met) + ".")
    if c.notes and c.notes.strip():
        lines.append(c.notes.strip())
    if c.past_companies:
        lines.append("Earlier: " + "; ".join(c.past_companies) + ".")
    lines.extend(extra)
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# Google Contacts CSV
# ---------------------------------------------------------------------------

# The columns of Google Contacts' own CSV export ("Google CSV", current layout),
# which its importer maps by name: First Name ... Labels, then numbered groups
# "E-mail 1 - Label" / "E-mail 1 - Value", "Phone 1 - ...", "Address 1 - ...",
# "Website 1 - ...". Source: the header lines of real Google CSV exports as
# quoted in public code that reads and writes them (found with a code search,
# Nov 2026; they agree with each other, e.g. "...,Organization Name,Organization
# Title,Organization Department,Birthday,Notes,Photo,Labels,E-mail 1 - Label,
# E-mail 1 - Value,..."); Google's help suggests exporting one contact as
# Google CSV to see the template. Several values of one kind go in numbered
# groups, as many as the contact with the most needs (as Google's export does);
# labels in the "Labels" cell are joined by " ::: ", starting with Google's
# system group "* myContacts", as in its export.
GOOGLE_HEAD = (
    "First Name",
    "Middle Name",
    "Last Name",
    "Phonetic First Name",
    "Phonetic Middle Name",
    "Phonetic Last Name",
    "Name Prefix",
    "Name Suffix",
    "Nickname",
    "File As",
    "Organization Name",
    "Organization Title",
    "Organization Department",
    "Birthday",
    "Notes",
    "Photo",
    "Labels",
)


GOOGLE_ADDRESS = (
    "Address 1 - Label",
    "Address 1 - Formatted",
    "Address 1 - Street",
    "Address 1 - City",
    "Address 1 - PO Box",
    "Address 1 - Region",
    "Address 1 - Postal Code",
    "Address 1 - Country",
    "Address 1 - Extended Address",
)


GOOGLE_PHONE_LABELS = {"work": "Work", "mobile": "Mobile", "fax": "Work Fax", "other": "Other"}


GOOGLE_MULTI = " ::: "


def google_columns(emails: int = 1, phones: int = 1, websites: int = 1) -> list[str]:
    cols = list(GOOGLE_HEAD)
    for i in range(1, emails + 1):
        cols += [f"E-mail {i} - Label", f"E-mail {i} - Value"]
    for i in range(1, phones + 1):
        cols += [f"Phone {i} - Label", f"Phone {i} - Value"]
    cols += GOOGLE_ADDRESS
    for i in range(1, websites + 1):
        cols += [f"Website {i} - Label", f"Website {i} - Value"]
    return cols


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _label(text: str) -> str:
    """An event name as one Google label: one line, no " ::: " (which would split it in two)."""
    return re.sub(r"\s*:::\s*", ": ", _one_line(text))


def _websites(c: Contact) -> list[tuple[str, str]]:
    """(label, url) of the website and the social profiles that are URLs."""
    r = c.record
    out = [("Work", r.website)] if r.website and looks_like_url(r.website) else []
    for net, value in r.social:
        if looks_like_url(value):
            out.append((_SOCIAL_LABELS.get(net, net.capitalize()), value))
    return out


def _leftover_lines(c: Contact) -> list[str]:
    """What has no column of its own in the contact apps: a website that is not a URL, social handles."""
    r = c.record
    lines = []
    if r.website and not looks_like_url(r.website):
        lines.append(f"Website: {r.website}")
    for net, value in r.social:
        if not looks_like_url(value):
            lines.append(f"{_SOCIAL_LABELS.get(net, net.capitalize())}: {value}")
    return lines


def google_row(c: Contact) -> dict[str, object]:
    r = c.record
    addr = r.address
    row: dict[str, object] = {
        "First Name": r.given_name if (r.given_name or r.family_name) else r.name,
        "Last Name": r.family_name,
        "Organization Name": r.company,
        "Organization Title": r.title,
        "Notes": contact_note(c, _leftover_lines(c)),
        "Labels": GOOGLE_MULTI.join(["* myContacts"] + ([_label(c.event)] if c.event else [])),
    }
    for i, email in enumerate(r.emails, 1):
        row[f"E-mail {i} - Label"] = "Work"
        row[f"E-mail {i} - Value"] = email
    for i, p in enumerate(ordered_phones(r.phones), 1):
        row[f"Phone {i} - Label"] = GOOGLE_PHONE_LABELS.get(p.type, "Other")
        row[f"Phone {i} - Value"] = PhoneText(phone_text(p.e164))
    if addr:
        has_parts = any((addr.street, addr.city, addr.region, addr.postcode, addr.country))
        row.update(
            {
                "Address 1 - Label": "Work",
                "Address 1 - Formatted": addr.text,
                "Address 1 - Street": addr.street if has_parts else addr.text,
                "Address 1 - City": addr.city,
                "Address 1 - Region": addr.region,
                "Address 1 - Postal Code": addr.postcode,
                "Address 1 - Country": country_name(addr.country),
            }
        )
    for i, (label, url) in enumerate(_websites(c), 1):
        row[f"Website {i} - Label"] = label
        row[f"Website {i} - Value"] = url
    return row


def google_csv(contacts: Sequence[Contact]) -> str:
    """Google Contacts CSV (import at contacts.google.com > Import)."""
    cols = google_columns(
        emails=max([1] + [len(c.record.emails) for c in contacts]),
        phones=max([1] + [len(c.record.phones) for c in contacts]),
        websites=max([1] + [len(_websites(c)) for c in contacts]),
    )
    return _csv_text(cols, (google_row(c) for c in contacts))


# ---------------------------------------------------------------------------
# Outlook CSV
# ---------------------------------------------------------------------------

# The header of Outlook's own CSV export (File > Open & Export > Import/Export >
# Export to a file > Comma Separated Values), which its importer and Outlook.com's
# map by name. Source: the full 92-column header line of an Outlook export as
# quoted, identically, in several public programs that write Outlook-compatible
# CSVs (found with a code search, Nov 2026). Note "Title" is the name
# prefix (Dr., Ms.); the job title goes in "Job Title". Several categories are
# joined by ";". Outlook has fixed slots (3 e-mails, typed phones): values beyond
# them go into Notes, so nothing is lost.
OUTLOOK_COLUMNS = (
    "Title", "First Name", "Middle Name", "Last Name", "Suffix", "Company", "Department", "Job Title",
    "Business Street", "Business Street 2", "Business Street 3", "Business City", "Business State",
    "Business Postal Code", "Business Country/Region", "Home Street", "Home Street 2", "Home Street 3",
    "Home City", "Home State", "Home Postal Code", "Home Country/Region", "Other Street", "Other Street 2",
    "Other Street 3", "Other City", "Other State", "Other Postal Code", "Other Country/Region",
    "Assistant's Phone", "Business Fax", "Business Phone", "Business Phone 2", "Callback", "Car Phone",
    "Company Main Phone", "Home Fax", "Home Phone", "Home Phone 2", "ISDN", "Mobile Phone", "Other Fax",
    "Other Phone", "Pager", "Primary Phone", "Radio Phone", "TTY/TDD Phone", "Telex", "Account",
    "Anniversary", "Assistant's Name", "Billing Information", "Birthday", "Business Address PO Box",
    "Categories", "Children", "Directory Server", "E-mail Address", "E-mail Type", "E-mail Display Name",
    "E-mail 2 Address", "E-mail 2 Type", "E-mail 2 Display Name", "E-mail 3 Address", "E-mail 3 Type",
    "E-mail 3 Display Name", "Gender", "Government ID Number", "Hobby", "Home Address PO Box", "Initials",
    "Internet Free Busy", "Keywords", "Language", "Location", "Manager's Name", "Mileage", "Notes",
    "Office Location", "Organizational ID Number", "Other Address PO Box", "Priority", "Private",
    "Profession", "Referred By", "Sensitivity", "Spouse", "User 1", "User 2", "User 3", "User 4",
    "Web Page",
)  # fmt: skip


OUTLOOK_PHONE_SLOTS = {
    "work": ("Business Phone", "Business Phone 2"),
    "mobile": ("Mobile Phone",),
    "fax": ("Business Fax", "Other Fax"),
    "other": ("Other Phone",),
}


OUTLOOK_EMAIL_SLOTS = (
    ("E-mail Address", "E-mail Type", "E-mail Display Name"),
    ("E-mail 2 Address", "E-mail 2 Type", "E-mail 2 Display Name"),
    ("E-mail 3 Address", "E-mail 3 Type", "E-mail 3 Display Name"),
)


def outlook_row(c: Contact) -> dict[str, object]:
    r = c.record
    addr = r.address
    row: dict[str, object] = {
        "First Name": r.given_name if (r.given_name or r.family_name) else r.name,
        "Last Name": r.family_name,
        "Company": r.company,
        "Job Title": r.title,
        "Categories": _one_line(c.event).replace(";", ",") if c.event else None,  # ";" separates categories
    }
    extra: list[str] = []
    for p in ordered_phones(r.phones):
        slots = [s for s in OUTLOOK_PHONE_SLOTS.get(p.type, ()) + ("Other Phone",) if s not in row]
        text = PhoneText(phone_text(p.e164))
        if slots:
            row[slots[0]] = text
        else:
            extra.append(f"Phone ({p.type}): {text}")
    for email, (address_col, type_col, display_col) in zip(r.emails, OUTLOOK_EMAIL_SLOTS, strict=False):
        row[address_col] = email
        row[type_col] = "SMTP"
        row[display_col] = f"{r.name} ({email})" if r.name else email
    extra += [f"E-mail: {e}" for e in r.emails[len(OUTLOOK_EMAIL_SLOTS) :]]
    if addr:
        has_parts = any((addr.street, addr.city, addr.region, addr.postcode, addr.country))
        row.update(
            {
                "Business Street": addr.street if has_parts else addr.text,
                "Business City": addr.city,
                "Business State": addr.region,
                "Business Postal Code": addr.postcode,
                "Business Country/Region": country_name(addr.country),
            }
        )
    sites = _websites(c)
    if sites:
        row["Web Page"] = sites[0][1]
    extra += [f"{label}: {url}" for label, url in sites[1:]]
    row["Notes"] = contact_note(c, _leftover_lines(c) + extra)
    return row


def outlook_csv(contacts: Sequence[Contact]) -> str:
    """Outlook CSV (classic Outlook's Import/Export wizard, Outlook.com's contact import)."""
    return _csv_text(OUTLOOK_COLUMNS, (outlook_row(c) for c in contacts))
