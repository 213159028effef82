"""Field extraction: propose candidates for every field of a card, with their evidence.

    OcrPage -> segments (lines split at `|`, `·`, `•` and wide gaps) -> candidates

This stage *proposes*; `normalize.py` *judges*. Nothing here raises on junk text:
a page of noise yields a `Candidates` with empty tuples. Every candidate carries
an `Evidence` (the OCR line it came from, its box, the label printed next to it,
the OCR confidence and the rule that fired), so a reviewer or a test can see why
a value was proposed.

One module per idea, in the order a card goes through them:

    candidates.py  the dataclasses proposed (Segment, EmailCandidate, PhoneCandidate...)
    lexicon.py     the word lists: labels, title words, legal suffixes, name particles...
    text.py        folding, name similarity, what a domain says (country, freemail)
    layout.py      OCR lines -> segments; boxes and neighbours above / below
    emails.py      e-mail addresses, OCR slips repaired
    urls.py        websites and social profiles
    phones.py      numbers by `phonenumbers.PhoneNumberMatcher`, typed by their label
    address.py     postcode lines of US, CA, GB, AU, DE, FR, NL and the lines around them
    freetext.py    how much a line looks like a name, a title or a company
    page.py        `propose()`: the whole card, and the region for numbers without `+`

Phone numbers are found with `phonenumbers.PhoneNumberMatcher`, never with
hand-written patterns; the region for numbers printed without `+` comes from
the card itself (address country, website or e-mail country TLD) before the
configured default.
"""

from __future__ import annotations

from .candidates import (
    AddressCandidate,
    Box,
    Candidates,
    EmailCandidate,
    Evidence,
    PhoneCandidate,
    Segment,
    TextCandidate,
    UrlCandidate,
)
from .freetext import clean_free_words, company_score, email_local_match, person_tokens, title_score
from .layout import neighbour_below, neighbours_above, segment_page
from .lexicon import (
    COMMON_TLDS,
    COMPANY_SUFFIX_RE,
    COMPANY_WORDS,
    COMPOUND_SUFFIXES,
    COUNTRY_NAMES,
    DOTTED_SUFFIXES,
    FREEMAIL,
    GIVEN_NAMES,
    LONG_SUFFIXES,
    NAME_PARTICLES,
    NAME_PREFIXES,
    NAME_SUFFIXES,
    PHONE_LABELS,
    TITLE_CORE,
    TITLE_DEPT,
)
from .page import guess_region, propose
from .text import (
    domain_label,
    fold,
    is_freemail,
    name_label,
    nearest,
    region_for_tld,
    registrable_domain,
    similarity,
)

__all__ = [
    "COMMON_TLDS",
    "COMPANY_SUFFIX_RE",
    "COMPANY_WORDS",
    "COMPOUND_SUFFIXES",
    "COUNTRY_NAMES",
    "DOTTED_SUFFIXES",
    "FREEMAIL",
    "GIVEN_NAMES",
    "LONG_SUFFIXES",
    "NAME_PARTICLES",
    "NAME_PREFIXES",
    "NAME_SUFFIXES",
    "PHONE_LABELS",
    "TITLE_CORE",
    "TITLE_DEPT",
    "AddressCandidate",
    "Box",
    "Candidates",
    "EmailCandidate",
    "Evidence",
    "PhoneCandidate",
    "Segment",
    "TextCandidate",
    "UrlCandidate",
    "clean_free_words",
    "company_score",
    "domain_label",
    "email_local_match",
    "fold",
    "guess_region",
    "is_freemail",
    "name_label",
    "nearest",
    "neighbour_below",
    "neighbours_above",
    "person_tokens",
    "propose",
    "region_for_tld",
    "registrable_domain",
    "segment_page",
    "similarity",
    "title_score",
]
