"""The store: SQLite by default, behind the small `Store` protocol.

Tables: files (every input file by SHA-256: done, duplicate or failed), cards
(one per card read, with OCR text and the extracted record), contacts (merged
people), followups, edits (user corrections, never overwritten by a run) and
decisions (merge / split by the user, replayed by later runs).

The schema carries a version (`PRAGMA user_version`) and every change to it is
a migration in `MIGRATIONS`, applied in order when a database is opened.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any, Protocol

from . import dedupe
from .errors import NotFoundError, StoreError
from .models import Address, CardResult, Contact, ContactRecord, Phone

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
)

SCHEMA_VERSION = len(MIGRATIONS)


class Store(Protocol):
    """What the pipeline, follow-ups and exports need from a database."""

    def file_status(self, sha256: str) -> str | None: ...
    def add_file(
        self, sha256: str, name: str, *, status: str, reason: str | None, stored_as: str | None, at: dt.datetime
    ) -> None: ...
    def add_card(
        self,
        sha256: str,
        result: CardResult,
        *,
        collected_on: dt.date,
        scanned_at: dt.datetime,
        event: str | None,
        name: str | None = None,
    ) -> tuple[int, int]: ...
    def contacts(self) -> list[Contact]: ...
    def contact(self, contact_id: int) -> Contact: ...
    def add_followup(self, contact_id: int, on: dt.date, note: str, *, source: str, at: dt.datetime) -> bool: ...
    def transaction(self) -> Any: ...
    def close(self) -> None: ...


class SqliteStore:
    """The default store: one SQLite file, WAL mode, full sync, a busy timeout."""

    def __init__(self, path: Path | str, *, busy_timeout: float = 10.0) -> None:
        self.path = Path(path)
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
        except sqlite3.DatabaseError as e:
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
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as e:
            raise StoreError(
                f"the database {self.path} is locked by another program ({e}); try again later."
            ) from e
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        else:
            if self.db.execute("SELECT 1 FROM sqlite_master WHERE name = 'meta'").fetchone():
                self.db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'revision'")
            self.db.execute("COMMIT")

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

    def known_hashes(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT sha256 FROM files WHERE status != 'failed'")}

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

    # ---- cards and contacts ----

    def contacts_with_key(self, kind: str, value: str) -> list[int]:
        rows = self.db.execute(
            "SELECT DISTINCT c.contact_id FROM card_keys k JOIN cards c ON c.id = k.card_id "
            "WHERE k.kind = ? AND k.value = ?",
            (kind, value),
        )
        return [r[0] for r in rows]

    def add_card(
        self,
        sha256: str,
        result: CardResult,
        *,
        collected_on: dt.date,
        scanned_at: dt.datetime,
        event: str | None,
        name: str | None = None,
    ) -> tuple[int, int]:
        """Store one card, attached to a matching contact or a new one. Returns (card id, contact id).

        Call inside `transaction()`, after `add_file` for its file.
        """
        record = result.record
        match = dedupe.find_match(record, self.contacts_with_key)
        if match is None:
            cur = self.db.execute("INSERT INTO contacts (created_at) VALUES (?)", (scanned_at.isoformat(),))
            contact_id = int(cur.lastrowid or 0)
            rule, detail = "new", None
        else:
            contact_id, rule, detail = match.contact_id, match.rule, match.detail
        cur = self.db.execute(
            "INSERT INTO cards (file_sha256, card_index, source_name, contact_id, collected_on, scanned_at, "
            "event, ocr_text, ocr_conf, record, match_rule, match_detail) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
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
            ),
        )
        card_id = int(cur.lastrowid or 0)
        self.db.executemany(
            "INSERT INTO card_keys (card_id, kind, value) VALUES (?, ?, ?)",
            [(card_id, k, v) for k, v in dedupe.identity_keys(record)],
        )
        return card_id, contact_id

    def cards_of(self, contact_id: int) -> list[sqlite3.Row]:
        return list(
            self.db.execute(
                "SELECT * FROM cards WHERE contact_id = ? ORDER BY collected_on, scanned_at, id", (contact_id,)
            )
        )

    def card(self, card_id: int) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM cards WHERE id = ?", (card_id,)).fetchone()

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
        merged = dedupe.merge_records(records, edits)
        companies: list[str] = []
        for rec in records[:-1]:
            if rec.company and rec.company != merged.company and rec.company not in companies:
                companies.append(rec.company)
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
        )

    def card_dates(self, contact_id: int) -> list[dt.date]:
        return [
            dt.date.fromisoformat(r[0])
            for r in self.db.execute("SELECT collected_on FROM cards WHERE contact_id = ? ORDER BY collected_on", (contact_id,))
        ]

    # ---- follow-ups, notes, edits ----

    def add_followup(self, contact_id: int, on: dt.date, note: str = "", *, source: str, at: dt.datetime) -> bool:
        """Record a follow-up; False when the same one (contact, date, note) was recorded already."""
        self.contact(contact_id)  # raises NotFoundError
        cur = self.db.execute(
            "INSERT OR IGNORE INTO followups (contact_id, on_date, note, source, created_at) VALUES (?,?,?,?,?)",
            (contact_id, on.isoformat(), note, source, at.isoformat()),
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

    def set_notes(self, contact_id: int, notes: str) -> None:
        self.contact(contact_id)
        self.db.execute("UPDATE contacts SET notes = ? WHERE id = ?", (notes, contact_id))

    def set_done(self, contact_id: int, done: bool = True) -> None:
        self.contact(contact_id)
        self.db.execute("UPDATE contacts SET done = ? WHERE id = ?", (int(done), contact_id))

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


def _refuse_network_fs(path: Path) -> None:
    """SQLite's locking is unreliable on network filesystems: refuse them."""
    try:
        probe = path if path.exists() else path.parent
        target = os.path.realpath(probe)
        best, fstype = "", ""
        with open("/proc/mounts", encoding="utf-8", errors="replace") as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 3:
                    mnt = parts[1].replace("\\040", " ")
                    if (target == mnt or target.startswith(mnt.rstrip("/") + "/")) and len(mnt) >= len(best):
                        best, fstype = mnt, parts[2]
    except OSError:
        return
    if fstype in {"nfs", "nfs4", "cifs", "smbfs", "smb3", "sshfs", "fuse.sshfs", "9p", "afs", "ceph", "glusterfs"}:
        raise StoreError(
            f"the database {path} is on a network filesystem ({fstype}), where SQLite's locks are not "
            "reliable; put it on a local disk with --db."
        )


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
    )


STORES: dict[str, type] = {"sqlite": SqliteStore}


def open_store(path: Path | str, kind: str = "sqlite") -> SqliteStore:
    return STORES[kind](path)


__all__: Sequence[str] = ("SqliteStore", "Store", "open_store", "SCHEMA_VERSION")
