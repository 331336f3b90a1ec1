"""What the sources appendix lists for each input: path, kind, rows and a short content hash."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from mdm.data._tables import read_bytes
from mdm.errors import DataError
from mdm.files import file_digest
from mdm.text import decode

__all__ = ["InputFile", "describe_input"]


@dataclass(frozen=True)
class InputFile:
    """An input file as the provenance appendix lists it (``rows`` None when not tabular)."""

    path: str
    kind: str
    rows: int | None
    digest: str


def describe_input(
    path: Path, shown: str | None = None, kind: str | None = None, rows: int | None = None
) -> InputFile:
    """Path (as shown), kind, row count and digest of an input.

    ``kind`` defaults to the file's format (parquet, csv, yaml, markdown, folder); ``rows``
    defaults to the data rows of a table (Parquet metadata, CSV records after the header)
    or the files of a folder, and None otherwise.
    """
    shown = shown or str(path)
    if not path.exists():
        raise DataError("file not found", path=shown)
    fmt = _format(path)
    if rows is None:
        rows = _count_rows(path, shown, fmt)
    return InputFile(shown, kind or fmt, rows, file_digest(path))


def _format(path: Path) -> str:
    if path.is_dir():
        return "folder"
    suffixes = "".join(path.suffixes[-2:]).lower()
    for ending, name in (
        (".parquet", "parquet"),
        (".csv.gz", "csv"),
        (".csv", "csv"),
        (".yaml", "yaml"),
        (".yml", "yaml"),
        (".md", "markdown"),
    ):
        if suffixes.endswith(ending):
            return name
    return path.suffix.lstrip(".") or "file"


def _count_rows(path: Path, shown: str, fmt: str) -> int | None:
    if fmt == "folder":
        return sum(1 for p in path.glob("*.md"))
    if fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            return int(pq.ParquetFile(path).metadata.num_rows)
        except (OSError, pa.ArrowException) as err:
            raise DataError(f"cannot read Parquet: {err}", path=shown) from err
    if fmt == "csv":
        reader = csv.reader(io.StringIO(decode(read_bytes(path, shown), shown), newline=""))
        try:
            return max(sum(1 for record in reader if any(c.strip() for c in record)) - 1, 0)
        except csv.Error as err:
            raise DataError(f"malformed CSV: {err}", path=shown, line=reader.line_num) from err
    return None
