"""A full disk (issue 11): a write it refuses answers 507 Insufficient Storage, not 500, and
`/health` says the store cannot be written until a write gets through again.

A store knows it is full only when a write fails (SQLite commits into room it already has), so
the server remembers the last write's outcome rather than probing with writes of its own.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass
from urllib.parse import parse_qsl

from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import problems
from engine.errors import StoreFull
from engine.lang import say

INSUFFICIENT_STORAGE = 507


@dataclass
class StoreState:
    writable: bool = True


def disk_full(error: BaseException | None) -> bool:
    return isinstance(error, OSError) and error.errno == errno.ENOSPC


def no_room() -> StoreFull:
    """A file the server writes (an upload on its way in) that found the disk full."""
    return StoreFull(
        say(
            "磁盘已满，未写入任何内容；请腾出空间后再试",
            "the disk is full, nothing was written: make room and try again",
        ),
    )


async def on_store_full(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StoreFull)
    return problems.problem(INSUFFICIENT_STORAGE, str(exc))


async def on_http_error(request: Request, exc: Exception) -> JSONResponse:
    """An upload the disk had no room for while it was being received: FastAPI's "cannot parse
    the body" (400), caused by the full disk."""
    if disk_full(exc.__cause__):
        return problems.problem(INSUFFICIENT_STORAGE, str(no_room()))
    return await problems.on_http_error(request, exc)


class WatchWrites:
    """Remembers whether the last write got through: a 507 says not; an acknowledged write
    (a 2xx answer to a POST that is not a dry run) says it did."""

    def __init__(self, app: ASGIApp, state: StoreState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or dry_run(scope):
            await self.app(scope, receive, send)
            return

        async def send_watched(message: Message) -> None:
            if message["type"] == "http.response.start":
                status = message["status"]
                if status == INSUFFICIENT_STORAGE:
                    self.state.writable = False
                elif 200 <= status < 300:
                    self.state.writable = True
            await send(message)

        await self.app(scope, receive, send_watched)


def dry_run(scope: Scope) -> bool:
    query = scope.get("query_string", b"").decode("latin-1")
    return any(
        name == "dry_run" and value.lower() in ("1", "true", "yes", "on")
        for name, value in parse_qsl(query)
    )
