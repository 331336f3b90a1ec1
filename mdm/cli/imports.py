"""``mdm import perceval``, ``mdm import survey`` and ``mdm collect``: evidence from a team's tools.

Each prints what it did, one fact a line; ``--dry-run`` writes nothing.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from mdm.cli._common import Handler, SubParsers, project_option

__all__ = ["register"]


def register(commands: SubParsers) -> dict[str, Handler]:
    """Add ``import`` (with ``perceval`` and ``survey``) and ``collect``; return their handlers."""
    importing = commands.add_parser(
        "import", help="add evidence from other tools: Perceval output, a survey export"
    )
    kinds = importing.add_subparsers(dest="kind", required=True, metavar="KIND")
    perceval = kinds.add_parser(
        "perceval",
        help="add activity events from Perceval JSON lines (perceval BACKEND ... --json-line)",
    )
    perceval.add_argument("files", nargs="+", type=Path, metavar="FILE", help=".jsonl or .jsonl.gz")
    perceval.add_argument("--community", help="the community of every item (overrides sources:)")
    perceval.add_argument("--area", help="the area of every item (overrides sources:)")
    _dry_run(perceval)
    project_option(perceval)

    survey = kinds.add_parser(
        "survey", help="a wide survey export (one row per respondent) into the survey files"
    )
    survey.add_argument("file", type=Path, metavar="FILE.csv")
    survey.add_argument(
        "--mapping",
        type=Path,
        metavar="YAML",
        help="column headers → question ids and scales (default: data/survey/import.yaml)",
    )
    _dry_run(survey)
    project_option(survey)

    collect = commands.add_parser(
        "collect",
        help="run the Perceval backends listed under collect: in params, then import (needs the "
        "'collect' extra)",
    )
    _dry_run(collect)
    project_option(collect)
    return {"import": _import, "collect": _collect}


def _dry_run(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--dry-run", action="store_true", help="report what would change; write nothing"
    )


def _import(args: argparse.Namespace) -> int:
    if args.kind == "survey":
        # deferred: imported when this command runs, so that every other command starts fast
        from mdm.sources.survey_import import import_survey

        for line in import_survey(args.project, args.file, args.mapping, args.dry_run).lines():
            print(line)
        return 0
    # deferred: imported when this command runs, so that every other command starts fast
    from mdm.sources.importer import import_perceval, unmapped_error

    summary = import_perceval(args.project, args.files, args.community, args.area, args.dry_run)
    for line in summary.lines():
        print(line)
    if summary.unmapped:  # only a dry run gets this far: it reports, then fails like a real run
        raise unmapped_error(summary.unmapped)
    return 0


def _collect(args: argparse.Namespace) -> int:
    # deferred: imported when this command runs, so that every other command starts fast
    from mdm.sources.collect import collect

    for line in collect(args.project, args.dry_run):
        print(line)
    return 0
