"""Helpers between a metric and a published document: row filter, suppression, changes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict

import pandas as pd

from mdm.metrics._arrays import Filters, select

__all__ = ["Change", "change", "complete_periods", "filter_events", "suppress_small"]


def filter_events(
    events: pd.DataFrame, filters: Filters | None = None, *, bots: bool = False
) -> pd.DataFrame:
    """Rows matching every filter (one value or a list of values per column); bots dropped."""
    return events.iloc[select(events, filters, bots=bots)]


def suppress_small(
    frame: pd.DataFrame, count_col: str, min_size: int = 5, *, also: Sequence[str] = ()
) -> pd.DataFrame:
    """Blank counts from 1 to ``min_size`` − 1 (and the ``also`` columns of those rows).

    A published table must never reveal a group so small that its members could be
    recognised. Zero stays: an empty group reveals no one.
    """
    small = (frame[count_col] > 0) & (frame[count_col] < min_size)
    out = frame.copy()
    for name in (count_col, *also):
        values = out[name]
        nullable = "Int64" if pd.api.types.is_integer_dtype(values.dtype) else "Float64"
        out[name] = values.astype(nullable).mask(small)
    return out


class Change(TypedDict):
    """The last two values of a series and how the last differs from the one before."""

    latest: float | None
    previous: float | None
    change: float | None
    change_pct: float | None


def change(series: pd.Series, as_of: pd.Timestamp | None = None) -> Change:
    """Change between the last two periods of a period-indexed series (missing values skipped).

    With ``as_of``, periods not yet over at that instant are dropped first, so a part-year
    is never compared with a whole one (values in prose use the end of their reference day,
    :func:`mdm.report.evidence.value_of`).
    ``change_pct`` is None when the previous value is zero.
    """
    values = (complete_periods(series, as_of) if as_of is not None else series).dropna()
    latest = float(values.iloc[-1]) if len(values) else None
    if len(values) < 2 or latest is None:
        return {"latest": latest, "previous": None, "change": None, "change_pct": None}
    previous = float(values.iloc[-2])
    pct = (latest - previous) / previous * 100 if previous else None
    return {"latest": latest, "previous": previous, "change": latest - previous, "change_pct": pct}


def complete_periods(series: pd.Series, as_of: pd.Timestamp) -> pd.Series:
    """The periods that had ended by ``as_of``; the one still running is dropped."""
    index = pd.PeriodIndex(series.index)
    stamp = as_of.tz_convert("UTC").tz_localize(None) if as_of.tzinfo else as_of
    return series[index.end_time <= stamp]
