"""The command line: parse, call the library, print. Errors are mapped to exit
codes once, in `main`.

Why this module is long: one short function per command (about 25 of them, in the
order of the help: run, extract, contacts, review and edits, follow-ups, exports, serve);
each parses its options, calls the library (`service`, `inbox.run`, `batch`) and prints."""

from __future__ import annotations

import datetime as dt
import json
import logging
import logging.handlers
import os
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from . import __version__, batch, pipeline, service
from . import review as reviewing
from .clock import Clock, FixedClock, SystemClock
from .config import EXPORT_FORMATS, VCARD_VERSIONS, Config, load_config
from .errors import CardpipeError, ExitCode, MissingDependencyError, UsageError
from .inbox import run as inbox_run

log = logging.getLogger("cardpipe")

# ---------------------------------------------------------------------------
# Shared options
# ---------------------------------------------------------------------------


def _path(**kw: Any) -> click.Path:
    return click.Path(path_type=Path, **kw)


def config_option(f: Callable) -> Callable:
    return click.option(
        "--config",
        "config_path",
        type=_path(dir_okay=False),
        envvar="CARDPIPE_CONFIG",
        help="TOML config file (default: $CARDPIPE_CONFIG, else config.toml in the user config dir).",
    )(f)


def db_option(f: Callable) -> Callable:
    return click.option(
        "--db", type=str, envvar="CARDPIPE_DB", metavar="PATH|URL",
        help="SQLite database file, or a team's PostgreSQL server: postgresql://user@host/dbname "
        "(password from $PGPASSWORD or ~/.pgpass). Default: $CARDPIPE_DB, else the config's 'db'.",
    )(f)


def days_option(f: Callable) -> Callable:
    return click.option("--days", type=click.IntRange(min=0), help="Follow-up window in days (default 7).")(f)


def read_options(f: Callable) -> Callable:
    f = click.option("--region", help="Default phone region for numbers without +code, e.g. US, GB, DE.")(f)
    f = click.option("--lang", help="Tesseract languages, e.g. eng or eng+deu.")(f)
    return f


def get_config(config_path: Path | None, **overrides: Any) -> Config:
    return load_config(config_path, **overrides)


def get_clock(ctx: click.Context) -> Clock:
    obj = ctx.find_root().obj or {}
    if "clock" in obj:
        return obj["clock"]
    today = os.environ.get("CARDPIPE_TODAY")
    if today:
        return FixedClock(parse_date(today, "CARDPIPE_TODAY"))
    return SystemClock()


def parse_date(text: str, what: str = "date") -> dt.date:
    from dateutil import parser as dparser

    text = text.strip()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return dparser.parse(text, dayfirst=False, fuzzy=False).date()
    except (ValueError, OverflowError):
        raise UsageError(f"{what}: {text!r} is not a date; write it like 2026-11-20.") from None


def _stderr_tty() -> bool:
    return sys.stderr.isatty()


def _setup_logging(verbose: int, state_dir: Path | None = None) -> None:
    root = logging.getLogger("cardpipe")
    root.setLevel(logging.DEBUG)
    for h in list(root.handlers):
        root.removeHandler(h)
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.ERROR)
    console.setFormatter(logging.Formatter("cardpipe: %(message)s"))
    root.addHandler(console)
    if state_dir is not None:
        try:
            state_dir.mkdir(parents=True, exist_ok=True)
            fh = logging.handlers.RotatingFileHandler(
                state_dir / "cardpipe.log", maxBytes=2_000_000, backupCount=3, encoding="utf-8",
                errors="backslashreplace", delay=True,  # created on the first line: a busy run writes nothing
            )
        except OSError:
            return
        fh.setLevel(logging.INFO)
        fh.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(fh)


def _text_name(path: str | Path) -> str:
    from .inbox.claim import text_name

    return text_name(path)


def show_name(path: str | Path) -> str:
    """A file name safe to print on one line (newlines, undecodable bytes escaped)."""
    from .inbox.claim import display_name

    return display_name(path)


# ---------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------


class CardpipeGroup(click.Group):
    """Maps errors to exit codes in one place, for the console script and CliRunner alike."""

    def main(self, args: Any = None, prog_name: str | None = None, **extra: Any) -> Any:  # type: ignore[override]
        extra.pop("standalone_mode", None)
        try:
            rv = super().main(args=args, prog_name=prog_name, standalone_mode=False, **extra)
        except CardpipeError as e:
            click.echo(f"cardpipe: error: {e}", err=True)
            sys.exit(int(e.exit_code))
        except click.exceptions.Exit as e:
            sys.exit(e.exit_code)
        except click.ClickException as e:  # usage errors: bad option, missing argument
            e.show()
            sys.exit(int(ExitCode.usage))
        except (click.Abort, KeyboardInterrupt):
            click.echo("cardpipe: interrupted", err=True)
            sys.exit(int(ExitCode.interrupted))
        except BrokenPipeError:
            sys.exit(0)
        except Exception:  # a bug: the traceback for the report, and a code cron can tell from "files failed"
            import traceback

            traceback.print_exc()
            click.echo("cardpipe: internal error (a bug in cardpipe): please report the traceback above.", err=True)
            sys.exit(int(ExitCode.software))
        sys.exit(rv if isinstance(rv, int) else 0)


@click.group(cls=CardpipeGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cardpipe")
@click.option("-v", "--verbose", count=True, help="Say more (-vv for debug output).")
@click.pass_context
def cli(ctx: click.Context, verbose: int) -> None:
    """Business cards in, contacts and a follow-up list out.

    \b
    Drop scans and phone photos into the inbox folder, then:
      cardpipe run                  # process the inbox, rewrite contacts.csv and due.csv
      cardpipe due                  # who to follow up with today
      cardpipe followup 12 --note "coffee next week"
    """
    ctx.ensure_object(dict)
    ctx.obj["verbose"] = verbose


@cli.command("init")
@click.argument("folder", required=False, type=_path(file_okay=False))
@click.option("--inbox", type=_path(file_okay=False), help="Folder where scans are dropped (default: FOLDER/inbox, else ~/Cards/inbox).")
@click.option("--output", type=_path(file_okay=False), help="Folder for contacts.csv, due.csv and other exports.")
@click.option("--db", type=_path(dir_okay=False), help="SQLite database file.")
@days_option
@read_options
@click.option("--yes", "-y", is_flag=True, help="Ask nothing: take the defaults (also when not at a terminal).")
@click.option("--force", is_flag=True, help="Rewrite an existing config file with these settings.")
@click.option("--cron", "with_cron", is_flag=True, help="Add the crontab line to your crontab (crontab -l / crontab -).")
@click.option("--systemd", "with_systemd", is_flag=True, help="Install a systemd user timer instead of a crontab line.")
@click.pass_context
def init_cmd(
    ctx: click.Context, folder: Path | None, yes: bool, force: bool, with_cron: bool, with_systemd: bool, **given: Any
) -> None:
    """Set cardpipe up: a commented config file, the folders, and the line that runs it.

    Writes config.toml to the user config folder (or FOLDER), creates the inbox,
    archive, failed and output folders (in FOLDER, else ~/Cards), and prints the
    crontab line with absolute paths (--cron installs it; --systemd writes a user
    timer). At a terminal with no options it asks a few questions; defaults for
    the phone region and languages come from the locale. Running it again changes
    nothing and says so.

    \b
    Examples:
      cardpipe init                          # asks where scans go, follow-up days, region, languages
      cardpipe init ~/Cards --yes --cron     # everything in ~/Cards, scheduled every 15 minutes
      cardpipe init --inbox ~/Dropbox/Scans --region GB --lang eng
    """
    from . import init as setup

    if with_cron and with_systemd:
        raise UsageError("choose one of --cron and --systemd.")
    settings = setup.settings_for(folder, **given)
    if not yes and not any(v is not None for v in given.values()) and sys.stdin.isatty():
        settings = _ask(folder, settings)
    result = setup.apply(settings, force=force)
    for step in result.steps:
        if step.changed or step.notice:
            click.echo(step.text)
    path = settings.config_path
    scheduled: list[Any] = []
    if with_cron:
        line = setup.cron_line(path)
        added = setup.install_cron(line)
        scheduled.append(setup.Step(f"crontab: {'line added' if added else 'line already there'}: {line}", added))
        for other in setup.other_cron_entries(line):
            scheduled.append(setup.Step(f"crontab: this line runs cardpipe too (remove it with 'crontab -e' if it is an older set-up): {other}", False))
    elif with_systemd:
        scheduled += setup.install_systemd(path, systemctl=["systemctl"] if setup.systemd_running() else None)
    for step in scheduled:
        click.echo(step.text)
    if not result.changed and not any(s.changed for s in scheduled):
        click.echo(f"nothing changed: cardpipe is already set up here (config {path}).")
    env = "" if setup.is_default_config(path) else f"export CARDPIPE_CONFIG={_shell(path)}   # in your shell profile\n  "
    click.echo("\nNext:")
    click.echo(f"  {env}cardpipe doctor                     # checks Tesseract, languages, folders, database, schedule")
    click.echo(f"  cp scan.jpg {_shell(settings.inbox)}/ && cardpipe run")
    click.echo("  cardpipe due                        # who to follow up with")
    if not with_cron and not with_systemd:
        click.echo("To run it every 15 minutes, add this line with 'crontab -e' (or run 'cardpipe init --cron'):")
        click.echo(f"  {setup.cron_line(path)}")


@cli.command()
@config_option
@click.pass_context
def doctor(ctx: click.Context, config_path: Path | None) -> None:
    """Check that cardpipe can run here, one line each, with the fix for what is wrong.

    Tesseract and the configured languages (with the package that adds a missing
    one), HEIC and PDF support, the folders (there, writable, on the inbox's
    filesystem), the database and its schema, the crontab line or systemd timer and
    when a run last happened, free disk space. Exit code 0 when nothing failed
    (! marks what is worth knowing but does not stop cardpipe), 1 otherwise.

    \b
    Example:
      cardpipe doctor
    """
    from . import doctor as doc
    from .errors import ConfigError

    marks = _marks()
    try:
        cfg = get_config(config_path)
    except ConfigError as e:
        click.echo(f"{marks[doc.Status.fail]} config: {e}")
        ctx.exit(1)
    checks = doc.run_checks(cfg, config_path=config_path)
    for c in checks:
        line = f"{marks[c.status]} {c.name}: {c.detail}"
        if c.fix and c.status is not doc.Status.ok:
            line += f"\n    fix: {c.fix}"
        click.echo(line)
    failed = sum(c.status is doc.Status.fail for c in checks)
    warned = sum(c.status is doc.Status.warn for c in checks)
    if failed:
        click.echo(f"{failed} problem(s) to fix before cardpipe can run here" + (f", {warned} note(s)" if warned else ""))
    else:
        click.echo("all is well" + (f" ({warned} note(s) above)" if warned else ""))
    ctx.exit(1 if failed else 0)


def _marks() -> dict[Any, str]:
    """✓ ! ✗, or plain ASCII on a terminal that cannot show them."""
    from .doctor import Status

    try:
        "✓✗".encode(sys.stdout.encoding or "ascii")
        return {Status.ok: "✓", Status.warn: "!", Status.fail: "✗"}
    except (UnicodeEncodeError, LookupError):
        return {Status.ok: "ok", Status.warn: "!!", Status.fail: "XX"}


def _shell(path: Path) -> str:
    import shlex

    return shlex.quote(str(path))


def _ask(folder: Path | None, settings: Any) -> Any:
    """The few questions `init` asks at a terminal; Enter keeps the default."""
    import re

    from . import init as setup

    def region(value: str) -> str:
        value = value.strip().upper()
        if not re.fullmatch(r"[A-Z]{2}", value):
            raise click.BadParameter("a two-letter country code, such as US, GB or DE")
        return value

    def languages(value: str) -> str:
        value = "+".join(v for v in re.split(r"[+,\s]+", value.strip().lower()) if v)  # "eng, deu" -> eng+deu
        if not re.fullmatch(r"[a-z_]{3,}(\+[a-z_]{3,})*", value):
            raise click.BadParameter("Tesseract language codes joined by '+', such as eng or eng+deu")
        return value

    click.echo(f"Setting up cardpipe (config: {settings.config_path}). Enter keeps the [default].")
    inbox = click.prompt("Where will you drop scans and photos?", default=str(settings.inbox), type=_path(file_okay=False))
    days = click.prompt("Follow up how many days after meeting someone?", default=settings.days, type=click.IntRange(min=0))
    reg = click.prompt("Country of phone numbers printed without +code?", default=settings.region, value_proc=region)
    lang = click.prompt("Languages on the cards (Tesseract codes joined by +)?", default=settings.lang, value_proc=languages)
    return setup.settings_for(folder, inbox=inbox, days=days, region=reg, lang=lang)


@cli.command()
@config_option
@click.option("--inbox", type=_path(file_okay=False), help="Folder where scans are dropped.")
@db_option
@click.option("--output", type=_path(file_okay=False), help="Folder for contacts.csv, due.csv and other exports.")
@days_option
@read_options
@click.option("--jobs", "-j", type=click.IntRange(min=0), help="Worker processes (default: one per core; 1 = serial).")
@click.option(
    "--dry-run", is_flag=True,
    help="Show what would be claimed, moved and written; change nothing (no file moved, no database or log write).",
)
@click.option(
    "--verbose", "-v", "run_verbose", is_flag=True,
    help="Print the summary line even when not at a terminal, and every file left in the inbox with why.",
)
@click.pass_context
def run(ctx: click.Context, config_path: Path | None, run_verbose: bool, dry_run: bool, **opts: Any) -> None:
    """Process new scans in the inbox, update the database and the exports.

    Every file is processed once: afterwards it is in the archive folder, or in
    the failed folder with a .reason.txt file saying why. Silent when all went
    well and stderr is not a terminal (cron); exit code 1 when files failed,
    75 when another run is in progress.

    At a terminal, files still being written (changed less than settle_seconds
    ago) are waited for; under cron they are left for the next run.

    \b
    Example (crontab, every 15 minutes):
      */15 * * * *  cardpipe run --inbox ~/Cards/inbox --output ~/Cards/output
    """
    cfg = get_config(config_path, **opts)
    verbose = ctx.obj.get("verbose", 0)
    _setup_logging(verbose, None if dry_run else cfg.state)
    stop = threading.Event()
    _on_sigterm(stop)
    progress = _progress_bar() if _stderr_tty() else None
    try:
        summary = inbox_run.run(
            cfg, clock=get_clock(ctx), stop=stop, dry_run=dry_run, progress=progress,
            wait=_wait_for_settling if _stderr_tty() else None,
        )
    finally:
        if progress:
            progress.close()  # type: ignore[attr-defined]
    if dry_run:
        for line in summary.dry_run:
            click.echo(line)
        if not summary.dry_run:
            click.echo("nothing to do: the inbox has no new files")
        return
    for name, reason in summary.failed:
        click.echo(f"cardpipe: {show_name(name)}: {reason}", err=True)
    for problem in summary.import_problems:
        click.echo(f"cardpipe: {problem}", err=True)
    if run_verbose or verbose:
        for name, why in summary.skipped:
            click.echo(f"cardpipe: skipped {show_name(name)}: {why}", err=True)
    if summary.changed and (run_verbose or verbose or _stderr_tty()):
        click.echo(summary.line(), err=True)
    elif run_verbose or verbose:
        left = f" ({len(summary.skipped)} file(s) left in the inbox, above)" if summary.skipped else ""
        click.echo(f"cardpipe: nothing new in the inbox{left}", err=True)
    if summary.interrupted:
        click.echo("cardpipe: stopped before the end; the files not read are back in the inbox.", err=True)
    ctx.exit(int(summary.exit_code))


def _wait_for_settling(files: list[Any], seconds: float) -> None:
    """At a terminal: say why the run pauses, then wait for files still being written."""
    import time

    first = show_name(files[0].rel)
    more = f" and {len(files) - 1} more" if len(files) > 1 else ""
    click.echo(f"cardpipe: waiting {seconds:.1f} s for {first}{more} to finish being written (settle_seconds)", err=True)
    time.sleep(seconds)


class _progress_bar:
    def __init__(self) -> None:
        self.bar: Any = None
        import time

        self.t0 = time.perf_counter()

    def __call__(self, done: int, total: int) -> None:
        import time

        if total <= 3:
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label="cards", file=sys.stderr, show_pos=True)
            self.bar.__enter__()
        rate = done / max(time.perf_counter() - self.t0, 1e-6)
        self.bar.label = f"{rate:.1f} files/s"
        self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def _on_sigterm(stop: threading.Event) -> None:
    def handler(signum: int, frame: object) -> None:
        stop.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, handler)


@cli.command()
@click.argument("files", metavar="[FILE]...", nargs=-1, type=_path())
@config_option
@click.option("--inbox", type=_path(file_okay=False), help="Folder where scans are dropped.")
@db_option
@click.pass_context
def retry(ctx: click.Context, files: tuple[Path, ...], config_path: Path | None, **opts: Any) -> None:
    """Put failed files back into the inbox, so the next run reads them again.

    Fix the cause first (the reason is in NAME.reason.txt beside each file: raise
    max_pixels, install pillow-heif...). With no FILE, every file in the failed
    folder goes back; a FILE is a path to a file in the failed folder, or a path
    relative to it. Their failed record and .reason.txt are dropped.

    \b
    Example:
      cardpipe retry                                  # all of them
      cardpipe retry "2026-11-20 CES/card 7.jpg"     # just this one
      cardpipe run
    """
    cfg = get_config(config_path, **opts)
    _setup_logging(ctx.obj.get("verbose", 0), cfg.state)
    moved = inbox_run.retry_failed(cfg, files)
    if not moved:
        click.echo("nothing to retry: the failed folder is empty")
        return
    for src, dest in moved:
        click.echo(f"{show_name(src.relative_to(cfg.failed_dir))}: back in the inbox as {show_name(dest)}")


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=_path(exists=False))
@config_option
@read_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON Lines: one object per card found.")
@click.option("--jobs", "-j", type=click.IntRange(min=0), help="Worker processes (default: one per core).")
@click.option("--debug-images", type=_path(file_okay=False), help="Write the prepared images the OCR saw into this folder.")
@click.pass_context
def extract(
    ctx: click.Context,
    paths: tuple[Path, ...],
    config_path: Path | None,
    as_json: bool,
    debug_images: Path | None,
    **opts: Any,
) -> None:
    """Read cards from image files without touching the database.

    \b
    Example:
      cardpipe extract scan.jpg --json | jq .name
    """
    cfg = get_config(config_path, **opts)
    _setup_logging(ctx.obj.get("verbose", 0))
    from .ocr import check_engine

    check_engine(cfg.lang)
    missing = [p for p in paths if not p.exists()]
    for p in missing:
        click.echo(f"cardpipe: {show_name(p)}: no such file", err=True)
    read = [p for p in paths if p.exists()]
    ropts = pipeline.ReadOptions.from_config(cfg, debug_dir=debug_images)
    failed = len(missing)
    for res in batch.extract_files(read, ropts, jobs=min(cfg.workers, max(len(read), 1))):
        if not res.ok:
            failed += 1
            click.echo(f"cardpipe: {show_name(res.path)}: {res.error}", err=True)
            continue
        for card in res.cards:
            if as_json:
                # valid UTF-8 whatever bytes the file name has (undecodable ones as \xNN text)
                obj = {"source": _text_name(res.path), "card": card.card, **card.record.to_json()}
                obj["social"] = card.record.social_map
                click.echo(json.dumps(obj, ensure_ascii=False))
            else:
                click.echo(_format_card(res.path, card))
    ctx.exit(int(ExitCode.files_failed if failed else ExitCode.ok))


def _format_card(path: str, card: Any) -> str:
    r = card.record
    conf = r.confidence_map
    rows = [f"{show_name(path)}  [card {card.card}]"]

    def add(label: str, value: Any, key: str) -> None:
        if value in (None, "", [], ()):
            return
        flag = "  ?" if key in r.review else ""
        c = f"  ({conf[key]:.2f})" if key in conf else ""
        rows.append(f"  {label:<9}{value}{c}{flag}")

    add("Name", r.name, "name")
    add("Title", r.title, "title")
    add("Company", r.company, "company")
    add("Email", ", ".join(r.emails), "emails")
    add("Phone", ", ".join(f"{p.e164} ({p.type})" for p in r.phones), "phones")
    add("Website", r.website, "website")
    add("Address", r.address.text if r.address else None, "address")
    for net, url in r.social:
        rows.append(f"  {net.capitalize():<9}{url}")
    if r.review:
        rows.append(f"  Review   {', '.join(r.review)}  (? = doubtful)")
    return "\n".join(rows) + "\n"


@cli.group(invoke_without_command=True)
@config_option
@db_option
@click.pass_context
def contacts(ctx: click.Context, config_path: Path | None, db: Path | None) -> None:
    """List contacts (or `contacts show ID` for one, with its cards).

    \b
    Example:
      cardpipe contacts
      cardpipe contacts show 12
    """
    ctx.obj["config"] = (config_path, db)
    if ctx.invoked_subcommand is not None:
        return
    cfg = get_config(config_path, db=db)
    with service.open_db(cfg) as store:
        rows = store.contacts()
    if not rows:
        click.echo("no contacts yet: drop scans into the inbox and run 'cardpipe run'")
        return
    click.echo(f"{'id':>4}  {'name':<24} {'company':<24} {'email':<30} {'phone':<16} cards")
    for c in rows:
        r = c.record
        click.echo(
            f"{c.id:>4}  {_cut(r.name, 24)} {_cut(r.company, 24)} {_cut(r.emails[0] if r.emails else '', 30)} "
            f"{_cut(r.phones[0].e164 if r.phones else '', 16)} {len(c.card_ids)}"
        )


def _cut(text: str | None, n: int) -> str:
    text = text or ""
    return (text[: n - 1] + "…" if len(text) > n else text).ljust(n)


@contacts.command("show")
@click.argument("contact")
@click.pass_context
def contacts_show(ctx: click.Context, contact: str) -> None:
    """Show one contact, the cards behind it and why each was attached.

    \b
    Example:
      cardpipe contacts show 12
      cardpipe contacts show "jane@example.com"
    """
    config_path, db = ctx.obj.get("config", (None, None))
    cfg = get_config(config_path, db=db)
    with service.open_db(cfg) as store:
        cid = service.resolve_contact(store, contact)
        c = store.contact(cid)
        r = c.record
        click.echo(f"contact {c.id}: {r.name or '?'}")
        for label, value in (
            ("title", r.title),
            ("company", r.company),
            ("emails", ", ".join(r.emails)),
            ("phones", ", ".join(f"{p.e164} ({p.type})" for p in r.phones)),
            ("website", r.website),
            ("address", r.address.text if r.address else None),
            ("event", c.event),
            ("first met", c.first_met),
            ("followups", f"{c.followup_count}, last {c.last_followup}" if c.followup_count else None),
            ("schedule", "done: no more follow-ups" if c.done else _next_due_text(store, cfg, cid, get_clock(ctx).now().date())),
            ("interval", f"every {c.interval_days} days (cardpipe interval)" if c.interval_days else None),
            ("notes", (c.notes or "").replace("\n", "\n" + " " * 13)),
            ("earlier", ", ".join(c.past_companies)),
            ("known by", ", ".join(sorted({card["owner"] for card in store.cards_of(cid) if card["owner"]}))),
        ):
            if value:
                click.echo(f"  {label:<10} {value}")
        cards = store.cards_of(cid)
        click.echo(f"  {len(cards)} card(s), oldest first, and why each belongs to this contact:")
        for card in cards:
            company = json.loads(card["record"]).get("company")
            click.echo(
                f"    #{card['id']}  {card['collected_on']}  {show_name(card['source_name'])} (card {card['card_index']})"
                + (f"  {company}" if company else "")
            )
            click.echo(f"          {_why(card['match_rule'], card['match_detail'])}")
        apart = store.kept_apart_from(cid)
        if apart:
            click.echo(f"  kept apart (your split or dismissal) from contact(s) {', '.join(map(str, apart))}")
        if len(cards) > 1:
            click.echo(f"  wrong card? 'cardpipe split {cid} #{cards[-1]['id']}' moves it to a contact of its own")


_RULE_WORDS = {
    "email": "same e-mail",
    "profile": "same LinkedIn page",
    "mobile": "same mobile number",
    "name+company": "same name and company",
    "phone": "same office phone and a compatible name",
    "name+city": "same name and city (a new job)",
}


def _why(rule: str, detail: str | None) -> str:
    """A card's reason for belonging to its contact, in words."""
    if rule == "new":
        return "the first card of this contact" if not detail else detail
    if detail and (detail.startswith(("same ", "contact ", "split ", "joined ")) or rule in ("user-merge", "user-split")):
        return detail  # it says what matched already
    words = _RULE_WORDS.get(rule, f"matched on {rule}")
    return f"{words}: {detail}" if detail else words


@cli.command()
@click.argument("into_ref", metavar="A")
@click.argument("other_ref", metavar="B")
@config_option
@db_option
@click.pass_context
def merge(ctx: click.Context, into_ref: str, other_ref: str, config_path: Path | None, db: Path | None) -> None:
    """Merge contact B into contact A: one person, for good.

    B's cards, follow-ups, edits and notes move to A, and later runs keep them
    together (undo with 'cardpipe split'). A and B are ids or a part of the
    name, company or e-mail that matches one contact.

    \b
    Example:
      cardpipe merge 12 31
      cardpipe merge "jane@acme.com" "Jane Doe-Smith"
    """
    cfg = get_config(config_path, db=db)
    with service.open_db(cfg) as store:
        into, other, moved = service.merge_contacts(store, into_ref, other_ref, clock=get_clock(ctx))
        name = store.contact(into).record.name or f"contact {into}"
    cards = ", ".join(f"#{c}" for c in moved)
    click.echo(f"merged contact {other} into contact {into} ({name}): card(s) {cards} moved; later runs keep them together")


@cli.command()
@click.argument("contact_ref", metavar="CONTACT")
@click.argument("card_refs", metavar="CARD...", nargs=-1, required=True)
@config_option
@db_option
@click.pass_context
def split(ctx: click.Context, contact_ref: str, card_refs: tuple[str, ...], config_path: Path | None, db: Path | None) -> None:
    """Move cards out of a contact into a new contact of their own: a wrong merge undone.

    Later runs keep the cards apart from the contact's other cards (undo with
    'cardpipe merge'). CARD is a card number as 'cardpipe contacts show
    CONTACT' lists them (12 or #12); give several to move them together.

    \b
    Example:
      cardpipe contacts show 12     # which cards, and why each was attached
      cardpipe split 12 '#40'
    """
    cfg = get_config(config_path, db=db)
    with service.open_db(cfg) as store:
        contact_id, new, cards = service.split_cards(store, contact_ref, list(card_refs), clock=get_clock(ctx))
        name = store.contact(new).record.name or "no name"
    listed = ", ".join(f"#{c}" for c in cards)
    click.echo(f"card(s) {listed} split off contact {contact_id} into new contact {new} ({name}); later runs keep them apart")


@cli.command()
@click.option("--dismiss", nargs=2, metavar="A B", help="A and B are two people: drop the suggestion for good.")
@config_option
@db_option
@click.pass_context
def duplicates(ctx: click.Context, dismiss: tuple[str, str] | None, config_path: Path | None, db: Path | None) -> None:
    """List possible duplicates: contacts that may be one person, for you to decide.

    A card that nearly matched a contact without proof (the same name in the same
    city, which a namesake also has; the same name and company with another mobile)
    is not merged automatically; the pair is listed here, newest first, with the
    fields that agree. Merge it with 'cardpipe merge A B', or dismiss it: later
    runs then keep the two apart and do not suggest them again. A and B are ids
    or a part of the name, company or e-mail, as for 'cardpipe merge'.

    \b
    Example:
      cardpipe duplicates
      cardpipe merge 12 31                  # one person
      cardpipe duplicates --dismiss 12 40   # two people
    """
    cfg = get_config(config_path, db=db)
    with service.open_db(cfg) as store:
        if dismiss:
            a, b = service.dismiss_duplicate(store, *dismiss, clock=get_clock(ctx))
            click.echo(f"contacts {a} and {b} are two people: suggestion dismissed; later runs keep them apart")
            return
        pairs = service.possible_duplicates(store)
    if not pairs:
        click.echo("no possible duplicates: nothing to merge or dismiss")
        return
    click.echo(f"{len(pairs)} possible duplicate(s), newest first:")
    for pair in pairs:
        click.echo("")
        for c in (pair.a, pair.b):
            r = c.record
            city = r.address.city if r.address and r.address.city else None
            where = ", ".join(x for x in (r.company, city) if x)
            click.echo(f"  {c.id:>4}  {r.name or '(no name read)'}" + (f"  ({where})" if where else ""))
        click.echo(f"        {pair.reason}")
        click.echo(f"        one person: cardpipe merge {pair.a.id} {pair.b.id}    "
                   f"two people: cardpipe duplicates --dismiss {pair.a.id} {pair.b.id}")


@cli.command()
@click.argument("contact", required=False)
@click.option("--no-text", is_flag=True, help="Leave out the OCR text of the cards.")
@config_option
@db_option
@click.pass_context
def review(ctx: click.Context, contact: str | None, no_text: bool, config_path: Path | None, db: Path | None) -> None:
    """List the contacts whose cards need a human look, and what to check.

    For each: the fields read with a confidence under review_threshold (in the
    config), the card image in the archive and the text OCR read from it. Fix a
    field with 'cardpipe edit'; a corrected field leaves the list. With CONTACT,
    shows that contact whatever its fields.

    \b
    Example:
      cardpipe review
      cardpipe edit 12 company "Acme Robotics Inc."
      cardpipe edit 12 phones "+1 415 555 0134 work, +1 415 555 0199 mobile"
    """
    cfg = get_config(config_path, db=db)
    with service.open_db(cfg) as store:
        items = reviewing.review_items(store, contact)
        pairs = service.count_possible_duplicates(store) if contact is None else 0
    also = f"{pairs} possible duplicate(s): cardpipe duplicates" if pairs else ""
    if not items:
        click.echo("nothing to review: every field of every contact was read with confidence, or corrected")
        if also:
            click.echo(also)
        return
    for item in items:
        click.echo(f"contact {item.contact_id}: {item.name or '(no name read)'}")
        for f in item.fields:
            conf = f"  ({f.confidence:.2f})" if f.confidence is not None else ""
            click.echo(f"  {f.field:<9} {f.value or '(nothing read)'}{conf}")
            if f.unread:
                click.echo(f"  {'':<9} printed, not read as a number: {'; '.join(f.unread)}")
        if not item.fields:
            click.echo("  no doubtful field")
        for card in item.cards:
            where = show_name(card.image) if card.image else f"{show_name(card.source)} (not in the archive)"
            click.echo(f"  card #{card.card_id}  {where}")
            if not no_text:
                for line in card.ocr_text.splitlines():
                    click.echo(f"    | {line}")
        if item.fields:
            f = item.fields[0]
            click.echo(f"  fix: cardpipe edit {item.contact_id} {f.field} \"...\"   ('' empties the field)")
        click.echo("")
    flagged = sum(1 for i in items if i.fields)
    if contact is None:
        click.echo(f"{flagged} contact(s) to review")
        if also:
            click.echo(also)


@cli.command()
@click.argument("contact")
@click.argument("field")
@click.argument("value", required=False)
@click.option("--undo", is_flag=True, help="Drop your correction of FIELD: what the cards say shows again.")
@config_option
@db_option
@click.pass_context
def edit(
    ctx: click.Context,
    contact: str,
    field: str,
    value: str | None,
    undo: bool,
    config_path: Path | None,
    db: Path | None,
) -> None:
    """Correct a field of a contact; later runs never overwrite it.

    FIELD is one of name, given_name, family_name, title, company, emails,
    phones, website, address. VALUE is checked and written as extraction would:
    e-mails must be valid, phones become +E.164 with a type (work, mobile, fax,
    other: after the number, or a label before it; numbers without + are read
    in the contact's country), a name is split into given and family name.
    Several e-mails or phones are separated by commas; "" empties the field.

    \b
    Example:
      cardpipe edit 12 phones "+44 20 7946 0958 work, +44 7700 900123 mobile"
      cardpipe edit 12 emails "jane.doe@acme.com"
      cardpipe edit "Jane Doe" title "Head of Product"
      cardpipe edit 12 title --undo
    """
    if undo and value is not None:
        raise UsageError("give either a VALUE or --undo, not both.")
    if not undo and value is None:
        raise UsageError(f"give the new value of {field}, e.g. cardpipe edit {contact} {field} \"...\" ('' empties it).")
    cfg = get_config(config_path, db=db)
    with service.open_db(cfg) as store:
        if undo:
            result = reviewing.undo_edit(store, contact, field)
        else:
            assert value is not None
            result = reviewing.edit_contact(store, cfg, contact, field, value, clock=get_clock(ctx))
        name = store.contact(result.contact_id).record.name or f"contact {result.contact_id}"
    shown = result.value or "(empty)"
    if undo:
        click.echo(f"{name}: your correction of {result.field} is dropped; the cards say: {shown}")
    else:
        click.echo(f"{name}: {result.field} is now {shown}; later runs keep your correction")


@cli.command()
@config_option
@db_option
@days_option
@click.option("--csv", "as_csv", is_flag=True, help="Print the list as CSV (the columns of due.csv).")
@click.option("--owner", help="On a team's base: the due list of this person (the contacts they met).")
@click.pass_context
def due(ctx: click.Context, config_path: Path | None, as_csv: bool, **opts: Any) -> None:
    """Print the due list: contacts with no follow-up recorded in time, most overdue first.

    \b
    Example:
      cardpipe due --days 3
      cardpipe due --owner ann      # a team's base: Ann's contacts, with who else knows them
    """
    owner = opts.pop("owner", None)
    cfg = get_config(config_path, **opts)
    today = get_clock(ctx).now().date()
    known: dict[int, list[str]] = {}
    with service.open_db(cfg) as store:
        if owner:
            from .contacts.owners import known_by
            from .followup.owners import due_items

            items = due_items(store, cfg, today, owner)
            known = known_by(store)
        else:
            items = service.due_items(store, cfg, today)
    if as_csv:
        from . import export

        click.echo(export.due_csv(items), nl=False)
        return
    if not items:
        click.echo("nothing due: every contact has been followed up in time")
        return
    click.echo(f"{'overdue':>7}  {'id':>4}  {'name':<24} {'company':<22} {'contact':<30} met")
    for d in items:
        how = d.email or d.phone or ""
        met = d.met_on.isoformat() + (f" at {d.event}" if d.event else "")
        others = [o for o in known.get(d.contact_id, []) if o != owner]
        also = f" (also known by {', '.join(others)})" if others else ""
        click.echo(f"{d.days_overdue:>6}d  {d.contact_id:>4}  {_cut(d.name, 24)} {_cut(d.company, 22)} {_cut(how, 30)} {met}{also}")


@cli.command()
@click.argument("contact_refs", metavar="CONTACT...", nargs=-1, required=True)
@click.option("--on", "on", help="When you followed up (default: today), e.g. 2026-11-20 or 11/20/2026.")
@click.option("--note", default="", help="What happened.")
@click.option("--done", "mark_done", is_flag=True, help="That was the last one: also mark the contacts done.")
@config_option
@db_option
@click.option("--owner", help="On a team's base: who followed up (default: the config's 'owner').")
@click.pass_context
def followup(
    ctx: click.Context,
    contact_refs: tuple[str, ...],
    on: str | None,
    note: str,
    mark_done: bool,
    config_path: Path | None,
    db: Path | None,
    owner: str | None = None,
) -> None:
    """Record that you followed up, so the contact leaves the due list.

    CONTACT is an id or a part of the name, company or email (it must match one
    contact; an exact email or full name wins). Several contacts at once are
    all recorded, or none when one of them is not found. The next follow-up
    is then due after the cadence in the config (or the contact's own interval).

    \b
    Example:
      cardpipe followup 12 17 --on 2026-11-20 --note "sent the deck"
      cardpipe followup "jane@acme.com"
      cardpipe followup 12 --note "not interested" --done
    """
    cfg = get_config(config_path, db=db)
    clock = get_clock(ctx)
    today = clock.now().date()
    day = _typed_date(on, "--on", cfg, today) if on else today
    if day > today:
        raise UsageError(f"--on {on}: {day} is after today; record a follow-up once it has happened.")
    with service.open_db(cfg) as store:
        ids = list(dict.fromkeys(service.resolve_contact(store, ref) for ref in contact_refs))
        for cid in ids:
            added = service.record_followup(store, cid, day, note, clock=clock, owner=owner or cfg.owner)
            if mark_done:
                service.set_done(store, cid, True)
            name = store.contact(cid).record.name or f"contact {cid}"
            nxt = "done: no more follow-ups" if mark_done else _next_due_text(store, cfg, cid, today)
            click.echo(f"{name}: follow-up on {day} {'recorded' if added else 'was already recorded'}; {nxt}")


def _typed_date(text: str, what: str, cfg: Config, today: dt.date) -> dt.date:
    """A date as users type it (the spellings due.csv accepts, in the config's date_order)."""
    from .followup.due_edits import parse_date as parse_typed

    try:
        return parse_typed(text, today=today, day_first=cfg.day_first)
    except ValueError as e:
        raise UsageError(f"{what}: {e}") from None


def _next_due_text(store: Any, cfg: Config, contact_id: int, today: dt.date) -> str:
    nxt = service.next_followup(store, cfg, contact_id, today)
    if nxt is None:
        return "nothing more is due (set a cadence in the config, or 'cardpipe interval')"
    if nxt.due_on < today:
        return f"a follow-up is overdue since {nxt.due_on.isoformat()}"
    return f"next follow-up due {'today' if nxt.due_on == today else nxt.due_on.isoformat()}"


@cli.command()
@click.argument("contact_refs", metavar="CONTACT...", nargs=-1, required=True)
@click.option("--undo", is_flag=True, help="Put the contacts back on the follow-up schedule.")
@config_option
@db_option
@click.pass_context
def done(ctx: click.Context, contact_refs: tuple[str, ...], undo: bool, config_path: Path | None, db: Path | None) -> None:
    """Mark contacts as needing no more follow-up: they leave the due list for good.

    CONTACT is an id or a part of the name, company or email, as for 'followup'.

    \b
    Example:
      cardpipe done 12 "jane@acme.com"
      cardpipe done 12 --undo        # back on the schedule
    """
    cfg = get_config(config_path, db=db)
    today = get_clock(ctx).now().date()
    with service.open_db(cfg) as store:
        ids = list(dict.fromkeys(service.resolve_contact(store, ref) for ref in contact_refs))
        for cid in ids:
            service.set_done(store, cid, not undo)
            name = store.contact(cid).record.name or f"contact {cid}"
            state = _next_due_text(store, cfg, cid, today) if undo else "done: no more follow-ups"
            click.echo(f"{name}: {state}")


@cli.command()
@click.argument("contact")
@click.argument("days", metavar="DAYS|default")
@config_option
@db_option
@click.pass_context
def interval(ctx: click.Context, contact: str, days: str, config_path: Path | None, db: Path | None) -> None:
    """Set how many days pass between follow-ups with one contact.

    After the first follow-up, the next ones are due every DAYS days instead of
    the cadence in the config; 'default' goes back to the cadence.

    \b
    Example:
      cardpipe interval 12 60          # a check-in every two months
      cardpipe interval "Jane Doe" default
    """
    cfg = get_config(config_path, db=db)
    today = get_clock(ctx).now().date()
    value = service.parse_interval(days)
    with service.open_db(cfg) as store:
        cid = service.resolve_contact(store, contact)
        service.set_interval(store, cid, value)
        name = store.contact(cid).record.name or f"contact {cid}"
        every = f"every {value} days" if value else f"the cadence ({', '.join(map(str, cfg.cadence)) or 'none'} days)"
        click.echo(f"{name}: follow-ups {every}; {_next_due_text(store, cfg, cid, today)}")


@cli.command()
@click.argument("contact")
@click.argument("text", required=False, default="")
@click.option("--does", help="What they do (replaces the 'Does:' line).")
@click.option("--needs", help="What they need (replaces the 'Needs:' line).")
@click.option("--meet", help="Who they would like to meet (replaces the 'Wants to meet:' line).")
@click.option("--clear", is_flag=True, help="Remove the notes first.")
@config_option
@db_option
@click.pass_context
def note(
    ctx: click.Context,
    contact: str,
    text: str,
    does: str | None,
    needs: str | None,
    meet: str | None,
    clear: bool,
    config_path: Path | None,
    db: Path | None,
) -> None:
    """Add a note on a contact (shown in contacts.csv, due.csv and due.ics).

    TEXT is added as a new line; --does, --needs and --meet keep one line each,
    replaced when given again ("" removes it). With nothing to add, prints the notes.

    \b
    Example:
      cardpipe note 12 "wants the case study"
      cardpipe note 12 --does "runs IT for 3 clinics" --needs "a bookkeeper" --meet "Ann Lee"
    """
    cfg = get_config(config_path, db=db)
    labelled = {k: v for k, v in (("does", does), ("needs", needs), ("meet", meet)) if v is not None}
    with service.open_db(cfg) as store:
        cid = service.resolve_contact(store, contact)
        c = store.contact(cid)
        if text or labelled or clear:
            notes = service.update_notes(store, cid, text=text, labelled=labelled, clear=clear)
        else:
            notes = c.notes
        click.echo(f"{c.record.name or f'contact {cid}'}:")
        click.echo("\n".join(f"  {line}" for line in (notes or "(no notes)").splitlines()))


@cli.command("import")
@click.argument("file", required=False, type=_path(dir_okay=False))
@click.option("--date-order", type=click.Choice(["auto", "MDY", "DMY"]), help="How 11/12/2026 reads (default: the config's date_order).")
@config_option
@db_option
@click.pass_context
def import_cmd(ctx: click.Context, file: Path | None, date_order: str | None, config_path: Path | None, db: Path | None) -> None:
    """Record the follow-ups filled in an edited due.csv (followed_up_on, followup_note).

    'cardpipe run' does this by itself for the due.csv in the output folder;
    use this for a copy saved elsewhere. Rows it cannot understand are listed
    with their row numbers (exit code 1) and the others are still recorded;
    importing the same file twice records nothing twice.

    \b
    Example:
      cardpipe import ~/Downloads/due.csv
      cardpipe import due-edited.csv --date-order DMY
    """
    cfg = get_config(config_path, db=db, date_order=date_order)
    path = file or cfg.output / "due.csv"
    with service.open_db(cfg) as store:
        result = service.import_followups(store, cfg, get_clock(ctx), path)
    for problem in result.problems:
        click.echo(f"cardpipe: {problem}", err=True)
    click.echo(f"{result.imported} follow-up(s) recorded from {show_name(path)}")
    ctx.exit(int(ExitCode.files_failed if result.problems else ExitCode.ok))


@cli.command()
@click.option("--since", help="Count new cards from this day (default: since the last digest, else the last 7 days).")
@click.option("--no-mark", is_flag=True, help="Do not count this one as the last digest.")
@click.option("--limit", type=click.IntRange(min=1), default=10, show_default=True, help="Names shown per section.")
@config_option
@db_option
@days_option
@click.pass_context
def digest(ctx: click.Context, since: str | None, no_mark: bool, limit: int, config_path: Path | None, **opts: Any) -> None:
    """Print a short summary: new cards, who is due today, who is overdue, and this
    week's follow-ups against the weekly_goal in the config.

    The first line works as an email subject.

    \b
    Example (crontab: weekday mornings, cron mails the output):
      0 8 * * 1-5  cardpipe digest
      cardpipe digest --since 2026-11-01 --no-mark
    """
    from .followup import digest as digest_mod

    cfg = get_config(config_path, **opts)
    clock = get_clock(ctx)
    now = clock.now()
    start = None
    if since:
        day = _typed_date(since, "--since", cfg, now.date())
        start = dt.datetime.combine(day, dt.time(0, 0), tzinfo=now.tzinfo)
    with service.open_db(cfg) as store:
        result = service.build_digest(store, cfg, clock, since=start, mark=not no_mark)
    click.echo(digest_mod.render(result, limit=limit), nl=False)


@cli.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(EXPORT_FORMATS)),
    default="csv",
    show_default=True,
    help="csv: spreadsheets (the columns of contacts.csv); google: Google Contacts CSV; outlook: Outlook CSV; "
    "vcard: .vcf for phone and desktop contact apps; json: for scripts and CRMs.",
)
@click.option(
    "--vcard-version",
    type=click.Choice(list(VCARD_VERSIONS)),
    help="vCard version for --format vcard (default: the config's vcard_version, else 3.0, which phones import).",
)
@click.option("-o", "--output", "out", type=_path(dir_okay=False), help="Write to this file, atomically (default: stdout).")
@config_option
@db_option
@click.pass_context
def export_cmd(
    ctx: click.Context, fmt: str, vcard_version: str | None, out: Path | None, config_path: Path | None, db: Path | None
) -> None:
    """Write the contacts in a format spreadsheets and contact apps import.

    CSV files get the BOM Excel needs (the Google CSV does not, as Google's own
    export has none); phone numbers are written like +44 20 7946 0958.

    \b
    Examples:
      cardpipe export --format csv -o contacts.csv
      cardpipe export --format google -o contacts-google.csv    # contacts.google.com > Import
      cardpipe export --format vcard --vcard-version 4.0 -o contacts.vcf
    """
    from . import export

    if vcard_version and fmt != "vcard":
        raise UsageError("--vcard-version goes with --format vcard.")
    cfg = get_config(config_path, db=db)
    today = get_clock(ctx).now().date()
    with service.open_db(cfg) as store:
        text = service.export_contacts(store, cfg, fmt, today=today, vcard_version=vcard_version)
    if out is None:
        click.echo(text, nl=False)
    else:
        export.write_text(out, text, encoding=export.FORMATS[fmt].encoding)
        click.echo(f"wrote {out}", err=True)


@cli.command()
@click.option("--to", "target", required=True, metavar="URL", help="The PostgreSQL database to fill: postgresql://user@host/dbname.")
@config_option
@click.option("--db", type=str, envvar="CARDPIPE_DB", metavar="PATH", help="The SQLite database to copy (default: the config's 'db').")
def migrate(target: str, config_path: Path | None, db: str | None) -> None:
    """Copy a SQLite card base into an empty PostgreSQL database, for a team.

    Cards, contacts, decisions, edits and follow-ups keep their ids; the counts are
    checked before the commit; the SQLite file is left untouched. The password comes
    from $PGPASSWORD or ~/.pgpass. Then set db = "postgresql://..." in each config.

    \b
    Example:
      cardpipe migrate --to postgresql://cards@db.example/cards
    """
    from .contacts import migrate as migrating

    cfg = get_config(config_path, db=db)
    result = migrating.migrate(cfg.db, target, busy_timeout=cfg.busy_timeout)
    click.echo(f"cardpipe: {result.line()}")


@cli.command()
@click.option("--port", default=8750, show_default=True, help="The port to listen on.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Where to listen; beyond loopback needs a token (CARDPIPE_WEB_TOKEN, or web_token in the config).")
@config_option
@db_option
@click.pass_context
def serve(ctx: click.Context, port: int, host: str, config_path: Path | None, db: Path | None) -> None:
    """Review cards, correct fields and work the due list in the browser.

    \b
    Example:
      cardpipe serve            # then open http://127.0.0.1:8750/
    """
    try:
        import uvicorn

        from . import web
        from .web.app import token_from_env
    except ImportError as e:
        raise MissingDependencyError(f"cardpipe serve needs the web extra: pip install 'cardpipe[web]' ({e}).") from e
    cfg = get_config(config_path, db=db)
    token = token_from_env() or cfg.web_token
    web.check_host(host, token)
    click.echo(f"cardpipe: review at http://{host}:{port}/ (Ctrl-C stops)")
    uvicorn.run(web.create_app(cfg, clock=get_clock(ctx), token=token), host=host, port=port, log_level="warning")


# ---------------------------------------------------------------------------
# Entry point: the one place errors become exit codes
# ---------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    cli.main(args=argv, prog_name="cardpipe")
