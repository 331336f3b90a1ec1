"""The no-change fast path: are the documents up to date, decided without loading the project?

Loading and validating params (pydantic, YAML) is most of a no-change build's time. So a
build also writes ``output/.mdm-stamp.json``: the options it was run with, mdm's code
fingerprint, the names of every file in the folders its inputs come from, the digest of
every file its keys were computed from (every params file, the notebooks, the data files
the sections read, the review records) and of every file in the project's ``notebooks/``
(a paired ``.ipynb`` is not what runs when its text twin is newer, yet editing it alone is
an error the full check reports), and which ``.ipynb`` files are newer than their text twin.
When all of that is unchanged, so is every key, and the documents are up to date as long as
their files are intact. Any difference, even one that would not change a key, falls back to
the full check: the stamp can only say "same".

An up-to-date build also clears what a killed build left: its lock and staging folders.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from mdm.build.lock import clear_leftovers
from mdm.build.manifest import read_manifest
from mdm.files import sha256_file
from mdm.version import code_fingerprint

__all__ = ["STAMP", "stamp", "up_to_date"]

STAMP = ".mdm-stamp.json"


def _options(formats: Sequence[str], documents: Sequence[str]) -> dict[str, list[str]]:
    return {"formats": list(formats), "documents": list(documents)}


def _listing(root: Path, folders: Iterable[str]) -> dict[str, list[str]]:
    """Every file name under each folder (relative to the project), to notice added files."""
    return {
        folder: sorted(str(p.relative_to(root)) for p in (root / folder).rglob("*") if p.is_file())
        if (root / folder).is_dir()
        else []
        for folder in sorted(folders)
    }


def _name(path: Path, root: Path) -> str:
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


def _newer_than_text(root: Path) -> list[str]:
    """The ``.ipynb`` files in ``notebooks/`` saved after their text twin (``.py``, ``.md``)."""
    folder = root / "notebooks"
    newer = []
    for notebook in sorted(folder.glob("*.ipynb")) if folder.is_dir() else []:
        for twin in (notebook.with_suffix(".py"), notebook.with_suffix(".md")):
            if twin.is_file() and notebook.stat().st_mtime > twin.stat().st_mtime:
                newer.append(notebook.name)
    return newer


def stamp(
    root: Path,
    read: Iterable[Path],
    formats: Sequence[str],
    documents: Sequence[str],
    built: Sequence[str],
) -> dict[str, Any]:
    """The stamp of a build of ``documents`` (``built``: all of them) that read ``read``."""
    own = {p for folder in ("params", "notebooks") for p in (root / folder).rglob("*")}
    # JupyterLab's checkpoints and mdm's lock files are not inputs
    own = {p for p in own if p.is_file() and not any(n.startswith(".") for n in p.parts[-2:])}
    files = sorted(set(read) | own)
    folders = {"params", "notebooks"} | {
        _name(p.parent, root) for p in files if p.is_relative_to(root)
    }
    return {
        "options": _options(formats, documents),
        "documents": list(built),
        "code": code_fingerprint(),
        "listing": _listing(root, folders),
        "digests": {_name(p, root): sha256_file(p) if p.is_file() else None for p in files},
        "newer": _newer_than_text(root),
    }


def _intact(output: Path, entry: Any) -> bool:
    files = entry.get("files", {}) if isinstance(entry, dict) else {}
    return bool(files) and all(
        (output / name).is_file() and sha256_file(output / name) == digest
        for name, digest in files.items()
    )


def up_to_date(
    project_dir: Path, formats: Sequence[str], documents: Sequence[str]
) -> list[str] | None:
    """The documents, when the last build's stamp shows nothing changed; else None."""
    root = project_dir.resolve()
    output = root / "output"
    try:
        saved = json.loads((output / STAMP).read_text(encoding="utf-8"))
        manifest = read_manifest(output)
        if saved["options"] != _options(formats, documents):
            return None
        if _listing(root, saved["listing"]) != saved["listing"]:
            return None
        for name, digest in saved["digests"].items():
            path = root / name
            if (sha256_file(path) if path.is_file() else None) != digest:
                return None
        if saved["code"] != code_fingerprint() or saved["newer"] != _newer_than_text(root):
            return None
        built = list(saved["documents"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not built or not all(_intact(output, manifest.get(d)) for d in built):
        return None
    clear_leftovers(output)
    return built
