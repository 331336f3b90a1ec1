"""Head counts per period: contributors, new, inactive, and contributors in several areas."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mdm.metrics._arrays import (
    EARLIEST,
    Filters,
    Ints,
    codes_of,
    distinct,
    first_seen,
    fits,
    groups,
    last_nanos,
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
from mdm.metrics.publish import suppress_small

__all__ = ["contributors", "inactive_contributors", "multi_area_share", "new_contributors"]


def _table(
    periods: Ints,
    freq: str,
    by: str | None,
    labels: pd.Index,
    name: str,
    counts: Ints,
    min_group: int,
) -> pd.DataFrame:
    """A long table: every period (× every group) with its count; small groups suppressed."""
    data: dict[str, object] = {"period": period_index(np.repeat(periods, len(labels)), freq)}
    if by is not None:
        data[by] = np.tile(labels.to_numpy(dtype=object), len(periods))
    data[name] = counts.astype(np.int64)
    table = pd.DataFrame(data)
    if by is not None:
        table[by] = table[by].astype("string")
        table = suppress_small(table, name, min_group)
    return table


def _distinct_people_per_cell(
    period: Ints, group: Ints, person: Ints, n_periods: int, n_groups: int
) -> Ints:
    """How many distinct people each (period, group) cell has, cells in row-major order.

    A person's rows in one period mostly share one group, so each (period, person) pair keeps
    the group of one of its rows (any one) and is counted there once; only the rows of a pair
    in another group are sorted to find their distinct pairs. Where the (period, person)
    pairs are too many to mark in an array, all the rows are sorted.
    """
    cells = n_periods * n_groups
    n_people = int(person.max()) + 1 if len(person) else 0
    pairs = n_periods * n_people
    if n_groups == 1 or not fits(pairs, len(person), 8):
        cell, _ = distinct(period * n_groups + group, person)
        return np.bincount(cell, minlength=cells).astype(np.int64)
    pair = period * n_people + person
    kept = np.full(pairs, -1, dtype=np.int32)
    kept[pair] = group  # one of each pair's groups
    seen = np.flatnonzero(kept >= 0)
    counted = np.bincount((seen // n_people) * n_groups + kept[seen], minlength=cells)
    other = np.flatnonzero(kept[pair] != group)
    if len(other):
        extra, _ = distinct(period[other] * n_groups + group[other], person[other])
        counted += np.bincount(extra, minlength=cells)
    return counted.astype(np.int64)


def contributors(
    events: pd.DataFrame,
    freq: str = "Q",
    by: str | None = None,
    filters: Filters | None = None,
    *,
    bots: bool = False,
    min_group: int = 5,
) -> pd.DataFrame:
    """Distinct people with at least one contribution per period (and group).

    Filters (community, area, activity_type, ...) select the contributions counted.
    Periods run from the first to the last period of all events, so a period in
    which nobody matched shows 0. With ``by`` (a column, or ``region``), people are
    counted in every group they contributed to, and counts from 1 to ``min_group``−1
    are suppressed. Columns: period, [by], contributors.
    """
    all_periods = period_ordinals(months(events), freq)
    periods = span(all_periods[select(events, bots=bots)])
    rows = select(events, filters, bots=bots)
    group, labels = groups(events, by, rows)
    period = all_periods[rows] - (periods[0] if len(periods) else 0)
    person, _ = people(events)
    counts = _distinct_people_per_cell(period, group, person[rows], len(periods), len(labels))
    return _table(periods, freq, by, labels, "contributors", counts, min_group)


def new_contributors(
    events: pd.DataFrame,
    freq: str = "Q",
    filters: Filters | None = None,
    by: str | None = None,
    *,
    bots: bool = False,
    min_group: int = 5,
) -> pd.DataFrame:
    """People whose first contribution ever falls in the period.

    First-seen is computed over all history and all communities before any filter
    is applied; a filter then keeps the new people who made a matching contribution
    in that same period. Computing first-seen inside the filtered rows instead (the
    pitfall noted in Augur's query) would count a long-standing SUMO contributor as
    "new" the first time they translate. Columns: period, [by], new_contributors.
    """
    ns = nanos(events)
    all_periods = period_ordinals(months(events), freq)
    base = select(events, bots=bots)
    periods = span(all_periods[base])
    person, n_people = people(events)
    first_period = period_ordinals(
        month_ordinals(first_seen(person[base], ns[base], n_people)), freq
    )
    rows = select(events, filters, bots=bots)
    rows = rows[all_periods[rows] == first_period[person[rows]]]
    group, labels = groups(events, by, rows)
    period = all_periods[rows] - (periods[0] if len(periods) else 0)
    counts = _distinct_people_per_cell(period, group, person[rows], len(periods), len(labels))
    return _table(periods, freq, by, labels, "new_contributors", counts, min_group)


def inactive_contributors(
    events: pd.DataFrame,
    as_of: pd.Timestamp | None = None,
    interval: str | pd.Timedelta = "365D",
    freq: str = "Q",
    *,
    bots: bool = False,
) -> pd.DataFrame:
    """People whose last contribution on or before ``as_of`` is older than ``interval``.

    ``as_of`` defaults to the last event. Each inactive person is counted once, in the
    period of their last contribution; periods run from the first event to ``as_of``.
    Columns: period, inactive.
    """
    ns, until = nanos(events), last_nanos(events)
    rows = select(events, bots=bots)
    if as_of is None:
        end = int(until[rows].max()) if len(rows) else 0
    else:
        stamp = as_of if as_of.tzinfo else as_of.tz_localize("UTC")
        end = stamp.as_unit("ns").value
    rows = rows[ns[rows] <= end]
    person, n_people = people(events)
    last = np.full(n_people, EARLIEST, dtype=np.int64)
    np.maximum.at(last, person[rows], np.minimum(until[rows], end))
    cutoff = end - pd.Timedelta(interval).as_unit("ns").value
    gone = last[(last > EARLIEST) & (last < cutoff)]
    periods = span(period_ordinals(months(events)[rows], freq))
    first = periods[0] if len(periods) else 0
    counts = np.bincount(
        period_ordinals(month_ordinals(gone), freq) - first, minlength=len(periods)
    )
    return _table(periods, freq, None, pd.Index(["all"]), "inactive", counts, 0)


def multi_area_share(
    events: pd.DataFrame, freq: str = "Y", *, min_areas: int = 2, bots: bool = False
) -> pd.DataFrame:
    """Share of each period's contributors who contributed in at least ``min_areas`` areas.

    Columns: period, contributors, multi_area, share (missing when nobody contributed).
    """
    rows = select(events, bots=bots)
    all_periods = period_ordinals(months(events)[rows], freq)
    periods = span(all_periods)
    period = all_periods - (periods[0] if len(periods) else 0)
    area = codes_of(events["area"])[0][rows] + 1  # 0: area missing, not an area
    person, _ = people(events)
    cell_period, cell_person, cell_area = distinct(period, person[rows], area)
    # one row per (period, person, area): a person's run holds their areas
    starts = np.flatnonzero(new_run(cell_period, cell_person))
    areas = np.add.reduceat(cell_area > 0, starts) if len(starts) else starts
    who = np.bincount(cell_period[starts], minlength=len(periods))
    multi = np.bincount(cell_period[starts], weights=areas >= min_areas, minlength=len(periods))
    table = _table(periods, freq, None, pd.Index(["all"]), "contributors", who, 0)
    table["multi_area"] = multi.astype(np.int64)
    table["share"] = table["multi_area"] / table["contributors"].where(table["contributors"] > 0)
    return table
