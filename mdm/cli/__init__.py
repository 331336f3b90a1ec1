"""The ``mdm`` command: it parses the arguments and calls the library.

Each module here adds a group of subcommands (``register`` returns their handlers);
imports of the library are deferred to the handler that needs them, so ``mdm --help``
and ``mdm check`` start fast.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys

from mdm.cli import authoring, build, explain, imports, people, review
from mdm.cli._common import Handler
from mdm.errors import MdmError
from mdm.version import __version__

__all__ = ["main"]


def _parser() -> tuple[argparse.ArgumentParser, dict[str, Handler]]:
    parser = argparse.ArgumentParser(
        prog="mdm",
        description="Draft the documents of a community-strategy project with Jupyter notebooks.",
    )
    parser.add_argument("--version", action="version", version=f"mdm {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    handlers: dict[str, Handler] = {}
    # the order of ``mdm --help``: make documents, follow their review, reshape the project
    for group in (build, explain, review, authoring, imports, people):
        handlers.update(group.register(commands))
    return parser, handlers


def _interrupt_on_sigterm() -> None:
    """SIGTERM (CI cancelling a job, ``kill``) stops a build like Ctrl-C: cleanly."""

    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt(signum)

    signal.signal(signal.SIGTERM, handler)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``mdm`` console script."""

    parser, handlers = _parser()
    args = parser.parse_args(argv)
    _interrupt_on_sigterm()
    try:
        return handlers[args.command](args)
    except MdmError as err:
        for line in str(err).splitlines() or [""]:  # every problem, each with the same prefix
            print(f"mdm {args.command}: error: {line}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt as interrupt:
        signum = interrupt.args[0] if interrupt.args else signal.SIGINT
        print(
            f"mdm {args.command}: interrupted by {signal.Signals(signum).name}; "
            "running kernels stopped, previous output left as it was",
            file=sys.stderr,
        )
        return 128 + int(signum)
    except BrokenPipeError:
        # the reader went away (``mdm status | head``): nothing more to say to it; stop quietly
        # and keep Python from complaining again when it flushes stdout at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + signal.SIGPIPE
