"""`cardpipe review` and `cardpipe edit`: the doubtful fields, the user's corrections, and
corrections that later runs never overwrite."""

from __future__ import annotations

import datetime as dt
import json
import types
from typing import Any

import cv2
import pytest
from click.testing import CliRunner
from conftest import SAMPLES, Home

from cardpipe import review
from cardpipe.cli import cli
from cardpipe.clock import FixedClock
from cardpipe.config import load_config
from cardpipe.contacts import corrections, merge
from cardpipe.contacts.store import SqliteStore
from cardpipe.errors import UsageError
from cardpipe.models import Address, CardResult, ContactRecord, Phone

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)

# --------------------------------------------------------------------------
# A correction as typed -> the rows stored
# --------------------------------------------------------------------------

EDITS: list[tuple[str, str, str, dict[str, str]]] = [
    (
        "phones-with-types",
        "phones",
        "+44 20 7946 0958 work, +44 7700 900123 mobile",
        {"phones": "+442079460958 work, +447700900123 mobile"},
    ),
    ("phone-label-before-national-number", "phones", "M: 07700 900123", {"phones": "+447700900123 mobile"}),
    ("phone-type-from-the-number", "phones", "020 7946 0958; 07911 123456", {"phones": "+442079460958 work, +447911123456 mobile"}),
    ("phone-extension-and-fax", "phones", "+1 415 555 0134 ext. 204, +1 415 555 0135 fax",
     {"phones": "+14155550134;ext=204 work, +14155550135 fax"}),
    ("emails-validated-and-normalized", "emails", "Jane.Doe@ACME.com,  j.doe@gmail.com", {"emails": "Jane.Doe@acme.com, j.doe@gmail.com"}),
    ("website-without-scheme", "website", "HTTPS://WWW.Acme-Robotics.com/", {"website": "www.acme-robotics.com"}),
    ("name-in-capitals", "name", "DR. JOHN MCDONALD", {"name": "John McDonald", "given_name": "John", "family_name": "McDonald"}),
    ("name-with-particle-and-accents", "name", "Hélène van der Berg", {"name": "Hélène van der Berg", "given_name": "Hélène", "family_name": "van der Berg"}),
    ("family-name-alone-rebuilds-the-name", "family_name", "O'BRIEN", {"family_name": "O'Brien", "name": "Ann O'Brien"}),
    ("title-in-capitals", "title", "VP OF SALES", {"title": "VP of Sales"}),
    ("company-suffix-completed", "company", "Van Dijk B.V", {"company": "Van Dijk B.V."}),
    ("empty-value-empties-the-field", "title", "  ", {"title": ""}),
    ("empty-name-empties-its-parts", "name", "", {"name": "", "given_name": "", "family_name": ""}),
]


@pytest.mark.parametrize(("case", "field", "typed", "stored"), EDITS, ids=[e[0] for e in EDITS])
def test_normalize_edit(case: str, field: str, typed: str, stored: dict[str, str]) -> None:
    record = ContactRecord(name="Ann Smith", given_name="Ann", family_name="Smith")
    assert corrections.normalize_edit(record, field, typed, region="GB") == stored


def test_address_edit_is_split_into_its_parts() -> None:
    rows = corrections.normalize_edit(
        ContactRecord(), "address", "500 Howard Street, Suite 300\nSan Francisco, CA 94105", region="US"
    )
    assert json.loads(rows["address"]) == {
        "text": "500 Howard Street, Suite 300, San Francisco, CA 94105",
        "street": "500 Howard Street, Suite 300",
        "city": "San Francisco",
        "region": "CA",
        "postcode": "94105",
        "country": "US",
    }


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("emails", "jane@", "emails: 'jane@' is not an e-mail address"),
        ("phones", "555 12", "phones: '555 12' is not a valid phone number in GB (start it with + and the country code)"),
        ("phones", "+44 20 7946 0958 work, +1 555", "phones: '+1 555' is not a valid phone number."),
        ("website", "not a site", "website: 'not a site' is not a web address"),
    ],
)
def test_a_bad_value_is_refused_with_one_line(field: str, typed: str, message: str) -> None:
    with pytest.raises(UsageError) as e:
        corrections.normalize_edit(ContactRecord(), field, typed, region="GB")
    assert str(e.value).startswith(message) and "\n" not in str(e.value)


@pytest.mark.parametrize(("typed", "field"), [("phone", "phones"), ("E-mail", "emails"), ("url", "website"), ("surname", "family_name")])
def test_field_aliases(typed: str, field: str) -> None:
    assert corrections.field_name(typed) == field


def test_unknown_field() -> None:
    with pytest.raises(UsageError, match="'fax' is not a field you can correct; choose from name, "):
        corrections.field_name("fax")


def test_numbers_without_plus_are_read_in_the_contacts_country() -> None:
    german = ContactRecord(address=Address("Zeil 123, 60313 Frankfurt", country="DE"))
    assert corrections.region_of(german, "US") == "DE"
    assert corrections.region_of(ContactRecord(phones=(Phone("+442079460958", "work", ""),)), "US") == "GB"
    assert corrections.region_of(ContactRecord(), "US") == "US"
    rows = corrections.normalize_edit(german, "phones", "069 1234567", region=corrections.region_of(german, "US"))
    assert rows == {"phones": "+49691234567 work"}


# --------------------------------------------------------------------------
# Stored rows -> the contact (merge.apply_edits)
# --------------------------------------------------------------------------


def test_apply_edits_reads_the_stored_forms_back_and_clears_review() -> None:
    record = ContactRecord(
        name="Jon Smyth", given_name="Jon", family_name="Smyth", company="Acme", phones=(Phone("+14155550100", "work", "x"),),
        confidence=(("name", 0.4), ("company", 0.9), ("phones", 0.5)), review=("name", "phones", "address"),
    )
    edits = {
        "phones": "+14155550134;ext=204 work, +14155550199 mobile",
        "address": json.dumps({"text": "1 Main St, Springfield, IL 62701", "city": "Springfield", "postcode": "62701"}),
        "family_name": "Smith",
        "name": "Jon Smith",
    }
    out = merge.apply_edits(record, edits)
    assert out.phones == (
        Phone("+14155550134", "work", "+14155550134;ext=204 work", "204"),
        Phone("+14155550199", "mobile", "+14155550199 mobile"),
    )
    assert out.address == Address("1 Main St, Springfield, IL 62701", city="Springfield", postcode="62701")
    assert (out.name, out.given_name, out.family_name, out.company) == ("Jon Smith", "Jon", "Smith", "Acme")
    assert out.review == ()
    assert out.confidence_map == {"name": 1.0, "company": 0.9, "phones": 1.0, "address": 1.0}


def test_apply_edits_keeps_older_free_text_forms() -> None:
    out = merge.apply_edits(ContactRecord(), {"phones": "555 0100", "address": "1 Main St"})
    assert out.phones == (Phone("555 0100", "other", "555 0100"),)
    assert out.address == Address("1 Main St")


# --------------------------------------------------------------------------
# The commands, on a store filled by hand
# --------------------------------------------------------------------------


@pytest.fixture
def env(tmp_path, monkeypatch):
    cfg_file = tmp_path / "config.toml"
    cfg_file.write_text(
        f'db = "{tmp_path / "c.db"}"\noutput = "{tmp_path / "out"}"\ninbox = "{tmp_path / "inbox"}"\nregion = "GB"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("CARDPIPE_CONFIG", str(cfg_file))
    cfg = load_config(cfg_file)
    store = SqliteStore(cfg.db)

    def add(record: ContactRecord, sha: str, *, text: str = "OCR TEXT", day: dt.date = dt.date(2026, 11, 20)) -> int:
        result = CardResult(f"{sha}.jpg", 0, record, text, 90.0)
        with store.transaction():
            store.add_file(sha, result.source, status="done", at=NOW)
            store.set_stored_as(sha, f"/archive/{sha}.jpg")
            return store.add_card(sha, result, collected_on=day, scanned_at=NOW, event=None)[1]

    def run(*args: str) -> Any:
        return CliRunner().invoke(cli, list(args), obj={"clock": FixedClock(NOW)})

    yield types.SimpleNamespace(cfg=cfg, store=store, add=add, cli=run)
    store.close()


DOUBTFUL = ContactRecord(
    name="Tom Baker", given_name="Tom", family_name="Baker", company="Redfern Analytics", emails=("tom@redfern.com",),
    phones=(Phone("+442079460958", "work", "020 7946 0958"),),
    confidence=(("name", 0.95), ("company", 0.45), ("emails", 0.9), ("phones", 0.52)), review=("company", "phones"),
)
SURE = ContactRecord(name="Ann Lee", emails=("ann@lee.com",), confidence=(("name", 0.97),))


def test_review_lists_doubtful_fields_with_the_card_image_and_ocr_text(env) -> None:
    tom = env.add(DOUBTFUL, "tom", text="Tom Baker\ntom@redfern.com\nTel 020 7946 0958")
    env.add(SURE, "ann")
    r = env.cli("review")
    assert r.exit_code == 0, r.output
    assert r.output.splitlines() == [
        f"contact {tom}: Tom Baker",
        "  company   Redfern Analytics  (0.45)",
        "  phones    +442079460958 (work)  (0.52)",
        "  card #1  /archive/tom.jpg",
        "    | Tom Baker",
        "    | tom@redfern.com",
        "    | Tel 020 7946 0958",
        f"  fix: cardpipe edit {tom} company \"...\"   ('' empties the field)",
        "",
        "1 contact(s) to review",
    ]


def test_review_shows_a_number_printed_but_not_read(env) -> None:
    from dataclasses import replace

    raj = env.add(replace(DOUBTFUL, name="Raj Saha", unverified_phones=("55614360",)), "raj")
    r = env.cli("review")
    assert r.exit_code == 0, r.output
    assert "  phones    +442079460958 (work)  (0.52)" in r.output.splitlines()
    assert "            printed, not read as a number: 55614360" in r.output.splitlines()
    item = review.review_items(env.store, str(raj))[0]
    assert [f.unread for f in item.fields] == [(), ("55614360",)]


def test_nothing_to_review(env) -> None:
    env.add(SURE, "ann")
    r = env.cli("review")
    assert (r.exit_code, r.output) == (0, "nothing to review: every field of every contact was read with confidence, or corrected\n")


def test_an_edited_field_leaves_the_review_list(env) -> None:
    tom = env.add(DOUBTFUL, "tom")
    r = env.cli("edit", str(tom), "company", "REDFERN ANALYTICS LTD")
    assert (r.exit_code, r.output) == (0, "Tom Baker: company is now REDFERN ANALYTICS LTD; later runs keep your correction\n")
    items = review.review_items(env.store)
    assert [f.field for f in items[0].fields] == ["phones"]
    r = env.cli("edit", "tom@redfern.com", "phones", "020 7946 0958 office, 07700 900123 cell")
    assert r.exit_code == 0, r.output
    assert "phones is now +442079460958 (work), +447700900123 (mobile)" in r.output
    assert review.review_items(env.store) == []
    assert env.cli("review").output.startswith("nothing to review")
    contact = env.store.contact(tom).record
    assert contact.phones[1] == Phone("+447700900123", "mobile", "+447700900123 mobile")
    assert contact.confidence_map["company"] == 1.0


def test_undo_puts_the_cards_value_back(env) -> None:
    tom = env.add(DOUBTFUL, "tom")
    env.cli("edit", str(tom), "company", "Redfern Ltd")
    r = env.cli("edit", str(tom), "company", "--undo")
    assert (r.exit_code, r.output) == (0, "Tom Baker: your correction of company is dropped; the cards say: Redfern Analytics\n")
    assert [f.field for f in review.review_items(env.store)[0].fields] == ["company", "phones"]
    r = env.cli("edit", str(tom), "company", "--undo")
    assert (r.exit_code, r.output) == (66, f"cardpipe: error: contact {tom} has no correction of company to undo.\n")


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["edit", "1", "emails", "tom(at)redfern"], 64, "cardpipe: error: emails: 'tom(at)redfern' is not an e-mail address"),
        (["edit", "1", "color", "red"], 64, "cardpipe: error: FIELD: 'color' is not a field you can correct"),
        (["edit", "1", "title"], 64, "cardpipe: error: give the new value of title"),
        (["edit", "1", "title", "x", "--undo"], 64, "cardpipe: error: give either a VALUE or --undo, not both."),
        (["edit", "42", "title", "CEO"], 66, "cardpipe: error: no contact with id 42"),
        (["review", "nobody"], 66, "cardpipe: error: no contact matches 'nobody'"),
    ],
)
def test_mistakes_give_one_line_and_an_exit_code(env, args: list[str], code: int, message: str) -> None:
    env.add(DOUBTFUL, "tom")
    r = env.cli(*args)
    assert r.exit_code == code
    assert r.output.startswith(message) and r.output.count("\n") == 1, r.output
    assert env.store.edits_of(1) == {}


def test_an_edit_is_kept_when_a_newer_card_joins_the_contact(env) -> None:
    tom = env.add(DOUBTFUL, "tom", day=dt.date(2026, 11, 1))
    env.cli("edit", str(tom), "title", "Head of Data")
    newer = ContactRecord(name="Tom Baker", title="Data Lead", company="Redfern Analytics Ltd", emails=("tom@redfern.com",))
    assert env.add(newer, "tom2", day=dt.date(2026, 11, 20)) == tom  # same e-mail: the same contact
    record = env.store.contact(tom).record
    assert (record.title, record.company) == ("Head of Data", "Redfern Analytics Ltd")  # the edit, and the newest card


def test_review_and_edit_have_help_with_an_example() -> None:
    for name in ("review", "edit"):
        r = CliRunner().invoke(cli, [name, "--help"])
        assert r.exit_code == 0
        assert "Example" in r.output and f"cardpipe {name}" in r.output, name


# --------------------------------------------------------------------------
# The real thing: a run, a correction, a later run that attaches a new card
# --------------------------------------------------------------------------


def test_edit_survives_a_later_run_that_attaches_another_card(home: Home) -> None:
    """The same card scanned again (other bytes) joins the contact; the corrections stay."""
    env = {"CARDPIPE_TODAY": "2026-11-20"}
    home.config.write_text(home.config.read_text() + "review_threshold = 0.97\n", encoding="utf-8")
    home.drop("scan300-01.png")
    assert home.run("run", env=env).returncode == 0
    r = home.run("review", env=env)
    assert r.returncode == 0 and "contact 1: Sarah Hayes" in r.stdout
    assert str(home.archive / "scan300-01.png") in r.stdout and "    | Summit Ridge Capital LLC" in r.stdout
    flagged = {line.split()[0] for line in r.stdout.splitlines() if line.startswith("  ") and "(0." in line}
    assert "title" in flagged
    r = home.run("edit", "1", "title", "Chief Operating Officer", env=env)
    assert r.returncode == 0, r.stderr
    r = home.run("edit", "sarah.hayes@summit-ridge.io", "phones", "+1 312 555 0171 work, +1 312 555 0199 mobile", env=env)
    assert r.returncode == 0, r.stderr

    again = cv2.imread(str(SAMPLES / "scan300-01.png"))
    home.inbox.mkdir(exist_ok=True)
    cv2.imwrite(str(home.inbox / "scan300-01-again.jpg"), again, [cv2.IMWRITE_JPEG_QUALITY, 95])
    r = home.run("run", env={**env, "CARDPIPE_TODAY": "2026-11-27"})
    assert r.returncode == 0, r.stderr
    r = home.run("contacts", "show", "1", env=env)
    assert "2 card(s)" in r.stdout, r.stdout
    assert "title      Chief Operating Officer" in r.stdout
    assert "phones     +13125550171 (work), +13125550199 (mobile)" in r.stdout
    r = home.run("review", "--no-text", env=env)
    assert "  title " not in r.stdout and "  phones " not in r.stdout
