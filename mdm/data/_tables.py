"""Shared checks for research files: UTF-8 text, CSV headers and rows, topic references.

Rows are physical lines of the file, the header being line 1, so a message
points at the line an editor shows.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from mdm.errors import DataError, MdmError, Problem
from mdm.text import did_you_mean, read_utf8

if TYPE_CHECKING:  # only annotations: reading a file or hashing it needs no pydantic
    from pydantic import ValidationError

__all__ = [
    "MAX_PROBLEMS",
    "Problems",
    "check_header",
    "check_topic_refs",
    "csv_rows",
    "model_error",
    "no_header",
    "read_bytes",
    "row_date",
    "strip_bom",
    "unknown_topics",
]

_BOM = b"\xef\xbb\xbf"
MAX_PROBLEMS = 20
"""Problems reported per file; the rest are counted."""


class Problems:
    """The problems found in one file, raised together as one DataError, one line each."""

    def __init__(self, shown: str, limit: int = MAX_PROBLEMS) -> None:
        self.shown = shown
        self.limit = limit
        self.found: list[Problem] = []
        self.more = 0

    def add(self, error: MdmError | Problem) -> None:
        for problem in error.problems if isinstance(error, MdmError) else [error]:
            if len(self.found) < self.limit:
                self.found.append(problem)
            else:
                self.more += 1

    @contextmanager
    def collect(self) -> Iterator[None]:
        """Record a DataError raised in the block and carry on after it."""
        try:
            yield
        except DataError as err:
            self.add(err)

    def __bool__(self) -> bool:
        return bool(self.found)

    def raise_any(self) -> None:
        if not self.found:
            return
        more = [Problem(f"{self.more} more problem(s) not shown", self.shown)] if self.more else []
        raise DataError(problems=[*self.found, *more])


def read_bytes(path: Path, shown: str) -> bytes:
    """A file's bytes, gunzipped for ``.gz``; a missing or damaged file is a DataError."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError as err:
        raise DataError("file not found", path=shown) from err
    except IsADirectoryError as err:
        raise DataError("expected a file, found a directory", path=shown) from err
    if path.suffix == ".gz":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as err:
            raise DataError(f"expected gzip-compressed data: {err}", path=shown) from err
    return raw


def strip_bom(raw: bytes) -> bytes:
    """The bytes without a leading UTF-8 byte-order mark."""
    return raw[len(_BOM) :] if raw.startswith(_BOM) else raw


def check_header(
    shown: str, header: Sequence[str], required: Sequence[str], optional: Sequence[str] = ()
) -> None:
    """Missing, unknown or repeated columns: one error naming them all and what was found."""
    missing = [c for c in required if c not in header]
    unknown = [c for c in header if c not in required and c not in optional]
    repeated = sorted({c for c in header if list(header).count(c) > 1})
    if not (missing or unknown or repeated):
        return
    problems = []
    if missing:
        problems.append(f"missing column(s) {', '.join(missing)}")
    if unknown:
        problems.append(f"unknown column(s) {', '.join(unknown)}")
    if repeated:
        problems.append(f"repeated column(s) {', '.join(repeated)}")
    allowed = ", ".join(required) + (f"; optional {', '.join(optional)}" if optional else "")
    raise DataError(
        f"{'; '.join(problems)} (expected {allowed}; found {', '.join(header) or 'no columns'})",
        path=shown,
        line=1,
    )


def no_header(shown: str, required: Sequence[str]) -> DataError:
    """The error for a file without even a header row."""
    return DataError(
        f"expected a header row ({', '.join(required)}), found an empty file (no rows)",
        path=shown,
        line=1,
    )


def csv_rows(
    path: Path,
    shown: str,
    required: Sequence[str],
    optional: Sequence[str] = (),
    *,
    allow_empty: bool = False,
    problems: Problems | None = None,
) -> list[tuple[int, dict[str, str]]]:
    """(line, row) pairs of a small CSV file with exactly the allowed columns; cells unstripped.

    ``allow_empty``: a header without rows means "nothing collected yet" (quotes, survey
    answers, discussions of a new project), not a broken file. Blank lines are skipped.
    With ``problems``, a row with the wrong number of fields is recorded there and left out,
    so that the caller can go on checking the other rows.
    """
    reader = csv.reader(io.StringIO(read_utf8(path, shown), newline=""))
    try:
        header = next(reader, None)
        if header is None:
            raise no_header(shown, required)
        header = [h.strip() for h in header]
        check_header(shown, header, required, optional)
        rows = []
        for record in reader:
            if not any(cell.strip() for cell in record):
                continue
            if len(record) != len(header):
                error = DataError(
                    f"expected {len(header)} fields, found {len(record)}",
                    path=shown,
                    line=reader.line_num,
                )
                if problems is None:
                    raise error
                problems.add(error)
                continue
            rows.append((reader.line_num, dict(zip(header, record, strict=True))))
    except csv.Error as err:
        raise DataError(f"malformed CSV: {err}", path=shown, line=reader.line_num) from err
    if not rows and not allow_empty and not problems:
        raise DataError(
            "expected at least one row after the header, found no rows", path=shown, line=2
        )
    return rows


def model_error(shown: str, line: int | None, err: ValidationError) -> DataError:
    """A pydantic error on one row as ``file:line: field: message, got value``."""
    first = err.errors(include_url=False)[0]
    field = ".".join(str(p) for p in first["loc"]) or None
    message = first["msg"].removeprefix("Value error, ")
    # a whole-row rule (value_error) names the values itself
    got = "" if first["type"] == "value_error" else f", got {first.get('input')!r}"
    return DataError(f"{message[0].lower()}{message[1:]}{got}", path=shown, line=line, field=field)


def row_date(row: dict[str, str], shown: str | Path, line: int, field: str = "date") -> dt.date:
    """The row's ``field`` as a date (YYYY-MM-DD, spaces around it ignored)."""
    try:
        return dt.date.fromisoformat(row[field].strip())
    except ValueError as err:
        raise DataError(
            f"expected a date as YYYY-MM-DD, got {row[field]!r}", path=shown, line=line, field=field
        ) from err


def unknown_topics(
    shown: str | Path,
    line: int | None,
    field: str,
    ids: Iterable[str],
    known: Collection[str] | None,
) -> None:
    """Raise DataError naming every id of ``ids`` (at ``line``) that is not a known topic.

    ``known`` None means "not checked here" (a loader used outside a project).
    """
    if known is None:
        return
    check_topic_refs(((line, t) for t in ids), known, shown, field)


def check_topic_refs(
    items: Iterable[tuple[int | None, str]],
    known_topics: Iterable[str],
    path: str | Path,
    field: str = "topics",
) -> None:
    """Raise DataError for every ``(line, topic_id)`` whose id is not a known topic.

    Each line names the file, line and unknown id and suggests the closest known id.
    """
    known = list(known_topics)
    allowed = set(known)
    problems = Problems(str(path))
    for line, topic in items:
        if topic not in allowed:
            problems.add(
                Problem(
                    f"unknown topic {topic!r}{did_you_mean(topic, known)} "
                    f"(known: {', '.join(sorted(known)) or 'none'})",
                    str(path),
                    line,
                    field,
                )
            )
    problems.raise_any()
