"""The build recipe: params → executed notebooks → HTML → PDF → ``output/``.

1. check params and notebooks (no kernel);
2. key every section; a document whose key and output files are unchanged is
   up to date and is not touched;
3. execute the sections that changed, reuse the others from the last build;
4. assemble each document's HTML, print its PDF;
5. move everything into ``output/`` only when all of it succeeded, so a failed
   build leaves the previous good documents exactly as they were.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mdm.build.cache import section_keys
from mdm.build.check import check, check_data
from mdm.build.lock import build_lock
from mdm.build.manifest import MANIFEST, document_entry, read_manifest, write_manifest
from mdm.build.precompute import precompute
from mdm.build.privacy import check_exports, check_manifest
from mdm.build.release import check_version, release
from mdm.build.run import DEFAULT_CELL_TIMEOUT, Events, RunOptions, SectionResult, SectionRun
from mdm.build.uptodate import FORMATS, STAMP, stamp
from mdm.errors import BuildError, DataError
from mdm.files import combine, sha256_file
from mdm.params.project import Project, SectionSpec
from mdm.params.reviews import Reviews, review_files
from mdm.version import code_fingerprint

__all__ = ["FORMATS", "MANIFEST", "BuildOptions", "BuildReport", "build", "check"]


@dataclass(frozen=True)
class BuildOptions:
    """What to build and how; one object, built once by the CLI."""

    project_dir: Path = Path(".")
    documents: tuple[str, ...] = ()
    formats: tuple[str, ...] = FORMATS
    jobs: int | None = None
    timeout: int = DEFAULT_CELL_TIMEOUT
    force: bool = False
    #: a new kernel for every section instead of one warm kernel per job (slower; for comparison)
    fresh_kernels: bool = False
    #: also freeze the documents under ``output/releases/<release>/`` (every document is built)
    release: str | None = None


@dataclass
class BuildReport:
    """What a build wrote, what it found up to date, and how long each part took."""

    outputs: list[Path] = field(default_factory=list)
    up_to_date: list[str] = field(default_factory=list)
    sections: list[SectionResult] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


def _intact(output: Path, entry: dict[str, Any]) -> bool:
    """Every file the manifest lists is still there with the content it recorded."""

    files = entry.get("files", {})
    return bool(files) and all(
        (output / name).is_file() and sha256_file(output / name) == digest
        for name, digest in files.items()
    )


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
        if not product.name.startswith("."):
            written.append(target)
    return written


@dataclass
class _Plan:
    """What this build must produce: the stale documents and their sections' keys."""

    project: Project
    reviews: Reviews
    stale: list[tuple[str, str]] = field(default_factory=list)
    specs: list[SectionSpec] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    manifest: dict[str, Any] = field(default_factory=dict)
    #: every file the keys of the documents asked for were computed from (for the stamp)
    read: set[Path] = field(default_factory=set)

    @property
    def doc_keys(self) -> dict[str, str]:
        return dict(self.stale)


def _document_html(plan: _Plan, doc: str, fragments: list[Any]) -> str:
    """The document's HTML; with its decision record and review badges where it has one."""
    # deferred: jinja2 and markdown_it load only when this runs
    from mdm.build.assemble import render_document
    from mdm.report.record import DECISION_RECORD_ANCHOR, badges, decision_record

    project = plan.project
    if not project.document(doc).decision_record:
        return render_document(project, doc, fragments)
    return render_document(
        project,
        doc,
        fragments,
        badges=badges(project, plan.reviews, doc, fragments),
        appendix=[
            (
                DECISION_RECORD_ANCHOR,
                "Decision record",
                decision_record(project, plan.reviews, doc, fragments),
            )
        ],
    )


def _assemble(
    staging: Path,
    plan: _Plan,
    doc: str,
    results: list[SectionResult],
    options: BuildOptions,
    report: BuildReport,
) -> None:
    """Write one document's HTML and PDF into ``staging``, guard them, and note them."""
    # deferred: jinja2 and markdown_it load only when this runs
    from mdm.build.assemble import PDF_A, notebook_fragment, write_pdf

    mark = time.perf_counter()
    fragments = [notebook_fragment(r) for r in results]
    html = _document_html(plan, doc, fragments)
    products, printed = [], {}
    if "html" in options.formats:
        (staging / f"{doc}.html").write_text(html, encoding="utf-8")
        products.append(f"{doc}.html")
    report.seconds[f"{doc}.html"] = time.perf_counter() - mark
    if "pdf" in options.formats:
        mark = time.perf_counter()
        printed[staging / f"{doc}.pdf"] = write_pdf(html, staging / f"{doc}.pdf")
        products.append(f"{doc}.pdf")
        if options.release is not None:  # releases are archived: also PDF/A
            archived = staging / f"{doc}.pdfa.pdf"
            printed[archived] = write_pdf(html, archived, variant=PDF_A)
            products.append(archived.name)
        report.seconds[f"{doc}.pdf"] = time.perf_counter() - mark
    mark = time.perf_counter()
    audience = plan.project.document(doc).audience
    check_exports(plan.project, audience, [staging / p for p in products], printed)
    report.seconds[f"{doc} privacy"] = time.perf_counter() - mark
    files = {p: sha256_file(staging / p) for p in products}
    keys = {s.id: k for s, k in zip(plan.specs, plan.keys, strict=True) if s.document == doc}
    plan.manifest[doc] = document_entry(plan.doc_keys[doc], files, fragments, keys)


def _build_into(
    staging: Path,
    plan: _Plan,
    options: BuildOptions,
    report: BuildReport,
    events: Events | None,
    log: Callable[[str], None],
) -> None:
    """Execute the sections; assemble each document as soon as its own are done; publish.

    The first document is printed while the next one's sections still run.
    """

    project, output = plan.project, plan.project.output
    mark = time.perf_counter()
    # the metric results, computed here once so that no section's kernel loads the events
    precompute(project, plan.specs, force=options.force)
    report.seconds["evidence"] = time.perf_counter() - mark
    mark = time.perf_counter()
    run_options = RunOptions(
        jobs=options.jobs,
        timeout=options.timeout,
        previous=output / "notebooks",
        force=options.force,
        keys=plan.keys,
        events=events,
        warm=not options.fresh_kernels,
    )
    with SectionRun(plan.specs, staging / "notebooks", project.root, run_options) as run:
        for doc, results in run.documents():
            report.seconds["execute"] = time.perf_counter() - mark  # the last one: all sections ran
            _assemble(staging, plan, doc, results, options, report)
            log(f"assembled {doc}")
    report.sections = [run.results[i] for i in range(len(plan.specs))]
    report.seconds["sections"] = time.perf_counter() - mark
    check_manifest(project, write_manifest(staging, plan.manifest))  # published too
    asked = options.documents or tuple(project.documents)
    done = stamp(project.root, plan.read, options.formats, options.documents, asked)
    (staging / STAMP).write_text(json.dumps(done, indent=1), encoding="utf-8")
    report.outputs = _publish(staging, output, [doc for doc, _ in plan.stale])


def build(
    options: BuildOptions, events: Events | None = None, log: Callable[[str], None] = lambda _: None
) -> BuildReport:
    """Build the documents of the project in ``options.project_dir``; with ``release``, freeze them."""

    if options.release is not None:
        check_version(options.release)  # before the build, not after it
        if options.documents:
            raise BuildError(
                f"a release holds every document; got only {', '.join(options.documents)}",
                field=f"release {options.release}",
            )
    report = _build_documents(options, events, log)
    if options.release is not None:
        report.outputs.append(release(options.project_dir, options.release))
    return report


def _plan(options: BuildOptions, report: BuildReport) -> _Plan:
    """Key every section of the documents asked for; the stale documents are what must be built."""

    project, reviews = check(options.project_dir)
    documents = options.documents or tuple(project.documents)
    for doc in documents:
        project.document(doc)  # unknown id: error before any kernel starts
    plan = _Plan(project, reviews, manifest=read_manifest(project.output))
    reviewed = [f"{p.name}:{sha256_file(p)}" for p in review_files(project)]
    plan.read.update(review_files(project))
    for doc in documents:
        doc_specs = project.sections(doc)
        plan.read.update(p for s in doc_specs for p in (s.notebook, *s.inputs))
        doc_keys = section_keys(project, doc_specs)
        formats = [*options.formats, *(["pdf/a"] if options.release is not None else [])]
        doc_key = combine([code_fingerprint(), ",".join(formats), *reviewed, *doc_keys])
        entry = plan.manifest.get(doc, {})
        if not options.force and entry.get("key") == doc_key and _intact(project.output, entry):
            report.up_to_date.append(doc)
            continue
        plan.stale.append((doc, doc_key))
        plan.specs += doc_specs
        plan.keys += doc_keys
    return plan


def _build_staged(
    plan: _Plan,
    options: BuildOptions,
    report: BuildReport,
    events: Events | None,
    log: Callable[[str], None],
) -> None:
    """Build in a staging folder inside ``output/``, under the build lock; always remove it."""
    output = plan.project.output
    with build_lock(output):
        try:
            staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=output))
        except OSError as err:
            raise BuildError(
                f"cannot write the output folder: {err.strerror or err}", path=output
            ) from err
        try:
            _build_into(staging, plan, options, report, events, log)
        except OSError as err:
            # disk full, permissions changed mid-build: nothing was published
            raise BuildError(
                f"cannot write: {err.strerror or err}", path=err.filename or output
            ) from err
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def _build_documents(
    options: BuildOptions, events: Events | None, log: Callable[[str], None]
) -> BuildReport:
    """The recipe: plan, check the data that will be read, build what is stale."""
    report = BuildReport()
    started = time.perf_counter()
    plan = _plan(options, report)
    if plan.stale:
        # something must be rebuilt: check its data here, before any kernel starts
        problems = check_data(plan.project)
        if problems:
            raise DataError(problems=problems)
    report.seconds["check"] = time.perf_counter() - started
    if plan.stale:
        _build_staged(plan, options, report, events, log)
    report.seconds["total"] = time.perf_counter() - started
    return report
