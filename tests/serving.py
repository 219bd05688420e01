"""A real `gridchain serve` process on a free loopback port, for the HTTP tests and benchmark."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from counties import small

from engine.backends.memory import MemoryBackend
from engine.importer import validate
from engine.ledger import tables_from_rows

GRIDCHAIN = Path(sys.executable).parent / "gridchain"
STARTUP_SECONDS = 30

# The keys of the small county's test key file, by who holds them: random past their name,
# as long as a server accepts (api.auth.MIN_KEY_LENGTH).
KEYS = {
    "inspector": "inspector-ZXK1NcnIV0OMgy3JeJ1UghkeG2AT2lXP",
    "t1_admin": "t1-admin-GWSXPUsW4Nagu3qO7PxOgac7fA7_yoVy",
    "t2_admin": "t2-admin-8gaoiKWGPDGdg7JJ-KrRrP4n9fJOzWuU",
    "m1_member": "m1-member-9oK0dq8rDVS9r6g5Rf-AxDiF84MXvmWe",
}
KEY_FILE = [
    {"key": KEYS["inspector"], "role": "inspector"},
    {"key": KEYS["t1_admin"], "role": "township_admin", "township": "T1"},
    {"key": KEYS["t2_admin"], "role": "township_admin", "township": "T2"},
    {"key": KEYS["m1_member"], "role": "grid_member", "person": "M1"},
]


def small_county_store(folder: Path) -> Path:
    db = folder / "gridchain.db"
    backend = MemoryBackend(db)
    backend.store(validate(tables_from_rows(small()), backend.known_labels))
    backend.close()
    return db


def key_file(folder: Path) -> Path:
    path = folder / "keys.json"
    path.write_text(json.dumps(KEY_FILE), encoding="utf-8")
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Server:
    """`gridchain --db DB serve` as a child process; its output goes to `log`. `env` adds to
    its environment (the session settings, say)."""

    def __init__(self, db: Path, keys: Path, log: Path, env: dict[str, str] | None = None) -> None:
        self.db = db
        self.keys = keys
        self.log = log
        self.env = env or {}
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.lang: str | None = None  # the Accept-Language its clients send, if any

    def speaking(self, lang: str) -> Server:
        """Its clients ask for `lang` from now on (tests of English texts)."""
        self.lang = lang
        return self

    def start(self) -> Server:
        command = [str(GRIDCHAIN), "--db", str(self.db), "serve", "--port", str(self.port)]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [*command, "--keys", str(self.keys)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "GRIDCHAIN_BACKEND": "memory", **self.env},
            )
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gridchain serve exited: {self.log.read_text()}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError(f"gridchain serve did not answer in {STARTUP_SECONDS} s")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=15)
        self.process = None

    def client(self, key: str | None = None, bearer: bool = False) -> httpx.Client:
        headers = {}
        if key is not None:
            headers = {"Authorization": f"Bearer {key}"} if bearer else {"X-API-Key": key}
        if self.lang is not None:
            headers["Accept-Language"] = self.lang
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    @contextmanager
    def browser(self, key: str) -> Iterator[httpx.Client]:
        """A client logged in as a browser is: through the login form, holding the session
        cookie and no key."""
        with self.client() as client:
            response = client.post("/login", data={"key": key})
            if response.status_code != 303:
                raise RuntimeError(f"login refused: {response.status_code}")
            yield client
