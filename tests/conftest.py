"""Shared fixtures: the repo's example project, the tiny test project, built documents."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / "tests" / "projects" / "tiny"
FIXTURES = REPO / "tests" / "fixtures"


def mdm(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the mdm command as a user would: a real process, its output captured."""
    return subprocess.run(
        [sys.executable, "-m", "mdm", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


def copy_project(source: Path, target: Path) -> Path:
    """A working copy of a project (params, data, own notebooks) without its output."""
    target.mkdir(parents=True, exist_ok=True)
    for part in ("params", "data", "notebooks"):
        if (source / part).is_dir():
            shutil.copytree(source / part, target / part)
    return target


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """A fresh copy of the tiny project, safe to break."""
    return copy_project(TINY, tmp_path / "tiny")


@pytest.fixture(scope="session")
def tiny_built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny project, built once for the whole session (HTML and PDF)."""
    from mdm.build.pipeline import BuildOptions, build

    root = copy_project(TINY, tmp_path_factory.mktemp("tiny-built"))
    build(BuildOptions(project_dir=root))
    return root


@pytest.fixture(scope="session")
def example_built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled Mozilla example, built once for the whole session."""
    from mdm.build.pipeline import BuildOptions, build

    root = copy_project(REPO, tmp_path_factory.mktemp("example-built"))
    build(BuildOptions(project_dir=root))
    return root
