"""Time to first response on threads (forum questions, bug reports, ...)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mdm.metrics._arrays import (
    Filters,
    Ints,
    codes_of,
    column,
    month_ordinals,
    nanos,
    new_run,
    period_index,
    period_ordinals,
    select,
)
from mdm.metrics.publish import suppress_small

__all__ = ["first_responses", "time_to_first_response"]

_NS_PER_HOUR = 3_600_000_000_000
_NAT = np.iinfo(np.int64).min  # how NumPy and pandas store a missing time
_SUMMARY = ["threads", "answered", "median_hours", "p90_hours"]


def first_responses(
    events: pd.DataFrame, filters: Filters | None = None, *, bots: bool = False
) -> pd.DataFrame:
    """One row per thread: when it was created and when someone else first responded.

    A thread is the events sharing a ``thread_id``; its earliest event is its creation
    (on equal times, the first row). The first response is the earliest strictly
    later event in the thread by a different person who is not a bot. Threads created
    by a bot are left out unless ``bots``; ``filters`` apply to the creating event.
    Threads in order of creation. Columns: thread_id, community, created, first_response,
    hours (missing: no response).
    """
    return _threads(events, filters, bots)[0]


def _threads(
    events: pd.DataFrame, filters: Filters | None, bots: bool
) -> tuple[pd.DataFrame, Ints]:
    """The per-thread table and the position of each thread's creating event."""
    rows = np.flatnonzero(events["thread_id"].notna().to_numpy(dtype=bool))
    # codes for the thread rows only: most events are not in a thread
    thread, _ = codes_of(events["thread_id"].iloc[rows])
    person, _ = codes_of(events["contributor_id"].iloc[rows])
    ns = nanos(events)[rows]
    order = np.argsort(ns, kind="stable")
    order = order[np.argsort(thread[order], kind="stable")]  # by thread, then time
    rows, ns, thread, person = rows[order], ns[order], thread[order], person[order]
    bot = events["is_bot"].to_numpy(dtype=bool)[rows]
    is_start = new_run(thread)
    starts = np.flatnonzero(is_start)
    index = np.cumsum(is_start) - 1  # each row's thread, 0..n_threads−1
    responds = (person != person[starts][index]) & ~bot & (ns > ns[starts][index])
    answering = np.flatnonzero(responds)  # sorted by thread then time: first per thread wins
    first = answering[new_run(index[answering])]
    response = np.full(len(starts), _NAT, dtype=np.int64)
    response[index[first]] = ns[first]
    kept = np.zeros(len(events), dtype=bool)
    kept[select(events, filters, bots=bots)] = True
    keep = kept[rows[starts]]
    created = ns[starts][keep]
    response = response[keep]
    answered = response != _NAT
    hours = np.where(answered, (response - created) / _NS_PER_HOUR, np.nan)
    by_time = np.argsort(created, kind="stable")
    created, response, hours = created[by_time], response[by_time], hours[by_time]
    creating = rows[starts][keep][by_time]
    table = pd.DataFrame(
        {
            "thread_id": _taken(events["thread_id"], creating),
            "community": _taken(events["community"], creating),
            "created": pd.to_datetime(created, unit="ns", utc=True),
            "first_response": pd.to_datetime(response, unit="ns", utc=True),
            "hours": hours,
        }
    )
    return table, creating


def _taken(values: pd.Series, rows: Ints) -> pd.Series:
    """Text values at ``rows``, indexed 0..n−1 (no detour through Python objects)."""
    return values.iloc[rows].astype("string").reset_index(drop=True)


def time_to_first_response(
    events: pd.DataFrame,
    by: str | None = "community",
    freq: str | None = None,
    filters: Filters | None = None,
    *,
    bots: bool = False,
    min_group: int = 5,
) -> pd.DataFrame:
    """Threads, share answered, median and 90th percentile of hours to the first response.

    Per group of the creating event (``by``) and/or per period of creation (``freq``);
    neither gives one row. See :func:`first_responses` for the per-thread times;
    unanswered threads lower ``answered`` and are left out of the median and the 90th
    percentile (linear interpolation). Groups with 1 to ``min_group``−1 threads are
    suppressed. Columns: [by], [period], threads, answered, median_hours, p90_hours.
    """
    threads, creating = _threads(events, filters, bots)
    keys: list[pd.Series] = []
    if by is not None:
        group = _taken(column(events, by), creating)  # the group of the creating event
        keys.append(group.rename(by).fillna("Unknown"))
    if freq is not None:
        months = month_ordinals(np.asarray(threads["created"].array.asi8, dtype=np.int64))
        keys.append(pd.Series(period_index(period_ordinals(months, freq), freq), name="period"))
    hours = threads["hours"]
    grouped = (
        hours.groupby(keys, observed=True, sort=True)
        if keys
        else hours.groupby(np.zeros(len(hours), dtype=np.int64))
    )
    table = pd.DataFrame(
        {
            "threads": grouped.size(),
            "answered": grouped.count() / grouped.size(),
            "median_hours": grouped.median(),
            "p90_hours": grouped.quantile(0.9),
        }
    )
    table = table.reset_index() if keys else table.reset_index(drop=True)
    if not keys and table.empty:
        table = pd.DataFrame({"threads": [0], "answered": [np.nan]}).assign(
            median_hours=np.nan, p90_hours=np.nan
        )
    table["threads"] = table["threads"].astype(np.int64)
    if by is None:
        return table
    return suppress_small(table, "threads", min_group, also=_SUMMARY[1:])
