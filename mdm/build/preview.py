"""One section, built fast, as a page of its own: ``mdm preview TOPIC [--watch]``.

A preview runs one notebook (reusing the last preview when nothing it depends
on changed), converts it exactly as a build would (same template, same
sanitiser) and writes ``output/preview/<section>.html``. With ``--watch`` it
polls the section's inputs and rebuilds when one changes.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from pathlib import Path

from mdm.build.assemble import notebook_fragment
from mdm.build.lock import build_lock
from mdm.build.pipeline import check
from mdm.build.run import execute_sections
from mdm.errors import ConfigError, MdmError
from mdm.params.project import Project, SectionSpec
from mdm.report.render import render

__all__ = ["preview", "watch"]

PREVIEW = "preview"


def _spec(project: Project, topic: str, document: str | None) -> SectionSpec:
    documents = [document] if document else list(project.documents)
    for doc in documents:
        for spec in project.sections(doc):
            if spec.id in (topic, f"topic-{topic}"):
                return spec
    raise ConfigError(
        f"params/documents.yaml: no section {topic!r} in {', '.join(documents)} "
        f"(sections: {', '.join(s.id for d in documents for s in project.sections(d))})"
    )


def preview(project_dir: Path, topic: str, document: str | None = None) -> Path:
    """Build one section into ``output/preview/<section>.html``; return its path."""
    project, _ = check(project_dir)
    spec = _spec(project, topic, document)
    folder = project.output / PREVIEW
    with build_lock(project.output):
        # the preview folder is its own cache: the previous preview is reused when unchanged
        [result] = execute_sections([spec], folder, project.root, previous=folder)
        fragment = notebook_fragment(result)
        page = render("preview.html.j2", project=project, fragment=fragment)
        target = folder / f"{spec.document}-{spec.id}.html"
        target.write_text(page, encoding="utf-8")
    return target


def _inputs(project_dir: Path, topic: str, document: str | None) -> list[Path]:
    project, _ = check(project_dir)
    spec = _spec(project, topic, document)
    return [spec.notebook, *spec.inputs]


def _stamp(paths: list[Path]) -> tuple[tuple[str, int], ...]:
    return tuple((str(p), p.stat().st_mtime_ns if p.exists() else -1) for p in paths)


def watch(
    project_dir: Path,
    topic: str,
    document: str | None,
    say: Callable[[str], None],
    interval: float = 0.5,
) -> None:
    """Preview now and again whenever an input of the section changes; Ctrl-C stops."""
    inputs = _inputs(project_dir, topic, document)
    seen = None
    while True:
        # stamp before building: an edit made while the preview builds triggers the next one
        stamp = _stamp(inputs)
        if stamp != seen:
            seen = stamp
            try:
                say(str(preview(project_dir, topic, document)))
            except MdmError as err:  # keep watching: the author is mid-edit
                say(f"error: {err}")
            with contextlib.suppress(MdmError):
                # a params edit may change what the section reads; a new list rebuilds once more
                inputs = _inputs(project_dir, topic, document)
        time.sleep(interval)
