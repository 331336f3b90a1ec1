"""A CSV events file written the way git likes it: its bytes kept, new lines appended.

A team keeps a small events file as CSV to read its diffs. An import copies the file as it
is and appends the new events in the file's own layout: its column order, its line ends, and
its quoting (minimal, as people write CSV, or every text quoted, as earlier versions of mdm
wrote it). A line changes only when its own event changes: its person was merged with
another or marked bot (just that field is replaced), or it is no longer kept (removed). A
file without the columns an import needs (``event_id``, ...) gains them once, at the end
of every line. A ``.csv.gz`` file is recompressed (a diff of it means nothing anyway).
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["Edits", "as_text", "write"]

Edits = dict[str, tuple[str, bool] | None]
"""Event id → its new (contributor id, is_bot), or None when the line goes."""
COLUMNS = (
    "contributor_id",
    "timestamp",
    "community",
    "area",
    "activity_type",
    "country",
    "affiliation",
    "is_bot",
    "thread_id",
    "event_id",
)
_IMPORTED = ("country", "is_bot", "thread_id", "event_id")
_FIELD = re.compile(r'"(?:[^"]|"")*"|[^,\r\n"]*')


@dataclass(frozen=True)
class _Layout:
    columns: list[str]
    eol: str
    quoted: bool
    """Text values quoted (pyarrow's CSV writer, used by mdm before), else only as needed."""


def _open(path: Path, mode: str) -> IO[bytes]:
    if path.name.endswith(".gz"):
        return gzip.open(path, mode)  # type: ignore[return-value]
    return path.open(mode)


def as_text(table: pa.Table) -> pa.Table:
    """Events as mdm's CSV: ISO 8601 local time with its UTC offset, no offset column."""
    import numpy as np
    import pyarrow as pa

    ns = table["timestamp"].cast(pa.int64()).to_numpy()
    minutes = table["utc_offset_minutes"].to_numpy().astype(np.int64)
    local = (ns + minutes * 60_000_000_000).astype("datetime64[ns]")
    clock = np.datetime_as_string(local, unit="s")
    sign = np.where(minutes < 0, "-", "+")
    hours = np.char.zfill((np.abs(minutes) // 60).astype(str), 2)
    mins = np.char.zfill((np.abs(minutes) % 60).astype(str), 2)
    stamps = np.char.add(np.char.add(np.char.add(np.char.add(clock, sign), hours), ":"), mins)
    text = table.drop_columns(["utc_offset_minutes"])
    index = text.schema.get_field_index("timestamp")
    return text.set_column(index, "timestamp", pa.array(stamps.tolist(), pa.string()))


def _lines(table: pa.Table, layout: _Layout) -> bytes:
    """Rows in the file's column order, quoting and line ends."""
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    text = as_text(table).select(layout.columns)
    out = io.BytesIO()
    style = "needed" if layout.quoted else "none"
    options = pa_csv.WriteOptions(include_header=False, eol=layout.eol, quoting_style=style)
    try:
        pa_csv.write_csv(text, out, options)
        return out.getvalue()
    except pa.ArrowInvalid:  # a comma or a quote in a value: quote just that one
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator=layout.eol)
        for row in text.to_pylist():
            writer.writerow(_cell(row[c]) for c in layout.columns)
        return buffer.getvalue().encode("utf-8")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _layout_of(path: Path) -> _Layout:
    with _open(path, "rb") as stream:
        first = stream.readline()
    header = first.decode("utf-8").lstrip("\ufeff")
    columns = [c.strip() for c in next(csv.reader([header.rstrip("\r\n")]))]
    eol = "\r\n" if first.endswith(b"\r\n") else "\n"
    return _Layout(columns, eol, header.startswith('"'))


def _copy(source: IO[bytes], out: IO[bytes]) -> bool:
    """Copy every byte; whether the last line was ended."""
    last = b"\n"
    for block in iter(lambda: source.read(1 << 20), b""):
        out.write(block)
        last = block
    return last.endswith(b"\n")


def write(
    temporary: Path, target: Path, exists: bool, edits: Edits, added: Iterable[pa.Table]
) -> None:
    """Write ``target``'s new content to ``temporary``: its lines, edited, then ``added``."""
    if not exists:
        layout = _Layout(list(COLUMNS), "\n", quoted=False)
        with _open(temporary, "wb") as out:
            out.write((",".join(COLUMNS) + "\n").encode())
            for table in added:
                out.write(_lines(table, layout))
        return
    layout = _layout_of(target)
    missing = [c for c in _IMPORTED if c not in layout.columns]
    with _open(temporary, "wb") as out:
        if edits or missing:
            _rewrite(target, out, layout, edits, missing)
            layout = _Layout([*layout.columns, *missing], layout.eol, layout.quoted)
        else:
            with _open(target, "rb") as source:
                if not _copy(source, out):
                    out.write(layout.eol.encode())
        for table in added:
            out.write(_lines(table, layout))


def _records(stream: IO[str]) -> Iterator[tuple[str, list[str]]]:
    """(raw text, fields) of each CSV record, the raw text as written (quotes, line end)."""
    consumed: list[str] = []

    def lines() -> Iterator[str]:
        for line in stream:
            consumed.append(line)
            yield line

    for row in csv.reader(lines()):
        raw = "".join(consumed)
        consumed.clear()
        yield raw, row


def _rewrite(
    target: Path, out: IO[bytes], layout: _Layout, edits: Edits, missing: list[str]
) -> None:
    """Every line of ``target``, changed only where an edit or a missing column says."""
    position = {c: i for i, c in enumerate(layout.columns)}
    event = position.get("event_id")
    extra = "," * len(missing)
    with _open(target, "rb") as raw_stream:
        stream = io.TextIOWrapper(raw_stream, encoding="utf-8", newline="")
        for number, (raw, row) in enumerate(_records(stream)):
            if number == 0 and missing:
                quote = '"' if layout.quoted else ""
                extra_header = "".join(f",{quote}{c}{quote}" for c in missing)
                raw = _with_end(raw, extra_header, layout.eol)
            elif number and row and event is not None and row[event] in edits:
                edit = edits[row[event]]
                if edit is None:
                    continue
                raw = _edited(raw, position, edit)
            if number and row and missing:
                raw = _with_end(raw, extra, layout.eol)
            out.write(raw.encode("utf-8"))


def _with_end(raw: str, extra: str, eol: str) -> str:
    body = raw.rstrip("\r\n")
    return body + extra + (raw[len(body) :] or eol)


def _edited(raw: str, position: dict[str, int], edit: tuple[str, bool]) -> str:
    """The record with its contributor id and bot mark replaced, each as it was written."""
    spans, start = [], 0
    while True:
        match = _FIELD.match(raw, start)
        assert match is not None  # the pattern matches the empty string
        spans.append(match.span())
        start = match.end()
        if start >= len(raw) or raw[start] != ",":
            break
        start += 1
    replaced: list[tuple[int, int, str]] = []
    cid, bot = edit
    for name, value in (("contributor_id", cid), ("is_bot", bot)):
        if name not in position:
            continue
        begin, end = spans[position[name]]
        old = raw[begin:end].strip('"')
        new = _bool_like(old, value) if isinstance(value, bool) else value
        quote = '"' if raw[begin:end].startswith('"') else ""
        replaced.append((begin, end, quote + new + quote))
    for begin, end, new in sorted(replaced, reverse=True):
        raw = raw[:begin] + new + raw[end:]
    return raw


def _bool_like(old: str, value: bool) -> str:
    """``value`` written the way the file writes booleans (1/0, True/False, true/false)."""
    if old in ("0", "1"):
        return "1" if value else "0"
    text = "true" if value else "false"
    return text.capitalize() if old[:1].isupper() else text
