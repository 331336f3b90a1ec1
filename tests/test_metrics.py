"""Metrics against small tables computed by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from mdm import metrics as m
from mdm.regions import region_of


def events(*rows: tuple, **columns: object) -> pd.DataFrame:
    """rows: (contributor, ISO timestamp UTC, community, area, activity_type[, is_bot, thread, offset])."""
    records = []
    for row in rows:
        who, stamp, community, area, kind, *rest = row
        bot, thread, offset = (list(rest) + [False, None, 0][len(rest) :])[:3]
        records.append(
            {
                "contributor_id": who,
                "timestamp": pd.Timestamp(stamp, tz="UTC"),
                "community": community,
                "area": area,
                "activity_type": kind,
                "country": columns.get("country", "DE"),
                "affiliation": "volunteer",
                "is_bot": bot,
                "thread_id": thread,
                "utc_offset_minutes": offset,
            }
        )
    frame = pd.DataFrame.from_records(
        records,
        columns=[
            "contributor_id",
            "timestamp",
            "community",
            "area",
            "activity_type",
            "country",
            "affiliation",
            "is_bot",
            "thread_id",
            "utc_offset_minutes",
        ],
    )
    frame["timestamp"] = frame["timestamp"].astype("datetime64[ns, UTC]")
    frame["thread_id"] = frame["thread_id"].astype("string")
    frame["is_bot"] = frame["is_bot"].astype(bool)
    frame["utc_offset_minutes"] = frame["utc_offset_minutes"].astype("int16")
    return frame


BASE = events(
    ("ana", "2016-01-10", "L10N", "localizing", "translation"),
    ("ana", "2016-05-02", "L10N", "localizing", "translation"),
    ("ben", "2016-02-01", "SUMO", "support", "forum_reply"),
    ("ben", "2017-01-15", "L10N", "localizing", "translation"),  # first L10N event, not new
    ("cai", "2017-02-20", "L10N", "localizing", "translation"),
    ("cai", "2017-03-01", "SUMO", "support", "forum_reply"),
    ("bot", "2017-01-01", "SUMO", "support", "auto_reply", True),
)


def records(frame: pd.DataFrame) -> list[tuple]:
    frame = frame.copy()
    if "period" in frame:
        frame["period"] = frame["period"].astype(str)
    return [tuple(r) for r in frame.itertuples(index=False)]


def test_contributors_per_quarter_excludes_bots() -> None:
    assert records(m.contributors(BASE, "Q")) == [("2016Q1", 2), ("2016Q2", 1), ("2017Q1", 2)]


def test_contributors_by_group_and_filter() -> None:
    assert records(m.contributors(BASE, "Y", by="community")) == [
        ("2016", "L10N", 1),
        ("2016", "SUMO", 1),
        ("2017", "L10N", 2),
        ("2017", "SUMO", 1),
    ]
    assert records(m.contributors(BASE, "Y", filters={"community": "SUMO"})) == [
        ("2016", 1),
        ("2017", 1),
    ]


def test_new_contributors_uses_first_seen_over_all_history() -> None:
    # ben's first L10N event is in 2017, but he first contributed in 2016: not new in L10N 2017
    assert records(m.new_contributors(BASE, "Y", filters={"community": "L10N"})) == [
        ("2016", 1),
        ("2017", 1),
    ]
    assert records(m.new_contributors(BASE, "Y")) == [("2016", 2), ("2017", 1)]


def test_inactive_contributors_counted_in_period_of_last_contribution() -> None:
    result = m.inactive_contributors(
        BASE, as_of=pd.Timestamp("2017-06-01", tz="UTC"), interval="365D", freq="Q"
    )
    assert records(result) == [("2016Q2", 1)]  # ana, last seen 2016-05-02


def test_activity_status_windows() -> None:
    frame = events(
        ("a", "2016-01-15", "L10N", "localizing", "translation"),
        ("b", "2016-01-20", "L10N", "localizing", "translation"),
        ("b", "2016-09-01", "L10N", "localizing", "translation"),
        ("c", "2016-12-01", "L10N", "localizing", "translation"),
    )
    # at the end of 2016Q4: c active (0 months), b active (3 months), a drifting (11 months)
    result = m.activity_status(frame, "Q").set_index(
        m.activity_status(frame, "Q")["period"].astype(str)
    )
    assert tuple(result.loc["2016Q4", ["active", "drifting", "away"]]) == (2, 1, 0)
    # at the end of 2016Q3 a's last event is 8 months old: drifting; b active; c not seen yet
    assert tuple(result.loc["2016Q3", ["active", "drifting", "away"]]) == (1, 1, 0)
    # an empty quarter still gets a row: 2016Q2 with a and b active
    assert tuple(result.loc["2016Q2", ["active", "drifting", "away"]]) == (2, 0, 0)


def test_activity_status_of_no_events() -> None:
    assert m.activity_status(BASE.iloc[0:0], "Q").empty


def test_cohort_retention_by_hand() -> None:
    frame = events(
        ("a", "2015-03-01", "L10N", "localizing", "translation"),
        ("a", "2016-03-01", "L10N", "localizing", "translation"),
        ("b", "2015-06-01", "L10N", "localizing", "translation"),
        ("c", "2016-02-01", "L10N", "localizing", "translation"),
        ("c", "2017-02-01", "L10N", "localizing", "translation"),
    )
    table = m.cohort_retention(frame, "Y", max_k=2)
    table.index = table.index.astype(str)
    assert (
        table.loc["2015", 0] == 1.0 and table.loc["2015", 1] == 0.5 and table.loc["2015", 2] == 0.0
    )
    assert table.loc["2016", 1] == 1.0
    assert math.isnan(table.loc["2016", 2])  # 2018 is after the data ends: unknown, not zero
    assert list(table.index) == ["2015", "2016"]  # nobody started in 2017: no cohort


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        pytest.param({"a": 10}, 1, id="single-contributor"),
        pytest.param({"a": 5, "b": 5}, 1, id="tie-at-half"),
        pytest.param({"a": 4, "b": 3, "c": 3}, 2, id="needs-two"),
        pytest.param({"a": 1, "b": 1, "c": 1, "d": 1}, 2, id="all-equal"),
    ],
)
def test_absence_factor(counts: dict[str, int], expected: int) -> None:
    rows = [
        (who, f"2017-01-{i + 1:02d}", "L10N", "localizing", "translation")
        for who, n in counts.items()
        for i in range(n)
    ]
    result = m.absence_factor(events(*rows))
    assert int(result["absence_factor"].iloc[0]) == expected
    assert int(result["contributors"].iloc[0]) == len(counts)


def test_onion_layers_with_ties_broken_by_id() -> None:
    # 20 contributions: a 10, b 5, c 3, d 1, e 1
    spec = {"a": 10, "b": 5, "c": 3, "d": 1, "e": 1}
    rows = [
        (who, f"2017-01-{i + 1:02d}", "L10N", "localizing", "translation")
        for who, n in spec.items()
        for i in range(n)
    ]
    # shares before each person: a 0%, b 50%, c 75% -> core (a, b, c: before < 80%);
    # d 90% -> regular; e 95% -> casual
    assert records(m.onion(events(*rows), "Q")) == [("2017Q1", 3, 1, 1)]


def test_time_to_first_response_skips_bots_and_self_replies() -> None:
    frame = events(
        ("asker", "2017-01-01T00:00", "SUMO", "support", "forum_post", False, "t1"),
        ("bot", "2017-01-01T00:01", "SUMO", "support", "auto_reply", True, "t1"),
        ("asker", "2017-01-01T01:00", "SUMO", "support", "forum_post", False, "t1"),
        ("helper", "2017-01-01T03:00", "SUMO", "support", "forum_reply", False, "t1"),
        ("asker", "2017-01-02T00:00", "SUMO", "support", "forum_post", False, "t2"),
        ("helper", "2017-01-02T09:00", "SUMO", "support", "forum_reply", False, "t2"),
        ("asker", "2017-01-03T00:00", "SUMO", "support", "forum_post", False, "t3"),  # unanswered
    )
    result = m.time_to_first_response(frame, by="community")
    row = result.iloc[0]
    assert row["community"] == "SUMO" and row["threads"] == 3
    assert row["answered"] == pytest.approx(2 / 3)
    assert row["median_hours"] == pytest.approx(6.0)  # median of 3 and 9
    assert row["p90_hours"] == pytest.approx(8.4)


def test_conversion_rate_within_window() -> None:
    frame = events(
        ("a", "2017-01-01", "Campaigns", "advocating", "event_attended"),
        ("a", "2017-02-01", "L10N", "localizing", "translation"),
        ("a", "2017-03-01", "L10N", "localizing", "translation"),
        ("a", "2017-04-01", "L10N", "localizing", "translation"),
        ("b", "2017-01-05", "Campaigns", "advocating", "event_attended"),
        ("b", "2017-02-01", "L10N", "localizing", "translation"),
        ("b", "2017-12-01", "L10N", "localizing", "translation"),  # outside 180 days
        ("b", "2017-12-02", "L10N", "localizing", "translation"),
    )
    assert records(m.conversion_rate(frame, min_later=3, window="180D")) == [("2017", 2, 1, 0.5)]


def test_location_suppresses_small_groups() -> None:
    rows = [(f"p{i}", "2017-01-01", "L10N", "localizing", "translation") for i in range(6)]
    frame = events(*rows)
    frame.loc[5, "country"] = "IN"
    result = m.contributor_location(frame, by="country", min_group=5)
    assert result.iloc[0]["country"] == "DE" and result.iloc[0]["contributors"] == 5
    assert pd.isna(result.iloc[1]["contributors"])  # one person in IN: never shown


def test_regions() -> None:
    assert region_of("DE") == "Western Europe"
    assert region_of("in") == "Southern Asia"
    assert region_of("BR") == "Latin America and the Caribbean"
    assert region_of(None) == "Unknown" and region_of("ZZ") == "Unknown"


def test_multi_area_share() -> None:
    assert records(m.multi_area_share(BASE, "Y")) == [("2016", 2, 0, 0.0), ("2017", 2, 1, 0.5)]


@pytest.mark.parametrize(
    ("stamp", "offset", "weekday", "hour"),
    [
        pytest.param("2017-01-02T23:30", 60, "Tue", 0, id="crosses-midnight-east"),
        pytest.param("2017-01-02T02:00", -300, "Sun", 21, id="crosses-midnight-west"),
        pytest.param("2017-01-02T10:00", 330, "Mon", 15, id="half-hour-offset"),
    ],
)
def test_activity_heatmap_in_local_time(stamp: str, offset: int, weekday: str, hour: int) -> None:
    frame = events(("a", stamp, "L10N", "localizing", "translation", False, None, offset))
    table = m.activity_heatmap(frame, local=True)
    assert table.loc[weekday, hour] == 1 and int(table.to_numpy().sum()) == 1
    utc = m.activity_heatmap(frame, local=False)
    assert utc.loc["Mon", pd.Timestamp(stamp).hour] == 1


def test_change_and_complete_periods() -> None:
    series = pd.Series([100, 120, 90], index=pd.period_range("2015", periods=3, freq="Y"))
    assert m.change(series.iloc[:2]) == {
        "latest": 120.0,
        "previous": 100.0,
        "change": 20.0,
        "change_pct": 20.0,
    }
    complete = m.complete_periods(series, pd.Timestamp("2017-11-20", tz="UTC"))
    assert list(complete.index.astype(str)) == ["2015", "2016"]  # 2017 had not ended
    assert m.change(series.iloc[:1])["previous"] is None


def test_definitions_cover_every_metric_and_the_docs_are_current() -> None:
    from pathlib import Path

    functions = {name for name in m.__all__ if name in m.DEFINITIONS}
    assert functions == set(m.DEFINITIONS)
    doc = (Path(__file__).resolve().parents[1] / "docs/metrics.md").read_text(encoding="utf-8")
    assert m.definitions_markdown() in doc
