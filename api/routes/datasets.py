"""A data set uploaded over HTTP: all or nothing, as `gridchain import` (SPEC §5)."""

from __future__ import annotations

import datetime as dt
import tempfile
from itertools import islice
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Query, UploadFile

from api.auth import Caller
from api.placement import outside
from api.problems import problem_responses
from api.schemas import IsoDate
from api.scopes import forbidden, require_writer
from api.services import Svc
from api.storage import disk_full, no_room
from api.uploads import read_upload
from engine.lang import say
from engine.model import DataSet, ImportReport
from engine.snapshot import ImportMode

router = APIRouter(tags=["datasets"], responses=problem_responses(400, 401, 403, 413, 422))
SHOWN_STRAYS = 5


@router.post("/datasets")
def upload_dataset(
    file: Annotated[UploadFile, File(description="A zip of CSV files or an .xlsx workbook.")],
    caller: Caller,
    svc: Svc,
    dry_run: Annotated[
        bool, Query(description="Report what the import would add, change, end and remove.")
    ] = False,
    merge: Annotated[
        bool, Query(description="The files are partial updates: retire nothing.")
    ] = False,
    effective: Annotated[
        IsoDate | None,
        Query(
            description="The day the ledgers take effect (default today): an assignment "
            "gone from assignments.csv ends the day before."
        ),
    ] = None,
) -> ImportReport:
    """Import a zip of the import format's CSV files or an .xlsx workbook. A township admin's
    data set must lie wholly inside its township, and is a snapshot of it: what a file held
    before and no longer holds is retired inside the township (SPEC §5.1). Any bad row
    refuses all of it (422, each problem with file, line and column); an accepted one is
    durable when answered."""
    township = require_writer(caller)  # (its size was bounded as it arrived: api.limits)

    def authorise(data: DataSet) -> None:
        strays = list(islice(outside(data, svc.backend, township), SHOWN_STRAYS))
        if strays:
            shown = ", ".join(strays)
            raise forbidden(
                say(f"不在乡镇 {township!r} 内：{shown}", f"outside township {township!r}: {shown}")
            )

    try:
        with tempfile.TemporaryDirectory(prefix="gridchain-upload-") as folder:
            tables = read_upload(file.filename, file.file, Path(folder))
            mode = ImportMode(effective or dt.date.today(), merge=merge, within=township)
            _, report = svc.write(tables, authorise, mode, dry_run)
    except OSError as exc:
        if disk_full(exc):
            raise no_room() from exc
        raise
    return report
