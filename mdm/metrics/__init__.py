"""Community metrics: pure functions over the tidy events table (see :mod:`mdm.data`).

Every function takes the events DataFrame and returns a DataFrame; none reads
files or prints. Bots are left out unless ``bots=True``. Periods are pandas
period frequencies: ``"M"``, ``"Q"`` or ``"Y"``. Each metric's exact definition
is in :data:`DEFINITIONS`, which the documents' "Sources and definitions"
appendix and docs/metrics.md are made from.

Metrics describe the health of a community, never the productivity of a
person: published tables go through :func:`suppress_small`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mdm.regions import region_of

__all__ = [
    "DEFINITIONS",
    "MetricDefinition",
    "absence_factor",
    "activity_heatmap",
    "activity_status",
    "change",
    "cohort_retention",
    "complete_periods",
    "contributor_location",
    "contributors",
    "conversion_rate",
    "definitions_markdown",
    "filter_events",
    "inactive_contributors",
    "multi_area_share",
    "new_contributors",
    "onion",
    "suppress_small",
    "time_to_first_response",
]

Filters = Mapping[str, str | list[str]]


@dataclass(frozen=True)
class MetricDefinition:
    name: str
    title: str
    definition: str
    source: str


DEFINITIONS: dict[str, MetricDefinition] = {
    d.name: d
    for d in [
        MetricDefinition(
            "contributors",
            "Contributors",
            "Distinct people with at least one contribution in the period, after the "
            "filters (community, area, activity type) are applied.",
            "CHAOSS Contributors",
        ),
        MetricDefinition(
            "new_contributors",
            "New contributors",
            "People whose first contribution ever falls in the period. The first "
            "contribution is found over all history before any filter; a filter then "
            "keeps the new people who also contributed within it in that period, so "
            "filtering never makes a returning person look new.",
            "CHAOSS New Contributors",
        ),
        MetricDefinition(
            "inactive_contributors",
            "Inactive contributors",
            "People whose last contribution is older than the interval (default 365 days) "
            "on the reference date, counted in the period of their last contribution.",
            "CHAOSS Inactive Contributors",
        ),
        MetricDefinition(
            "activity_status",
            "Active, drifting and away contributors",
            "At the end of each period, among people seen by then: active if their last "
            "contribution is at most 6 months old, drifting if 6 to 12 months old, away "
            "if older.",
            "8Knot contributor activity cycle",
        ),
        MetricDefinition(
            "cohort_retention",
            "Cohort retention",
            "R(c, k): the share of cohort c (people whose first contribution falls in "
            "period c) who contribute at least once in period c + k.",
            "mdm definition",
        ),
        MetricDefinition(
            "absence_factor",
            "Contributor absence factor",
            "The smallest number of people who together made half of all contributions "
            "(ties broken by contributor id).",
            "CHAOSS Contributor Absence Factor",
        ),
        MetricDefinition(
            "onion",
            "Core, regular and casual contributors",
            "Per period, people ranked by their number of contributions (ties by id): "
            "core are those needed to reach 80% of the period's activity, regular the "
            "next up to 95%, casual the rest.",
            "GrimoireLab onion model",
        ),
        MetricDefinition(
            "time_to_first_response",
            "Time to first response",
            "For each thread, the hours from its first event to the first later event by "
            "another person who is not a bot. Threads without a response count as "
            "unanswered and are left out of the median and 90th percentile.",
            "CHAOSS Time to First Response",
        ),
        MetricDefinition(
            "conversion_rate",
            "Conversion rate",
            "Among people whose first event of the entry type (e.g. event_attended) falls "
            "in a period, the share who make at least N contributions of other types "
            "within the window after it.",
            "CHAOSS Conversion Rate (adapted)",
        ),
        MetricDefinition(
            "contributor_location",
            "Contributor location",
            "Distinct contributors by country, or by UN M49 region of their country; "
            "groups smaller than the minimum size are suppressed.",
            "CHAOSS Contributor Location",
        ),
        MetricDefinition(
            "multi_area_share",
            "Contributors in several areas",
            "Share of the period's contributors who contributed in at least two areas.",
            "mdm definition",
        ),
        MetricDefinition(
            "activity_heatmap",
            "Activity by hour and weekday",
            "Number of contributions by weekday and hour of day, in local time "
            "(each event's own UTC offset) or in UTC.",
            "CHAOSS Activity Dates and Times",
        ),
    ]
}


def definitions_markdown(names: list[str] | None = None) -> str:
    """The definitions as a Markdown table (docs/metrics.md is this, for all metrics)."""
    rows = ["| metric | definition | source |", "| --- | --- | --- |"]
    for name in names or list(DEFINITIONS):
        d = DEFINITIONS[name]
        rows.append(f"| {d.title} (`{d.name}`) | {d.definition} | {d.source} |")
    return "\n".join(rows) + "\n"


# --- helpers ---------------------------------------------------------------------------------


def filter_events(
    events: pd.DataFrame, filters: Filters | None = None, *, bots: bool = False
) -> pd.DataFrame:
    """Rows matching every filter (a value or a list of values per column); bots dropped."""
    mask = pd.Series(True, index=events.index) if bots else ~events["is_bot"]
    for column, wanted in (filters or {}).items():
        values = [wanted] if isinstance(wanted, str) else list(wanted)
        mask &= events[column].astype("string").isin(values)
    return events[mask]


def _period(events: pd.DataFrame, freq: str) -> pd.Series:
    return events["timestamp"].dt.tz_localize(None).dt.to_period(freq)


def suppress_small(frame: pd.DataFrame, column: str, min_size: int = 5) -> pd.DataFrame:
    """Blank counts below ``min_size`` so a published table never reveals a small group."""
    out = frame.copy()
    out[column] = out[column].astype("Float64").mask(out[column] < min_size)
    return out


def change(series: pd.Series) -> dict[str, float | None]:
    """Latest and previous values of a period-indexed series, their difference and % change."""
    values = series.dropna()
    if len(values) < 2:
        latest = float(values.iloc[-1]) if len(values) else None
        return {"latest": latest, "previous": None, "change": None, "change_pct": None}
    latest, previous = float(values.iloc[-1]), float(values.iloc[-2])
    pct = (latest - previous) / previous * 100 if previous else None
    return {"latest": latest, "previous": previous, "change": latest - previous, "change_pct": pct}


def complete_periods(series: pd.Series, as_of: pd.Timestamp) -> pd.Series:
    """Drop periods that had not ended on ``as_of`` (the last event's date)."""
    ends = series.index.to_timestamp(how="end")
    return series[ends <= as_of.tz_localize(None)]


# --- counts over time ------------------------------------------------------------------------


def contributors(
    events: pd.DataFrame, freq: str = "Q", by: str | None = None, filters: Filters | None = None
) -> pd.DataFrame:
    """Distinct contributors per period (and group): columns period, [by], contributors."""
    rows = filter_events(events, filters)
    keys = [_period(rows, freq).rename("period")] + ([rows[by]] if by else [])
    counts = rows.groupby(keys, observed=True)["contributor_id"].nunique()
    return counts.rename("contributors").reset_index()


def new_contributors(
    events: pd.DataFrame, freq: str = "Q", filters: Filters | None = None
) -> pd.DataFrame:
    """People whose first contribution ever falls in the period: columns period, new_contributors."""
    people = filter_events(events)  # first-seen over all history, bots aside, before any filter
    first = people.groupby("contributor_id", observed=True)["timestamp"].min()
    first_period = first.dt.tz_localize(None).dt.to_period(freq)
    rows = filter_events(events, filters)
    seen = pd.DataFrame({"contributor_id": rows["contributor_id"], "period": _period(rows, freq)})
    seen = seen.drop_duplicates()
    seen = seen[seen["period"] == seen["contributor_id"].map(first_period)]
    counts = seen.groupby("period", observed=True)["contributor_id"].nunique()
    return counts.rename("new_contributors").reset_index()


def inactive_contributors(
    events: pd.DataFrame, as_of: pd.Timestamp | None = None, interval: str = "365D", freq: str = "Q"
) -> pd.DataFrame:
    """People whose last contribution is older than ``interval``, by period of that contribution."""
    rows = filter_events(events)
    as_of = as_of or rows["timestamp"].max()
    last = rows.groupby("contributor_id", observed=True)["timestamp"].max()
    gone = last[last < as_of - pd.Timedelta(interval)]
    periods = gone.dt.tz_localize(None).dt.to_period(freq)
    return (
        periods.value_counts().sort_index().rename_axis("period").rename("inactive").reset_index()
    )


def activity_status(events: pd.DataFrame, freq: str = "Q") -> pd.DataFrame:
    """Active / drifting / away at each period end: columns period, active, drifting, away."""
    rows = filter_events(events)
    if rows.empty:
        return pd.DataFrame(columns=["period", "active", "drifting", "away"])
    months = pd.DataFrame(
        {"contributor_id": rows["contributor_id"], "month": _period(rows, "M")}
    ).drop_duplicates()
    periods = pd.period_range(_period(rows, freq).min(), _period(rows, freq).max(), freq=freq)
    out = []
    for period in periods:
        end = period.asfreq("M", how="end")
        last = (
            months[months["month"] <= end].groupby("contributor_id", observed=True)["month"].max()
        )
        age = (end.ordinal - last.map(lambda p: p.ordinal)) if len(last) else last
        out.append(
            {
                "period": period,
                "active": int((age < 6).sum()),
                "drifting": int(((age >= 6) & (age < 12)).sum()),
                "away": int((age >= 12).sum()),
            }
        )
    return pd.DataFrame(out)


def cohort_retention(events: pd.DataFrame, freq: str = "Q", max_k: int = 8) -> pd.DataFrame:
    """Cohort × periods since joining → share still contributing (NaN where not yet observable)."""
    rows = filter_events(events)
    seen = pd.DataFrame(
        {"contributor_id": rows["contributor_id"], "period": _period(rows, freq)}
    ).drop_duplicates()
    if seen.empty:
        return pd.DataFrame()
    cohort = seen.groupby("contributor_id", observed=True)["period"].min().rename("cohort")
    seen = seen.join(cohort, on="contributor_id")
    seen["k"] = seen["period"].map(lambda p: p.ordinal) - seen["cohort"].map(lambda p: p.ordinal)
    seen = seen[seen["k"] <= max_k]
    active = seen.groupby(["cohort", "k"], observed=True)["contributor_id"].nunique().unstack("k")
    active = active.reindex(columns=range(max_k + 1))  # a k nobody reached is still a column
    size = cohort.value_counts().sort_index()
    share = active.div(size, axis=0)
    last = seen["period"].max()
    for c in share.index:  # cells after the data ends are unknown, not zero
        for k in share.columns:
            if c.ordinal + k > last.ordinal:
                share.loc[c, k] = np.nan
            elif pd.isna(share.loc[c, k]):
                share.loc[c, k] = 0.0
    share.index.name, share.columns.name = "cohort", "periods_since_first"
    return share


def absence_factor(events: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Smallest number of people making half the contributions: columns [by], absence_factor, contributors."""
    rows = filter_events(events)

    def factor(group: pd.DataFrame) -> pd.Series:
        counts = group.groupby("contributor_id", observed=True).size()
        counts = counts.sort_index().sort_values(ascending=False, kind="stable")
        reached = counts.cumsum() >= counts.sum() / 2
        return pd.Series(
            {
                "absence_factor": int(reached.to_numpy().argmax()) + 1 if len(counts) else 0,
                "contributors": len(counts),
            }
        )

    if by is None:
        return factor(rows).to_frame().T.astype(int)
    parts = {key: factor(group) for key, group in rows.groupby(by, observed=True)}
    return (
        pd.DataFrame(parts)
        .T.rename_axis(by)
        .reset_index()
        .astype({"absence_factor": int, "contributors": int})
    )


def onion(events: pd.DataFrame, freq: str = "Q") -> pd.DataFrame:
    """Core / regular / casual people per period: columns period, core, regular, casual."""
    rows = filter_events(events)
    counts = (
        rows.groupby([_period(rows, freq).rename("period"), "contributor_id"], observed=True)
        .size()
        .rename("n")
        .reset_index()
    )
    counts = counts.sort_values(["period", "n", "contributor_id"], ascending=[True, False, True])
    total = counts.groupby("period", observed=True)["n"].transform("sum")
    before = (counts.groupby("period", observed=True)["n"].cumsum() - counts["n"]) / total
    counts["layer"] = np.select([before < 0.80, before < 0.95], ["core", "regular"], "casual")
    table = counts.groupby(["period", "layer"], observed=True).size().unstack("layer", fill_value=0)
    return table.reindex(columns=["core", "regular", "casual"], fill_value=0).reset_index()


def time_to_first_response(
    events: pd.DataFrame, by: str | None = "community", freq: str | None = None
) -> pd.DataFrame:
    """Per group: threads, answered share, median and p90 hours to the first response."""
    rows = events[events["thread_id"].notna()]
    if rows.empty:
        return pd.DataFrame(
            columns=[*([by] if by else []), "threads", "answered", "median_hours", "p90_hours"]
        )
    rows = rows.sort_values(["thread_id", "timestamp"], kind="stable")
    first = rows.groupby("thread_id", observed=True).head(1).set_index("thread_id")
    replies = rows.merge(
        first[["contributor_id", "timestamp"]],
        left_on="thread_id",
        right_index=True,
        suffixes=("", "_start"),
    )
    replies = replies[
        (replies["contributor_id"] != replies["contributor_id_start"])
        & ~replies["is_bot"]
        & (replies["timestamp"] > replies["timestamp_start"])
    ]
    response = replies.groupby("thread_id", observed=True)["timestamp"].min()
    threads = first.assign(hours=(response - first["timestamp"]).dt.total_seconds() / 3600)
    keys = ([threads[by]] if by else []) + (
        [threads["timestamp"].dt.tz_localize(None).dt.to_period(freq).rename("period")]
        if freq
        else []
    )
    grouped = (
        threads.groupby(keys, observed=True)["hours"]
        if keys
        else threads.groupby(lambda _: "all")["hours"]
    )
    out = pd.DataFrame(
        {
            "threads": grouped.size(),
            "answered": grouped.apply(lambda h: h.notna().mean()),
            "median_hours": grouped.median(),
            "p90_hours": grouped.quantile(0.9),
        }
    )
    return out.reset_index() if keys else out.reset_index(drop=True)


def conversion_rate(
    events: pd.DataFrame,
    entry: str = "event_attended",
    min_later: int = 3,
    window: str = "180D",
    freq: str = "Y",
) -> pd.DataFrame:
    """Per period of first entry: people entering, people converted, rate."""
    rows = filter_events(events)
    entries = rows[rows["activity_type"].astype("string") == entry]
    start = entries.groupby("contributor_id", observed=True)["timestamp"].min().rename("start")
    later = rows[rows["activity_type"].astype("string") != entry].join(
        start, on="contributor_id", how="inner"
    )
    later = later[
        (later["timestamp"] > later["start"])
        & (later["timestamp"] <= later["start"] + pd.Timedelta(window))
    ]
    converted = later.groupby("contributor_id", observed=True).size() >= min_later
    table = pd.DataFrame(
        {
            "period": start.dt.tz_localize(None).dt.to_period(freq),
            "converted": converted.reindex(start.index, fill_value=False),
        }
    )
    out = table.groupby("period", observed=True).agg(
        entered=("converted", "size"), converted=("converted", "sum")
    )
    out["rate"] = out["converted"] / out["entered"]
    return out.reset_index()


def contributor_location(
    events: pd.DataFrame, by: str = "region", min_group: int = 5, since: pd.Timestamp | None = None
) -> pd.DataFrame:
    """Distinct contributors per country or UN M49 region, small groups suppressed."""
    rows = filter_events(events)
    if since is not None:
        rows = rows[rows["timestamp"] >= since]
    country = rows["country"].astype("string").fillna("Unknown")
    key = country.map(region_of) if by == "region" else country
    counts = rows.groupby(key.rename(by), observed=True)["contributor_id"].nunique()
    table = counts.sort_values(ascending=False).rename("contributors").reset_index()
    return suppress_small(table, "contributors", min_group)


def multi_area_share(events: pd.DataFrame, freq: str = "Y") -> pd.DataFrame:
    """Per period: contributors, those in ≥ 2 areas, and the share."""
    rows = filter_events(events)
    areas = rows.groupby([_period(rows, freq).rename("period"), "contributor_id"], observed=True)[
        "area"
    ].nunique()
    out = areas.groupby("period", observed=True).agg(
        contributors="size", multi_area=lambda a: int((a >= 2).sum())
    )
    out["share"] = out["multi_area"] / out["contributors"]
    return out.reset_index()


def activity_heatmap(events: pd.DataFrame, local: bool = True) -> pd.DataFrame:
    """Weekday (Mon..Sun) × hour (0..23) → number of contributions."""
    rows = filter_events(events)
    stamps = rows["timestamp"]
    if local:
        stamps = stamps + pd.to_timedelta(rows["utc_offset_minutes"].astype("int64"), unit="m")
    table = pd.crosstab(stamps.dt.day_of_week.rename("weekday"), stamps.dt.hour.rename("hour"))
    table = table.reindex(index=range(7), columns=range(24), fill_value=0)
    table.index = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    return table
