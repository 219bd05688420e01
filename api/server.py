"""Serving the API under uvicorn, with an access log that never holds a key.

A key in a URL is refused (`api.urls`), but the request is logged all the same: its key is
blanked in the log line, so a key pasted into an address bar is not written down.
"""

from __future__ import annotations

import copy
import logging
import os
from typing import Any
from urllib.parse import parse_qsl, urlencode

import uvicorn
import uvicorn.config

from api.app import create_app
from api.auth import KeyRing
from api.sessions import SessionSettings
from api.urls import KEY_PARAMS
from engine.backends.base import Backend


def redact(target: str) -> str:
    """A request target with the value of every key parameter replaced."""
    path, mark, query = target.partition("?")
    if not mark:
        return target
    pairs = parse_qsl(query, keep_blank_values=True)
    if not any(name in KEY_PARAMS for name, _ in pairs):
        return target
    shown = [(name, "***" if name in KEY_PARAMS else value) for name, value in pairs]
    return f"{path}?{urlencode(shown)}"


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


def run(backend: Backend, keys: KeyRing, host: str, port: int) -> None:
    app = create_app(backend, keys, SessionSettings.from_env(os.environ))
    uvicorn.run(app, host=host, port=port, log_config=log_config())
