"""Fingerprints that decide whether a section or a document must be built again.

A section's key covers everything its executed notebook can depend on:
the notebook file, the resolved parameters, the content of every input file
the section declares (params and data), mdm's own code and templates, and the
versions of the libraries that shape the output. The key is stored in the
executed notebook's metadata, so the previous build's notebooks are the cache.
A stale result is never reused: any change to any of those changes the key.
"""

from __future__ import annotations

import hashlib
import json
import platform
from collections.abc import Iterable
from functools import cache
from importlib import metadata
from pathlib import Path

from mdm import __version__
from mdm.data.provenance import sha256_file

__all__ = [
    "KEY_FIELD",
    "LIBRARIES",
    "code_fingerprint",
    "combine",
    "read_key",
    "section_key",
    "tool_versions",
]

KEY_FIELD = "cache_key"
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


def combine(parts: Iterable[str]) -> str:
    """One digest over several strings, order-sensitive and unambiguous."""
    digest = hashlib.sha256()
    for part in parts:
        encoded = part.encode("utf-8")
        digest.update(len(encoded).to_bytes(8, "big"))
        digest.update(encoded)
    return digest.hexdigest()


@cache
def code_fingerprint() -> str:
    """mdm's version, source and templates, Python and the key libraries' versions."""
    package = Path(__file__).resolve().parents[1]
    files = sorted(p for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    versions = [f"{name}=={version}" for name, version in tool_versions().items()]
    return combine(
        [__version__, platform.python_version(), *versions]
        + [f"{p.relative_to(package)}:{sha256_file(p)}" for p in files]
    )


def section_key(notebook: Path, parameters: dict[str, str], inputs: Iterable[Path]) -> str:
    """The key of one section run."""
    return combine(
        [
            code_fingerprint(),
            sha256_file(notebook),
            json.dumps(parameters, sort_keys=True),
            *(f"{p}:{sha256_file(p) if p.exists() else 'missing'}" for p in sorted(inputs)),
        ]
    )


def read_key(executed: Path) -> str | None:
    """The key stored in a previously executed notebook, if any."""
    try:
        nb = json.loads(executed.read_text(encoding="utf-8"))
        key = nb["metadata"]["mdm"][KEY_FIELD]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return key if isinstance(key, str) else None
