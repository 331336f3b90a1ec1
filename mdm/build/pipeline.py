"""The build recipe: params → executed notebooks → HTML → PDF → ``output/``.

1. nothing changed since the last build (its stamp says so, without loading the project):
   the documents are up to date and nothing is touched;
2. check the params and key every section; a document whose key and files are unchanged is
   up to date;
3. build the stale documents in a staging folder: the evidence store, the sections (reusing
   unchanged ones), each document's HTML and PDF, the privacy guard over all of it;
4. move everything into ``output/`` only when all of it succeeded, so a failed build leaves
   the previous good documents exactly as they were;
5. with a release version, freeze the documents under ``output/releases/``.

The steps are in :mod:`mdm.build.steps`; this module stays light, so that an up-to-date
build is decided in a fraction of a second.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from mdm.build.lock import clear_leftovers
from mdm.build.options import BuildOptions, BuildReport
from mdm.build.uptodate import up_to_date

if TYPE_CHECKING:
    from mdm.build.run import Events

__all__ = ["BuildOptions", "BuildReport", "build"]


def build(
    options: BuildOptions, events: Events | None = None, log: Callable[[str], None] = lambda _: None
) -> BuildReport:
    """Build the documents of the project in ``options.project_dir``; with ``release``, freeze them."""
    report = BuildReport()
    started = time.perf_counter()
    if options.may_be_up_to_date:
        report.up_to_date = (
            up_to_date(options.project_dir, options.formats, options.documents) or []
        )
        if report.up_to_date:
            report.seconds["total"] = time.perf_counter() - started
            return report
    # deferred: nbconvert, pandas, pydantic, weasyprint and yaml load only when something changed
    from mdm.build.release import release
    from mdm.build.steps import build_stale, plan

    stale = plan(options, report)
    report.seconds["check"] = time.perf_counter() - started
    if stale.stale:
        build_stale(stale, options, report, events, log)
    else:  # up to date after all: a dead build's lock and staging go, as on the fast path
        clear_leftovers(stale.project.output)
    if options.release is not None:
        report.outputs.append(release(options.project_dir, options.release))
    report.seconds["total"] = time.perf_counter() - started
    return report
