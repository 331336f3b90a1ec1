"""Run mdm's own front- and back-matter notebooks in the build's process, without a kernel.

The summary, the overview, the investment overview, the roadmap and the sources appendix show
no analysis an author adds to: their notebooks are a parameters cell and calls of
``from mdm import sections``, whose results are the page. A kernel for them costs a start and
a reset per section and buys nothing, so when a section's notebook is mdm's own (bundled, or an
unchanged copy: :func:`mdm.build.cache.is_mdms`) and its kind says so
(:attr:`mdm.report.pages.PageKind.kernel`), the build runs its cells here and writes the same
executed notebook a kernel would have: parameters injected as papermill injects them, each
cell's last expression its result, with the same MIME bundle. A project's own notebook of the
same name always runs in a kernel.
"""

from __future__ import annotations

import ast
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mdm.build.cache import KEY_FIELD, is_mdms
from mdm.errors import NotebookError
from mdm.params.project import SectionSpec
from mdm.report.pages import page_kind
from mdm.report.store import STORE_ENV

__all__ = ["evidence_store", "execute_here", "prepare", "runs_here"]


@contextmanager
def evidence_store(folder: str) -> Iterator[None]:
    """Sections rendered here read the store at ``folder`` (a build's staging store), as the
    build's kernels do (:func:`mdm.build.kernel_state.reset`); "" is the project's own."""
    before = os.environ.get(STORE_ENV)
    if folder:
        os.environ[STORE_ENV] = folder
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(STORE_ENV, None)
        else:
            os.environ[STORE_ENV] = before


def prepare() -> None:
    """Import what the pages import, in this thread, before kernel workers start importing too:
    two threads importing IPython or matplotlib at once can see a half-imported module."""
    # deferred: matplotlib, pandas and IPython load only in a build that renders such pages
    import IPython.display  # noqa: F401
    import matplotlib.figure  # noqa: F401

    from mdm.report import sections  # noqa: F401


def runs_here(spec: SectionSpec) -> bool:
    """The section's page shows no analysis and its notebook is mdm's: no kernel needed."""
    kind = page_kind(spec.kind)
    return kind is not None and not kind.kernel and is_mdms(spec)


def _bundle(value: object) -> dict[str, Any]:
    """What IPython's display hook makes of a cell's result: its MIME bundle and metadata."""
    method = getattr(value, "_repr_mimebundle_", None)
    if callable(method):
        data, metadata = method()
        return {"data": data, "metadata": metadata}
    return {"data": {"text/plain": repr(value)}, "metadata": {}}


def _run_cell(source: str, namespace: dict[str, Any]) -> object:
    """Execute a code cell; return the value of its last expression (None for a statement)."""
    tree = ast.parse(source)
    last = tree.body[-1] if tree.body else None
    if isinstance(last, ast.Expr):
        tree.body.pop()
    exec(compile(tree, "<cell>", "exec"), namespace)  # mdm's own notebook, checked by digest
    if not isinstance(last, ast.Expr):
        return None
    return eval(compile(ast.Expression(last.value), "<cell>", "eval"), namespace)


def execute_here(spec: SectionSpec, target: Path, key: str, shown: str) -> float:
    """Execute ``spec``'s notebook into ``target`` in this process; return the seconds it took.

    A cell that raises is a :class:`~mdm.errors.NotebookError` naming section, notebook and
    cell, as for a kernel.
    """
    import nbformat  # deferred: only a build that renders pages reads notebooks
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    start = time.perf_counter()
    # read as papermill reads a notebook it runs (every cell with its tags list)
    nb = parameterize_notebook(load_notebook_node(str(spec.notebook)), spec.parameters)
    namespace: dict[str, Any] = {"__name__": "__main__"}
    count = 0
    for position, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        count += 1
        try:
            value = _run_cell(cell.source, namespace)
        except Exception as err:
            first = next((ln for ln in cell.source.splitlines() if ln.strip()), "").strip()
            raised = f"{type(err).__name__}: {err}"  # the exception as Python prints it
            raise NotebookError(
                raised,
                path=shown,
                field=first[:60],
                # 1-based, as the author sees it: papermill's injected cell not counted
                cell=sum(
                    "injected-parameters" not in c.metadata.get("tags", [])
                    for c in nb.cells[: position + 1]
                ),
                section=f"{spec.id} ({spec.document})",
            ) from err
        cell.execution_count = count
        cell.outputs = []
        if value is not None:
            cell.outputs.append(
                nbformat.v4.new_output("execute_result", execution_count=count, **_bundle(value))
            )
    nb.metadata["mdm"] = {KEY_FIELD: key, "section": spec.id, "document": spec.document}
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, target)
    return time.perf_counter() - start
