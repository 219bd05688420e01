"""The small county of tests/counties.py with work done on it, for the tests of what people
touch (the command line, the API, the pages): monitored households, two sweeps and visits.

As of `AS_OF` (2024-06-01):

    S1 春季大摸排 over T1, 2024-05-01 … 2024-05-31: finished.
       VIS1 M1 → H1 (M1 is on G1: counts), VIS2 M1 → H3 (H3 is in G2: counts for nothing),
       VIS3 M3 → H5 (M3 is on building B1: counts).
       By grid: G2 0/2 = 0.0 (no grid head), G3 1/3 = 0.333 (GH3), G1 1/2 = 0.5 (GH1);
       total 2/7 = 0.286. By village: V1 1/4 = 0.25 (TV1), V2 1/3 = 0.333 (no commander).
    S2 新泉井村摸排 over V3, 2024-05-20 … 2024-06-10: running.
       VIS4 M5 → H8, VIS5 M5 → H10 (M5 is on G4: both count). By grid: G4 2/4 = 0.5 (GH4).
    Monitored: H2 income_drop (never visited), H10 subsistence (visited 2024-05-20).
"""

from __future__ import annotations

from pathlib import Path

from counties import AS_OF, Rows, small

from engine.backends.memory import MemoryBackend
from engine.importer import validate
from engine.ledger import tables_from_rows

__all__ = ["AS_OF", "work_done", "work_done_store"]

GROUPS = {"H2": "income_drop", "H10": "subsistence"}
SWEEPS = [
    ("S1", "春季大摸排", "T1", "2024-05-01", "2024-05-31"),
    ("S2", "新泉井村摸排", "V3", "2024-05-20", "2024-06-10"),
]
VISITS = [
    ("VIS1", "M1", "H1", "2024-05-10", "visit"),
    ("VIS2", "M1", "H3", "2024-05-11", "patrol"),
    ("VIS3", "M3", "H5", "2024-05-12", "service"),
    ("VIS4", "M5", "H8", "2024-05-25", "visit"),
    ("VIS5", "M5", "H10", "2024-05-20", "visit"),
]


def work_done() -> Rows:
    rows = small()
    for household in rows["households"]:
        household["groups"] = GROUPS.get(household["id"], "")
    rows["sweeps"] = [
        dict(zip(("id", "name", "scope_id", "starts", "ends"), sweep, strict=True))
        for sweep in SWEEPS
    ]
    rows["visits"] = [
        {
            **dict(zip(("id", "person_id", "household_id", "visited_at", "kind"), v, strict=True)),
            "note": "",
        }
        for v in VISITS
    ]
    return rows


def work_done_store(folder: Path) -> Path:
    db = folder / "gridchain.db"
    backend = MemoryBackend(db)
    backend.store(validate(tables_from_rows(work_done()), backend.known_labels))
    backend.close()
    return db
