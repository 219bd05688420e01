"""Every change leaves a trace (issue 9): the append-only history, on every backend, from the
import, the issue loop and colour marks; through the installed command and over HTTP.

The backend tests run in file order on one small county per backend."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import httpx
import pytest
from counties import AS_OF, small
from serving import KEYS, Server
from test_api_writes import upload, zipped
from test_cli import answer, clean_env, run
from test_snapshot import imported, sec1_commands_t1, without

from engine import history, loop
from engine.backends.base import Backend
from engine.errors import NotFound
from engine.history import acting
from engine.issues import IssueChange

SEC1_T1 = "SEC1>T1:commander@2020-01-01"


@pytest.fixture(scope="module")
def county(empty_backend: Backend) -> Backend:
    with acting("inspector 甲", "gridchain import"):
        imported(empty_backend, small())
    return empty_backend


def changes(backend: Backend, record: str) -> list[tuple[str, str, str]]:
    """(change, by, source) of a record's history, newest first."""
    found = history.of_record(backend, record, None)
    return [(e.change, e.by, e.source) for e in found.entries]


def test_an_import_keeps_each_record_as_added_from_its_file_and_line(county: Backend) -> None:
    assert changes(county, "H3") == [("added", "inspector 甲", "households.csv, line 4")]
    entry = history.of_record(county, SEC1_T1, None).entries[0]
    assert entry.before is None
    assert entry.after is not None and entry.after["until"] is None
    assert entry.at.tzinfo is not None  # a time with its zone


def test_an_ending_keeps_what_the_assignment_was_and_became(county: Backend) -> None:
    with acting("township_admin:T1", "POST /datasets"):
        imported(county, without("assignments", sec1_commands_t1))
    ended = history.of_record(county, SEC1_T1, None).entries[0]
    assert (ended.change, ended.by, ended.source) == (
        "ended",
        "township_admin:T1",
        "gone from assignments.csv",
    )
    assert ended.before is not None and ended.after is not None
    assert (ended.before["until"], ended.after["until"]) == (None, "2024-06-30")


def test_a_removed_record_keeps_its_history(county: Backend) -> None:
    rows = without("residents", lambda r: r["household_id"] == "H4")
    imported(county, without("households", lambda h: h["id"] == "H4", rows))
    with pytest.raises(NotFound):
        county.who("H4", AS_OF)
    gone = history.of_record(county, "H4", None).entries
    assert [e.change for e in gone] == ["removed", "added"]
    assert gone[0].before is not None and gone[0].before["address"] == "H4号"
    assert gone[0].after is None


def test_a_changed_row_keeps_before_and_after(county: Backend) -> None:
    rows = without("residents", lambda r: r["household_id"] == "H4")
    rows = without("households", lambda h: h["id"] == "H4", rows)
    rows = without("assignments", sec1_commands_t1, rows)
    rows["people"] = [{**p, "name": "张新书记"} if p["id"] == "SEC1" else p for p in rows["people"]]
    imported(county, rows)
    renamed = history.of_record(county, "SEC1", None).entries[0]
    assert renamed.change == "changed"
    assert renamed.before is not None and renamed.after is not None
    assert (renamed.before["name"], renamed.after["name"]) == ("张书记", "张新书记")


def test_a_step_and_a_colour_are_kept(county: Backend) -> None:
    at = dt.datetime(2024, 6, 3, 9, 0, tzinfo=dt.UTC)
    with acting("township_admin:T1", "POST /issues/I1/dispatch"):
        loop.transition(county, IssueChange("I1", "dispatched", "SEC1", "test", at, "县民政局"))
    step = history.of_record(county, "I1", None).entries[0]
    assert (step.change, step.source) == ("step", "POST /issues/I1/dispatch")
    assert step.before == {"status": "dispatched"} and step.after is not None
    with acting("M1", "POST /households/H2/color"):
        loop.set_color(county, "H2", "red", "M1", at)
    mark = history.of_record(county, "H2", None).entries[0]
    assert (mark.change, mark.by, mark.before, mark.after) == (
        "color",
        "M1",
        {"color": "green"},
        {"color": "red"},
    )


def test_since_keeps_the_newer_changes(county: Backend) -> None:
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    assert history.of_record(county, "H2", tomorrow).entries == []
    assert len(history.of_record(county, "H2", dt.date.today()).entries) == 2


def test_an_unknown_record_has_no_history(county: Backend) -> None:
    with pytest.raises(NotFound):
        history.of_record(county, "NOPE", None)


# ---- the embedded store refuses to rewrite it ----------------------------------------------


def test_the_store_refuses_to_rewrite_or_delete_a_change(tmp_path: Path) -> None:
    db = tmp_path / "gridchain.db"
    assert answer("import", write_small(tmp_path), db=db)["added"]["households"] == 11
    store = sqlite3.connect(db)
    for statement in ("UPDATE changes SET by = 'someone else'", "DELETE FROM changes"):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            store.execute(statement)
    assert store.execute("SELECT COUNT(*) FROM changes").fetchone()[0] > 0


def write_small(folder: Path) -> Path:
    from engine.ledger import write_folder

    ledgers = folder / "ledgers"
    write_folder(small(), ledgers)
    return ledgers


# ---- through the command line and over HTTP ----------------------------------------------


def test_the_command_line_shows_a_records_history(tmp_path: Path) -> None:
    db = tmp_path / "gridchain.db"
    answer("import", write_small(tmp_path), db=db)
    answer("color", "H1", "red", "--by", "M1", db=db)
    shown = answer("history", "H1", db=db)
    assert [e["change"] for e in shown["entries"]] == ["color", "added"]
    assert shown["entries"][0]["by"].startswith("cli ")
    assert shown["entries"][0]["source"] == "gridchain color"
    assert shown["entries"][1]["source"] == "households.csv, line 2"


def test_over_http_the_history_names_the_key_and_the_route(
    server: Server, t1_admin: httpx.Client
) -> None:
    assert t1_admin.post("/households/H1/color", json={"color": "yellow"}).status_code == 200
    found = t1_admin.get("/history/H1")
    assert found.status_code == 200, found.text
    newest = found.json()["entries"][0]
    assert (newest["change"], newest["by"], newest["source"]) == (
        "color",
        "township_admin:T1",
        "POST /households/H1/color",
    )
    with server.client(KEYS["t2_admin"]) as t2_admin:
        assert t2_admin.get("/history/H1").status_code == 403


def test_over_http_a_grid_member_sees_personal_data_masked(
    server: Server, t1_admin: httpx.Client
) -> None:
    """T1's admin renames resident R1 of H1 (covered by grid member M1) by an upload."""
    renamed = "id,household_id,name,phone,id_number\nR1,H1,居民一,13900000001,640323198001010001\n"
    content = zipped({"units.csv": "id,name,level,parent_id\n", "residents.csv": renamed})
    assert upload(t1_admin, "r1.zip", content, merge="true").status_code == 200
    seen_by_admin = t1_admin.get("/history/R1").json()["entries"][0]
    assert seen_by_admin["source"] == "residents.csv, line 2"
    assert seen_by_admin["after"]["phone"] == "13900000001"
    with server.client(KEYS["m1_member"]) as member:
        found = member.get("/history/R1")
    assert found.status_code == 200, found.text
    newest = found.json()["entries"][0]
    assert (newest["before"]["name"], newest["after"]["name"]) == ("居民1", "居民一")
    assert newest["after"]["phone"] == "139****0001"
    assert newest["after"]["id_number"] == "640323********0001"


def test_a_table_shows_times_in_the_countys_zone_marked(tmp_path: Path) -> None:
    """Beijing time by default, whatever zone the machine keeps; a setting picks another."""
    db = tmp_path / "gridchain.db"
    answer("import", write_small(tmp_path), db=db)
    at = dt.datetime.fromisoformat(answer("history", "H1", db=db)["entries"][0]["at"])
    beijing = at.astimezone(dt.timezone(dt.timedelta(hours=8)))
    shown = run("history", "H1", db=db)
    assert f"{beijing:%H:%M} +08:00" in shown.stdout
    in_utc = run("history", "H1", db=db, env=clean_env(GRIDCHAIN_ZONE="UTC"))
    assert f"{at.astimezone(dt.UTC):%H:%M} +00:00" in in_utc.stdout
