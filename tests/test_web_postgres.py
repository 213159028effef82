"""`cardpipe serve` on a team's PostgreSQL base (a real server, tests/pgserver.py): the
review queue, a validated edit, the due list with a follow-up, duplicates, contacts and
the card image, through Starlette's test client (tests/test_web.py has the rest on SQLite)."""

from __future__ import annotations

import datetime as dt
import re

from starlette.testclient import TestClient

from cardpipe import service
from cardpipe.clock import FixedClock
from cardpipe.config import load_config
from cardpipe.contacts.store import open_store
from cardpipe.models import CardResult, ContactRecord, Phone
from cardpipe.web import create_app

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
TOM = ContactRecord(
    name="Tom Baker", given_name="Tom", family_name="Baker", company="Redfern Analytics", emails=("tom@redfern.com",),
    phones=(Phone("+442079460958", "work", "020 7946 0958"),),
    confidence=(("name", 0.95), ("company", 0.45), ("emails", 0.4)), review=("company", "emails"),
)


def csrf(client: TestClient, url: str = "/") -> str:
    page = client.get(url)
    assert page.status_code == 200, page.text
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


def test_the_browser_pages_on_postgresql(tmp_path, pg_url) -> None:
    cfg_file = tmp_path / "config.toml"
    cfg_file.write_text(f'db = "{pg_url}"\noutput = "{tmp_path / "out"}"\ninbox = "{tmp_path / "inbox"}"\n'
                        'region = "GB"\n', encoding="utf-8")
    cfg = load_config(cfg_file)
    store = open_store(cfg.db)
    image = tmp_path / "tom.jpg"
    image.write_bytes(b"\xff\xd8\xff\xe0 fake jpeg tom")
    for sha, rec in (("tom", TOM), ("tom2", ContactRecord(name="Tom Baker", company="Redfern Labs"))):
        with store.transaction():
            store.add_file(sha, f"{sha}.jpg", status="done", at=NOW)
            store.set_stored_as(sha, str(image))
            store.add_card(sha, CardResult(f"{sha}.jpg", 0, rec, "Tom Baker", 90.0),
                           collected_on=dt.date(2026, 9, 1), scanned_at=NOW, event=None)
    cid = store.contacts()[0].id
    client = TestClient(create_app(cfg, clock=FixedClock(NOW)))

    page = client.get("/")
    assert page.status_code == 200 and "Redfern Analytics" in page.text
    r = client.post(f"/contact/{cid}/edit", data={"csrf": csrf(client), "field": "emails", "value": "Tom@Redfern.COM"},
                    follow_redirects=False)
    assert r.status_code == 303
    assert store.contact(cid).record.emails == ("Tom@redfern.com",)
    r = client.post(f"/contact/{cid}/edit", data={"csrf": csrf(client), "field": "emails", "value": "tom@"})
    assert r.status_code == 400 and "is not an e-mail address" in r.text

    assert f'id="due-{cid}"' in client.get("/due").text
    r = client.post(f"/due/{cid}/followup", data={"csrf": csrf(client, "/due"), "note": "called"},
                    follow_redirects=False)
    assert r.status_code == 303
    assert cid not in [i.contact_id for i in service.due_items(store, cfg, NOW.date())]

    for url in ("/duplicates", "/contacts?q=redfern", "/exports", f"/contact/{cid}"):
        assert client.get(url).status_code == 200, url
    img = client.get("/card/1/image")
    assert img.status_code == 200 and img.content.endswith(b"tom")
    store.close()
