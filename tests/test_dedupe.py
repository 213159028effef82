"""Deduplication (issue #5): name variants, each matching rule and the cases that must
not merge (table-driven), the field choice of a merged contact, and the user's merge and
split decisions surviving later runs (the CLI in process, the real pipeline, a fake OCR)."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest
from click.testing import CliRunner

from cardpipe import ocr, pipeline
from cardpipe.cli import cli
from cardpipe.clock import FixedClock
from cardpipe.contacts import blocking, dedupe, merge, names
from cardpipe.contacts.names import CLOSE, COMPATIBLE, CONFLICT, SAME, UNKNOWN
from cardpipe.contacts.store import SqliteStore
from cardpipe.errors import NotFoundError
from cardpipe.image import decode
from cardpipe.image import prepare as preprocess
from cardpipe.models import Address, CardResult, ContactRecord, OcrPage, Phone

NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
M1, M2 = "+14155550177", "+14155550133"  # mobiles (one digit apart would pass for an OCR slip)
W1 = "+14155550100"  # an office switchboard
F1 = "+14155550199"  # a fax line


def rec(name=None, company=None, *, email=(), mobile=None, work=None, fax=None, city=None, title=None,
        website=None, review=()) -> ContactRecord:
    emails = (email,) if isinstance(email, str) else tuple(email)
    phones = [Phone(n, t, n) for n, t in ((work, "work"), (mobile, "mobile"), (fax, "fax")) if n]
    return ContactRecord(
        name=name, company=company, title=title, emails=emails, phones=tuple(phones), website=website,
        address=Address(f"1 Main St, {city}", city=city) if city else None, review=tuple(review),
    )


# --------------------------------------------------------------------------- names


NAMES = [
    ("Robert Stone", "Bob Stone", SAME, "nickname"),
    ("William Gates", "Bill Gates", SAME, "nickname with another initial"),
    ("J. Smith", "John Smith", COMPATIBLE, "initial"),
    ("Hughes, Thomas", "Thomas Hughes", SAME, "family, given"),
    ("HUGHES Thomas", "Thomas Hughes", SAME, "swapped order, capitals"),
    ("José García", "Jose Garcia", SAME, "accents"),
    ("Dr. Jane Doe, PhD", "Jane Doe", SAME, "honorific and degree"),
    ("Mary-Ann Smith", "Mary Ann Smith", SAME, "hyphen"),
    ("Ludwig van Beethoven", "Beethoven, Ludwig van", SAME, "particle"),
    ("Thornas Srnith", "Thomas Smith", SAME, "OCR rn for m"),
    ("Malaman, Borls", "Boris Malaman", SAME, "OCR l for i, swapped"),
    ("Thomas Hugbes", "Thomas Hughes", CLOSE, "OCR slip in the family name"),
    ("Joscphine Hoffmann", "Josephine Hoffmann", CLOSE, "OCR slip in the given name"),
    ("Jacob Muller", "Jacob Miller", CLOSE, "two families a letter apart: close, never the same"),
    ("Ann Smith", "Bea Smith", UNKNOWN, "relatives"),
    ("Jon Smith", "Joan Smith", UNKNOWN, "two real given names"),
    ("J. Smith", "Bea Smith", UNKNOWN, "initial of another given name"),
    ("Ann One", "Bea Two", CONFLICT, "two people"),
]


@pytest.mark.parametrize("a, b, level", [n[:3] for n in NAMES], ids=[n[3] for n in NAMES])
def test_name_variants(a, b, level):
    pa, pb = names.parse_name(a), names.parse_name(b)
    assert names.compare_names(pa, pb)[0] == level
    assert names.compare_names(pb, pa)[0] == level  # symmetric
    if level >= COMPATIBLE:  # and they meet in a block, so a new card finds the other
        (filed_a, probes_a), (filed_b, probes_b) = names.name_keys(pa), names.name_keys(pb)
        assert probes_a & filed_b and probes_b & filed_a


def test_a_nameless_card_takes_its_name_from_a_first_last_address():
    assert names.record_name(rec(email="jane.doe@acme.com")).joined == "janedoe"
    assert names.record_name(rec(email="info@acme.com")) is None
    assert names.record_name(rec("Bob Stone", email="jane.doe@acme.com")).joined == "bobstone"


def test_role_addresses_and_fax_lines_are_not_identity_keys():
    ev = dedupe.evidence(rec(email=["info@acme.com", "sales.uk@acme.com", "ann@acme.com"], work=W1, fax=F1))
    assert ev.emails == {"ann@acme.com"}
    assert ev.phones == {W1} and F1 not in ev.phones


# --------------------------------------------------------------------------- rules

# (existing cards, one contact each; the new card; (index of the contact it joins, rule) or None)
RULES = [
    # -- the same person
    ([rec("Jane Doe", "Acme Inc.", email="jane@acme.com")], rec("Jane Doe", "Acme", email="Jane@Acme.com"),
     (0, "email"), "same e-mail"),
    ([rec("Jane Doe", "Acme", email=["jane@acme.com", "jane.doe77@gmail.com"])],
     rec("Jane Doe", "NewCo", email=["jd@newco.io", "jane.doe77@gmail.com"]), (0, "email"), "new job, same personal e-mail"),
    ([rec("Jane Doe", "Acme", mobile=M1)], rec("Jane Doe", "NewCo", email="jane@newco.io", mobile=M1),
     (0, "mobile"), "new job, same mobile"),
    ([replace(rec("Jane Doe", "Acme"), social=(("linkedin", "https://www.linkedin.com/in/jane-doe-4b2/"),))],
     replace(rec("Jane Doe", "NewCo"), social=(("linkedin", "linkedin.com/in/Jane-Doe-4b2"),)),
     (0, "profile"), "new job, same LinkedIn page"),
    ([replace(rec("Jane Doe", "Acme"), social=(("twitter", "https://x.com/JaneDoe"),))],
     replace(rec("Jane Doe", "NewCo"), social=(("twitter", "@janedoe"),)), (0, "profile"), "new job, same X handle"),
    ([replace(rec("Jane Doe", "Acme"), social=(("instagram", "instagram.com/jane.doe"),))],
     replace(rec("J. Doe", "NewCo"), social=(("instagram", "@jane.doe"),)), (0, "profile"),
     "new job, same Instagram handle, an initial"),
    ([rec("Jane Doe", "Acme", website="https://www.janedoe.com")], rec("Jane Doe", "NewCo", website="janedoe.com/about"),
     (0, "profile"), "new job, same personal website"),
    ([rec("Jane Doe", "Acme", email="jane@acme.com")], rec("Jane Dce", "Acme", email="jane@acme.com"),
     (0, "email"), "same e-mail, name misread"),
    ([rec("Thomas Hughes", "ACME Inc.")], rec("Thornas Hughes", "Acme"), (0, "name+company"), "OCR slip, legal form"),
    ([rec("Robert Stone", "Acme Widgets")], rec("Bob Stone", "ACME Widgets Inc."), (0, "name+company"), "nickname"),
    ([rec("Jane Doe", email="info@acme.com")], rec("Jane Doe", website="https://www.acme.com/team"),
     (0, "name+company"), "company domain"),
    ([rec("Jane Doe", "Acme")], rec("J. Doe", "Acme"), (0, "name+company"), "initial at the same company"),
    ([rec("Jane Doe", work=W1)], rec("J. Doe", work=W1), (0, "phone"), "initial on the same office line"),
    ([rec("Agnieszka Danuvalelli", "Acme", city="Springfield")],
     rec("Agnieszka Danuvalelli", "NewCo", city="Springfield"), (0, "name+city"), "new job, same city, rare name"),
    ([rec("Agnieszka Danuvalelli", "Acme", city="Springfield", mobile=M1)],
     rec("Agnieszka Danuvalelli", "NewCo", city="Springfield", mobile=M2), (0, "name+city"),
     "new job, same city, rare name, a company mobile"),
    ([rec("Olivia Danuvalelli", "Acme", city="Lyon")], rec("Olivi Danuvalelli", "NewCo", city="Lyo"), (0, "name+city"),
     "new job, a letter dropped from the given name and from a short city"),
    ([rec("Olivi Danuvalelli", "Acme", city="Roma")], rec("Olivia Danuvalelli", "NewCo", city="RRoma"),
     (0, "name+city"), "new job, a letter added to the given name, a doubled letter in a short city"),
    ([rec("Ann Lee", "Acme", email="ann@acme.com"), rec("Bob Stone", "Acme", email="bob@acme.com", work=W1)],
     rec("Bob Stone", "Acme", email="info@acme.com", work=W1), (1, "name+company"), "the right colleague"),
    # -- must not merge
    ([rec("Ann Lee", "Acme", work=W1)], rec("Bob Stone", "Acme", work=W1), None, "colleagues on one switchboard"),
    ([rec("Ann Smith", "Smith & Sons", work=W1)], rec("Bea Smith", "Smith & Sons", work=W1), None,
     "relatives on one switchboard"),
    ([rec("Ann Lee", email="info@acme.com")], rec("Bob Stone", email="info@acme.com"), None, "info@"),
    ([rec("Ann Smith", email="info@smith-sons.com")], rec("Bea Smith", email="info@smith-sons.com"), None,
     "relatives behind info@"),
    ([rec("Ann Lee", email="sales.uk@acme.com")], rec("Bob Stone", email="sales.uk@acme.com"), None, "sales.uk@"),
    ([rec("Ann One", email="expo2026@acme.com")], rec("Bea Two", email="expo2026@acme.com"), None,
     "a shared address, two names"),
    ([rec("Ann One", mobile=M1)], rec("Bea Two", mobile=M1), None, "a shared mobile, two names"),
    ([rec("Ann Lee", fax=F1)], rec("Ann Lee", fax=F1), None, "a shared fax line"),
    ([replace(rec("Ann Lee"), social=(("linkedin", "linkedin.com/company/acme"),))],
     replace(rec("Bob Stone"), social=(("linkedin", "linkedin.com/company/acme"),)), None, "a company page"),
    ([replace(rec("Ann Lee", "Acme"), social=(("twitter", "@acmelabs"),))],
     replace(rec("Ann Leigh", "Beta"), social=(("twitter", "@acmelabs"),)), None, "a company's X handle"),
    ([replace(rec("John Doe", "Doe Plumbing"), social=(("instagram", "@doe"),))],
     replace(rec("Jane Doe", "Doe Plumbing"), social=(("instagram", "@doe"),)), None, "relatives, the family's handle"),
    ([rec("John Doe", "Doe & Sons", website="https://johndoe.com")],
     rec("Jane Doe", "Doe & Sons", website="https://johndoe.com"), None, "relatives, a site named after the founder"),
    ([rec("Ann Doe", website="doe-plumbing.com")], rec("Bea Doe", website="doe-plumbing.com"), None,
     "relatives, the family business's site"),
    ([rec("Agnieszka Danuvalelli", "Acme", city="Springfield"), rec("Agnieszka Danuvalelli", "Beta", city="Springfield")],
     rec("Agnieszka Danuvalelli", "NewCo", city="Springfield"), None, "two contacts of that name in that city"),
    ([rec("Olivia Danuvalelli", "Acme", city="Bonn")], rec("Olivia Danuvalelli", "NewCo", city="Born"), None,
     "a short city a letter apart: another city"),
    ([rec("Jane Doe", "Acme", city="Springfield")], rec("Jane Doe", "NewCo", city="Shelbyville"), None,
     "namesake elsewhere"),
    ([rec("John Smith", "Acme", email="john.smith@acme.com")], rec("John Smith", "Acme", email="jsmith2@acme.com"),
     None, "two John Smiths at Acme: two addresses"),
    ([rec("John Smith", "Acme", mobile=M1)], rec("John Smith", "Acme", mobile=M2), None,
     "two John Smiths at Acme: two mobiles"),
    ([rec("John Smith", work=W1, email="john.smith@acme.com")], rec("John Smith", work=W1, email="jsmith2@acme.com"),
     None, "two John Smiths on one switchboard: two addresses"),
    ([rec("Jane Doe", city="Springfield", email="jane@acme.com")],
     rec("Jane Doe", city="Springfield", email="jdoe@acme.com"), None, "two Jane Does at one domain, one city"),
    ([rec("John Doe", "Acme"), rec("Jane Doe", "Acme")], rec("J. Doe", "Acme"), None, "an initial, two candidates"),
    ([rec("Jacob Miller", "Acme", city="Springfield")], rec("Jacob Muller", "NewCo", city="Springfield"), None,
     "a letter apart, other company"),
]


@pytest.mark.parametrize("existing, card, expected", [r[:3] for r in RULES], ids=[r[3] for r in RULES])
def test_rules(existing, card, expected):
    index = blocking.Index.build((i + 1, 10 * (i + 1), r) for i, r in enumerate(existing))
    m = index.match(card)
    if expected is None:
        assert m is None, m.reason
        return
    assert m is not None
    assert (m.contact_id, m.rule) == (10 * (expected[0] + 1), expected[1])


def test_the_reason_names_the_rule_and_the_fields():
    index = blocking.Index.build([(1, 1, rec("Robert Stone", "Acme", mobile=M1))])
    m = index.match(rec("Bob Stone", "NewCo", mobile=M1))
    assert m.rule == "mobile"
    assert M1 in m.detail and "'Bob Stone' ~ 'Robert Stone' (nickname)" in m.detail


SPELLED = [
    ("janedoe", "Jane Doe", True), ("Doe_Jane", "Jane Doe", True), ("jdoe", "Jane Doe", True),
    ("jdoe", "J. Doe", True), ("jane.vanderberg", "Jane van der Berg", True),
    ("doe", "Jane Doe", False), ("jane", "Jane Doe", False), ("acmelabs", "Jane Doe", False),
    ("janedoe2", "Jane Doe", True), ("doeplumbing", "Jane Doe", False), ("bdoe", "Jane Doe", False),
]


@pytest.mark.parametrize("text, name, spelled", SPELLED)
def test_a_personal_handle_spells_the_name(text, name, spelled):
    assert dedupe.spells_name(text, names.parse_name(name)) is spelled


def test_a_site_must_spell_the_full_name():
    assert dedupe.personal_profiles(rec("Jane Doe", website="janedoe.de"), names.parse_name("Jane Doe")) == {
        "website:janedoe.de"}
    assert not dedupe.personal_profiles(rec("Jane Doe", website="jdoe.de"), names.parse_name("Jane Doe"))
    assert not dedupe.personal_profiles(rec("Jane Doe", website="gmail.com"), names.parse_name("Jane Doe"))


# how many namesakes in the city the index estimates, another mobile on both cards, the rule
NAME_CITY = [
    (dedupe.RARE_NAME * 0.9, False, "name+city"),
    (dedupe.RARE_NAME * 1.1, False, None),
    (dedupe.RARE_NAME_OTHER_MOBILE * 0.9, True, "name+city"),
    (dedupe.RARE_NAME_OTHER_MOBILE * 1.1, True, None),
]


@pytest.mark.parametrize("namesakes, other_mobile, rule", NAME_CITY)
def test_name_and_city_weigh_the_namesakes_and_another_mobile(namesakes, other_mobile, rule):
    old = rec("Jane Doe", "Acme", city="Springfield", mobile=M1)
    new = rec("Jane Doe", "NewCo", city="Springfield", mobile=M2 if other_mobile else None)
    prof = dedupe._Profile()
    prof.add(dedupe.evidence(old))
    m = dedupe.judge(dedupe.evidence(new), 1, prof, lambda *_: namesakes)
    assert (m.rule if m else None) == rule
    if m:
        assert "city 'Springfield'" in m.detail and "name 'Jane Doe'" in m.detail


def test_name_and_city_decide_only_for_a_rare_name():
    # a network where John and Smith are common in Springfield
    network = [rec(f"John {f}", f"Co {f}", city="Springfield") for f in ("Avery", "Brook", "Carver", "Dale") * 25]
    network += [rec(f"{g} Smith", f"Firm {g}", city="Springfield") for g in ("Ann", "Bea", "Cid", "Dot") * 25]
    network += [rec("John Smith", "Acme", city="Springfield"), rec("Agnieszka Danuvalelli", "Acme", city="Springfield")]
    index = blocking.Index.build((i, i, r) for i, r in enumerate(network))
    assert index.match(rec("John Smith", "NewCo", city="Springfield")) is None
    m = index.match(rec("Agnieszka Danuvalelli", "NewCo", city="Springfield"))
    assert m is not None and (m.contact_id, m.rule) == (len(network) - 1, "name+city")


def test_a_card_that_matches_two_contacts_joins_them_unless_kept_apart():
    rows = [(1, 1, rec("Jane Doe", "Acme", email="jane@acme.com")), (2, 2, rec("Jane Doe", "NewCo", mobile=M1))]
    card = rec("Jane Doe", "NewCo", email="jane@acme.com", mobile=M1)
    plan = blocking.Index.build(rows).plan(card)
    assert plan.contact_id == 1 and [j.contact_id for j in plan.joined] == [2]
    plan = blocking.Index.build(rows, apart=[(1, 2)]).plan(card)
    assert plan.contact_id == 1 and plan.joined == ()  # the e-mail wins; the join is refused


def test_contacts_whose_names_contradict_are_not_joined():
    rows = [(1, 1, rec("Ann One", email="desk@acme.com")), (2, 2, rec("Bea Two", mobile=M1))]
    plan = blocking.Index.build(rows).plan(rec(None, email="desk@acme.com", mobile=M1))
    assert plan.joined == ()


# --------------------------------------------------------------------------- a merged contact


def test_newest_card_wins_job_fields_phones_and_emails_are_unioned_user_edits_win():
    old = rec("Jane Doe", "Acme Inc.", email="jane@acme.com", work=W1, mobile=M1, title="Engineer", city="Springfield")
    new = rec("Jane Doe", "NewCo GmbH", email="jane@newco.de", mobile=M1)
    merged = merge.merge_records([old, new])
    assert merged.company == "NewCo GmbH"
    assert merged.title is None and merged.address is None  # the old job's title and address are not the new job's
    assert merged.emails == ("jane@newco.de", "jane@acme.com")
    assert [p.e164 for p in merged.phones] == [M1, W1]
    assert merge.merge_records([old, new], {"company": "NewCo", "title": "CTO"}).title == "CTO"
    assert merge.past_companies([old, new], merged.company) == ("Acme Inc.",)


def test_an_older_card_of_the_same_company_fills_the_gaps():
    merged = merge.merge_records([rec("Jane Doe", "Acme Inc.", title="Engineer"), rec("Jane Doe", "ACME")])
    assert (merged.company, merged.title) == ("ACME", "Engineer")


def test_the_name_is_the_newest_full_and_sure_one():
    assert merge.merge_records([rec("Jane Doe"), rec("J. Doe")]).name == "Jane Doe"
    assert merge.merge_records([rec("Jane Doe"), rec("Jame Doe", review=["name"])]).name == "Jane Doe"
    assert merge.merge_records([rec("Jane Doe"), rec("Jane Smith")]).name == "Jane Smith"


def test_past_companies_ignore_legal_forms_and_slips():
    records = [rec(company="Acme Inc."), rec(company="ACME"), rec(company="Beta LLC"), rec(company="Gamma Labs")]
    assert merge.past_companies(records, "Gamma Labs") == ("Acme Inc.", "Beta LLC")


# --------------------------------------------------------------------------- the store


@pytest.fixture
def store(tmp_path):
    s = SqliteStore(tmp_path / "db.sqlite")
    yield s
    s.close()


def add(store, sha, record, day=dt.date(2026, 11, 20)):
    with store.transaction():
        store.add_file(sha, f"{sha}.png", status="done", at=NOW)
        return store.add_card(sha, CardResult(f"{sha}.png", 0, record, "", 90.0), collected_on=day, scanned_at=NOW, event=None)


def test_the_store_records_why_and_shows_the_current_and_earlier_companies(store):
    _, c1 = add(store, "h1", rec("Jane Doe", "Acme Inc.", email="jane@acme.com", mobile=M1), dt.date(2025, 3, 1))
    _, c2 = add(store, "h2", rec("Jane Doe", "NewCo GmbH", email="jane@newco.de", mobile=M1), dt.date(2026, 5, 1))
    assert c1 == c2
    contact = store.contact(c1)
    assert (contact.record.company, contact.past_companies) == ("NewCo GmbH", ("Acme Inc.",))
    rows = store.cards_of(c1)
    assert [r["match_rule"] for r in rows] == ["new", "mobile"]
    assert M1 in rows[1]["match_detail"]


def test_a_linking_card_joins_two_contacts_with_their_followups_and_edits(store):
    _, a = add(store, "h1", rec("Jane Doe", "Acme", email="jane@acme.com"))
    _, b = add(store, "h2", rec("Jane Doe", "NewCo", mobile=M1))
    assert a != b
    with store.transaction():
        store.add_followup(b, dt.date(2026, 11, 25), "coffee", source="cli", at=NOW)
        store.set_edit(b, "title", "CEO", at=NOW)
        store.set_edit(a, "name", "Jane A. Doe", at=NOW)
    _, c = add(store, "h3", rec("Jane Doe", "NewCo", email="jane@acme.com", mobile=M1))
    assert c == a
    joined = store.contact(a)
    assert len(joined.card_ids) == 3 and joined.followup_count == 1
    assert (joined.record.name, joined.record.title) == ("Jane A. Doe", "CEO")
    with pytest.raises(NotFoundError, match=f"contact {b} was merged into contact {a}"):
        store.contact(b)
    first_of_b = store.cards_of(a)[1]
    assert first_of_b["match_rule"] == "linked" and "card #3" in first_of_b["match_detail"]


def test_a_split_sticks_when_later_cards_match_both_sides(tmp_path):
    path = tmp_path / "db.sqlite"
    store = SqliteStore(path)
    card1, c = add(store, "h1", rec("Jane Doe", "Acme", email="jane@acme.com"))
    card2, c2 = add(store, "h2", rec("Jane Doe", "Acme", email="jane@acme.com", mobile=M1))
    assert c2 == c
    with store.transaction():
        new = store.split_cards(c, [card2], at=NOW)
    assert store.card(card2)["contact_id"] == new and store.card(card2)["match_rule"] == "user-split"
    assert [(d["kind"], d["card_id"], d["contact_id"]) for d in store.decisions_about(new)] == [("split", card2, c)]
    card3, _ = add(store, "h3", rec("Jane Doe", "Acme", email="jane@acme.com", mobile=M1))  # matches both sides
    store.close()
    store = SqliteStore(path)  # a later run, another process
    add(store, "h4", rec("Jane Doe", "Acme", email="jane@acme.com", mobile=M1))
    assert store.card(card1)["contact_id"] != store.card(card2)["contact_id"]
    assert len(store.contacts()) == 2
    assert store.kept_apart_from(c) == [new]
    store.close()


def test_a_merge_sticks_and_lifts_an_earlier_split(store):
    card1, a = add(store, "h1", rec("Ann Lee", "Acme", email="ann@acme.com"))
    card2, b = add(store, "h2", rec("Annie Lee-Wong", "Other Co", email="annie@other.co"))
    assert a != b
    with store.transaction():
        moved = store.merge_contacts(a, b, at=NOW)
    assert moved == [card2]
    _, c = add(store, "h3", rec("Annie Lee-Wong", "Other Co", email="annie@other.co"))
    assert c == a and len(store.contact(a).card_ids) == 3
    with store.transaction():
        new = store.split_cards(a, [card2], at=NOW)
        store.merge_contacts(a, new, at=NOW)  # the user changes their mind: the merge wins
    assert store.kept_apart_from(a) == []
    assert store.card(card2)["match_rule"] == "user-merge"


# --------------------------------------------------------------------------- the CLI and later runs

TEXTS = [
    "Jane Doe\nSales Director\nAcme Widgets Inc.\njane@acme.com\nMobile +1 415 555 0177\n100 Main Street, Springfield, IL 62701",
    "Jane Doe\nHead of Sales\nNewCo Labs LLC\njane.doe@newco.io\nMobile +1 415 555 0177",
    "Jane Doe\nHead of Sales\nNewCo Labs LLC\njane.doe@newco.io\nMobile +1 415 555 0177\nTel +1 415 555 0142",
    "Jane Doe\nSales Director\nAcme Widgets Inc.\njane@acme.com\nTel +1 415 555 0100",
]


class Tray:
    """An inbox, database and output folder for in-process runs with a fake OCR engine that
    reads TEXTS[i] from image i (images differ in size: the engine knows them by shape)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.inbox, self.db, self.output = root / "inbox", root / "cardpipe.db", root / "output"
        self.inbox.mkdir(parents=True)
        self.images = root / "images"
        self.images.mkdir()
        self.config = root / "config.toml"
        self.config.write_text(
            f'inbox = "{self.inbox}"\noutput = "{self.output}"\ndb = "{self.db}"\nsettle_seconds = 0\njobs = 1\n',
            encoding="utf-8",
        )
        self.by_shape: dict[tuple[int, ...], str] = {}
        self.reads: list[str] = []
        for i, text in enumerate(TEXTS):
            img = np.full((600, 1000 + 40 * i), 255, np.uint8)
            cv2.putText(img, f"card {i}", (50, 300), cv2.FONT_HERSHEY_SIMPLEX, 3, 0, 5)
            path = self.images / f"card{i}.png"
            cv2.imwrite(str(path), img)
            src = decode.load(path, max_bytes=10**8, max_pixels=10**8, max_pages=1).images[0]
            (prepared,) = preprocess.prepare(src)
            self.by_shape[prepared.image.shape] = text
        assert len(self.by_shape) == len(TEXTS)

    def engine(self, lang: str = "eng", timeout: float = 60.0, **kw: object) -> object:
        tray = self

        class ShapeEngine:
            name = "fake"

            def __init__(self) -> None:
                self.lang = lang

            def read(self, image, lang=None):
                text = tray.by_shape[image.shape]
                tray.reads.append(text)
                return OcrPage.from_text(text)

            def orientation(self, image):
                return 0

        return ShapeEngine()

    def drop(self, i: int, name: str | None = None) -> None:
        dest = self.inbox / (name or f"card{i}.png")
        dest.write_bytes((self.images / f"card{i}.png").read_bytes())
        before = (NOW - dt.timedelta(days=1)).timestamp()  # settled, whatever today's date
        os.utime(dest, (before, before))

    def cli(self, *args: str, code: int = 0) -> str:
        r = CliRunner().invoke(cli, list(args), obj={"clock": FixedClock(NOW)}, env={"CARDPIPE_CONFIG": str(self.config)})
        assert r.exit_code == code, (args, r.output)
        return r.output

    def contact_of(self, card_id: int) -> int:
        with sqlite3.connect(self.db) as db:
            return db.execute("SELECT contact_id FROM cards WHERE id = ?", (card_id,)).fetchone()[0]

    def contacts(self) -> int:
        with sqlite3.connect(self.db) as db:
            return db.execute("SELECT COUNT(DISTINCT contact_id) FROM cards").fetchone()[0]


@pytest.fixture
def tray(tmp_path, monkeypatch) -> Tray:
    t = Tray(tmp_path / "home")
    monkeypatch.setitem(ocr.ENGINES, "tesseract", t.engine)
    monkeypatch.setattr(pipeline, "_ENGINE", None)
    return t


def test_split_and_merge_from_the_cli_survive_later_runs(tray):
    tray.drop(0)
    tray.drop(1)
    tray.cli("run")
    assert tray.contacts() == 1  # a new job, the same mobile
    show = tray.cli("contacts", "show", "1")
    assert "company    NewCo Labs LLC" in show and "earlier    Acme Widgets Inc." in show
    assert "          same mobile +14155550177; name 'Jane Doe'" in show

    out = tray.cli("split", "1", "#2")
    assert "split off contact 1 into new contact 2" in out
    assert "split off contact 1 by you on 2026-11-20" in tray.cli("contacts", "show", "2")

    tray.drop(2)  # matches the split-off card (e-mail, mobile) and the first one (mobile)
    tray.cli("run")
    assert tray.contact_of(3) == tray.contact_of(2) != tray.contact_of(1)
    assert tray.contacts() == 2
    assert "kept apart (your split or dismissal) from contact(s) 2" in tray.cli("contacts", "show", "1")

    out = tray.cli("merge", "1", "2")
    assert "merged contact 2 into contact 1 (Jane Doe): card(s) #2, #3 moved" in out
    tray.drop(3)  # another card of the old job
    tray.cli("run")
    assert tray.contacts() == 1 and {tray.contact_of(i) for i in (1, 2, 3, 4)} == {1}
    show = tray.cli("contacts", "show", "1")
    assert "contact 2 merged into 1 by you on 2026-11-20" in show and "kept apart" not in show
    assert "was merged into contact 1" in tray.cli("contacts", "show", "2", code=66)
    csv_rows = (tray.output / "contacts.csv").read_text(encoding="utf-8-sig").strip().splitlines()
    assert len(csv_rows) == 2  # the header and one person


def test_merge_and_split_refuse_mistakes_with_one_line(tray):
    tray.drop(0)
    tray.drop(1)
    tray.cli("run")
    cases = [
        (("merge", "1", "1"), 64, "are the same contact (1); there is nothing to merge"),
        (("merge", "1", "99"), 66, "no contact with id 99"),
        (("split", "1", "#99"), 66, "there is no card #99"),
        (("split", "1", "x"), 64, "'x' is not a card number"),
        (("split", "1", "1", "2"), 64, "contact 1 has no card besides #1, #2"),
    ]
    for args, code, message in cases:
        out = tray.cli(*args, code=code)
        assert message in out and "Traceback" not in out and len(out.strip().splitlines()) == 1, out
    tray.cli("split", "1", "2")
    out = tray.cli("split", "1", "2", code=64)
    assert "card #2 belongs to contact 2, not to contact 1" in out


def test_the_same_bytes_are_archived_as_a_duplicate_without_ocr(tray):
    tray.drop(0)
    tray.drop(0, name="again.png")  # the same bytes twice in one run
    tray.cli("run")
    assert len(tray.reads) == 1
    tray.drop(0, name="once-more.png")  # and in a later run
    tray.cli("run")
    assert len(tray.reads) == 1
    archived = sorted(p.name for p in (tray.db.parent / "archive").rglob("*.png"))
    assert archived == ["again.png", "card0.png", "once-more.png"]
    assert not [p for p in tray.inbox.rglob("*") if p.is_file()]
    with sqlite3.connect(tray.db) as db:
        assert db.execute("SELECT COUNT(*) FROM cards").fetchone()[0] == 1


def test_merge_and_split_have_help_with_an_example():
    for name in ("merge", "split"):
        r = CliRunner().invoke(cli, [name, "--help"])
        assert r.exit_code == 0 and "Example" in r.output and f"cardpipe {name}" in r.output


@pytest.mark.e2e
def test_a_rescan_of_a_card_merges_with_the_original_and_says_why(home):
    from conftest import SAMPLES, truth

    home.inbox.mkdir(exist_ok=True)
    img = cv2.imread(str(SAMPLES / "scan300-02.png"))
    rescan = cv2.GaussianBlur(cv2.resize(img, None, fx=0.8, fy=0.8, interpolation=cv2.INTER_AREA), (3, 3), 0)
    cv2.imwrite(str(home.inbox / "rescan.jpg"), rescan, [cv2.IMWRITE_JPEG_QUALITY, 85])  # other bytes, other OCR
    home.drop("scan300-02.png", "scan300-06.png")
    r = home.run("run")
    assert r.returncode == 0, r.stderr
    show = home.run("contacts", "show", truth()["scan300-02.png"]["cards"][0]["name"])
    assert show.returncode == 0, show.stderr
    assert "2 card(s)" in show.stdout and "rescan.jpg" in show.stdout
    assert "same e-mail" in show.stdout or "same mobile" in show.stdout
    listed = home.run("contacts").stdout.strip().splitlines()
    assert len(listed) == 3  # the header and two people
