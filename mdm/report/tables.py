"""Tables from any CSV or Parquet file under ``data/``: chosen columns, order, totals, formats.

A topic declares them under ``evidence.tables`` (or a notebook calls
``section.table(...)``). The file is read and checked here, every column named
must exist, formatted columns must hold numbers, columns that identify people
are never shown, and the caption names the file, its rows and its hash, as
every chart's does.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mdm.data._tables import read_bytes
from mdm.data.provenance import describe_input
from mdm.errors import DataError
from mdm.params.models import TableSpec
from mdm.report.published import format_number
from mdm.report.render import Html, render
from mdm.text import decode

if TYPE_CHECKING:
    import pandas as pd

    from mdm.params.models import NumberFormat
    from mdm.params.project import Project

__all__ = ["PERSONAL_COLUMNS", "TableOut", "check_readable", "read_table", "table_html"]

# column names that identify a person: such a column is never shown in a document
PERSONAL_COLUMNS = frozenset(
    {
        "author",
        "contributor",
        "contributor_id",
        "email",
        "interviewee",
        "login",
        "name",
        "person",
        "pseudonym",
        "respondent",
        "respondent_id",
        "user",
        "username",
    }
)


@dataclass(frozen=True)
class TableOut:
    """A table's HTML and the caption it carries."""

    html: Html
    caption: str


def check_readable(project: Project, file: str) -> Path:
    """The path of data file ``file``; the pseudonym register and ``data/private/`` are refused."""
    private = {project.info.data.pseudonyms}
    if file in private or file.startswith("data/private/"):
        raise DataError(
            "private data (the pseudonym register and data/private/) never goes into "
            "a section; use an aggregate file instead",
            path=file,
        )
    path = project.root / file
    if not path.is_file():
        raise DataError("file not found", path=file)
    return path


def read_table(path: Path, shown: str) -> pd.DataFrame:
    """A CSV (UTF-8) or Parquet file as a DataFrame; a damaged file is a DataError."""
    import pandas as pd
    import pyarrow as pa

    if shown.lower().endswith(".parquet"):
        try:
            return pd.read_parquet(path)
        except (OSError, pa.ArrowException) as err:
            raise DataError(f"cannot read Parquet: {err}", path=shown) from err
    text = decode(read_bytes(path, shown), shown)
    try:
        # empty cells stay empty text, not NaN: a table shows what the file says
        return pd.read_csv(io.StringIO(text), keep_default_na=False, na_values=[])
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise DataError(f"malformed CSV: {str(err).strip()}", path=shown) from err


def _columns(frame: pd.DataFrame, spec: TableSpec, field: str, path: str | None) -> dict[str, str]:
    shown = spec.shown or {str(c): str(c) for c in frame.columns}
    named = [*shown, *([spec.sort] if spec.sort else []), *spec.formats]
    named += spec.totals if isinstance(spec.totals, list) else []
    missing = [c for c in named if c not in frame.columns]
    if missing:
        raise DataError(
            f"expected columns of {spec.file} "
            f"({', '.join(map(str, frame.columns))}), got {missing[0]!r}",
            path=path,
            field=field,
        )
    personal = [c for c in shown if c.lower() in PERSONAL_COLUMNS]
    if personal:
        raise DataError(
            f"column {personal[0]!r} of {spec.file} identifies people; "
            "a table never shows it (show counts per group instead)",
            path=path,
            field=field,
        )
    return shown


def _numeric(frame: pd.DataFrame, column: str, spec: TableSpec) -> pd.Series:
    """The column as numbers; the first cell that is not one is a DataError naming its row."""
    import pandas as pd

    if pd.api.types.is_numeric_dtype(frame[column]):
        return frame[column]
    values = pd.to_numeric(frame[column].replace("", None), errors="coerce")
    bad = values.isna() & (frame[column].astype(str).str.strip() != "")
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0])
        message = f"expected a number, got {frame[column].iloc[row]!r}"
        if spec.file.lower().endswith(".csv"):
            raise DataError(message, path=spec.file, line=row + 2, field=column)
        raise DataError(message, path=spec.file, field=f"row {row + 1}: {column}")
    return values


def _formats(
    frame: pd.DataFrame, spec: TableSpec, shown: dict[str, str]
) -> dict[str, NumberFormat]:
    import pandas as pd

    formats: dict[str, NumberFormat] = {}
    for column in shown:
        if column in spec.formats:
            formats[column] = spec.formats[column]
        elif pd.api.types.is_integer_dtype(frame[column]):
            formats[column] = "count"
        elif pd.api.types.is_float_dtype(frame[column]):
            formats[column] = "decimal"
        else:
            formats[column] = "text"
    return formats


def _ordered(frame: pd.DataFrame, spec: TableSpec) -> pd.DataFrame:
    """The rows to list, in order: a partial selection when only the first few are shown."""
    import pandas as pd

    if spec.sort and spec.limit and pd.api.types.is_numeric_dtype(frame[spec.sort]):
        # ties keep the file's order, as a stable sort would
        pick = frame.nlargest if spec.descending else frame.nsmallest
        return pick(spec.limit, spec.sort, keep="first")
    if spec.sort:
        frame = frame.sort_values(spec.sort, ascending=not spec.descending, kind="stable")
    return frame.head(spec.limit) if spec.limit else frame


def table_html(
    project: Project, spec: TableSpec, field: str, spec_file: str | None = None
) -> TableOut:
    """The table ``spec`` describes, with its provenance caption.

    ``field`` names the spec in errors, and ``spec_file`` the params file that declares it, if any.
    """

    path = check_readable(project, spec.file)
    frame = read_table(path, spec.file)
    shown = _columns(frame, spec, field, spec_file)
    formats = _formats(frame, spec, shown)
    for column, fmt in formats.items():
        if fmt != "text":
            frame[column] = _numeric(frame, column, spec)
    rows = _ordered(frame, spec)
    total_columns = (
        spec.totals
        if isinstance(spec.totals, list)
        else ([c for c, f in formats.items() if f != "text"] if spec.totals else [])
    )
    body = [
        [format_number(value, formats[c], what=f"{spec.file}: {c}") for c, value in row.items()]
        for row in rows[list(shown)].to_dict("records")
    ]
    totals = None
    if total_columns:
        # totals are over every row of the file, also when only the first rows are listed
        totals = [
            format_number(
                _numeric(frame, c, spec).sum(), formats[c] if formats[c] != "text" else None
            )
            if c in total_columns
            else ""
            for c in shown
        ]
        totals[0] = totals[0] or (
            "Total" if len(rows) == len(frame) else f"Total ({len(frame):,} rows)"
        )
    info = describe_input(path, spec.file, rows=len(frame))
    what = spec.title or f"Table from {spec.file}"
    caption = f"{what.rstrip('.')}. Source: {info.path} ({info.rows:,} rows, sha256 {info.digest})."
    if spec.limit and len(frame) > spec.limit:
        caption += f" The first {spec.limit} rows are shown."
    html = render(
        "table.html.j2",
        headings=list(shown.values()),
        numeric=[formats[c] != "text" for c in shown],
        rows=body,
        totals=totals,
        caption=caption,
    )
    return TableOut(html, caption)
