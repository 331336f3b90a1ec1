"""``mdm init``: a new project from mdm's scaffold, staged and moved into place without overwriting."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Literal

from mdm.authoring.notebooks import jupytext_config, text_twin
from mdm.errors import ConfigError
from mdm.files import write_atomic
from mdm.params.edits import yaml_scalar
from mdm.params.notebooks import STOCK_NOTEBOOKS, bundled_notebooks, clean_notebook
from mdm.params.project import load_project

__all__ = ["init_project"]

SCAFFOLD = Path(__file__).parent / "scaffold"
_PLACEHOLDER = "{{ project_name }}"


# --- mdm init ------------------------------------------------------------------------------


def init_project(
    target: Path,
    name: str | None = None,
    with_notebooks: bool = False,
    *,
    jupytext: Literal["py", "md"] | None = None,
) -> list[Path]:
    """Write a new project that checks and builds at once into ``target``; return the paths written.

    Files the folder already has (a README, a data file) are kept; a ``.gitignore`` gets
    the missing lines appended. The project is assembled and loaded in a staging folder
    first, so a failure leaves ``target`` as it was.
    """
    if (target / "params").exists():
        raise ConfigError(
            "exists already; mdm init starts a new project, it does not change one",
            path=target / "params",
        )
    if target.exists() and not target.is_dir():
        raise ConfigError("expected a folder for the new project, found a file", path=target)
    title = (name if name is not None else _title_from(target)).strip()
    if not title or "\n" in title:
        raise ConfigError(f"expected the project's name on one line, got {name!r}", field="--name")
    # inside target (or beside it, for a new folder): the final moves stay on one file system
    base = target if target.is_dir() else target.resolve().parent
    base.mkdir(parents=True, exist_ok=True)
    staging = base / f".mdm-init-{os.urandom(4).hex()}"
    staging.mkdir()  # not mkdtemp: the folder that may become target gets the umask's mode
    try:
        _render_scaffold(staging, title)
        if with_notebooks:
            _copy_notebooks(staging / "notebooks")
        if jupytext:
            _pair_with_text(staging, jupytext)
        load_project(staging)  # the scaffold must always be a valid project
        return _move_into(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _copy_notebooks(folder: Path) -> None:
    """mdm's own notebooks, clean: no outputs a run in a checkout left, no other notebook there."""
    folder.mkdir()
    for name in STOCK_NOTEBOOKS:
        source = bundled_notebooks() / f"{name}.ipynb"
        clean = clean_notebook(source.read_text(encoding="utf-8"))
        (folder / source.name).write_text(clean, encoding="utf-8")


def _pair_with_text(staging: Path, form: Literal["py", "md"]) -> None:
    """``jupytext.toml``, and a text twin of each notebook copied into ``notebooks/``."""

    (staging / "jupytext.toml").write_text(jupytext_config(form), encoding="utf-8")
    for notebook in sorted((staging / "notebooks").glob("*.ipynb")):
        twin = notebook.with_suffix(f".{form}")
        twin.write_text(text_twin(notebook, form), encoding="utf-8")


def _title_from(folder: Path) -> str:
    words = re.split(r"[-_\s]+", folder.resolve().name)
    return " ".join(w[:1].upper() + w[1:] for w in words if w)


def _render_scaffold(staging: Path, title: str) -> None:
    """Copy ``mdm/authoring/scaffold`` into ``staging``: ``dot-x.tmpl`` becomes ``.x``, the name filled in."""
    for source in sorted(SCAFFOLD.rglob("*.tmpl")):
        relative = source.relative_to(SCAFFOLD).with_suffix("")
        relative = relative.with_name(re.sub(r"^dot-", ".", relative.name))
        text = source.read_text(encoding="utf-8")
        value = yaml_scalar(title) if relative.suffix == ".yaml" else title
        path = staging / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.replace(_PLACEHOLDER, value), encoding="utf-8")


def _move_into(staging: Path, target: Path) -> list[Path]:
    """Move the staged files into ``target``, keeping what it has; undo on failure."""
    if not target.exists():
        staging.rename(target)
        return _files(target)
    moved: list[Path] = []
    appended: dict[Path, bytes] = {}
    try:
        for source in _files(staging):
            path = target / source.relative_to(staging)
            if path.name == ".gitignore" and path.is_file():
                before = path.read_bytes()
                missing = _missing_lines(before.decode("utf-8", "replace"), source)
                if missing:
                    appended[path] = before
                    write_atomic(path, before + missing.encode("utf-8"))
            elif not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                os.replace(source, path)
                moved.append(path)
    except BaseException:
        for path in moved:
            path.unlink(missing_ok=True)
        for path, before in appended.items():
            write_atomic(path, before)
        raise
    return sorted([*moved, *appended])


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def _missing_lines(existing: str, template: Path) -> str:
    have = {line.strip() for line in existing.splitlines()}
    lines = [line for line in template.read_text(encoding="utf-8").splitlines() if line.strip()]
    missing = [line for line in lines if line.startswith("#") or line.strip() not in have]
    if all(line.startswith("#") for line in missing):
        return ""
    newline = "" if not existing or existing.endswith("\n") else "\n"
    return newline + "\n# added by mdm init\n" + "\n".join(missing) + "\n"


# --- files: read, write, roll back ---------------------------------------------------------
