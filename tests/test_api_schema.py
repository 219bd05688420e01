"""schemathesis against the app's own OpenAPI, over real HTTP: whatever it sends, no 500, and
every answer matches the schema (status, media type, body). Its own server: it writes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from serving import KEYS, Server

# Servers, many processes or large inputs: the quick subset (-m 'not slow') leaves it out.
pytestmark = pytest.mark.slow

ST = Path(sys.executable).parent / "st"
# Real ids, offered half of the time, so cases reach answers and not only 404s.
CONFIG = """
[dictionaries.nodes]
values = ["H1", "H5", "H8", "I1", "R1", "G3", "V2", "T1", "T2", "C"]
[dictionaries.people]
values = ["M1", "SEC1", "L2"]
[dictionaries.residents]
values = ["R1", "R9"]
[parameters]
"path.node" = { dictionary = "nodes", probability = 0.5 }
"query.scope" = { dictionary = "nodes", probability = 0.5 }
"path.person" = { dictionary = "people", probability = 0.5 }
"path.resident" = { dictionary = "residents", probability = 0.5 }
"""


@pytest.mark.parametrize("holder", ["inspector", "t1_admin"])
def test_the_api_keeps_its_openapi_contract(server: Server, tmp_path: Path, holder: str) -> None:
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG, encoding="utf-8")
    result = subprocess.run(
        [
            str(ST),
            "--config-file",
            str(config),
            "run",
            f"{server.url}/openapi.json",
            "--header",
            f"X-API-Key: {KEYS[holder]}",
            "--checks",
            "all",
            # Schema-valid bodies name people and places that do not exist: 422 is right.
            "--exclude-checks",
            "positive_data_acceptance",
            "--max-examples",
            "25",
            "--seed",
            "2024",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
    log = server.log.read_text()
    assert "Exception in ASGI application" not in log
    assert '" 500' not in log
