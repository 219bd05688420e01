"""An uploaded data set: a zip of the import format's CSV files, or an .xlsx workbook.

Nothing of the archive chooses a folder on disk: each CSV is written under its own base name
in a fresh folder, so no member name can reach outside it (no path traversal). The folder's
reader then names each file's kind, or refuses the upload for a misnamed one. Nor is anything
unpacked before the archive's size is judged (engine/limits.py): how many files it holds, how
large each unpacks to and how large all of them do.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from engine import limits
from engine.errors import ImportProblem, ImportRefused
from engine.lang import say
from engine.ledger import (
    Table,
    archive_problem,
    is_ledger_file,
    kind_named,
    read_dataset,
    too_large,
)

WORKBOOK_PART = "xl/workbook.xml"  # what makes a zip an .xlsx


def shown_name(filename: str | None) -> str:
    """The client's file name, as safe to print and to name a file with."""
    base = PurePosixPath((filename or "").replace("\\", "/")).name
    return re.sub(r"[^\w.-]", "_", base)[:100] or "upload"


def refused(name: str, message: str) -> ImportRefused:
    return ImportRefused([ImportProblem(name, 0, "-", message)])


def read_upload(filename: str | None, upload: BinaryIO, folder: Path) -> dict[str, Table]:
    """The tables of the upload, unpacked into the empty `folder`."""
    name = shown_name(filename)
    try:
        archive = zipfile.ZipFile(upload)
    except Exception as exc:  # zipfile raises several unrelated types for what is no zip
        raise refused(
            name,
            say(
                "应为 CSV 文件的 zip 压缩包或 .xlsx 工作簿",
                "expected a zip of CSV files or an .xlsx workbook",
            ),
        ) from exc
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        problem = archive_problem(members, limits.max_file_bytes(None))
        if problem:
            raise refused(name, problem)
        if any(m.filename == WORKBOOK_PART for m in members):
            workbook = folder / (name if name.lower().endswith(".xlsx") else "upload.xlsx")
            upload.seek(0)
            with workbook.open("wb") as out:
                shutil.copyfileobj(upload, out)
            return read_dataset(workbook)
        unpack_csv_files(name, archive, members, folder)
    return read_dataset(folder)


def unpack_csv_files(
    name: str, archive: zipfile.ZipFile, members: list[zipfile.ZipInfo], folder: Path
) -> None:
    chosen: dict[str, tuple[str, zipfile.ZipInfo]] = {}  # by base name in any case
    for member in members:
        # A folder inside the zip is fine (zipping a folder makes one); only the name counts.
        base = PurePosixPath(member.filename.replace("\\", "/")).name
        if is_ledger_file(base):
            # In any case: on a case-insensitive disk UNITS.csv would overwrite units.csv.
            if base.casefold() in chosen:
                raise refused(name, say(f"有两个名为 {base} 的文件", f"two files named {base}"))
            chosen[base.casefold()] = (base, member)
    if not any(kind_named(PurePosixPath(base).stem) == "units" for base, _ in chosen.values()):
        raise refused(name, say("压缩包里没有 units.csv", "no units.csv in the archive"))
    for base, member in chosen.values():
        # Python's zipfile unpacks no more than a member declares (and checks its CRC), so a
        # declared size within the limit bounds what is written.
        most = limits.max_file_bytes(kind_named(PurePosixPath(base).stem))
        if member.file_size > most:
            raise refused(base, too_large(most))
        try:
            with archive.open(member) as packed, (folder / base).open("wb") as out:
                shutil.copyfileobj(packed, out)
        except Exception as exc:  # damaged, encrypted or oddly compressed: each its own type
            raise refused(
                name, say(f"无法解压 {base}：{exc}", f"cannot unpack {base}: {exc}")
            ) from exc
