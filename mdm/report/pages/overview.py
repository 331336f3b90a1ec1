"""The front matter: what the project is, who is involved in which role, approach, timeline."""

from __future__ import annotations

from dataclasses import dataclass

from mdm.params.models import Role
from mdm.report.figures import figure_html
from mdm.report.pages.context import Context
from mdm.report.render import Html, render
from mdm.report.timeline import span, timeline_alt, timeline_chart

__all__ = ["Overview"]


@dataclass(frozen=True)
class Overview(Context):
    """The front matter: what the project is, who is involved, approach, timeline."""

    anchor: str = "sec-overview"

    def about(self) -> Html:
        return render("overview.html.j2", info=self.project.info, anchor=self.anchor)

    def roles(self) -> Html:
        roles = [(role, self.project.holders(role)) for role in Role]
        return render("roles.html.j2", roles=[(r, h) for r, h in roles if h])

    def approach(self) -> Html:
        return render(
            "approach.html.j2", info=self.project.info, topics=self.project.active_topics()
        )

    def timeline(self) -> Html:
        milestones = list(self.project.info.timeline)
        if not milestones or "roadmap" in self.document.back:
            return Html("")  # the roadmap at the back shows every milestone, once
        chart = figure_html(
            timeline_chart(milestones, phases=[m.phase for m in milestones]),
            alt=timeline_alt(milestones),
            caption=f"{span(milestones)}, by quarter. "
            "Source: the project timeline (params/project.yaml).",
        )
        names = self.project.stakeholders
        rows = [(m, [names[o].name for o in m.owners]) for m in milestones]
        return render("timeline.html.j2", chart=chart, milestones=rows)
