"""Serving the API under uvicorn, with an access log that never holds a key, and limits on
what a connection may hold (issue 11).

A key in a URL is refused (`api.urls`), but the request is logged all the same: its key is
blanked in the log line, so a key pasted into an address bar is not written down.

A connection that does not finish its request's head within the header time is closed, so
thousands of slow sockets (slowloris) cannot stay open; between requests the keep-alive time
applies; beyond the connection limit uvicorn answers 503.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import math
import re
from typing import Any
from urllib.parse import unquote_plus

import h11
import uvicorn
import uvicorn.config
from uvicorn.protocols.http.h11_impl import H11Protocol

from api.app import create_app
from api.auth import KeyRing
from api.urls import KEY_PARAMS, QUERY_SEPARATORS
from engine.backends.base import Backend
from engine.settings import Settings

# A request head is a few headers; h11's own limit is 16 KiB, said here so it stays so.
MAX_HEAD_BYTES = 16 * 2**10
BLANKED = "%2A%2A%2A"  # `***`, as a URL writes it


def redact(target: str) -> str:
    """A request target with the value of every key parameter replaced (parameters split on
    `&` or `;`, their names decoded as a server would read them)."""
    path, mark, query = target.partition("?")
    if not mark:
        return target
    parts = re.split(f"([{QUERY_SEPARATORS}])", query)
    for index in range(0, len(parts), 2):
        name, equals, _ = parts[index].partition("=")
        if unquote_plus(name).strip().casefold() in KEY_PARAMS:
            parts[index] = f"{name}{equals}{BLANKED}"
    return f"{path}?{''.join(parts)}"


class RedactKeys(logging.Filter):
    """Uvicorn's access record is (client, method, target, http version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) == 5:
            client, method, target, http_version, status = record.args
            record.args = (client, method, redact(str(target)), http_version, status)
        return True


def log_config() -> dict[str, Any]:
    config: dict[str, Any] = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config.setdefault("filters", {})["redact_keys"] = {"()": RedactKeys}
    config["handlers"]["access"]["filters"] = ["redact_keys"]
    return config


def timed_heads(header_seconds: float) -> type[H11Protocol]:
    """Uvicorn's h11 protocol, with each request's head timed: uvicorn's keep-alive timer stops
    at the first byte that comes, so a head sent a byte at a time would keep it open forever."""

    class TimedHeads(H11Protocol):
        head_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            super().connection_made(transport)  # type: ignore[arg-type]
            self.time_head()

        def time_head(self) -> None:
            self.head_timer = self.loop.call_later(header_seconds, self.head_too_slow)

        def head_too_slow(self) -> None:
            if self.conn.their_state is h11.IDLE:  # still no whole head
                self.timeout_keep_alive_handler()  # closes the connection

        def handle_events(self) -> None:
            super().handle_events()
            if self.head_timer is not None and self.conn.their_state is not h11.IDLE:
                self.head_timer.cancel()
                self.head_timer = None

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
                self.time_head()  # the next request's head

        def connection_lost(self, exc: Exception | None) -> None:
            if self.head_timer is not None:
                self.head_timer.cancel()
            super().connection_lost(exc)

    return TimedHeads


def run(backend: Backend, keys: KeyRing, host: str, port: int, settings: Settings) -> None:
    limits = settings.limits
    app = create_app(backend, keys, settings.sessions, limits, settings.visit_days)
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_config=log_config(),
        http=timed_heads(limits.header_seconds),
        timeout_keep_alive=math.ceil(limits.keep_alive_seconds),
        limit_concurrency=limits.connections,
        h11_max_incomplete_event_size=MAX_HEAD_BYTES,
    )
