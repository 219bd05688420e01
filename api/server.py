"""Serving the API under uvicorn, with an access log that never holds a key, and limits on
what a connection may hold (issue 11).

A key in a URL is refused (`api.urls`), but the request is logged all the same: its key is
blanked in the log line, so a key pasted into an address bar is not written down.

A connection that does not finish its request's head within the header time is closed, so
thousands of slow sockets (slowloris) cannot stay open; between requests the keep-alive time
applies; beyond the connection limit uvicorn answers 503.
"""

from __future__ import annotations

import copy
import logging
import math
import re
from typing import Any
from urllib.parse import unquote_plus

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
    """Uvicorn's h11 protocol, with a new connection's head timed as an idle one is: uvicorn
    starts its keep-alive timer only after a first answer, and stops it only when a whole head
    has arrived, so the same timer started at once bounds a slow first head too."""

    class TimedHeads(H11Protocol):
        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self.timeout_keep_alive_task = self.loop.call_later(
                header_seconds, self.timeout_keep_alive_handler
            )

    return TimedHeads


def run(backend: Backend, keys: KeyRing, host: str, port: int, settings: Settings) -> None:
    limits = settings.limits
    app = create_app(backend, keys, settings.sessions, limits)
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
