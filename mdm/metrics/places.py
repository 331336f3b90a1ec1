"""Where and when people contribute: location by country or region, hour × weekday."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mdm.metrics._arrays import distinct, groups, nanos, people, select
from mdm.metrics.publish import suppress_small

__all__ = ["WEEKDAYS", "activity_heatmap", "contributor_location"]

WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
_NS_PER_HOUR = 3_600_000_000_000
_NS_PER_MINUTE = 60_000_000_000
_EPOCH_WEEKDAY = 3  # 1970-01-01 was a Thursday (Monday = 0)


def contributor_location(
    events: pd.DataFrame,
    by: str = "region",
    min_group: int = 5,
    since: pd.Timestamp | None = None,
    *,
    bots: bool = False,
) -> pd.DataFrame:
    """Distinct contributors per country (``by="country"``) or UN M49 region (``"region"``).

    A person who contributed from several countries counts in each. A missing country
    is "Unknown", as is a code with no region. Only events at or after ``since`` count.
    Largest groups first; counts from 1 to ``min_group``−1 are suppressed.
    Columns: by, contributors.
    """
    rows = select(events, bots=bots)
    if since is not None:
        stamp = since if since.tzinfo else since.tz_localize("UTC")
        rows = rows[nanos(events)[rows] >= stamp.as_unit("ns").value]
    group, labels = groups(events, by, rows)
    person, _ = people(events)
    cell, _ = distinct(group, person[rows])
    table = pd.DataFrame(
        {
            by: pd.array(labels, dtype="string"),
            "contributors": np.bincount(cell, minlength=len(labels)).astype(np.int64),
        }
    )
    table = table.sort_values(["contributors", by], ascending=[False, True], ignore_index=True)
    return suppress_small(table, "contributors", min_group)


def activity_heatmap(
    events: pd.DataFrame, local: bool = True, *, bots: bool = False
) -> pd.DataFrame:
    """Contributions by weekday and hour of day, in local time or UTC.

    Local time is each event's UTC time shifted by its own ``utc_offset_minutes``
    (0 when unknown), so an event at 23:30 UTC from UTC+01:00 falls on the next day
    at 00:30. Rows: weekday Mon..Sun; columns: hour 0..23.
    """
    rows = select(events, bots=bots)
    ns = nanos(events)[rows]
    if local:
        ns = ns + events["utc_offset_minutes"].to_numpy(dtype=np.int64)[rows] * _NS_PER_MINUTE
    hours = ns // _NS_PER_HOUR  # floor division keeps times before 1970 on the right hour
    weekday = (hours // 24 + _EPOCH_WEEKDAY) % 7
    counts = np.bincount(weekday * 24 + hours % 24, minlength=7 * 24).reshape(7, 24)
    return pd.DataFrame(
        counts.astype(np.int64),
        index=pd.Index(WEEKDAYS, name="weekday"),
        columns=pd.RangeIndex(24, name="hour"),
    )
