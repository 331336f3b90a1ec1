"""mdm: draft the documents of a community-strategy project with Jupyter."""

from __future__ import annotations

from mdm.errors import BuildError, ConfigError, DataError, MdmError, NotebookError

__version__ = "0.1.0"

__all__ = [
    "BuildError",
    "ConfigError",
    "DataError",
    "MdmError",
    "NotebookError",
    "__version__",
]
