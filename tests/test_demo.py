"""The demo of `make run`: sample cards in event folders dated over the past weeks, so
the run ends with a digest that has people overdue. Dates are relative to a fixed
'today' here (the script's --today, the CLI's CARDPIPE_TODAY), never the real one."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import time

from conftest import CARDPIPE, ROOT, SAMPLES

spec = importlib.util.spec_from_file_location("demo_inbox", ROOT / "scripts" / "demo_inbox.py")
demo_inbox = importlib.util.module_from_spec(spec)
sys.modules["demo_inbox"] = demo_inbox  # its dataclasses look their module up
spec.loader.exec_module(demo_inbox)

TODAY = dt.date(2026, 11, 30)


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_sample_goes_unchanged_into_a_dated_event_folder(tmp_path):
    placed = demo_inbox.fill(SAMPLES, tmp_path / "inbox", TODAY)
    assert list(placed) == [
        "2026-10-21 Chamber of Commerce mixer", "2026-10-31 Regional trade fair", "2026-11-09 Startup breakfast",
        "2026-11-18 Industry conference", "2026-11-23 Client workshop", "2026-11-28 Networking lunch",
    ]
    samples = sorted(p.name for p in SAMPLES.iterdir())
    assert sorted(n for names in placed.values() for n in names) == samples
    assert max(len(v) for v in placed.values()) - min(len(v) for v in placed.values()) <= 1
    for folder, names in placed.items():
        for name in names:
            copy = tmp_path / "inbox" / folder / name
            assert sha(copy) == sha(SAMPLES / name)  # the pixels the benches measure, untouched
            assert time.time() - copy.stat().st_mtime >= 59  # settled: read by the first run


def test_the_demo_run_ends_with_people_overdue(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    for i in range(1, 7):  # one small card per event
        (source / f"scan150-0{i}.png").write_bytes((SAMPLES / f"scan150-0{i}.png").read_bytes())
    demo_inbox.fill(source, tmp_path / "inbox", TODAY)
    env = {**os.environ, "CARDPIPE_CONFIG": os.devnull, "CARDPIPE_TODAY": TODAY.isoformat()}
    common = ["--db", str(tmp_path / "cardpipe.db")]
    r = subprocess.run([*CARDPIPE, "run", "--inbox", str(tmp_path / "inbox"), "--output", str(tmp_path / "out"),
                        "--jobs", "2", *common], env=env, capture_output=True, text=True, timeout=600)  # fmt: skip
    assert r.returncode == 0, r.stderr
    r = subprocess.run([*CARDPIPE, "digest", *common], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    first = r.stdout.splitlines()[0]
    # met 40, 30, 21 and 12 days ago: overdue; 7 days ago: due today; 2 days ago: not yet
    assert first == "cardpipe, Mon 30 Nov 2026: 1 due today, 4 overdue, 6 new card(s)", r.stdout
    overdue = r.stdout[r.stdout.index("Overdue"):]
    assert re.search(r"^ +33 d  .*met 21 Oct at Chamber of Commerce mixer", overdue, re.M), r.stdout  # 40 days ago


def test_a_sample_person_met_again_after_a_job_change_is_a_possible_duplicate(tmp_path):
    """The demo's drawn card (another company, e-mail domain, office number and city,
    nothing but the name alike) must leave `cardpipe duplicates` a pair to show, not a
    merge. Only that card and the sample of the same person are read (with real
    Tesseract), for speed: the rule needs the name to be rare in the network, which it is
    in this two-card one as in the demo's 62 (a young network is judged by census-like
    priors, `dedupe.PRIOR_SHARE`), and no other sample shares the name."""
    truth = json.loads((SAMPLES.parent / "truth.json").read_text(encoding="utf-8"))
    people = {img["file"]: img["cards"][0] for img in truth["images"]}
    (job,) = demo_inbox.MET_AGAIN
    person = people[job.sample]
    assert [c["name"] for img in truth["images"] for c in img["cards"]].count(person["name"]) == 1
    source = tmp_path / "source"
    source.mkdir()
    shutil.copyfile(SAMPLES / job.sample, source / job.sample)
    inbox = tmp_path / "inbox"
    placed = demo_inbox.fill(source, inbox, TODAY)
    (drawn,) = demo_inbox.met_again(inbox, TODAY, SAMPLES.parent / "truth.json")
    assert (drawn.name, drawn.company, drawn.was) == (person["name"], job.company, person["company"])
    assert placed["2026-10-21 Chamber of Commerce mixer"] == [job.sample]
    card = inbox / "2026-11-28 Networking lunch" / drawn.file  # met again at the latest event
    assert card.suffix == ".png" and time.time() - card.stat().st_mtime >= 59
    assert sha(source / job.sample) == sha(SAMPLES / job.sample)

    env = {**os.environ, "CARDPIPE_CONFIG": os.devnull, "CARDPIPE_TODAY": TODAY.isoformat()}
    common = ["--db", str(tmp_path / "cardpipe.db")]
    r = subprocess.run([*CARDPIPE, "run", "--inbox", str(inbox), "--output", str(tmp_path / "out"), "--jobs", "2",
                        *common], env=env, capture_output=True, text=True, timeout=600)  # fmt: skip
    assert r.returncode == 0, r.stderr
    r = subprocess.run([*CARDPIPE, "duplicates", *common], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert out.startswith("1 possible duplicate(s)"), out
    pair = re.findall(r"^ +(\d+)  (.+?)  \((.+), (\w+)\)$", out, re.M)  # in the order the cards were stored
    assert sorted((name, company.casefold(), city) for _, name, company, city in pair) == [
        (person["name"], job.company.casefold(), "Austin"),
        (person["name"], person["company"].casefold(), "Seattle"),  # the sample prints its company in capitals
    ], out
    cities = re.search(rf"name '{person['name']}'; cities '(\w+)' and '(\w+)'; not merged automatically", out)
    assert cities and sorted(cities.groups()) == ["Austin", "Seattle"], out
    a, b = (cid for cid, *_ in pair)
    assert f"cardpipe merge {a} {b}" in out and f"cardpipe duplicates --dismiss {a} {b}" in out
