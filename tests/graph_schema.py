"""The graph's schema as the code writes it: labels, relationship types and property keys, as
`.ci/cypher-lint/lint_input.py` derives them for Neo4j's linter (one definition for every
check that needs to know what the graph holds)."""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path
from types import ModuleType

LINT = Path(__file__).resolve().parent.parent / ".ci" / "cypher-lint"


@cache
def lint_input() -> ModuleType:
    spec = importlib.util.spec_from_file_location("lint_input", LINT / "lint_input.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@cache
def schema() -> dict[str, list[str]]:
    found: dict[str, list[str]] = lint_input().lint_input()["schema"]
    return found
