"""Load a project folder into one validated :class:`Project`.

A project folder holds ``params/`` (YAML), ``notebooks/`` (optional: mdm's
own notebooks are used for any that are missing), ``data/`` and ``output/``.
Every params file is read and checked before anything runs; all problems are
reported together, one line each.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mdm.errors import ConfigError, DataError, MdmError, Problem
from mdm.params.loader import Located, confine, read_yaml, validate
from mdm.params.models import (
    Ask,
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
from mdm.params.notebooks import bundled_notebooks, find_notebook, runnable
from mdm.text import did_you_mean

if TYPE_CHECKING:
    from mdm.params.notebooks import NotebookFile

__all__ = [
    "INPUT_FILES",
    "PROGRESS_FILES",
    "Project",
    "SectionSpec",
    "bundled_notebooks",
    "load_project",
    "read_project",
]

PARAMS = "params"
PROJECT_FILE = "params/project.yaml"
STAKEHOLDERS_FILE = "params/stakeholders.yaml"
DOCUMENTS_FILE = "params/documents.yaml"
TOPICS_DIR = "params/topics"
INPUT_FILES: dict[str, tuple[str, ...]] = {
    "events": ("events",),
    "quotes": ("quotes",),
    "survey": ("survey_questions", "survey_responses"),
    "discussions": ("discussions",),
    "notes": ("notes",),
}
"""Each research input and its keys under ``data:`` in params/project.yaml."""
PROGRESS_FILES = ("spending", "milestones")
"""The records progress reports read, as keys under ``data:`` in params/project.yaml."""


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
    kind: str = ""
    """The notebook's name as documents.yaml (or a topic's ``notebooks``) gives it: which kind
    of page it renders when it is one of mdm's (:data:`mdm.report.pages.PAGE_KINDS`)."""


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
    broken_topics: frozenset[str] = frozenset()
    """Ids of topic files that could not be read (only in a project read with problems)."""

    @property
    def topic_ids(self) -> set[str]:
        """Every topic id, a broken topic file's included: data that names it names a topic."""
        return set(self.topics) | self.broken_topics

    @property
    def output(self) -> Path:
        return self.root / "output"

    def active_topics(self) -> list[Topic]:
        """Topics shown in documents, in their declared order."""
        return [t for t in self.topics.values() if t.status is TopicStatus.ACTIVE]

    def holders(self, role: Role) -> list[tuple[Stakeholder, RoleAssignment]]:
        return [(self.stakeholders[a.who], a) for a in self.roles if a.role is role]

    def notebook(self, name: str, shown: str = DOCUMENTS_FILE) -> Path:
        """The notebook papermill runs for ``name``: the project's own, else mdm's default."""
        return self.notebook_file(name, shown).path

    def notebook_file(self, name: str, shown: str = DOCUMENTS_FILE) -> NotebookFile:
        """The project's ``notebooks/<name>`` (``.ipynb`` or jupytext text), else mdm's default.

        ``shown`` is the params file that names the notebook, for the error.
        """

        own = self.root / "notebooks"
        files = [confine(f, self.root, f"notebooks/{f.name}") for f in find_notebook(own, name)]
        files = files or find_notebook(bundled_notebooks(), name)
        if not files:
            raise ConfigError(
                f"notebook {name!r} not found in {self.root / 'notebooks'} "
                "(as .ipynb, .py or .md) nor among mdm's notebooks",
                path=shown,
            )
        return runnable(files, name, self.root)

    def document(self, doc_id: str) -> Document:
        try:
            return self.documents[doc_id]
        except KeyError:
            raise ConfigError(
                f"document {doc_id!r} is not defined (defined: {', '.join(self.documents)})",
                path=DOCUMENTS_FILE,
            ) from None

    def topic(self, topic_id: str) -> Topic:
        try:
            return self.topics[topic_id]
        except KeyError:
            unknown = _unknown(TOPICS_DIR, None, "topic", topic_id, self.topics)
            raise ConfigError(problems=[unknown]) from None

    def data_path(self, key: str) -> Path:
        """The research input ``data.<key>``; refused if its real path leaves the project."""

        shown = str(getattr(self.info.data, key))
        return confine(self.root / shown, self.root, shown, DataError)

    def note_files(self) -> list[Path]:
        """The desk-research notes (``*.md`` in ``data.notes``), each confined to the project."""

        folder = self.data_path("notes")
        if not folder.is_dir():
            return []
        shown = self.info.data.notes.rstrip("/")
        return [
            confine(p, self.root, f"{shown}/{p.name}", DataError)
            for p in sorted(folder.glob("*.md"))
        ]

    def uses(self, topic: Topic) -> frozenset[str]:
        """The research inputs (keys of :data:`INPUT_FILES`) a topic's section reads.

        The one rule for "which inputs a topic uses": the cache keys, ``mdm check`` and the
        sections all ask here. A ``None`` evidence setting means "when the input exists".
        """
        evidence, data = topic.evidence, self.info.data
        quotes = evidence.quotes
        used = {
            "events": evidence.uses_events,
            "quotes": bool(quotes) or (quotes is None and (self.root / data.quotes).is_file()),
            "survey": bool(evidence.survey),
            # the strategy document shows every topic's discussions, whatever the proposal does
            "discussions": (self.root / data.discussions).is_file(),
            "notes": evidence.notes is not False and (self.root / data.notes).is_dir(),
        }
        return frozenset(name for name, wanted in used.items() if wanted)

    def topic_inputs(self, topic: Topic) -> list[Path]:
        """The data files a topic's section reads (they key its cache).

        Only listed and hashed here; every one is confined to the project when it is read.
        """
        used, data, evidence = self.uses(topic), self.info.data, topic.evidence
        files = [
            self.root / getattr(data, key)
            for name in INPUT_FILES
            if name in used and name != "notes"
            for key in INPUT_FILES[name]
        ]
        files += [self.root / t.file for t in evidence.tables]
        files += [self.root / f for f in evidence.files]
        notes = self.root / data.notes
        return files + (sorted(notes.glob("*.md")) if "notes" in used else [])

    def data_files(self) -> list[Path]:
        """Every research input that exists, the pseudonym register aside."""
        paths = self.info.data
        keys = ("events", "quotes", "survey_questions", "survey_responses", "discussions")
        files = [
            self.root / getattr(paths, k) for k in keys if (self.root / getattr(paths, k)).is_file()
        ]
        notes = self.root / paths.notes
        files += sorted(notes.glob("*.md")) if notes.is_dir() else []
        # the data files topics declare for their tables and own notebooks
        declared = (
            self.root / f
            for t in self.active_topics()
            for f in [*(s.file for s in t.evidence.tables), *t.evidence.files]
        )
        return list(dict.fromkeys([*files, *(p for p in declared if p.is_file())]))

    def progress_files(self) -> list[Path]:
        """What a progress report reads besides the research data: the spending records and
        the milestone log (docs/data.md), those that exist."""
        paths = self.info.data
        files = [self.root / getattr(paths, key) for key in PROGRESS_FILES]
        return [f for f in files if f.is_file()]

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
                    name,
                )
                for name in names
            ]

        # front matter may open with a summary of every topic's numbers: it reads the data too
        read = (*self.files, *self.data_files())
        read += tuple(self.progress_files()) if doc.kind == "progress" else ()
        specs = matter(doc.front, read)
        topics = (
            self.active_topics() if doc.topics == "all" else [self.topics[t] for t in doc.topics]
        )
        # back matter (roadmap, sources appendix) may list every input file
        back = matter(doc.back, read)
        resolved: dict[str, NotebookFile] = {}  # a shared text notebook is read once
        for t in topics:
            name = t.notebooks.get(doc.id, doc.topic_notebook)
            shown = f"{TOPICS_DIR}/{t.id}.yaml" if doc.id in t.notebooks else DOCUMENTS_FILE
            if name not in resolved:
                resolved[name] = self.notebook_file(name, shown)
            notebook = resolved[name]
            # the text an author edits keys the section too, and `mdm preview --watch` watches it
            source = (notebook.source,) if notebook.source != notebook.path else ()
            specs.append(
                SectionSpec(
                    doc.id,
                    f"topic-{t.id}",
                    f"{t.number}. {t.title}",
                    notebook.path,
                    {"project_dir": root, "document": doc.id, "topic": t.id},
                    (
                        *shared,
                        self.root / TOPICS_DIR / f"{t.id}.yaml",
                        *source,
                        *self.topic_inputs(t),
                    ),
                    name,
                )
            )
        return specs + back


def _unknown(file: object, line: int | None, field_: str, value: str, known: Any) -> Problem:
    return Problem(f"unknown topic {value!r}{did_you_mean(value, known)}", str(file), line, field_)


def _load_topic(doc: Located, path: Path) -> Topic:
    shown = doc.path
    if not isinstance(doc.data, dict):
        raise ConfigError(
            f"expected a mapping of topic keys, got {type(doc.data).__name__}", path=shown, line=1
        )
    data = dict(doc.data)
    if "id" in data and data["id"] != path.stem:
        raise ConfigError(
            f"expected {path.stem!r} (the file name), got {data['id']!r}",
            path=shown,
            line=doc.line_of(("id",)),
            field="id",
        )
    data["id"] = path.stem
    return validate(Topic, doc, data=data)


def load_project(root: Path | str = ".") -> Project:
    """Read and cross-check every params file of the project at ``root``."""
    project, problems = read_project(root)
    if problems or project is None:
        raise ConfigError(problems=problems)
    return project


def read_project(root: Path | str = ".") -> tuple[Project | None, list[Problem]]:
    """The project at ``root`` and every problem in its params, one line each.

    With problems, the project holds what could be read (a broken stakeholders or documents
    file leaves those empty, a broken topic file leaves that topic out), so that ``mdm check``
    can go on to the research data; it is None when ``params/project.yaml`` itself is broken.
    """
    root = Path(root).resolve()
    if not (root / PARAMS).is_dir():
        hint = f"is {root} an mdm project? (try `mdm init`)"
        raise ConfigError(f"not found; {hint}", path=root / PARAMS)
    problems: list[Problem] = []

    def attempt(load: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return load(*args, **kwargs)
        except MdmError as err:
            problems.extend(err.problems)
            return None

    parsed: dict[str, Located] = {}

    def parse(path: Path) -> Located | None:
        name = str(path.relative_to(root))
        doc: Located | None = attempt(
            lambda: read_yaml(confine(path, root, name), display=Path(name))
        )
        if doc is not None:
            parsed[name] = doc
        return doc

    def model(kind: Any, name: str) -> Any:
        doc = parse(root / name)
        return None if doc is None else attempt(validate, kind, doc)

    info = model(ProjectInfo, PROJECT_FILE)
    people = model(StakeholdersFile, STAKEHOLDERS_FILE)
    docs = model(DocumentsFile, DOCUMENTS_FILE)
    topic_files = sorted((root / TOPICS_DIR).glob("*.yaml"))
    if not topic_files:
        found_none = "expected at least one topic file <id>.yaml, found none"
        problems.append(Problem(found_none, f"{TOPICS_DIR}/"))
    loaded = [attempt(_load_topic, doc, path) for path in topic_files if (doc := parse(path))]
    topics = {t.id: t for t in sorted((t for t in loaded if t), key=lambda t: (t.number, t.id))}

    # a topic whose own file is broken was reported above; references to it are not unknown
    known = {p.stem for p in topic_files}
    problems += _cross_check(topics, known, people, docs, info, parsed)
    if info is None:
        return None, problems
    return Project(
        root=root,
        info=info,
        topics=topics,
        stakeholders={s.id: s for s in people.stakeholders} if people else {},
        roles=list(people.roles) if people else [],
        documents={d.id: d for d in docs.documents} if docs else {},
        files=[root / PROJECT_FILE, root / STAKEHOLDERS_FILE, root / DOCUMENTS_FILE, *topic_files],
        broken_topics=frozenset(known - set(topics)),
    ), problems


Line = Callable[..., int | None]


def _cross_check(
    topics: dict[str, Topic],
    known_topics: set[str],
    people: StakeholdersFile | None,
    docs: DocumentsFile | None,
    info: ProjectInfo | None,
    parsed: dict[str, Located],
) -> list[Problem]:
    """References between files: each problem names the file and line of the reference."""

    def line(name: str, *loc: str | int) -> int | None:
        return parsed[name].line_of(loc) if name in parsed else None

    problems = _topic_problems(topics, known_topics, line)
    known = sorted(known_topics)
    if docs is not None:
        for index, doc in enumerate(docs.documents):
            for pos, t_id in enumerate(doc.topics if isinstance(doc.topics, list) else []):
                if t_id not in known_topics:
                    at_line = line(DOCUMENTS_FILE, "documents", index, "topics", pos)
                    field_ = f"documents.{index}.topics"
                    problems.append(_unknown(DOCUMENTS_FILE, at_line, field_, t_id, known))
    if info is not None:
        problems += _timeline_problems(info, known_topics, people, line)
    problems += _notebook_documents(topics, docs, line)
    return problems + _check_investment(topics, people, info, line)


def _topic_problems(topics: dict[str, Topic], known_topics: set[str], line: Line) -> list[Problem]:
    """Merge targets that do not exist; numbers that two active topics share."""
    problems = []
    numbers: dict[int, str] = {}
    for t in topics.values():
        shown = f"{TOPICS_DIR}/{t.id}.yaml"
        if t.merged_into is not None and t.merged_into not in known_topics:
            at_line = line(shown, "merged_into")
            problems.append(_unknown(shown, at_line, "merged_into", t.merged_into, known_topics))
        if t.status is TopicStatus.ACTIVE:
            if t.number in numbers:
                problems.append(
                    Problem(
                        f"expected a number no other active topic uses, got {t.number} "
                        f"(also {numbers[t.number]})",
                        shown,
                        line(shown, "number"),
                        "number",
                    )
                )
            numbers[t.number] = t.id
    return problems


def _timeline_problems(
    info: ProjectInfo, known_topics: set[str], people: StakeholdersFile | None, line: Line
) -> list[Problem]:
    """Milestones' topics and owners that are not defined (owners only if stakeholders loaded)."""
    problems = []
    known = {s.id for s in people.stakeholders} if people is not None else None
    for index, milestone in enumerate(info.timeline):
        for pos, topic_id in enumerate(milestone.topics):
            if topic_id not in known_topics:
                at_line = line(PROJECT_FILE, "timeline", index, "topics", pos)
                field_ = f"timeline.{index}.topics"
                problems.append(
                    _unknown(PROJECT_FILE, at_line, field_, topic_id, sorted(known_topics))
                )
        for pos, owner in enumerate(milestone.owners if known is not None else []):
            if known is not None and owner not in known:
                at_line = line(PROJECT_FILE, "timeline", index, "owners", pos)
                problems.append(
                    Problem(
                        f"{owner!r} is not a stakeholder in {STAKEHOLDERS_FILE}",
                        PROJECT_FILE,
                        at_line,
                        f"timeline.{index}.owners",
                    )
                )
    return problems


def _notebook_documents(
    topics: dict[str, Topic], docs: DocumentsFile | None, line: Any
) -> list[Problem]:
    """A topic's ``notebooks`` may only name documents that exist."""
    if docs is None:
        return []
    documents = [d.id for d in docs.documents]
    problems = []
    for t in topics.values():
        shown = f"{TOPICS_DIR}/{t.id}.yaml"
        problems += [
            Problem(
                f"expected a document id, got {doc_id!r} (documents: {', '.join(documents)})",
                shown,
                line(shown, "notebooks", doc_id),
                "notebooks",
            )
            for doc_id in t.notebooks
            if doc_id not in documents
        ]
    return problems


def _check_investment(
    topics: dict[str, Topic],
    people: StakeholdersFile | None,
    info: ProjectInfo | None,
    line: Any,
) -> list[Problem]:
    """Asks sum in one currency (or an explicit rate), have known owners; options name real asks."""
    problems = []
    plan = info.investment if info is not None else None
    known = {s.id for s in people.stakeholders} if people is not None else None
    currencies = {a.currency for t in topics.values() for a in t.asks}
    for t in topics.values():
        shown = f"{TOPICS_DIR}/{t.id}.yaml"
        for index, ask in enumerate(t.asks):
            found: list[tuple[str, str]] = []  # (key of the ask, message)
            if plan is not None and ask.currency not in (plan.currency, *plan.rates):
                found.append(
                    (
                        "currency",
                        f"expected {plan.currency} or a currency with a rate under "
                        f"investment.rates in {PROJECT_FILE}, got {ask.currency}",
                    )
                )
            elif plan is None and len(currencies) > 1:
                found.append(
                    (
                        "currency",
                        f"asks use {', '.join(sorted(currencies))}; expected one currency or "
                        f"investment.currency and investment.rates in {PROJECT_FILE}",
                    )
                )
            found += _unknown_owners(ask, known)
            problems += [
                Problem(text, shown, line(shown, "asks", index, key), f"asks.{index}.{key}")
                for key, text in found
            ]
    if plan is not None:
        asks = {f"{t.id}/{a.id}" for t in topics.values() for a in t.asks}
        for index, option in enumerate(plan.options):
            for pos, ref in enumerate(option.asks):
                if ref not in asks:
                    hint = did_you_mean(ref, sorted(asks))
                    field_ = f"investment.options.{index}.asks"
                    at_ = line(PROJECT_FILE, "investment", "options", index, "asks", pos)
                    problems.append(
                        Problem(
                            f"unknown ask {ref!r} (expected <topic>/<ask id>){hint}",
                            PROJECT_FILE,
                            at_,
                            field_,
                        )
                    )
    return problems


def _unknown_owners(ask: Ask, known: set[str] | None) -> list[tuple[str, str]]:
    """(key, message) for an ask's owner or co-owner who is not a stakeholder."""
    if known is None:  # the stakeholders file did not load: nothing to compare with
        return []
    return [
        (key, f"{who!r} is not a stakeholder in {STAKEHOLDERS_FILE}")
        for key, who in [("owner", ask.owner), *(("co_owners", c) for c in ask.co_owners)]
        if who not in known
    ]
