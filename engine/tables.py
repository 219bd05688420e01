"""Each answer as the sheets a person reads: the terminal draws them, the exports write them, the
pages and the report show them (engine/sheets.py).

Codes become names in the reader's language (engine/vocabulary.py) and ids get names beside
them: `names` maps the ids of units on the answer's paths to their names (a backend's
`names()`), and a place reads `花马池镇 › 花马池村 › 一组`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from engine.lang import say
from engine.model import (
    ColorHistory,
    CoversResult,
    FindResult,
    Gap,
    GapsResult,
    HistoryResult,
    ImportReport,
    IssuesResult,
    IssueView,
    PersonRef,
    ScorecardResult,
    ScoreRow,
    ScoreTotal,
    StatsResult,
    TraceIssue,
    TraceResult,
    VisitView,
    WhoResult,
)
from engine.sheets import Sheet
from engine.sweeps import level_label
from engine.vocabulary import (
    CHANGE_KINDS,
    COLORS,
    FILES,
    GAP_KINDS,
    ISSUE_EVENTS,
    ISSUE_STATUSES,
    ROLES,
    VISIT_KINDS,
    YES_NO,
    label_name,
)
from engine.zone import county_time

if TYPE_CHECKING:
    from engine.visiting import SweepsResult

Names = Mapping[str, str]
PLACE_SEPARATOR = " › "


def vacant() -> str:
    return say("空缺", "vacant")


def named(node: str, names: Names) -> str:
    """`花马池镇 (T01)`, or the id alone when it has no name."""
    name = names.get(node)
    return f"{name} ({node})" if name and name != node else node


def place(path: Iterable[str], names: Names) -> str:
    """A path (the node first, the county last) as a place read from the top: the county is
    left out, as every place lies in it."""
    nodes = list(path)
    return PLACE_SEPARATOR.join(names.get(node, node) for node in reversed(nodes[:-1]))


def person_text(person: PersonRef | None) -> str:
    if person is None:
        return vacant()
    return f"{person.name} ({person.id}, {ROLES.name(person.role)})"


def holder_text(level: str | None, person: PersonRef | None) -> str:
    return f"{label_name(level)}: {person_text(person)}" if level else ""


def scope_text(scope: str | None, names: Names) -> str:
    return named(scope, names) if scope else say("全县", "the whole county")


def places_of(*paths: Iterable[str]) -> set[str]:
    """Every node on the given paths: the ids whose names a table shows."""
    return {node for path in paths for node in path}


def named_in_trace(result: TraceResult) -> set[str]:
    """The ids a trace's tables name: its target, its units, who made each step of its issue."""
    steps = result.issue.timeline if result.issue else []
    return places_of([result.target], (s.unit for s in result.path), (e.by for e in steps if e.by))


# ---- the chains ------------------------------------------------------------------------


def who_sheet(result: WhoResult) -> Sheet:
    target = named(result.target, {level.unit: level.name for level in result.chain})
    sheet = Sheet(
        say(
            f"{target} 的责任链（{result.as_of}）",
            f"Accountability chain of {target} as of {result.as_of}",
        ),
        (
            say("级别", "level"),
            say("编号", "unit"),
            say("名称", "name"),
            say("责任人", "responsible"),
            say("空缺", "vacant"),
            say("组织", "bodies"),
        ),
    )
    for level in result.chain:
        sheet.add(
            label_name(level.level),
            level.unit,
            level.name,
            "\n".join(
                f"{ROLES.name(h.role)}: {h.person.name} ({h.person.id})" for h in level.assignments
            ),
            ", ".join(ROLES.name(role) for role in level.vacant),
            "\n".join(body.name for body in level.bodies),
        )
    sheet.notes.append(say("指挥长：", "Commander: ") + person_text(result.commander))
    return sheet


def trace_sheet(result: TraceResult, names: Names) -> Sheet:
    sheet = Sheet(
        say(
            f"{named(result.target, names)} 的倒查链（{result.as_of}）",
            f"Reverse trace of {named(result.target, names)} as of {result.as_of}",
        ),
        (say("级别", "level"), say("单元", "unit"), say("责任人", "responsible")),
    )
    for step in result.path:
        sheet.add(label_name(step.level), named(step.unit, names), person_text(step.person))
    sheet.notes.append(say("指挥长：", "Commander: ") + person_text(result.commander))
    return sheet


def trace_sheets(result: TraceResult, names: Names) -> list[Sheet]:
    """The trace, and the timeline of the issue it starts from."""
    trace = trace_sheet(result, names)
    return [trace, issue_sheet(result.issue, names)] if result.issue else [trace]


def issue_sheet(issue: TraceIssue, names: Names) -> Sheet:
    """An issue's timeline, and where it stands now."""
    sheet = timeline_sheet(issue, names)
    sheet.notes.append(issue_standing(issue))
    return sheet


def issue_standing(issue: TraceIssue | IssueView) -> str:
    """An issue's standing in one line: its status, who holds it, its dates, days overdue."""
    held = holder_text(issue.level, issue.holder)
    return say(
        f"事项 {issue.id}（{issue.category}）{ISSUE_STATUSES.name(issue.status)}"
        + (f"，当前责任 {held}" if held else "")
        + f"：{issue.reported_at} 上报，{issue.due_at or '—'} 到期，"
        f"{issue.resolved_at or '—'} 处置，逾期 {issue.overdue_days} 天",
        f"Issue {issue.id} ({issue.category}) is {ISSUE_STATUSES.name(issue.status)}"
        + (f", held by {held}" if held else "")
        + f": reported {issue.reported_at}, due {issue.due_at or '-'}, resolved "
        f"{issue.resolved_at or '-'}, overdue {issue.overdue_days} days",
    )


def timeline_sheet(issue: TraceIssue, names: Names) -> Sheet:
    """An issue's timeline: each step, who made it (by name), who held it then and how long."""
    sheet = Sheet(
        say(f"事项 {issue.id} 办理过程", f"Timeline of {issue.id}"),
        (
            say("时间", "at"),
            say("环节", "event"),
            say("经办", "by"),
            say("状态", "status"),
            say("当时责任", "held by"),
            say("天数", "days"),
        ),
        right=frozenset({say("天数", "days")}),
    )
    for entry in issue.timeline:
        sheet.add(
            county_time(entry.at),
            ISSUE_EVENTS.name(entry.event),
            ", ".join(x for x in (entry.by and named(entry.by, names), entry.note) if x),
            ISSUE_STATUSES.name(entry.status),
            holder_text(entry.level, entry.holder),
            entry.held_days,
        )
    return sheet


def issues_sheet(result: IssuesResult, names: Names) -> Sheet:
    days = say("逾期天数", "days overdue")
    sheet = Sheet(
        say(
            f"{scope_text(result.scope, names)} 的事项（{result.as_of}）",
            f"Issues in {scope_text(result.scope, names)} as of {result.as_of}",
        ),
        (
            say("事项", "issue"),
            say("类别", "category"),
            say("对象", "about"),
            say("颜色", "colour"),
            say("状态", "status"),
            say("到期", "due"),
            days,
            say("当前责任", "held by"),
            say("位置", "where"),
        ),
        right=frozenset({days}),
    )
    for issue in result.issues:
        sheet.add(
            issue.id,
            issue.category,
            named(issue.target, names),
            COLORS.name(issue.color) if issue.color else None,
            ISSUE_STATUSES.name(issue.status),
            issue.due_at,
            issue.overdue_days,
            holder_text(issue.level, issue.holder) or None,
            place(issue.path, names),
        )
    sheet.notes.append(say(f"共 {len(result.issues)} 件", f"{len(result.issues)} issues"))
    return sheet


# ---- areas -------------------------------------------------------------------------------


def gap_name(gap: Gap, names: Names) -> str:
    return names.get(gap.id) or label_name(gap.level)


def gaps_sheet(result: GapsResult, names: Names, limit: int | None = None) -> Sheet:
    """The gaps, at most `limit` of them (a note says how many more); the sweep that missed an
    unvisited household in a last column, when there is one."""
    shown = result.gaps if limit is None else result.gaps[:limit]
    swept = any(gap.sweep for gap in shown)
    sheet = Sheet(
        say(
            f"{scope_text(result.scope, names)} 的覆盖缺口（{result.as_of}）",
            f"Coverage gaps in {scope_text(result.scope, names)} as of {result.as_of}",
        ),
        (
            say("缺口类型", "kind"),
            say("编号", "id"),
            say("类别", "what"),
            say("名称", "name"),
            say("位置", "where"),
            *((say("摸排", "sweep"),) if swept else ()),
        ),
    )
    for gap in shown:
        cells = (
            GAP_KINDS.name(gap.kind),
            gap.id,
            label_name(gap.level),
            names.get(gap.id),
            place(gap.path[1:], names),
        )
        sheet.add(*cells, *((gap.sweep,) if swept else ()))
    if len(result.gaps) > len(shown):
        more = len(result.gaps) - len(shown)
        sheet.notes.append(
            say(
                f"……另有 {more} 个（用 --json、--format 或 --kind）",
                f"... {more} more (use --json, --format or --kind)",
            )
        )
    return sheet


def gap_summary_sheet(result: GapsResult, names: Names) -> Sheet:
    count = say("数量", "count")
    sheet = Sheet(
        say(
            f"缺口汇总（{scope_text(result.scope, names)} 共 {result.summary.total} 个）",
            f"Gap summary ({result.summary.total} in {scope_text(result.scope, names)})",
        ),
        (say("缺口类型", "kind"), count),
        right=frozenset({count}),
    )
    for kind, number in result.summary.by_kind.items():
        sheet.add(GAP_KINDS.name(kind), number)
    return sheet


def townships_sheet(
    result: GapsResult, names: Names, households: Mapping[str, int] | None = None
) -> Sheet:
    """Gaps per township, by name; given the townships' households, also per 1,000 of them,
    worst first."""
    count = say("缺口", "gaps")
    columns = [say("乡镇", "township"), count]
    if households is not None:
        columns += [say("户数", "households"), say("每千户缺口", "gaps per 1,000 households")]
    title = say("各乡镇缺口", "Gaps by township")
    sheet = Sheet(title, tuple(columns), right=frozenset(columns[1:]))
    rows: list[tuple[Any, ...]] = []
    for township, number in result.summary.by_township.items():
        if households is None:
            rows.append((named(township, names), number))
        else:
            homes = households.get(township, 0)
            rate = round(1000 * number / homes, 1) if homes else None
            rows.append((named(township, names), number, homes, rate))
    if households is not None:
        rows.sort(key=lambda row: (-(row[3] or 0), row[0]))
    sheet.rows.extend(rows)
    return sheet


def stats_sheet(result: StatsResult, names: Names) -> Sheet:
    count = say("数量", "count")
    sheet = Sheet(
        say(
            f"{scope_text(result.scope, names)} 统计（{result.as_of}）",
            f"Stats of {scope_text(result.scope, names)} as of {result.as_of}",
        ),
        (say("项目", "what"), count),
        right=frozenset({count}),
    )
    for label, number in result.nodes.items():
        sheet.add(label_name(label), number)
    for role, number in result.assignments.items():
        sheet.add(say("包抓：", "assignments: ") + ROLES.name(role), number)
    for kind, number in result.gaps.items():
        sheet.add(say("缺口：", "gaps: ") + GAP_KINDS.name(kind), number)
    return sheet


# ---- records -----------------------------------------------------------------------------


def covers_sheet(result: CoversResult, names: Names) -> Sheet:
    households, gaps = say("户数", "households"), say("缺口", "gaps")
    sheet = Sheet(
        say(
            f"{result.person.name}（{result.person.id}）包抓范围（{result.as_of}）",
            f"What {result.person.name} ({result.person.id}) covers as of {result.as_of}",
        ),
        (say("职责", "role"), say("单元", "unit"), say("级别", "level"), households, gaps),
        right=frozenset({households}),
    )
    for held in result.assignments:
        kinds = Counter(gap.kind for gap in held.gaps)
        sheet.add(
            ROLES.name(held.role),
            named(held.unit, {**names, held.unit: held.name}),
            label_name(held.level),
            len(held.households),
            "，".join(f"{GAP_KINDS.name(kind)} {n}" for kind, n in kinds.items()) or None,
        )
    return sheet


def find_sheet(result: FindResult, names: Names) -> Sheet:
    sheet = Sheet(
        say(
            f"查找“{result.text}”：{len(result.matches)} 条",
            f"Found for {result.text!r}: {len(result.matches)}",
        ),
        (say("编号", "id"), say("类别", "what"), say("名称", "name"), say("位置", "where")),
    )
    for match in result.matches:
        sheet.add(match.id, label_name(match.level), match.name, place(match.path[1:], names))
    return sheet


def colors_sheet(result: ColorHistory, names: Names) -> Sheet:
    """A household's colour marks, each by whom (by name where a person made it)."""
    now = COLORS.name(result.color) if result.color else say("未标色", "not coloured")
    sheet = Sheet(
        say(
            f"{named(result.household, names)} 当前：{now}",
            f"Household {named(result.household, names)} is {now}",
        ),
        (say("时间", "at"), say("颜色", "colour"), say("标记人", "by")),
    )
    for change in result.changes:
        sheet.add(county_time(change.at), COLORS.name(change.color), named(change.by, names))
    return sheet


def history_sheet(result: HistoryResult, names: Names) -> Sheet:
    since = say(f"，{result.since} 起", f" since {result.since}") if result.since else ""
    sheet = Sheet(
        say(
            f"{named(result.record, names)} 的变更记录{since}（新的在前）",
            f"History of {named(result.record, names)}{since}, newest first",
        ),
        (
            say("时间", "at"),
            say("变更", "change"),
            say("内容", "what"),
            say("操作人", "by"),
            say("来源", "from"),
        ),
    )
    for entry in result.entries:
        sheet.add(
            county_time(entry.at),
            f"{CHANGE_KINDS.name(entry.change)} ({FILES.name(entry.kind)})",
            what_changed(entry.before, entry.after),
            named(entry.by, names),
            entry.source,
        )
    return sheet


def what_changed(before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    """The fields a change touched, as `field: old → new`."""
    if before is None or after is None:
        return ", ".join(
            f"{k}: {v}" for k, v in (after or before or {}).items() if v not in (None, {})
        )
    keys = [k for k in {**before, **after} if before.get(k) != after.get(k)]
    return "\n".join(f"{k}: {before.get(k)} → {after.get(k)}" for k in keys)


def import_sheet(report: ImportReport) -> Sheet:
    counts = {
        say("新增", "added"): report.added,
        say("修改", "changed"): report.changed,
        say("终止", "ended"): report.ended,
        say("删除", "removed"): report.removed,
    }
    sheet = Sheet(
        say("导入（试运行：未写入任何内容）", "Import (dry run: nothing was written)")
        if report.dry_run
        else say("导入", "Import"),
        (say("台账", "kind"), *counts),
        right=frozenset(counts),
    )
    for kind in report.added:
        sheet.add(FILES.name(kind), *(counted.get(kind, 0) for counted in counts.values()))
    for what, kinds in report.first.items():
        if what in ("ended", "removed") or report.dry_run:
            for kind, ids in kinds.items():
                more = getattr(report, what).get(kind, 0) - len(ids)
                shown = ", ".join(ids) + (
                    say(f" 等另 {more:,} 条", f" and {more:,} more") if more > 0 else ""
                )
                sheet.notes.append(f"{CHANGE_KINDS.name(what)} {FILES.name(kind)}: {shown}")
    if report.kept:
        sheet.notes.append(
            say(
                "保留（虽已不在 people.csv 中，但仍有包抓、组织或事项用到）：",
                "kept, though gone from people.csv (an assignment, body or issue names them): ",
            )
            + ", ".join(report.kept)
        )
    return sheet


# ---- work done: visits, sweeps, scorecards ---------------------------------------------------


def visits_sheet(household: str, visits: Iterable[VisitView], names: Names) -> Sheet:
    """Visits to a household, newest first, each saying whether it counts (SPEC §4.5)."""
    sheet = Sheet(
        say(f"{named(household, names)} 的走访记录", f"Visits to {named(household, names)}"),
        (
            say("走访编号", "visit"),
            say("日期", "on"),
            say("类型", "kind"),
            say("走访人", "by"),
            say("计入覆盖率", "counts"),
            say("备注", "note"),
        ),
    )
    for visit in visits:
        sheet.add(
            visit.id,
            visit.visited_at,
            VISIT_KINDS.name(visit.kind),
            named(visit.person.id, {visit.person.id: visit.person.name}),
            YES_NO.name("true" if visit.counts else "false"),
            visit.note,
        )
    return sheet


def percent(share: float | None) -> str | None:
    """Coverage as a person reads it: 0.833 is `83.3%`; none without households."""
    return None if share is None else f"{share * 100:.1f}%"


SWEEP_STATES = {
    "not_started": ("未开始", "not started"),
    "running": ("进行中", "running"),
    "finished": ("已结束", "finished"),
}


def sweeps_sheet(result: SweepsResult) -> Sheet:
    """Sweeps (摸排) by id: each over which unit, when, and whether it is finished as of a day."""
    sheet = Sheet(
        say(f"摸排（{result.as_of}）", f"Sweeps as of {result.as_of}"),
        (
            say("编号", "id"),
            say("名称", "name"),
            say("范围", "scope"),
            say("开始日期", "starts"),
            say("结束日期", "ends"),
            say("状态", "state"),
        ),
    )
    for sweep in result.sweeps:
        sheet.add(
            sweep.id,
            sweep.name,
            named(sweep.scope, {sweep.scope: sweep.scope_name}),
            sweep.starts,
            sweep.ends,
            say(*SWEEP_STATES[sweep.state]),
        )
    return sheet


def scorecard_sheet(result: ScorecardResult, names: Names) -> Sheet:
    """A sweep's coverage by unit (or person), the least covered first, with who answers for
    each unit and the issue figures of the window; a total row last."""
    sweep = result.sweep
    by = label_name(level_label(result.by))
    so_far = (
        ""
        if result.finished
        else say(f"，进行中，截至 {result.as_of}", f", running: so far, to {result.as_of}")
    )
    counted = (
        say("户数", "households"),
        say("已走访", "visited"),
        say("覆盖率", "coverage"),
    )
    issues = (
        say("上报事项", "issues reported"),
        say("按期办结", "resolved on time"),
        say("满意", "satisfied"),
    )
    people = result.by == "person"
    unit = say("人员", "person") if people else say("单元", "unit")
    accountable = () if people else (say("责任人", "accountable"),)
    sheet = Sheet(
        say(
            f"{sweep.name}（{sweep.id}）走访覆盖率，按{by}"
            f"（{sweep.starts} 至 {sweep.ends}{so_far}）",
            f"Coverage of {sweep.name} ({sweep.id}) by {by}, {sweep.starts} to {sweep.ends}"
            f"{so_far}",
        ),
        (unit, *counted, *accountable, *issues),
        right=frozenset({*counted, *issues}),
    )
    for row in result.rows:
        sheet.add(*score_cells(row, names, people))
    sheet.add(*total_cells(result.total, names, sweep.scope, people))
    sheet.notes.append(
        say(
            f"范围：{named(sweep.scope, names)}；覆盖率 = 摸排期间有计入走访的户 ÷ 户数",
            f"Scope: {named(sweep.scope, names)}; coverage = households a counting visit "
            "reached in the sweep's days / households",
        )
    )
    return sheet


def score_cells(row: ScoreRow, names: Names, people: bool) -> tuple[Any, ...]:
    figures = (row.households, row.visited, percent(row.coverage))
    issues = (row.reported, row.resolved_on_time, row.satisfied)
    who = () if people else (person_text(row.accountable),)
    return (named(row.unit, {**names, row.unit: row.name}), *figures, *who, *issues)


def total_cells(total: ScoreTotal, names: Names, scope: str, people: bool) -> tuple[Any, ...]:
    figures = (total.households, total.visited, percent(total.coverage))
    issues = (total.reported, total.resolved_on_time, total.satisfied)
    who = () if people else (None,)
    whole = say(f"合计：{names.get(scope, scope)}", f"total: {names.get(scope, scope)}")
    return (whole, *figures, *who, *issues)
