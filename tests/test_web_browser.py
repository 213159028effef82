"""`cardpipe serve` in a real browser: Debian's Chromium driven by Playwright (no browser
download), against a server on a free loopback port. Saves screenshots to the test's tmp
folder; `pytest --screenshots=docs/screenshots` also writes them for the README."""

from __future__ import annotations

import csv
import io
import socket
import threading
import time
from pathlib import Path

import pytest
import uvicorn
from test_web import DOUBTFUL, EVIL, NOW, env  # noqa: F401  (the fixture)

from cardpipe import export, service
from cardpipe.clock import FixedClock
from cardpipe.web import create_app

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(env):  # noqa: F811
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(env.cfg, clock=FixedClock(NOW)), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(200):
        if srv.started:
            break
        time.sleep(0.05)
    assert srv.started, "the server did not start"
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


@pytest.fixture
def page(tmp_path):
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install it with scripts/system-deps.sh --test (apt package chromium)")
    with sync_playwright() as p:
        try:
            browser = p.chromium.launch_persistent_context(
                str(tmp_path / "profile"), executable_path=CHROMIUM, args=FLAGS, headless=True,
                viewport={"width": 1000, "height": 800},
            )
        except Exception as e:  # noqa: BLE001 - say why chromium could not start
            pytest.fail(f"chromium could not start: {e}")
        yield browser.new_page()
        browser.close()


def shoot(page, request, tmp_path: Path, name: str) -> None:
    page.screenshot(path=str(tmp_path / f"{name}.png"))
    out = request.config.getoption("--screenshots")
    if out:
        Path(out).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(out) / f"{name}.png"))


def test_review_merge_and_followup_in_the_browser(env, server, page, tmp_path, request) -> None:  # noqa: F811
    from cardpipe.models import ContactRecord

    env.add(DOUBTFUL, "tom", text=f"Tom Baker\n{EVIL}")
    env.add(ContactRecord(name="Ann Lee", company="Lee & Co", emails=("ann@lee.com",)), "ann1")
    env.add(ContactRecord(name="Ann Lee", company="Harbour Ltd", emails=("a.lee@harbour.com",)), "ann2")
    tom, ann1, ann2 = sorted(c.id for c in env.store.contacts())
    with env.store.transaction():
        env.store.db.execute("INSERT OR REPLACE INTO suggestions VALUES (?, ?, 3, 'name+company', 'same name and company', ?)",
                             (ann1, ann2, NOW.isoformat()))
    alerts: list[str] = []
    page.on("dialog", lambda d: (alerts.append(d.message), d.dismiss()))

    # review queue -> correct an e-mail
    page.goto(server + "/")
    shoot(page, request, tmp_path, "review")
    form = page.locator(f"#contact-{tom} form", has=page.locator("input[name=field][value=emails]"))
    form.locator("input[name=value]").fill("tom.baker@redfern.com")
    form.locator("button").click()
    page.wait_for_load_state()
    assert alerts == []  # the card's <script> stayed text
    assert env.store.contact(tom).record.emails == ("tom.baker@redfern.com",)
    rows = list(csv.DictReader(io.StringIO(service.export_contacts(env.store, env.cfg, "csv", today=NOW.date()).lstrip("\ufeff"))))
    assert any("tom.baker@redfern.com" in " ".join(r.values()) for r in rows)

    # merge a suggested pair
    page.goto(server + "/duplicates")
    shoot(page, request, tmp_path, "duplicates")
    page.locator(f"#pair-{ann1}-{ann2} button[value=merge]").click()
    page.wait_for_load_state()
    assert sorted(c.id for c in env.store.contacts()) == [tom, ann1]

    # mark a due contact followed up -> due.csv
    page.goto(server + "/due")
    shoot(page, request, tmp_path, "due")
    assert export.due_csv(service.due_items(env.store, env.cfg, NOW.date())).count("Tom Baker") == 1
    page.locator(f"#due-{tom} input[name=note]").fill("called")
    page.locator(f"#due-{tom} button:not([name])").click()
    page.wait_for_load_state()
    assert "Tom Baker" not in export.due_csv(service.due_items(env.store, env.cfg, NOW.date()))

    page.set_viewport_size({"width": 390, "height": 800})  # phone width: every page fits
    for name, path in PAGES:
        page.goto(server + path.format(contact=tom))
        page.wait_for_load_state()
        wide = page.evaluate("[...document.querySelectorAll('*')].filter(e => e.getBoundingClientRect().right > 390).map(e => e.tagName + '.' + e.className)")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, (path, wide)
        shoot(page, request, tmp_path, f"{name}-phone")
    assert all((tmp_path / f"{n}.png").stat().st_size > 1000
               for n in ("review", "duplicates", "due", *(f"{name}-phone" for name, _ in PAGES)))


PAGES = [("review", "/"), ("duplicates", "/duplicates"), ("due", "/due"), ("contacts", "/contacts"),
         ("contact", "/contact/{contact}"), ("exports", "/exports")]


def test_keyboard_next_previous_card_and_accept_all(env, server, page) -> None:  # noqa: F811
    """j / k move between the queue's cards, a accepts all of the current one; Ctrl-A only
    selects the page's text, and keys typed into a field stay in the field."""
    from dataclasses import replace

    first = env.add(DOUBTFUL, "tom")
    second = env.add(replace(DOUBTFUL, name="Ann Lee", given_name="Ann", family_name="Lee", company="Lee & Co",
                             emails=("ann@lee.com",), phones=()), "ann")
    page.goto(server + "/")
    page.keyboard.press("Control+a")
    page.keyboard.press("Meta+a")
    page.wait_for_timeout(300)
    assert page.url == server + "/" and env.store.contact(first).record.review == ("company", "emails")
    page.locator(f"#contact-{first} input[data-field=company]").press("a")  # typing, not a shortcut
    page.wait_for_timeout(300)
    assert env.store.contact(first).record.review == ("company", "emails")
    page.locator("h1").click()  # back on the page, not in a field
    page.keyboard.press("j")
    page.keyboard.press("j")
    assert page.locator(".card.current").get_attribute("id") == f"contact-{second}"
    page.keyboard.press("k")
    assert page.locator(".card.current").get_attribute("id") == f"contact-{first}"
    page.keyboard.press("j")
    with page.expect_navigation():
        page.keyboard.press("a")
    assert env.store.contact(second).record.review == ()
    assert env.store.contact(first).record.review == ("company", "emails")
    assert f"Saved company, emails of contact {second}" in page.locator("#saved").inner_text()


def test_the_field_being_edited_is_outlined_on_the_card_image(env, server, page) -> None:  # noqa: F811
    """A real card read by the real pipeline: focusing a flagged field draws the boxes it was
    read from over the archived photo, at the place the field is printed."""
    from dataclasses import replace

    from cardpipe import pipeline

    photo = Path(__file__).resolve().parent.parent / "sample_cards" / "images" / "photo-01.jpg"
    record = pipeline.read_file(photo, pipeline.ReadOptions()).cards[0].record
    record = replace(record, review=("company", "emails"))
    (box,) = dict(record.evidence)["company"]
    (card,) = dict(record.evidence)["card"]  # the card on the photo: the page shows it cut out
    left, top = max(0, card[0]), max(0, card[1])
    contact = env.add(record, "photo1", image_from=photo)
    page.goto(server + "/")
    img = page.locator(f"#contact-{contact} .shot img")
    img.wait_for()
    page.wait_for_function("document.querySelector('.shot img').complete")
    rect = page.locator(f"#contact-{contact} .boxes rect[data-field=company]")
    assert not rect.is_visible()
    page.locator(f"#contact-{contact} input[data-field=company]").focus()
    assert rect.is_visible()
    shown, frame = rect.bounding_box(), img.bounding_box()
    natural = page.evaluate("[document.querySelector('.shot img').naturalWidth, document.querySelector('.shot img').naturalHeight]")
    sx, sy = frame["width"] / natural[0], frame["height"] / natural[1]
    assert natural[0] < 0.8 * 2200 and abs(natural[0] - (card[2] - left)) <= 2  # photo-01 is 2200 px wide
    expected = (frame["x"] + (box[0] - left) * sx, frame["y"] + (box[1] - top) * sy,
                (box[2] - box[0]) * sx, (box[3] - box[1]) * sy)
    got = (shown["x"], shown["y"], shown["width"], shown["height"])
    assert all(abs(g - e) <= 4 for g, e in zip(got, expected, strict=True)), (got, expected)
    assert not page.locator(f"#contact-{contact} .boxes rect[data-field=emails]").first.is_visible()
