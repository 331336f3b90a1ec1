"""Project files read and written safely: content digests, exclusive locks, atomic replacement.

Every digest mdm records (section keys, the sources appendix, manifests, releases) is made
here. Every file mdm rewrites in a project is changed under :func:`exclusive` (read, change and
write with no other mdm command in between: two reviewers agreeing at once both keep their
record) and replaced in one rename, so a reader never sees half a file and a failure leaves
the old content.

A lock is ``fcntl.flock`` on a lock file beside the file it guards (``.NAME.mdm-lock``), so
the operating system releases it when its process ends, however it ends: a killed command
never leaves a lock that blocks the next one. The lock file is kept (removing it would let a
waiting command lock a file nobody else sees); it holds the pid and start time of the
holder, for the message of a command that waited too long.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import secrets
import shutil
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from mdm.errors import BusyError, DataError

__all__ = [
    "LOCK_SUFFIX",
    "LOCK_TIMEOUT",
    "TEMPORARY_SUFFIX",
    "combine",
    "exclusive",
    "file_digest",
    "holder",
    "sha256_file",
    "write_atomic",
]

LOCK_SUFFIX = ".mdm-lock"
TEMPORARY_SUFFIX = ".mdm-tmp"
LOCK_TIMEOUT = 60.0
"""Seconds a command waits for another one writing the same file before it gives up."""

_DIGEST_LENGTH = 12


_HASHED: dict[tuple[str, int, int, int], str] = {}
_REMEMBERED = 16 << 20  # bytes


def sha256_file(path: Path) -> str:
    """The full SHA-256 hex digest of one file, read in blocks.

    A build keys every section on the files it reads, so one events file is hashed once per
    section that shows it: a large file whose size, modification time and inode are unchanged
    is not read again within the process. Only large files: writing one takes longer than the
    file system's clock tick, so a rewrite always changes its modification time.
    """
    try:
        stat = path.stat()
    except FileNotFoundError as err:
        raise DataError("file not found", path=path) from err
    seen = (str(path.resolve()), stat.st_size, stat.st_mtime_ns, stat.st_ino)
    if seen in _HASHED:
        return _HASHED[seen]
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except FileNotFoundError as err:
        raise DataError("file not found", path=path) from err
    if stat.st_size < _REMEMBERED:
        return digest.hexdigest()
    if len(_HASHED) > 256:  # a long-lived process (mdm preview --watch) forgets old files
        _HASHED.clear()
    _HASHED[seen] = digest.hexdigest()
    return _HASHED[seen]


def file_digest(path: Path) -> str:
    """The first 12 hex digits of the SHA-256 of a file (of a folder: of its files, by name)."""
    digest = hashlib.sha256()
    if path.is_dir():
        for child in sorted(p for p in path.rglob("*") if p.is_file()):
            digest.update(child.relative_to(path).as_posix().encode() + b"\0")
            digest.update(bytes.fromhex(sha256_file(child)))
        return digest.hexdigest()[:_DIGEST_LENGTH]
    return sha256_file(path)[:_DIGEST_LENGTH]


def combine(parts: Iterable[str]) -> str:
    """One digest over several strings, order-sensitive and unambiguous."""
    digest = hashlib.sha256()
    for part in parts:
        encoded = part.encode("utf-8")
        digest.update(len(encoded).to_bytes(8, "big"))
        digest.update(encoded)
    return digest.hexdigest()


def write_atomic(path: Path, content: bytes) -> None:
    """Replace ``path`` with ``content`` in one rename, keeping its permissions.

    The temporary file's name is unique to this call (process id and a random part), so two
    commands writing at once never write into each other's temporary file.
    """
    temporary = path.with_name(
        f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}{TEMPORARY_SUFFIX}"
    )
    # created as open() creates files (the umask applies), not 0600 as mkstemp would
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        if path.exists():
            shutil.copymode(path, temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def lock_file(path: Path) -> Path:
    """The lock file that guards ``path``."""
    return path.with_name(f".{path.name}{LOCK_SUFFIX}")


def _holder(lock: Path) -> str:
    try:
        info = json.loads(lock.read_text(encoding="utf-8"))
        started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(float(info["started"])))
        return f"pid {int(info['pid'])}, started at {started}"
    except (OSError, ValueError, KeyError, TypeError):
        return "its pid unknown"


@contextmanager
def exclusive(path: Path, shown: object = None, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the exclusive lock on ``path`` while the block reads, changes and writes it.

    Waits up to ``timeout`` seconds for another command holding it, then raises
    :class:`~mdm.errors.BusyError` naming the file and the holder. Leftover temporary files
    of commands that died while writing ``path`` are removed once the lock is held.
    """
    lock = lock_file(path)
    lock.parent.mkdir(parents=True, exist_ok=True)
    handle = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline, pause = time.monotonic() + timeout, 0.001
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise BusyError(
                        f"another mdm command is writing this file ({_holder(lock)}); "
                        f"waited {timeout:g} s: try again when it has finished",
                        path=str(shown if shown is not None else path),
                    ) from None
                time.sleep(pause)  # short at first: most writes take a few milliseconds
                pause = min(pause * 2, 0.02)
        os.ftruncate(handle, 0)
        os.write(handle, json.dumps({"pid": os.getpid(), "started": time.time()}).encode())
        for leftover in path.parent.glob(f".{path.name}.*{TEMPORARY_SUFFIX}"):
            leftover.unlink(missing_ok=True)  # only a dead writer's: we hold the lock
        yield
    finally:
        os.close(handle)  # closing releases the lock


def holder(path: Path) -> str:
    """Who holds the lock on ``path`` (``pid N, started at T``), for a waiting command's message."""
    return _holder(lock_file(path))
