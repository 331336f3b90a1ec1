"""``mdm people``: who is behind the pseudonyms, on this terminal only; and fixing it.

``mdm people`` lists the most active contributors with their names and identities (read
from ``data/private/``; printed, never written to a file), events per source and why each
is or is not marked bot or service. ``mdm people bot ID``, ``not-bot ID`` and ``merge ID
ID...`` change the params or the alias file and re-derive the events at once.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from mdm.cli._common import Handler, SubParsers, project_option
from mdm.errors import ConfigError

if TYPE_CHECKING:
    from mdm.sources.people import Person

__all__ = ["register"]

_ACTIONS = {"bot": 1, "not-bot": 1, "merge": 2}  # the fewest ids each takes


def register(commands: SubParsers) -> dict[str, Handler]:
    """Add ``people``; return its handler."""
    people = commands.add_parser(
        "people",
        help="who is behind each pseudonym (on this terminal only); mark bots, merge people",
        description="Without an action: list the most active contributors with the names and "
        "identities behind them. bot ID / not-bot ID: mark a contributor (params bots: / "
        "data/private/not-bots.txt). merge ID ID...: make contributors one person (data/private/identities.csv).",
    )
    people.add_argument("action", nargs="?", choices=list(_ACTIONS), help="what to change")
    people.add_argument(
        "ids", nargs="*", metavar="ID", help="a contributor id, an email or HOST:LOGIN"
    )
    people.add_argument("--top", type=_count, default=20, metavar="N", help="how many (default 20)")
    people.add_argument(
        "--source",
        action="append",
        default=[],
        metavar="GLOB",
        help="only events from origins (or communities) matching GLOB; may repeat",
    )
    project_option(people)
    return {"people": _people}


def _count(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return int(text)


def _people(args: argparse.Namespace) -> int:
    # deferred: imported when this command runs, so that every other command starts fast
    from mdm.sources import people

    if args.action is None:
        if args.ids:
            raise ConfigError(f"expected an action (bot, not-bot, merge) before {args.ids[0]!r}")
        found, total = people.list_people(args.project, args.top, args.source)
        print("\n".join(_listing(found, total)))
        return 0
    if len(args.ids) < _ACTIONS[args.action] or (args.action != "merge" and len(args.ids) > 1):
        wanted = "two ids or more" if args.action == "merge" else "one id"
        raise ConfigError(f"expected {wanted}, got {len(args.ids)}", field=args.action)
    if args.action == "merge":
        cids, label, summary = people.merge(args.project, args.ids)
        print(f"merged {', '.join(cids)} as person {label!r} in data/private/identities.csv")
    elif args.action == "bot":
        cid, values, summary = people.mark_bot(args.project, args.ids[0])
        print(f"{cid}: {', '.join(values)} in bots: of params/project.yaml")
    else:
        cid, values, summary = people.mark_not_bot(args.project, args.ids[0])
        print(
            f"{cid}: {', '.join(values)} in data/private/not-bots.txt (private: it names a person)"
        )
    print("\n".join(line for line in summary.lines() if line.startswith("earlier events")))
    return 0


def _listing(found: list[Person], total: int) -> list[str]:
    lines = []
    for rank, person in enumerate(found, 1):
        mark = person.mark
        what = "person" if mark is None else f"{mark.kind}: {mark.reason}"
        marked = mark is not None and mark.kind != "person"
        flag = "" if person.is_bot == marked else " (its events are marked otherwise)"
        lines.append(f"{rank:>3}. {person.contributor_id}  {person.events:,} events  {what}{flag}")
        if person.names:
            lines.append(f"     names: {', '.join(person.names)}")
        for identity, events in person.identities.items():
            lines.append(f"     {identity}" + (f"  ({events:,} events)" if events else ""))
        for source, kinds in sorted(person.sources.items()):
            shown = ", ".join(f"{kind} {n:,}" for kind, n in kinds.most_common())
            lines.append(f"     {source}: {shown}")
    lines.append(
        f"{len(found)} of {total:,} contributors. Names and identities come from data/private/: "
        "keep them there (this listing is for your terminal, not for a document)."
    )
    return lines
