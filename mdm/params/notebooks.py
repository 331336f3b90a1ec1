"""Which file a section's notebook is, and a form of it that papermill can run.

A notebook named ``metrics-analysis`` is ``notebooks/metrics-analysis.ipynb`` or, kept as
text with jupytext, ``notebooks/metrics-analysis.py`` (percent format) or
``notebooks/metrics-analysis.md`` (MyST Markdown). A text notebook is converted to
``output/.jupytext/<name>.ipynb`` before it runs; the file is rewritten only when its
content changes, so the build's cache sees the same notebook for the same text.

When a notebook is paired (both files exist), the text file holds the cells, as
jupytext itself has it; an ``.ipynb`` whose cells differ from the text and that is
newer was edited without jupytext, and is an error rather than a silent choice.

mdm's own notebooks (:data:`STOCK_NOTEBOOKS`, package data) are kept without outputs.
Run in JupyterLab in a checkout, one gets its outputs saved into it; it then runs from a
clean copy in ``output/.jupytext/`` (:func:`clean_notebook`), so what a run left in the
file never reaches a build's cache key, and ``mdm init --with-notebooks`` copies it clean.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mdm.errors import NotebookError
from mdm.files import write_atomic

__all__ = [
    "CONVERTED",
    "REMOVE_TAGS",
    "STOCK_NOTEBOOKS",
    "TEXT_FORMS",
    "NotebookFile",
    "bundled_notebooks",
    "clean_notebook",
    "find_notebook",
    "runnable",
]

TEXT_FORMS = (".py", ".md")
# cells with these tags are for authors only; they stay out of documents
REMOVE_TAGS = frozenset({"notes", "remove-cell"})
CONVERTED = Path("output") / ".jupytext"
_KERNEL = {"display_name": "Python 3", "language": "python", "name": "python3"}
#: the notebooks mdm ships (``mdm/_notebooks`` in the wheel): only these are mdm's own
STOCK_NOTEBOOKS = (
    "overview",
    "summary",
    "investment",
    "topic",
    "strategy-summary",
    "strategy-topic",
    "roadmap",
    "sources",
    "progress-summary",
    "progress-asks",
    "progress-unfunded",
)
# cell metadata a front end adds while a notebook is run or looked at
_RUN_METADATA = frozenset(
    {"collapsed", "execution", "ExecuteTime", "jupyter", "scrolled", "trusted"}
)


def bundled_notebooks() -> Path:
    """mdm's default notebooks: inside the wheel, or the repo's ``notebooks/`` in a checkout."""
    package = Path(__file__).resolve().parents[1]
    installed = package / "_notebooks"
    return installed if installed.is_dir() else package.parent / "notebooks"


def clean_notebook(text: str) -> str:
    """A notebook (its JSON text) without what running it adds, written as Jupyter writes it.

    No outputs, no execution counts, no timings or view state in cell metadata, the
    kernel's language details reduced to its name. A notebook saved clean comes back
    byte for byte.
    """
    nb = json.loads(text)
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"], cell["execution_count"] = [], None
        metadata = cell.get("metadata", {})
        for key in _RUN_METADATA & metadata.keys():
            del metadata[key]
    language = nb.get("metadata", {}).get("language_info")
    if isinstance(language, dict) and "name" in language:
        nb["metadata"]["language_info"] = {"name": language["name"]}
    return json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def _stock(path: Path) -> bool:
    return path.stem in STOCK_NOTEBOOKS and path.parent.resolve() == bundled_notebooks().resolve()


@dataclass(frozen=True)
class NotebookFile:
    """What papermill runs (``path``) and the file the author edits (``source``)."""

    path: Path
    source: Path


def find_notebook(folder: Path, name: str) -> list[Path]:
    """The files of notebook ``name`` in ``folder``: its ``.ipynb`` and text forms that exist."""
    candidates = [folder / f"{name}.ipynb", *(folder / f"{name}{ext}" for ext in TEXT_FORMS)]
    return [p for p in candidates if p.is_file()]


def _shown(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def _read_text_notebook(path: Path, root: Path) -> Any:
    import jupytext

    try:
        nb = jupytext.read(path)
    except Exception as err:  # jupytext raises many kinds; all mean "cannot read"
        raise NotebookError(
            f"cannot read as a jupytext notebook: {err}", path=_shown(path, root)
        ) from err
    # jupytext gives cells random ids: fixed ones keep the converted file, and so the cache key, stable
    for index, cell in enumerate(nb.cells):
        cell.id = f"cell-{index + 1}"
    nb.metadata.setdefault("kernelspec", dict(_KERNEL))
    nb.metadata.setdefault("language_info", {"name": "python"})
    return nb


def _cells(nb: Any) -> list[tuple[str, str, tuple[str, ...]]]:
    return [
        (c.cell_type, c.source.strip(), tuple(c.metadata.get("tags", ())))
        for c in nb.cells
        if c.source.strip()
    ]


def _check_paired(ipynb: Path, text: Path, text_nb: Any, root: Path) -> bool:
    """True when the ``.ipynb`` has the text's cells; an error when it was edited on its own."""
    import nbformat

    try:
        own = nbformat.read(ipynb, as_version=4)
    except (OSError, ValueError) as err:
        raise NotebookError(f"cannot read notebook: {err}", path=_shown(ipynb, root)) from err
    ours, theirs = _cells(own), _cells(text_nb)
    if ours == theirs:
        return True
    if ipynb.stat().st_mtime <= text.stat().st_mtime:
        return False  # the text is newer: jupytext will update the .ipynb when it is opened
    first = next(
        (i for i, (a, b) in enumerate(zip(ours, theirs, strict=False)) if a != b),
        min(len(ours), len(theirs)),
    )
    raise NotebookError(
        f"differs from its paired {_shown(text, root)} and was saved after it; sync them with "
        f"`jupytext --sync {_shown(ipynb, root)}` (or delete the stale file)",
        path=_shown(ipynb, root),
        field=f"cell {first + 1}",
    )


def _write_if_changed(text: str, target: Path) -> None:
    if target.is_file() and target.read_text(encoding="utf-8") == text:
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(target, text.encode("utf-8"))  # a parallel check never reads half a notebook


def runnable(files: list[Path], name: str, root: Path) -> NotebookFile:
    """The notebook papermill runs for the files of notebook ``name`` (from :func:`find_notebook`)."""
    ipynb = next((p for p in files if p.suffix == ".ipynb"), None)
    texts = [p for p in files if p.suffix in TEXT_FORMS]
    if len(texts) > 1:
        raise NotebookError(
            f"notebook {name!r} has two text forms "
            f"({', '.join(_shown(p, root) for p in texts)}); keep one",
            path=_shown(texts[0], root),
        )
    target = root / CONVERTED / f"{name}.ipynb"
    if not texts:
        if ipynb is None:
            raise NotebookError(f"notebook {name!r} not found", path=root / "notebooks")
        if _stock(ipynb):
            saved = ipynb.read_text(encoding="utf-8")
            clean = clean_notebook(saved)
            if clean != saved:  # run in JupyterLab: the clean copy runs and keys the section
                _write_if_changed(clean, target)
                return NotebookFile(target, target)
        return NotebookFile(ipynb, ipynb)
    import nbformat

    text = texts[0]
    nb = _read_text_notebook(text, root)
    if ipynb is not None and _check_paired(ipynb, text, nb, root):
        return NotebookFile(ipynb, text)
    _write_if_changed(nbformat.writes(nb) + "\n", target)
    return NotebookFile(target, text)
