"""The build manifest ``output/.mdm-build.json``: the one place that reads and writes it.

Per document it records the document's key, the hash of each file written and,
per section, its title, its digest (what a sign-off records) and its key (the
cache key the build ran it with). The review commands compare those keys with
the keys a build would compute now, so they never record the digests of a build
the params, data or mdm have moved on from: when they refuse, ``mdm build``
rebuilds exactly those sections.

This module imports nothing heavy: the no-change fast path of ``mdm build`` reads
the manifest before pydantic or the project are loaded.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mdm.errors import BuildError

if TYPE_CHECKING:
    from mdm.params.project import Project
    from mdm.report.render import Fragment

__all__ = [
    "MANIFEST",
    "BuiltSection",
    "built_sections",
    "document_entry",
    "read_manifest",
    "require_current",
    "stale_sections",
    "write_manifest",
]

MANIFEST = ".mdm-build.json"


@dataclass(frozen=True)
class BuiltSection:
    """One section as the last build made it."""

    id: str
    title: str
    digest: str
    key: str


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest in ``folder`` (an output folder); empty when there is none or it is unreadable."""
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def document_entry(
    key: str, files: Mapping[str, str], fragments: Sequence[Fragment], keys: Mapping[str, str]
) -> dict[str, Any]:
    """A document's entry: its build key, its files' hashes, each section's digest and key."""
    return {
        "key": key,
        "files": dict(files),
        "sections": {
            f.spec.id: {"title": f.title, "digest": f.digest, "key": keys[f.spec.id]}
            for f in fragments
        },
    }


def write_manifest(folder: Path, manifest: Mapping[str, Any]) -> Path:
    """Write ``manifest`` into ``folder`` (a staging folder: publishing makes it current)."""
    path = folder / MANIFEST
    path.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return path


def built_sections(manifest: Mapping[str, Any], document: str) -> dict[str, BuiltSection]:
    """Section id → what the last build recorded of it, in document order."""
    entry = manifest.get(document)
    sections = entry.get("sections") if isinstance(entry, dict) else None
    if not isinstance(sections, dict):
        return {}
    return {
        sid: BuiltSection(
            sid, str(info.get("title", sid)), str(info.get("digest", "")), str(info.get("key", ""))
        )
        for sid, info in sections.items()
        if isinstance(info, dict)
    }


def stale_sections(project: Project, document: str, manifest: Mapping[str, Any]) -> list[str]:
    """The sections of ``document`` a build would run again, or that the document no longer has.

    Review records enter no section key, so recording a review never makes a section stale.
    """
    # deferred: pydantic and yaml load only when this runs (the up-to-date check reads the manifest)
    from mdm.build.cache import section_keys

    built = built_sections(manifest, document)
    specs = project.sections(document)
    now = dict(zip((s.id for s in specs), section_keys(project, specs), strict=True))
    stale = [sid for sid, key in now.items() if sid not in built or built[sid].key != key]
    return stale + [sid for sid in built if sid not in now]


def require_current(project: Project, document: str) -> dict[str, BuiltSection]:
    """The built sections of ``document``; refuse when it was never built or is out of date."""
    manifest = read_manifest(project.output)
    if not built_sections(manifest, document):
        raise BuildError(
            "not built yet; run `mdm build` first "
            "(a review records the digests of the built sections)",
            path=project.output / MANIFEST,
            field=document,
        )
    stale = stale_sections(project, document, manifest)
    if stale:
        raise BuildError(
            f"the params, data or mdm changed since the last build "
            f"({', '.join(stale)}); run `mdm build` first, or the digests recorded would be stale",
            path=project.output / MANIFEST,
            field=document,
        )
    return built_sections(manifest, document)
