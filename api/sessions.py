"""Browser sessions: the key typed once on the login page, then a random token in a cookie.

Sessions live in this process's memory only: a restart logs everyone out, which is the safe
side. Each ends after a spell of idleness or at the end of its lifetime, whichever comes
first. Failed logins are counted per client, so a key cannot be guessed at speed.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from engine.settings import seconds

if TYPE_CHECKING:  # api.auth finds a page's caller by its session
    from api.auth import Principal

COOKIE = "gridchain_session"
IDLE_ENV = "GRIDCHAIN_SESSION_IDLE_SECONDS"
LIFETIME_ENV = "GRIDCHAIN_SESSION_LIFETIME_SECONDS"

Clock = Callable[[], float]


@dataclass(frozen=True)
class SessionSettings:
    idle_seconds: float = 8 * 3600
    lifetime_seconds: float = 12 * 3600
    most: int = 10_000  # sessions held at once; the least recently used goes first

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> SessionSettings:
        """The settings `gridchain serve` reads at start; a bad value stops it there."""
        return cls(
            idle_seconds=seconds(environ, IDLE_ENV, cls.idle_seconds),
            lifetime_seconds=seconds(environ, LIFETIME_ENV, cls.lifetime_seconds),
        )


@dataclass
class Session:
    principal: Principal
    started: float
    last_seen: float


def digest(token: str) -> bytes:
    # Sessions are found by the token's hash, so a lookup's timing tells nothing of the tokens.
    return hashlib.sha256(token.encode("utf-8", "replace")).digest()


class Sessions:
    """The open sessions of this process, by token; safe to use from any thread."""

    def __init__(self, settings: SessionSettings, clock: Clock = time.monotonic) -> None:
        self.settings = settings
        self.clock = clock
        self.held: OrderedDict[bytes, Session] = OrderedDict()  # least recently used first
        self.lock = threading.Lock()

    def open(self, principal: Principal) -> str:
        token = secrets.token_urlsafe(32)
        now = self.clock()
        with self.lock:
            while len(self.held) >= self.settings.most:
                self.held.popitem(last=False)
            self.held[digest(token)] = Session(principal, started=now, last_seen=now)
        return token

    def find(self, token: str) -> Principal | None:
        """The principal of a live session; an expired one is dropped."""
        key = digest(token)
        now = self.clock()
        with self.lock:
            session = self.held.get(key)
            if session is None:
                return None
            if (
                now - session.last_seen > self.settings.idle_seconds
                or now - session.started > self.settings.lifetime_seconds
            ):
                del self.held[key]
                return None
            session.last_seen = now
            self.held.move_to_end(key)
            return session.principal

    def close(self, token: str) -> None:
        with self.lock:
            self.held.pop(digest(token), None)


class FailedLogins:
    """Wrong keys per client over the last `window` seconds; at `most`, logins are refused
    until the oldest failure leaves the window."""

    def __init__(
        self,
        most: int = 10,
        window: float = 60.0,
        clients: int = 10_000,
        clock: Clock = time.monotonic,
    ) -> None:
        self.most = most
        self.window = window
        self.clients = clients
        self.clock = clock
        self.failures: OrderedDict[str, deque[float]] = OrderedDict()
        self.lock = threading.Lock()

    def blocked(self, client: str) -> bool:
        now = self.clock()
        with self.lock:
            times = self.failures.get(client)
            if times is None:
                return False
            while times and now - times[0] > self.window:
                times.popleft()
            if not times:
                del self.failures[client]
            return len(times) >= self.most

    def failed(self, client: str) -> None:
        with self.lock:
            times = self.failures.pop(client, None) or deque(maxlen=self.most)
            times.append(self.clock())
            self.failures[client] = times  # the most recent client last
            while len(self.failures) > self.clients:
                self.failures.popitem(last=False)

    def succeeded(self, client: str) -> None:
        with self.lock:
            self.failures.pop(client, None)
