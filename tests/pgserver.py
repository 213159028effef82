"""A real PostgreSQL server for the tests: `initdb` into a temporary folder, started
with `pg_ctl` on a unix socket and a local TCP port, as an unprivileged user (the
tests may run as root, which PostgreSQL refuses: then as `nobody`). It is Debian's
`postgresql` package (scripts/system-deps.sh --test installs it). When it cannot
start, the tests that need it FAIL with the reason; they are never skipped.

The unix socket trusts the local user `cardpipe`; TCP asks for the password
`PASSWORD` (the refused-password tests use it)."""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

USER = "cardpipe"
PASSWORD = "cardpipe-test-password"


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    which = shutil.which("pg_ctl")
    return Path(which).parent if which else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    def __init__(self) -> None:
        self.bin = _bin_dir()
        if self.bin is None:
            raise RuntimeError(
                "PostgreSQL is not installed (no pg_ctl under /usr/lib/postgresql/*/bin); "
                "install Debian's 'postgresql' package: scripts/system-deps.sh --test"
            )
        self.root = Path(tempfile.mkdtemp(prefix="cardpipe-pg-"))
        self.data = self.root / "data"
        self.socket_dir = self.root
        self.port = _free_port()
        self.as_root = os.geteuid() == 0
        self._names = itertools.count(1)
        self.log = self.root / "server.log"
        pwfile = self.root / "pw"
        pwfile.write_text(PASSWORD + "\n")
        if self.as_root:  # PostgreSQL refuses to run as root: the server runs as nobody
            shutil.chown(self.root, "nobody")
            shutil.chown(pwfile, "nobody")
        self._run(
            self.bin / "initdb", "-D", self.data, "-U", USER, "--auth-local=trust", "--auth-host=scram-sha-256",
            f"--pwfile={pwfile}", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync",
        )
        opts = (f"-k {self.socket_dir} -p {self.port} -h 127.0.0.1 -c fsync=off -c synchronous_commit=off "
                "-c full_page_writes=off -c max_connections=200")
        self._run(self.bin / "pg_ctl", "-D", self.data, "-o", opts, "-l", self.log, "-w", "-t", "60", "start")

    def _run(self, *cmd: object) -> None:
        args = [str(c) for c in cmd]
        if self.as_root:
            args = ["runuser", "-u", "nobody", "--", *args]
        proc = subprocess.run(args, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
        if proc.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{' '.join(args)} failed ({proc.returncode}): {proc.stderr.strip()} {log}")

    def url(self, dbname: str = "postgres") -> str:
        """A URL over the unix socket (trusted: no password)."""
        return f"postgresql://{USER}@/{dbname}?host={self.socket_dir}&port={self.port}"

    def tcp_url(self, dbname: str, password: str | None = None) -> str:
        auth = f"{USER}:{password}" if password is not None else USER
        return f"postgresql://{auth}@127.0.0.1:{self.port}/{dbname}"

    def admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(sql)

    def new_database(self) -> str:
        """A fresh, empty database; returns its name."""
        name = f"t{os.getpid()}_{next(self._names)}"
        self.admin(f'CREATE DATABASE "{name}"')
        return name

    def terminate(self, dbname: str) -> None:
        """Close every session on `dbname` (as a server restart would)."""
        self.admin(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{dbname}' "
                   "AND pid != pg_backend_pid()")

    def stop(self) -> None:
        try:
            self._run(self.bin / "pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
