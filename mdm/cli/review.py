"""``mdm status``, ``mdm diff`` and ``mdm review ...``: following and recording the review."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from mdm.cli._common import Handler, SubParsers, project_option

__all__ = ["register"]


def register(commands: SubParsers) -> dict[str, Handler]:
    """Add ``status`` and ``diff`` to ``commands``; return their handlers."""
    status = commands.add_parser(
        "status", help="sign-off state of each document's sections, from the last build"
    )
    project_option(status)
    status.add_argument(
        "--json", action="store_true", help="print JSON (stakeholder ids) for scripts"
    )
    status.add_argument(
        "--verbose",
        "-v",
        action="store_true",
        help="list every section, not only those that differ",
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
    _review_commands(commands)
    return {"status": _status, "diff": _diff, "review": _review}


def _status(args: argparse.Namespace) -> int:
    # deferred: imported when this command runs, so that every other command starts fast
    from mdm.build.signoff import project_status
    from mdm.review.status import status_table

    status = project_status(args.project)
    print(json.dumps(status, indent=2) if args.json else status_table(status, args.verbose))
    return 0


def _diff(args: argparse.Namespace) -> int:
    # deferred: imported when this command runs, so that every other command starts fast
    from mdm.review.diff import diff_builds

    for diff, path in diff_builds(args.old, args.new, args.project, args.document):
        print(diff.summary(), file=sys.stderr)
        print(path)
    return 0


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from None


def _common(sub: argparse.ArgumentParser, *, by: bool = True, document: bool = True) -> None:
    project_option(sub)
    if by:
        sub.add_argument("--by", required=True, metavar="ID", help="who: a stakeholder id")
    if document:
        sub.add_argument("--document", required=True, metavar="ID", help="a document id")
    sub.add_argument(
        "--date", type=_date, default=None, metavar="YYYY-MM-DD", help="when (default: today)"
    )


def _review_commands(commands: SubParsers) -> None:
    review = commands.add_parser(
        "review",
        help="record requests, feedback, agreement, objections and decisions in params/reviews/",
        description="Each command checks the rules of `mdm check` and fills in the version and "
        "section digests of the last build before it writes anything.",
    )
    sub = review.add_subparsers(dest="review_command", required=True, metavar="COMMAND")
    request = sub.add_parser("request", help="ask for agreement on a document")
    _common(request, by=False)
    request.add_argument(
        "--to", nargs="+", default=[], metavar="ID", help="whom (default: the agreement role)"
    )
    fb = sub.add_parser("feedback", help="record a comment (open)")
    _common(fb)
    fb.add_argument("--section", default="", metavar="ID", help="the section (default: all)")
    fb.add_argument("text", metavar="TEXT")
    resolve = sub.add_parser("resolve-feedback", help="close a comment: addressed or declined")
    project_option(resolve)
    resolve.add_argument("feedback_id", metavar="FEEDBACK_ID")
    resolve.add_argument("status", choices=["addressed", "declined"])
    resolve.add_argument("--resolution", required=True, metavar="TEXT", help="what was done")
    agree = sub.add_parser("agree", help="record agreement (all sections by default)")
    _common(agree)
    agree.add_argument(
        "--sections",
        nargs="+",
        default=[],
        metavar="S",
        help="section ids, or S=DIGEST from a packet",
    )
    agree.add_argument("--conditions", default="", metavar="TEXT", help="agreed with conditions")
    obj = sub.add_parser("object", help="record an objection to a section")
    _common(obj)
    obj.add_argument("--section", required=True, metavar="ID")
    obj.add_argument("text", metavar="TEXT", help="the objection")
    settle = sub.add_parser("resolve-objection", help="an objection resolved or escalated")
    _common(settle)
    settle.add_argument("outcome", choices=["resolved", "escalated"])
    settle.add_argument("--note", default="", metavar="TEXT")
    settle.add_argument(
        "--sections", nargs="+", default=[], metavar="S", help="signed when resolved (default: all)"
    )
    decide = sub.add_parser("decide", help="record the decision-maker's decision")
    _common(decide)
    decide.add_argument(
        "state", choices=["approved", "approved_with_changes", "rejected", "deferred"]
    )
    decide.add_argument("--note", default="", metavar="TEXT")
    imp = sub.add_parser("import", help="record feedback from a CSV: who, document, section, text")
    _common(imp, by=False, document=False)
    imp.add_argument("file", type=Path, metavar="FILE.csv")
    packet = sub.add_parser("packet", help="write one person's review packet (self-contained HTML)")
    project_option(packet)
    packet.add_argument("--for", dest="person", required=True, metavar="ID")
    packet.add_argument("--document", required=True, metavar="ID")
    packet.add_argument("--reply-to", default="", metavar="EMAIL", help="the address replies go to")


def _review(args: argparse.Namespace) -> int:
    # deferred: imported when this command runs, so that every other command starts fast
    from mdm.review import commands as c

    name, p = args.review_command, args.project
    if name == "packet":
        # deferred: imported when this command runs, so that every other command starts fast
        from mdm.review.packet import write_packet

        print(write_packet(p, args.person, args.document, args.reply_to))
        return 0
    if name == "request":
        done = c.request(p, args.document, args.to, args.date)
    elif name == "feedback":
        done = c.feedback(p, args.by, args.document, args.text, args.section, args.date)
    elif name == "resolve-feedback":
        done = c.resolve_feedback(p, args.feedback_id, args.status, args.resolution)
    elif name == "agree":
        done = c.agree(p, args.by, args.document, args.sections, args.conditions, args.date)
    elif name == "object":
        done = c.object_to(p, args.by, args.document, args.section, args.text, args.date)
    elif name == "resolve-objection":
        done = c.resolve_objection(
            p, args.by, args.document, args.outcome, args.note, args.sections, args.date
        )
    elif name == "decide":
        done = c.decide(p, args.by, args.document, args.state, args.note, args.date)
    else:
        # deferred: imported when this command runs, so that every other command starts fast
        from mdm.review.importing import import_feedback

        done = import_feedback(p, args.file, args.date)
    for line in done.said:
        print(line, file=sys.stderr)
    print(done.path)
    return 0
