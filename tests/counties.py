"""Small hand-made counties, written from SPEC §3–§5, each feature placed on purpose.

`SMALL` is judged as of `AS_OF`:

    C  县 ── T1 (commander SEC1; county leader L1 in liaison)
          │    ├─ V1 (commander TV1, deputy DV1)
          │    │    ├─ G1 (grid_head GH1; member M1 covers H1, H2; post PP1 held by M1)
          │    │    └─ G2 (no grid_head) ── H3 (member M2 directly), H4 (uncovered)
          │    └─ V2 community, no commander
          │         └─ G3 compound (grid_head GH3; member M4 on the grid)
          │              ├─ B1 (member M3 on the building) ── H5, H6
          │              └─ B2 ── H7 (covered through the grid by M4)
          └─ T2 (no commander; leader L2 in liaison; party org PO1)
               └─ V3 (commander expired, next one not yet started)
                    └─ G4 (grid_head GH4; member M5 on the grid)
                         ├─ H8 quarantined, 4-to-1 team complete, no residents
                         ├─ H9 quarantined, only 3 of the 4-to-1 team
                         ├─ H10 red, nobody of cadre kind on it
                         └─ H11 orange, cadre CAD1 in liaison
    County commander L0. Issues: I1 about H3 (open, overdue), I2 about H1 (resolved late).
"""

from __future__ import annotations

import datetime as dt

AS_OF = dt.date(2024, 6, 1)

Rows = dict[str, list[dict[str, str]]]


def units() -> list[dict[str, str]]:
    rows = [
        ("C", "盐池县", "county", "", ""),
        ("T1", "花马池镇", "township", "town", "C"),
        ("T2", "大水坑镇", "township", "town", "C"),
        ("V1", "柳杨堡村", "village", "village", "T1"),
        ("V2", "东塘社区", "village", "community", "T1"),
        ("V3", "新泉井村", "village", "village", "T2"),
        ("G1", "一组", "grid", "natural_village", "V1"),
        ("G2", "二组", "grid", "natural_village", "V1"),
        ("G3", "锦绣小区", "grid", "compound", "V2"),
        ("B1", "1号楼", "building", "building", "G3"),
        ("B2", "2号楼", "building", "building", "G3"),
        ("G4", "三组", "grid", "natural_village", "V3"),
    ]
    return [dict(zip(("id", "name", "level", "kind", "parent_id"), r, strict=True)) for r in rows]


def households() -> list[dict[str, str]]:
    rows = [
        ("H1", "G1", "green", "normal"),
        ("H2", "G1", "green", "normal"),
        ("H3", "G2", "yellow", "normal"),
        ("H4", "G2", "green", "normal"),
        ("H5", "B1", "green", "normal"),
        ("H6", "B1", "blue", "normal"),
        ("H7", "B2", "green", "normal"),
        ("H8", "G4", "green", "home_quarantine"),
        ("H9", "G4", "green", "home_quarantine"),
        ("H10", "G4", "red", "normal"),
        ("H11", "G4", "orange", "normal"),
    ]
    return [
        {"id": h, "unit_id": u, "address": f"{h}号", "color": c, "status": s, "points": "80"}
        for h, u, c, s in rows
    ]


def residents() -> list[dict[str, str]]:
    homes = ["H1", "H1", "H2", "H3", "H4", "H5", "H6", "H7", "H9", "H10", "H11"]
    return [
        {
            "id": f"R{i}",
            "household_id": home,
            "name": f"居民{i}",
            "phone": f"1390000{i:04d}",
            "id_number": f"64032319800101{i:04d}",
        }
        for i, home in enumerate(homes, start=1)
    ]


def people() -> list[dict[str, str]]:
    rows = [
        ("L0", "王县长", "leader"),
        ("L1", "李副县长", "leader"),
        ("L2", "赵副书记", "leader"),
        ("SEC1", "张书记", "cadre"),
        ("TV1", "刘镇干部", "cadre"),
        ("DV1", "陈支书", "cadre"),
        ("TV3OLD", "旧指挥长", "cadre"),
        ("TV3NEW", "新指挥长", "cadre"),
        ("GH1", "杨网格长", "cadre"),
        ("GH3", "黄网格长", "cadre"),
        ("GH4", "周网格长", "cadre"),
        ("CAD1", "吴干部", "cadre"),
        ("M1", "郑网格员", "grid_member"),
        ("M2", "孙网格员", "grid_member"),
        ("M3", "马网格员", "volunteer"),
        ("M4", "朱网格员", "grid_member"),
        ("M5", "胡网格员", "grid_member"),
        ("F1", "四包一甲", "volunteer"),
        ("F2", "四包一乙", "volunteer"),
        ("F3", "四包一丙", "volunteer"),
        ("F4", "四包一丁", "volunteer"),
    ]
    return [
        {"id": i, "name": n, "kind": k, "org": "", "phone": "13800000000", "party_member": "true"}
        for i, n, k in rows
    ]


def assignments() -> list[dict[str, str]]:
    rows = [
        ("L0", "C", "commander", "", ""),
        ("L1", "T1", "liaison", "2020-01-01", ""),
        ("L2", "T2", "liaison", "2020-01-01", ""),
        ("SEC1", "T1", "commander", "2020-01-01", ""),
        ("TV1", "V1", "commander", "2020-01-01", ""),
        ("DV1", "V1", "deputy_commander", "2020-01-01", ""),
        ("TV3OLD", "V3", "commander", "2020-01-01", "2023-12-31"),
        ("TV3NEW", "V3", "commander", "2030-01-01", ""),
        ("GH1", "G1", "grid_head", "", ""),
        ("GH3", "G3", "grid_head", "", ""),
        ("GH4", "G4", "grid_head", "", ""),
        ("M1", "G1", "grid_member", "", ""),
        ("M2", "H3", "grid_member", "", ""),
        ("M3", "B1", "grid_member", "", ""),
        ("M4", "G3", "grid_member", "", ""),
        ("M5", "G4", "grid_member", "", ""),
        ("F1", "H8", "four_to_one", "", ""),
        ("F2", "H8", "four_to_one", "", ""),
        ("F3", "H8", "four_to_one", "", ""),
        ("F4", "H8", "four_to_one", "", ""),
        ("F1", "H9", "four_to_one", "", ""),
        ("F2", "H9", "four_to_one", "", ""),
        ("F3", "H9", "four_to_one", "", ""),
        ("CAD1", "H11", "liaison", "", ""),
    ]
    return [
        dict(zip(("person_id", "target_id", "role", "since", "until"), r, strict=True))
        for r in rows
    ]


def bodies() -> list[dict[str, str]]:
    return [
        {
            "id": "PP1",
            "name": "党员先锋岗一",
            "kind": "pioneer_post",
            "unit_id": "G1",
            "holder_id": "M1",
        },
        {"id": "PO1", "name": "临时党支部", "kind": "party_org", "unit_id": "T2", "holder_id": ""},
    ]


def issues() -> list[dict[str, str]]:
    return [
        {
            "id": "I1",
            "target_id": "H3",
            "category": "service",
            "reported_by": "M2",
            "reported_at": "2024-05-01",
            "department": "县民政局",
            "due_at": "2024-05-10",
            "resolved_at": "",
            "status": "dispatched",
        },
        {
            "id": "I2",
            "target_id": "H1",
            "category": "dispute",
            "reported_by": "M1",
            "reported_at": "2024-05-01",
            "department": "",
            "due_at": "2024-05-12",
            "resolved_at": "2024-05-15",
            "status": "resolved",
        },
    ]


def small() -> Rows:
    return {
        "units": units(),
        "households": households(),
        "residents": residents(),
        "people": people(),
        "assignments": assignments(),
        "bodies": bodies(),
        "issues": issues(),
    }
