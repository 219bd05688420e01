"""A deterministic Yanchi County (盐池县) data set in the import format of SPEC §5.

The counts are the seed report's (SPEC §2): 8 townships and 1 street office, 119 villages and
communities, 2,009 grids, 68,487 households, 173,441 residents, 26 county leaders, 3,065
department cadres from 91 units on 316 village groups, and 33 / 495 / 683 / 171 party and
volunteer bodies. A few percent of deliberate gaps of every kind in SPEC §4.2 are seeded — all
but `orphan_unit`, which the importer refuses — so an inspector has something to find. The last
90 days of work (sweeps, monitored households and visits, imperfect as work is) come from
engine/demo_history.py.

Rows come out exactly as the CSV files would hold them (every value a string, "" for "not
given"), so the demo goes through the same importer and validation as a user's files.

>>> rows = generate_county()
>>> len(rows["households"]), len(rows["residents"])
(68487, 173441)
"""

from __future__ import annotations

import bisect
import datetime
import itertools
import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from engine.demo_history import History
from engine.importer import COLUMNS

DataRows = dict[str, list[dict[str, str]]]
_T = TypeVar("_T")


def _words(text: str) -> tuple[str, ...]:
    """Long lists of Chinese names read best as text, one space between names."""
    return tuple(text.split())


COUNTY_ID = "C-YC"
COUNTY_NAME = "盐池县"
YANCHI_ADMIN_CODE = "640323"

# Issue, visit and sweep timelines hang off this day unless the caller passes `today`: a fixed
# anchor keeps the default output identical from one day to the next.
REFERENCE_DAY = datetime.date(2026, 1, 1)
# Lapsed and not-yet-started terms use fixed, far-apart dates so they stay lapsed / pending for
# any as_of a user is likely to ask about, whatever `today` was.
EXPIRED_UNTIL = "2021-12-31"
HANDOVER_SINCE = "2022-01-01"
NOT_YET_SINCE = "2099-01-01"
# The epidemic-time setup (Feb 2020) dominates; later dates are re-shuffles of posts.
SETUP_DATES = (
    ("2020-02-01",) * 6
    + ("2020-02-03",) * 3
    + ("2020-02-10",) * 2
    + ("2021-03-01", "2022-06-15", "2023-04-01", "2024-07-01", "2025-03-01")
)

# Seed figures for one county copy (multiplied by `scale`).
TOWNSHIPS: tuple[tuple[str, str, int], ...] = (
    ("花马池镇", "town", 16),
    ("大水坑镇", "town", 17),
    ("惠安堡镇", "town", 13),
    ("高沙窝镇", "town", 10),
    ("王乐井乡", "township", 14),
    ("冯记沟乡", "township", 10),
    ("青山乡", "township", 14),
    ("麻黄山乡", "township", 14),
    ("盐州街道", "street", 11),
)
GRIDS = 2009
COMMUNITY_GRIDS = 165
HOUSEHOLDS = 68_487
RESIDENTS = 173_441
EMPTY_HOUSEHOLDS = 68
QUARANTINED_HOUSEHOLDS = 205
DEPARTMENT_CADRES = 3065
CADRE_TARGETS = 316
ISSUES_PER_COUNTY = 150
GRID_ISSUES = 10
BODY_QUOTAS = {"party_org": 33, "pioneer_team": 495, "pioneer_post": 683, "volunteer_team": 171}

# Deliberate gaps per county copy.
VILLAGES_WITHOUT_COMMANDER = 3
HEADLESS_GRID_SHARE = 0.02
HEAD_HANDOVER_SHARE = 0.02
UNWATCHED_GRID_SHARE = 0.02
UNWATCHED_BUILDING_SHARE = 0.02
HOUSEHOLD_LEVEL_GRID_SHARE = 0.03
OVERLOADED_MEMBERS = 3
INCOMPLETE_FOUR_TO_ONE = 10
UNATTENDED_HIGH_RISK_SHARE = 0.03

# 县委书记 and 县长 first; the remaining 24 are the other members of the county's four teams.
LEADER_ORGS = (
    ("县委", "县政府") + ("县委",) * 8 + ("县政府",) * 6 + ("县人大常委会",) * 5 + ("县政协",) * 5
)
# How many county leaders cover each township ("some townships 3–4").
LIAISON_SPREAD = (4, 3, 3, 3, 3, 3, 3, 2, 2)

# 82 county units; with the 9 township-level units they are the seed's "91个乡镇（街道）、
# 机关企事业单位" whose cadres cover the 316 village groups.
DEPARTMENTS = _words(
    """
    县委办 县政府办 县纪委监委 县委组织部 县委宣传部 县委统战部 县委政法委 县委编办 县委党校
    县人大办 县政协办 县发改局 县教育局 县科技局 县工信局 县公安局 县民政局 县司法局 县财政局
    县人社局 县自然资源局 县住建局 县交通运输局 县水务局 县农业农村局 县商务局 县文旅广电局
    县卫健局 县退役军人事务局 县应急管理局 县审计局 县市场监管局 县统计局 县医保局 县林草局
    县乡村振兴局 县信访局 县审批服务局 县城市管理局 县机关事务中心 县融媒体中心 县档案馆
    县总工会 团县委 县妇联 县科协 县残联 县工商联 县红十字会 县文联 县人民法院 县人民检察院
    县人民医院 县中医医院 县疾控中心 县妇幼保健院 县税务局 县气象局 县人武部 县消防救援大队
    县交警大队 县烟草专卖局 生态环境局盐池分局 国网盐池供电公司 盐池移动公司 盐池电信公司
    盐池联通公司 盐池农商银行 农业银行盐池支行 工商银行盐池支行 中国银行盐池支行
    建设银行盐池支行 宁夏银行盐池支行 盐池邮政分公司 盐池滩羊集团 县第一中学 县高级中学
    县农技推广中心 县畜牧技术推广中心 县城乡供水公司 县公共资源交易中心 县就业创业服务中心
    """
)

ISSUE_CATEGORIES: tuple[tuple[str, int, tuple[str, ...]], ...] = (
    ("epidemic", 30, ("县卫健局", "县疾控中心")),
    ("dispute", 20, ("县司法局", "县信访局")),
    ("service", 20, ("县民政局", "县人社局", "县住建局")),
    ("poverty", 10, ("县乡村振兴局", "县农业农村局")),
    ("party_building", 5, ("县委组织部",)),
    ("legal", 8, ("县司法局", "县公安局")),
    ("counselling", 7, ("县卫健局", "县妇联")),
)

# Yanchi place names: a surname or landmark, often 记/家, then the lie of the land.
_PLACE_HEADS = "王李张马杨高冯孙周刘田佟苏皖柳杏榆沙红黄石青柴萌鸦狼羊牛骆陈郭何侯施曾边郝"
_PLACE_LINKS = ("记", "家", "")
_PLACE_TAILS = _words("圈 沟 掌 滩 湾 井 梁 堡 洼 台 庄 墩子 坑子 池子 渠 畔 塘 岔 窑 泉")
COMMUNITY_NAMES = _words("长城 盐州 文化 花马 鸿运 福园 兴盐 城西 南苑 振远 康宁")
_COMPOUND_HEADS = _words(
    """
    盐州 花马 鸿运 金色 阳光 盛世 兴盐 福园 锦绣 康乐 文化 长城 滨河 御景 幸福 和谐 城南 城北
    银泉 天润 佳和 新华 振远 永清 翰林 西苑 东苑 凤凰 明珠 润园 怡景 雅居 沙泉 宁盐 汇丰 杏林
    """
)
_COMPOUND_TAILS = _words("小区 花园 家园 佳苑 嘉园 新村 雅苑 名居")
_STREETS = _words("盐州路 鸿运路 文化路 花马池路 长城路 裕民街 振远路 永清路")
# (entrances 单元, floors, flats per landing): every building stays within one member's 50.
_COMPOUND_SHAPES = ((2, 6, 2), (3, 6, 2), (2, 5, 2), (4, 6, 2), (2, 11, 2), (1, 11, 2), (3, 5, 2))
_TOWER_SHAPES = ((2, 11, 2), (1, 18, 2), (1, 24, 2))

# Repeats weight the common surnames of northern Ningxia.
_SURNAMES = (
    "王王王王李李李张张张刘刘马马马杨杨高高冯冯孙孙"
    + "周赵陈郭何吴胡朱田许韩曹苏石薛白贺雷宋魏金董汪罗丁郝尚"
)
_MALE_GIVEN = "军伟强磊勇斌杰涛明超刚平辉鹏华飞宁峰波海东林建国文学志成俊龙祥福生宝忠兴旺"
_FEMALE_GIVEN = "芳娟敏静丽艳霞燕玲梅兰琴红英花萍娜婷雪慧秀凤琳洁瑞佳桂珍"
_PHONE_PREFIXES = _words("139 138 137 136 135 150 151 152 158 159 177 180 181 186 187 189 191 199")
# 五色动态管理: mostly green; about 2% orange and 0.7% red, who need a cadre's direct care.
_COLOURS = ("green", "blue", "yellow", "orange", "red")
_COLOUR_ODDS = (0.86, 0.93, 0.973, 0.993)
_DAYS_IN_MONTH = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

# GB 11643 / ISO 7064 MOD 11-2, the check character of a resident identity number.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"


def _digit_sum(text: str, weights: Sequence[int]) -> int:
    return sum(int(digit) * weight for digit, weight in zip(text, weights, strict=True))


def _chinese_number(n: int) -> str:
    """1..99 as written in group names: 三, 十二, 二十.

    >>> _chinese_number(21)
    '二十一'
    """
    digits = "零一二三四五六七八九"
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else digits[tens] + "十")
    return head + (digits[ones] if ones else "")


def _partition(rng: random.Random, total: int, parts: int, low: int, high: int) -> list[int]:
    """`parts` sizes in [low, high] summing to exactly `total` — the seed's totals are exact."""
    if not low * parts <= total <= high * parts:
        raise ValueError(f"cannot split {total} into {parts} parts of {low}..{high}")
    mean = total / parts
    spread = min(mean - low, high - mean)
    sizes = [min(high, max(low, round(mean + rng.uniform(-spread, spread)))) for _ in range(parts)]
    return _nudge(rng, sizes, total, low, high)


def _nudge(rng: random.Random, sizes: list[int], total: int, low: int, high: int) -> list[int]:
    gap = total - sum(sizes)
    step = 1 if gap > 0 else -1
    while gap:
        i = rng.randrange(len(sizes))
        if low <= sizes[i] + step <= high:
            sizes[i] += step
            gap -= step
    return sizes


def _share(rng: random.Random, items: Sequence[_T], fraction: float) -> list[_T]:
    return rng.sample(items, max(1, round(len(items) * fraction)))


@dataclass(eq=False)
class _Township:
    id: str
    name: str
    kind: str
    villages: list[_Village] = field(default_factory=list)


@dataclass(eq=False)
class _Village:
    id: str
    name: str
    township: _Township
    is_community: bool
    secretary: str = ""
    cadres: list[str] = field(default_factory=list)
    members: list[str] = field(default_factory=list)
    party_people: list[str] = field(default_factory=list)

    @property
    def org(self) -> str:
        return self.township.name + self.name

    @property
    def people(self) -> list[str]:
        return [self.secretary, *self.cadres, *self.members]


@dataclass(eq=False)
class _Building:
    id: str
    households: list[int] = field(default_factory=list)
    member: str = ""


@dataclass(eq=False)
class _Grid:
    id: str
    name: str
    kind: str
    village: _Village
    households: list[int] = field(default_factory=list)
    buildings: list[_Building] = field(default_factory=list)
    head: str = ""
    member: str = ""
    liaisons: list[str] = field(default_factory=list)


@dataclass
class _Copy:
    """One replica of the county's townships (scale N builds N of them under one county)."""

    index: int
    townships: list[_Township] = field(default_factory=list)
    villages: list[_Village] = field(default_factory=list)
    grids: list[_Grid] = field(default_factory=list)
    households: range = range(0)


class _Civil:
    """Names, phones and identity numbers that look like a Yanchi household register's."""

    def __init__(self, rng: random.Random) -> None:
        self.random = rng.random
        self.prefix_sum = _digit_sum(YANCHI_ADMIN_CODE, _ID_WEIGHTS[:6])
        self.year_sum = {y: _digit_sum(str(y), _ID_WEIGHTS[6:10]) for y in range(1900, 2100)}
        self.month_sum = [_digit_sum(f"{m:02d}", _ID_WEIGHTS[10:12]) for m in range(13)]
        self.day_sum = [_digit_sum(f"{d:02d}", _ID_WEIGHTS[12:14]) for d in range(32)]
        self.seq_sum = [_digit_sum(f"{s:03d}", _ID_WEIGHTS[14:17]) for s in range(1000)]
        # Per birth date and sex, the next order number, so identity numbers do not repeat.
        self.issued: dict[tuple[int, int, int, bool], int] = {}

    def pick(self, pool: str) -> str:
        return pool[int(self.random() * len(pool))]

    def name(self, male: bool, surname: str = "") -> str:
        given = _MALE_GIVEN if male else _FEMALE_GIVEN
        name = (surname or self.pick(_SURNAMES)) + self.pick(given)
        return name + self.pick(given) if self.random() < 0.65 else name

    def phone(self) -> str:
        prefix = _PHONE_PREFIXES[int(self.random() * len(_PHONE_PREFIXES))]
        return f"{prefix}{int(self.random() * 100_000_000):08d}"

    def id_number(self, year: int, month: int, day: int, male: bool) -> str:
        key = (year, month, day, male)
        order = self.issued.get(key, 0) + 1
        self.issued[key] = order
        # The order number's last digit is odd for men, even for women (GB 11643).
        seq = (2 * order + male) % 1000
        total = (
            self.prefix_sum
            + self.year_sum[year]
            + self.month_sum[month]
            + self.day_sum[day]
            + self.seq_sum[seq]
        )
        return (
            f"{YANCHI_ADMIN_CODE}{year}{month:02d}{day:02d}{seq:03d}{_ID_CHECK_CHARS[total % 11]}"
        )

    def resident(self, household_id: str, head_surname: str) -> dict[str, str]:
        """The household head (an adult) when `head_surname` is empty, else one of the family.

        Children born since 2008 carry the head's surname and have no phone of their own.
        """
        rnd = self.random
        male = rnd() < 0.51
        year = (1950 + int(rnd() * 46)) if not head_surname else (1936 + int(rnd() * 84))
        month = 1 + int(rnd() * 12)
        day = 1 + int(rnd() * _DAYS_IN_MONTH[month])
        child = year >= 2008
        return {
            "id": "",
            "household_id": household_id,
            "name": self.name(male, head_surname if child else ""),
            "phone": "" if child else self.phone(),
            "id_number": self.id_number(year, month, day, male),
        }


class _CountyBuilder:
    def __init__(self, seed: int, anchor: datetime.date) -> None:
        self.rng = random.Random(seed)
        self.anchor = anchor
        self.civil = _Civil(self.rng)
        self.units: dict[str, list[dict[str, str]]] = {
            level: [] for level in ("county", "township", "village", "grid", "building")
        }
        self.households: list[dict[str, str]] = []
        self.household_grid: list[_Grid] = []
        self.household_building: list[_Building | None] = []
        self.direct_member: dict[int, str] = {}
        self.residents: list[dict[str, str]] = []
        self.people: list[dict[str, str]] = []
        self.assignments: list[tuple[str, str, str, str, str]] = []
        self.bodies: list[dict[str, str]] = []
        self.issues: list[dict[str, str]] = []
        self.history = History(seed, anchor)
        self.sweeps: list[dict[str, str]] = []
        self.visits: list[dict[str, str]] = []
        # How many rows of each list were taken already (see `take`).
        self.taken = dict.fromkeys(
            (
                "households",
                "residents",
                "people",
                "assignments",
                "bodies",
                "issues",
                "sweeps",
                "visits",
            ),
            0,
        )

    # -- output -------------------------------------------------------------------------------

    def take(self) -> DataRows:
        """The rows made since the last take. They are handed over and forgotten here (their
        places keep the numbering of what follows), so a county of any scale is made, and
        loaded, one copy at a time."""
        assignment_columns = COLUMNS["assignments"]
        start = self.taken
        made: DataRows = {
            "units": [row for level_rows in self.units.values() for row in level_rows],
            "households": self.households[start["households"] :],
            "residents": self.residents[start["residents"] :],
            "people": self.people[start["people"] :],
            "assignments": [
                dict(zip(assignment_columns, (f"A{i:06d}", *row), strict=True))
                for i, row in enumerate(
                    self.assignments[start["assignments"] :], start=start["assignments"] + 1
                )
            ],
            "bodies": self.bodies[start["bodies"] :],
            "issues": self.issues[start["issues"] :],
            "sweeps": self.sweeps[start["sweeps"] :],
            "visits": self.visits[start["visits"] :],
        }
        for level_rows in self.units.values():
            level_rows.clear()
        for kind in start:
            rows: list[Any] = getattr(self, kind)
            rows[start[kind] :] = [None] * (len(rows) - start[kind])
            start[kind] = len(rows)
        return made

    def unit(self, unit_id: str, name: str, level: str, kind: str, parent_id: str) -> None:
        self.units[level].append(
            {"id": unit_id, "name": name, "level": level, "kind": kind, "parent_id": parent_id}
        )

    def person(self, kind: str, org: str, party_member: bool) -> str:
        person_id = f"P{len(self.people) + 1:05d}"
        self.people.append(
            {
                "id": person_id,
                "name": self.civil.name(self.rng.random() < 0.6),
                "kind": kind,
                "org": org,
                "phone": self.civil.phone(),
                "party_member": "true" if party_member else "false",
            }
        )
        return person_id

    def assign(
        self, person_id: str, target_id: str, role: str, since: str = "", until: str = ""
    ) -> None:
        self.assignments.append(
            (person_id, target_id, role, since or self.rng.choice(SETUP_DATES), until)
        )

    def assign_lapsed(self, person_id: str, target_id: str, role: str, lapse: str) -> None:
        """A term not active today: ended in 2021, starts only in 2099, or ("none") never held."""
        if lapse == "expired":
            self.assign(person_id, target_id, role, "2020-02-01", EXPIRED_UNTIL)
        elif lapse == "future":
            self.assign(person_id, target_id, role, NOT_YET_SINCE)

    # -- build ------------------------------------------------------------------------------

    def build(self, scale: int) -> Iterator[DataRows]:
        """The county, one copy of its townships at a time (the county itself with the first)."""
        self.unit(COUNTY_ID, COUNTY_NAME, "county", "county", "")
        self.sweeps.append(self.history.county_sweep(COUNTY_ID, COUNTY_NAME))
        for index in range(scale):
            county = _Copy(index)
            self.lay_out_units(county)
            self.register_residents(county)
            self.staff(county)
            self.raise_bodies(county)
            self.report_issues(county)
            self.record_history(county)
            yield self.take()

    def lay_out_units(self, county: _Copy) -> None:
        suffix = "" if county.index == 0 else f"({county.index + 1})"
        for number, (name, kind, village_count) in enumerate(TOWNSHIPS, start=1):
            township = _Township(
                f"T{county.index * len(TOWNSHIPS) + number:02d}", name + suffix, kind
            )
            self.unit(township.id, township.name, "township", kind, COUNTY_ID)
            township.villages = self.villages_of(township, name, village_count)
            county.townships.append(township)
            county.villages.extend(township.villages)
        first = len(self.households)
        county.grids = self.lay_out_grids(county.villages)
        county.households = range(first, len(self.households))

    def villages_of(self, township: _Township, seat: str, count: int) -> list[_Village]:
        community = township.kind == "street"
        if community:
            names = [f"{n}社区" for n in COMMUNITY_NAMES[:count]]
        else:
            names = self.village_names(seat[:-1] + "村", count)
        villages = []
        for number, name in enumerate(names, start=1):
            village = _Village(f"{township.id}-V{number:02d}", name, township, community)
            self.unit(
                village.id, name, "village", "community" if community else "village", township.id
            )
            villages.append(village)
        return villages

    def village_names(self, seat_village: str, count: int) -> list[str]:
        # The township seat village shares the township's name (大水坑镇 → 大水坑村).
        rng = self.rng
        names = [seat_village]
        while len(names) < count:
            name = (
                rng.choice(_PLACE_HEADS)
                + rng.choice(_PLACE_LINKS)
                + rng.choice(_PLACE_TAILS)
                + "村"
            )
            if name not in names:
                names.append(name)
        return names

    def lay_out_grids(self, villages: list[_Village]) -> list[_Grid]:
        rng = self.rng
        urban = [v for v in villages if v.is_community]
        rural = [v for v in villages if not v.is_community]
        plans = self.plan_communities(len(urban))
        urban_households = sum(
            a * b * c for plan in plans for _, shapes in plan for a, b, c in shapes
        )
        rural_counts = _partition(rng, GRIDS - COMMUNITY_GRIDS, len(rural), 8, 30)
        rural_sizes = iter(_partition(rng, HOUSEHOLDS - urban_households, sum(rural_counts), 6, 48))
        urban_plans, rural_grid_counts = iter(plans), iter(rural_counts)
        compound_names = iter(
            rng.sample([h + t for h in _COMPOUND_HEADS for t in _COMPOUND_TAILS], COMMUNITY_GRIDS)
        )
        grids: list[_Grid] = []
        for village in villages:
            if village.is_community:
                for number, (kind, shapes) in enumerate(next(urban_plans), start=1):
                    if kind == "building":
                        grids.append(self.tower(village, number, shapes[0]))
                    else:
                        grids.append(self.compound(village, number, next(compound_names), shapes))
            else:
                for number in range(1, next(rural_grid_counts) + 1):
                    grids.append(self.natural_village(village, number, next(rural_sizes)))
        return grids

    def plan_communities(self, count: int) -> list[list[tuple[str, list[tuple[int, int, int]]]]]:
        """Per community, its grids: a compound of 3–7 buildings, or now and then one tower."""
        rng = self.rng
        plans = []
        for grid_count in _partition(rng, COMMUNITY_GRIDS, count, 11, 19):
            plan: list[tuple[str, list[tuple[int, int, int]]]] = []
            for _ in range(grid_count):
                if rng.random() < 0.1:
                    plan.append(("building", [rng.choice(_TOWER_SHAPES)]))
                else:
                    plan.append(
                        (
                            "compound",
                            [rng.choice(_COMPOUND_SHAPES) for _ in range(rng.randint(3, 7))],
                        )
                    )
            plans.append(plan)
        return plans

    def natural_village(self, village: _Village, number: int, size: int) -> _Grid:
        group = f"{village.name}{_chinese_number(number)}组"
        grid = _Grid(f"{village.id}-G{number:02d}", group, "natural_village", village)
        self.unit(grid.id, group, "grid", grid.kind, village.id)
        place = village.township.name + group
        for door in range(1, size + 1):
            self.household(grid, None, grid.id, f"{place}{door}号")
        return grid

    def tower(self, village: _Village, number: int, shape: tuple[int, int, int]) -> _Grid:
        """A lone block of flats (单元独栋楼): a grid of its own, no Building under it."""
        name = f"{self.rng.choice(_STREETS)}{number * 3 + 1}号楼"
        grid = _Grid(f"{village.id}-G{number:02d}", name, "building", village)
        self.unit(grid.id, name, "grid", grid.kind, village.id)
        self.flats(grid, None, grid.id, name, shape)
        return grid

    def compound(
        self, village: _Village, number: int, name: str, shapes: list[tuple[int, int, int]]
    ) -> _Grid:
        """A 小区: the grid, with a Building unit per 楼 — the community's seventh level."""
        grid = _Grid(f"{village.id}-G{number:02d}", name, "compound", village)
        self.unit(grid.id, name, "grid", grid.kind, village.id)
        for order, shape in enumerate(shapes, start=1):
            building = _Building(f"{grid.id}-B{order}")
            place = f"{name}{order}号楼"
            self.unit(building.id, place, "building", "building", grid.id)
            self.flats(grid, building, building.id, place, shape)
            grid.buildings.append(building)
        return grid

    def flats(
        self,
        grid: _Grid,
        building: _Building | None,
        unit_id: str,
        place: str,
        shape: tuple[int, int, int],
    ) -> None:
        entrances, floors, per_landing = shape
        for entrance in range(1, entrances + 1):
            for floor in range(1, floors + 1):
                for flat in range(1, per_landing + 1):
                    self.household(
                        grid, building, unit_id, f"{place}{entrance}单元{floor}{flat:02d}"
                    )

    def household(
        self, grid: _Grid, building: _Building | None, unit_id: str, address: str
    ) -> None:
        index = len(self.households)
        color = _COLOURS[bisect.bisect(_COLOUR_ODDS, self.rng.random())]
        self.households.append(
            {
                "id": f"H{index + 1:07d}",
                "unit_id": unit_id,
                "address": address,
                "color": color,
                "status": "normal",
                "points": str(60 + int(self.rng.random() * 41)),
                "groups": "",
            }
        )
        self.household_grid.append(grid)
        self.household_building.append(building)
        grid.households.append(index)
        if building is not None:
            building.households.append(index)

    # -- residents ----------------------------------------------------------------------------

    def register_residents(self, county: _Copy) -> None:
        homes = list(county.households)
        empty = set(self.rng.sample(homes, EMPTY_HOUSEHOLDS))
        lived_in = [h for h in homes if h not in empty]
        sizes = self.rng.choices(range(1, 7), weights=(22, 33, 22, 13, 7, 3), k=len(lived_in))
        _nudge(self.rng, sizes, RESIDENTS, 1, 6)
        residents, civil = self.residents, self.civil
        for home, size in zip(lived_in, sizes, strict=True):
            household_id = self.households[home]["id"]
            head = civil.resident(household_id, "")
            family = [head] + [
                civil.resident(household_id, head["name"][0]) for _ in range(size - 1)
            ]
            for resident in family:
                resident["id"] = f"R{len(residents) + 1:07d}"
                residents.append(resident)
        quarantined = self.rng.sample(lived_in, QUARANTINED_HOUSEHOLDS)
        for home in sorted(quarantined):
            self.households[home]["status"] = "home_quarantine"

    # -- people and assignments ---------------------------------------------------------------

    def staff(self, county: _Copy) -> None:
        self.county_leaders(county)
        headless_villages = self.rng.sample(county.villages, VILLAGES_WITHOUT_COMMANDER)
        lapses = dict(zip(headless_villages, ("none", "expired", "future"), strict=True))
        handover = self.rng.choice(county.townships)
        for township in county.townships:
            commanders = self.township_team(township, township is handover)
            for number, village in enumerate(township.villages):
                self.village_committee(village)
                commander = commanders[number % len(commanders)]
                if village in lapses:
                    self.assign_lapsed(commander, village.id, "commander", lapses[village])
                else:
                    self.assign(commander, village.id, "commander")
        self.grid_heads(county.grids)
        self.grid_members(county.grids)
        self.department_cadres(county)
        self.four_to_one(county)
        self.high_risk_care(county)

    def county_leaders(self, county: _Copy) -> None:
        townships = [
            t for t, n in zip(county.townships, LIAISON_SPREAD, strict=True) for _ in range(n)
        ]
        self.rng.shuffle(townships)
        for number, (org, township) in enumerate(zip(LEADER_ORGS, townships, strict=True)):
            # Some 政协 members belong to other parties (民主党派), as county teams usually do.
            leader = self.person("leader", org, not (org == "县政协" and number % 2))
            self.assign(leader, township.id, "liaison")
            if county.index == 0 and number == 0:
                self.assign(leader, COUNTY_ID, "commander", "2021-09-01")
            elif county.index == 0 and number == 1:
                self.assign(leader, COUNTY_ID, "deputy_commander", "2021-09-01")

    def township_team(self, township: _Township, handover: bool) -> list[str]:
        """The headquarters; returns the leaders who each command a few villages (包村)."""
        org = township.name
        secretary = self.person("cadre", org, True)
        if handover:
            predecessor = self.person("cadre", org, True)
            self.assign(predecessor, township.id, "commander", "2020-02-01", EXPIRED_UNTIL)
            self.assign(secretary, township.id, "commander", HANDOVER_SINCE)
        else:
            self.assign(secretary, township.id, "commander")
        self.assign(self.person("cadre", org, True), township.id, "deputy_commander")
        in_charge = [self.person("cadre", org, True) for _ in range(self.rng.randint(1, 2))]
        for leader in in_charge:
            self.assign(leader, township.id, "deputy_commander")
        extra = max(1, math.ceil(len(township.villages) / 3) - len(in_charge))
        return in_charge + [
            self.person("cadre", org, self.rng.random() < 0.9) for _ in range(extra)
        ]

    def village_committee(self, village: _Village) -> None:
        village.secretary = self.person("cadre", village.org, True)
        village.party_people.append(village.secretary)
        self.assign(village.secretary, village.id, "deputy_commander")

    def grid_heads(self, grids: list[_Grid]) -> None:
        rng = self.rng
        headless = _share(rng, grids, HEADLESS_GRID_SHARE)
        lapses = dict(zip(headless, itertools.cycle(("none", "none", "expired", "future"))))
        handovers = set(_share(rng, [g for g in grids if g not in lapses], HEAD_HANDOVER_SHARE))
        for village, village_grids in itertools.groupby(grids, key=lambda g: g.village):
            group = list(village_grids)
            village.cadres = [
                self.village_cadre(village) for _ in range(max(2, math.ceil(len(group) / 5)))
            ]
            for number, grid in enumerate(group):
                head = village.cadres[number % len(village.cadres)]
                if grid in lapses:
                    self.assign_lapsed(head, grid.id, "grid_head", lapses[grid])
                    continue
                if grid in handovers:
                    former = village.cadres[(number + 1) % len(village.cadres)]
                    self.assign(former, grid.id, "grid_head", "2020-02-01", EXPIRED_UNTIL)
                    self.assign(head, grid.id, "grid_head", HANDOVER_SINCE)
                else:
                    self.assign(head, grid.id, "grid_head")
                grid.head = head

    def village_cadre(self, village: _Village) -> str:
        party = self.rng.random() < 0.8
        cadre = self.person("cadre", village.org, party)
        if party:
            village.party_people.append(cadre)
        return cadre

    def grid_member(self, village: _Village) -> str:
        rng = self.rng
        party = rng.random() < 0.35
        member = self.person(
            "grid_member" if rng.random() < 0.75 else "volunteer", village.org, party
        )
        village.members.append(member)
        if party:
            village.party_people.append(member)
        return member

    def grid_members(self, grids: list[_Grid]) -> None:
        """网格员: one per natural village or building, door to door in a few, some missing."""
        rng = self.rng
        open_grids = [g for g in grids if not g.buildings]
        unwatched = _share(rng, open_grids, UNWATCHED_GRID_SHARE)
        lapses = dict(zip(unwatched, itertools.cycle(("none", "none", "expired", "future"))))
        rest = [g for g in open_grids if g not in lapses]
        door_to_door = set(_share(rng, rest, HOUSEHOLD_LEVEL_GRID_SHARE))
        for grid in open_grids:
            if grid in lapses:
                self.assign_lapsed(
                    self.grid_member(grid.village), grid.id, "grid_member", lapses[grid]
                )
            elif grid in door_to_door:
                self.member_per_household(grid)
            else:
                grid.member = self.grid_member(grid.village)
                self.assign(grid.member, grid.id, "grid_member")
        self.building_members([g for g in grids if g.buildings])

    def member_per_household(self, grid: _Grid) -> None:
        member = self.grid_member(grid.village)
        since = self.rng.choice(SETUP_DATES)
        for home in grid.households:
            self.assign(member, self.households[home]["id"], "grid_member", since)
            self.direct_member[home] = member

    def building_members(self, compounds: list[_Grid]) -> None:
        rng = self.rng
        buildings = [b for g in compounds for b in g.buildings]
        unwatched = set(_share(rng, buildings, UNWATCHED_BUILDING_SHARE))
        for grid in compounds:
            for building in grid.buildings:
                if building not in unwatched:
                    building.member = self.grid_member(grid.village)
                    self.assign(building.member, building.id, "grid_member")
        # A 楼长 put over a whole compound: well over 50 households, the overload to find.
        for grid in rng.sample(compounds, OVERLOADED_MEMBERS):
            self.assign(self.grid_member(grid.village), grid.id, "grid_member")

    def department_cadres(self, county: _Copy) -> None:
        """3,065 cadres of 91 units, each unit's people on a few village groups (包村组)."""
        rng = self.rng
        compounds = [g for g in county.grids if g.kind == "compound"]
        others = [g for g in county.grids if g.kind != "compound"]
        targets = compounds + rng.sample(others, CADRE_TARGETS - len(compounds))
        rng.shuffle(targets)
        crews = _partition(rng, DEPARTMENT_CADRES, CADRE_TARGETS, 5, 15)
        units = len(DEPARTMENTS) + len(TOWNSHIPS)
        for number, (grid, crew) in enumerate(zip(targets, crews, strict=True)):
            slot = number % units
            org = DEPARTMENTS[slot] if slot < len(DEPARTMENTS) else grid.village.township.name
            for _ in range(crew):
                cadre = self.person("cadre", org, rng.random() < 0.75)
                self.assign(cadre, grid.id, "liaison")
                grid.liaisons.append(cadre)

    def four_to_one(self, county: _Copy) -> None:
        """四包一: four people per quarantined household; a few teams are short."""
        rng = self.rng
        quarantined = [
            h for h in county.households if self.households[h]["status"] == "home_quarantine"
        ]
        short = set(rng.sample(quarantined, INCOMPLETE_FOUR_TO_ONE))
        for home in quarantined:
            grid = self.household_grid[home]
            team = rng.sample(
                grid.village.people + grid.liaisons, rng.randint(2, 3) if home in short else 4
            )
            since = rng.choice(("2020-02-01", "2020-02-05", "2022-04-10", "2025-01-15"))
            for person in team:
                self.assign(person, self.households[home]["id"], "four_to_one", since)

    def high_risk_care(self, county: _Copy) -> None:
        """Red and orange households get a cadre of their own (包户), but a few are missed."""
        rng = self.rng
        high_risk = [
            h for h in county.households if self.households[h]["color"] in ("red", "orange")
        ]
        # Quarantined ones may already have a cadre through 四包一, so misses come from the rest.
        missable = [h for h in high_risk if self.households[h]["status"] != "home_quarantine"]
        missed = set(_share(rng, missable, UNATTENDED_HIGH_RISK_SHARE))
        for home in high_risk:
            if home in missed:
                continue
            grid = self.household_grid[home]
            cadre = (
                rng.choice(grid.liaisons)
                if grid.liaisons
                else (grid.head or grid.village.secretary)
            )
            self.assign(cadre, self.households[home]["id"], "liaison")

    # -- bodies -------------------------------------------------------------------------------

    def body(self, name: str, kind: str, unit_id: str, holder_id: str = "") -> None:
        self.bodies.append(
            {
                "id": f"B{len(self.bodies) + 1:04d}",
                "name": name,
                "kind": kind,
                "unit_id": unit_id,
                "holder_id": holder_id,
            }
        )

    def raise_bodies(self, county: _Copy) -> None:
        rng = self.rng
        for township in county.townships:
            self.body(f"{township.name}疫情防控临时党委", "party_org", township.id)
        party_villages = rng.sample(
            county.villages, BODY_QUOTAS["party_org"] - len(county.townships)
        )
        for village in party_villages:
            self.body(f"{village.name}疫情防控临时党支部", "party_org", village.id)
        teams = _partition(rng, BODY_QUOTAS["pioneer_team"], len(county.villages), 3, 6)
        for village, count in zip(county.villages, teams, strict=True):
            for number in range(1, count + 1):
                self.body(
                    f"{village.name}党员先锋{_chinese_number(number)}队", "pioneer_team", village.id
                )
        for grid in rng.sample(county.grids, BODY_QUOTAS["pioneer_post"]):
            holder = rng.choice(grid.village.party_people)
            self.body(f"{grid.name}党员先锋岗", "pioneer_post", grid.id, holder)
        self.volunteer_teams(county)

    def volunteer_teams(self, county: _Copy) -> None:
        for township in county.townships:
            self.body(f"{township.name}志愿服务总队", "volunteer_team", township.id)
        for village in county.villages:
            self.body(f"{village.name}志愿服务队", "volunteer_team", village.id)
        extra = BODY_QUOTAS["volunteer_team"] - len(county.townships) - len(county.villages)
        for grid in self.rng.sample(county.grids, extra):
            self.body(f"{grid.name}志愿服务队", "volunteer_team", grid.id)

    # -- the last 90 days ---------------------------------------------------------------------

    def record_history(self, county: _Copy) -> None:
        lived_in = {r["household_id"] for r in self.residents[self.taken["residents"] :]}
        made = self.history.record(
            county,
            self.households,
            self.household_building,
            lived_in,
            self.assignments[self.taken["assignments"] :],
        )
        self.sweeps.extend(made["sweeps"])
        self.visits.extend(made["visits"])

    # -- issues -------------------------------------------------------------------------------

    def report_issues(self, county: _Copy) -> None:
        """线索上报 → 问题处置 → 结果反馈: the reporting grid member and each step's date."""
        rng = self.rng
        homes = rng.sample(county.households, ISSUES_PER_COUNTY - GRID_ISSUES)
        members = [m for v in county.villages for m in v.members]
        for home in homes:
            grid, building = self.household_grid[home], self.household_building[home]
            reporter = (
                self.direct_member.get(home)
                or (building.member if building else "")
                or grid.member
                or rng.choice(grid.village.members or members)
            )
            self.issue(self.households[home]["id"], reporter)
        for grid in rng.sample(county.grids, GRID_ISSUES):
            self.issue(grid.id, grid.member or rng.choice(grid.village.members or members))

    def issue(self, target_id: str, reporter: str) -> None:
        rng = self.rng
        category, departments = self.issue_category()
        age = rng.randint(1, 180)
        reported = self.anchor - datetime.timedelta(days=age)
        due = reported + datetime.timedelta(days=rng.randint(3, 15))
        resolved: datetime.date | None = None
        if rng.random() < 0.6:
            resolved = reported + datetime.timedelta(days=rng.randint(0, min(30, age)))
        status = self.issue_status(resolved)
        dispatched = status != "reported"
        self.issues.append(
            {
                "id": f"I{len(self.issues) + 1:04d}",
                "target_id": target_id,
                "category": category,
                "reported_by": reporter,
                "reported_at": reported.isoformat(),
                "department": rng.choice(departments) if dispatched else "",
                "due_at": due.isoformat() if dispatched else "",
                "resolved_at": resolved.isoformat() if resolved else "",
                "status": status,
            }
        )

    def issue_category(self) -> tuple[str, tuple[str, ...]]:
        weights = [weight for _, weight, _ in ISSUE_CATEGORIES]
        category, _, departments = self.rng.choices(ISSUE_CATEGORIES, weights=weights)[0]
        return category, departments

    def issue_status(self, resolved: datetime.date | None) -> str:
        if resolved is None:
            return self.rng.choice(("reported", "dispatched", "dispatched", "acknowledged"))
        return "closed" if (self.anchor - resolved).days > 30 else "resolved"


def generate_county(
    seed: int = 2020, scale: int = 1, today: datetime.date | None = None
) -> DataRows:
    """The Yanchi-scale county as import rows, keyed by file stem ("units", "households", ...).

    The same `seed`, `scale` and `today` always give the same rows. `today` only anchors the
    timelines of work: the issues (reported in the 180 days before it) and the visits and
    sweeps of engine/demo_history.py (the 90 days up to it); without it the anchor is
    `REFERENCE_DAY`, so the default output never changes. Every count below the county is
    `scale` times the seed's: townships are replicated with names like "花马池镇(2)".
    """
    rows: DataRows = {}
    for part in county_parts(seed, scale, today):
        for kind, made in part.items():
            rows.setdefault(kind, []).extend(made)
    return rows


def county_parts(
    seed: int = 2020, scale: int = 1, today: datetime.date | None = None
) -> Iterator[DataRows]:
    """The rows of `generate_county`, one copy of the townships at a time, each part holding
    only what is new (a later part refers to what an earlier one made)."""
    if scale < 1:
        raise ValueError("scale must be at least 1")
    return _CountyBuilder(seed, today or REFERENCE_DAY).build(scale)
