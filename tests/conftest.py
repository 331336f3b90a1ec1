"""Shared fixtures: the repo's example project, the tiny test project, built documents."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]

# A suite started in the background (``cmd &`` in a script, nohup) inherits Ctrl-C ignored, and
# so would every ``mdm`` and kernel it starts: a program keeps SIGINT ignored across exec, and
# Python then installs no KeyboardInterrupt. The tests of Ctrl-C need it delivered, as at a
# terminal; a handler of our own is reset to the default in the processes we start.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)
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


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """One test worker more than there are cores (``--numprocesses=auto``): a kernel test
    spends part of its time waiting for a kernel or an ``mdm`` process, and the extra worker
    runs tests meanwhile (on 2 cores: 303 s with three workers, 335 s with two)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return cores + 1


def _built_once(
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
    source: Path,
    formats: tuple[str, ...] = ("html", "pdf"),
) -> Path:
    """``source`` copied and built (HTML and PDF) once for the whole run: with several test
    workers (pytest-xdist), the first builds it under a lock in the run's shared temporary
    folder and the others wait for it and read the same files. Tests only read it."""
    from mdm.build.pipeline import BuildOptions, build
    from mdm.files import exclusive

    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # the folder every worker's own temporary folder is in
    root = shared / name
    with exclusive(root, timeout=1200):
        if not (root / "output" / ".mdm-stamp.json").is_file():
            shutil.rmtree(root, ignore_errors=True)
            build(BuildOptions(project_dir=copy_project(source, root), formats=formats))
    return root


@pytest.fixture(scope="session")
def tiny_built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny project, built once for the whole session (HTML and PDF)."""
    return _built_once(tmp_path_factory, "tiny-built", TINY)


@pytest.fixture(scope="session")
def example_built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled Mozilla example, built once for the whole session."""
    return _built_once(tmp_path_factory, "example-built", REPO)


@pytest.fixture
def tiny_as_built(tiny_built: Path, tmp_path: Path) -> Path:
    """A copy of the tiny project as a build of its HTML and PDF left it, safe to change."""
    return Path(shutil.copytree(tiny_built, tmp_path / "tiny", symlinks=True))


@pytest.fixture(scope="session")
def tiny_html_built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny project's HTML, built once for the whole session."""
    return _built_once(tmp_path_factory, "tiny-html-built", TINY, ("html",))


@pytest.fixture
def tiny_html_as_built(tiny_html_built: Path, tmp_path: Path) -> Path:
    """A copy of the tiny project as a build of its HTML left it, output included, safe to
    change: a test of what the next build does starts here instead of building a first time
    itself (a copied project reuses its build)."""
    return Path(shutil.copytree(tiny_html_built, tmp_path / "tiny", symlinks=True))


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


@pytest.fixture(autouse=True)
def _one_kernel_per_build(monkeypatch: pytest.MonkeyPatch) -> None:
    """A build in the test process starts one kernel unless the test asks for more (--jobs):
    the suite's workers keep every core busy already, and a second kernel per build only adds
    its start-up. An ``mdm`` the test runs as a process keeps the real default."""
    from mdm.build import run

    monkeypatch.setattr(run, "default_jobs", lambda: 1)


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
