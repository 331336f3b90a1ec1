"""Vectorised building blocks: row selection, integer codes, period ordinals, distinct pairs.

Every metric turns the columns it needs into NumPy arrays once and works on
integers from there: contributor ids become codes, timestamps become
nanoseconds and months since 1970, and periods become pandas ordinals (months,
quarters or years since 1970), so no metric loops over rows in Python.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from mdm.regions import region_of

__all__ = [
    "FREQS",
    "Filters",
    "Ints",
    "codes_of",
    "column",
    "distinct",
    "month_ordinals",
    "nanos",
    "period_index",
    "period_ordinals",
    "select",
    "span",
]

FREQS = ("M", "Q", "Y")
Filters = Mapping[str, str | Sequence[str]]
Ints = npt.NDArray[np.int64]

_MONTHS_PER = {"M": 1, "Q": 3, "Y": 12}
_NS_PER_MINUTE = 60_000_000_000


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
    raise ValueError(f"by: no column {name!r} in the events")


def _regions(country: pd.Series) -> pd.Series:
    codes, uniques = pd.factorize(country)  # a few hundred countries: map those, not the rows
    names = [region_of(str(code)) for code in uniques] + ["Unknown"]  # code -1 (NA) -> last
    categories = sorted(set(names))
    position = np.array([categories.index(n) for n in names], dtype=np.int64)
    regions = pd.Categorical.from_codes(position[codes], categories=categories)
    return pd.Series(regions, index=country.index, name="region")


def select(events: pd.DataFrame, filters: Filters | None = None, *, bots: bool = False) -> Ints:
    """Positions of the rows kept: bots dropped unless ``bots``, then every filter applied."""
    keep = np.ones(len(events), dtype=bool)
    if not bots:
        keep &= ~events["is_bot"].to_numpy(dtype=bool)
    for name, wanted in (filters or {}).items():
        values = [wanted] if isinstance(wanted, str) else list(wanted)
        keep &= column(events, name).isin(values).to_numpy(dtype=bool)
    return np.flatnonzero(keep).astype(np.int64)


def codes_of(values: pd.Series) -> tuple[Ints, pd.Index]:
    """Integer codes (−1 for missing) and the labels they stand for."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy().astype(np.int64), pd.Index(values.cat.categories)
    codes, uniques = pd.factorize(values)
    return codes.astype(np.int64), pd.Index(uniques)


def nanos(events: pd.DataFrame) -> Ints:
    """Event times as nanoseconds since 1970-01-01 UTC."""
    return np.asarray(events["timestamp"].dt.as_unit("ns").array.asi8, dtype=np.int64)


def month_ordinals(ns: Ints, offset_minutes: Ints | None = None) -> Ints:
    """Calendar months since 1970-01 of nanosecond times (optionally shifted to local time)."""
    if offset_minutes is not None:
        ns = ns + offset_minutes * _NS_PER_MINUTE
    return ns.view("M8[ns]").astype("M8[M]").view(np.int64)


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


def distinct(*keys: Ints) -> tuple[Ints, ...]:
    """Distinct combinations of non-negative integer keys, sorted, one array per key.

    Sort-based: for tens of millions of rows NumPy's sort beats hashing here.
    """
    if not len(keys[0]):
        return tuple(np.empty(0, dtype=np.int64) for _ in keys)
    sizes = [int(k.max()) + 1 for k in keys]
    combined = np.zeros(len(keys[0]), dtype=np.int64)
    for key, size in zip(keys, sizes, strict=True):
        combined = combined * size + key
    combined.sort()
    first = np.ones(len(combined), dtype=bool)
    first[1:] = combined[1:] != combined[:-1]
    combined = combined[first]
    out = []
    for size in reversed(sizes):
        out.append(combined % size)
        combined = combined // size
    return tuple(reversed(out))
