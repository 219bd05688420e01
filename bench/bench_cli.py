"""Cold CLI figures of issue 8 (deliverable 7, figures 1 and 2): whole `gridchain` processes.

    .venv/bin/python bench/bench_cli.py [--db FILE | --scale N] [--runs 7]

Runs `gridchain --db DB who <household> --json`, `trace <an open issue> --json` and the
full-county `gaps --json` as fresh processes, alternating with a floor process each time: the
system `python3` answering the same question with indexed `sqlite3` lookups on the same data
(bench/sqlfloor.py; an indexed copy when the store lacks the indexes). Prints the median wall
time and peak RSS of each, and the ratios. Targets: who and trace ≤ 2× the floor and ≤ 80 MB
peak, at scale 1 and at scale 10; gaps ≤ 2× the floor. Without --db it builds a demo store at
--scale (scale 10 takes minutes and gigabytes: build it once and pass it with --db).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import common

PEAK_TARGET_MIB = 80


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="an existing store (default: build a demo)")
    parser.add_argument("--scale", type=int, default=1, help="demo scale, without --db")
    parser.add_argument("--runs", type=int, default=7, help="processes of each kind")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gridchain-bench-") as tmp:
        folder = Path(tmp)
        db = common.store(args.db, args.scale, folder)
        floor_db = common.floor_store(db, folder)
        household = common.first_household(db)
        issue = common.open_issue(db)
        print(f"who {household}, trace {issue} (open); floor python: {common.system_python()}")
        table = common.Table(f"cold CLI processes, {args.runs} runs each, alternating")
        for question, target in (("who", household), ("trace", issue)):
            common.compare_cold(
                table,
                f"cold {question} {target}",
                common.gridchain_command(db, question, target, "--json"),
                common.floor_command(floor_db, question, target),
                args.runs,
                peak_target_mib=PEAK_TARGET_MIB,
            )
        mine, theirs = common.compare_cold(
            table,
            "cold full-county gaps",
            common.gridchain_command(db, "gaps", "--json"),
            common.floor_command(floor_db, "gaps"),
            args.runs,
        )
        ours_total = json.loads(mine[0].output)["summary"]["total"]
        floor_total = json.loads(theirs[0].output)["summary"]["total"]
    table.print()
    print(f"\ngaps found: gridchain {ours_total}, floor {floor_total}")
    if ours_total != floor_total:
        print("  (they differ: the floor's SQL no longer states the same gaps)")


if __name__ == "__main__":
    main()
