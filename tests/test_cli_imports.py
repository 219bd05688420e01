"""A `who` or `trace` from the command line starts no heavy library (issue 8).

An inspector runs one question per process, so what the process imports is most of what a
question costs. The installed console script is run on a real store, under `-X importtime`,
which lists every module the process imported.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from serving import small_county_store
from test_cli import AS_OF, GRIDCHAIN, clean_env

# Each of these costs a short process more than its query; none is needed to print JSON.
HEAVY = (
    "pydantic",
    "typer",
    "click",
    "rich",
    "fastapi",
    "uvicorn",
    "neo4j",
    "openpyxl",
    "networkx",
)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_county_store(tmp_path_factory.mktemp("imports"))


def imported_by(*args: str, db: Path) -> tuple[dict[str, object], set[str]]:
    """The JSON a query printed and the top-level packages its process imported."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", GRIDCHAIN, "--db", str(db), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
        timeout=60,
        env=clean_env(),
    )
    assert result.returncode == 0, result.stderr
    modules = {
        line.rpartition("|")[2].strip().partition(".")[0]
        for line in result.stderr.splitlines()
        if line.startswith("import time:")
    }
    return json.loads(result.stdout), modules


@pytest.mark.parametrize("query", [("who", "H5"), ("trace", "I1")], ids=" ".join)
def test_a_json_answer_imports_no_heavy_library(query: tuple[str, str], store: Path) -> None:
    answer, imported = imported_by(*query, "--as-of", AS_OF, "--json", db=store)
    assert answer["target"] == query[1]
    assert "engine" in imported  # the list is of this process, not an empty one
    assert sorted(imported.intersection(HEAVY)) == []
