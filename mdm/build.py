"""The build recipe: params → executed notebooks → HTML → PDF → ``output/``.

Everything is produced in a staging folder inside ``output/`` and moved into
place only when every document succeeded, so a failed build leaves the
previous good documents exactly as they were.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mdm.assemble import notebook_fragment, render_document, write_pdf
from mdm.errors import BuildError
from mdm.project import Project, load_project
from mdm.run import DEFAULT_CELL_TIMEOUT, SectionResult, check_parameters, execute_sections

__all__ = ["FORMATS", "BuildOptions", "BuildReport", "build", "check"]

FORMATS = ("html", "pdf")


@dataclass(frozen=True)
class BuildOptions:
    """What to build and how; one object, built once by the CLI."""

    project_dir: Path = Path(".")
    documents: tuple[str, ...] = ()
    formats: tuple[str, ...] = FORMATS
    jobs: int | None = None
    timeout: int = DEFAULT_CELL_TIMEOUT


@dataclass
class BuildReport:
    """What a build wrote and how long each part took."""

    outputs: list[Path] = field(default_factory=list)
    sections: list[SectionResult] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


def check(project_dir: Path) -> Project:
    """Validate params and notebooks without starting a kernel."""
    project = load_project(project_dir)
    for doc in project.documents:
        for spec in project.sections(doc):
            check_parameters(spec, project.root)
    return project


def _publish(staging: Path, output: Path, documents: Sequence[str]) -> list[Path]:
    """Move finished products from ``staging`` into ``output``, one rename each."""
    written = []
    notebooks = output / "notebooks"
    notebooks.mkdir(parents=True, exist_ok=True)
    for doc in documents:
        old = notebooks / doc
        if old.exists():
            old.rename(staging / f"old-{doc}")  # removed with the staging folder
        (staging / "notebooks" / doc).rename(old)
    for product in sorted(staging.glob("*.*")):
        target = output / product.name
        os.replace(product, target)
        written.append(target)
    return written


def build(options: BuildOptions, log: Callable[[str], None] = lambda _: None) -> BuildReport:
    """Build the documents of the project in ``options.project_dir``."""
    report = BuildReport()
    started = time.perf_counter()
    project = check(options.project_dir)
    documents = options.documents or tuple(project.documents)
    for doc in documents:
        project.document(doc)  # unknown id: error before any kernel starts
    specs = [spec for doc in documents for spec in project.sections(doc)]
    report.seconds["check"] = time.perf_counter() - started

    output = project.output
    try:
        output.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=output))
    except OSError as err:
        raise BuildError(
            f"{output}: cannot write the output folder: {err.strerror or err}"
        ) from err
    try:
        log(f"executing {len(specs)} sections of {', '.join(documents)}")
        mark = time.perf_counter()
        report.sections = execute_sections(
            specs,
            staging / "notebooks",
            project.root,
            jobs=options.jobs,
            timeout=options.timeout,
            on_done=lambda r: log(f"  {r.spec.document}/{r.spec.id}: {r.seconds:.1f}s"),
        )
        report.seconds["execute"] = time.perf_counter() - mark
        for doc in documents:
            mark = time.perf_counter()
            fragments = [notebook_fragment(r) for r in report.sections if r.spec.document == doc]
            html = render_document(project, doc, fragments)
            (staging / f"{doc}.html").write_text(html, encoding="utf-8")
            report.seconds[f"{doc}.html"] = time.perf_counter() - mark
            if "pdf" in options.formats:
                mark = time.perf_counter()
                write_pdf(html, staging / f"{doc}.pdf")
                report.seconds[f"{doc}.pdf"] = time.perf_counter() - mark
            if "html" not in options.formats:
                (staging / f"{doc}.html").unlink()
        report.outputs = _publish(staging, output, documents)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    report.seconds["total"] = time.perf_counter() - started
    return report
