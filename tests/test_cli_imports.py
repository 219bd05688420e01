"""A `who` or `trace` from the command line starts no heavy library (issue 8).

An inspector runs one question per process, so what the CLI imports is most of what a
question costs. The store is left out on purpose: a stand-in backend hands the CLI answers
built here, so this judges the command line, its parsing, rendering and JSON, not a backend.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

# Each of these costs a short process more than its query; none is needed to print JSON.
HEAVY = ("pydantic", "typer", "click", "rich", "fastapi", "uvicorn", "neo4j", "openpyxl")

ANSWER_IN_A_FRESH_PROCESS = """
import datetime as dt
import json
import sys

from engine import cli
from engine.model import (
    ChainLevel, PersonRef, RoleHolder, TimelineEntry, TraceIssue, TraceResult, TraceStep,
    WhoResult,
)

DAY = dt.date(2024, 6, 1)
AT = dt.datetime(2024, 5, 1, 8, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
SEC1 = PersonRef.of(id="SEC1", name="张书记", role="commander")


class StandIn:
    def who(self, target, day):
        level = ChainLevel.of(
            level="Township", unit="T1", name="城关镇",
            assignments=[RoleHolder.of(role="commander", person=SEC1)], vacant=[], bodies=[],
        )
        return WhoResult.of(target=target, as_of=day, commander=SEC1, chain=[level])

    def trace(self, target, day):
        entry = TimelineEntry.of(
            at=AT, event="reported", status="reported", by="M2", department=None, note=None,
            satisfied=None, level="Township", holder=SEC1, held_days=31,
        )
        issue = TraceIssue.of(
            id=target, target="H3", reported_by="M2", reported_at=AT.date(), due_at=None,
            resolved_at=None, overdue_days=0, category="service", status="reported",
            departments=[], level="Township", holder=SEC1, timeline=[entry],
        )
        step = TraceStep.of(level="Township", unit="T1", person=SEC1)
        return TraceResult.of(target=target, as_of=day, commander=SEC1, path=[step], issue=issue)

    def close(self):
        pass


cli.open_backend = lambda name, db: StandIn()
cli.main([*sys.argv[1:], "--as-of", "2024-06-01", "--json"])
sys.stdout.flush()
print(json.dumps(sorted({name.partition(".")[0] for name in sys.modules})), file=sys.stderr)
"""


def answer_in_a_fresh_process(*args: str) -> tuple[dict[str, object], set[str]]:
    """The JSON the CLI printed and the top-level packages the process had imported."""
    result = subprocess.run(
        [sys.executable, "-c", ANSWER_IN_A_FRESH_PROCESS, *args],
        capture_output=True, text=True, encoding="utf-8", check=False, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout), set(json.loads(result.stderr.splitlines()[-1]))


@pytest.mark.parametrize("query", [("who", "H5"), ("trace", "I1")], ids=" ".join)
def test_a_json_answer_imports_no_heavy_library(query: tuple[str, str]) -> None:
    answer, imported = answer_in_a_fresh_process(*query)
    assert answer["target"] == query[1]
    assert sorted(imported.intersection(HEAVY)) == []


def test_the_stand_in_answers_are_written_as_before() -> None:
    """Dates in ISO form, times with their offset, names in UTF-8."""
    answer, _ = answer_in_a_fresh_process("trace", "I1")
    assert answer["as_of"] == "2024-06-01"
    assert answer["commander"] == {"id": "SEC1", "name": "张书记", "role": "commander"}
    assert answer["issue"]["timeline"][0]["at"] == "2024-05-01T08:30:00+08:00"
