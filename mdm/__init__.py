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
