"""Notebooks an author starts from: a topic's own notebook, and jupytext pairing for a project.

``mdm new-topic ID ... --notebook`` copies the document's shared topic notebook, sets the
topic as its default and adds a cell that shows how to extend it. ``mdm init --jupytext``
writes a ``jupytext.toml`` so that JupyterLab keeps a text copy of every notebook.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

__all__ = ["JUPYTEXT_FORMATS", "jupytext_config", "text_twin", "topic_notebook"]

JUPYTEXT_FORMATS = {"py": "py:percent", "md": "md:myst"}
_EXTEND = """\
# This topic's own analysis. Read a data file the topic declares (evidence.files in
# params/topics/{topic}.yaml), publish values and show tables or figures, for example:
#   frame = section.data("data/my-file.csv")
#   section.value("rows", len(frame))         # then write {{{{ rows }}}} in a Markdown cell
#   section.table("data/my-file.csv", columns=["group", "count"], totals=True)
#   section.figure(fig, alt="What the chart shows, in one sentence")
# Only what section.* displays reaches the document (docs/notebooks.md)."""
_PREVIEW = (
    "# JupyterLab only: the Markdown cells as the document will show them\nsection.show_markdown()"
)
_DEFAULT = re.compile(r"""^(\s*topic\s*=\s*)(["']).*?\2""", re.MULTILINE)


def _read(path: Path) -> Any:
    if path.suffix == ".ipynb":
        import nbformat

        return nbformat.read(path, as_version=4)
    import jupytext

    return jupytext.read(path)


def _write(nb: Any, suffix: str) -> str:
    if suffix == ".ipynb":
        import nbformat

        return str(nbformat.writes(nb)) + "\n"
    import jupytext

    return str(jupytext.writes(nb, fmt=JUPYTEXT_FORMATS[suffix.lstrip(".")]))


def topic_notebook(shared: Path, topic_id: str) -> str:
    """The text of a new notebook for ``topic_id``, made from the ``shared`` topic notebook.

    It keeps the shared notebook's form (``.ipynb``, ``.py`` or ``.md``).
    """
    import nbformat

    nb = _read(shared)
    cells = list(nb.cells)
    params = next(
        (i for i, c in enumerate(cells) if "parameters" in c.metadata.get("tags", [])), None
    )
    if params is not None:
        cell = cells[params]
        source, found = _DEFAULT.subn(lambda m: f'{m[1]}"{topic_id}"', cell.source, count=1)
        cell.source = source if found else f'{cell.source}\ntopic = "{topic_id}"'
    # after the cell that loads the section (the first that calls sections.), before the rest
    load = next((i for i, c in enumerate(cells) if "sections." in c.source), len(cells) - 1)
    extend = nbformat.v4.new_code_cell(_EXTEND.format(topic=topic_id))
    cells.insert(load + 1, extend)
    cells.append(nbformat.v4.new_code_cell(_PREVIEW))
    for index, cell in enumerate(cells):
        cell.id = f"cell-{index + 1}"
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nb.cells = cells
    return _write(nb, shared.suffix)


def text_twin(notebook: Path, form: Literal["py", "md"]) -> str:
    """``notebook`` (an ``.ipynb``) as jupytext text in ``form``, to pair with it."""
    return _write(_read(notebook), f".{form}")


def jupytext_config(form: Literal["py", "md"]) -> str:
    """A ``jupytext.toml`` pairing every notebook with a ``form`` text file."""
    return (
        "# jupytext (in JupyterLab) keeps each notebook paired with a text file that diffs well;\n"
        "# mdm runs either form (docs/notebooks.md)\n"
        f'formats = "ipynb,{JUPYTEXT_FORMATS[form]}"\n'
    )
