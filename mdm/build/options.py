"""What a build is asked to do: :class:`BuildOptions`, each option declared once and checked.

The command line and scripts make the same object (``mdm build --jobs 0`` and
``BuildOptions(jobs=0)`` fail alike, before anything runs), and the build reads it whole:
no option is relayed as a loose argument. Its defaults are the defaults of the command.
:class:`BuildReport` is what a build gives back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mdm.errors import BuildError, OptionError

if TYPE_CHECKING:
    from mdm.build.run import SectionResult

__all__ = ["DEFAULT_CELL_TIMEOUT", "FORMATS", "BuildOptions", "BuildReport", "check_version"]

FORMATS = ("html", "pdf")
DEFAULT_CELL_TIMEOUT = 600
"""Seconds one cell may run before the build stops it."""
_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")


def check_version(version: str) -> str:
    """Refuse a release version that is not a plain name, e.g. ``1.0`` or ``2017-Q4-draft``.

    A :class:`~mdm.errors.BuildError`, as it always was: a release's name becomes a folder.
    """
    if not _VERSION.match(version):
        raise BuildError(
            f"expected letters, digits, '.', '_' or '-', got {version!r}", field="--release"
        )
    return version


@dataclass(frozen=True)
class BuildOptions:
    """What to build and how; one object, checked when it is made."""

    project_dir: Path = Path(".")
    documents: tuple[str, ...] = ()
    """Only these documents (default: every document of the project)."""
    formats: tuple[str, ...] = FORMATS
    jobs: int | None = None
    """Kernels working at once (default: the number of cores)."""
    timeout: int = DEFAULT_CELL_TIMEOUT
    force: bool = False
    """Run every section again, even those unchanged since the last build."""
    fresh_kernels: bool = False
    """A new kernel for every section instead of one warm kernel per job (slower; for comparison)."""
    release: str | None = None
    """Also freeze the documents under ``output/releases/<release>/`` (every document is built)."""

    def __post_init__(self) -> None:
        if self.jobs is not None and self.jobs < 1:
            raise OptionError("expected a whole number of at least 1", field="--jobs")
        if self.timeout < 1:
            raise OptionError("expected a whole number of seconds, at least 1", field="--timeout")
        unknown = [f for f in self.formats if f not in FORMATS]
        if unknown or not self.formats:
            raise OptionError(
                f"expected some of {', '.join(FORMATS)}, got {', '.join(self.formats) or 'none'}",
                field="--format",
            )
        if self.release is not None:
            check_version(self.release)
            if self.documents:
                raise OptionError(
                    f"a release holds every document; drop --document "
                    f"(got {', '.join(self.documents)})",
                    field="--release",
                )

    @property
    def may_be_up_to_date(self) -> bool:
        """Whether the last build may be taken as it is (no ``force``, no release to write)."""
        return not self.force and self.release is None


@dataclass
class BuildReport:
    """What a build wrote, what it found up to date, and how long each part took."""

    outputs: list[Path] = field(default_factory=list)
    up_to_date: list[str] = field(default_factory=list)
    sections: list[SectionResult] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
