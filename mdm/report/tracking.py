"""Holding an expected effect to account: its measure over time, its baseline on the decision
date, its target, and a plain status decided by one written rule.

An ask's effect names one of its topic's values (``effect: {value: new_latest, target: ...}``).
Its **baseline** is that value as it stood on the decision date, computed from the events up to
that day only, so it never drifts. Its **latest reading** is like-for-like with the target: a
yearly value is read over the twelve months to the end of the last complete quarter (a year's
target is a number per year; a calendar year would only move once a year), a quarterly or
monthly value over its last complete period. The **status** follows :data:`RULES`, the text
leadership reads under Sources, from :func:`status_of`, the code that applies it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mdm.metrics.definitions import DEFINITIONS
from mdm.params.models import Ask, Effect, ValueSpec, quarter_index
from mdm.report.charts import Chart
from mdm.report.effects import target_of
from mdm.report.evidence import Research, Value, compute_result, format_value, value_cut
from mdm.report.figures import PALETTE, _style, new_figure

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

__all__ = [
    "MIN_QUARTERS",
    "RULES",
    "STATUSES",
    "TOLERANCE",
    "EffectProgress",
    "Measures",
    "Reading",
    "complete_quarters",
    "effect_progress",
    "expected_at",
    "progress_chart",
    "quarter_end",
    "quarter_of",
    "status_of",
]

STATUSES = ("achieved", "on track", "behind", "too early to tell")
TOLERANCE = 0.25
"""How far below the straight path an effect may be, as a share of the change it promised."""
MIN_QUARTERS = 2
"""Complete quarters after the decision's quarter before a status is given."""
RULES = {
    "too early to tell": (
        f"fewer than {MIN_QUARTERS} complete quarters have passed since the quarter of the "
        "decision when the latest reading ends, or there is no reading yet."
    ),
    "achieved": "the latest reading has reached the target (at or above it when the target is "
    "above the baseline, at or below it when the target is below).",
    "on track": "not achieved yet, the target's quarter has not ended, and the latest reading "
    "is no further from the target than the straight path from the baseline (on the decision "
    "date) to the target (on the last day of its quarter) is on the day the reading ends, "
    f"plus {TOLERANCE:.0%} of the change promised.",
    "behind": "any other case, including a target whose quarter ended before it was reached.",
}
"""The status rules, as leadership reads them (Sources, docs/reports.md)."""


def quarter_end(quarter: str) -> dt.date:
    """The last day of ``YYYY-QN``."""
    index = quarter_index(quarter) + 1
    return dt.date(index // 4, index % 4 * 3 + 1, 1) - dt.timedelta(days=1)


def quarter_of(day: dt.date) -> str:
    """``YYYY-QN`` of the quarter ``day`` falls in."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def complete_quarters(decided: dt.date, measured: dt.date) -> int:
    """Whole quarters after the decision's quarter that had ended by ``measured``."""
    after = quarter_index(quarter_of(measured + dt.timedelta(days=1)))
    return after - quarter_index(quarter_of(decided)) - 1


def expected_at(
    baseline: float, target: float, decided: dt.date, due: dt.date, day: dt.date
) -> float:
    """Where the straight path from the baseline (on ``decided``) to the target (on ``due``)
    is on ``day``; before and after, its ends."""
    span = max((due - decided).days, 1)
    share = min(max((day - decided).days / span, 0.0), 1.0)
    return baseline + (target - baseline) * share


def status_of(
    *,
    baseline: float | None,
    target: float | None,
    decided: dt.date,
    due: dt.date,
    latest: float | None,
    measured: dt.date | None,
) -> str:
    """The status of one effect by :data:`RULES`: achieved, on track, behind, too early to tell."""
    if latest is None or measured is None or baseline is None or target is None:
        return "too early to tell"
    if complete_quarters(decided, measured) < MIN_QUARTERS:
        return "too early to tell"
    up = 1.0 if target >= baseline else -1.0
    if up * (latest - target) >= 0:
        return "achieved"
    if measured >= due:
        return "behind"
    path = expected_at(baseline, target, decided, due, measured)
    slack = TOLERANCE * abs(target - baseline)
    return "on track" if up * (latest - path) >= -slack else "behind"


@dataclass(frozen=True)
class Reading:
    """A value of a measure over one period: the number, the period named, its last day."""

    value: float | None
    period: str
    end: dt.date | None


class Measures:
    """Readings of topics' values on any day, from one project's events (each computed once)."""

    def __init__(self, research: Research) -> None:
        self.research = research
        self._results: dict[str, pd.DataFrame] = {}
        self._moved: dict[tuple[pd.Timestamp | None, int], pd.DataFrame] = {}

    def baseline(self, spec: ValueSpec, day: dt.date) -> Reading:
        """The value as the documents stated it on ``day``, by the rule of
        :func:`~mdm.report.evidence.value_of`: its last complete period with a value, counting
        no event after ``day``."""
        spec = spec.model_copy(update={"as_of": day, "value": "latest"})
        stated = [r for r in self._periods(spec, day, dt.date.min) if r.value is not None]
        return stated[-1] if stated else Reading(None, "n/a", None)

    def latest(self, spec: ValueSpec, day: dt.date) -> Reading:
        """The reading that ends last on or before ``day``."""
        # every period a reading covers (month, quarter, twelve months to a quarter's end)
        # ends within the last quarter, which is at most 92 days long
        readings = self.series(spec, day, day - dt.timedelta(days=92))
        return readings[-1] if readings else Reading(None, "n/a", None)

    def series(self, spec: ValueSpec, day: dt.date, since: dt.date) -> list[Reading]:
        """Readings ending from ``since`` to ``day``, counting no event after ``day``: a yearly
        value over the twelve months to each quarter's end, others per complete period."""
        spec = spec.model_copy(update={"as_of": day, "value": "latest"})
        if spec.freq != "Y":
            return self._periods(spec, day, since)
        ends, end = [], _last_quarter_end(day)
        while end >= since:
            ends.append(end)
            end = _quarter_start(end) - dt.timedelta(days=1)
        # one computation per quarter of the year serves every year's reading of that quarter
        read = {e: self._year_to(spec, e) for e in sorted(ends, key=lambda e: e.month)}
        return [read[e] for e in reversed(ends)]

    def _periods(self, spec: ValueSpec, day: dt.date, since: dt.date) -> list[Reading]:
        import pandas as pd

        result = self._result(spec, 0)
        column = spec.column or DEFINITIONS[spec.metric].columns[0].name
        readings = []
        for period, number in zip(result["period"], result[column], strict=True):
            end = pd.Period(period).end_time.date()
            if since <= end <= day:
                value = None if pd.isna(number) else float(number)
                readings.append(Reading(value, _period_name(pd.Period(period)), end))
        return readings

    def _year_to(self, spec: ValueSpec, end: dt.date) -> Reading:
        """The value over the twelve months to ``end`` (a quarter's last day).

        Every event is moved forward by the days from the day after ``end`` to the next
        1 January, so those twelve months become one calendar year and the metric's own yearly
        computation counts them. From the first day of a quarter to 1 January is the same
        number of days in either year (no February lies between), so the window is exactly the
        twelve months; durations (response times, conversion windows) are unchanged.
        """
        after = end + dt.timedelta(days=1)
        new_year = dt.date(after.year + (after != dt.date(after.year, 1, 1)), 1, 1)
        shift, year = (new_year - after).days, new_year.year - 1
        result = self._result(spec, shift)
        column = spec.column or DEFINITIONS[spec.metric].columns[0].name
        rows = result[[p.year == year for p in result["period"]]]
        value = None if rows.empty or rows[column].isna().iloc[0] else float(rows[column].iloc[0])
        name = str(year) if shift == 0 else f"the 12 months to {end:%B %Y}"
        return Reading(value, name, end)

    def _result(self, spec: ValueSpec, shift: int) -> pd.DataFrame:
        """The metric over the events up to ``spec.as_of``, moved ``shift`` days forward."""
        research = self.research
        cut = value_cut(research.project, spec, research.last_event(), research.document)
        key = f"{spec.model_dump_json(exclude={'value', 'as_of'})}<{cut}+{shift}"
        if key not in self._results:
            events = self._events(cut, shift)
            min_group = research.paths.min_group
            self._results[key] = compute_result(events, spec, None, min_group)
        return self._results[key]

    def _events(self, cut: pd.Timestamp | None, shift: int) -> pd.DataFrame:
        """The events before ``cut``, moved ``shift`` days forward (kept: the next metric of
        the same report reads the same)."""
        import pandas as pd

        if (cut, 0) not in self._moved:
            events = self.research.events
            events = events if cut is None else events[events["timestamp"] < cut]
            # ids as a categorical in order of appearance, as the evidence store computes its
            # results: every metric then takes the codes as they are (the same counts, faster)
            codes, labels = pd.factorize(events["contributor_id"])
            people = pd.Categorical.from_codes(codes, categories=pd.Index(labels), validate=False)
            self._moved[(cut, 0)] = events.assign(contributor_id=people)
        if (cut, shift) not in self._moved:
            events = self._moved[(cut, 0)]
            moved = events["timestamp"] + pd.Timedelta(days=shift)
            self._moved[(cut, shift)] = events.assign(timestamp=moved)
        return self._moved[(cut, shift)]


def _quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def _last_quarter_end(day: dt.date) -> dt.date:
    """The last day of the last quarter that had ended by ``day`` (``day``, if it ends one)."""
    following = day + dt.timedelta(days=1)
    return day if following == _quarter_start(following) else _quarter_start(day) - dt.timedelta(1)


def _period_name(period: pd.Period) -> str:
    freq = period.freqstr[0]
    if freq == "Q":
        return f"Q{period.quarter} {period.year}"
    return period.strftime("%B %Y") if freq == "M" else str(period.year)


@dataclass(frozen=True)
class EffectProgress:
    """One ask's effect on the report's day: baseline, latest reading, target, status."""

    spec: ValueSpec
    baseline: Reading
    decided: dt.date
    target: float | None
    by: str
    latest: Reading
    status: str
    series: tuple[Reading, ...] = ()

    @property
    def what(self) -> str:
        return DEFINITIONS[self.spec.metric].title

    @property
    def measure(self) -> str:
        """The metric and what it counts: ``Contributors (activity type recognition)``."""
        chosen = [
            f"{key.replace('_', ' ')} {value if isinstance(value, str) else ' or '.join(value)}"
            for key, value in self.spec.filters().items()
        ]
        return self.what + (f" ({'; '.join(chosen)})" if chosen else "")

    @property
    def unit(self) -> str:
        return Value(self.spec, None, None, None).unit

    @property
    def due(self) -> dt.date:
        return quarter_end(self.by)

    @property
    def expected(self) -> float | None:
        """Where the straight path is on the day the latest reading ends."""
        b, t, end = self.baseline.value, self.target, self.latest.end
        if b is None or t is None or end is None:
            return None
        return expected_at(b, t, self.decided, self.due, end)

    def show(self, number: float | None) -> str:
        """A number of this measure as prose shows it: 1,234 · 23% · 5.2 hours."""
        return format_value(Value(self.spec.model_copy(update={"value": "latest"}), number, "", ""))


def effect_progress(
    measures: Measures,
    spec: ValueSpec,
    effect: Effect,
    ask: Ask,
    decided: dt.date,
    day: dt.date,
    *,
    history: bool = True,
) -> EffectProgress:
    """The effect of ``ask`` on ``day``, decided on ``decided``; ``history``: with the readings
    from a year before the decision on, for its chart."""
    baseline = measures.baseline(spec, decided)
    target = target_of(effect, baseline.value)
    by = effect.by or ask.end
    since = decided - dt.timedelta(days=366) if history else day
    series = measures.series(spec, day, since)
    latest = series[-1] if series else Reading(None, "n/a", None)
    status = status_of(
        baseline=baseline.value,
        target=target,
        decided=decided,
        due=quarter_end(by),
        latest=latest.value,
        measured=latest.end,
    )
    return EffectProgress(spec, baseline, decided, target, by, latest, status, tuple(series))


def progress_chart(effect: EffectProgress, title: str) -> Chart:
    """The measure over time with the baseline, the decision date, the straight path and the
    target marked; its alt text states the same numbers."""
    fig = new_figure(6.4, 2.6)
    ax = fig.axes[0]
    shown = [r for r in effect.series if r.value is not None and r.end is not None]
    decided, due = effect.decided.toordinal(), effect.due.toordinal()
    with _style():
        if shown:
            ax.plot(
                [r.end.toordinal() for r in shown if r.end is not None],
                [r.value for r in shown if r.value is not None],
                marker="o",
                markersize=3,
                color=PALETTE[0],
                label="reading",
            )
        ax.axvline(decided, color="#555555", linestyle=":", linewidth=1)
        if effect.baseline.value is not None and effect.target is not None:
            ax.plot(
                [decided, due],
                [effect.baseline.value, effect.target],
                linestyle="--",
                color=PALETTE[1],
                label="path to target",
            )
            ax.plot([decided], [effect.baseline.value], "s", color=PALETTE[1])
            ax.plot([due], [effect.target], "*", markersize=10, color=PALETTE[5])
        _axes(ax, effect, title, [r.end for r in shown if r.end is not None])
    return Chart(fig, _alt(effect, shown))


def _axes(ax: Axes, effect: EffectProgress, title: str, ends: list[dt.date]) -> None:
    from matplotlib.ticker import PercentFormatter

    ax.set_title(title)
    first = min([effect.decided, *ends])
    last = max([effect.due, *ends])
    # a tick at the start of each half year, labelled as a month
    ticks = [
        dt.date(year, month, 1)
        for year in range(first.year, last.year + 2)
        for month in (1, 7)
        if first <= dt.date(year, month, 1) <= last + dt.timedelta(days=31)
    ]
    ax.set_xticks([t.toordinal() for t in ticks], [f"{t:%b %Y}" for t in ticks])
    ax.set_ylim(bottom=0)  # counts and shares from zero: a cut axis makes a change look large
    if effect.unit == "share":
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.text(
        effect.decided.toordinal(),
        0.02,
        " decision",
        transform=ax.get_xaxis_transform(),
        fontsize=8,
    )
    ax.legend(fontsize=8, loc="lower right")


def _alt(effect: EffectProgress, shown: list[Reading]) -> str:
    what = effect.what.lower()
    text = f"Line chart of {what}"
    if shown:
        text += (
            f", readings from {shown[0].period} to {shown[-1].period}; latest "
            f"{effect.show(shown[-1].value)}"
        )
    else:
        text += ": no reading yet"
    text += (
        f". Baseline {effect.show(effect.baseline.value)} ({effect.baseline.period}) on the "
        f"decision date, {effect.decided:%-d %B %Y}"
    )
    if effect.target is not None:
        text += f"; target {effect.show(effect.target)} by {effect.due:%-d %B %Y}"
    return text + "."
