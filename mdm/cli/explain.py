"""``mdm explain``: what a number of a document counts, and a pandas snippet that recomputes it."""

from __future__ import annotations

import argparse
import json

from mdm.cli._common import Handler, SubParsers, project_option

__all__ = ["register"]


def register(commands: SubParsers) -> dict[str, Handler]:
    """Add ``explain`` to ``commands``; return its handler."""
    explain = commands.add_parser(
        "explain",
        help="what a value, chart or headline counts, and pandas code that recomputes it",
    )
    explain.add_argument(
        "topic", metavar="TOPIC", help="a topic id, or summary for a document's headlines"
    )
    explain.add_argument(
        "name", metavar="NAME", help="a value declared under evidence.values, or a chart's title"
    )
    project_option(explain)
    explain.add_argument(
        "--document",
        metavar="ID",
        help="as this document shows it (default: the first that shows the topic)",
    )
    explain.add_argument("--json", action="store_true", help="print JSON for scripts")
    return {"explain": _explain}


def _explain(args: argparse.Namespace) -> int:
    # deferred: imported when this command runs, so that every other command starts fast
    from mdm.report.explain import explain

    explained = explain(args.project, args.topic, args.name, args.document)
    if args.json:
        print(json.dumps(explained.as_json(), indent=2, ensure_ascii=False))
    else:
        print(explained.report(), end="")
    return 0
