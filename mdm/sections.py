"""What notebooks call to narrate a section.

A notebook loads its context once (:func:`overview` or :func:`topic`) and then
displays the pieces in the order it likes; each piece is an HTML fragment
that looks the same in JupyterLab as in the assembled document.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from mdm.figures import figure_html
from mdm.models import Document, Role, Topic
from mdm.project import Project, load_project
from mdm.render import Html, render
from mdm.roadmap import timeline_alt, timeline_chart

__all__ = ["Overview", "TopicSection", "overview", "topic"]


@dataclass(frozen=True)
class _Context:
    project: Project
    document: Document


def _context(project_dir: str | Path, document: str) -> _Context:
    project = load_project(project_dir)
    return _Context(project, project.document(document))


@dataclass(frozen=True)
class Overview(_Context):
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
        milestones = self.project.info.timeline
        if not milestones:
            return Html("")
        chart = figure_html(
            timeline_chart(milestones),
            alt=timeline_alt(milestones),
            caption="Source: params/project.yaml (timeline)",
        )
        names = self.project.stakeholders
        rows = [(m, [names[o].name for o in m.owners]) for m in milestones]
        return render("timeline.html.j2", chart=chart, milestones=rows)


@dataclass(frozen=True)
class TopicSection(_Context):
    """One topic area's section of a document."""

    topic_id: str = ""

    @cached_property
    def topic(self) -> Topic:
        return self.project.topic(self.topic_id)

    @property
    def anchor(self) -> str:
        return f"sec-topic-{self.topic_id}"

    def header(self) -> Html:
        return render("topic_header.html.j2", topic=self.topic, anchor=self.anchor)


def overview(project_dir: str | Path, document: str) -> Overview:
    """Load the project and return the front-matter section of ``document``."""
    ctx = _context(project_dir, document)
    return Overview(ctx.project, ctx.document)


def topic(project_dir: str | Path, document: str, topic_id: str | None = None) -> TopicSection:
    """Load the project and return the section of ``topic_id`` in ``document``.

    Without a topic id (a notebook opened with its defaults) the first active topic is shown.
    """
    ctx = _context(project_dir, document)
    if not topic_id:
        topic_id = ctx.project.active_topics()[0].id
    section = TopicSection(ctx.project, ctx.document, topic_id)
    section.topic  # noqa: B018 - fail here, at load, on an unknown topic
    return section
