"""``mdm check``: every problem in a project at once, without starting a kernel.

Params come first; when they are broken, the research data is still checked as far as the
params that did load allow (``params/project.yaml`` says where the data is). Review records and
notebooks need the whole params and are checked only when those are sound. Each problem is
one line that starts with its file; a file reports up to
:data:`~mdm.data._tables.MAX_PROBLEMS` of its problems.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from mdm.build.run import check_parameters
from mdm.errors import ConfigError, DataError, MdmError, NotebookError, Problem
from mdm.params.models import Topic
from mdm.params.project import INPUT_FILES, TOPICS_DIR, Project, read_project
from mdm.params.reviews import Reviews, load_reviews
from mdm.report.evidence import Research
from mdm.sources.grimoirelab import cluster_problems

if TYPE_CHECKING:
    from mdm.data.survey import Question, Survey

__all__ = ["check", "check_data", "shown_topics", "topic_questions"]

T = TypeVar("T")


def check(project_dir: Path, *, data: bool = False) -> tuple[Project, Reviews]:
    """Validate params, review records and notebooks; with ``data``, the research inputs too.

    Raises one error listing every problem, one a line; its class (and exit code) is that of
    the first kind found, in the order params, notebooks, data.
    """
    project, config = read_project(project_dir)
    reviews: Reviews | None = None
    notebooks: list[Problem] = []
    if project is not None and not config:
        config += cluster_problems(project)  # what the declared indexes cannot answer
    if project is not None and not config:
        reviews = _collect(config, load_reviews, project)
        notebooks = _notebook_problems(project)
    data_problems = check_data(project) if data and project is not None else []
    for kind, lines in (
        (ConfigError, config),
        (NotebookError, notebooks),
        (DataError, data_problems),
    ):
        if lines:
            everything = [*config, *notebooks, *data_problems]
            raise kind(problems=dict.fromkeys(everything))  # a notebook shared by sections
    if project is None or reviews is None:  # unreachable: a problem was recorded
        raise ConfigError("the project could not be read", path=project_dir)
    return project, reviews


def _collect(problems: list[Problem], step: Callable[..., T], *args: Any) -> T | None:
    """``step(*args)``, or None with its error's problems recorded in ``problems``."""
    try:
        return step(*args)
    except MdmError as err:
        problems.extend(err.problems)
        return None


def _notebook_problems(project: Project) -> list[Problem]:
    """Each section's notebook can run: its parameters cell takes what mdm passes."""

    problems: list[Problem] = []
    for doc in project.documents:
        for spec in _collect(problems, project.sections, doc) or []:
            _collect(problems, check_parameters, spec, project.root)
    return problems


def shown_topics(project: Project) -> list[Topic]:
    """The topics some document shows; every active topic when no document could be read."""
    if not project.documents:
        return project.active_topics()
    chosen: dict[str, Topic] = {}
    for doc in project.documents.values():
        ids = [t.id for t in project.active_topics()] if doc.topics == "all" else doc.topics
        chosen.update((i, project.topics[i]) for i in ids if i in project.topics)
    return list(chosen.values())


def check_data(project: Project) -> list[Problem]:
    """Every problem in the research inputs the documents use, one line each."""

    research = Research(project)
    topics = shown_topics(project)
    wanted: set[str] = set().union(*(project.uses(t) for t in topics))
    # back matter (the sources appendix) may describe every input that exists, and the
    # discussion log and the notes are listed whenever they exist
    back = any(doc.back for doc in project.documents.values())
    wanted |= {
        n for n in INPUT_FILES if (back or n in ("discussions", "notes")) and _exists(project, n)
    }
    if project.info.opensearch is not None:
        wanted.discard("events")  # read from the cluster, where the build asks for it
    problems: list[Problem] = []
    for name in INPUT_FILES:
        if name not in wanted:
            continue
        loaded = _collect(problems, getattr, research, name)
        if name == "survey" and loaded is not None:
            for topic in topics:
                _collect(problems, topic_questions, loaded, topic)
    return problems


def topic_questions(survey: Survey, topic: Topic) -> list[Question]:
    """The survey questions a topic shows (the check the topic's section makes too)."""
    return survey.select(topic.evidence.survey, f"{TOPICS_DIR}/{topic.id}.yaml")


def _exists(project: Project, name: str) -> bool:
    """Whether any file of input ``name`` is there (a survey needs both, so one is a problem)."""
    paths = [project.root / str(getattr(project.info.data, key)) for key in INPUT_FILES[name]]
    return any(p.is_dir() if name == "notes" else p.is_file() for p in paths)
