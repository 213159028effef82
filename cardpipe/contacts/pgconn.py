"""The connection of the PostgreSQL store: the part of the sqlite3 API the store's SQL
uses, spoken over psycopg 3 (`PgConnection`), with the few SQLite spellings turned into
PostgreSQL ones (`translate`: `?` placeholders, `INSERT OR IGNORE`, `UPDATE OR IGNORE`,
two-argument MIN/MAX, `lastrowid`); opening it with errors that say what to fix, and
the URL shown without its password."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from ..errors import BusyError, ConfigError, DatabaseUnavailable, MissingDependencyError, StoreError

SCHEMES = ("postgresql", "postgres")
_ID_TABLES = ("contacts", "cards", "followups", "decisions")


def is_url(db: object) -> bool:
    return isinstance(db, str) and db.split(":", 1)[0].lower() in SCHEMES and "://" in db


def shown_url(url: str) -> str:
    """The URL without its password (for messages and logs)."""
    url = re.sub(r"^([a-z]+://[^/@:]*):[^@/]*@", r"\1:***@", url, flags=re.I)
    return re.sub(r"(?i)([?&]password=)[^&]*", r"\1***", url)


def _psycopg():
    try:
        import psycopg
    except ImportError:
        raise MissingDependencyError(
            "a postgresql:// database needs psycopg 3; install it with: pip install 'cardpipe[postgres]'."
        ) from None
    return psycopg


# ---------------------------------------------------------------------------
# The sqlite3-shaped connection
# ---------------------------------------------------------------------------


class _RowBase(tuple):
    """A row read by index or by column name, as sqlite3.Row."""

    _index: dict[str, int] = {}

    def __getitem__(self, key):  # type: ignore[override]
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._index)


@functools.lru_cache(maxsize=256)
def _row_class(names: tuple[str, ...]) -> type[_RowBase]:
    return type("Row", (_RowBase,), {"_index": {n: i for i, n in enumerate(names)}})


def _row_factory(cursor):
    names = tuple(c.name for c in cursor.description or ())
    cls = _row_class(names)
    return lambda values: cls(values)


@functools.lru_cache(maxsize=1024)
def translate(sql: str) -> str:
    """SQLite's spelling of a statement -> PostgreSQL's (psycopg's %s placeholders)."""
    out = sql.strip()
    ignore = re.match(r"(?is)^INSERT\s+OR\s+IGNORE\s+INTO\b", out)
    if ignore:
        out = "INSERT INTO" + out[ignore.end():] + " ON CONFLICT DO NOTHING"
    out = re.sub(r"\bMIN\(\?,", "LEAST(?,", out)
    out = re.sub(r"\bMAX\(\?,", "GREATEST(?,", out)
    m = re.match(r"(?is)^INSERT\s+INTO\s+(\w+)", out)
    if m and m.group(1).lower() in _ID_TABLES and not re.search(r"(?i)\bRETURNING\b", out):
        out += " RETURNING id"
    # placeholders: ? -> %s outside quoted text; a literal % is doubled everywhere
    parts = re.split(r"('(?:[^']|'')*')", out)
    return "".join(
        p.replace("%", "%%") if i % 2 else p.replace("%", "%%").replace("?", "%s") for i, p in enumerate(parts)
    )


class PgCursor:
    def __init__(self, cursor, rows: list | None = None, lastrowid: int | None = None, rowcount: int = -1) -> None:
        self._cursor = cursor
        self._rows = rows
        self.lastrowid = lastrowid
        self.rowcount = rowcount

    def fetchone(self):
        if self._rows is not None:
            return self._rows.pop(0) if self._rows else None
        return self._cursor.fetchone() if self._cursor.description else None

    def fetchall(self) -> list:
        if self._rows is not None:
            rows, self._rows = self._rows, []
            return rows
        return self._cursor.fetchall() if self._cursor.description else []

    def __iter__(self) -> Iterator:
        return iter(self.fetchall())


class PgConnection:
    """The part of `sqlite3.Connection` the store's SQL uses, over one psycopg connection
    (autocommit: a statement outside `PostgresStore.transaction()` is its own transaction)."""

    def __init__(self, conn, shown: str) -> None:
        self.conn = conn
        self.shown = shown

    @property
    def in_transaction(self) -> bool:
        return self.conn.info.transaction_status != _psycopg().pq.TransactionStatus.IDLE

    def execute(self, sql: str, params: Sequence[Any] = ()) -> PgCursor:
        if re.match(r"(?is)^\s*UPDATE\s+OR\s+IGNORE\b", sql):
            return self._update_or_ignore(sql, params)
        query = translate(sql)
        with self.errors():
            cur = self.conn.execute(query, tuple(params))
            if query.endswith(" RETURNING id"):
                rows = cur.fetchall()
                return PgCursor(cur, [], rows[0][0] if rows else None, cur.rowcount)
            return PgCursor(cur, rowcount=cur.rowcount)

    def executemany(self, sql: str, seq: Sequence[Sequence[Any]]) -> PgCursor:
        query = translate(sql).removesuffix(" RETURNING id")
        seq = [tuple(p) for p in seq]
        with self.errors():
            cur = self.conn.cursor()
            if seq:
                cur.executemany(query, seq)
            return PgCursor(cur, rows=[], rowcount=cur.rowcount)

    def _update_or_ignore(self, sql: str, params: Sequence[Any]) -> PgCursor:
        """SQLite's UPDATE OR IGNORE: each row is updated unless that breaks a uniqueness
        constraint, in which case it is left as it was (one savepoint per row)."""
        m = re.match(r"(?is)^\s*UPDATE\s+OR\s+IGNORE\s+(\w+)\s+SET\s+(.*?)\s+WHERE\s+(.*)$", sql)
        if not m:
            raise StoreError(f"cannot translate for PostgreSQL: {sql}")
        table, sets, where = m.groups()
        n_set = sets.count("?")
        psycopg = _psycopg()
        count = 0
        with self.errors():
            rows = self.conn.execute(translate(f"SELECT ctid FROM {table} WHERE {where}"), tuple(params[n_set:])).fetchall()
            for (ctid,) in rows:
                try:
                    with self.conn.transaction():
                        count += self.conn.execute(
                            translate(f"UPDATE {table} SET {sets} WHERE ctid = ?"), (*params[:n_set], ctid)
                        ).rowcount
                except psycopg.errors.UniqueViolation:
                    continue
        return PgCursor(None, rows=[], rowcount=count)

    @contextmanager
    def errors(self) -> Iterator[None]:
        """psycopg's errors -> cardpipe's: a lost server or a lock wait that ran out."""
        psycopg = _psycopg()
        try:
            yield
        except (psycopg.errors.LockNotAvailable, psycopg.errors.QueryCanceled) as e:
            raise BusyError(
                f"the database {self.shown} is locked by another program ({_first_line(e)}); try again later."
            ) from e
        except psycopg.OperationalError as e:
            raise DatabaseUnavailable(
                f"lost the connection to the database {self.shown} ({_first_line(e)}); "
                "run again when the server is back."
            ) from e

    def close(self) -> None:
        self.conn.close()


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0].removeprefix("FATAL:").strip() if text else type(e).__name__


def connect(url: str, *, busy_timeout: float = 10.0, connect_timeout: int = 10):
    """A psycopg connection (autocommit) to `url`, or a one-line CardpipeError saying what to fix."""
    psycopg = _psycopg()
    shown = shown_url(url)
    try:
        conn = psycopg.connect(
            url, autocommit=True, row_factory=_row_factory, connect_timeout=connect_timeout,
            application_name="cardpipe",
        )
    except psycopg.ProgrammingError as e:  # a URL libpq cannot parse
        raise ConfigError(f"db {shown} is not a valid PostgreSQL URL ({_first_line(e)}); "
                          "write it like postgresql://user@host/dbname.") from None
    except psycopg.OperationalError as e:
        text = _first_line(e)
        low = text.lower()
        if "password" in low or "authentication" in low:
            raise ConfigError(
                f"the database server refused the login to {shown} ({text}); set the password in $PGPASSWORD "
                "or ~/.pgpass (never in the config file)."
            ) from None
        if "does not exist" in low:
            raise ConfigError(f"cannot open {shown}: {text}; create it first (createdb), or fix 'db'.") from None
        raise DatabaseUnavailable(f"cannot reach the database {shown} ({text}); check the host and that the "
                                  "server runs, then try again.") from None
    conn.execute("SELECT set_config('lock_timeout', %s, false)", (f"{int(busy_timeout * 1000)}ms",))
    return conn
