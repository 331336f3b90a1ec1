"""The project timeline as a Gantt-style chart of milestones by quarter."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from mdm.params.models import Milestone
from mdm.report.figures import PALETTE, new_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["timeline_alt", "timeline_chart"]

_STATUS_HATCH = {"done": "", "in_progress": "//", "planned": "..", "at_risk": "xx"}


def _label(index: int) -> str:
    return f"{index // 4}-Q{index % 4 + 1}"


def timeline_chart(
    milestones: Sequence[Milestone], owners: dict[str, str] | None = None, title: str = "Timeline"
) -> Figure:
    """One bar per milestone in its quarter, coloured by phase, hatched by status.

    With ``owners`` (stakeholder id → name) each label also names the owners and the status.
    """
    fig = new_figure(width=7.5, height=0.45 * max(len(milestones), 2) + 1.2)
    ax = fig.axes[0]
    phases = list(dict.fromkeys(m.phase for m in milestones))
    colours = {phase: PALETTE[i % len(PALETTE)] for i, phase in enumerate(phases)}
    for row, m in enumerate(milestones):
        ax.barh(
            row,
            0.9,
            left=m.quarter_index - 0.45,
            color=colours[m.phase],
            hatch=_STATUS_HATCH[m.status],
            edgecolor="white",
            label=m.phase,
        )
        ax.annotate(
            m.title,
            (m.quarter_index + 0.5, row),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
        )
    if milestones:
        first = min(m.quarter_index for m in milestones)
        last = max(m.quarter_index for m in milestones)
        ax.set_xticks(range(first, last + 1), [_label(q) for q in range(first, last + 1)])
        ax.set_xlim(first - 0.6, last + (6.5 if owners is not None else 3.5))  # room for labels
    ax.set_yticks(range(len(milestones)), [""] * len(milestones))
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    ax.set_xlabel("Quarter")
    ax.set_ylabel("Milestone")
    ax.set_title(title)
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles, strict=True))
    ax.legend(
        unique.values(),
        unique.keys(),
        loc="upper left",
        bbox_to_anchor=(0, -0.22),
        ncol=min(len(unique), 4),
        fontsize=8,
        title="Phase",
        title_fontsize=8,
    )
    return fig


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
