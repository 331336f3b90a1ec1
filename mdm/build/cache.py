"""Fingerprints that decide whether a section or a document must be built again.

A section's key covers everything its executed notebook can depend on:
the notebook file, the resolved parameters, the content of every input file
the section reads (params and data), mdm's own code and templates, and the
versions of the libraries that shape the output. The key is stored in the
executed notebook's metadata, so the previous build's notebooks are the cache.
A stale result is never reused: any change to any of those changes the key.

Keys are narrow: mdm's own whole-document notebooks (overview, roadmap, the
summaries, the investment overview) show only a few fields of each topic
(:data:`MATTER_TOPIC_FIELDS`), so they key on those fields rather than on the
topics' files, and a topic edit reruns only that topic's sections, the sources
appendix (which shows every file's hash) and the pages that show what changed.
Keys name files relative to the project, so a copied or moved project reuses
its build.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from mdm.files import combine, sha256_file
from mdm.version import code_fingerprint

if TYPE_CHECKING:
    from collections.abc import Sequence

    from mdm.params.project import Project, SectionSpec

__all__ = ["KEY_FIELD", "read_key", "section_key", "section_keys"]

KEY_FIELD = "cache_key"
# the topic fields that mdm's whole-document notebooks show (approach list, roadmap rows);
# a notebook not listed here, or a project's own version, keys on every input it declares
MATTER_TOPIC_FIELDS: dict[str, tuple[str, ...]] = {
    "overview": ("id", "number", "title", "question", "status"),
    "roadmap": ("id", "title"),
    # the summary's one line per topic, its asks and the values their effects name
    "summary": ("id", "number", "title", "status", "recommendations", "asks", "evidence"),
    "investment": ("id", "number", "title", "status", "asks", "evidence"),
    "strategy-summary": ("id", "number", "title", "status", "structures", "processes"),
}
# of those, the ones that compute numbers from the research data (headlines, ask baselines)
MATTER_READS_DATA = frozenset({"summary", "investment"})
# topic sections show other topics' titles where a milestone names several topics
TOPIC_SECTION_FIELDS = ("id", "title")


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:  # outside the project: keyed by where it is
        return str(path)


def section_key(
    notebook: Path,
    parameters: dict[str, str],
    inputs: Iterable[Path],
    root: Path,
    extra: Iterable[str] = (),
) -> str:
    """The key of one section run; ``extra`` are further things it reads, already as text."""
    # the project's folder is a parameter, but where the project lies changes no output
    params = {k: "." if v == str(root) else v for k, v in parameters.items()}
    return combine(
        [
            code_fingerprint(),
            sha256_file(notebook),
            json.dumps(params, sort_keys=True),
            *(
                f"{_relative(p, root)}:{sha256_file(p) if p.exists() else 'missing'}"
                for p in sorted(inputs)
            ),
            *extra,
        ]
    )


def _topic_fields(project: Project, fields: tuple[str, ...]) -> list[str]:
    return [
        json.dumps(t.model_dump(mode="json", include=set(fields)), sort_keys=True)
        for t in project.topics.values()
    ]


def _reads(project: Project, spec: SectionSpec) -> tuple[list[Path], list[str]]:
    """The files one section reads, and what else it reads as text (topic fields)."""
    # deferred: pydantic and yaml load only when this runs
    from mdm.params.project import TOPICS_DIR, bundled_notebooks

    if "topic" in spec.parameters:
        return list(spec.inputs), _topic_fields(project, TOPIC_SECTION_FIELDS)
    fields = MATTER_TOPIC_FIELDS.get(spec.id)
    ours = bundled_notebooks() / f"{spec.id}.ipynb"
    # a project's own notebook may read anything, unless it is a copy of mdm's
    if fields is None or not ours.is_file() or sha256_file(spec.notebook) != sha256_file(ours):
        return list(spec.inputs), []
    params = project.root / "params"
    topics = project.root / TOPICS_DIR
    # params other than topics (project, stakeholders, documents, ...); research data only
    # where the notebook computes from it
    data = spec.id in MATTER_READS_DATA
    files = [
        p
        for p in spec.inputs
        if not p.is_relative_to(topics) and (data or p.is_relative_to(params))
    ]
    return files, _topic_fields(project, fields)


def section_keys(project: Project, specs: Sequence[SectionSpec]) -> list[str]:
    """The key of each section of ``specs``, covering only what that section reads."""
    keys = []
    for spec in specs:
        files, extra = _reads(project, spec)
        keys.append(section_key(spec.notebook, spec.parameters, files, project.root, extra))
    return keys


def read_key(executed: Path) -> str | None:
    """The key stored in a previously executed notebook, if any."""
    try:
        nb = json.loads(executed.read_text(encoding="utf-8"))
        key = nb["metadata"]["mdm"][KEY_FIELD]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return key if isinstance(key, str) else None
