"""Finding by name (issue 10): on every backend, through the installed command (every command
that takes an id takes an unambiguous name) and over HTTP (only what the caller may read)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from conftest import load
from counties import AS_OF, small
from serving import KEYS, Server
from test_cli import answer, run

from engine.backends.base import Backend
from engine.errors import BadQuery
from engine.finding import AmbiguousName, find, resolve
from engine.ledger import write_folder


@pytest.fixture(autouse=True)
def in_english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests read the English messages; tests/test_messages.py reads the Chinese ones."""
    monkeypatch.setenv("GRIDCHAIN_LANG", "en")


@pytest.fixture(scope="module")
def county(empty_backend: Backend) -> Backend:
    rows = small()
    # A person who bears a township's name: the name alone no longer says which is meant.
    rows["people"].append({**rows["people"][0], "id": "P-NAMESAKE", "name": "大水坑镇"})
    load(empty_backend, rows)
    return empty_backend


def test_exact_names_come_first_then_units_from_the_top(county: Backend) -> None:
    found = find(county, "组")
    assert [(m.id, m.level, m.name) for m in found.matches] == [
        ("G1", "Grid", "一组"),
        ("G2", "Grid", "二组"),
        ("G4", "Grid", "三组"),
    ]
    assert found.matches[0].path == ["G1", "V1", "T1", "C"]
    assert [m.id for m in find(county, "花马池镇").matches] == ["T1"]


def test_households_by_address_and_people_and_residents_by_name(county: Backend) -> None:
    assert [(m.id, m.level) for m in find(county, "H3号").matches] == [("H3", "Household")]
    assert [(m.id, m.level, m.path) for m in find(county, "张书记").matches] == [
        ("SEC1", "Person", [])
    ]
    resident = find(county, "居民1").matches[0]
    assert (resident.id, resident.level, resident.path[:2]) == ("R1", "Resident", ["H1", "G1"])


def test_a_text_with_like_marks_is_taken_as_written(county: Backend) -> None:
    assert find(county, "%").matches == [] and find(county, "_").matches == []
    with pytest.raises(BadQuery):
        find(county, "  ")


def test_a_name_resolves_to_its_one_record_and_an_id_to_itself(county: Backend) -> None:
    assert resolve(county, "柳杨堡村") == "V1"
    assert resolve(county, "V1") == "V1"
    assert resolve(county, "无此地") == "无此地"  # the question then finds nothing
    with pytest.raises(AmbiguousName, match=r"T2 \(Township\).*P-NAMESAKE \(Person\)"):
        resolve(county, "大水坑镇")


# ---- through the installed command ---------------------------------------------------------


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("find")
    rows = small()
    rows["people"].append({**rows["people"][0], "id": "P-NAMESAKE", "name": "大水坑镇"})
    write_folder(rows, folder / "ledgers")
    assert run("import", folder / "ledgers", db=folder / "gridchain.db").returncode == 0
    return folder / "gridchain.db"


def test_every_command_takes_a_name(store: Path) -> None:
    assert answer("who", "柳杨堡村", "--as-of", AS_OF.isoformat(), db=store)["target"] == "V1"
    assert answer("trace", "H3号", "--as-of", AS_OF.isoformat(), db=store)["target"] == "H3"
    gaps = answer("gaps", "--scope", "柳杨堡村", "--as-of", AS_OF.isoformat(), db=store)
    assert gaps["scope"] == "V1"
    assert answer("history", "张书记", db=store)["record"] == "SEC1"
    assert [m["id"] for m in answer("find", "柳杨堡", db=store)["matches"]] == ["V1"]


def test_an_ambiguous_name_lists_the_candidates_and_exits_1(store: Path) -> None:
    result = run("who", "大水坑镇", db=store)  # in Chinese: `run` asks for no language
    assert result.returncode == 1
    assert "T2（乡镇）" in result.stderr and "P-NAMESAKE（人员）" in result.stderr


# ---- over HTTP -----------------------------------------------------------------------------


def test_a_search_lists_only_what_the_caller_may_read(server: Server) -> None:
    with server.client(KEYS["inspector"]) as inspector:
        everything = inspector.get("/search", params={"q": "组"}).json()["matches"]
    assert [m["id"] for m in everything] == ["G1", "G2", "G4"]
    with server.client(KEYS["t1_admin"]) as t1_admin:
        in_t1 = t1_admin.get("/search", params={"q": "组"}).json()["matches"]
    assert [m["id"] for m in in_t1] == ["G1", "G2"]
    with server.client(KEYS["m1_member"]) as member:
        covered = member.get("/search", params={"q": "号"}).json()["matches"]
    assert {m["id"] for m in covered} == {"H1", "H2"}


def test_a_search_needs_a_text(server: Server) -> None:
    with server.client(KEYS["inspector"]) as inspector:
        response: httpx.Response = inspector.get("/search", params={"q": ""})
    assert response.status_code == 422


# ---- names beside ids where a person reads -------------------------------------------------


def test_the_names_of_places_and_people(county: Backend) -> None:
    assert county.names({"T1", "G2", "H1", "SEC1", "NOPE"}) == {
        "T1": "花马池镇",
        "G2": "二组",
        "H1": "H1号",
        "SEC1": "张书记",
    }


def test_a_gaps_table_reads_names_beside_ids(store: Path) -> None:
    shown = run("gaps", "--scope", "T1", "--as-of", AS_OF.isoformat(), db=store)
    assert shown.returncode == 0, shown.stderr
    assert "二组" in shown.stdout and "花马池镇 › 柳杨堡村 › 二组" in shown.stdout
    assert "花马池镇 (T1)" in shown.stdout


def test_the_dashboard_names_its_townships(server: Server) -> None:
    with server.client(KEYS["inspector"]) as inspector:
        page = inspector.get("/", params={"as_of": AS_OF.isoformat()}).text
    assert "花马池镇 (T1)</a>" in page and "大水坑镇 (T2)</a>" in page
