"""``mdm status`` and ``mdm diff``: following the review of the documents."""

from __future__ import annotations

import argparse
import sys

from mdm.cli._common import Handler, SubParsers, project_option

__all__ = ["register"]


def register(commands: SubParsers) -> dict[str, Handler]:
    """Add ``status`` and ``diff`` to ``commands``; return their handlers."""
    status = commands.add_parser(
        "status", help="sign-off state of each document's sections, from the last build"
    )
    project_option(status)
    status.add_argument("--json", action="store_true", help="print JSON for scripts")

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
    return {"status": _status, "diff": _diff}


def _status(args: argparse.Namespace) -> int:
    import json

    from mdm.review.status import project_status, status_table

    status = project_status(args.project)
    print(json.dumps(status, indent=2) if args.json else status_table(status))
    return 0


def _diff(args: argparse.Namespace) -> int:
    from mdm.review.diff import diff_builds

    for diff, path in diff_builds(args.old, args.new, args.project, args.document):
        print(diff.summary(), file=sys.stderr)
        print(path)
    return 0
