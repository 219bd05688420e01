"""The HTTP API read side over real HTTP: auth, scopes, masking, pagination, problems (SPEC §6,
§8). One `gridchain serve` on the small county serves the whole module; nothing here writes."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import httpx
import pytest
from counties import AS_OF
from serving import GRIDCHAIN, KEYS, Server

from api.auth import Principal
from api.scopes import sees_personal_data

# Servers, many processes or large inputs: the quick subset (-m 'not slow') leaves it out.
pytestmark = pytest.mark.slow

DAY = {"as_of": AS_OF.isoformat()}
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def server(server: Server) -> Server:
    """The module's server (tests/conftest.py), its clients asking for English: these tests
    read English texts. tests/test_api_session.py checks that Chinese is the default."""
    return server.speaking("en")


def with_day(path: str) -> str:
    """The path judged on the small county's day (`params=` would replace its own query)."""
    return f"{path}{'&' if '?' in path else '?'}as_of={AS_OF.isoformat()}"


def cli_json(server: Server, *args: str) -> object:
    result = subprocess.run(
        [str(GRIDCHAIN), "--db", str(server.db), *args, "--as-of", AS_OF.isoformat(), "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def assert_problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, object] = response.json()
    assert body["status"] == status
    assert body["title"] and body["detail"]
    return body


# ---- auth ------------------------------------------------------------------------------


def test_health_needs_no_key_and_names_the_backend(server: Server) -> None:
    with server.client() as anonymous:
        assert anonymous.get("/health").json() == {
            "status": "ok",
            # A live Neo4j opted in for the suite (tests/serving.py) is served instead.
            "backend": "memory" if server.live is None else "neo4j",
            "store": {"writable": True},
        }


def test_docs_need_no_key(server: Server) -> None:
    with server.client() as anonymous:
        assert anonymous.get("/docs").status_code == 200
        schema = anonymous.get("/openapi.json").json()
    assert {"/units/{node}/accountability", "/gaps", "/datasets"} <= set(schema["paths"])


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        (None, "needs --keys"),
        ('[{"key": "0123456789abcdef0", "role": "mayor"}]', "does not match any of the expected"),
        ('[{"key": "short", "role": "inspector"}]', "shorter than 32 characters"),
        ("not json", "not JSON"),
    ],
)
def test_serve_refuses_to_start_without_good_keys(
    tmp_path: Path, keys: str | None, message: str
) -> None:
    command = [str(GRIDCHAIN), "--db", str(tmp_path / "g.db"), "serve"]
    if keys is not None:
        (tmp_path / "keys.json").write_text(keys)
        command += ["--keys", str(tmp_path / "keys.json")]
    english = {**os.environ, "GRIDCHAIN_LANG": "en"}
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=60, check=False, env=english
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert "0123456789abcdef0" not in result.stderr


def test_a_bad_keys_file_is_explained_in_chinese_by_default(tmp_path: Path) -> None:
    (tmp_path / "keys.json").write_text("not json")
    command = [str(GRIDCHAIN), "--db", str(tmp_path / "g.db"), "serve"]
    chinese = {k: v for k, v in os.environ.items() if k != "GRIDCHAIN_LANG"}
    result = subprocess.run(
        [*command, "--keys", str(tmp_path / "keys.json")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=chinese,
    )
    assert result.returncode == 2
    assert "密钥文件" in result.stderr and "不是 JSON 文本" in result.stderr


@pytest.mark.parametrize(
    "path", ["/units/H5/accountability", "/gaps", "/stats", "/trace/H5", "/people/M1"]
)
def test_a_missing_key_is_401(server: Server, path: str) -> None:
    with server.client() as anonymous:
        response = anonymous.get(path)
    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("bearer", [False, True], ids=["x-api-key", "bearer"])
def test_an_unknown_key_is_401_in_either_header(server: Server, bearer: bool) -> None:
    with server.client("not-a-key-of-this-server", bearer=bearer) as stranger:
        body = assert_problem(stranger.get("/units/H5/accountability"), 401)
    assert "not-a-key" not in json.dumps(body)


def test_a_bearer_token_is_a_key(server: Server) -> None:
    with server.client(KEYS["inspector"], bearer=True) as client:
        assert client.get("/units/H5/accountability", params=DAY).status_code == 200


def test_a_header_key_opens_pages_too(server: Server) -> None:
    # For scripts that fetch a page; browsers log in (tests/test_api_session.py).
    with server.client(KEYS["inspector"]) as script:
        assert script.get("/").status_code == 200


# ---- the bodies are the CLI's --json ---------------------------------------------------


@pytest.mark.parametrize(
    ("path", "cli"),
    [
        ("/units/H5/accountability", ["who", "H5"]),
        ("/units/I1/accountability", ["who", "I1"]),
        ("/trace/I1", ["trace", "I1"]),
        ("/trace/H7", ["trace", "H7"]),
        ("/stats", ["stats"]),
        ("/stats?scope=T2", ["stats", "--scope", "T2"]),
    ],
)
def test_bodies_are_the_cli_json(
    server: Server, inspector: httpx.Client, path: str, cli: list[str]
) -> None:
    assert inspector.get(with_day(path)).json() == cli_json(server, *cli)


def test_gaps_body_is_the_cli_json_with_a_page(server: Server, inspector: httpx.Client) -> None:
    body = inspector.get("/gaps", params={**DAY, "kind": "missing_commander"}).json()
    page = body.pop("page")
    assert body == cli_json(server, "gaps", "--kind", "missing_commander")
    assert page == {"offset": 0, "limit": 100, "total": 3}


def test_person_lists_responsibilities_and_households_covered(inspector: httpx.Client) -> None:
    body = inspector.get("/people/M1", params=DAY).json()
    assert [(r["role"], r["target"]) for r in body["responsibilities"]] == [("grid_member", "G1")]
    assert body["households_covered"] == 2


# ---- scopes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/units/H8/accountability", "/trace/I1", "/units/C/accountability", "/stats"]
)
def test_an_inspector_reads_everything(inspector: httpx.Client, path: str) -> None:
    assert inspector.get(path, params=DAY).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/units/H8/accountability",
        "/units/T2/accountability",
        "/units/C/accountability",
        "/trace/H10",
        "/residents/R9",
        "/gaps?scope=T2",
        "/stats?scope=V3",
        "/people/L2",
        "/view/who/H8",
    ],
)
def test_a_township_admin_is_refused_outside_its_township(
    t1_admin: httpx.Client, path: str
) -> None:
    body = assert_problem(t1_admin.get(with_day(path)), 403)
    assert "T1" in str(body["detail"])


@pytest.mark.parametrize(
    "path", ["/units/H5/accountability", "/trace/I1", "/residents/R1", "/people/SEC1"]
)
def test_a_township_admin_reads_inside_its_township(t1_admin: httpx.Client, path: str) -> None:
    assert t1_admin.get(path, params=DAY).status_code == 200


def test_a_township_admins_gaps_default_to_its_township(t1_admin: httpx.Client) -> None:
    body = t1_admin.get("/gaps", params=DAY).json()
    assert body["scope"] == "T1"
    assert body["summary"]["by_township"] == {"T1": 3}
    assert all("T1" in gap["path"] for gap in body["gaps"])
    assert t1_admin.get("/stats", params=DAY).json()["scope"] == "T1"


@pytest.mark.parametrize(
    "path", ["/units/H1/accountability", "/trace/H2", "/trace/I2", "/residents/R1", "/people/M1"]
)
def test_a_grid_member_reads_the_households_it_covers(member: httpx.Client, path: str) -> None:
    assert member.get(path, params=DAY).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/units/H3/accountability",
        "/trace/H5",
        "/units/G1/accountability",
        "/residents/R4",
        "/people/M2",
        "/gaps",
        "/stats",
    ],
)
def test_a_grid_member_reads_nothing_else(member: httpx.Client, path: str) -> None:
    assert_problem(member.get(path, params=DAY), 403)


# ---- masking ---------------------------------------------------------------------------


def test_inspector_and_own_township_admin_see_personal_data_in_full(
    inspector: httpx.Client, t1_admin: httpx.Client
) -> None:
    for client in (inspector, t1_admin):
        resident = client.get("/residents/R1").json()
        assert (resident["phone"], resident["id_number"]) == ("13900000001", "640323198001010001")


def test_a_grid_member_sees_personal_data_masked(member: httpx.Client) -> None:
    resident = member.get("/residents/R1", params=DAY).json()
    assert resident["phone"] == "139****0001"
    assert resident["id_number"] == "640323********0001"
    assert resident["name"] == "居民1"


def test_another_townships_admin_would_see_personal_data_masked() -> None:
    # It is refused the resident outright (above); the masking rule holds on its own too.
    assert not sees_personal_data(Principal("township_admin", township="T2"), "T1")
    assert sees_personal_data(Principal("township_admin", township="T1"), "T1")
    assert not sees_personal_data(Principal("grid_member", person="M1"), "T1")


# ---- pagination ------------------------------------------------------------------------


def test_gap_pages_together_are_the_whole_list(inspector: httpx.Client) -> None:
    whole = inspector.get("/gaps", params=DAY).json()
    pages = [
        inspector.get("/gaps", params={**DAY, "offset": offset, "limit": 3}).json()
        for offset in (0, 3, 6, 9)
    ]
    assert [g for page in pages for g in page["gaps"]] == whole["gaps"]
    assert [len(page["gaps"]) for page in pages] == [3, 3, 2, 0]
    assert {page["page"]["total"] for page in pages} == {8}
    assert all(page["summary"] == whole["summary"] for page in pages)


def test_responsibilities_are_paginated(inspector: httpx.Client) -> None:
    body = inspector.get("/people/F1", params={**DAY, "limit": 1, "offset": 1}).json()
    assert [r["target"] for r in body["responsibilities"]] == ["H9"]
    assert body["page"] == {"offset": 1, "limit": 1, "total": 2}


@pytest.mark.parametrize(
    "params",
    [{"limit": 0}, {"limit": 1001}, {"offset": -1}, {"limit": "x"}, {"limit_households": 0}],
)
def test_bad_page_parameters_are_422(inspector: httpx.Client, params: dict[str, object]) -> None:
    body = assert_problem(inspector.get("/gaps", params=params), 422)
    [error] = body["errors"]  # type: ignore[misc]
    assert error["location"] == "query" and error["field"] == next(iter(params))


# ---- problems --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/units/NOPE/accountability",
        "/trace/NOPE",
        "/residents/NOPE",
        "/residents/H1",
        "/people/NOPE",
        "/assignments/NOPE",
        "/gaps?scope=NOPE",
        "/view/trace/NOPE",
        "/no/such/route",
    ],
)
def test_unknown_ids_are_404_problems(inspector: httpx.Client, path: str) -> None:
    assert_problem(inspector.get(with_day(path)), 404)


def test_a_bad_date_is_422_naming_the_field(inspector: httpx.Client) -> None:
    body = assert_problem(inspector.get("/trace/H5", params={"as_of": "2024-13-01"}), 422)
    assert body["errors"] == [
        {"location": "query", "field": "as_of", "message": body["errors"][0]["message"]}  # type: ignore[index]
    ]


def test_a_bad_gap_kind_is_422(inspector: httpx.Client) -> None:
    body = assert_problem(inspector.get("/gaps", params={"kind": "lonely"}), 422)
    assert "missing_commander" in str(body["detail"])


def test_asking_a_person_for_a_chain_is_422(inspector: httpx.Client) -> None:
    assert "Person" in str(assert_problem(inspector.get("/units/M1/accountability"), 422)["detail"])


def test_a_wrong_method_is_a_405_problem(inspector: httpx.Client) -> None:
    assert_problem(inspector.delete("/gaps"), 405)


# ---- pages and logs --------------------------------------------------------------------


def test_dashboard_counts_gaps_per_township_and_links_lists(server: Server) -> None:
    with server.browser(KEYS["inspector"]) as browser:
        page = browser.get("/", params=DAY)
        assert page.headers["content-type"].startswith("text/html")
        assert page.headers["referrer-policy"] == "no-referrer"
        html = page.text
        assert "/view/gaps?scope=T2&amp;kind=missing_commander&amp;as_of=2024-06-01" in html
        listing = browser.get("/view/gaps", params={**DAY, "scope": "T1"}).text
    assert "/view/trace/H4?as_of=2024-06-01" in listing
    assert "key=" not in html + listing
    assert "uncovered household" in listing


def test_keys_never_reach_the_log(server: Server, t1_admin: httpx.Client) -> None:
    with server.client() as browser:
        assert browser.get("/", params={"key": KEYS["inspector"]}).status_code == 400
        browser.post("/login", data={"key": KEYS["t2_admin"]})
        browser.post("/login", data={"key": "a-wrong-key-at-login-000000"})
    t1_admin.get("/gaps")
    with server.client("an-unknown-key-0000000000") as stranger:
        stranger.get("/stats")
    log = Path(server.log).read_text()
    assert "GET /?key=%2A%2A%2A" in log  # the access log is on, and redacted
    assert "POST /login" in log
    for key in (*KEYS.values(), "an-unknown-key-0000000000", "a-wrong-key-at-login-000000"):
        assert key not in log
