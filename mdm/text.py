"""Text as mdm reads it: one UTF-8 decoder for params and data files, and "did you mean".

It sits below both the params and the research data, which read files the same way.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path

from mdm.errors import DataError, MdmError

__all__ = ["decode", "did_you_mean", "read_utf8"]


def decode(raw: bytes, shown: object, error: type[MdmError] = DataError) -> str:
    """UTF-8 text without its BOM; a non-UTF-8 byte is ``error`` naming its line and offset."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise error(
            f"expected UTF-8 text, found byte {raw[err.start]:#04x} at offset {err.start}",
            path=str(shown),
            line=line,
        ) from err


def read_utf8(path: Path, shown: object, error: type[MdmError] = DataError) -> str:
    """A file's text; a missing file or a non-UTF-8 byte is ``error``, naming line and offset."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError as err:
        raise error("file not found", path=str(shown)) from err
    return decode(raw, shown, error)  # a BOM is accepted and dropped


def did_you_mean(value: str, known: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest of ``known`` to ``value``, or ``""``."""
    close = difflib.get_close_matches(value, list(known), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""
