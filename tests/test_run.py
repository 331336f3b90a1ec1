"""Executing section notebooks: real papermill, real kernels."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import nbformat
import pytest
from conftest import FIXTURES

from mdm.build.run import RunOptions, execute_sections
from mdm.errors import CellTimeoutError, KernelDiedError, NotebookError
from mdm.params.project import load_project


def use_topic_notebook(project: Path, fixture: str) -> None:
    """Give the project its own topic notebook, copied from a fixture."""
    (project / "notebooks").mkdir(exist_ok=True)
    shutil.copy(FIXTURES / "notebooks" / f"{fixture}.ipynb", project / "notebooks" / "topic.ipynb")


def topic_specs(project_dir: Path) -> list:
    project = load_project(project_dir)
    return [s for s in project.sections("proposal") if s.id.startswith("topic-")]


@pytest.mark.kernel
def test_topic_notebook_renders_each_topic(tiny: Path, tmp_path: Path) -> None:
    specs = topic_specs(tiny)
    before = os.getcwd()
    results = execute_sections(specs, tmp_path / "run", tiny, RunOptions(jobs=2))
    # kernels get the project as their folder; the build process itself never changes folder
    # (papermill's cwd= would chdir the whole process from several threads at once)
    assert os.getcwd() == before
    assert [r.spec.id for r in results] == [
        "topic-homework-clubs",
        "topic-book-sales",
        "topic-summer-reading",
    ]
    for result in results:
        nb = nbformat.read(result.path, as_version=4)
        html = "".join(
            o.get("data", {}).get("text/html", "")
            for c in nb.cells
            if c.cell_type == "code"
            for o in c.outputs
        )
        topic = result.spec.parameters["topic"]
        assert f'<h2 id="sec-topic-{topic}"' in html
        # papermill injected the parameters for this topic
        injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
        assert f'topic = "{topic}"' in injected[0].source


@pytest.mark.kernel
def test_failing_cell_names_section_notebook_and_cell(tiny: Path, tmp_path: Path) -> None:
    use_topic_notebook(tiny, "raises_in_cell")
    with pytest.raises(NotebookError) as caught:
        execute_sections(topic_specs(tiny)[:1], tmp_path / "run", tiny, RunOptions(jobs=1))
    message = str(caught.value)
    assert message == (
        "section topic-homework-clubs (proposal): notebooks/topic.ipynb, cell 3 "
        "[# a section whose evidence cannot be computed]: ZeroDivisionError: division by zero"
    )
    assert "Traceback" not in message and "\n" not in message


@pytest.mark.kernel
def test_kernel_death_is_reported(tiny: Path, tmp_path: Path) -> None:
    use_topic_notebook(tiny, "kernel_dies")
    with pytest.raises(
        KernelDiedError,
        match=r"^section topic-homework-clubs \(proposal\): notebooks/topic\.ipynb, cell 2 "
        r"\[import os, signal\]: the kernel died \(kernel log: topic-homework-clubs\.kernel\.log\)$",
    ):
        execute_sections(topic_specs(tiny)[:1], tmp_path / "run", tiny, RunOptions(jobs=1))


@pytest.mark.kernel
def test_cell_timeout_is_reported(tiny: Path, tmp_path: Path) -> None:
    use_topic_notebook(tiny, "cell_never_ends")
    with pytest.raises(
        CellTimeoutError,
        match=r"notebooks/topic\.ipynb, cell 2 \[import time\]: "
        r"cell ran longer than the timeout; raise --timeout or make the cell faster$",
    ):
        execute_sections(
            topic_specs(tiny)[:1], tmp_path / "run", tiny, RunOptions(jobs=1, timeout=2)
        )


def test_notebook_without_parameters_cell_is_refused_before_any_kernel(
    tiny: Path, tmp_path: Path
) -> None:
    use_topic_notebook(tiny, "no_parameters")
    with pytest.raises(
        NotebookError,
        match=r"^notebooks/topic\.ipynb: expected a cell tagged "
        r"'parameters' declaring project_dir, document, topic, found none$",
    ):
        execute_sections(topic_specs(tiny), tmp_path / "run", tiny)
    assert not (tmp_path / "run").exists()


def test_unknown_parameter_is_an_error_not_a_warning(tiny: Path, tmp_path: Path) -> None:
    use_topic_notebook(tiny, "missing_topic_parameter")
    with pytest.raises(
        NotebookError,
        match=r"^notebooks/topic\.ipynb: parameters: section "
        r"topic-homework-clubs passes topic, but the parameters cell declares only "
        r"project_dir, document$",
    ):
        execute_sections(topic_specs(tiny), tmp_path / "run", tiny)
