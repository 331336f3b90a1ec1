"""Charts built from real metric results: titles, axis labels, alt text with the real numbers."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from mdm import metrics as m
from mdm.metrics.definitions import DEFINITIONS
from mdm.params.models import MetricSpec
from mdm.report import charts
from mdm.report.evidence import draw
from mdm.report.figures import figure_html


def _events() -> pd.DataFrame:
    """Two years of hand-made activity: 8 people in L10N, 6 in SUMO, threads in SUMO."""
    rows = []
    for i in range(8):
        for month in range(1, 13, 1 + i % 3):
            rows.append((f"l{i}", f"2016-{month:02d}-{5 + i:02d}T{8 + i}:00", "L10N", "DE", None))
    for i in range(6):
        rows.append((f"s{i}", f"2016-03-{1 + i:02d}T10:00", "SUMO", "IN", f"t{i}"))
        rows.append((f"l{i}", f"2016-03-{1 + i:02d}T{12 + i}:00", "SUMO", "DE", f"t{i}"))
        rows.append((f"s{i}", f"2017-0{1 + i % 6}-10T09:00", "SUMO", "IN", None))
    frame = pd.DataFrame(
        rows, columns=["contributor_id", "timestamp", "community", "country", "thread_id"]
    )
    return frame.assign(
        contributor_id=frame["contributor_id"].astype("string"),
        timestamp=pd.to_datetime(frame["timestamp"], utc=True).astype("datetime64[ns, UTC]"),
        community=frame["community"].astype("string"),
        area=pd.array(np.where(frame["community"] == "L10N", "localizing", "support"), "string"),
        activity_type=pd.array(["translation"] * len(frame), dtype="string"),
        country=frame["country"].astype("string"),
        affiliation=pd.array(["volunteer"] * len(frame), dtype="string"),
        is_bot=False,
        thread_id=frame["thread_id"].astype("string"),
        utc_offset_minutes=np.full(len(frame), 60, dtype="int16"),
    )


EVENTS = _events()


def _numbers(text: str) -> set[str]:
    return set(re.findall(r"\d[\d,.]*%?", text))


def _chart(min_group: int = 1, events: pd.DataFrame = EVENTS, **keys: Any) -> charts.Chart:
    """The registry's chart of a metric spec, computed on ``events``."""
    spec = MetricSpec.model_validate(keys)
    return draw(DEFINITIONS[spec.metric].compute(events, spec, min_group), spec)


CASES: list[tuple[str, Callable[[], charts.Chart], list[str]]] = [
    (
        "contributors-by-community",
        lambda: _chart(metric="contributors", by="community"),
        ["2016-Q1–2017-Q2", "highest total 20 in 2016-Q1", "latest 3"],
    ),
    (
        "new-contributors",
        lambda: _chart(metric="new_contributors"),
        ["per quarter", "highest 14 in 2016-Q1"],
    ),
    (
        "active-drifting-away",
        lambda: _chart(metric="activity_status"),
        ["in 2017-Q2: active 6, drifting 8, away 0"],
    ),
    (
        "cohort-retention",
        lambda: _chart(metric="cohort_retention"),
        ["highest 100%", "lowest 21% at cohort 2016-Q1, quarters since first contribution 4"],
    ),
    (
        "onion",
        lambda: _chart(metric="onion"),
        ["in 2017-Q2: core 3, regular 0, casual 0"],
    ),
    (
        "time-to-first-response",
        lambda: _chart(metric="time_to_first_response", by="community"),
        ["SUMO 4.50"],
    ),
    (
        "location",
        lambda: _chart(metric="contributor_location", by="country"),
        ["DE 8", "IN 6"],
    ),
    (
        "hour-weekday",
        lambda: _chart(metric="activity_heatmap"),
        ["highest 4 at weekday Thu, hour of day (local time) 11"],
    ),
    (
        "likert",
        lambda: charts.likert(
            pd.DataFrame(
                [[0.1, 0.1, 0.2, 0.4, 0.2], [0.3, 0.2, 0.2, 0.2, 0.1]],
                index=["I feel recognised", "I know who to ask"],
                columns=["Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree"],
            ),
            title="Belonging",
        ),
        ["“I feel recognised” 60% agree, 20% disagree", "30% agree, 50% disagree"],
    ),
    (
        "generic-bars",
        lambda: charts.bars(
            m.absence_factor(EVENTS, by="community", min_group=1).set_index("community")[
                "absence_factor"
            ],
            title="Absence factor",
            xlabel="People making half the contributions",
        ),
        ["L10N 3; SUMO 5"],
    ),
]


@pytest.mark.parametrize(("build", "expected"), [pytest.param(b, e, id=i) for i, b, e in CASES])
def test_chart_has_title_labels_and_alt_text_with_numbers(
    build: Callable[[], charts.Chart], expected: list[str]
) -> None:
    chart = build()
    figure, alt = chart  # unpacks, as the callers in evidence and sections do
    assert isinstance(figure, Figure)
    ax = figure.axes[0]
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    for text in expected:
        assert text in alt, alt
    assert _numbers(alt), alt
    page = figure_html(figure, alt=alt, caption="Source: test events")
    assert f'alt="{html.escape(alt, quote=True)}"' in page
    assert "<figcaption>Source: test events</figcaption>" in page


def test_line_alt_text_names_the_period_range_peak_and_latest() -> None:
    result = pd.DataFrame(
        {"period": pd.period_range("2013Q1", periods=4, freq="Q"), "contributors": [5, 812, 9, 640]}
    )
    assert draw(result, MetricSpec(metric="contributors")).alt == (
        "Line chart of contributors per quarter, 2013-Q1–2013-Q4; highest 812 in 2013-Q2, "
        "latest 640 in 2013-Q4."
    )


def test_suppressed_values_are_gaps_not_zeros() -> None:
    spec = MetricSpec(metric="contributors", by="community", freq="Y")
    result = m.contributors(EVENTS, "Y", by="community", min_group=1)
    result.loc[0, "contributors"] = pd.NA
    chart = draw(result, spec)
    assert "gaps are values hidden" in chart.alt
    drawn = chart.figure.axes[0].get_lines()
    assert any(np.isnan(np.asarray(d.get_ydata(), dtype=float)).any() for d in drawn)


def test_hidden_groups_are_counted_in_bar_alt_text() -> None:
    chart = _chart(min_group=7, metric="contributor_location", by="country")
    assert chart.alt == "Bar chart of contributors: DE 8; 1 small group hidden."


@pytest.mark.parametrize("name", list(DEFINITIONS))
def test_every_registry_chart_of_no_events_says_so(name: str) -> None:
    chart = _chart(events=EVENTS.iloc[0:0], metric=name)
    assert chart.alt.startswith("Empty chart of"), chart.alt
    assert chart.figure.axes[0].get_title()


@pytest.mark.parametrize("name", list(DEFINITIONS))
def test_every_registry_chart_is_titled_and_states_numbers(name: str) -> None:
    # the test events have one activity type, so people enter through it
    keys = {"entry": "translation"} if name == "conversion_rate" else {}
    figure, alt = _chart(metric=name, **keys)
    ax = figure.axes[0]
    assert ax.get_title() == DEFINITIONS[name].title
    assert ax.get_xlabel() and ax.get_ylabel()
    assert _numbers(alt), alt


def test_grouped_new_contributors_draw_one_line_per_group() -> None:
    # issue 11.3: by was ignored, one ungrouped line titled as if grouped
    figure, alt = _chart(metric="new_contributors", by="community", freq="Y")
    lines = figure.axes[0].get_lines()
    assert sorted(line.get_label() for line in lines) == ["L10N", "SUMO"]
    assert figure.axes[0].get_title() == "New contributors by community"
    assert "new contributors by community per year" in alt


def test_response_times_by_group_over_time_when_freq_is_given() -> None:
    bars = _chart(metric="time_to_first_response", by="community")
    lines = _chart(metric="time_to_first_response", by="community", freq="Y")
    assert bars.alt.startswith("Bar chart of median hours to first response: SUMO 4.50")
    assert lines.alt.startswith("Line chart of median hours to first response by community")


def test_charts_never_touch_pyplot() -> None:
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    _chart(metric="onion")
    assert plt.get_fignums() == before


# --- axes as a reader reads them: in the SVG the document embeds ------------------------------


def _ticks(figure: Figure, axis: str) -> list[str]:
    """The tick labels of the ``x`` or ``y`` axis, as text in the embedded SVG."""
    from mdm.report.figures import figure_svg

    svg = figure_svg(figure).decode()
    # each tick's group holds its grid line, its mark, then its one label
    return re.findall(rf'<g id="{axis}tick_\d+">.*?<text[^>]*>([^<]*)</text>', svg, re.S)


@pytest.mark.parametrize(
    "counts",
    [pytest.param([1, 3, 2], id="small"), pytest.param([1200, 15400, 9800], id="thousands")],
)
def test_a_count_axis_has_whole_number_ticks_with_thousands_separators(counts: list[int]) -> None:
    frame = pd.DataFrame({"period": pd.period_range("2015Q1", periods=3, freq="Q"), "n": counts})
    ticks = _ticks(charts.lines(frame, "n", title="People", ylabel="People").figure, "y")
    assert ticks and all(re.fullmatch(r"\d{1,3}(,\d{3})*", t) for t in ticks), ticks
    if max(counts) > 1000:
        assert any("," in t for t in ticks), ticks


def test_stacked_money_and_bars_of_counts_tick_at_whole_numbers() -> None:
    money = pd.DataFrame({"period": ["2018-Q1", "2018-Q2"], "people": [37500.0, 62500.0]})
    bars = pd.Series([2, 3], index=pd.Index(["A", "B"], name="group"), dtype=float)
    for figure, axis in [
        (charts.stacked(money, ["people"], title="Asked", ylabel="USD", kind="bars").figure, "y"),
        (charts.bars(bars, title="People", xlabel="People").figure, "x"),
    ]:
        ticks = _ticks(figure, axis)
        assert ticks and all(re.fullmatch(r"\d{1,3}(,\d{3})*", t) for t in ticks), ticks


def test_a_share_axis_never_rounds_a_tick_to_another_percent() -> None:
    frame = pd.DataFrame(
        {"period": pd.period_range("2015", periods=3, freq="Y"), "share": [0.05, 0.12, 0.2]}
    )
    ticks = _ticks(
        charts.lines(frame, "share", title="Share", ylabel="Share", percent=True).figure, "y"
    )
    values = [float(t.rstrip("%")) for t in ticks]
    assert values == sorted(values) and len(set(values)) == len(values), ticks
    assert all(v == round(v) for v in values), ticks  # whole percents where the range allows


def test_axes_name_quarters_as_captions_do() -> None:
    from mdm.report.evidence import period_label

    periods = pd.period_range("2016Q3", periods=4, freq="Q")
    frame = pd.DataFrame({"period": periods, "n": [4, 5, 6, 7]})
    chart = charts.lines(frame, "n", title="People", ylabel="People")
    assert _ticks(chart.figure, "x") == [period_label(p) for p in periods]
    assert "2016-Q3–2017-Q2" in chart.alt


def test_an_authors_figure_keeps_its_tick_labels_inside_after_the_house_style() -> None:
    from mdm.report.figures import house_style

    figure = Figure(figsize=(6, 3))  # as plt.subplots() makes it: no layout engine
    ax = figure.subplots()
    ax.barh(["A very long name of a community group", "Another long label", "Short"], [3, 5, 2000])
    ax.set_xticks(
        [0, 1000, 2000], ["0 contributions", "1,000 contributions", "2,000 contributions"]
    )
    ax.tick_params(axis="x", rotation=45)

    def outside() -> list[str]:
        figure.draw_without_rendering()
        box = figure.bbox
        return [
            label.get_text()
            for label in [*ax.get_xticklabels(), *ax.get_yticklabels()]
            if not box.contains(*label.get_window_extent().p0)
            or not box.contains(*label.get_window_extent().p1)
        ]

    assert outside(), "the probe should start with labels cut off"
    house_style(figure)
    assert outside() == []
