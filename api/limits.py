"""What one request and one key may take (issue 11): pure ASGI middleware, so each check is made
before FastAPI reads a body or a route starts its work.

- A body is read only from a caller with a known key (the login form and the logout button
  excepted: they carry no key), and only up to its route's limit: a `Content-Length` over it
  is refused at once, a streamed body when it passes it. A refusal made before the body has
  all arrived closes the connection, so the rest of it is never read.
- A question that has not started its answer within the time limit gets 503 with Retry-After;
  its work goes on in the background and its answer is dropped.
- A key runs only so many whole-area questions and uploads at once; 429 beyond them.
- An answer to a caller with credentials is never kept by a cache (it may name people).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import re
from collections.abc import Awaitable, Callable

from fastapi import HTTPException
from fastapi.security.utils import get_authorization_scheme_param
from starlette.datastructures import Headers
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import sessions
from api.auth import KeyRing, identify
from api.problems import problem
from engine.lang import say
from engine.settings import MIB, Limits

UPLOADS = "/datasets"
KEYLESS_FORMS = frozenset({"/login", "/logout"})  # the pages' forms: a typed key, a cookie
UNTIMED = frozenset({"/health"})  # a probe says how the server is, never "try later"
# Whole-area questions and uploads: each takes a core, or the disk, for a while.
EXPENSIVE = (
    ("GET", re.compile(r"/|/(gaps|stats|issues|people/[^/]+/coverage)")),
    ("GET", re.compile(r"/view/(townships|kinds|gaps|report|people/[^/]+/coverage)")),
    ("POST", re.compile(re.escape(UPLOADS))),
)
CLOSE = (b"connection", b"close")

log = logging.getLogger("uvicorn.error")


def offered_key(headers: Headers) -> str | None:
    """The key as api.auth reads it: X-API-Key, else a bearer token."""
    scheme, credentials = get_authorization_scheme_param(headers.get("authorization"))
    bearer = credentials if scheme.lower() == "bearer" else None
    return headers.get("x-api-key") or bearer or None


def has_body(headers: Headers) -> bool:
    return "transfer-encoding" in headers or headers.get("content-length", "0") != "0"


def shown_size(size: int) -> str:
    return f"{size / MIB:g} MiB" if size >= MIB else f"{size / 2**10:g} KiB"


def too_large(most: int) -> HTTPException:
    shown = shown_size(most)
    return HTTPException(
        413, say(f"请求内容不能超过 {shown}", f"the request body is limited to {shown}")
    )


class GuardBodies:
    """The key first, then at most the route's bytes (SPEC §8)."""

    def __init__(self, app: ASGIApp, keys: KeyRing, limits: Limits) -> None:
        self.app = app
        self.keys = keys
        self.limits = limits

    def most_bytes(self, method: str, path: str) -> int:
        if path == UPLOADS and method == "POST":
            return self.limits.upload_bytes
        if path in KEYLESS_FORMS or method in ("GET", "HEAD"):
            return self.limits.form_bytes
        return self.limits.json_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = Headers(scope=scope) if scope["type"] == "http" else None
        if headers is None or not has_body(headers):
            await self.app(scope, receive, send)
            return
        path, method = scope["path"], scope["method"]
        most = self.most_bytes(method, path)
        try:
            if path not in KEYLESS_FORMS and method not in ("GET", "HEAD"):
                identify(self.keys, offered_key(headers))  # 401 unless the key is known
            declared = headers.get("content-length")
            if declared is not None and (not declared.isdigit() or int(declared) > most):
                raise too_large(most)
        except HTTPException as refusal:
            answer = problem(
                refusal.status_code,
                str(refusal.detail),
                headers={**(refusal.headers or {}), "Connection": "close"},
            )
            await answer(scope, receive, send)
            return
        await self.app(scope, *counted(receive, send, most))


def counted(receive: Receive, send: Send, most: int) -> tuple[Receive, Send]:
    """`receive`, refusing a body once it passes `most` bytes (the route answers 413); `send`,
    closing the connection when the answer starts before the body has all been read."""
    taken = 0
    whole = False

    async def receive_counted() -> Message:
        nonlocal taken, whole
        message = await receive()
        if message["type"] == "http.request":
            taken += len(message.get("body", b""))
            whole = not message.get("more_body", False)
            if taken > most:
                raise too_large(most)
        return message

    async def send_closing(message: Message) -> None:
        if message["type"] == "http.response.start" and not whole:
            message = {**message, "headers": [*message.get("headers", []), CLOSE]}
        await send(message)

    return receive_counted, send_closing


def holder(scope: Scope) -> bytes | None:
    """Whose request it is, as a digest: its key, else its session."""
    connection = HTTPConnection(scope)
    credential = offered_key(connection.headers) or connection.cookies.get(sessions.COOKIE)
    return hashlib.sha256(credential.encode("utf-8", "replace")).digest() if credential else None


class PerKeyLimit:
    """Each key's expensive requests, counted until their work ends (a timed-out question's
    included): all on the event loop, so no lock."""

    def __init__(self, app: ASGIApp, limits: Limits) -> None:
        self.app = app
        self.most = limits.expensive_per_key
        self.running: dict[bytes, int] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        who = holder(scope) if scope["type"] == "http" and expensive(scope) else None
        if who is None:
            await self.app(scope, receive, send)
            return
        if self.running.get(who, 0) >= self.most:
            refusal = problem(
                429,
                say(
                    f"同一密钥最多同时进行 {self.most} 个全区查询或上传，请等前面的完成",
                    f"one key may run {self.most} area-wide questions or uploads at once: "
                    "wait for those running",
                ),
                headers={"Retry-After": "1"},
            )
            await refusal(scope, receive, send)
            return
        self.running[who] = self.running.get(who, 0) + 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.running[who] -= 1
            if not self.running[who]:
                del self.running[who]


def expensive(scope: Scope) -> bool:
    method, path = scope["method"], scope["path"]
    return any(method == wanted and pattern.fullmatch(path) for wanted, pattern in EXPENSIVE)


class TimeLimit:
    """A question (GET) answers within `query_seconds` or gets 503. A thread cannot be stopped,
    so the route runs on as a task of its own and whatever it sends after is dropped."""

    def __init__(self, app: ASGIApp, limits: Limits) -> None:
        self.app = app
        self.seconds = limits.query_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in ("GET", "HEAD")
            or scope["path"] in UNTIMED
        ):
            await self.app(scope, receive, send)
            return
        started = asyncio.Event()
        late = False

        async def send_in_time(message: Message) -> None:
            if late:
                return
            started.set()
            await send(message)

        work = asyncio.ensure_future(self.app(scope, receive, send_in_time))
        answering = asyncio.ensure_future(started.wait())
        done, _ = await asyncio.wait(
            {work, answering}, timeout=self.seconds, return_when=asyncio.FIRST_COMPLETED
        )
        answering.cancel()
        if done:
            await work
            return
        late = True
        work.add_done_callback(forget)
        await self.overdue(scope, receive, send)

    def overdue(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        wait = math.ceil(self.seconds)
        refusal = problem(
            503,
            say(
                f"查询 {self.seconds:g} 秒内没有完成；请缩小范围或稍后再试",
                f"the question was not answered within {self.seconds:g} s: "
                "narrow it, or try again later",
            ),
            headers={"Retry-After": str(wait)},
        )
        return refusal(scope, receive, send)


def forget(work: asyncio.Future[None]) -> None:
    """A timed-out question's end: its answer is gone, but not a bug it hit."""
    if not work.cancelled() and work.exception() is not None:
        log.error("a timed-out request failed", exc_info=work.exception())


class NoStore:
    """`Cache-Control: no-store` on every answer to a caller with a key or a session, unless
    the route chose its own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or holder(scope) is None:
            await self.app(scope, receive, send)
            return
        await self.app(scope, receive, no_store(send))


def no_store(send: Send) -> Callable[[Message], Awaitable[None]]:
    async def send_no_store(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            if not any(name.lower() == b"cache-control" for name, _ in headers):
                headers.append((b"cache-control", b"no-store"))
            message = {**message, "headers": headers}
        await send(message)

    return send_no_store
