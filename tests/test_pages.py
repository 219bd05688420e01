"""The dashboard and the lists it opens, as the server sends them (issue 10): Chinese by
default, names beside ids, gaps ranked per 1,000 households, open issues with their
countdown, the search box, a person's coverage, and no key in any link."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import httpx
import pytest
from counties import AS_OF
from serving import KEYS, Server

from api.routes.views import PAGE_HEADERS

DAY = {"as_of": AS_OF.isoformat()}
HREF = re.compile(r'(?:href|action)="([^"]*)"')


def links_of(html: str) -> list[str]:
    return [unescape(href) for href in HREF.findall(html)]


def rows_of(html: str, table: int = 0) -> list[list[str]]:
    """The text of each cell of a page's `table`-th list, the heading row first."""
    found = re.findall(r'<table class="list">(.*?)</table>', html, re.S)[table]
    return [
        [
            unescape(re.sub(r"<[^>]+>", "", cell))
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", found, re.S)
    ]


@pytest.fixture
def inspector(server: Server) -> httpx.Client:
    return server.client(KEYS["inspector"])


def test_the_dashboard_is_chinese_and_ranks_townships_per_1000_households(
    inspector: httpx.Client,
) -> None:
    response = inspector.get("/", params=DAY)
    assert response.status_code == 200
    html = response.text
    assert '<html lang="zh-CN">' in html
    assert "全县网格化治理督查" in html and "各乡镇缺口" in html
    townships = rows_of(html, 0)
    assert townships[0] == ["乡镇", "缺口", "户数", "每千户缺口", ""]
    # 大水坑镇: 5 gaps in 4 households; 花马池镇: 3 in 7. The worse per household comes first.
    assert townships[1:] == [
        ["大水坑镇 (T2)", "5", "4", "1,250.0", "督查报告"],
        ["花马池镇 (T1)", "3", "7", "428.6", "督查报告"],
    ]
    kinds = rows_of(html, 1)
    assert kinds[0] == ["缺口类型", "数量", "花马池镇 (T1)", "大水坑镇 (T2)"]
    assert ["缺指挥长", "3", "1", "2"] in kinds and ["户无网格员", "1", "1", "0"] in kinds
    hrefs = links_of(html)
    assert "/view/gaps?scope=T2&as_of=2024-06-01" in hrefs
    assert "/view/report?scope=T2&as_of=2024-06-01" in hrefs
    assert "/view/gaps?kind=missing_commander&as_of=2024-06-01" in hrefs
    assert "/view/gaps?scope=T1&kind=uncovered_household&as_of=2024-06-01" in hrefs


def test_no_link_carries_a_key_and_every_page_can_sign_out_and_switch_language(
    inspector: httpx.Client,
) -> None:
    for path in (
        "/",
        "/view/gaps",
        "/view/issues",
        "/view/townships",
        "/view/who/H5",
        "/view/trace/I1",
        "/view/people/M4/coverage",
    ):
        html = inspector.get(path, params=DAY).text
        hrefs = links_of(html)
        assert not [href for href in hrefs if "key" in href], path
        assert '<form class="logout" method="post" action="/logout">' in html, path
        assert '<form class="search" method="get" action="/view/search"' in html, path
        assert f"/lang/en?next={path.replace('/', '%2F')}" in html, path
        assert "中文" in html and "English" in html, path


def test_pages_let_their_forms_post_home_only(inspector: httpx.Client) -> None:
    response = inspector.get("/", params=DAY)
    assert "form-action 'self'" in response.headers["content-security-policy"]
    assert response.headers["content-security-policy"] == PAGE_HEADERS["Content-Security-Policy"]


def test_a_gap_list_shows_names_and_paths_by_name(inspector: httpx.Client) -> None:
    html = inspector.get("/view/gaps", params={**DAY, "scope": "T1"}).text
    assert "花马池镇 (T1) 的覆盖缺口" in html
    rows = rows_of(html)
    assert [
        "户无网格员",
        "H4",
        "户",
        "H4号",
        "花马池镇 › 柳杨堡村 › 二组",
        "责任链 反向追溯",
    ] in rows
    assert "/view/who/H4?as_of=2024-06-01" in links_of(html)


def test_a_township_admin_sees_its_township(server: Server) -> None:
    with server.client(KEYS["t1_admin"]) as admin:
        html = admin.get("/", params=DAY).text
    assert "花马池镇 (T1)网格化治理督查" in html
    assert [row[0] for row in rows_of(html, 0)[1:]] == ["花马池镇 (T1)"]


def test_a_grid_member_is_sent_to_what_it_covers(server: Server) -> None:
    with server.client(KEYS["m1_member"]) as member:
        response = member.get("/", params=DAY, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/view/people/M1/coverage?as_of=2024-06-01"
        html = member.get(response.headers["location"]).text
    assert "郑网格员（M1）包抓范围" in html
    assert ["网格员", "一组 (G1)", "网格", "2", ""] in rows_of(html)


def test_the_search_box_finds_by_name_within_the_callers_scope(server: Server) -> None:
    with server.client(KEYS["inspector"]) as inspector:
        html = inspector.get("/view/search", params={**DAY, "q": "花马池"}).text
        assert ["T1", "乡镇", "花马池镇", ""] in rows_of(html)
        assert "/view/who/T1?as_of=2024-06-01" in links_of(html)
        people = rows_of(inspector.get("/view/search", params={"q": "网格员"}).text)
        assert ["M4", "人员", "朱网格员", ""] in people
    with server.client(KEYS["t2_admin"]) as outsider:
        html = outsider.get("/view/search", params={**DAY, "q": "花马池"}).text
    assert rows_of(html) == [["编号", "类别", "名称", "位置"]]


def test_a_persons_coverage_page(inspector: httpx.Client, server: Server) -> None:
    html = inspector.get("/view/people/M4/coverage", params=DAY).text
    assert "朱网格员（M4）包抓范围" in html
    assert rows_of(html)[1] == ["网格员", "锦绣小区 (G3)", "网格", "3", ""]
    with server.client(KEYS["t2_admin"]) as outsider:
        assert outsider.get("/view/people/M4/coverage", params=DAY).status_code == 403


def test_people_named_on_a_chain_link_to_what_they_cover(inspector: httpx.Client) -> None:
    html = inspector.get("/view/who/H5", params=DAY).text
    assert "/view/people/GH3/coverage?as_of=2024-06-01" in links_of(html)


def test_open_issues_count_down_to_their_due_dates(server: Server) -> None:
    today = dt.date.today()
    with server.client(KEYS["t1_admin"]) as admin:
        for issue, target, due in (("ISOON", "H1", 2), ("ILATER", "H2", 10)):
            body = {
                "id": issue,
                "target": target,
                "category": "service",
                "reported_by": "M1",
                "reported_at": today.isoformat(),
                "due_at": (today + dt.timedelta(days=due)).isoformat(),
            }
            assert admin.post("/issues", json=body).status_code == 201
        html = admin.get("/view/issues").text
    marked = re.findall(r'<tr class="(\w+)"><td>([^<]*)</td><td><a[^>]*>(\w+)</a>', html)
    late = (today - dt.date(2024, 5, 10)).days
    assert marked == [
        ("late", f"逾期 {late} 天", "I1"),
        ("soon", "剩 2 天", "ISOON"),
        ("ok", "剩 10 天", "ILATER"),
    ]
    hrefs = links_of(html)
    # Each opens its trace; who holds it now opens what that person covers.
    assert "/view/trace/ISOON?as_of=" + today.isoformat() in hrefs
    assert "/view/people/L1/coverage?as_of=" + today.isoformat() in hrefs


def test_english_on_request_codes_and_ids_unchanged(inspector: httpx.Client) -> None:
    english = {"Accept-Language": "en-GB,en;q=0.9"}
    html = inspector.get("/", params=DAY, headers=english).text
    assert '<html lang="en">' in html
    assert rows_of(html, 0)[0] == [
        "township",
        "gaps",
        "households",
        "gaps per 1,000 households",
        "",
    ]
    assert ["missing commander", "3", "1", "2"] in rows_of(html, 1)
    assert "/view/gaps?kind=missing_commander&as_of=2024-06-01" in links_of(html)
    assert "Sign out" in html and "Search" in html
    export = inspector.get("/view/townships", params={**DAY, "format": "csv"}, headers=english)
    assert export.content.decode("utf-8-sig").startswith("township,gaps,households,")
