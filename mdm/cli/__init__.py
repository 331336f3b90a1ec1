"""The ``mdm`` command: a thin layer over :mod:`mdm.build.pipeline`.

Imports are deferred to the subcommand that needs them, so ``mdm --help`` and
``mdm check`` start fast.
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Callable

__all__ = ["main"]


def _parser() -> tuple[argparse.ArgumentParser, dict[str, Callable[[argparse.Namespace], int]]]:
    from mdm import __version__
    from mdm.cli.authoring import project_option, register

    parser = argparse.ArgumentParser(
        prog="mdm",
        description="Draft the documents of a community-strategy project with Jupyter notebooks.",
    )
    parser.add_argument("--version", action="version", version=f"mdm {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser(
        "check", help="validate params, research data, reviews and notebooks; starts no kernel"
    )
    project_option(check)

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
        default=600,
        metavar="SECONDS",
        help="longest a single cell may run (default: 600)",
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
    status = commands.add_parser(
        "status", help="sign-off state of each document's sections, from the last build"
    )
    project_option(status)
    status.add_argument("--json", action="store_true", help="print JSON for scripts")

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
        help="rebuild whenever the section's notebook or inputs change (Ctrl-C stops)",
    )

    diff = commands.add_parser(
        "diff",
        help="what changed between two builds, section by section (writes output/diff-*.html)",
    )
    diff.add_argument("old", metavar="OLD", help="an output or release folder, or a git revision")
    diff.add_argument("new", metavar="NEW", help="an output or release folder, or a git revision")
    project_option(diff)
    diff.add_argument(
        "--document",
        action="append",
        default=[],
        metavar="ID",
        help="compare only this document (repeatable; default: all)",
    )
    return parser, register(commands)


def _preview(args: argparse.Namespace) -> int:
    from mdm.build.preview import preview, watch

    if args.watch:
        watch(args.project, args.topic, args.document, say=lambda line: print(line, flush=True))
    else:
        print(preview(args.project, args.topic, args.document))
    return 0


def _diff(args: argparse.Namespace) -> int:
    from mdm.review.diff import diff_builds

    for diff, path in diff_builds(args.old, args.new, args.project, args.document):
        print(diff.summary(), file=sys.stderr)
        print(path)
    return 0


def _status(args: argparse.Namespace) -> int:
    import json

    from mdm.review.status import project_status, status_table

    status = project_status(args.project)
    print(json.dumps(status, indent=2) if args.json else status_table(status))
    return 0


def _check(args: argparse.Namespace) -> int:
    from mdm.build.pipeline import check

    project, _ = check(args.project, data=True)
    sections = sum(len(project.sections(d)) for d in project.documents)
    print(
        f"{project.root}: ok: {len(project.topics)} topics, {len(project.stakeholders)} "
        f"stakeholders, {len(project.documents)} documents, {sections} sections"
    )
    return 0


def _build(args: argparse.Namespace) -> int:
    from mdm.build.pipeline import FORMATS, BuildOptions, build
    from mdm.build.progress import make_progress

    if args.jobs is not None and args.jobs < 1:
        raise SystemExit("mdm build: --jobs: expected a whole number of at least 1")
    if args.release:
        from mdm.review.release import check_version

        check_version(args.release)  # before the build, not after it
        if args.document:
            raise SystemExit("mdm build: --release builds every document; drop --document")
    options = BuildOptions(
        project_dir=args.project,
        documents=tuple(args.document),
        formats=FORMATS if args.format == "both" else (args.format,),
        jobs=args.jobs,
        timeout=args.timeout,
        force=args.force,
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
    if args.release:
        from mdm.params.project import load_project
        from mdm.review.release import write_release
        from mdm.review.status import project_status

        project = load_project(args.project)
        print(write_release(project, args.release, project_status(args.project)))
    return 0


def _interrupt_on_sigterm() -> None:
    """SIGTERM (CI cancelling a job, ``kill``) stops a build like Ctrl-C: cleanly."""

    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt(signum)

    signal.signal(signal.SIGTERM, handler)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``mdm`` console script."""
    from mdm.errors import MdmError

    parser, authoring = _parser()
    args = parser.parse_args(argv)
    handlers = {
        "check": _check,
        "build": _build,
        "status": _status,
        "diff": _diff,
        "preview": _preview,
        **authoring,
    }
    _interrupt_on_sigterm()
    try:
        return handlers[args.command](args)
    except MdmError as err:
        print(f"mdm {args.command}: error: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt as interrupt:
        signum = interrupt.args[0] if interrupt.args else signal.SIGINT
        print(
            f"mdm {args.command}: interrupted by {signal.Signals(signum).name}; "
            "running kernels stopped, previous output left as it was",
            file=sys.stderr,
        )
        return 128 + int(signum)
