"""Websites and social profiles (LinkedIn, X/Twitter, Instagram): found in a segment,
then picked (`_pick_website`: a URL split over two lines joined, the one that matches an
e-mail domain first) and repaired from the company's name.

Evidence: `www.`/`http` or a bare domain with a known TLD, the e-mail domains, the company
line's words, a QR code's URL only when it is the printed site's domain."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from rapidfuzz.distance import Levenshtein

from .candidates import Candidates, Segment, UrlCandidate
from .layout import evidence_of, span_conf
from .lexicon import COMMON_TLDS, WEB_LABEL_RE
from .text import registrable_domain

_URL_RE = re.compile(
    r"(?<![@\w.-])"
    r"(?P<scheme>(?:https?|hxxp)\s?[:;]?\s?/{1,2}\s?)?"
    r"(?P<host>(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\s?[.,]\s?)+"
    r"(?:[a-z]{2,24}))"
    r"(?P<path>/[^\s|,;]*)?",
    re.I,
)
_SOCIAL = (
    (
        "linkedin",
        re.compile(r"linked\s?in\.c[o0][mn]/(?P<path>(?:in|pub|company)/[\w%.-]+)", re.I),
        "linkedin.com/",
    ),
    ("twitter", re.compile(r"(?:twitter|x)\.c[o0][mn]/(?P<path>@?\w+)", re.I), "twitter.com/"),
    ("instagram", re.compile(r"instagram\.c[o0][mn]/(?P<path>[\w.]+)", re.I), "instagram.com/"),
)
_SOCIAL_LABELS = dict(
    pair.split("=")
    for pair in "linkedin=linkedin in=linkedin li=linkedin twitter=twitter x=twitter tw=twitter instagram=instagram insta=instagram ig=instagram".split()
)
_HANDLE_RE = re.compile(
    r"^(?P<label>linkedin|in|li|twitter|x|tw|instagram|insta|ig)\s*[:.\-]?\s*(?P<handle>@?[\w.-]{2,}|in/[\w-]+)$",
    re.I,
)
# the label in ASCII only: case-blind matching takes a Turkish 'İn' (İnşaat) for 'in'
_ASCII_LABEL = re.compile(r"[a-z]+", re.I | re.A)
_NETWORKS = ("linkedin", "twitter", "instagram", "facebook")


def _near_network(label: str) -> bool:
    """Whether a domain name is a social network's misread ('bnkedin', 'henkedin', 'lnstagram')."""
    return any(Levenshtein.distance(label, n) <= (2 if len(n) >= 8 else 1) for n in _NETWORKS)


_WWW_SLIP_RE = re.compile(r"^(?:[a-z]?(?=[vw]*w[vw]*w)[vw]{2,4}|ww|yw|wy|yww|wyw|wwy)$")  # "yw." for "www."


def find_urls(seg: Segment, text: str) -> list[tuple[UrlCandidate, tuple[int, int]]]:
    """Websites and social profiles in a segment (e-mails already blanked out of `text`).

    OCR slips repaired: a space around a dot, a lost `:` or `/` in the scheme,
    `vww`/`avww` for `www`, `www_` for `www.`, a space for the dot before the TLD
    after `www.` (also after a hyphenated name: 'www.bastide-immobilier fr'), `www-` for
    `www.`, `.con` for `.com` in social links. A bare domain alone on its line with a space
    beside a dot ('groupevertigo. fr') is proposed under its own rule, `url:bare-spaced`, for
    an e-mail to confirm. A domain one or two letters from a social network's
    ('bnkedin.com/in/...') is a misread profile, not a website.
    """
    out = []
    t = (
        WEB_LABEL_RE.sub(lambda m: " " * len(m.group(0)), text)
        if not text.lower().startswith("www.")
        else text
    )
    t = re.sub(r"(?i)\b(w{3})_", r"\1.", t)  # "www_ harbourfinch.com": the dot read as '_'

    for m in _URL_RE.finditer(t):
        host_raw = m.group("host")
        host = re.sub(r"\s", "", host_raw).replace(",", ".").lower()
        labels = host.split(".")
        if len(labels) < 2 or any(not p for p in labels):
            continue
        if len(labels) >= 3 and _WWW_SLIP_RE.match(labels[0]) and labels[0] != "www":
            labels[0] = "www"
            host = ".".join(labels)
        wm = re.fullmatch(r"www[-_]([a-z0-9][a-z0-9-]*)", labels[0])
        if wm and registrable_domain(host).split(".")[0] == labels[0]:
            # "www-sterlinghart.co.uk": the dot after 'www' read as a hyphen (a name of its
            # own, not a host under another domain, as 'www-cs.stanford.edu' is)
            labels[:1] = ["www", wm.group(1)]
            host = ".".join(labels)
        end = m.end()
        if len(labels) == 2 and labels[0] == "www" and not m.group("path"):
            # "www.harbourfinch com", "www.bastide-immobilier fr": the dot before the TLD
            # read as a space (the name, hyphens and all, was taken for the TLD)
            tm = re.match(r"((?:-[a-z0-9]+)*)\s{1,3}([a-z]{2,6})\b(?![.@-])", t[end:], re.I)
            if tm and tm.group(2).lower() in COMMON_TLDS:
                labels[1] += tm.group(1).lower()
                labels.append(tm.group(2).lower())
                host = ".".join(labels)
                end += tm.end()
        tld = labels[-1]
        path = (m.group("path") or "").rstrip("/.)")
        explicit = bool(m.group("scheme")) or labels[0] == "www"
        value = host + path
        network = None
        for net, rx, base in _SOCIAL:
            sm = rx.search(value)
            if sm:
                network = net
                value = base + sm.group("path")
                break
        if network is None and re.fullmatch(r"linked\s?in\.c[o0][mn]/in/?", value):
            # "linkedin.com/in charlotte davies": the slug's hyphens were read as spaces
            rest = re.match(r"\s*((?:\S+\s*){1,3})$", t[m.end() :])
            slug = "-".join(re.sub(r"[^\w-]", "", x) for x in rest.group(1).lower().split()) if rest else ""
            if re.fullmatch(r"[^\W_][\w-]*", slug):
                network = "linkedin"
                value = "linkedin.com/in/" + slug
                end = len(t.rstrip())
        if network is None:
            if not explicit:
                # A bare domain: a known TLD, no spaces or commas in it, a real name before the TLD.
                if (
                    tld not in COMMON_TLDS
                    or "," in host_raw
                    or " " in host_raw.strip()
                    or len(labels[-2]) < 2
                ):
                    continue
            if path and labels[-2] not in _NETWORKS and _near_network(labels[-2]):
                continue  # 'henkedin.com/ay': a social profile misread, not the company's website
            if labels[-2] in _NETWORKS:
                if labels[-2] == "facebook":
                    continue
                network = labels[-2]
            elif labels[-2:] == ["x", "com"] and path:
                network = "twitter"
        out.append(
            (
                UrlCandidate(
                    value,
                    m.group(0),
                    network,
                    evidence_of(
                        seg,
                        "url:" + ("explicit" if explicit else "bare"),
                        conf=span_conf(seg, m.start(), end),
                    ),
                ),
                (m.start(), end),
            )
        )
    if not out:
        # "Web. pinecrest -software.com": after a web label, the rest of the segment is one address
        lm = re.match(
            r"\s*(?:w|web|website|www|site|url|internet)\s*[:.\-]\s*(?P<rest>\S.*?)\s*$", text, re.I
        )
        if lm and re.search(r"[.,]\s?[a-z]{2,}", lm.group("rest"), re.I):
            squeezed = re.sub(r"\s+|_(?=[.,])", "", lm.group("rest"))  # "kestrel_.co.uk" too
            sub = find_urls(seg, squeezed) if squeezed != lm.group("rest") else []
            for cand, _ in sub:
                out.append((cand, (lm.start("rest"), lm.end("rest"))))
    if not out:
        # "groupevertigo. fr": a bare domain, alone on its line, with a space beside its dot.
        # Often a misread ('harbourtinch. com'): proposed as such, for the e-mails to confirm.
        sm = re.fullmatch(
            r"\s*([a-z0-9][a-z0-9-]{3,}(?:\s?[.,]\s?[a-z0-9][a-z0-9-]*)*\s?[.,]\s?[a-z]{2,6})\s*", text, re.I
        )
        if sm and re.search(r"\s", sm.group(1)):
            host = re.sub(r"\s", "", sm.group(1)).replace(",", ".").lower()
            if host.rpartition(".")[2] in COMMON_TLDS:
                ev = evidence_of(seg, "url:bare-spaced", conf=span_conf(seg, sm.start(1), sm.end(1)))
                out.append((UrlCandidate(host, sm.group(1), None, ev), (sm.start(1), sm.end(1))))
    if not out:
        hm = _HANDLE_RE.match(text.strip())
        if hm and _ASCII_LABEL.fullmatch(hm.group("label")):
            net = _SOCIAL_LABELS[hm.group("label").lower()]
            handle = hm.group("handle")
            if net == "linkedin":
                value = "linkedin.com/" + (handle if handle.startswith("in/") else "in/" + handle.lstrip("@"))
            else:
                value = handle if handle.startswith("@") else "@" + handle
            start = text.find(text.strip())
            out.append(
                (
                    UrlCandidate(
                        value, text.strip(), net, evidence_of(seg, "social:handle", label=hm.group("label"))
                    ),
                    (start, start + len(text.strip())),
                )
            )
    return out


def _joined_site(site: UrlCandidate, urls: Sequence[UrlCandidate]) -> UrlCandidate:
    """The website with the rest of its host from the next line, when a line break cut it
    after the first letters of the name ('Www.ba' / 'Uersystems.de', read as two words or two
    lines): 'www.' and one word is no website. Only a plain 'label.tld' is the rest of it:
    'shop.lindner.de' below 'www.lindnerlogistik' is a website of its own."""
    if not re.fullmatch(r"www\.[a-z0-9-]+", site.value):
        return site
    after = list(urls)[list(urls).index(site) + 1 :] if site in urls else []
    for u in after[:1]:
        same_seg = (u.evidence.line, u.evidence.box) == (site.evidence.line, site.evidence.box)
        if u.network is None and re.fullmatch(r"[a-z0-9-]+\.[a-z]{2,}", u.value) and (
            same_seg or u.evidence.line == site.evidence.line + 1
        ):
            ev = replace(site.evidence, conf=min(site.evidence.conf, u.evidence.conf))
            return UrlCandidate(site.value + u.value, f"{site.raw} {u.raw}", None, ev)
    return site


def _pick_website(cands: Candidates) -> tuple[UrlCandidate | None, dict[str, str]]:
    """The website (explicit before bare, the first on the card), and the social profiles.

    A bare domain read with a space beside its dot ('groupevertigo. fr') is taken only when
    an e-mail on the card has that domain: alone, it is as likely a misread word."""
    mail_domains = {registrable_domain(e.value.rpartition("@")[2]) for e in cands.emails}
    sites = sorted(
        (
            u
            for u in cands.urls
            if u.network is None
            and (u.evidence.rule != "url:bare-spaced" or registrable_domain(u.value) in mail_domains)
        ),
        key=lambda u: (not u.evidence.rule.endswith("explicit"), u.evidence.line),
    )
    if sites:
        sites[0] = _joined_site(sites[0], cands.urls)
    social: dict[str, str] = {}
    for u in cands.urls:
        if u.network and u.network not in social:
            social[u.network] = u.value
    return (sites[0] if sites else None), social


# Link shorteners and QR-code services: a code's URL on one of these is a redirect, not the
# company's site (and its domain names no company: 'me-qr.com' is not 'Me Qr').
REDIRECT_DOMAINS = frozenset(
    """
    bit.ly tinyurl.com t.co goo.gl ow.ly is.gd buff.ly rebrand.ly cutt.ly shorturl.at tiny.cc s.id t.ly
    qrco.de me-qr.com qr.io qrfy.com qr-codes.io qrcode-monkey.com qr-code-generator.com qrcodechimp.com
    uqr.me l.ead.me scanned.page hovercode.com qr1.be qrs.ly q-r.to beaconstac.com flowcode.com
    linktr.ee beacons.ai bio.link
    """.split()
)


def is_redirect(url: str) -> bool:
    """Whether a URL points at a link shortener or a QR-code service, not at a site of its own."""
    host = url.split("//")[-1].split("/")[0].lower().removeprefix("www.")
    return host in REDIRECT_DOMAINS or registrable_domain(host) in REDIRECT_DOMAINS


def _qr_site_is_the_site(qr_site: str, printed: str | None) -> bool:
    """Whether a QR code's URL is the card's website: when the card prints none, or the
    same domain. A code often points elsewhere (a link shortener, a profile page, a
    vCard service); the printed site stays the website then."""
    if not printed:
        return True
    a = registrable_domain(qr_site.split("/")[0]) or qr_site
    b = registrable_domain(printed.split("/")[0]) or printed
    return Levenshtein.normalized_similarity(a.lower(), b.lower()) >= 0.85  # the same domain, or misread
