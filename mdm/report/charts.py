"""Charts of metric results, in one house style, each with alt text that states its numbers.

Every chart function returns a :class:`Chart`: the matplotlib ``Figure`` (made by
:func:`mdm.report.figures.new_figure`, never through pyplot, so nothing is registered
globally) and an alt-text sentence built from the same data, so the two cannot drift
apart. A ``Chart`` unpacks as ``figure, alt``; :func:`mdm.report.figures.figure_html`
embeds it.

Generic forms: :func:`lines`, :func:`stacked`, :func:`heatmap`, :func:`bars`,
:func:`likert`. Which form shows which metric, with which labels, is the registry's
(:class:`mdm.metrics.definitions.ChartForm`, drawn by :func:`mdm.report.evidence.draw`).
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pandas as pd

from mdm.report.figures import PALETTE, _style, new_figure

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.axis import Axis
    from matplotlib.figure import Figure

__all__ = [
    "Chart",
    "bars",
    "heatmap",
    "likert",
    "lines",
    "period_text",
    "stacked",
]

_PERIOD_NAMES = {"M": "month", "Q": "quarter", "Y": "year"}
# diverging palette (ColorBrewer RdBu): disagreement red, agreement blue, neutral grey
_LIKERT = ["#B2182B", "#EF8A62", "#CCCCCC", "#67A9CF", "#2166AC"]


class Chart(NamedTuple):
    """A figure and the alt-text sentence describing its data."""

    figure: Figure
    alt: str


@contextmanager
def _drawing() -> Iterator[None]:
    # titles and labels read the rc settings when drawn, so draw inside the house style
    with _style():
        yield


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 10 or float(value).is_integer() else f"{value:.2f}"


def _pct(value: float) -> str:
    return f"{value:.0%}"


def period_text(period: object) -> str:
    """``2017``, ``2017-Q4`` or ``2017-12``: a period on an axis as captions and prose tables name
    it (pandas writes a quarter ``2017Q4``)."""
    return re.sub(r"^(\d{4})Q([1-4])$", r"\1-Q\2", str(period))


def _counts(axis: Axis, values: Any) -> None:
    """An axis of whole numbers (people, events, money) ticks at whole numbers only, written
    with thousands separators; any other axis keeps matplotlib's ticks."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    numbers = np.asarray(values, dtype=float)
    numbers = numbers[np.isfinite(numbers)]
    if numbers.size and np.all(numbers == np.round(numbers)):
        axis.set_major_locator(MaxNLocator(integer=True))
        axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))


def _period_word(index: pd.Index) -> str:
    """ "quarter" for quarterly periods, and so on; "period" for anything else."""
    if isinstance(index, pd.PeriodIndex):
        return _PERIOD_NAMES.get(index.freqstr[0], "period")
    return "period"


def _label_x(ax: Axes, labels: list[str], xlabel: str) -> None:
    step = max(1, len(labels) // 12)  # at most about a dozen readable labels
    ax.set_xticks(range(0, len(labels), step), labels[::step], rotation=45, ha="right")
    ax.set_xlabel(xlabel)


def _empty(title: str, xlabel: str, ylabel: str) -> Chart:
    fig = new_figure()
    ax = fig.axes[0]
    with _drawing():
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.text(0.5, 0.5, "No data", ha="center", va="center", transform=ax.transAxes)
    return Chart(fig, f"Empty chart of {title.lower()}: there is no data to show.")


# --- generic forms ------------------------------------------------------------------------------


def lines(
    frame: pd.DataFrame,
    value: str,
    *,
    title: str,
    ylabel: str,
    group: str | None = None,
    top: int = 6,
    percent: bool = False,
) -> Chart:
    """One line per group over periods: the ``top`` largest groups, the rest summed as Other.

    Suppressed (missing) values leave gaps rather than drawing zeros.
    """
    if frame.empty:
        return _empty(title, "Period", ylabel)
    if group:
        table = frame.pivot(index="period", columns=group, values=value).astype(float)
        order = list(table.sum().sort_values(ascending=False).index)
        if len(order) > top:
            table = table[order[:top]].assign(Other=table[order[top:]].sum(axis=1, min_count=1))
        else:
            table = table[order]
    else:
        table = frame.set_index("period")[[value]].astype(float)
    word = _period_word(table.index)
    x = [period_text(p) for p in table.index]
    fig = new_figure()
    ax = fig.axes[0]
    with _drawing():
        for column in table.columns:
            ax.plot(x, table[column].to_numpy(), marker="o", markersize=3, label=str(column))
        ax.set_title(title)
        ax.set_ylabel(ylabel)
        _label_x(ax, x, word.capitalize())
        if percent:
            _shares(ax.yaxis)
        else:
            _counts(ax.yaxis, table.to_numpy())
        # counts and shares start at zero: a cut axis makes a small change look large
        ax.set_ylim(bottom=0)
        if group:
            ax.legend(fontsize=8, ncol=2)
    shown = _pct if percent else _fmt
    totals = table.sum(axis=1, min_count=1).dropna()
    what = ylabel.lower() + (f" by {group}" if group else "")
    alt = f"Line chart of {what} per {word}, {x[0]}–{x[-1]}"
    if len(totals):
        peak = period_text(totals.idxmax())
        label = "highest total" if group and len(table.columns) > 1 else "highest"
        alt += f"; {label} {shown(totals.max())} in {peak}, latest {shown(totals.iloc[-1])}"
        alt += f" in {period_text(totals.index[-1])}"
    if table.isna().to_numpy().any():
        alt += "; gaps are values hidden to protect small groups"
    return Chart(fig, alt + ".")


def stacked(
    frame: pd.DataFrame,
    parts: list[str],
    *,
    title: str,
    ylabel: str,
    kind: str = "area",
    colours: list[str] | None = None,
    period: str = "",
) -> Chart:
    """Stacked area (``kind="area"``) or stacked bars (``"bars"``) of ``parts`` over periods.

    ``colours`` fixes one colour per part (categories keep their colour across charts);
    ``period`` names the periods ("quarter") when they are plain labels.
    """
    if frame.empty:
        return _empty(title, "Period", ylabel)
    word = period or _period_word(pd.Index(frame["period"]))
    colours = colours or PALETTE[: len(parts)]
    x = [period_text(p) for p in frame["period"]]
    values = [frame[p].to_numpy(dtype=float) for p in parts]
    fig = new_figure()
    ax = fig.axes[0]
    with _drawing():
        if kind == "area":
            ax.stackplot(range(len(x)), values, labels=parts, colors=colours, alpha=0.85)
        else:
            bottom = np.zeros(len(x))
            for part, height, colour in zip(parts, values, colours, strict=False):
                ax.bar(range(len(x)), height, bottom=bottom, label=part, color=colour)
                bottom += height
        ax.set_title(title)
        ax.set_ylabel(ylabel)
        _label_x(ax, x, word.capitalize())
        _counts(ax.yaxis, np.concatenate([*values, np.sum(values, axis=0)]))
        ax.set_ylim(bottom=0)
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1), borderaxespad=0)
    last = frame.iloc[-1]
    totals = np.sum(values, axis=0)
    peak = int(np.argmax(totals))
    form = "area" if kind == "area" else "bar"
    alt = (
        f"Stacked {form} chart of {ylabel.lower()} per {word}, {x[0]}–{x[-1]}; in {x[-1]}: "
        + ", ".join(f"{p} {_fmt(float(last[p]))}" for p in parts)
        + f"; highest total {_fmt(float(totals[peak]))} in {x[peak]}."
    )
    return Chart(fig, alt)


def heatmap(
    matrix: pd.DataFrame,
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    percent: bool = False,
    annotate: bool | None = None,
) -> Chart:
    """A labelled heat map; missing cells (not observable, or suppressed) stay blank.

    Cells are annotated with their values when there are at most 120 of them (or as
    ``annotate`` says).
    """
    flat = matrix.stack().dropna() if matrix.size else pd.Series(dtype=float)
    if flat.empty:
        return _empty(title, xlabel, ylabel)
    data = matrix.to_numpy(dtype=float)
    shown = _pct if percent else _fmt
    fig = new_figure(height=max(2.6, 0.32 * len(matrix) + 1.4))
    ax = fig.axes[0]
    with _drawing():
        # a mesh of vector cells: imshow would embed a bitmap in the SVG
        image = ax.pcolormesh(
            np.arange(matrix.shape[1] + 1) - 0.5,
            np.arange(matrix.shape[0] + 1) - 0.5,
            np.ma.masked_invalid(data),
            cmap="Blues",
            edgecolors="none",
        )
        ax.set_xlim(-0.5, matrix.shape[1] - 0.5)
        ax.set_ylim(matrix.shape[0] - 0.5, -0.5)
        ax.set_xticks(range(matrix.shape[1]), [period_text(c) for c in matrix.columns], fontsize=7)
        ax.set_yticks(range(matrix.shape[0]), [period_text(i) for i in matrix.index], fontsize=7)
        ax.grid(False)
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        if annotate if annotate is not None else matrix.size <= 120:
            for (i, j), value in np.ndenumerate(data):
                if not np.isnan(value):
                    colour = _readable_on(tuple(image.cmap(image.norm(value))))
                    ax.text(j, i, shown(value), ha="center", va="center", fontsize=6, color=colour)
        colorbar = fig.colorbar(image, ax=ax, shrink=0.8)
        if colorbar.solids is not None:
            colorbar.solids.set_rasterized(False)  # matplotlib rasterises long colour ramps
        if percent:
            colorbar.formatter = _percent_formatter()
            colorbar.update_ticks()
        else:
            _counts(colorbar.ax.yaxis, flat.to_numpy())
    top, low = flat.idxmax(), flat.idxmin()
    row, column = ylabel.lower(), xlabel.lower()
    alt = (
        f"Heat map of {title[0].lower() + title[1:]}: highest {shown(flat.max())} at {row} "
        f"{period_text(top[0])}, {column} {period_text(top[1])}; lowest {shown(flat.min())} at "
        f"{row} {period_text(low[0])}, {column} {period_text(low[1])}."
    )
    return Chart(fig, alt)


def _luminance(rgb: Sequence[float]) -> float:
    """WCAG 2 relative luminance of an sRGB colour (components 0..1)."""
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb[:3]]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _readable_on(background: Sequence[float]) -> str:
    """Black or white, whichever contrasts more with the cell's own colour.

    Decided by the colour the cell is drawn in, not by its value: the colour scale runs from
    the smallest value shown, so a 69% can be the palest cell of the map.
    """
    light = _luminance(background)
    return "black" if (light + 0.05) / 0.05 >= 1.05 / (light + 0.05) else "white"


def _percent_formatter() -> Any:
    from matplotlib.ticker import FuncFormatter

    # as many decimals as the tick needs and no more: 5%, 2.5% (never "2%" for 2.5%)
    return FuncFormatter(lambda v, _: f"{round(v * 100, 6) + 0.0:g}%")  # + 0.0: never "-0%"


def _shares(axis: Axis) -> None:
    """An axis of shares: ticks at whole percents where the range allows, written as %."""
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(steps=[1, 2, 5, 10]))
    axis.set_major_formatter(_percent_formatter())


def bars(
    series: pd.Series,
    *,
    title: str,
    xlabel: str,
    horizontal: bool = True,
    percent: bool = False,
    ylabel: str = "",
) -> Chart:
    """Bars of a labelled series in its order (hidden, missing values left out)."""
    hidden = int(series.isna().sum())
    series = series.dropna().astype(float)
    if series.empty:
        return _empty(title, xlabel, ylabel)
    labels = [str(i) for i in series.index]
    category = ylabel or (str(series.index.name).capitalize() if series.index.name else "")
    shown = _pct if percent else _fmt
    fig = new_figure(height=max(2.4, 0.3 * len(series) + 1.2) if horizontal else 3.6)
    ax = fig.axes[0]
    with _drawing():
        if horizontal:
            ax.barh(labels[::-1], series.to_numpy()[::-1], color=PALETTE[0])
            ax.set_xlabel(xlabel)
            ax.set_ylabel(category)
            ax.grid(axis="y", visible=False)
        else:
            ax.bar(labels, series.to_numpy(), color=PALETTE[0])
            ax.set_ylabel(xlabel)
            ax.set_xlabel(category)
            ax.tick_params(axis="x", rotation=45)
        ax.set_title(title)
        value_axis = ax.xaxis if horizontal else ax.yaxis
        if percent:
            _shares(value_axis)
        else:
            _counts(value_axis, series.to_numpy())
    alt = (
        f"Bar chart of {xlabel[0].lower() + xlabel[1:]}: "
        + "; ".join(f"{k} {shown(float(v))}" for k, v in series.head(8).items())
        + (f"; and {len(series) - 8} more" if len(series) > 8 else "")
        + (f"; {hidden} small group{'s' if hidden > 1 else ''} hidden" if hidden else "")
        + "."
    )
    return Chart(fig, alt)


def likert(shares: pd.DataFrame, *, title: str) -> Chart:
    """Diverging bars: question × level → share, levels ordered negative → positive.

    With an odd number of levels the middle one is neutral and straddles zero;
    disagreement extends left, agreement right.
    """
    levels = [str(level) for level in shares.columns]
    middle = len(levels) // 2
    neutral = levels[middle] if len(levels) % 2 else None
    values = shares.astype(float).set_axis(levels, axis=1)
    colours = (
        _LIKERT if len(levels) == 5 else [PALETTE[i % len(PALETTE)] for i in range(len(levels))]
    )
    left = -(values[levels[:middle]].sum(axis=1) + (values[neutral] / 2 if neutral else 0))
    fig = new_figure(height=max(2.8, 0.55 * len(values) + 2.0))
    ax = fig.axes[0]
    questions = ["\n".join(textwrap.wrap(str(q), 38)) for q in values.index]
    with _drawing():
        start = left.to_numpy(dtype=float)
        for level, colour in zip(levels, colours, strict=False):
            width = values[level].to_numpy(dtype=float)
            ax.barh(questions, width, left=start, color=colour, label=level)
            start = start + width
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_xlim(-1, 1)
        ax.xaxis.set_major_formatter(lambda v, _: f"{abs(v):.0%}")
        ax.set_xlabel("Share of respondents (disagree ← → agree)")
        ax.set_ylabel("Statement")
        ax.set_title(title)
        ax.invert_yaxis()
        ax.grid(axis="y", visible=False)
        # at most three levels per legend row, so long labels ("Strongly agree") are never cut
        ax.legend(
            fontsize=7, ncol=min(len(levels), 3), loc="upper center", bbox_to_anchor=(0.5, -0.28)
        )
    agree = values[levels[middle + (1 if neutral else 0) :]].sum(axis=1)
    disagree = values[levels[:middle]].sum(axis=1)
    alt = (
        "Diverging bar chart of survey answers: "
        + "; ".join(
            f"“{q}” {_pct(agree[q])} agree, {_pct(disagree[q])} disagree" for q in values.index
        )
        + "."
    )
    return Chart(fig, alt)
