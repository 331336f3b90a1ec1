"""A release: the built documents frozen under ``output/releases/<VERSION>/`` with a manifest.

The manifest records what the documents were made from (every input file's
hash, each section's parameters and digest), with what (mdm, Python and
library versions) and where the reviews stood (sign-off states), so any two
releases can be compared with ``mdm diff``.
"""

from __future__ import annotations

import datetime as dt
import json
import platform
import shutil
from pathlib import Path
from typing import Any

from mdm.build.manifest import MANIFEST, read_manifest
from mdm.build.options import check_version
from mdm.build.signoff import project_status
from mdm.errors import BuildError
from mdm.files import sha256_file
from mdm.params.project import Project, load_project
from mdm.version import __version__, tool_versions

__all__ = ["RELEASES", "release", "write_release"]

RELEASES = "releases"


def _inputs(project: Project) -> dict[str, str]:
    files = [
        p
        for part in ("params", "data", "notebooks")
        for p in (project.root / part).rglob("*")
        if p.is_file() and ".ipynb_checkpoints" not in p.parts
    ]
    return {str(p.relative_to(project.root)): sha256_file(p) for p in sorted(files)}


def _tools() -> dict[str, str]:
    installed = {name: v for name, v in tool_versions().items() if v != "absent"}
    return {"mdm": __version__, "python": platform.python_version(), **installed}


def write_release(project: Project, version: str, status: dict[str, Any]) -> Path:
    """Copy the current documents into ``output/releases/<version>/`` with ``manifest.json``."""
    target = project.output / RELEASES / check_version(version)
    if target.exists():
        raise BuildError(f"release {version} exists; releases are never overwritten", path=target)
    built = read_manifest(project.output)
    if not built:
        raise BuildError(
            "no build to release; run `mdm build` first", path=project.output / MANIFEST
        )
    staging = project.output / RELEASES / f".{version}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    documents = {}
    for doc in project.documents:
        entry = built.get(doc, {})
        for name in entry.get("files", {}):
            shutil.copyfile(project.output / name, staging / name)
        documents[doc] = {
            "version": project.document(doc).version,
            "files": entry.get("files", {}),
            "sections": {
                spec.id: {
                    **entry.get("sections", {}).get(spec.id, {}),
                    "parameters": {k: v for k, v in spec.parameters.items() if k != "project_dir"},
                }
                for spec in project.sections(doc)
            },
        }
    manifest = {
        "release": version,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "project": project.info.name,
        "tools": _tools(),
        "inputs": _inputs(project),
        "documents": documents,
        "signoff": status["documents"],
    }
    (staging / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    staging.rename(target)
    return target


def release(project_dir: Path, version: str) -> Path:
    """Freeze the last build of every document as release ``version``; return its folder."""
    return write_release(load_project(project_dir), version, project_status(project_dir))
