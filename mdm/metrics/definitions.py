"""The metric registry: every metric's definition, computation, chart, value columns and keys.

Adding a metric means adding one :class:`MetricDefinition` here. The params validation takes
its names, groupings and keys from :data:`DEFINITIONS`; evidence looks up its computation and
chart; the documents' "Sources and definitions" appendix and docs/metrics.md print its text.
This module imports neither pandas nor matplotlib (``mdm check`` reads it): computations import
their metric function when called, and a chart is described by a :class:`ChartForm` that
:mod:`mdm.report.evidence` draws.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, NamedTuple, Protocol

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "DEFINITIONS",
    "FILTERS",
    "GROUPINGS",
    "SPEC_KEYS",
    "ChartForm",
    "ClusterForm",
    "Column",
    "MetricDefinition",
    "MetricKeys",
    "cluster_markdown",
    "definitions_markdown",
    "keys_markdown",
]

FILTERS = ("community", "area", "activity_type")
"""Spec keys that select the events a metric counts."""
GROUPINGS = ("community", "area", "activity_type", "country", "affiliation", "region")
"""What ``by:`` may name: an events column, or ``region`` (the UN M49 region of ``country``)."""
SPEC_KEYS = ("freq", "by", *FILTERS, "entry", "local")
"""The keys of a metric spec whose effect depends on the metric (``metric`` and ``title`` always apply)."""


class MetricKeys(Protocol):
    """What a computation reads of a metric spec (the params' ``MetricKeys`` model has it)."""

    @property
    def freq(self) -> Literal["M", "Q", "Y"]: ...
    @property
    def by(self) -> str | None: ...
    @property
    def entry(self) -> str: ...
    @property
    def local(self) -> bool: ...
    @property
    def model_fields_set(self) -> set[str]: ...

    def filters(self) -> dict[str, str | list[str]]: ...


Compute = Callable[["pd.DataFrame", MetricKeys, int], "pd.DataFrame"]


class Column(NamedTuple):
    """A result column a value may take, and how prose shows it: ``count``, ``share`` or ``hours``.

    ``better`` says which way the column improves (``higher`` or ``lower``; None when neither
    is better in itself): an ask's expected effect must move it that way (``mdm check``).
    """

    name: str
    unit: Literal["count", "share", "hours"]
    better: Literal["higher", "lower"] | None = None


@dataclass(frozen=True)
class ChartForm:
    """How a metric's result is drawn.

    ``lines``: ``columns[0]`` over periods, one line per group with ``by``; a result without
    periods (one row per group) is drawn as ``bars`` instead: ``columns[0]`` per group, in the
    result's order or as ``sort`` says. ``area`` and
    ``stacked_bars``: the ``columns`` stacked over periods. ``heatmap``: the result as a matrix,
    ``label`` along the columns and ``rows`` down the side. ``label`` may contain ``{periods}``
    (Months, Quarters, Years) and ``{zone}`` (local time or UTC).
    """

    kind: Literal["lines", "bars", "area", "stacked_bars", "heatmap"]
    columns: tuple[str, ...]
    label: str
    rows: str = ""
    percent: bool = False
    sort: Literal["ascending", "descending"] | None = None


@dataclass(frozen=True)
class ClusterForm:
    """How a metric is computed from GrimoireLab's enriched indexes (:mod:`mdm.sources.opensearch`).

    The cluster aggregates its documents into a small table shaped like the events, and the
    metric's own ``compute`` runs on it, so a result has the same columns, and given the same
    people the same numbers, either way. ``table`` says which: ``cells`` (one row per person,
    month, origin, kind of document and bot mark, with its ``contributions`` and its first and
    last date, exact for every metric that counts people per period or contributions per
    person) or ``threads`` (one row per thread and person, with their first document in it).
    ``by``: the groupings the cluster can give (a document's origin gives its community and
    area, its index and kind its activity type; it has no country). ``approximate``: it may
    be counted with HyperLogLog instead when the project opts in. A metric with no ``table``
    cannot be computed there; ``missing`` says what the indexes lack.
    """

    table: Literal["cells", "threads"] | None
    by: tuple[str, ...] = ("community", "area", "activity_type")
    approximate: bool = False
    missing: str = ""


_IN_CELLS = ClusterForm("cells")


@dataclass(frozen=True)
class MetricDefinition:
    """One metric: what it counts (for readers), how it is computed and drawn, what a spec may set.

    ``keys`` are the spec keys from :data:`SPEC_KEYS` that change the result; ``by`` the groupings
    it accepts (empty: it cannot be grouped); ``columns`` the columns a value may take, the first
    the default (empty: it gives no single series, so it cannot be a value).
    """

    name: str
    title: str
    definition: str
    source: str
    compute: Compute
    chart: ChartForm
    keys: tuple[str, ...] = ()
    by: tuple[str, ...] = ()
    default_by: str | None = None
    columns: tuple[Column, ...] = ()
    cluster: ClusterForm = _IN_CELLS


# --- computations: the metric function called with what the spec sets ------------------------


def _filtered(events: pd.DataFrame, spec: MetricKeys) -> pd.DataFrame:
    """The events that the spec's filters select, for metrics that take no filters themselves."""
    # deferred: numpy and pandas load only when this runs
    from mdm.metrics.publish import filter_events

    filters = spec.filters()
    return filter_events(events, filters, bots=True) if filters else events


def _contributors(events: pd.DataFrame, spec: MetricKeys, min_group: int) -> pd.DataFrame:
    # deferred: numpy and pandas load only when this runs
    from mdm.metrics.counts import contributors

    return contributors(events, spec.freq, spec.by, spec.filters(), min_group=min_group)


def _new_contributors(events: pd.DataFrame, spec: MetricKeys, min_group: int) -> pd.DataFrame:
    # deferred: numpy and pandas load only when this runs
    from mdm.metrics.counts import new_contributors

    # the filters go in, not the filtered events: first-seen needs the whole history
    return new_contributors(events, spec.freq, spec.filters(), spec.by, min_group=min_group)


def _inactive(events: pd.DataFrame, spec: MetricKeys, min_group: int) -> pd.DataFrame:
    # deferred: numpy and pandas load only when this runs
    from mdm.metrics.counts import inactive_contributors

    return inactive_contributors(_filtered(events, spec), freq=spec.freq)


def _status(events: pd.DataFrame, spec: MetricKeys, min_group: int) -> pd.DataFrame:
    # deferred: numpy and pandas load only when this runs
    from mdm.metrics.lifecycle import activity_status

    return activity_status(_filtered(events, spec), spec.freq)


def _cohorts(events: pd.DataFrame, spec: MetricKeys, min_group: int) -> pd.DataFrame:
    # deferred: numpy and pandas load only when this runs
    from mdm.metrics.lifecycle import cohort_retention

    return cohort_retention(_filtered(events, spec), spec.freq, min_group=min_group)


def _absence(events: pd.DataFrame, spec: MetricKeys, min_group: int) -> pd.DataFrame:
    # deferred: numpy and pandas load only when this runs
    from mdm.metrics.concentration import absence_factor

    return absence_factor(_filtered(events, spec), spec.by, min_group=min_group)


def _onion(events: pd.DataFrame, spec: MetricKeys, min_group: int) -> pd.DataFrame:
    # deferred: numpy and pandas load only when this runs
    from mdm.metrics.concentration import onion

    return onion(_filtered(events, spec), spec.freq)


def _responses(events: pd.DataFrame, spec: MetricKeys, min_group: int) -> pd.DataFrame:
    # deferred: numpy and pandas load only when this runs
    from mdm.metrics.responses import time_to_first_response

    # grouped, one row per group over all time unless freq is given too
    over_time = spec.by is None or "freq" in spec.model_fields_set
    return time_to_first_response(
        events,
        by=spec.by,
        freq=spec.freq if over_time else None,
        filters=spec.filters(),
        min_group=min_group,
    )


def _conversion(events: pd.DataFrame, spec: MetricKeys, min_group: int) -> pd.DataFrame:
    # deferred: numpy and pandas load only when this runs
    from mdm.metrics.lifecycle import conversion_rate

    return conversion_rate(_filtered(events, spec), entry=spec.entry, freq=spec.freq)


def _location(events: pd.DataFrame, spec: MetricKeys, min_group: int) -> pd.DataFrame:
    # deferred: numpy and pandas load only when this runs
    from mdm.metrics.places import contributor_location

    by = spec.by or "region"
    return contributor_location(_filtered(events, spec), by=by, min_group=min_group)


def _multi_area(events: pd.DataFrame, spec: MetricKeys, min_group: int) -> pd.DataFrame:
    # deferred: numpy and pandas load only when this runs
    from mdm.metrics.counts import multi_area_share

    return multi_area_share(_filtered(events, spec), spec.freq)


def _heatmap(events: pd.DataFrame, spec: MetricKeys, min_group: int) -> pd.DataFrame:
    # deferred: numpy and pandas load only when this runs
    from mdm.metrics.places import activity_heatmap

    return activity_heatmap(_filtered(events, spec), local=spec.local)


# --- the registry -------------------------------------------------------------------------------

_OVER_TIME = ("freq", *FILTERS)

_ALL = [
    MetricDefinition(
        "contributors",
        "Contributors",
        "The number of distinct people who made at least one contribution in the period. "
        "Filters on community, area or activity type choose which contributions count. "
        "Grouped by community (or another column), a person counts once in each group "
        "they contributed to, so the groups can add up to more than the total.",
        "CHAOSS metric Contributors",
        compute=_contributors,
        chart=ChartForm("lines", ("contributors",), "Contributors"),
        keys=(*_OVER_TIME, "by"),
        by=GROUPINGS,
        columns=(Column("contributors", "count", "higher"),),
        cluster=ClusterForm("cells", approximate=True),
    ),
    MetricDefinition(
        "new_contributors",
        "New contributors",
        "People whose very first contribution falls in the period. The first contribution "
        "is looked up in the whole history, across all communities, before any filter; a "
        "filter then keeps the new people who made a matching contribution in that period. "
        "Looking for the first contribution inside the filtered data instead would count "
        "an experienced contributor as new the first time they try another community.",
        "CHAOSS metric New Contributors (first-seen pitfall as noted for Augur)",
        compute=_new_contributors,
        chart=ChartForm("lines", ("new_contributors",), "New contributors"),
        keys=(*_OVER_TIME, "by"),
        by=GROUPINGS,
        columns=(Column("new_contributors", "count", "higher"),),
    ),
    MetricDefinition(
        "inactive_contributors",
        "Inactive contributors",
        "People whose last contribution, on the reference date (by default the last event), "
        "lies further back than the interval (by default 365 days). Each is counted once, "
        "in the period of their last contribution.",
        "CHAOSS metric Inactive Contributors",
        compute=_inactive,
        chart=ChartForm("lines", ("inactive",), "Contributors who became inactive"),
        keys=_OVER_TIME,
        columns=(Column("inactive", "count", "lower"),),
    ),
    MetricDefinition(
        "activity_status",
        "Active, drifting and away contributors",
        "At the end of each period, everyone who had contributed by then is in one of three "
        "states by the age of their last contribution: active (6 calendar months or less), "
        "drifting (more than 6 and up to 12 months) or away (more than 12 months).",
        "8Knot contributor activity cycle",
        compute=_status,
        chart=ChartForm("area", ("active", "drifting", "away"), "Contributors"),
        keys=_OVER_TIME,
        columns=(
            Column("active", "count", "higher"),
            Column("drifting", "count", "lower"),
            Column("away", "count"),
        ),
    ),
    MetricDefinition(
        "cohort_retention",
        "Cohort retention",
        "People join the cohort of the period of their first contribution. R(c, k) is the "
        "share of cohort c that contributed at least once in the period k periods later; "
        "R(c, 0) is always 100%. Periods after the end of the data are left blank, as are "
        "cohorts too small to publish.",
        "mdm definition",
        compute=_cohorts,
        chart=ChartForm(
            "heatmap", (), "{periods} since first contribution", rows="Cohort", percent=True
        ),
        keys=_OVER_TIME,
    ),
    MetricDefinition(
        "absence_factor",
        "Contributor absence factor",
        "The fewest people who together made at least half of all contributions, taking the "
        "most active first. A low number means the work depends on a few people. The result "
        "does not depend on how equally active people are ordered.",
        "CHAOSS metric Contributor Absence Factor (bus factor)",
        compute=_absence,
        chart=ChartForm(
            "bars", ("absence_factor",), "People making half the contributions", sort="descending"
        ),
        keys=(*FILTERS, "by"),
        by=GROUPINGS,
    ),
    MetricDefinition(
        "onion",
        "Core, regular and casual contributors",
        "In each period people are ranked by their number of contributions, most first. "
        "Core contributors are the smallest group at the top whose contributions reach 80% "
        "of the period's total; regular contributors take the total on to 95%; everyone "
        "else is casual. Where equally active people straddle a boundary, which of them "
        "lands on which side is arbitrary, but the size of each layer is not.",
        "GrimoireLab onion model",
        compute=_onion,
        chart=ChartForm("stacked_bars", ("core", "regular", "casual"), "Contributors"),
        keys=_OVER_TIME,
        columns=(
            Column("core", "count", "higher"),
            Column("regular", "count", "higher"),
            Column("casual", "count", "higher"),
        ),
    ),
    MetricDefinition(
        "time_to_first_response",
        "Time to first response",
        "For a thread (events sharing a thread id, created by its earliest event), the hours "
        "until the earliest later event by someone other than its author who is not a bot. "
        "Reported per community or period as the number of threads, the share answered, "
        "and the median and 90th percentile over the answered threads.",
        "CHAOSS metric Time to First Response",
        compute=_responses,
        cluster=ClusterForm(
            "threads",
            missing="a document per reply in each thread: only discourse's have them "
            "(github_issues holds one document per issue, mbox no thread)",
        ),
        chart=ChartForm(
            "lines", ("median_hours",), "Median hours to first response", sort="ascending"
        ),
        keys=(*_OVER_TIME, "by"),
        by=GROUPINGS,
        columns=(
            Column("median_hours", "hours", "lower"),
            Column("p90_hours", "hours", "lower"),
            Column("answered", "share", "higher"),
            Column("threads", "count"),
        ),
    ),
    MetricDefinition(
        "conversion_rate",
        "Conversion rate",
        "Of the people whose first contribution of an entry type (for example attending an "
        "event) falls in the period, the share who made at least N contributions of other "
        "types after it and within a window (by default 3 within 180 days). People who "
        "entered recently may not have had the whole window yet.",
        "CHAOSS metric Conversion Rate, with an explicit entry activity and window",
        compute=_conversion,
        cluster=ClusterForm(
            None, missing="the time of each contribution after a person's entry activity"
        ),
        chart=ChartForm("lines", ("rate",), "Share converted", percent=True),
        keys=(*_OVER_TIME, "entry"),
        columns=(
            Column("rate", "share", "higher"),
            Column("entered", "count", "higher"),
            Column("converted", "count", "higher"),
        ),
    ),
    MetricDefinition(
        "contributor_location",
        "Contributor location",
        "The number of distinct contributors by country, or by the UN M49 region of that "
        "country; a missing or unknown country is counted as Unknown. Someone who "
        "contributed from several countries counts in each.",
        "CHAOSS metric Contributor Location; UN M49 regions",
        compute=_location,
        cluster=ClusterForm(None, missing="a country per contribution"),
        chart=ChartForm("bars", ("contributors",), "Contributors"),
        keys=(*FILTERS, "by"),
        by=("region", "country"),
        default_by="region",
    ),
    MetricDefinition(
        "multi_area_share",
        "Contributors in several areas",
        "The share of the period's contributors who contributed in at least two areas "
        "(such as localizing and support) in that period.",
        "mdm definition",
        compute=_multi_area,
        chart=ChartForm("lines", ("share",), "Share in two or more areas", percent=True),
        keys=_OVER_TIME,
        columns=(
            Column("share", "share", "higher"),
            Column("contributors", "count", "higher"),
            Column("multi_area", "count", "higher"),
        ),
    ),
    MetricDefinition(
        "activity_heatmap",
        "Activity by hour and weekday",
        "The number of contributions in each hour of each weekday, either in UTC or in the "
        "contributor's local time (the UTC time shifted by the offset recorded with the "
        "event).",
        "CHAOSS metric Activity Dates and Times",
        compute=_heatmap,
        cluster=ClusterForm(None, missing="the hour of each contribution"),
        chart=ChartForm("heatmap", (), "Hour of day ({zone})", rows="Weekday"),
        keys=(*FILTERS, "local"),
    ),
]
DEFINITIONS: dict[str, MetricDefinition] = {d.name: d for d in _ALL}


def definitions_markdown(names: list[str] | None = None) -> str:
    """The definitions as a Markdown table; docs/metrics.md holds it for every metric."""
    rows = ["| metric | definition | source |", "| --- | --- | --- |"]
    for name in names or list(DEFINITIONS):
        d = DEFINITIONS[name]
        rows.append(f"| {d.title} (`{d.name}`) | {d.definition} | {d.source} |")
    return "\n".join(rows) + "\n"


def _code(items: tuple[str, ...]) -> str:
    return " · ".join(f"`{item}`" for item in items) or "—"


def keys_markdown() -> str:
    """What a spec may set per metric, as a Markdown table (docs/metrics.md holds it)."""
    rows = [
        "| metric | `by:` | other keys that apply | as a value: `column` (first: default; unit) |",
        "| --- | --- | --- | --- |",
    ]
    for d in DEFINITIONS.values():
        keys = tuple(k for k in d.keys if k not in (*FILTERS, "by"))
        keys += ("community", "area", "activity_type") if any(k in FILTERS for k in d.keys) else ()
        by = _code(d.by) + (f" (default `{d.default_by}`)" if d.default_by else "")
        columns = ", ".join(f"`{c.name}` ({c.unit})" for c in d.columns) or "not a value"
        rows.append(f"| `{d.name}` | {by if d.by else 'no'} | {_code(keys)} | {columns} |")
    return "\n".join(rows) + "\n"


def cluster_markdown() -> str:
    """How each metric is computed from GrimoireLab's indexes, as a Markdown table
    (docs/sources.md, "Reading from GrimoireLab", holds it)."""
    rows = [
        "| metric | from the cluster | `by:` there |",
        "| --- | --- | --- |",
    ]
    tables = {
        "cells": "exact: people × month × origin × kind of document",
        "threads": "exact: thread × person (discourse)",
    }
    for d in DEFINITIONS.values():
        form = d.cluster
        if form.table is None:
            how, by = f"no: the indexes do not hold {form.missing}", "—"
        else:
            how = tables[form.table] + (
                "; HyperLogLog with `approximate: true`" if form.approximate else ""
            )
            by = _code(tuple(b for b in d.by if b in form.by)) if d.by else "no"
        rows.append(f"| `{d.name}` | {how} | {by} |")
    return "\n".join(rows) + "\n"
