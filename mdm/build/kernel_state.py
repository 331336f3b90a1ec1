"""Runs inside a warm kernel: what it loads once, and what it resets before each section.

A warm kernel executes many sections one after the other. Each must see the
kernel as a fresh one would show it: an empty namespace, execution counts from
1, matplotlib's settings as they were after start-up, no open pyplot figures,
warnings shown again the first time they occur, and the project as its working
folder. The modules stay imported; that is the point of keeping the kernel.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Callable
from typing import Any

from mdm.report.store import STORE_ENV

__all__ = ["preload", "reset"]

# matplotlib.rcParams as they were after start-up (typed loosely: RcParams keys are literals)
_settings: dict[Any, Any] = {}


def preload() -> None:
    """Import what every section imports, and remember matplotlib's settings after start-up."""
    import matplotlib
    import matplotlib.figure  # charts are drawn on bare figures
    import pandas  # noqa: F401

    # deferred: jinja2, markdown_it, numpy, pandas, pydantic and yaml load only when this runs
    from mdm.report import charts, sections  # noqa: F401

    _settings.update(matplotlib.rcParams.copy())


def _memo_caches() -> list[Callable[[], None]]:
    """``cache_clear`` of every memo in mdm that a section can fill (imported ones only)."""
    clears = []
    render = sys.modules.get("mdm.report.render")
    if render is not None:
        clears += [render._markdown.cache_clear, render._environment.cache_clear]
    return clears


def reset(shell: Any, cwd: str, evidence: str = "") -> None:
    """Make the kernel look freshly started to the next section; ``evidence`` is the store
    the build is writing, which the section reads its metric results from."""
    shell.reset(new_session=True)  # namespace, Out history, execution count
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")
    if _settings:
        import matplotlib

        # entering catch_warnings also forgets which warnings were shown "once" already
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            matplotlib.rcParams.update(_settings)
    for clear in _memo_caches():
        clear()
    os.chdir(cwd)
    if evidence:
        os.environ[STORE_ENV] = evidence
    else:
        os.environ.pop(STORE_ENV, None)
