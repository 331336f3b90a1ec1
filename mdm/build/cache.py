"""Fingerprints that decide whether a section or a document must be built again.

A section's key covers everything its executed notebook can depend on:
the notebook file, the resolved parameters, the content of every input file
the section reads (params and data), mdm's own code and templates, and the
versions of the libraries that shape the output. The key is stored in the
executed notebook's metadata, so the previous build's notebooks are the cache.
A stale result is never reused: any change to any of those changes the key.

Keys are narrow: a page of one of mdm's kinds (:data:`mdm.report.pages.PAGE_KINDS`) keys on
what its kind reads — the params files, the fields of each topic it shows, the research inputs
— so a topic edit reruns only that topic's sections, the sources appendix (which shows every
file's hash) and the pages that show what changed. A project's own notebook keys on every input
its section declares. A notebook is keyed on its cells, not on the outputs or execution counts
an author's JupyterLab session saved into it. Keys name files relative to the project, so a
copied or moved project reuses its build.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from mdm.files import combine, sha256_file
from mdm.params.project import TOPICS_DIR, bundled_notebooks
from mdm.params.reviews import decision_records
from mdm.report.pages import page_kind
from mdm.version import code_fingerprint

if TYPE_CHECKING:
    from collections.abc import Sequence

    from mdm.params.project import Project, SectionSpec

__all__ = ["KEY_FIELD", "is_mdms", "notebook_digest", "read_key", "section_key", "section_keys"]

KEY_FIELD = "cache_key"


def notebook_digest(path: Path) -> str:
    """The SHA-256 of what a notebook runs and shows: its cells' kinds, sources and tags.

    Outputs, execution counts and other metadata that running it in JupyterLab saves into
    the file change nothing a build makes from it. A file that is not a notebook's JSON (a
    jupytext text notebook, a broken file) is hashed whole.
    """
    try:
        cells = json.loads(path.read_bytes())["cells"]
        kept = [
            (c["cell_type"], "".join(c["source"]), sorted(c.get("metadata", {}).get("tags", [])))
            for c in cells
        ]
    except (ValueError, KeyError, TypeError):
        return sha256_file(path)
    return combine([json.dumps(kept)])


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
            notebook_digest(notebook),
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


def is_mdms(spec: SectionSpec) -> bool:
    """The section runs mdm's own notebook of its kind (bundled, or an unchanged copy)."""
    ours = bundled_notebooks() / f"{spec.kind}.ipynb"
    return ours.is_file() and notebook_digest(spec.notebook) == notebook_digest(ours)


def _reads(project: Project, spec: SectionSpec) -> tuple[list[Path], list[str]]:
    """The files one section reads, and what else it reads as text (topic fields)."""
    kind = page_kind(spec.kind)
    if kind is None or not is_mdms(spec):
        return list(spec.inputs), []  # a project's own notebook may read anything it declares
    reads, root = kind.reads, project.root
    files = [root / "params" / f"{name}.yaml" for name in reads.params]
    topic = project.topics[spec.parameters["topic"]] if "topic" in spec.parameters else None
    if reads.topic and topic is not None:
        files.append(root / TOPICS_DIR / f"{topic.id}.yaml")
    if reads.all_topics:
        files += [f for f in project.files if f.is_relative_to(root / TOPICS_DIR)]
    if reads.data == "topic" and topic is not None:
        files += project.topic_inputs(topic)
    elif reads.data == "all":
        files += project.data_files()
    extra = _topic_fields(project, reads.topic_fields)
    follows = project.document(spec.document).follows
    if reads.progress and follows is not None:  # a page of a progress report
        files += project.progress_files()
        extra += [d.model_dump_json() for d in decision_records(project, follows)]
    return files, extra


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
