"""What a stored result is and how it is computed from events: one place for both backends.

A result is a metric's table (:func:`compute_result`), or what a value counts (:class:`Counted`:
events, people and bots left out per period), over the events before a cut-off; a value to
date (``span: to_date``) is one table of two spans, the days of the running period and the same
days of the period before. :func:`result_key` names each for the evidence store. The events
may be the project's events file or a table shaped like it that GrimoireLab's cluster gives
(one row per person and month with its ``contributions``): both backends
(:mod:`mdm.report.backends`) compute here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from mdm.metrics.definitions import DEFINITIONS, SPEC_KEYS
from mdm.params.models import MetricKeys, ValueSpec
from mdm.report.periods import Span, to_date

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "Counted",
    "compute_result",
    "day_of",
    "end_of",
    "result_key",
    "start_of",
    "to_date_spec",
]


def day_of(ns: int) -> date:
    import pandas as pd

    stamp = pd.Timestamp(ns, tz="UTC")
    return date(stamp.year, stamp.month, stamp.day)


def start_of(day: date) -> pd.Timestamp:
    """The first instant of ``day`` (UTC)."""
    import pandas as pd

    return pd.Timestamp(day, tz="UTC")


def end_of(day: date) -> pd.Timestamp:
    """The first instant after ``day`` (UTC)."""
    import pandas as pd

    return start_of(day) + pd.Timedelta(days=1)


@dataclass(frozen=True)
class Counted:
    """What a value looks at, as a result the evidence store keeps like a metric's: in each
    period (or each span to date) the events that pass its filters and the people behind them,
    and the events of bots and service accounts left out. Values with the same filters,
    periods and cut-off share it."""

    value: ValueSpec


def to_date_spec(spec: object) -> bool:
    """A value to date (``span: to_date``)."""
    return isinstance(spec, ValueSpec) and spec.span == "to_date"


def result_key(spec: MetricKeys | Counted, before: pd.Timestamp | None) -> str:
    """What identifies a metric result: the metric, the keys that change it, the cut-off."""
    if isinstance(spec, Counted):
        value = spec.value
        keys = json.dumps({"freq": value.freq, **value.filters()}, sort_keys=True)
        return f"counted:{keys}{'~to_date' if to_date_spec(value) else ''}<{before}"
    # the keys as set, not as defaulted: time_to_first_response by group is over time only with freq
    keys = spec.model_dump_json(include={"metric", *SPEC_KEYS}, exclude_unset=True)
    return keys + ("~to_date" if to_date_spec(spec) else "") + f"<{before}"


def compute_result(
    events: pd.DataFrame, spec: MetricKeys | Counted, before: pd.Timestamp | None, min_group: int
) -> pd.DataFrame:
    """The metric's result table over ``events`` earlier than ``before`` (all when None).

    A value to date (``span: to_date``) has two rows: the same days of the period before, then
    the period running at ``before`` up to it; :class:`Counted` gives what a value looks at.
    """
    if before is not None:
        events = events[events["timestamp"] < before]
    if isinstance(spec, Counted):
        return _counted(events, spec.value, before)
    if isinstance(spec, ValueSpec) and to_date_spec(spec):
        return _to_date_result(events, spec, before, min_group)
    return DEFINITIONS[spec.metric].compute(events, spec, min_group)


def _spans_to(events: pd.DataFrame, spec: ValueSpec, before: pd.Timestamp | None) -> list[Span]:
    """The spans of a value to date whose events end at ``before``: previous, then latest."""
    import pandas as pd

    if before is None:  # nothing was cut: the reference day is the last event's
        day = day_of(int(events["timestamp"].max().value))
    else:
        day = (before - pd.Timedelta(1)).date()
    return list(to_date(day, spec.freq))


def _to_date_result(
    events: pd.DataFrame, spec: ValueSpec, before: pd.Timestamp | None, min_group: int
) -> pd.DataFrame:
    import pandas as pd

    rows = []
    for span in _spans_to(events, spec, before):
        # each span's own cut-off: what happened later is not known on its last day
        counted = events[events["timestamp"] < end_of(span.last)]
        table = DEFINITIONS[spec.metric].compute(counted, spec, min_group)
        period = pd.Period(span.period, spec.freq)
        row = table[table["period"] == period]
        covered = len(counted) and (events["timestamp"] >= start_of(span.first)).any()
        if row.empty and covered:  # the data runs through those days, and nothing happened
            counts = {c.name: 0 for c in DEFINITIONS[spec.metric].columns if c.unit == "count"}
            row = pd.DataFrame({"period": pd.PeriodIndex([period]), **counts})
        rows.append(row)
    return pd.concat(rows, ignore_index=True)


def _counted(events: pd.DataFrame, value: ValueSpec, before: pd.Timestamp | None) -> pd.DataFrame:
    import pandas as pd

    # deferred: numpy and pandas load only when this runs
    from mdm.metrics.publish import filter_events

    chosen = filter_events(events, value.filters(), bots=True)
    stamps = chosen["timestamp"]
    if to_date_spec(value):
        parts = []
        for span in _spans_to(events, value, before):
            inside = (stamps >= start_of(span.first)) & (stamps < end_of(span.last))
            parts.append(chosen[inside].assign(period=pd.Period(span.period, value.freq)))
        chosen = pd.concat(parts)
    else:
        chosen = chosen.assign(period=stamps.dt.tz_convert(None).dt.to_period(value.freq))
    bot = chosen["is_bot"].to_numpy(dtype=bool)
    # a cluster's table has one row per person and month: its events are its contributions
    weight = chosen["contributions"] if "contributions" in chosen else pd.Series(1, chosen.index)
    chosen = chosen.assign(_events=weight.to_numpy())
    people = chosen[~bot].groupby("period", observed=True)
    bots = chosen[bot].groupby("period", observed=True)
    table = pd.DataFrame(
        {
            "events": people["_events"].sum(),
            "people": people["contributor_id"].nunique(),
            "bot_events": bots["_events"].sum(),
            "bots": bots["contributor_id"].nunique(),
        }
    )
    return table.fillna(0).astype("int64").rename_axis("period").reset_index()
