"""The issue loop over real HTTP (SPEC §3 Issue, §8): who may take which step, 409 with the
current status for a step out of turn, the lists, five colours, and a kill -9 in the middle of
a stream of steps losing nothing acknowledged and half-applying nothing."""

from __future__ import annotations

import datetime as dt
import signal
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from counties import AS_OF
from serving import KEYS, Server, key_file, small_county_store

# Servers, many processes or large inputs: the quick subset (-m 'not slow') leaves it out.
pytestmark = pytest.mark.slow

DAY = {"as_of": AS_OF.isoformat()}
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def server(server: Server) -> Server:
    """The module's server (tests/conftest.py), its clients asking for English: these tests
    read English texts. tests/test_api_session.py checks that Chinese is the default."""
    return server.speaking("en")


def status_of(response: httpx.Response) -> str:
    assert response.status_code in (200, 201), response.text
    status: str = response.json()["status"]
    return status


def refused(response: httpx.Response, code: int) -> dict[str, Any]:
    assert response.status_code == code, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    return body


# ---- the loop, step by step --------------------------------------------------------------


def test_a_grid_member_reports_with_the_spec_body(member: httpx.Client) -> None:
    response = member.post(
        "/issues", json={"target": "H2", "category": "dispute", "note": "邻里纠纷", "id": "IH2"}
    )
    assert response.status_code == 201, response.text
    issue = response.json()
    today = dt.date.today()
    assert (issue["id"], issue["status"], issue["target"], issue["reported_by"]) == (
        "IH2",
        "reported",
        "H2",
        "M1",
    )
    assert issue["due_at"] == (today + dt.timedelta(days=7)).isoformat()  # a dispute's days
    assert [(e["event"], e["by"]) for e in issue["timeline"]] == [("reported", "M1")]
    assert refused(member.post("/issues", json={"target": "H2", "category": "x", "id": "IH2"}), 409)


def test_a_grid_member_reports_only_for_its_households(member: httpx.Client) -> None:
    refused(member.post("/issues", json={"target": "H3", "category": "service"}), 403)
    as_other = {"target": "H2", "category": "service", "reported_by": "M2"}
    refused(member.post("/issues", json=as_other), 403)


def test_a_refused_report_names_the_body_field(t1_admin: httpx.Client) -> None:
    body = {"target_id": "NOPE", "category": "service", "reported_by": "M1"}
    response = t1_admin.post("/issues", json=body)
    [error] = refused(response, 422)["errors"]
    assert (error["location"], error["field"]) == ("body", "target")


def test_the_grid_blows_the_whistle_and_the_township_records_the_report_in(
    member: httpx.Client, t1_admin: httpx.Client
) -> None:
    assert status_of(member.post("/issues/IH2/dispatch", json={"department": "县司法局"})) == (
        "dispatched"
    )
    refused(member.post("/issues/IH2/ack", json={"department": "县司法局"}), 403)
    acked = t1_admin.post("/issues/IH2/ack", json={"department": "县司法局"})
    assert status_of(acked) == "acknowledged"
    assert acked.json()["departments"] == ["县司法局"]
    assert [e["event"] for e in acked.json()["timeline"]] == [
        "reported",
        "dispatched",
        "acknowledged",
    ]


def test_a_step_out_of_turn_is_409_with_the_current_status(
    member: httpx.Client, t1_admin: httpx.Client
) -> None:
    body = refused(member.post("/issues/IH2/feedback", json={"satisfied": True}), 409)
    assert body["current_status"] == "acknowledged"
    assert "acknowledged" in body["detail"]
    body = refused(t1_admin.post("/issues/IH2/ack", json={"department": "县公安局"}), 409)
    assert body["current_status"] == "acknowledged"


def test_resolution_and_feedback_close_or_reopen(
    member: httpx.Client, t1_admin: httpx.Client
) -> None:
    resolved = t1_admin.post("/issues/IH2/resolve", json={"by": "县司法局", "note": "调解"})
    assert status_of(resolved) == "resolved"
    assert resolved.json()["resolved_at"] == dt.date.today().isoformat()
    assert status_of(member.post("/issues/IH2/feedback", json={"satisfied": False})) == (
        "dispatched"
    )
    assert status_of(t1_admin.post("/issues/IH2/ack", json={"department": "县司法局"})) == (
        "acknowledged"
    )
    assert status_of(t1_admin.post("/issues/IH2/resolve", json={"by": "县司法局"})) == "resolved"
    closed = member.post("/issues/IH2/feedback", json={"satisfied": True})
    assert status_of(closed) == "closed"
    assert [(e["event"], e["satisfied"]) for e in closed.json()["timeline"]][-3:] == [
        ("acknowledged", None),
        ("resolved", None),
        ("closed", True),
    ]


@pytest.mark.parametrize(
    ("holder", "path", "body"),
    [
        ("inspector", "/issues/I1/ack", {"department": "县民政局"}),
        ("t2_admin", "/issues/I1/ack", {"department": "县民政局"}),
        ("m1_member", "/issues/I1/dispatch", {"department": "县民政局"}),  # H3 is not M1's
        ("m1_member", "/issues/I1/resolve", {"by": "M1"}),
        ("m1_member", "/issues/I1/feedback", {"satisfied": True}),  # M2 reported I1
    ],
)
def test_steps_outside_a_keys_reach_are_403(
    server: Server, holder: str, path: str, body: dict[str, Any]
) -> None:
    with server.client(KEYS[holder]) as client:
        refused(client.post(path, json=body), 403)


def test_steps_on_unknown_issues_are_404(t1_admin: httpx.Client) -> None:
    refused(t1_admin.post("/issues/NOPE/resolve", json={"by": "x"}), 404)


def test_bad_step_bodies_are_422(t1_admin: httpx.Client) -> None:
    refused(t1_admin.post("/issues/I1/dispatch", json={}), 422)
    refused(t1_admin.post("/issues/I1/feedback", json={"satisfied": "maybe"}), 422)
    refused(t1_admin.post("/issues/I1/resolve", json={"by": "x", "colour": "red"}), 422)


# ---- lists -------------------------------------------------------------------------------


def test_overdue_issues_with_who_holds_them(inspector: httpx.Client) -> None:
    response = inspector.get("/issues", params={**DAY, "overdue": "true"})
    assert response.status_code == 200, response.text
    [late] = response.json()["issues"]
    assert (late["id"], late["overdue_days"], late["level"], late["holder"]["id"]) == (
        "I1",
        22,
        "County",
        "L1",
    )
    assert late["path"] == ["H3", "G2", "V1", "T1", "C"]


def test_lists_follow_the_keys_scope(server: Server, inspector: httpx.Client) -> None:
    everything = inspector.get("/issues", params=DAY).json()["issues"]
    assert {i["id"] for i in everything} == {"I1", "I2", "IH2"}
    with server.client(KEYS["t2_admin"]) as t2:
        assert t2.get("/issues", params=DAY).json() == {
            "as_of": AS_OF.isoformat(),
            "scope": "T2",
            "issues": [],
            "page": {"offset": 0, "limit": 100, "total": 0},
        }
        refused(t2.get("/issues", params={"scope": "T1"}), 403)
    with server.client(KEYS["m1_member"]) as m1:
        mine = m1.get("/issues", params=DAY).json()["issues"]
    assert {i["id"] for i in mine} == {"I2", "IH2"}  # what M1 reported
    closed = inspector.get("/issues", params={**DAY, "status": "closed"}).json()["issues"]
    assert [i["id"] for i in closed] == ["IH2"]
    refused(inspector.get("/issues", params={"status": "lost"}), 422)
    refused(inspector.get("/issues", params={"scope": "NOPE"}), 404)


# ---- five colours ------------------------------------------------------------------------


def test_a_colour_change_is_recorded_and_reaches_the_gaps(
    member: httpx.Client, inspector: httpx.Client
) -> None:
    changed = member.post("/households/H2/color", json={"color": "red"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["color"] == "red"
    [change] = changed.json()["changes"]
    assert change["by"] == "M1"
    assert inspector.get("/households/H2/color").json() == changed.json()
    gaps = inspector.get("/gaps", params={**DAY, "color": "red"}).json()["gaps"]
    assert [(g["kind"], g["id"]) for g in gaps] == [
        ("unattended_high_risk", "H10"),
        ("unattended_high_risk", "H2"),
    ]
    issues = inspector.get("/issues", params={**DAY, "color": "red"}).json()["issues"]
    assert [i["id"] for i in issues] == ["IH2"]


def test_colour_changes_outside_a_keys_reach_are_refused(
    server: Server, member: httpx.Client
) -> None:
    refused(member.post("/households/H3/color", json={"color": "red"}), 403)
    refused(member.post("/households/H2/color", json={"color": "purple"}), 422)
    with server.client(KEYS["inspector"]) as inspector:
        refused(inspector.post("/households/H2/color", json={"color": "green"}), 403)
    with server.client(KEYS["t1_admin"]) as t1:
        refused(t1.post("/households/G1/color", json={"color": "green"}), 404)


# ---- durability --------------------------------------------------------------------------

LOOP = [
    ("dispatch", {"department": "县民政局"}),
    ("ack", {"department": "县民政局"}),
    ("resolve", {"by": "县民政局"}),
    ("feedback", {"satisfied": False}),
    ("ack", {"department": "县民政局"}),
    ("resolve", {"by": "县民政局"}),
    ("feedback", {"satisfied": True}),
]
ENOUGH_STEPS = 40


def stream_steps(server: Server, acknowledged: dict[str, list[str]]) -> None:
    """Report issues and take each round the loop, recording every answered step's status,
    until the server stops answering."""
    with server.client(KEYS["t1_admin"]) as client:
        try:
            for n in range(1, 1000):
                issue = f"D{n}"
                body = {"id": issue, "target": "H1", "category": "service", "reported_by": "M1"}
                if client.post("/issues", json=body).status_code != 201:
                    return
                acknowledged[issue] = ["reported"]
                for path, step in LOOP:
                    response = client.post(f"/issues/{issue}/{path}", json=step)
                    if response.status_code != 200:
                        return
                    acknowledged[issue].append(response.json()["status"])
        except httpx.TransportError:
            return  # killed mid-request


def test_a_kill_9_mid_stream_keeps_every_acknowledged_step_and_half_applies_none(
    tmp_path: Path,
) -> None:
    server = Server(small_county_store(tmp_path), key_file(tmp_path), tmp_path / "log").start()
    acknowledged: dict[str, list[str]] = {}
    streaming = threading.Thread(target=stream_steps, args=(server, acknowledged))
    streaming.start()
    deadline = time.monotonic() + 60
    while sum(map(len, acknowledged.values())) < ENOUGH_STEPS and time.monotonic() < deadline:
        time.sleep(0.01)
    server.stop(signal.SIGKILL)
    streaming.join(timeout=30)
    assert sum(map(len, acknowledged.values())) >= ENOUGH_STEPS
    server.start()
    try:
        with server.client(KEYS["inspector"]) as client:
            stored = client.get("/issues").json()["issues"]
            for issue in sorted({i["id"] for i in stored if i["id"].startswith("D")}):
                trace = client.get(f"/trace/{issue}").json()["issue"]
                steps = [e["status"] for e in trace["timeline"] if e["event"] != "escalated"]
                answered = acknowledged.get(issue, [])
                # Every answered step is there; at most the one in flight got stored besides.
                assert steps[: len(answered)] == answered, issue
                assert len(steps) - len(answered) in (0, 1), issue
                # The issue's status is its last step's: no step half-applied.
                assert trace["status"] == steps[-1], issue
            assert set(acknowledged) <= {i["id"] for i in stored}
    finally:
        server.stop()
