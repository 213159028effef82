"""`cardpipe migrate --to postgresql://...`: one person's SQLite base becomes the team's.

Everything is copied (files, contacts, cards, follow-ups, edits, decisions, apart pairs,
possible duplicates and the bookkeeping in meta) with its ids, in one transaction, into
an empty PostgreSQL database; the row counts are checked before the commit. The SQLite
file is not touched: it is read through SQLite's backup API into a temporary copy (a
consistent snapshot even while a run writes), which is brought to the current schema
if it is older.
"""

from __future__ import annotations

import logging
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError, NotFoundError, StoreError
from .store import SqliteStore, open_store, store_kind

log = logging.getLogger(__name__)

# In the order their foreign keys allow (contacts.merged_into is set afterwards).
TABLES = ("files", "contacts", "cards", "followups", "edits", "decisions", "apart", "suggestions")
ID_TABLES = ("contacts", "cards", "followups", "decisions")


@dataclass(frozen=True)
class MigrateResult:
    source: Path
    target: str  # the URL without its password
    counts: dict[str, int]

    def line(self) -> str:
        parts = ", ".join(f"{n} {t}" for t, n in self.counts.items())
        return f"copied {parts} into {self.target}; {self.source} is unchanged"


def migrate(source: Path | str, target: str, *, busy_timeout: float = 10.0) -> MigrateResult:
    """Copy the SQLite base `source` into the empty PostgreSQL database `target`."""
    if store_kind(target) != "postgresql":
        raise ConfigError(f"--to takes a PostgreSQL URL (postgresql://user@host/dbname), not {target!r}.")
    if store_kind(source) == "postgresql":
        raise ConfigError("migrate copies a SQLite file: give its path with --db.")
    source = Path(source)
    if not Path(source).is_file():
        raise NotFoundError(f"there is no SQLite database at {source}; give it with --db.")
    with tempfile.TemporaryDirectory(prefix="cardpipe-migrate-") as tmp:
        snapshot = Path(tmp) / "snapshot.db"
        try:
            src = sqlite3.connect(f"{Path(source).resolve().as_uri()}?mode=ro", uri=True)
            dst = sqlite3.connect(snapshot)
            src.backup(dst)
            src.close()
            dst.close()
        except sqlite3.DatabaseError as e:
            raise StoreError(f"cannot read the database {source}: {e}. Is it a cardpipe database?") from e
        lite = SqliteStore(snapshot)  # brought to the current schema, in the copy
        try:
            return _copy(lite, Path(source), target, busy_timeout)
        finally:
            lite.close()


def _copy(lite: SqliteStore, source: Path, target: str, busy_timeout: float) -> MigrateResult:
    pg = open_store(target, busy_timeout=busy_timeout)
    try:
        counts: dict[str, int] = {}
        with pg.transaction() as db:
            held = {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("files", "contacts", "cards")}
            if any(held.values()):
                raise ConfigError(
                    f"the database {pg.path} already holds {held['cards']} card(s) and {held['contacts']} contact(s); "
                    "migrate into an empty database (createdb a new one)."
                )
            for table in TABLES:
                cols = [c[1] for c in lite.db.execute(f"PRAGMA table_info({table})")]
                rows = [tuple(r) for r in lite.db.execute(f"SELECT {', '.join(cols)} FROM {table}")]
                if table == "contacts":  # merged_into may name a later contact: set once all are in
                    merged = [(r[cols.index("merged_into")], r[0]) for r in rows if r[cols.index("merged_into")]]
                    rows = [tuple(None if c == "merged_into" else v for c, v in zip(cols, r, strict=True)) for r in rows]
                marks = ", ".join("?" * len(cols))
                db.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})", rows)
                if table == "contacts":
                    db.executemany("UPDATE contacts SET merged_into = ? WHERE id = ?", merged)
                counts[table] = len(rows)
            for table in ID_TABLES:  # new rows continue after the copied ids
                db.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM {table}"
                )
            for key, value in lite.db.execute("SELECT key, value FROM meta WHERE key != 'schema'"):
                pg.set_meta(key, value)
            for table, n in counts.items():
                got = db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                if got != n:
                    raise StoreError(f"{table}: {n} row(s) read, {got} in {pg.path}; nothing was copied.")
        log.info("migrated %s into %s: %s", source, pg.path, counts)
        return MigrateResult(source, str(pg.path), counts)
    finally:
        pg.close()
