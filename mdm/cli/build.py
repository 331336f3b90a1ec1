"""``mdm check``, ``mdm build`` and ``mdm preview``: the commands that read a project and make documents."""

from __future__ import annotations

import argparse
import sys

from mdm.build.options import DEFAULT_CELL_TIMEOUT
from mdm.cli._common import Handler, SubParsers, project_option

__all__ = ["register"]


def register(commands: SubParsers) -> dict[str, Handler]:
    """Add ``check``, ``build`` and ``preview`` to ``commands``; return their handlers."""
    check = commands.add_parser(
        "check", help="validate params, research data, reviews and notebooks; starts no kernel"
    )
    project_option(check)
    _add_build(commands)
    _add_preview(commands)
    return {"check": _check, "build": _build, "preview": _preview}


def _add_build(commands: SubParsers) -> None:
    build = commands.add_parser(
        "build", help="execute the notebooks and write output/*.html, *.pdf"
    )
    project_option(build)
    build.add_argument(
        "--document",
        action="append",
        default=[],
        metavar="ID",
        help="build only this document (repeatable; default: all)",
    )
    build.add_argument(
        "--format",
        choices=["html", "pdf", "both"],
        default="both",
        help="what to write (default: both)",
    )
    build.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=None,
        metavar="N",
        help="notebooks executed at once (default: number of CPU cores)",
    )
    build.add_argument(
        "--timeout",
        type=int,
        default=DEFAULT_CELL_TIMEOUT,
        metavar="SECONDS",
        help=f"longest a single cell may run (default: {DEFAULT_CELL_TIMEOUT})",
    )
    build.add_argument(
        "--release",
        metavar="VERSION",
        help="also freeze the documents under output/releases/VERSION/ with a manifest",
    )
    build.add_argument(
        "--force",
        action="store_true",
        help="run every section again, even those unchanged since the last build",
    )
    build.add_argument(
        "--fresh-kernels",
        action="store_true",
        help="start a new kernel for every section instead of reusing one per job (slower)",
    )


def _add_preview(commands: SubParsers) -> None:
    preview = commands.add_parser(
        "preview", help="build one section to output/preview/*.html fast; prints the path"
    )
    preview.add_argument(
        "topic", metavar="TOPIC", help="a topic id, or a section id such as overview"
    )
    project_option(preview)
    preview.add_argument("--document", metavar="ID", help="the document to take it from")
    preview.add_argument(
        "--watch",
        action="store_true",
        help="rebuild whenever the section's notebook or inputs change, in a warm kernel, and "
        "serve the page on 127.0.0.1, reloading itself on each rebuild (Ctrl-C stops)",
    )
    preview.add_argument(
        "--port",
        type=int,
        default=0,
        metavar="N",
        help="with --watch: the port to serve the page on (default: any free port)",
    )


def _check(args: argparse.Namespace) -> int:
    # deferred: imported when this command runs, so that every other command starts fast
    from mdm.build.check import check

    warnings: list[object] = []

    def warn(problem: object) -> None:
        warnings.append(problem)
        print(f"mdm check: warning: {problem}", file=sys.stderr)

    project, _ = check(args.project, data=True, warn=warn)
    sections = sum(len(project.sections(d)) for d in project.documents)
    noted = f", {len(warnings)} warning(s)" if warnings else ""
    print(
        f"{project.root}: ok: {len(project.topics)} topics, {len(project.stakeholders)} "
        f"stakeholders, {len(project.documents)} documents, {sections} sections{noted}"
    )
    return 0


def _build(args: argparse.Namespace) -> int:
    # deferred: imported when this command runs, so that every other command starts fast
    from mdm.build.options import FORMATS, BuildOptions
    from mdm.build.pipeline import build
    from mdm.build.progress import make_progress

    options = BuildOptions(
        project_dir=args.project,
        documents=tuple(args.document),
        formats=FORMATS if args.format == "both" else (args.format,),
        jobs=args.jobs,
        timeout=args.timeout,
        force=args.force,
        fresh_kernels=args.fresh_kernels,
        release=args.release,
    )
    progress = make_progress()
    try:
        report = build(options, events=progress, log=progress.log)
    finally:
        progress.close()
    for doc in report.up_to_date:
        progress.log(f"{doc}: up to date")
    if report.sections:
        progress.log(progress.summary())
    for path in report.outputs:
        print(path)
    return 0


def _preview(args: argparse.Namespace) -> int:
    # deferred: imported when this command runs, so that every other command starts fast
    from mdm.build.preview import Previewer, preview, serve, watch

    if args.watch:
        previewer = Previewer(args.project, args.topic, args.document)
        with serve(previewer, args.port) as url:
            print(f"serving {url} (reloads itself on every rebuild)", flush=True)
            watch(
                args.project,
                args.topic,
                args.document,
                say=lambda line: print(line, flush=True),
                previewer=previewer,
            )
    else:
        print(preview(args.project, args.topic, args.document))
    return 0
