"""The build manifest ``output/.mdm-build.json``: the one place that reads and writes it.

Per document it records the document's key, the hash of each file written and,
per section, its title, digest (what a sign-off records) and content key: a hash
of what the section shows besides mdm itself (its notebook, parameters and input
files). The review commands compare the content keys with the ones the params
and data give now, so they never record the digests of a build the params have
moved on from. mdm's own code is left out on purpose: a new mdm does not change
the documents people were sent until they are built again.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mdm.errors import BuildError
from mdm.params.project import Project, SectionSpec

if TYPE_CHECKING:
    from mdm.build.assemble import Fragment

__all__ = [
    "MANIFEST",
    "BuiltSection",
    "built_sections",
    "content_key",
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


def content_key(spec: SectionSpec, digest: Callable[[Path], str] | None = None) -> str:
    """A hash of the notebook, parameters and input files of one section."""
    from mdm.build.cache import combine, file_digest

    digest = digest or file_digest
    # the project's folder is where it is, not what it shows: moving it changes nothing
    parameters = {k: v for k, v in spec.parameters.items() if k != "project_dir"}
    return combine(
        [
            digest(spec.notebook),
            json.dumps(parameters, sort_keys=True),
            *(f"{p.name}:{digest(p) if p.exists() else 'missing'}" for p in sorted(spec.inputs)),
        ]
    )


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest in ``folder`` (an output folder); empty when there is none or it is unreadable."""
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def document_entry(
    key: str, files: Mapping[str, str], fragments: Sequence[Fragment]
) -> dict[str, Any]:
    """A document's entry: its build key, its files' hashes, each section as built."""
    return {
        "key": key,
        "files": dict(files),
        "sections": {
            f.spec.id: {"title": f.title, "digest": f.digest, "content_key": content_key(f.spec)}
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
    sections = manifest.get(document, {}).get("sections", {})
    if not isinstance(sections, dict):
        return {}
    return {
        sid: BuiltSection(
            sid,
            str(info.get("title", sid)),
            str(info.get("digest", "")),
            str(info.get("content_key", "")),
        )
        for sid, info in sections.items()
        if isinstance(info, dict)
    }


def stale_sections(project: Project, document: str, manifest: Mapping[str, Any]) -> list[str]:
    """The sections of ``document`` whose last build no longer matches the params and data.

    A section is stale when it was not built, was built by an mdm that recorded no content
    key, or its content key differs from the one its files give now; a built section the
    document no longer has is stale too. Review records do not enter a content key, so
    recording a review never makes a build stale.
    """
    from mdm.build.cache import file_digest

    digest = cache(file_digest)  # sections share params and data files
    built = built_sections(manifest, document)
    stale = []
    wanted = project.sections(document)
    for spec in wanted:
        if spec.id not in built or built[spec.id].key != content_key(spec, digest):
            stale.append(spec.id)
    stale += [sid for sid in built if sid not in {s.id for s in wanted}]
    return stale


def require_current(project: Project, document: str) -> dict[str, BuiltSection]:
    """The built sections of ``document``; refuse when it was never built or is out of date."""
    manifest = read_manifest(project.output)
    if not built_sections(manifest, document):
        raise BuildError(
            f"{project.output / MANIFEST}: {document}: not built yet; run `mdm build` first "
            "(a review records the digests of the built sections)"
        )
    stale = stale_sections(project, document, manifest)
    if stale:
        raise BuildError(
            f"{project.output / MANIFEST}: {document}: the params or data changed since the "
            f"last build ({', '.join(stale)}); run `mdm build` first, or the digests "
            "recorded would be stale"
        )
    return built_sections(manifest, document)
