"""Errors raised by mdm.

Every error mdm raises on purpose derives from :class:`MdmError`; the CLI prints
it as one line and exits non-zero. Anything else escaping is a bug.

    MdmError                    exit code
    ├── OptionError             1   an option of a command (or of BuildOptions) is invalid
    ├── ConfigError             2   params/*.yaml: syntax, schema, cross-references
    ├── DataError               3   research inputs under data/: columns, types, rows
    ├── NotebookError           4   a notebook is not fit to run, or a cell raised
    │   ├── KernelDiedError     7   the kernel died while running a cell
    │   └── CellTimeoutError    8   a cell ran longer than the timeout
    ├── BuildError              5   assembling or writing the documents failed
    ├── BusyError               6   another command holds what this one must write (the
    │                               output folder, a project file) for too long
    └── PrivacyError            9   an export would reveal a name without consent

An error is data: it holds one or more :class:`Problem` records, each with the
file, line and field it is about and a message saying what was expected and what
was found. ``str(error)`` prints them one a line, where first::

    params/topics/onboarding.yaml:12: window: expected month|quarter, got 'qtr'

so code that reports an error never parses its text, and code that checks many
things raises one error carrying every problem it found. Raise sites pass the
place as data (``DataError("file not found", path=shown)``); the text is made
here, by :func:`where` and :meth:`Problem.__str__`, and nowhere else.

A failed notebook cell is placed by its section, notebook and cell, ``field``
holding the cell's first line::

    section topic-metrics (proposal): notebooks/topic.ipynb, cell 3 [ratio = 1 / 0]: ZeroDivisionError: division by zero
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
    "OptionError",
    "PrivacyError",
    "Problem",
    "where",
]


def where(
    path: str | Path,
    line: int | None = None,
    field: str | None = None,
    *,
    column: int | None = None,
    cell: int | None = None,
) -> str:
    """Format the location prefix used by every mdm error message.

    ``path:line:column: field``, or for a notebook's cell ``path, cell N [field]``.
    """
    text = str(path)
    if line is not None:
        text += f":{line}"
        if column is not None:
            text += f":{column}"
    if cell is not None:
        text += f", cell {cell}"
        return text if field is None else f"{text} [{field}]"
    if field:
        text += f": {field}"
    return text


@dataclass(frozen=True)
class Problem:
    """One thing wrong, and where: ``path:line: field: message`` (each part optional).

    ``column`` refines the line; ``cell`` is a notebook's cell as its author counts
    them (``field`` is then the cell's first line); ``section`` names the section
    being built, as ``id (document)``, before the rest.
    """

    message: str
    path: str | None = None
    line: int | None = None
    field: str | None = None
    column: int | None = None
    cell: int | None = None
    section: str | None = None

    def __str__(self) -> str:
        if self.path is not None:
            place = where(self.path, self.line, self.field, column=self.column, cell=self.cell)
        else:
            place = self.field or ""
        if self.section is not None:
            place = f"section {self.section}: {place}" if place else f"section {self.section}"
        return f"{place}: {self.message}" if place else self.message


class MdmError(Exception):
    """Base class: problems the user can fix, reported one a line.

    ``MdmError("expected ...", path=..., line=..., field=...)`` is one problem;
    ``MdmError(problems=[...])`` carries several.
    """

    exit_code = 1

    def __init__(
        self,
        message: str = "",
        *,
        path: str | Path | None = None,
        line: int | None = None,
        field: str | None = None,
        column: int | None = None,
        cell: int | None = None,
        section: str | None = None,
        problems: Iterable[Problem] = (),
    ) -> None:
        found = list(problems)
        if message or not found:
            shown = None if path is None else str(path)
            found.insert(0, Problem(message, shown, line, field, column, cell, section))
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


class OptionError(MdmError):
    """An option given to a command, or to :class:`~mdm.build.options.BuildOptions`, is invalid."""

    exit_code = 1


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
    """Another build is writing the same output folder, or another command the same project
    file, and it did not finish within the wait."""

    exit_code = 6


class PrivacyError(MdmError):
    """An exported file would contain a name that may not appear there."""

    exit_code = 9
