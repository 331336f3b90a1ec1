"""Activity events: the tidy table every metric takes (docs/data.md, "Activity events").

Checks run over whole columns with Arrow compute functions and masks; a row is
looked at one by one only to name it in an error message.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mdm.data._tables import Problems, check_header, no_header, read_bytes, strip_bom
from mdm.errors import DataError
from mdm.text import decode

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

__all__ = ["EVENT_COLUMNS", "EVENT_FRAME_COLUMNS", "OPTIONAL_EVENT_COLUMNS", "load_events"]

EVENT_COLUMNS = ("contributor_id", "timestamp", "community", "area", "activity_type")
OPTIONAL_EVENT_COLUMNS = ("country", "affiliation", "is_bot", "thread_id")
EVENT_FRAME_COLUMNS = (*EVENT_COLUMNS, *OPTIONAL_EVENT_COLUMNS, "utc_offset_minutes")
# written by ``mdm import``: the key that keeps a re-import from adding an event twice
IMPORT_COLUMNS = ("event_id",)
_CATEGORIES = ("community", "area", "activity_type", "country", "affiliation")
_IDS = ("contributor_id", "thread_id")
_PATTERNS = {
    "country": (r"^[A-Z]{2}$", "an ISO 3166 alpha-2 country code such as DE"),
    "affiliation": (r"^(volunteer|staff|other)$", "volunteer, staff or other"),
}
_TIMESTAMP = r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d{1,9})?)?(Z|[+-]\d\d:?\d\d)$"
_OFFSET = r"(Z|[+-]\d\d:?\d\d)$"
_TIMESTAMP_EXPECTED = "expected ISO 8601 with a UTC offset (e.g. 2017-03-01T14:05:00+05:30 or ...Z)"
_BOOLS = {"true": True, "1": True, "false": False, "0": False}
_MAX_OFFSET = 14 * 60

# (row index, field, message) → the error about that row: at its line for CSV, as "row N"
# for Parquet, which has no lines
Locate = Callable[[int, str, str], DataError]


def load_events(path: Path, shown: str | None = None, *, coded: bool = False) -> pd.DataFrame:
    """Activity events from ``.csv``, ``.csv.gz`` or ``.parquet``, checked and normalised.

    Columns: contributor_id (string), timestamp (datetime64[ns, UTC]), community, area,
    activity_type, country, affiliation (categorical, NA when empty), is_bot (bool),
    thread_id (string, NA when empty), utc_offset_minutes (int16, the offset as written).
    ``shown`` is the path used in messages (default: ``path``).

    ``coded``: contributor_id and thread_id as categoricals instead, their codes in order of
    first appearance (the codes ``pd.factorize`` gives the text). Every metric turns ids into
    integer codes; taking them from Arrow's dictionary while reading saves building a Python
    string per row (about a third of the memory and two thirds of the time of loading).
    """
    shown = shown or str(path)
    if path.suffix == ".parquet":
        return _from_parquet(path, shown, coded)
    return _from_csv(path, shown, coded)


# --- CSV -------------------------------------------------------------------------------------


def _from_csv(path: Path, shown: str, coded: bool) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pa_csv

    raw = strip_bom(read_bytes(path, shown))
    decode(raw, shown)  # only to report the first non-UTF-8 byte by line and offset
    first_line = raw.split(b"\n", 1)[0].decode("utf-8").strip()
    if not first_line:
        raise no_header(shown, EVENT_COLUMNS)
    header = [h.strip() for h in next(csv.reader([first_line]))]
    check_header(shown, header, EVENT_COLUMNS, (*OPTIONAL_EVENT_COLUMNS, *IMPORT_COLUMNS))
    try:
        table = pa_csv.read_csv(
            io.BytesIO(raw),
            read_options=pa_csv.ReadOptions(column_names=header, skip_rows=1),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as err:
        raise _malformed(raw, shown, len(header), err) from err
    if table.num_rows == 0:
        raise DataError(
            "expected at least one event after the header, found no rows", path=shown, line=2
        )
    locate = _csv_lines(raw, shown)
    columns = {name: pc.utf8_trim_whitespace(table[name]) for name in header}
    problems = Problems(shown)
    with problems.collect():
        _require(columns["contributor_id"], "contributor_id", locate)
    utc = minutes = None
    with problems.collect():
        utc, minutes = _csv_timestamps(columns["timestamp"], locate)
    return _frame(columns, utc, minutes, locate, problems, coded)


def _csv_timestamps(stamps: pa.Array, locate: Locate) -> tuple[pa.Array, Any]:
    """UTC timestamps and the UTC offset as written, in minutes."""
    import pyarrow as pa
    import pyarrow.compute as pc

    _require(stamps, "timestamp", locate)
    _first_bad(
        pc.invert(pc.match_substring_regex(stamps, _TIMESTAMP)),
        locate,
        "timestamp",
        _TIMESTAMP_EXPECTED,
        stamps,
    )
    try:
        utc = pc.cast(stamps, pa.timestamp("ns", "UTC"))
        local = pc.cast(pc.replace_substring_regex(stamps, _OFFSET, ""), pa.timestamp("ns"))
    except pa.ArrowInvalid as err:
        raise _bad_timestamp(stamps, locate) from err
    minutes = (
        local.cast(pa.int64()).to_numpy() - utc.cast(pa.int64()).to_numpy()
    ) // 60_000_000_000
    _check_offsets(minutes, locate, "timestamp", stamps)
    return utc, minutes


def _csv_lines(raw: bytes, shown: str) -> Locate:
    """Errors at a row's line; blank lines (skipped by the reader) are counted lazily."""

    def line_of(index: int) -> int:
        reader = csv.reader(io.StringIO(decode(raw, shown), newline=""))
        next(reader)
        seen = -1
        for record in reader:
            if record:
                seen += 1
                if seen == index:
                    return reader.line_num
        return index + 2

    def locate(index: int, field: str, message: str) -> DataError:
        return DataError(message, path=shown, line=line_of(index), field=field)

    return locate


def _malformed(raw: bytes, shown: str, width: int, err: Exception) -> DataError:
    """The first row with the wrong number of fields or a line break inside quotes."""
    reader = csv.reader(io.StringIO(decode(raw, shown), newline=""))
    try:
        next(reader)
        start = reader.line_num + 1
        for record in reader:
            if record and len(record) != width:
                return DataError(
                    f"expected {width} fields, found {len(record)}", path=shown, line=start
                )
            if reader.line_num != start:
                return DataError(
                    "expected one line per event, found a line break inside a quoted field",
                    path=shown,
                    line=start,
                )
            start = reader.line_num + 1
    except csv.Error as csv_err:
        return DataError(f"malformed CSV: {csv_err}", path=shown, line=reader.line_num)
    return DataError(f"malformed CSV: {err}", path=shown)


def _bad_timestamp(stamps: pa.Array, locate: Locate) -> DataError:
    """The first timestamp of the right shape that is not a real date and time."""
    import pandas as pd

    parsed = pd.to_datetime(
        pd.Series(stamps.to_pylist(), dtype=object), utc=True, format="ISO8601", errors="coerce"
    )
    bad = parsed.isna().to_numpy().nonzero()[0]
    index = int(bad[0]) if len(bad) else 0
    return locate(
        index,
        "timestamp",
        f"expected a real date and time in ISO 8601, got {stamps[index].as_py()!r}",
    )


# --- Parquet ---------------------------------------------------------------------------------


def _from_parquet(path: Path, shown: str, coded: bool) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.compute as pc

    table = _read_parquet(path, shown, coded)

    def locate(index: int, field: str, message: str) -> DataError:
        return DataError(message, path=shown, field=f"row {index + 1}: {field}")

    columns = _parquet_columns(table, shown, coded)
    _require(columns["contributor_id"], "contributor_id", locate)
    stamps = columns["timestamp"]
    if not (pa.types.is_timestamp(stamps.type) and stamps.type.tz):
        raise DataError(
            f"expected timestamps with a time zone, found {stamps.type}",
            path=shown,
            field="timestamp",
        )
    _first_bad(stamps.is_null(), locate, "timestamp", "a date and time", stamps)
    try:
        utc = pc.cast(stamps, pa.timestamp("ns", "UTC"))
    except pa.ArrowInvalid as err:
        raise DataError(
            f"expected dates between 1677 and 2262: {err}", path=shown, field="timestamp"
        ) from err
    if "is_bot" in columns:
        bots = columns["is_bot"]
        if not pa.types.is_boolean(bots.type):
            raise DataError(
                f"expected a boolean column, found {bots.type}", path=shown, field="is_bot"
            )
        _first_bad(bots.is_null(), locate, "is_bot", "true or false", bots)
    minutes = _parquet_offsets(columns, table.num_rows, locate, shown)
    return _frame(columns, utc, minutes, locate, Problems(shown), coded)


def _read_parquet(path: Path, shown: str, coded: bool) -> Any:
    """The events table, its columns checked by name; text categories read as dictionaries."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
    except FileNotFoundError as err:
        raise DataError("file not found", path=shown) from err
    except (OSError, pa.ArrowException) as err:
        raise DataError(f"cannot read Parquet: {err}", path=shown) from err
    # pandas stores a non-default index as __index_level_N__; it is not data
    names = [n for n in schema.names if not n.startswith("__index_level_")]
    optional = (*OPTIONAL_EVENT_COLUMNS, "utc_offset_minutes", *IMPORT_COLUMNS)
    check_header(shown, names, EVENT_COLUMNS, optional)
    names = [n for n in names if n not in IMPORT_COLUMNS]  # not read: metrics never use it
    encoded = (*_CATEGORIES, *(_IDS if coded else ()))
    text = [n for n in encoded if n in names and _is_text(schema.field(n).type)]
    try:
        table = pq.read_table(path, columns=names, read_dictionary=text)
    except (OSError, pa.ArrowException) as err:
        raise DataError(f"cannot read Parquet: {err}", path=shown) from err
    if table.num_rows == 0:
        raise DataError("expected at least one event, found no rows", path=shown)
    return table


def _parquet_columns(table: Any, shown: str, coded: bool) -> dict[str, Any]:
    """Each column by name; every one but the typed three must hold text."""
    import pyarrow as pa

    columns: dict[str, Any] = {}
    for name in table.column_names:
        column = table[name]
        if name in ("timestamp", "is_bot", "utc_offset_minutes"):
            columns[name] = column
            continue
        if pa.types.is_dictionary(column.type):
            kept = name in _CATEGORIES or (coded and name in _IDS)
            column = column if kept else column.cast(column.type.value_type)
            kind = column.type.value_type if pa.types.is_dictionary(column.type) else column.type
        else:
            kind = column.type
        if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
            raise DataError(f"expected a text column, found {column.type}", path=shown, field=name)
        columns[name] = column
    return columns


def _parquet_offsets(columns: dict[str, Any], rows: int, locate: Locate, shown: str) -> Any:
    """Each event's UTC offset in minutes (all zero when the file has no such column)."""
    import numpy as np
    import pyarrow as pa

    if "utc_offset_minutes" not in columns:
        return np.zeros(rows, dtype="int16")
    offsets = columns["utc_offset_minutes"]
    if not pa.types.is_integer(offsets.type):
        raise DataError(
            f"expected an integer column, found {offsets.type}",
            path=shown,
            field="utc_offset_minutes",
        )
    _first_bad(offsets.is_null(), locate, "utc_offset_minutes", "whole minutes", offsets)
    minutes = offsets.cast(pa.int16()).to_numpy()
    _check_offsets(minutes, locate, "utc_offset_minutes", offsets)
    return minutes


# --- shared checks and the output frame ------------------------------------------------------


def _first_bad(mask: Any, locate: Locate, field: str, expected: str, values: Any) -> None:
    """Raise for the first row where ``mask`` is true, naming its value."""
    import pyarrow.compute as pc

    index = pc.index(mask.fill_null(True), True).as_py()
    if index >= 0:
        found = values[index].as_py()
        got = f"got {found!r}" if found is not None else "found none"
        expected = expected if expected.startswith("expected") else f"expected {expected}"
        raise locate(index, field, f"{expected}, {got}")


def _require(column: Any, name: str, locate: Locate) -> None:
    """A required text column (plain or dictionary-encoded): no empty values."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_dictionary(column.type):
        empty = [
            pc.or_kleene(chunk.is_null(), pc.is_in(chunk.indices, _empty_codes(chunk)))
            for chunk in column.chunks
        ]
        index = pc.index(pa.chunked_array(empty, pa.bool_()), True).as_py()
    else:
        index = pc.index(pc.or_kleene(column.is_null(), pc.equal(column, "")), True).as_py()
    if index >= 0:
        raise locate(index, name, "expected a value, found an empty field")


def _empty_codes(chunk: Any) -> Any:
    """The codes of a dictionary chunk that stand for empty text."""
    import pyarrow as pa
    import pyarrow.compute as pc

    empty = pc.indices_nonzero(pc.equal(chunk.dictionary, ""))
    return empty.cast(chunk.indices.type) if len(empty) else pa.array([], chunk.indices.type)


def _check_offsets(minutes: Any, locate: Locate, field: str, values: Any) -> None:
    bad = (abs(minutes) > _MAX_OFFSET).nonzero()[0]
    if len(bad):
        index = int(bad[0])
        raise locate(
            index,
            field,
            f"expected a UTC offset between -12:00 and +14:00, got {values[index].as_py()!r}",
        )


def _codes(column: Any) -> tuple[list[Any], Any]:
    """Distinct values and, per row, the position of its value (-1 for null)."""
    import numpy as np
    import pyarrow as pa

    if not pa.types.is_dictionary(column.type):
        column = column.dictionary_encode()
    column = column.unify_dictionaries()
    if not column.num_chunks:
        return [], np.zeros(0, dtype="int32")
    codes = np.concatenate(
        [c.indices.fill_null(-1).to_numpy(zero_copy_only=False) for c in column.chunks]
    )
    return column.chunk(0).dictionary.to_pylist(), codes


def _first_code(codes: Any, bad: list[int]) -> int:
    import numpy as np

    return int(np.isin(codes, bad).argmax())


def _categorical(column: Any, name: str, locate: Locate) -> pd.Categorical:
    """A text column as a pandas Categorical, empty → NA, values checked per distinct value."""
    import numpy as np
    import pandas as pd

    values, codes = _codes(column)
    if name in EVENT_COLUMNS:
        empty = [i for i, v in enumerate(values) if not v] + [-1]
        if (codes < 0).any() or len(empty) > 1:
            index = _first_code(codes, empty)
            raise locate(index, name, "expected a value, found an empty field")
    if name in _PATTERNS:
        pattern, expected = _PATTERNS[name]
        bad = [i for i, v in enumerate(values) if v and not re.match(pattern, v)]
        if bad:
            index = _first_code(codes, bad)
            raise locate(index, name, f"expected {expected}, got {values[codes[index]]!r}")
    kept = sorted({v for v in values if v})
    position = {v: i for i, v in enumerate(kept)}
    # the extra last entry maps the null code -1 to NA
    remap = np.array([position.get(v, -1) for v in values] + [-1], dtype="int16")
    return pd.Categorical.from_codes(
        remap[codes], categories=pd.Index(kept, dtype="str"), validate=False
    )


def _frame(
    columns: dict[str, Any],
    utc: Any,
    minutes: Any,
    locate: Locate,
    problems: Problems,
    coded: bool = False,
) -> pd.DataFrame:
    """The in-memory contract (docs/data.md) from checked Arrow columns.

    Each column's first problem joins ``problems`` (timestamps failed already when ``utc`` is
    None); all of them are raised together.
    """
    import numpy as np
    import pandas as pd

    rows = len(columns["contributor_id"])
    built: dict[str, Any] = {}
    for name in _CATEGORIES:
        with problems.collect():
            built[name] = (
                _categorical(columns[name], name, locate)
                if name in columns
                else pd.Categorical.from_codes(
                    np.full(rows, -1), categories=pd.Index([], dtype="str")
                )
            )
    with problems.collect():
        built["is_bot"] = _bots(columns.get("is_bot"), rows, locate)
    problems.raise_any()
    text = _ids if coded else _strings
    frame = pd.DataFrame(
        {"contributor_id": text(columns["contributor_id"]), "timestamp": utc.to_pandas()}
    )
    for name, column in built.items():
        frame[name] = column
    frame["thread_id"] = _threads(columns.get("thread_id"), frame.index, coded)
    frame["utc_offset_minutes"] = np.asarray(minutes).astype("int16")
    return frame


def _bots(bots: Any, rows: int, locate: Locate) -> Any:
    """``is_bot`` as booleans: absent → False; text true/false/1/0 in any case."""
    import numpy as np
    import pyarrow as pa

    if bots is None:
        return np.zeros(rows, dtype=bool)
    if pa.types.is_boolean(bots.type):
        return bots.to_numpy()
    values, codes = _codes(bots)
    words = [str(v).lower() for v in values]
    bad = [i for i, w in enumerate(words) if w and w not in _BOOLS]
    if bad:
        index = _first_code(codes, bad)
        raise locate(
            index, "is_bot", f"expected true or false (or 1 or 0), got {values[codes[index]]!r}"
        )
    return np.array([_BOOLS.get(w, False) for w in words] + [False])[codes]


def _threads(threads: Any, index: pd.Index, coded: bool) -> pd.Series:
    """``thread_id`` as strings (or ``coded``), NA when absent or empty."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    if threads is None:
        if coded:
            return pd.Series(pd.Categorical([None] * len(index), categories=[]), index=index)
        return pd.Series(pd.NA, index=index, dtype=pd.StringDtype())
    if coded:
        return _ids(threads)
    if pa.types.is_dictionary(threads.type):
        threads = threads.cast(threads.type.value_type)
    empty = pc.equal(threads, "")
    return _strings(pc.if_else(empty, pa.scalar(None, threads.type), threads))


def _strings(column: Any) -> pd.Series:
    """Arrow text as pandas ``string`` (NA for null)."""
    import pandas as pd
    import pyarrow as pa

    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    return pd.Series(pd.array(column.cast(pa.large_string()), dtype=pd.StringDtype()))


def _ids(column: Any) -> pd.Series:
    """Arrow text (plain or dictionary-encoded) as a pandas categorical; empty and null → NA.

    Arrow builds the codes as it reads, without a Python string per row; the order of the
    categories is Arrow's (no metric depends on it).
    """
    import pandas as pd
    import pyarrow as pa

    if not pa.types.is_dictionary(column.type):
        column = column.dictionary_encode()
    ids = column.unify_dictionaries().to_pandas()
    if not isinstance(ids.dtype, pd.CategoricalDtype):  # no chunks: an empty column
        ids = ids.astype("category")
    if (ids.cat.categories == "").any():
        ids = ids.cat.remove_categories([""])
    return pd.Series(ids.array, name=None)


def _is_text(kind: Any) -> bool:
    import pyarrow as pa

    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))
