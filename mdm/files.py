"""Project files read and written safely: content digests and atomic replacement.

Every digest mdm records (section keys, the sources appendix, manifests, releases) is made
here, and every file mdm rewrites in a project is replaced in one rename, so a reader never
sees half a file and a failure leaves the old content.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
from collections.abc import Iterable
from pathlib import Path

from mdm.errors import DataError

__all__ = ["combine", "file_digest", "sha256_file", "write_atomic"]

_DIGEST_LENGTH = 12


def sha256_file(path: Path) -> str:
    """The full SHA-256 hex digest of one file, read in blocks."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except FileNotFoundError as err:
        raise DataError(f"{path}: file not found") from err
    return digest.hexdigest()


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
    temporary = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.mdm-tmp")
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
