"""The discussion log: one row per community session on a topic."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING

from mdm.data._tables import Problems, csv_rows, row_date, unknown_topics
from mdm.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["DISCUSSION_COLUMNS", "load_discussions"]

DISCUSSION_COLUMNS = (
    "date",
    "topic",
    "channel",
    "community",
    "participants",
    "outcomes",
    "agreements",
)


def load_discussions(
    path: Path, shown: str | None = None, *, topics: Collection[str] | None = None
) -> pd.DataFrame:
    """Sessions as a DataFrame: ``line`` (in the file), ``date`` (datetime.date), ``topic``,
    ``channel``, ``community``, ``participants`` (int), ``outcomes``, ``agreements`` (list).

    A header without rows means no sessions yet. With ``topics`` (the project's topic ids),
    each session's topic must be one of them.
    """
    import pandas as pd

    shown = shown or str(path)
    problems = Problems(shown)
    records = []
    for line, row in csv_rows(path, shown, DISCUSSION_COLUMNS, allow_empty=True, problems=problems):
        with problems.collect():
            record = _session(shown, line, row)
            unknown_topics(shown, line, "topic", [str(record["topic"])], topics)
            records.append(record)
    problems.raise_any()
    frame = pd.DataFrame(records, columns=["line", *DISCUSSION_COLUMNS])
    return frame.astype({"line": "int64", "participants": "int64"})


def _session(shown: str, line: int, row: dict[str, str]) -> dict[str, object]:
    """One row of the log, checked, as the frame's record."""
    text = {k: v.strip() for k, v in row.items()}
    date = row_date(row, shown, line)
    if not (text["participants"].isascii() and text["participants"].isdigit()):
        raise DataError(
            f"expected a whole number ≥ 0, got {row['participants']!r}",
            path=shown,
            line=line,
            field="participants",
        )
    for column in ("topic", "channel", "community"):
        if not text[column]:
            raise DataError(
                "expected a value, found an empty field", path=shown, line=line, field=column
            )
    return {
        "line": line,
        "date": date,
        "topic": text["topic"],
        "channel": text["channel"],
        "community": text["community"],
        "participants": int(text["participants"]),
        "outcomes": text["outcomes"],
        "agreements": [a.strip() for a in text["agreements"].split(";") if a.strip()],
    }
