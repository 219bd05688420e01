"""Who is calling: API keys from the keys file, each carrying one role (SPEC §8).

A key is a secret: it is compared in constant time, never kept in a `Principal`, never put in
an error message, never taken from a URL, and never logged (see `api.server`). Scripts send it
in a header on every request; a browser sends it once to the login page and then carries a
session cookie (`api.sessions`), which only the HTML pages accept.
"""

from __future__ import annotations

import hmac
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import Depends, HTTPException, Request, Security
from fastapi.responses import RedirectResponse
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from api import sessions
from engine.backends.base import Backend
from engine.errors import GridchainError
from engine.history import ORIGIN, Origin
from engine.lang import say

Role = Literal["inspector", "township_admin", "grid_member"]

# What a key must be for the server to start (SPEC §8). `gridchain keygen` makes one of 43
# random characters (256 bits). The rules refuse what people type instead: a key pasted from
# the documentation, a short one, and one whose characters repeat or come from one small set.
MIN_KEY_LENGTH = 32
# Fewer different characters than this is a pattern, not chance: a random key of 32 hex digits
# has fewer about once in ten thousand, one from `gridchain keygen` never.
MIN_DISTINCT_CHARACTERS = 10
# Length × log2 of the sets its characters come from (digits 10, lower case 26, upper case 26,
# other printable ASCII 32): a key of 32 hex digits has 165, one of digits only needs 39 of them.
MIN_KEY_BITS = 128
CHARACTER_SETS = (str.isdigit, str.islower, str.isupper)
SET_SIZES = (10, 26, 26)
OTHER_PRINTABLE = 32
# Every example key in the documentation and docker/keys.example.json carries this mark, so
# none of them can start a server (tests/test_keys.py holds them to it).
EXAMPLE_MARK = "change-me"


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

    key: str  # its strength is judged by `weakness`, in words that never show it


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
    def __init__(self, entries: list[tuple[str, Principal]], source: str = "") -> None:
        self.entries = [(key.encode(), principal) for key, principal in entries]
        self.source = source  # "keys file PATH", for what is wrong with an entry later

    @classmethod
    def load(cls, path: Path) -> KeyRing:
        """The keys of a keys file, each strong enough to serve with; whom they name is checked
        against the store by `require_stored_subjects`."""
        where = say(f"密钥文件 {path}", f"keys file {path}")
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise KeyFileError(f"{where}: {exc.strerror}") from exc
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise KeyFileError(
                f"{where}: " + say(f"不是 JSON 文本（{exc}）", f"not JSON text ({exc})")
            ) from exc
        if not isinstance(raw, list):
            raise KeyFileError(
                f"{where}: "
                + say(
                    f"应是一个 JSON 列表，每把密钥一项，而它是{json_kind(raw)}",
                    f"must be a JSON list with one entry per key, not {json_kind(raw)}",
                )
            )
        try:
            entries = KEYS_FILE.validate_python(raw)
        except ValidationError as exc:
            # Only places and messages: an error's input would print a key.
            reasons = "; ".join(
                f"{describe(error['loc'])}: {error['msg']}" for error in exc.errors()
            )
            raise KeyFileError(f"{where}: {reasons}") from None
        weak = [
            f"{describe((index,))}: {reason}"
            for index, entry in enumerate(entries)
            if (reason := weakness(entry.key)) is not None
        ]
        if weak:
            raise KeyFileError(f"{where}: " + "; ".join(weak))
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
        return cls([(entry.key, principal_of(entry)) for entry in entries], where)

    def require_stored_subjects(self, backend: Backend) -> None:
        """Every township and person a key names is stored as one: a key for a township that
        does not exist could otherwise create it."""
        labels = backend.known_labels(
            {name for _, p in self.entries for name in (p.township, p.person) if name is not None}
        )
        unknown = [
            f"{describe((index,))}: {reason}"
            for index, (_, principal) in enumerate(self.entries)
            if (reason := unknown_subject(principal, labels)) is not None
        ]
        if unknown:
            raise KeyFileError(f"{self.source}: " + "; ".join(unknown))

    def lookup(self, offered: str) -> Principal | None:
        candidate = offered.encode("utf-8", "replace")
        found: Principal | None = None
        # Every key is compared, so the time taken tells nothing about which one nearly matched.
        for key, principal in self.entries:
            if hmac.compare_digest(key, candidate) and found is None:
                found = principal
        return found


def weakness(key: str) -> str | None:
    """Why a key may not serve, or None; in words that never repeat any of it."""
    if not key.strip():
        return say("密钥是空白的", "the key is blank")
    if EXAMPLE_MARK in key.lower():
        return say(
            "这是文档中公开的示例密钥（含 change-me）：请用 gridchain keygen 生成自己的密钥",
            "a published example key (it holds change-me): make your own with gridchain keygen",
        )
    if not (key.isascii() and key.isprintable()) or any(char.isspace() for char in key):
        return say(
            "密钥只能由可打印的 ASCII 字符组成，不能含空格",
            "a key is printable ASCII characters without spaces",
        )
    if len(key) < MIN_KEY_LENGTH:
        return say(
            f"密钥短于 {MIN_KEY_LENGTH} 个字符",
            f"the key is shorter than {MIN_KEY_LENGTH} characters",
        )
    if len(set(key)) < MIN_DISTINCT_CHARACTERS:
        return say(
            f"密钥太容易猜：不同的字符少于 {MIN_DISTINCT_CHARACTERS} 个",
            f"the key is easy to guess: fewer than {MIN_DISTINCT_CHARACTERS} different characters",
        )
    if estimated_bits(key) < MIN_KEY_BITS:
        return say(
            f"密钥太容易猜：按长度和字符种类估计不到 {MIN_KEY_BITS} 位（只用数字时至少要 39 个）",
            f"the key is easy to guess: under {MIN_KEY_BITS} bits by its length and kinds of "
            "characters (digits alone need 39 of them)",
        )
    return None


def estimated_bits(key: str) -> float:
    """What guessing the key costs if its characters were drawn at random from the sets they
    come from: the most it can be worth."""
    alphabet = sum(
        size
        for belongs, size in zip(CHARACTER_SETS, SET_SIZES, strict=True)
        if any(map(belongs, key))
    )
    if any(not any(belongs(char) for belongs in CHARACTER_SETS) for char in key):
        alphabet += OTHER_PRINTABLE
    return len(key) * math.log2(alphabet)


def unknown_subject(principal: Principal, labels: dict[str, str]) -> str | None:
    """Why the township or person a key names cannot be the key's, or None."""
    if principal.township is not None and labels.get(principal.township) != "Township":
        return say(
            f"存储中没有乡镇 {principal.township!r}",
            f"no township {principal.township!r} in the store",
        )
    if principal.person is not None and labels.get(principal.person) != "Person":
        return say(
            f"存储中没有人员 {principal.person!r}", f"no person {principal.person!r} in the store"
        )
    return None


def json_kind(value: object) -> str:
    """What a JSON value is, in words: the top of a keys file that is not a list."""
    if isinstance(value, dict):
        return say("一个对象", "an object")
    if isinstance(value, str):
        return say("一个字符串", "a string")
    if value is None:
        return "null"
    return say("一个数值或布尔值", "a number or a boolean")


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
