"""Logging in and out of the pages (SPEC §6.2): the key typed once into a form, then a session
cookie the browser cannot show to any script, and that no other site's page can send.

The key travels only in the body of the login form's POST: never in a URL, a page or a log.
"""

from __future__ import annotations

from html import escape
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api import pages, sessions
from api.auth import KeyRing
from api.routes.language import switch_links
from api.urls import local_path
from engine.lang import say

router = APIRouter(include_in_schema=False)

# Like the other pages' (api/routes/views.py), but this page's form may post to this server.
SESSION_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
}
# Anything longer is no key of a keys file, nor a path worth coming back to.
MOST_CHARACTERS = 2000

Next = Annotated[str, Query(max_length=MOST_CHARACTERS)]


def login_page(wanted: str, message: str | None = None) -> str:
    switch = switch_links("/login?" + urlencode({"next": wanted}))
    alert = f'<p role="alert"><strong>{escape(message)}</strong></p>' if message else ""
    body = (
        f"{alert}"
        '<form method="post" action="/login">'
        f'<input type="hidden" name="next" value="{escape(wanted)}">'
        f"<p><label>{escape(say('API 密钥', 'API key'))} "
        '<input type="password" name="key" autocomplete="current-password" required autofocus>'
        "</label></p>"
        f'<p><button type="submit">{escape(say("登录", "Log in"))}</button></p>'
        f"</form><nav>{switch}</nav>"
    )
    return pages.document(say("登录", "Log in"), body)


def shown(html: str, status: int = 200, headers: dict[str, str] | None = None) -> HTMLResponse:
    return HTMLResponse(html, status_code=status, headers={**SESSION_HEADERS, **(headers or {})})


@router.get("/login")
async def login_form(next: Next = "/") -> HTMLResponse:
    """The login form; after it, the browser goes on to `next` (a path on this server)."""
    return shown(login_page(local_path(next)))


@router.post("/login")
async def login(
    request: Request,
    key: Annotated[str, Form(max_length=MOST_CHARACTERS)] = "",
    next: Annotated[str, Form(max_length=MOST_CHARACTERS)] = "/",
) -> Response:
    """A right key opens a session and goes on to `next`; a wrong one shows the form again,
    saying no more than that the key was not right."""
    wanted = local_path(next)
    client = request.client.host if request.client else "-"
    failures: sessions.FailedLogins = request.app.state.failed_logins
    if failures.blocked(client):
        message = say(
            "密钥错误次数过多，请一分钟后再试。", "Too many wrong keys; try again in a minute."
        )
        return shown(login_page(wanted, message), 429, {"Retry-After": str(int(failures.window))})
    keys: KeyRing = request.app.state.keys
    principal = keys.lookup(key) if key else None
    if principal is None:
        failures.failed(client)
        message = say("密钥不正确，请重新输入。", "That key is not right; try again.")
        return shown(login_page(wanted, message), 401)
    failures.succeeded(client)
    live: sessions.Sessions = request.app.state.sessions
    opened = RedirectResponse(wanted, status_code=303, headers=SESSION_HEADERS)
    opened.set_cookie(
        sessions.COOKIE,
        live.open(principal),
        path="/",
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )
    return opened


@router.post("/logout")
async def logout(request: Request) -> RedirectResponse:
    """The session ends here and now, whatever is left of its time."""
    token = request.cookies.get(sessions.COOKIE)
    if token:
        live: sessions.Sessions = request.app.state.sessions
        live.close(token)
    ended = RedirectResponse("/login", status_code=303, headers=SESSION_HEADERS)
    ended.delete_cookie(
        sessions.COOKIE,
        path="/",
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )
    return ended
