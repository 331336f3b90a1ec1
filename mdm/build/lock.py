"""One build at a time per output folder, with recovery from a lock left by a dead build.

The lock is a file created atomically (``O_CREAT | O_EXCL``) holding the
owner's pid, host and start time. A lock whose process no longer exists on
this host is stale: it is removed and taken over. Leftover staging folders
of dead builds are removed at the same moment, by the next build, or by the
next command that finds everything up to date (:func:`clear_leftovers`).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mdm.errors import BuildError, BusyError

__all__ = ["LOCK_NAME", "build_lock", "clear_leftovers"]

LOCK_NAME = ".mdm-build.lock"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def _owner(lock: Path) -> dict[str, object] | None:
    try:
        data = json.loads(lock.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _stale(owner: dict[str, object] | None) -> bool:
    if owner is None:  # unreadable or half-written: its writer died mid-write
        return True
    pid = owner.get("pid")
    return owner.get("host") == socket.gethostname() and isinstance(pid, int) and not _alive(pid)


@contextmanager
def build_lock(output: Path) -> Iterator[None]:
    """Hold ``output``'s build lock for the duration of the block."""
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise BuildError(
            f"cannot create the output folder: {err.strerror or err}", path=output
        ) from err
    lock = output / LOCK_NAME
    me = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.time()}
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            owner = _owner(lock)
            if owner is not None and not _stale(owner):
                since = time.strftime(
                    "%H:%M:%S", time.localtime(float(str(owner.get("started", 0))))
                )
                raise BusyError(
                    f"another build (pid {owner.get('pid')} on {owner.get('host')}, "
                    f"started {since}) is writing this output folder; wait for it to finish",
                    path=lock,
                ) from None
            lock.unlink(missing_ok=True)
            continue
        except OSError as err:
            raise BuildError(
                f"cannot write the output folder: {err.strerror or err}", path=output
            ) from err
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(me, handle)
        break
    else:
        raise BusyError("could not take the lock; another build took it first", path=lock)
    try:
        # staging folders of builds that died: the lock proves none is in use
        for leftover in output.glob(".staging-*"):
            shutil.rmtree(leftover, ignore_errors=True)
        yield
    finally:
        lock.unlink(missing_ok=True)


def clear_leftovers(output: Path) -> None:
    """Remove the lock and staging folders of a build that died, if ``output`` has any.

    Taken as a build takes the lock, so that nothing a running build uses is removed;
    a running build's lock is left alone.
    """
    if not (output / LOCK_NAME).exists() and not any(output.glob(".staging-*")):
        return
    try:
        with build_lock(output):
            pass
    except BusyError:  # a live build: its lock and staging folder are in use
        pass
