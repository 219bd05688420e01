"""Which keys may start a server, and what a key may read, judged on today (issue 11, items 3,
4 and 10): through the installed `gridchain` and a real `gridchain serve`.

The county here is the small one (tests/counties.py) and a few people placed on purpose:

    GONE    grid member of H4 (T1) from 2019 to 2021: covers nothing today
    SOON    grid member of H4 from 2099: covers nothing yet
    NOW     grid member of H4 since 2025: covers it today, not in 2021
    SHARED  grid member of H3 (T1) and of H10 (T2), both today
    MOVED   grid member of H5 (T1) from 2019 to 2021, of H11 (T2) since 2022
    FORMER  grid member of H6 (T1) from 2019 to 2021, nothing since
    NEWBIE  no assignment at all
"""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from counties import small
from serving import GRIDCHAIN, Server, free_port

from engine.backends.memory import MemoryBackend
from engine.importer import validate
from engine.ledger import tables_from_rows

# Servers, many processes or large inputs: the quick subset (-m 'not slow') leaves it out.
pytestmark = pytest.mark.slow

CHECKOUT = Path(__file__).parent.parent
EXAMPLE_KEYS = CHECKOUT / "docker" / "keys.example.json"
# A refused start answers at once; a server that starts instead is stopped after this long.
REFUSAL_SECONDS = 60
PAST_DAY = "2021-06-01"
UNITS_HEADER = "id,name,level,parent_id\n"  # every upload has a units.csv; a merge's may be empty
FUTURE_DAY = "2099-01-01"

PLACED = [
    ("GONE", "grid_member", "H4", "2019-01-01", "2021-12-31"),
    ("SOON", "grid_member", "H4", FUTURE_DAY, ""),
    ("NOW", "grid_member", "H4", "2025-01-01", ""),
    ("SHARED", "grid_member", "H3", "", ""),
    ("SHARED", "grid_member", "H10", "", ""),
    ("MOVED", "grid_member", "H5", "2019-01-01", "2021-12-31"),
    ("MOVED", "grid_member", "H11", "2022-01-01", ""),
    ("FORMER", "grid_member", "H6", "2019-01-01", "2021-12-31"),
]
NEWCOMERS = ["GONE", "SOON", "NOW", "SHARED", "MOVED", "FORMER", "NEWBIE"]

# Random past their holder's name, as `gridchain keygen` would make them.
KEYS = {
    "inspector": "inspector-Qm8vT2xLp4Rk9wZs6NdY3cHj",
    "t1_admin": "t1-admin-Vb7nK3qWz8Ld2Xp5Rt9Mc4Hs",
    "t2_admin": "t2-admin-Jf6pR9wXc3Nk8Lt2Vb5Qz7Dm",
    "gone": "gone-member-Xk4Lq9Zt2Wp7Rn3Vc8Bs5Hd",
    "soon": "soon-member-Pz3Wn8Kt5Lq2Xr9Vc6Bm4Hj",
    "now": "now-member-Rt7Kq2Lz9Xp4Wn6Vc3Bs8Md",
}
KEY_FILE = [
    {"key": KEYS["inspector"], "role": "inspector"},
    {"key": KEYS["t1_admin"], "role": "township_admin", "township": "T1"},
    {"key": KEYS["t2_admin"], "role": "township_admin", "township": "T2"},
    {"key": KEYS["gone"], "role": "grid_member", "person": "GONE"},
    {"key": KEYS["soon"], "role": "grid_member", "person": "SOON"},
    {"key": KEYS["now"], "role": "grid_member", "person": "NOW"},
]


def county_store(folder: Path) -> Path:
    rows = small()
    rows["people"] += [
        {"id": p, "name": p, "kind": "grid_member", "org": "", "phone": "13700000000"}
        for p in NEWCOMERS
    ]
    rows["assignments"] += [
        dict(zip(("person_id", "role", "target_id", "since", "until"), row, strict=True))
        for row in PLACED
    ]
    db = folder / "gridchain.db"
    backend = MemoryBackend(db)
    backend.store(validate(tables_from_rows(rows), backend.known_labels))
    backend.close()
    return db


def write_keys(folder: Path, entries: object, name: str = "keys.json") -> Path:
    path = folder / name
    path.write_text(json.dumps(entries), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("keys")
    db = county_store(folder)
    running = Server(db, write_keys(folder, KEY_FILE), folder / "server.log").start()
    yield running.speaking("en")
    running.stop()


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same county, for servers that should refuse to start on it."""
    return county_store(tmp_path_factory.mktemp("refusals"))


def serve(db: Path, keys: Path, lang: str | None = "en") -> subprocess.CompletedProcess[str]:
    """`gridchain serve` on `db` with `keys`, expected to refuse at once."""
    env = {k: v for k, v in os.environ.items() if k != "GRIDCHAIN_LANG"}
    command = [GRIDCHAIN, "--db", db, "serve", "--port", str(free_port()), "--keys", keys]
    try:
        return subprocess.run(
            [str(part) for part in command],
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=REFUSAL_SECONDS,
            check=False,
            env={**env, "GRIDCHAIN_LANG": lang} if lang else env,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"gridchain serve started with {keys.read_text(encoding='utf-8')}")


def zipped(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def keygen(*args: str | Path, lang: str = "en") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [GRIDCHAIN, "--lang", lang, "keygen", *(str(arg) for arg in args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )


GOOD = "Zt7Wq2Lm9Xk4Rp8Vn3Bc6Hs5Jd1Fg0Ay"  # 32 characters, 30 of them different


# ---- item 3: which keys may start a server -------------------------------------------------


def test_the_example_keys_file_cannot_start_a_server(store: Path) -> None:
    result = serve(store, EXAMPLE_KEYS)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1  # one line
    for entry in range(1, len(json.loads(EXAMPLE_KEYS.read_text(encoding="utf-8"))) + 1):
        assert f"entry {entry}: a published example key" in result.stderr
    for example in json.loads(EXAMPLE_KEYS.read_text(encoding="utf-8")):
        assert example["key"] not in result.stderr


def test_the_examples_are_marked_and_the_docs_make_keys_instead() -> None:
    """docker's example keys carry `change-me`, which no serving key may hold; the README and
    the API pages make keys with `gridchain keygen` rather than copy the examples."""
    examples = json.loads(EXAMPLE_KEYS.read_text(encoding="utf-8"))
    assert examples and all("change-me" in entry["key"] for entry in examples)
    for page in ("README.md", "docs/en/api.md", "docs/zh/api.md"):
        text = (CHECKOUT / page).read_text(encoding="utf-8")
        assert "keys.example.json keys.json" not in text and "gridchain keygen" in text, page


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("inspector-key-change-me-0001", "a published example key"),  # the old example
        ("Zt7Wq2Lm9Xk4Rp8Vn3Bc6Hs", "the key is shorter than 32 characters"),
        ("a" * 40, "the key is easy to guess: fewer than 10 different characters"),
        ("ab12" * 10, "the key is easy to guess: fewer than 10 different characters"),
        ("12345678901234567890123456789012", "the key is easy to guess: under 128 bits"),
        (" " * 40, "the key is blank"),
        ("", "the key is blank"),
        ("Zt7Wq2Lm9Xk4 Rp8Vn3Bc6Hs5Jd1Fg0Ay", "a key is printable ASCII characters without spaces"),
        (
            "Zt7Wq2Lm9Xk4Rp8Vn3Bc6Hs5Jd1Fg0Ay密",
            "a key is printable ASCII characters without spaces",
        ),
    ],
)
def test_a_weak_key_stops_the_server_naming_its_entry(
    store: Path, tmp_path: Path, key: str, reason: str
) -> None:
    entries = [{"key": GOOD, "role": "inspector"}, {"key": key, "role": "inspector"}]
    result = serve(store, write_keys(tmp_path, entries))
    assert result.returncode == 2
    assert f"entry 2: {reason}" in result.stderr
    assert "entry 1" not in result.stderr
    assert not key.strip() or key not in result.stderr
    assert GOOD not in result.stderr


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        ({"role": "township_admin", "township": "T99"}, "no township 'T99' in the store"),
        ({"role": "township_admin", "township": "V1"}, "no township 'V1' in the store"),
        ({"role": "grid_member", "person": "P404"}, "no person 'P404' in the store"),
        ({"role": "grid_member", "person": "H1"}, "no person 'H1' in the store"),
    ],
)
def test_a_key_for_a_township_or_person_not_stored_stops_the_server(
    store: Path, tmp_path: Path, entry: dict[str, str], reason: str
) -> None:
    entries = [{"key": GOOD, "role": "inspector"}, {"key": GOOD[::-1], **entry}]
    result = serve(store, write_keys(tmp_path, entries))
    assert result.returncode == 2
    assert f"entry 2: {reason}" in result.stderr
    assert GOOD[::-1] not in result.stderr


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ({}, "must be a JSON list with one entry per key, not an object"),
        ("keys", "must be a JSON list with one entry per key, not a string"),
        (7, "must be a JSON list with one entry per key, not a number or a boolean"),
    ],
)
def test_a_keys_file_that_is_no_list_is_explained(
    store: Path, tmp_path: Path, content: object, said: str
) -> None:
    result = serve(store, write_keys(tmp_path, content))
    assert result.returncode == 2
    assert said in result.stderr
    assert "internal error" not in result.stderr


def test_a_refused_key_is_explained_in_chinese_by_default(store: Path, tmp_path: Path) -> None:
    entries = [{"key": " " * 16, "role": "inspector"}, {"key": GOOD, "role": "inspector"}]
    blank = serve(store, write_keys(tmp_path, entries), lang=None)
    assert blank.returncode == 2
    assert "第 1 项: 密钥是空白的" in blank.stderr
    unknown = [{"key": GOOD, "role": "township_admin", "township": "T99"}]
    absent = serve(store, write_keys(tmp_path, unknown, "unknown.json"), lang=None)
    assert "第 1 项: 存储中没有乡镇 'T99'" in absent.stderr
    listless = serve(store, write_keys(tmp_path, {}, "object.json"), lang=None)
    assert "应是一个 JSON 列表" in listless.stderr


# ---- gridchain keygen: a good key, and a file that starts a server ---------------------------


def test_keygen_prints_an_entry_with_a_new_random_key() -> None:
    first, second = keygen("--role", "inspector"), keygen("--role", "inspector")
    entries = [json.loads(first.stdout), json.loads(second.stdout)]
    assert [entry["role"] for entry in entries] == ["inspector", "inspector"]
    assert len(entries[0]["key"]) == 43 and entries[0]["key"] != entries[1]["key"]


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--role", "township_admin"], "--role township_admin takes --township and no other"),
        (
            ["--role", "grid_member", "--township", "T1", "--person", "M1"],
            "--role grid_member takes --person and no other",
        ),
        (["--role", "inspector", "--person", "M1"], "takes neither --township nor --person"),
    ],
)
def test_keygen_asks_for_the_subject_its_role_has(args: list[str], said: str) -> None:
    result = keygen(*args)
    assert result.returncode == 2
    assert said in result.stderr and not result.stdout


def test_keygen_speaks_chinese_by_default() -> None:
    result = subprocess.run(
        [GRIDCHAIN, "keygen", "--role", "township_admin"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
        env={k: v for k, v in os.environ.items() if k != "GRIDCHAIN_LANG"},
    )
    assert result.returncode == 2
    assert "--role township_admin 需要 --township" in result.stderr


def test_keys_made_by_keygen_start_a_server(tmp_path: Path) -> None:
    keys = tmp_path / "keys.json"
    made = {
        "inspector": keygen("--role", "inspector", "--add", keys),
        "t1": keygen("--role", "township_admin", "--township", "T1", "--add", keys),
        "m1": keygen("--role", "grid_member", "--person", "M1", "--add", keys),
    }
    assert all(result.returncode == 0 for result in made.values())
    assert "as entry 3" in made["m1"].stderr
    assert stat.S_IMODE(keys.stat().st_mode) == 0o600  # the keys file is its owner's alone
    held = {name: result.stdout.strip() for name, result in made.items()}
    assert [entry["key"] for entry in json.loads(keys.read_text(encoding="utf-8"))] == list(
        held.values()
    )
    db = county_store(tmp_path)
    server = Server(db, keys, tmp_path / "server.log").start()
    try:
        with server.client(held["t1"]) as t1, server.client(held["m1"]) as m1:
            assert t1.get("/residents/R1").json()["phone"] == "13900000001"
            assert m1.get("/units/H1/accountability").status_code == 200
            assert m1.get("/units/H4/accountability").status_code == 403
    finally:
        server.stop()
    assert not any(key in (tmp_path / "server.log").read_text() for key in held.values())


def test_keygen_refuses_to_add_to_a_file_that_is_no_keys_list(tmp_path: Path) -> None:
    keys = tmp_path / "keys.json"
    keys.write_text('{"key": "x"}', encoding="utf-8")
    result = keygen("--role", "inspector", "--add", keys)
    assert result.returncode == 2
    assert f"--add {keys}: not a JSON list" in result.stderr
    assert keys.read_text(encoding="utf-8") == '{"key": "x"}'


# ---- item 4: a caller's scope is judged on today --------------------------------------------

# Every question of a household a grid member may ask: the JSON and the pages.
ASKED = [
    "/residents/R5",
    "/units/H4/accountability",
    "/trace/H4",
    "/view/who/H4",
    "/view/trace/H4",
]


@pytest.mark.parametrize("path", ASKED)
@pytest.mark.parametrize("as_of", [None, PAST_DAY, "2019-01-01"])
def test_an_ended_assignment_reads_nothing_whatever_the_day_asked(
    county: Server, path: str, as_of: str | None
) -> None:
    with county.client(KEYS["gone"]) as gone:
        response = gone.get(path, params={"as_of": as_of} if as_of else {})
    assert response.status_code == 403, response.text


@pytest.mark.parametrize("path", ASKED)
@pytest.mark.parametrize("as_of", [None, FUTURE_DAY])
def test_an_assignment_to_come_reads_nothing_yet(
    county: Server, path: str, as_of: str | None
) -> None:
    with county.client(KEYS["soon"]) as soon:
        response = soon.get(path, params={"as_of": as_of} if as_of else {})
    assert response.status_code == 403, response.text


@pytest.mark.parametrize("path", ASKED)
def test_a_member_covering_today_reads_any_day_of_its_household(county: Server, path: str) -> None:
    with county.client(KEYS["now"]) as now:
        response = now.get(path, params={"as_of": PAST_DAY})
    assert response.status_code == 200, response.text


def test_the_chain_asked_about_is_the_one_of_the_day_asked(county: Server) -> None:
    """Scope on today, answer on `as_of`: in 2021 GONE held H4, not NOW."""
    with county.client(KEYS["now"]) as now:
        chain = now.get("/units/H4/accountability", params={"as_of": PAST_DAY}).json()["chain"]
    assert [a["person"]["id"] for a in chain[0]["assignments"]] == ["GONE"]


def test_a_township_admin_reads_a_person_serving_there_today_whatever_the_day_asked(
    county: Server,
) -> None:
    """MOVED served in T1 until 2021 and serves in T2 now."""
    with county.client(KEYS["t1_admin"]) as t1, county.client(KEYS["t2_admin"]) as t2:
        assert t1.get("/people/MOVED", params={"as_of": PAST_DAY}).status_code == 403
        assert t1.get("/people/MOVED/coverage", params={"as_of": PAST_DAY}).status_code == 403
        assert t2.get("/people/MOVED", params={"as_of": PAST_DAY}).status_code == 200


# ---- item 10: whom a township admin may assign, and what of a person it reads ---------------


def assign(client: httpx.Client, person: str, target: str) -> httpx.Response:
    body = {"person_id": person, "target_id": target, "role": "grid_member", "since": "2026-01-01"}
    return client.post("/assignments", json=body)


@pytest.mark.parametrize("person", ["M5", "MOVED"])
def test_a_township_admin_cannot_make_another_townships_person_its_own(
    county: Server, person: str
) -> None:
    """M5 serves in T2; MOVED served in T1 once and serves in T2 now."""
    with county.client(KEYS["t1_admin"]) as t1:
        refused = assign(t1, person, "G2")
        assert refused.status_code == 403
        assert f"{person!r} has served outside township 'T1'" in refused.json()["detail"]
        assert t1.get(f"/people/{person}").status_code == 403
        assert t1.get(f"/view/people/{person}/coverage").status_code == 403
    with county.client(KEYS["inspector"]) as inspector:
        held = inspector.get(f"/people/{person}").json()["responsibilities"]
    assert "G2" not in {r["target"] for r in held}


def test_an_upload_cannot_assign_another_townships_person_either(county: Server) -> None:
    ledger = "person_id,target_id,role,since\nM5,G2,grid_member,2026-01-01\n"
    with county.client(KEYS["t1_admin"]) as t1:
        files = {
            "file": (
                "ledgers.zip",
                zipped({"units.csv": UNITS_HEADER, "assignments.csv": ledger}),
                "application/zip",
            )
        }
        refused = t1.post("/datasets", files=files, params={"merge": "true"})
    assert refused.status_code == 403, refused.text
    assert "M5>G2:grid_member@2026-01-01" in refused.json()["detail"]


@pytest.mark.parametrize(
    ("person", "target"),
    [("M2", "H2"), ("NEWBIE", "H2"), ("FORMER", "H7")],
    ids=["serving-in-the-township", "never-assigned", "served-only-in-the-township"],
)
def test_a_township_admin_assigns_its_own_people(county: Server, person: str, target: str) -> None:
    with county.client(KEYS["t1_admin"]) as t1:
        created = assign(t1, person, target)
        assert created.status_code == 201, created.text
        assert target in {
            r["target"] for r in t1.get(f"/people/{person}").json()["responsibilities"]
        }


def test_a_township_admin_reads_what_a_person_holds_in_its_township(county: Server) -> None:
    """SHARED is a grid member in T1 (H3) and in T2 (H10)."""
    seen = {}
    for holder in ("inspector", "t1_admin", "t2_admin"):
        with county.client(KEYS[holder]) as client:
            person = client.get("/people/SHARED").json()
            coverage = client.get("/people/SHARED/coverage").json()
            page = client.get("/view/people/SHARED/coverage").text
        held = sorted(r["target"] for r in person["responsibilities"])
        covered = sorted(a["unit"] for a in coverage["assignments"])
        seen[holder] = (held, person["households_covered"], person["page"]["total"], covered)
        assert ("H10" in page) == (holder != "t1_admin") and ("H3" in page) == (
            holder != "t2_admin"
        )
    assert seen == {
        "inspector": (["H10", "H3"], 2, 2, ["H10", "H3"]),
        "t1_admin": (["H3"], 1, 1, ["H3"]),
        "t2_admin": (["H10"], 1, 1, ["H10"]),
    }
