"""Feedback gathered elsewhere (a spreadsheet, a form export) recorded with ``mdm review import``.

The CSV has a header row with the columns ``who``, ``document``, ``section`` and
``text`` (``section`` may be empty: the whole document; an optional ``date``
column, YYYY-MM-DD, defaults to the import's date). Every row is checked with
the rules of ``mdm check`` before anything is written (under the project's lock, so
the ids given are free); the problems name the row's line and column. Text is kept
as written: documents and packets escape it.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from pydantic import ValidationError

from mdm.build.manifest import require_current
from mdm.errors import DataError, Problem
from mdm.params.edits import locked
from mdm.params.project import load_project
from mdm.params.reviews import Feedback, Rules, Violation, feedback_problems, load_reviews
from mdm.review.commands import Written, append_many, next_feedback_id

__all__ = ["COLUMNS", "import_feedback"]

COLUMNS = ("who", "document", "section", "text")
# the CSV column each record field comes from
_COLUMN = {
    "by": "who",
    "document": "document",
    "section": "section",
    "text": "text",
    "date": "date",
}


def _rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    """(line, row) for each record; the header must name the columns."""
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as err:
        raise DataError(f"cannot read: {err.strerror or err}", path=path) from err
    with handle:
        reader = csv.DictReader(handle)
        header = [c.strip() for c in reader.fieldnames or []]
        missing = [c for c in COLUMNS if c not in header]
        if missing:
            raise DataError(
                f"expected the columns {', '.join(COLUMNS)}, missing {', '.join(missing)} "
                f"(found: {', '.join(header) or 'nothing'})",
                path=path,
                line=1,
            )
        rows = []
        try:
            for row in reader:
                clean = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
                if any(clean.values()):
                    rows.append((reader.line_num, clean))
        except (csv.Error, UnicodeDecodeError) as err:
            raise DataError(f"not valid CSV: {err}", path=path, line=reader.line_num) from err
    return rows


def _record(
    row: dict[str, str], record_id: str, version: str, date: dt.date
) -> tuple[Feedback | None, list[Violation]]:
    try:
        when = dt.date.fromisoformat(row["date"]) if row.get("date") else date
    except ValueError:
        return None, [(("date",), f"expected a date as YYYY-MM-DD, got {row['date']!r}")]
    try:
        record = Feedback(
            id=record_id,
            by=row["who"],
            document=row["document"],
            version=version,
            section=row["section"],
            date=when,
            text=row["text"],
        )
    except ValidationError as err:
        return None, [(tuple(e["loc"]), str(e["msg"])) for e in err.errors()]
    return record, []


@locked
def import_feedback(project_dir: Path, path: Path, date: dt.date | None = None) -> Written:
    """Record every row of ``path`` as an open comment, or nothing if any row is wrong."""
    project = load_project(project_dir)
    reviews = load_reviews(project)
    rules = Rules.of(project)
    records: list[Feedback] = []
    problems: list[Problem] = []
    built: dict[str, bool] = {}
    for line, row in _rows(path):
        document = row["document"]
        if document in project.documents and document not in built:
            require_current(project, document)
            built[document] = True
        version = project.documents[document].version if document in project.documents else "-"
        record_id = next_feedback_id(reviews, [r.id for r in records])
        record, found = _record(row, record_id, version, date or dt.date.today())
        if record is not None:
            found = feedback_problems(rules, record)
            records.append(record)
        problems += [
            Problem(text, str(path), line, _COLUMN.get(str(loc[0]), str(loc[0])))
            for loc, text in found
        ]
    if problems:
        raise DataError(problems=[*problems, Problem("nothing imported")])
    if not records:
        raise DataError("no rows to import", path=path)
    written = append_many(project, "feedback.yaml", "feedback", records)
    return Written(
        written,
        [f"{r.id}: comment by {project.stakeholders[r.by].name} ({r.document})" for r in records],
    )
