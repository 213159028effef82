"""The operations on the database that the commands offer, as plain functions
(the CLI parses, calls one of these and prints): the due list, follow-ups,
contact lookup, edits, exports, merges and splits, possible duplicates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from . import export
from .clock import Clock
from .config import Config
from .contacts.store import Store, open_store
from .errors import AmbiguousError, DataError, NotFoundError, UsageError
from .followup import digest, due_edits, ics
from .followup import due as followup
from .models import Contact, DueItem


@contextmanager
def open_db(cfg: Config) -> Iterator[Store]:
    store = open_store(cfg.db, busy_timeout=cfg.busy_timeout)
    try:
        yield store
    finally:
        store.close()


def due_items(
    store: Store,
    cfg: Config,
    today: dt.date,
    *,
    days: int | None = None,
    contacts: list[Contact] | None = None,
) -> list[DueItem]:
    """The due list for `today` (pass `contacts` when already loaded)."""
    return [i for i in schedule_items(store, cfg, today, days=days, contacts=contacts) if i.days_overdue >= 0]


def schedule_items(
    store: Store,
    cfg: Config,
    today: dt.date,
    *,
    days: int | None = None,
    contacts: list[Contact] | None = None,
) -> list[DueItem]:
    """Every contact's next follow-up, due or not yet (negative `days_overdue`), due first."""
    fus = store.followup_dates()
    inputs = ((c, c.card_dates, fus.get(c.id, [])) for c in (store.contacts() if contacts is None else contacts))
    return followup.schedule(inputs, today, days=cfg.days if days is None else days, cadence=cfg.cadence)


def resolve_contact(store: Store, ref: str) -> int:
    """A contact from an id or a search on name, company or email; refuses ambiguity.

    An exact email or an exact full name wins over partial matches, so that
    "ann@acme.com" is not ambiguous with "joann@acme.com", nor "Ann Lee" with "Ann Leeds".
    """
    ref = ref.strip()
    if ref.isdigit():
        store.contact(int(ref))
        return int(ref)
    if not ref:
        raise UsageError("an empty contact; give an id, or a part of the name, company or email.")
    ref = " ".join(ref.split())
    hits = store.search(ref)
    key = ref.casefold()
    for exact in (
        [i for i in hits if key in {e.casefold() for e in store.contact(i).record.emails}],
        [i for i in hits if " ".join((store.contact(i).record.name or "").split()).casefold() == key],
    ):
        if exact:
            hits = exact
            break
    if not hits:
        raise NotFoundError(f"no contact matches {ref!r}; 'cardpipe contacts' lists them with their ids.")
    if len(hits) > 1:
        names = ", ".join(f"{i} ({store.contact(i).record.name or '?'})" for i in hits[:8])
        raise AmbiguousError(f"{ref!r} matches {len(hits)} contacts: {names}; give the id instead.")
    return hits[0]


def record_followup(
    store: Store, contact_id: int, on: dt.date, note: str, *, clock: Clock, source: str = "cli",
    owner: str | None = None,
) -> bool:
    with store.transaction():
        return store.add_followup(contact_id, on, note, source=source, at=clock.now(), owner=owner)


def next_followup(store: Store, cfg: Config, contact_id: int, today: dt.date) -> DueItem | None:
    """The contact's next follow-up (None: done, or nothing more in the cadence)."""
    items = schedule_items(store, cfg, today, contacts=[store.contact(contact_id)])
    return items[0] if items else None


def import_due_edits(store: Store, cfg: Config, clock: Clock) -> tuple[int, list[str]]:
    """Record the follow-ups the user typed into <output>/due.csv (see `due_edits`).

    Returns (follow-ups recorded, problems: one line each, with row numbers). A
    file that is not a due list at all is renamed aside so that the fresh
    due.csv written after the run does not destroy what the user typed.
    """
    path = cfg.output / "due.csv"
    if not path.is_file():
        return 0, []
    now = clock.now()
    try:
        result = due_edits.import_file(store, path, today=now.date(), at=now, day_first=cfg.day_first)
    except (DataError, NotFoundError) as e:
        kept = path.with_name(f"due-not-imported-{now:%Y%m%d-%H%M%S}.csv")
        try:
            path.replace(kept)
        except OSError as oe:
            return 0, [f"{e} Nothing imported, and it could not be kept aside ({oe.strerror})."]
        return 0, [f"{e} Nothing imported; your file is kept as {kept.name}."]
    return result.imported, result.problems


def import_followups(store: Store, cfg: Config, clock: Clock, path: Path) -> due_edits.ImportResult:
    """`cardpipe import FILE`: record the follow-ups filled in an edited due.csv."""
    now = clock.now()
    return due_edits.import_file(store, path, today=now.date(), at=now, day_first=cfg.day_first)


def set_done(store: Store, contact_id: int, done: bool = True) -> None:
    with store.transaction():
        store.set_done(contact_id, done)


def parse_interval(text: str) -> int | None:
    """A per-contact interval as typed: a number of days, or 'default' (the cadence: None)."""
    if text.strip().casefold() in ("default", "none", "cadence"):
        return None
    if text.strip().isdigit() and int(text) > 0:
        return int(text)
    raise UsageError(f"DAYS: {text!r} is not a number of days; give e.g. 60, or 'default'.")


def due_calendar(store: Store, cfg: Config, today: dt.date) -> str:
    """due.ics: every contact's next follow-up as an all-day event."""
    return ics.due_calendar(schedule_items(store, cfg, today), today=today, calendar_id=calendar_id(store))


def set_interval(store: Store, contact_id: int, days: int | None) -> None:
    with store.transaction():
        store.set_interval(contact_id, days)


def update_notes(
    store: Store,
    contact_id: int,
    *,
    text: str = "",
    labelled: dict[str, str] | None = None,
    clear: bool = False,
) -> str | None:
    """Add to (or replace) a contact's notes; returns the notes as now stored."""
    with store.transaction():
        old = store.contact(contact_id).notes
        new = followup.update_notes(old, text=text, labelled=labelled or {}, clear=clear)
        if new != old:
            store.set_notes(contact_id, new or "")
    return new


def calendar_id(store: Store) -> str:
    """A random id for this database, so due.ics UIDs never clash with another database's."""
    value = store.get_meta("calendar_id")
    if not value:
        import secrets

        value = secrets.token_hex(6)
        store.set_meta("calendar_id", value)
    return value


def build_digest(
    store: Store, cfg: Config, clock: Clock, *, since: dt.datetime | None = None, mark: bool = True
) -> digest.Digest:
    """The digest for today; new cards since `since`, else since the last digest, else
    in the last 7 days. With `mark`, this digest becomes the last one."""
    now = clock.now()
    today = now.date()
    if since is None:
        last = store.get_meta(digest.DIGEST_MARK)
        since = dt.datetime.fromisoformat(last) if last else now - digest.DEFAULT_LOOKBACK
    contacts = store.contacts()
    by_id = {c.id: c for c in contacts}
    new = store.cards_scanned_since(since)
    new_ids = list(dict.fromkeys(r["contact_id"] for r in new))
    due = due_items(store, cfg, today, contacts=contacts)
    week = digest.week_start(today)
    done = {(r["contact_id"], r["on_date"]) for r in store.followups_between(week, today)}
    result = digest.Digest(
        today=today,
        since=since,
        new_cards=len(new),
        new_contacts=tuple(by_id[i] for i in new_ids if i in by_id),
        due_today=tuple(i for i in due if i.days_overdue == 0),
        overdue=tuple(i for i in due if i.days_overdue > 0),
        done_this_week=len(done),
        weekly_goal=cfg.weekly_goal,
    )
    if mark:
        store.set_meta(digest.DIGEST_MARK, now.isoformat())
    return result


def write_exports(store: Store, cfg: Config, clock: Clock) -> tuple[int, list[str]]:
    """Rewrite the exports in the output folder when their content changed.
    Returns (number due, files written)."""
    today = clock.now().date()
    # Nothing written since the last run today, same settings, files in place: the
    # exports are current, and a no-op cron run stays cheap whatever the database size.
    key = f"{today}|{store.revision()}|{cfg.days}|{cfg.cadence}|{cfg.formats}|{cfg.output.resolve()}"
    # ...and due.csv as we left it (a user's edit that recorded nothing must still be answered)
    key += f"|{cfg.day_first}|{cfg.vcard_version}"
    names = ("contacts.csv", "due.csv", "due.ics", *(export.FORMATS[f].filename for f in cfg.formats))
    if store.get_meta("exports_key") == f"{key}|{_stat(cfg.output / 'due.csv')}" and all(
        (cfg.output / n).exists() for n in names
    ):
        return int(store.get_meta("exports_due") or 0), []
    contacts = store.contacts()
    planned = schedule_items(store, cfg, today, contacts=contacts)
    due = [i for i in planned if i.days_overdue >= 0]
    # rows of due.csv that could not be recorded keep what the user typed (due_edits)
    kept = due_edits.kept_entries(cfg.output / "due.csv", contacts, today=today, day_first=cfg.day_first)
    outputs: dict[str, str] = {"due.csv": export.due_csv(due, kept)}
    outputs["due.ics"] = ics.due_calendar(planned, today=today, calendar_id=calendar_id(store))
    # contacts.csv always, and the other formats the config lists (file names: export.FORMATS)
    options = export.ExportOptions({i.contact_id: i for i in planned}, cfg.vcard_version)
    encodings: dict[str, str] = {}
    for fmt in dict.fromkeys(("csv", *cfg.formats)):
        f = export.FORMATS[fmt]
        outputs[f.filename], encodings[f.filename] = f.render(contacts, options), f.encoding
    written = []
    for name, text in outputs.items():
        path = cfg.output / name
        if _unchanged(path, text):
            continue
        export.write_text(path, text, encoding=encodings.get(name, "utf-8" if name.endswith(".ics") else "utf-8-sig"))
        written.append(str(path))
    store.set_meta("exports_key", f"{key}|{_stat(cfg.output / 'due.csv')}")
    store.set_meta("exports_due", str(len(due)))
    return len(due), written


def write_owner_due_files(store: Store, cfg: Config, clock: Clock) -> list[str]:
    """Each owner's due list beside due.csv (due-<owner>.csv, see followup/owners.py);
    nothing on a base where no card has an owner."""
    from .contacts.owners import owners
    from .followup import owners as owner_due

    today = clock.now().date()
    written = []
    for owner in owners(store):
        path = cfg.output / owner_due.file_name(owner)
        text = export.due_csv(owner_due.due_items(store, cfg, today, owner))
        if _unchanged(path, text):
            continue
        export.write_text(path, text, encoding="utf-8-sig")
        written.append(str(path))
    return written


def export_contacts(
    store: Store, cfg: Config, fmt: str = "csv", *, today: dt.date, vcard_version: str | None = None
) -> str:
    """Every contact in export format `fmt` (see `export.FORMATS`), with the follow-ups as of `today`."""
    contacts = store.contacts()
    planned = schedule_items(store, cfg, today, contacts=contacts)
    options = export.ExportOptions({i.contact_id: i for i in planned}, vcard_version or cfg.vcard_version)
    return export.render(fmt, contacts, options)


def _stat(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def _unchanged(path: Path, text: str) -> bool:
    try:
        return path.read_bytes().decode("utf-8-sig") == text
    except (OSError, UnicodeDecodeError):
        return False


# ---- dedupe decisions: `cardpipe merge` and `cardpipe split` ----


def merge_contacts(store: Store, into_ref: str, other_ref: str, *, clock: Clock) -> tuple[int, int, list[int]]:
    """The user's merge: contact B (`other_ref`) joins contact A (`into_ref`) for good;
    its cards, follow-ups, edits and notes move to A. Returns (A, B, the cards moved)."""
    into = resolve_contact(store, into_ref)
    other = resolve_contact(store, other_ref)
    if into == other:
        raise UsageError(f"{into_ref!r} and {other_ref!r} are the same contact ({into}); there is nothing to merge.")
    with store.transaction():
        moved = store.merge_contacts(into, other, at=clock.now())
    return into, other, moved


def parse_card_ref(ref: str) -> int:
    """'12' or '#12' -> 12: a card number as `cardpipe contacts show` prints it."""
    text = ref.strip().removeprefix("#")
    if not text.isdigit():
        raise UsageError(f"{ref!r} is not a card number; give one such as 12 or #12, as 'cardpipe contacts show' lists them.")
    return int(text)


def split_cards(
    store: Store, contact_ref: str, card_refs: list[str], *, clock: Clock
) -> tuple[int, int, list[int]]:
    """The user's split: the cards leave the contact for a new contact, and no later run
    puts them back together. Returns (the contact, the new contact, the cards moved)."""
    contact_id = resolve_contact(store, contact_ref)
    cards = list(dict.fromkeys(parse_card_ref(r) for r in card_refs))
    own = [row["id"] for row in store.cards_of(contact_id)]
    for card in cards:
        row = store.card(card)
        if row is None:
            raise NotFoundError(f"there is no card #{card}; 'cardpipe contacts show {contact_id}' lists the cards of contact {contact_id}.")
        if row["contact_id"] != contact_id:
            raise UsageError(
                f"card #{card} belongs to contact {row['contact_id']}, not to contact {contact_id}; "
                f"'cardpipe contacts show {contact_id}' lists its cards."
            )
    if not set(own) - set(cards):
        raise UsageError(
            f"contact {contact_id} has no card besides {', '.join(f'#{c}' for c in cards)}: "
            "there is nothing to split it from."
        )
    with store.transaction():
        new = store.split_cards(contact_id, cards, at=clock.now())
    return contact_id, new, cards


# ---- possible duplicates: `cardpipe duplicates` ----


@dataclass(frozen=True)
class DuplicatePair:
    """Two contacts a card nearly matched: A (the older id, which `cardpipe merge A B` keeps)
    and B, and the reason (which fields agree, why they were not merged automatically)."""

    a: Contact
    b: Contact
    reason: str
    suggested_at: dt.datetime


def possible_duplicates(store: Store) -> list[DuplicatePair]:
    """The suggested pairs not yet merged or dismissed, newest first."""
    rows = store.suggestions()
    if not rows:
        return []
    contacts = {c.id: c for c in store.contacts()}
    return [
        DuplicatePair(contacts[r["contact_a"]], contacts[r["contact_b"]], r["reason"], dt.datetime.fromisoformat(r["created_at"]))
        for r in rows
        if r["contact_a"] in contacts and r["contact_b"] in contacts
    ]


def count_possible_duplicates(store: Store) -> int:
    """How many pairs `possible_duplicates` lists (both contacts still hold cards)."""
    return store.count_suggestions()


def dismiss_duplicate(store: Store, a_ref: str, b_ref: str, *, clock: Clock) -> tuple[int, int]:
    """The user's "two people": the suggested pair A, B is dropped, and later runs neither
    join nor suggest them again (as a split does; `cardpipe merge` still can). Returns (A, B)."""
    a = resolve_contact(store, a_ref)
    b = resolve_contact(store, b_ref)
    if a == b:
        raise UsageError(f"{a_ref!r} and {b_ref!r} are the same contact ({a}); give two contacts of a pair 'cardpipe duplicates' lists.")
    if store.suggestion(a, b) is None:
        raise NotFoundError(
            f"contacts {a} and {b} are not a suggested pair; 'cardpipe duplicates' lists the possible duplicates."
        )
    with store.transaction():
        store.dismiss_suggestion(a, b, at=clock.now())
    return a, b
