"""Does each repair rule pay on real cards? Every rule of the fields stage that changes what
OCR read (a TLD, a legal form, an e-mail's local part from the name...) is switched off in
turn, and the cards are parsed again from the same OCR pages: on the real dev set
(../shared/real_cards, Latin-script cards) and on freshly drawn generator sets.

    .venv/bin/python bench/prune.py record            # read the cards once (minutes)
    .venv/bin/python bench/prune.py                   # the table (seconds)
    .venv/bin/python bench/prune.py --seeds 201 202 --real ../shared/real_cards

`record` keeps the OCR pages the field parser saw for every card (first reading and any
second-language reading) in bench/out/prune-pages.pkl; the table replays only the parser,
so a rule's effect is measured on exactly the same text. Real cards are scored as
bench/accuracy.py --real scores them (labelled fields right, of the Latin-script cards'),
fresh sets as bench/accuracy.py --fresh (fields right, of all). A rule that helps neither
set is a candidate for removal. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import pickle
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import accuracy  # noqa: E402
import realcards  # noqa: E402

from cardpipe import pipeline  # noqa: E402
from cardpipe.fields import address, freetext, page, record  # noqa: E402

PAGES = ROOT / "bench" / "out" / "prune-pages.pkl"


def _same(x: Any, *_: Any, **__: Any) -> Any:
    return x


# rule -> (module, attribute, what stands in for it when the rule is off)
RULES: dict[str, tuple[Any, str, Callable[..., Any]]] = {
    "e-mail TLD from the card's other domains (repair_tld)": (record, "repair_tld", lambda host, *a, **k: (host, "")),
    "e-mail local part from the name": (record, "local_from_name", lambda local, n: (local, "")),
    "e-mail first letter from the name": (record, "lead_from_name", lambda local, r, n: (local, "")),
    "umlauts from the e-mail (Mueller -> Müller)": (record, "restore_umlauts", _same),
    "title words one letter off (Masager)": (page.freetext, "title_slips", lambda words: {}),
    "name letters (ß read as &, a first letter set apart)": (freetext, "name_text", _same),
    "postcode lines (O for 0, a lost space)": (address, "repair_postcode_line", _same),
}


@contextlib.contextmanager
def switched_off(rule: str | None) -> Iterator[None]:
    if rule is None:
        yield
        return
    module, attr, stand_in = RULES[rule]
    saved = getattr(module, attr)
    setattr(module, attr, stand_in)
    try:
        yield
    finally:
        setattr(module, attr, saved)


def record_pages(real: Path, seeds: list[int], out: Path = PAGES) -> None:
    """Read every card once, keeping the pages (and options) `read_contact` was called with."""
    calls: dict[str, list] = {}  # file -> [[first (page, kw), second-language (page, kw) or None], ...]
    current = [""]
    second = [False]
    original, original_second = record.read_contact, pipeline.second_language

    def spy(pg, **kw):
        if second[0]:  # the card's second-language read
            calls[current[0]][-1][1] = (pg, kw)
            second[0] = False
        else:
            calls.setdefault(current[0], []).append([(pg, kw), None])
        return original(pg, **kw)

    def spy_second(*a, **kw):
        lang = original_second(*a, **kw)
        second[0] = bool(lang)
        return lang

    record.read_contact, pipeline.second_language = spy, spy_second
    try:
        entries = [e for e in realcards.load(real) if realcards.script_of(e["cards"][0]) == "latin"]
        for i, e in enumerate(entries, 1):
            current[0] = "real:" + e["path"]
            pipeline.read_file(real / e["path"], pipeline.ReadOptions())
            print(f"\rreal {i}/{len(entries)}", end="", file=sys.stderr, flush=True)
        with tempfile.TemporaryDirectory() as tmp:
            root = accuracy.draw_fresh(seeds, Path(tmp) / "fresh")
            truth = __import__("json").loads((root / "truth.json").read_text(encoding="utf-8"))
            for i, entry in enumerate(truth["images"], 1):
                current[0] = "fresh:" + entry["file"]
                pipeline.read_file(root / "images" / entry["file"], pipeline.ReadOptions())
                print(f"\rfresh {i}/{len(truth['images'])}", end="", file=sys.stderr, flush=True)
    finally:
        record.read_contact, pipeline.second_language = original, original_second
    print(file=sys.stderr)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "wb") as f:
        pickle.dump({"calls": calls, "truth": truth, "seeds": seeds}, f)


def cards_of(calls: list) -> list[dict]:
    """Each card's record as the pipeline makes it: the first read, with the accents and the
    address of its second-language read when there was one."""
    out = []
    for (pg, kw), again in calls:
        rec = record.read_contact(pg, **kw)
        if again is not None:
            rec2 = record.read_contact(again[0], **again[1])
            rec = address.better_address(pipeline.restore_accents(rec, rec2), rec2)
        out.append(rec.to_json())
    return out


def fired(data: dict, real: Path) -> dict[str, int]:
    """How many times each rule changed what it was given, on both sets, all rules on."""
    counts = dict.fromkeys(RULES, 0)
    saved = {rule: getattr(m, a) for rule, (m, a, _) in RULES.items()}

    def counting(rule: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(*args: Any, **kw: Any) -> Any:
            out = fn(*args, **kw)
            given = args[0] if args else None
            same = out == given or (isinstance(out, tuple) and out[:1] == (given,)) or out in (None, [], {}, "")
            counts[rule] += not same
            return out

        return wrapped

    try:
        for rule, (module, attr, _) in RULES.items():
            setattr(module, attr, counting(rule, saved[rule]))
        score(data, real)
    finally:
        for rule, (module, attr, _) in RULES.items():
            setattr(module, attr, saved[rule])
    return counts


def score(data: dict, real: Path) -> tuple[float, float]:
    """(real Latin-script fields right, fresh fields right), with the rules as they are now."""
    calls = data["calls"]
    rows = []
    for e in realcards.load(real):
        key = "real:" + e["path"]
        if key in calls:
            rows.extend(realcards.score_entry(e, cards_of(calls[key])))
    vals = [ok for r in rows for ok in r.right.values()]
    fresh_right = fresh_total = 0
    for entry in data["truth"]["images"]:
        outs = cards_of(calls.get("fresh:" + entry["file"], []))
        for card in accuracy.score_image(entry, outs):
            for res in card.fields.values():
                fresh_total += 1
                fresh_right += bool(res.correct)
    return sum(vals) / max(1, len(vals)), fresh_right / max(1, fresh_total)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("step", nargs="?", choices=["record", "table"], default="table")
    ap.add_argument("--real", type=Path, default=ROOT.parent / "shared" / "real_cards")
    ap.add_argument("--seeds", type=int, nargs="+", default=[201, 202])
    ap.add_argument("--pages", type=Path, default=PAGES, help="where `record` keeps the pages (default: %(default)s)")
    args = ap.parse_args()
    if args.step == "record" or not args.pages.exists():
        record_pages(args.real, args.seeds, args.pages)
    with open(args.pages, "rb") as f:
        data = pickle.load(f)
    base_real, base_fresh = score(data, args.real)
    print(f"all rules on: real {base_real:.3f}, fresh (seeds {' '.join(map(str, data['seeds']))}) {base_fresh:.4f}")
    counts = fired(data, args.real)
    print("\n| rule switched off | times it changed a value | real cards, fields right | fresh sets, fields right |")
    print("|---|--:|--:|--:|")
    for rule in RULES:
        with switched_off(rule):
            real, fresh = score(data, args.real)
        print(f"| {rule} | {counts[rule]} | {100 * (real - base_real):+.1f} pts | {100 * (fresh - base_fresh):+.2f} pts |")


if __name__ == "__main__":
    main()
