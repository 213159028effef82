"""Field accuracy of ``cardpipe extract`` on the sample card set.

Runs the real CLI (``cardpipe extract --json FILE``, one process per image, in parallel)
over ``sample_cards/images`` and compares what it finds with ``sample_cards/truth.json``:

    .venv/bin/python bench/accuracy.py                    # tune split, all kinds
    .venv/bin/python bench/accuracy.py --split holdout
    .venv/bin/python bench/accuracy.py --kinds scan300 photo --show-errors
    .venv/bin/python bench/accuracy.py --split all --json bench/out/last.json
    .venv/bin/python bench/accuracy.py --split all --downscale 0.6   # harder: more errors to flag
    .venv/bin/python bench/accuracy.py --fresh 201 202    # cards nobody tuned on, drawn anew
    .venv/bin/python bench/accuracy.py --real             # real card photos, ../shared/real_cards

``--real [DIR]`` scores the labelled real cards (default ``../shared/real_cards`` beside the
repository) per field, per script and per kind of image; ``bench/realcards.py`` says how
each field is compared. ``--match TEXT`` keeps the images whose path contains TEXT.

``--fresh SEED...`` draws new sets with ``sample_cards/make_samples.py --seed SEED`` (49
files, 61 cards each, in a temporary folder) and scores all their cards: the committed
set has been looked at while tuning, fresh seeds have not. Seeds 101-103 are the dev
sets extraction was tuned on; 201 and 202 are kept as a holdout, never to be tuned on.
Drawing needs the DejaVu, Liberation and FreeFont fonts (Debian: ``fonts-dejavu-core
fonts-liberation fonts-freefont-ttf``).

The i-th truth card of a file is compared with the i-th card the CLI prints for it; a card
the CLI does not find scores 0 on every field. This is a benchmark, not a test: it exits 0
whatever the accuracy, 1 when no image could be processed at all, 2 on a usage problem
(no truth file, no cardpipe executable, nothing selected).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_cards"
REAL_CARDS = ROOT.parent / "shared" / "real_cards"
FIELDS = ("name", "title", "company", "emails", "phones", "website", "address")
KIND_ORDER = ("scan300", "scan150", "rotated", "photo", "dark", "flatbed")
ADDRESS_THRESHOLD = 0.8


# --------------------------------------------------------------------------- normalisation


def norm_text(value: Any) -> str | None:
    """NFC, case-folded, whitespace collapsed; empty or missing -> None."""
    if value is None:
        return None
    text = " ".join(unicodedata.normalize("NFC", str(value)).casefold().split())
    return text or None


def norm_website(value: Any) -> str | None:
    text = norm_text(value)
    if text is None:
        return None
    text = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text)
    text = text.removeprefix("www.").rstrip("/")
    return text or None


def email_set(values: Any) -> set[str]:
    return {v.strip().lower() for v in _as_list(values) if isinstance(v, str) and v.strip()}


def phone_map(values: Any) -> dict[str, str | None]:
    """E.164 -> type, from truth or CLI phone entries (dicts, or bare strings)."""
    out: dict[str, str | None] = {}
    for item in _as_list(values):
        if isinstance(item, dict) and item.get("e164"):
            out[str(item["e164"])] = item.get("type")
        elif isinstance(item, str) and item:
            out[item] = None
    return out


def address_tokens(value: Any) -> list[str]:
    text = norm_text(value)
    return re.findall(r"\w+", text) if text else []


def address_recall(expected: Any, got: Any) -> float | None:
    """Fraction of the truth tokens present in the output; None when the card prints no address."""
    want = address_tokens(expected)
    if not want:
        return None
    have = set(address_tokens(got))
    return sum(t in have for t in want) / len(want)


def _as_list(values: Any) -> list:
    if values is None:
        return []
    if isinstance(values, list | tuple | set):
        return list(values)
    return [values]


# --------------------------------------------------------------------------- scoring


@dataclass
class FieldResult:
    expected: Any
    got: Any
    correct: bool
    flagged: bool


@dataclass
class CardResult:
    file: str
    kind: str
    split: str
    card: int
    found: bool
    fields: dict[str, FieldResult]
    address_recall: float | None
    phone_types_right: int
    phone_total: int

    @property
    def all_correct(self) -> bool:
        return all(f.correct for f in self.fields.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file, "kind": self.kind, "split": self.split, "card": self.card,
            "found": self.found, "all_correct": self.all_correct,
            "address_recall": self.address_recall,
            "phone_types_right": self.phone_types_right, "phone_total": self.phone_total,
            "fields": {k: vars(v) for k, v in self.fields.items()},
        }


def score_card(truth: dict[str, Any], out: dict[str, Any] | None) -> tuple[dict[str, FieldResult], float | None, int]:
    """Compare one truth card with one CLI card (None when the CLI did not find it)."""
    got = out or {}
    review = {str(f) for f in _as_list(got.get("review"))}
    results: dict[str, FieldResult] = {}

    for name in ("name", "title", "company"):
        ok = out is not None and norm_text(truth.get(name)) == norm_text(got.get(name))
        results[name] = FieldResult(truth.get(name), got.get(name), ok, name in review)

    ok = out is not None and email_set(truth.get("emails")) == email_set(got.get("emails"))
    results["emails"] = FieldResult(truth.get("emails") or [], got.get("emails"), ok, "emails" in review)

    want_phones, got_phones = phone_map(truth.get("phones")), phone_map(got.get("phones"))
    ok = out is not None and set(want_phones) == set(got_phones)
    results["phones"] = FieldResult(
        [f"{e} ({t})" for e, t in want_phones.items()],
        [f"{e} ({t})" for e, t in got_phones.items()] if out is not None else None,
        ok, "phones" in review,
    )
    types_right = sum(1 for e, t in want_phones.items() if e in got_phones and got_phones[e] == t)

    ok = out is not None and norm_website(truth.get("website")) == norm_website(got.get("website"))
    results["website"] = FieldResult(truth.get("website"), got.get("website"), ok, "website" in review)

    recall = address_recall(truth.get("address"), got.get("address"))
    if out is None:
        ok, recall = False, (0.0 if recall is not None else None)
    elif recall is None:
        ok = norm_text(got.get("address")) is None
    else:
        ok = recall >= ADDRESS_THRESHOLD
    results["address"] = FieldResult(truth.get("address"), got.get("address"), ok, "address" in review)
    return results, recall, types_right


def score_image(entry: dict[str, Any], out_cards: Sequence[dict[str, Any]]) -> list[CardResult]:
    rows = []
    for i, truth in enumerate(entry["cards"]):
        out = out_cards[i] if i < len(out_cards) else None
        fields, recall, types_right = score_card(truth, out)
        rows.append(CardResult(entry["file"], entry["kind"], entry["split"], i, out is not None, fields,
                               recall, types_right, len(phone_map(truth.get("phones")))))
    return rows


# --------------------------------------------------------------------------- running the CLI


@dataclass
class Run:
    file: str
    seconds: float
    returncode: int
    cards: list[dict[str, Any]] = field(default_factory=list)
    stderr: str = ""
    bad_lines: int = 0


def run_cli(exe: Path, image: Path, timeout: float) -> Run:
    env = dict(os.environ, OMP_THREAD_LIMIT="1")  # one Tesseract thread per process: we run many
    start = time.perf_counter()
    try:
        proc = subprocess.run([str(exe), "extract", "--json", str(image)], capture_output=True, text=True,
                              timeout=timeout, env=env, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return Run(image.name, time.perf_counter() - start, -1, stderr=f"timed out after {timeout:g} s")
    seconds = time.perf_counter() - start
    cards, bad = [], 0
    for line in proc.stdout.splitlines():
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            bad += 1
            continue
        if isinstance(obj, dict):
            cards.append(obj)
        else:
            bad += 1
    cards.sort(key=lambda c: c.get("card") if isinstance(c.get("card"), int) else 0)
    return Run(image.name, seconds, proc.returncode, cards, proc.stderr, bad)


def run_all(exe: Path, images: Sequence[Path], jobs: int, timeout: float) -> dict[str, Run]:
    done: dict[str, Run] = {}
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(run_cli, exe, img, timeout) for img in images]
        for n, fut in enumerate(futures, 1):
            run = fut.result()
            done[run.file] = run
            if sys.stderr.isatty():
                print(f"\r{n}/{len(images)} {run.file:<24}", end="", file=sys.stderr, flush=True)
    if sys.stderr.isatty():
        print("\r" + " " * 40 + "\r", end="", file=sys.stderr)
    return done


# --------------------------------------------------------------------------- report


@dataclass
class Tally:
    images: int = 0
    seconds: float = 0.0
    cards: int = 0
    found: int = 0
    extra: int = 0
    failed: int = 0
    correct: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    all_correct: int = 0
    phone_types_right: int = 0
    phone_total: int = 0
    recall_sum: float = 0.0
    recall_n: int = 0

    def add_run(self, run: Run, n_truth: int) -> None:
        self.images += 1
        self.seconds += run.seconds
        self.extra += max(0, len(run.cards) - n_truth)
        self.failed += run.returncode != 0 and not run.cards

    def add_card(self, row: CardResult) -> None:
        self.cards += 1
        self.found += row.found
        for name, res in row.fields.items():
            self.correct[name] += res.correct
        self.all_correct += row.all_correct
        self.phone_types_right += row.phone_types_right
        self.phone_total += row.phone_total
        if row.address_recall is not None:
            self.recall_sum += row.address_recall
            self.recall_n += 1


def pct(num: float, den: float) -> str:
    return f"{100 * num / den:5.1f}" if den else "    -"


def review_stats(rows: Iterable[CardResult]) -> tuple[int, int, int]:
    """(flagged, flagged and wrong, wrong) over the (card, field) pairs of cards the CLI found."""
    flagged = flagged_wrong = wrong = 0
    for row in rows:
        if not row.found:
            continue
        for res in row.fields.values():
            flagged += res.flagged
            wrong += not res.correct
            flagged_wrong += res.flagged and not res.correct
    return flagged, flagged_wrong, wrong


def print_report(tallies: dict[str, Tally], rows: list[CardResult], split: str, jobs: int) -> None:
    short = {"name": "name", "title": "title", "company": "company", "emails": "email", "phones": "phone",
             "website": "web", "address": "addr"}
    head = (f"{'kind':<8} {'imgs':>4} {'cards':>5} {'found':>5} "
            + " ".join(f"{short[f]:>7}" for f in FIELDS)
            + f" {'all':>5} {'ptype':>5} {'addr~':>5} {'s/img':>6}")
    print(f"cardpipe extract accuracy, split={split}, jobs={jobs} (% of truth cards; "
          f"addr = token recall >= {ADDRESS_THRESHOLD:.0%}; addr~ = mean token recall; "
          "ptype = truth phones found with the right type)")
    print(head)
    print("-" * len(head))
    for kind, t in tallies.items():
        if kind == "overall":
            print("-" * len(head))
        print(f"{kind:<8} {t.images:>4} {t.cards:>5} {pct(t.found, t.cards):>5} "
              + " ".join(f"{pct(t.correct[f], t.cards):>7}" for f in FIELDS)
              + f" {pct(t.all_correct, t.cards):>5} {pct(t.phone_types_right, t.phone_total):>5}"
              f" {pct(t.recall_sum, t.recall_n):>5} {t.seconds / t.images if t.images else 0:>6.2f}")
    flagged, flagged_wrong, wrong = review_stats(rows)
    print(f"review flags: precision {pct(flagged_wrong, flagged).strip()}% ({flagged_wrong}/{flagged} flagged "
          f"fields were wrong), recall {pct(flagged_wrong, wrong).strip()}% ({flagged_wrong}/{wrong} wrong fields "
          "were flagged; cards the CLI found)")
    overall = tallies["overall"]
    if overall.extra or overall.failed:
        print(f"extra cards (not in truth): {overall.extra}; images with no output and a non-zero exit: "
              f"{overall.failed}")


def print_errors(rows: list[CardResult]) -> None:
    for row in rows:
        if not row.found:
            print(f"{row.file} card {row.card}: MISSING (the CLI printed no card {row.card})")
            continue
        for name, res in row.fields.items():
            if not res.correct:
                extra = f"  [recall {row.address_recall:.2f}]" if name == "address" and row.address_recall else ""
                flag = "  (flagged)" if res.flagged else ""
                print(f"{row.file} card {row.card} {name}: expected {json.dumps(res.expected, ensure_ascii=False)}"
                      f"  got {json.dumps(res.got, ensure_ascii=False)}{extra}{flag}")
            elif res.flagged:  # what costs the review flag its precision
                print(f"{row.file} card {row.card} {name}: right but flagged: {json.dumps(res.got, ensure_ascii=False)}")


def downscaled(images: Path, entries: list[dict[str, Any]], factor: float, tmp: Path) -> tuple[Path, list[dict[str, Any]]]:
    """Copies of the images shrunk by `factor` in `tmp` (same names), and the entries kept."""
    import cv2

    kept = []
    for e in entries:
        img = cv2.imread(str(images / e["file"]), cv2.IMREAD_UNCHANGED)
        if img is None:  # a PDF: OpenCV cannot read it
            continue
        small = cv2.resize(img, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
        if not cv2.imwrite(str(tmp / e["file"]), small):
            continue
        kept.append(e)
    return tmp, kept


# --------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description="Score `cardpipe extract --json` against sample_cards/truth.json.",
                                 epilog="example: .venv/bin/python bench/accuracy.py --downscale 0.6 --show-errors")
    ap.add_argument("--split", choices=("tune", "holdout", "all"), default="tune",
                    help="which images to run (default: %(default)s)")
    ap.add_argument("--kinds", nargs="+", metavar="KIND",
                    help=f"only these kinds ({', '.join(KIND_ORDER)}); commas also work")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                    help="parallel cardpipe processes (default: cores = %(default)s)")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds per image (default: %(default)s)")
    ap.add_argument("--json", type=Path, metavar="FILE", help="write the per-card comparison here")
    ap.add_argument("--show-errors", action="store_true",
                    help="print every wrong field, and every right one flagged for review")
    ap.add_argument("--samples", type=Path, default=SAMPLES,
                    help="directory holding truth.json and images/ (default: %(default)s)")
    ap.add_argument("--downscale", type=float, metavar="F",
                    help="read copies of the images shrunk by F (e.g. 0.6): harder cards, more errors, a "
                    "better look at the review flags (PDF files are left out)")
    ap.add_argument("--fresh", type=int, nargs="+", metavar="SEED",
                    help="score freshly drawn sets (make_samples.py --seed SEED), all their cards, instead of "
                    "the committed set")
    ap.add_argument("--real", nargs="?", type=Path, const=REAL_CARDS, metavar="DIR",
                    help="score the labelled real cards in DIR (default: %(const)s) instead of the samples")
    ap.add_argument("--match", metavar="TEXT", help="with --real: only images whose path contains TEXT")
    ap.add_argument("--cardpipe", type=Path, default=Path(sys.executable).parent / "cardpipe",
                    help="cardpipe executable (default: the one next to this Python)")
    return ap.parse_args(argv)


def draw_fresh(seeds: Sequence[int], root: Path) -> Path:
    """Sets drawn by make_samples.py with these seeds, merged into `root` (images/ and
    truth.json, file names prefixed with the seed); returns `root`."""
    sys.path.insert(0, str(SAMPLES))
    import contextlib
    import io

    import make_samples  # type: ignore[import-not-found]

    images: list[dict[str, Any]] = []
    (root / "images").mkdir(parents=True)
    for seed in seeds:
        out = root / f"s{seed}"
        with contextlib.redirect_stdout(io.StringIO()):
            truth = make_samples.build(out, seed)
        for entry in truth["images"]:
            name = f"s{seed}-{entry['file']}"
            (out / entry["file"]).rename(root / "images" / name)
            images.append({**entry, "file": name, "split": "all"})
    (root / "truth.json").write_text(json.dumps({"version": 1, "images": images}), encoding="utf-8")
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.real:
        return _main_real(args)
    with tempfile.TemporaryDirectory(prefix="cardpipe-fresh-") as fresh:
        if args.fresh:
            try:
                args.samples = draw_fresh(args.fresh, Path(fresh))
            except OSError as e:
                print(f"accuracy: cannot draw fresh cards ({e}); the generator needs the fonts "
                      "fonts-dejavu-core fonts-liberation fonts-freefont-ttf", file=sys.stderr)
                return 2
            args.split = "all"
        return _main(args)


def _main(args: argparse.Namespace) -> int:
    truth_path = args.samples / "truth.json"
    if not truth_path.is_file():
        print(f"accuracy: no truth file at {truth_path}; run sample_cards/make_samples.py", file=sys.stderr)
        return 2
    if not (args.cardpipe.is_file() and os.access(args.cardpipe, os.X_OK)):
        print(f"accuracy: no cardpipe executable at {args.cardpipe}; install the package "
              "(make setup) or pass --cardpipe", file=sys.stderr)
        return 2
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    kinds = {k for item in args.kinds or [] for k in item.split(",") if k}
    entries = [e for e in truth["images"]
               if (args.split == "all" or e["split"] == args.split) and (not kinds or e["kind"] in kinds)]
    unknown = kinds - {e["kind"] for e in truth["images"]}
    if unknown:
        print(f"accuracy: unknown kind(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    if not entries:
        print("accuracy: no images selected", file=sys.stderr)
        return 2
    images_dir = args.samples / "images"
    missing = [e["file"] for e in entries if not (images_dir / e["file"]).is_file()]
    if missing:
        print(f"accuracy: images missing from {images_dir}: {', '.join(missing)}", file=sys.stderr)
        return 2

    jobs = max(1, args.jobs)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="cardpipe-accuracy-") as tmp:
        if args.downscale:
            images_dir, entries = downscaled(images_dir, entries, args.downscale, Path(tmp))
        runs = run_all(args.cardpipe, [images_dir / e["file"] for e in entries], jobs, args.timeout)
    wall = time.perf_counter() - started

    order = {k: i for i, k in enumerate(KIND_ORDER)}
    kinds_seen = sorted({e["kind"] for e in entries}, key=lambda k: (order.get(k, 99), k))
    tallies = {k: Tally() for k in [*kinds_seen, "overall"]}
    rows: list[CardResult] = []
    for entry in entries:
        run = runs[entry["file"]]
        card_rows = score_image(entry, run.cards)
        rows.extend(card_rows)
        for key in (entry["kind"], "overall"):
            tallies[key].add_run(run, len(entry["cards"]))
            for row in card_rows:
                tallies[key].add_card(row)

    if args.show_errors:
        print_errors(rows)
        print()
    print_report(tallies, rows, f"fresh {' '.join(map(str, args.fresh))}" if args.fresh else args.split, jobs)
    print(f"{len(entries)} images in {wall:.1f} s wall time")

    problems = [r for r in runs.values() if r.returncode != 0 or r.bad_lines]
    for run in problems[:5]:
        tail = run.stderr.strip().splitlines()[-1:] or [""]
        print(f"warning: {run.file}: exit {run.returncode}, {run.bad_lines} unparsable line(s) {tail[0][:200]}",
              file=sys.stderr)
    if len(problems) > 5:
        print(f"warning: ... and {len(problems) - 5} more images with a non-zero exit or bad output",
              file=sys.stderr)

    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "split": args.split, "jobs": jobs, "wall_seconds": wall,
            "runs": {f: {"seconds": r.seconds, "returncode": r.returncode, "cards": r.cards,
                         "stderr": r.stderr[-2000:]} for f, r in runs.items()},
            "cards": [r.to_json() for r in rows],
        }
        args.json.write_text(json.dumps(payload, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"per-card comparison written to {args.json}")

    if all(r.returncode != 0 and not r.cards for r in runs.values()):
        first = next(iter(runs.values()))
        print(f"accuracy: cardpipe failed on every image; last error line: "
              f"{(first.stderr.strip().splitlines() or ['(none)'])[-1]}", file=sys.stderr)
        return 1
    return 0


def _main_real(args: argparse.Namespace) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import realcards

    root: Path = args.real
    if not (root / "cards.jsonl").is_file():
        print(f"accuracy: no cards.jsonl in {root}; pass --real DIR", file=sys.stderr)
        return 2
    if not (args.cardpipe.is_file() and os.access(args.cardpipe, os.X_OK)):
        print(f"accuracy: no cardpipe executable at {args.cardpipe}; run make setup", file=sys.stderr)
        return 2
    entries = [e for e in realcards.load(root) if not args.match or args.match in e["path"]]
    if not entries:
        print("accuracy: no images selected", file=sys.stderr)
        return 2
    started = time.perf_counter()
    runs = run_all(args.cardpipe, [root / e["path"] for e in entries], max(1, args.jobs), args.timeout)
    wall = time.perf_counter() - started
    rows = []
    by_name = {}
    for e in entries:
        run = runs[Path(e["path"]).name]
        by_name[e["path"]] = run
        rows.extend(realcards.score_entry(e, run.cards))
    if args.show_errors:
        print("\n".join(realcards.errors(rows)))
        print()
    print("\n".join(realcards.report(rows)))
    secs = sorted(r.seconds for r in runs.values())
    print(f"{len(entries)} images in {wall:.1f} s wall time, {args.jobs} jobs; per image median "
          f"{secs[len(secs) // 2]:.2f} s, slowest {secs[-1]:.2f} s")
    failed = [r for r in runs.values() if r.returncode not in (0,) and not r.cards]
    for run in failed:
        tail = (run.stderr.strip().splitlines() or [""])[-1]
        print(f"no card: {run.file}: exit {run.returncode} {tail[:160]}", file=sys.stderr)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {"runs": {p: {"seconds": r.seconds, "returncode": r.returncode, "cards": r.cards}
                            for p, r in by_name.items()},
                   "cards": [{**vars(r), "flagged": sorted(r.flagged)} for r in rows]}
        args.json.write_text(json.dumps(payload, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
