"""The HTTP API write side over real HTTP: assignments, issues and uploads, each all or nothing,
in the writer's township only, and durable across a kill -9 (SPEC §5, §8)."""

from __future__ import annotations

import io
import signal
import zipfile
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from counties import AS_OF, assignments, issues, units
from openpyxl import Workbook
from serving import KEYS, Server

# Servers, many processes or large inputs: the quick subset (-m 'not slow') leaves it out.
pytestmark = pytest.mark.slow

DAY = {"as_of": AS_OF.isoformat()}
PROBLEM = "application/problem+json"
NEW_MEMBER = {"person_id": "M2", "target_id": "H4", "role": "grid_member", "since": "2024-01-01"}
NEW_MEMBER_ID = "M2>H4:grid_member@2024-01-01"


@pytest.fixture(scope="module")
def server(server: Server) -> Server:
    """The module's server (tests/conftest.py), its clients asking for English: these tests
    read English texts. tests/test_api_session.py checks that Chinese is the default."""
    return server.speaking("en")


def zipped(files: dict[str, str], folder: str = "") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(folder + name, text)
    return buffer.getvalue()


def upload(client: httpx.Client, name: str, content: bytes, **params: str) -> httpx.Response:
    """A data set uploaded; `merge="true"` for files that are partial updates."""
    files = {"file": (name, content, "application/octet-stream")}
    return client.post("/datasets", files=files, params=params)


def holders(client: httpx.Client, node: str, day: str) -> list[tuple[str, str]]:
    chain = client.get(f"/units/{node}/accountability", params={"as_of": day}).json()["chain"]
    return [(h["role"], h["person"]["id"]) for h in chain[0]["assignments"]]


# ---- who may write ---------------------------------------------------------------------


@pytest.mark.parametrize("holder", ["inspector", "m1_member"])
def test_only_township_admins_write_assignments(server: Server, holder: str) -> None:
    with server.client(KEYS[holder]) as client:
        response = client.post("/assignments", json=NEW_MEMBER)
    assert response.status_code == 403
    assert response.headers["content-type"] == PROBLEM


def test_a_township_admin_writes_only_inside_its_township(t1_admin: httpx.Client) -> None:
    response = t1_admin.post("/assignments", json={**NEW_MEMBER, "target_id": "H10"})
    assert response.status_code == 403
    assert "T1" in response.json()["detail"]


# ---- assignments -----------------------------------------------------------------------


def test_a_refused_assignment_names_the_body_field(t1_admin: httpx.Client) -> None:
    response = t1_admin.post("/assignments", json={**NEW_MEMBER, "person_id": "NOBODY"})
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["location"], error["field"]) == ("body", "person_id")
    assert "NOBODY" in error["message"]


@pytest.mark.parametrize(
    "body",
    [
        {**NEW_MEMBER, "role": "boss"},
        {**NEW_MEMBER, "since": "yesterday"},
        {**NEW_MEMBER, "until": "2023-01-01"},
        {"person_id": "M2"},
        {**NEW_MEMBER, "colour": "red"},
    ],
)
def test_bad_assignment_bodies_are_422(t1_admin: httpx.Client, body: dict[str, str]) -> None:
    response = t1_admin.post("/assignments", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["location"] == "body"


def test_an_assignment_is_created_and_counts(t1_admin: httpx.Client) -> None:
    response = t1_admin.post("/assignments", json=NEW_MEMBER)
    assert response.status_code == 201, response.text
    assert response.json()["id"] == NEW_MEMBER_ID
    assert ("grid_member", "M2") in holders(t1_admin, "H4", "2024-06-01")
    gaps = t1_admin.get("/gaps", params={**DAY, "kind": "uncovered_household"}).json()
    assert gaps["gaps"] == []
    assert t1_admin.post("/assignments", json=NEW_MEMBER).status_code == 409


def test_an_ended_assignment_stops_counting_after_its_last_day(t1_admin: httpx.Client) -> None:
    response = t1_admin.post(f"/assignments/{NEW_MEMBER_ID}/end", json={"until": "2024-06-30"})
    assert response.status_code == 200, response.text
    assert response.json()["until"] == "2024-06-30"
    assert ("grid_member", "M2") in holders(t1_admin, "H4", "2024-06-30")
    assert ("grid_member", "M2") not in holders(t1_admin, "H4", "2024-07-01")


def test_ending_before_the_start_is_422(t1_admin: httpx.Client) -> None:
    response = t1_admin.post(f"/assignments/{NEW_MEMBER_ID}/end", json={"until": "2023-12-31"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "until"


def test_ending_an_unknown_assignment_is_404(t1_admin: httpx.Client) -> None:
    assert t1_admin.post("/assignments/NOPE/end", json={}).status_code == 404


def test_writes_survive_a_kill_9(server: Server) -> None:
    server.stop(signal.SIGKILL)
    server.start()
    with server.client(KEYS["inspector"]) as client:
        stored = client.get(f"/assignments/{NEW_MEMBER_ID}").json()
    assert (stored["target_id"], stored["until"]) == ("H4", "2024-06-30")


def test_concurrent_reads_and_writes_all_answer(server: Server) -> None:
    def work(n: int) -> list[int]:
        with server.client(KEYS["t1_admin"]) as client:
            statuses = []
            for i in range(10):
                body = {**NEW_MEMBER, "id": f"A-{n}-{i}", "until": "2024-01-31"}
                statuses.append(client.post("/assignments", json=body).status_code)
                statuses.append(client.get("/gaps", params=DAY).status_code)
                statuses.append(client.get("/units/H4/accountability").status_code)
            return statuses

    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = [s for batch in pool.map(work, range(6)) for s in batch]
    assert set(statuses) == {200, 201}
    assert statuses.count(201) == 60


# ---- issues ----------------------------------------------------------------------------


def test_a_grid_member_reports_an_issue_for_its_household(server: Server) -> None:
    with server.client(KEYS["m1_member"]) as member:
        response = member.post(
            "/issues",
            json={
                "target_id": "H2",
                "category": "service",
                "reported_at": "2024-05-20",
                "due_at": "2024-05-25",
            },
        )
        assert response.status_code == 201, response.text
        issue = response.json()
        assert (issue["reported_by"], issue["target"]) == ("M1", "H2")
        trace = member.get(f"/trace/{issue['id']}", params=DAY).json()
        assert trace["issue"]["overdue_days"] == 7
        assert member.post("/issues", json={"target_id": "H3", "category": "x"}).status_code == 403
        as_other = {"target_id": "H2", "category": "x", "reported_by": "M2"}
        assert member.post("/issues", json=as_other).status_code == 403


# ---- uploads ---------------------------------------------------------------------------

NEW_HOUSEHOLD = {
    "units.csv": "id,name,level,parent_id\nG1,一组,grid,V1\n",
    "households.csv": "id,unit_id,address,color\nH12,G1,12号,green\n",
    "residents.csv": "id,household_id,name,phone\nR12,H12,居民12,13900000012\n",
}


def test_an_uploaded_zip_is_imported(t1_admin: httpx.Client) -> None:
    response = upload(t1_admin, "more.zip", zipped(NEW_HOUSEHOLD, folder="ledgers/"), merge="true")
    assert response.status_code == 200, response.text
    assert response.json()["added"]["households"] == 1
    chain = t1_admin.get("/units/H12/accountability", params=DAY).json()["chain"]
    assert [level["unit"] for level in chain] == ["H12", "G1", "V1", "T1", "C"]


def test_an_uploaded_workbook_is_imported(t1_admin: httpx.Client) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "units"
    sheet.append(["id", "name", "level", "parent_id"])
    sheet.append(["G5", "五组", "grid", "V1"])
    buffer = io.BytesIO()
    book.save(buffer)
    response = upload(t1_admin, "more.xlsx", buffer.getvalue(), merge="true")
    assert response.status_code == 200, response.text
    assert response.json()["added"]["units"] == 1


def test_a_bad_upload_stores_nothing_and_names_file_line_column(
    t1_admin: httpx.Client, inspector: httpx.Client
) -> None:
    before = inspector.get("/stats", params=DAY).json()
    files = {
        **NEW_HOUSEHOLD,
        "households.csv": "id,unit_id\nH13,G1\nH14,G9\n",
        "residents.csv": "id,household_id,name\nR13,H13,居民13\n",
    }
    response = upload(t1_admin, "bad.zip", zipped(files), merge="true")
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["problems"] == [
        {
            "file": "households.csv",
            "line": 3,
            "column": "unit_id",
            "message": "unknown reference 'G9'",
        }
    ]
    assert inspector.get("/stats", params=DAY).json() == before


def test_an_upload_reaching_outside_the_township_is_403(
    t1_admin: httpx.Client, inspector: httpx.Client
) -> None:
    before = inspector.get("/stats", params=DAY).json()
    files = {"units.csv": "id,name,level,parent_id\nG9,九组,grid,V3\n"}
    response = upload(t1_admin, "reach.zip", zipped(files))
    assert response.status_code == 403
    assert "G9" in response.json()["detail"]
    assert inspector.get("/stats", params=DAY).json() == before


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("notes.txt", b"not an archive"),
        ("empty.zip", zipped({"readme.md": "no ledgers"})),
        ("twice.zip", zipped({"a/units.csv": "id\n", "b/units.csv": "id\n"})),
    ],
)
def test_uploads_that_are_no_data_set_are_422(
    t1_admin: httpx.Client, name: str, content: bytes
) -> None:
    response = upload(t1_admin, name, content)
    assert response.status_code == 422
    assert response.json()["problems"][0]["file"] == name


def test_a_misnamed_file_in_an_upload_is_422_naming_the_file_it_meant(
    t1_admin: httpx.Client, inspector: httpx.Client
) -> None:
    before = inspector.get("/stats", params=DAY).json()
    files = {**NEW_HOUSEHOLD, "household.csv": NEW_HOUSEHOLD["households.csv"]}
    del files["households.csv"]
    response = upload(t1_admin, "misnamed.zip", zipped(files, folder="ledgers/"))
    assert response.status_code == 422
    [problem] = response.json()["problems"]
    assert (problem["file"], problem["line"], problem["column"]) == ("household.csv", 0, "-")
    assert problem["message"].startswith(
        "not a ledger file name (did you mean households.csv?); expected units.csv (单元.csv), "
    )
    assert inspector.get("/stats", params=DAY).json() == before


def test_member_names_never_choose_a_path(t1_admin: httpx.Client) -> None:
    escaping = zipped({"../../units.csv": NEW_HOUSEHOLD["units.csv"]})
    assert upload(t1_admin, "escape.zip", escaping, merge="true").status_code == 200


def test_a_township_admins_snapshot_retires_only_inside_its_township(
    t1_admin: httpx.Client, inspector: httpx.Client
) -> None:
    """T1's admin uploads T1's assignments without GH1's on G1: a dry run first, then for real.
    What lies in T2, and what sits at T1 itself (the county's business), stays."""
    rows = [a for a in assignments() if a["target_id"] in T1_PLACES and a["person_id"] != "GH1"]
    header = "person_id,target_id,role,since,until\n"
    ledger = header + "".join(
        f"{a['person_id']},{a['target_id']},{a['role']},{a['since']},{a['until']}\n" for a in rows
    )
    effective = {"effective": "2024-07-01"}
    content = zipped({"units.csv": t1_units(), "assignments.csv": ledger})
    dry = upload(t1_admin, "t1.zip", content, dry_run="true", **effective)
    assert dry.status_code == 200, dry.text
    assert (dry.json()["dry_run"], dry.json()["ended"]) == (True, {"assignments": 1})
    assert dry.json()["first"]["ended"] == {"assignments": ["GH1>G1:grid_head@"]}
    assert holders(inspector, "G1", "2024-07-02") == [("grid_head", "GH1"), ("grid_member", "M1")]
    done = upload(t1_admin, "t1.zip", content, **effective)
    assert done.status_code == 200, done.text
    assert holders(inspector, "G1", "2024-07-02") == [("grid_member", "M1")]
    assert holders(inspector, "G1", "2024-06-30") == [("grid_head", "GH1"), ("grid_member", "M1")]
    assert holders(inspector, "G4", "2024-07-02") == [("grid_head", "GH4"), ("grid_member", "M5")]
    assert holders(inspector, "T1", "2024-07-02") == [("commander", "SEC1"), ("liaison", "L1")]


T1_PLACES = {"V1", "V2", "G1", "G2", "G3", "B1", "B2", *(f"H{i}" for i in range(1, 8))}


def test_an_upload_cannot_rewrite_what_the_issue_loop_recorded(
    t1_admin: httpx.Client, inspector: httpx.Client
) -> None:
    """I1 is acknowledged through the loop; its issues.csv row, uploaded again, says
    `dispatched`: refused, pointing at the loop, and I1 keeps its steps."""
    ack = t1_admin.post("/issues/I1/ack", json={"department": "县民政局"})
    assert ack.status_code == 200, ack.text
    row = next(i for i in issues() if i["id"] == "I1")
    ledger = ",".join(row) + "\n" + ",".join(row.values()) + "\n"
    units_header = "id,name,level,parent_id\n"
    content = zipped({"units.csv": units_header, "issues.csv": ledger})
    refused = upload(t1_admin, "issues.zip", content, merge="true")
    assert refused.status_code == 422, refused.text
    [problem] = refused.json()["problems"]
    assert (problem["file"], problem["line"], problem["column"]) == ("issues.csv", 2, "status")
    assert "issue loop" in problem["message"]
    assert inspector.get("/trace/I1").json()["issue"]["status"] == "acknowledged"


def test_a_colour_an_upload_changes_is_kept_with_the_upload_as_its_source(
    t1_admin: httpx.Client,
) -> None:
    households = "id,unit_id,address,color,status,points\nH2,G1,H2号,red,normal,80\n"
    content = zipped({"units.csv": "id,name,level,parent_id\n", "households.csv": households})
    assert upload(t1_admin, "red.zip", content, merge="true").status_code == 200
    colours = t1_admin.get("/households/H2/color").json()
    assert colours["color"] == "red"
    assert colours["changes"][-1]["by"] == "import (households.csv, line 2)"


def t1_units() -> str:
    """units.csv of the units under T1: a township admin's upload holds the whole township."""
    return "id,name,level,parent_id\n" + "".join(
        f"{u['id']},{u['name']},{u['level']},{u['parent_id']}\n"
        for u in units()
        if u["id"] in T1_PLACES
    )


def test_a_person_who_served_in_another_township_only_in_the_past_is_not_renamed(
    t1_admin: httpx.Client, inspector: httpx.Client
) -> None:
    """Issue 9: TV3OLD commanded V3 in T2 until 2023 and holds nothing now. Renamed by T1's
    admin, the inspector's chain of V3 in 2023 would show the new name: refused, as a snapshot
    and as a merge, and nothing is stored."""
    before = inspector.get("/stats", params=DAY).json()
    people = "id,name,kind\nTV3OLD,改了名,cadre\n"
    renamed = zipped({"units.csv": t1_units(), "people.csv": people})
    for merge in ("false", "true"):
        response = upload(t1_admin, "people.zip", renamed, merge=merge)
        assert response.status_code == 403, response.text
        assert "TV3OLD" in response.json()["detail"]
    assert inspector.get("/stats", params=DAY).json() == before
    assert inspector.get("/people/TV3OLD", params=DAY).json()["name"] == "旧指挥长"
    chain = inspector.get("/units/V3/accountability", params={"as_of": "2023-06-01"}).json()
    assert [h["person"]["name"] for h in chain["chain"][0]["assignments"]] == ["旧指挥长"]


def test_a_person_who_served_only_inside_the_township_is_renamed(
    t1_admin: httpx.Client, inspector: httpx.Client
) -> None:
    people = "id,name,kind\nGH1,杨网格长改,cadre\n"
    renamed = zipped({"units.csv": t1_units(), "people.csv": people})
    response = upload(t1_admin, "people.zip", renamed, merge="true")
    assert response.status_code == 200, response.text
    assert response.json()["changed"]["people"] == 1
    assert inspector.get("/people/GH1", params=DAY).json()["name"] == "杨网格长改"
