"""The pages of work done, as the server sends them (issue 13, item 4): a sweep's scorecard
ranking units and people by coverage with each unit's accountable person, a picker, a running
sweep's coverage so far (截至今日), exports like every list, the dashboard's links to the
scorecards of the caller's sweeps, and the gaps of visits in the gap list."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator

import httpx
import pytest
from openpyxl import load_workbook
from serving import KEYS, Server, key_file
from test_pages import links_of, rows_of
from work_done import AS_OF, work_done_store

pytestmark = pytest.mark.slow

DAY = {"as_of": AS_OF.isoformat()}
TODAY = dt.date.today()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("pages")
    running = Server(work_done_store(folder), key_file(folder), folder / "server.log").start()
    yield running
    running.stop()


@pytest.fixture
def inspector(server: Server) -> Iterator[httpx.Client]:
    with server.client(KEYS["inspector"]) as client:
        yield client


def test_the_scorecard_page_ranks_grids_with_their_accountable_people_in_chinese(
    inspector: httpx.Client,
) -> None:
    response = inspector.get("/view/scorecard", params={"sweep": "S1", **DAY})
    assert response.status_code == 200, response.text
    html = response.text
    assert '<html lang="zh-CN">' in html
    assert "春季大摸排（S1）走访覆盖率，按网格" in html
    rows = rows_of(html)
    assert rows[0] == ["单元", "户数", "已走访", "覆盖率", "责任人", "上报事项", "按期办结", "满意"]
    assert [row[:5] for row in rows[1:]] == [
        ["二组 (G2)", "2", "0", "0.0%", "空缺"],
        ["锦绣小区 (G3)", "3", "1", "33.3%", "黄网格长 (GH3, 网格长)"],
        ["一组 (G1)", "2", "1", "50.0%", "杨网格长 (GH1, 网格长)"],
        ["合计：花马池镇", "7", "2", "28.6%", ""],
    ]
    hrefs = links_of(html)
    assert "/view/who/G2?as_of=2024-06-01" in hrefs
    assert "/view/people/GH1/coverage?as_of=2024-06-01" in hrefs
    assert "/view/scorecard?sweep=S1&by=grid&format=xlsx&as_of=2024-06-01" in hrefs
    # The picker: every sweep the caller reads, and each ranking.
    assert 'action="/view/scorecard"' in html
    assert '<option value="S1" selected>' in html and '<option value="S2">' in html
    assert '<option value="person">' in html


def test_the_scorecard_ranks_people_and_exports_as_csv_and_xlsx(inspector: httpx.Client) -> None:
    people = inspector.get("/view/scorecard", params={"sweep": "S1", "by": "person", **DAY}).text
    rows = rows_of(people)
    assert rows[0][:4] == ["人员", "户数", "已走访", "覆盖率"]
    assert ["郑网格员 (M1)", "2", "1", "50.0%"] in [row[:4] for row in rows]
    assert "/view/people/M1/coverage?as_of=2024-06-01" in links_of(people)
    asked = {"sweep": "S1", **DAY}
    as_csv = inspector.get("/view/scorecard", params={**asked, "format": "csv"})
    assert as_csv.status_code == 200
    assert as_csv.content.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert table[1][:4] == ["二组 (G2)", "2", "0", "0.0%"]
    as_xlsx = inspector.get("/view/scorecard", params={**asked, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(as_xlsx.content)).active
    assert sheet is not None
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert ["合计：花马池镇", 7, 2, "28.6%"] in [row[:4] for row in values]


def test_a_running_sweep_shows_its_coverage_so_far_today(server: Server) -> None:
    starts, ends = TODAY - dt.timedelta(days=3), TODAY + dt.timedelta(days=3)
    body = {
        "id": "SNOW",
        "name": "本周摸排",
        "scope": "G4",
        "starts": str(starts),
        "ends": str(ends),
    }
    with server.client(KEYS["t2_admin"]) as admin:
        assert admin.post("/sweeps", json=body).status_code == 201
        assert admin.post("/visits", json={"household": "H9", "person": "M5"}).status_code == 201
        html = admin.get("/view/scorecard", params={"sweep": "SNOW"}).text
    assert f"摸排进行中：以下为截至今日（{TODAY}）的覆盖率" in html
    assert [row[:4] for row in rows_of(html)[1:]] == [
        ["三组 (G4)", "4", "1", "25.0%"],
        ["合计：三组", "4", "1", "25.0%"],
    ]


def test_a_township_admin_reads_only_its_townships_scorecards(server: Server) -> None:
    with server.client(KEYS["t1_admin"]) as admin:
        assert admin.get("/view/scorecard", params={"sweep": "S2", **DAY}).status_code == 403
        home = admin.get("/", params=DAY).text
    hrefs = links_of(home)
    assert "/view/scorecard?sweep=S1&as_of=2024-06-01" in hrefs
    assert not any("sweep=S2" in href for href in hrefs)


def test_the_dashboard_links_the_scorecard_of_every_sweep(inspector: httpx.Client) -> None:
    home = inspector.get("/", params=DAY).text
    hrefs = links_of(home)
    for sweep in ("S1", "S2"):
        assert f"/view/scorecard?sweep={sweep}&as_of=2024-06-01" in hrefs
    assert "/view/scorecard?sweep=S1&by=village&as_of=2024-06-01" in hrefs
    sweeps = inspector.get("/view/sweeps", params=DAY)
    assert ["S1", "春季大摸排", "花马池镇 (T1)", "2024-05-01", "2024-05-31", "已结束"] in [
        row[:6] for row in rows_of(sweeps.text)
    ]
    no_sweep = inspector.get("/view/scorecard", params=DAY, follow_redirects=False)
    assert no_sweep.status_code == 303
    assert no_sweep.headers["location"] == "/view/sweeps?as_of=2024-06-01"


def test_the_gap_list_shows_the_gaps_of_visits_with_their_sweep(inspector: httpx.Client) -> None:
    html = inspector.get("/view/gaps", params={"kind": "unvisited_household", **DAY}).text
    rows = rows_of(html)
    assert rows[0][:6] == ["缺口类型", "编号", "类别", "名称", "位置", "摸排"]
    assert ["未走访户", "H3", "户", "H3号", "花马池镇 › 柳杨堡村 › 二组", "S1"] in [
        r[:6] for r in rows
    ]
    hrefs = links_of(html)
    assert "/view/scorecard?sweep=S1&as_of=2024-06-01" in hrefs
    assert "/view/households/H3/visits?as_of=2024-06-01" in hrefs
    overdue = inspector.get("/view/gaps", params={"kind": "overdue_visit", **DAY}).text
    assert "重点户走访超期" in overdue


def test_a_households_visits_page_says_which_count(inspector: httpx.Client) -> None:
    html = inspector.get("/view/households/H3/visits", params=DAY).text
    rows = rows_of(html)
    assert rows[0] == ["走访编号", "日期", "类型", "走访人", "计入覆盖率", "备注"]
    assert rows[1] == ["VIS2", "2024-05-11", "巡查", "郑网格员 (M1)", "否", ""]
