"""The store: SQLite by default, behind the small `Store` protocol.

Tables: files (every input file by SHA-256: done, duplicate or failed), cards
(one per card read, with OCR text and the extracted record), contacts (merged
people), followups, edits (user corrections, never overwritten by a run),
decisions (merge / split / dismiss by the user, replayed by later runs), apart
(card pairs the user kept apart) and suggestions (possible duplicates to confirm).

The schema carries a version (`PRAGMA user_version`) and every change to it is
a migration in `MIGRATIONS`, applied in order when a database is opened.

Why this module is long: it is the only module with SQL. The schema, its migrations
and every query the commands need sit together, so a second backend has one place to
follow."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from ..errors import BusyError, ConfigError, NotFoundError, StoreError
from ..models import Address, CardResult, Contact, ContactRecord, Phone
from . import blocking, dedupe, merge

log = logging.getLogger(__name__)

MIGRATIONS: tuple[str, ...] = (
    # 1: the first schema
    """
    CREATE TABLE files (
        sha256 TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('done', 'duplicate', 'failed')),
        reason TEXT,
        stored_as TEXT,
        processed_at TEXT NOT NULL
    );
    CREATE TABLE contacts (
        id INTEGER PRIMARY KEY,
        created_at TEXT NOT NULL,
        notes TEXT,
        done INTEGER NOT NULL DEFAULT 0,
        interval_days INTEGER
    );
    CREATE TABLE cards (
        id INTEGER PRIMARY KEY,
        file_sha256 TEXT NOT NULL REFERENCES files(sha256),
        card_index INTEGER NOT NULL,
        source_name TEXT NOT NULL,
        contact_id INTEGER NOT NULL REFERENCES contacts(id),
        collected_on TEXT NOT NULL,
        scanned_at TEXT NOT NULL,
        event TEXT,
        ocr_text TEXT NOT NULL,
        ocr_conf REAL NOT NULL,
        record TEXT NOT NULL,
        match_rule TEXT NOT NULL,
        match_detail TEXT,
        UNIQUE (file_sha256, card_index)
    );
    CREATE INDEX cards_contact ON cards(contact_id);
    CREATE TABLE card_keys (
        card_id INTEGER NOT NULL REFERENCES cards(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        value TEXT NOT NULL
    );
    CREATE INDEX card_keys_lookup ON card_keys(kind, value);
    CREATE TABLE followups (
        id INTEGER PRIMARY KEY,
        contact_id INTEGER NOT NULL REFERENCES contacts(id),
        on_date TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        source TEXT NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (contact_id, on_date, note)
    );
    CREATE TABLE edits (
        contact_id INTEGER NOT NULL REFERENCES contacts(id),
        field TEXT NOT NULL,
        value TEXT NOT NULL,
        edited_at TEXT NOT NULL,
        PRIMARY KEY (contact_id, field)
    );
    CREATE TABLE decisions (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('merge', 'split')),
        card_id INTEGER NOT NULL,
        contact_id INTEGER NOT NULL,
        made_at TEXT NOT NULL
    );
    """,
    # 2: a revision counter bumped by every write transaction, so that a run with
    # nothing new can tell its exports are current without rebuilding them
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    INSERT INTO meta (key, value) VALUES ('revision', '0');
    """,
    # 3: dedupe decisions that stick: a contact merged away points at the one that
    # absorbed it, each decision says what it did, and the cards the user split apart
    # are pairs that no later run puts back together
    """
    ALTER TABLE contacts ADD COLUMN merged_into INTEGER REFERENCES contacts(id);
    ALTER TABLE decisions ADD COLUMN detail TEXT;
    CREATE TABLE apart (
        card_a INTEGER NOT NULL REFERENCES cards(id),
        card_b INTEGER NOT NULL REFERENCES cards(id),
        decision_id INTEGER REFERENCES decisions(id),
        PRIMARY KEY (card_a, card_b),
        CHECK (card_a < card_b)
    );
    """,
    # 4: card_keys was written for every card but never read once matching moved to
    # dedupe's in-memory index (built from the cards' records): drop it
    """
    DROP INDEX card_keys_lookup;
    DROP TABLE card_keys;
    """,
    # 5: possible duplicates: two contacts a card nearly matched (dedupe.Suggestion), until
    # the user merges them or dismisses the pair; a dismissal is a decision (the table is
    # rebuilt to allow the kind; apart rows point at it, hence the deferred foreign keys)
    """
    CREATE TABLE suggestions (
        contact_a INTEGER NOT NULL REFERENCES contacts(id),
        contact_b INTEGER NOT NULL REFERENCES contacts(id),
        card_id INTEGER NOT NULL REFERENCES cards(id),
        rule TEXT NOT NULL,
        reason TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (contact_a, contact_b),
        CHECK (contact_a < contact_b)
    );
    CREATE INDEX suggestions_b ON suggestions(contact_b);
    PRAGMA defer_foreign_keys = ON;
    CREATE TEMP TABLE decisions_4 AS SELECT * FROM decisions;
    DROP TABLE decisions;
    CREATE TABLE decisions (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('merge', 'split', 'dismiss')),
        card_id INTEGER NOT NULL,
        contact_id INTEGER NOT NULL,
        made_at TEXT NOT NULL,
        detail TEXT
    );
    INSERT INTO decisions (id, kind, card_id, contact_id, made_at, detail)
        SELECT id, kind, card_id, contact_id, made_at, detail FROM decisions_4;
    DROP TABLE decisions_4;
    """,
    # 6: owners: who scanned a card (the worker's `owner`, or the inbox folder of that
    # person) and who recorded a follow-up; NULL when the base has one user
    """
    ALTER TABLE cards ADD COLUMN owner TEXT;
    ALTER TABLE followups ADD COLUMN owner TEXT;
    """,
    # 7: the file of a card's back side, read and archived with its front (NAME-back.jpg)
    """
    ALTER TABLE cards ADD COLUMN back_sha256 TEXT;
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)


@runtime_checkable
class Store(Protocol):
    """What the run, the commands, follow-ups, exports and the web page need from a
    database. Everything outside this package holds a `Store`, never a concrete class
    (`open_store` makes one); rows are mappings by column name (`row["stored_as"]`)."""

    # the connection
    def transaction(self) -> Any: ...
    def check_writable(self) -> None: ...
    def revision(self) -> int: ...
    def get_meta(self, key: str) -> str | None: ...
    def set_meta(self, key: str, value: str) -> None: ...
    def close(self) -> None: ...

    # input files, by SHA-256
    def file_status(self, sha256: str) -> str | None: ...
    def file(self, sha256: str) -> Any | None: ...
    def add_file(
        self, sha256: str, name: str, *, status: str, reason: str | None = None, stored_as: str | None = None,
        at: dt.datetime,
    ) -> None: ...
    def set_stored_as(self, sha256: str, stored_as: str) -> None: ...
    def forget_failed(self, sha256: str) -> None: ...

    # cards and contacts
    def add_card(
        self,
        sha256: str,
        result: CardResult,
        *,
        collected_on: dt.date,
        scanned_at: dt.datetime,
        event: str | None,
        name: str | None = None,
        owner: str | None = None,
        back: str | None = None,
    ) -> tuple[int, int]: ...
    def card(self, card_id: int) -> Any | None: ...
    def cards_of(self, contact_id: int) -> list[Any]: ...
    def cards_with_files(self, contact_id: int) -> list[Any]: ...
    def card_image(self, card_id: int, side: str = "front") -> str | None: ...
    def cards_scanned_since(self, since: dt.datetime) -> list[Any]: ...
    def contacts(self) -> list[Contact]: ...
    def contact(self, contact_id: int) -> Contact: ...
    def search(self, text: str) -> list[int]: ...

    # the user's decisions
    def merge_contacts(self, into: int, other: int, *, at: dt.datetime) -> list[int]: ...
    def split_cards(self, contact_id: int, card_ids: Sequence[int], *, at: dt.datetime) -> int: ...
    def suggestions(self) -> list[Any]: ...
    def suggestion(self, a: int, b: int) -> Any | None: ...
    def count_suggestions(self) -> int: ...
    def dismiss_suggestion(self, a: int, b: int, *, at: dt.datetime) -> int: ...
    def kept_apart_from(self, contact_id: int) -> list[int]: ...
    def set_edit(self, contact_id: int, field: str, value: str, *, at: dt.datetime) -> None: ...
    def delete_edit(self, contact_id: int, field: str) -> bool: ...
    def set_notes(self, contact_id: int, notes: str) -> None: ...
    def set_done(self, contact_id: int, done: bool = True) -> None: ...
    def set_interval(self, contact_id: int, days: int | None) -> None: ...

    # follow-ups
    def add_followup(
        self, contact_id: int, on: dt.date, note: str = "", *, source: str, at: dt.datetime, owner: str | None = None
    ) -> bool: ...
    def followups(self, contact_id: int) -> list[Any]: ...
    def followup_dates(self) -> dict[int, list[dt.date]]: ...
    def set_followup_note(self, followup_id: int, note: str) -> None: ...
    def followups_between(self, first: dt.date, last: dt.date) -> list[Any]: ...


class SqliteStore:
    """The default store: one SQLite file, WAL mode, full sync, a busy timeout."""

    def __init__(self, path: Path | str, *, busy_timeout: float = 10.0) -> None:
        self.path = Path(path)
        self._dedupe: blocking.Index | None = None  # the matching index, built on first use
        self._dedupe_version = -1
        if str(path) != ":memory:":
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise StoreError(f"cannot create the folder for the database {self.path}: {e.strerror}.") from e
            _refuse_network_fs(self.path)
        try:
            self.db = sqlite3.connect(str(path), timeout=busy_timeout, isolation_level=None)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except BusyError:
            raise
        except sqlite3.DatabaseError as e:
            if _is_busy(e):
                raise BusyError(f"the database {path} is locked by another program ({e}); try again later.") from e
            raise StoreError(f"cannot open the database {path}: {e}. Is it a cardpipe database?") from e

    # ---- schema ----

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"the database {self.path} was written by a newer cardpipe (schema {version}, "
                f"this one knows {SCHEMA_VERSION}); upgrade cardpipe."
            )
        for number in range(version, SCHEMA_VERSION):
            with self.transaction():
                for statement in _statements(MIGRATIONS[number]):
                    self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version={number + 1}")
            log.info("database %s migrated to schema %d", self.path, number + 1)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, rolled back on any error."""
        self._begin_immediate()
        try:
            yield self.db
            if self.db.execute("SELECT 1 FROM sqlite_master WHERE name = 'meta'").fetchone():
                self.db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'revision'")
            self.db.execute("COMMIT")
        except BaseException as e:
            if self.db.in_transaction:  # SQLite may have rolled back already (disk full...)
                self.db.execute("ROLLBACK")
            self._dedupe = None  # it may hold cards that were rolled back
            if isinstance(e, sqlite3.OperationalError):  # disk full, I/O error, locked: one clear line
                if _is_busy(e):
                    raise BusyError(f"the database {self.path} is locked by another program ({e}); try again later.") from e
                raise StoreError(f"cannot write the database {self.path}: {e}.") from e
            raise

    def _begin_immediate(self) -> None:
        """Take the write lock, waiting up to the busy timeout; BusyError (exit 75) if another program keeps it."""
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as e:
            if _is_busy(e):
                raise BusyError(f"the database {self.path} is locked by another program ({e}); try again later.") from e
            raise StoreError(f"cannot write the database {self.path}: {e}.") from e

    def check_writable(self) -> None:
        """Take the write lock and release it, changing nothing: a run calls this before it
        claims any file, so a database held by another program stops it with nothing touched."""
        self._begin_immediate()
        self.db.execute("ROLLBACK")

    def revision(self) -> int:
        """A number that changes whenever a write transaction commits."""
        row = self.db.execute("SELECT value FROM meta WHERE key = 'revision'").fetchone()
        return int(row[0]) if row else 0

    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        """Bookkeeping that is not data (does not bump the revision)."""
        self.db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def close(self) -> None:
        self.db.close()

    # ---- files ----

    def file_status(self, sha256: str) -> str | None:
        row = self.db.execute("SELECT status FROM files WHERE sha256 = ?", (sha256,)).fetchone()
        return row[0] if row else None

    def file(self, sha256: str) -> sqlite3.Row | None:
        """The file's row (name, status, reason, stored_as); None for a file never seen."""
        return self.db.execute("SELECT * FROM files WHERE sha256 = ?", (sha256,)).fetchone()

    def add_file(
        self,
        sha256: str,
        name: str,
        *,
        status: str,
        reason: str | None = None,
        stored_as: str | None = None,
        at: dt.datetime,
    ) -> None:
        self.db.execute(
            "INSERT INTO files (sha256, name, status, reason, stored_as, processed_at) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (sha256) DO UPDATE SET name=excluded.name, status=excluded.status, "
            "reason=excluded.reason, stored_as=excluded.stored_as, processed_at=excluded.processed_at",
            (sha256, name, status, reason, stored_as, at.isoformat()),
        )

    def set_stored_as(self, sha256: str, stored_as: str) -> None:
        self.db.execute("UPDATE files SET stored_as = ? WHERE sha256 = ?", (stored_as, sha256))

    def failed_files(self) -> list[sqlite3.Row]:
        return list(self.db.execute("SELECT * FROM files WHERE status = 'failed' ORDER BY processed_at"))

    def forget_failed(self, sha256: str) -> None:
        """Drop the record that a file failed (`cardpipe retry`): the next run reads it afresh."""
        self.db.execute("DELETE FROM files WHERE sha256 = ? AND status = 'failed'", (sha256,))

    # ---- cards and contacts ----

    def add_card(
        self,
        sha256: str,
        result: CardResult,
        *,
        collected_on: dt.date,
        scanned_at: dt.datetime,
        event: str | None,
        name: str | None = None,
        owner: str | None = None,
        back: str | None = None,
    ) -> tuple[int, int]:
        """Store one card, attached to a matching contact or a new one (`back`: the SHA-256 of
        its back side's file, read with it). Returns (card id, contact id).

        Call inside `transaction()`, after `add_file` for its file.
        """
        record = result.record
        index = self.dedupe_index()
        ev = dedupe.evidence(record)
        placement = index.plan(ev)
        if placement.match is None or placement.contact_id is None:
            cur = self.db.execute("INSERT INTO contacts (created_at) VALUES (?)", (scanned_at.isoformat(),))
            contact_id = int(cur.lastrowid or 0)
            rule, detail = "new", None
        else:
            contact_id, rule, detail = placement.contact_id, placement.match.rule, placement.match.detail
        cur = self.db.execute(
            "INSERT INTO cards (file_sha256, card_index, source_name, contact_id, collected_on, scanned_at, "
            "event, ocr_text, ocr_conf, record, match_rule, match_detail, owner, back_sha256) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                sha256,
                result.card,
                name or Path(result.source).name,
                contact_id,
                collected_on.isoformat(),
                scanned_at.isoformat(),
                event,
                result.ocr_text,
                result.ocr_conf,
                json.dumps(record_to_dict(record), ensure_ascii=False),
                rule,
                detail,
                owner,
                back,
            ),
        )
        card_id = int(cur.lastrowid or 0)
        index.apply(card_id, ev, contact_id, placement)
        for link in placement.joined:  # the card links contacts that are one person: join them
            self.move_contact(
                contact_id, link.contact_id, rule="linked",
                detail=f"joined by card #{card_id}, which matched both ({detail} / {link.detail})",
            )
        self.db.executemany(  # possible duplicates, for the user to merge or dismiss
            "INSERT OR IGNORE INTO suggestions (contact_a, contact_b, card_id, rule, reason, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                (min(contact_id, s.contact_id), max(contact_id, s.contact_id), card_id, s.rule,
                 f"card #{card_id}: {s.reason}", scanned_at.isoformat())
                for s in placement.suggestions
            ],
        )
        return card_id, contact_id

    def dedupe_index(self) -> blocking.Index:
        """The in-memory matching index of every card (see `blocking.Index`): built on first
        use, kept up to date by this connection, rebuilt when another one wrote."""
        version = self.db.execute("PRAGMA data_version").fetchone()[0]
        if self._dedupe is None or version != self._dedupe_version:
            rows = self.db.execute("SELECT id, contact_id, record FROM cards ORDER BY id")
            cards = [(r[0], r[1], record_from_dict(json.loads(r[2]))) for r in rows]
            apart = [(r[0], r[1]) for r in self.db.execute("SELECT card_a, card_b FROM apart")]
            self._dedupe = blocking.Index.build(cards, apart)
            self._dedupe_version = version
        return self._dedupe

    def move_contact(self, into: int, other: int, *, rule: str, detail: str, relabel_all: bool = False) -> list[int]:
        """Join contact `other` into `into`: its cards, follow-ups, edits (those of `into`
        win), notes and every other row that names it; `other` is left pointing at `into`.
        The moved cards' reason becomes (rule, detail): all of them, or only the card that
        started `other`. Returns the ids of the cards moved. Call inside `transaction()`."""
        moved = [r[0] for r in self.db.execute("SELECT id FROM cards WHERE contact_id = ? ORDER BY id", (other,))]
        relabel = "" if relabel_all else " AND match_rule = 'new'"
        self.db.execute(
            f"UPDATE cards SET match_rule = ?, match_detail = ? WHERE contact_id = ?{relabel}", (rule, detail, other)
        )
        self.db.execute("UPDATE cards SET contact_id = ? WHERE contact_id = ?", (into, other))
        self.db.execute("UPDATE OR IGNORE followups SET contact_id = ? WHERE contact_id = ?", (into, other))
        self.db.execute("DELETE FROM followups WHERE contact_id = ?", (other,))  # the same follow-up on both
        self.db.execute(
            "INSERT OR IGNORE INTO edits (contact_id, field, value, edited_at) "
            "SELECT ?, field, value, edited_at FROM edits WHERE contact_id = ?",
            (into, other),
        )
        self.db.execute("DELETE FROM edits WHERE contact_id = ?", (other,))
        a = self.db.execute("SELECT * FROM contacts WHERE id = ?", (into,)).fetchone()
        b = self.db.execute("SELECT * FROM contacts WHERE id = ?", (other,)).fetchone()
        notes = "\n".join(n for n in (a["notes"], b["notes"]) if n) or None
        self.db.execute(
            "UPDATE contacts SET notes = ?, done = ?, interval_days = COALESCE(interval_days, ?) WHERE id = ?",
            (notes, int(bool(a["done"] or b["done"])), b["interval_days"], into),
        )
        self.db.execute("UPDATE contacts SET notes = NULL, merged_into = ? WHERE id = ? OR merged_into = ?", (into, other, other))
        for table in self._tables_naming_contacts():
            self.db.execute(f"UPDATE OR IGNORE {table} SET contact_id = ? WHERE contact_id = ?", (into, other))
        # possible duplicates: the pair is settled; those of `other` with a third contact now name `into`
        self.db.execute(
            "INSERT OR IGNORE INTO suggestions (contact_a, contact_b, card_id, rule, reason, created_at) "
            "SELECT MIN(?, CASE contact_a WHEN ? THEN contact_b ELSE contact_a END), "
            "MAX(?, CASE contact_a WHEN ? THEN contact_b ELSE contact_a END), card_id, rule, reason, created_at "
            "FROM suggestions WHERE ? IN (contact_a, contact_b) AND ? NOT IN (contact_a, contact_b)",
            (into, other, into, other, other, into),
        )
        self.db.execute("DELETE FROM suggestions WHERE ? IN (contact_a, contact_b)", (other,))
        return moved

    def _tables_naming_contacts(self) -> list[str]:
        """Tables other modules added with a contact_id column (follow-ups and edits aside)."""
        own = {"cards", "followups", "edits", "decisions", "contacts"}
        names = [r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return [
            t for t in names
            if t not in own and any(c[1] == "contact_id" for c in self.db.execute(f"PRAGMA table_info({t})"))
        ]

    def merge_contacts(self, into: int, other: int, *, at: dt.datetime) -> list[int]:
        """The user's merge: every card of `other` joins `into` for good (apart-pairs
        between them are dropped). Returns the cards moved. Call inside `transaction()`."""
        when = at.date().isoformat()
        moved = self.move_contact(
            into, other, rule="user-merge", detail=f"contact {other} merged into {into} by you on {when}", relabel_all=True
        )
        for card in moved:
            self.db.execute(
                "INSERT INTO decisions (kind, card_id, contact_id, made_at, detail) VALUES ('merge', ?, ?, ?, ?)",
                (card, into, at.isoformat(), f"contact {other} merged into {into}"),
            )
        marks = ",".join("?" * len(moved))
        self.db.execute(
            f"DELETE FROM apart WHERE (card_a IN ({marks}) AND card_b IN (SELECT id FROM cards WHERE contact_id = ?)) "
            f"OR (card_b IN ({marks}) AND card_a IN (SELECT id FROM cards WHERE contact_id = ?))",
            (*moved, into, *moved, into),
        )
        self._dedupe = None
        return moved

    def split_cards(self, contact_id: int, card_ids: Sequence[int], *, at: dt.datetime) -> int:
        """The user's split: the cards leave the contact for a new one, and are kept apart
        from the cards that stay. Returns the new contact's id. Call inside `transaction()`."""
        cur = self.db.execute("INSERT INTO contacts (created_at) VALUES (?)", (at.isoformat(),))
        new = int(cur.lastrowid or 0)
        staying = [
            r[0] for r in self.db.execute("SELECT id FROM cards WHERE contact_id = ?", (contact_id,)) if r[0] not in card_ids
        ]
        for card in card_ids:
            self.db.execute(
                "UPDATE cards SET contact_id = ?, match_rule = 'user-split', match_detail = ? WHERE id = ?",
                (new, f"split off contact {contact_id} by you on {at.date().isoformat()}", card),
            )
            dec = self.db.execute(
                "INSERT INTO decisions (kind, card_id, contact_id, made_at, detail) VALUES ('split', ?, ?, ?, ?)",
                (card, contact_id, at.isoformat(), f"card #{card} split off contact {contact_id} into {new}"),
            ).lastrowid
            self.db.executemany(
                "INSERT OR IGNORE INTO apart (card_a, card_b, decision_id) VALUES (?, ?, ?)",
                [(min(card, s), max(card, s), dec) for s in staying],
            )
        self._dedupe = None
        return new

    def suggestions(self) -> list[sqlite3.Row]:
        """The possible duplicates (contact_a < contact_b, card_id that raised it, rule,
        reason, created_at), newest first."""
        return list(self.db.execute("SELECT * FROM suggestions ORDER BY created_at DESC, card_id DESC, contact_a, contact_b"))

    def suggestion(self, a: int, b: int) -> sqlite3.Row | None:
        return self.db.execute(
            "SELECT * FROM suggestions WHERE contact_a = ? AND contact_b = ?", (min(a, b), max(a, b))
        ).fetchone()

    def count_suggestions(self) -> int:
        """How many suggested pairs there are whose two contacts both still hold cards."""
        return int(
            self.db.execute(
                "SELECT COUNT(*) FROM suggestions s"
                " WHERE EXISTS (SELECT 1 FROM cards WHERE contact_id = s.contact_a)"
                " AND EXISTS (SELECT 1 FROM cards WHERE contact_id = s.contact_b)"
            ).fetchone()[0]
        )

    def dismiss_suggestion(self, a: int, b: int, *, at: dt.datetime) -> int:
        """The user's "not the same person": the suggestion is dropped and every card of
        one is kept apart from every card of the other, so that no later run joins them
        or suggests them again (a `cardpipe merge` lifts it). Returns the decision's id.
        Call inside `transaction()`."""
        cards_a = [r[0] for r in self.db.execute("SELECT id FROM cards WHERE contact_id = ? ORDER BY id", (a,))]
        cards_b = [r[0] for r in self.db.execute("SELECT id FROM cards WHERE contact_id = ? ORDER BY id", (b,))]
        if not cards_a or not cards_b:
            raise NotFoundError(f"contact {a if not cards_a else b} has no cards; 'cardpipe duplicates' lists the pairs.")
        dec = int(
            self.db.execute(
                "INSERT INTO decisions (kind, card_id, contact_id, made_at, detail) VALUES ('dismiss', ?, ?, ?, ?)",
                (cards_b[0], a, at.isoformat(), f"contacts {a} and {b} are two people (possible duplicate dismissed)"),
            ).lastrowid
            or 0
        )
        self.db.executemany(
            "INSERT OR IGNORE INTO apart (card_a, card_b, decision_id) VALUES (?, ?, ?)",
            [(min(x, y), max(x, y), dec) for x in cards_a for y in cards_b],
        )
        self.db.execute("DELETE FROM suggestions WHERE contact_a = ? AND contact_b = ?", (min(a, b), max(a, b)))
        self._dedupe = None
        return dec

    def decisions_about(self, contact_id: int) -> list[sqlite3.Row]:
        """The user's merge, split and dismiss decisions that touch this contact or its cards, oldest first."""
        return list(
            self.db.execute(
                "SELECT * FROM decisions WHERE contact_id = ? OR card_id IN (SELECT id FROM cards WHERE contact_id = ?) "
                "ORDER BY made_at, id",
                (contact_id, contact_id),
            )
        )

    def kept_apart_from(self, contact_id: int) -> list[int]:
        """The contacts this one is kept apart from by the user's splits and dismissed suggestions."""
        rows = self.db.execute(
            "SELECT DISTINCT o.contact_id FROM apart p JOIN cards c ON c.id IN (p.card_a, p.card_b) "
            "JOIN cards o ON o.id IN (p.card_a, p.card_b) AND o.id != c.id "
            "WHERE c.contact_id = ? AND o.contact_id != ? ORDER BY 1",
            (contact_id, contact_id),
        )
        return [r[0] for r in rows]

    def cards_of(self, contact_id: int) -> list[sqlite3.Row]:
        return list(
            self.db.execute(
                "SELECT * FROM cards WHERE contact_id = ? ORDER BY collected_on, scanned_at, id", (contact_id,)
            )
        )

    def card(self, card_id: int) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM cards WHERE id = ?", (card_id,)).fetchone()

    def cards_with_files(self, contact_id: int) -> list[sqlite3.Row]:
        """The contact's cards, newest first, each with where its file was archived (`stored_as`)."""
        return self.db.execute(
            "SELECT c.*, f.stored_as, b.stored_as AS back_stored_as FROM cards c"
            " LEFT JOIN files f ON f.sha256 = c.file_sha256 LEFT JOIN files b ON b.sha256 = c.back_sha256"
            " WHERE c.contact_id = ? ORDER BY c.collected_on DESC, c.scanned_at DESC, c.id DESC",
            (contact_id,),
        ).fetchall()

    def card_image(self, card_id: int, side: str = "front") -> str | None:
        """Where the card's file (`side` "back": its back side's) was archived; None for an
        unknown card, no such side, or a file not archived."""
        column = "back_sha256" if side == "back" else "file_sha256"
        row = self.db.execute(
            f"SELECT f.stored_as FROM cards c JOIN files f ON f.sha256 = c.{column} WHERE c.id = ?", (card_id,)
        ).fetchone()
        return row[0] if row else None

    def contact_ids(self) -> list[int]:
        return [r[0] for r in self.db.execute("SELECT id FROM contacts WHERE id IN (SELECT contact_id FROM cards) ORDER BY id")]

    def contacts(self) -> list[Contact]:
        """Every contact with at least one card, by id: a few queries in all, not a few per contact."""
        cards: dict[int, list[sqlite3.Row]] = {}
        for c in self.db.execute("SELECT * FROM cards ORDER BY contact_id, collected_on, scanned_at, id"):
            cards.setdefault(c["contact_id"], []).append(c)
        edits: dict[int, dict[str, str]] = {}
        for r in self.db.execute("SELECT contact_id, field, value FROM edits"):
            edits.setdefault(r[0], {})[r[1]] = r[2]
        fus = {
            r[0]: (r[1], r[2])
            for r in self.db.execute("SELECT contact_id, MAX(on_date), COUNT(*) FROM followups GROUP BY contact_id")
        }
        rows = self.db.execute("SELECT * FROM contacts ORDER BY id")
        return [
            self._build_contact(row, cards[row["id"]], edits.get(row["id"], {}), fus.get(row["id"], (None, 0)))
            for row in rows
            if row["id"] in cards
        ]

    def contact(self, contact_id: int) -> Contact:
        row = self.db.execute("SELECT * FROM contacts WHERE id = ?", (contact_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no contact with id {contact_id}; 'cardpipe contacts' lists them.")
        if row["merged_into"] is not None:
            raise NotFoundError(
                f"contact {contact_id} was merged into contact {row['merged_into']}; "
                f"'cardpipe contacts show {row['merged_into']}' shows it."
            )
        edits = {
            r["field"]: r["value"]
            for r in self.db.execute("SELECT field, value FROM edits WHERE contact_id = ?", (contact_id,))
        }
        fu = self.db.execute(
            "SELECT MAX(on_date), COUNT(*) FROM followups WHERE contact_id = ?", (contact_id,)
        ).fetchone()
        return self._build_contact(row, self.cards_of(contact_id), edits, (fu[0], fu[1]))

    def _build_contact(
        self, row: sqlite3.Row, cards: list[sqlite3.Row], edits: dict[str, str], followups: tuple[str | None, int]
    ) -> Contact:
        records = [record_from_dict(json.loads(c["record"])) for c in cards]
        merged = merge.merge_records(records, edits)
        companies = merge.past_companies(records[:-1], merged.company)
        last, count = followups
        return Contact(
            id=row["id"],
            record=merged,
            card_ids=tuple(c["id"] for c in cards),
            first_met=dt.date.fromisoformat(cards[0]["collected_on"]) if cards else None,
            event=next((c["event"] for c in reversed(cards) if c["event"]), None),
            notes=row["notes"],
            last_followup=dt.date.fromisoformat(last) if last else None,
            followup_count=int(count),
            done=bool(row["done"]),
            past_companies=tuple(companies),
            card_dates=tuple(dt.date.fromisoformat(c["collected_on"]) for c in cards),
            interval_days=row["interval_days"],
        )

    # ---- follow-ups, notes, edits ----

    def add_followup(
        self, contact_id: int, on: dt.date, note: str = "", *, source: str, at: dt.datetime, owner: str | None = None
    ) -> bool:
        """Record a follow-up (by `owner`, on a team's base); False when the same one
        (contact, date, note) was recorded already."""
        self.contact(contact_id)  # raises NotFoundError
        cur = self.db.execute(
            "INSERT OR IGNORE INTO followups (contact_id, on_date, note, source, created_at, owner) VALUES (?,?,?,?,?,?)",
            (contact_id, on.isoformat(), note, source, at.isoformat(), owner),
        )
        return cur.rowcount == 1

    def followups(self, contact_id: int) -> list[sqlite3.Row]:
        return list(self.db.execute("SELECT * FROM followups WHERE contact_id = ? ORDER BY on_date", (contact_id,)))

    def set_edit(self, contact_id: int, field: str, value: str, *, at: dt.datetime) -> None:
        self.contact(contact_id)
        self.db.execute(
            "INSERT INTO edits (contact_id, field, value, edited_at) VALUES (?,?,?,?) "
            "ON CONFLICT (contact_id, field) DO UPDATE SET value=excluded.value, edited_at=excluded.edited_at",
            (contact_id, field, value, at.isoformat()),
        )

    def delete_edit(self, contact_id: int, field: str) -> bool:
        """Drop the user's correction of a field (the cards speak again); False if there was none."""
        self.contact(contact_id)
        return self.db.execute("DELETE FROM edits WHERE contact_id = ? AND field = ?", (contact_id, field)).rowcount > 0

    def edits_of(self, contact_id: int) -> dict[str, str]:
        """The user's corrections of a contact: field -> stored value."""
        return {r[0]: r[1] for r in self.db.execute("SELECT field, value FROM edits WHERE contact_id = ?", (contact_id,))}

    def set_notes(self, contact_id: int, notes: str) -> None:
        self.contact(contact_id)
        self.db.execute("UPDATE contacts SET notes = ? WHERE id = ?", (notes, contact_id))

    def set_done(self, contact_id: int, done: bool = True) -> None:
        self.contact(contact_id)
        self.db.execute("UPDATE contacts SET done = ? WHERE id = ?", (int(done), contact_id))

    def set_interval(self, contact_id: int, days: int | None) -> None:
        """The contact's own days between follow-ups (None: back to the configured cadence)."""
        self.contact(contact_id)
        self.db.execute("UPDATE contacts SET interval_days = ? WHERE id = ?", (days, contact_id))

    def followup_dates(self) -> dict[int, list[dt.date]]:
        """Every contact's recorded follow-up dates, oldest first."""
        out: dict[int, list[dt.date]] = {}
        for contact_id, on_date in self.db.execute("SELECT contact_id, on_date FROM followups ORDER BY on_date"):
            out.setdefault(contact_id, []).append(dt.date.fromisoformat(on_date))
        return out

    def set_followup_note(self, followup_id: int, note: str) -> None:
        self.db.execute("UPDATE OR IGNORE followups SET note = ? WHERE id = ?", (note, followup_id))

    def followups_between(self, first: dt.date, last: dt.date) -> list[sqlite3.Row]:
        """Follow-ups recorded for days first..last (inclusive), oldest first."""
        return list(
            self.db.execute(
                "SELECT * FROM followups WHERE on_date BETWEEN ? AND ? ORDER BY on_date, id",
                (first.isoformat(), last.isoformat()),
            )
        )

    def cards_scanned_since(self, since: dt.datetime) -> list[sqlite3.Row]:
        """Cards stored after `since` (compared as instants, whatever their UTC offsets)."""
        rows = self.db.execute("SELECT id, contact_id, scanned_at, collected_on, event FROM cards ORDER BY id")
        return [r for r in rows if dt.datetime.fromisoformat(r["scanned_at"]) > since]

    def search(self, text: str) -> list[int]:
        """Contacts whose name, company or email contains `text` (case-insensitive)."""
        needle = text.casefold()
        hits = []
        for c in self.contacts():
            r = c.record
            hay = " ".join([r.name or "", r.company or "", *r.emails]).casefold()
            if needle in hay:
                hits.append(c.id)
        return hits


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]


NETWORK_FILESYSTEMS = frozenset(
    {
        "nfs", "nfs4", "cifs", "smbfs", "smb3", "sshfs", "fuse.sshfs", "9p", "afs", "ceph", "glusterfs",
        "fuse.glusterfs", "davfs", "fuse.rclone", "fuse.s3fs", "fuse.gcsfuse", "lustre", "beegfs", "ncpfs",
    }
)


def _is_busy(e: sqlite3.Error) -> bool:
    text = str(e).lower()
    return "locked" in text or "busy" in text


def _refuse_network_fs(path: Path, mounts: str = "/proc/mounts") -> None:
    """SQLite's locking is unreliable on network filesystems: refuse them (ConfigError, exit 78)."""
    try:
        probe = path if path.exists() else path.parent
        target = os.path.realpath(probe)
        best, fstype = "", ""
        with open(mounts, encoding="utf-8", errors="replace") as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 3:
                    mnt = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), parts[1])
                    if (target == mnt or target.startswith(mnt.rstrip("/") + "/")) and len(mnt) >= len(best):
                        best, fstype = mnt, parts[2]
    except OSError:
        return
    if fstype in NETWORK_FILESYSTEMS:
        raise ConfigError(
            f"the database {path} is on a network filesystem ({fstype}), where SQLite's locks are not "
            "reliable; put it on a local disk (set 'db' or --db)."
        )


def read_only_hashes(path: Path) -> set[str]:
    """The SHA-256 of every file already processed, read without creating, locking or
    changing anything (for `cardpipe run --dry-run`). Empty when there is no database yet."""
    if store_kind(path) == "postgresql":
        from .postgres import read_only_hashes as server_hashes

        return server_hashes(str(path))
    if not path.exists():
        return set()
    # With no -wal file everything is in the main file and `immutable` reads it without
    # creating a -shm; otherwise a read-only connection also sees the committed WAL frames.
    mode = "mode=ro" if os.path.exists(f"{path}-wal") else "immutable=1"
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?{mode}", uri=True)
        try:
            return {r[0] for r in db.execute("SELECT sha256 FROM files WHERE status != 'failed'")}
        finally:
            db.close()
    except sqlite3.DatabaseError as e:
        raise StoreError(f"cannot read the database {path}: {e}. Is it a cardpipe database?") from e


# ---- (de)serialization of records ----


def record_to_dict(record: ContactRecord) -> dict[str, Any]:
    return asdict(record)


def record_from_dict(d: dict[str, Any]) -> ContactRecord:
    address = Address(**d["address"]) if d.get("address") else None
    phones = tuple(Phone(**p) for p in d.get("phones", ()))
    return ContactRecord(
        name=d.get("name"),
        given_name=d.get("given_name"),
        family_name=d.get("family_name"),
        title=d.get("title"),
        company=d.get("company"),
        emails=tuple(d.get("emails", ())),
        phones=phones,
        website=d.get("website"),
        address=address,
        social=tuple(tuple(x) for x in d.get("social", ())),  # type: ignore[misc]
        confidence=tuple(tuple(x) for x in d.get("confidence", ())),  # type: ignore[misc]
        review=tuple(d.get("review", ())),
        unverified_phones=tuple(d.get("unverified_phones", ())),
        evidence=tuple((f, tuple(tuple(b) for b in boxes)) for f, boxes in d.get("evidence", ())),  # type: ignore[misc]
    )


def _postgres_store(url: str, **options: Any) -> SqliteStore:
    from .postgres import PostgresStore  # psycopg is imported only for a postgresql:// base

    return PostgresStore(url, **options)


STORES: dict[str, Any] = {"sqlite": SqliteStore, "postgresql": _postgres_store}


def store_kind(db: Path | str) -> str:
    """Which backend opens `db`: "postgresql" for a postgresql:// URL, else "sqlite" (a file)."""
    text = str(db) if isinstance(db, str) else ""
    return "postgresql" if text.split(":", 1)[0].lower() in ("postgresql", "postgres") and "://" in text else "sqlite"


def open_store(path: Path | str, kind: str | None = None, **options: Any) -> Store:
    return STORES[kind or store_kind(path)](path, **options)


__all__: Sequence[str] = ("SqliteStore", "Store", "open_store", "store_kind", "SCHEMA_VERSION")
