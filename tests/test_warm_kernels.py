"""Warm kernels: sections share a kernel process, never its state; documents as with fresh kernels."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
import pytest
from conftest import FIXTURES

from mdm.build.pipeline import BuildOptions, build
from mdm.build.run import RunOptions, execute_sections
from mdm.params.project import load_project


def stdout_of(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    return "".join(
        o.get("text", "")
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.get("name") == "stdout"
    )


def stderr_of(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    return "".join(
        o.get("text", "")
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.get("name") == "stderr"
    )


def run_state_notebook(project: Path, out: Path, *, warm: bool) -> list[Path]:
    (project / "notebooks").mkdir(exist_ok=True)
    shutil.copy(FIXTURES / "notebooks/leaves_state_behind.ipynb", project / "notebooks/topic.ipynb")
    specs = [s for s in load_project(project).sections("proposal") if s.id.startswith("topic-")]
    return [r.path for r in execute_sections(specs, out, project, RunOptions(jobs=1, warm=warm))]


@pytest.mark.kernel
def test_a_section_sees_nothing_an_earlier_one_left_in_its_kernel(
    tiny: Path, tmp_path: Path
) -> None:
    paths = run_state_notebook(tiny, tmp_path / "run", warm=True)
    outputs = [stdout_of(p) for p in paths]
    pids = {re.search(r"pid (\d+)", o).group(1) for o in outputs}  # type: ignore[union-attr]
    assert len(pids) == 1, "the three sections should have run in one warm kernel"
    first_dpi = re.search(r"dpi (\S+)", outputs[0]).group(1)  # type: ignore[union-attr]
    for path, text in zip(paths, outputs, strict=True):
        assert "leaked []" in text, path.name  # no variable of an earlier section
        # In[]: the empty entry, both parameters cells and this cell; none of an earlier section
        assert "history 4" in text, path.name
        assert "figures []" in text, path.name  # no pyplot figure left open
        assert f"dpi {first_dpi}" in text and first_dpi != "17", path.name
        assert f"cwd {tiny}" in text, path.name
        # a warning shown once per location is shown again in the next section
        assert "a warning every section shows" in stderr_of(path), path.name
        counts = [c.execution_count for c in nbformat.read(path, as_version=4).cells]
        assert counts[:4] == [1, 2, 3, 4], path.name  # counted from 1, as in a fresh kernel


@pytest.mark.kernel
def test_fresh_kernels_are_one_per_section(tiny: Path, tmp_path: Path) -> None:
    paths = run_state_notebook(tiny, tmp_path / "run", warm=False)
    pids = {re.search(r"pid (\d+)", stdout_of(p)).group(1) for p in paths}  # type: ignore[union-attr]
    assert len(pids) == 3


@pytest.mark.kernel
def test_warm_build_writes_the_document_a_fresh_kernel_build_writes(tmp_path: Path) -> None:
    from conftest import TINY, copy_project

    documents = {}
    for mode, fresh in (("warm", False), ("fresh", True)):
        project = copy_project(TINY, tmp_path / mode)
        build(BuildOptions(project_dir=project, formats=("html",), jobs=1, fresh_kernels=fresh))
        documents[mode] = (project / "output/proposal.html").read_text(encoding="utf-8")
    assert documents["warm"] == documents["fresh"]
