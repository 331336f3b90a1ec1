"""Where metric results come from: the project's events file, or GrimoireLab's OpenSearch.

The evidence store (:mod:`mdm.build.precompute`) and a section without a store
(:class:`mdm.report.evidence.Research`) ask a backend the same three things: a digest of what
the results would be computed from now (results are stored under it), a description of it for
captions (rows, first and last contribution), and a metric's result table, whose shape does not
depend on the backend. :class:`EventsBackend` loads the events file once (ids coded as
categoricals); :class:`ClusterBackend` asks the cluster the project declares under
``opensearch:`` (:mod:`mdm.sources.opensearch`).
"""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from mdm.data.events import load_events
from mdm.files import sha256_file
from mdm.metrics.definitions import DEFINITIONS
from mdm.report.results import Counted, compute_result, to_date_spec
from mdm.report.store import EventsFile

if TYPE_CHECKING:
    import pandas as pd

    from mdm.params.models import MetricKeys
    from mdm.params.project import Project

__all__ = ["Backend", "ClusterBackend", "EventsBackend", "open_backend"]

_BYTES_PER_EVENT = 64  # a metric's passing arrays, measured at 33M events (150 B with two)


class Backend(Protocol):
    """What the evidence store and a section ask of the source of the metric results."""

    def workers(self) -> int:
        """How many results may be computed at once (threads)."""
        ...

    def available(self) -> bool:
        """There is something to compute from (an events file; a declared cluster)."""
        ...

    def digest(self) -> str:
        """What the results would be computed from now; stored results are keyed on it."""
        ...

    def describe(self, old: EventsFile | None) -> EventsFile:
        """Rows, first and last contribution; ``old`` when it describes the same digest."""
        ...

    def span(self) -> tuple[int | None, int | None]:
        """The first and last contribution by a person, in nanoseconds since the epoch (UTC)."""
        ...

    def result(
        self, spec: MetricKeys | Counted, before: pd.Timestamp | None, min_group: int
    ) -> pd.DataFrame:
        """The metric's result over contributions earlier than ``before`` (all when None)."""
        ...


class EventsBackend:
    """The project's events file (``data.events``), loaded on first use."""

    def __init__(self, project: Project) -> None:
        self.path: Path = project.data_path("events")
        self.shown = project.info.data.events

    def available(self) -> bool:
        return self.path.is_file()

    @cached_property
    def events(self) -> pd.DataFrame:
        # deferred: numpy and pandas load only when the events do
        from mdm.metrics._arrays import with_months

        return with_months(load_events(self.path, self.shown, coded=True))

    def digest(self) -> str:
        return sha256_file(self.path)

    def workers(self) -> int:
        """One thread per core while each has room for a metric's arrays (about 64 bytes per
        event: a few integer arrays of one value per row) in half the memory available."""
        available = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        room = int(available // 2 // (_BYTES_PER_EVENT * max(len(self.events), 1)))
        return max(1, min(os.cpu_count() or 1, room))

    def describe(self, old: EventsFile | None) -> EventsFile:
        stat = self.path.stat()
        if old is not None:  # the same content: only the file's size and time may differ
            return EventsFile(
                stat.st_size, stat.st_mtime_ns, old.sha256, old.rows, old.last_ns, old.first_ns
            )
        first, last = self.span()
        return EventsFile(
            stat.st_size, stat.st_mtime_ns, self.digest(), len(self.events), last, first
        )

    def span(self) -> tuple[int | None, int | None]:
        stamps = self.events["timestamp"]
        first, last = stamps.min(), stamps.max()
        return (None, None) if last != last else (int(first.value), int(last.value))

    def result(
        self, spec: MetricKeys | Counted, before: pd.Timestamp | None, min_group: int
    ) -> pd.DataFrame:
        return compute_result(self.events, spec, before, min_group)


class ClusterBackend:
    """GrimoireLab's OpenSearch, as the project declares it (``opensearch:``)."""

    def __init__(self, project: Project) -> None:
        # deferred: opensearch-py, numpy and pandas load only for a project that reads a cluster
        from mdm.sources.opensearch import ClusterSource

        self.source = ClusterSource(project)

    def available(self) -> bool:
        return True

    def workers(self) -> int:
        return 1  # one table of the cluster serves many results: fetched once, in turn

    def digest(self) -> str:
        return self.source.state().digest

    def describe(self, old: EventsFile | None) -> EventsFile:
        if old is not None:
            return old
        first, last = self.span()
        return EventsFile(0, 0, self.digest(), self.source.documents(), last, first)

    def span(self) -> tuple[int | None, int | None]:
        return self.source.span()

    def result(
        self, spec: MetricKeys | Counted, before: pd.Timestamp | None, min_group: int
    ) -> pd.DataFrame:
        if isinstance(spec, Counted) or to_date_spec(spec):
            # what a value counts, and a value to date, come from the cluster's table shaped
            # like the events (a person's first day in a month in it: people to a day are exact)
            metric = spec.value.metric if isinstance(spec, Counted) else spec.metric
            table = DEFINITIONS[metric].cluster.table or "cells"
            return compute_result(self.source.table(table, before), spec, before, min_group)
        return self.source.result(spec, before, min_group)


def open_backend(project: Project) -> Backend:
    """The cluster the project declares under ``opensearch:``, else its events file."""
    if project.info.opensearch is None:
        return EventsBackend(project)
    return ClusterBackend(project)
