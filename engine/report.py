"""A printable inspection report of one unit (督查报告), as one self-contained HTML file.

A county inspector prints it on A4 and signs it: who is accountable for the unit and above it,
its headline figures, its coverage gaps (per sub-unit, ranked per 1,000 households) and its
overdue issues, each place and person by name with its id beside it. The file loads nothing
from anywhere (an intranet reaches no CDN) and needs no script. `report_html` is a function of
the answers alone, in the current language; `gather` asks a backend for them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from html import escape
from typing import TYPE_CHECKING

from engine import tables
from engine.errors import BadQuery, NotFound
from engine.lang import current, say
from engine.model import (
    Gap,
    GapsResult,
    IssuesResult,
    Person,
    StatsResult,
    Unit,
    WhoResult,
)
from engine.sheets import Cell, Sheet, cell_text
from engine.tables import Names, named
from engine.vocabulary import BODY_KINDS, GAP_KINDS, ISSUE_STATUSES, LABELS, ROLES
from engine.zone import county_time

if TYPE_CHECKING:
    from engine.backends.base import Backend

# The units a report covers (a household has a chain, not a report).
AREA_LABELS = ("County", "Township", "Village", "Grid", "Building")
MAX_LISTED_GAPS = 200
LISTING_ORDER = {label: n for n, label in enumerate((*AREA_LABELS, "Person", "Household"))}
PER_HOUSEHOLDS = 1000  # gaps are ranked per this many households


@dataclass(frozen=True)
class Part:
    """A unit directly under the report's scope, with the households at or under it."""

    id: str
    households: int


@dataclass(frozen=True)
class ReportAnswers:
    """What the report shows: the answers about its scope on one day, and the names of the
    units, households and people they mention."""

    scope: str
    as_of: dt.date
    made_at: dt.datetime
    chain: WhoResult
    stats: StatsResult
    gaps: GapsResult
    overdue: IssuesResult
    parts: list[Part]
    names: Names

    @property
    def scope_name(self) -> str:
        return self.chain.chain[0].name if self.chain.chain else self.scope


def gather(
    backend: Backend,
    scope: str,
    as_of: dt.date,
    made_at: dt.datetime,
    visit_days: Mapping[str, int] | None = None,
) -> ReportAnswers:
    """The answers about `scope` (a unit's id); NotFound when there is no such unit. Monitored
    households are overdue after `visit_days` (GRIDCHAIN_VISIT_DAYS; 30 days when None)."""
    from engine import loop  # brings the importer: only a report needs it, not a short query
    from engine.semantics import IssueFilter

    label = backend.known_labels({scope}).get(scope)
    if label is None:
        raise NotFound(scope, "unit")
    if label not in AREA_LABELS:
        raise BadQuery(
            say(
                f"{scope!r} 是{LABELS.name(label)}：报告针对单元（县、乡镇、村、网格或楼栋）",
                f"{scope!r} is a {LABELS.name(label)}: a report covers a unit "
                "(county, township, village, grid or building)",
            )
        )
    gaps = backend.gaps(as_of, scope, visit_days=visit_days)
    overdue = loop.issue_list(backend, as_of, IssueFilter(overdue=True, scope=scope))
    units = backend.records("units", backend.stored_ids("units", within=scope)).values()
    children = sorted(u.id for u in units if isinstance(u, Unit) and u.parent_id == scope)
    parts = [Part(child, len(backend.households_under(child))) for child in children]
    return ReportAnswers(
        scope=scope,
        as_of=as_of,
        made_at=made_at,
        chain=backend.who(scope, as_of),
        stats=backend.stats(as_of, scope),
        gaps=gaps,
        overdue=overdue,
        parts=parts,
        names=names_of(backend, gaps, overdue, children),
    )


def listed_gaps(gaps: GapsResult) -> list[Gap]:
    """The gaps the report lists: those of the highest units first (a vacancy there leaves
    everything below without a head), then people, then households; then by kind and id."""
    ranked = sorted(
        gaps.gaps,
        key=lambda gap: (LISTING_ORDER.get(gap.level, len(LISTING_ORDER)), gap.kind, gap.id),
    )
    return ranked[:MAX_LISTED_GAPS]


def names_of(
    backend: Backend, gaps: GapsResult, overdue: IssuesResult, children: Sequence[str]
) -> dict[str, str]:
    """The names of what the report lists: the places on its gaps' and issues' paths, its
    sub-units, and the people a gap is about (an overloaded grid member)."""
    listed = listed_gaps(gaps)
    places = {node for gap in listed for node in gap.path} | set(children)
    places |= {node for issue in overdue.issues for node in issue.path}
    found = backend.names(places)
    people = {gap.id for gap in listed if gap.level == "Person"}
    for person in backend.records("people", people).values():
        if isinstance(person, Person):
            found[person.id] = person.name
    return found


# ---- the report as HTML ---------------------------------------------------------------------

# Chinese fonts of Linux (Noto, as CI installs), Windows and macOS, in the body and the margins.
FONTS = '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif'
STYLE = """
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font-size: 10.5pt; line-height: 1.45; color: #000; margin: 0; }
h1 { font-size: 17pt; text-align: center; margin: 0 0 4mm; }
h2 { font-size: 13pt; border-bottom: 1.2pt solid #000; padding-bottom: 1mm; margin: 6mm 0 3mm; }
h3 { font-size: 11pt; margin: 4mm 0 2mm; }
h2, h3 { break-after: avoid; }
.meta { text-align: center; margin: 0 0 5mm; }
.meta span { margin: 0 3mm; white-space: nowrap; }
table { width: 100%; border-collapse: collapse; margin: 0 0 2mm; font-size: 9.5pt; }
thead { display: table-header-group; }
tr, .signature { break-inside: avoid; }
th, td { border: 0.6pt solid #000; padding: 0.6mm 1.6mm; text-align: left; vertical-align: top;
  line-height: 1.3; }
th { font-weight: bold; background: #e6e6e6; }
th, td.n, td.w { white-space: nowrap; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
.pair { display: flex; gap: 6mm; align-items: flex-start; }
.pair > div { flex: 1; }
.note { margin: 1mm 0 3mm; font-size: 9.5pt; }
.new-page { break-before: page; }
.signature { margin-top: 10mm; border: 0.8pt solid #000; padding: 4mm 5mm; }
.signature .remarks { height: 32mm; }
.signature .line { display: inline-block; min-width: 55mm; border-bottom: 0.8pt solid #000; }
.signature p { margin: 3mm 0; }
@media screen { body { max-width: 190mm; margin: 10mm auto; } }
"""


def report_html(answers: ReportAnswers) -> str:
    """The whole report, in the current language."""
    scope_name = answers.scope_name
    title = say(
        f"{scope_name}网格化责任体系督查报告",
        f"Inspection report on the grid responsibility system: {scope_name}",
    )
    style = (
        page_style(f"{title} ({answers.scope})", answers.as_of)
        + f"body {{ font-family: {FONTS}; }}"
        + STYLE
    )
    body = "".join(
        (
            f"<h1>{escape(title)}</h1>",
            heading_meta(answers, scope_name),
            accountability_section(answers),
            figures_section(answers),
            gaps_section(answers),
            overdue_section(answers),
        )
    )
    lang = "zh-CN" if current() == "zh" else "en"
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{style}</style></head>"
        f"<body>{body}</body></html>"
    )


def page_style(running: str, as_of: dt.date) -> str:
    """A4 pages headed by the report's title and day, and numbered at the foot."""
    day = say(f"截至 {as_of.isoformat()}", f"As of {as_of.isoformat()}")
    number = say(
        '"第 " counter(page) " 页，共 " counter(pages) " 页"',
        '"Page " counter(page) " of " counter(pages)',
    )
    return (
        f"@page {{ size: A4; margin: 18mm 15mm 20mm 15mm; font-family: {FONTS};"
        f' @top-left {{ content: "{css_text(running)}"; font-size: 8.5pt; }}'
        f' @top-right {{ content: "{css_text(day)}"; font-size: 8.5pt; }}'
        f" @bottom-center {{ content: {number}; font-size: 8.5pt; }} }}"
    )


def css_text(text: str) -> str:
    """Text inside a CSS string: quotes, backslashes and line breaks escaped, and `<` too, so
    that a name cannot end the style element."""
    return re.sub(r'[\\"<>\n\r]', lambda m: f"\\{ord(m.group()):x} ", text)


def heading_meta(answers: ReportAnswers, scope_name: str) -> str:
    level = answers.chain.chain[0].level if answers.chain.chain else ""
    items = (
        say("督查范围：", "Scope: ") + f"{scope_name} ({answers.scope}, {LABELS.name(level)})",
        say("截至日期：", "As of: ") + answers.as_of.isoformat(),
        say("生成时间：", "Generated: ") + county_time(answers.made_at),
    )
    return '<p class="meta">' + "".join(f"<span>{escape(i)}</span>" for i in items) + "</p>"


def section(title: str, content: str, new_page: bool = False) -> str:
    shown = ' class="new-page"' if new_page else ""
    return f"<section{shown}><h2>{escape(title)}</h2>{content}</section>"


# ---- the sections ------------------------------------------------------------------------


def accountability_section(answers: ReportAnswers) -> str:
    commander = answers.chain.commander  # the township's (SPEC §4.1): none above a township
    lead = ""
    if any(level.level == "Township" for level in answers.chain.chain):
        shown = f"{commander.name} ({commander.id})" if commander else tables.vacant()
        lead = f'<p class="note">{escape(say("乡镇指挥长：", "Township commander: ") + shown)}</p>'
    own = own_holders_sheet(answers.chain)
    upward = chain_sheet(answers.chain)
    content = lead + sheet_html(own) + (sheet_html(upward) if upward.rows else "")
    return section(say("一、责任体系", "1. Accountability"), content)


def own_holders_sheet(chain: WhoResult) -> Sheet:
    """The scope's own role holders, vacant roles and bodies."""
    sheet = Sheet(
        say("本级责任人", "This unit's own"),
        (say("职责", "role"), say("姓名", "name"), say("编号", "id")),
    )
    if not chain.chain:
        return sheet
    level = chain.chain[0]
    for held in level.assignments:
        sheet.add(ROLES.name(held.role), held.person.name, held.person.id)
    for role in level.vacant:
        sheet.add(ROLES.name(role), say("（空缺）", "(vacant)"), None)
    for body in level.bodies:
        sheet.add(BODY_KINDS.name(body.kind), body.name, body.id)
    return sheet


def chain_sheet(chain: WhoResult) -> Sheet:
    """The chain above the scope, one row per role holder or vacancy, nearest first."""
    sheet = Sheet(
        say("上级责任链", "The chain above"),
        (say("级别", "level"), say("单元", "unit"), say("职责", "role"), say("姓名", "name")),
    )
    for level in chain.chain[1:]:
        unit = f"{level.name} ({level.unit})"
        for held in level.assignments:
            person = f"{held.person.name} ({held.person.id})"
            sheet.add(LABELS.name(level.level), unit, ROLES.name(held.role), person)
        for role in level.vacant:
            sheet.add(LABELS.name(level.level), unit, ROLES.name(role), say("（空缺）", "(vacant)"))
    return sheet


def figures_section(answers: ReportAnswers) -> str:
    return section(
        say("二、基本情况", "2. Headline figures"),
        '<div class="pair"><div>'
        + sheet_html(counts_sheet(answers.stats))
        + "</div><div>"
        + sheet_html(roles_sheet(answers.stats))
        + "</div></div>",
    )


def counts_sheet(stats: StatsResult) -> Sheet:
    """Units by level under the scope, households, residents, people, bodies and issues."""
    count = say("数量", "count")
    sheet = Sheet(
        say("单元与人员", "Units and people"),
        (say("项目", "what"), count),
        right=frozenset({count}),
    )
    for label in AREA_LABELS:
        if stats.nodes.get(label):
            sheet.add(
                say(f"{LABELS.name(label)}数", f"{LABELS.name(label)} units"), stats.nodes[label]
            )
    people = (
        ("Household", say("户数", "households")),
        ("Resident", say("居民数", "residents")),
        ("Person", say("包抓人员数", "people assigned")),
    )
    for label, shown in people:
        sheet.add(shown, stats.nodes.get(label, 0))
    for kind in BODY_KINDS.codes:
        label = kind.title().replace("_", "")  # pioneer_post is stored as PioneerPost
        if stats.nodes.get(label):
            sheet.add(BODY_KINDS.name(kind), stats.nodes[label])
    sheet.add(say("事项数", "issues"), stats.nodes.get("Issue", 0))
    return sheet


def roles_sheet(stats: StatsResult) -> Sheet:
    count = say("在岗人次", "active assignments")
    sheet = Sheet(
        say("包抓（按职责）", "Assignments by role"),
        (say("职责", "role"), count),
        right=frozenset({count}),
    )
    for role in ROLES.codes:
        sheet.add(ROLES.name(role), stats.assignments.get(role, 0))
    sheet.add(say("合计", "total"), sum(stats.assignments.values()))
    return sheet


def gaps_section(answers: ReportAnswers) -> str:
    gaps = answers.gaps
    content = sheet_html(gap_kinds_sheet(gaps))
    if answers.parts:
        content += sheet_html(parts_sheet(answers))
    content += sheet_html(gap_list_sheet(gaps, answers.names))
    return section(say("三、覆盖缺口", "3. Coverage gaps"), content, new_page=True)


def gap_kinds_sheet(gaps: GapsResult) -> Sheet:
    count = say("数量", "count")
    sheet = Sheet(
        say("缺口（按类型）", "Gaps by kind"),
        (say("缺口类型", "kind"), count),
        right=frozenset({count}),
    )
    for kind in GAP_KINDS.codes:
        sheet.add(GAP_KINDS.name(kind), gaps.summary.by_kind.get(kind, 0))
    sheet.add(say("合计", "total"), gaps.summary.total)
    return sheet


def parts_sheet(answers: ReportAnswers) -> Sheet:
    """Each sub-unit's gaps per 1,000 households, the worst first; a gap of the scope itself or
    of a person (an overloaded grid member) lies in no sub-unit and is counted apart."""
    per = say("每千户缺口", "gaps per 1,000 households")
    households, counted = say("户数", "households"), say("缺口", "gaps")
    rank = say("排名", "rank")
    sheet = Sheet(
        say("下级单元缺口排名", "Sub-units ranked by gaps"),
        (rank, say("单元", "unit"), households, counted, per),
        right=frozenset({rank, households, counted, per}),
    )
    inside = {part.id: 0 for part in answers.parts}
    apart = 0
    for gap in answers.gaps.gaps:
        within = next((node for node in gap.path if node in inside), None)
        if within is None:
            apart += 1
        else:
            inside[within] += 1
    rates = [
        (part, inside[part.id], rate(inside[part.id], part.households)) for part in answers.parts
    ]
    rates.sort(key=lambda r: (r[2] is None, -(r[2] or 0.0), -r[1], r[0].id))
    for place_rank, (part, count, per_thousand) in enumerate(rates, start=1):
        sheet.add(place_rank, named(part.id, answers.names), part.households, count, per_thousand)
    if apart:
        sheet.add(None, say("本级及人员", "the unit itself and people"), None, apart, None)
    return sheet


def rate(gaps: int, households: int) -> float | None:
    return round(gaps * PER_HOUSEHOLDS / households, 1) if households else None


def gap_list_sheet(gaps: GapsResult, names: Names) -> Sheet:
    """The listed gaps (the highest units' first), and how many more there are."""
    listed = replace(gaps, gaps=listed_gaps(gaps))
    sheet = replace(tables.gaps_sheet(listed, names), title=say("缺口清单", "Gaps"), notes=[])
    rest = len(gaps.gaps) - len(listed.gaps)
    if rest > 0:
        sheet.notes.append(
            say(
                f"另有 {rest:,} 个缺口未列出（按类型的合计含全部）。",
                f"{rest:,} more gaps not listed (the totals by kind count them all).",
            )
        )
    if not gaps.gaps:
        sheet.notes.append(say("无缺口。", "No gaps."))
    return sheet


def overdue_section(answers: ReportAnswers) -> str:
    sheet = overdue_sheet(answers.overdue, answers.names)
    return section(
        say("四、逾期事项", "4. Overdue issues"),
        sheet_html(sheet) + signature_block(),
        new_page=True,
    )


def overdue_sheet(result: IssuesResult, names: Names) -> Sheet:
    """The overdue issues, as `tables.issues_sheet` lists them less what a portrait page has
    no room for: the colour, and the subject again in its place."""
    days = say("逾期天数", "days overdue")
    sheet = Sheet(
        say("逾期未办结事项", "Issues overdue and still open"),
        (
            say("事项", "issue"),
            say("类别", "category"),
            say("对象", "about"),
            say("位置", "where"),
            say("状态", "status"),
            say("到期", "due"),
            days,
            say("当前责任", "held by"),
        ),
        right=frozenset({days}),
    )
    for issue in result.issues:
        sheet.add(
            issue.id,
            issue.category,
            named(issue.target, names),
            tables.place(issue.path[1:], names),
            ISSUE_STATUSES.name(issue.status),
            issue.due_at,
            issue.overdue_days,
            tables.holder_text(issue.level, issue.holder) or None,
        )
    sheet.notes.append(say(f"共 {len(result.issues)} 件", f"{len(result.issues)} issues"))
    return sheet


def signature_block() -> str:
    remarks = say("督查意见：", "Inspector's remarks:")
    signed = say("督查人（签字）：", "Inspector (signature):")
    dated = say("日期：", "Date:")
    return (
        '<div class="signature">'
        f'<p>{escape(remarks)}</p><div class="remarks"></div>'
        f'<p>{escape(signed)}<span class="line"></span></p>'
        f'<p>{escape(dated)}<span class="line"></span></p>'
        "</div>"
    )


# ---- a sheet as an HTML table --------------------------------------------------------------


NUMBER = ' class="n"'
ONE_WORD = re.compile(r"[\w.:/-]{1,24}", re.ASCII)
SHORT_WORD = 4


def sheet_html(sheet: Sheet) -> str:
    """A sheet as a printable table under its title: its header repeats on every page a long
    table runs onto, numbers align right, and its notes follow it."""
    right = [column in sheet.right for column in sheet.columns]
    head = "".join(
        f"<th{NUMBER if r else ''}>{escape(column)}</th>"
        for column, r in zip(sheet.columns, right, strict=True)
    )
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td{cell_class(cell, r)}>{escape(cell_text(cell))}</td>"
            for cell, r in zip(row, right, strict=True)
        )
        + "</tr>"
        for row in sheet.rows
    )
    notes = "".join(f'<p class="note">{escape(note)}</p>' for note in sheet.notes)
    return (
        f"<h3>{escape(sheet.title)}</h3>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>{notes}"
    )


def cell_class(cell: Cell, right: bool) -> str:
    """Numbers align right; they, dates, ids (`T01-V08-G02`) and short words (`已派遣`) never
    break across lines."""
    if right:
        return NUMBER
    whole = isinstance(cell, dt.date) or (
        isinstance(cell, str) and (len(cell) <= SHORT_WORD or ONE_WORD.fullmatch(cell))
    )
    return ' class="w"' if whole else ""


# ---- the command -----------------------------------------------------------------------------
