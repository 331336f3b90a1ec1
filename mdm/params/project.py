"""Load a project folder into one validated :class:`Project`.

A project folder holds ``params/`` (YAML), ``notebooks/`` (optional: mdm's
own notebooks are used for any that are missing), ``data/`` and ``output/``.
Every params file is read and checked before anything runs; all problems are
reported together, one line each.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from mdm.errors import ConfigError, MdmError, where
from mdm.params.loader import Located, format_validation_error, read_yaml, validate
from mdm.params.models import (
    Document,
    DocumentsFile,
    ProjectInfo,
    Role,
    RoleAssignment,
    Stakeholder,
    StakeholdersFile,
    Topic,
    TopicStatus,
)

__all__ = ["Project", "SectionSpec", "bundled_notebooks", "load_project"]

PARAMS = "params"
PROJECT_FILE = "params/project.yaml"
STAKEHOLDERS_FILE = "params/stakeholders.yaml"
DOCUMENTS_FILE = "params/documents.yaml"
TOPICS_DIR = "params/topics"


def bundled_notebooks() -> Path:
    """mdm's default notebooks: inside the wheel, or the repo's ``notebooks/`` in a checkout."""
    package = Path(__file__).resolve().parents[1]
    installed = package / "_notebooks"
    return installed if installed.is_dir() else package.parent / "notebooks"


@dataclass(frozen=True)
class SectionSpec:
    """One notebook run that becomes one section of a document."""

    document: str
    id: str
    title: str
    notebook: Path
    parameters: dict[str, str]
    inputs: tuple[Path, ...] = ()
    """Files whose content the section's output depends on (besides the notebook)."""


@dataclass(frozen=True)
class Project:
    """Everything in ``params/``, validated and cross-checked."""

    root: Path
    info: ProjectInfo
    topics: dict[str, Topic]
    stakeholders: dict[str, Stakeholder]
    roles: list[RoleAssignment]
    documents: dict[str, Document]
    files: list[Path] = field(default_factory=list)

    @property
    def output(self) -> Path:
        return self.root / "output"

    def active_topics(self) -> list[Topic]:
        """Topics shown in documents, in their declared order."""
        return [t for t in self.topics.values() if t.status is TopicStatus.ACTIVE]

    def holders(self, role: Role) -> list[tuple[Stakeholder, RoleAssignment]]:
        return [(self.stakeholders[a.who], a) for a in self.roles if a.role is role]

    def notebook(self, name: str) -> Path:
        """The project's own ``notebooks/<name>.ipynb``, else mdm's default."""
        own = self.root / "notebooks" / f"{name}.ipynb"
        if own.is_file():
            return own
        default = bundled_notebooks() / f"{name}.ipynb"
        if default.is_file():
            return default
        raise ConfigError(
            f"{where(DOCUMENTS_FILE)}: notebook {name!r} not found in "
            f"{self.root / 'notebooks'} nor among mdm's notebooks"
        )

    def document(self, doc_id: str) -> Document:
        try:
            return self.documents[doc_id]
        except KeyError:
            raise ConfigError(
                f"{DOCUMENTS_FILE}: document {doc_id!r} is not defined "
                f"(defined: {', '.join(self.documents)})"
            ) from None

    def topic(self, topic_id: str) -> Topic:
        try:
            return self.topics[topic_id]
        except KeyError:
            raise ConfigError(_unknown(TOPICS_DIR, None, "topic", topic_id, self.topics)) from None

    def topic_inputs(self, topic: Topic) -> list[Path]:
        """The data files a topic's section reads (they key its cache)."""
        paths, evidence = self.info.data, topic.evidence
        wanted = {
            "events": evidence.uses_events,
            "quotes": evidence.quotes is not False,
            "survey_questions": bool(evidence.survey),
            "survey_responses": bool(evidence.survey),
            # the strategy document shows every topic's discussions, whatever the proposal does
            "discussions": (self.root / paths.discussions).is_file(),
        }
        files = [self.root / getattr(paths, key) for key, used in wanted.items() if used]
        notes = self.root / paths.notes
        if evidence.notes is not False and notes.is_dir():
            files += sorted(notes.glob("*.md"))
        return files

    def data_files(self) -> list[Path]:
        """Every research input that exists, the pseudonym register aside."""
        paths = self.info.data
        keys = ("events", "quotes", "survey_questions", "survey_responses", "discussions")
        files = [
            self.root / getattr(paths, k) for k in keys if (self.root / getattr(paths, k)).is_file()
        ]
        notes = self.root / paths.notes
        return files + (sorted(notes.glob("*.md")) if notes.is_dir() else [])

    def sections(self, doc_id: str) -> list[SectionSpec]:
        """The notebook runs that make up ``doc_id``, in document order."""
        doc = self.document(doc_id)
        root = str(self.root)
        shared = tuple(self.root / f for f in (PROJECT_FILE, STAKEHOLDERS_FILE, DOCUMENTS_FILE))

        def matter(names: list[str], inputs: tuple[Path, ...]) -> list[SectionSpec]:
            """Front or back matter: whole-document notebooks that read params (and data)."""
            return [
                SectionSpec(
                    doc.id,
                    name,
                    name.replace("-", " ").capitalize(),
                    self.notebook(name),
                    {"project_dir": root, "document": doc.id},
                    inputs,
                )
                for name in names
            ]

        # front matter may open with a summary of every topic's numbers: it reads the data too
        specs = matter(doc.front, (*self.files, *self.data_files()))
        topics = (
            self.active_topics() if doc.topics == "all" else [self.topics[t] for t in doc.topics]
        )
        notebook = self.notebook(doc.topic_notebook)
        # back matter (roadmap, sources appendix) may list every input file
        back = matter(doc.back, (*self.files, *self.data_files()))
        specs += [
            SectionSpec(
                doc.id,
                f"topic-{t.id}",
                f"{t.number}. {t.title}",
                notebook,
                {"project_dir": root, "document": doc.id, "topic": t.id},
                (*shared, self.root / TOPICS_DIR / f"{t.id}.yaml", *self.topic_inputs(t)),
            )
            for t in topics
        ]
        return specs + back


def _unknown(file: object, line: int | None, field_: str, value: str, known: Any) -> str:
    close = difflib.get_close_matches(value, list(known), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"{where(str(file), line, field_)}: unknown topic {value!r}{hint}"


def _load_topic(doc: Located, path: Path) -> Topic:
    shown = doc.path
    if not isinstance(doc.data, dict):
        raise ConfigError(
            f"{shown}:1: expected a mapping of topic keys, got {type(doc.data).__name__}"
        )
    data = dict(doc.data)
    if "id" in data and data["id"] != path.stem:
        raise ConfigError(
            f"{where(shown, doc.line_of(('id',)), 'id')}: expected {path.stem!r} "
            f"(the file name), got {data['id']!r}"
        )
    data["id"] = path.stem
    try:
        return Topic.model_validate(data)
    except ValidationError as err:
        raise ConfigError("\n".join(format_validation_error(doc, err))) from err


def load_project(root: Path | str = ".") -> Project:
    """Read and cross-check every params file of the project at ``root``."""
    root = Path(root).resolve()
    if not (root / PARAMS).is_dir():
        raise ConfigError(f"{root / PARAMS}: not found; is {root} an mdm project? (try `mdm init`)")
    problems: list[str] = []

    def attempt(load: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return load(*args, **kwargs)
        except MdmError as err:
            problems.append(str(err))
            return None

    parsed: dict[str, Located] = {}

    def model(kind: Any, name: str) -> Any:
        doc = attempt(read_yaml, root / name, display=Path(name))
        if doc is None:
            return None
        parsed[name] = doc
        return attempt(validate, kind, doc)

    info = model(ProjectInfo, PROJECT_FILE)
    people = model(StakeholdersFile, STAKEHOLDERS_FILE)
    docs = model(DocumentsFile, DOCUMENTS_FILE)
    topic_files = sorted((root / TOPICS_DIR).glob("*.yaml"))
    if not topic_files:
        problems.append(f"{TOPICS_DIR}/: expected at least one topic file <id>.yaml, found none")
    loaded = []
    for path in topic_files:
        name = str(path.relative_to(root))
        doc = attempt(read_yaml, path, display=Path(name))
        if doc is not None:
            parsed[name] = doc
            loaded.append(attempt(_load_topic, doc, path))
    topics = {t.id: t for t in sorted((t for t in loaded if t), key=lambda t: (t.number, t.id))}

    # a topic whose own file is broken was reported above; references to it are not unknown
    known = {p.stem for p in topic_files}
    problems += _cross_check(topics, known, people, docs, info, parsed)
    if problems:
        raise ConfigError("\n".join(problems))
    assert info and people and docs  # any None was recorded as a problem
    return Project(
        root=root,
        info=info,
        topics=topics,
        stakeholders={s.id: s for s in people.stakeholders},
        roles=list(people.roles),
        documents={d.id: d for d in docs.documents},
        files=[root / PROJECT_FILE, root / STAKEHOLDERS_FILE, root / DOCUMENTS_FILE, *topic_files],
    )


def _cross_check(
    topics: dict[str, Topic],
    known_topics: set[str],
    people: StakeholdersFile | None,
    docs: DocumentsFile | None,
    info: ProjectInfo | None,
    parsed: dict[str, Located],
) -> list[str]:
    """References between files: each problem names the file and line of the reference."""

    def line(name: str, *loc: str | int) -> int | None:
        return parsed[name].line_of(loc) if name in parsed else None

    problems = []
    numbers: dict[int, str] = {}
    for t in topics.values():
        shown = f"{TOPICS_DIR}/{t.id}.yaml"
        if t.merged_into is not None and t.merged_into not in known_topics:
            problems.append(
                _unknown(
                    shown, line(shown, "merged_into"), "merged_into", t.merged_into, known_topics
                )
            )
        if t.status is TopicStatus.ACTIVE:
            if t.number in numbers:
                problems.append(
                    f"{where(shown, line(shown, 'number'), 'number')}: expected a number no other "
                    f"active topic uses, got {t.number} (also {numbers[t.number]})"
                )
            numbers[t.number] = t.id
    if docs is not None:
        for index, doc in enumerate(docs.documents):
            if isinstance(doc.topics, list):
                for pos, t_id in enumerate(doc.topics):
                    if t_id not in known_topics:
                        problems.append(
                            _unknown(
                                DOCUMENTS_FILE,
                                line(DOCUMENTS_FILE, "documents", index, "topics", pos),
                                f"documents.{index}.topics",
                                t_id,
                                sorted(known_topics),
                            )
                        )
    if info is not None and people is not None:
        known = {s.id for s in people.stakeholders}
        for index, milestone in enumerate(info.timeline):
            for pos, topic_id in enumerate(milestone.topics):
                if topic_id not in known_topics:
                    problems.append(
                        _unknown(
                            PROJECT_FILE,
                            line(PROJECT_FILE, "timeline", index, "topics", pos),
                            f"timeline.{index}.topics",
                            topic_id,
                            sorted(known_topics),
                        )
                    )
            for pos, owner in enumerate(milestone.owners):
                if owner not in known:
                    field_ = f"timeline.{index}.owners"
                    problems.append(
                        f"{where(PROJECT_FILE, line(PROJECT_FILE, 'timeline', index, 'owners', pos), field_)}: "
                        f"{owner!r} is not a stakeholder in {STAKEHOLDERS_FILE}"
                    )
    return problems + _check_investment(topics, people, info, line)


def _check_investment(
    topics: dict[str, Topic],
    people: StakeholdersFile | None,
    info: ProjectInfo | None,
    line: Any,
) -> list[str]:
    """Asks sum in one currency (or an explicit rate), have known owners; options name real asks."""
    problems = []
    plan = info.investment if info is not None else None
    known = {s.id for s in people.stakeholders} if people is not None else None
    currencies = {a.currency for t in topics.values() for a in t.asks}
    for t in topics.values():
        shown = f"{TOPICS_DIR}/{t.id}.yaml"
        for index, ask in enumerate(t.asks):
            loc = ("asks", index)
            if plan is not None and ask.currency not in (plan.currency, *plan.rates):
                problems.append(
                    f"{where(shown, line(shown, *loc, 'currency'), f'asks.{index}.currency')}: "
                    f"expected {plan.currency} or a currency with a rate under investment.rates "
                    f"in {PROJECT_FILE}, got {ask.currency}"
                )
            elif plan is None and len(currencies) > 1:
                problems.append(
                    f"{where(shown, line(shown, *loc, 'currency'), f'asks.{index}.currency')}: "
                    f"asks use {', '.join(sorted(currencies))}; expected one currency or "
                    f"investment.currency and investment.rates in {PROJECT_FILE}"
                )
            if known is not None and ask.owner not in known:
                problems.append(
                    f"{where(shown, line(shown, *loc, 'owner'), f'asks.{index}.owner')}: "
                    f"{ask.owner!r} is not a stakeholder in {STAKEHOLDERS_FILE}"
                )
    if plan is not None:
        asks = {f"{t.id}/{a.id}" for t in topics.values() for a in t.asks}
        for index, option in enumerate(plan.options):
            for pos, ref in enumerate(option.asks):
                if ref not in asks:
                    close = difflib.get_close_matches(ref, sorted(asks), n=1)
                    hint = f"; did you mean {close[0]!r}?" if close else ""
                    field_ = f"investment.options.{index}.asks"
                    at_ = line(PROJECT_FILE, "investment", "options", index, "asks", pos)
                    problems.append(
                        f"{where(PROJECT_FILE, at_, field_)}: unknown ask {ref!r} "
                        f"(expected <topic>/<ask id>){hint}"
                    )
    return problems
