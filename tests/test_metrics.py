"""Metrics against small tables computed by hand, plus a few cross-checks against plain pandas."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from mdm import metrics as m

COLUMNS = [
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
]


def events(*rows: tuple[Any, ...], labels: str = "string") -> pd.DataFrame:
    """Rows: (who, UTC time, community, area, activity_type[, is_bot, thread, offset, country]).

    ``labels="category"`` gives the text columns the loader's categorical dtype.
    """
    defaults = [False, None, 0, "DE"]
    records = []
    for who, stamp, community, area, kind, *rest in rows:
        bot, thread, offset, country = [*rest, *defaults[len(rest) :]]
        records.append(
            (who, stamp, community, area, kind, country, "volunteer", bot, thread, offset)
        )
    frame = pd.DataFrame.from_records(records, columns=COLUMNS)
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True, format="ISO8601").astype(
        "datetime64[ns, UTC]"
    )
    for name in ("contributor_id", "community", "area", "activity_type", "country"):
        frame[name] = frame[name].astype(labels if name != "contributor_id" else "string")
    frame["affiliation"] = frame["affiliation"].astype("string")
    frame["is_bot"] = frame["is_bot"].astype(bool)
    frame["thread_id"] = frame["thread_id"].astype("string")
    frame["utc_offset_minutes"] = frame["utc_offset_minutes"].astype("int16")
    return frame


EMPTY = events()


def table(frame: pd.DataFrame) -> list[tuple[Any, ...]]:
    """Rows as plain tuples: periods as text, missing values as None, floats rounded."""
    out = []
    for row in frame.itertuples(index=False):
        cells = []
        for cell in row:
            if isinstance(cell, pd.Period):
                cell = str(cell)
            elif pd.isna(cell):
                cell = None
            elif isinstance(cell, float | np.floating):
                cell = round(float(cell), 4)
            elif isinstance(cell, np.integer):
                cell = int(cell)
            cells.append(cell)
        out.append(tuple(cells))
    return out


# ben contributes to SUMO in 2016 and first to L10N in 2017; a bot acts in 2017
BASE_ROWS = [
    ("ana", "2016-01-10", "L10N", "localizing", "translation"),
    ("ana", "2016-05-02", "L10N", "localizing", "translation"),
    ("ben", "2016-02-01", "SUMO", "support", "forum_reply"),
    ("ben", "2017-01-15", "L10N", "localizing", "translation"),
    ("cai", "2017-02-20", "L10N", "localizing", "translation"),
    ("cai", "2017-03-01", "SUMO", "support", "forum_reply"),
    ("bot", "2017-01-01", "SUMO", "support", "auto_reply", True),
]


@pytest.fixture(params=["string", "category"], ids=["string-columns", "categorical-columns"])
def base(request: pytest.FixtureRequest) -> pd.DataFrame:
    """The same events with text columns as strings (the contract) or categories (the loader)."""
    return events(*BASE_ROWS, labels=request.param)


# --- contributors ----------------------------------------------------------------------------


def test_contributors_per_quarter_fill_empty_quarters_and_skip_bots(base: pd.DataFrame) -> None:
    assert table(m.contributors(base, "Q")) == [
        ("2016Q1", 2),
        ("2016Q2", 1),
        ("2016Q3", 0),
        ("2016Q4", 0),
        ("2017Q1", 2),
    ]


def test_contributors_can_include_bots(base: pd.DataFrame) -> None:
    assert table(m.contributors(base, "Y", bots=True)) == [("2016", 2), ("2017", 3)]


def test_contributors_by_community_and_filtered(base: pd.DataFrame) -> None:
    assert table(m.contributors(base, "Y", by="community", min_group=1)) == [
        ("2016", "L10N", 1),
        ("2016", "SUMO", 1),
        ("2017", "L10N", 2),
        ("2017", "SUMO", 1),
    ]
    # the filter keeps the whole span: SUMO had nobody in 2016Q2-Q4
    assert table(m.contributors(base, "Q", filters={"community": "SUMO"})) == [
        ("2016Q1", 1),
        ("2016Q2", 0),
        ("2016Q3", 0),
        ("2016Q4", 0),
        ("2017Q1", 1),
    ]
    assert table(m.contributors(base, "Y", filters={"activity_type": ["forum_reply"]})) == [
        ("2016", 1),
        ("2017", 1),
    ]


def test_grouped_contributors_are_suppressed_by_default(base: pd.DataFrame) -> None:
    result = m.contributors(base, "Y", by="community")
    assert table(result) == [
        ("2016", "L10N", None),
        ("2016", "SUMO", None),
        ("2017", "L10N", None),
        ("2017", "SUMO", None),
    ]
    assert str(result["contributors"].dtype) == "Int64"


def test_contributors_by_region_is_derived_from_country() -> None:
    frame = events(
        ("a", "2017-01-01", "L10N", "localizing", "translation", False, None, 0, "IN"),
        ("b", "2017-01-01", "L10N", "localizing", "translation", False, None, 0, "BD"),
        ("c", "2017-01-01", "L10N", "localizing", "translation", False, None, 0, None),
    )
    assert table(m.contributors(frame, "Y", by="region", min_group=1)) == [
        ("2017", "Southern Asia", 2),
        ("2017", "Unknown", 1),
    ]


def test_contributors_of_one_person_and_of_no_events() -> None:
    one = events(("solo", "2017-05-05", "MDN", "documenting", "article_edit"))
    assert table(m.contributors(one, "M")) == [("2017-05", 1)]
    assert m.contributors(EMPTY, "Q").empty
    assert list(m.contributors(EMPTY, "Q", by="community").columns) == [
        "period",
        "community",
        "contributors",
    ]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        pytest.param(lambda f: m.contributors(f, "W"), "freq: expected one of M, Q, Y", id="freq"),
        pytest.param(lambda f: m.contributors(f, by="team"), "'team': no such column", id="by"),
        pytest.param(
            lambda f: m.contributors(f, filters={"team": "x"}), "'team': no such", id="filter"
        ),
    ],
)
def test_bad_arguments_are_named(call: Any, message: str, base: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match=message):
        call(base)


# --- new and inactive contributors ------------------------------------------------------------


def test_new_contributors_use_first_seen_over_all_history(base: pd.DataFrame) -> None:
    assert table(m.new_contributors(base, "Y")) == [("2016", 2), ("2017", 1)]
    # ben's first L10N contribution is in 2017, but he first contributed (to SUMO) in 2016:
    # computing first-seen inside the L10N rows would wrongly count him new in 2017
    assert table(m.new_contributors(base, "Y", filters={"community": "L10N"})) == [
        ("2016", 1),
        ("2017", 1),
    ]
    assert table(m.new_contributors(base, "Y", by="community", min_group=1)) == [
        ("2016", "L10N", 1),
        ("2016", "SUMO", 1),
        ("2017", "L10N", 1),
        ("2017", "SUMO", 1),
    ]


def test_new_contributors_with_a_quiet_filtered_window() -> None:
    frame = events(
        ("a", "2016-01-01", "SUMO", "support", "forum_reply"),
        ("a", "2016-07-01", "MDN", "documenting", "article_edit"),
        ("b", "2016-07-02", "SUMO", "support", "forum_reply"),
    )
    # a's MDN edit is their first MDN event, but not their first contribution: nobody new in MDN
    assert table(m.new_contributors(frame, "Q", filters={"community": "MDN"})) == [
        ("2016Q1", 0),
        ("2016Q2", 0),
        ("2016Q3", 0),
    ]
    assert m.new_contributors(EMPTY).empty


def test_inactive_contributors_counted_in_period_of_last_contribution(
    base: pd.DataFrame,
) -> None:
    as_of = pd.Timestamp("2017-06-01", tz="UTC")
    # ana's last contribution (2016-05-02) is more than 365 days before 2017-06-01
    assert table(m.inactive_contributors(base, as_of=as_of, interval="365D", freq="Y")) == [
        ("2016", 1),
        ("2017", 0),
    ]
    # as of 2016-12-31, events after that date are ignored; nobody is a year away yet
    early = m.inactive_contributors(base, as_of=pd.Timestamp("2016-12-31"), freq="Y")
    assert table(early) == [("2016", 0)]
    assert m.inactive_contributors(EMPTY).empty


# --- active / drifting / away ------------------------------------------------------------------


def test_activity_status_by_hand() -> None:
    frame = events(
        ("a", "2016-01-15", "L10N", "localizing", "translation"),
        ("b", "2016-01-20", "L10N", "localizing", "translation"),
        ("b", "2016-09-01", "L10N", "localizing", "translation"),
        ("c", "2016-12-01", "L10N", "localizing", "translation"),
        ("a", "2017-12-31T23:59", "L10N", "localizing", "translation"),
    )
    # at d = 2016-10-01 (end of 2016Q3) a's last event 2016-01-15 is before d-6m: drifting;
    # at d = 2017-04-01 it is before d-12m (2016-04-01): away, and b (2016-09-01) drifts;
    # at d = 2018-01-01 a is active again and c (2016-12-01) is away
    assert table(m.activity_status(frame, "Q")) == [
        ("2016Q1", 2, 0, 0),
        ("2016Q2", 2, 0, 0),
        ("2016Q3", 1, 1, 0),
        ("2016Q4", 2, 1, 0),
        ("2017Q1", 1, 1, 1),
        ("2017Q2", 0, 2, 1),
        ("2017Q3", 0, 1, 2),
        ("2017Q4", 1, 0, 2),
    ]


def test_activity_status_six_month_boundary_is_active() -> None:
    # d = 2017-01-01; an event on 2016-07-01 (exactly d - 6 months) is active
    frame = events(
        ("a", "2016-07-01", "L10N", "localizing", "translation"),
        ("b", "2016-12-31", "MDN", "coding", "x"),
    )
    assert table(m.activity_status(frame, "Y")) == [("2016", 2, 0, 0)]
    assert table(m.activity_status(frame.iloc[:1], "M"))[-1] == ("2016-07", 1, 0, 0)


def test_activity_status_of_no_events() -> None:
    result = m.activity_status(EMPTY, "Q")
    assert result.empty and list(result.columns) == ["period", "active", "drifting", "away"]


# --- cohorts -----------------------------------------------------------------------------------

COHORT_ROWS = [
    *[(f"a{i}", "2015-03-01", "L10N", "localizing", "translation") for i in range(4)],
    ("a0", "2016-03-01", "L10N", "localizing", "translation"),
    ("a1", "2017-06-01", "L10N", "localizing", "translation"),
    *[(f"c{i}", "2017-02-01", "L10N", "localizing", "translation") for i in range(2)],
]


def test_cohort_retention_by_hand() -> None:
    result = m.cohort_retention(events(*COHORT_ROWS), "Y", max_k=3, min_group=1)
    expected = pd.DataFrame(
        [[1.0, 0.25, 0.25, np.nan], [1.0, np.nan, np.nan, np.nan]],
        index=pd.PeriodIndex(["2015", "2017"], freq="Y", name="cohort"),
        columns=pd.RangeIndex(4, name="periods_since_first"),
    )
    # nobody joined in 2016: no row; 2018 onwards is after the data: unknown, not zero
    pd.testing.assert_frame_equal(result, expected)


def test_cohort_retention_blanks_small_cohorts_and_handles_no_events() -> None:
    result = m.cohort_retention(events(*COHORT_ROWS), "Y", max_k=1, min_group=3)
    assert result.loc[pd.Period("2015", "Y")].tolist() == [1.0, 0.25]
    assert result.loc[pd.Period("2017", "Y")].isna().all()  # two people: too few to show
    assert m.cohort_retention(EMPTY).empty


# --- concentration -----------------------------------------------------------------------------


def spread(counts: dict[str, int], community: str = "L10N") -> list[tuple[Any, ...]]:
    """``n`` contributions per person, one per day of 2017-01."""
    return [
        (who, f"2017-01-{i + 1:02d}", community, "localizing", "translation")
        for who, n in counts.items()
        for i in range(n)
    ]


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        pytest.param({"a": 10}, 1, id="single-contributor"),
        pytest.param({"a": 5, "b": 5}, 1, id="tie-at-exactly-half"),
        pytest.param({"b": 5, "a": 5}, 1, id="tie-order-irrelevant"),
        pytest.param({"a": 4, "b": 3, "c": 3}, 2, id="needs-two"),
        pytest.param({"a": 1, "b": 1, "c": 1, "d": 1, "e": 1}, 3, id="all-equal-odd"),
        pytest.param({"a": 1, "b": 1, "c": 1, "d": 1}, 2, id="all-equal-even"),
    ],
)
def test_absence_factor(counts: dict[str, int], expected: int) -> None:
    result = m.absence_factor(events(*spread(counts)))
    assert table(result) == [(expected, len(counts), sum(counts.values()))]


def test_absence_factor_per_group_with_suppression() -> None:
    frame = events(
        *spread({"a": 6, "b": 2, "c": 1, "d": 1, "e": 1}, "L10N"),
        *spread({"x": 3, "y": 3}, "SUMO"),
    )
    assert table(m.absence_factor(frame, by="community")) == [
        ("L10N", 1, 5, 11),
        ("SUMO", None, None, None),  # two people: never shown
    ]
    assert table(m.absence_factor(frame, by="community", min_group=1))[1] == ("SUMO", 1, 2, 6)
    assert table(m.absence_factor(EMPTY)) == [(0, 0, 0)]


def test_onion_layers_by_hand() -> None:
    # 20 contributions: a 10, b 5, c 3, d 1, e 1. Share made by those ranked above:
    # a 0%, b 50%, c 75% (core: below 80%), d 90% (regular: below 95%), e 95% (casual)
    frame = events(*spread({"a": 10, "b": 5, "c": 3, "d": 1, "e": 1}))
    assert table(m.onion(frame, "Q")) == [("2017Q1", 3, 1, 1)]


@pytest.mark.parametrize(
    "names",
    [pytest.param("abcdefghij", id="ids-ascending"), pytest.param("jihgfedcba", id="descending")],
)
def test_onion_ties_give_the_same_layer_sizes(names: str) -> None:
    # ten people with one contribution each: 8 core (0% to 70% above them), 2 regular (80%, 90%)
    frame = events(*spread(dict.fromkeys(names, 1)))
    assert table(m.onion(frame, "Y")) == [("2017", 8, 2, 0)]


def test_onion_shows_an_empty_quarter_and_no_events() -> None:
    frame = events(*spread({"a": 1}), ("a", "2017-07-01", "L10N", "localizing", "translation"))
    assert table(m.onion(frame, "Q")) == [
        ("2017Q1", 1, 0, 0),
        ("2017Q2", 0, 0, 0),
        ("2017Q3", 1, 0, 0),
    ]
    assert m.onion(EMPTY).empty


# --- time to first response --------------------------------------------------------------------

THREAD_ROWS = [
    ("asker", "2017-01-01T00:00", "SUMO", "support", "forum_post", False, "t1"),
    ("bot", "2017-01-01T00:01", "SUMO", "support", "auto_reply", True, "t1"),
    ("asker", "2017-01-01T01:00", "SUMO", "support", "forum_post", False, "t1"),  # self-reply
    ("helper", "2017-01-01T03:00", "SUMO", "support", "forum_reply", False, "t1"),
    ("helper", "2017-01-02T09:00", "SUMO", "support", "forum_reply", False, "t2"),  # order
    ("asker", "2017-01-02T00:00", "SUMO", "support", "forum_post", False, "t2"),
    ("asker", "2017-01-03T00:00", "SUMO", "support", "forum_post", False, "t3"),  # unanswered
    ("bot", "2017-01-04T00:00", "SUMO", "support", "auto_post", True, "t4"),  # bot thread
    ("helper", "2017-01-04T02:00", "SUMO", "support", "forum_reply", False, "t4"),
    ("dev", "2017-04-01T00:00", "MDN", "documenting", "article_edit", False, "t5"),
    ("ed", "2017-04-01T00:30", "MDN", "documenting", "article_edit", False, "t5"),
    ("fay", "2017-04-01T00:00", "MDN", "documenting", "article_edit"),  # no thread
]


def test_first_responses_per_thread() -> None:
    result = m.first_responses(events(*THREAD_ROWS))
    assert table(result[["thread_id", "community", "hours"]]) == [
        ("t1", "SUMO", 3.0),
        ("t2", "SUMO", 9.0),
        ("t3", "SUMO", None),
        ("t5", "MDN", 0.5),
    ]
    assert str(result["created"].dtype) == "datetime64[ns, UTC]"
    with_bots = m.first_responses(events(*THREAD_ROWS), bots=True)
    assert table(with_bots[["thread_id", "hours"]])[3] == ("t4", 2.0)


def test_time_to_first_response_by_community() -> None:
    result = m.time_to_first_response(events(*THREAD_ROWS), by="community", min_group=1)
    # SUMO: 3 threads, 2 answered after 3 h and 9 h: median 6, p90 3 + 0.9 * 6 = 8.4
    assert table(result) == [("MDN", 1, 1.0, 0.5, 0.5), ("SUMO", 3, 0.6667, 6.0, 8.4)]
    assert table(m.time_to_first_response(events(*THREAD_ROWS), by="community")) == [
        ("MDN", None, None, None, None),
        ("SUMO", None, None, None, None),
    ]


def test_time_to_first_response_per_period_and_overall() -> None:
    frame = events(*THREAD_ROWS)
    assert table(m.time_to_first_response(frame, by=None, freq="Q")) == [
        ("2017Q1", 3, 0.6667, 6.0, 8.4),
        ("2017Q2", 1, 1.0, 0.5, 0.5),
    ]
    assert table(m.time_to_first_response(frame, by=None)) == [(4, 0.75, 3.0, 7.8)]
    sumo = m.time_to_first_response(frame, by=None, filters={"community": "SUMO"})
    assert table(sumo) == [(3, 0.6667, 6.0, 8.4)]


def test_time_to_first_response_of_no_threads() -> None:
    assert table(m.time_to_first_response(EMPTY, by=None)) == [(0, None, None, None)]
    assert m.time_to_first_response(EMPTY).empty
    assert m.first_responses(EMPTY).empty


# --- conversion, location, areas, hours ---------------------------------------------------------


def test_conversion_rate_within_window() -> None:
    frame = events(
        ("a", "2017-01-01", "Campaigns", "evangelizing", "event_attended"),
        ("a", "2017-02-01", "L10N", "localizing", "translation"),
        ("a", "2017-03-01", "L10N", "localizing", "translation"),
        ("a", "2017-04-01", "L10N", "localizing", "translation"),
        ("b", "2017-01-05", "Campaigns", "evangelizing", "event_attended"),
        ("b", "2017-01-04", "L10N", "localizing", "translation"),  # before entering
        ("b", "2017-02-01", "L10N", "localizing", "translation"),
        ("b", "2017-12-01", "L10N", "localizing", "translation"),  # after 180 days
        ("b", "2017-12-02", "L10N", "localizing", "translation"),
        ("c", "2019-03-01", "Campaigns", "evangelizing", "event_attended"),
        ("d", "2019-03-01", "L10N", "localizing", "translation"),  # never entered
    )
    assert table(m.conversion_rate(frame, min_later=3, window="180D")) == [
        ("2017", 2, 1, 0.5),
        ("2018", 0, 0, None),
        ("2019", 1, 0, 0.0),
    ]
    only_events = m.conversion_rate(frame, min_later=1, target="event_attended")
    assert table(only_events)[0] == ("2017", 2, 0, 0.0)
    assert m.conversion_rate(EMPTY).empty


def test_location_by_country_and_region_with_suppression() -> None:
    rows = [
        (f"p{i}", "2017-01-01", "L10N", "localizing", "translation", False, None, 0, country)
        for i, country in enumerate(["DE"] * 3 + ["FR"] * 3 + ["IN", None, "ZZ"])
    ]
    frame = events(*rows)
    assert table(m.contributor_location(frame, by="country", min_group=1)) == [
        ("DE", 3),
        ("FR", 3),
        ("IN", 1),
        ("Unknown", 1),
        ("ZZ", 1),
    ]
    assert table(m.contributor_location(frame, by="region")) == [
        ("Western Europe", 6),
        ("Unknown", None),  # a missing country and the unlisted ZZ: two people, hidden
        ("Southern Asia", None),
    ]
    since = m.contributor_location(frame, since=pd.Timestamp("2018-01-01"), min_group=1)
    assert since.empty


def test_multi_area_share() -> None:
    frame = events(
        *BASE_ROWS,
        ("dee", "2017-05-01", "MDN", None, "article_edit"),  # no area: not a second area
        ("dee", "2017-05-02", "MDN", "documenting", "article_edit"),
    )
    assert table(m.multi_area_share(frame, "Y")) == [("2016", 2, 0, 0.0), ("2017", 3, 1, 0.3333)]
    assert m.multi_area_share(EMPTY).empty


@pytest.mark.parametrize(
    ("stamp", "offset", "weekday", "hour"),
    [
        pytest.param("2017-01-02T23:30", 60, "Tue", 0, id="east-crosses-midnight"),
        pytest.param("2017-01-02T02:00", -300, "Sun", 21, id="west-back-to-sunday"),
        pytest.param("2017-01-02T10:00", 330, "Mon", 15, id="half-hour-offset"),
        pytest.param("2017-01-08T23:45", 345, "Mon", 5, id="sunday-utc-monday-local"),
        pytest.param("1969-12-31T23:00", 0, "Wed", 23, id="before-1970"),
    ],
)
def test_activity_heatmap_in_local_time(stamp: str, offset: int, weekday: str, hour: int) -> None:
    frame = events(("a", stamp, "L10N", "localizing", "translation", False, None, offset))
    local = m.activity_heatmap(frame, local=True)
    assert local.loc[weekday, hour] == 1 and int(local.to_numpy().sum()) == 1
    utc = m.activity_heatmap(frame, local=False)
    when = pd.Timestamp(stamp)
    assert utc.loc[m.WEEKDAYS[when.weekday()], when.hour] == 1


def test_activity_heatmap_shape_and_bots() -> None:
    result = m.activity_heatmap(events(*BASE_ROWS), local=False)
    assert result.shape == (7, 24) and list(result.index) == m.WEEKDAYS
    assert int(result.to_numpy().sum()) == 6  # the bot's event is left out
    assert int(m.activity_heatmap(EMPTY).to_numpy().sum()) == 0


# --- publishing helpers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        pytest.param([0, 1, 4, 5, 9], [0, None, None, 5, 9], id="zero-stays-small-hidden"),
        pytest.param([5, 6], [5, 6], id="nothing-small"),
    ],
)
def test_suppress_small(counts: list[int], expected: list[int | None]) -> None:
    frame = pd.DataFrame({"group": list("abcde")[: len(counts)], "n": counts})
    frame["share"] = frame["n"] / 10
    result = m.suppress_small(frame, "n", 5, also=["share"])
    assert [None if pd.isna(v) else v for v in result["n"]] == expected
    assert result["share"].isna().tolist() == [v is None for v in expected]
    assert frame["n"].tolist() == counts  # the input is left alone


def test_change_between_the_last_two_complete_periods() -> None:
    series = pd.Series([100, 120, 90], index=pd.period_range("2015", periods=3, freq="Y"))
    assert m.change(series, as_of=pd.Timestamp("2017-11-20", tz="UTC")) == {
        "latest": 120.0,
        "previous": 100.0,
        "change": 20.0,
        "change_pct": 20.0,
    }
    assert m.change(series)["change_pct"] == pytest.approx(-25.0)
    complete = m.complete_periods(series, pd.Timestamp("2017-11-20", tz="UTC"))
    assert list(complete.index.astype(str)) == ["2015", "2016"]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        pytest.param([7.0], (7.0, None, None, None), id="one-value"),
        pytest.param([0.0, 4.0], (4.0, 0.0, 4.0, None), id="from-zero"),
        pytest.param([], (None, None, None, None), id="nothing"),
    ],
)
def test_change_edge_cases(values: list[float], expected: tuple[Any, ...]) -> None:
    series = pd.Series(values, index=pd.period_range("2015", periods=len(values), freq="Y"))
    assert tuple(m.change(series).values()) == expected


def test_filter_events_keeps_matching_rows(base: pd.DataFrame) -> None:
    kept = m.filter_events(base, {"community": ["SUMO"]})
    assert kept["contributor_id"].tolist() == ["ben", "cai"]
    assert len(m.filter_events(base, bots=True)) == len(base)


# --- cross-checks against plain pandas on random events ---------------------------------------


@pytest.fixture(scope="module")
def random_events() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 3000
    stamps = pd.Timestamp("2014-01-01", tz="UTC") + pd.to_timedelta(
        rng.integers(0, 4 * 365 * 24 * 60, n), unit="min"
    )
    frame = pd.DataFrame(
        {
            "contributor_id": pd.array([f"u{i}" for i in rng.zipf(1.6, n) % 400], dtype="string"),
            "timestamp": stamps.astype("datetime64[ns, UTC]"),
            "community": pd.array(rng.choice(["L10N", "SUMO", "MDN"], n), dtype="string"),
            "area": pd.array(rng.choice(["localizing", "support", "coding"], n), dtype="string"),
            "activity_type": pd.array(rng.choice(["translation", "forum_reply"], n), "string"),
            "country": pd.array(rng.choice(["DE", "IN", "BR"], n), dtype="string"),
            "affiliation": pd.array(["volunteer"] * n, dtype="string"),
            "is_bot": rng.random(n) < 0.05,
            "thread_id": pd.array([f"t{i}" for i in rng.integers(0, 300, n)], dtype="string"),
            "utc_offset_minutes": rng.choice([-300, 0, 60, 330], n).astype("int16"),
        }
    )
    return frame


def test_activity_status_matches_plain_pandas(random_events: pd.DataFrame) -> None:
    people = random_events[~random_events["is_bot"]]
    result = m.activity_status(random_events, "Q")
    for row in result.itertuples():
        end = row.period.end_time.tz_localize("UTC").ceil("D")
        last = people[people["timestamp"] < end].groupby("contributor_id")["timestamp"].max()
        active = (last >= end - pd.DateOffset(months=6)).sum()
        away = (last < end - pd.DateOffset(months=12)).sum()
        assert (row.active, row.drifting, row.away) == (active, len(last) - active - away, away)


def test_onion_and_absence_match_plain_pandas(random_events: pd.DataFrame) -> None:
    people = random_events[~random_events["is_bot"]]
    counts = people.groupby("contributor_id").size().sort_values(ascending=False)
    needed = int((counts.cumsum().shift(fill_value=0) < counts.sum() / 2).sum())
    assert int(m.absence_factor(random_events)["absence_factor"].iloc[0]) == needed
    quarter = people["timestamp"].dt.tz_localize(None).dt.to_period("Q")
    for row in m.onion(random_events, "Q").itertuples():
        n = people[quarter == row.period].groupby("contributor_id").size()
        above = n.sort_values(ascending=False).cumsum().shift(fill_value=0) / n.sum()
        assert (row.core, row.regular, row.casual) == (
            (above < 0.8).sum(),
            ((above >= 0.8) & (above < 0.95)).sum(),
            (above >= 0.95).sum(),
        )


def test_cohorts_and_new_contributors_match_plain_pandas(random_events: pd.DataFrame) -> None:
    people = random_events[~random_events["is_bot"]].assign(
        period=lambda f: f["timestamp"].dt.tz_localize(None).dt.to_period("Y")
    )
    cohort = people.groupby("contributor_id")["period"].min().rename("cohort")
    seen = people[["contributor_id", "period"]].drop_duplicates().join(cohort, on="contributor_id")
    new = cohort.value_counts().sort_index()
    result = m.new_contributors(random_events, "Y").set_index("period")["new_contributors"]
    assert result.to_dict() == new.to_dict()
    retention = m.cohort_retention(random_events, "Y", max_k=3, min_group=1)
    for (c, k), share in retention.stack().dropna().items():
        members = seen[(seen["cohort"] == c) & (seen["period"] == c + k)]
        assert share == pytest.approx(len(members) / new[c])


def test_counted_in_slots_or_sorted_every_result_is_the_same(
    random_events: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Distinct keys are counted in an array of slots when it is small enough, else sorted."""
    from mdm.metrics import _arrays
    from mdm.metrics.definitions import DEFINITIONS

    specs = [
        ("contributors", {"by": "community"}),
        ("new_contributors", {"community": "SUMO"}),
        ("inactive_contributors", {}),
        ("activity_status", {}),
        ("cohort_retention", {}),
        ("absence_factor", {"by": "area"}),
        ("onion", {}),
        ("time_to_first_response", {"by": "community"}),
        ("contributor_location", {"by": "country"}),
        ("multi_area_share", {}),
    ]
    from mdm.params.models import MetricSpec

    def results() -> list[pd.DataFrame]:
        return [
            DEFINITIONS[name].compute(random_events, MetricSpec(metric=name, **keys), 5)
            for name, keys in specs
        ]

    dense = results()
    monkeypatch.setattr(_arrays, "_DENSE_SLACK", -(10**9))  # never fits: always sorted
    for name_keys, left, right in zip(specs, dense, results(), strict=True):
        pd.testing.assert_frame_equal(left, right, obj=str(name_keys))
    random_events = _arrays.with_months(random_events)  # months computed once, as precompute does
    for name_keys, left, right in zip(specs, dense, results(), strict=True):
        pd.testing.assert_frame_equal(left, right, obj=f"{name_keys} with months")


# --- definitions and public API ---------------------------------------------------------------


def test_every_definition_is_a_public_metric() -> None:
    assert set(m.DEFINITIONS) <= set(m.__all__)
    assert all(callable(getattr(m, name)) for name in m.DEFINITIONS)
    assert all(d.source for d in m.DEFINITIONS.values())
    assert {name for name in dir(m) if not name.startswith("_")} >= set(m.__all__)


def test_docs_hold_the_current_definitions() -> None:
    doc = (Path(__file__).resolve().parents[1] / "docs/metrics.md").read_text(encoding="utf-8")
    assert m.definitions_markdown() in doc, "regenerate docs/metrics.md from DEFINITIONS"
