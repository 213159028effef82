"""The command line: parse, call the library, print. Errors are mapped to exit
codes once, in `main`."""

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

from . import __version__, pipeline, service
from .clock import Clock, FixedClock, SystemClock
from .config import Config, load_config
from .errors import CardpipeError, ExitCode, UsageError

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
    return click.option("--db", type=_path(dir_okay=False), help="SQLite database file.")(f)


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
                state_dir / "cardpipe.log", maxBytes=2_000_000, backupCount=3, encoding="utf-8", errors="backslashreplace"
            )
        except OSError:
            return
        fh.setLevel(logging.INFO)
        fh.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(fh)


def show_name(path: str | Path) -> str:
    """A file name safe to print on one line (newlines, undecodable bytes escaped)."""
    text = os.fsdecode(path) if isinstance(path, (bytes, Path)) else path
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text.encode("unicode_escape").decode("ascii") if any(c in text for c in "\n\r\t") else text


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


@cli.command()
@config_option
@click.option("--inbox", type=_path(file_okay=False), help="Folder where scans are dropped.")
@db_option
@click.option("--output", type=_path(file_okay=False), help="Folder for contacts.csv, due.csv and other exports.")
@days_option
@read_options
@click.option("--jobs", "-j", type=click.IntRange(min=0), help="Worker processes (default: one per core; 1 = serial).")
@click.option("--dry-run", is_flag=True, help="Show what would be claimed and set aside; change nothing.")
@click.option("--verbose", "-v", "run_verbose", is_flag=True, help="Print the summary line even when not at a terminal.")
@click.pass_context
def run(ctx: click.Context, config_path: Path | None, run_verbose: bool, dry_run: bool, **opts: Any) -> None:
    """Process new scans in the inbox, update the database and the exports.

    Every file is processed once: afterwards it is in the archive folder, or in
    the failed folder with a .reason.txt file saying why. Silent when all went
    well and stderr is not a terminal (cron); exit code 1 when files failed,
    75 when another run is in progress.

    \b
    Example (crontab, every 15 minutes):
      */15 * * * *  cardpipe run --inbox ~/Cards/inbox --output ~/Cards/output
    """
    cfg = get_config(config_path, **opts)
    verbose = ctx.obj.get("verbose", 0)
    _setup_logging(verbose, cfg.state)
    stop = threading.Event()
    _on_sigterm(stop)
    progress = _progress_bar() if _stderr_tty() else None
    try:
        summary = pipeline.run(cfg, clock=get_clock(ctx), stop=stop, dry_run=dry_run, progress=progress)
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
    if summary.changed and (run_verbose or verbose or _stderr_tty()):
        click.echo(summary.line(), err=True)
    if summary.interrupted:
        click.echo("cardpipe: stopped before the end; the files not read are back in the inbox.", err=True)
    ctx.exit(int(summary.exit_code))


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
    for res in pipeline.extract_files(read, ropts, jobs=min(cfg.workers, max(len(read), 1))):
        if not res.ok:
            failed += 1
            click.echo(f"cardpipe: {show_name(res.path)}: {res.error}", err=True)
            continue
        for card in res.cards:
            if as_json:
                obj = {"source": res.path, "card": card.card, **card.record.to_json()}
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
            ("notes", c.notes),
            ("earlier", ", ".join(c.past_companies)),
        ):
            if value:
                click.echo(f"  {label:<10} {value}")
        click.echo("  cards:")
        for card in store.cards_of(cid):
            why = "first card" if card["match_rule"] == "new" else f"matched on {card['match_rule']} {card['match_detail'] or ''}".strip()
            click.echo(f"    #{card['id']} {show_name(card['source_name'])} (card {card['card_index']}), collected {card['collected_on']}: {why}")


@cli.command()
@config_option
@db_option
@days_option
@click.option("--csv", "as_csv", is_flag=True, help="Print the list as CSV (the columns of due.csv).")
@click.pass_context
def due(ctx: click.Context, config_path: Path | None, as_csv: bool, **opts: Any) -> None:
    """Print the due list: contacts with no follow-up recorded in time, most overdue first.

    \b
    Example:
      cardpipe due --days 3
    """
    cfg = get_config(config_path, **opts)
    today = get_clock(ctx).now().date()
    with service.open_db(cfg) as store:
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
        click.echo(f"{d.days_overdue:>6}d  {d.contact_id:>4}  {_cut(d.name, 24)} {_cut(d.company, 22)} {_cut(how, 30)} {met}")


@cli.command()
@click.argument("contact_refs", metavar="CONTACT...", nargs=-1, required=True)
@click.option("--on", "on", help="When you followed up (default: today), e.g. 2026-11-20.")
@click.option("--note", default="", help="What happened.")
@config_option
@db_option
@click.pass_context
def followup(ctx: click.Context, contact_refs: tuple[str, ...], on: str | None, note: str, config_path: Path | None, db: Path | None) -> None:
    """Record that you followed up, so the contact leaves the due list.

    CONTACT is an id or a part of the name, company or email (it must match one contact).

    \b
    Example:
      cardpipe followup 12 17 --on 2026-11-20 --note "sent the deck"
      cardpipe followup "jane@acme.com"
    """
    cfg = get_config(config_path, db=db)
    clock = get_clock(ctx)
    day = parse_date(on, "--on") if on else clock.now().date()
    with service.open_db(cfg) as store:
        ids = [service.resolve_contact(store, ref) for ref in contact_refs]
        for cid in ids:
            added = service.record_followup(store, cid, day, note, clock=clock)
            name = store.contact(cid).record.name or f"contact {cid}"
            click.echo(f"{name}: follow-up on {day} {'recorded' if added else 'was already recorded'}")


@cli.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv"]), default="csv", show_default=True, help="Export format.")
@click.option("-o", "--output", "out", type=_path(dir_okay=False), help="Write to this file (default: stdout).")
@config_option
@db_option
@click.pass_context
def export_cmd(ctx: click.Context, fmt: str, out: Path | None, config_path: Path | None, db: Path | None) -> None:
    """Write the contacts in a format spreadsheets and contact apps import.

    \b
    Example:
      cardpipe export --format csv -o contacts.csv
    """
    from . import export

    cfg = get_config(config_path, db=db)
    with service.open_db(cfg) as store:
        text = service.export_contacts(store.contacts(), fmt)
    if out is None:
        click.echo(text, nl=False)
    else:
        export.write_text(out, text)
        click.echo(f"wrote {out}", err=True)


# ---------------------------------------------------------------------------
# Entry point: the one place errors become exit codes
# ---------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    cli.main(args=argv, prog_name="cardpipe")
