"""Writing the events file of an import: existing events and new ones, streamed in batches.

The import first spills the events it reads to a temporary Parquet file (people are
still identity nodes then: unification is only final after the last item). Here
they are written out: existing events first, each imported one with its person's
current id and bot mark (:func:`updated`), then the new events that are not there yet.
Only the event-id column of each side is ever held whole, so memory stays small next to
the number of events. A Parquet file is rewritten; a CSV file keeps its bytes and only the
lines that change are written (:mod:`mdm.sources.events_csv`). The result is written next
to the events file and renamed over it: readers, and a failed import, see the old file or
the new one.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mdm.data.events import load_events
from mdm.files import TEMPORARY_SUFFIX
from mdm.sources import events_csv

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

__all__ = [
    "Existing",
    "People",
    "Spill",
    "changes",
    "event_keys",
    "fresh_events",
    "schema",
    "spill_schema",
    "temporary_for",
    "updated",
    "write_events",
]

BATCH = 65_536


def schema() -> pa.Schema:
    """The columns an imported events file has, in this order."""
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
    """Who each event's person is now, and which imported events are no longer kept."""

    person_of: np.ndarray[Any, Any]
    """Per identity node: the index of its person in ``ids``."""
    ids: list[str]
    bots: np.ndarray[Any, Any]
    """Per person (same index as ``ids``): a bot or a service account?"""
    ledger_keys: np.ndarray[Any, Any]
    """:func:`event_keys` of the events of earlier imports (the private ledger), sorted ..."""
    ledger_person: np.ndarray[Any, Any]
    """... and the index of each one's person now (-1: an identity no longer known)."""
    renames: dict[str, str] = field(default_factory=dict)
    """Earlier contributor id → the id now, for events the ledger does not list."""
    dropped: tuple[str, ...] = ()
    """Activity types of imported events no longer kept (``commit_applied``)."""


def conform(table: pa.Table) -> pa.Table:
    """Any events table as the written schema: text as string, missing columns as nulls."""
    import pyarrow as pa

    columns = []
    for column in schema():
        if column.name not in table.column_names:
            columns.append(pa.nulls(table.num_rows, column.type))
            continue
        values = table[column.name]
        if pa.types.is_dictionary(values.type):
            values = values.cast(values.type.value_type)
        columns.append(values.cast(column.type))
    return pa.Table.from_arrays(columns, schema=schema())


class Existing:
    """The events file as it is: read in batches if the last import wrote it, else checked."""

    def __init__(self, path: Path, shown: str, ours: bool) -> None:
        self.path, self.shown, self._table = path, shown, None
        self._ours = ours and path.suffix == ".parquet"
        if not self._ours:
            self._table = _checked(path, shown)

    def keys(self) -> np.ndarray[Any, Any]:
        """:func:`event_keys` of the imported events in the file (rows with an event id)."""
        import numpy as np

        parts = [
            event_keys([v for v in t["event_id"].to_pylist() if v is not None])
            for t in self.tables(["event_id"])
        ]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def tables(self, columns: list[str] | None = None) -> Iterator[pa.Table]:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if self._table is not None:
            table = self._table.select(columns) if columns else self._table
            yield from (table.slice(i, BATCH) for i in range(0, table.num_rows, BATCH))
            return
        for batch in pq.ParquetFile(self.path).iter_batches(batch_size=BATCH, columns=columns):
            table = pa.Table.from_batches([batch])
            yield table if columns else conform(table)


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


def updated(table: pa.Table, people: People) -> tuple[pa.Table, pa.Array, pa.Array]:
    """Imported rows with their person's current id and bot mark; and per row whether it
    changed and whether it is kept. Rows without an ``event_id`` are never touched."""
    import pyarrow as pa
    import pyarrow.compute as pc

    imported = table["event_id"].is_valid()
    before_ids, before_bots = table["contributor_id"], table["is_bot"].fill_null(False)
    cids = before_ids
    if people.renames:
        before = pa.array(list(people.renames), pa.string())
        after = pa.array(list(people.renames.values()), pa.string())
        position = pc.index_in(cids, value_set=before)
        cids = pc.coalesce(pc.take(after, position), cids)
    person = _ledger_person(table["event_id"], people)
    ids = pa.array(people.ids, pa.string())
    cids = pc.if_else(imported, pc.coalesce(pc.take(ids, person), cids), before_ids)
    marks = pc.take(pa.array(people.bots, pa.bool_()), pc.index_in(cids, value_set=ids))
    bots = pc.if_else(imported, pc.coalesce(marks, before_bots), table["is_bot"])
    table = table.set_column(0, "contributor_id", cids).set_column(7, "is_bot", bots)
    changed = pc.or_(
        pc.not_equal(cids, before_ids), pc.not_equal(bots.fill_null(False), before_bots)
    )
    dropped = pa.array(list(people.dropped), pa.string())
    gone = pc.and_(imported, pc.is_in(table["activity_type"], value_set=dropped))
    return table, changed.fill_null(True), pc.invert(gone)


def _ledger_person(event_ids: pa.ChunkedArray | pa.Array, people: People) -> pa.Array:
    """Per row: the index of its event's person by the ledger (null: not in the ledger)."""
    import numpy as np
    import pyarrow as pa

    if not len(people.ledger_keys):
        return pa.nulls(len(event_ids), pa.int32())
    keys = event_keys([v or "" for v in event_ids.to_pylist()])
    at = np.minimum(np.searchsorted(people.ledger_keys, keys), len(people.ledger_keys) - 1)
    person = people.ledger_person[at]
    known = (people.ledger_keys[at] == keys) & (person >= 0)
    return pa.array(np.where(known, person, 0), pa.int32(), mask=~known)


def changes(existing: Existing | None, people: People) -> int:
    """How many existing events would change or go: an import writes when this is not 0."""
    import pyarrow.compute as pc

    if existing is None:
        return 0
    wanted = ["contributor_id", "activity_type", "is_bot", "event_id"]
    total = 0
    for table in existing.tables(wanted):
        _, changed, kept = updated(conform(table), people)
        total += pc.sum(pc.or_(changed, pc.invert(kept))).as_py() or 0
    return total


def _decoded(indices: Any, values: list[Any]) -> pa.Array:
    """Values looked up by index, in Arrow (no Python object per event)."""
    import pyarrow as pa

    dictionary = pa.array(values, pa.string())
    return pa.DictionaryArray.from_arrays(indices, dictionary).cast(pa.string())


def new_events(
    batch: pa.RecordBatch, people: People, places: list[tuple[str, str, str | None]]
) -> pa.Table:
    """Spilled events as rows of the events file."""
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
    if existing is not None and len(keys):
        keep &= ~np.isin(keys, existing.keys())
    return keep


def temporary_for(path: Path) -> Path:
    """A temporary file beside ``path`` that :func:`mdm.files.exclusive` clears if we die."""
    return path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}{TEMPORARY_SUFFIX}")


def write_events(
    path: Path,
    rows: tuple[Existing | None, bool],
    spill: Spill,
    keep: np.ndarray[Any, Any],
    people: People,
    places: list[tuple[str, str, str | None]],
) -> None:
    """Existing events, then the new ones, into a file renamed over ``path`` at the end.

    ``rows``: the events file as it is, and whether its events may change (else they are
    written as they are)."""
    import pyarrow as pa

    existing, rederive = rows

    def added() -> Iterator[pa.Table]:
        start = 0
        for batch in spill.batches():
            wanted = keep[start : start + batch.num_rows]
            start += batch.num_rows
            if wanted.any():
                yield new_events(batch, people, places).filter(pa.array(wanted))

    temporary = temporary_for(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        if path.suffix == ".parquet":
            _write_parquet(temporary, chain(_kept(existing, people, rederive), added()))
        else:
            edits = _edits(existing, people) if rederive else {}
            events_csv.write(temporary, path, existing is not None, edits, added())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _kept(existing: Existing | None, people: People, rederive: bool) -> Iterator[pa.Table]:
    for table in existing.tables() if existing is not None else ():
        if not rederive:
            yield table
            continue
        table, _, kept = updated(table, people)
        yield table.filter(kept)


def _edits(existing: Existing | None, people: People) -> events_csv.Edits:
    """The existing lines that change: event id → its new person and mark (None: it goes)."""
    import pyarrow.compute as pc

    edits: events_csv.Edits = {}
    for table in existing.tables() if existing is not None else ():
        table, changed, kept = updated(table, people)
        touched = pc.or_(changed, pc.invert(kept))
        rows = table.filter(touched).select(["event_id", "contributor_id", "is_bot"])
        for row, stays in zip(rows.to_pylist(), kept.filter(touched).to_pylist(), strict=True):
            edits[row["event_id"]] = (row["contributor_id"], row["is_bot"]) if stays else None
    return edits


def _write_parquet(temporary: Path, tables: Iterator[pa.Table]) -> None:
    import pyarrow.parquet as pq

    with pq.ParquetWriter(temporary, schema(), compression="zstd") as writer:
        for table in tables:
            writer.write_table(table)
