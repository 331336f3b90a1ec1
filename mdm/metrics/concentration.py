"""How concentrated the work is: contributor absence factor and the onion model."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mdm.metrics._arrays import (
    Ints,
    groups,
    months,
    people,
    period_index,
    period_ordinals,
    select,
    span,
    tally,
    weights,
)
from mdm.metrics.publish import suppress_small

__all__ = ["absence_factor", "onion"]

# onion layers as whole percentages, so the boundary tests are exact integer arithmetic
_CORE_PCT = 80
_REGULAR_PCT = 95


def _ranked(
    group: Ints, person: Ints, n_groups: int, contributions: Ints | None = None
) -> tuple[Ints, Ints, Ints]:
    """Per-person contribution counts, most active first within each group.

    Returns the group of each ranked person, the contributions before them in their
    group, and each group's total. People with equal counts sit in an arbitrary
    order, which changes no result: the sum before a position depends only on the
    sorted counts.
    """
    group, _, count = tally(group, person, weights=contributions)
    most = int(count.max()) + 1 if len(count) else 1
    order = np.sort(group * most + (most - 1 - count))  # group ascending, count descending
    group, count = order // most, most - 1 - order % most
    total = np.bincount(group, weights=count, minlength=n_groups).astype(np.int64)
    before_group = np.r_[np.int64(0), np.cumsum(total)[:-1]]
    before = np.cumsum(count) - count - before_group[group]
    return group, before, total


def absence_factor(
    events: pd.DataFrame, by: str | None = None, *, bots: bool = False, min_group: int = 5
) -> pd.DataFrame:
    """The smallest number of people who together made at least half of all contributions.

    People are taken from the most active down until their contributions reach half
    the total; the count does not depend on how equally active people are ordered.
    With ``by``, one row per group, and groups with 1 to ``min_group``−1 contributors
    are suppressed. Without events the factor is 0.
    Columns: [by], absence_factor, contributors, contributions.
    """
    rows = select(events, bots=bots)
    group, labels = groups(events, by, rows)
    person, _ = people(events)
    ranked_group, before, total = _ranked(group, person[rows], len(labels), weights(events, rows))
    needed = 2 * before < total[ranked_group]  # still short of half before this person joins
    table = pd.DataFrame(
        {
            "absence_factor": np.bincount(ranked_group, weights=needed, minlength=len(labels)),
            "contributors": np.bincount(ranked_group, minlength=len(labels)),
            "contributions": total,
        }
    ).astype(np.int64)
    if by is None:
        return table
    table.insert(0, by, pd.array(labels, dtype="string"))
    return suppress_small(
        table, "contributors", min_group, also=["absence_factor", "contributions"]
    )


def onion(events: pd.DataFrame, freq: str = "Q", *, bots: bool = False) -> pd.DataFrame:
    """Core, regular and casual contributors per period (the onion model).

    In each period people are ranked by their number of contributions, most first.
    A person is core if the people ranked above them made less than 80% of the
    period's contributions (so core is the smallest group reaching 80%), regular if
    those above made less than 95%, and casual otherwise. Equally active people are
    ranked in an arbitrary order; the size of each layer does not depend on it.
    Columns: period, core, regular, casual.
    """
    rows = select(events, bots=bots)
    ordinal = period_ordinals(months(events)[rows], freq)
    periods = span(ordinal)
    period = ordinal - (periods[0] if len(periods) else 0)
    person, _ = people(events)
    ranked_period, before, total = _ranked(
        period, person[rows], len(periods), weights(events, rows)
    )
    share = 100 * before
    whole = total[ranked_period]
    layer = np.where(share < _CORE_PCT * whole, 0, np.where(share < _REGULAR_PCT * whole, 1, 2))
    cells = np.bincount(ranked_period * 3 + layer, minlength=len(periods) * 3).reshape(-1, 3)
    return pd.DataFrame(
        {
            "period": period_index(periods, freq),
            "core": cells[:, 0].astype(np.int64),
            "regular": cells[:, 1].astype(np.int64),
            "casual": cells[:, 2].astype(np.int64),
        }
    )
