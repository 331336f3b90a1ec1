"""Reshape a project's topics: ``mdm new-topic``, ``rename-topic``, ``merge-topic``.

Each command runs whole under the project's lock (:func:`~mdm.params.edits.locked`: what it
checks is what it changes), collects the new contents of every file that names the topic and
applies them in one :func:`~mdm.params.edits.transaction`: the project is loaded again, and on
failure every file is put back as it was.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import yaml

from mdm.authoring.notebooks import topic_notebook
from mdm.authoring.scaffold import SCAFFOLD
from mdm.errors import ConfigError
from mdm.params.edits import (
    compose,
    is_node,
    locked,
    rename_in_csv,
    rename_in_front_matter,
    rename_in_yaml,
    replace,
    scalar_edit,
    set_key,
    transaction,
    yaml_scalar,
)
from mdm.params.loader import confine
from mdm.params.models import ID_PATTERN, Topic, TopicStatus
from mdm.params.project import DOCUMENTS_FILE, TOPICS_DIR, Project, load_project
from mdm.text import did_you_mean

__all__ = ["merge_topic", "merged_from", "new_topic", "rename_topic"]


# --- topics ----------------------------------------------------------------------------------


def _check_id(topic_id: str, field: str) -> None:
    if not re.match(ID_PATTERN, topic_id) or len(topic_id) > 64:
        raise ConfigError(
            "expected an id of lower-case letters, digits and '-' "
            f"(at most 64, starting with a letter or digit), got {topic_id!r}",
            field=field,
        )


def _one_line(text: str, field: str) -> str:
    text = text.strip()
    if not text or "\n" in text or "\r" in text:
        raise ConfigError(f"expected text on one line, got {text!r}", field=field)
    return text


def _topic_file(topic_id: str) -> Path:
    return Path(TOPICS_DIR) / f"{topic_id}.yaml"


def _known(project: Project, topic_id: str, role: str) -> Topic:
    if topic_id not in project.topics:
        hint = did_you_mean(topic_id, project.topics) or f" (topics: {', '.join(project.topics)})"
        raise ConfigError(f"no topic {topic_id!r}{hint}", path=_topic_file(topic_id), field=role)
    return project.topics[topic_id]


def _changed(project_dir: Path, changes: dict[Path, str | None]) -> list[Path]:
    return sorted(project_dir / rel for rel in changes)


@locked
def new_topic(
    project_dir: Path,
    topic_id: str,
    title: str,
    question: str,
    number: int | None = None,
    notebook: str | None = None,
) -> list[Path]:
    """Add ``params/topics/<id>.yaml``, last or at ``number`` (active topics from there move down one).

    With ``notebook`` (a document id; "" for the first document) the topic also gets its own
    notebook for that document, ``notebooks/<id>-<document>``, made from the shared one.
    """
    _check_id(topic_id, "id")
    title, question = _one_line(title, "title"), _one_line(question, "question")
    project = load_project(project_dir)
    if topic_id in project.topics:
        raise ConfigError(
            f"topic {topic_id!r} exists already", path=_topic_file(topic_id), field="id"
        )
    active = project.active_topics()
    if number is None:
        number = max((t.number for t in active), default=0) + 1
    elif number < 1:
        raise ConfigError(f"expected a whole number of at least 1, got {number}", field="--number")
    with transaction(project) as changes:
        taken = {t.number for t in active}
        for topic in active:
            # a free number needs no room; a taken one moves it and every later topic down
            if topic.number >= number and number in taken:
                rel = _topic_file(topic.id)
                text = changes.read(rel)
                changes[rel] = set_key(text, rel, "number", str(topic.number + 1), "number")
        changes[_topic_file(topic_id)] = _new_topic_text(number, title, question)
        if notebook is not None:
            changes.update(_own_notebook(project, topic_id, notebook, changes))
    return _changed(project_dir, changes)


def _own_notebook(
    project: Project, topic_id: str, doc_id: str, changes: dict[Path, str | None]
) -> dict[Path, str | None]:
    """The topic's own notebook for ``doc_id``, and its topic file naming it."""

    document = project.document(doc_id or next(iter(project.documents)))
    shared = project.notebook_file(document.topic_notebook).source
    name = f"{topic_id}-{document.id}"
    rel = Path("notebooks") / f"{name}{shared.suffix}"
    if (project.root / rel).exists():
        raise ConfigError("exists already; mdm new-topic --notebook never overwrites one", path=rel)
    topic_text = changes[_topic_file(topic_id)] or ""
    return {
        rel: topic_notebook(shared, topic_id),
        _topic_file(topic_id): topic_text + f"notebooks:\n  {document.id}: {name}\n",
    }


def _new_topic_text(number: int, title: str, question: str) -> str:
    return (
        f"number: {number}\n"
        f"title: {yaml_scalar(title)}\n"
        f"question: {yaml_scalar(question)}\n"
        "# Optional keys (docs/params.md): summary, evidence, findings, recommendations,\n"
        "# investment, structures, processes. For example:\n"
        "# findings: |\n"
        "#   What the research found; {{ name }} inserts a value declared under evidence.values.\n"
    )


def _placeholder_questions() -> set[str]:
    """The guiding questions ``mdm init`` writes into its example topics, to be replaced."""

    questions = set()
    for template in (SCAFFOLD / "params" / "topics").glob("*.yaml.tmpl"):
        data = yaml.safe_load(template.read_text(encoding="utf-8")) or {}
        if isinstance(data, dict) and isinstance(data.get("question"), str):
            questions.add(data["question"])
    return questions


@locked
def rename_topic(
    project_dir: Path,
    old: str,
    new: str,
    title: str | None = None,
    question: str | None = None,
) -> list[Path]:
    """Give topic ``old`` the id ``new`` in its file name and every reference to it.

    References: ``merged_into``, ``topics:`` lists in params (documents, timeline), review
    records' section ids, the ``topic``/``topics`` columns of CSV files under ``data/``,
    ``topics:`` in the survey questions and in notes' front matter, and the default
    ``topic = "old"`` of the project's own notebooks. A new ``title`` on a topic that still
    has ``mdm init``'s placeholder question needs its own ``question`` too.
    """
    _check_id(new, "new id")
    project = load_project(project_dir)
    topic = _known(project, old, "old id")
    if new in project.topics:
        raise ConfigError(f"topic {new!r} exists already", path=_topic_file(new), field="new id")
    if title is not None and question is None and topic.question in _placeholder_questions():
        raise ConfigError(
            f"still the placeholder {topic.question!r} from "
            "mdm init; give the topic's own guiding question with --question",
            path=_topic_file(old),
            field="question",
        )
    with transaction(project) as changes:
        source = _topic_file(old)
        text = changes.read(source)
        if title is not None:
            value = yaml_scalar(_one_line(title, "title"))
            text = set_key(text, source, "title", value, "number")
        if question is not None:
            value = yaml_scalar(_one_line(question, "question"))
            text = set_key(text, source, "question", value, "title")
        changes[source] = None
        changes[_topic_file(new)] = text
        references = list(_reference_files(project, old))
        changes.lock(rel for rel, _ in references)  # all at once, in order: no deadlock
        for rel, edit in references:
            before = changes.read(rel)
            after = edit(before, rel, old, new)
            if after != before:
                changes[rel] = after
    return _changed(project_dir, changes)


Edit = Callable[[str, Path, str, str], str]


def _reference_files(project: Project, old: str) -> Iterator[tuple[Path, Edit]]:
    """Every file that may name a topic id, with the edit that renames it there."""
    root, data = project.root, project.info.data
    seen: set[Path] = set()

    def each(paths: list[Path], edit: Edit) -> Iterator[tuple[Path, Edit]]:
        for path in paths:
            if path.is_file() and path.resolve() not in seen:
                # a symbolic link out of the project is never rewritten (nor read)
                confine(path, root, path.relative_to(root))
                seen.add(path.resolve())
                yield path.relative_to(root), edit

    yield from each([root / _topic_file(t) for t in project.topics if t != old], rename_in_yaml)
    params = sorted((root / "params").rglob("*.yaml"))
    yield from each([p for p in params if p.parent != root / TOPICS_DIR], rename_in_yaml)
    yield from each([root / data.survey_questions], rename_in_yaml)
    notes = root / data.notes
    yield from each(sorted(notes.glob("*.md")) if notes.is_dir() else [], rename_in_front_matter)
    private = [root / data.pseudonyms, root / "data" / "private"]
    csvs = [root / data.quotes, root / data.discussions, *sorted((root / "data").rglob("*.csv"))]
    public = [p for p in csvs if p not in private and private[1] not in p.parents]
    yield from each(public, _csv_edit)
    notebooks = root / "notebooks"
    yield from each(sorted(notebooks.glob("*.ipynb")) if notebooks.is_dir() else [], _notebook_edit)
    texts = sorted(p for ext in ("py", "md") for p in notebooks.glob(f"*.{ext}"))
    yield from each(texts if notebooks.is_dir() else [], _text_notebook_edit)


def _csv_edit(text: str, shown: Path, old: str, new: str) -> str:
    return rename_in_csv(text, old, new) if old in text else text  # activity logs are large


def _notebook_edit(text: str, shown: Path, old: str, new: str) -> str:
    # the parameters cell's default, as notebook JSON stores it: "topic = \"old\"\n"
    pattern = re.compile(r'(?<![\w])(topic\s*=\s*(?:\\"|\'))' + re.escape(old) + r'(\\"|\')')
    return pattern.sub(lambda m: m[1] + new + m[2], text)


def _text_notebook_edit(text: str, shown: Path, old: str, new: str) -> str:
    # a jupytext notebook's parameters cell as written: topic = "old"
    pattern = re.compile(r"""(?m)^(\s*topic\s*=\s*(["']))""" + re.escape(old) + r"(\2)")
    return pattern.sub(lambda m: m[1] + new + m[3], text)


@locked
def merge_topic(project_dir: Path, source: str, target: str) -> list[Path]:
    """Mark ``source`` merged into ``target``; its research data keeps its own topic id.

    Topics merged into ``source`` earlier follow it to ``target``; a document listing
    ``source`` by id lists ``target`` instead (once).
    """
    project = load_project(project_dir)
    from_topic = _known(project, source, "source")
    into = _known(project, target, "target")
    if source == target:
        raise ConfigError(
            f"cannot merge {source!r} into itself", path=_topic_file(source), field="target"
        )
    if into.status is TopicStatus.MERGED:
        raise ConfigError(
            "cannot merge into a merged topic; "
            f"{target!r} is merged into {into.merged_into!r}, merge into that instead",
            path=_topic_file(target),
            field="status",
        )
    if into.status is TopicStatus.RETIRED:
        raise ConfigError(
            "cannot merge into a retired topic", path=_topic_file(target), field="status"
        )
    if from_topic.merged_into == target:
        raise ConfigError(
            f"already merged into {target!r}", path=_topic_file(source), field="merged_into"
        )
    with transaction(project) as changes:
        rel = _topic_file(source)
        text = set_key(changes.read(rel), rel, "status", "merged", "question")
        changes[rel] = set_key(text, rel, "merged_into", target, "status")
        for topic in merged_from(project, source, transitive=False):
            rel = _topic_file(topic.id)
            changes[rel] = set_key(changes.read(rel), rel, "merged_into", target, "status")
        docs = Path(DOCUMENTS_FILE)
        before = changes.read(docs)
        after = _retarget_document_lists(before, docs, source, target)
        if after != before:
            changes[docs] = after
    return _changed(project_dir, changes)


def _retarget_document_lists(text: str, shown: Path, source: str, target: str) -> str:
    edits = []
    for seq in _document_topic_lists(compose(text, shown)):
        items = [i.value for i in seq.value]
        for item in seq.value:
            if is_node(item, source):
                edits.append(
                    _drop_item(text, seq, item)
                    if target in items
                    else scalar_edit(text, item, target)
                )
    return replace(text, edits)


def _document_topic_lists(node: yaml.Node | None) -> Iterator[yaml.SequenceNode]:
    if not isinstance(node, yaml.MappingNode):
        return
    for key, docs in node.value:
        if is_node(key, "documents") and isinstance(docs, yaml.SequenceNode):
            for doc in docs.value:
                if isinstance(doc, yaml.MappingNode):
                    for name, value in doc.value:
                        if is_node(name, "topics") and isinstance(value, yaml.SequenceNode):
                            yield value


def _drop_item(text: str, seq: yaml.SequenceNode, item: yaml.Node) -> tuple[int, int, str]:
    start, end = item.start_mark.index, item.end_mark.index
    if seq.flow_style:
        after = re.match(r"\s*,\s*", text[end:])
        if after:
            return start, end + after.end(), ""
        before = re.search(r",\s*$", text[:start])
        return (before.start() if before else start), end, ""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    return line_start, len(text) if line_end < 0 else line_end + 1, ""


def merged_from(project: Project, target_id: str, transitive: bool = True) -> list[Topic]:
    """Topics merged into ``target_id`` (and, ``transitive``, those merged into them), by number.

    For a section to list what it now covers: a merged topic's research stays under its
    own id, so the target's section can gather it from these topics.
    """
    found: list[Topic] = []
    wanted = [target_id]
    while wanted:
        into = wanted.pop()
        for topic in project.topics.values():
            if topic.merged_into == into and topic.id != target_id and topic not in found:
                found.append(topic)
                if transitive:
                    wanted.append(topic.id)
    return sorted(found, key=lambda t: (t.number, t.id))
