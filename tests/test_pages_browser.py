"""The dashboard in a real headless Chromium (issue 10): it reads Chinese, the search box finds
by name, an export link downloads a workbook and a CSV that read back, and open issues show
their countdown in red, amber and green."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from browsing import chromium, signed_in
from counties import AS_OF
from openpyxl import load_workbook
from playwright.sync_api import Browser, Page
from serving import KEYS, Server

pytestmark = pytest.mark.slow

TODAY = dt.date.today()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as found:
        yield found


@pytest.fixture(scope="module")
def issues_due_soon_and_later(server: Server) -> None:
    """Beside I1 (long overdue): one due in two days, one in ten."""
    with server.client(KEYS["t1_admin"]) as admin:
        for issue, target, days in (("ISOON", "H1", 2), ("ILATER", "H2", 10)):
            due = (TODAY + dt.timedelta(days=days)).isoformat()
            body = {"id": issue, "target": target, "category": "service", "reported_by": "M1"}
            body["due_at"] = due
            assert admin.post("/issues", json=body).status_code == 201


def dashboard(page: Page, server: Server, day: dt.date = AS_OF) -> None:
    response = page.goto(f"{server.url}/?as_of={day.isoformat()}")
    assert response is not None and response.status == 200


def test_the_dashboard_reads_chinese(browser: Browser, server: Server) -> None:
    with signed_in(browser, server) as page:
        dashboard(page, server)
        assert page.get_attribute("html", "lang") == "zh-CN"
        assert page.locator("h1").inner_text() == "全县网格化治理督查（2024-06-01）"
        first = page.locator("table.list").first.locator("tr").nth(1).inner_text()
        assert first.split("\t") == ["大水坑镇 (T2)", "5", "4", "1,250.0", "督查报告"]
        page.get_by_role("link", name="大水坑镇 (T2)").click()
        assert page.locator("h1").inner_text() == "大水坑镇 (T2) 的覆盖缺口（2024-06-01）"


def test_a_browser_asking_for_english_reads_english_and_the_switch_changes_it(
    browser: Browser, server: Server
) -> None:
    with signed_in(browser, server, language="en-US") as page:
        dashboard(page, server)
        assert page.get_attribute("html", "lang") == "en"
        assert page.locator("h1").inner_text() == "Grid governance in the whole county, 2024-06-01"
        assert page.locator("h2").first.inner_text() == "Gaps by township"
        page.get_by_role("link", name="中文").click()
        assert page.get_attribute("html", "lang") == "zh-CN"
        assert page.locator("h1").inner_text() == "全县网格化治理督查（2024-06-01）"
        page.get_by_role("button", name="退出登录").click()
        assert urlsplit(page.url).path == "/login"
        dashboard_again = page.goto(f"{server.url}/")
        assert dashboard_again is not None and urlsplit(dashboard_again.url).path == "/login"


def test_the_search_box_finds_a_township_by_part_of_its_name(
    browser: Browser, server: Server
) -> None:
    with signed_in(browser, server) as page:
        dashboard(page, server)
        page.get_by_role("searchbox").fill("花马池")
        page.get_by_role("button", name="搜索").click()
        page.wait_for_url("**/view/search?**")
        assert "查找“花马池”：1 条" in page.locator("h1").inner_text()
        page.get_by_role("link", name="花马池镇").click()
        assert page.title().startswith("花马池镇 (T1) 的责任链")


def test_an_export_link_downloads_what_the_page_lists(
    browser: Browser, server: Server, tmp_path: Path
) -> None:
    with signed_in(browser, server) as page:
        dashboard(page, server)
        townships = page.locator("section").first
        with page.expect_download() as workbook:
            townships.get_by_role("link", name="Excel (.xlsx)").click()
        saved = tmp_path / workbook.value.suggested_filename
        workbook.value.save_as(saved)
        with page.expect_download() as table:
            townships.get_by_role("link", name="CSV").click()
        csv_bytes = Path(table.value.path()).read_bytes()
    assert saved.name == "各乡镇缺口.xlsx"
    sheet = load_workbook(saved, read_only=True).worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows == [
        ["乡镇", "缺口", "户数", "每千户缺口"],
        ["大水坑镇 (T2)", 5, 4, 1250],
        ["花马池镇 (T1)", 3, 7, 428.6],
    ]
    assert csv_bytes.startswith(b"\xef\xbb\xbf")
    read_back = list(csv.reader(io.StringIO(csv_bytes.decode("utf-8-sig"))))
    assert read_back == [[str(cell) for cell in row] for row in rows[:1]] + [
        ["大水坑镇 (T2)", "5", "4", "1250.0"],
        ["花马池镇 (T1)", "3", "7", "428.6"],
    ]


@pytest.mark.usefixtures("issues_due_soon_and_later")
def test_open_issues_show_their_countdown_in_colour(browser: Browser, server: Server) -> None:
    with signed_in(browser, server) as page:
        dashboard(page, server, TODAY)
        rows = page.locator("tr.late, tr.soon, tr.ok")
        countdown = rows.locator("td:first-child")
        texts = countdown.all_inner_texts()
        colours = [
            cell.evaluate("c => getComputedStyle(c).backgroundColor") for cell in countdown.all()
        ]
    late = (TODAY - dt.date(2024, 5, 10)).days
    assert texts == [f"逾期 {late} 天", "剩 2 天", "剩 10 天"]
    assert colours == ["rgb(251, 213, 213)", "rgb(255, 233, 176)", "rgb(216, 240, 212)"]
