"""What a person covers (issue 10), the reverse of `who`: on every backend, through the installed
command and over HTTP."""

from __future__ import annotations

from pathlib import Path

import pytest
from counties import AS_OF
from serving import KEYS, Server, small_county_store
from test_cli import answer

from engine.backends.base import Backend
from engine.coverage import covers
from engine.errors import NotFound


def held(backend: Backend, person: str) -> list[tuple[str, str, list[str], list[str]]]:
    """(role, unit, households, gap kinds and ids) of each assignment a person holds."""
    return [
        (a.role, a.unit, a.households, [f"{g.kind} {g.id}" for g in a.gaps])
        for a in covers(backend, person, AS_OF).assignments
    ]


def test_a_grid_member_covers_the_households_of_its_grid(small_county: Backend) -> None:
    assert held(small_county, "M1") == [("grid_member", "G1", ["H1", "H2"], [])]
    result = covers(small_county, "M1", AS_OF)
    assert (result.person.id, result.person.name) == ("M1", "郑网格员")
    assert result.assignments[0].name == "一组" and result.assignments[0].level == "Grid"


def test_a_commander_covers_the_township_with_its_gaps(small_county: Backend) -> None:
    [(role, unit, households, gaps)] = held(small_county, "SEC1")
    assert (role, unit) == ("commander", "T1")
    assert households == ["H1", "H2", "H3", "H4", "H5", "H6", "H7"]
    assert "missing_grid_head G2" in gaps and "uncovered_household H4" in gaps
    assert "missing_commander V2" in gaps


def test_on_a_day_an_assignment_had_ended_it_covers_nothing(small_county: Backend) -> None:
    assert covers(small_county, "TV3OLD", AS_OF).assignments == []
    with pytest.raises(NotFound):
        covers(small_county, "NOPE", AS_OF)


def test_the_command_line_asks_by_name(tmp_path: Path) -> None:
    db = small_county_store(tmp_path)
    shown = answer("covers", "郑网格员", "--as-of", AS_OF.isoformat(), db=db)
    assert shown["person"] == {"id": "M1", "name": "郑网格员"}
    assert shown["assignments"][0]["households"] == ["H1", "H2"]


def test_over_http_a_township_admin_reads_its_own_people_only(server: Server) -> None:
    with server.client(KEYS["t1_admin"]) as t1_admin:
        mine = t1_admin.get("/people/M1/coverage", params={"as_of": AS_OF.isoformat()})
        assert mine.status_code == 200, mine.text
        assert mine.json()["assignments"][0]["unit"] == "G1"
        assert t1_admin.get("/people/M5/coverage").status_code == 403  # M5 serves in T2
