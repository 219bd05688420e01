"""Work done through the HTTP API, served by `gridchain serve` (issue 13, items 2–5): who may
record a visit or start a sweep (SPEC §8: scopes judged on today's date), refusals naming the
field, the scorecard's JSON (SPEC §6), the sweeps a caller reads, and the gaps of visits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from serving import KEYS, Server, key_file
from work_done import AS_OF, work_done_store

pytestmark = pytest.mark.slow

DAY = {"as_of": AS_OF.isoformat()}
TODAY = dt.date.today()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("work")
    settings = {"GRIDCHAIN_VISIT_DAYS": "subsistence=7"}
    running = Server(work_done_store(folder), key_file(folder), folder / "server.log", settings)
    yield running.start()
    running.stop()


def client(server: Server, holder: str) -> httpx.Client:
    return server.client(KEYS[holder])


def fields_refused(response: httpx.Response) -> set[str]:
    assert response.status_code == 422, response.text
    return {error["field"] for error in response.json()["errors"]}


# ---- POST /visits ----------------------------------------------------------------------------


def test_a_grid_member_records_its_own_visit_to_a_household_it_covers(server: Server) -> None:
    with client(server, "m1_member") as member:
        response = member.post("/visits", json={"household": "H2", "note": "核实收入"})
        assert response.status_code == 201, response.text
        visit = response.json()
        assert visit["id"].startswith(f"V{TODAY:%Y%m%d}-")
        assert (visit["household"], visit["person"]["id"], visit["visited_at"]) == (
            "H2",
            "M1",
            TODAY.isoformat(),
        )
        assert visit["counts"] is True and "计入" in visit["verdict"]
        listed = member.get("/households/H2/visits").json()
        assert [v["id"] for v in listed["visits"]] == [visit["id"]]
        assert listed["visits"][0]["note"] == "核实收入"


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ({"household": "H3"}, "不在你包抓的户内"),  # H3 is M2's
        ({"household": "H1", "person": "M2"}, "自己的名义"),
        ({"household": "H8"}, "不在你包抓的户内"),  # another township
    ],
    ids=["not-covered", "as-another", "elsewhere"],
)
def test_a_grid_member_is_refused_elsewhere_and_as_another(
    server: Server, body: dict[str, str], why: str
) -> None:
    with client(server, "m1_member") as member:
        response = member.post("/visits", json=body)
        assert response.status_code == 403, response.text
        assert why in response.json()["detail"]
        assert all(v["person"]["id"] != "M2" for v in visits_of(server, body["household"]))


def visits_of(server: Server, household: str) -> list[dict[str, Any]]:
    with client(server, "inspector") as inspector:
        found: list[dict[str, Any]] = inspector.get(f"/households/{household}/visits").json()[
            "visits"
        ]
        return found


def test_a_township_admin_records_anyones_visit_in_its_township_and_learns_it_counts_for_nothing(
    server: Server,
) -> None:
    body = {"household": "H4", "person": "M1", "visited_at": "2024-05-20", "kind": "patrol"}
    with client(server, "t1_admin") as admin:
        response = admin.post("/visits", json=body)
    assert response.status_code == 201, response.text
    visit = response.json()
    assert visit["counts"] is False and visit["kind"] == "patrol"
    assert "不计入" in visit["verdict"] and "二组" in visit["verdict"]
    with server.client(KEYS["t1_admin"]) as admin:
        admin.headers["Accept-Language"] = "en"
        english = admin.post("/visits", json={**body, "visited_at": "2024-05-21"}).json()
    assert "counts for nothing" in english["verdict"]


def test_writes_outside_the_callers_role_or_township_are_forbidden(server: Server) -> None:
    with client(server, "t1_admin") as admin:
        assert admin.post("/visits", json={"household": "H8", "person": "M5"}).status_code == 403
    with client(server, "inspector") as inspector:
        assert (
            inspector.post("/visits", json={"household": "H1", "person": "M1"}).status_code == 403
        )
    assert [visit["id"] for visit in visits_of(server, "H8")] == ["VIS4"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"household": "H1"}, "person"),
        ({"household": "H99", "person": "M1"}, "household"),
        ({"household": "H1", "person": "P99"}, "person"),
        ({"household": "H1", "person": "M1", "kind": "dance"}, "kind"),
        ({"household": "H1", "person": "M1", "visited_at": "2024-02-30"}, "visited_at"),
        ({"household": "H1", "person": "M1", "visited_at": "1900-01-01"}, "visited_at"),
        (
            {"household": "H1", "person": "M1", "visited_at": str(TODAY + dt.timedelta(days=2))},
            "visited_at",
        ),
        ({"household": "H1", "person": "M1", "by": "M1"}, "by"),
    ],
    ids=[
        "no-person",
        "unknown-household",
        "unknown-person",
        "kind",
        "date",
        "1900",
        "to-come",
        "extra",
    ],
)
def test_a_bad_visit_is_refused_naming_the_field(
    server: Server, body: dict[str, str], field: str
) -> None:
    before = len(visits_of(server, "H1"))
    with client(server, "t1_admin") as admin:
        response = admin.post("/visits", json=body)
    assert field in fields_refused(response)
    assert response.json()["title"] == "无法处理的请求"  # Chinese by default
    assert len(visits_of(server, "H1")) == before


def test_a_households_visits_are_read_by_who_may_read_the_household(server: Server) -> None:
    with client(server, "m1_member") as member:
        assert member.get("/households/H8/visits").status_code == 403
    with client(server, "t2_admin") as admin:
        found = admin.get("/households/H10/visits").json()
    assert [(v["id"], v["counts"]) for v in found["visits"]] == [("VIS5", True)]


# ---- sweeps ----------------------------------------------------------------------------------


def test_a_township_admin_starts_a_sweep_in_its_township(server: Server) -> None:
    body = {"id": "S-G1", "name": "一组回头看", "scope": "G1", "starts": "2024-06-01"}
    with client(server, "t1_admin") as admin:
        response = admin.post("/sweeps", json={**body, "ends": "2024-06-15"})
        assert response.status_code == 201, response.text
        assert response.json() == {**body, "ends": "2024-06-15"}
        again = admin.post("/sweeps", json={**body, "ends": "2024-06-15"})
        assert again.status_code == 409
        listed = admin.get("/sweeps", params=DAY).json()["sweeps"]
    assert [(s["id"], s["state"]) for s in listed] == [("S-G1", "running"), ("S1", "finished")]


@pytest.mark.parametrize(
    ("holder", "scope"),
    [("t1_admin", "V3"), ("t1_admin", "C"), ("t2_admin", "G1"), ("inspector", "G1")],
)
def test_a_sweep_outside_the_callers_township_is_forbidden(
    server: Server, holder: str, scope: str
) -> None:
    body = {"name": "越界", "scope": scope, "starts": "2024-06-01", "ends": "2024-06-30"}
    with client(server, holder) as caller:
        assert caller.post("/sweeps", json=body).status_code == 403
    with client(server, "m1_member") as member:
        assert member.post("/sweeps", json=body).status_code == 403


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"ends": "2024-05-01"}, "ends"),
        ({"scope": "H1"}, "scope"),
        ({"scope": "X9"}, "scope"),
        ({"name": ""}, "name"),
        ({"starts": "June"}, "starts"),
    ],
    ids=["ends-before-starts", "a-household", "unknown-scope", "no-name", "not-a-date"],
)
def test_a_bad_sweep_is_refused_naming_the_field(
    server: Server, change: dict[str, str], field: str
) -> None:
    body = {"name": "夏季摸排", "scope": "V1", "starts": "2024-06-01", "ends": "2024-06-30"}
    with client(server, "t1_admin") as admin:
        assert field in fields_refused(admin.post("/sweeps", json={**body, **change}))


def test_sweeps_are_read_in_the_callers_area(server: Server) -> None:
    with client(server, "inspector") as inspector:
        everything = inspector.get("/sweeps", params=DAY).json()
    assert {"S1", "S2"} <= {s["id"] for s in everything["sweeps"]}
    s2 = next(s for s in everything["sweeps"] if s["id"] == "S2")
    assert s2 == {
        "id": "S2",
        "name": "新泉井村摸排",
        "scope": "V3",
        "starts": "2024-05-20",
        "ends": "2024-06-10",
        "scope_name": "新泉井村",
        "scope_level": "Village",
        "state": "running",
    }
    with client(server, "t2_admin") as admin:
        assert [s["id"] for s in admin.get("/sweeps").json()["sweeps"]] == ["S2"]
    with client(server, "m1_member") as member:
        assert member.get("/sweeps").status_code == 403


# ---- GET /scorecard ----------------------------------------------------------------------------


def test_the_scorecard_has_the_shape_of_the_spec(server: Server) -> None:
    with client(server, "inspector") as inspector:
        response = inspector.get("/scorecard", params={"sweep": "S1", "by": "village", **DAY})
    assert response.status_code == 200, response.text
    card = response.json()
    assert set(card) == {"sweep", "as_of", "by", "finished", "rows", "total"}
    assert card["sweep"] == {
        "id": "S1",
        "name": "春季大摸排",
        "scope": "T1",
        "starts": "2024-05-01",
        "ends": "2024-05-31",
    }
    first = card["rows"][0]
    assert set(first) >= {
        "unit",
        "name",
        "level",
        "households",
        "visited",
        "coverage",
        "accountable",
        "reported",
        "resolved_on_time",
        "satisfied",
    }
    assert (first["unit"], first["name"], first["level"]) == ("V1", "柳杨堡村", "Village")
    assert first["accountable"] == {"id": "TV1", "name": "刘镇干部", "role": "commander"}
    assert card["total"]["households"] == 7
    assert card["finished"] is True


def test_the_scorecard_is_read_by_inspectors_and_the_sweeps_own_township(server: Server) -> None:
    with client(server, "t2_admin") as admin:
        assert admin.get("/scorecard", params={"sweep": "S2", **DAY}).status_code == 200
        assert admin.get("/scorecard", params={"sweep": "S1", **DAY}).status_code == 403
    with client(server, "m1_member") as member:
        assert member.get("/scorecard", params={"sweep": "S1"}).status_code == 403
    with client(server, "inspector") as inspector:
        assert inspector.get("/scorecard", params={"sweep": "S9"}).status_code == 404
        assert "by" in fields_refused(
            inspector.get("/scorecard", params={"sweep": "S2", "by": "township"})
        )
        assert "by" in fields_refused(
            inspector.get("/scorecard", params={"sweep": "S2", "by": "county"})
        )
        assert "sweep" in fields_refused(inspector.get("/scorecard"))


# ---- GET /gaps ---------------------------------------------------------------------------------


def test_gaps_of_visits_carry_their_sweep_and_use_the_servers_visit_days(server: Server) -> None:
    with client(server, "inspector") as inspector:
        missed = inspector.get("/gaps", params={"kind": "unvisited_household", **DAY}).json()
        overdue = inspector.get("/gaps", params={"kind": "overdue_visit", **DAY}).json()
    assert {gap["sweep"] for gap in missed["gaps"]} == {"S1"}
    assert "H3" in {gap["id"] for gap in missed["gaps"]}
    # H10 (subsistence) was visited 12 days before: overdue under this server's 7 days.
    assert [gap["id"] for gap in overdue["gaps"]] == ["H10", "H2"]
