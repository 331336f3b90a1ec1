"""Errors raised by mdm.

Every error mdm raises on purpose derives from :class:`MdmError`; the CLI prints
it as one line and exits non-zero. Anything else escaping is a bug.

    MdmError                    exit code
    ├── ConfigError             2   params/*.yaml: syntax, schema, cross-references
    ├── DataError               3   research inputs under data/: columns, types, rows
    ├── NotebookError           4   a notebook is not fit to run, or a cell raised
    │   ├── KernelDiedError     7   the kernel died while running a cell
    │   └── CellTimeoutError    8   a cell ran longer than the timeout
    ├── BuildError              5   assembling or writing the documents failed
    ├── BusyError               6   another build holds the output folder
    └── PrivacyError            9   an export would reveal a name without consent

An error is data: it holds one or more :class:`Problem` records, each with the
file, line and field it is about and a message saying what was expected and what
was found. ``str(error)`` prints them one a line, where first::

    params/topics/onboarding.yaml:12: window: expected month|quarter, got 'qtr'

so code that reports an error never parses its text, and code that checks many
things raises one error carrying every problem it found.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "BuildError",
    "BusyError",
    "CellTimeoutError",
    "ConfigError",
    "DataError",
    "KernelDiedError",
    "MdmError",
    "NotebookError",
    "PrivacyError",
    "Problem",
    "where",
]


def where(path: str | Path, line: int | None = None, field: str | None = None) -> str:
    """Format the location prefix used by every mdm error message."""
    text = str(path)
    if line is not None:
        text += f":{line}"
    if field:
        text += f": {field}"
    return text


@dataclass(frozen=True)
class Problem:
    """One thing wrong, and where: ``path:line: field: message`` (each part optional)."""

    message: str
    path: str | None = None
    line: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        if self.path is None:
            return f"{self.field}: {self.message}" if self.field else self.message
        return f"{where(self.path, self.line, self.field)}: {self.message}"


class MdmError(Exception):
    """Base class: problems the user can fix, reported one a line.

    ``MdmError("expected ...", path=..., line=..., field=...)`` is one problem;
    ``MdmError(problems=[...])`` carries several (a ``str`` item is a problem whose
    message already names its place).
    """

    exit_code = 1

    def __init__(
        self,
        message: str = "",
        *,
        path: str | Path | None = None,
        line: int | None = None,
        field: str | None = None,
        problems: Iterable[Problem | str] = (),
    ) -> None:
        found = [p if isinstance(p, Problem) else Problem(p) for p in problems]
        if message or not found:
            shown = None if path is None else str(path)
            found.insert(0, Problem(message, shown, line, field))
        self.problems: tuple[Problem, ...] = tuple(found)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.problems))

    @property
    def path(self) -> str | None:
        """The file the (first) problem is in."""
        return self.problems[0].path

    @property
    def line(self) -> int | None:
        """Its line in that file, where known."""
        return self.problems[0].line

    @property
    def field(self) -> str | None:
        """The key or column it is about, where known."""
        return self.problems[0].field


def _rebuild(kind: type[MdmError], problems: tuple[Problem, ...]) -> MdmError:
    return kind(problems=problems)


class ConfigError(MdmError):
    """The project's params are malformed, invalid or inconsistent."""

    exit_code = 2


class DataError(MdmError):
    """A research input file is missing, malformed or invalid."""

    exit_code = 3


class NotebookError(MdmError):
    """A notebook failed to execute or cannot be executed."""

    exit_code = 4


class BuildError(MdmError):
    """The documents could not be assembled or written."""

    exit_code = 5


class KernelDiedError(NotebookError):
    """The kernel running a section died (crash, out of memory, killed)."""

    exit_code = 7


class CellTimeoutError(NotebookError):
    """A cell ran longer than the per-cell timeout."""

    exit_code = 8


class BusyError(MdmError):
    """Another build is writing the same output folder."""

    exit_code = 6


class PrivacyError(MdmError):
    """An exported file would contain a name that may not appear there."""

    exit_code = 9
