"""E-mail addresses: found in a segment with the usual OCR slips repaired, then judged
(`judge_email`: validated and normalized by email-validator, no network) and repaired
against the rest of the card (a TLD or free-mail slip, the local part from the name).

Evidence: an `@` and a domain in a segment and the label before it ("E-mail:"), the
website's domain, the person's name (j.smith@), the other domains on the card.

Why this module is long: e-mail is the field OCR damages in ways a validator accepts
(rn for m, l for 1, a dropped dot); each repair is a few lines with its own tests, and
they only make sense read together."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from rapidfuzz.distance import Levenshtein

from ..models import OcrWord
from .candidates import EmailCandidate, Evidence, Segment
from .domain import _tld_ok
from .freetext import email_local_match
from .layout import box_of, words_conf
from .lexicon import COMMON_TLDS, EMAIL_LABELS, NAME_PARTICLES
from .name import _TRANSLIT_MAP, NameParts, _family_spellings, _given_initials
from .text import domain_label, fold, is_freemail, nearest, registrable_domain

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
                and toks[k - 1].lower() not in {"us", "me", "online", "visit", "find"}  # 'Visit us at acme.com'
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
        inner = re.sub(r"(?<=[^\W\d_]),(?=[^\W\d_][\w.+-]*@)", ".", toks[k])
        if inner != toks[k]:
            toks[k] = inner  # "pushpa,arockiam@": the dot inside the local part read as a comma
            repairs.append("comma-dot")
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


# --------------------------------------------------------------------------
# E-mails and website
# --------------------------------------------------------------------------


def _validate(value: str) -> str | None:
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        return None


@dataclass(frozen=True)
class _Judged:
    value: str
    fit: float
    conf: float  # OCR, 0..100
    note: str = ""
    repairs: tuple[str, ...] = ()  # the candidate's OCR repairs ("lost-start", "bar-for-l"...)


def judge_email(cand: EmailCandidate, site_domain: str | None, site_conf: float = 100.0) -> _Judged | None:
    """Validate an e-mail candidate, with TLD digit repairs when they help.

    A domain one or two letters away from the website's is taken from the
    website when the website was read with more confidence (`site_conf`, 0..100).
    """
    value = cand.value
    local, _, domain = value.rpartition("@")
    tld = domain.rpartition(".")[2]
    fixed_tld = tld.translate(str.maketrans({"0": "o", "1": "l"}))
    if fixed_tld != tld:
        value = f"{local}@{domain[: len(domain) - len(tld)]}{fixed_tld}"
    fit = 1.0 if not cand.repairs else 0.85
    if "stray-piece" in cand.repairs:
        fit *= 0.8
    original = _validate(value)
    if site_domain and original and registrable_domain(original.rpartition("@")[2]) == site_domain:
        return _Judged(original, fit, cand.evidence.conf)
    if site_domain and original:
        # one or two misread characters in the domain of a company address ("Ilumiere...")
        domain = original.rpartition("@")[2]
        reg = registrable_domain(domain)
        if (
            not is_freemail(reg)
            and reg != site_domain
            and site_conf > cand.evidence.conf
            and (_tld_ok(site_domain) or not _tld_ok(reg))  # not 'tulip.nl' -> 'tulip.nt'
        ):
            dist = Levenshtein.distance(reg, site_domain)
            if dist <= 2 and dist <= 0.2 * len(site_domain):
                fixed = _validate(
                    original.rpartition("@")[0] + "@" + domain[: len(domain) - len(reg)] + site_domain
                )
                if fixed:
                    return _Judged(fixed, fit * 0.8, cand.evidence.conf, "domain-from-website")
    if original and _tld_ok(original):
        return _Judged(original, fit, cand.evidence.conf)
    if original:
        return _Judged(original, fit * 0.6, cand.evidence.conf, "unknown-tld")
    return None


def _personal_domain(name: NameParts | None, domain: str) -> bool:
    """Whether a domain spells the person's whole name (averyroy.com, jdoe.com): their own site."""
    return name is not None and email_local_match(name.full.split(), [domain_label(domain)]) >= 0.95


def _near_name(local: str, name: NameParts) -> bool:
    """Whether an e-mail's local part almost, but not quite, spells a part of the name
    ('agner70' for Wagner, 'rousscau' for Rousseau, 'acampbeli'): a letter lost or misread.
    Exact spellings, with an initial or German transliteration ('joerg'), are not near."""
    from rapidfuzz import fuzz

    parts = [*name.full.split(), *(p.replace(" ", "") for p in (name.given, name.family) if p and " " in p)]
    words = [re.sub(r"[^a-z]", "", fold(w)) for w in parts]  # 'de Jong' also as 'dejong'
    words = [w for w in words if len(w) >= 3]
    translit = [re.sub(r"[^a-z]", "", w.lower().translate(_TRANSLIT_MAP)) for w in parts]
    whole = [re.sub(r"[^a-z]", "", fold(p)) for p in (name.given, name.family) if p]
    spelled = set(words) | set(translit) | {"".join(whole), "".join(reversed(whole))}
    initials = {w[0] for w in words}
    for piece in (p for p in re.split(r"[._+\-\d]+", fold(local)) if len(p) >= 4):
        if piece in spelled or (piece[0] in initials and piece[1:] in spelled) or (piece[-1] in initials and piece[:-1] in spelled):
            continue
        for w in spelled:
            if len(w) >= 4 and (fuzz.ratio(piece, w) >= 80 or fuzz.ratio(piece[1:], w) >= 80):
                return True
    return False


def _local_forms(name: NameParts) -> tuple[set[str], set[str]]:
    """(accepted, targets): how an e-mail's local part may spell the name ('helene',
    'rousseau', 'hrousseau', 'helenerousseau'...), folded to ASCII; `targets`, the spellings a
    misread piece is repaired to, transliterate umlauts ('joerg', not 'jorg'), `accepted`
    holds both."""

    def spellings(spell: Callable[[str], str]) -> set[str]:
        def words(part: str | None) -> list[str]:
            out = [re.sub(r"[^a-z]", "", spell(w)) for w in re.split(r"[\s-]+", part or "")]
            return [w for w in out if w]

        given = words(name.given)
        family = [w for w in words(name.family) if w not in NAME_PARTICLES]
        if not given or not family:
            return set()
        g, f = "".join(given), "".join(words(name.family))  # with its particles: 'vanderberg'
        forms = {*given, *family, g, f, "".join(family), g + f, f + g, g[0] + f, f + g[0]}
        return {x for x in forms if len(x) >= 2}

    targets = spellings(lambda t: fold(t.lower().translate(_TRANSLIT_MAP)))
    return targets | spellings(fold), targets


_DIGIT_SLIPS = str.maketrans({"o": "0", "l": "1", "i": "1", "s": "5", "b": "8", "z": "2"})


# An e-mail a letter away from the person's name (a website from the company's) is repaired
# to that spelling only when OCR itself doubted it (mean word confidence under this); one
# read well may really be spelled so (mohamed@ for Mohammed), and an e-mail is flagged for
# review instead: a wrong repair of a right address would be silent.
REPAIR_BELOW = 80.0


def local_from_name(local: str, name: NameParts) -> tuple[str, str]:
    """(local part, verdict): an e-mail's local part checked against the person's name.

    The verdict is "repaired" when a piece of it (between `.`, `_`, `-`) was a letter away
    from a spelling of the name, two in a long one, and now spells it ('a.campbeli' ->
    'a.campbell', 'helene.rousscau' -> 'helene.rousseau', 'igiraré' -> 'igirard'); beside a
    piece that spells the name exactly, the other name may also have lost its first letters
    ('elene.rousseau'); and the number after the name gets its digits back ('berenger7S' ->
    'berenger75'). It is "near" when a piece beside the name is two letters away from the
    other name ('perg.wagner' for Jörg Wagner: 'jorg' or 'joerg'?), "truncated" when the
    address starts with only the end of the name ('agner70' for Wagner, 'renger75' for
    Bérenger: the first letters were lost, and which ones is not known); then nothing is
    repaired. "" otherwise. A piece as near to two spellings as to one, or the start of the
    name ('steve' for Steven: a short form), is left alone.
    """
    accepted, targets = _local_forms(name)
    if not targets:
        return local, ""
    parts = re.split(r"([._+-])", local)
    heads: dict[int, tuple[str, str]] = {}
    for i, piece in enumerate(parts):
        m = re.fullmatch(r"([^\W\d_]+)(\d\w*)?", piece)
        if m:
            heads[i] = (m.group(1), m.group(2) or "")
    exact = {i for i, (head, _) in heads.items() if fold(head) in accepted}
    verdicts: set[str] = set()
    for i, (head, tail) in heads.items():
        low = fold(head)
        first = i == 0
        beside = bool(exact - {i})  # another piece spells the name: this one is the other name
        if i not in exact and len(low) >= 4:
            form, edits = nearest(low, [f for f in targets if len(f) >= 4])
            if not form:
                pass  # as near to two spellings ('marq' for Mark Marx): nothing to say which
            elif form.startswith(low):
                pass  # 'steve' for Steven, 'chris' for Christine: a short form, not a slip
            elif edits <= (2 if len(form) > 9 else 1) and (len(form) >= 5 or beside):
                if first and not beside and form.endswith(low):
                    verdicts.add("truncated")  # 'agner' for 'wagner': the start is lost
                else:
                    head = form
                    exact.add(i)
                    verdicts.add("repaired")
            elif beside and edits == 2:
                verdicts.add("near")  # 'perg.wagner' for Jörg Wagner: 'jorg' or 'joerg'?
        if i not in exact and first and not beside and len(low) >= 3:
            if any(len(f) >= len(low) + 2 and f.endswith(low) for f in accepted):
                verdicts.add("truncated")  # 'renger' for 'berenger', 'ard' for 'igirard'
        if i in exact and re.fullmatch(r"\d[\dolisbz]*", tail, re.I) and not tail.isdigit():
            tail = tail.lower().translate(_DIGIT_SLIPS)
            verdicts.add("repaired")
        parts[i] = head + tail
    verdict = next((v for v in ("truncated", "near", "repaired") if v in verdicts), "")
    return "".join(parts), verdict


def lead_from_name(local: str, repairs: Sequence[str], name: NameParts | None) -> tuple[str, str]:
    """(local part, verdict): the first letter of a local part, misread or lost, checked
    against the person's name.

    OCR reads a lower-case `l` as `I`, `|` or `!` ('Itremblay', '|.wilson'). An `I` before a
    lower-case rest is the `l` when `l` then spells the name (Liam Tremblay: 'ltremblay'),
    an `i` when that does ('Itremblay' for Ian); a bar read as `l` (repair "bar-for-l") is
    kept when the given name starts with L, made an `i` when it starts with I. When the start
    of the address was lost ("lost-start": '.wilson@', 'SCHAFER!“fer@') and what is left
    is the family name after a dot, the given name's initial goes back before the dot
    ('l.wilson' for Liam Wilson), but that stays a guess. The verdict is "repaired", "doubtful"
    (flag it: the name does not say, or the repair is a guess) or "". The extraction's
    guesses, a colon read for the dot after an initial ('f:moreau' -> 'f.moreau') and a
    separator dropped from a pair ('sophie.-hughes'), are "doubtful" unless the name is spelled.
    """
    guessed = {"colon-for-dot", "double-separator"} & set(repairs)  # 'f:moreau', 'sophie.-hughes'
    if name is None:
        doubt = "bar-for-l" in repairs or "lost-start" in repairs or bool(guessed)
        return local, "doubtful" if doubt else ""
    initials = _given_initials(name)
    accepted = _local_forms(name)[0]
    family = _family_spellings(name) - set(NAME_PARTICLES)

    def spells(loc: str) -> bool:
        """Whether the local part starts with a spelling of the name ('ltremblay', 'l.wilson')."""
        pieces = [fold(p).lower() for p in re.split(r"[._+\-\d]+", loc) if p]
        if len(pieces) >= 2 and len(pieces[0]) == 1:
            return pieces[0] in initials and pieces[1] in accepted
        return bool(pieces) and pieces[0] in accepted

    if re.fullmatch(r"I[a-z][a-z0-9._+-]*", local):
        rest = local[1:]
        for letter in "li":
            if letter in initials and spells(letter + rest):
                return letter + rest, "repaired"
        named = any(spells(x) for x in (rest, "l" + rest, "i" + rest))
        return local, ("doubtful" if named else "")  # 'Info@' says nothing either way
    if "bar-for-l" in repairs:
        if spells(local):
            return local, "repaired"
        if spells("i" + local[1:]):
            return "i" + local[1:], "repaired"
        return local, "doubtful"
    if "lost-start" in repairs:
        head = re.split(r"[._+\-\d]+", fold(local).lower())[0]
        if "lost-before-dot" in repairs and len(initials) == 1 and head in family:
            return f"{next(iter(initials))}.{local}", "doubtful"
        return local, "doubtful"
    if guessed:
        return local, ("" if spells(local) else "doubtful")
    return local, ""
