"""The code layout the README describes: subpackages that follow the data flow, short functions."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from conftest import REPO

PACKAGE = REPO / "mdm"
MODULES = sorted(PACKAGE.rglob("*.py"))
LONGEST = 60


def test_the_readme_map_names_every_subpackage_and_top_level_module() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    tree = readme[readme.index("### Where things are") :]
    parts = {p.name + "/" for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    parts |= {p.name for p in PACKAGE.glob("*.py") if not p.name.startswith("_")}
    for part in sorted(parts):
        assert f"  {part}" in tree, f"README's map does not mention mdm/{part}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_every_module_says_what_it_is_for(path: Path) -> None:
    assert ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))), path


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_function_is_longer_than_sixty_lines(path: Path) -> None:
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines, line {node.lineno})"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > LONGEST
    ]
    assert not long, f"{path.relative_to(REPO)}: {', '.join(long)}"
