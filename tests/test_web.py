"""`cardpipe serve`: every route through Starlette's test client, with the failure paths
(CSRF, escaping card text, image paths, non-loopback host, busy database)."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
import types
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from cardpipe import service
from cardpipe.clock import FixedClock
from cardpipe.config import load_config
from cardpipe.contacts.store import SqliteStore
from cardpipe.errors import UsageError
from cardpipe.models import CardResult, ContactRecord, Phone
from cardpipe.web import check_host, create_app

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)

DOUBTFUL = ContactRecord(
    name="Tom Baker", given_name="Tom", family_name="Baker", company="Redfern Analytics", emails=("tom@redfern.com",),
    phones=(Phone("+442079460958", "work", "020 7946 0958"),),
    confidence=(("name", 0.95), ("company", 0.45), ("emails", 0.4), ("phones", 0.52)), review=("company", "emails"),
)
EVIL = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'


@pytest.fixture
def env(tmp_path):
    cfg_file = tmp_path / "config.toml"
    cfg_file.write_text(
        f'db = "{tmp_path / "c.db"}"\noutput = "{tmp_path / "out"}"\ninbox = "{tmp_path / "inbox"}"\nregion = "GB"\n'
        "busy_timeout = 0.2\n",
        encoding="utf-8",
    )
    cfg = load_config(cfg_file)
    store = SqliteStore(cfg.db)
    archive = tmp_path / "archive"
    archive.mkdir()

    def add(record: ContactRecord, sha: str, *, text: str = "OCR TEXT", day: dt.date = dt.date(2026, 9, 1),
            image_from: Path | None = None, event: str | None = None) -> int:
        image = archive / f"{sha}{image_from.suffix if image_from else '.jpg'}"
        image.write_bytes(image_from.read_bytes() if image_from else b"\xff\xd8\xff\xe0 fake jpeg " + sha.encode())
        result = CardResult(f"{sha}.jpg", 0, record, text, 90.0)
        with store.transaction():
            store.add_file(sha, result.source, status="done", at=NOW)
            store.set_stored_as(sha, str(image))
            return store.add_card(sha, result, collected_on=day, scanned_at=NOW, event=event)[1]

    client = TestClient(create_app(cfg, clock=FixedClock(NOW)))
    yield types.SimpleNamespace(cfg=cfg, store=store, add=add, client=client, tmp=tmp_path)
    store.close()


def csrf(client: TestClient, url: str = "/") -> str:
    page = client.get(url)
    assert page.status_code == 200
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


def test_review_page_shows_flagged_fields_and_escapes_card_text(env) -> None:
    env.add(DOUBTFUL, "tom", text=f"Tom Baker\n{EVIL}")
    page = env.client.get("/")
    assert page.status_code == 200
    assert "Redfern Analytics" in page.text and "(0.45)" in page.text
    assert "<script>alert(1)" not in page.text and "<img src=x" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    cookie = page.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie


def test_review_page_shows_a_number_printed_but_not_read_as_text(env) -> None:
    from dataclasses import replace

    env.add(replace(DOUBTFUL, review=("phones",), unverified_phones=("55614360", EVIL)), "raj")
    page = env.client.get("/")
    assert "printed, not read as a number: 55614360; &lt;script&gt;" in page.text
    assert "<script>alert(1)" not in page.text


def test_edit_saves_through_the_validated_path(env) -> None:
    env.add(DOUBTFUL, "tom")
    cid = env.store.contacts()[0].id
    token = csrf(env.client)
    r = env.client.post(f"/contact/{cid}/edit", data={"csrf": token, "field": "emails", "value": "Tom@Redfern.COM"},
                        follow_redirects=False)
    assert r.status_code == 303
    assert env.store.contact(cid).record.emails == ("Tom@redfern.com",)


@pytest.mark.parametrize(("field", "value", "said"), [
    ("emails", "tom@", "is not an e-mail address"),
    ("phones", "12", "is not a valid phone number"),
])
def test_an_invalid_email_or_phone_is_said_in_the_form_and_nothing_saved(env, field, value, said) -> None:
    env.add(DOUBTFUL, "tom")
    cid = env.store.contacts()[0].id
    before = env.store.contact(cid).record
    r = env.client.post(f"/contact/{cid}/edit", data={"csrf": csrf(env.client), "field": field, "value": value})
    assert r.status_code == 400 and said in r.text and 'id="error"' in r.text
    assert env.store.contact(cid).record == before


@pytest.mark.parametrize("token", [None, "", "wrong"])
def test_a_post_without_the_csrf_token_is_refused(env, token) -> None:
    env.add(DOUBTFUL, "tom")
    cid = env.store.contacts()[0].id
    csrf(env.client)  # the cookie is set; the form field is missing or wrong
    data = {"field": "company", "value": "Evil Corp"} | ({"csrf": token} if token is not None else {})
    r = env.client.post(f"/contact/{cid}/edit", data=data)
    assert r.status_code == 403
    assert env.store.contact(cid).record.company == "Redfern Analytics"


def _state(env) -> tuple:
    """What a POST could change: contacts with their records, notes, intervals and done flags,
    follow-ups and pending suggestions."""
    db = env.store.db
    return (
        [(c.id, c.record, c.notes, c.interval_days, c.done, c.card_ids) for c in env.store.contacts()],
        db.execute("SELECT * FROM followups").fetchall(), db.execute("SELECT * FROM suggestions").fetchall(),
    )


@pytest.mark.parametrize(("route", "data"), [
    ("/contact/{a}/edit", {"field": "company", "value": "Evil Corp"}),
    ("/contact/{a}/edit", {"field": "company", "undo": "1"}),
    ("/due/{a}/followup", {"note": "called", "done": "1"}),
    ("/due/{a}/interval", {"days": "5"}),
    ("/duplicates/{a}/{b}", {"action": "merge"}),
    ("/duplicates/{a}/{b}", {"action": "dismiss"}),
    ("/contact/{a}/note", {"note": "evil"}),
    ("/contact/{a}/split", {"card": "1"}),
])
def test_every_state_changing_route_needs_the_csrf_token(env, route, data) -> None:
    a, b = _suggest(env)
    env.add(ContactRecord(name="Tom Baker", company="Redfern Analytics", emails=("tom@redfern.com",)), "tom3")
    before = _state(env)
    url = route.format(a=a, b=b)
    assert env.client.get("/contacts").status_code == 200  # the cookie is set; the form has no token, then a wrong one
    assert env.client.post(url, data=data).status_code == 403
    assert env.client.post(url, data={**data, "csrf": "forged"}).status_code == 403
    assert _state(env) == before
    assert env.client.get(url).status_code == 405  # and a GET changes nothing either


def test_gets_change_nothing(env) -> None:
    env.add(DOUBTFUL, "tom")
    cid = env.store.contacts()[0].id
    assert env.client.get(f"/contact/{cid}/edit").status_code == 405
    assert env.client.get(f"/due/{cid}/followup").status_code == 405


def test_due_list_and_followed_up_today(env) -> None:
    env.add(DOUBTFUL, "tom")
    cid = env.store.contacts()[0].id
    page = env.client.get("/due")
    assert f'id="due-{cid}"' in page.text
    r = env.client.post(f"/due/{cid}/followup", data={"csrf": csrf(env.client, "/due"), "note": "called"},
                        follow_redirects=False)
    assert r.status_code == 303
    assert service.due_items(env.store, env.cfg, NOW.date()) == []
    assert f'id="due-{cid}"' not in env.client.get("/due").text


def test_card_image_by_id_only(env) -> None:
    env.add(DOUBTFUL, "tom")
    ok = env.client.get("/card/1/image")
    assert ok.status_code == 200 and ok.content.endswith(b"tom")
    assert env.client.get("/card/99/image").status_code == 404


@pytest.mark.parametrize("path", [
    "/card/../../etc/passwd", "/card/%2e%2e%2f%2e%2e%2fetc%2fpasswd/image", "/card//etc/passwd/image",
    "/card/%2Fetc%2Fpasswd/image", "/static/../../../../etc/passwd", "/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
])
def test_no_path_from_the_request_reaches_the_file_system(env, path) -> None:
    r = env.client.get(path)
    assert r.status_code == 404 and "root:" not in r.text


def test_busy_database_says_try_again_and_loses_nothing(env) -> None:
    env.add(DOUBTFUL, "tom")
    cid = env.store.contacts()[0].id
    token = csrf(env.client)
    other = sqlite3.connect(str(env.cfg.db), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # a run holding the write lock
    try:
        r = env.client.post(f"/contact/{cid}/edit", data={"csrf": token, "field": "company", "value": "Acme"})
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert r.status_code == 503 and "busy, try again" in r.text
    assert env.store.contact(cid).record.company == "Redfern Analytics"


@pytest.mark.parametrize(("host", "token", "ok"), [
    ("127.0.0.1", None, True), ("localhost", None, True), ("::1", None, True),
    ("0.0.0.0", None, False), ("192.168.1.5", None, False), ("example.org", None, False), ("0.0.0.0", "s3cret", True),
])
def test_non_loopback_host_needs_a_token(host, token, ok) -> None:
    if ok:
        check_host(host, token)
    else:
        with pytest.raises(UsageError, match="CARDPIPE_WEB_TOKEN"):
            check_host(host, token)


def test_with_a_token_every_request_needs_it(env) -> None:
    client = TestClient(create_app(env.cfg, clock=FixedClock(NOW), token="s3cret"))
    assert client.get("/").status_code == 401
    assert client.get("/?token=nope").status_code == 401
    r = client.get("/?token=s3cret", follow_redirects=False)
    assert r.status_code == 303 and "httponly" in r.headers["set-cookie"].lower()
    assert client.get("/").status_code == 200  # the cookie carries it now


def _suggest(env) -> tuple[int, int]:
    env.add(DOUBTFUL, "tom1")
    env.add(ContactRecord(name="Tom Baker", company="Other Ltd", emails=("tb@other.com",)), "tom2")
    a, b = sorted(c.id for c in env.store.contacts())
    with env.store.transaction():
        env.store.db.execute("INSERT OR REPLACE INTO suggestions VALUES (?, ?, 2, 'name+city', ?, ?)",
                             (a, b, "same name <b>in</b> the same city", NOW.isoformat()))
    return a, b


@pytest.mark.parametrize(("action", "contacts_left"), [("merge", 1), ("dismiss", 2)])
def test_duplicates_merge_or_keep_apart(env, action, contacts_left) -> None:
    a, b = _suggest(env)
    page = env.client.get("/duplicates")
    assert f'id="pair-{a}-{b}"' in page.text and "same name &lt;b&gt;in&lt;/b&gt;" in page.text
    r = env.client.post(f"/duplicates/{a}/{b}", data={"csrf": csrf(env.client, "/duplicates"), "action": action},
                        follow_redirects=False)
    assert r.status_code == 303
    assert len(env.store.contacts()) == contacts_left
    assert service.possible_duplicates(env.store) == []


@pytest.mark.parametrize(("q", "found"), [
    ("", 3), ("redfern", 1), ("tb@other", 1), ("nobody", 0), ("tom baker", 2), ("Ann", 1), ("web summit", 1),
])
def test_contacts_search(env, q, found) -> None:
    """By name, company, e-mail or event (the event a card was collected at)."""
    _suggest(env)
    env.add(ContactRecord(name="Ann Lee", company="Lee & Co", emails=("ann@lee.com",)), "ann", event="Web Summit 2026")
    assert env.client.get("/contacts", params={"q": q}).text.count('<tr id="contact-') == found


@pytest.mark.parametrize(("name", "filename", "needle"), [
    ("csv", "contacts.csv", b"Redfern Analytics"), ("vcard", "contacts.vcf", b"BEGIN:VCARD"),
    ("google", "contacts-google.csv", b"Redfern"), ("outlook", "contacts-outlook.csv", b"Redfern Analytics"),
    ("json", "contacts.json", b'"Redfern Analytics"'), ("due", "due.csv", b"Tom Baker"),
    ("ics", "due.ics", b"BEGIN:VCALENDAR"),
])
def test_exports_download(env, name, filename, needle) -> None:
    env.add(DOUBTFUL, "tom")
    r = env.client.get(f"/exports/{name}")
    assert r.status_code == 200 and filename in r.headers["content-disposition"] and needle in r.content
    assert env.client.get("/exports/..%2fconfig").status_code == 404


def test_the_ocr_lines_of_a_flagged_field_are_marked(env) -> None:
    env.add(DOUBTFUL, "tom", text="Tom Baker\nREDFERN ANALYTICS\nTel 020 7946 0958\ntom@redfern.com")
    page = env.client.get("/").text
    assert '<span data-fields="company">REDFERN ANALYTICS</span>' in page
    assert '<span data-fields="emails">tom@redfern.com</span>' in page
    assert '<span data-fields="">Tom Baker</span>' in page


def test_serve_refuses_a_public_host_without_a_token(env, monkeypatch) -> None:
    from click.testing import CliRunner

    from cardpipe.cli import cli

    monkeypatch.delenv("CARDPIPE_WEB_TOKEN", raising=False)
    r = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0", "--db", str(env.cfg.db)])
    assert r.exit_code == 64 and "CARDPIPE_WEB_TOKEN" in r.output


@pytest.mark.parametrize(("env_token", "cfg_token", "token"), [
    (None, None, None), ("from-env", None, "from-env"), (None, "from-config", "from-config"),
    ("from-env", "from-config", "from-env"),
])
def test_serve_beyond_loopback_takes_its_token_from_the_environment_or_the_config(
    env, monkeypatch, env_token, cfg_token, token
) -> None:
    import uvicorn
    from click.testing import CliRunner

    from cardpipe import web
    from cardpipe.cli import cli

    cfg_file = env.tmp / "config.toml"
    if cfg_token:
        cfg_file.write_text(cfg_file.read_text(encoding="utf-8") + f'web_token = "{cfg_token}"\n', encoding="utf-8")
    if env_token:
        monkeypatch.setenv("CARDPIPE_WEB_TOKEN", env_token)
    else:
        monkeypatch.delenv("CARDPIPE_WEB_TOKEN", raising=False)
    made, served = [], []
    real = web.create_app
    monkeypatch.setattr(web, "create_app", lambda cfg, **kw: made.append(kw["token"]) or real(cfg, **kw))
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: served.append(kw["host"]))
    r = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0", "--config", str(cfg_file)])
    if token is None:
        assert r.exit_code == 64 and "web_token" in r.output and served == []
    else:
        assert r.exit_code == 0, r.output
        assert made == [token] and served == ["0.0.0.0"]


def test_a_contacts_own_interval_and_the_weekly_goal(env) -> None:
    env.add(DOUBTFUL, "tom")
    cid = env.store.contacts()[0].id
    env.client.post(f"/due/{cid}/followup", data={"csrf": csrf(env.client, "/due"), "note": "called"})
    page = env.client.get("/due")
    assert re.search(r'This week: 1 of 10 follow-ups <progress max="10" value="1">', page.text)
    r = env.client.post(f"/due/{cid}/interval", data={"csrf": csrf(env.client), "days": "45"},
                        follow_redirects=False)
    assert r.status_code == 303 and env.store.contact(cid).interval_days == 45
    bad = env.client.post(f"/due/{cid}/interval", data={"csrf": csrf(env.client), "days": "soon"})
    assert bad.status_code == 400 and "is not a number of days" in bad.text
    assert env.store.contact(cid).interval_days == 45
    env.client.post(f"/due/{cid}/interval", data={"csrf": csrf(env.client), "days": "default"})
    assert env.store.contact(cid).interval_days is None


def test_a_flatbed_pages_cards_are_shown_cut_out(env) -> None:
    """Each card of a flatbed page is shown as itself (the page decoded as the pipeline
    decodes it, cut to the card), with its evidence boxes on that cut-out."""
    import cv2
    import numpy as np

    from cardpipe import pipeline

    page = Path(__file__).resolve().parent.parent / "sample_cards" / "images" / "flatbed-01.png"
    cards = pipeline.read_file(page, pipeline.ReadOptions()).cards
    assert len(cards) >= 2
    ids = [env.add(c.record, f"flat{i}", image_from=page) for i, c in enumerate(cards)]
    full = cv2.imread(str(page))
    for cid, card in zip(ids, cards, strict=True):
        (card_id,) = [c["id"] for c in env.store.cards_of(cid)]
        r = env.client.get(f"/card/{card_id}/picture")
        assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
        shown = cv2.imdecode(np.frombuffer(r.content, np.uint8), cv2.IMREAD_COLOR)
        (box,) = dict(card.record.evidence)["card"]
        assert shown.shape[0] < 0.7 * full.shape[0] or shown.shape[1] < 0.7 * full.shape[1]
        assert abs(shown.shape[1] - (box[2] - max(0, box[0]))) <= 2
    assert env.client.get("/card/9999/picture").status_code == 404


def test_accept_all_then_undo(env) -> None:
    """'Accept all' keeps every flagged value as it reads: the contact leaves the queue; the
    notice after it takes the edits back, and the contact is in the queue again."""
    env.add(DOUBTFUL, "tom")
    cid = env.store.contacts()[0].id
    page = env.client.get("/")
    assert 'class="accept"' in page.text
    r = env.client.post(f"/contact/{cid}/edit", data={
        "csrf": csrf(env.client), "field": "company,emails",
        "value:company": "Redfern Analytics", "value:emails": "tom@redfern.com",
    }, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/?saved={cid}:company,emails"
    assert env.store.contact(cid).record.review == ()
    after = env.client.get(r.headers["location"])
    assert f'id="contact-{cid}"' not in after.text and "Saved company, emails of contact" in after.text
    r = env.client.post(f"/contact/{cid}/edit", data={"csrf": csrf(env.client, r.headers["location"]),
                                                      "field": "company,emails", "undo": "1"}, follow_redirects=False)
    assert r.status_code == 303
    assert set(env.store.contact(cid).record.review) == {"company", "emails"}
    assert f'id="contact-{cid}"' in env.client.get("/").text


def test_contact_page_notes_and_split(env) -> None:
    """A contact's page: fields, notes, follow-ups, cards; a note added; a card that is
    another person split off to a contact of its own."""
    env.add(DOUBTFUL, "tom1")
    env.add(ContactRecord(name="Tom Baker", company="Redfern Analytics", emails=("tom@redfern.com",)), "tom2")
    (contact,) = env.store.contacts()
    assert len(contact.card_ids) == 2
    page = env.client.get(f"/contact/{contact.id}")
    assert page.status_code == 200 and "Redfern Analytics" in page.text and page.text.count('class="split"') == 2
    assert f'href="/contact/{contact.id}"' in env.client.get("/contacts").text
    r = env.client.post(f"/contact/{contact.id}/note", data={"csrf": csrf(env.client, f"/contact/{contact.id}"), "note": EVIL},
                        follow_redirects=False)
    assert r.status_code == 303 and EVIL in env.store.contact(contact.id).notes
    assert EVIL not in env.client.get(f"/contact/{contact.id}").text  # shown as text, escaped
    r = env.client.post(f"/contact/{contact.id}/split", data={"csrf": csrf(env.client, f"/contact/{contact.id}"),
                                                              "card": str(contact.card_ids[-1])}, follow_redirects=False)
    assert r.status_code == 303
    assert sorted(len(c.card_ids) for c in env.store.contacts()) == [1, 1]
    bad = env.client.post(f"/contact/{contact.id}/split", data={"csrf": csrf(env.client, f"/contact/{contact.id}"), "card": "999"})
    assert bad.status_code == 400 and "there is no card #999" in bad.text
    assert env.client.get("/contact/4242").status_code == 404


def test_the_exports_page_links_every_download(env) -> None:
    env.add(DOUBTFUL, "tom")
    page = env.client.get("/exports")
    links = re.findall(r'href="(/exports/[^"]+)"', page.text)
    assert sorted(links) == sorted(f"/exports/{n}" for n in ("csv", "google", "outlook", "vcard", "json", "due", "ics"))
    assert all(env.client.get(link).status_code == 200 for link in links)


def test_due_list_most_overdue_first_with_where_and_when_met_and_the_card(env) -> None:
    """Most overdue first; each row says when and where the contact was met and expands to
    the card met then; 'Done' takes the contact off the list for good."""
    old = env.add(DOUBTFUL, "tom", day=dt.date(2026, 6, 1), event="Expo Real")
    new = env.add(ContactRecord(name="Ann Lee", company="Lee & Co", emails=("ann@lee.com",)), "ann",
                  day=dt.date(2026, 9, 1))
    page = env.client.get("/due").text
    assert page.index(f'id="due-{old}"') < page.index(f'id="due-{new}"')
    row = page[page.index(f'id="due-{old}"'):page.index(f'id="due-{new}"')]
    assert "2026-06-01 at Expo Real" in row
    (card,) = env.store.contact(old).card_ids
    assert f'<img src="/card/{card}/picture"' in row and "<details" in row
    r = env.client.post(f"/due/{old}/followup", data={"csrf": csrf(env.client, "/due"), "note": "", "done": "1"},
                        follow_redirects=False)
    assert r.status_code == 303 and env.store.contact(old).done
    assert [d.contact_id for d in service.due_items(env.store, env.cfg, NOW.date() + dt.timedelta(days=400))] == [new]


def test_duplicates_show_both_contacts_cards_and_why(env) -> None:
    a, b = _suggest(env)
    page = env.client.get("/duplicates").text
    for cid in (a, b):
        (card,) = env.store.contact(cid).card_ids
        assert f'<img src="/card/{card}/picture"' in page
    assert "Other Ltd" in page and "Redfern Analytics" in page and "same name &lt;b&gt;in&lt;/b&gt; the same city" in page
