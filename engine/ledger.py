"""Reading a county's ledgers: a folder of CSV files or one .xlsx workbook (SPEC §5).

Rows keep their physical line number so every problem can name its place.
"""

from __future__ import annotations

import csv
import difflib
import io
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from engine import limits
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
    return {kind: read_csv(named[kind], kind) for kind in RECORD_KINDS if kind in named}


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
    any case, or its Chinese name (单元, 户, 居民, 人员, 包抓, 组织, 事项, 走访, 摸排;
    SPEC §5.2)."""
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


def read_csv(file: Path, kind: str) -> Table:
    """One CSV ledger, refused before it is read when it is larger than a file of its kind may
    be (an upload's files were judged by the same limit before they were unpacked)."""
    most = limits.max_file_bytes(kind)
    if file.stat().st_size > most:
        raise ImportRefused([ImportProblem(file.name, 0, "-", too_large(most))])
    return parse_csv(file.name, decode(file), kind)


def too_large(most: int) -> str:
    mib = f"{most / limits.MIB:,.0f}"
    return say(f"文件过大：至多 {mib} MiB", f"too large: at most {mib} MiB")


def decode(file: Path) -> str:
    data = file.read_bytes()
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    unreadable = say("不是 UTF-8 或 GB18030 编码的文本", "not UTF-8 or GB18030 text")
    raise ImportRefused([ImportProblem(file.name, 0, "-", unreadable)])


class RecordLines:
    """The lines of a CSV text, keeping those of the record being read: when the csv module
    refuses a record (a cell over its field size limit), they tell which cell it was."""

    def __init__(self, text: str) -> None:
        self.source = io.StringIO(text, newline="")
        self.record: list[str] = []

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        line = next(self.source)
        self.record.append(line)
        return line

    def cell_over(self, most: int) -> int:
        """The index of the record's first cell longer than `most` characters (else its last):
        a delimiter counts only outside quotes, after an even number of them."""
        index = length = 0
        for number, part in enumerate("".join(self.record).split('"')):
            for piece_number, piece in enumerate(part.split(",") if number % 2 == 0 else [part]):
                if piece_number:
                    index, length = index + 1, 0
                length += len(piece)
                if length > most:
                    return index
        return index


def parse_csv(name: str, text: str, kind: str) -> Table:
    lines = RecordLines(text)
    reader = csv.reader(lines)
    table = Table(name, [])
    start = 1
    try:
        header = next(reader, None)
        if header is None:
            empty = say("文件是空的（没有表头）", "the file is empty (no header)")
            raise ImportRefused([ImportProblem(name, 1, "-", empty)])
        table.columns = header_columns(name, header)
        most = limits.max_rows(kind) + 1  # and the header
        lines.record.clear()
        start = reader.line_num + 1
        for cells in reader:
            if reader.line_num > most:
                raise ImportRefused([too_many_rows(name, reader.line_num, most - 1)])
            if any(cell.strip() for cell in cells):
                table.rows.append((start, row_of(table.columns, cells)))
            lines.record.clear()
            start = reader.line_num + 1
    except csv.Error as exc:
        at = lines.cell_over(csv.field_size_limit())
        column = table.columns[at] if at < len(table.columns) else f"#{at + 1}"
        unreadable = say(f"无法读取这一行：{exc}", f"cannot read this row: {exc}")
        if "field larger than field limit" in str(exc):
            most_chars = f"{csv.field_size_limit():,}"
            unreadable = say(
                f"单元格过长：超过 {most_chars} 个字符", f"a cell over {most_chars} characters"
            )
        raise ImportRefused([ImportProblem(name, start, column, unreadable)]) from None
    return table


def header_columns(name: str, header: Iterable[str]) -> list[str]:
    columns = [column_of(cell) for cell in header]
    while columns and not columns[-1]:
        columns.pop()  # a spreadsheet's empty cells after the last header are no columns
    if len(columns) > limits.MAX_COLUMNS:
        raise ImportRefused([too_wide(name, 1)])
    return columns


def too_wide(name: str, line: int) -> ImportProblem:
    most = limits.MAX_COLUMNS
    return ImportProblem(
        name, line, "-", say(f"列数过多：至多 {most} 列", f"too many columns: at most {most}")
    )


def too_many_rows(name: str, line: int, most: int) -> ImportProblem:
    return ImportProblem(
        name, line, "-", say(f"行数过多：至多 {most:,} 行", f"too many rows: at most {most:,}")
    )


def row_of(columns: list[str], cells: list[str]) -> dict[str, str]:
    return {col: (cells[i].strip() if i < len(cells) else "") for i, col in enumerate(columns)}


def read_workbook(path: Path) -> dict[str, Table]:
    from openpyxl import load_workbook

    check_parts(path)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many unrelated types for a damaged file
        raise ImportRefused([unreadable_book(path.name, exc)]) from exc
    tables: dict[str, Table] = {}
    problems: list[ImportProblem] = []
    try:
        for sheet in book.worksheets:
            shown = f"{path.name}[{sheet.title}]"
            stem = sheet.title.strip()
            if stem.casefold().endswith(".csv"):
                stem = stem[: -len(".csv")]  # a sheet may keep the name of its file
            kind = kind_named(stem)
            # The sheet's declared dimension (A1:XFD20000) would have every row padded to it:
            # rows are read as the sheet's XML holds them, and bounded as they come.
            sheet.reset_dimensions()
            rows = bounded_rows(shown, sheet.iter_rows(values_only=True), kind)
            try:
                if kind is None:
                    # An empty sheet holds nothing to lose: Excel's Sheet2 and Sheet3 are left
                    # alone.
                    if any(cell is not None for _, row in rows for cell in row):
                        problems.append(unknown_name(shown, stem, say("工作表", "sheet"), ""))
                elif kind in tables:
                    problems.append(same_kind(shown, tables[kind].file, kind))
                else:
                    tables[kind] = sheet_table(shown, rows)
            except ImportRefused:
                raise
            except Exception as exc:  # a damaged sheet: its XML, an entity, a bad cell
                raise ImportRefused([unreadable_book(shown, exc)]) from exc
    finally:
        book.close()
    if "units" not in tables:
        missing = say("没有名为 units（单元）的工作表", "no sheet named units")
        problems.append(ImportProblem(path.name, 0, "-", missing))
    if problems:
        raise ImportRefused(problems)
    return tables


def unreadable_book(shown: str, exc: Exception) -> ImportProblem:
    reason = f"{type(exc).__name__}: {exc}"[:200]
    return ImportProblem(
        shown,
        0,
        "-",
        say(f"无法读取这个工作簿：{reason}", f"not a readable workbook: {reason}"),
    )


def check_parts(path: Path) -> None:
    """A workbook is a zip: its parts are refused when there are too many or they unpack to
    too much, before any is read (Python's zipfile never unpacks more than a part declares)."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except Exception as exc:  # zipfile raises several unrelated types for what is no zip
        raise ImportRefused([unreadable_book(path.name, exc)]) from exc
    problem = archive_problem(parts, limits.MAX_PART_BYTES)
    if problem:
        raise ImportRefused([ImportProblem(path.name, 0, "-", problem)])


def archive_problem(members: list[zipfile.ZipInfo], most_each: int) -> str | None:
    """What makes an archive too large to unpack, if anything: too many files, one larger than
    `most_each` or packed more tightly than a ledger packs, or all together more than an upload
    may unpack to."""
    if len(members) > limits.MAX_MEMBERS:
        most = limits.MAX_MEMBERS
        return say(f"文件过多：至多 {most} 个", f"too many files: at most {most}")
    largest = max(members, key=lambda member: member.file_size, default=None)
    if largest is not None and largest.file_size > most_each:
        return f"{largest.filename}: {too_large(most_each)}"
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > limits.MIB and ratio > limits.MAX_RATIO:
            return say(
                f"{member.filename}：压缩比 {ratio:,.0f}:1 过高（至多 {limits.MAX_RATIO}:1），"
                "不像是台账",
                f"{member.filename}: packed {ratio:,.0f} to 1, more than a ledger packs "
                f"(at most {limits.MAX_RATIO} to 1)",
            )
    if sum(member.file_size for member in members) > limits.MAX_UNPACKED_BYTES:
        mib = f"{limits.MAX_UNPACKED_BYTES / limits.MIB:,.0f}"
        return say(f"解压后超过 {mib} MiB", f"unpacks to more than {mib} MiB")
    return None


def bounded_rows(
    name: str, rows: Iterator[tuple[object, ...]], kind: str | None
) -> Iterator[tuple[int, tuple[object, ...]]]:
    """A sheet's rows with their line numbers, refused past the rows a file of `kind` may hold
    or with a value past the last column a ledger may have."""
    most = limits.max_rows(kind) + 1  # and the header
    for line, cells in enumerate(rows, start=1):
        if line > most:
            raise ImportRefused([too_many_rows(name, line, most - 1)])
        if len(cells) > limits.MAX_COLUMNS:
            beyond = cells[limits.MAX_COLUMNS :]
            if beyond.count(None) != len(beyond):
                raise ImportRefused([too_wide(name, line)])
            cells = cells[: limits.MAX_COLUMNS]
        yield line, cells


def sheet_table(name: str, rows: Iterator[tuple[int, tuple[object, ...]]]) -> Table:
    first = next(rows, None)
    if first is None:
        empty = say("工作表是空的（没有表头）", "the sheet is empty (no header)")
        raise ImportRefused([ImportProblem(name, 1, "-", empty)])
    table = Table(name, header_columns(name, [cell_text(c) for c in first[1]]))
    for line, cells in rows:
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
