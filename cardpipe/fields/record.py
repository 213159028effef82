"""One card's record: the fields judged together into a `ContactRecord`.

    OcrPage -> page.propose() -> Candidates -> read_contact() -> ContactRecord

Extraction proposes; each field's module judges its own candidates; this module
reads them in order (website first, then e-mails against it, the name against
the e-mails, company and title around the name), gives every field a
confidence in 0..1 and lists the ones below `review_threshold` in
`ContactRecord.review`. Values decoded from a QR code on the card win over OCR
for the fields they cover."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

import phonenumbers
from rapidfuzz.distance import Levenshtein

from ..models import Address, ContactRecord, OcrPage, Phone
from .address import judge_address
from .candidates import Box, Candidates
from .company import pick_company
from .confidence import CONFIDENCE_FIELDS, _agree, _conf
from .domain import _tld_ok, card_tlds, repair_tld
from .email import (
    REPAIR_BELOW,
    _Judged,
    _near_name,
    _personal_domain,
    _validate,
    judge_email,
    lead_from_name,
    local_from_name,
)
from .freetext import email_local_match
from .name import NameParts, _pick_name, restore_umlauts, split_name, stacked_name
from .page import propose
from .phone import judge_phones
from .text import domain_label, is_freemail, registrable_domain, similarity
from .title import _pick_title
from .website import _pick_website, _qr_site_is_the_site, is_redirect

log = logging.getLogger(__name__)


def read_contact(
    page: OcrPage,
    *,
    region: str = "US",
    review_threshold: float = 0.6,
    qr_texts: Sequence[str] = (),
) -> ContactRecord:
    """Read a contact from one OCR'd card.

    `region` is the phone region for numbers printed without `+` when the card
    itself (address, website) does not tell. Fields whose confidence is under
    `review_threshold` are listed in `review`. Payloads of QR codes on the card
    (vCard, MeCard, URL) win over OCR for the fields they cover.
    """
    cands = propose(page, region=region)
    return judge(cands, review_threshold=review_threshold, qr_texts=qr_texts)


@dataclass
class _Draft:
    """The record being built, with one confidence per field."""

    conf: dict[str, float]
    name: NameParts | None = None
    title: str | None = None
    company: str | None = None
    emails: list[str] | None = None
    phones: list[Phone] | None = None
    website: str | None = None
    address: Address | None = None
    social: dict[str, str] | None = None


def _same_digits(raw: str, phone: Phone) -> bool:
    digits = re.sub(r"\D", "", raw)
    return len(digits) >= 6 and (phone.e164 or "").endswith(digits[-6:])


def judge(
    cands: Candidates,
    *,
    review_threshold: float = 0.6,
    qr_texts: Sequence[str] = (),
) -> ContactRecord:
    """Pick and normalize one value per field from the candidates, with confidences."""
    conf: dict[str, float] = {}

    # ---- website and social profiles
    site, social = _pick_website(cands)
    website = site.value if site else None
    site_conf = site.evidence.conf if site else 0.0
    from .qr import parse_payload

    for payload in qr_texts:  # a website in a QR code is exact: judge the e-mails against it
        q = parse_payload(payload)
        if q is not None and q.website and _qr_site_is_the_site(q.website, website):
            website, site_conf = q.website, 100.0
    site_domain = registrable_domain(website.split("/")[0]) if website else None
    # a TLD that does not exist ('www.tulip.nt'), repaired by what the card says: the
    # e-mail's TLD (anouk@tulip.nl), the country of the address or numbers
    countries = card_tlds(cands)
    mail_hosts = [c.value.rpartition("@")[2] for c in cands.emails]
    site_tld_doubt = False
    if site is not None and website == site.value:
        host, slash, path = website.partition("/")
        fixed_host, verdict = repair_tld(host, mail_hosts, countries)
        site_tld_doubt = verdict == "doubtful"
        if fixed_host != host:
            website, site_domain = fixed_host + slash + path, registrable_domain(fixed_host)

    # ---- e-mails
    judged: list[_Judged] = []
    email_failed = False
    tld_doubt: set[str] = set()
    for c in cands.emails:
        host = c.value.rpartition("@")[2]
        others = [h for h in (website.split("/")[0] if website else "", *mail_hosts) if h and h != host]
        fixed_host, verdict = repair_tld(host, others, countries, unsure="bar-in-tld" in c.repairs)
        if fixed_host != host:
            c = replace(c, value=c.value[: len(c.value) - len(host)] + fixed_host)
        if "spaces" in c.repairs and not _tld_ok(fixed_host):
            # words joined across spaces into no real domain ('K@6nigsallee 472, 20095 Hamburg,
            # Deutschland': an address line with an '@' slip): not an e-mail
            email_failed = True
            continue
        j = judge_email(c, site_domain, site_conf)
        if j is not None:
            j = replace(j, repairs=c.repairs)
        if j is None:
            email_failed = True
        elif j.value.lower() not in {x.value.lower() for x in judged}:
            judged.append(j)
            if verdict == "doubtful":
                tld_doubt.add(j.value)
    emails = [j.value for j in judged]
    email_domains = [e.rpartition("@")[2].lower() for e in emails]
    company_domains = [d for d in email_domains if not is_freemail(d)]
    # a code's shortener or QR-service address ('me-qr.com/jJSo') names no company
    domains = ([site_domain] if site_domain and not is_redirect(website or "") else []) + company_domains

    # ---- name, title, company
    texts = list(cands.texts)
    name, name_cand, title_after_name = _pick_name(texts, [c.value.rpartition("@")[0] for c in cands.emails])
    taken: set[int] = {name_cand.segment} if name_cand else set()
    stacked = None if name is not None else stacked_name(cands, texts, [c.value.rpartition("@")[0] for c in cands.emails])
    if stacked is not None:  # a name printed over two lines, spelled by the e-mail
        name, name_cand, second = stacked
        taken = {name_cand.segment, second}
    locals_ = [e.rpartition("@")[0] for e in emails]
    if name is not None and name_cand is not None:
        slugs = [v.rstrip("/").rpartition("/")[2] for net, v in social.items() if net == "linkedin"]
        restored = restore_umlauts(name, [*locals_, *slugs])
        local_match = email_local_match(restored.full.split(), locals_)
        fit = min(1.0, 0.35 + name_cand.name_score * 0.7)
        seg = next((x for x in cands.segments if x.index == name_cand.segment), None)
        weakest = min((w.conf for w in seg.words), default=name_cand.evidence.conf) if seg else name_cand.evidence.conf
        conf["name"] = _conf(fit, (name_cand.evidence.conf + weakest) / 2)  # one badly read word counts
        if local_match >= 0.7 or restored is not name:
            conf["name"] = _agree(conf["name"])
        name = restored
    else:
        local_match = 0.0
        conf["name"] = 0.0

    if title_after_name is not None:
        title, title_segs = title_after_name, []
        conf["title"] = _conf(0.75, name_cand.evidence.conf if name_cand else 0.0)
    else:
        title, title_segs, title_conf = _pick_title(
            cands, texts, name_cand.segment if name_cand else None, taken
        )
        if title:
            conf["title"] = title_conf
    taken.update(title_segs)

    pick = pick_company(
        cands, texts, taken, domains, [e.partition("@")[0] for e in emails],
        personal_site=bool(domains) and _personal_domain(name, domains[0]),
    )
    company, company_read, best = pick.value, pick.read, pick.line
    company_boxes = [s.box for s in cands.segments if s.index in pick.segments]
    if pick.conf is not None:
        conf["company"] = pick.conf
    if name is None and best is not None and company_read and {"person-shape", "given-name"} <= set(best.features):
        # no name found, and the "company" is a given name and a family name that the domain
        # spells (Jane Doe, janedoe.studio): a personal site; the line is the name (but
        # Hansa Druck, hansadruck.de, is a company: Hansa is no given name)
        parts = split_name(best.text)
        if parts is not None and domains and _personal_domain(parts, domains[0]):
            name, name_cand, company, company_read, company_boxes = parts, best, None, False, []
            conf["name"] = _conf(0.75, best.evidence.conf)
            conf.pop("company", None)

    # ---- e-mails checked against the name (read in a larger type, so with more confidence):
    # a misread letter repaired, a lost start flagged
    doubtful: set[str] = set(tld_doubt)
    if name is not None and name_cand is not None:
        checked: list[_Judged] = []
        for j in judged:
            start = j.value
            local, _, domain = j.value.rpartition("@")
            lead, lead_verdict = lead_from_name(local, j.repairs, name)
            if lead != local and _validate(f"{lead}@{domain}"):
                j = replace(j, value=_validate(f"{lead}@{domain}") or j.value, note="lead-from-name")
                local = lead
            if lead_verdict == "doubtful":
                doubtful.add(j.value)
            fixed, verdict = local_from_name(local, name)
            if verdict in ("truncated", "near"):
                doubtful.add(j.value)
            elif verdict == "repaired" and (j.conf >= REPAIR_BELOW or name_cand.evidence.conf < j.conf):
                doubtful.add(j.value)  # read well, yet a letter off the name: Mohamed may be right
            elif verdict == "repaired":
                value = _validate(f"{fixed}@{domain}")
                if value:
                    j = replace(j, value=value, fit=j.fit * 0.9, note="local-from-name")
            if start in doubtful:
                doubtful.add(j.value)
            if j.value.lower() not in {x.value.lower() for x in checked}:
                checked.append(j)
        judged = checked
        emails = [j.value for j in judged]
    else:
        for j in judged:
            if lead_from_name(j.value.rpartition("@")[0], j.repairs, None)[1] == "doubtful":
                doubtful.add(j.value)

    # ---- confidences of e-mails and website, from OCR and from agreement
    if judged:
        confs = []
        for j in judged:
            local, _, domain = j.value.rpartition("@")
            c = _conf(j.fit, j.conf, weight=0.5)
            odd = local != local.lower() and local != local.upper()
            if odd:
                c *= 0.7  # "ESAclgado": mixed case is rare in printed addresses, common in OCR junk
            near = name is not None and _near_name(local, name)
            named = not near and name is not None and email_local_match(name.full.split(), [local]) >= 0.7
            agreements = int(named)
            if site_domain and registrable_domain(domain) == site_domain and (named or not odd):
                agreements += 1
            c = _agree(c, agreements)
            if near or j.value in doubtful:
                c *= 0.6  # 'agner70' for Wagner, 'rousscau' for Rousseau: almost the name, so misread
            elif not named and is_freemail(domain):
                c *= 0.6  # a personal address that says nothing of whose it is: nothing to check it by
            confs.append(round(c, 3))
        conf["emails"] = min(confs)
    elif email_failed:
        conf["emails"] = 0.0
    if site is not None:
        fit = 0.9 if site.evidence.rule.endswith("explicit") else 0.85
        c = _conf(fit, site.evidence.conf, weight=0.5)
        if site_domain and not _tld_ok(site_domain):
            c *= 0.6  # 'www.lindnerlogistik': no TLD, or not one we know
        elif site_tld_doubt:
            c *= 0.6  # 'www.acme.nt' on a card with no country: 'nl'? taken, but a guess
        if company_domains and site_domain not in {registrable_domain(d) for d in company_domains}:
            c *= 0.6  # the website and the company e-mail disagree: one of them is misread
        elif site_domain in {registrable_domain(d) for d in company_domains}:
            c = _agree(c)
        company_like = bool(
            company_read and site_domain and similarity(company or "", domain_label(site_domain)) >= 0.8
        )
        if company_like:
            c = _agree(c)
        joined = site.value not in {u.value for u in cands.urls}  # 'www.ba' + 'uersystems.de'
        mailed = site_domain in {registrable_domain(d) for d in email_domains}
        if joined and not (company_like or mailed):
            c = min(c, 0.9 * review_threshold)  # two pieces joined, and nothing on the card says so
        conf["website"] = round(c, 3)

    # ---- phones
    phones, phone_conf = judge_phones(cands.phones)
    if phones:
        conf["phones"] = phone_conf

    # ---- address
    address, address_conf = judge_address(cands.addresses)
    if address is not None:
        conf["address"] = address_conf

    if site is None and any(u.evidence.rule == "url:bare-spaced" for u in cands.urls):
        conf["website"] = 0.4  # 'harbourtinch. com': a website printed, but not read for sure
    for f in cands.unread:  # printed on the card (a labelled number, an '@'), but not read from it
        conf[f] = min(conf.get(f, 1.0), 0.4)

    # where each field was read: its lines' boxes on the page (the review page outlines them)
    seg_box = {x.index: x.box for x in cands.segments}
    mail_domains = {e.rpartition("@")[2].lower() for e in emails}
    where: dict[str, list[Box]] = {
        "name": [name_cand.evidence.box] if name is not None and name_cand is not None else [],
        "title": [seg_box[i] for i in title_segs if i in seg_box]
        or ([name_cand.evidence.box] if title_after_name is not None and name_cand is not None else []),
        "company": company_boxes,
        "emails": [c.evidence.box for c in cands.emails if c.value.rpartition("@")[2].lower() in mail_domains],
        "phones": [p.evidence.box for p in cands.phones],
        "website": [site.evidence.box] if site is not None and website else [],
        "address": [seg_box[i] for i in max(cands.addresses, key=lambda a: a.fit).segments if i in seg_box]
        if address is not None
        else [],
    }

    draft = _Draft(conf, name, title, company, emails, phones, website, address, social)
    for payload in qr_texts:
        _apply_qr(draft, payload, cands.region)

    review = [f for f in CONFIDENCE_FIELDS if f in draft.conf and draft.conf[f] < review_threshold]
    if review:
        log.debug("fields under the review threshold %.2f: %s", review_threshold, ", ".join(review))
    n = draft.name
    return ContactRecord(
        name=n.full if n else None,
        given_name=n.given if n else None,
        family_name=n.family if n else None,
        title=draft.title,
        company=draft.company,
        emails=tuple(draft.emails or ()),
        phones=tuple(draft.phones or ()),
        website=draft.website,
        address=draft.address,
        social=tuple((draft.social or {}).items()),
        confidence=tuple((f, round(draft.conf[f], 3)) for f in CONFIDENCE_FIELDS if f in draft.conf),
        review=tuple(review),
        unverified_phones=tuple(
            raw for raw in cands.unread_phones
            if not any(_same_digits(raw, p) for p in (draft.phones or ()))  # the QR code had it
        ),
        evidence=tuple(
            (f, tuple((b.left, b.top, b.right, b.bottom) for b in boxes))
            for f, boxes in where.items()
            if boxes and getattr(draft, f)
        ),
    )


def _misread_of(value: str, exact: Sequence[str]) -> bool:
    """Whether OCR's `value` is one of the code's values, or the same read with a slip or two."""
    return any(Levenshtein.distance(value, x) <= 2 for x in exact)


def _apply_qr(draft: _Draft, payload: str, region: str) -> None:
    """Let what a QR payload states replace what OCR read, field by field."""
    from .qr import parse_payload

    q = parse_payload(payload)
    if q is None:
        return
    if q.name or q.family_name:
        full = q.name or " ".join(x for x in (q.given_name, q.family_name) if x)
        given, family = q.given_name, q.family_name
        if given is None and family is None:
            parts = split_name(full)
            if parts:
                given, family = parts.given, parts.family
        draft.name = NameParts(full, given, family)
        draft.conf["name"] = 1.0
    if q.title:
        draft.title, draft.conf["title"] = q.title, 1.0
    if q.company:
        draft.company, draft.conf["company"] = q.company, 1.0
    # the numbers and addresses the code lists are exact; those printed beside them that it
    # leaves out (a fax, a second e-mail) stay, with the confidence they were read with
    emails = [n for n in (_validate(e) for e in q.emails) if n]
    if emails:
        extra = [e for e in draft.emails or () if not _misread_of(e.lower(), [x.lower() for x in emails])]
        draft.emails, draft.conf["emails"] = emails + extra, draft.conf.get("emails", 1.0) if extra else 1.0
    phones = []
    for raw, ptype in q.phones:
        try:
            num = phonenumbers.parse(raw, region)
        except phonenumbers.NumberParseException:
            continue
        e164 = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
        phones.append(Phone(e164, ptype, raw, num.extension or None))
    if phones:
        # one digit off the code's number, and not printed as another kind of line (an office
        # number's fax often differs by a digit): OCR's slip, not another number
        extra = [
            p for p in draft.phones or ()
            if not any(Levenshtein.distance(p.e164, x.e164) <= 1 and p.type in (x.type, "work", "other") for x in phones)
        ]
        draft.phones, draft.conf["phones"] = phones + extra, draft.conf.get("phones", 1.0) if extra else 1.0
    if q.website and (q.name or q.emails or _qr_site_is_the_site(q.website, draft.website)):
        # a contact's own code (vCard, MeCard) states its site; a bare URL is the site
        # only when it is the printed one (not a shortener or a profile page)
        draft.website, draft.conf["website"] = q.website, 1.0
    if q.address:
        draft.address, draft.conf["address"] = q.address, 1.0
    if q.social:
        draft.social = {**(draft.social or {}), **dict(q.social)}
