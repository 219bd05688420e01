"""Who is calling: API keys from the keys file, each carrying one role (SPEC §8).

A key is a secret: it is compared in constant time, never kept in a `Principal`, never put in
an error message, never taken from a URL, and never logged (see `api.server`). Scripts send it
in a header on every request; a browser sends it once to the login page and then carries a
session cookie (`api.sessions`), which only the HTML pages accept.
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import Depends, HTTPException, Request, Security
from fastapi.responses import RedirectResponse
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from api import sessions
from engine.errors import GridchainError
from engine.history import ORIGIN, Origin
from engine.lang import say

Role = Literal["inspector", "township_admin", "grid_member"]
MIN_KEY_LENGTH = 16


@dataclass(frozen=True)
class Principal:
    """The holder of a key: what it may read and write."""

    role: Role
    township: str | None = None  # a township admin's township
    person: str | None = None  # a grid member's person id


class KeyFileError(GridchainError):
    """The keys file cannot be used; the server refuses to start."""


class KeyEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=MIN_KEY_LENGTH)


class InspectorKey(KeyEntry):
    role: Literal["inspector"]


class TownshipAdminKey(KeyEntry):
    role: Literal["township_admin"]
    township: str = Field(min_length=1)


class GridMemberKey(KeyEntry):
    role: Literal["grid_member"]
    person: str = Field(min_length=1)


KEYS_FILE = TypeAdapter(
    list[Annotated[InspectorKey | TownshipAdminKey | GridMemberKey, Field(discriminator="role")]]
)


class KeyRing:
    def __init__(self, entries: list[tuple[str, Principal]]) -> None:
        self.entries = [(key.encode(), principal) for key, principal in entries]

    @classmethod
    def load(cls, path: Path) -> KeyRing:
        where = say(f"密钥文件 {path}", f"keys file {path}")
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise KeyFileError(f"{where}: {exc.strerror}") from exc
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise KeyFileError(
                f"{where}: " + say(f"不是 JSON 文本（{exc}）", f"not JSON text ({exc})")
            ) from exc
        try:
            entries = KEYS_FILE.validate_python(raw)
        except ValidationError as exc:
            # Only places and messages: an error's input would print a key.
            reasons = "; ".join(
                f"{describe(error['loc'])}: {error['msg']}" for error in exc.errors()
            )
            raise KeyFileError(f"{where}: {reasons}") from None
        keys = [entry.key for entry in entries]
        if len(set(keys)) != len(keys):
            raise KeyFileError(
                f"{where}: " + say("同一个密钥出现了两次", "the same key is given twice")
            )
        if not keys:
            raise KeyFileError(
                f"{where}: "
                + say("没有密钥，谁也无法调用 API", "no keys, so nobody could call the API")
            )
        return cls([(entry.key, principal_of(entry)) for entry in entries])

    def lookup(self, offered: str) -> Principal | None:
        candidate = offered.encode("utf-8", "replace")
        found: Principal | None = None
        # Every key is compared, so the time taken tells nothing about which one nearly matched.
        for key, principal in self.entries:
            if hmac.compare_digest(key, candidate) and found is None:
                found = principal
        return found


def describe(loc: tuple[int | str, ...]) -> str:
    """An entry of the keys file, and a field of it: `entry 2 field township`."""
    index, *rest = loc
    place = str(index + 1) if isinstance(index, int) else str(index)
    # The second element of a discriminated union's location is the role tag: not a field.
    field = ".".join(str(part) for part in rest[1:]) if rest else ""
    if not field:
        return say(f"第 {place} 项", f"entry {place}")
    return say(f"第 {place} 项的 {field} 字段", f"entry {place} field {field}")


def principal_of(entry: InspectorKey | TownshipAdminKey | GridMemberKey) -> Principal:
    if isinstance(entry, TownshipAdminKey):
        return Principal(role="township_admin", township=entry.township)
    if isinstance(entry, GridMemberKey):
        return Principal(role="grid_member", person=entry.person)
    return Principal(role="inspector")


header_key = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="An API key from the server's keys file."
)
bearer_key = HTTPBearer(auto_error=False, description="The same key as a bearer token.")


# The dependencies below only look at memory: `async` keeps them on the event loop, where a
# plain function would cost a hop to the thread pool and back on every request.


def identify(keys: KeyRing, offered: str | None) -> Principal:
    if not offered:
        raise HTTPException(
            401,
            say(
                "需要 API 密钥：请放在 X-API-Key 或 Authorization: Bearer 请求头中",
                "an API key is required: send it as X-API-Key or Authorization: Bearer",
            ),
            headers={"WWW-Authenticate": "Bearer"},
        )
    principal = keys.lookup(offered)
    if principal is None:
        raise HTTPException(
            401, say("未知的 API 密钥", "unknown API key"), headers={"WWW-Authenticate": "Bearer"}
        )
    return principal


def offered_key(header: str | None, bearer: HTTPAuthorizationCredentials | None) -> str | None:
    return header or (bearer.credentials if bearer else None)


async def authenticate(
    request: Request,
    header: Annotated[str | None, Security(header_key)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(bearer_key)],
) -> Principal:
    """A JSON route's caller: by its key alone. A session cookie counts for nothing here, so a
    page of another site cannot make a logged-in browser write through the API."""
    keys: KeyRing = request.app.state.keys
    return claimed(request, identify(keys, offered_key(header, bearer)))


class LoginRequired(Exception):
    """A page asked for without a key or a live session: the browser is sent to log in."""

    def __init__(self, wanted: str) -> None:
        super().__init__(wanted)
        self.wanted = wanted  # the path and query to come back to


async def authenticate_page(
    request: Request,
    header: Annotated[str | None, Security(header_key)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(bearer_key)],
) -> Principal:
    """A page's caller: a key in a header (scripts), else the browser's session."""
    offered = offered_key(header, bearer)
    if offered:
        return claimed(request, identify(request.app.state.keys, offered))
    live: sessions.Sessions = request.app.state.sessions
    token = request.cookies.get(sessions.COOKIE)
    principal = live.find(token) if token else None
    if principal is None:
        query = request.url.query
        raise LoginRequired(request.url.path + (f"?{query}" if query else ""))
    return claimed(request, principal)


async def to_login(request: Request, exc: Exception) -> RedirectResponse:
    assert isinstance(exc, LoginRequired)
    return RedirectResponse(f"/login?{urlencode({'next': exc.wanted})}", status_code=303)


def actor(caller: Principal) -> str:
    """Who a write is recorded as: a grid member's person, or a township's admin."""
    if caller.role == "grid_member" and caller.person is not None:
        return caller.person
    return f"{caller.role}:{caller.township}" if caller.township else caller.role


def claimed(request: Request, caller: Principal) -> Principal:
    """The caller, also as whom this request's changes are kept in the history (the route is
    where they come from; the request's task carries it to the thread that writes)."""
    ORIGIN.set(Origin(actor(caller), f"{request.method} {request.scope['path']}"))
    return caller


Caller = Annotated[Principal, Depends(authenticate)]
PageCaller = Annotated[Principal, Depends(authenticate_page)]
