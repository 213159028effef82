"""Fields: every field of a card, found as candidates with their evidence and judged.

    OcrPage -> page.propose() -> Candidates -> record.read_contact() -> ContactRecord

Finding proposes, judging picks. Nothing here raises on junk text: a page of noise
yields a `Candidates` with empty tuples and an empty record. Every candidate carries
an `Evidence` (the OCR line it came from, its box, the label printed next to it, the
OCR confidence and the rule that fired), so a reviewer or a test can see why a value
was proposed.

One module per field, holding how it is found AND judged and repaired:

    name.py        the person's name: proper case, given/family, accents restored
    title.py       job title and department
    company.py     company: legal forms read right, words repaired from the domain
    email.py       e-mail addresses: OCR slips repaired, validated (email-validator)
    phone.py       numbers by `phonenumbers.PhoneNumberMatcher`, typed by their label
    website.py     websites and social profiles
    address.py     postcode lines of US, CA, GB, AU, DE, FR, NL (and the lines around), any country
    qr.py          QR payloads (vCard, MeCard, URL): exact where OCR guesses

and what they share:

    candidates.py  the dataclasses proposed (Segment, EmailCandidate, PhoneCandidate...)
    lexicon.py     the word lists: labels, title words, legal suffixes, name particles...
    text.py        folding, name similarity, what a domain says (country, freemail)
    domain.py      TLDs: real ones, and repairing a misread one from the card's others
    layout.py      OCR lines -> segments; boxes and neighbours above / below
    freetext.py    how much a line looks like a name, a title or a company
    page.py        `propose()`: the whole card, and the region for numbers without `+`
    confidence.py  how a field's confidence is made
    record.py      `read_contact()`: the fields judged together, in order, into a record

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
    COUNTRY_NAMES,
    FREEMAIL,
    GIVEN_NAMES,
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
    "COUNTRY_NAMES",
    "FREEMAIL",
    "GIVEN_NAMES",
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
