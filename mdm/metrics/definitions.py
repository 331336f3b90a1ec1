"""The reader-facing definition of every metric: the documents' appendix and docs/metrics.md."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFINITIONS", "MetricDefinition", "definitions_markdown"]


@dataclass(frozen=True)
class MetricDefinition:
    """One metric as a reader sees it: what it counts, exactly, and where it comes from."""

    name: str
    title: str
    definition: str
    source: str


_ALL = [
    MetricDefinition(
        "contributors",
        "Contributors",
        "The number of distinct people who made at least one contribution in the period. "
        "Filters on community, area or activity type choose which contributions count. "
        "Grouped by community (or another column), a person counts once in each group "
        "they contributed to, so the groups can add up to more than the total.",
        "CHAOSS metric Contributors",
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
    ),
    MetricDefinition(
        "inactive_contributors",
        "Inactive contributors",
        "People whose last contribution, on the reference date (by default the last event), "
        "lies further back than the interval (by default 365 days). Each is counted once, "
        "in the period of their last contribution.",
        "CHAOSS metric Inactive Contributors",
    ),
    MetricDefinition(
        "activity_status",
        "Active, drifting and away contributors",
        "At the end of each period, everyone who had contributed by then is in one of three "
        "states by the age of their last contribution: active (6 calendar months or less), "
        "drifting (more than 6 and up to 12 months) or away (more than 12 months).",
        "8Knot contributor activity cycle",
    ),
    MetricDefinition(
        "cohort_retention",
        "Cohort retention",
        "People join the cohort of the period of their first contribution. R(c, k) is the "
        "share of cohort c that contributed at least once in the period k periods later; "
        "R(c, 0) is always 100%. Periods after the end of the data are left blank, as are "
        "cohorts too small to publish.",
        "mdm definition",
    ),
    MetricDefinition(
        "absence_factor",
        "Contributor absence factor",
        "The fewest people who together made at least half of all contributions, taking the "
        "most active first. A low number means the work depends on a few people. The result "
        "does not depend on how equally active people are ordered.",
        "CHAOSS metric Contributor Absence Factor (bus factor)",
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
    ),
    MetricDefinition(
        "time_to_first_response",
        "Time to first response",
        "For a thread (events sharing a thread id, created by its earliest event), the hours "
        "until the earliest later event by someone other than its author who is not a bot. "
        "Reported per community or period as the number of threads, the share answered, "
        "and the median and 90th percentile over the answered threads.",
        "CHAOSS metric Time to First Response",
    ),
    MetricDefinition(
        "conversion_rate",
        "Conversion rate",
        "Of the people whose first contribution of an entry type (for example attending an "
        "event) falls in the period, the share who made at least N contributions of other "
        "types after it and within a window (by default 3 within 180 days). People who "
        "entered recently may not have had the whole window yet.",
        "CHAOSS metric Conversion Rate, with an explicit entry activity and window",
    ),
    MetricDefinition(
        "contributor_location",
        "Contributor location",
        "The number of distinct contributors by country, or by the UN M49 region of that "
        "country; a missing or unknown country is counted as Unknown. Someone who "
        "contributed from several countries counts in each.",
        "CHAOSS metric Contributor Location; UN M49 regions",
    ),
    MetricDefinition(
        "multi_area_share",
        "Contributors in several areas",
        "The share of the period's contributors who contributed in at least two areas "
        "(such as localizing and support) in that period.",
        "mdm definition",
    ),
    MetricDefinition(
        "activity_heatmap",
        "Activity by hour and weekday",
        "The number of contributions in each hour of each weekday, either in UTC or in the "
        "contributor's local time (the UTC time shifted by the offset recorded with the "
        "event).",
        "CHAOSS metric Activity Dates and Times",
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
