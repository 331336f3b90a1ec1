"""What imports remember, privately: the items read and where each imported event came from.

Two files under ``data/private/``, written under the import's lock:

- ``imported-items.npz``: a fingerprint (hash of ``updated_on`` and ``uuid``) per item
  imported, so that an unchanged item is skipped without being parsed. It is valid only
  for the events file it was written with (size and time) and the settings that shaped the
  events (``count_committers``); otherwise every item is read again.
- ``imported-events/``: per imported event, its ``event_id``, the keyed hash of the identity
  that made it and its Perceval origin, one Parquet file per import (merged into one when
  they are many). With it a later import or ``mdm people`` re-derives each event's person
  exactly, when people are merged, parted (an alias row removed, ``unify_names`` switched
  off) or marked bot, without reading the items again. It is read only then.
"""

from __future__ import annotations

import io
import secrets
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mdm.sources.identities import PRIVATE, write_private

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

__all__ = ["EVENTS", "ITEMS", "append_events", "known_items", "read_events", "save_items"]

ITEMS = f"{PRIVATE}/imported-items.npz"
EVENTS = f"{PRIVATE}/imported-events"
_MERGE_AT = 16  # files in the ledger folder before they are merged into one


def known_items(root: Path, events: Path, settings: str) -> set[int] | None:
    """Fingerprints of items already imported, if they describe the events file as it is and
    the settings are the same (None: read every item again)."""
    import numpy as np

    path = root / ITEMS
    if not (path.is_file() and events.is_file()):
        return None
    with np.load(path) as saved:
        stat = events.stat()
        if list(saved["events"]) != [stat.st_size, stat.st_mtime_ns]:
            return None
        if "settings" not in saved.files or str(saved["settings"]) != settings:
            return None
        return set(saved["items"].tolist())


def save_items(root: Path, events: Path, known: set[int], new: list[int], settings: str) -> None:
    import numpy as np

    stat = events.stat()
    items = np.fromiter((*known, *new), dtype=np.uint64, count=len(known) + len(new))
    out = io.BytesIO()
    np.savez(
        out,
        items=items,
        events=np.array([stat.st_size, stat.st_mtime_ns]),
        settings=np.array(settings),
    )
    write_private(root / ITEMS, out.getvalue())


def _schema() -> pa.Schema:
    import pyarrow as pa

    return pa.schema([("event_id", pa.string()), ("identity", pa.int64()), ("origin", pa.string())])


def read_events(root: Path) -> pa.Table:
    """The ledger of imported events (empty when there is none yet)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    parts = sorted((root / EVENTS).glob("*.parquet"))
    if not parts:
        return _schema().empty_table()
    return pa.concat_tables(pq.read_table(part).cast(_schema()) for part in parts)


def append_events(root: Path, ids: Any, identities: np.ndarray[Any, Any], origins: Any) -> None:
    """Add the events an import wrote, as a file of their own; merge the files when many."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = root / EVENTS
    new = pa.table({"event_id": ids, "identity": identities, "origin": origins}).cast(_schema())
    parts = sorted(folder.glob("*.parquet"))
    if len(parts) >= _MERGE_AT:
        new = pa.concat_tables([read_events(root), new])
    out = io.BytesIO()
    pq.write_table(new, out, compression="zstd")
    write_private(folder / f"{time.time_ns():020d}-{secrets.token_hex(4)}.parquet", out.getvalue())
    if len(parts) >= _MERGE_AT:
        for part in parts:
            part.unlink()
