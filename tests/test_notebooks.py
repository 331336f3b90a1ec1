"""The committed notebooks: clean, parameterised, and runnable as JupyterLab runs them."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from conftest import REPO

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_notebooks_carry_no_outputs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, (
                f"{path.name}: {cell.source[:40]}"
            )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_have_one_parameters_cell_first(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and code[0] is tagged[0]


def _thin_statement(node: ast.stmt) -> bool:
    """``from mdm import sections``, ``x = sections.f(...)`` or a call such as ``x.g(...)``."""
    if isinstance(node, ast.ImportFrom):
        return node.module == "mdm" and [a.name for a in node.names] == ["sections"]
    value = node.value if isinstance(node, ast.Assign | ast.Expr) else None
    if not isinstance(value, ast.Call) or not isinstance(value.func, ast.Attribute):
        return False
    owner = value.func.value
    if isinstance(node, ast.Assign):  # what a notebook keeps is what mdm gives it
        return isinstance(owner, ast.Name) and owner.id == "sections"
    while isinstance(owner, ast.Call | ast.Attribute):  # sections.roadmap(...).full()
        owner = owner.func if isinstance(owner, ast.Call) else owner.value
    return isinstance(owner, ast.Name)


@pytest.mark.parametrize(
    ("source", "thin"),
    [
        ("from mdm import sections", True),
        ("section = sections.topic(project_dir, document, topic)", True),
        ("section.charts()", True),
        ("sections.roadmap(project_dir, document).full()", True),
        ("import pandas as pd", False),
        ("df = pd.read_csv('data/activity.csv')", False),
        ("for quote in quotes: print(quote)", False),
        ("share = agreed / total", False),
    ],
)
def test_what_counts_as_thin(source: str, thin: bool) -> None:
    assert _thin_statement(ast.parse(source).body[0]) is thin


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_stay_thin(path: Path) -> None:
    """Plain values to parameterise, then short calls into mdm: the logic lives where it is tested."""
    nb = nbformat.read(path, as_version=4)
    parameters, *cells = [c for c in nb.cells if c.cell_type == "code"]
    for node in ast.parse(parameters.source).body:
        assert isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant), (
            f"{path.name}: parameters cell: {ast.unparse(node)!r} is not a plain value"
        )
    for cell in cells:
        body = ast.parse(cell.source).body
        assert len(body) <= 3, f"{path.name}: a cell of {len(body)} statements: {cell.source!r}"
        for node in body:
            assert _thin_statement(node), f"{path.name}: {ast.unparse(node)!r} belongs in mdm"


@pytest.fixture(scope="module")
def kernel() -> Iterator[Any]:
    """One kernel started in notebooks/, as JupyterLab starts one, for every notebook in turn
    (each finds it as a fresh one would: :func:`_fresh`)."""
    from jupyter_client.manager import KernelManager

    manager = KernelManager(kernel_name="python3")
    manager.start_kernel(
        cwd=str(REPO / "notebooks"), extra_arguments=["--HistoryManager.hist_file=:memory:"]
    )
    yield manager
    manager.shutdown_kernel(now=True)


def _fresh(client: Any) -> None:
    """An empty namespace and the notebook's folder: what the next notebook would see first."""
    folder = str(REPO / "notebooks")
    code = f"get_ipython().reset(new_session=True)\nimport os\nos.chdir({folder!r})"
    reply = client.wait_for_reply(client.kc.execute(code, silent=True, store_history=False))
    assert reply["content"]["status"] == "ok"


@pytest.mark.kernel
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_run_top_to_bottom_with_their_defaults(path: Path, kernel: Any) -> None:
    """As in JupyterLab: a kernel in notebooks/, default parameters, no papermill."""
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, km=kernel, timeout=300, kernel_name="python3")
    try:
        with client.setup_kernel():
            _fresh(client)
            for index, cell in enumerate(nb.cells):
                client.execute_cell(cell, index)
    finally:  # the kernel outlives this client: nbclient leaves its channels open
        if client.kc is not None:
            client.kc.stop_channels()
    shown = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert any("text/html" in o.get("data", {}) for o in shown)
    assert not [o for o in shown if o.output_type == "error"]
