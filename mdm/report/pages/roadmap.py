"""The whole roadmap (every milestone, what is due next) and a topic's part of it."""

from __future__ import annotations

from dataclasses import dataclass

from mdm.params.models import Milestone
from mdm.params.project import Project
from mdm.report.figures import figure_html
from mdm.report.pages.context import Context
from mdm.report.render import Html, render
from mdm.report.timeline import span, timeline_alt, timeline_chart

__all__ = ["Roadmap", "roadmap_html"]


def roadmap_html(
    project: Project,
    milestones: list[Milestone],
    *,
    title: str,
    heading: str = "",
    anchor: str = "",
    table: bool = True,
) -> Html:
    """The roadmap chart, with (``table``) what is due next and every milestone with owners."""
    names = {i: p.name for i, p in project.stakeholders.items()}
    if not milestones:
        return render("roadmap.html.j2", rows=[], heading=heading, anchor=anchor, title=title)
    chart = figure_html(
        timeline_chart(milestones, title=title, phases=[m.phase for m in project.info.timeline]),
        alt=timeline_alt(milestones),
        caption=f"{title}, {span(milestones)}, by quarter. "
        "Source: the project timeline (params/project.yaml).",
    )
    pending = sorted((m for m in milestones if m.status != "done"), key=lambda m: m.quarter_index)
    # due next: everything not done in the first two quarters that still have open milestones
    # (not two calendar quarters: a quarter without milestones must not hide the next one)
    open_quarters = sorted({m.quarter_index for m in pending})[:2]
    due = [
        (m, [names[o] for o in m.owners], [project.topics[t].title for t in m.topics])
        for m in pending
        if m.quarter_index in open_quarters
    ]
    every = [
        (m, [names[o] for o in m.owners], [project.topics[t].title for t in m.topics])
        for m in sorted(milestones, key=lambda m: m.quarter_index)
    ]
    return render(
        "roadmap.html.j2",
        rows=milestones,
        chart=chart,
        due=due if table else [],
        table=table,
        title=title,
        every=every if heading else [],
        heading=heading,
        anchor=anchor,
    )


@dataclass(frozen=True)
class Roadmap(Context):
    """The whole roadmap: every milestone, and what is due next."""

    anchor: str = "sec-roadmap"

    def full(self) -> Html:
        return roadmap_html(
            self.project,
            list(self.project.info.timeline),
            title="Roadmap",
            heading="Roadmap",
            anchor=self.anchor,
        )
