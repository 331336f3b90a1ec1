"""Where people are in their life as contributors: active/drifting/away, cohorts, conversion."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from mdm.metrics._arrays import (
    LATEST,
    Ints,
    check_freq,
    distinct,
    first_seen,
    month_ordinals,
    months,
    nanos,
    new_run,
    people,
    period_index,
    period_ordinals,
    select,
    span,
)

__all__ = ["activity_status", "cohort_retention", "conversion_rate"]

_ACTIVE_MONTHS = 6
_DRIFTING_MONTHS = 12


def _covered(person: Ints, month: Ints, window: int, size: int) -> Ints:
    """For each month d (0..size−1): how many people have an event in months d−window..d−1.

    ``person`` and ``month`` are distinct pairs sorted by person then month. Each event
    month m covers the months m+1..m+window; a person's covers are merged by starting
    each one after the previous one ends, so a person counts once per month.
    """
    same = ~new_run(person)
    previous_end = np.r_[np.int64(-1), month[:-1] + window]
    start = np.where(same, np.maximum(month + 1, previous_end + 1), month + 1)
    end = month + window + 1  # exclusive
    keep = start < end
    delta = np.bincount(np.minimum(start[keep], size), minlength=size + 1) - np.bincount(
        np.minimum(end[keep], size), minlength=size + 1
    )
    return np.cumsum(delta)[:size].astype(np.int64)


def activity_status(events: pd.DataFrame, freq: str = "Q", *, bots: bool = False) -> pd.DataFrame:
    """People seen so far, split by the age of their last contribution at each period end.

    At the end d of a period, among people whose first contribution was before d: active
    if their last contribution is at most 6 months old (on or after d − 6 months),
    drifting if it is 6 to 12 months old (on or after d − 12 months but before
    d − 6 months), away if older. Months are calendar months.
    Columns: period, active, drifting, away.
    """
    months_per = check_freq(freq)
    rows = select(events, bots=bots)
    month = months(events)[rows]
    periods = span(period_ordinals(month, freq))
    if not len(periods):
        empty = {name: periods for name in ("active", "drifting", "away")}
        return pd.DataFrame({"period": period_index(periods, freq), **empty})
    first_month = int(month.min())
    person, month = distinct(people(events)[0][rows], month - first_month)
    ends = (periods + 1) * months_per - first_month  # first month after each period
    size = int(ends.max()) + 1
    first = new_run(person)
    seen = np.cumsum(np.bincount(month[first], minlength=size))  # seen[d]: first month <= d
    active = _covered(person, month, _ACTIVE_MONTHS, size)[ends]
    recent = _covered(person, month, _DRIFTING_MONTHS, size)[ends]
    return pd.DataFrame(
        {
            "period": period_index(periods, freq),
            "active": active,
            "drifting": recent - active,
            "away": seen[ends - 1] - recent,
        }
    )


def cohort_retention(
    events: pd.DataFrame,
    freq: str = "Q",
    max_k: int = 8,
    *,
    bots: bool = False,
    min_group: int = 5,
) -> pd.DataFrame:
    """R(c, k): share of cohort c still contributing k periods after joining.

    A person's cohort is the period of their first contribution; R(c, k) is the share
    of that cohort with at least one contribution in period c + k (so R(c, 0) = 1).
    Cells after the last period of the data are unknown (missing), not zero. Periods
    in which nobody joined have no row; cohorts smaller than ``min_group`` are blanked.
    Rows: cohort (period); columns: periods_since_first 0..max_k.
    """
    rows = select(events, bots=bots)
    ordinal = period_ordinals(months(events)[rows], freq)
    periods = span(ordinal)
    columns = pd.RangeIndex(max_k + 1, name="periods_since_first")
    if not len(periods):
        return pd.DataFrame(
            index=pd.PeriodIndex([], freq=freq, name="cohort"), columns=columns, dtype=float
        )
    person, period = distinct(people(events)[0][rows], ordinal - periods[0])
    first = new_run(person)
    cohort = period[first][np.cumsum(first) - 1]
    k = period - cohort
    near = k <= max_k
    active = np.bincount(
        cohort[near] * (max_k + 1) + k[near], minlength=len(periods) * (max_k + 1)
    ).reshape(len(periods), max_k + 1)
    size = active[:, 0]
    share = active / np.where(size > 0, size, 1)[:, None]
    unknown = np.arange(len(periods))[:, None] + np.arange(max_k + 1)[None, :] >= len(periods)
    share[unknown | (size < min_group)[:, None]] = np.nan
    joined = size > 0
    index = pd.PeriodIndex(period_index(periods[joined], freq), name="cohort")
    return pd.DataFrame(share[joined], index=index, columns=columns)


def conversion_rate(
    events: pd.DataFrame,
    entry: str = "event_attended",
    min_later: int = 3,
    window: str | pd.Timedelta = "180D",
    freq: str = "Y",
    *,
    target: str | Sequence[str] | None = None,
    bots: bool = False,
) -> pd.DataFrame:
    """Share of people entering through ``entry`` who go on to contribute.

    A person enters at their first event of type ``entry``, in the period of that event.
    They convert if they make at least ``min_later`` contributions of the ``target``
    types (default: any type other than ``entry``) strictly after entering and no
    later than ``window`` after it. Entrants too recent for the whole window to have
    passed still count, so the latest period can understate the rate.
    Columns: period, entered, converted, rate (missing when nobody entered).
    """
    rows = select(events, bots=bots)
    ns = nanos(events)[rows]
    kind = events["activity_type"].iloc[rows]
    person, n_people = people(events)
    person = person[rows]
    is_entry = (kind == entry).to_numpy(dtype=bool)
    start = first_seen(person[is_entry], ns[is_entry], n_people)
    entered = start < LATEST
    targets = [target] if isinstance(target, str) else target
    wanted = ~is_entry if targets is None else kind.isin(targets).to_numpy(dtype=bool)
    later = wanted & entered[person]
    begin = start[person[later]]
    later[later] = (ns[later] > begin) & (
        ns[later] <= begin + pd.Timedelta(window).as_unit("ns").value
    )
    converted = np.bincount(person[later], minlength=n_people) >= min_later
    ordinal = period_ordinals(month_ordinals(start[entered]), freq)
    periods = span(ordinal)
    offset = ordinal - (periods[0] if len(periods) else 0)
    counts = np.bincount(offset, minlength=len(periods))
    wins = np.bincount(offset, weights=converted[entered], minlength=len(periods))
    table = pd.DataFrame(
        {
            "period": period_index(periods, freq),
            "entered": counts.astype(np.int64),
            "converted": wins.astype(np.int64),
        }
    )
    table["rate"] = table["converted"] / table["entered"].where(table["entered"] > 0)
    return table
