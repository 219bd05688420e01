"""What a URL may hold, and where a redirect may go.

A URL is no place for a secret: it stays in the browser's history, in bookmarks, in proxies'
logs and in Referer headers. So a `key` parameter is refused on every route before anything
else looks at the request, and the access log blanks it still (`api.server`), so a pasted key
is not written down either.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_plus, urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

from api.problems import problem
from engine.lang import say

KEY_PARAMS = frozenset({"key"})
# Python reads only `&` between parameters, but some servers and proxies read `;` too: a
# `?as_of=…;key=K` holds a key all the same.
QUERY_SEPARATORS = "&;"


def holds_key(query: str) -> bool:
    """Whether any parameter, split on `&` or `;`, is named `key` in any case or encoding."""
    parts = re.split(f"[{QUERY_SEPARATORS}]", query)
    return any(
        unquote_plus(part.partition("=")[0]).strip().casefold() in KEY_PARAMS for part in parts
    )


class RefuseKeyInUrl:
    """Any request with a key in its query string: 400, whatever the route."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and holds_key(scope.get("query_string", b"").decode("latin-1")):
            refusal = problem(
                400,
                say(
                    "密钥不能放在网址里（网址会留在浏览器历史和日志中）："
                    "脚本请用 X-API-Key 请求头，浏览器请在 /login 登录",
                    "a key never goes in a URL (URLs stay in browser history and logs): "
                    "send it as the X-API-Key header, or log in at /login",
                ),
            )
            await refusal(scope, receive, send)
            return
        await self.app(scope, receive, send)


def local_path(wanted: str | None, fallback: str = "/") -> str:
    """`wanted` if it is a path on this server, else `fallback`: a redirect never leaves the
    site. Browsers read `//host`, `/\\host` and a path with a tab or newline in it (which they
    drop) as another site, so all of those are refused."""
    if (
        not wanted
        or not wanted.startswith("/")
        or wanted.startswith("//")
        or "\\" in wanted
        or any(ord(char) < 0x21 or ord(char) == 0x7F for char in wanted)
    ):
        return fallback
    parts = urlsplit(wanted)
    return wanted if not parts.scheme and not parts.netloc else fallback
