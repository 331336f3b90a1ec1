"""The page-kind registry: every kind of page a document is made of, and what each reads.

A document is front matter, one section per topic and back matter (``params/documents.yaml``);
each section is one notebook run, and each of mdm's notebooks renders one kind of page. Adding
a kind means adding one :class:`PageKind` here, its module in this package (the section class a
notebook loads), its notebook in ``notebooks/`` and its templates. Everything else asks here:
``from mdm import sections`` offers each kind's loader, the build's cache keys a section on what
its kind :attr:`~PageKind.reads` (so an edit to a field a page shows always rebuilds that page,
and only the pages that show it), and a kind that shows no analysis is rendered in the build's
own process when its notebook is mdm's (:attr:`~PageKind.kernel`).

This module imports no page module (the cache reads it on every build): a kind names its
section class as ``module:Class``.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import Literal

__all__ = ["DOCUMENT_TEMPLATES", "PAGE_KINDS", "PARAMS_FILES", "PageKind", "Reads", "page_kind"]

PARAMS_FILES = ("project", "stakeholders", "documents")
"""The shared params files a page may read (``params/<name>.yaml``)."""
DOCUMENT_TEMPLATES = frozenset(
    {"document", "badge", "decision_record", "diff", "packet", "preview"}
)
"""Templates of whole documents, review packets and previews: no page kind's own."""


@dataclass(frozen=True)
class Reads:
    """What a page shows, and so what its section's cache key covers.

    ``params``: the shared params files it reads (:data:`PARAMS_FILES`); ``topic``: the whole
    file of the topic it renders (a per-topic page); ``topic_fields``: the fields of *every*
    topic it shows (a milestone's topic titles, the summary's one line per topic);
    ``all_topics``: every topic file whole (the sources appendix lists their hashes);
    ``data``: the research inputs it reads — none, what its topic uses
    (:meth:`~mdm.params.project.Project.uses`), or every input file; ``progress``: in a
    progress report, what it reads besides — the spending and the milestone log
    (:meth:`~mdm.params.project.Project.progress_files`) and the decisions recorded on the
    document it follows (not the other review records: recording those changes no page).
    """

    params: tuple[str, ...] = PARAMS_FILES
    topic: bool = False
    topic_fields: tuple[str, ...] = ()
    all_topics: bool = False
    data: Literal["none", "topic", "all"] = "none"
    progress: bool = False


@dataclass(frozen=True)
class PageKind:
    """One kind of page: its notebook, its section class, its templates, what it reads."""

    name: str
    """The notebook mdm ships for it (``notebooks/<name>.ipynb``); documents.yaml names it."""
    section: str
    """The class a notebook loads, as ``module:Class`` under :mod:`mdm.report.pages`."""
    loader: str
    """The function of ``from mdm import sections`` that loads it."""
    templates: tuple[str, ...]
    """mdm's templates (``mdm/templates/<name>.html.j2``) the page renders."""
    reads: Reads
    per_topic: bool = False
    """Run once per topic (a document's ``topic_notebook``), else once per document."""
    kernel: bool = True
    """The page shows analysis a notebook may add to, so it runs in a kernel. A page without
    (front and back matter) is rendered in the build's process when its notebook is mdm's own;
    a project's own notebook of that name always runs in a kernel."""

    def section_class(self) -> type:
        """The section class, imported now (page modules load pandas and matplotlib)."""
        module, _, name = self.section.partition(":")
        cls: type = getattr(import_module(f"mdm.report.pages.{module}"), name)
        return cls


_TOPIC_PAGE = Reads(topic=True, topic_fields=("id", "title"), data="topic")
"""A topic's section: its own file, the titles of topics its milestones share, its inputs."""
_PROGRESS_PAGE = Reads(
    topic_fields=("id", "number", "title", "status", "asks", "evidence"), data="all", progress=True
)
"""A progress report's page: every ask and the value its effect names, the events, the spending,
the milestone log and the decision it follows."""

PAGE_KINDS: dict[str, PageKind] = {
    kind.name: kind
    for kind in (
        PageKind(
            "summary",
            "summary:Summary",
            "summary",
            ("summary", "feedback"),
            Reads(
                topic_fields=(
                    "id",
                    "number",
                    "title",
                    "status",
                    "recommendations",
                    "asks",
                    "evidence",
                ),
                data="all",  # the headlines and the asks' baselines are computed
            ),
            kernel=False,
        ),
        PageKind(
            "strategy-summary",
            "summary:Summary",
            "summary",
            ("summary", "feedback"),
            # a topic's asks are proposals too: a topic with asks is never "no proposal yet"
            Reads(
                topic_fields=("id", "number", "title", "status", "structures", "processes", "asks")
            ),
            kernel=False,
        ),
        PageKind(
            "investment",
            "investment:InvestmentOverview",
            "investment",
            ("investment",),
            Reads(topic_fields=("id", "number", "title", "status", "asks", "evidence"), data="all"),
            kernel=False,
        ),
        PageKind(
            "overview",
            "overview:Overview",
            "overview",
            ("overview", "roles", "approach", "timeline"),
            Reads(topic_fields=("id", "number", "title", "question", "status")),
            kernel=False,
        ),
        PageKind(
            "topic",
            "topic:TopicSection",
            "topic",
            (
                "topic_header",
                "findings",
                "table",
                "quotes",
                "survey",
                "discussions",
                "notes",
                "asks",
            ),
            _TOPIC_PAGE,
            per_topic=True,
        ),
        PageKind(
            "strategy-topic",
            "topic:TopicSection",
            "topic",
            ("topic_header", "discussions", "proposals", "roadmap"),
            _TOPIC_PAGE,
            per_topic=True,
        ),
        PageKind(
            "roadmap",
            "roadmap:Roadmap",
            "roadmap",
            ("roadmap",),
            Reads(topic_fields=("id", "title")),
            kernel=False,
        ),
        PageKind(
            "progress-summary",
            "progress:Progress",
            "progress",
            ("progress_summary",),
            _PROGRESS_PAGE,
            kernel=False,
        ),
        PageKind(
            "progress-asks",
            "progress:Progress",
            "progress",
            ("progress_asks",),
            _PROGRESS_PAGE,
            kernel=False,
        ),
        PageKind(
            "progress-unfunded",
            "progress:Progress",
            "progress",
            ("progress_unfunded",),
            _PROGRESS_PAGE,
            kernel=False,
        ),
        PageKind(
            "sources",
            "sources:Sources",
            "sources",
            ("sources",),
            # every input file with its hash, and the definition of every metric topics use;
            # in a progress report also its records and the status rules
            Reads(all_topics=True, data="all", progress=True),
            kernel=False,
        ),
    )
}


def page_kind(notebook: str) -> PageKind | None:
    """The kind of page the notebook ``notebook`` (a name, no suffix) renders, if it is mdm's."""
    return PAGE_KINDS.get(notebook)
