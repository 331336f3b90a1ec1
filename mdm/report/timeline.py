"""The project timeline as a Gantt-style chart of milestones by quarter."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from mdm.params.models import Milestone
from mdm.report.figures import PALETTE, new_figure

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["phase_colours", "timeline_alt", "timeline_chart"]

# status as fill (no hatching: hatch patterns made each chart's SVG ~300 KB):
# done solid, in progress half-filled, planned an outline, at risk solid with a red edge
_STATUS_STYLE: dict[str, dict[str, object]] = {
    "done": {"alpha": 1.0, "fill": True, "edge": "white", "width": 0.5},
    "in_progress": {"alpha": 0.55, "fill": True, "edge": "white", "width": 0.5},
    "planned": {"alpha": 1.0, "fill": False, "edge": None, "width": 1.5},
    "at_risk": {"alpha": 1.0, "fill": True, "edge": "#B42318", "width": 2.5},
}


def _bar_style(status: str, colour: str) -> dict[str, Any]:
    style = _STATUS_STYLE[status]
    return {
        "facecolor": colour if style["fill"] else "white",
        "alpha": style["alpha"],
        "edgecolor": style["edge"] or colour,
        "linewidth": style["width"],
    }


def _label(index: int) -> str:
    return f"{index // 4}-Q{index % 4 + 1}"


def phase_colours(phases: Sequence[str]) -> dict[str, str]:
    """One colour per phase, by the phase's place in the whole project timeline."""
    ordered = list(dict.fromkeys(phases))
    return {phase: PALETTE[i % len(PALETTE)] for i, phase in enumerate(ordered)}


def timeline_chart(
    milestones: Sequence[Milestone], title: str = "Timeline", phases: Sequence[str] = ()
) -> Figure:
    """One bar per milestone in its quarter, coloured by phase, filled by status.

    ``phases`` is the whole project's phase order, so a phase keeps its colour in every
    chart that shows only some milestones. Owners are listed in the table beside it.
    """
    fig = new_figure(width=7.5, height=0.45 * max(len(milestones), 2) + 1.6)
    ax = fig.axes[0]
    colours = phase_colours([*phases, *(m.phase for m in milestones)])
    first = min((m.quarter_index for m in milestones), default=0)
    last = max((m.quarter_index for m in milestones), default=0)
    for row, m in enumerate(milestones):
        ax.barh(
            row,
            0.9,
            left=m.quarter_index - 0.45,
            label=m.phase,
            **_bar_style(m.status, colours[m.phase]),
        )
        # labels of late milestones go left of their bar, so no label runs off the chart
        late = last > first and m.quarter_index > (first + last) / 2
        label = ax.annotate(
            m.title,
            (m.quarter_index + (-0.5 if late else 0.5), row),
            xytext=(-4 if late else 4, 0),
            textcoords="offset points",
            va="center",
            ha="right" if late else "left",
            fontsize=8,
        )
        label.set_in_layout(False)  # labels may cross quarters; the layout is the axes'
    if milestones:
        ax.set_xticks(
            range(first, last + 1), [_label(q) for q in range(first, last + 1)], fontsize=8
        )
        # room for the labels of a single-quarter chart or of early milestones
        ax.set_xlim(first - 0.6 - (2.5 if first == last else 0), last + 2.5)
    ax.set_yticks(range(len(milestones)), [""] * len(milestones))
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    ax.set_xlabel("Quarter")
    ax.set_ylabel("Milestone")
    ax.set_title(title)
    shown = {m.phase: colours[m.phase] for m in milestones}
    _legends(ax, milestones, shown)
    return fig


def _legends(ax: Axes, milestones: Sequence[Milestone], colours: dict[str, str]) -> None:
    """Phase colours and status fills, each explained in its own legend under the chart."""
    from matplotlib.patches import Patch

    phase_legend = ax.legend(
        [Patch(facecolor=colour, edgecolor="white") for colour in colours.values()],
        list(colours),
        loc="upper left",
        bbox_to_anchor=(0, -0.2),
        ncol=min(len(colours), 3),
        fontsize=8,
        title="Phase",
        title_fontsize=8,
    )
    ax.add_artist(phase_legend)
    statuses = [s for s in _STATUS_STYLE if any(m.status == s for m in milestones)]
    handles: list[Any] = [Patch(**_bar_style(s, "#666666")) for s in statuses]
    ax.legend(
        handles,
        [s.replace("_", " ") for s in statuses],
        loc="upper right",
        bbox_to_anchor=(1, -0.2),
        ncol=min(len(statuses), 2),
        fontsize=8,
        title="Status",
        title_fontsize=8,
    )


def timeline_alt(milestones: Sequence[Milestone]) -> str:
    """Alt text that states what the chart shows."""
    if not milestones:
        return "Timeline chart with no milestones."
    quarters = sorted({m.quarter for m in milestones})
    return (
        f"Timeline chart of {len(milestones)} milestones from {quarters[0]} to {quarters[-1]}: "
        + "; ".join(f"{m.quarter} {m.title} ({m.status.replace('_', ' ')})" for m in milestones)
        + "."
    )


def span(milestones: list[Milestone]) -> str:
    """``2017-Q3–2018-Q4``: the quarters the milestones cover."""
    ordered = sorted(milestones, key=lambda m: m.quarter_index)
    first, last = ordered[0].quarter, ordered[-1].quarter
    return first if first == last else f"{first}–{last}"
