"""Several processes on one store file (issue 8): two `gridchain serve` processes, the installed
CLI and an import, all on the same SQLite file. No acknowledged write is lost or silently
overwritten, a step that cannot apply any more is refused (HTTP 409 / exit 1), of concurrent
steps only one wins, and every reader answers the file's current state, never a stale copy.

Written against behaviour only: HTTP, the installed `gridchain` command and the `Backend`
interface; nothing here knows how a backend keeps or refreshes what it read."""

from __future__ import annotations

import datetime as dt
import json
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from counties import AS_OF, small
from serving import KEYS, Server, key_file, small_county_store
from test_api_issues import ENOUGH_STEPS, stream_steps
from test_cli import GRIDCHAIN, answer, clean_env, run

from engine import loop
from engine.backends.memory import MemoryBackend
from engine.errors import IssueConflict
from engine.importer import validate
from engine.issues import IssueChange, apply, color_change, history_of, now
from engine.ledger import tables_from_rows, write_folder

pytestmark = pytest.mark.slow

DAY = {"as_of": AS_OF.isoformat()}
Rows = dict[str, list[dict[str, str]]]
StartServer = Callable[[str], Server]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A store of the small county, new for each test."""
    return small_county_store(tmp_path)


@pytest.fixture
def serve(db: Path, tmp_path: Path) -> Iterator[StartServer]:
    """Start `gridchain serve` on the test's store, as many as asked; all stopped afterwards."""
    keys = key_file(tmp_path)
    running: list[Server] = []

    def start(name: str) -> Server:
        server = Server(db, keys, tmp_path / f"server-{name}.log")
        running.append(server)
        return server.start()

    yield start
    for server in running:
        server.stop()


def notes_of(timeline: list[dict[str, Any]]) -> list[str]:
    """The notes of an issue's steps in stored order (steps recorded here all carry one)."""
    return [e["note"] for e in timeline if e["event"] != "escalated" and e["note"] is not None]


def stored_timeline(db: Path, issue: str) -> list[dict[str, Any]]:
    """An issue's timeline as a new CLI process reads it from the file."""
    timeline: list[dict[str, Any]] = answer("trace", issue, db=db)["issue"]["timeline"]
    return timeline


def served_timeline(server: Server, issue: str) -> list[dict[str, Any]]:
    with server.client(KEYS["inspector"]) as client:
        response = client.get(f"/trace/{issue}")
    assert response.status_code == 200, response.text
    timeline: list[dict[str, Any]] = response.json()["issue"]["timeline"]
    return timeline


# ---- 1. no acknowledged write lost across processes ----------------------------------------

CLI_STEP: dict[str, Callable[[dict[str, Any]], list[str]]] = {
    "dispatch": lambda body: ["--department", body["department"]],
    "ack": lambda body: ["--department", body["department"]],
    "resolve": lambda body: ["--by", body["by"]],
    "feedback": lambda body: ["--satisfied" if body["satisfied"] else "--unsatisfied"],
}


def take_step(who: Server | Path, issue: str, path: str, body: dict[str, Any]) -> tuple[str, str]:
    """One step by a server (as T1's admin) or by a CLI process on the store file: ("ok", the
    issue's status after it) or ("refused", its current status); anything else fails."""
    if isinstance(who, Server):
        with who.client(KEYS["t1_admin"]) as client:
            response = client.post(f"/issues/{issue}/{path}", json=body)
        if response.status_code == 409:
            return "refused", response.json()["current_status"]
        assert response.status_code == 200, response.text
        return "ok", response.json()["status"]
    options = [*CLI_STEP[path](body), "--note", body["note"]]
    english = clean_env(GRIDCHAIN_LANG="en")  # the refusal names the status by its code
    result = run("issue", path, issue, *options, "--json", db=who, env=english)
    if result.returncode == 1:
        assert "Traceback" not in result.stderr, result.stderr
        return "refused", result.stderr.strip()
    assert result.returncode == 0, result.stderr
    status: str = json.loads(result.stdout)["status"]
    return "ok", status


def test_no_acknowledged_step_is_lost_between_two_servers_and_the_cli(
    db: Path, serve: StartServer
) -> None:
    """I1 is imported `dispatched` to 县民政局. Server A, the CLI and server B take turns; every
    step answered ok is in the stored timeline, in the order it was answered."""
    a, b = serve("a"), serve("b")
    steps: list[tuple[str, Server | Path, str, dict[str, Any], tuple[str, str]]] = [
        ("A", a, "dispatch", {"department": "县公安局"}, ("ok", "dispatched")),
        ("CLI", db, "ack", {"department": "县公安局"}, ("ok", "acknowledged")),
        # Server A dispatches again after the CLI's acknowledgement: a new step on top of it.
        ("A", a, "dispatch", {"department": "县卫健局"}, ("ok", "acknowledged")),
        # Server B must know that A called 县卫健局 in.
        ("B", b, "ack", {"department": "县卫健局"}, ("ok", "acknowledged")),
        ("CLI", db, "resolve", {"by": "县公安局"}, ("ok", "resolved")),
        # Resolved already: B's step cannot apply any more and is refused, not stored.
        ("B", b, "resolve", {"by": "县卫健局"}, ("refused", "resolved")),
        ("A", a, "feedback", {"satisfied": True}, ("ok", "closed")),
        ("CLI", db, "feedback", {"satisfied": False}, ("refused", "closed")),
    ]
    outcomes = []
    for n, (who, target, path, body, _) in enumerate(steps, start=1):
        outcome = take_step(target, "I1", path, {**body, "note": f"step {n} by {who}"})
        outcomes.append(outcome)
    acknowledged = [
        f"step {n} by {who}"
        for n, ((who, *_), (result, _)) in enumerate(zip(steps, outcomes, strict=True), start=1)
        if result == "ok"
    ]

    # Every step answered ok is stored, in order; nothing refused is.
    stored = stored_timeline(db, "I1")
    assert notes_of(stored) == acknowledged, outcomes
    # Both servers answer what the file holds.
    assert notes_of(served_timeline(a, "I1")) == notes_of(stored)
    assert notes_of(served_timeline(b, "I1")) == notes_of(stored)
    # Each step was judged against the stored state, not a process's own copy of it (a CLI
    # refusal is its one error line, which names the issue's status).
    judged = [
        (result, expected[1] if result == "refused" and expected[1] in said else said)
        for (result, said), (*_, expected) in zip(outcomes, steps, strict=True)
    ]
    assert judged == [expected for *_, expected in steps]


# ---- 2. of 20 resolves split over two servers, exactly one wins -----------------------------

RESOLVES = 20


def resolve_at_once(servers: list[Server], issue: str) -> list[tuple[int, dict[str, Any]]]:
    """RESOLVES resolutions of `issue`, half to each server, sent together; each answer's
    status code and body, by request number."""
    start = threading.Barrier(RESOLVES, timeout=60)

    def resolve(n: int) -> tuple[int, dict[str, Any]]:
        with servers[n % len(servers)].client(KEYS["t1_admin"]) as client:
            start.wait()
            response = client.post(
                f"/issues/{issue}/resolve", json={"by": "县民政局", "note": f"resolve {n}"}
            )
        return response.status_code, response.json()

    with ThreadPoolExecutor(max_workers=RESOLVES) as pool:
        return list(pool.map(resolve, range(RESOLVES)))


@pytest.mark.parametrize("acknowledged", ["before the servers start", "by the CLI meanwhile"])
def test_exactly_one_of_twenty_resolves_split_over_two_servers_wins(
    db: Path, serve: StartServer, acknowledged: str
) -> None:
    """I1 (imported `dispatched` to 县民政局) is acknowledged by a CLI process, then 20
    resolutions race, 10 through each server."""

    def acknowledge() -> None:
        ack = ("issue", "ack", "I1", "--department", "县民政局", "--note", "ack")
        assert answer(*ack, db=db)["status"] == "acknowledged"

    if acknowledged == "before the servers start":
        acknowledge()
    a, b = serve("a"), serve("b")
    if acknowledged == "by the CLI meanwhile":
        acknowledge()

    answers = resolve_at_once([a, b], "I1")
    codes = [code for code, _ in answers]
    assert sorted(codes) == [200] + [409] * (RESOLVES - 1), codes
    assert {body["current_status"] for code, body in answers if code == 409} == {"resolved"}
    [winner] = [f"resolve {n}" for n, (code, _) in enumerate(answers) if code == 200]
    # The file holds the winner's resolution, once; both servers answer the same.
    stored = stored_timeline(db, "I1")
    assert [e["event"] for e in stored].count("resolved") == 1
    assert notes_of(stored) == ["ack", winner]
    for server in (a, b):
        assert notes_of(served_timeline(server, "I1")) == ["ack", winner]


# ---- 3. a server sees what another process imported ----------------------------------------


# A household added to G2 (no member covers it) and M2 made H4's grid member from 2024-05-15.
NEW_HOUSEHOLD = {
    "id": "H12",
    "unit_id": "G2",
    "address": "H12号",
    "color": "green",
    "status": "normal",
    "points": "80",
}
NEW_ASSIGNMENT = {
    "person_id": "M2",
    "target_id": "H4",
    "role": "grid_member",
    "since": "2024-05-15",
    "until": "",
}


def household_rows(changed: dict[str, dict[str, str]]) -> list[dict[str, str]]:
    """Only the given households of the small county, with the given fields changed."""
    rows = {row["id"]: row for row in small()["households"]}
    return [{**rows[h], **fields} for h, fields in changed.items()]


def import_folder(folder: Path, rows: Rows) -> Path:
    """A data set of the small county's units and `rows`, written for `gridchain import
    --merge` (its files are partial updates)."""
    write_folder({"units": small()["units"], **rows}, folder)
    return folder


def holders_at(client: httpx.Client, node: str, as_of: str) -> set[tuple[str, str, str]]:
    """(unit, role, person) of every active assignment in a node's chain on `as_of`."""
    response = client.get(f"/units/{node}/accountability", params={"as_of": as_of})
    assert response.status_code == 200, response.text
    return {
        (level["unit"], held["role"], held["person"]["id"])
        for level in response.json()["chain"]
        for held in level["assignments"]
    }


def uncovered(client: httpx.Client) -> list[str]:
    response = client.get("/gaps", params={**DAY, "kind": "uncovered_household"})
    assert response.status_code == 200, response.text
    return [gap["id"] for gap in response.json()["gaps"]]


def color_at(client: httpx.Client, household: str) -> str:
    response = client.get(f"/households/{household}/color")
    assert response.status_code == 200, response.text
    color: str = response.json()["color"]
    return color


def test_a_server_answers_what_a_cli_import_changed(
    db: Path, serve: StartServer, tmp_path: Path
) -> None:
    """The import recolours H1, adds H12 (uncovered) to G2, assigns M2 to H4 from 2024-05-15
    and ends TV1's command of V1 on 2024-05-20."""
    server = serve("a")
    with server.client(KEYS["inspector"]) as client:
        # What the server answers before, so whatever it keeps is of the old state.
        assert client.get("/units/H12/accountability", params=DAY).status_code == 404
        assert uncovered(client) == ["H4"]
        assert ("V1", "commander", "TV1") in holders_at(client, "H4", DAY["as_of"])
        assert color_at(client, "H1") == "green"

        assignments = {(a["person_id"], a["target_id"]): a for a in small()["assignments"]}
        folder = import_folder(
            tmp_path / "changed",
            {
                "households": [*household_rows({"H1": {"color": "red"}}), NEW_HOUSEHOLD],
                "assignments": [
                    {**assignments[("TV1", "V1")], "until": "2024-05-20"},
                    NEW_ASSIGNMENT,
                ],
            },
        )
        result = run("import", folder, "--merge", db=db)
        assert result.returncode == 0, result.stderr

        # The server's next requests answer the imported state.
        new = client.get("/units/H12/accountability", params=DAY)
        assert new.status_code == 200, new.text
        assert [level["unit"] for level in new.json()["chain"]][:2] == ["H12", "G2"]
        assert uncovered(client) == ["H12"]
        assert color_at(client, "H1") == "red"
        now_held = holders_at(client, "H4", DAY["as_of"])
        assert ("H4", "grid_member", "M2") in now_held
        assert ("V1", "commander", "TV1") not in now_held
        # ...and as of a day before the changes, the old one.
        before = holders_at(client, "H4", "2024-05-01")
        assert ("H4", "grid_member", "M2") not in before
        assert ("V1", "commander", "TV1") in before


IMPORTED = {
    f"H{n}": {"color": color, "address": f"H{n}号（新）"}
    for n, color in zip(range(1, 6), ["orange", "red", "blue", "yellow", "red"], strict=True)
}
SERVER_COLOURED = {
    "H6": "t1_admin",
    "H7": "t1_admin",
    "H8": "t2_admin",
    "H9": "t2_admin",
    "H10": "t2_admin",
}
COLOURS = ["green", "blue", "yellow", "orange", "red"]
MAX_ROUNDS = 200


def address_of(who: dict[str, Any]) -> str:
    """A household's address: the name of the first level of its chain."""
    name: str = who["chain"][0]["name"]
    return name


def test_colour_writes_during_an_import_revert_nothing(
    db: Path, serve: StartServer, tmp_path: Path
) -> None:
    """A CLI import changes H1..H5 (colour and address) while the server colours H6..H10 over
    and over; then the server colours H1 once more. Afterwards H1 has the server's colour and
    the imported address, H2..H5 the imported values, H6..H10 the server's last colours."""
    server = serve("a")
    clients = {key: server.client(KEYS[key]) for key in ("t1_admin", "t2_admin", "inspector")}
    try:
        for household in [*IMPORTED, *SERVER_COLOURED]:  # read before: nothing stale may stay
            color_at(clients["inspector"], household)
        folder = import_folder(tmp_path / "recoloured", {"households": household_rows(IMPORTED)})
        last: dict[str, str] = {}
        importing = subprocess.Popen(
            [GRIDCHAIN, "--db", str(db), "import", str(folder), "--merge"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=clean_env(),
        )
        try:
            for rounds in range(MAX_ROUNDS):
                if rounds >= 2 and importing.poll() is not None:
                    break
                for household, key in SERVER_COLOURED.items():
                    colour = COLOURS[(rounds + len(household)) % len(COLOURS)]
                    response = clients[key].post(
                        f"/households/{household}/color", json={"color": colour}
                    )
                    assert response.status_code == 200, response.text
                    last[household] = colour
            _, err = importing.communicate(timeout=60)
        finally:
            if importing.poll() is None:
                importing.kill()
                importing.wait()
        assert importing.returncode == 0, err.decode()
        later = clients["t1_admin"].post("/households/H1/color", json={"color": "blue"})
        assert later.status_code == 200, later.text

        expected_colour = {h: v["color"] for h, v in IMPORTED.items()} | last | {"H1": "blue"}
        # What the file holds, read by a new CLI process...
        for household, colour in expected_colour.items():
            assert answer("color", household, db=db)["color"] == colour, household
        for household, values in IMPORTED.items():
            who = answer("who", household, "--as-of", DAY["as_of"], db=db)
            assert address_of(who) == values["address"], household
        # ...and what the server answers.
        for household, colour in expected_colour.items():
            assert color_at(clients["inspector"], household) == colour, household
        for household, values in IMPORTED.items():
            response = clients["inspector"].get(f"/units/{household}/accountability", params=DAY)
            assert address_of(response.json()) == values["address"], household
    finally:
        for client in clients.values():
            client.close()


# ---- 4. a backend never answers from a stale copy (the Backend interface, in one process) ----

BEFORE = dt.date(2024, 5, 1)


@pytest.fixture
def two_backends(db: Path) -> Iterator[tuple[MemoryBackend, MemoryBackend]]:
    """Two backends on one store file, as two processes would hold them."""
    first = MemoryBackend(db)
    second = MemoryBackend(db)
    yield first, second
    first.close()
    second.close()


def store_rows(backend: MemoryBackend, rows: Rows) -> None:
    backend.store(validate(tables_from_rows(rows), backend.known_labels))


def gap_ids(backend: MemoryBackend, as_of: dt.date, **wanted: Any) -> list[tuple[str, str]]:
    return [(g.kind, g.id) for g in backend.gaps(as_of, **wanted).gaps]


def test_a_backend_answers_an_import_through_another(
    two_backends: tuple[MemoryBackend, MemoryBackend],
) -> None:
    first, second = two_backends
    # Asked first, so whatever the first backend keeps is of the old state.
    assert ("H4", "grid_member", "M2") not in {
        (level.unit, held.role, held.person.id)
        for level in first.who("H4", AS_OF).chain
        for held in level.assignments
    }
    assert gap_ids(first, AS_OF, kind="uncovered_household") == [("uncovered_household", "H4")]
    assert "H4" not in {r.target for r in first.person("M2", AS_OF).responsibilities}
    assert first.trace("H4", AS_OF).path[0].person is None
    assert first.known_labels({"H12"}) == {}

    store_rows(second, {"households": [NEW_HOUSEHOLD], "assignments": [NEW_ASSIGNMENT]})

    assert ("H4", "grid_member", "M2") in {
        (level.unit, held.role, held.person.id)
        for level in first.who("H4", AS_OF).chain
        for held in level.assignments
    }
    assert gap_ids(first, AS_OF, kind="uncovered_household") == [("uncovered_household", "H12")]
    assert "H4" in {r.target for r in first.person("M2", AS_OF).responsibilities}
    step = first.trace("H4", AS_OF).path[0].person
    assert step is not None and step.id == "M2"
    assert first.known_labels({"H12"}) == {"H12": "Household"}
    assert first.who("H12", AS_OF).chain[0].unit == "H12"
    # As of a day before the new assignment starts, H4 is uncovered still.
    assert gap_ids(first, BEFORE, kind="uncovered_household") == [
        ("uncovered_household", "H12"),
        ("uncovered_household", "H4"),
    ]
    assert "H4" not in {r.target for r in first.person("M2", BEFORE).responsibilities}


def test_a_backend_answers_a_colour_set_through_another(
    two_backends: tuple[MemoryBackend, MemoryBackend],
) -> None:
    first, second = two_backends
    assert first.color_history("H2").color == "green"
    assert gap_ids(first, AS_OF, color="red") == [("unattended_high_risk", "H10")]

    second.record_color(color_change("H2", "red", "M1", now()))

    history = first.color_history("H2")
    assert (history.color, [c.by for c in history.changes]) == ("red", ["M1"])
    assert gap_ids(first, AS_OF, color="red") == [
        ("unattended_high_risk", "H10"),
        ("unattended_high_risk", "H2"),
    ]


def change(kind: str, department: str | None = None, note: str | None = None) -> IssueChange:
    return IssueChange("I1", kind, department, "test", now(), department, note)


def test_a_backend_answers_and_builds_on_an_issue_step_through_another(
    two_backends: tuple[MemoryBackend, MemoryBackend], db: Path
) -> None:
    first, second = two_backends
    today = dt.date.today()
    trace = first.trace("I1", today).issue
    assert trace is not None and trace.departments == ["县民政局"]
    assert first.issue("I1")[1] == []

    loop.transition(second, change("dispatched", "县公安局", "by the second"))

    issue, events = first.issue("I1")
    assert (issue.status, [e.note for e in events][-1:]) == ("dispatched", ["by the second"])
    trace = first.trace("I1", today).issue
    assert trace is not None and trace.departments == ["县民政局", "县公安局"]
    # The first builds its next step on the stored one: 县公安局 was called in.
    loop.transition(first, change("acknowledged", "县公安局", "by the first"))
    fresh = MemoryBackend(db)
    try:
        issue, events = fresh.issue("I1")
    finally:
        fresh.close()
    assert issue.status == "acknowledged"
    assert [(e.seq, e.kind, e.note) for e in events] == [
        (1, "reported", None),
        (2, "dispatched", None),
        (3, "dispatched", "by the second"),
        (4, "acknowledged", "by the first"),
    ]


def test_a_step_judged_on_an_old_read_is_refused_not_stored(
    two_backends: tuple[MemoryBackend, MemoryBackend], db: Path
) -> None:
    """The `record_transition(issue, events, seen)` contract across two backends: a step
    computed from `seen` events is refused once another backend stored one more."""
    first, second = two_backends
    issue, stored = first.issue("I1")
    updated, event = apply(history_of(issue, stored), change("dispatched", "县卫健局", "late"))
    seen = len(stored)

    loop.transition(second, change("dispatched", "县公安局", "first in"))

    with pytest.raises(IssueConflict):
        first.record_transition(updated, [event], seen)
    fresh = MemoryBackend(db)
    try:
        _, events = fresh.issue("I1")
    finally:
        fresh.close()
    assert [e.note for e in events] == [None, None, "first in"]


# ---- 5. a kill -9 of one writing server while the CLI writes too ----------------------------

MAX_CLI_WRITES = 30


def colour_from_the_cli(db: Path, acknowledged: list[str], stop: threading.Event) -> None:
    """Recolour H2 from new CLI processes until told to stop; every colour answered is kept."""
    for n in range(MAX_CLI_WRITES):
        if stop.is_set():
            return
        colour = COLOURS[n % len(COLOURS)]
        marked = answer("color", "H2", colour, "--by", "M1", db=db)
        assert marked["color"] == colour
        acknowledged.append(colour)


def test_a_kill_9_of_one_server_loses_nothing_any_process_acknowledged(
    db: Path, serve: StartServer
) -> None:
    """Server A streams issue steps (test_api_issues.stream_steps) while CLI processes recolour
    H2; A is killed -9 mid-stream. Server B, up all along, and the CLI then show every step A
    answered (none half-applied) and every colour the CLI answered."""
    a, b = serve("a"), serve("b")
    steps: dict[str, list[str]] = {}
    colours: list[str] = []
    stop = threading.Event()
    streaming = threading.Thread(target=stream_steps, args=(a, steps))
    colouring = threading.Thread(target=colour_from_the_cli, args=(db, colours, stop))
    streaming.start()
    colouring.start()
    try:
        for _ in range(6000):  # at most a minute
            if sum(map(len, steps.values())) >= ENOUGH_STEPS and len(colours) >= 2:
                break
            time.sleep(0.01)
        a.stop(signal.SIGKILL)
    finally:
        stop.set()
        streaming.join(timeout=30)
        colouring.join(timeout=120)
    assert sum(map(len, steps.values())) >= ENOUGH_STEPS
    assert len(colours) >= 2

    with b.client(KEYS["inspector"]) as client:
        listed = client.get("/issues").json()["issues"]
        assert set(steps) <= {i["id"] for i in listed}
        for issue in sorted(steps):
            trace = client.get(f"/trace/{issue}").json()["issue"]
            stored = [e["status"] for e in trace["timeline"] if e["event"] != "escalated"]
            # Every answered step is there; at most the one in flight got stored besides.
            assert stored[: len(steps[issue])] == steps[issue], issue
            assert len(stored) - len(steps[issue]) in (0, 1), issue
            assert trace["status"] == stored[-1], issue
        served = client.get("/households/H2/color").json()
    assert [c["color"] for c in served["changes"]] == colours
    cli = answer("color", "H2", db=db)
    assert [c["color"] for c in cli["changes"]] == colours
    assert served["color"] == cli["color"] == colours[-1]
