"""The user's corrections (`cardpipe edit`): checked and put in the form extraction gives.

    CONTACT FIELD VALUE (as typed) -> normalize_edit() -> {field: stored text}
      -> store.set_edit() -> merge.apply_edits() when the contact is built

An e-mail goes through email-validator, a phone through phonenumbers to E.164
with its type, a name is split into given and family name in proper case, an
address is split into its parts where extraction can parse it. What is stored is
text that `merge.apply_edits` reads back without these libraries:

    emails   jane@acme.com, j.doe@gmail.com
    phones   +442079460958 work, +14155550134;ext=204 mobile
    address  {"text": "...", "street": "...", "city": "...", ...}   (JSON)
    others   the value itself; "" empties the field

A mistake in the value is a `UsageError` with one line that says what is wrong.
"""

from __future__ import annotations

import json
import re

from ..errors import UsageError
from ..models import ContactRecord
from .merge import EDITABLE

# What users type for a field, besides its own name.
FIELD_ALIASES = {
    "email": "emails",
    "e-mail": "emails",
    "mail": "emails",
    "phone": "phones",
    "tel": "phones",
    "telephone": "phones",
    "web": "website",
    "url": "website",
    "site": "website",
    "given": "given_name",
    "first_name": "given_name",
    "firstname": "given_name",
    "family": "family_name",
    "last_name": "family_name",
    "lastname": "family_name",
    "surname": "family_name",
    "org": "company",
    "organization": "company",
    "organisation": "company",
    "job": "title",
    "position": "title",
}

# Phone types as users write them (besides work / mobile / fax / other).
_TYPE_WORDS = {"work": "work", "mobile": "mobile", "fax": "fax", "other": "other", "home": "other"}


def field_name(text: str) -> str:
    """The stored field for what the user typed ('phone' -> 'phones'); UsageError if none."""
    key = text.strip().lower().replace("-", "_").replace(" ", "_")
    key = FIELD_ALIASES.get(key, FIELD_ALIASES.get(key.replace("_", "-"), key))
    if key not in EDITABLE:
        raise UsageError(f"FIELD: {text!r} is not a field you can correct; choose from {', '.join(EDITABLE)}.")
    return key


def normalize_edit(record: ContactRecord, field: str, value: str, *, region: str) -> dict[str, str]:
    """The rows to store for a correction of `field` (a name from `EDITABLE`) on the
    contact whose merged record is `record`. `region` reads numbers typed without +."""
    value = " ".join(value.split()) if field != "address" else value.strip()
    if not value:
        if field == "name":
            return {"name": "", "given_name": "", "family_name": ""}
        return {field: ""}
    if field == "emails":
        return {"emails": ", ".join(_email(v) for v in re.split(r"[,;\s]+", value) if v)}
    if field == "phones":
        return {"phones": ", ".join(_phone(v, region) for v in re.split(r"[,;]", value) if v.strip())}
    if field == "website":
        return {"website": _website(value)}
    if field == "address":
        return {"address": json.dumps(_address(value, region), ensure_ascii=False)}
    if field == "name":
        return _name(value)
    if field in ("given_name", "family_name"):
        from ..fields.name import proper_case

        part = proper_case(value)
        given = part if field == "given_name" else record.given_name
        family = part if field == "family_name" else record.family_name
        return {field: part, "name": " ".join(x for x in (given, family) if x)}
    if field == "title":
        from ..fields.title import title_case

        return {"title": title_case(value)}
    if field == "company":
        from ..fields.company import complete_suffix

        return {"company": complete_suffix(value)}
    return {field: value}


def _email(text: str) -> str:
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError as e:
        raise UsageError(f"emails: {text!r} is not an e-mail address: {e}") from None


def _phone(text: str, region: str) -> str:
    """'+44 20 7946 0958 work' or 'M: 07700 900123' -> '+442079460958 work' / '+447700900123 mobile'.

    The type is the word after the number or the label before it, else the number's own
    (a mobile range reads mobile, anything else work).
    """
    import phonenumbers

    from ..fields.lexicon import PHONE_LABELS

    item = text.strip()
    ptype = None
    words = item.split()
    last = words[-1].strip("():[]").lower() if words else ""
    first = words[0].rstrip(":.").lower() if words else ""
    if len(words) > 1 and last in _TYPE_WORDS | PHONE_LABELS and not last.isdigit():
        ptype = _TYPE_WORDS.get(last) or PHONE_LABELS[last]
        item = " ".join(words[:-1])
    elif len(words) > 1 and first in _TYPE_WORDS | PHONE_LABELS and not first.isdigit():
        ptype = _TYPE_WORDS.get(first) or PHONE_LABELS[first]
        item = " ".join(words[1:])
    try:
        num = phonenumbers.parse(item, region)
    except phonenumbers.NumberParseException:
        num = None
    # the user knows the number: a possible one will do, even in a range the metadata does not list
    if num is None or not phonenumbers.is_possible_number(num) or len(str(num.national_number)) < 6:
        where = "" if item.startswith("+") else f" in {region} (start it with + and the country code)"
        raise UsageError(f"phones: {text.strip()!r} is not a valid phone number{where}.")
    if ptype is None:
        is_mobile = phonenumbers.number_type(num) == phonenumbers.PhoneNumberType.MOBILE
        ptype = "mobile" if is_mobile else "work"
    e164 = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
    return e164 + (f";ext={num.extension}" if num.extension else "") + f" {ptype}"


def _website(text: str) -> str:
    value = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text.strip(), flags=re.IGNORECASE).rstrip("/")
    host, sep, path = value.partition("/")
    host = host.lower()
    if not re.fullmatch(r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}", host):
        raise UsageError(f"website: {text!r} is not a web address; write it like www.acme.com.")
    return host + sep + path


def _address(text: str, region: str) -> dict[str, str | None]:
    """The address as one line and, where extraction can parse it, its parts."""
    from ..fields.page import propose
    from ..models import OcrPage

    lines = [x.strip(" ,") for x in text.splitlines() if x.strip(" ,")]
    whole = ", ".join(lines)
    cands = propose(OcrPage.from_text("\n".join(lines)), region=region).addresses
    if cands:
        a = max(cands, key=lambda a: a.fit)
        return {
            "text": whole, "street": a.street, "city": a.city, "region": a.region,
            "postcode": a.postcode, "country": a.country,
        }
    return {"text": whole}


def _name(text: str) -> dict[str, str]:
    from ..fields.name import split_name

    parts = split_name(text)
    if parts is not None:
        return {"name": parts.full, "given_name": parts.given or "", "family_name": parts.family or ""}
    given, _, family = text.rpartition(" ")
    return {"name": text, "given_name": given or text, "family_name": family if given else ""}


def show_value(record: ContactRecord, field: str) -> str:
    """A field of a record as `cardpipe review` and `cardpipe edit` print it."""
    value = getattr(record, field, None)
    if field == "phones":
        return ", ".join(
            f"{p.e164}{f' ext. {p.extension}' if p.extension else ''} ({p.type})" for p in record.phones
        )
    if field == "emails":
        return ", ".join(record.emails)
    if field == "address":
        return record.address.text if record.address else ""
    return str(value) if value else ""


def region_of(record: ContactRecord, default: str) -> str:
    """The region numbers typed without + are read in: the contact's address country,
    else where most of its numbers are, else `default`."""
    if record.address and record.address.country and re.fullmatch(r"[A-Z]{2}", record.address.country):
        return record.address.country
    import phonenumbers

    regions = []
    for p in record.phones:
        try:
            regions.append(phonenumbers.region_code_for_number(phonenumbers.parse(p.e164)))
        except phonenumbers.NumberParseException:
            continue
    regions = [r for r in regions if r and r != "ZZ"]
    return max(set(regions), key=regions.count) if regions else default

