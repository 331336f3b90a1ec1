"""``mdm check``: every problem in a project at once, without starting a kernel.

Params come first; when they are broken, the research data is still checked as far as the
params that did load allow (``params/project.yaml`` says where the data is). Review records and
notebooks need the whole params and are checked only when those are sound. Each problem is
one line that starts with its file; a file reports up to
:data:`~mdm.data._tables.MAX_PROBLEMS` of its problems.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from mdm.build.run import check_parameters
from mdm.errors import ConfigError, DataError, MdmError, NotebookError, Problem
from mdm.params.loader import read_yaml
from mdm.params.models import REFERENCE, Topic, ValueSpec
from mdm.params.project import DOCUMENTS_FILE, INPUT_FILES, TOPICS_DIR, Project, read_project
from mdm.params.reviews import Reviews, load_reviews
from mdm.report.evidence import Research, Value, format_value

if TYPE_CHECKING:
    from mdm.data.survey import Question, Survey

__all__ = ["check", "check_data", "doubled_units", "shown_topics", "topic_questions"]

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
        config += doubled_units(project)
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


# --- prose that reads wrong: a unit written after a value that prints its own ---------------------

_PROSE = ("summary", "findings", "recommendations", "investment", "structures", "processes")
# what the prose may write after a value that prints this unit already (the unit said again)
_SAID_AGAIN = {
    " hours": r"hours?\b|hrs?\b|h\b",
    "%": r"%|percent\b|per cent\b|pct\b",
    " percentage points": r"percentage points?\b|points?\b|pp\b|%|percent\b",
}


def _unit(spec: ValueSpec) -> str:
    """What ``{{ name }}`` prints after its number (" hours", "%", ...), as the documents do."""
    sample = Value(spec, 1.0, None, None)
    return format_value(sample).removeprefix(format_value(sample, unit=False))


def _doubled(text: str, values: dict[str, ValueSpec]) -> Iterator[tuple[str, str, str]]:
    """(as written, the name, the unit) for each ``{{ name }}`` followed by its unit again."""
    for match in REFERENCE.finditer(text):
        name, dot, _ = match[1].partition(".")
        unit = _unit(values[name]) if not dot and name in values else ""
        if unit:
            again = re.match(rf"[ \u00a0]*(?:{_SAID_AGAIN[unit]})", text[match.end() :], re.I)
            if again:
                yield match[0] + again[0], name, unit.strip()


def _line(raw: str, line: int | None, written: str) -> int | None:
    """The line ``written`` is on, searched from the field's ``line`` (a block of prose)."""
    at = raw.find(written, sum(len(ln) for ln in raw.splitlines(True)[: (line or 1) - 1]))
    return raw.count("\n", 0, at) + 1 if at >= 0 else line


def doubled_units(project: Project) -> list[Problem]:
    """Every ``{{ x }} hours`` where ``{{ x }}`` prints "14.7 hours" already ("14.7 hours hours").

    Topic prose is checked against the topic's ``evidence.values``; a document's headline
    titles (the phrase printed after the number) against their own value.
    """
    problems: list[Problem] = []
    for topic in shown_topics(project):
        values = dict(topic.evidence.values)
        found = [(f, d) for f in _PROSE for d in _doubled(getattr(topic, f), values)]
        if not found:
            continue
        shown = f"{TOPICS_DIR}/{topic.id}.yaml"
        doc = read_yaml(project.root / shown, display=Path(shown))
        raw = (project.root / shown).read_text(encoding="utf-8")
        for field, (written, name, unit) in found:
            problems.append(
                Problem(
                    f"{{{{ {name} }}}} prints its unit already ({unit}), so {written!r} says it "
                    f"twice; write {{{{ {name}.number }}}} for the number alone, or drop the "
                    "second unit",
                    shown,
                    _line(raw, doc.line_of((field,)), written),
                    field,
                )
            )
    for index, document in enumerate(project.documents.values()):
        for key, headline in document.headlines.items():
            for _, _, unit in _doubled(f"{{{{ {key} }}}} {headline.title}", {key: headline}):
                loc = ("documents", index, "headlines", key, "title")
                doc = read_yaml(project.root / DOCUMENTS_FILE, display=Path(DOCUMENTS_FILE))
                problems.append(
                    Problem(
                        f"the number before the title prints its unit already ({unit}), so "
                        f"{unit} {headline.title!r} says it twice; drop the unit from the title",
                        DOCUMENTS_FILE,
                        doc.line_of(loc),
                        ".".join(str(part) for part in loc),
                    )
                )
    return problems
