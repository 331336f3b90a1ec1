"""Start a project and reshape its topics: ``mdm init``, ``new-topic``, ``rename-topic``, ``merge-topic``.

Every command edits files surgically (only the lines it must change, so
comments and formatting survive), writes them all at once, then loads the
project; if the result does not load, every file is put back as it was.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mdm.errors import ConfigError, MdmError
from mdm.models import ID_PATTERN, TopicStatus
from mdm.project import TOPICS_DIR, bundled_notebooks, load_project

__all__ = ["init_project", "merge_topic", "new_topic", "rename_topic"]

SCAFFOLD = Path(__file__).parent / "scaffold"


def init_project(target: Path, name: str | None = None, with_notebooks: bool = False) -> list[Path]:
    """Write a new, buildable project with placeholder content into ``target``."""
    if (target / "params").exists():
        raise ConfigError(
            f"{target / 'params'}: exists already; mdm init starts a new project only"
        )
    title = name or target.resolve().name.replace("-", " ").replace("_", " ").title()
    written = []
    for source in sorted(SCAFFOLD.rglob("*.tmpl")):
        # package data keeps no dotfiles: dot-gitignore.tmpl becomes .gitignore
        relative = source.relative_to(SCAFFOLD).with_suffix("")
        path = target / relative.parent / re.sub(r"^dot-", ".", relative.name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            source.read_text(encoding="utf-8").replace("{{ project_name }}", title),
            encoding="utf-8",
        )
        written.append(path)
    if with_notebooks:
        (target / "notebooks").mkdir(exist_ok=True)
        for notebook in sorted(bundled_notebooks().glob("*.ipynb")):
            shutil.copyfile(notebook, target / "notebooks" / notebook.name)
            written.append(target / "notebooks" / notebook.name)
    load_project(target)  # the scaffold must always be a valid project
    return written


@contextmanager
def _transaction(project_dir: Path) -> Iterator[dict[Path, str | None]]:
    """Collect new file contents (None: delete), write them, verify, or roll everything back."""
    changes: dict[Path, str | None] = {}
    yield changes
    saved = {path: path.read_bytes() if path.exists() else None for path in changes}
    try:
        for path, text in changes.items():
            if text is None:
                path.unlink()
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                temporary = path.with_name(f".{path.name}.mdm-tmp")
                temporary.write_text(text, encoding="utf-8")
                os.replace(temporary, path)
        load_project(project_dir)
    except (MdmError, OSError):
        for path, content in saved.items():
            if content is None:
                path.unlink(missing_ok=True)
            else:
                path.write_bytes(content)
        raise


def _check_id(topic_id: str) -> None:
    if not re.match(ID_PATTERN, topic_id):
        raise ConfigError(
            f"topic id: expected lower-case letters, digits and '-', got {topic_id!r}"
        )


def _yaml_string(text: str) -> str:
    import json

    return json.dumps(text, ensure_ascii=False)


def new_topic(
    project_dir: Path, topic_id: str, title: str, question: str, number: int | None = None
) -> list[Path]:
    """Add ``params/topics/<id>.yaml``; with ``number``, later topics move down by one."""
    _check_id(topic_id)
    project = load_project(project_dir)
    path = project.root / TOPICS_DIR / f"{topic_id}.yaml"
    if topic_id in project.topics:
        raise ConfigError(f"{TOPICS_DIR}/{topic_id}.yaml: topic {topic_id!r} exists already")
    active = project.active_topics()
    number = number if number is not None else max((t.number for t in active), default=0) + 1
    if number < 1:
        raise ConfigError(f"--number: expected a whole number of at least 1, got {number}")
    with _transaction(project.root) as changes:
        for topic in active:
            if topic.number >= number:
                other = project.root / TOPICS_DIR / f"{topic.id}.yaml"
                text = other.read_text(encoding="utf-8")
                changes[other] = re.sub(
                    r"(?m)^number:\s*\S+", f"number: {topic.number + 1}", text, count=1
                )
        changes[path] = (
            f"number: {number}\ntitle: {_yaml_string(title)}\n"
            f"question: {_yaml_string(question)}\nstatus: active\n"
        )
    return sorted(changes)


_TOKEN = r"(?<![A-Za-z0-9_-]){}(?![A-Za-z0-9_-])"


def _rename_in_yaml_lists(text: str, old: str, new: str) -> str:
    """Replace ``old`` where YAML uses it as a topic id: merged_into, topics lists and their items."""
    token = re.compile(_TOKEN.format(re.escape(old)))
    out, in_topics = [], False
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        key = re.match(r"^\s*(?:-\s+)?([A-Za-z_]+):", line)
        if key:
            in_topics = key[1] == "topics" and stripped.endswith(":")
        if (key and key[1] in ("merged_into", "topics", "topic")) or (in_topics and stripped.startswith("- ")):
            line = token.sub(new, line)
        elif key is None and not stripped.startswith("- "):
            in_topics = in_topics and not stripped
        out.append(line)
    return "".join(out)


def _rename_in_csv(text: str, column: str, old: str, new: str) -> str:
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows or column not in rows[0]:
        return text
    index = rows[0].index(column)
    for row in rows[1:]:
        if len(row) > index:
            row[index] = ";".join(
                new if part.strip() == old else part for part in row[index].split(";")
            )
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n" if "\r\n" in text else "\n").writerows(rows)
    return out.getvalue()


def rename_topic(project_dir: Path, old: str, new: str, title: str | None = None) -> list[Path]:
    """Give topic ``old`` the id ``new`` everywhere: its file, params, and research data."""
    _check_id(new)
    project = load_project(project_dir)
    if old not in project.topics:
        raise ConfigError(f"{TOPICS_DIR}/: no topic {old!r} (topics: {', '.join(project.topics)})")
    if new in project.topics:
        raise ConfigError(f"{TOPICS_DIR}/{new}.yaml: topic {new!r} exists already")
    root, data = project.root, project.info.data
    with _transaction(root) as changes:
        source = root / TOPICS_DIR / f"{old}.yaml"
        text = source.read_text(encoding="utf-8")
        if title is not None:
            text = re.sub(r"(?m)^title:.*$", f"title: {_yaml_string(title)}", text, count=1)
        changes[source] = None
        changes[root / TOPICS_DIR / f"{new}.yaml"] = text
        yaml_files = [
            *(p for p in (root / TOPICS_DIR).glob("*.yaml") if p != source),
            root / "params/documents.yaml",
            root / "params/project.yaml",
            root / data.survey_questions,
            *sorted((root / data.notes).glob("*.md")),
        ]
        for path in yaml_files:
            if path.is_file():
                before = path.read_text(encoding="utf-8")
                after = _rename_in_yaml_lists(before, old, new)
                if after != before:
                    changes[path] = after
        for key, column in (("quotes", "topics"), ("discussions", "topic")):
            path = root / str(getattr(data, key))
            if path.is_file():
                before = path.read_text(encoding="utf-8")
                after = _rename_in_csv(before, column, old, new)
                if after != before:
                    changes[path] = after
    return sorted(changes)


def merge_topic(project_dir: Path, source: str, target: str) -> list[Path]:
    """Mark ``source`` as merged into ``target``; its evidence keeps its own topic id."""
    project = load_project(project_dir)
    for topic_id in (source, target):
        if topic_id not in project.topics:
            raise ConfigError(
                f"{TOPICS_DIR}/: no topic {topic_id!r} (topics: {', '.join(project.topics)})"
            )
    if source == target:
        raise ConfigError(f"merge-topic: cannot merge {source!r} into itself")
    if project.topics[target].status is not TopicStatus.ACTIVE:
        raise ConfigError(
            f"{TOPICS_DIR}/{target}.yaml: status: expected an active topic to merge into, "
            f"got {project.topics[target].status.value}"
        )
    path = project.root / TOPICS_DIR / f"{source}.yaml"
    text = path.read_text(encoding="utf-8")
    for key, value in (("status", "merged"), ("merged_into", target)):
        if re.search(rf"(?m)^{key}:", text):
            text = re.sub(rf"(?m)^{key}:.*$", f"{key}: {value}", text, count=1)
        else:
            text = text.rstrip("\n") + f"\n{key}: {value}\n"
    with _transaction(project.root) as changes:
        changes[path] = text
    return [path]
