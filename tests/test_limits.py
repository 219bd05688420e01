"""What a request, a key and a connection may take (issue 11, items 1, 9, 10 and 12), through
the real `gridchain serve`: raw sockets where the point is what the server does before a body
has arrived, or with a head that never ends.
"""

from __future__ import annotations

import io
import json
import os
import select
import shutil
import socket
import subprocess
import threading
import zipfile
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path

import httpx
import pytest
from serving import KEYS, Server, key_file, small_county_store

# Servers, many processes or large inputs: the quick subset (-m 'not slow') leaves it out.
pytestmark = pytest.mark.slow

AS_OF = "2024-06-01"
MIB = 2**20
GIB = 2**30
UPLOAD_LIMIT = MIB
JSON_LIMIT = 4096


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("limits")


@pytest.fixture(scope="module")
def spool(folder: Path) -> Path:
    """The server's temporary folder, where an upload would be spooled."""
    path = folder / "tmp"
    path.mkdir()
    return path


@pytest.fixture(scope="module")
def server(folder: Path, spool: Path) -> Iterator[Server]:
    env = {
        "GRIDCHAIN_MAX_UPLOAD_BYTES": str(UPLOAD_LIMIT),
        "GRIDCHAIN_MAX_JSON_BYTES": str(JSON_LIMIT),
        "GRIDCHAIN_HEADER_SECONDS": "0.5",
        "GRIDCHAIN_EXPENSIVE_PER_KEY": "1",
        "TMPDIR": str(spool),
    }
    running = Server(
        small_county_store(folder), key_file(folder), folder / "server.log", env
    ).start()
    yield running
    running.stop()


# ---- raw HTTP/1.1 ---------------------------------------------------------------------------


def connect(server: Server) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=30)


def head(method: str, path: str, headers: dict[str, str]) -> bytes:
    lines = [
        f"{method} {path} HTTP/1.1",
        "Host: gridchain",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


class Answer:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    def json(self) -> dict[str, object]:
        found: dict[str, object] = json.loads(self.body)
        return found


def read_answer(sock: socket.socket) -> Answer:
    """One response (a 100 Continue is one too): status, headers in lower case, body."""
    data = b""
    while b"\r\n\r\n" not in data:
        more = sock.recv(65536)
        assert more, f"the server hung up before answering: {data!r}"
        data += more
    top, _, rest = data.partition(b"\r\n\r\n")
    status_line, *lines = top.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        more = sock.recv(65536)
        assert more, "the server hung up inside its answer"
        rest += more
    return Answer(int(status_line.split()[1]), headers, rest[:length])


def chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


def stream(sock: socket.socket, most: int) -> int:
    """Send up to `most` bytes of chunked body; how many went before the server hung up."""
    piece = chunk(b"x" * MIB)
    sent = 0
    try:
        while sent < most:
            sock.sendall(piece)
            sent += MIB
    except (BrokenPipeError, ConnectionResetError):
        pass
    return sent


def answered_while_streaming(sock: socket.socket, most: int) -> tuple[Answer, int]:
    """The answer, read while the body streams (the server may hang up on a body it will not
    read, and what it said must be read before that)."""
    answer: Future[Answer] = Future()
    reader = threading.Thread(target=lambda: answer.set_result(read_answer(sock)))
    reader.start()
    sent = stream(sock, most)
    reader.join(timeout=60)
    return answer.result(timeout=0), sent


def resident_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def bytes_under(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


MULTIPART = {"Content-Type": "multipart/form-data; boundary=limits"}


# ---- item 1: the key before any body; a body no bigger than its route's ----------------------


def test_a_keyless_gigabyte_upload_is_refused_before_its_body_is_read(
    server: Server, spool: Path
) -> None:
    assert server.process is not None
    before = resident_kib(server.process.pid)
    with connect(server) as sock:
        sock.sendall(head("POST", "/datasets", {**MULTIPART, "Transfer-Encoding": "chunked"}))
        refused = read_answer(sock)  # not one byte of the body has been sent
        assert refused.status == 401
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.headers["connection"] == "close"
        assert "API 密钥" in str(refused.json()["detail"])
        sent = stream(sock, GIB)
    assert sent < GIB  # the server hung up rather than read on
    assert resident_kib(server.process.pid) - before < 64 * 1024
    assert bytes_under(spool) == 0


def test_an_unknown_key_is_refused_before_a_json_body(server: Server) -> None:
    with connect(server) as sock:
        headers = {"X-API-Key": "not-a-key-of-this-server-0000", "Content-Length": str(GIB)}
        sock.sendall(head("POST", "/issues", {**headers, "Content-Type": "application/json"}))
        refused = read_answer(sock)
    assert refused.status == 401
    assert refused.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    ("path", "size", "headers"),
    [
        ("/datasets", UPLOAD_LIMIT + 1, MULTIPART),
        ("/datasets", 2 * GIB, MULTIPART),
        ("/issues", JSON_LIMIT + 1, {"Content-Type": "application/json"}),
    ],
    ids=["upload", "upload-2GiB", "json"],
)
def test_a_declared_length_over_the_limit_is_refused_at_once(
    server: Server, path: str, size: int, headers: dict[str, str]
) -> None:
    with connect(server) as sock:
        wanted = {**headers, "X-API-Key": KEYS["t1_admin"], "Content-Length": str(size)}
        sock.sendall(head("POST", path, wanted))
        refused = read_answer(sock)  # the body never comes
    assert refused.status == 413
    assert refused.headers["connection"] == "close"
    assert refused.json()["title"] == "内容过大"
    assert "MiB" in str(refused.json()["detail"]) or "KiB" in str(refused.json()["detail"])


def test_a_streamed_upload_stops_at_the_limit(server: Server, spool: Path) -> None:
    with connect(server) as sock:
        wanted = {**MULTIPART, "Transfer-Encoding": "chunked", "X-API-Key": KEYS["t1_admin"]}
        sock.sendall(head("POST", "/datasets", wanted))
        sock.sendall(chunk(b'--limits\r\nContent-Disposition: form-data; name="file"; '))
        sock.sendall(chunk(b'filename="big.zip"\r\nContent-Type: application/zip\r\n\r\n'))
        refused, sent = answered_while_streaming(sock, 64 * MIB)
    assert refused.status == 413, refused.body
    assert "1 MiB" in str(refused.json()["detail"])
    assert sent < 64 * MIB
    assert bytes_under(spool) == 0


def test_a_streamed_json_body_stops_at_the_limit(server: Server) -> None:
    body = iter([b'{"note": "', b"x" * JSON_LIMIT, b'"}'])
    with server.client(KEYS["t1_admin"]) as admin:
        refused = admin.post("/issues", content=body, headers={"Content-Type": "application/json"})
    assert refused.status_code == 413
    assert refused.headers["content-type"] == "application/problem+json"


def test_a_body_within_the_limit_is_read(server: Server) -> None:
    with server.client(KEYS["t1_admin"]) as admin:
        taken = admin.post(
            "/issues", json={"target": "H3", "category": "dispute", "reported_by": "M2"}
        )
    assert taken.status_code == 201, taken.text


def test_the_login_form_needs_no_key(server: Server) -> None:
    with server.client() as browser:
        answer = browser.post("/login", data={"key": KEYS["inspector"]})
    assert answer.status_code == 303


# ---- item 9: pages, slow heads, one key's share -----------------------------------------------


def test_the_issue_list_comes_in_pages(server: Server) -> None:
    with server.client(KEYS["inspector"]) as inspector:
        whole = inspector.get("/issues", params={"as_of": AS_OF}).json()
        first = inspector.get("/issues", params={"as_of": AS_OF, "limit": 1}).json()
        second = inspector.get("/issues", params={"as_of": AS_OF, "limit": 1, "offset": 1}).json()
        too_many = inspector.get("/issues", params={"limit": 1001})
    total = len(whole["issues"])
    assert total >= 2
    assert set(whole) == {"as_of", "scope", "issues", "page"}  # the old keys stay
    assert whole["page"] == {"offset": 0, "limit": 100, "total": total}
    assert first["issues"] == whole["issues"][:1]
    assert second["issues"] == whole["issues"][1:2]
    assert first["page"] == {"offset": 0, "limit": 1, "total": total}
    assert too_many.status_code == 422


def test_a_slow_head_is_closed(server: Server) -> None:
    """Slowloris: the head trickles in, a header every tenth of a second, and never ends."""
    sockets = [connect(server) for _ in range(20)]
    try:
        for sock in sockets:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: gridchain\r\n")
        for sock in sockets:
            assert hung_up(sock)
    finally:
        for sock in sockets:
            sock.close()


def hung_up(sock: socket.socket, rounds: int = 300) -> bool:
    for _ in range(rounds):
        try:
            sock.sendall(b"X-Slow: still coming\r\n")
        except (BrokenPipeError, ConnectionResetError):
            return True
        readable, _, _ = select.select([sock], [], [], 0.1)
        if readable:
            try:
                return sock.recv(65536) == b""
            except ConnectionResetError:
                return True
    return False


def test_a_key_runs_one_expensive_request_at_a_time(server: Server) -> None:
    """(The server allows one here.) An upload is held open half-sent; meanwhile the same key's
    questions of a whole area are refused, another key's answered."""
    with connect(server) as sock:
        wanted = {
            **MULTIPART,
            "X-API-Key": KEYS["t1_admin"],
            "Content-Length": "1000",
            "Expect": "100-continue",
        }
        sock.sendall(head("POST", "/datasets", wanted))
        assert read_answer(sock).status == 100  # the route is reading the body now
        with server.client(KEYS["t1_admin"]) as admin:
            busy = admin.get("/gaps", params={"as_of": AS_OF})
        with server.client(KEYS["inspector"]) as inspector:
            assert inspector.get("/gaps", params={"as_of": AS_OF}).status_code == 200
        with server.client(KEYS["t1_admin"]) as admin:  # a point question is not counted
            assert admin.get("/trace/H3", params={"as_of": AS_OF}).status_code == 200
    assert busy.status_code == 429
    assert busy.headers["retry-after"] == "1"
    assert busy.json()["title"] == "请求过多"
    with server.client(KEYS["t1_admin"]) as admin:  # the upload ended with its connection
        asks = (admin.get("/gaps", params={"as_of": AS_OF}).status_code for _ in range(50))
        assert any(status == 200 for status in asks)


def test_a_question_over_the_time_limit_gets_503(tmp_path: Path) -> None:
    env = {"GRIDCHAIN_QUERY_SECONDS": "0.000001"}  # no question is answered in a microsecond
    server = Server(
        small_county_store(tmp_path), key_file(tmp_path), tmp_path / "server.log", env
    ).start()  # (/health, which it waits for, is not timed)
    try:
        with server.client(KEYS["inspector"]) as inspector:
            late = inspector.get("/gaps", params={"as_of": AS_OF})
            assert late.status_code == 503
            assert late.headers["retry-after"] == "1"
            assert late.headers["content-type"] == "application/problem+json"
            assert "秒内没有完成" in late.json()["detail"]
            # The server goes on answering: the late question finished in the background.
            assert inspector.get("/health").status_code == 200
    finally:
        server.stop()


# ---- item 10: no key in the log, no cache, no frame ---------------------------------------------


def test_a_key_after_a_semicolon_is_refused_and_never_logged(server: Server) -> None:
    secret = KEYS["t2_admin"]
    with server.client(KEYS["inspector"]) as inspector:
        refused = inspector.get(f"/stats?as_of={AS_OF};key={secret}")
        also = inspector.get(f"/stats?as_of={AS_OF};KEY={secret}")
    assert (refused.status_code, also.status_code) == (400, 400)
    log = server.log.read_text()
    assert ";key=%2A%2A%2A" in log
    assert secret not in log


def test_answers_to_a_key_are_never_cached(server: Server) -> None:
    with server.client(KEYS["inspector"]) as inspector:
        for path in ("/stats", "/residents/R1", "/issues", "/no/such"):
            assert inspector.get(path).headers["cache-control"] == "no-store", path


def test_pages_may_not_be_framed(server: Server) -> None:
    with server.client(KEYS["inspector"]) as inspector:
        page = inspector.get("/", params={"as_of": AS_OF})
    assert page.status_code == 200
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


# ---- item 12: a full disk ---------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MiB file system of its own (tmpfs: needs root), so it can be filled."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(disk)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"no small file system to fill: {mounted.stderr.strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=True)


def fill(disk: Path, name: str) -> Path:
    filler = disk / name
    with filler.open("wb", buffering=0) as out:
        try:
            while True:
                out.write(b"\0" * 4096)
                out.flush()
        except OSError:
            pass
    return filler


def zipped_units() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        rows = "".join(f"T{n},镇{n},township,C\n" for n in range(100_000))  # 2 MiB unpacked
        archive.writestr("units.csv", "id,name,level,parent_id\nC,县,county,\n" + rows)
    return buffer.getvalue()


def report(client: httpx.Client) -> httpx.Response:
    return client.post("/issues", json={"target": "H3", "category": "dispute", "reported_by": "M2"})


def upload(client: httpx.Client) -> httpx.Response:
    return client.post(
        "/datasets", files={"file": ("units.zip", zipped_units(), "application/zip")}
    )


def test_a_full_disk_answers_507_and_health_says_so(tmp_path: Path, small_disk: Path) -> None:
    db = small_disk / "gridchain.db"
    shutil.copy(small_county_store(tmp_path), db)
    spool = small_disk / "tmp"
    spool.mkdir()
    env = {"TMPDIR": str(spool)}
    server = Server(db, key_file(tmp_path), tmp_path / "server.log", env).start()
    try:
        with server.client(KEYS["t1_admin"]) as admin, server.client() as anonymous:
            assert anonymous.get("/health").json()["store"] == {"writable": True}
            # Python picks its temporary folder at first use, and skips one it cannot write
            # in: an upload while there is room makes it this disk's.
            assert upload(admin).status_code in (403, 422)  # unpacked, then refused
            fillers = [fill(small_disk, "filler")]
            # The store's log file may hold room from earlier writes: write until it is used.
            for _ in range(500):
                full = report(admin)
                if full.status_code != 201:
                    break
            assert full.status_code == 507, full.text
            assert full.headers["content-type"] == "application/problem+json"
            assert full.json()["title"] == "存储空间不足"
            assert "磁盘已满" in full.json()["detail"]
            fillers.append(fill(small_disk, "more"))  # what the failed write gave back
            unpacked = upload(admin)
            assert unpacked.status_code == 507, unpacked.text
            big = os.urandom(2 * MIB)  # past what is held in memory while it is received
            spooled = admin.post("/datasets", files={"file": ("big.zip", big, "application/zip")})
            assert spooled.status_code == 507, spooled.text
            health = anonymous.get("/health")
            assert health.status_code == 503
            assert health.json() == {
                "status": "degraded",
                "backend": "memory",
                "store": {"writable": False},
            }
            for filler in fillers:
                os.remove(filler)
            again = report(admin)
            assert again.status_code == 201, again.text
            assert anonymous.get("/health").json()["status"] == "ok"
    finally:
        server.stop()


def test_the_english_refusals(server: Server) -> None:
    with connect(server) as sock:
        headers = {"Content-Length": str(GIB), "Accept-Language": "en"}
        sock.sendall(head("POST", "/issues", {**headers, "X-API-Key": KEYS["t1_admin"]}))
        refused = read_answer(sock)
    assert refused.json()["title"] == "Request Entity Too Large"
    assert refused.json()["detail"] == "the request body is limited to 4 KiB"
    with httpx.Client(base_url=server.url, headers={"Accept-Language": "en"}) as anonymous:
        keyless = anonymous.post("/issues", json={})
    assert keyless.status_code == 401
    assert "an API key is required" in keyless.json()["detail"]
