"""The authoring subcommands of ``mdm``: ``init``, ``new-topic``, ``rename-topic``, ``merge-topic``.

:func:`register` adds them to the ``mdm`` parser and returns their handlers. Each
handler prints the paths it wrote or removed, one a line, and returns 0; a
:class:`~mdm.errors.ConfigError` goes up to ``mdm``'s one-line error report.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from mdm.cli._common import Handler, SubParsers, print_paths, project_option

__all__ = ["register"]


def register(commands: SubParsers) -> dict[str, Handler]:
    """Add the authoring subcommands to ``commands``; return their handlers by name."""
    _add_init(commands)
    _add_new_topic(commands)
    _add_rename_and_merge(commands)
    return {
        "init": _init,
        "new-topic": _new_topic,
        "rename-topic": _rename_topic,
        "merge-topic": _merge_topic,
    }


def _add_init(commands: SubParsers) -> None:
    init = commands.add_parser(
        "init", help="start a new project in DIR: params, data, README (no Mozilla content)"
    )
    init.add_argument("directory", type=Path, metavar="DIR")
    init.add_argument("--name", help="the project's name (default: from the folder's name)")
    init.add_argument(
        "--with-notebooks",
        action="store_true",
        help="also copy mdm's notebooks into DIR/notebooks/ to customise them",
    )
    init.add_argument(
        "--jupytext",
        choices=("py", "md"),
        help="pair notebooks with text files (py: percent scripts, md: MyST) in jupytext.toml; "
        "with --with-notebooks, write the text files too",
    )


def _add_new_topic(commands: SubParsers) -> None:
    new = commands.add_parser("new-topic", help="add a topic area: params/topics/ID.yaml")
    new.add_argument("topic_id", metavar="ID", help="lower-case letters, digits and '-'")
    new.add_argument("title", metavar="TITLE")
    new.add_argument("question", metavar="QUESTION", help="the topic's guiding question")
    new.add_argument(
        "--number",
        type=int,
        metavar="N",
        help="its place (default: last); active topics from N on move down by one",
    )
    new.add_argument(
        "--notebook",
        nargs="?",
        const="",
        metavar="DOCUMENT",
        help="also give it its own notebook in DOCUMENT (default: the first document), "
        "copied from the shared topic notebook: notebooks/ID-DOCUMENT",
    )
    project_option(new)


def _add_rename_and_merge(commands: SubParsers) -> None:
    rename = commands.add_parser(
        "rename-topic", help="change a topic's id in its file name and everywhere it is used"
    )
    rename.add_argument("old", metavar="OLD")
    rename.add_argument("new", metavar="NEW")
    rename.add_argument("--title", help="also change its title")
    rename.add_argument(
        "--question", help="also change its guiding question (needed with --title on a new topic)"
    )
    project_option(rename)

    merge = commands.add_parser(
        "merge-topic", help="merge topic SOURCE into TARGET; SOURCE leaves the documents"
    )
    merge.add_argument("source", metavar="SOURCE")
    merge.add_argument("target", metavar="TARGET")
    project_option(merge)


def _init(args: argparse.Namespace) -> int:
    # deferred: imported when this command runs, so that every other command starts fast
    from mdm.authoring.scaffold import init_project

    return print_paths(
        init_project(args.directory, args.name, args.with_notebooks, jupytext=args.jupytext)
    )


def _new_topic(args: argparse.Namespace) -> int:
    # deferred: imported when this command runs, so that every other command starts fast
    from mdm.authoring.topics import new_topic

    return print_paths(
        new_topic(
            args.project, args.topic_id, args.title, args.question, args.number, args.notebook
        )
    )


def _rename_topic(args: argparse.Namespace) -> int:
    # deferred: imported when this command runs, so that every other command starts fast
    from mdm.authoring.topics import rename_topic

    return print_paths(rename_topic(args.project, args.old, args.new, args.title, args.question))


def _merge_topic(args: argparse.Namespace) -> int:
    # deferred: imported when this command runs, so that every other command starts fast
    from mdm.authoring.topics import merge_topic

    return print_paths(merge_topic(args.project, args.source, args.target))
