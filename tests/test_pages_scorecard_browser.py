"""A sweep's scorecard in a real headless Chromium (issue 13, item 4): from the dashboard to a
scorecard, the picker ranking villages instead, and its export downloaded and read back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from browsing import chromium, signed_in
from openpyxl import load_workbook
from playwright.sync_api import Browser
from serving import Server, key_file
from work_done import AS_OF, work_done_store

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("browser")
    running = Server(work_done_store(folder), key_file(folder), folder / "server.log").start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as found:
        yield found


def test_from_the_dashboard_to_a_scorecard_and_its_picker(
    browser: Browser, server: Server, tmp_path: Path
) -> None:
    with signed_in(browser, server) as page:
        page.goto(f"{server.url}/?as_of={AS_OF.isoformat()}")
        page.get_by_role("link", name="春季大摸排").click()
        title = page.locator("h1").inner_text()
        assert title.startswith("春季大摸排（S1）走访覆盖率，按网格")
        first = page.locator("table.list tr").nth(1).inner_text().split("\t")
        assert first[:5] == ["二组 (G2)", "2", "0", "0.0%", "空缺"]

        page.locator('select[name="by"]').select_option("village")
        with page.expect_navigation():
            page.get_by_role("button", name="查看").click()
        assert "按村" in page.locator("h1").inner_text()
        first = page.locator("table.list tr").nth(1).inner_text().split("\t")
        assert first[:5] == ["柳杨堡村 (V1)", "4", "1", "25.0%", "刘镇干部 (TV1, 指挥长)"]

        with page.expect_download() as download:
            page.get_by_role("link", name="Excel (.xlsx)").click()
        saved = tmp_path / "scorecard.xlsx"
        download.value.save_as(saved)
        sheet = load_workbook(saved).active
        assert sheet is not None
        rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
        assert rows[0][:4] == ["单元", "户数", "已走访", "覆盖率"]
        assert ["柳杨堡村 (V1)", 4, 1, "25.0%"] in [row[:4] for row in rows]
