"""Faults during a build: real kernels, real signals. Previous output always survives."""

from __future__ import annotations

import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import FIXTURES

from mdm.build.lock import LOCK_NAME
from mdm.build.pipeline import BuildOptions, build
from mdm.errors import BusyError


def start_build(project: Path, *args: str, **kwargs: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mdm",
            "build",
            "--project",
            str(project),
            "--format",
            "html",
            *args,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,  # type: ignore[call-overload]
    )


def wait_for(condition: Callable[[], bool], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.1)


def kernels_of(pid: int) -> list[int]:
    """Processes started by ``pid`` as Jupyter kernels (jupyter_client sets JPY_PARENT_PID)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                environ = (entry / "environ").read_bytes().split(b"\0")
            except OSError:
                continue
            if f"JPY_PARENT_PID={pid}".encode() in environ:
                found.append(int(entry.name))
    return found


@pytest.fixture
def built_then_hanging(tiny_html_as_built: Path) -> tuple[Path, bytes]:
    """A project with a good previous build, whose topic notebook now never ends."""
    tiny = tiny_html_as_built
    previous = (tiny / "output/proposal.html").read_bytes()
    (tiny / "notebooks").mkdir()
    shutil.copy(FIXTURES / "notebooks/cell_never_ends.ipynb", tiny / "notebooks/topic.ipynb")
    return tiny, previous


def running_kernels(project: Path) -> bool:
    return len(list((project / "output").glob(".staging-*/notebooks/proposal/*.kernel.log"))) >= 1


@pytest.mark.parametrize(
    ("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["ctrl-c", "sigterm"]
)
@pytest.mark.kernel
def test_interrupt_stops_kernels_and_keeps_previous_output(
    built_then_hanging: tuple[Path, bytes], sig: signal.Signals, code: int
) -> None:
    project, previous = built_then_hanging
    proc = start_build(project, "--jobs", "2")
    wait_for(lambda: running_kernels(project) and bool(kernels_of(proc.pid)))
    time.sleep(1)  # let the cells start
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == code, stderr
    assert (
        f"interrupted by {sig.name}; running kernels stopped, previous output left as it was"
        in stderr
    )
    assert "Traceback" not in stderr
    wait_for(lambda: not kernels_of(proc.pid), seconds=10)
    assert (project / "output/proposal.html").read_bytes() == previous
    assert not list((project / "output").glob(".staging-*"))
    assert not (project / "output" / LOCK_NAME).exists()


INTERRUPTED_WHILE_STARTING = """
import os, signal, sys, time
from pathlib import Path
from mdm.build import kernels
from mdm.build.pipeline import BuildOptions, build

starting = kernels.WarmKernel.__init__

def late_start(self, *args, **kwargs):
    os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C while this kernel is still starting
    time.sleep(1)
    starting(self, *args, **kwargs)

kernels.WarmKernel.__init__ = late_start
try:
    build(BuildOptions(project_dir=Path(sys.argv[1]), formats=("html",), jobs=1))
except KeyboardInterrupt:
    print("interrupted", flush=True)
"""


@pytest.mark.kernel
def test_interrupt_while_a_kernel_starts_stops_that_kernel_too(
    built_then_hanging: tuple[Path, bytes],
) -> None:
    """The kernel that starts after the interrupt is stopped as well; the build does not wait
    for its never-ending cell."""
    project, previous = built_then_hanging
    proc = subprocess.Popen(
        [sys.executable, "-c", INTERRUPTED_WHILE_STARTING, str(project)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert out.strip() == "interrupted", err
    wait_for(lambda: not kernels_of(proc.pid), seconds=10)
    assert (project / "output/proposal.html").read_bytes() == previous


@pytest.mark.kernel
def test_killed_build_leaves_no_kernels_and_next_build_recovers(
    built_then_hanging: tuple[Path, bytes],
) -> None:
    project, previous = built_then_hanging
    proc = start_build(project)
    wait_for(lambda: bool(kernels_of(proc.pid)))
    proc.kill()
    proc.communicate(timeout=30)
    # ipykernel polls its parent and exits when the build is gone
    wait_for(lambda: not kernels_of(proc.pid), seconds=15)
    assert (project / "output/proposal.html").read_bytes() == previous
    assert (project / "output" / LOCK_NAME).exists()  # left by the dead build
    shutil.rmtree(project / "notebooks")
    report = build(BuildOptions(project_dir=project, formats=("html",), force=True))
    assert report.outputs == [project / "output/proposal.html"]
    assert not (project / "output" / LOCK_NAME).exists()
    assert not list((project / "output").glob(".staging-*"))


@pytest.mark.kernel
def test_second_build_on_the_same_output_is_refused(built_then_hanging: tuple[Path, bytes]) -> None:
    project, previous = built_then_hanging
    first = start_build(project)
    try:
        wait_for(lambda: (project / "output" / LOCK_NAME).exists())
        second = subprocess.run(
            [sys.executable, "-m", "mdm", "build", "--project", str(project), "--force"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 6
        assert f"another build (pid {first.pid} on " in second.stderr
        assert "is writing this output folder; wait for it to finish" in second.stderr
    finally:
        first.send_signal(signal.SIGINT)
        first.communicate(timeout=60)
    assert (project / "output/proposal.html").read_bytes() == previous


@pytest.mark.kernel
def test_stale_lock_of_a_dead_process_is_taken_over(tiny: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (tiny / "output").mkdir()
    (tiny / "output" / LOCK_NAME).write_text(
        f'{{"pid": {dead.pid}, "host": "{os.uname().nodename}", "started": 0}}', encoding="utf-8"
    )
    (tiny / "output/.staging-dead").mkdir()
    build(BuildOptions(project_dir=tiny, formats=("html",)))
    assert (tiny / "output/proposal.html").is_file()
    assert not (tiny / "output/.staging-dead").exists()


def test_lock_held_by_a_live_process_is_respected(tiny: Path) -> None:
    (tiny / "output").mkdir()
    (tiny / "output" / LOCK_NAME).write_text(
        f'{{"pid": {os.getpid()}, "host": "{os.uname().nodename}", "started": 0}}', encoding="utf-8"
    )
    with pytest.raises(BusyError, match=rf"another build \(pid {os.getpid()} on "):
        build(BuildOptions(project_dir=tiny, formats=("html",)))


@pytest.mark.parametrize(
    ("fixture", "code", "message"),
    [
        (
            "kernel_dies",
            7,
            r"notebooks/topic\.ipynb, cell 2 \[import os, signal\]: the kernel died",
        ),
        (
            "cell_never_ends",
            8,
            r"notebooks/topic\.ipynb, cell 2 \[import time\]: cell ran longer than the timeout",
        ),
    ],
    ids=["kernel-dies", "cell-timeout"],
)
@pytest.mark.kernel
def test_kernel_faults_have_their_own_exit_codes(
    tiny: Path, fixture: str, code: int, message: str
) -> None:
    (tiny / "notebooks").mkdir()
    shutil.copy(FIXTURES / "notebooks" / f"{fixture}.ipynb", tiny / "notebooks/topic.ipynb")
    proc = start_build(tiny, "--timeout", "3", "--jobs", "1")
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == code, stderr
    errors = [ln for ln in stderr.splitlines() if ln.startswith("mdm build: error:")]
    assert len(errors) == 1
    assert errors[0].startswith("mdm build: error: section topic-homework-clubs (proposal): ")

    assert re.search(message, errors[0])


def test_output_that_cannot_be_a_folder_is_a_clear_error(tiny: Path) -> None:
    (tiny / "output").write_text("not a folder", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "mdm", "build", "--project", str(tiny)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 5
    assert result.stderr.strip() == (
        f"mdm build: error: {tiny}/output: cannot create the output folder: File exists"
    )


@pytest.mark.kernel
def test_full_disk_fails_cleanly_and_keeps_previous_output(tiny_html_as_built: Path) -> None:
    tiny = tiny_html_as_built
    previous = (tiny / "output/proposal.html").read_bytes()
    (tiny / "params/topics/book-sales.yaml").write_text(
        "number: 2\ntitle: Book sales\nquestion: Changed, so the document is rebuilt?\n",
        encoding="utf-8",
    )

    def small_files() -> None:  # files larger than 20 kB fail with EFBIG, as on a full disk
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))

    proc = start_build(tiny, preexec_fn=small_files)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode in (4, 5), stderr
    assert "Traceback" not in stderr
    assert (tiny / "output/proposal.html").read_bytes() == previous
    assert not list((tiny / "output").glob(".staging-*"))
