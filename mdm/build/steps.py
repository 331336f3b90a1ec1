"""The steps of a build (the recipe is :func:`mdm.build.pipeline.build`).

:func:`plan` checks the params and keys every section: a document whose key and files are
unchanged is up to date. :func:`build_stale` builds the rest in a staging folder inside
``output/``, under the build lock: the evidence store first (metric results computed once,
outside the kernels), then the sections (in kernels, or here for pages without analysis), each
document assembled and printed as soon as its sections are done, every file the build would
publish read by the privacy guard, the evidence store included; only then is everything
moved into ``output/``, so a failed build leaves the previous documents and store as they were.
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

from mdm.build.assemble import PDF_A, notebook_fragment, render_document, write_pdf
from mdm.build.cache import section_keys
from mdm.build.check import check, check_data
from mdm.build.lock import build_lock
from mdm.build.manifest import document_entry, read_manifest, write_manifest
from mdm.build.options import BuildOptions, BuildReport
from mdm.build.precompute import precompute
from mdm.build.privacy import check_exports, check_manifest
from mdm.build.run import Events, RunOptions, SectionResult, SectionRun
from mdm.build.uptodate import STAMP, stamp
from mdm.errors import BuildError, DataError
from mdm.files import combine, sha256_file
from mdm.params.project import Project, SectionSpec
from mdm.params.reviews import Reviews, review_files
from mdm.report.record import DECISION_RECORD_ANCHOR, badges, decision_record
from mdm.report.render import Fragment
from mdm.report.store import STORE
from mdm.version import code_fingerprint

__all__ = ["Plan", "build_stale", "plan"]


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
    if (staging / STORE).is_dir():  # the store this build's sections read
        if (output / STORE).exists():
            (output / STORE).rename(staging / f"old-{STORE}")
        (staging / STORE).rename(output / STORE)
    for product in sorted(staging.glob("*.*")):
        target = output / product.name
        os.replace(product, target)
        if not product.name.startswith("."):
            written.append(target)
    return written


@dataclass
class Plan:
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


def _document_html(plan: Plan, doc: str, fragments: list[Fragment]) -> str:
    """The document's HTML; with its decision record and review badges where it has one."""
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
    plan: Plan,
    doc: str,
    results: list[SectionResult],
    options: BuildOptions,
    report: BuildReport,
) -> None:
    """Write one document's HTML and PDF into ``staging``, guard them, and note them."""
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


def _guard_store(project: Project, staging: Path) -> None:
    """The evidence store is published beside the documents: guarded like them, for the
    strictest audience (its results are aggregates, but a community or area is a name)."""
    folder = staging / STORE
    if folder.is_dir():
        audiences = {doc.audience for doc in project.documents.values()}
        audience = "internal" if audiences == {"internal"} else "leadership"
        check_exports(project, audience, sorted(p for p in folder.iterdir() if p.is_file()))


def _build_into(
    staging: Path,
    plan: Plan,
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
    precompute(project, plan.specs, force=options.force, into=staging / STORE)
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
        evidence=staging / STORE,
    )
    with SectionRun(plan.specs, staging / "notebooks", project.root, run_options) as run:
        for doc, results in run.documents():
            report.seconds["execute"] = time.perf_counter() - mark  # the last one: all sections ran
            _assemble(staging, plan, doc, results, options, report)
            log(f"assembled {doc}")
    report.sections = [run.results[i] for i in range(len(plan.specs))]
    report.seconds["sections"] = time.perf_counter() - mark
    _guard_store(project, staging)
    check_manifest(project, write_manifest(staging, plan.manifest))  # published too
    asked = options.documents or tuple(project.documents)
    done = stamp(project.root, plan.read, options.formats, options.documents, asked)
    (staging / STAMP).write_text(json.dumps(done, indent=1), encoding="utf-8")
    report.outputs = _publish(staging, output, [doc for doc, _ in plan.stale])


def plan(options: BuildOptions, report: BuildReport) -> Plan:
    """Key every section of the documents asked for; the stale documents are what must be built."""
    project, reviews = check(options.project_dir)
    documents = options.documents or tuple(project.documents)
    for doc in documents:
        project.document(doc)  # unknown id: error before any kernel starts
    plan = Plan(project, reviews, manifest=read_manifest(project.output))
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


def build_stale(
    plan: Plan,
    options: BuildOptions,
    report: BuildReport,
    events: Events | None,
    log: Callable[[str], None],
) -> None:
    """Check the data the stale documents read, then build them in a staging folder inside
    ``output/``, under the build lock; the staging folder is always removed."""
    problems = check_data(plan.project)  # before any kernel starts
    if problems:
        raise DataError(problems=problems)
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
