"""Reading Perceval JSON lines: items checked, mapped to events and spilled in batches.

The files are streamed line by line (plain or ``.gz``); the events of each item go into
Arrow batches spilled to a temporary Parquet file, so a million items never sit in memory
as Python dicts. An item whose fingerprint (its ``updated_on`` and ``uuid``, the end of its
line) is known is skipped without being parsed. A line that is not a Perceval item, or an
item of an unexpected shape, is an error naming the file, the line and the field.
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import json
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from hashlib import sha256
from pathlib import Path
from typing import Any, BinaryIO, cast

from mdm.errors import DataError
from mdm.sources.events_out import Spill, event_keys, spill_schema
from mdm.sources.identities import Identities
from mdm.sources.perceval import APPLIED, BACKENDS, Mapped, map_item

__all__ = ["Collector", "collect"]

_BATCH = 65_536  # events per spilled batch
_ENVELOPE = ("backend_name", "origin", "uuid", "category", "data")
# ``perceval --json-line`` sorts keys, so an item's line ends with its update time and uuid
_TAIL = re.compile(rb'"updated_on":([-+0-9.eE]+),"uuid":"([0-9a-f]{40})"\}\s*$')


def _open(path: Path) -> BinaryIO:
    try:
        if path.suffix == ".gz":
            return cast(BinaryIO, gzip.open(path, "rb"))
        return path.open("rb")
    except OSError as err:
        raise DataError(f"cannot read: {err.strerror or err}", path=path) from err


def _lines(path: Path) -> Iterator[tuple[int, bytes]]:
    with _open(path) as stream:
        try:
            yield from enumerate(stream, 1)
        except (OSError, EOFError, gzip.BadGzipFile) as err:
            raise DataError(f"cannot read: {err}", path=path) from err


def _item(raw: bytes, shown: str, line: int) -> dict[str, Any]:
    try:
        item = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as err:
        raise DataError(
            "expected one Perceval JSON item per line (perceval ... --json-line), "
            f"got invalid JSON: {err}",
            path=shown,
            line=line,
        ) from err
    if not isinstance(item, dict):
        raise DataError(f"expected a JSON object, got {type(item).__name__}", path=shown, line=line)
    for name in _ENVELOPE:
        if item.get(name) in (None, ""):
            raise DataError(
                f"expected a Perceval item ({', '.join(_ENVELOPE)}), found none",
                path=shown,
                line=line,
                field=name,
            )
    backend = str(item["backend_name"]).lower()
    if backend not in BACKENDS:
        raise DataError(
            f"expected one of {', '.join(BACKENDS)}, got {item['backend_name']!r}",
            path=shown,
            line=line,
            field="backend_name",
        )
    return item


class Collector:
    """Mapped events spilled in Arrow record batches, people as identity nodes."""

    def __init__(
        self, identities: Identities, spill: Spill, key: bytes, committers: bool = False
    ) -> None:
        self.identities = identities
        self.spill = spill
        self.key = key
        self.committers = committers
        self.origins: dict[str, int] = {}
        self.fingerprints: list[int] = []
        self.summary_items: Counter[str] = Counter()
        self.without_person = 0
        self.applied = 0
        """Commits applied by someone else, not counted for the committer."""
        # for the summary, kept as items are read: the spill is not read back for it
        self.nodes: set[int] = set()
        self.span = (2**63 - 1, -(2**63))
        self._rows: tuple[list[Any], ...] = ([], [], [], [], [], [], [])

    def add(self, item: dict[str, Any], shown: str, line: int) -> None:
        try:
            events = map_item(item)
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as err:
            raise DataError(
                f"expected a {item['backend_name']} {item['category']} item as Perceval "
                f"writes it: {type(err).__name__}: {err}",
                path=shown,
                line=line,
                field="data",
            ) from err
        _check_events(events, item, shown, line)
        self.summary_items[str(item["backend_name"]).lower()] += 1
        origin = self.origins.setdefault(str(item["origin"]), len(self.origins))
        # a uuid is an unkeyed SHA-1 of the origin and the item's id, which for some tools
        # holds a username (ReMo report URLs) or an address (Message-ID): written keyed
        uuid = str(item["uuid"])
        keyed = hmac.new(self.key, uuid.encode(), sha256).hexdigest()[:24]
        ids, stamps, offsets, kinds, threads, people, origins = self._rows
        for event in events:
            if event.activity_type == APPLIED and not self.committers:
                self.applied += 1  # one commit, one contribution: its author's
                continue
            node = self.identities.see(event.actor)
            if node < 0:
                self.without_person += 1
                continue
            event_id = event.event_id
            ids.append(keyed + event_id[len(uuid) :] if event_id.startswith(uuid) else event_id)
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
        self.nodes.update(people)
        self.span = (min(self.span[0], min(stamps)), max(self.span[1], max(stamps)))
        self.spill.write(
            pa.record_batch(
                {
                    "event_id": pa.array(ids, pa.string()),
                    "ns": pa.array(stamps, pa.int64()),
                    "utc_offset_minutes": pa.array(offsets, pa.int16()),
                    "activity_type": pa.array(kinds, pa.string())
                    .dictionary_encode()
                    .cast(pa.dictionary(pa.int32(), pa.string())),
                    "thread_id": pa.array(threads, pa.string()),
                    "node": pa.array(people, pa.int32()),
                    "origin": pa.array(origins, pa.int32()),
                    "key": pa.array(event_keys(ids), pa.int64()),
                },
                schema=spill_schema(),
            )
        )
        self._rows = ([], [], [], [], [], [], [])


# what the events file can hold: datetime64[ns] and the offsets of real time zones
_EARLIEST, _LATEST = -(2**63) + 1, 2**63 - 1
_OFFSETS = range(-720, 841)


def _check_events(events: list[Mapped], item: dict[str, Any], shown: str, line: int) -> None:
    """An item's events must fit the events file: a time between 1677 and 2262, an offset of
    a real time zone (a mangled date would otherwise stop the next ``mdm check``)."""
    for event in events:
        ns, offset = event.when
        if not (_EARLIEST <= ns <= _LATEST and offset in _OFFSETS):
            raise DataError(
                f"expected a {item['backend_name']} {item['category']} item as Perceval writes "
                f"it: a time between 1677 and 2262 with a UTC offset of -12:00 to +14:00, got "
                f"{event.activity_type} at {ns} ns, offset {offset} min",
                path=shown,
                line=line,
                field="data",
            )


def _fingerprint(tail: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(tail, digest_size=8).digest(), "little")


def collect(files: Sequence[Path], collector: Collector, known: set[int]) -> int:
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
    collector.spill.close()
    return unchanged
