#!/usr/bin/env python3
"""Screenshots of `cardpipe serve` for the README: serves DB (default .demo/cardpipe.db, what
`make run` leaves) on a free loopback port and photographs each page with Debian's Chromium.

    .venv/bin/python scripts/web-screenshots.py [--db .demo/cardpipe.db] [--out docs/screenshots] [--today 2027-01-15]
"""

from __future__ import annotations

import argparse
import datetime as dt
import socket
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import sync_playwright

from cardpipe.clock import FixedClock
from cardpipe.config import load_config
from cardpipe.web import create_app

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PAGES = [("review", "/", 1000), ("duplicates", "/duplicates", 1000), ("due", "/due", 1000),
         ("contacts", "/contacts", 1000), ("review-phone", "/", 390)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, default=Path(".demo/cardpipe.db"))
    ap.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    ap.add_argument("--today", type=dt.date.fromisoformat, help="the clock's date (to show a due list), e.g. 2027-01-15")
    args = ap.parse_args()
    if not args.db.exists():
        raise SystemExit(f"{args.db} is missing: run 'make run' first (it leaves the demo database).")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(load_config(None, db=args.db), clock=FixedClock(args.today) if args.today else None), host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS, headless=True)
        for name, path, width in PAGES:
            page = browser.new_page(viewport={"width": width, "height": 760})
            page.goto(f"http://127.0.0.1:{port}{path}")
            page.wait_for_load_state("networkidle")
            if name == "review" and page.locator("input[data-field]").count():
                page.locator("input[data-field]").first.focus()  # its box outlined on the card
            page.screenshot(path=str(args.out / f"{name}.png"))
            print(args.out / f"{name}.png")
        browser.close()
    server.should_exit = True


if __name__ == "__main__":
    main()
