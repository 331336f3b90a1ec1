"""Writing the events file of an import: existing events and new ones, streamed in batches.

The import first spills the events it reads to a temporary Parquet file (people are
still identity nodes then: unification is only final after the last item). Here
they are written out batch by batch: existing events first, with their person's
current id and bot mark, then the new events that are not there yet. Only the
event-id column of each side is ever held whole, so memory stays small next to
the number of events. The result is written next to the events file and renamed
over it: readers, and a failed import, see the old file or the new one.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mdm.data.events import load_events

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

__all__ = ["Existing", "People", "Spill", "write_events"]

BATCH = 65_536


def _schema() -> pa.Schema:
    import pyarrow as pa

    text = pa.string()
    return pa.schema(
        [
            ("contributor_id", text),
            ("timestamp", pa.timestamp("ns", "UTC")),
            ("community", text),
            ("area", text),
            ("activity_type", text),
            ("country", text),
            ("affiliation", text),
            ("is_bot", pa.bool_()),
            ("thread_id", text),
            ("utc_offset_minutes", pa.int16()),
            ("event_id", text),
        ]
    )


def spill_schema() -> pa.Schema:
    """Events as read, before people are resolved: ``node`` and ``origin`` are indices."""
    import pyarrow as pa

    return pa.schema(
        [
            ("event_id", pa.string()),
            ("ns", pa.int64()),
            ("utc_offset_minutes", pa.int16()),
            ("activity_type", pa.dictionary(pa.int32(), pa.string())),
            ("thread_id", pa.string()),
            ("node", pa.int32()),
            ("origin", pa.int32()),
            ("key", pa.int64()),
        ]
    )


def event_keys(ids: list[str]) -> np.ndarray[Any, Any]:
    """A 64-bit hash per event id, to find repeats without holding every id as text.

    Python's string hash is salted per process: keys are compared only within one import,
    where the new and the existing events are hashed alike. That two of a million ids share a
    key by chance (and one event is taken for a repeat) has odds of about one in 30 million.
    """
    import numpy as np

    return np.fromiter(map(hash, ids), dtype=np.int64, count=len(ids))


class Spill:
    """The events read so far, in a temporary Parquet file."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "events.parquet"
        self.rows = 0
        self._writer: Any = None

    def write(self, batch: pa.RecordBatch) -> None:
        import pyarrow.parquet as pq

        if self._writer is None:
            self._writer = pq.ParquetWriter(self.path, spill_schema(), compression="lz4")
        self._writer.write_batch(batch)
        self.rows += batch.num_rows

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def column(self, name: str) -> pa.Array:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if not self.rows:
            return pa.array([], spill_schema().field(name).type)
        return pq.read_table(self.path, columns=[name])[name].combine_chunks()

    def batches(self) -> Iterator[pa.RecordBatch]:
        import pyarrow.parquet as pq

        if self.rows:
            yield from pq.ParquetFile(self.path).iter_batches(batch_size=BATCH)


@dataclass(frozen=True)
class People:
    """Who the identity nodes turned out to be, and what changed for earlier events."""

    person_of: np.ndarray[Any, Any]
    """Per node: the index of its person in ``ids``."""
    ids: list[str]
    bots: np.ndarray[Any, Any]
    """Per person (same index as ``ids``): a bot?"""
    renames: dict[str, str]
    """Earlier contributor id → the id of the person it is now part of."""


def conform(table: pa.Table) -> pa.Table:
    """Any events table as the written schema: text as string, missing columns as nulls."""
    import pyarrow as pa

    schema = _schema()
    columns = []
    for field in schema:
        if field.name not in table.column_names:
            columns.append(pa.nulls(table.num_rows, field.type))
            continue
        column = table[field.name]
        if pa.types.is_dictionary(column.type):
            column = column.cast(column.type.value_type)
        columns.append(column.cast(field.type))
    return pa.Table.from_arrays(columns, schema=schema)


class Existing:
    """The events file as it is: read in batches if the last import wrote it, else checked."""

    def __init__(self, path: Path, shown: str, ours: bool) -> None:
        self.path, self._table = path, None
        self._ours = ours and path.suffix == ".parquet"
        if not self._ours:
            self._table = _checked(path, shown)

    def keys(self) -> np.ndarray[Any, Any]:
        """:func:`event_keys` of the imported events in the file (rows with an event id)."""
        import numpy as np
        import pyarrow.parquet as pq

        if self._table is not None:
            columns = (b["event_id"] for b in self._table.to_batches(BATCH))
        else:
            batches = pq.ParquetFile(self.path).iter_batches(BATCH, columns=["event_id"])
            columns = (b["event_id"] for b in batches)
        parts = [event_keys([v for v in c.to_pylist() if v is not None]) for c in columns]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def tables(self) -> Iterator[pa.Table]:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if self._table is not None:
            yield from (self._table.slice(i, BATCH) for i in range(0, self._table.num_rows, BATCH))
            return
        for batch in pq.ParquetFile(self.path).iter_batches(batch_size=BATCH):
            yield conform(pa.Table.from_batches([batch]))


def _checked(path: Path, shown: str) -> pa.Table:
    """A file someone else wrote goes through mdm's own events loader first."""
    import pyarrow as pa
    import pyarrow.csv as pa_csv
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(load_events(path, shown), preserve_index=False)
    if path.suffix == ".parquet":
        if "event_id" in pq.read_schema(path).names:
            ids = pq.read_table(path, columns=["event_id"])["event_id"]
            table = table.append_column("event_id", ids.cast(pa.string()))
    else:
        options = pa_csv.ConvertOptions(
            column_types={"event_id": pa.string()}, include_columns=["event_id"],
            include_missing_columns=True, strings_can_be_null=True,
        )  # fmt: skip
        ids = pa_csv.read_csv(path, convert_options=options)["event_id"]
        table = table.append_column("event_id", ids.cast(pa.string()))
    return conform(table)


def _renamed(table: pa.Table, people: People, bot_of: pa.Table) -> pa.Table:
    """Imported rows take their person's current id and bot mark (people may have merged)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    cids = table["contributor_id"]
    if people.renames:
        before = pa.array(list(people.renames), pa.string())
        after = pa.array(list(people.renames.values()), pa.string())
        position = pc.index_in(cids, value_set=before)
        cids = pc.if_else(position.is_valid(), pc.take(after, position.fill_null(0)), cids)
        table = table.set_column(0, "contributor_id", cids)
    position = pc.index_in(cids, value_set=bot_of["id"])
    found = pc.and_(table["event_id"].is_valid(), position.is_valid())
    marks = pc.take(bot_of["bot"], position.fill_null(0))
    return table.set_column(7, "is_bot", pc.if_else(found, marks, table["is_bot"]))


def _decoded(indices: Any, values: list[Any]) -> pa.Array:
    """Values looked up by index, in Arrow (no Python object per event)."""
    import pyarrow as pa

    dictionary = pa.array(values, pa.string())
    return pa.DictionaryArray.from_arrays(indices, dictionary).cast(pa.string())


def _new(
    batch: pa.RecordBatch, people: People, places: list[tuple[str, str, str | None]]
) -> pa.Table:
    import pyarrow as pa

    person = people.person_of[batch["node"].to_numpy()]
    origin = batch["origin"]
    columns = {
        "contributor_id": _decoded(pa.array(person, pa.int32()), people.ids),
        "timestamp": batch["ns"].cast(pa.timestamp("ns", "UTC")),
        "community": _decoded(origin, [p[0] for p in places]),
        "area": _decoded(origin, [p[1] for p in places]),
        "activity_type": batch["activity_type"].cast(pa.string()),
        "country": _decoded(origin, [p[2] for p in places]),
        "is_bot": pa.array(people.bots[person], pa.bool_()),
        "thread_id": batch["thread_id"],
        "utc_offset_minutes": batch["utc_offset_minutes"],
        "event_id": batch["event_id"],
    }
    return conform(pa.table(columns))


def fresh_events(spill: Spill, existing: Existing | None) -> np.ndarray[Any, Any]:
    """Per spilled event: is it new? (not in the file, and the first of its id in this import)"""
    import numpy as np

    keys = spill.column("key").to_numpy()
    keep = np.zeros(len(keys), dtype=bool)
    keep[np.unique(keys, return_index=True)[1]] = True  # the first of each id in this import
    if existing is not None:
        keep &= ~np.isin(keys, existing.keys())
    return keep


def write_events(
    path: Path,
    existing: Existing | None,
    spill: Spill,
    keep: np.ndarray[Any, Any],
    people: People,
    places: list[tuple[str, str, str | None]],
) -> None:
    """Existing events, then the new ones, into a file renamed over ``path`` at the end."""
    import pyarrow as pa

    bot_of = pa.table({"id": pa.array(people.ids, pa.string()), "bot": pa.array(people.bots)})
    temporary = path.with_name(f".{path.name}.importing")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with _Writer(temporary, path) as writer:
            for table in existing.tables() if existing is not None else ():
                writer.write(_renamed(table, people, bot_of))
            start = 0
            for batch in spill.batches():
                wanted = keep[start : start + batch.num_rows]
                start += batch.num_rows
                if wanted.any():
                    writer.write(_new(batch, people, places).filter(pa.array(wanted)))
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


class _Writer:
    """Parquet for ``.parquet``, else mdm's CSV (``.gz``: compressed), one batch at a time."""

    def __init__(self, temporary: Path, target: Path) -> None:
        import pyarrow as pa
        import pyarrow.csv as pa_csv
        import pyarrow.parquet as pq

        self._csv = target.suffix != ".parquet"
        if not self._csv:
            self._out: Any = pq.ParquetWriter(temporary, _schema(), compression="zstd")
            return
        self._sink = (
            pa.CompressedOutputStream(str(temporary), "gzip")
            if target.name.endswith(".gz")
            else pa.OSFile(str(temporary), "wb")
        )
        self._out = pa_csv.CSVWriter(self._sink, _text_schema())

    def write(self, table: pa.Table) -> None:
        self._out.write_table(_as_text(table) if self._csv else table)

    def __enter__(self) -> _Writer:
        return self

    def __exit__(self, *exc: object) -> None:
        self._out.close()
        if self._csv:
            self._sink.close()


def _text_schema() -> pa.Schema:
    import pyarrow as pa

    schema = _schema()
    schema = schema.remove(schema.get_field_index("utc_offset_minutes"))
    return schema.set(schema.get_field_index("timestamp"), pa.field("timestamp", pa.string()))


def _as_text(table: pa.Table) -> pa.Table:
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
    text = text.set_column(index, "timestamp", pa.array(stamps.tolist(), pa.string()))
    return text.cast(_text_schema())
