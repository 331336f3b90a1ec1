"""``mdm import perceval``: Perceval JSON lines → the project's events file.

The files are streamed line by line (plain or ``.gz``); the events of each item go
into Arrow batches spilled to a temporary Parquet file, so a million items never
sit in memory as Python dicts. Each event's ``event_id`` is the Perceval item
``uuid`` (keyed-hashed) and the event's key within the item: importing a file
twice adds nothing, a newer collection adds only what is new. Items already imported with
the same ``updated_on`` are skipped without parsing (their fingerprints are kept
in ``data/private/``). :mod:`mdm.sources.events_out` then writes the events file
batch by batch and renames it into place: a failed import leaves it as it was.
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import json
import os
import re
import tempfile
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from hashlib import sha256
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, cast

from mdm.errors import ConfigError, DataError
from mdm.sources.events_out import (
    Existing,
    People,
    Spill,
    event_keys,
    fresh_events,
    spill_schema,
    write_events,
)
from mdm.sources.identities import (
    ALIASES,
    REGISTER,
    Identities,
    load_key,
    register_text,
    save_key,
    write_register,
)
from mdm.sources.perceval import BACKENDS, map_item

if TYPE_CHECKING:
    from mdm.params.models import Source

__all__ = ["ImportSummary", "import_perceval"]

ITEMS = "data/private/imported-items.npz"
_BATCH = 65_536  # events per spilled batch
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


class _Collector:
    """Mapped events spilled in Arrow record batches, people as identity nodes."""

    def __init__(self, identities: Identities, spill: Spill, key: bytes) -> None:
        self.identities = identities
        self.spill = spill
        self.key = key
        self.origins: dict[str, int] = {}
        self.fingerprints: list[int] = []
        self.summary_items: Counter[str] = Counter()
        self.without_person = 0
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
        self.summary_items[str(item["backend_name"]).lower()] += 1
        origin = self.origins.setdefault(str(item["origin"]), len(self.origins))
        # a uuid is an unkeyed SHA-1 of the origin and the item's id, which for some tools
        # holds a username (ReMo report URLs) or an address (Message-ID): written keyed
        uuid = str(item["uuid"])
        keyed = hmac.new(self.key, uuid.encode(), sha256).hexdigest()[:24]
        ids, stamps, offsets, kinds, threads, people, origins = self._rows
        for event in events:
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
    collector.spill.close()
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


# --- which items were imported already -------------------------------------------------------


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
    # deferred: pydantic and yaml load only when this runs
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
    with tempfile.TemporaryDirectory(prefix="mdm-import-") as scratch:
        key, new_key = load_key(project.root)
        collector = _Collector(identities, Spill(Path(scratch)), key)
        summary.unchanged_items = _collect(files, collector, known or set())
        summary.items, summary.without_person = collector.summary_items, collector.without_person
        places, summary.unmapped = _places(collector.origins, project.info.sources, community, area)
        if summary.unmapped and not dry_run:
            raise _unmapped_error(summary.unmapped)
        people, register = _people(identities, key, old)
        _count(summary, collector, people)
        unchanged = events_path.is_file() and _same(project.root / REGISTER, register)
        if unchanged and not collector.spill.rows:
            return summary  # nothing new read, nobody unified or marked anew: nothing to rewrite
        shown = project.info.data.events
        existing = (
            Existing(events_path, shown, known is not None) if events_path.is_file() else None
        )
        keep = fresh_events(collector.spill, existing)
        summary.events_added = int(keep.sum())
        if dry_run or (not summary.events_added and (unchanged or existing is None)):
            return summary
        if new_key:  # kept before the events it pseudonymised are written
            save_key(project.root, key)
        write_events(events_path, existing, collector.spill, keep, people, places)
    write_register(project.root / REGISTER, register)
    _save_items(project.root, events_path, known or set(), collector.fingerprints)
    return summary


def _people(identities: Identities, key: bytes, old: dict[str, list[str]]) -> tuple[People, str]:
    """Resolve identity nodes to contributors; and the register to write."""
    import numpy as np
    import pandas as pd

    per_node, bot_nodes, rows = identities.resolve(key)
    person_of, ids = pd.factorize(np.asarray(per_node, dtype=object))
    bots = np.zeros(len(ids), dtype=bool)
    bots[person_of[np.asarray(bot_nodes, dtype=bool)]] = True
    current = {identity: cid for cid, keys in rows.items() for identity in keys}
    renames = {}
    for cid, keys in old.items():
        now = next((current[k] for k in keys if k in current), cid)
        if now != cid:
            renames[cid] = now
    people = People(person_of.astype(np.int32), [str(i) for i in ids], bots, renames)
    return people, register_text(rows)


def _count(summary: ImportSummary, collector: _Collector, people: People) -> None:
    """Events read, people and bots among them, and their time span."""
    import numpy as np
    import pandas as pd

    summary.events_read = collector.spill.rows
    summary.identities = collector.identities.size
    if not collector.spill.rows:
        return
    nodes = np.fromiter(collector.nodes, dtype=np.int64, count=len(collector.nodes))
    present = np.unique(people.person_of[nodes])
    summary.people, summary.bots = len(present), int(people.bots[present].sum())
    first, last = (pd.Timestamp(ns, tz="UTC").isoformat() for ns in collector.span)
    summary.span = (first, last)


def _same(path: Path, text: str) -> bool:
    return path.is_file() and path.read_text(encoding="utf-8") == text


def _unmapped_error(unmapped: list[str]) -> ConfigError:
    listed = ", ".join(repr(o) for o in unmapped)
    return ConfigError(
        "expected an entry (origin, community, area) matching every origin imported, "
        f"found none for {len(unmapped)}: {listed} (or give --community and --area)",
        path="params/project.yaml",
        field="sources",
    )
