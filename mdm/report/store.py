"""The evidence store as a section reads it: metric results computed once per build.

A build computes every metric result its sections show outside the kernels
(:mod:`mdm.build.precompute`) and stores each small result as Parquet under
``output/evidence/`` with ``index.json``. A section's :class:`~mdm.report.evidence.Research`
opens the store here and takes a result from it when the index describes the events file as
it is now; otherwise (a notebook opened in JupyterLab without a build) it computes the result.

A result's file name is a digest of its metric spec and cut-off, the SHA-256 of the events file
and mdm's code fingerprint, the same things a section's key covers: a changed events file or a
changed mdm never reuses a result.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mdm.files import combine
from mdm.version import code_fingerprint

if TYPE_CHECKING:
    import pandas as pd

    from mdm.params.project import Project

__all__ = [
    "INDEX",
    "STORE",
    "STORE_ENV",
    "VERSION",
    "EventsFile",
    "Store",
    "declared_cluster",
    "open_store",
    "read_index",
    "result_name",
]

STORE = "evidence"
"""The store's folder inside the project's output folder."""
STORE_ENV = "MDM_EVIDENCE"
"""Set by a build for its sections: the store it is writing (in its staging folder)."""
INDEX = "index.json"
VERSION = 2


@dataclass(frozen=True)
class EventsFile:
    """What a section needs to know about the events file besides metric results."""

    size: int
    mtime_ns: int
    sha256: str
    rows: int
    last_ns: int | None
    """The last event's time in nanoseconds since the epoch (UTC); None without events."""
    first_ns: int | None = None
    """The first event's time, like ``last_ns``: captions name the span of the activity."""

    def matches(self, path: Path) -> bool:
        """The file on disk is the one described, judged by size and modification time.

        A kernel checks this rather than hashing the file again: the build that wrote the
        index hashed it, and a rewrite changes the modification time (as ``make`` assumes).
        """
        try:
            stat = path.stat()
        except OSError:
            return False
        return stat.st_size == self.size and stat.st_mtime_ns == self.mtime_ns


def result_name(key: str, events_sha256: str, code: str) -> str:
    """The file name of one stored result."""
    return combine([key, events_sha256, code])[:32] + ".parquet"


@dataclass(frozen=True)
class Store:
    """A store whose index describes the events file as it is now."""

    folder: Path
    events: EventsFile
    results: frozenset[str]
    code: str = ""
    """The fingerprint of the mdm that wrote it (:func:`mdm.version.code_fingerprint`)."""

    def result(self, key: str) -> pd.DataFrame | None:
        """The stored result of ``key`` (see :func:`mdm.report.evidence.result_key`), if any."""
        import pandas as pd

        name = result_name(key, self.events.sha256, code_fingerprint())
        if name not in self.results:
            return None
        try:
            return pd.read_parquet(self.folder / name)
        except (OSError, ValueError):  # removed or damaged since: compute it instead
            return None


def read_index(folder: Path) -> dict[str, Any]:
    try:
        data = json.loads((folder / INDEX).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) and data.get("version") == VERSION else {}


def events_of(index: dict[str, Any]) -> EventsFile | None:
    try:
        return EventsFile(**index["events"])
    except (KeyError, TypeError):
        return None


def declared_cluster(project: Project) -> dict[str, Any] | None:
    """The cluster the project reads its evidence from, as the store's index records it."""
    config = project.info.opensearch
    return None if config is None else {"url": config.url, "indices": list(config.indices)}


def open_store(project: Project) -> Store | None:
    """The project's evidence store, or None when there is none for the events as they are.

    For an events file, the index must describe the file as it is now. For a cluster, which a
    kernel cannot check cheaply, the index must be of the cluster the params declare: its
    results are those of the build that wrote it.
    """
    folder = Path(os.environ.get(STORE_ENV) or project.output / STORE)
    index = read_index(folder)
    events = events_of(index)
    cluster = declared_cluster(project)
    if events is None or index.get("cluster") != cluster:
        return None
    if cluster is None and not events.matches(project.data_path("events")):
        return None
    return Store(folder, events, frozenset(index.get("results", {})), str(index.get("code", "")))
