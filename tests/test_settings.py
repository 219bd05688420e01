"""One settings object, checked when the server starts (issue 11, item 11): a bad value stops
`gridchain serve` with exit 2, naming the variable and what it expects; a short command reads
only what it needs.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from serving import GRIDCHAIN, free_port, key_file, small_county_store
from test_cli import AS_OF, clean_env, run

from engine.settings import Limits, SettingsError, load

# Servers, many processes or large inputs: the quick subset (-m 'not slow') leaves it out.
pytestmark = pytest.mark.slow

BAD = [
    ("GRIDCHAIN_SLA_DAYS", "not json"),
    ("GRIDCHAIN_SLA_DAYS", '{"dispute": 0}'),
    ("GRIDCHAIN_ESCALATION_DAYS", "soon"),
    ("GRIDCHAIN_ZONE", "Mars/Olympus_Mons"),
    ("GRIDCHAIN_SESSION_LIFETIME_SECONDS", "-5"),
    ("GRIDCHAIN_BATCH_SIZE", "many"),
    ("GRIDCHAIN_QUERY_SECONDS", "0"),
    ("GRIDCHAIN_HEADER_SECONDS", "inf"),
    ("GRIDCHAIN_MAX_UPLOAD_BYTES", "50MB"),
    ("GRIDCHAIN_EXPENSIVE_PER_KEY", "-1"),
    ("GRIDCHAIN_VISIT_DAYS", "subsistence=often"),
    ("GRIDCHAIN_VISIT_DAYS", "marginal=0"),
]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("settings")
    small_county_store(folder)
    key_file(folder)
    return folder


def serve(folder: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """`gridchain serve`, which must stop at once (it would otherwise serve until killed)."""
    command = [GRIDCHAIN, "--db", folder / "gridchain.db", "serve", "--port", free_port()]
    return subprocess.run(
        [str(part) for part in [*command, "--keys", folder / "keys.json"]],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
        timeout=30,
        env=clean_env(**env),
    )


@pytest.mark.parametrize(("name", "value"), BAD, ids=[f"{n}={v}" for n, v in BAD])
def test_a_bad_setting_stops_the_server_naming_it(folder: Path, name: str, value: str) -> None:
    refused = serve(folder, **{name: value})
    assert refused.returncode == 2, refused.stderr
    [line] = refused.stderr.splitlines()
    assert f"{name}={value!r}" in line
    assert "应为" in line  # Chinese unless asked otherwise


def test_the_refusal_in_english(folder: Path) -> None:
    english = serve(folder, GRIDCHAIN_SLA_DAYS="not json", GRIDCHAIN_LANG="en")
    assert english.returncode == 2
    assert english.stderr == (
        "error: GRIDCHAIN_SLA_DAYS='not json': expected a JSON object "
        '{"category": days, ...} with positive whole days\n'
    )


def test_a_bad_language_stops_the_server_in_both_languages(folder: Path) -> None:
    refused = serve(folder, GRIDCHAIN_LANG="fr")
    assert refused.returncode == 2
    assert "GRIDCHAIN_LANG='fr'" in refused.stderr
    assert "zh" in refused.stderr and "en" in refused.stderr


def test_a_question_reads_only_the_settings_it_needs(folder: Path) -> None:
    """`who` has no use for the server's limits: a bad one does not stop it."""
    asked = run(
        "who", "H5", "--as-of", AS_OF, "--json",
        db=folder / "gridchain.db",
        env=clean_env(GRIDCHAIN_QUERY_SECONDS="never"),
    )  # fmt: skip
    assert asked.returncode == 0, asked.stderr


def test_every_setting_is_read_from_one_mapping() -> None:
    settings = load(
        {
            "GRIDCHAIN_LANG": "en",
            "GRIDCHAIN_ZONE": "UTC",
            "GRIDCHAIN_SLA_DAYS": '{"dispute": 2}',
            "GRIDCHAIN_ESCALATION_DAYS": "4",
            "GRIDCHAIN_SESSION_IDLE_SECONDS": "60",
            "GRIDCHAIN_BATCH_SIZE": "10",
            "GRIDCHAIN_MAX_JSON_BYTES": "1024",
            "GRIDCHAIN_QUERY_SECONDS": "2.5",
            "GRIDCHAIN_VISIT_DAYS": "兜底户=14, marginal=60",
            "NEO4J_PASSWORD": "secret-password",
        }
    )
    assert settings.lang == "en"
    assert str(settings.zone) == "UTC"
    assert settings.issues.due_days["dispute"] == 2
    assert settings.issues.escalation_days == 4
    assert settings.sessions.idle_seconds == 60
    assert settings.neo4j.batch_size == 10
    assert settings.limits.json_bytes == 1024
    assert settings.limits.query_seconds == 2.5
    assert settings.limits.upload_bytes == Limits().upload_bytes
    assert settings.visit_days == {
        "income_drop": 30,
        "subsistence": 14,
        "poverty_watch": 30,
        "marginal": 60,
    }
    assert "secret-password" not in repr(settings)


@pytest.mark.parametrize(("name", "value"), BAD, ids=[f"{n}={v}" for n, v in BAD])
def test_a_bad_value_is_named(name: str, value: str) -> None:
    with pytest.raises(SettingsError) as refused:
        load({name: value})
    assert refused.value.name == name
