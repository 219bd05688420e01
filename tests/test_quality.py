"""The project's own checks, run as tests so CI holds every commit to them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOLS = Path(sys.executable).parent


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)


def test_ruff_is_clean() -> None:
    result = run(str(TOOLS / "ruff"), "check", "engine", "api", "tests", "bench")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_kept() -> None:
    """Six test files had drifted from the formatter while `ruff check` stayed green."""
    result = run(str(TOOLS / "ruff"), "format", "--check", "engine", "api", "tests", "bench")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_is_clean() -> None:
    result = run(str(TOOLS / "mypy"))
    assert result.returncode == 0, result.stdout + result.stderr
