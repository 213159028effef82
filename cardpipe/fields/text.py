"""Text helpers: folding for comparisons, name similarity, and what a domain says."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

import phonenumbers
from publicsuffixlist import PublicSuffixList
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from .lexicon import FREEMAIL, GENERIC_CCTLDS


@functools.lru_cache(maxsize=8192)
def fold(text: str) -> str:
    """Lowercase ASCII form for comparisons (Müller -> muller)."""
    text = text.replace("ß", "ss")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).lower()


@functools.lru_cache(maxsize=1)
def _suffixes() -> PublicSuffixList:
    return PublicSuffixList()  # the list ships inside the package: nothing is fetched


@functools.lru_cache(maxsize=8192)
def registrable_domain(host: str) -> str:
    """acme.com for www.mail.acme.com, acme.co.uk for www.acme.co.uk, blaiklock.uk.com for
    www.blaiklock.uk.com: the name registered under a public suffix (the Public Suffix List,
    private suffixes such as uk.com and github.io included)."""
    host = ".".join(p for p in host.lower().strip(".").split(".") if p)
    return _suffixes().privatesuffix(host) or host


def domain_label(host: str) -> str:
    """The name part of a domain: acme-robotics for www.acme-robotics.co.uk."""
    return registrable_domain(host).split(".")[0]


def name_label(host: str) -> str:
    """The name a domain gives a company or person: its `domain_label`, but bastide for
    www.bastide, a host whose TLD was not read (its name is not 'www')."""
    parts = registrable_domain(host).split(".")
    if len(parts) > 1 and re.fullmatch(r"w{2,3}\d?", parts[0]):
        return parts[1]
    return parts[0]


def is_freemail(domain: str) -> bool:
    return registrable_domain(domain) in FREEMAIL or domain.lower() in FREEMAIL


def region_for_tld(host: str) -> str | None:
    """DE for acme.de, GB for acme.co.uk; None for .com and generic-use ccTLDs."""
    tld = host.lower().rstrip(".").rsplit(".", 1)[-1]
    if tld == "uk":
        return "GB"
    if len(tld) != 2 or tld in GENERIC_CCTLDS or tld == "eu":
        return None
    region = tld.upper()
    return region if region in phonenumbers.SUPPORTED_REGIONS else None


def similarity(a: str, b: str) -> float:
    """0..1 agreement of two names ignoring case, accents, spaces and punctuation; initials count."""
    fa = re.sub(r"[^a-z0-9]", "", fold(a))
    fb = re.sub(r"[^a-z0-9]", "", fold(b))
    if not fa or not fb:
        return 0.0
    best = fuzz.ratio(fa, fb) / 100
    if min(len(fa), len(fb)) >= 4:
        best = max(best, fuzz.partial_ratio(fa, fb) / 100 * 0.95)
    words = [w for w in re.findall(r"[a-z0-9]+", fold(a)) if w not in {"and", "the", "of"}]
    if len(words) >= 2:
        initials = "".join(w[0] for w in words)
        if initials == fb or (len(fb) >= 2 and fb.startswith(initials)):
            best = max(best, 0.9)
    return best


def nearest(word: str, spellings: Iterable[str], *, by_length: bool = True) -> tuple[str, int]:
    """The spelling nearest to `word` in edits (and, with `by_length`, then in length: for
    'wilsom', 'wilson', not 'wilsonm') and its edits; ("", edits) when two are as near,
    for then nothing says which one was meant."""
    dist = {s: (Levenshtein.distance(word, s), abs(len(s) - len(word)) if by_length else 0) for s in spellings}
    if not dist:
        return "", 99
    best = min(dist.values())
    near = [s for s, d in dist.items() if d == best]
    return (near[0] if len(near) == 1 else ""), best[0]
