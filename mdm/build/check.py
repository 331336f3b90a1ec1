"""``mdm check``: every problem in a project at once, without starting a kernel.

Params come first; when they are broken, the research data is still checked as far as the
params that did load allow (``params/project.yaml`` says where the data is). Review records and
notebooks need the whole params and are checked only when those are sound. Each problem is
one line that starts with its file; a file reports up to
:data:`~mdm.data._tables.MAX_PROBLEMS` of its problems.

With the data, the documents are checked against each other too. An ask's expected effect
that moves its metric the wrong way is an error (the proposal would promise leadership a
decline); a target the baseline already meets, a funded topic the strategy proposes no
structure or process for, and an agreed discussion outcome that nothing answers are
warnings, passed to ``warn`` (a judgement the author may overrule, not a broken file).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from mdm.build.run import check_parameters
from mdm.data.milestones import milestone_log_of
from mdm.data.spending import spending_of
from mdm.errors import ConfigError, DataError, MdmError, NotebookError, Problem
from mdm.params.loader import read_yaml
from mdm.params.models import REFERENCE, Topic, ValueSpec
from mdm.params.project import DOCUMENTS_FILE, INPUT_FILES, TOPICS_DIR, Project, read_project
from mdm.params.reviews import Reviews, load_reviews
from mdm.report.effects import ExpectedEffect, expected_effect
from mdm.report.evidence import Research, Value, format_value
from mdm.sources.grimoirelab import cluster_problems
from mdm.version import code_fingerprint

if TYPE_CHECKING:
    from mdm.data.survey import Question, Survey

__all__ = [
    "check",
    "check_data",
    "doubled_units",
    "effect_problems",
    "progress_problems",
    "shown_topics",
    "strategy_warnings",
    "topic_questions",
]

T = TypeVar("T")


def check(
    project_dir: Path, *, data: bool = False, warn: Callable[[Problem], None] | None = None
) -> tuple[Project, Reviews]:
    """Validate params, review records and notebooks; with ``data``, the research inputs too,
    and whether the documents agree (:func:`effect_problems`, :func:`strategy_warnings`).

    Raises one error listing every problem, one a line; its class (and exit code) is that of
    the first kind found, in the order params, notebooks, data. Warnings go to ``warn``.
    """
    project, config = read_project(project_dir)
    reviews: Reviews | None = None
    notebooks: list[Problem] = []
    if project is not None and not config:
        config += doubled_units(project)
        config += cluster_problems(project)  # what the declared indexes cannot answer
    if project is not None and not config:
        reviews = _collect(config, load_reviews, project)
        notebooks = _notebook_problems(project)
    data_problems = check_data(project) if data and project is not None else []
    if data and project is not None and not config and not data_problems:
        wrong_way, advice = effect_problems(project)
        config += wrong_way
        for problem in [*advice, *strategy_warnings(project)]:
            (warn or (lambda _: None))(problem)
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
        if name not in wanted or (name == "events" and checked_by_last_build(research)):
            continue
        loaded = _collect(problems, getattr, research, name)
        if name == "survey" and loaded is not None:
            for topic in topics:
                _collect(problems, topic_questions, loaded, topic)
    return problems + progress_problems(project)


def checked_by_last_build(research: Research) -> bool:
    """Whether the events file is the one the last published build checked, by this mdm.

    That build's evidence store describes the file (size and modification time) and was
    published only after the build's own check and evidence step had read the whole file
    without a problem; reading it again would find none. At 10^8 events that read was most
    of a one-topic rebuild."""
    store = research.store
    return store is not None and store.code == code_fingerprint()


def progress_problems(project: Project) -> list[Problem]:
    """Every problem in the records progress reports read: the spending (dates, asks, amounts,
    currencies) and the milestone log (dates, milestones, states). Checked whenever they
    exist, so that a payment recorded against a misspelt ask is found before any report."""
    problems: list[Problem] = []
    _collect(problems, spending_of, project)
    _collect(problems, milestone_log_of, project)
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


def _line_in(raw: str, line: int | None, written: str) -> int | None:
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
                    _line_in(raw, doc.line_of((field,)), written),
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


# --- do the documents agree? ----------------------------------------------------------------


def effect_problems(project: Project) -> tuple[list[Problem], list[Problem]]:
    """(errors, warnings) about the asks' expected effects, as each document computes them.

    An error: the target moves its metric the way the registry calls worse. A warning: the
    target is the baseline as printed (the baseline already meets it).
    """
    errors: dict[Problem, None] = {}
    warnings: dict[Problem, None] = {}
    for doc in project.documents.values():
        research = Research(project, doc)
        shown = {s.parameters["topic"] for s in project.sections(doc.id) if "topic" in s.parameters}
        for topic in (project.topics[t] for t in shown if t in project.topics):
            for index, ask in enumerate(topic.asks):
                effect = _collect([], expected_effect, research, topic, ask)
                if effect is None:
                    continue
                if effect.direction == "worsens":
                    errors[_effect_problem(project, effect, index, _wrong_way(effect))] = None
                elif effect.direction == "unchanged":
                    text = f"the baseline already meets the target ({effect.now} → {effect.goal})"
                    warnings[_effect_problem(project, effect, index, text)] = None
    return list(errors), list(warnings)


def _wrong_way(effect: ExpectedEffect) -> str:
    return (
        f"the expected effect points the wrong way: {effect.label} {effect.now} → "
        f"{effect.goal}, but {effect.better} (metric {effect.spec.metric}); "
        "write a target on the other side of the baseline, e.g. as a change (+20%, -30%)"
    )


def _effect_problem(project: Project, effect: ExpectedEffect, index: int, text: str) -> Problem:
    shown = f"{TOPICS_DIR}/{effect.topic.id}.yaml"
    line = _line(project, shown, ("asks", index, "effect", "target"))
    return Problem(text, shown, line, f"asks.{index}.effect.target")


def _line(project: Project, shown: str, loc: tuple[str | int, ...]) -> int | None:
    """The line of ``loc`` in the params file ``shown`` (read again: a Project keeps no lines)."""
    try:
        return read_yaml(project.root / shown, display=Path(shown)).line_of(loc)
    except MdmError:  # it was read a moment ago; a file changed meanwhile loses its line only
        return None


def strategy_warnings(project: Project) -> list[Problem]:
    """A funded topic the strategy proposes no structure or process for; an agreed discussion
    outcome that no structure, process or ask of its topic answers."""
    return _unorganised_asks(project) + _unanswered_agreements(project)


def _unorganised_asks(project: Project) -> list[Problem]:
    """Topics with asks but no structure or process, when a document is a strategy."""
    if not any(d.topic_notebook == "strategy-topic" for d in project.documents.values()):
        return []
    problems = []
    for topic in shown_topics(project):
        if topic.asks and not (topic.structures.strip() or topic.processes.strip()):
            shown = f"{TOPICS_DIR}/{topic.id}.yaml"
            problems.append(
                Problem(
                    f"{len(topic.asks)} ask(s) but no structure or process: the strategy shows "
                    "the money without saying how the work is organised; add structures or "
                    "processes",
                    shown,
                    _line(project, shown, ("asks",)),
                    "asks",
                )
            )
    return problems


def _unanswered_agreements(project: Project) -> list[Problem]:
    """Agreements in the discussion log that their topic's proposals do not take up."""
    research = Research(project)
    if not research.exists("discussions"):
        return []
    log = research.discussions
    problems = []
    for topic in shown_topics(project):
        answers = _words(_answer_text(topic))
        rows = log[log["topic"] == topic.id].sort_values("line")
        problems += [
            Problem(
                f"agreed {agreement!r}, which no structure, process or ask of "
                f"{TOPICS_DIR}/{topic.id}.yaml answers; say how the strategy takes it up "
                "(its words in structures, processes or an ask)",
                project.info.data.discussions,
                line,
                "agreements",
            )
            for agreement, line in _agreements(rows).items()
            if not _answered(agreement, answers)
        ]
    return problems


def _agreements(rows: Any) -> dict[str, int]:
    """Each agreement of a topic's sessions, with the line of the first session that reached it."""
    first: dict[str, int] = {}
    for line, agreements in zip(rows["line"], rows["agreements"], strict=True):
        for agreement in agreements:
            first.setdefault(agreement, int(line))
    return first


def _answer_text(topic: Topic) -> str:
    asks = " ".join(f"{a.title} {a.description}" for a in topic.asks)
    return f"{topic.structures} {topic.processes} {asks}" if topic.proposes else ""


# words too common to tell one agreement from another
_COMMON_WORDS = (
    "about after also been before being each every from gets have into more most must only "
    "other over same should some such than that their them then there these they this those "
    "very were what when where which while will with would your"
)
_COMMON = frozenset(_COMMON_WORDS.split())
_ENDINGS = ("ations", "ation", "ings", "ing", "ers", "er", "edly", "ed", "ly", "s")


def _words(text: str) -> set[str]:
    """The distinctive words of ``text``, each cut to a short stem (leaders, leading → lead)."""
    stems = set()
    for word in re.findall(r"[a-z]{4,}", text.lower()):
        if word in _COMMON:
            continue
        for ending in _ENDINGS:
            if word.endswith(ending) and len(word) - len(ending) >= 3:
                word = word[: -len(ending)]
                break
        stems.add(word[:5])
    return stems


def _answered(agreement: str, answers: set[str]) -> bool:
    """At least half of the agreement's distinctive words appear in what the topic proposes."""
    words = _words(agreement)
    return len(words & answers) * 2 >= len(words)  # a wordless agreement is answered
