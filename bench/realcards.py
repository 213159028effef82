"""Scoring `cardpipe extract --json` against the labelled real cards (``../shared/real_cards``).

Used by ``bench/accuracy.py --real``. The labels are copied from the printed card exactly
(``cards.jsonl``; its README gives the format), so the comparison is lenient where printing
and a contact record legitimately differ, and strict elsewhere:

- name, e-mails, website: exactly right after case-folding and collapsing spaces (e-mails
  as a set, a printed 'gmail com' meaning gmail.com; a website without its scheme,
  ``www.`` and trailing slash);
- phones: the set of printed numbers, each compared on its last 8 digits (the
  country code and trunk prefix are formatting; an extension is ignored);
- company, title, address: token overlap, ``2|A∩B| / (|A|+|B|) >= 0.8`` over word tokens.

A field counts only where the card prints it (a ``null`` or ``[]`` label is not scored:
"share of labelled fields right"). Cards of a multi-card image are matched to the cards
the CLI printed by best agreement, not by order.

Cards are grouped by script (Latin, or CJK/Devanagari, which are reported apart) and by
kind of image: ``photo`` (a phone photo with background), ``crop`` (an app's
perspective-corrected crop or a small image, long side <= 1000 px) and ``scan``.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FIELDS = ("name", "title", "company", "emails", "phones", "website", "address")
OVERLAP = 0.8
_NON_LATIN = re.compile(r"[\u0900-\u097f\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def norm(value: Any) -> str:
    if value is None:
        return ""
    # casefold() gives Turkish 'İ' as 'i' + a dot above; Turkish lower case is a plain 'i'
    text = unicodedata.normalize("NFC", str(value)).casefold().replace("i\u0307", "i")
    return " ".join(text.split())


def tokens(value: Any) -> list[str]:
    return re.findall(r"\w+", norm(value))


def overlap(expected: Any, got: Any) -> float:
    a, b = tokens(expected), tokens(got)
    if not a or not b:
        return 0.0
    common = 0
    pool = list(b)
    for t in a:
        if t in pool:
            pool.remove(t)
            common += 1
    return 2 * common / (len(a) + len(b))


def site(value: Any) -> str:
    text = norm(value).replace(" ", "")
    text = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text)
    return text.removeprefix("www.").rstrip("/")


def phone_key(number: str) -> str:
    number = re.split(r"(?i)\b(?:ext|x|to)\b\.?", str(number))[0]
    digits = re.sub(r"\D", "", number)
    return digits[-8:]


def _phones(values: Any) -> set[str]:
    out = set()
    for item in values or []:
        raw = item.get("number") or item.get("raw") or item.get("e164") if isinstance(item, dict) else item
        if raw:
            key = phone_key(raw)
            if len(key) >= 6:
                out.add(key)
    return out


def _emails(values: Any) -> set[str]:
    """E-mails as a set: the label copies a printed slip such as 'name @ yahoo. Com' or
    'name@gmail com' exactly; the address meant is compared (spaces around @ and dots
    dropped, a space standing for the dot)."""
    out = set()
    for v in values or []:
        if v:
            text = re.sub(r"\s*([@.])\s*", r"\1", norm(v))
            out.add(re.sub(r"\s+", ".", text))
    return out


def field_right(name: str, truth: dict[str, Any], got: dict[str, Any] | None) -> bool | None:
    """True/False for a labelled field, None when the card does not print it."""
    want = truth.get(name)
    if want in (None, "", []):
        return None
    if got is None:
        return False
    have = got.get(name)
    if name == "name":
        return norm(want) == norm(have)
    if name == "emails":
        return _emails(want) == _emails(have)
    if name == "phones":
        return _phones(want) == _phones(have)
    if name == "website":
        return site(want) == site(have)
    return overlap(want, have) >= OVERLAP


def script_of(card: dict[str, Any]) -> str:
    text = " ".join(str(card.get(k) or "") for k in ("name", "company", "title", "address"))
    if card.get("language") in {"zh", "ja", "hi", "ko"} or _NON_LATIN.search(text):
        return "cjk/deva"
    return "latin"


def kind_of(entry: dict[str, Any]) -> str:
    if entry.get("kind") != "photo":
        return entry.get("kind", "photo")
    if max(entry.get("width", 0), entry.get("height", 0)) <= 1000:
        return "crop"
    return "photo"


@dataclass
class RealCard:
    file: str
    kind: str
    script: str
    index: int
    found: bool
    right: dict[str, bool] = field(default_factory=dict)  # labelled fields only
    expected: dict[str, Any] = field(default_factory=dict)
    got: dict[str, Any] = field(default_factory=dict)
    flagged: set[str] = field(default_factory=set)


def load(root: Path) -> list[dict[str, Any]]:
    rows = []
    with open(root / "cards.jsonl", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                rows.append(json.loads(line))
    return rows


def _agreement(truth: dict[str, Any], out: dict[str, Any]) -> int:
    return sum(bool(field_right(f, truth, out)) for f in FIELDS)


def score_entry(entry: dict[str, Any], out_cards: list[dict[str, Any]]) -> list[RealCard]:
    """Each labelled card against the CLI card that agrees with it most (each used once)."""
    left = list(out_cards)
    rows = []
    for i, truth in enumerate(entry["cards"]):
        best = max(left, key=lambda c: _agreement(truth, c), default=None)
        if best is not None:
            left.remove(best)
        row = RealCard(entry["path"], kind_of(entry), script_of(truth), i, best is not None)
        for name in FIELDS:
            ok = field_right(name, truth, best)
            if ok is None:
                continue
            row.right[name] = ok
            row.expected[name] = truth.get(name)
            row.got[name] = (best or {}).get(name)
            if best is not None and name in (best.get("review") or []):
                row.flagged.add(name)
        rows.append(row)
    return rows


def report(rows: list[RealCard]) -> list[str]:
    """The per-field table, per script and kind, as printable lines."""
    out = ["share of labelled fields right (phones: last 8 digits; title/company/address: "
           f"token overlap >= {OVERLAP}); n = labelled fields"]
    head = f"{'group':<17} {'cards':>5} " + " ".join(f"{f[:7]:>7}" for f in FIELDS) + f" {'fields':>7} {'n':>5}"
    out.append(head)
    out.append("-" * len(head))
    groups: dict[str, list[RealCard]] = {}
    for r in rows:
        groups.setdefault(f"{r.script} {r.kind}", []).append(r)
        groups.setdefault(f"{r.script} ALL", []).append(r)
    for key in sorted(groups, key=lambda k: (not k.startswith("latin"), k.endswith("ALL"), k)):
        g = groups[key]
        cells = []
        total = right = 0
        for f in FIELDS:
            vals = [r.right[f] for r in g if f in r.right]
            total += len(vals)
            right += sum(vals)
            cells.append(f"{sum(vals) / len(vals):7.2f}" if vals else f"{'-':>7}")
        line = f"{key:<17} {len(g):>5} " + " ".join(cells) + f" {right / total if total else 0:7.2f} {total:>5}"
        out.append(line)
    flagged = sum(len(r.flagged) for r in rows if r.found)
    fw = sum(1 for r in rows for f in r.flagged if not r.right.get(f, True))
    wrong = sum(1 for r in rows for ok in r.right.values() if not ok)
    out.append(f"review flags on labelled fields: {fw}/{flagged} flagged were wrong; "
               f"{fw}/{wrong} wrong were flagged")
    return out


def errors(rows: list[RealCard]) -> list[str]:
    lines = []
    for r in rows:
        for f, ok in r.right.items():
            if not ok:
                flag = " (flagged)" if f in r.flagged else ""
                lines.append(f"{r.file}#{r.index} {f}: expected {json.dumps(r.expected[f], ensure_ascii=False)}"
                             f" got {json.dumps(r.got[f], ensure_ascii=False)}{flag}")
    return lines
