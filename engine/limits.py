"""How much one data set may hold (SPEC §8): every ledger is read against these, while it is
read, so a small archive that unpacks to gigabytes, or a sheet that claims a million columns,
is refused before it costs the memory or the time it asks for.

The numbers leave a large county (1.5 million people; Yanchi's demo is 173,000) room to spare.
"""

from __future__ import annotations

MIB = 2**20

# Rows of one ledger file or sheet, by record kind; an unknown kind is refused by name anyway.
MAX_ROWS: dict[str, int] = {
    "units": 100_000,
    "households": 1_000_000,
    "residents": 3_000_000,
    "people": 300_000,
    "assignments": 1_000_000,
    "bodies": 100_000,
    "issues": 1_000_000,
    "visits": 3_000_000,
    "sweeps": 10_000,
}
MOST_ROWS = max(MAX_ROWS.values())
# A ledger row is a few dozen bytes; a file is allowed this many per row it may hold, so a
# units.csv (a few thousand rows) cannot be 40 MiB, while residents.csv may be hundreds.
BYTES_PER_ROW = 256
MAX_COLUMNS = 100  # of a file or sheet: the ledger's columns and the county's own
MAX_MEMBERS = 100  # files in one uploaded zip or workbook
MAX_UNPACKED_BYTES = 1024 * MIB  # all the files of one upload, or the parts of one workbook


def max_rows(kind: str | None) -> int:
    return MAX_ROWS.get(kind or "", MOST_ROWS)


def max_file_bytes(kind: str | None) -> int:
    return max_rows(kind) * BYTES_PER_ROW


MAX_PROBLEMS = 100  # listed by a refused import; the rest are counted
MAX_PART_BYTES = 512 * MIB  # one part of a workbook: a sheet's XML, its shared strings
# Unpacked to packed, of a file over a MiB: ledgers and their workbooks pack 3 to 13 times
# smaller; a bomb (a file of one row repeated) a thousand times.
MAX_RATIO = 100
