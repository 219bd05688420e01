"""One vocabulary (SPEC §3.1): every word list defined once, each word with its code, its Chinese
name and its English name, and the other names a county's ledgers use for it.

JSON and the API speak codes; a person reads the name in their language (Chinese by default);
an import accepts the code or any name of the word. Validation, the answers' types, the
statements' parameters and what a person reads all derive from these lists.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.lang import Lang, current


@dataclass(frozen=True)
class Word:
    code: str
    zh: str
    en: str
    also: tuple[str, ...] = ()  # other names a ledger may use (Chinese synonyms)

    def names(self) -> tuple[str, ...]:
        return (self.code, self.zh, self.en, *self.also)


@dataclass(frozen=True)
class WordList:
    """A closed list of words, e.g. the roles."""

    what: str  # what a word of it is, in English and Chinese: "role (职责)"
    words: tuple[Word, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(word.code for word in self.words)

    def code_of(self, text: str) -> str | None:
        """The code a ledger's cell means: the code itself or any name of the word (English
        in any case); None when no word of the list has that name."""
        wanted = text.strip()
        for word in self.words:
            if wanted in word.names() or wanted.casefold() in (word.code, word.en.casefold()):
                return word.code
        return None

    def name(self, code: str, lang: Lang | None = None) -> str:
        """A code as a person reads it, in `lang` or the current language; an unknown code is
        shown as it is."""
        chosen = lang or current()
        for word in self.words:
            if word.code == code:
                return word.zh if chosen == "zh" else word.en
        return code

    def shown(self) -> str:
        """Every word, for an error that lists what is expected: `指挥长 (commander), …`."""
        return ", ".join(f"{word.zh} ({word.code})" for word in self.words)


LEVELS = WordList(
    "level (级别)",
    (
        Word("county", "县", "county", ("区",)),
        Word("township", "乡镇", "township", ("乡", "镇", "街道", "街道办")),
        Word("village", "村", "village", ("行政村", "社区")),
        Word("grid", "网格", "grid", ("组", "自然村", "小区")),
        Word("building", "楼栋", "building", ("楼", "单元楼")),
    ),
)
ROLES = WordList(
    "role (职责)",
    (
        Word("commander", "指挥长", "commander"),
        Word("deputy_commander", "副指挥长", "deputy commander"),
        Word("grid_head", "网格长", "grid head"),
        Word("grid_member", "网格员", "grid member"),
        Word("liaison", "包联", "liaison", ("包片",)),
        Word("four_to_one", "四包一", "four-to-one"),
    ),
)
PERSON_KINDS = WordList(
    "person kind (类型)",
    (
        Word("leader", "领导", "leader"),
        Word("cadre", "干部", "cadre"),
        Word("grid_member", "网格员", "grid member"),
        Word("volunteer", "志愿者", "volunteer"),
    ),
)
COLORS = WordList(
    "colour (颜色)",
    (
        Word("green", "绿", "green", ("绿色",)),
        Word("blue", "蓝", "blue", ("蓝色",)),
        Word("yellow", "黄", "yellow", ("黄色",)),
        Word("orange", "橙", "orange", ("橙色",)),
        Word("red", "红", "red", ("红色",)),
    ),
)
HOME_QUARANTINE = Word("home_quarantine", "居家隔离", "home quarantine")
HOUSEHOLD_STATUSES = WordList(
    "household status (状态)", (Word("normal", "正常", "normal"), HOME_QUARANTINE)
)
# Households kept under dynamic monitoring (动态监测), each with its own visit interval.
MONITORED_GROUPS = WordList(
    "monitored group (重点人群)",
    (
        Word("income_drop", "收入下滑户", "income drop"),
        Word("subsistence", "兜底户", "subsistence"),
        Word("poverty_watch", "脱贫监测户", "poverty watch"),
        Word("marginal", "边缘户", "marginal"),
    ),
)
BODY_KINDS = WordList(
    "body kind (类型)",
    (
        Word("pioneer_post", "党员先锋岗", "pioneer post"),
        Word("pioneer_team", "党员先锋队", "pioneer team"),
        Word("party_org", "临时党组织", "party organisation"),
        Word("volunteer_team", "志愿服务队", "volunteer team"),
    ),
)
ISSUE_STATUSES = WordList(
    "issue status (状态)",
    (
        Word("reported", "已上报", "reported"),
        Word("dispatched", "已派遣", "dispatched"),
        Word("acknowledged", "已报到", "acknowledged"),
        Word("resolved", "已处置", "resolved"),
        Word("closed", "已办结", "closed"),
    ),
)
GAP_KINDS = WordList(
    "gap kind (缺口)",
    (
        Word("empty_household", "空户", "empty household"),
        Word("incomplete_four_to_one", "四包一不全", "incomplete four-to-one"),
        Word("missing_commander", "缺指挥长", "missing commander"),
        Word("missing_grid_head", "缺网格长", "missing grid head"),
        Word("orphan_unit", "孤立单元", "orphan unit"),
        Word("overdue_visit", "重点户走访超期", "overdue visit"),
        Word("overloaded_member", "网格员超负荷", "overloaded grid member"),
        Word("uncovered_household", "户无网格员", "uncovered household"),
        Word("unattended_high_risk", "高风险户无人包", "unattended high-risk household"),
        Word("unvisited_household", "未走访户", "unvisited household"),
    ),
)
# What a visit to a household was (SPEC §4.5).
VISIT_KINDS = WordList(
    "visit kind (走访类型)",
    (
        Word("visit", "走访", "visit"),
        Word("patrol", "巡查", "patrol"),
        Word("service", "服务", "service"),
    ),
)
# What happens to an issue: each step of the loop, and an escalation the due date brings.
ISSUE_EVENTS = WordList(
    "issue event (事项环节)",
    (
        Word("reported", "上报", "reported"),
        Word("dispatched", "派遣", "dispatched"),
        Word("acknowledged", "报到", "acknowledged"),
        Word("resolved", "处置", "resolved"),
        Word("closed", "办结", "closed"),
        Word("reopened", "重办", "reopened"),
        Word("escalated", "升级", "escalated"),
    ),
)
# What a change in the history did to its record.
CHANGE_KINDS = WordList(
    "change (变更)",
    (
        Word("added", "新增", "added"),
        Word("changed", "修改", "changed"),
        Word("ended", "终止", "ended"),
        Word("removed", "删除", "removed"),
        Word("color", "标色", "colour"),
        Word("step", "办理", "step"),
    ),
)
# The graph's labels, as a person reads the kind of a record (a gap's, a match's).
LABELS = WordList(
    "record (记录)",
    (
        Word("County", "县", "county"),
        Word("Township", "乡镇", "township"),
        Word("Village", "村", "village"),
        Word("Grid", "网格", "grid"),
        Word("Building", "楼栋", "building"),
        Word("Household", "户", "household"),
        Word("Resident", "居民", "resident"),
        Word("Person", "人员", "person"),
        Word("Body", "组织", "body"),
        Word("Issue", "事项", "issue"),
        Word("Assignment", "包抓", "assignment"),
        Word("Visit", "走访", "visit"),
        Word("Sweep", "摸排", "sweep"),
    ),
)
# Who holds an API key (SPEC §8).
KEY_ROLES = WordList(
    "key role (密钥角色)",
    (
        Word("inspector", "督查", "inspector"),
        Word("township_admin", "乡镇管理员", "township admin"),
        Word("grid_member", "网格员", "grid member"),
    ),
)
YES_NO = WordList(
    "yes or no (是/否)",
    (
        Word("true", "是", "yes", ("1", "y", "t")),
        Word("false", "否", "no", ("0", "n", "f")),
    ),
)


def label_name(label: str, lang: Lang | None = None) -> str:
    """A graph label as a person reads it: `Township` is 乡镇, `PioneerPost` 党员先锋岗; a label
    of no word is shown as it is."""
    if label in LABELS.codes:
        return LABELS.name(label, lang)
    for word in BODY_KINDS.words:
        if label_of(word.code) == label:
            return BODY_KINDS.name(word.code, lang)
    return label


def label_of(code: str) -> str:
    """The graph's label of a level or body kind: `party_org` is `PartyOrg`."""
    return "".join(part.capitalize() for part in code.split("_"))


# The ledger files (SPEC §5.2): each record kind's file, by its Chinese name too.
FILES = WordList(
    "ledger file (台账)",
    (
        Word("units", "单元", "units"),
        Word("households", "户", "households"),
        Word("residents", "居民", "residents"),
        Word("people", "人员", "people"),
        Word("assignments", "包抓", "assignments"),
        Word("bodies", "组织", "bodies"),
        Word("issues", "事项", "issues"),
        Word("visits", "走访", "visits"),
        Word("sweeps", "摸排", "sweeps"),
    ),
)
# The columns of the ledger files (SPEC §5.2), by their Chinese headers; a file's own names come
# first (a person's and a resident's name is 姓名, a unit's 名称).
HEADERS: dict[str, str] = {
    "编号": "id",
    "名称": "name",
    "姓名": "name",
    "级别": "level",
    "类型": "kind",
    "上级编号": "parent_id",
    "所属单元": "unit_id",
    "地址": "address",
    "颜色": "color",
    "状态": "status",
    "积分": "points",
    "重点人群": "groups",
    "户编号": "household_id",
    "电话": "phone",
    "身份证号": "id_number",
    "单位": "org",
    "党员": "party_member",
    "人员编号": "person_id",
    "包抓对象": "target_id",
    "职责": "role",
    "起始日期": "since",
    "截止日期": "until",
    "负责人": "holder_id",
    "事项类别": "category",
    "上报人": "reported_by",
    "上报日期": "reported_at",
    "责任部门": "department",
    "办结时限": "due_at",
    "处置日期": "resolved_at",
    "走访人": "person_id",
    "走访日期": "visited_at",
    "备注": "note",
    "范围": "scope_id",
    "开始日期": "starts",
    "结束日期": "ends",
}


def column_of(header: str) -> str:
    """The column a ledger's header names: a Chinese header's English name, else as written."""
    text = header.strip()
    return HEADERS.get(text, text)
