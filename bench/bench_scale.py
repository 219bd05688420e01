"""Issue 8 at county scale 36 (≈ 2.47 M households; deliverable 7, figure 8). TAKES A LONG TIME.

    .venv/bin/python bench/bench_scale.py [--scale 36] [--db FILE] [--runs 3] [--keep DIR]

Builds the demo store with `gridchain demo --scale N` (many minutes and many GB at 36; pass an
existing store with --db to skip it, or --keep DIR to keep the one built), then prints, each
beside a floor measured in the same run:
  demo wall time, peak RSS and store size  vs  `VACUUM INTO` of the built store by the system
      python3 (the same rows written to a fresh file by plain SQLite), its time, RSS and size;
  cold `who <household> --json`, one township's `gaps --scope T --json`, full `gaps --json`
      (median of --runs whole processes, peak RSS)  vs  bench/sqlfloor.py in the system
      python3 on the same data, indexed.
Targets as figures 1-2: who ≤ 2× and ≤ 80 MB peak; gaps ≤ 2×. Never run by the tests; use
--scale 1 to check the script itself in a minute.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import common

VACUUM = "import sqlite3, sys; sqlite3.connect(sys.argv[1]).execute('VACUUM INTO ?', sys.argv[2:])"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=36)
    parser.add_argument("--db", type=Path, help="an existing store (skips the demo build)")
    parser.add_argument("--keep", type=Path, help="build the store in this folder and keep it")
    parser.add_argument("--runs", type=int, default=3, help="cold processes of each kind")
    args = parser.parse_args()
    print(
        f"scale {args.scale}: this can take many minutes (and memory) at large scales", flush=True
    )
    with tempfile.TemporaryDirectory(prefix="gridchain-bench-") as tmp:
        folder = Path(tmp)
        table = common.Table(f"scale {args.scale}")
        if args.db is not None:
            db = common.store(args.db, args.scale, folder)
            built = None
        else:
            place = args.keep or folder
            place.mkdir(parents=True, exist_ok=True)
            db, built = common.demo_store(place, args.scale)
        print("floor for the store: VACUUM INTO a fresh file ...", flush=True)
        vacuumed = folder / "vacuumed.db"
        vacuum = common.run_process([common.system_python(), "-c", VACUUM, db, vacuumed])
        what = "python3 sqlite3 VACUUM INTO"
        if built is not None:
            table.add(
                "demo wall time",
                common.ms(built.seconds),
                f"{common.ms(vacuum.seconds)} ({what})",
                built.seconds / vacuum.seconds,
            )
            table.add(
                "demo peak RSS",
                f"{built.peak_mib:.0f} MB",
                f"{vacuum.peak_mib:.0f} MB ({what})",
                built.peak_mib / vacuum.peak_mib,
            )
        size, floor_size = common.size_mb(db), common.size_mb(vacuumed)
        table.add(
            "store size on disk",
            f"{size:.0f} MB",
            f"{floor_size:.0f} MB (the VACUUM INTO copy)",
            size / floor_size,
        )
        vacuumed.unlink()
        floor_db = common.floor_store(db, folder)
        household = common.first_household(db)
        township = common.township(db)
        for name, question, limits in (
            (f"cold who {household}", ["who", household], (2.0, 80.0)),
            (f"cold gaps --scope {township}", ["gaps", "--scope", township], (2.0, None)),
            ("cold full-county gaps", ["gaps"], (2.0, None)),
        ):
            print(f"{name} ...", flush=True)
            common.compare_cold(
                table,
                name,
                common.gridchain_command(db, *question, "--json"),
                common.floor_command(floor_db, *question),
                args.runs,
                *limits,
            )
    table.print()


if __name__ == "__main__":
    main()
