"""Reading a county's ledgers: a folder of CSV files or one .xlsx workbook (SPEC §5).

Rows keep their physical line number so every problem can name its place.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from engine.errors import ImportProblem, ImportRefused
from engine.model import RECORD_KINDS

# Excel on a Chinese Windows writes GB18030; everything else we meet is UTF-8, often with a BOM.
ENCODINGS = ("utf-8-sig", "gb18030")


@dataclass
class Table:
    """One ledger file: its name as the user knows it, its columns, and its rows by line."""

    file: str
    columns: list[str]
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)


def read_dataset(path: Path) -> dict[str, Table]:
    """Read a folder of CSVs or a workbook into tables keyed by record kind."""
    if path.is_dir():
        return read_folder(path)
    if path.suffix.lower() == ".xlsx" and path.is_file():
        return read_workbook(path)
    raise ImportRefused(
        [ImportProblem(str(path), 0, "-", "expected a folder of CSV files or an .xlsx workbook")]
    )


def read_folder(folder: Path) -> dict[str, Table]:
    tables: dict[str, Table] = {}
    for kind in RECORD_KINDS:
        file = folder / f"{kind}.csv"
        if file.is_file():
            tables[kind] = parse_csv(file.name, decode(file))
    if "units" not in tables:
        raise ImportRefused([ImportProblem("units.csv", 0, "-", f"missing in {folder}")])
    return tables


def decode(file: Path) -> str:
    data = file.read_bytes()
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportRefused([ImportProblem(file.name, 0, "-", "not UTF-8 or GB18030 text")])


def parse_csv(name: str, text: str) -> Table:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        raise ImportRefused([ImportProblem(name, 1, "-", "the file is empty (no header)")])
    table = Table(name, [c.strip() for c in header])
    start = reader.line_num + 1
    for cells in reader:
        if any(cell.strip() for cell in cells):
            table.rows.append((start, row_of(table.columns, cells)))
        start = reader.line_num + 1
    return table


def row_of(columns: list[str], cells: list[str]) -> dict[str, str]:
    return {col: (cells[i].strip() if i < len(cells) else "") for i, col in enumerate(columns)}


def read_workbook(path: Path) -> dict[str, Table]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many unrelated types for a damaged file
        raise ImportRefused(
            [ImportProblem(path.name, 0, "-", f"not a readable workbook: {exc}")]
        ) from exc
    tables: dict[str, Table] = {}
    for sheet in book.worksheets:
        kind = sheet.title.strip().removesuffix(".csv")
        if kind in RECORD_KINDS:
            tables[kind] = sheet_table(
                f"{path.name}[{sheet.title}]", sheet.iter_rows(values_only=True)
            )
    book.close()
    if "units" not in tables:
        raise ImportRefused([ImportProblem(path.name, 0, "-", "no sheet named units")])
    return tables


def sheet_table(name: str, rows: Iterator[tuple[object, ...]]) -> Table:
    header = next(rows, None)
    if header is None:
        raise ImportRefused([ImportProblem(name, 1, "-", "the sheet is empty (no header)")])
    table = Table(name, [cell_text(c) for c in header])
    for line, cells in enumerate(rows, start=2):
        texts = [cell_text(c) for c in cells]
        if any(texts):
            table.rows.append((line, row_of(table.columns, texts)))
    return table


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "date") and hasattr(value, "isoformat"):
        # Excel stores dates as datetimes; the ledger means the day.
        return str(value.isoformat())[:10]
    return str(value).strip()


def tables_from_rows(rows: Mapping[str, list[dict[str, str]]]) -> dict[str, Table]:
    """Tables from rows already in memory (the demo), numbered as their CSV file would be."""
    tables: dict[str, Table] = {}
    for kind, records in rows.items():
        if not records:
            continue  # like `write_folder`: a kind without rows is a file not given
        table = Table(f"{kind}.csv", list(records[0]))
        table.rows = [(line, record) for line, record in enumerate(records, start=2)]
        tables[kind] = table
    return tables


def write_folder(
    rows: Mapping[str, list[dict[str, str]]], folder: Path, append: bool = False
) -> None:
    """Write rows as the CSV files of the import format (UTF-8); `append` adds them to files
    written before (a header only where a file is new)."""
    folder.mkdir(parents=True, exist_ok=True)
    for kind, records in rows.items():
        if not records:
            continue
        file = folder / f"{kind}.csv"
        new = not (append and file.exists())
        with file.open("w" if new else "a", encoding="utf-8", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=list(records[0]))
            if new:
                writer.writeheader()
            writer.writerows(records)
