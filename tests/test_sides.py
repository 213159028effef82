"""Front and back of one card: `NAME-back.jpg` beside `NAME.jpg` (or `NAME-front.jpg`)
is one card record with the text of both sides."""

import json
import sqlite3
from pathlib import PurePosixPath

import pytest
from conftest import RESOURCES

from cardpipe.inbox import claim as ingest

FRONT, BACK = "sides-kelly-front.png", "sides-kelly-back.png"


@pytest.mark.parametrize(
    "names, expected",
    [
        (["a.jpg", "a-back.jpg"], {1: 0}),
        (["a-back.jpg", "a-front.png"], {0: 1}),
        (["Jane Doe back.JPG", "Jane Doe.jpg"], {0: 1}),
        (["a_back.jpg", "a_front.jpg", "b.jpg"], {0: 1}),
        (["ev/a.jpg", "other/a-back.jpg"], {}),  # another folder: not the same card
        (["a-back.jpg"], {}),  # a back alone stays a card of its own
        (["a.jpg", "b-back.jpg"], {}),
        (["background.jpg", "back.jpg"], {}),  # words that merely contain "back"
    ],
)
def test_pair_sides(names, expected):
    assert ingest.pair_sides([PurePosixPath(n) for n in names]) == expected


def test_extract_reads_both_sides_as_one_card(home):
    r = home.run("extract", "--json", str(RESOURCES / FRONT), str(RESOURCES / BACK))
    assert r.returncode == 0, r.stderr
    (line,) = r.stdout.splitlines()
    card = json.loads(line)
    assert card["source"] == str(RESOURCES / FRONT)
    assert card["name"] == "Ruby Kelly"  # printed on the front
    assert card["emails"] == ["ruby@eucalyptdigital.com.au"]  # printed on the back
    assert card["website"] == "www.eucalyptdigital.com.au"
    # the front alone has no email
    alone = json.loads(home.run("extract", "--json", str(RESOURCES / FRONT)).stdout)
    assert alone["emails"] == []


def test_run_stores_one_card_and_archives_both_sides(home):
    home.drop(FRONT, BACK, into="2026-11-20 Expo")
    r = home.run("run")
    assert (r.returncode, r.stderr) == (0, "")
    db = sqlite3.connect(home.db)
    assert db.execute("SELECT COUNT(*) FROM cards").fetchone()[0] == 1
    assert db.execute("SELECT COUNT(*) FROM files WHERE status = 'done'").fetchone()[0] == 2
    rec = json.loads(db.execute("SELECT record FROM cards").fetchone()[0])
    assert rec["name"] == "Ruby Kelly" and rec["emails"] == ["ruby@eucalyptdigital.com.au"]
    assert sorted(p.name for p in (home.archive / "2026-11-20 Expo").iterdir()) == [BACK, FRONT]
    assert [p for p in home.inbox.rglob("*") if p.is_file()] == []
    r = home.run("run")
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")


def test_the_review_and_contact_pages_show_both_sides(home):
    """The card keeps its back side's file; the web page shows it beside the front."""
    import cv2
    import numpy as np
    from starlette.testclient import TestClient

    from cardpipe.clock import SystemClock
    from cardpipe.config import load_config
    from cardpipe.web import create_app

    home.drop(FRONT, BACK)
    assert home.run("run").returncode == 0
    db = sqlite3.connect(home.db)
    card_id, contact_id, back = db.execute("SELECT id, contact_id, back_sha256 FROM cards").fetchone()
    assert back == db.execute("SELECT sha256 FROM files WHERE name LIKE '%back%'").fetchone()[0]
    client = TestClient(create_app(load_config(home.config), clock=SystemClock()))
    page = client.get(f"/contact/{contact_id}")
    assert f"/card/{card_id}/picture?side=back" in page.text and "(front and back)" in page.text
    pictures = {}
    for side in ("front", "back"):
        r = client.get(f"/card/{card_id}/picture", params={"side": side})
        assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
        pictures[side] = cv2.imdecode(np.frombuffer(r.content, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert pictures["front"].shape != pictures["back"].shape or not np.array_equal(pictures["front"], pictures["back"])
