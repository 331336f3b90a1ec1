"""Charts of metric results, in one house style, each with alt text stating its numbers.

Every function returns ``(figure, alt_text)``; :func:`mdm.figures.figure_html`
embeds the figure. No pyplot: figures are never registered globally.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from mdm.figures import PALETTE, new_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["bars", "heatmap", "likert", "lines", "stacked"]

Chart = tuple["Figure", str]


def _label(value: object) -> str:
    return str(value)


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 10 or float(value).is_integer() else f"{value:.2f}"


def lines(
    frame: pd.DataFrame,
    value: str,
    *,
    title: str,
    ylabel: str,
    group: str | None = None,
    top: int = 6,
) -> Chart:
    """One line per group over periods (the ``top`` largest groups; the rest summed as Other)."""
    fig = new_figure()
    ax = fig.axes[0]
    if group:
        table = frame.pivot_table(
            index="period", columns=group, values=value, aggfunc="sum", observed=True
        ).fillna(0)
        order = table.sum().sort_values(ascending=False).index
        if len(order) > top:
            table = table[list(order[:top])].assign(Other=table[list(order[top:])].sum(axis=1))
        else:
            table = table[list(order)]
    else:
        table = frame.set_index("period")[[value]]
    x = [_label(p) for p in table.index]
    for column in table.columns:
        ax.plot(x, table[column].to_numpy(), marker="o", markersize=3, label=str(column))
    ax.set_title(title)
    ax.set_xlabel("Period")
    ax.set_ylabel(ylabel)
    _thin_ticks(ax, x)
    if group:
        ax.legend(fontsize=8, ncol=2)
    totals = table.sum(axis=1)
    peak = totals.idxmax() if len(totals) else None
    alt = (
        f"Line chart of {ylabel.lower()} per period from {x[0]} to {x[-1]}"
        + (f", by {group}" if group else "")
        + (
            f"; highest total {_fmt(totals.max())} in {peak}, latest {_fmt(totals.iloc[-1])}."
            if len(totals)
            else "."
        )
    )
    return fig, alt


def _thin_ticks(ax: object, labels: list[str]) -> None:
    step = max(1, len(labels) // 12)
    ax.set_xticks(range(0, len(labels), step), labels[::step], rotation=45, ha="right")  # type: ignore[attr-defined]


def stacked(
    frame: pd.DataFrame, parts: list[str], *, title: str, ylabel: str, kind: str = "area"
) -> Chart:
    """Stacked area (or bars) of ``parts`` over periods."""
    fig = new_figure()
    ax = fig.axes[0]
    x = [_label(p) for p in frame["period"]]
    values = [frame[p].to_numpy(dtype=float) for p in parts]
    if kind == "area":
        ax.stackplot(range(len(x)), values, labels=parts, colors=PALETTE[: len(parts)], alpha=0.85)
    else:
        bottom = np.zeros(len(x))
        for part, vals, colour in zip(parts, values, PALETTE, strict=False):
            ax.bar(range(len(x)), vals, bottom=bottom, label=part, color=colour)
            bottom += vals
    ax.set_title(title)
    ax.set_xlabel("Period")
    ax.set_ylabel(ylabel)
    _thin_ticks(ax, x)
    ax.legend(fontsize=8, loc="upper left")
    last = frame.iloc[-1] if len(frame) else None
    alt = (
        f"Stacked {'area' if kind == 'area' else 'bar'} chart of {ylabel.lower()} from {x[0]} "
        f"to {x[-1]}; in {x[-1]}: " + ", ".join(f"{p} {_fmt(float(last[p]))}" for p in parts) + "."
        if last is not None
        else f"Empty chart: {title}."
    )
    return fig, alt


def heatmap(
    matrix: pd.DataFrame, *, title: str, xlabel: str, ylabel: str, percent: bool = False
) -> Chart:
    """A labelled heat map; NaN cells (not observable) are left blank."""
    fig = new_figure(height=max(2.6, 0.32 * len(matrix) + 1.4))
    ax = fig.axes[0]
    data = matrix.to_numpy(dtype=float)
    image = ax.imshow(np.ma.masked_invalid(data), aspect="auto", cmap="Blues")
    ax.set_xticks(range(matrix.shape[1]), [str(c) for c in matrix.columns], fontsize=7)
    ax.set_yticks(range(matrix.shape[0]), [str(i) for i in matrix.index], fontsize=7)
    ax.grid(False)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if matrix.size <= 120:
        for (i, j), value in np.ndenumerate(data):
            if not np.isnan(value):
                text = f"{value:.0%}" if percent else _fmt(value)
                ax.text(
                    j,
                    i,
                    text,
                    ha="center",
                    va="center",
                    fontsize=6,
                    color="white" if value > np.nanmax(data) * 0.6 else "black",
                )
    fig.colorbar(image, ax=ax, shrink=0.8)
    flat = matrix.stack()
    top = flat.idxmax() if len(flat) else None
    shown = (lambda v: f"{v:.0%}") if percent else _fmt
    alt = (
        f"Heat map of {title.lower()}: {ylabel} by {xlabel}; highest {shown(flat.max())} at "
        f"{top[0]} / {top[1]}, lowest {shown(flat.min())}."
        if top is not None
        else f"Empty heat map: {title}."
    )
    return fig, alt


def bars(
    series: pd.Series, *, title: str, xlabel: str, horizontal: bool = True, percent: bool = False
) -> Chart:
    """Bars of a labelled series, largest first."""
    series = series.dropna()
    fig = new_figure(height=max(2.4, 0.3 * len(series) + 1.2) if horizontal else 3.6)
    ax = fig.axes[0]
    labels = [str(i) for i in series.index]
    if horizontal:
        ax.barh(labels[::-1], series.to_numpy()[::-1], color=PALETTE[0])
        ax.set_xlabel(xlabel)
        ax.grid(axis="y", visible=False)
    else:
        ax.bar(labels, series.to_numpy(), color=PALETTE[0])
        ax.set_ylabel(xlabel)
        ax.tick_params(axis="x", rotation=45)
    ax.set_title(title)
    shown = (lambda v: f"{v:.0%}") if percent else _fmt
    alt = (
        f"Bar chart of {xlabel.lower()}: "
        + "; ".join(f"{k} {shown(float(v))}" for k, v in series.head(8).items())
        + ("; and more." if len(series) > 8 else ".")
    )
    return fig, alt


def likert(shares: pd.DataFrame, *, title: str) -> Chart:
    """Diverging bars: question × ordered levels (negative → positive), centred on neutral."""
    levels = list(shares.columns)
    middle = len(levels) // 2
    neutral = levels[middle] if len(levels) % 2 else None
    fig = new_figure(height=max(2.4, 0.55 * len(shares) + 1.4))
    ax = fig.axes[0]
    colours = ["#B2182B", "#EF8A62", "#CCCCCC", "#67A9CF", "#2166AC"]
    colours = (
        colours if len(levels) == 5 else [PALETTE[i % len(PALETTE)] for i in range(len(levels))]
    )
    labels = [_wrap(q) for q in shares.index]
    left = -(shares[levels[:middle]].sum(axis=1) + (shares[neutral] / 2 if neutral else 0))
    start = left.to_numpy(dtype=float)
    for level, colour in zip(levels, colours, strict=False):
        width = shares[level].to_numpy(dtype=float)
        ax.barh(labels, width, left=start, color=colour, label=level)
        start = start + width
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlim(-1, 1)
    ax.xaxis.set_major_formatter(lambda v, _: f"{abs(v):.0%}")
    ax.set_xlabel("Share of respondents (disagree ← → agree)")
    ax.set_title(title, pad=22)
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    ax.legend(
        fontsize=7, ncol=len(levels), loc="lower center", bbox_to_anchor=(0.5, 1.02), frameon=False
    )
    positive = shares[levels[middle + (1 if neutral else 0) :]].sum(axis=1)
    alt = (
        "Diverging bar chart of survey answers: "
        + "; ".join(f"“{q}” {p:.0%} agree" for q, p in positive.items())
        + "."
    )
    return fig, alt


def _wrap(text: str, width: int = 38) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width))
