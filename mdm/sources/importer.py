"""``mdm import perceval``: Perceval JSON lines → the project's events file.

The recipe: under the lock of the events file, read the items (:mod:`mdm.sources.reading`),
unify and mark the people behind them (:mod:`mdm.sources.identities`), then write the new
events and re-derive the person of every earlier imported event from the private ledger
(:mod:`mdm.sources.events_out`, :mod:`mdm.sources.ledger`). Each event's ``event_id`` is
the Perceval item ``uuid`` (keyed-hashed) and the event's key within the item: importing a
file twice adds nothing, a newer collection adds only what is new. An import that finds
nothing to add and nobody to re-derive writes nothing, not even the key. :func:`refresh` is
an import of no files: what ``mdm people`` runs after it changed who is who.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mdm.errors import ConfigError
from mdm.files import exclusive
from mdm.sources import ledger
from mdm.sources.accounts import Rules
from mdm.sources.events_out import (
    Existing,
    People,
    Spill,
    changes,
    event_keys,
    fresh_events,
    write_events,
)
from mdm.sources.identities import (
    ALIASES,
    KEY,
    REGISTER,
    Identities,
    Resolved,
    load_key,
    read_not_bots,
    save_key,
    write_private,
)
from mdm.sources.perceval import APPLIED
from mdm.sources.reading import Collector, collect

if TYPE_CHECKING:
    from mdm.params.models import ProjectInfo, Source
    from mdm.params.project import Project

__all__ = ["ImportSummary", "import_perceval", "refresh", "unmapped_error"]


@dataclass
class ImportSummary:
    """What an import read and did, for ``mdm import`` to print."""

    events_file: str
    dry_run: bool
    items: dict[str, int] = field(default_factory=dict)
    unchanged_items: int = 0
    events_read: int = 0
    events_added: int = 0
    without_person: int = 0
    applied: int = 0
    people: int = 0
    bots: int = 0
    services: int = 0
    identities: int = 0
    rederived: int = 0
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
            f"people: {self.people} (from {self.identities} identities); not people: "
            f"{self.bots} bots, {self.services} service accounts (marked is_bot, never counted)",
        ]
        if self.applied:
            out.append(
                f"commits applied by someone else: {self.applied}, each counted once, for its "
                "author (count_committers: false)"
            )
        if self.rederived:
            verb = "would be" if self.dry_run else "were"
            out.append(
                f"earlier events: {self.rederived} {verb} given their person's id and mark anew "
                "or left out"
            )
        if self.without_person:
            out.append(
                f"events without an identity (no email or username), left out: {self.without_person}"
            )
        if self.span:
            out.append(f"time span: {self.span[0]} → {self.span[1]}")
        if self.unmapped:
            out.append(f"unmapped origins: {', '.join(self.unmapped)}")
        if self.dry_run:
            out.append("dry run: nothing was written")
        return out


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
    if dry_run:
        return _import(project, files, (community, area), dry_run, locked=True)
    if not events_path.parent.is_dir():
        try:  # a project's first import: its folder (and lock) is made when it writes
            return _import(project, files, (community, area), dry_run, locked=False)
        except _Overtaken:
            pass
    with exclusive(events_path, project.info.data.events):
        events_path.with_name(f".{events_path.name}.importing").unlink(missing_ok=True)
        return _import(project, files, (community, area), dry_run, locked=True)


def refresh(root: Path | str) -> ImportSummary:
    """Re-derive every imported event's person and mark (after ``mdm people`` changed them)."""
    return import_perceval(root, [])


class _Overtaken(Exception):
    """Another import wrote a project's first events while this one read: read again."""


def _settings(info: ProjectInfo) -> str:
    """What shapes the events of an item: a change reads every item again."""
    return f"count_committers={info.count_committers}"


def _import(
    project: Project,
    files: Sequence[Path],
    place: tuple[str | None, str | None],
    dry_run: bool,
    locked: bool,
) -> ImportSummary:
    info, root = project.info, project.root
    events_path = root / info.data.events
    summary = ImportSummary(info.data.events, dry_run)
    not_bots = [*info.not_bots, *read_not_bots(root)]
    identities = Identities(Rules.of(info.bots, info.services, not_bots), info.unify_names)
    if (root / ALIASES).is_file():
        identities.read_aliases(root / ALIASES, ALIASES)
    old = identities.read_register(root / REGISTER, REGISTER) if (root / REGISTER).is_file() else {}
    known = ledger.known_items(root, events_path, _settings(info))
    with tempfile.TemporaryDirectory(prefix="mdm-import-") as scratch:
        key, new_key = load_key(root)
        collector = Collector(identities, Spill(Path(scratch)), key, info.count_committers)
        summary.unchanged_items = collect(files, collector, known or set())
        places, summary.unmapped = _places(collector.origins, info.sources, *place)
        if summary.unmapped and not dry_run:
            raise unmapped_error(summary.unmapped)
        resolved = identities.resolve(key)
        existing = None
        if events_path.is_file():
            existing = Existing(events_path, info.data.events, known is not None)
        keep = fresh_events(collector.spill, existing)
        register_changed = not _same(root / REGISTER, resolved.register) and bool(identities.size)
        # people, their ids and marks are what the register says: with the same register and
        # the events file as the last import wrote it, no earlier event can change
        rederive = register_changed or known is None
        earlier = ledger.read_events(root) if rederive else None
        people = _people(resolved, identities, key, old, earlier, info.count_committers)
        _count(summary, collector, resolved, people, keep)
        summary.rederived = changes(existing, people) if rederive else 0
        write = bool(summary.events_added or summary.rederived)
        if dry_run or not (write or register_changed):
            return summary
        with nullcontext() if locked else _first_write(root, events_path, info.data.events):
            if new_key:  # kept before anything it pseudonymised is written
                save_key(root, key)
            if write:
                rows = (existing, bool(summary.rederived))
                write_events(events_path, rows, collector.spill, keep, people, places)
                _remember(root, collector, keep, identities.hashes(key))
            write_private(root / REGISTER, resolved.register.encode("utf-8"))
            if events_path.is_file():
                settings = _settings(info)
                ledger.save_items(
                    root, events_path, known or set(), collector.fingerprints, settings
                )
    return summary


@contextmanager
def _first_write(root: Path, events_path: Path, shown: str) -> Iterator[None]:
    """The lock of a project's first import, taken when it writes; if another import wrote
    first meanwhile, this one starts again (it read with a key that is not the project's)."""
    events_path.parent.mkdir(parents=True, exist_ok=True)
    with exclusive(events_path, shown):
        if events_path.exists() or (root / KEY).exists() or (root / REGISTER).exists():
            raise _Overtaken
        yield


def _people(
    resolved: Resolved,
    identities: Identities,
    key: bytes,
    old: dict[str, list[str]],
    earlier: Any,
    committers: bool,
) -> People:
    """Resolved people as arrays; each ledger entry's person now; legacy renames."""
    import numpy as np

    person_of = np.asarray(resolved.person_of, dtype=np.int32)
    bots = np.array([resolved.is_bot(i) for i in range(len(resolved.ids))], dtype=bool)
    ledger_keys, ledger_person = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int32)
    if earlier is not None and earlier.num_rows:
        hashes = np.array(identities.hashes(key), dtype=np.int64)
        order = np.argsort(hashes)
        wanted = earlier["identity"].to_numpy()
        at = np.minimum(np.searchsorted(hashes[order], wanted), max(len(order) - 1, 0))
        found = hashes[order][at] == wanted if len(order) else np.zeros(len(wanted), bool)
        persons = person_of[order][at] if len(order) else np.zeros(len(wanted), np.int32)
        persons = np.where(found, persons, -1)
        ledger_keys = event_keys(earlier["event_id"].to_pylist())
        by_key = np.argsort(ledger_keys)
        ledger_keys, ledger_person = ledger_keys[by_key], persons.astype(np.int32)[by_key]
    renames = {}
    for cid, keys in old.items():
        nodes = [n for n in (identities.node(k) for k in sorted(keys)) if n is not None]
        now = resolved.ids[person_of[nodes[0]]] if nodes else cid
        if now != cid:
            renames[cid] = now
    dropped = () if committers else (APPLIED,)
    return People(person_of, resolved.ids, bots, ledger_keys, ledger_person, renames, dropped)


def _count(
    summary: ImportSummary, collector: Collector, resolved: Resolved, people: People, keep: Any
) -> None:
    """Events read and added, the people among them (and the bots and services), their span."""
    import numpy as np
    import pandas as pd

    summary.items = dict(collector.summary_items)
    summary.without_person, summary.applied = collector.without_person, collector.applied
    summary.events_read, summary.events_added = collector.spill.rows, int(keep.sum())
    if not collector.spill.rows:
        return
    nodes = np.fromiter(collector.nodes, dtype=np.int64, count=len(collector.nodes))
    present = np.unique(people.person_of[nodes])
    kinds = [resolved.marks[p].kind if resolved.marks[p] else "person" for p in present]
    summary.people = sum(1 for p, k in zip(present, kinds, strict=True) if not people.bots[p])
    summary.bots, summary.services = kinds.count("bot"), kinds.count("service")
    summary.identities = len({int(n) for n in nodes})
    first, last = (pd.Timestamp(ns, tz="UTC").isoformat() for ns in collector.span)
    summary.span = (first, last)


def _remember(root: Path, collector: Collector, keep: Any, hashes: list[int]) -> None:
    """Add the events just written to the ledger: their identity and origin."""
    import numpy as np
    import pyarrow as pa

    per_node = np.array(hashes, dtype=np.int64)
    origins = pa.array(list(collector.origins), pa.string())
    ids, who, where = [], [], []
    start = 0
    for batch in collector.spill.batches():
        wanted = pa.array(keep[start : start + batch.num_rows])
        start += batch.num_rows
        kept = batch.filter(wanted)
        ids.append(kept["event_id"])
        who.append(per_node[kept["node"].to_numpy()])
        where.append(pa.DictionaryArray.from_arrays(kept["origin"], origins).cast(pa.string()))
    if ids:
        identities = np.concatenate(who)
        ledger.append_events(
            root, pa.chunked_array(ids, pa.string()), identities, pa.chunked_array(where)
        )


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


def _same(path: Path, text: str) -> bool:
    return path.is_file() and path.read_text(encoding="utf-8") == text


def unmapped_error(unmapped: list[str]) -> ConfigError:
    """The error of an import whose origins the ``sources:`` of the params do not all map."""
    listed = ", ".join(repr(o) for o in unmapped)
    return ConfigError(
        "expected an entry (origin, community, area) matching every origin imported, "
        f"found none for {len(unmapped)}: {listed} (or give --community and --area)",
        path="params/project.yaml",
        field="sources",
    )
