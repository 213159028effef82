"""The whole page: every candidate on a card (`propose`), and the region for numbers
printed without `+`."""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import replace

import phonenumbers

from ..models import OcrLine, OcrPage, OcrWord
from . import freetext
from .address import (
    DE_STREET_RE,
    FR_STREET_RE,
    country_named_in,
    country_of_line,
    find_addresses,
    is_unit_line,
    split_country_suffix,
)
from .candidates import Candidates, EmailCandidate, PhoneCandidate, Segment, TextCandidate, UrlCandidate
from .email import find_emails
from .freetext import clean_free_words, email_local_match, person_tokens
from .layout import (
    box_of,
    evidence_of,
    is_label_run,
    make_segment,
    mask_words,
    neighbour_below,
    segment_page,
    word_offsets,
    words_conf,
)
from .lexicon import GIVEN_NAMES, STRONG_SUFFIX_RE
from .phone import phones_in, unread_numbers
from .text import fold, is_freemail, region_for_tld
from .website import find_urls

# What is left of a web address OCR could not read: 'www', a scheme ('hitps/'), a web label
# ('W:', 'Web.'), or a name ending in a TLD ('harbourtinch. fr', 'harbourtinch com'; not
# 'Directeur de', a title running on to the next line).
_WEB_TRACE_RE = re.compile(
    r"(?:^|\s)\W?[a-z]?(?=[vw]*ww)[vw]{2,3}\b|\bh\w?t\w?ps?\s?[:/;]|^\s*\W?(?:w|web|website)\s?[:.!]\s"
    r"|[a-z]{4,}(?:\s?[.,]\s?(?:com|net|org|de|fr|nl|co\.uk|be|ch|at|es|it|io|ca|com\.au)|\s(?:com|net|org))\W*$",
    re.IGNORECASE,
)


def guess_region(
    segments: Sequence[Segment], hosts: Iterable[str], default: str
) -> tuple[str, str, str | None]:
    """(region, source, DE/FR hint) for numbers printed without +."""
    text = "\n".join(s.text for s in segments)
    # a printed country name
    for s in segments:
        cc = country_of_line(s.text) or split_country_suffix(s.text)[1]
        if cc and cc in phonenumbers.SUPPORTED_REGIONS:
            return cc, "address", cc
    hint: str | None = None
    if DE_STREET_RE.search(text):
        hint = "DE"
    elif FR_STREET_RE.search(text):
        hint = "FR"
    for h in hosts:
        r = region_for_tld(h)
        if r:
            return r, "tld", hint or (r if r in ("DE", "FR", "AT", "CH") else None)
    codes = [phonenumbers.region_code_for_country_code(int(c)) for c in re.findall(r"\+\s?(\d{1,3})\b", text)]
    codes = [c for c in codes if c and c != "ZZ"]
    if codes:
        c = max(set(codes), key=codes.count)
        return c, "phone-prefix", hint or (c if c in ("DE", "FR") else None)
    named = country_named_in([s.text for s in segments if "@" not in s.text and "www" not in s.text.lower()])
    if named and named in phonenumbers.SUPPORTED_REGIONS:
        return named, "place-name", hint
    return default, "default", hint


# A bar that starts a word before an apostrophe and a letter: the 'l' of an elided article
# ("de |'Intendance" for "de l'Intendance"), never a separator between two fields.
_ELIDED_BAR_RE = re.compile(r"^[|¦](?=['’][^\W\d_])")


def mend_elided_bars(page: OcrPage) -> OcrPage:
    """The page with the bar OCR reads for the 'l' of an elided article ('|'Intendance',
    '|’Arc') made that 'l' again, so that segmenting does not split the line there."""
    if not any(_ELIDED_BAR_RE.match(w.text) for line in page.lines for w in line.words):
        return page

    def mended(line: OcrLine) -> OcrLine:
        words = tuple(replace(w, text=_ELIDED_BAR_RE.sub("l", w.text)) for w in line.words)
        return replace(line, words=words)

    return replace(page, lines=tuple(mended(line) for line in page.lines))


def split_title_company(seg: Segment, index: int) -> tuple[Segment, Segment] | None:
    """A title and a company printed side by side in one row and read as one line
    ('Technische Leiterin   Lindner Logistik GmbH'): the two halves, split at the one gap
    much wider than the others (numbered `index` and `index + 1`), when one half is a title
    and the other ends in a legal form; None for any other line."""
    words = seg.words
    if len(words) < 3:
        return None
    gaps = [b.left - (a.left + a.width) for a, b in zip(words, words[1:], strict=False)]
    k = max(range(len(gaps)), key=gaps.__getitem__)
    others = sorted(g for i, g in enumerate(gaps) if i != k)
    usual = max(others[len(others) // 2], 1)
    if gaps[k] < 2.5 * usual or gaps[k] < 0.8 * seg.height:
        return None
    left = make_segment(index, seg.line, words[: k + 1])
    right = make_segment(index + 1, seg.line, words[k + 1 :])
    if left is None or right is None:
        return None
    for title, company in ((left, right), (right, left)):
        if (
            freetext.title_score(title.text)[1]
            and not STRONG_SUFFIX_RE.search(title.text)
            and len(company.words) >= 2  # a name and its legal form
            and STRONG_SUFFIX_RE.search(company.text.split()[-1])
            and not freetext.title_score(company.text)[1]
        ):
            return left, right
    return None


# A line set between marks on both sides, as blessings and mottos are printed on a card's top
_ORNAMENT_RE = re.compile(r"([!|*~=♦॥]{2,}|[|॥])\s*[^\W\d_][^!|*~=♦॥]*?\s*([!|*~=♦॥]{2,}|[|॥])")


def _over_trade(texts: list[TextCandidate], segments: Sequence[Segment]) -> list[TextCandidate]:
    """A name-shaped line right over a line of trade words alone ('Sri Shirdi Sai' over
    'CATERERS'), on a card that prints another name, is the business's name, not a person's:
    its name score goes to its company score."""
    from .company import _all_company_words

    people = [t for t in texts if "person-shape" in t.features]
    if len(people) < 2:
        return texts
    segs = {s.index: s for s in segments}
    by_seg = {t.segment: t for t in texts}
    out = []
    for t in texts:
        seg = segs.get(t.segment)
        below = neighbour_below(seg, segments, max_gap=1.0) if seg is not None and t in people else None
        if (
            below is not None
            and below.index in by_seg
            and _all_company_words(below.text)
            and 0.6 * seg.height <= below.height <= 1.5 * seg.height
            and "email-local-match" not in t.features
        ):
            t = replace(t, name_score=max(0.0, t.name_score - 0.3), company_score=min(1.0, t.company_score + 0.3),
                        features=(*t.features, "over-trade"))
        out.append(t)
    return out


def propose(page: OcrPage, *, region: str = "US") -> Candidates:
    """Every candidate value on the card, with evidence. Never raises on junk text."""
    segments = list(segment_page(mend_elided_bars(page)))
    emails: list[EmailCandidate] = []
    urls: list[UrlCandidate] = []
    used_words: dict[int, set[int]] = {}  # segment index -> indices of words a value used
    contact: set[int] = set()
    masked_text: dict[int, str] = {}

    for seg in list(segments):
        offsets = word_offsets(seg)
        used: set[int] = set()
        for cand, (i, j) in find_emails(seg):
            emails.append(cand)
            used.update(range(i, j + 1))
        masked = mask_words(seg.text, offsets, used)
        for cand, (a, b) in find_urls(seg, masked):
            urls.append(cand)
            used.update(k for k, (x, y) in enumerate(offsets) if x < b and y > a)
        used_words[seg.index] = used
        masked_text[seg.index] = mask_words(seg.text, offsets, used)

    hosts = [u.value.split("/")[0] for u in urls if u.network is None] + [
        e.value.rpartition("@")[2] for e in emails
    ]

    # phones, before addresses are known only to pick the region
    card_region, region_source, defr = guess_region(segments, hosts, region)
    hints: dict[str, str | None] = {
        "defr": defr,
        "country": card_region if region_source != "default" else None,
    }

    phone_hits: dict[int, list[PhoneCandidate]] = {}
    for seg in segments:
        if used_words.get(seg.index) and not re.search(r"\d(?:[\s().-]{0,2}\d){5}", masked_text[seg.index]):
            continue
        offsets = word_offsets(seg)
        hits = phones_in(seg, masked_text.get(seg.index, seg.text), card_region)
        if hits:
            phone_hits[seg.index] = hits
            for p in hits:
                a, b = p.span
                used_words.setdefault(seg.index, set()).update(
                    k for k, (x, y) in enumerate(offsets) if x < b and y > a
                )

    # segments whose words all went into values are contact lines; leftovers become segments of their own
    for seg in list(segments):
        used = used_words.get(seg.index, set())
        if not used:
            continue
        contact.add(seg.index)
        run: list[OcrWord] = []
        runs: list[list[OcrWord]] = []
        for k, w in enumerate(seg.words):
            if k in used:
                if run:
                    runs.append(run)
                run = []
            else:
                run.append(w)
        if run:
            runs.append(run)
        for r in runs:
            while r and is_label_run(r[-1:]):
                r = r[:-1]
            while r and is_label_run(r[:1]):
                r = r[1:]
            if not r or is_label_run(r):
                continue
            extra = make_segment(len(segments), seg.line, r)
            if extra is not None:
                segments.append(extra)

    addresses = find_addresses(segments, contact, hints)
    if addresses and addresses[0].country and addresses[0].country in phonenumbers.SUPPORTED_REGIONS:
        if region_source in ("default", "tld", "phone-prefix") and addresses[0].country != card_region:
            card_region, region_source = addresses[0].country, "address"
            phone_hits = {}
            for seg in segments:
                if seg.index in contact or seg.index in used_words:
                    hits = phones_in(seg, masked_text.get(seg.index, seg.text), card_region)
                    if hits:
                        phone_hits[seg.index] = hits
        elif region_source == "default":
            region_source = "address"
    address_segs = {i for a in addresses for i in a.segments}

    phones: list[PhoneCandidate] = []
    postcodes = {re.sub(r"\D", "", a.postcode or "") for a in addresses}
    for seg_index, hits in phone_hits.items():
        for p in hits:
            digits = re.sub(r"\D", "", p.raw)
            if p.evidence.label is None and any(
                pc and pc in digits and len(digits) - len(pc) < 4 for pc in postcodes
            ):
                continue
            if seg_index in address_segs and p.evidence.label is None:
                continue
            phones.append(p)
    # dedupe phones on (e164, extension), keeping the first (labelled one wins)
    seen: dict[tuple[str, str | None], PhoneCandidate] = {}
    for p in phones:
        key = (p.e164, p.extension)
        if key not in seen or (seen[key].type_source != "label" and p.type_source == "label"):
            seen[key] = p
    phones = list(seen.values())

    # Printed but not read: a labelled number, an '@' or a 'www' that gave no value
    unread: set[str] = set()
    unread_phones: list[str] = []
    for seg in segments:
        if seg.index in address_segs or seg.index not in masked_text:
            continue
        rest = mask_words(seg.text, word_offsets(seg), used_words.get(seg.index, set()))
        if numbers := unread_numbers(rest):
            unread.add("phones")
            unread_phones.extend(numbers)
        if re.search(r"\w{2,}@|@\w{2,}|\w{2,} ?(?:@|\(at\)) ?\w{2,}", rest, re.IGNORECASE):  # not a logo's "@ HANSA"
            unread.add("emails")
        if _WEB_TRACE_RE.search(rest) and not any(u.network is None for u in urls):
            unread.add("website")

    # Free text
    domains = list(dict.fromkeys(h for h in hosts if not is_freemail(h)))
    locals_ = list(dict.fromkeys(e.value.partition("@")[0] for e in emails))
    # what spells the person's name: e-mail local parts and profile slugs ('in/harry-whitfield')
    name_spellings = locals_ + [u.value.rstrip("/").rpartition("/")[2] for u in urls if u.network]
    free = []
    for s in list(segments):
        if s.index in contact or s.index in address_segs:
            continue
        halves = split_title_company(s, len(segments))
        if halves:
            segments.extend(halves)
        free.extend(halves or [s])
    heights = [s.height for s in segments] or [1]
    median_h = statistics.median(heights)
    texts: list[TextCandidate] = []
    tops = sorted({s.box.top for s in free})
    for seg in free:
        rank = tops.index(seg.box.top)
        if seg.line < len(page.lines) and _ORNAMENT_RE.fullmatch(page.lines[seg.line].text.strip()):
            continue  # '!! Jai Mata Di !!', '|| Shree Ganeshaya Namah ||': a blessing, no field
        if seg.text.rstrip().endswith(":") and len(seg.text.split()) <= 3:
            continue  # a heading ('Deals in :', 'Dth. Dealer :'): what follows it is the value
        words = clean_free_words(seg.words)
        if not words:
            continue
        if len(words) != len(seg.words):
            seg = Segment(
                seg.index,
                seg.line,
                " ".join(w.text for w in words),
                tuple(words),
                box_of(words),
                words_conf(words),
                sorted(w.height for w in words)[len(words) // 2],
            )
        text = seg.text.strip(" ,;:-–*¥™®©•·|")  # stray marks at the ends: "K.V.Rao*", "| TEREX"
        # 'Newbees co., Itd.': a lower-case l read as a capital I in the legal form
        text = re.sub(r"(?<=[\s,])Itd(?=\.|\s|$)", "Ltd", text)
        if not re.search(r"[^\W\d_]{2,}", text):
            continue
        if country_of_line(text):
            continue
        feats: list[str] = []
        rel_h = seg.height / median_h if median_h else 1.0
        # name
        name_score = 0.0
        t_score, title_core = freetext.title_score(text)
        slips = freetext.title_slips(words)  # 'Operations Masager': a title word misread at low confidence
        if slips and freetext.company_score(text, domains)[0] < 0.5:
            fixed = " ".join(slips.get(t, t) for t in text.split())
            if freetext.title_score(fixed)[1]:
                text = fixed
                t_score, title_core = freetext.title_score(text)
                feats.append("title-slip")
        pt = None if is_unit_line(text) else person_tokens(text)  # 'Second Floor' is never a name
        c_score, cfeats = freetext.company_score(text, domains, name_spellings)
        feats += cfeats
        if title_core:
            feats.append("title-lexicon")
        if pt:
            _, core, _ = pt
            feats.append("person-shape")
            name_score = 0.45
            lm = email_local_match(core, locals_)
            if lm >= 0.7 and "company-word" not in cfeats:  # 'MAYA SALES', mayasales.hissar@gmail.com: the shop's mailbox
                feats.append("email-local-match")
                name_score += 0.4 * lm
            if fold(core[0]).strip(".") in GIVEN_NAMES:
                feats.append("given-name")
                name_score += 0.15
            if rel_h >= 1.25:
                name_score += 0.15
                feats.append("large")
            if rank <= 1:
                name_score += 0.05
            if title_core:
                name_score -= 0.45
            if "company-suffix" in cfeats or {"domain-match", "company-word"} <= set(cfeats):
                # a legal form, or the site's name with a company word in it ('AKABE MAKINA',
                # akabemakina.com.tr; its gmail address spells it too): a company, not a person
                name_score -= 0.6
            elif "domain-match" in cfeats and "email-local-match" not in feats:
                name_score -= 0.35
            elif "company-word" in cfeats:
                name_score -= 0.3
            if seg.conf < 50:
                name_score -= 0.2
        maybe_company = not pt and not {"web-like", "name-like"} & set(cfeats)  # size and place count
        if rel_h >= 1.25 and maybe_company:
            c_score += 0.1
        if not title_core and rel_h >= 1.1 and rank <= 1 and maybe_company:
            c_score += 0.1
        texts.append(
            TextCandidate(
                text=text,
                segment=seg.index,
                name_score=max(0.0, min(name_score, 1.0)),
                title_score=t_score,
                company_score=max(0.0, min(c_score, 1.0)),
                features=tuple(feats),
                evidence=evidence_of(seg, "text:free"),
            )
        )
    texts = _over_trade(texts, segments)

    return Candidates(
        segments=segments,
        emails=tuple(emails),
        urls=tuple(urls),
        phones=tuple(phones),
        addresses=tuple(addresses),
        texts=tuple(texts),
        region=card_region,
        region_source=region_source,
        median_height=float(median_h),
        unread=tuple(sorted(unread)),
        unread_phones=tuple(dict.fromkeys(unread_phones)),
    )
