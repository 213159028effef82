"""The review queue and corrections: what `cardpipe review`, `cardpipe edit` and the web
page's review queue need (the flagged fields, each card with its picture and where each
field was read on it, and edits through the same checks as extraction)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .clock import Clock
from .config import Config
from .contacts.store import Store, record_from_dict
from .errors import NotFoundError
from .models import ContactRecord
from .service import resolve_contact

# The fields extraction gives a confidence and may flag for review, in display order.
REVIEW_FIELDS = ("name", "title", "company", "emails", "phones", "website", "address")


@dataclass(frozen=True)
class ReviewField:
    field: str
    value: str  # as printed; "" when nothing was read
    confidence: float | None
    # what the cards print for it that was not read as a value (phones: numbers that are no
    # valid number as read, 'Shop : 55614360'), for the reviewer to check against the card
    unread: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReviewCard:
    card_id: int
    source: str  # the file name in the inbox
    image: str | None  # where the file is now (the archive), if known
    ocr_text: str
    # field -> the boxes (left, top, right, bottom) it was read from, in the file's pixels
    evidence: dict[str, list[tuple[int, int, int, int]]] = field(default_factory=dict)
    back: str | None = None  # where its back side's file is now, when it had one


@dataclass(frozen=True)
class ReviewItem:
    """A contact whose cards need a human look: the doubtful fields, and the cards to look at."""

    contact_id: int
    name: str | None
    fields: tuple[ReviewField, ...]
    cards: tuple[ReviewCard, ...]


Box = tuple[int, int, int, int]


def _card_box(record: ContactRecord) -> Box | None:
    """The card's own box on its page (the evidence's 'card'), held inside the page."""
    boxes = dict(record.evidence).get("card")
    if not boxes:
        return None
    left, top, right, bottom = boxes[0]
    return max(0, left), max(0, top), right, bottom


def _review_card(row: Any) -> tuple[ReviewCard, ContactRecord]:
    """A stored card as the review pages show it (its evidence boxes on its picture, which
    `card_picture` cuts out of the page), with the record read from it."""
    record = record_from_dict(json.loads(row["record"]))
    box = _card_box(record)
    dx, dy = (box[0], box[1]) if box else (0, 0)
    evidence = {f: [(b[0] - dx, b[1] - dy, b[2] - dx, b[3] - dy) for b in boxes]
                for f, boxes in record.evidence if f != "card"}
    card = ReviewCard(row["id"], row["source_name"], row["stored_as"], row["ocr_text"], evidence, row["back_stored_as"])
    return card, record


def card_picture(store: Store, cfg: Config, card_id: int, side: str = "front") -> bytes | None:
    """The card as a JPEG for a browser: its file from the archive, decoded as the pipeline
    decodes it (so HEIC, TIFF and PDF show too), cut to the card on a flatbed page; `side`
    "back": its back side's file, whole."""
    import cv2

    from .errors import InputFileError
    from .image import decode

    stored, row = store.card_image(card_id, side), store.card(card_id)
    if not stored or row is None or not Path(stored).is_file():
        return None
    try:
        decoded = decode.load(
            Path(stored), max_bytes=int(cfg.max_file_mb * 1024 * 1024), max_pixels=cfg.max_pixels, max_pages=1
        )
    except InputFileError:
        return None
    image = decoded.images[0].image
    box = _card_box(record_from_dict(json.loads(row["record"]))) if side == "front" else None
    if box is not None:
        image = image[box[1] : box[3], box[0] : box[2]]
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 88])
    return data.tobytes() if ok and image.size else None


def contact_cards(store: Store, contact_id: int) -> list[ReviewCard]:
    """A contact's cards, newest first, each with its picture's evidence boxes."""
    return [_review_card(row)[0] for row in store.cards_with_files(contact_id)]


def review_items(store: Store, contact_ref: str | None = None) -> list[ReviewItem]:
    """The contacts with fields under the review threshold that no correction covers, by id
    (or just the one `contact_ref` names, flagged or not). Each lists its doubtful fields and
    the cards that flagged them (all its cards when none did), newest first."""
    from .contacts.corrections import show_value

    if contact_ref is not None:
        contacts = [store.contact(resolve_contact(store, contact_ref))]
    else:
        contacts = [c for c in store.contacts() if c.record.review]
    items = []
    for c in contacts:
        r = c.record
        conf = r.confidence_map
        read = [_review_card(row) for row in store.cards_with_files(c.id)]
        unread = tuple(dict.fromkeys(raw for _, record in read for raw in record.unverified_phones))
        fields = tuple(
            ReviewField(f, show_value(r, f), conf.get(f), unread if f == "phones" else ())
            for f in REVIEW_FIELDS
            if f in r.review
        )
        cards = [card for card, _ in read]
        flagged = {f.field for f in fields}
        doubtful = [card for card, record in read if flagged & set(record.review)]
        items.append(ReviewItem(c.id, r.name, fields, tuple(doubtful or cards)))
    return items


@dataclass(frozen=True)
class EditResult:
    contact_id: int
    field: str
    value: str  # the field as the contact shows it now ("" when emptied)
    stored: dict[str, str]  # the rows written to the edits table


def edit_contact(
    store: Store, cfg: Config, contact_ref: str, field: str, value: str, *, clock: Clock
) -> EditResult:
    """The user's correction of one field of a contact: checked and normalized as extraction
    would (see `corrections`), stored in the edits table, applied over what every card
    says, now and after later runs. `value` "" empties the field."""
    from .contacts import corrections

    name = corrections.field_name(field)
    contact_id = resolve_contact(store, contact_ref)
    record = store.contact(contact_id).record
    rows = corrections.normalize_edit(record, name, value, region=corrections.region_of(record, cfg.region))
    with store.transaction():
        for key, text in rows.items():
            store.set_edit(contact_id, key, text, at=clock.now())
    shown = "name" if name in ("given_name", "family_name") else name
    return EditResult(contact_id, name, corrections.show_value(store.contact(contact_id).record, shown), rows)


def undo_edit(store: Store, contact_ref: str, field: str) -> EditResult:
    """Drop the user's correction of a field: the cards speak again (a name drops its parts too)."""
    from .contacts import corrections

    name = corrections.field_name(field)
    contact_id = resolve_contact(store, contact_ref)
    keys = ("name", "given_name", "family_name") if name in ("name", "given_name", "family_name") else (name,)
    with store.transaction():
        dropped = [k for k in keys if store.delete_edit(contact_id, k)]
    if not dropped:
        raise NotFoundError(f"contact {contact_id} has no correction of {name} to undo.")
    return EditResult(contact_id, name, corrections.show_value(store.contact(contact_id).record, name), {})
