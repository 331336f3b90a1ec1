"""Vectorised building blocks: row selection, integer codes, period ordinals, distinct pairs.

Every metric turns the columns it needs into NumPy arrays once and works on
integers from there: contributor ids become codes, timestamps become
nanoseconds and months since 1970, and periods become pandas ordinals (months,
quarters or years since 1970), so no metric loops over rows in Python.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from mdm.metrics.regions import region_of

__all__ = [
    "EARLIEST",
    "FREQS",
    "LATEST",
    "MONTH",
    "Filters",
    "Ints",
    "codes_of",
    "column",
    "distinct",
    "first_seen",
    "fits",
    "groups",
    "last_nanos",
    "month_ordinals",
    "months",
    "nanos",
    "new_run",
    "people",
    "period_index",
    "period_ordinals",
    "select",
    "span",
    "tally",
    "weights",
    "with_months",
]

FREQS = ("M", "Q", "Y")
Filters = Mapping[str, str | Sequence[str]]
Ints = npt.NDArray[np.int64]

_MONTHS_PER = {"M": 1, "Q": 3, "Y": 12}
_NS_PER_MINUTE = 60_000_000_000
_NS_PER_DAY = 86_400_000_000_000
# distinct keys are counted in an array of one slot per possible key when there are at most
# this many slots more than rows: O(rows) instead of a sort, for a few bytes per slot
_DENSE_SLACK = 1 << 22
LATEST = np.iinfo(np.int64).max  # far future: not seen
EARLIEST = np.iinfo(np.int64).min + 1  # min itself is NaT


def people(events: pd.DataFrame) -> tuple[Ints, int]:
    """Contributor codes, one per row, and how many codes there are."""
    codes, labels = codes_of(events["contributor_id"])
    return codes, len(labels)


def first_seen(person: Ints, ns: Ints, n_people: int) -> Ints:
    """Each person's earliest time, indexed by code (far future for people without rows)."""
    first = np.full(n_people, LATEST, dtype=np.int64)
    np.minimum.at(first, person, ns)
    return first


def check_freq(freq: str) -> int:
    """Months per period of ``freq``."""
    if freq not in _MONTHS_PER:
        raise ValueError(f"freq: expected one of {', '.join(FREQS)}, got {freq!r}")
    return _MONTHS_PER[freq]


def column(events: pd.DataFrame, name: str) -> pd.Series:
    """A column of the events, or ``region`` derived from ``country`` (UN M49)."""
    if name in events:
        return events[name]
    if name == "region":
        return _regions(events["country"])
    raise ValueError(f"{name!r}: no such column in the events")


def _regions(country: pd.Series) -> pd.Series:
    codes, uniques = pd.factorize(country)  # a few hundred countries: map those, not the rows
    names = [region_of(str(code)) for code in uniques] + ["Unknown"]  # code -1 (NA) -> last
    categories = sorted(set(names))
    position = np.array([categories.index(n) for n in names], dtype=np.int64)
    regions = pd.Categorical.from_codes(position[codes], categories=categories)
    return pd.Series(regions, index=country.index, name="region")


def groups(events: pd.DataFrame, by: str | None, rows: Ints) -> tuple[Ints, pd.Index]:
    """Dense group codes of the kept rows and their labels; a missing value is "Unknown"."""
    if by is None:
        return np.zeros(len(rows), dtype=np.int64), pd.Index(["all"])
    codes, labels = codes_of(column(events, by))
    codes = codes[rows]
    if (codes < 0).any():
        codes = np.where(codes < 0, len(labels), codes)
        labels = labels.append(pd.Index(["Unknown"]))
    used = np.flatnonzero(np.bincount(codes, minlength=len(labels)))  # groups in kept rows only
    names = pd.Index(labels[used].astype(str))
    order = np.argsort(names.to_numpy(dtype=str), kind="stable")  # groups in name order
    dense = np.zeros(len(labels), dtype=np.int64)
    dense[used[order]] = np.arange(len(used))
    return dense[codes], names[order]


def select(events: pd.DataFrame, filters: Filters | None = None, *, bots: bool = False) -> Ints:
    """Positions of the rows kept: bots dropped unless ``bots``, then every filter applied."""
    keep = np.ones(len(events), dtype=bool)
    if not bots:
        keep &= ~events["is_bot"].to_numpy(dtype=bool)
    for name, wanted in (filters or {}).items():
        values = [wanted] if isinstance(wanted, str) else list(wanted)
        keep &= _matching(column(events, name), values)
    return np.flatnonzero(keep).astype(np.int64)


def _matching(values: pd.Series, wanted: list[str]) -> npt.NDArray[np.bool_]:
    """Rows whose value is one of ``wanted``; a categorical is matched by its codes."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        hit = np.r_[values.cat.categories.isin(wanted), False]  # code −1 (missing) → last
        return np.asarray(hit[values.cat.codes.to_numpy()], dtype=bool)
    return np.asarray(values.isin(wanted).to_numpy(dtype=bool), dtype=bool)


def codes_of(values: pd.Series) -> tuple[Ints, pd.Index]:
    """Integer codes (−1 for missing) and the labels they stand for."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy().astype(np.int64), pd.Index(values.cat.categories)
    codes, uniques = pd.factorize(values)
    return codes.astype(np.int64), pd.Index(uniques)


def nanos(events: pd.DataFrame) -> Ints:
    """Event times as nanoseconds since 1970-01-01 UTC."""
    return np.asarray(events["timestamp"].dt.as_unit("ns").array.asi8, dtype=np.int64)


MONTH = "_month"
"""An optional column of the events: each row's month ordinal (UTC), as :func:`months` gives it.

The evidence step adds it once (:func:`with_months`), so that the twenty-odd metrics computed
over one table do not each convert every timestamp to its month again.
"""


def months(events: pd.DataFrame) -> Ints:
    """Each row's calendar month since 1970-01 (UTC)."""
    if MONTH in events:
        return np.asarray(events[MONTH].to_numpy(), dtype=np.int64)
    return month_ordinals(nanos(events))


def with_months(events: pd.DataFrame) -> pd.DataFrame:
    """The events with their months as a column (:data:`MONTH`)."""
    return events.assign(**{MONTH: month_ordinals(nanos(events)).astype(np.int32)})


def month_ordinals(ns: Ints, offset_minutes: Ints | None = None) -> Ints:
    """Calendar months since 1970-01 of nanosecond times (optionally shifted to local time).

    Days are looked up in a table of the months of the days spanned: a division and a gather
    per row, three times faster than NumPy's calendar conversion of every row.
    """
    if offset_minutes is not None:
        ns = ns + offset_minutes * _NS_PER_MINUTE
    if not len(ns):
        return np.empty(0, dtype=np.int64)
    days = ns // _NS_PER_DAY
    first = int(days.min())
    spanned = np.arange(first, int(days.max()) + 1, dtype=np.int64)
    table = spanned.view("M8[D]").astype("M8[M]").view(np.int64)
    return table[days - first]


def period_ordinals(months: Ints, freq: str) -> Ints:
    """Pandas period ordinals of ``freq`` for month ordinals (floor division keeps pre-1970 right)."""
    return months // check_freq(freq)


def period_index(ordinals: Ints, freq: str) -> pd.PeriodIndex:
    return pd.PeriodIndex.from_ordinals(ordinals, freq=freq, name="period")


def span(ordinals: Ints) -> Ints:
    """Every ordinal from the first to the last seen, so empty periods show as zero."""
    if not len(ordinals):
        return np.empty(0, dtype=np.int64)
    return np.arange(ordinals.min(), ordinals.max() + 1, dtype=np.int64)


def new_run(*keys: Ints) -> npt.NDArray[np.bool_]:
    """True where a row's keys differ from the row before (the first row starts a run)."""
    starts = np.zeros(len(keys[0]), dtype=bool)
    starts[:1] = True
    for key in keys:
        starts[1:] |= key[1:] != key[:-1]
    return starts


def distinct(*keys: Ints) -> tuple[Ints, ...]:
    """Distinct combinations of non-negative integer keys, sorted, one array per key.

    Marked in one byte per possible combination when there are at most about eight of those
    per row (a pass over the rows), else counted by :func:`tally`.
    """
    if not len(keys[0]):
        return tuple(np.empty(0, dtype=np.int64) for _ in keys)
    sizes = [int(k.max()) + 1 for k in keys]
    if not fits(math.prod(sizes), len(keys[0]), 8):
        return tally(*keys)[:-1]
    seen = np.zeros(math.prod(sizes), dtype=bool)
    seen[_combined(keys, sizes)] = True
    return _split(np.flatnonzero(seen).astype(np.int64), sizes)


def fits(slots: int, rows: int, per_row: int) -> bool:
    """Whether an array of ``slots`` is small enough to count ``rows`` in, instead of sorting."""
    return slots <= per_row * rows + _DENSE_SLACK


def _combined(keys: Sequence[Ints], sizes: Sequence[int]) -> Ints:
    """One integer per row standing for its combination of keys (mixed radix)."""
    combined = np.zeros(len(keys[0]), dtype=np.int64)
    for key, size in zip(keys, sizes, strict=True):
        combined = combined * size + key
    return combined


def _split(combined: Ints, sizes: Sequence[int]) -> tuple[Ints, ...]:
    """The keys back from :func:`_combined`."""
    out = []
    for size in reversed(sizes):
        out.append(combined % size)
        combined = combined // size
    return tuple(reversed(out))


def tally(*keys: Ints, weights: Ints | None = None) -> tuple[Ints, ...]:
    """Distinct combinations of non-negative integer keys, sorted, and how many rows had each.

    With ``weights`` (positive), the sum of the weights of the rows that had each instead.
    Counted in one slot per possible combination when there are at most about four of those
    per row (a pass over the rows); otherwise sort-based: for tens of millions of rows NumPy's
    sort beats hashing here.
    """
    if not len(keys[0]):
        return tuple(np.empty(0, dtype=np.int64) for _ in range(len(keys) + 1))
    sizes = [int(k.max()) + 1 for k in keys]
    combined = _combined(keys, sizes)
    slots = math.prod(sizes)
    if fits(slots, len(combined), 4):
        every = np.bincount(combined, weights=weights, minlength=slots)
        combined = np.flatnonzero(every).astype(np.int64)
        counts = every[combined].astype(np.int64)
    else:
        order = np.argsort(combined, kind="stable") if weights is not None else None
        combined = combined[order] if order is not None else np.sort(combined)
        starts = np.flatnonzero(new_run(combined))
        if weights is None or order is None:
            counts = np.diff(np.r_[starts, len(combined)]).astype(np.int64)
        else:
            counts = np.add.reduceat(weights[order], starts).astype(np.int64)
        combined = combined[starts]
    return (*_split(combined, sizes), counts)


def weights(events: pd.DataFrame, rows: Ints) -> Ints | None:
    """How many contributions each kept row stands for; None when each is one.

    An events table has one row per contribution. A table that GrimoireLab's indexes were
    aggregated into (:class:`mdm.metrics.definitions.ClusterForm`) has one row per person,
    month and kind of contribution, and says how many in ``contributions``.
    """
    if "contributions" not in events:
        return None
    return np.asarray(events["contributions"].to_numpy(dtype=np.int64)[rows], dtype=np.int64)


def last_nanos(events: pd.DataFrame) -> Ints:
    """Each row's last time: ``until`` in an aggregated table (see :func:`weights`), else its time."""
    if "until" not in events:
        return nanos(events)
    return np.asarray(events["until"].dt.as_unit("ns").array.asi8, dtype=np.int64)
