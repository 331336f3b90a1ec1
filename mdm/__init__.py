"""mdm: draft the documents of a community-strategy project with Jupyter."""

from __future__ import annotations

from mdm.errors import (
    BuildError,
    BusyError,
    CellTimeoutError,
    ConfigError,
    DataError,
    KernelDiedError,
    MdmError,
    NotebookError,
    PrivacyError,
)

__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    # ``from mdm import sections`` is what every notebook starts with; importing it lazily keeps
    # ``mdm --help`` and ``mdm check`` free of pandas and matplotlib.
    if name == "sections":
        from mdm.report import sections

        return sections
    raise AttributeError(f"module 'mdm' has no attribute {name!r}")


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
    "__version__",
]
