"""What notebooks call to narrate a section: ``from mdm import sections``.

A notebook loads its page once (``sections.topic(project_dir, document, topic)``,
``sections.overview(...)``, ...) and then displays the pieces in the order it likes; each piece
is an HTML fragment that looks the same in JupyterLab as in the assembled document. There is
one loader per kind of page in the registry (:data:`mdm.report.pages.PAGE_KINDS`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from mdm.errors import ConfigError
from mdm.params.models import Topic
from mdm.report.pages.context import load_context
from mdm.report.pages.investment import InvestmentOverview
from mdm.report.pages.overview import Overview
from mdm.report.pages.progress import Progress
from mdm.report.pages.roadmap import Roadmap
from mdm.report.pages.sources import Sources
from mdm.report.pages.summary import Summary
from mdm.report.pages.topic import TopicSection

__all__ = [
    "InvestmentOverview",
    "Overview",
    "Progress",
    "Roadmap",
    "Sources",
    "Summary",
    "TopicSection",
    "investment",
    "overview",
    "progress",
    "roadmap",
    "sources",
    "summary",
    "topic",
]


def overview(project_dir: str | Path, document: str) -> Overview:
    """Load the project and return the front-matter section of ``document``."""
    ctx = load_context(project_dir, document)
    return Overview(ctx.project, ctx.document)


def topic(project_dir: str | Path, document: str, topic_id: str | None = None) -> TopicSection:
    """Load the project and return the section of ``topic_id`` in ``document``.

    Without a topic id (a notebook opened in JupyterLab with its defaults): the topic whose own
    notebook this is (``notebooks:`` in its params), else the first active topic.
    """
    ctx = load_context(project_dir, document)
    if not topic_id:
        own = _own_topics(ctx.project.topics.values(), document)
        topic_id = own[0] if len(own) == 1 else ctx.project.active_topics()[0].id
    section = TopicSection(ctx.project, ctx.document, topic_id)
    section.topic  # noqa: B018 - fail here, at load, on an unknown topic
    return section


def _own_topics(topics: Iterable[Topic], document: str) -> list[str]:
    """The topics whose own notebook for ``document`` is the one JupyterLab is running."""
    running = os.environ.get("JPY_SESSION_NAME", "")
    if not running:
        return []
    name = Path(running).name.split(".")[0]
    return [t.id for t in topics if t.notebooks.get(document) == name]


def sources(project_dir: str | Path, document: str) -> Sources:
    """Load the project and return the sources appendix of ``document``."""
    ctx = load_context(project_dir, document)
    return Sources(ctx.project, ctx.document)


def summary(project_dir: str | Path, document: str) -> Summary:
    """Load the project and return the summary that opens ``document``."""
    ctx = load_context(project_dir, document)
    return Summary(ctx.project, ctx.document)


def investment(project_dir: str | Path, document: str) -> InvestmentOverview:
    """Load the project and return the investment overview of ``document``."""
    ctx = load_context(project_dir, document)
    return InvestmentOverview(ctx.project, ctx.document)


def roadmap(project_dir: str | Path, document: str) -> Roadmap:
    """Load the project and return the roadmap section of ``document``."""
    ctx = load_context(project_dir, document)
    return Roadmap(ctx.project, ctx.document)


def progress(project_dir: str | Path, document: str) -> Progress:
    """Load the project and return the pages of the progress report ``document``."""
    ctx = load_context(project_dir, document)
    if ctx.document.kind != "progress":
        raise ConfigError(
            f"{document!r} is not a progress report (kind: progress, follows, as_of)",
            path="params/documents.yaml",
            field="kind",
        )
    return Progress(ctx.project, ctx.document)
