"""Which mdm this is: its version, the key libraries' versions, and a fingerprint of its code.

The version lives here, below everything else, so that the build, releases and the command
line read it without importing the package face (``mdm/__init__.py``).
"""

from __future__ import annotations

import platform
from functools import cache
from importlib import metadata
from pathlib import Path

from mdm.files import combine, sha256_file

__all__ = ["LIBRARIES", "__version__", "code_fingerprint", "tool_versions"]

__version__ = "0.1.0"

# libraries whose version can change what a section shows or how it is converted
LIBRARIES = (
    "papermill",
    "nbclient",
    "nbconvert",
    "nbformat",
    "ipykernel",
    "pandas",
    "numpy",
    "pyarrow",
    "matplotlib",
    "pydantic",
    "jinja2",
    "markdown-it-py",
    "nh3",
    "weasyprint",
)


def tool_versions() -> dict[str, str]:
    """The installed version of each of :data:`LIBRARIES` (absent ones: ``"absent"``)."""
    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


@cache
def code_fingerprint() -> str:
    """mdm's version, source and templates, Python and the key libraries' versions."""
    package = Path(__file__).resolve().parent
    files = sorted(p for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    versions = [f"{name}=={version}" for name, version in tool_versions().items()]
    return combine(
        [__version__, platform.python_version(), *versions]
        + [f"{p.relative_to(package)}:{sha256_file(p)}" for p in files]
    )
