"""The milestone log: ``data/milestones.csv``, one row per change of a milestone's status.

``params/project.yaml`` says where each milestone of the timeline stands now; a progress report
needs where it stood on the report's day, so that a report rebuilt later says what it said.
Each row dates one change: the milestone (its title in the timeline), the status it took
(planned · in_progress · done · at_risk) and a note.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from mdm.data._tables import Problems, csv_rows, row_date
from mdm.errors import DataError
from mdm.params.project import Project
from mdm.text import did_you_mean

__all__ = [
    "MILESTONE_COLUMNS",
    "MILESTONE_STATES",
    "MilestoneUpdate",
    "load_milestone_log",
    "milestone_log_of",
]

MILESTONE_COLUMNS = ("date", "milestone", "status", "note")
MILESTONE_STATES = ("planned", "in_progress", "done", "at_risk")


@dataclass(frozen=True)
class MilestoneUpdate:
    """A milestone took ``status`` on ``date``."""

    line: int
    date: dt.date
    milestone: str
    status: str
    note: str


def load_milestone_log(
    path: Path, shown: str | None = None, *, titles: Collection[str] | None = None
) -> list[MilestoneUpdate]:
    """Every status change in the file, in its order (a header without rows: none yet).

    ``titles``: the timeline's milestone titles; each row must name one of them.
    """
    shown = shown or str(path)
    problems = Problems(shown)
    updates = []
    for line, row in csv_rows(path, shown, MILESTONE_COLUMNS, allow_empty=True, problems=problems):
        with problems.collect():
            updates.append(_update(shown, line, row, titles))
    problems.raise_any()
    return updates


def _update(
    shown: str, line: int, row: dict[str, str], titles: Collection[str] | None
) -> MilestoneUpdate:
    text = {k: v.strip() for k, v in row.items()}
    date = row_date(row, shown, line)
    if titles is not None and text["milestone"] not in titles:
        raise DataError(
            f"unknown milestone {text['milestone']!r}: expected the title of a milestone in "
            f"the timeline of params/project.yaml{did_you_mean(text['milestone'], titles)}",
            path=shown,
            line=line,
            field="milestone",
        )
    if text["status"] not in MILESTONE_STATES:
        raise DataError(
            f"expected one of {'|'.join(MILESTONE_STATES)}, got {row['status']!r}",
            path=shown,
            line=line,
            field="status",
        )
    return MilestoneUpdate(line, date, text["milestone"], text["status"], text["note"])


def milestone_log_of(project: Project) -> list[MilestoneUpdate]:
    """The project's milestone log (``data.milestones``), checked against the titles of its
    timeline; [] when there is no such file."""
    path = project.data_path("milestones")
    if not path.is_file():
        return []
    titles = [m.title for m in project.info.timeline]
    return load_milestone_log(path, project.info.data.milestones, titles=titles)
