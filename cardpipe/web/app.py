"""The web layer: thin routes over `cardpipe.service`, as thin as the CLI.

Security: loopback by default (another host needs a token), every change is a POST with a
CSRF token (double submit: an HttpOnly SameSite=Strict cookie and a form field), templates
autoescape all card text, images are looked up by card id only, a locked database answers
"busy, try again" (503) and saves nothing.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import re
import secrets
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from .. import export, service
from .. import review as reviewing
from ..clock import Clock, SystemClock
from ..config import Config
from ..errors import BusyError, CardpipeError, NotFoundError, UsageError

HERE = Path(__file__).parent
CSRF_COOKIE = "cardpipe_csrf"
AUTH_COOKIE = "cardpipe_auth"
TOKEN_ENV = "CARDPIPE_WEB_TOKEN"


def check_host(host: str, token: str | None) -> None:
    """Refuse to listen beyond this machine without a token (UsageError says how to give one)."""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback and not token:
        raise UsageError(
            f"--host {host} would let other machines reach your contacts: set a token in "
            f"the environment ({TOKEN_ENV}=...) or the configuration (web_token = \"...\"), "
            "or keep the default --host 127.0.0.1."
        )


def create_app(cfg: Config, *, clock: Clock | None = None, token: str | None = None) -> Starlette:
    clock = clock or SystemClock()
    templates = Jinja2Templates(directory=str(HERE / "templates"))  # autoescape on for .html
    templates.env.globals["evidence"] = evidence

    def page(request: Request, name: str, status: int = 200, **ctx) -> Response:
        csrf = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
        resp = templates.TemplateResponse(request, name, {"csrf": csrf, **ctx}, status_code=status)
        resp.set_cookie(CSRF_COOKIE, csrf, httponly=True, samesite="strict")
        return resp

    async def checked_form(request: Request) -> dict[str, str]:
        form = await request.form()
        cookie = request.cookies.get(CSRF_COOKIE, "")
        sent = str(form.get("csrf", ""))
        if not cookie or not hmac.compare_digest(cookie, sent):
            raise PermissionError("the form is stale or came from another site: reload the page and try again.")
        return {k: str(v) for k, v in form.items()}

    async def review(request: Request) -> Response:
        with service.open_db(cfg) as store:
            items = reviewing.review_items(store)
        # after a save: what was saved, with a button to take it back
        saved = request.query_params.get("saved", "")
        contact, _, fields = saved.partition(":")
        done = (int(contact), [f for f in fields.split(",") if f]) if contact.isdigit() and fields else None
        return page(request, "review.html", items=items, error=None, bad=None, saved=done)

    async def edit(request: Request) -> Response:
        form = await checked_form(request)
        contact, field = request.path_params["contact_id"], form.get("field", "")
        # several fields: 'accept all' saves each flagged field as it reads now
        fields = [f for f in field.split(",") if f]
        try:
            with service.open_db(cfg) as store:
                for name in fields:
                    if form.get("undo"):
                        reviewing.undo_edit(store, str(contact), name)
                    else:
                        value = form.get(f"value:{name}", form.get("value", ""))
                        reviewing.edit_contact(store, cfg, str(contact), name, value, clock=clock)
        except BusyError:
            raise
        except CardpipeError as e:  # invalid value: say it in the form, save nothing
            with service.open_db(cfg) as store:
                items = reviewing.review_items(store)
            return page(request, "review.html", status=400, items=items, error=str(e), bad=(contact, field), saved=None)
        if form.get("undo"):
            return RedirectResponse("/", status_code=303)
        return RedirectResponse(f"/?saved={contact}:{','.join(fields)}", status_code=303)

    def due_page(request: Request, *, status: int = 200, error: str | None = None) -> Response:
        with service.open_db(cfg) as store:
            contacts = store.contacts()
            items = service.due_items(store, cfg, clock.now().date(), contacts=contacts)
            week = service.build_digest(store, cfg, clock, mark=False)
        return page(request, "due.html", status=status, items=items, error=error, cards=_met_cards(contacts),
                    done=week.done_this_week, goal=week.weekly_goal)

    async def due(request: Request) -> Response:
        return due_page(request)

    async def interval(request: Request) -> Response:
        form = await checked_form(request)
        try:
            days = service.parse_interval(form.get("days", ""))
        except CardpipeError as e:
            return due_page(request, status=400, error=str(e))
        with service.open_db(cfg) as store:
            service.set_interval(store, request.path_params["contact_id"], days)
        return RedirectResponse("/due", status_code=303)

    async def followed_up(request: Request) -> Response:
        form = await checked_form(request)
        cid = request.path_params["contact_id"]
        with service.open_db(cfg) as store:
            service.record_followup(store, cid, clock.now().date(), form.get("note", ""), clock=clock)
            if form.get("done"):
                service.set_done(store, cid, True)
        return RedirectResponse("/due", status_code=303)

    async def duplicates(request: Request) -> Response:
        with service.open_db(cfg) as store:
            pairs = service.possible_duplicates(store)
        return page(request, "duplicates.html", pairs=pairs)

    async def decide(request: Request) -> Response:
        form = await checked_form(request)
        a, b = str(request.path_params["a"]), str(request.path_params["b"])
        with service.open_db(cfg) as store:
            if form.get("action") == "merge":
                service.merge_contacts(store, a, b, clock=clock)
            else:
                service.dismiss_duplicate(store, a, b, clock=clock)
        return RedirectResponse("/duplicates", status_code=303)

    async def contacts(request: Request) -> Response:
        q = request.query_params.get("q", "").strip().lower()
        with service.open_db(cfg) as store:
            found = [c for c in store.contacts() if not q or q in _haystack(c)]
        return page(request, "contacts.html", contacts=found, q=q)

    def contact_page(request: Request, cid: int, *, status: int = 200, error: str | None = None) -> Response:
        with service.open_db(cfg) as store:
            contact = store.contact(cid)  # NotFoundError: 404
            cards = reviewing.contact_cards(store, cid)
            followups = store.followups(cid)
            upcoming = service.next_followup(store, cfg, cid, clock.now().date())
        return page(request, "contact.html", status=status, contact=contact, cards=cards, followups=followups,
                    upcoming=upcoming, error=error)

    async def contact(request: Request) -> Response:
        return contact_page(request, request.path_params["contact_id"])

    async def note(request: Request) -> Response:
        form = await checked_form(request)
        cid = request.path_params["contact_id"]
        with service.open_db(cfg) as store:
            store.contact(cid)
            service.update_notes(store, cid, text=form.get("note", "").strip())
        return RedirectResponse(f"/contact/{cid}", status_code=303)

    async def split(request: Request) -> Response:
        form = await checked_form(request)
        cid = request.path_params["contact_id"]
        try:
            with service.open_db(cfg) as store:
                _, new, _ = service.split_cards(store, str(cid), [form.get("card", "")], clock=clock)
        except BusyError:
            raise
        except CardpipeError as e:
            return contact_page(request, cid, status=400, error=str(e))
        return RedirectResponse(f"/contact/{new}", status_code=303)

    async def exports(request: Request) -> Response:
        return page(request, "exports.html", formats=list(export.FORMATS.values()))

    async def download(request: Request) -> Response:
        name = request.path_params["name"]
        today = clock.now().date()
        with service.open_db(cfg) as store:
            if name == "due":
                text, filename, encoding = export.due_csv(service.due_items(store, cfg, today)), "due.csv", "utf-8-sig"
            elif name == "ics":
                text, filename, encoding = service.due_calendar(store, cfg, today), "due.ics", "utf-8"
            elif name in export.FORMATS:
                fmt = export.FORMATS[name]
                text, filename, encoding = service.export_contacts(store, cfg, name, today=today), fmt.filename, fmt.encoding
            else:
                return PlainTextResponse("unknown export", status_code=404)
        return Response(text.encode(encoding), media_type="application/octet-stream",
                        headers={"content-disposition": f'attachment; filename="{filename}"'})

    async def card_image(request: Request) -> Response:
        card_id = request.path_params["card_id"]  # an int by the route: no path from the request
        with service.open_db(cfg) as store:
            stored_as = store.card_image(card_id)
        if not stored_as or not Path(stored_as).is_file():
            return PlainTextResponse("no image for this card", status_code=404)
        return FileResponse(stored_as)

    async def card_picture(request: Request) -> Response:
        with service.open_db(cfg) as store:
            side = "back" if request.query_params.get("side") == "back" else "front"
            data = reviewing.card_picture(store, cfg, request.path_params["card_id"], side)
        if data is None:
            return PlainTextResponse("no image for this card", status_code=404)
        return Response(data, media_type="image/jpeg")

    async def on_busy(request: Request, exc: Exception) -> Response:
        return PlainTextResponse("The database is busy (a run is writing): busy, try again in a moment.", 503)

    async def on_not_found(request: Request, exc: Exception) -> Response:
        return PlainTextResponse(str(exc), 404)

    async def on_csrf(request: Request, exc: Exception) -> Response:
        return PlainTextResponse(str(exc), 403)

    app = Starlette(
        routes=[
            Route("/", review),
            Route("/contact/{contact_id:int}/edit", edit, methods=["POST"]),
            Route("/due", due),
            Route("/due/{contact_id:int}/followup", followed_up, methods=["POST"]),
            Route("/due/{contact_id:int}/interval", interval, methods=["POST"]),
            Route("/card/{card_id:int}/image", card_image),
            Route("/card/{card_id:int}/picture", card_picture),
            Route("/duplicates", duplicates),
            Route("/duplicates/{a:int}/{b:int}", decide, methods=["POST"]),
            Route("/contacts", contacts),
            Route("/contact/{contact_id:int}", contact),
            Route("/contact/{contact_id:int}/note", note, methods=["POST"]),
            Route("/contact/{contact_id:int}/split", split, methods=["POST"]),
            Route("/exports", exports),
            Route("/exports/{name}", download),
            Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
        ],
        exception_handlers={BusyError: on_busy, PermissionError: on_csrf, NotFoundError: on_not_found},
    )
    if token:
        app.add_middleware(_TokenGate, token=token)
    return app


def evidence(ocr_text: str, fields) -> list[tuple[str, str]]:
    """The card's OCR lines, each with the space-separated names of the flagged fields whose
    value it contains (the stored cards keep no word boxes yet: this outlines lines, not words).
    Phones match on their last 7 digits, since OCR reads the national form."""
    out = []
    for line in ocr_text.splitlines():
        low, digits = line.lower(), re.sub(r"\D", "", line)
        hit = []
        for f in fields:
            for part in (p.split(" (")[0].strip() for p in f.value.split(",")):
                d = re.sub(r"\D", "", part)[-7:]
                if part and (part.lower() in low or (f.field == "phones" and len(d) == 7 and d in digits)):
                    hit.append(f.field)
                    break
        out.append((line, " ".join(hit)))
    return out


def _met_cards(contacts) -> dict[int, int]:
    """Each contact's card from the day it was met (the due list's 'met'), else its last card."""
    out = {}
    for c in contacts:
        if c.card_ids:
            met = [i for i, d in zip(c.card_ids, c.card_dates, strict=False) if d == c.first_met]
            out[c.id] = met[0] if met else c.card_ids[-1]
    return out


def _haystack(c) -> str:
    r = c.record
    return " ".join(x for x in (r.name, r.company, *r.emails, c.event, *c.past_companies) if x).lower()


class _TokenGate:
    """With a token, every request needs it: `?token=` once (sets an HttpOnly cookie) or the cookie."""

    def __init__(self, app, token: str) -> None:
        self.app, self.token = app, token

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        request = Request(scope)
        given = request.query_params.get("token") or request.cookies.get(AUTH_COOKIE, "")
        if not hmac.compare_digest(given.encode(), self.token.encode()):
            return await PlainTextResponse("open this page with ?token=<your token>", 401)(scope, receive, send)
        if request.query_params.get("token"):
            resp = RedirectResponse(request.url.path, status_code=303)
            resp.set_cookie(AUTH_COOKIE, self.token, httponly=True, samesite="strict")
            return await resp(scope, receive, send)
        return await self.app(scope, receive, send)


def token_from_env() -> str | None:
    return os.environ.get(TOKEN_ENV) or None
