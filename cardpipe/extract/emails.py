"""E-mail addresses in a segment, with the usual OCR slips repaired (not yet validated)."""

from __future__ import annotations

import re

from ..models import OcrWord
from .candidates import EmailCandidate, Evidence, Segment
from .layout import box_of, words_conf
from .lexicon import COMMON_TLDS, EMAIL_LABELS
from .text import fold

_AT_WORDS = {"(at)", "[at]", "{at}", "<at>", "(a)", "(@)", "©", "®", "@"}
_AT_INNER_RE = re.compile(r"\(at\)|\[at\]|\{at\}|<at>|\(@\)|[©®]", re.I)
_DOT_WORDS = {"dot", "(dot)", "[dot]", "{dot}", "<dot>"}


_EMAIL_RE = re.compile(r"[\w.+'’-]+@[\w-]+(?:[.,][\w-]+)*[.,][^\W\d_]{2,}", re.UNICODE)
_LOCAL_TOKEN_RE = re.compile(r"[\w.+'’-]*\w[\w.+'’-]*")
_DOMAIN_TOKEN_RE = re.compile(r"[\w.,-]*\w[\w.,-]*|[.,]")


# An e-mail label glued to the address, as OCR reads it on real cards: 'E-mail', 'E-mait',
# 'Email', 'E-mall' (the colon lost). Only with the hyphen or a capital E: 'mail' and
# 'email' can start a real address.
_GLUED_LABEL_RE = re.compile(r"(?:E-?|e-)ma[il1|!t]{1,2}[:;.]?(?=\w)")


def _is_email_label(token: str) -> bool:
    return token.lower().rstrip(":.-") in EMAIL_LABELS or token.endswith(":")


def _glued(a: OcrWord, b: OcrWord) -> bool:
    """Two words printed with less than a space between them (one token that OCR cut)."""
    return b.left - (a.left + a.width) < 0.3 * max(a.height, b.height, 1)


def _glued_near(a: OcrWord, b: OcrWord) -> bool:
    """Two words no farther apart than a wide space (one run of type)."""
    return b.left - (a.left + a.width) < 1.5 * max(a.height, b.height, 1)


def _looks_domain(token: str) -> bool:
    return bool(re.fullmatch(r"[\w-]+(?:[.,][\w-]+)*[.,][^\W\d_]{2,}[.,]?", token))


def _glued_lead(before: str, value: str) -> tuple[str, tuple[str, ...]]:
    """(value, repairs): what to make of the characters glued before an address's local part.

    A bar or `!` is a misread `l` ('|.wilson@' for 'l.wilson@'; which letter it was, the
    name says: repair "bar-for-l"). Other junk glued to it ('SCHAFER!“fer@', '.lefevre@')
    says the start of the address was lost or misread (repair "lost-start", and
    "lost-before-dot" when a dot is left of it: a whole piece was lost). A label (`E:`,
    `mailto:`), a bracket, quotes, a dash or an icon before it say nothing.
    """
    cm = re.fullmatch(r"(?:.*[^\w.-])?([^\W\d_]):", before)
    if cm and cm.group(1).islower() and cm.group(1) not in EMAIL_LABELS and value[:1].isalpha():
        # "f:moreau@" for 'f.moreau@': a small letter glued to the address by a colon is its
        # initial, the dot misread; a capital is a label ('E:jo@', 'M:smith@' for Mobile,
        # 'P:', 'T:', 'W:', 'F:', 'O:'), never an initial
        return cm.group(1) + "." + value, ("colon-for-dot",)
    if not before or before[-1] in ":<([{/" or before.endswith(("(at)", "[at]")):
        return value, ()
    bm = re.fullmatch(r"(?P<pre>.*?)[|!](?P<sep>[._-]?)", before)
    if bm and not (bm.group("pre")[-1:].isalnum()) and value[:1].isalpha():
        return "l" + bm.group("sep") + value, ("bar-for-l",)
    if before.endswith("."):
        return value, ("lost-start", "lost-before-dot")  # addresses do not start with a dot
    if not re.search(r"[^\W_]", before):
        return value, ()  # a dash, quotes or an icon (✉) before it: not a lost letter
    return value, ("lost-start",)


def find_emails(seg: Segment) -> list[tuple[EmailCandidate, tuple[int, int]]]:
    """E-mail addresses in a segment, repaired, with the range of words they use.

    The repairs are the usual OCR slips: `(at)`, `©`, `®` or the word `at` for
    `@`, `(dot)` for `.`, `,` for `.` in the domain, and spaces inside the
    address (a word is joined to the address when the join is evident: one side
    ends or starts with `@`, `.`, `-`, `_`, or one side is a stray one- or
    two-character piece; a lone letter before the local part lost its dot), a colon
    for the dot after an initial ('f:moreau@'), a bar or '1' for an 'l' of the TLD
    ('.n!'), a dot and a hyphen for one separator ('sophie.-hughes'). A capitalised word
    and a dot before a lower-case address that spells it ('DavieS. hdavies@') is the name
    printed beside it, not part of it; junk and a dot before it ('«ev. krueger@') a lost start.
    """
    toks = [w.text for w in seg.words]
    repairs: list[str] = []
    if not any("@" in t for t in toks):
        for k, t in enumerate(toks):
            if t.lower() in _AT_WORDS:
                toks[k] = "@"
                repairs.append("at-sign")
            elif _AT_INNER_RE.search(t) and re.search(r"\w", _AT_INNER_RE.sub("", t)):
                toks[k] = _AT_INNER_RE.sub("@", t)
                repairs.append("at-sign")
            elif (
                t.lower() == "at"
                and 0 < k < len(toks) - 1
                and _LOCAL_TOKEN_RE.fullmatch(toks[k - 1])
                and not _is_email_label(toks[k - 1])
                and (_looks_domain(toks[k + 1]) or (k + 2 < len(toks) and toks[k + 2].lower() in _DOT_WORDS))
            ):
                toks[k] = "@"
                repairs.append("at-sign")
            elif re.fullmatch(r"[\w.+-]+&[\w-]+\.[a-z]{2,}", t, re.I):
                toks[k] = t.replace("&", "@")
                repairs.append("at-sign")
            if any("@" in x for x in toks):
                break
    if any("@" in t for t in toks):
        for k, t in enumerate(toks):
            if t.lower() in _DOT_WORDS:
                toks[k] = "."
                repairs.append("dot-word")
    out = []
    k = 0
    while k < len(toks):
        if "@" not in toks[k]:
            k += 1
            continue
        i = j = k
        dot_after: set[int] = set()
        beside = False  # a name word printed before the address (not part of it)
        while i - 1 >= 0:
            t, c = toks[i - 1], toks[i]
            capital_label = t[:1].isupper() and t.endswith(".")  # "... 56 78 E. jo@acme.com"
            if _is_email_label(t) and (i - 1 == 0 or t.endswith(":") or capital_label):
                break
            if t.endswith(",") and _LOCAL_TOKEN_RE.fullmatch(t[:-1]) and _glued(seg.words[i - 1], seg.words[i]):
                t = toks[i - 1] = t[:-1] + "."  # "charlotte, davies@": the dot read as a comma
                repairs.append("comma-dot")
            word = re.sub(r"[^a-z]", "", fold(t))
            if (
                t.endswith(".")
                and re.search(r"[A-Z]", t)
                and len(word) >= 3
                and c == c.lower()
                and word in re.sub(r"[^a-z]", "", fold("".join(toks[i : k + 1]).partition("@")[0]))
            ):
                # "Harry DavieS. hdavies@": the name printed beside the address it is in (but
                # "Matthias. wagner88@" is the address, capitalised)
                beside = True
                break
            if not _LOCAL_TOKEN_RE.fullmatch(t):
                break
            c_local = c.partition("@")[0]
            if not re.search(r"[^\W\d_]", t) and not c.startswith("@"):
                break  # "555 1234 jd@acme.com": a number is not part of the address
            if (
                re.fullmatch(r"[A-Z][a-z]{2,}", t)
                and not c.startswith(("@", ".", "_", "-"))
                and not c[:1].isupper()
            ):
                break  # "Ethan Wilson e. wilson@": a capitalised word (the name) beside a short piece
            if (
                t.endswith((".", "_", "-"))
                or c.startswith(("@", ".", "_", "-"))
                or len(t) <= 2
                or len(c_local) <= 2
            ):
                if len(t) == 1 and t.isalpha() and c[:1].isalpha():
                    dot_after.add(i - 1)
                i -= 1
            else:
                break
        tld_dot = -1  # the dot before the TLD read as a space: "bastide-immobilier fr"
        while j + 1 < len(toks):
            c, t = toks[j], toks[j + 1]
            if not _DOMAIN_TOKEN_RE.fullmatch(t):
                break
            domain_so_far = "".join(toks[k : j + 1]).partition("@")[2]
            if (
                re.fullmatch(r"[\w-]*[^\W\d_]{2}[\w-]*", domain_so_far)
                and len(domain_so_far) >= 4  # not 'ema com', the end of 'gmail.com'
                and not c.endswith(("@", "-"))
                and t.lower().rstrip(".,").rpartition(".")[2] in COMMON_TLDS
                and re.fullmatch(r"(?:[a-z]{2,3}\.)?[a-z]{2,}[.,]?", t, re.I)
            ):
                tld_dot = j
                j += 1
                break
            if (
                c.endswith(("@", ".", ",", "-"))
                or t.startswith((".", ",", "-"))
                # "davies@ ha rbourfinch.com": a domain has no end before its TLD (but
                # "van-dijk.nl_l www...": one that ends in '_' and a bar has ended)
                or (domain_so_far and not re.search(r"[.,][^\W\d_]{2,}(?:_\W?\w?)?$", domain_so_far))
            ):
                j += 1
            else:
                break
        stray = (
            any(len(toks[x].partition("@")[0]) <= 2 and "@" not in toks[x][:1] for x in range(i, k)) and i < k
        )
        joined = "".join(toks[x] + ("." if x in dot_after or x == tld_dot else "") for x in range(i, j + 1))
        m = _EMAIL_RE.search(joined)
        bar_tld = False
        if not m and "@" in joined:
            # "oranjewoudmedia.n!": a bar or '1' read for an 'l' (or an 'i') of the TLD
            head, _, dom = joined.partition("@")
            fixed = re.sub(r"([.,][^\W\d_]?)[!|1]([^\W\d_]?)(?![\w!|])", r"\1l\2", dom, count=1)
            m = _EMAIL_RE.search(f"{head}@{fixed}") if fixed != dom else None
            if m:
                joined, bar_tld = f"{head}@{fixed}", True
            else:
                # "bauersystems -de": the dot before the TLD read as a hyphen (a domain
                # with no dot at all has lost one)
                hm = re.fullmatch(r"([\w-]*\w)-([a-z]{2,3})", dom, re.I)
                if hm and "." not in dom and hm.group(2).lower() in COMMON_TLDS:
                    fixed = f"{hm.group(1)}.{hm.group(2)}"
                    m = _EMAIL_RE.search(f"{head}@{fixed}")
                    if m:
                        joined = f"{head}@{fixed}"
                        repairs.append("hyphen-for-dot")
        if m:
            raw = " ".join(w.text for w in seg.words[i : j + 1])
            value = m.group(0).strip(".,'’-")
            reps = list(repairs)
            if tld_dot >= 0:
                reps.append("space-dot")
            before = joined[: m.start()] + m.group(0)[: m.group(0).find(value)]
            if not before and i > 0 and toks[i - 1] == ".":
                before = "."  # ". lefevre@": a dot, alone, where the address began
            value, lead = _glued_lead(before, value)
            reps.extend(lead)
            if bar_tld:
                reps.append("bar-in-tld")
            if not before and i > 0 and toks[i - 1].endswith(".") and not _is_email_label(toks[i - 1]):
                prev = toks[i - 1]
                if (
                    not beside
                    and re.search(r"[^\W\d_]", prev)
                    and not re.search(r"[A-Z]", prev)
                    and not _looks_domain(prev)
                    and _glued_near(seg.words[i - 1], seg.words[i])
                ):
                    reps.extend(("lost-start", "lost-before-dot"))  # "«ev. krueger@" for 'lena.krueger@'
            if i < j:
                reps.append("spaces")
            if stray:
                reps.append("stray-piece")
            local, _, domain = value.partition("@")
            glued = _GLUED_LABEL_RE.match(local)
            if glued and len(local) - glued.end() >= 2:
                local = local[glued.end():]  # "E-maitsatoshi@": the label read into the address
                reps.append("glued-label")
            # only a dot beside a dash or an underscore ('.-', '-.', '._', '_.'): '--' and '__'
            # ('sophie_-_hughes') are printed as they are
            squeezed = re.sub(r"[._-]*\.[._-]*", lambda r: "." if len(r.group(0)) > 1 else r.group(0), local)
            if squeezed != local and re.search(r"\w", squeezed[:1]):
                local = squeezed  # "sophie.-hughes": a speck beside the dot read as a hyphen
                reps.append("double-separator")
            if "," in domain:
                domain = domain.replace(",", ".")
                reps.append("comma-dot")
            domain = re.sub(r"\.{2,}", ".", domain)
            value = f"{local}@{domain}"
            words = seg.words[i : j + 1]
            ev = Evidence(seg.line, box_of(words), words_conf(words), "email:pattern", None)
            out.append((EmailCandidate(value, raw, tuple(dict.fromkeys(reps)), ev), (i, j)))
        k = j + 1
    return out
