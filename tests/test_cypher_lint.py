"""Neo4j's own Cypher linter (`.ci/cypher-lint`, npm `@neo4j-cypher/language-support`) over
every statement gridchain sends, under Cypher 5 and Cypher 25, as CI runs it before the tests.
Skipped only where no `node` is installed (CI has it); the package is installed here with
`npm ci` when it is missing or not the locked version. The linter runs take half a minute of
CPU, hence `slow`."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import fields
from typing import Any

import pytest
from graph_schema import LINT
from graph_schema import lint_input as lint_input_module

from engine.backends.neo4j.statements import sections
from engine.model import ALL_LABELS, Household, IssueEvent, Sweep, Visit

PACKAGE = "@neo4j-cypher/language-support"
VERSIONS = ("CYPHER 5", "CYPHER 25")
lint_input = lint_input_module()


def locked_version() -> str:
    lock = json.loads((LINT / "package-lock.json").read_text(encoding="utf-8"))
    version: str = lock["packages"][f"node_modules/{PACKAGE}"]["version"]
    return version


def installed_version() -> str | None:
    manifest = LINT / "node_modules" / PACKAGE / "package.json"
    if not manifest.is_file():
        return None
    version: str = json.loads(manifest.read_text(encoding="utf-8"))["version"]
    return version


@pytest.fixture(scope="module")
def node() -> str:
    found = shutil.which("node")
    if found is None:
        pytest.skip("node is not installed: Neo4j's Cypher linter is a Node package")
    if installed_version() != locked_version():
        npm = shutil.which("npm")
        assert npm is not None, "node is installed without npm: cannot install the linter"
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=LINT, check=True, timeout=600)
    return found


def lint(node: str, payload: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [node, str(LINT / "lint.mjs")],
        input=json.dumps(payload, ensure_ascii=False),
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
        timeout=900,
    )


def test_the_package_is_pinned_to_one_exact_version() -> None:
    manifest = json.loads((LINT / "package.json").read_text(encoding="utf-8"))
    assert manifest["dependencies"] == {PACKAGE: locked_version()}


def test_every_statement_file_is_linted_but_falkordbs_own_schema() -> None:
    files = lint_input.statement_files()
    assert {"gaps", "store", "schema_neo4j", "browser/gaps", "browser/who"} <= set(files)
    assert "schema_falkordb" not in files
    linted = {(s["file"], s["name"]) for s in lint_input.statements()}
    assert ("cypher/browser/trace.cypher", "trace_issue") in linted
    assert len(linted) == sum(len(sections(file)) for file in files)


def test_the_schema_is_what_the_code_writes() -> None:
    schema = lint_input.lint_input()["schema"]
    assert set(ALL_LABELS) | {"Unit", "Body", "IssueEvent", "Department"} <= set(schema["labels"])
    assert set(schema["relationshipTypes"]) == {
        "IN",
        "MEMBER_OF",
        "SERVES",
        "HOLDS",
        "ABOUT",
        "REPORTED_BY",
        "RESPONSIBLE_FOR",
        "OF",
        "DISPATCHED_TO",
        "VISITED",
        "OVER",
    }
    stored = {f.name for record in (Household, IssueEvent, Visit, Sweep) for f in fields(record)}
    assert stored - {"extra"} | {"label"} <= set(schema["propertyKeys"])
    assert "extra" not in schema["propertyKeys"]


@pytest.mark.slow
def test_neo4j_finds_nothing_in_any_statement(node: str) -> None:
    payload = lint_input.lint_input()
    result = lint(node, payload)
    assert result.returncode == 0, result.stdout + result.stderr
    count = len(payload["statements"])
    assert f"{count} statements clean under CYPHER 5 and CYPHER 25" in result.stdout


MISTAKES = {
    "syntax": "MATCH (n:Unit RETURN n",
    "unknown_type": "MATCH (p:Person)-[:RESPONSIBLE_FRO]->(u:Unit) RETURN p.id",
    "unknown_property": "MATCH (n:Unit) RETURN n.nmae",
    "unknown_label": "MATCH (n:Unti) RETURN n.id",
    "deprecated": "MATCH (n:Unit) RETURN id(n) AS key",
    "falkordb_function": "MATCH (n:Unit) RETURN toJSON(n) AS text",
}


@pytest.mark.slow
def test_each_mistake_fails_with_its_file_and_name_under_both_versions(node: str) -> None:
    payload = lint_input.lint_input()
    payload["statements"] = [
        {"file": "cypher/mistakes.cypher", "name": name, "text": text}
        for name, text in MISTAKES.items()
    ]
    result = lint(node, payload)
    assert result.returncode == 1, result.stdout + result.stderr
    for name in MISTAKES:
        for version in VERSIONS:
            assert f"cypher/mistakes.cypher :name {name} ({version})" in result.stdout
    assert "deprecation: The query used a deprecated function" in result.stdout
    assert "Function toJSON is not present in the database" in result.stdout
