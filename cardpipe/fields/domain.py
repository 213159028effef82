"""Domains shared by e-mails and websites: which TLDs are real, and repairing a TLD OCR misread from the other domains on the card."""

from __future__ import annotations

from collections.abc import Sequence

import phonenumbers

from .candidates import Candidates
from .lexicon import CCTLDS, COMMON_TLDS


def _real_tld(tld: str) -> bool:
    return tld in COMMON_TLDS or tld in CCTLDS


def _tld_ok(address: str) -> bool:
    return _real_tld(address.rpartition(".")[2].lower())


# Letters OCR reads one for another: thin strokes, round letters, arches, tails.
_TLD_SLIPS = ("iljtfr1", "ceoa", "nhmr", "uvy", "gq", "bh")


def _tld_slips(tld: str) -> set[str]:
    """The real TLDs one OCR slip away from `tld` ('nl', 'ni', 'nf', 'nr' for 'nt')."""
    out = set()
    for k, ch in enumerate(tld):
        for group in _TLD_SLIPS:
            for other in group.replace(ch, "") if ch in group else "":
                if _real_tld(tld[:k] + other + tld[k + 1 :]):
                    out.add(tld[:k] + other + tld[k + 1 :])
    return out


def card_tlds(cands: Candidates) -> set[str]:
    """The country TLDs the card points to: its address's country, and the country of its
    numbers printed with `+` (or of all of them, when the address or a prefix set the region)."""
    regions = {a.country for a in cands.addresses if a.country}
    if cands.region_source in ("address", "phone-prefix"):
        regions.add(cands.region)
    for p in cands.phones:
        if p.raw.lstrip().startswith(("+", "00")):
            try:
                regions.add(phonenumbers.region_code_for_number(phonenumbers.parse(p.e164)))
            except phonenumbers.NumberParseException:
                pass
    return {"uk" if r == "GB" else r.lower() for r in regions if r}


def repair_tld(domain: str, others: Sequence[str], countries: set[str], *, unsure: bool = False) -> tuple[str, str]:
    """(domain, verdict): a two- or three-letter TLD that does not exist ('tulip.nt',
    'groupevertigo.ft', 'arassogutma.cor'),
    or one read `unsure` (a bar for one of its letters: 'n!'), checked against the card.

    The real TLDs one OCR slip away are candidates; the one the card's other address
    (`others`: the website, the other e-mails) gives the same name, else the one of the
    card's country (`countries`, see `card_tlds`), is taken: verdict "repaired" ("" when
    the TLD was kept). When the card does not decide, the only candidate is taken, or the
    TLD is kept, and the verdict is "doubtful"."""
    name, _, tld = domain.lower().rpartition(".")
    if not name or len(tld) not in (2, 3) or (_real_tld(tld) and not unsure):
        return domain, ""  # three letters: 'acme.cor', 'acme.orq' (a .com, an .org misread)
    near = _tld_slips(tld) | ({tld} if _real_tld(tld) else set())
    bare = name.removeprefix("www.")
    named = {o.lower().rpartition(".")[2] for o in others if o.lower().rpartition(".")[0].removeprefix("www.") == bare}
    for evidence in (named, countries):
        pick = near & evidence
        if len(pick) == 1:
            new = pick.pop()
            return f"{domain[: len(domain) - len(tld)]}{new}", ("" if new == tld else "repaired")
    if len(near) == 1 and not _real_tld(tld):
        return f"{domain[: len(domain) - len(tld)]}{near.pop()}", "doubtful"
    return domain, "doubtful"
