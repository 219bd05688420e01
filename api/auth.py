"""Who is calling: API keys from the keys file, each carrying one role (SPEC §8).

A key is a secret: it is compared in constant time, never kept in a `Principal`, never put in
an error message, and never logged (see `api.server`).
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import APIKeyHeader, APIKeyQuery, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from engine.errors import GridchainError
from engine.history import ORIGIN, Origin

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
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise KeyFileError(f"keys file {path}: {exc.strerror}") from exc
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise KeyFileError(f"keys file {path}: not JSON text ({exc})") from exc
        try:
            entries = KEYS_FILE.validate_python(raw)
        except ValidationError as exc:
            # Only places and messages: an error's input would print a key.
            reasons = "; ".join(
                f"entry {describe(error['loc'])}: {error['msg']}" for error in exc.errors()
            )
            raise KeyFileError(f"keys file {path}: {reasons}") from None
        keys = [entry.key for entry in entries]
        if len(set(keys)) != len(keys):
            raise KeyFileError(f"keys file {path}: the same key is given twice")
        if not keys:
            raise KeyFileError(f"keys file {path}: no keys, so nobody could call the API")
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
    index, *rest = loc
    place = str(index + 1) if isinstance(index, int) else str(index)
    # The second element of a discriminated union's location is the role tag: not a field.
    fields = [str(part) for part in rest[1:]] if rest else []
    return place + (f" field {'.'.join(fields)}" if fields else "")


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
query_key = APIKeyQuery(
    name="key",
    auto_error=False,
    description="The key in the URL; accepted by the HTML pages only, which a browser opens.",
)


# The dependencies below only look at memory: `async` keeps them on the event loop, where a
# plain function would cost a hop to the thread pool and back on every request.


def identify(keys: KeyRing, offered: str | None) -> Principal:
    if not offered:
        raise HTTPException(
            401,
            "an API key is required: send it as X-API-Key or Authorization: Bearer",
            headers={"WWW-Authenticate": "Bearer"},
        )
    principal = keys.lookup(offered)
    if principal is None:
        raise HTTPException(401, "unknown API key", headers={"WWW-Authenticate": "Bearer"})
    return principal


async def authenticate(
    request: Request,
    header: Annotated[str | None, Security(header_key)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(bearer_key)],
) -> Principal:
    keys: KeyRing = request.app.state.keys
    return claimed(request, identify(keys, header or (bearer.credentials if bearer else None)))


async def authenticate_page(
    request: Request,
    header: Annotated[str | None, Security(header_key)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(bearer_key)],
    in_url: Annotated[str | None, Security(query_key)],
) -> Principal:
    keys: KeyRing = request.app.state.keys
    offered = header or (bearer.credentials if bearer else None) or in_url
    return claimed(request, identify(keys, offered))


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
