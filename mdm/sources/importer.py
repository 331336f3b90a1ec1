"""``mdm import perceval``: Perceval JSON lines → the project's events file.

The files are streamed line by line (plain or ``.gz``); events go into Arrow
batches at once, so a million items never sit in memory as Python dicts. Each
event's ``event_id`` is the Perceval item ``uuid`` and the event's key within the
item: importing a file twice adds nothing, a newer collection adds only what is
new. Items already imported with the same ``updated_on`` are skipped without
parsing (their fingerprints are kept in ``data/private/``). The events file, the
identity register and the fingerprints are each replaced atomically, events
first: a failed import leaves the events file as it was.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, cast

from mdm.errors import ConfigError, DataError, where
from mdm.sources.identities import (
    ALIASES,
    REGISTER,
    Identities,
    load_key,
    register_text,
    write_register,
)
from mdm.sources.perceval import BACKENDS, map_item

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

    from mdm.params.models import Source

__all__ = ["ImportSummary", "import_perceval"]

ITEMS = "data/private/imported-items.npz"
_BATCH = 65_536
_ENVELOPE = ("backend_name", "origin", "uuid", "category", "data")
# ``perceval --json-line`` sorts keys, so an item's line ends with its update time and uuid
_TAIL = re.compile(rb'"updated_on":([-+0-9.eE]+),"uuid":"([0-9a-f]{40})"\}\s*$')


@dataclass
class ImportSummary:
    """What an import read and did, for ``mdm import`` to print."""

    events_file: str
    dry_run: bool
    items: Counter[str] = field(default_factory=Counter)
    unchanged_items: int = 0
    events_read: int = 0
    events_added: int = 0
    without_person: int = 0
    people: int = 0
    bots: int = 0
    identities: int = 0
    unmapped: list[str] = field(default_factory=list)
    span: tuple[str, str] | None = None

    def lines(self) -> list[str]:
        """The report, one fact a line."""
        per_backend = ", ".join(f"{n} {b}" for b, n in sorted(self.items.items())) or "none"
        verb = "would add" if self.dry_run else "added"
        out = [
            f"items read: {sum(self.items.values())} ({per_backend}); "
            f"{self.unchanged_items} unchanged since the last import, skipped",
            f"events: {self.events_read} read, {verb} {self.events_added} to {self.events_file}, "
            f"{self.events_read - self.events_added} already there",
            f"people: {self.people} (from {self.identities} identities), of whom {self.bots} bots",
        ]
        if self.without_person:
            out.append(
                f"events without a person (deleted accounts), left out: {self.without_person}"
            )
        if self.span:
            out.append(f"time span: {self.span[0]} → {self.span[1]}")
        if self.unmapped:
            out.append(f"unmapped origins: {', '.join(self.unmapped)}")
        if self.dry_run:
            out.append("dry run: nothing was written")
        return out


# --- reading ------------------------------------------------------------------------------------


def _open(path: Path) -> BinaryIO:
    try:
        if path.suffix == ".gz":
            return cast(BinaryIO, gzip.open(path, "rb"))
        return path.open("rb")
    except OSError as err:
        raise DataError(f"{path}: cannot read: {err.strerror or err}") from err


def _lines(path: Path) -> Iterator[tuple[int, bytes]]:
    with _open(path) as stream:
        try:
            yield from enumerate(stream, 1)
        except (OSError, EOFError, gzip.BadGzipFile) as err:
            raise DataError(f"{path}: cannot read: {err}") from err


def _item(raw: bytes, shown: str, line: int) -> dict[str, Any]:
    try:
        item = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as err:
        raise DataError(
            f"{shown}:{line}: expected one Perceval JSON item per line "
            f"(perceval ... --json-line), got invalid JSON: {err}"
        ) from err
    if not isinstance(item, dict):
        raise DataError(f"{shown}:{line}: expected a JSON object, got {type(item).__name__}")
    for name in _ENVELOPE:
        if item.get(name) in (None, ""):
            raise DataError(
                f"{where(shown, line, name)}: expected a Perceval item "
                f"({', '.join(_ENVELOPE)}), found none"
            )
    backend = str(item["backend_name"]).lower()
    if backend not in BACKENDS:
        raise DataError(
            f"{where(shown, line, 'backend_name')}: expected one of {', '.join(BACKENDS)}, "
            f"got {item['backend_name']!r}"
        )
    return item


class _Collector:
    """Mapped events as Arrow record batches, people as identity nodes."""

    def __init__(self, identities: Identities) -> None:
        self.identities = identities
        self.origins: dict[str, int] = {}
        self.batches: list[pa.RecordBatch] = []
        self.fingerprints: list[int] = []
        self.summary_items: Counter[str] = Counter()
        self.without_person = 0
        self._rows: tuple[list[Any], ...] = ([], [], [], [], [], [], [])

    def add(self, item: dict[str, Any], shown: str, line: int) -> None:
        try:
            events = map_item(item)
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as err:
            raise DataError(
                f"{where(shown, line, 'data')}: expected a {item['backend_name']} "
                f"{item['category']} item as Perceval writes it: {type(err).__name__}: {err}"
            ) from err
        self.summary_items[str(item["backend_name"]).lower()] += 1
        origin = self.origins.setdefault(str(item["origin"]), len(self.origins))
        ids, stamps, offsets, kinds, threads, people, origins = self._rows
        for event in events:
            node = self.identities.see(event.actor)
            if node < 0:
                self.without_person += 1
                continue
            ids.append(event.event_id)
            stamps.append(event.when[0])
            offsets.append(event.when[1])
            kinds.append(event.activity_type)
            threads.append(event.thread_id)
            people.append(node)
            origins.append(origin)
        if len(ids) >= _BATCH:
            self.flush()

    def flush(self) -> None:
        import pyarrow as pa

        if not self._rows[0]:
            return
        ids, stamps, offsets, kinds, threads, people, origins = self._rows
        self.batches.append(
            pa.record_batch(
                {
                    "event_id": pa.array(ids, pa.string()),
                    "ns": pa.array(stamps, pa.int64()),
                    "utc_offset_minutes": pa.array(offsets, pa.int16()),
                    "activity_type": pa.array(kinds, pa.string()).dictionary_encode(),
                    "thread_id": pa.array(threads, pa.string()),
                    "node": pa.array(people, pa.int32()),
                    "origin": pa.array(origins, pa.int32()),
                }
            )
        )
        self._rows = ([], [], [], [], [], [], [])


def _fingerprint(tail: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(tail, digest_size=8).digest(), "little")


def _collect(files: Sequence[Path], collector: _Collector, known: set[int]) -> int:
    """Read every file into ``collector``; the number of unchanged items skipped."""
    unchanged = 0
    for path in files:
        shown = str(path)
        for line, raw in _lines(path):
            if not raw.strip():
                continue
            tail = _TAIL.search(raw, max(0, len(raw) - 96))
            if tail is not None:
                mark = _fingerprint(tail.group(0).rstrip())
                if mark in known:
                    unchanged += 1
                    continue
                collector.fingerprints.append(mark)
            collector.add(_item(raw, shown, line), shown, line)
    collector.flush()
    return unchanged


# --- where each origin belongs ------------------------------------------------------------------


def _places(
    origins: dict[str, int], sources: Sequence[Source], community: str | None, area: str | None
) -> tuple[list[tuple[str, str, str | None]], list[str]]:
    """Per origin index: (community, area, country); and the origins nothing maps."""
    places: list[tuple[str, str, str | None]] = []
    unmapped = []
    for origin in origins:
        match = next((s for s in sources if fnmatchcase(origin, s.origin)), None)
        found_community = community or (match.community if match else None)
        found_area = area or (match.area if match else None)
        if found_community is None or found_area is None:
            unmapped.append(origin)
            places.append(("", "", None))
        else:
            places.append((found_community, found_area, match.country if match else None))
    return places, unmapped


# --- the events file: read, merge, replace ------------------------------------------------------


def _existing(path: Path, shown: str, ours: bool) -> pa.Table | None:
    """The current events as an Arrow table, with event ids.

    A file someone else wrote is checked by mdm's own loader first; the Parquet file the
    last import wrote (``ours``: its size and time are on record) is read as it is.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from mdm.data.events import load_events

    if not path.is_file():
        return None
    if ours and path.suffix == ".parquet":
        table = pq.read_table(path)
    else:
        table = pa.Table.from_pandas(load_events(path, shown), preserve_index=False)
    columns = {}
    for name in table.column_names:
        column = table[name]
        if pa.types.is_dictionary(column.type):
            column = column.cast(column.type.value_type)
        if pa.types.is_large_string(column.type):
            column = column.cast(pa.string())
        columns[name] = column
    columns["timestamp"] = columns["timestamp"].cast(pa.timestamp("ns", "UTC"))
    if "event_id" not in columns:
        columns["event_id"] = _event_ids(path, table.num_rows)
    return pa.table(columns)


def _event_ids(path: Path, rows: int) -> pa.ChunkedArray:
    import pyarrow as pa
    import pyarrow.csv as pa_csv
    import pyarrow.parquet as pq

    if path.suffix == ".parquet":
        if "event_id" in pq.read_schema(path).names:
            return pq.read_table(path, columns=["event_id"])["event_id"].cast(pa.string())
    else:
        with _open(path) as stream:
            header = stream.readline().decode("utf-8-sig")
        if "event_id" in [h.strip() for h in header.split(",")]:
            options = pa_csv.ConvertOptions(
                include_columns=["event_id"], column_types={"event_id": pa.string()}
            )
            return pa_csv.read_csv(path, convert_options=options)["event_id"]
    return pa.chunked_array([pa.nulls(rows, pa.string())])


def _replace(table: pa.Table, path: Path) -> None:
    """Write next to ``path``, then rename over it: readers see the old file or the new one."""
    import pyarrow.csv as pa_csv
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.importing")
    try:
        if path.suffix == ".parquet":
            pq.write_table(table, temporary, compression="zstd")
        else:
            with _csv_target(temporary, path) as out:
                pa_csv.write_csv(_as_text(table), out)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _csv_target(temporary: Path, path: Path) -> BinaryIO:
    if path.name.endswith(".gz"):
        return cast(BinaryIO, gzip.open(temporary, "wb"))
    return temporary.open("wb")


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
    return text.set_column(index, "timestamp", pa.array(stamps.tolist(), pa.string()))


def _known_items(root: Path, events: Path) -> set[int] | None:
    """Fingerprints of items already imported, if they describe the events file as it is
    (None: the events file is not the one the last import wrote)."""
    import numpy as np

    path = root / ITEMS
    if not (path.is_file() and events.is_file()):
        return None
    with np.load(path) as saved:
        stat = events.stat()
        if list(saved["events"]) != [stat.st_size, stat.st_mtime_ns]:
            return None
        return set(saved["items"].tolist())


def _save_items(root: Path, events: Path, known: set[int], new: list[int]) -> None:
    import numpy as np

    path = root / ITEMS
    stat = events.stat()
    items = np.fromiter((*known, *new), dtype=np.uint64, count=len(known) + len(new))
    temporary = path.with_name(".imported-items.tmp.npz")
    np.savez(temporary, items=items, events=np.array([stat.st_size, stat.st_mtime_ns]))
    os.replace(temporary, path)


# --- the recipe ---------------------------------------------------------------------------------


def import_perceval(
    root: Path | str,
    files: Sequence[Path],
    community: str | None = None,
    area: str | None = None,
    dry_run: bool = False,
) -> ImportSummary:
    """Add the events of Perceval JSON-lines ``files`` to the project's events file."""
    from mdm.params.project import load_project

    project = load_project(root)
    events_path = project.root / project.info.data.events
    summary = ImportSummary(project.info.data.events, dry_run)
    identities = Identities(project.info.bots)
    if (project.root / ALIASES).is_file():
        identities.read_aliases(project.root / ALIASES, ALIASES)
    old = (
        identities.read_register(project.root / REGISTER, REGISTER)
        if (project.root / REGISTER).is_file()
        else {}
    )
    known = _known_items(project.root, events_path)
    collector = _Collector(identities)
    summary.unchanged_items = _collect(files, collector, known or set())
    summary.items, summary.without_person = collector.summary_items, collector.without_person
    places, summary.unmapped = _places(collector.origins, project.info.sources, community, area)
    if summary.unmapped and not dry_run:
        raise ConfigError(_unmapped_message(summary.unmapped))
    key = load_key(project.root, create=not dry_run)
    ids, bots, rows = identities.resolve(key)
    register = register_text(rows)
    if not collector.batches and events_path.is_file() and _same(project.root / REGISTER, register):
        return summary  # nothing new read, nobody unified or marked anew: nothing to rewrite
    table = _merge(
        _existing(events_path, project.info.data.events, ours=known is not None),
        collector,
        places,
        ids,
        bots,
        old,
        rows,
        summary,
    )
    if dry_run or table is None:
        return summary
    _replace(table, events_path)
    write_register(project.root / REGISTER, register)
    _save_items(project.root, events_path, known or set(), collector.fingerprints)
    return summary


def _same(path: Path, text: str) -> bool:
    return path.is_file() and path.read_text(encoding="utf-8") == text


def _unmapped_message(unmapped: list[str]) -> str:
    listed = ", ".join(repr(o) for o in unmapped)
    return (
        f"params/project.yaml: sources: expected an entry (origin, community, area) matching "
        f"every origin imported, found none for {len(unmapped)}: {listed} "
        "(or give --community and --area)"
    )


def _merge(
    existing: pa.Table | None,
    collector: _Collector,
    places: list[tuple[str, str, str | None]],
    ids: list[str],
    bots: list[bool],
    old: dict[str, list[str]],
    rows: dict[str, tuple[str, ...]],
    summary: ImportSummary,
) -> pa.Table | None:
    """Existing events (re-pseudonymised if people were unified since) plus the new ones."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    new = _new_events(collector, places, ids, np.array(bots, dtype=bool), summary)
    if existing is not None:
        existing = _renamed(existing, old, rows, ids, bots)
        fresh = pc.invert(
            pc.is_in(new["event_id"], value_set=existing["event_id"].combine_chunks())
        )
        new = new.filter(fresh)
    summary.events_added = new.num_rows
    if existing is None:
        return new if new.num_rows else None
    if not new.num_rows and not existing.num_rows:
        return None
    return pa.concat_tables([existing, new], promote_options="default")


def _new_events(
    collector: _Collector,
    places: list[tuple[str, str, str | None]],
    ids: list[str],
    bots: np.ndarray[Any, Any],
    summary: ImportSummary,
) -> pa.Table:
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    schema = pa.schema(
        [
            ("event_id", pa.string()),
            ("ns", pa.int64()),
            ("utc_offset_minutes", pa.int16()),
            ("activity_type", pa.dictionary(pa.int32(), pa.string())),
            ("thread_id", pa.string()),
            ("node", pa.int32()),
            ("origin", pa.int32()),
        ]
    )
    raw = pa.Table.from_batches(collector.batches, schema=schema)
    summary.events_read = raw.num_rows
    summary.identities = collector.identities.size
    # per node the index of its person: events carry nodes, people are counted as indices
    person_of, people = pd.factorize(np.asarray(ids, dtype=object))
    nodes = raw["node"].to_numpy()
    person = person_of[nodes]
    present = np.unique(person)
    bot_person = np.zeros(len(people), dtype=bool)
    bot_person[person_of[bots]] = True
    summary.people, summary.bots = len(present), int(bot_person[present].sum())
    ns = raw["ns"].to_numpy()
    if len(ns):
        first, last = (pd.Timestamp(int(v), tz="UTC").isoformat() for v in (ns.min(), ns.max()))
        summary.span = (first, last)
    origin = raw["origin"].combine_chunks()

    def decoded(indices: Any, values: list[Any]) -> pa.Array:
        """Values looked up by index, in Arrow (no Python object per event)."""
        return pa.DictionaryArray.from_arrays(indices, pa.array(values, pa.string())).cast(
            pa.string()
        )

    table = pa.table(
        {
            "contributor_id": decoded(pa.array(person, pa.int32()), list(people)),
            "timestamp": raw["ns"].cast(pa.timestamp("ns", "UTC")),
            "community": decoded(origin, [p[0] for p in places]),
            "area": decoded(origin, [p[1] for p in places]),
            "activity_type": raw["activity_type"].cast(pa.string()),
            "country": decoded(origin, [p[2] for p in places]),
            "is_bot": pa.array(bot_person[person], pa.bool_()),
            "thread_id": raw["thread_id"],
            "utc_offset_minutes": raw["utc_offset_minutes"],
            "event_id": raw["event_id"],
        }
    )
    return _first_of_each(table)


def _first_of_each(table: pa.Table) -> pa.Table:
    """One item in two files (or twice in one): its events count once, the first time."""
    import numpy as np
    import pyarrow as pa

    rows = table.num_rows
    keyed = pa.table({"event_id": table["event_id"], "row": np.arange(rows, dtype=np.int64)})
    first = keyed.group_by("event_id", use_threads=False).aggregate([("row", "min")])
    if first.num_rows == rows:
        return table
    return table.take(np.sort(first["row_min"].to_numpy()))


def _renamed(
    existing: pa.Table,
    old: dict[str, list[str]],
    rows: dict[str, tuple[str, ...]],
    ids: list[str],
    bots: list[bool],
) -> pa.Table:
    """Imported rows take their person's current id and bot mark (people may have merged)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    current = {key: cid for cid, keys in rows.items() for key in keys}
    bot_of = dict(zip(ids, bots, strict=True))
    renames = {}
    for cid, keys in old.items():
        now = next((current[k] for k in keys if k in current), cid)
        if now != cid:
            renames[cid] = now
    imported = existing["event_id"].is_valid()
    cids = existing["contributor_id"]
    if renames:
        before = pa.array(list(renames), pa.string())
        after = pa.array(list(renames.values()), pa.string())
        position = pc.index_in(cids, value_set=before)
        cids = pc.if_else(position.is_valid(), pc.take(after, position.fill_null(0)), cids)
        existing = existing.set_column(
            existing.schema.get_field_index("contributor_id"), "contributor_id", cids
        )
    if bot_of:
        people = pa.array(list(bot_of), pa.string())
        marks = pa.array(list(bot_of.values()), pa.bool_())
        position = pc.index_in(existing["contributor_id"], value_set=people)
        found = pc.and_(imported, position.is_valid())
        marked = pc.if_else(found, pc.take(marks, position.fill_null(0)), existing["is_bot"])
        existing = existing.set_column(existing.schema.get_field_index("is_bot"), "is_bot", marked)
    return existing
