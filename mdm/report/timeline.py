"""The project timeline as a Gantt-style chart of milestones by quarter."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from mdm.params.models import Milestone
from mdm.report.figures import PALETTE, new_figure

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["phase_colours", "timeline_alt", "timeline_chart"]

_STATUS_HATCH = {"done": "", "in_progress": "//", "planned": "..", "at_risk": "xx"}


def _label(index: int) -> str:
    return f"{index // 4}-Q{index % 4 + 1}"


def phase_colours(phases: Sequence[str]) -> dict[str, str]:
    """One colour per phase, by the phase's place in the whole project timeline."""
    ordered = list(dict.fromkeys(phases))
    return {phase: PALETTE[i % len(PALETTE)] for i, phase in enumerate(ordered)}


def timeline_chart(
    milestones: Sequence[Milestone],
    owners: dict[str, str] | None = None,
    title: str = "Timeline",
    phases: Sequence[str] = (),
) -> Figure:
    """One bar per milestone in its quarter, coloured by phase, hatched by status.

    ``phases`` is the whole project's phase order, so a phase keeps its colour in every
    chart that shows only some milestones. With ``owners`` (stakeholder id → name) each
    label also names the owners.
    """
    fig = new_figure(width=7.5, height=0.45 * max(len(milestones), 2) + 1.6)
    ax = fig.axes[0]
    colours = phase_colours([*phases, *(m.phase for m in milestones)])
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
        named = ", ".join(owners[o] for o in m.owners if o in owners) if owners else ""
        ax.annotate(
            f"{m.title} ({named})" if named else m.title,
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
    _legends(ax, milestones)
    return fig


def _legends(ax: Axes, milestones: Sequence[Milestone]) -> None:
    """Phase colours and status hatching, each explained in its own legend under the chart."""
    from matplotlib.patches import Patch

    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles, strict=True))
    phase_legend = ax.legend(
        unique.values(),
        unique.keys(),
        loc="upper left",
        bbox_to_anchor=(0, -0.2),
        ncol=min(len(unique), 3),
        fontsize=8,
        title="Phase",
        title_fontsize=8,
    )
    ax.add_artist(phase_legend)
    statuses = [s for s in _STATUS_HATCH if any(m.status == s for m in milestones)]
    ax.legend(
        [Patch(facecolor="#999999", edgecolor="white", hatch=_STATUS_HATCH[s]) for s in statuses],
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
