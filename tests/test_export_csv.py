"""contacts.csv / due.csv: read back with the csv module as a spreadsheet would."""

import csv
import datetime as dt
import io

import pytest

from cardpipe import export
from cardpipe.models import Address, Contact, ContactRecord, DueItem, Phone


def sample_contact():
    rec = ContactRecord(
        name="Jürgen Müller",
        given_name="Jürgen",
        family_name="Müller",
        title="Geschäftsführer",
        company='=HYPERLINK("http://evil")',
        emails=("j.mueller@beispiel.de", "jm@gmail.com"),
        phones=(Phone("+49301234567", "work", "030 1234567"), Phone("+491701234567", "mobile", "0170 1234567")),
        website="www.beispiel.de",
        address=Address("Hauptstraße 5, 10115 Berlin", street="Hauptstraße 5", city="Berlin", postcode="10115", country="DE"),
        review=("title",),
    )
    return Contact(id=7, record=rec, card_ids=(1, 2), first_met=dt.date(2026, 11, 20), event="Chamber, mixer\nnight")


def test_contacts_csv_round_trip_with_bom_and_crlf(tmp_path):
    path = tmp_path / "contacts.csv"
    export.write_text(path, export.contacts_csv([sample_contact()]))
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel needs the BOM to read UTF-8
    assert b"\r\n" in raw
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == list(export.CONTACT_COLUMNS)
    row = rows[0]
    assert row["name"] == "Jürgen Müller"
    assert row["company"] == "'=HYPERLINK(\"http://evil\")"  # neutralized, not executed
    # international format, no apostrophe: spreadsheets keep it as text with its + (see export.py)
    assert row["work_phone"] == "+49 30 1234567" and row["mobile_phone"] == "+49 170 1234567"
    assert row["other_emails"] == "jm@gmail.com"
    assert row["event"] == "Chamber, mixer\nnight"
    assert row["cards"] == "2" and row["review"] == "title"


@pytest.mark.parametrize(
    "value, expected",
    [
        ("=1+1", "'=1+1"),
        ("  =cmd", "'  =cmd"),
        ("+44", "'+44"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\r=1", "'\r=1"),
        ("\n =1", "'\n =1"),
        ("＝1+1", "'＝1+1"),
        (" \u3000@x", "' \u3000@x"),
        ("a=b", "a=b"),
        (True, "yes"),
        (False, ""),
        ("plain", "plain"),
        (None, ""),
        (3, "3"),
    ],
)
def test_safe_cell(value, expected):
    assert export.safe_cell(value) == expected


def test_due_csv_has_the_columns_the_user_fills():
    item = DueItem(1, "Ann", "Acme", "ann@acme.com", "+14155550132", dt.date(2026, 11, 1), None, dt.date(2026, 11, 8), 15, None, 0)
    rows = list(csv.DictReader(io.StringIO(export.due_csv([item]))))
    assert rows[0]["days_overdue"] == "15" and rows[0]["followed_up_on"] == "" and rows[0]["followup_note"] == ""


def test_atomic_write_leaves_old_file_on_error(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("old")
    with pytest.raises(RuntimeError):
        with export.atomic_writer(path) as f:
            f.write("half")
            raise RuntimeError("crash")
    assert path.read_text() == "old"
    assert list(tmp_path.iterdir()) == [path]
