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

Messages start with where the problem is (``file:line: field: ...``) and say
what was expected and what was found, e.g.
``params/topics/onboarding.yaml:12: window: expected month|quarter, got 'qtr'``.
"""

from __future__ import annotations

from pathlib import Path

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


class MdmError(Exception):
    """Base class: a problem the user can fix, reported as one line."""

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
    """Another build is writing the same output folder."""

    exit_code = 6


class PrivacyError(MdmError):
    """An exported file would contain a name that may not appear there."""

    exit_code = 9
