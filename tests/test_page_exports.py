"""Every list a page shows downloads as .xlsx and as CSV in UTF-8 with a BOM (issue 10), the
same rows the page shows: a workbook openpyxl opens, and CSV Excel reads as Chinese."""

from __future__ import annotations

import csv
import datetime as dt
import io
from urllib.parse import quote

import httpx
import pytest
from counties import AS_OF
from openpyxl import load_workbook
from serving import KEYS, Server

DAY = {"as_of": AS_OF.isoformat()}
LISTS = [
    ("/view/gaps", {"scope": "T1"}, "gaps", "花马池镇 (T1) 的覆盖缺口（2024-06-01）"),
    ("/view/townships", {}, "townships", "各乡镇缺口"),
    ("/view/kinds", {}, "kinds", "缺口汇总（全县 共 8 个）"),
    ("/view/issues", {}, "issues", "待办事项倒计时（2024-06-01）"),
    ("/view/search", {"q": "花马池"}, "search", "查找“花马池”：1 条"),
    ("/view/people/M4/coverage", {}, "coverage", "朱网格员（M4）包抓范围（2024-06-01）"),
]


@pytest.fixture
def inspector(server: Server) -> httpx.Client:
    return server.client(KEYS["inspector"])


def download(
    client: httpx.Client, path: str, params: dict[str, str], format: str, stem: str, title: str
) -> bytes:
    response = client.get(path, params={**DAY, **params, "format": format})
    assert response.status_code == 200, response.text
    name = quote(f"{title}.{format}", safe="")
    assert response.headers["content-disposition"] == (
        f"attachment; filename=\"{stem}.{format}\"; filename*=UTF-8''{name}"
    )
    return response.content


def workbook_rows(content: bytes) -> list[list[str]]:
    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    rows = [[cell_text(cell) for cell in row] for row in sheet.iter_rows(values_only=True)]
    # A workbook keeps no empty cell at the end of a row; CSV writes it.
    return [row + [""] * (len(rows[0]) - len(row)) for row in rows]


def cell_text(cell: object) -> str:
    """A workbook's cell as CSV writes it (a day comes back from a workbook as its midnight)."""
    if cell is None:
        return ""
    if isinstance(cell, dt.datetime) and cell.time() == dt.time():
        return cell.date().isoformat()
    return str(cell)


def as_values(rows: list[list[str]]) -> list[list[str | float]]:
    """Numbers as numbers: a workbook gives back 1250.0 as 1250."""
    return [[number_or_text(cell) for cell in row] for row in rows]


def number_or_text(cell: str) -> str | float:
    try:
        return float(cell)
    except ValueError:
        return cell


@pytest.mark.parametrize(("path", "params", "stem", "title"), LISTS)
def test_a_list_downloads_as_a_workbook_and_as_csv_with_the_same_rows(
    inspector: httpx.Client, path: str, params: dict[str, str], stem: str, title: str
) -> None:
    xlsx = download(inspector, path, params, "xlsx", stem, title)
    assert xlsx.startswith(b"PK")
    in_workbook = workbook_rows(xlsx)
    text = download(inspector, path, params, "csv", stem, title)
    assert text.startswith(b"\xef\xbb\xbf")  # so Excel on a Chinese Windows reads UTF-8
    in_csv = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    assert as_values(in_csv) == as_values(in_workbook)
    assert len(in_workbook) > 1  # a heading and at least one row


def test_the_exports_hold_what_the_page_shows(inspector: httpx.Client) -> None:
    gaps = workbook_rows(download(inspector, "/view/gaps", {"scope": "T1"}, "xlsx", *LISTS[0][2:]))
    assert gaps[0] == ["缺口类型", "编号", "类别", "名称", "位置"]
    assert ["户无网格员", "H4", "户", "H4号", "花马池镇 › 柳杨堡村 › 二组"] in gaps
    townships = list(
        csv.reader(
            io.StringIO(
                download(inspector, "/view/townships", {}, "csv", *LISTS[1][2:]).decode("utf-8-sig")
            )
        )
    )
    assert townships == [
        ["乡镇", "缺口", "户数", "每千户缺口"],
        ["大水坑镇 (T2)", "5", "4", "1250.0"],
        ["花马池镇 (T1)", "3", "7", "428.6"],
    ]


def test_an_export_lists_every_gap_not_one_page(inspector: httpx.Client) -> None:
    page = inspector.get("/view/gaps", params={**DAY, "limit": 2}).text
    assert page.count("责任链</a>") == 2
    everything = workbook_rows(
        download(
            inspector, "/view/gaps", {"limit": "2"}, "xlsx", "gaps", "全县 的覆盖缺口（2024-06-01）"
        )
    )
    assert len(everything) == 1 + 8


def test_an_unknown_format_is_refused_with_its_field(inspector: httpx.Client) -> None:
    response = inspector.get("/view/gaps", params={**DAY, "format": "pdf"})
    assert response.status_code == 422
    assert "format" in response.text


def test_the_pages_link_their_exports(inspector: httpx.Client) -> None:
    html = inspector.get("/", params=DAY).text
    assert 'href="/view/townships?format=xlsx&amp;as_of=2024-06-01" download' in html
    assert 'href="/view/issues?format=csv&amp;as_of=2024-06-01" download' in html
