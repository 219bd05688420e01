"""The printable inspection report (issue 10): `gridchain report --scope UNIT --out FILE.html`
through the installed console script, the page `/view/report` of a real server, and the file
printed to PDF in a real headless Chromium."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from html import unescape
from pathlib import Path

import httpx
import pytest
from browsing import CHROMIUM_FLAGS, find_chromium
from counties import AS_OF, Rows, small
from serving import KEYS, Server
from test_cli import assert_one_line_error, clean_env, run

from engine.lang import speaking
from engine.ledger import write_folder
from engine.model import (
    ChainLevel,
    Gap,
    GapsResult,
    GapSummary,
    IssuesResult,
    PersonRef,
    RoleHolder,
    StatsResult,
    WhoResult,
)
from engine.report import MAX_LISTED_GAPS, Part, ReportAnswers, report_html

DAY = AS_OF.isoformat()
# Households added to grid G2 (二组) of the small county: none covered, none with residents, so
# each is two gaps, and the gap list of T1 runs past its cap and over several pages.
EXTRA_HOUSEHOLDS = 300
T1_GAPS = 3 + 2 * EXTRA_HOUSEHOLDS  # V2's commander, G2's grid head, H4 uncovered, and these

# Where a page makes the browser fetch something: src and href attributes, CSS url() and
# @import, a stylesheet link, a script.
FETCHES = re.compile(r"""\b(?:src|href)\s*=|url\(|@import|<link\b|<script\b""", re.IGNORECASE)


def with_many_gaps() -> Rows:
    rows = small()
    rows["households"] += [
        {
            "id": f"H{n}",
            "unit_id": "G2",
            "address": f"二组{n}号",
            "color": "green",
            "status": "normal",
            "points": "80",
        }
        for n in range(100, 100 + EXTRA_HOUSEHOLDS)
    ]
    return rows


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small county with many gaps in T1, imported by one `gridchain import` process."""
    folder = tmp_path_factory.mktemp("ledger") / "county"
    write_folder(with_many_gaps(), folder)
    path = tmp_path_factory.mktemp("store") / "gridchain.db"
    imported = run("import", folder, db=path)
    assert imported.returncode == 0, imported.stderr
    return path


def report(db: Path, out: Path, scope: str, **env: str) -> subprocess.CompletedProcess[str]:
    return run(
        "report", "--scope", scope, "--as-of", DAY, "--out", out, db=db, env=clean_env(**env)
    )


@pytest.fixture(scope="module")
def chinese(db: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The report of 花马池镇 (T1), in the default language."""
    out = tmp_path_factory.mktemp("report") / "T1.html"
    result = report(db, out, "T1")
    assert result.returncode == 0, result.stderr
    return out.read_text(encoding="utf-8")


def test_the_report_is_chinese_by_default(chinese: str) -> None:
    assert '<html lang="zh-CN">' in chinese
    assert "<h1>花马池镇网格化责任体系督查报告</h1>" in chinese
    for title in ("一、责任体系", "二、基本情况", "三、覆盖缺口", "四、逾期事项"):
        assert f"<h2>{title}</h2>" in chinese
    assert "截至日期：2024-06-01" in chinese
    assert re.search(r"生成时间：\d{4}-\d\d-\d\d \d\d:\d\d \+08:00", chinese)
    assert "督查人（签字）：" in chinese
    assert "@page { size: A4;" in chinese
    assert "thead { display: table-header-group; }" in chinese


def test_the_report_shows_the_chain_by_name_beside_id(chinese: str) -> None:
    own = table_after("本级责任人", chinese)
    assert ["指挥长", "张书记", "SEC1"] in own and ["包联", "李副县长", "L1"] in own
    assert table_after("上级责任链", chinese) == [["县", "盐池县 (C)", "指挥长", "王县长 (L0)"]]
    assert "乡镇指挥长：张书记 (SEC1)" in chinese


def test_the_report_shows_the_headline_figures(chinese: str) -> None:
    counts = dict(map(tuple, table_after("单元与人员", chinese)))  # type: ignore[arg-type]
    assert counts["村数"] == "2" and counts["网格数"] == "3"
    assert counts["户数"] == f"{7 + EXTRA_HOUSEHOLDS:,}" and counts["居民数"] == "8"
    roles = dict(map(tuple, table_after("包抓（按职责）", chinese)))  # type: ignore[arg-type]
    assert roles["网格员"] == "4" and roles["四包一"] == "0" and roles["合计"] == "10"


def test_the_report_counts_gaps_by_kind_and_ranks_sub_units_per_1000_households(
    chinese: str,
) -> None:
    kinds = dict(map(tuple, table_after("缺口（按类型）", chinese)))  # type: ignore[arg-type]
    assert kinds["户无网格员"] == f"{1 + EXTRA_HOUSEHOLDS}"
    assert kinds["空户"] == f"{EXTRA_HOUSEHOLDS}" and kinds["缺网格长"] == "1"
    assert kinds["合计"] == f"{T1_GAPS}"
    # V1 holds H1–H4 and the added households, V2 holds H5–H7 and the one missing commander.
    v1_gaps, v1_households = 2 + 2 * EXTRA_HOUSEHOLDS, 4 + EXTRA_HOUSEHOLDS
    assert table_after("下级单元缺口排名", chinese) == [
        [
            "1",
            "柳杨堡村 (V1)",
            f"{v1_households}",
            f"{v1_gaps}",
            f"{v1_gaps * 1000 / v1_households:,.1f}",
        ],
        ["2", "东塘社区 (V2)", "3", "1", "333.3"],
    ]


def test_the_gap_list_names_each_place_and_is_capped(chinese: str) -> None:
    listed = table_after("缺口清单", chinese)
    assert len(listed) == MAX_LISTED_GAPS
    assert ["缺网格长", "G2", "网格", "二组", "花马池镇 › 柳杨堡村"] in listed
    assert ["缺指挥长", "V2", "村", "东塘社区", "花马池镇"] in listed
    assert f"另有 {T1_GAPS - MAX_LISTED_GAPS} 个缺口未列出" in chinese


def test_the_overdue_issues_name_their_place_and_holder(chinese: str) -> None:
    assert table_after("逾期未办结事项", chinese) == [
        [
            "I1",
            "service",
            "H3号 (H3)",
            "花马池镇 › 柳杨堡村 › 二组",
            "已派遣",
            "2024-05-10",
            "22",
            "县: 李副县长 (L1, 包联)",
        ],
    ]


def test_the_report_loads_nothing_from_anywhere(chinese: str) -> None:
    assert FETCHES.findall(chinese) == []
    assert "http" not in chinese


def test_the_report_in_english(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "T1.html"
    result = report(db, out, "T1", GRIDCHAIN_LANG="en")
    assert result.returncode == 0, result.stderr
    english = out.read_text(encoding="utf-8")
    assert '<html lang="en">' in english
    assert "Inspection report on the grid responsibility system: 花马池镇" in english
    for title in ("1. Accountability", "2. Headline figures", "3. Coverage gaps"):
        assert f"<h2>{title}</h2>" in english
    assert ["missing grid head", "G2", "grid", "二组", "花马池镇 › 柳杨堡村"] in table_after(
        "Gaps", english
    )
    assert "Inspector (signature):" in english
    assert "督查" not in english and "责任体系" not in english


def test_the_scope_may_be_given_by_name(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "village.html"
    result = report(db, out, "东塘社区")
    assert result.returncode == 0, result.stderr
    html = out.read_text(encoding="utf-8")
    assert "<h1>东塘社区网格化责任体系督查报告</h1>" in html
    assert ["1", "锦绣小区 (G3)", "3", "0", "0.0"] in table_after("下级单元缺口排名", html)
    assert "共 0 件" in html


def test_an_unknown_scope_exits_1_and_writes_nothing(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    line = assert_one_line_error(report(db, out, "T9"), 1)
    assert "T9" in line
    assert not out.exists()


def test_a_household_is_no_scope(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    line = assert_one_line_error(report(db, out, "H1"), 2)
    assert "H1" in line and "是户" in line
    assert not out.exists()


def test_an_out_file_in_no_folder_exits_2(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "missing" / "report.html"
    line = assert_one_line_error(report(db, out, "T1"), 2)
    assert str(tmp_path / "missing") in line
    assert not out.parent.exists()


def test_an_out_file_that_cannot_be_written_exits_2(db: Path, tmp_path: Path) -> None:
    assert_one_line_error(report(db, tmp_path, "T1"), 2)  # a folder is no file to write


# ---- the report as a function of the answers --------------------------------------------


def answers_of(name: str, parts: list[Part], gaps: list[Gap]) -> ReportAnswers:
    holder = RoleHolder.of(
        role="commander", person=PersonRef.of(id="P1", name="甲", role="commander")
    )
    level = ChainLevel.of(
        level="Township", unit="T", name=name, assignments=[holder], vacant=["liaison"], bodies=[]
    )
    return ReportAnswers(
        scope="T",
        as_of=AS_OF,
        made_at=dt.datetime(2024, 6, 1, 1, 30, tzinfo=dt.UTC),
        chain=WhoResult.of(target="T", as_of=AS_OF, commander=holder.person, chain=[level]),
        stats=StatsResult.of(as_of=AS_OF, scope="T", nodes={}, assignments={}, gaps={}),
        gaps=GapsResult.of(
            as_of=AS_OF,
            scope="T",
            gaps=gaps,
            summary=GapSummary.of(total=len(gaps), by_kind={}, by_township={}),
        ),
        overdue=IssuesResult.of(as_of=AS_OF, scope="T", issues=[]),
        parts=parts,
        names={"A": "甲村", "B": "乙村", "Z": "丙村"},
    )


def uncovered(household: str, village: str) -> Gap:
    return Gap.of(
        kind="uncovered_household", id=household, level="Household", path=[household, village, "T"]
    )


def test_sub_units_rank_by_gaps_per_1000_households_and_empty_ones_last() -> None:
    gaps = [
        uncovered("H1", "A"),
        uncovered("H2", "B"),
        uncovered("H3", "B"),
        Gap.of(kind="overloaded_member", id="M1", level="Person", path=[]),
    ]
    answers = answers_of("某镇", [Part("A", 10), Part("B", 400), Part("Z", 0)], gaps)
    with speaking("zh"):
        html = report_html(answers)
    assert table_after("下级单元缺口排名", html) == [
        ["1", "甲村 (A)", "10", "1", "100.0"],
        ["2", "乙村 (B)", "400", "2", "5.0"],
        ["3", "丙村 (Z)", "0", "0", "—"],
        ["—", "本级及人员", "—", "1", "—"],
    ]
    assert "生成时间：2024-06-01 09:30 +08:00" in html
    assert ["包联", "（空缺）", "—"] in table_after("本级责任人", html)


def test_a_name_cannot_break_out_of_the_page() -> None:
    hostile = 'X"</style><script>alert(1)</script>\\'
    with speaking("en"):
        html = report_html(answers_of(hostile, [], []))
    assert "<script" not in html
    assert html.count("<style>") == 1 and html.count("</style>") == 1
    style = html.split("<style>")[1].split("</style>")[0]
    assert '"' not in re.sub(
        r'"(?:[^"\\]|\\.)*"', "", style
    )  # each CSS string ends where it should


# ---- the page of a real server -------------------------------------------------------------


def report_page(server: Server, holder: str, scope: str | None, **headers: str) -> httpx.Response:
    query = {"as_of": DAY, **({"scope": scope} if scope else {})}
    with server.client(KEYS[holder]) as client:
        return client.get("/view/report", params=query, headers=headers)


def test_the_report_page_in_the_browser_s_language(server: Server) -> None:
    chinese = report_page(server, "inspector", "T1")
    assert chinese.status_code == 200, chinese.text
    assert chinese.headers["content-type"].startswith("text/html")
    assert "<h1>花马池镇网格化责任体系督查报告</h1>" in chinese.text
    assert FETCHES.findall(chinese.text) == []
    english = report_page(server, "inspector", "T1", **{"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in english.text and "<h2>4. Overdue issues</h2>" in english.text


def test_a_township_admin_reports_on_its_own_township_only(server: Server) -> None:
    assert report_page(server, "t1_admin", "V1").status_code == 200
    assert report_page(server, "t2_admin", "V1").status_code == 403
    assert report_page(server, "m1_member", "G1").status_code == 403


@pytest.mark.parametrize(("scope", "status"), [("T9", 404), ("H1", 422), (None, 422)])
def test_a_bad_scope_is_refused_as_a_problem(
    server: Server, scope: str | None, status: int
) -> None:
    refused = report_page(server, "inspector", scope)
    assert refused.status_code == status
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert (scope or "scope") in refused.text  # names what it refuses


# ---- printed to PDF in headless Chromium ---------------------------------------------------


def cjk_font() -> None:
    """A font with Chinese glyphs (Debian's Noto CJK), installed here once when missing and apt
    can (CI installs it): without one the PDF shows empty boxes."""

    def found() -> bool:
        listed = subprocess.run(
            ["fc-list", ":lang=zh"], capture_output=True, text=True, check=False
        )
        return bool(listed.stdout.strip())

    if shutil.which("fc-list") and not found() and shutil.which("apt-get"):
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "fonts-noto-cjk"],
            capture_output=True,
            timeout=900,
            check=False,
        )
    if not shutil.which("fc-list") or not found():
        pytest.skip("no CJK font: apt-get install fonts-noto-cjk to print Chinese")


def printed(chromium: str, html: Path, tmp_path: Path) -> bytes:
    pdf = tmp_path / f"{html.stem}.pdf"
    subprocess.run(
        [
            chromium,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            html.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    return pdf.read_bytes()


def pages(pdf: bytes) -> int:
    """The page tree's count (its root counts every page)."""
    return max(int(n) for n in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", pdf))


def title(pdf: bytes) -> str:
    """The document's title (its HTML title), which Chromium writes in UTF-16 hex."""
    found = re.search(rb"/Title\s*<FEFF([0-9A-Fa-f]*)>", pdf)
    assert found, "the PDF has no title"
    return bytes.fromhex(found.group(1).decode()).decode("utf-16-be")


def media_boxes(pdf: bytes) -> set[tuple[int, int]]:
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    return {(round(float(w)), round(float(h))) for w, h in boxes}


NAMES = {"G1": "一组", "T1": "花马池镇"}  # a grid with no gaps, a township with hundreds


@pytest.mark.slow
def test_the_report_prints_on_a4_in_chromium(db: Path, tmp_path: Path) -> None:
    chromium = find_chromium()
    cjk_font()
    sizes = {}
    for scope in NAMES:
        html = tmp_path / f"{scope}.html"
        assert report(db, html, scope).returncode == 0
        pdf = printed(chromium, html, tmp_path)
        assert pdf.startswith(b"%PDF-")
        assert media_boxes(pdf) == {(595, 842)}  # A4 in points
        assert re.search(rb"/FontName\s*/[A-Z]{6}\+Noto\w*CJK", pdf)  # Chinese glyphs, no boxes
        assert title(pdf) == f"{NAMES[scope]}网格化责任体系督查报告"
        sizes[scope] = pages(pdf)
    # The title page, the gaps and the overdue issues each start a page; T1's 200 listed gaps
    # run over several more.
    assert sizes["G1"] >= 3
    assert sizes["T1"] >= sizes["G1"] + 3


# ---- reading the tables back -----------------------------------------------------------------


def table_after(title: str, html: str) -> list[list[str]]:
    """The body rows of the table under the heading `title`, as cell texts."""
    start = html.index(f"<h3>{title}</h3>")
    body = html[start:].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        [unescape(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", body)
    ]
