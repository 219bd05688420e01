"""Reading a county's ledgers: a folder of CSV files or one .xlsx workbook (SPEC §5).

Rows keep their physical line number so every problem can name its place.
"""

from __future__ import annotations

import csv
import difflib
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from engine.errors import ImportProblem, ImportRefused
from engine.lang import say
from engine.model import RECORD_KINDS
from engine.vocabulary import FILES, column_of

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
    expected = say(
        "应为一个放 CSV 文件的文件夹，或一个 .xlsx 工作簿",
        "expected a folder of CSV files or an .xlsx workbook",
    )
    raise ImportRefused([ImportProblem(str(path), 0, "-", expected)])


def read_folder(folder: Path) -> dict[str, Table]:
    named: dict[str, Path] = {}
    problems: list[ImportProblem] = []
    for file in sorted(folder.iterdir()):
        if not (is_ledger_file(file.name) and file.is_file()):
            continue
        kind = kind_named(file.stem)
        if kind is None:
            problems.append(unknown_name(file.name, file.stem, say("文件", "file"), ".csv"))
        elif kind in named:
            problems.append(same_kind(file.name, named[kind].name, kind))
        else:
            named[kind] = file
    if "units" not in named:
        missing = say(f"文件夹 {folder} 中没有这个文件", f"missing in {folder}")
        problems.append(ImportProblem("units.csv", 0, "-", missing))
    if problems:
        raise ImportRefused(problems)
    return {
        kind: parse_csv(named[kind].name, decode(named[kind]))
        for kind in RECORD_KINDS
        if kind in named
    }


def is_ledger_file(name: str) -> bool:
    """Whether a file of a data set's folder is read as a ledger (and refused if misnamed).

    Only CSV files: a clerk's folder also holds the workbook the CSVs were saved from, a
    README, Windows' Thumbs.db; those are not ledgers, so they are neither read nor refused.
    Hidden files are the system's, not the clerk's: macOS leaves `._units.csv` beside each
    file it copies to a USB stick, and `.DS_Store`.
    """
    return name.casefold().endswith(".csv") and not name.startswith(".")


def kind_named(stem: str) -> str | None:
    """The record kind a file or sheet name (without `.csv`) stands for: its English name in
    any case, or its Chinese name (单元, 户, 居民, 人员, 包抓, 组织, 事项; SPEC §5.2)."""
    return FILES.code_of(stem)


def unknown_name(shown: str, stem: str, what: str, suffix: str) -> ImportProblem:
    """A file or sheet that names no record kind: silently skipping it would import a county
    without its households, so it refuses the import, with the names expected."""
    near = difflib.get_close_matches(stem.strip().casefold(), FILES.codes, n=1)
    hint = (
        say(f"（是不是 {near[0]}{suffix}？）", f" (did you mean {near[0]}{suffix}?)")
        if near
        else ""
    )
    expected = ", ".join(f"{word.code}{suffix} ({word.zh}{suffix})" for word in FILES.words)
    return ImportProblem(
        shown,
        0,
        "-",
        say(
            f"不是台账的{what}名{hint}；应为 {expected}",
            f"not a ledger {what} name{hint}; expected {expected}",
        ),
    )


def same_kind(shown: str, first: str, kind: str) -> ImportProblem:
    return ImportProblem(
        shown,
        0,
        "-",
        say(
            f"{first} 已是{FILES.name(kind, 'zh')}台账，两个只留一个",
            f"{first} holds the {kind} already; keep one of them",
        ),
    )


def decode(file: Path) -> str:
    data = file.read_bytes()
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    unreadable = say("不是 UTF-8 或 GB18030 编码的文本", "not UTF-8 or GB18030 text")
    raise ImportRefused([ImportProblem(file.name, 0, "-", unreadable)])


def parse_csv(name: str, text: str) -> Table:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        empty = say("文件是空的（没有表头）", "the file is empty (no header)")
        raise ImportRefused([ImportProblem(name, 1, "-", empty)])
    table = Table(name, [column_of(c) for c in header])
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
        unreadable = say(f"无法读取这个工作簿：{exc}", f"not a readable workbook: {exc}")
        raise ImportRefused([ImportProblem(path.name, 0, "-", unreadable)]) from exc
    tables: dict[str, Table] = {}
    problems: list[ImportProblem] = []
    try:
        for sheet in book.worksheets:
            shown = f"{path.name}[{sheet.title}]"
            stem = sheet.title.strip()
            if stem.casefold().endswith(".csv"):
                stem = stem[: -len(".csv")]  # a sheet may keep the name of its file
            kind = kind_named(stem)
            rows = sheet.iter_rows(values_only=True)
            if kind is None:
                # An empty sheet holds nothing to lose: Excel's Sheet2 and Sheet3 are left alone.
                if any(cell is not None for row in rows for cell in row):
                    problems.append(unknown_name(shown, stem, say("工作表", "sheet"), ""))
            elif kind in tables:
                problems.append(same_kind(shown, tables[kind].file, kind))
            else:
                tables[kind] = sheet_table(shown, rows)
    finally:
        book.close()
    if "units" not in tables:
        missing = say("没有名为 units（单元）的工作表", "no sheet named units")
        problems.append(ImportProblem(path.name, 0, "-", missing))
    if problems:
        raise ImportRefused(problems)
    return tables


def sheet_table(name: str, rows: Iterator[tuple[object, ...]]) -> Table:
    header = next(rows, None)
    if header is None:
        empty = say("工作表是空的（没有表头）", "the sheet is empty (no header)")
        raise ImportRefused([ImportProblem(name, 1, "-", empty)])
    table = Table(name, [column_of(cell_text(c)) for c in header])
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
