"""What every subcommand module of the CLI shares: the handler type and the ``--project`` option."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

__all__ = ["Handler", "SubParsers", "print_paths", "project_option"]

Handler = Callable[[argparse.Namespace], int]
if TYPE_CHECKING:  # argparse gives the subparsers action no public name
    SubParsers: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]
else:
    SubParsers = argparse._SubParsersAction


def project_option(sub: argparse.ArgumentParser) -> None:
    """The ``--project DIR`` option every command that works on a project takes."""
    sub.add_argument(
        "--project",
        type=Path,
        default=Path("."),
        metavar="DIR",
        help="project folder with params/, notebooks/, data/ (default: .)",
    )


def print_paths(paths: list[Path]) -> int:
    """Print the paths a command wrote, one a line, for scripts to read; exit code 0."""
    for path in paths:
        print(path)
    return 0
