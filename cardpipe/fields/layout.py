"""Layout: OCR lines -> segments (one column cell or one contact-bar item each), and
the geometry of segments (boxes, neighbours above and below, word offsets)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..models import OcrPage, OcrWord
from .candidates import Box, Evidence, Segment
from .lexicon import ADDRESS_LABEL_RE, EMAIL_LABELS, PHONE_LABELS, SEPARATORS, WEB_LABEL_RE

_SEP_WORD_RE = re.compile(rf"^[{re.escape(SEPARATORS)}]+$")


def box_of(words: Sequence[OcrWord]) -> Box:
    return Box(
        min(w.left for w in words),
        min(w.top for w in words),
        max(w.left + w.width for w in words),
        max(w.top + w.height for w in words),
    )


def words_conf(words: Sequence[OcrWord]) -> float:
    return sum(w.conf for w in words) / len(words) if words else 0.0


def evidence_of(seg: Segment, rule: str, label: str | None = None, conf: float | None = None) -> Evidence:
    return Evidence(seg.line, seg.box, seg.conf if conf is None else conf, rule, label)


def span_conf(seg: Segment, start: int, end: int, *, worst: bool = False) -> float:
    """Mean (or lowest) confidence of the words of a segment that overlap text[start:end]."""
    pos = 0
    confs = []
    for w in seg.words:
        i = seg.text.find(w.text, pos)
        if i < 0:
            continue
        j = i + len(w.text)
        pos = j
        if i < end and j > start:
            confs.append(w.conf)
    if not confs:
        return seg.conf
    return min(confs) if worst else sum(confs) / len(confs)


def _split_word(word: OcrWord) -> list[OcrWord | None]:
    """Split a word at separator characters inside it; None marks a separator.

    A `|` glued to the letters of an address or domain ("acme.n|") is the `l`
    (or, next to digits, the `1`) OCR took for a bar.
    """
    if not re.search(f"[{re.escape(SEPARATORS)}]", word.text):
        return [word]
    if (
        re.search(r"[.@]", word.text)
        and re.fullmatch(r"[\w.@|/:-]+", word.text)
        and re.search(r"\w\||\|\w|^\|\.\w", word.text)  # '|.wilson@': the 'l' of 'l.wilson'
    ):
        fixed = re.sub(r"(?<=\d)\||\|(?=\d)", "1", word.text).replace("|", "l")
        return [OcrWord(fixed, word.conf, word.left, word.top, word.width, word.height)]
    pieces = re.split(f"([{re.escape(SEPARATORS)}]+)", word.text)
    out: list[OcrWord | None] = []
    total = max(len(word.text), 1)
    x = word.left
    for p in pieces:
        w = round(word.width * len(p) / total)
        if p and _SEP_WORD_RE.match(p):
            out.append(None)
        elif p:
            out.append(OcrWord(p, word.conf, x, word.top, max(w, 1), word.height))
        x += w
    return out


def _is_label_only(words: Sequence[OcrWord]) -> bool:
    text = " ".join(w.text for w in words).strip().rstrip(":.").lower()
    return bool(text) and (
        text in PHONE_LABELS or bool(re.fullmatch(r"e-?mail|web|www|tel|fax|mob|mobile", text))
    )


def _rows(words: Sequence[OcrWord]) -> list[list[OcrWord]]:
    """Split the words of one OCR line into printed rows (OCR sometimes joins two rows)."""
    rows: list[list[OcrWord]] = []
    for w in sorted(words, key=lambda w: (w.top + w.height / 2, w.left)):
        for row in rows:
            top = min(x.top for x in row)
            bottom = max(x.top + x.height for x in row)
            overlap = min(bottom, w.top + w.height) - max(top, w.top)
            if overlap >= 0.5 * min(w.height, bottom - top):
                row.append(w)
                break
        else:
            rows.append([w])
    for row in rows:
        row.sort(key=lambda w: w.left)
    rows.sort(key=lambda r: min(w.top for w in r))
    return rows


def _at_neighbour(words: Sequence[OcrWord], i: int) -> str | None:
    """'1' or 'l' when the separator at words[i] is really a character of an e-mail address."""
    prev = words[i - 1].text if i > 0 else ""
    nxt = words[i + 1].text if i + 1 < len(words) else ""
    if nxt.startswith("@") or prev.endswith("@"):
        neighbour = prev[-1:] if nxt.startswith("@") else nxt[:1]
        return "1" if neighbour.isdigit() else "l"
    return None


def _gap_unit(a: OcrWord, b: OcrWord, line_height: int) -> int:
    """The text height a gap between two words is measured in: the line's, or the smaller
    type's when the two differ in size ('Lumière Conseil SARL      13001 Marseille': a company
    name and an address line of another column, read as one line)."""
    lo, hi = sorted((max(a.height, 1), max(b.height, 1)))
    return lo if hi >= 1.5 * lo else line_height


def segment_page(page: OcrPage) -> tuple[Segment, ...]:
    """Split every line into segments at separators and at wide horizontal gaps.

    A line that holds two printed rows (OCR merged them) is split into rows
    first. A wide gap (more than 2.5 times the line height, or the smaller
    type's height where two sizes meet) means two columns that OCR read as one
    line. A label alone before a gap ("Tel:      555...") stays with what
    follows it. A `|` glued to an e-mail's `@` is read as the
    `1` or `l` it usually is.
    """
    segments: list[Segment] = []
    for li, line in enumerate(page.lines):
        for row in _rows([w for w in line.words if w.text.strip()]):
            pieces: list[OcrWord | None] = []
            for word in row:
                pieces.extend(_split_word(word))
            has_contact = bool(re.search(r"@|www|\.com|\d{3}", " ".join(w.text for w in row)))
            height = max(sorted(w.height for w in row)[len(row) // 2], 1)
            groups: list[list[OcrWord]] = [[]]
            prev: OcrWord | None = None
            for k, piece in enumerate(pieces):
                if piece is not None and piece.text in {"|", "I", "l"}:
                    ctx = [p if p is not None else OcrWord("|", 0, 0, 0, 0, 0) for p in pieces]
                    char = _at_neighbour(ctx, k)
                    if char:
                        piece = OcrWord(char, piece.conf, piece.left, piece.top, piece.width, piece.height)
                        groups[-1].append(piece)
                        prev = piece
                        continue
                if piece is None:
                    ctx = [p if p is not None else OcrWord("|", 0, 0, 0, 0, 0) for p in pieces]
                    char = _at_neighbour(ctx, k)
                    if char and prev is not None:
                        piece = OcrWord(char, prev.conf, prev.left + prev.width, prev.top, 1, prev.height)
                        groups[-1].append(piece)
                        prev = piece
                        continue
                if piece is None or (has_contact and piece.text in {"I", "l", "!", "/"} and len(row) > 2):
                    groups.append([])
                    prev = None
                    continue
                if prev is not None and piece.left - (prev.left + prev.width) > 2.5 * _gap_unit(prev, piece, height):
                    if groups[-1] and not _is_label_only(groups[-1]):
                        groups.append([])
                groups[-1].append(piece)
                prev = piece
            for g in groups:
                g = [w for w in g if w.text.strip(" ,;")]
                if g:
                    seg = make_segment(len(segments), li, g)
                    if seg is not None:
                        segments.append(seg)
    return tuple(_join_skewed(segments))


def _join_skewed(segments: list[Segment]) -> list[Segment]:
    """Join the two halves of a printed line that a skewed scan made OCR read as two lines.

    The right half starts where the left half ends, a fraction of a line higher
    or lower (a whole row apart is a new line; the same row is a contact bar).
    """
    segs = list(segments)
    changed = len(segs) <= 150  # a card, not a page of prose
    while changed:
        changed = False
        for a in segs:
            for b in segs:
                if a is b or a.line == b.line:
                    continue
                h = max(a.height, b.height, 1)
                if max(a.height, b.height) > 1.3 * max(min(a.height, b.height), 1):
                    continue
                if _starts_with_label(b):
                    continue  # "E: ...", "Tel ...": a line of its own in the next column, not a half
                gap = b.box.left - a.box.right
                dy = abs((a.box.top + a.box.bottom) / 2 - (b.box.top + b.box.bottom) / 2)
                overlap = min(a.box.bottom, b.box.bottom) - max(a.box.top, b.box.top)
                if -0.3 * h <= gap <= 1.2 * h and dy > 0.25 * h and (dy < 0.9 * h or overlap > 0.2 * h):
                    words = a.words + b.words
                    joined = Segment(
                        a.index, a.line, f"{a.text} {b.text}", words, box_of(words), words_conf(words), h
                    )
                    segs = [joined if x is a else x for x in segs if x is not b]
                    changed = True
                    break
            if changed:
                break
    return [Segment(i, s.line, s.text, s.words, s.box, s.conf, s.height) for i, s in enumerate(segs)]


def _starts_with_label(seg: Segment) -> bool:
    """Whether a segment starts with a contact label: 'E:', 'Tel', 'M.', 'Web:'."""
    first = seg.words[0].text if seg.words else ""
    key = first.lower().rstrip(":.")
    if not key:
        return False
    if first.endswith((":", ".")) and (key in PHONE_LABELS or key in EMAIL_LABELS or key in {"w", "web"}):
        return True
    return len(seg.words) > 1 and _is_label_only(seg.words[:1]) and len(key) > 1


def make_segment(index: int, line: int, words: Sequence[OcrWord]) -> Segment | None:
    text = " ".join(w.text for w in words).strip()
    if not re.search(r"\w", text):
        return None
    hs = sorted(w.height for w in words)
    return Segment(index, line, text, tuple(words), box_of(words), words_conf(words), hs[len(hs) // 2])


def word_offsets(seg: Segment) -> list[tuple[int, int]]:
    """(start, end) of every word of a segment in its text."""
    out = []
    pos = 0
    for w in seg.words:
        i = seg.text.find(w.text, pos)
        if i < 0:
            i = pos
        out.append((i, i + len(w.text)))
        pos = i + len(w.text)
    return out


def mask_words(text: str, offsets: Sequence[tuple[int, int]], used: set[int]) -> str:
    """The text with the used words blanked out (offsets stay valid)."""
    chars = list(text)
    for k in used:
        a, b = offsets[k]
        chars[a:b] = " " * (b - a)
    return "".join(chars)


def is_label_run(words: Sequence[OcrWord]) -> bool:
    """Leftover words that are only labels or punctuation ("Tel.", "Email:", "-", "W:")."""
    for w in words:
        t = w.text.strip(":.-–—()[]/|,;").lower()
        if not t or len(t) == 1:
            continue
        if (
            t in PHONE_LABELS
            or t in EMAIL_LABELS
            or WEB_LABEL_RE.match(t + ":")
            or ADDRESS_LABEL_RE.match(t + ":")
        ):
            continue
        if t in {"linkedin", "twitter", "instagram", "web", "website", "ext", "x"}:
            continue
        return False
    return True


def neighbours_above(seg: Segment, segments: Sequence[Segment], used: set[int]) -> list[Segment]:
    """Segments right above `seg` in the same column, nearest first (at most 3)."""
    out: list[Segment] = []
    cur = seg
    for _ in range(3):
        best = None
        for s in segments:
            if s.index in used or s.index == cur.index or s.index in {o.index for o in out}:
                continue
            if s.box.bottom > cur.box.top + 0.5 * cur.height:
                continue
            if s.box.x_overlap(cur.box) <= 0:
                continue
            gap = cur.box.top - s.box.bottom
            if gap > 2.2 * max(cur.height, s.height):
                continue
            if best is None or s.box.bottom > best.box.bottom:
                best = s
        if best is None:
            break
        out.append(best)
        cur = best
    return out


def neighbour_below(seg: Segment, segments: Sequence[Segment], max_gap: float = 1.6) -> Segment | None:
    best = None
    for s in segments:
        if s.index == seg.index or s.box.top < seg.box.bottom - 0.5 * seg.height:
            continue
        if s.box.x_overlap(seg.box) <= 0:
            continue
        gap = s.box.top - seg.box.bottom
        if gap > max_gap * max(seg.height, s.height):
            continue
        if best is None or s.box.top < best.box.top:
            best = s
    return best
