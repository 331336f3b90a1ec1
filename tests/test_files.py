"""mdm.files: digests, atomic writes and the exclusive lock every project write takes."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mdm.errors import BusyError
from mdm.files import exclusive, lock_file, write_atomic


def _append_under_lock(path: str, who: int, times: int) -> None:
    target = Path(path)
    for turn in range(times):
        with exclusive(target):
            old = target.read_text(encoding="utf-8") if target.exists() else ""
            time.sleep(0.001)  # widen the window a lost update would need
            write_atomic(target, f"{old}{who}-{turn}\n".encode())


def test_ten_writers_at_once_lose_nothing(tmp_path: Path) -> None:
    target = tmp_path / "records.yaml"
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_append_under_lock, args=(str(target), who, 20)) for who in range(10)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    lines = target.read_text(encoding="utf-8").splitlines()
    assert sorted(lines) == sorted(f"{w}-{t}" for w in range(10) for t in range(20))
    assert not list(tmp_path.glob("*.mdm-tmp"))


def test_a_waiting_command_gives_up_naming_the_file_and_the_holder(tmp_path: Path) -> None:
    target = tmp_path / "feedback.yaml"
    # the same process opening the lock file again is another holder to flock
    with (
        exclusive(target),
        pytest.raises(BusyError, match=r"another mdm command is writing this file") as busy,
        exclusive(target, shown="params/reviews/feedback.yaml", timeout=0.1),
    ):
        pass
    assert busy.value.path == "params/reviews/feedback.yaml"
    assert f"pid {os.getpid()}, started at" in str(busy.value)


def test_a_killed_holder_does_not_block_the_next_command(tmp_path: Path) -> None:
    target = tmp_path / "identities.csv"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from mdm.files import exclusive\n"
            f"with exclusive(Path({str(target)!r})):\n"
            "    print('held', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    holder.send_signal(signal.SIGKILL)
    holder.wait(10)
    holder.stdout.close()
    with exclusive(target, timeout=2):
        write_atomic(target, b"after\n")
    assert target.read_text(encoding="utf-8") == "after\n"
    assert lock_file(target).is_file()  # kept: removing it would race with a waiter


def test_a_dead_writers_temporary_file_is_removed_by_the_next_write(tmp_path: Path) -> None:
    target = tmp_path / "activity.csv"
    leftover = tmp_path / ".activity.csv.12345-abcd1234.mdm-tmp"
    leftover.write_bytes(b"half a file")
    with exclusive(target):
        write_atomic(target, b"whole\n")
    assert not leftover.exists()


def test_atomic_write_keeps_the_mode_and_creates_with_the_umask(tmp_path: Path) -> None:
    kept = tmp_path / "kept.yaml"
    kept.write_text("a\n", encoding="utf-8")
    kept.chmod(0o640)
    write_atomic(kept, b"b\n")
    assert kept.stat().st_mode & 0o777 == 0o640
    new = tmp_path / "new.yaml"
    umask = os.umask(0o022)
    os.umask(umask)
    write_atomic(new, b"c\n")
    assert new.stat().st_mode & 0o777 == 0o666 & ~umask
