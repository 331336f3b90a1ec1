"""The code layout the README describes: layers that only point down, short functions.

The README's map lists mdm's parts from the bottom up; a module may import from its own part
and the parts before it, and from nothing above, whether the import is at the top of the file,
inside a function or only for type checking. A function-level import must say why it waits
(``# deferred: ...``) and must really keep a heavy library from loading.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from conftest import REPO

PACKAGE = REPO / "mdm"
MODULES = sorted(PACKAGE.rglob("*.py"))
LONGEST = 60
# libraries that take long enough to import that loading them only when needed is worth a
# deferred import (mdm --help, mdm status and the up-to-date build are meant to be quick)
HEAVY = frozenset(
    [
        "pandas",
        "numpy",
        "pyarrow",
        "matplotlib",
        "papermill",
        "nbconvert",
        "nbformat",
        "nbclient",
        "jupytext",
        "weasyprint",
        "pypdf",
        "IPython",
        "ipykernel",
        "jupyter_client",
        "rich",
        "pydantic",
        "yaml",
        "jinja2",
        "markdown_it",
        "nh3",
    ]
)


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


def _layers() -> dict[str, int]:
    """Each part of the README's map (``errors``, ``params``, ...) → its place, lowest first."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    tree = readme[readme.index("### Where things are") :].split("```")[1]
    parts = re.findall(r"^  (\w+)(?:/|\.py)", tree, flags=re.MULTILINE)
    return {part: index for index, part in enumerate(parts)}


def _module(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


NAMES = {_module(p): p for p in MODULES}


def _part(module: str) -> str:
    """The part of the map a module belongs to: ``mdm.build.run`` → ``build``."""
    pieces = module.split(".")
    return pieces[1] if len(pieces) > 1 else "__init__"


def _target(module: str | None, name: str) -> str:
    """The mdm module an import names (``from mdm.build import run`` names mdm.build.run)."""
    full = f"{module}.{name}"
    return full if full in NAMES else str(module)


@cache
def _imports(module: str) -> tuple[tuple[str, int, str], ...]:
    """(imported mdm module, line, kind) for every import: ``top``, ``deferred`` or ``typing``."""
    tree = ast.parse(NAMES[module].read_text(encoding="utf-8"))
    kinds: dict[int, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            kinds.update((id(n), "typing") for n in ast.walk(node))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            kinds.update((id(n), "deferred") for n in ast.walk(node) if n is not node)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            targets = [_target(node.module, alias.name) for alias in node.names]
        else:
            continue
        kind = kinds.get(id(node), "top")
        found += [(t, node.lineno, kind) for t in targets if t == "mdm" or t.startswith("mdm.")]
    return tuple(found)


@cache
def _loads(module: str) -> tuple[frozenset[str], frozenset[str]]:
    """What importing ``module`` imports at once: (heavy libraries, mdm modules, its packages)."""
    tree = ast.parse(NAMES[module].read_text(encoding="utf-8"))
    pieces = module.split(".")
    libraries, modules = set(), {".".join(pieces[:n]) for n in range(1, len(pieces))}
    for node in tree.body:  # module level: no function bodies, no TYPE_CHECKING blocks
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [_target(node.module, a.name) for a in node.names]
        libraries |= {n.split(".")[0] for n in names} & HEAVY
        modules |= {n for n in names if n in NAMES}
    return frozenset(libraries), frozenset(modules - {module})


@cache
def _heavy(module: str) -> frozenset[str]:
    """The heavy libraries that importing ``module`` loads, through everything it imports."""
    found, todo, seen = set(), [module], {module}
    while todo:
        libraries, modules = _loads(todo.pop())
        found |= libraries
        todo += [m for m in modules if m not in seen]
        seen |= modules
    return frozenset(found)


def _climbing(module: str) -> Iterator[str]:
    layers = _layers()
    here = layers[_part(module)] if _part(module) in layers else len(layers)
    for target, line, kind in _imports(module):
        part = _part(target)
        if part in layers and layers[part] > here:
            shown = (
                NAMES[module].relative_to(REPO)
                if NAMES[module].is_relative_to(REPO)
                else NAMES[module].name
            )
            yield f"{shown}:{line}: {kind} import of {target} ({part} is above {_part(module)})"


def test_the_readme_map_lists_every_part_once() -> None:
    layers = _layers()
    parts = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    parts |= {p.stem for p in PACKAGE.glob("*.py") if not p.name.startswith("_")}
    assert parts <= set(layers), f"not in the README's map: {sorted(parts - set(layers))}"


@pytest.mark.parametrize("module", sorted(NAMES), ids=str)
def test_imports_only_point_down(module: str) -> None:
    assert not list(_climbing(module))


def _probe(tmp_path: Path, module: str, body: str) -> Iterator[str]:
    """A module of that name, written outside the package, as the checks read it."""
    path = tmp_path / "probe.py"
    path.write_text(body, encoding="utf-8")
    NAMES[module] = path
    try:
        yield module
    finally:
        del NAMES[module]
        for cached in (_imports, _loads, _heavy):
            cached.cache_clear()


def test_the_layer_check_sees_an_upward_import(tmp_path: Path) -> None:
    body = "def f():\n    from mdm.build.pipeline import build\n"
    for module in _probe(tmp_path, "mdm.params.probe", body):
        assert list(_climbing(module)) == [
            "probe.py:2: deferred import of mdm.build.pipeline (build is above params)"
        ]


def test_no_modules_import_each_other() -> None:
    graph = {m: {t for t, _, kind in _imports(m) if kind != "typing" and t in NAMES} for m in NAMES}
    seen: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(module: str, path: list[str]) -> None:
        seen[module] = 1
        for target in sorted(graph[module]):
            assert seen.get(target) != 1, "import cycle: " + " → ".join([*path, module, target])
            if target not in seen:
                visit(target, [*path, module])
        seen[module] = 2

    for module in sorted(graph):
        if module not in seen:
            visit(module, [])


def _deferred_problems(module: str) -> list[str]:
    lines = NAMES[module].read_text(encoding="utf-8").splitlines()
    problems = []
    for target, line, kind in _imports(module):
        if kind != "deferred":
            continue
        above = [lines[n].strip() for n in range(line - 2, -1, -1)]
        said = next((t for t in above if t and not t.startswith(("from ", "import "))), "")
        if not said.startswith("# deferred:"):
            problems.append(f"line {line}: {target}: no '# deferred: why' comment above it")
        # the command line imports each command's library when that command runs
        elif not module.startswith("mdm.cli") and not _heavy(target) - _heavy(module):
            problems.append(f"line {line}: {target} loads nothing {module} has not loaded already")
    return problems


@pytest.mark.parametrize("module", sorted(NAMES), ids=str)
def test_a_deferred_import_says_why_and_saves_loading_a_library(module: str) -> None:
    problems = _deferred_problems(module)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("def f():\n    from mdm.params.project import load_project\n", "no '# deferred"),
        (
            "def f():\n    # deferred: why not\n    from mdm.errors import MdmError\n",
            "loads nothing",
        ),
    ],
    ids=["no-comment", "saves-nothing"],
)
def test_the_deferred_check_sees_a_pointless_or_silent_one(
    tmp_path: Path, body: str, problem: str
) -> None:
    for module in _probe(tmp_path, "mdm.report.probe", body):
        assert problem in "\n".join(_deferred_problems(module))
