"""Shared fixtures: the repo's example project, the tiny test project, built documents."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

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


@pytest.fixture(scope="session")
def _no_kernel_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Jupyter path whose python3 kernel refuses to start, naming the reason."""
    root = tmp_path_factory.mktemp("no-kernel")
    spec = root / "kernels" / "python3"
    spec.mkdir(parents=True)
    message = "this test is not marked kernel, yet it started a kernel"
    argv = [sys.executable, "-c", f"raise SystemExit({message!r})", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "no kernel", "language": "python"}),
        encoding="utf-8",
    )
    return root


@pytest.fixture(autouse=True)
def _kernels_only_when_marked(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keep the fast tier honest: a test not marked ``kernel`` cannot start one, in this process
    or in an ``mdm`` it runs (the kernel spec is looked up on ``JUPYTER_PATH`` first)."""
    if request.node.get_closest_marker("kernel") is None:
        monkeypatch.setenv("JUPYTER_PATH", str(request.getfixturevalue("_no_kernel_path")))


def as_built(root: Path) -> None:
    """Write the manifest a build of ``root``'s documents as they are now would write.

    Made-up digests, real keys: enough for the review commands and ``mdm status``, which
    read the last build's digests only, without starting a kernel."""
    from mdm.build.cache import section_keys
    from mdm.build.manifest import MANIFEST
    from mdm.params.project import load_project

    project = load_project(root)
    manifest: dict[str, Any] = {}
    for doc in project.documents:
        specs = project.sections(doc)
        manifest[doc] = {
            "key": "-",
            "files": {},
            "sections": {
                spec.id: {"title": spec.title, "digest": f"{n:012x}", "key": key}
                for n, (spec, key) in enumerate(
                    zip(specs, section_keys(project, specs), strict=True)
                )
            },
        }
    project.output.mkdir(exist_ok=True)
    (project.output / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
