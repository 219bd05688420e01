"""A hand-made county for SPEC §4.5 (visits, sweeps, monitored groups, scorecards), every
visit placed to test one rule. The expected answers in tests/test_sweeps.py are worked out by
hand from the tables below.

    C 县 (no county commander: nobody's assignment lies above a township)
    ├─ T1 (commander TC1)
    │   ├─ V1 (commander VC1)
    │   │   ├─ G1 (grid_head GH1; GH0 was, until 2024-01-31; member M1; LATE from 06-25)
    │   │   │    H01 subsistence · H02 marginal · H03 subsistence;marginal · H04
    │   │   └─ G2 (grid_heads GH2 and GH2B)
    │   │        ├─ B1 (member M2) ── H05 · H06
    │   │        └─ H07 (member M3 on the household itself)
    │   └─ V2 (commander VC2)
    │       ├─ G3 (grid_head GH3; member M4; TMP a member only 05-10 … 05-20)
    │       │    H08 marginal · H09
    │       └─ G4 (grid_head GH4; no households)
    ├─ T2 (commander TC2) ── V3 (VC3) ── G5 (GH5; member M5) ── H10 income_drop · H11
    └─ T3 (commander TC3) ── V4 (VC4) ── G6 (GH6; member M6) ── H12 poverty_watch
                                         (no sweep covers T3)

Nothing else is a gap: every township and village has a commander, every grid a head, every
household a grid member over it and a resident; no colour is red or orange, no quarantine.

Sweeps (as of AS_OF = 2024-06-30):
    SA 五月摸排      T1  05-01 … 05-31   finished
    SB 六月上旬摸排  V1  06-01 … 06-10   finished, later than SA: it judges V1's households
    SC 夏季摸排      T1  06-20 … 07-10   running until 07-10; finished as of 07-11
    SD 第一轮        T2  06-01 … 06-15   finished, ends with SE
    SE 第二轮        T2  06-10 … 06-15   finished; the tie on 06-15 goes to the higher id SE

Visits (✓ counts: the visitor held an assignment over the household, its building or its
grid on that day; ✗ does not):
    W01 M1   H01 06-01 ✓ grid member of G1
    W02 VC1  H01 06-03 ✗ a village's commander: the village is not the household's grid
    W03 M1   H02 05-31 ✓
    W04 TC1  H02 06-05 ✗ a township's commander
    W05 GH1  H03 06-10 ✓ grid head: any role on the grid counts
    W06 LATE H03 06-25 ✓ his assignment starts that very day
    W07 LATE H04 06-22 ✗ three days before his assignment starts
    W08 M2   H05 06-05 ✓ through the building
    W09 GH2  H05 06-20 ✓ through the grid above the building
    W10 M1   H06 06-05 ✗ the wrong person: M1 is on G1, H06 is in G2
    W11 M3   H07 06-02 ✓ on the household itself
    W12 M2   H07 06-03 ✗ M2 holds B1; H07 lies in G2 outside B1
    W13 TMP  H08 05-15 ✓ inside his 05-10 … 05-20
    W14 TMP  H08 06-25 ✗ after his assignment ended
    W21 TMP  H08 05-20 ✓ the last day of his assignment
    W15 M4   H09 04-30 ✓ (the day before SA starts)
    W16 M4   H09 06-01 ✓ (the day after SA ends)
    W17 M4   H09 07-05 ✓ (after AS_OF; inside SC)
    W18 M5   H10 06-05 ✓ (inside SD, before SE starts)
    W19 M5   H11 06-12 ✓ (inside SD and SE)

Issues (for the scorecard's issue figures: reported in the window, resolved by due_at):
    I1 H01 by M1 06-05, due 06-08, resolved 06-07 (on time) · I2 H05 by M2 06-22, due 06-24,
    resolved 06-25 (late) · I3 G3 by M4 05-20, open · I4 H10 (T2) by M5 05-20, open
"""

from __future__ import annotations

import datetime as dt

AS_OF = dt.date(2024, 6, 30)

Rows = dict[str, list[dict[str, str]]]


def units() -> list[dict[str, str]]:
    rows = [
        ("C", "盐池县", "county", ""),
        ("T1", "花马池镇", "township", "C"),
        ("T2", "大水坑镇", "township", "C"),
        ("T3", "惠安堡镇", "township", "C"),
        ("V1", "柳杨堡村", "village", "T1"),
        ("V2", "东塘社区", "village", "T1"),
        ("V3", "新泉井村", "village", "T2"),
        ("V4", "杜记沟村", "village", "T3"),
        ("G1", "一组", "grid", "V1"),
        ("G2", "二组", "grid", "V1"),
        ("B1", "1号楼", "building", "G2"),
        ("G3", "三组", "grid", "V2"),
        ("G4", "四组", "grid", "V2"),
        ("G5", "五组", "grid", "V3"),
        ("G6", "六组", "grid", "V4"),
    ]
    return [dict(zip(("id", "name", "level", "parent_id"), r, strict=True)) for r in rows]


HOUSEHOLDS = [
    # id, unit, colour, monitored groups
    ("H01", "G1", "green", "subsistence"),
    ("H02", "G1", "blue", "marginal"),
    ("H03", "G1", "green", "兜底户;边缘户"),  # subsistence and marginal, by their names
    ("H04", "G1", "green", ""),
    ("H05", "B1", "yellow", ""),
    ("H06", "B1", "blue", ""),
    ("H07", "G2", "green", ""),
    ("H08", "G3", "green", "marginal"),
    ("H09", "G3", "yellow", ""),
    ("H10", "G5", "blue", "income_drop"),
    ("H11", "G5", "green", ""),
    ("H12", "G6", "yellow", "poverty_watch"),
]


def households() -> list[dict[str, str]]:
    return [
        {"id": h, "unit_id": u, "address": f"{h}号", "color": c, "groups": g}
        for h, u, c, g in HOUSEHOLDS
    ]


def residents() -> list[dict[str, str]]:
    return [{"id": f"R{h}", "household_id": h, "name": f"居民{h}"} for h, _, _, _ in HOUSEHOLDS]


PEOPLE = {
    "TC1": ("张书记", "cadre"),
    "TC2": ("李书记", "cadre"),
    "TC3": ("王书记", "cadre"),
    "VC1": ("刘支书", "cadre"),
    "VC2": ("陈支书", "cadre"),
    "VC3": ("杨支书", "cadre"),
    "VC4": ("赵支书", "cadre"),
    "GH0": ("旧网格长", "cadre"),
    "GH1": ("黄网格长", "cadre"),
    "GH2": ("周网格长", "cadre"),
    "GH2B": ("吴网格长", "cadre"),
    "GH3": ("徐网格长", "cadre"),
    "GH4": ("孙网格长", "cadre"),
    "GH5": ("马网格长", "cadre"),
    "GH6": ("朱网格长", "cadre"),
    "M1": ("郑网格员", "grid_member"),
    "M2": ("胡网格员", "grid_member"),
    "M3": ("郭网格员", "volunteer"),
    "M4": ("何网格员", "grid_member"),
    "M5": ("高网格员", "grid_member"),
    "M6": ("林网格员", "grid_member"),
    "TMP": ("罗临时", "volunteer"),
    "LATE": ("梁新来", "grid_member"),
}


def people() -> list[dict[str, str]]:
    return [{"id": i, "name": n, "kind": k} for i, (n, k) in PEOPLE.items()]


def assignments() -> list[dict[str, str]]:
    rows = [
        ("TC1", "T1", "commander", "", ""),
        ("TC2", "T2", "commander", "", ""),
        ("TC3", "T3", "commander", "", ""),
        ("VC1", "V1", "commander", "", ""),
        ("VC2", "V2", "commander", "", ""),
        ("VC3", "V3", "commander", "", ""),
        ("VC4", "V4", "commander", "", ""),
        ("GH0", "G1", "grid_head", "2023-01-01", "2024-01-31"),
        ("GH1", "G1", "grid_head", "2024-02-01", ""),
        ("GH2", "G2", "grid_head", "", ""),
        ("GH2B", "G2", "grid_head", "", ""),
        ("GH3", "G3", "grid_head", "", ""),
        ("GH4", "G4", "grid_head", "", ""),
        ("GH5", "G5", "grid_head", "", ""),
        ("GH6", "G6", "grid_head", "", ""),
        ("M1", "G1", "grid_member", "", ""),
        ("M2", "B1", "grid_member", "", ""),
        ("M3", "H07", "grid_member", "", ""),
        ("M4", "G3", "grid_member", "", ""),
        ("M5", "G5", "grid_member", "", ""),
        ("M6", "G6", "grid_member", "", ""),
        ("TMP", "G3", "grid_member", "2024-05-10", "2024-05-20"),
        ("LATE", "G1", "grid_member", "2024-06-25", ""),
    ]
    return [
        dict(zip(("person_id", "target_id", "role", "since", "until"), r, strict=True))
        for r in rows
    ]


SWEEPS = [
    ("SA", "五月摸排", "T1", "2024-05-01", "2024-05-31"),
    ("SB", "六月上旬摸排", "V1", "2024-06-01", "2024-06-10"),
    ("SC", "夏季摸排", "T1", "2024-06-20", "2024-07-10"),
    ("SD", "第一轮", "T2", "2024-06-01", "2024-06-15"),
    ("SE", "第二轮", "T2", "2024-06-10", "2024-06-15"),
]


def sweeps() -> list[dict[str, str]]:
    return [dict(zip(("id", "name", "scope_id", "starts", "ends"), r, strict=True)) for r in SWEEPS]


VISITS = [
    ("W01", "M1", "H01", "2024-06-01", "visit", "入户走访"),
    ("W02", "VC1", "H01", "2024-06-03", "visit", ""),
    ("W03", "M1", "H02", "2024-05-31", "visit", ""),
    ("W04", "TC1", "H02", "2024-06-05", "patrol", "镇里巡查"),
    ("W05", "GH1", "H03", "2024-06-10", "visit", ""),
    ("W06", "LATE", "H03", "2024-06-25", "service", "代办低保"),
    ("W07", "LATE", "H04", "2024-06-22", "visit", ""),
    ("W08", "M2", "H05", "2024-06-05", "visit", ""),
    ("W09", "GH2", "H05", "2024-06-20", "patrol", ""),
    ("W10", "M1", "H06", "2024-06-05", "visit", "走错了户"),
    ("W11", "M3", "H07", "2024-06-02", "visit", ""),
    ("W12", "M2", "H07", "2024-06-03", "visit", ""),
    ("W13", "TMP", "H08", "2024-05-15", "visit", ""),
    ("W14", "TMP", "H08", "2024-06-25", "visit", ""),
    ("W15", "M4", "H09", "2024-04-30", "visit", ""),
    ("W16", "M4", "H09", "2024-06-01", "visit", ""),
    ("W17", "M4", "H09", "2024-07-05", "visit", ""),
    ("W18", "M5", "H10", "2024-06-05", "visit", ""),
    ("W19", "M5", "H11", "2024-06-12", "visit", ""),
    ("W21", "TMP", "H08", "2024-05-20", "visit", ""),
]


def visits() -> list[dict[str, str]]:
    return [
        dict(zip(("id", "person_id", "household_id", "visited_at", "kind", "note"), r, strict=True))
        for r in VISITS
    ]


ISSUES = [
    # id, about, reporter, reported, due, resolved, status
    ("I1", "H01", "M1", "2024-06-05", "2024-06-08", "2024-06-07", "resolved"),  # on time
    ("I2", "H05", "M2", "2024-06-22", "2024-06-24", "2024-06-25", "resolved"),  # a day late
    ("I3", "G3", "M4", "2024-05-20", "", "", "reported"),
    ("I4", "H10", "M5", "2024-05-20", "", "", "reported"),  # in T2: outside T1's sweeps
]


def issues() -> list[dict[str, str]]:
    columns = ("id", "target_id", "reported_by", "reported_at", "due_at", "resolved_at", "status")
    return [{**dict(zip(columns, r, strict=True)), "category": "service"} for r in ISSUES]


def sweep_county() -> Rows:
    return {
        "units": units(),
        "households": households(),
        "residents": residents(),
        "people": people(),
        "assignments": assignments(),
        "sweeps": sweeps(),
        "visits": visits(),
        "issues": issues(),
    }
