"""The language of each request: the switch's cookie, else the browser's Accept-Language, else
Chinese (SPEC §6.2). Chosen once, before any route runs, for everything the answer says."""

from __future__ import annotations

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from engine import lang

COOKIE = "gridchain_lang"


def wanted(cookie: str | None, accept_language: str | None) -> lang.Lang:
    if lang.is_lang(cookie):
        return cookie
    return lang.from_accept_language(accept_language)


class ChooseLanguage:
    """Sets the language for the rest of the request's context. Sync routes run in a thread
    with a copy of that context, so they speak it too."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            connection = HTTPConnection(scope)
            lang.choose(
                wanted(connection.cookies.get(COOKIE), connection.headers.get("accept-language"))
            )
        await self.app(scope, receive, send)
