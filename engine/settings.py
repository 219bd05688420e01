"""Every setting of a process, read from one environment and checked when it starts.

Each area keeps the settings it uses (the issue policy, the sessions, Neo4j, the language, the
time zone, the server's limits, how often monitored households are visited) and reads them from
a mapping of variables; `load` reads them all at once, so `gridchain serve` refuses to start on
a bad value, naming it, rather than answering a request with it later. A short command parses
only what it needs, so this module imports no area at load time (and nothing heavy at all).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from engine.errors import GridchainError, say

if TYPE_CHECKING:  # read by `load` only, so a short command does not import them
    import datetime as dt

    from api.sessions import SessionSettings
    from engine.backends.neo4j.settings import Neo4jSettings
    from engine.issues import IssuePolicy
    from engine.lang import Lang

MIB = 2**20


class SettingsError(GridchainError):
    """A variable of the environment holds a value its setting cannot take."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name


def refused(name: str, value: str, expected_zh: str, expected_en: str) -> SettingsError:
    """`NAME='value': expected …`, in the current language."""
    return SettingsError(
        name,
        say(f"{name}={value!r}：应为{expected_zh}", f"{name}={value!r}: expected {expected_en}"),
    )


def whole_number(environ: Mapping[str, str], name: str, default: int) -> int:
    """A positive whole number; not set or empty gives `default`."""
    text = environ.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise refused(name, text, "正整数", "a positive whole number")
    return int(text)


def seconds(environ: Mapping[str, str], name: str, default: float) -> float:
    """A positive number of seconds (a fraction is fine); not set or empty gives `default`."""
    text = environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value < float("inf"):
        raise refused(name, text, "正的秒数", "a positive number of seconds")
    return value


@dataclass(frozen=True)
class Limits:
    """What one request, one client and the whole server may take (issue 11). Every limit is a
    variable: GRIDCHAIN_ and the name in capitals, as `from_env` lists them."""

    upload_bytes: int = 50 * MIB  # the body of POST /datasets
    json_bytes: int = 64 * 2**10  # the body of any other write
    form_bytes: int = 16 * 2**10  # any other body: the login form
    query_seconds: float = 30.0  # a question not answered by then gets 503
    header_seconds: float = 10.0  # a new connection's first request head must arrive by then
    keep_alive_seconds: float = 5.0  # an idle connection between requests
    connections: int = 1000  # requests at once; beyond it uvicorn answers 503
    expensive_per_key: int = 8  # whole-area questions and uploads one key may have running

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Limits:
        return cls(
            upload_bytes=whole_number(environ, "GRIDCHAIN_MAX_UPLOAD_BYTES", cls.upload_bytes),
            json_bytes=whole_number(environ, "GRIDCHAIN_MAX_JSON_BYTES", cls.json_bytes),
            form_bytes=whole_number(environ, "GRIDCHAIN_MAX_FORM_BYTES", cls.form_bytes),
            query_seconds=seconds(environ, "GRIDCHAIN_QUERY_SECONDS", cls.query_seconds),
            header_seconds=seconds(environ, "GRIDCHAIN_HEADER_SECONDS", cls.header_seconds),
            keep_alive_seconds=seconds(
                environ, "GRIDCHAIN_KEEP_ALIVE_SECONDS", cls.keep_alive_seconds
            ),
            connections=whole_number(environ, "GRIDCHAIN_MAX_CONNECTIONS", cls.connections),
            expensive_per_key=whole_number(
                environ, "GRIDCHAIN_EXPENSIVE_PER_KEY", cls.expensive_per_key
            ),
        )


def visit_days(environ: Mapping[str, str]) -> dict[str, int]:
    """GRIDCHAIN_VISIT_DAYS: each monitored group's visit interval (engine.sweeps.visit_days)."""
    from engine.errors import BadQuery
    from engine.sweeps import VISIT_DAYS_SETTING
    from engine.sweeps import visit_days as parsed

    text = environ.get(VISIT_DAYS_SETTING)
    try:
        return parsed(text)
    except BadQuery as exc:
        shown = f"{VISIT_DAYS_SETTING}={text!r}"
        raise SettingsError(VISIT_DAYS_SETTING, say(f"{shown}：{exc}", f"{shown}: {exc}")) from None


@dataclass(frozen=True)
class Settings:
    lang: Lang
    zone: dt.tzinfo
    issues: IssuePolicy
    sessions: SessionSettings
    neo4j: Neo4jSettings
    limits: Limits
    visit_days: dict[str, int]


def load(environ: Mapping[str, str]) -> Settings:
    """All the settings `environ` gives; the first bad value raises its SettingsError."""
    from api.sessions import SessionSettings
    from engine import lang, zone
    from engine.backends.neo4j.settings import Neo4jSettings
    from engine.issues import IssuePolicy

    return Settings(
        lang=lang.from_env(environ),
        zone=zone.from_env(environ),
        issues=IssuePolicy.from_env(environ),
        sessions=SessionSettings.from_env(environ),
        neo4j=Neo4jSettings.from_env(environ),
        limits=Limits.from_env(environ),
        visit_days=visit_days(environ),
    )
