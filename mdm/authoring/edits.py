"""Start a project and reshape its topics: ``mdm init``, ``new-topic``, ``rename-topic``, ``merge-topic``.

Edits are surgical: a YAML file is parsed only to find where a value sits, and
just that value's characters are replaced, so comments, quoting, key order,
CRLF line ends and a BOM survive. A CSV file is rewritten record by record and
only the records that change are re-serialised. Every command collects its new
file contents first, writes them (temporary file, then :func:`os.replace`),
and loads the project again; if that fails, every file is put back as it was
and the error is raised.
"""

from __future__ import annotations

import csv
import difflib
import io
import os
import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml

from mdm.errors import ConfigError, MdmError, where
from mdm.params.models import ID_PATTERN, Topic, TopicStatus
from mdm.params.project import DOCUMENTS_FILE, TOPICS_DIR, Project, bundled_notebooks, load_project

__all__ = ["init_project", "merge_topic", "merged_from", "new_topic", "rename_topic"]

SCAFFOLD = Path(__file__).parent / "scaffold"
_PLACEHOLDER = "{{ project_name }}"


# --- mdm init ------------------------------------------------------------------------------


def init_project(target: Path, name: str | None = None, with_notebooks: bool = False) -> list[Path]:
    """Write a new project that checks and builds at once into ``target``; return the paths written.

    Files the folder already has (a README, a data file) are kept; a ``.gitignore`` gets
    the missing lines appended. The project is assembled and loaded in a staging folder
    first, so a failure leaves ``target`` as it was.
    """
    if (target / "params").exists():
        raise ConfigError(
            f"{target / 'params'}: exists already; mdm init starts a new project, "
            "it does not change one"
        )
    if target.exists() and not target.is_dir():
        raise ConfigError(f"{target}: expected a folder for the new project, found a file")
    title = (name if name is not None else _title_from(target)).strip()
    if not title or "\n" in title:
        raise ConfigError(f"--name: expected the project's name on one line, got {name!r}")
    # inside target (or beside it, for a new folder): the final moves stay on one file system
    base = target if target.is_dir() else target.resolve().parent
    base.mkdir(parents=True, exist_ok=True)
    staging = base / f".mdm-init-{os.urandom(4).hex()}"
    staging.mkdir()  # not mkdtemp: the folder that may become target gets the umask's mode
    try:
        _render_scaffold(staging, title)
        if with_notebooks:
            (staging / "notebooks").mkdir()
            for notebook in sorted(bundled_notebooks().glob("*.ipynb")):
                shutil.copyfile(notebook, staging / "notebooks" / notebook.name)
        load_project(staging)  # the scaffold must always be a valid project
        return _move_into(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _title_from(folder: Path) -> str:
    words = re.split(r"[-_\s]+", folder.resolve().name)
    return " ".join(w[:1].upper() + w[1:] for w in words if w)


def _render_scaffold(staging: Path, title: str) -> None:
    """Copy ``mdm/authoring/scaffold`` into ``staging``: ``dot-x.tmpl`` becomes ``.x``, the name filled in."""
    for source in sorted(SCAFFOLD.rglob("*.tmpl")):
        relative = source.relative_to(SCAFFOLD).with_suffix("")
        relative = relative.with_name(re.sub(r"^dot-", ".", relative.name))
        text = source.read_text(encoding="utf-8")
        value = _yaml_scalar(title) if relative.suffix == ".yaml" else title
        path = staging / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.replace(_PLACEHOLDER, value), encoding="utf-8")


def _move_into(staging: Path, target: Path) -> list[Path]:
    """Move the staged files into ``target``, keeping what it has; undo on failure."""
    if not target.exists():
        staging.rename(target)
        return _files(target)
    moved: list[Path] = []
    appended: dict[Path, bytes] = {}
    try:
        for source in _files(staging):
            path = target / source.relative_to(staging)
            if path.name == ".gitignore" and path.is_file():
                before = path.read_bytes()
                missing = _missing_lines(before.decode("utf-8", "replace"), source)
                if missing:
                    appended[path] = before
                    _write_atomic(path, before + missing.encode("utf-8"))
            elif not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                os.replace(source, path)
                moved.append(path)
    except BaseException:
        for path in moved:
            path.unlink(missing_ok=True)
        for path, before in appended.items():
            _write_atomic(path, before)
        raise
    return sorted([*moved, *appended])


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def _missing_lines(existing: str, template: Path) -> str:
    have = {line.strip() for line in existing.splitlines()}
    lines = [line for line in template.read_text(encoding="utf-8").splitlines() if line.strip()]
    missing = [line for line in lines if line.startswith("#") or line.strip() not in have]
    if all(line.startswith("#") for line in missing):
        return ""
    newline = "" if not existing or existing.endswith("\n") else "\n"
    return newline + "\n# added by mdm init\n" + "\n".join(missing) + "\n"


# --- files: read, write, roll back ---------------------------------------------------------


def _read(path: Path, shown: Path) -> str:
    """The file's text exactly as stored: BOM and CRLF kept, so edits change nothing else."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise ConfigError(f"{where(shown, line)}: expected UTF-8 text") from err


def _write_atomic(path: Path, content: bytes) -> None:
    temporary = path.with_name(f".{path.name}.mdm-tmp")
    temporary.unlink(missing_ok=True)
    with temporary.open("xb") as handle:
        handle.write(content)
    if path.exists():
        shutil.copymode(path, temporary)
    os.replace(temporary, path)


@contextmanager
def _transaction(project: Project) -> Iterator[dict[Path, str | None]]:
    """Collect new contents by project-relative path (None: delete), apply, verify, or undo all."""
    from mdm.review.records import load_reviews

    changes: dict[Path, str | None] = {}
    yield changes
    root = project.root
    saved = {rel: (root / rel).read_bytes() if (root / rel).exists() else None for rel in changes}
    # review records name sections: check them after the change too, unless broken already
    reviews_valid = _loads(load_reviews, project)
    try:
        for rel, text in changes.items():
            if text is None:
                (root / rel).unlink()
            else:
                (root / rel).parent.mkdir(parents=True, exist_ok=True)
                _write_atomic(root / rel, text.encode("utf-8"))
        changed = load_project(root)
        if reviews_valid:
            load_reviews(changed)
    except BaseException:
        for rel, content in saved.items():
            if content is None:
                (root / rel).unlink(missing_ok=True)
            else:
                _write_atomic(root / rel, content)
        raise


def _loads(load: Callable[[Project], object], project: Project) -> bool:
    try:
        load(project)
    except MdmError:
        return False
    return True


# --- YAML: where values sit -------------------------------------------------------------------


def _compose(text: str, shown: Path, offset: int = 0) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = text[:offset].count("\n") + mark.line + 1 if mark else None
        raise ConfigError(f"{where(shown, line)}: not valid YAML; fix it first") from err


def _yaml_scalar(text: str) -> str:
    """``text`` as a one-line YAML scalar: plain when that reads back as the same text."""
    dumped = yaml.safe_dump({"k": text}, allow_unicode=True, width=1_000_000)
    return dumped[len("k: ") :].rstrip("\n")


def _replace(text: str, edits: list[tuple[int, int, str]]) -> str:
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    return text


def _scalar_edit(text: str, node: yaml.Node, value: str, offset: int = 0) -> tuple[int, int, str]:
    """Replace a scalar's value, keeping its quotes (ids never need others)."""
    start, end = node.start_mark.index + offset, node.end_mark.index + offset
    if isinstance(node, yaml.ScalarNode) and node.style in ("|", ">"):
        return start, end, value + _newline(text)
    quote = text[start] if text[start] in "'\"" else ""
    return start, end, quote + value + quote


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def _top_level(text: str, shown: Path) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    node = _compose(text, shown)
    if not isinstance(node, yaml.MappingNode) or node.flow_style:
        raise ConfigError(f"{shown}:1: expected a block mapping of keys (one per line) to edit")
    return {k.value: (k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode)}


def _set_key(text: str, shown: Path, key: str, value: str, after: str) -> str:
    """Set top-level ``key`` to ``value``: in place, or as a new line after key ``after``."""
    keys = _top_level(text, shown)
    if key in keys:
        return _replace(text, [_scalar_edit(text, keys[key][1], value)])
    end = keys[after][1].end_mark.index if after in keys else len(text)
    if end < len(text) and text[end - 1] != "\n":
        end = text.find("\n", end) + 1 or len(text)
    newline = _newline(text)
    prefix = "" if end == 0 or text[end - 1] == "\n" else newline
    return text[:end] + f"{prefix}{key}: {value}{newline}" + text[end:]


def _topic_refs(node: yaml.Node | None, old: str, new: str) -> Iterator[tuple[yaml.Node, str]]:
    """Scalars naming topic ``old`` (merged_into, topic, topics; review section ids)."""
    if isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _topic_refs(item, old, new)
    if not isinstance(node, yaml.MappingNode):
        return
    for key, value in node.value:
        name = key.value if isinstance(key, yaml.ScalarNode) else None
        if name in ("merged_into", "topic", "topics"):
            items = value.value if isinstance(value, yaml.SequenceNode) else [value]
            yield from ((i, new) for i in items if _is(i, old))
        elif name == "section" and _is(value, f"topic-{old}"):
            yield value, f"topic-{new}"
        elif name == "sections" and isinstance(value, yaml.MappingNode):
            yield from ((k, f"topic-{new}") for k, _ in value.value if _is(k, f"topic-{old}"))
        yield from _topic_refs(value, old, new)


def _is(node: yaml.Node, value: str) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.value == value


def _rename_in_yaml(text: str, shown: Path, old: str, new: str) -> str:
    edits = [_scalar_edit(text, n, v) for n, v in _topic_refs(_compose(text, shown), old, new)]
    return _replace(text, edits)


def _rename_in_front_matter(text: str, shown: Path, old: str, new: str) -> str:
    match = re.match(r"^\ufeff?---\r?\n(.*?\r?\n)---\r?$", text, re.DOTALL | re.MULTILINE)
    if not match:
        return text
    offset, front = match.start(1), match[1]
    node = _compose(front, shown, offset)
    edits = [_scalar_edit(text, n, v, offset) for n, v in _topic_refs(node, old, new)]
    return _replace(text, edits)


# --- CSV: the topic columns --------------------------------------------------------------------


def _rename_in_csv(text: str, old: str, new: str) -> str:
    """Rename ``old`` in the ``topic``/``topics`` columns; records that do not name it stay byte for byte."""
    consumed: list[str] = []

    def lines() -> Iterator[str]:
        for line in io.StringIO(text, newline=""):
            consumed.append(line)
            yield line

    out: list[str] = []
    columns: list[int] | None = None
    for row in csv.reader(lines()):
        raw = "".join(consumed)
        consumed.clear()
        if columns is None:
            header = [c.strip().lstrip("\ufeff") for c in row]
            columns = [i for i, c in enumerate(header) if c in ("topic", "topics")]
        else:
            renamed = [
                ";".join(p.replace(old, new) if p.strip() == old else p for p in cell.split(";"))
                if i in columns
                else cell
                for i, cell in enumerate(row)
            ]
            if renamed != row:
                raw = _csv_record(renamed, raw)
        out.append(raw)
    return "".join(out)


_QUOTED_RECORD = re.compile(r'"(?:[^"]|"")*"(?:,"(?:[^"]|"")*")*', re.DOTALL)


def _csv_record(row: list[str], like: str) -> str:
    """``row`` written as the record ``like`` was: every field quoted or only where needed."""
    body = like.rstrip("\r\n")
    quoted_all = _QUOTED_RECORD.fullmatch(body) is not None
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="", quoting=csv.QUOTE_ALL)
    if not quoted_all:
        writer = csv.writer(buffer, lineterminator="", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(row)
    return buffer.getvalue() + like[len(body) :]


# --- topics ----------------------------------------------------------------------------------


def _check_id(topic_id: str, field: str) -> None:
    if not re.match(ID_PATTERN, topic_id) or len(topic_id) > 64:
        raise ConfigError(
            f"{field}: expected an id of lower-case letters, digits and '-' "
            f"(at most 64, starting with a letter or digit), got {topic_id!r}"
        )


def _one_line(text: str, field: str) -> str:
    text = text.strip()
    if not text or "\n" in text or "\r" in text:
        raise ConfigError(f"{field}: expected text on one line, got {text!r}")
    return text


def _topic_file(topic_id: str) -> Path:
    return Path(TOPICS_DIR) / f"{topic_id}.yaml"


def _known(project: Project, topic_id: str, role: str) -> Topic:
    if topic_id not in project.topics:
        close = difflib.get_close_matches(topic_id, list(project.topics), n=1)
        hint = (
            f"; did you mean {close[0]!r}?" if close else f" (topics: {', '.join(project.topics)})"
        )
        raise ConfigError(f"{_topic_file(topic_id)}: {role}: no topic {topic_id!r}{hint}")
    return project.topics[topic_id]


def _changed(project_dir: Path, changes: dict[Path, str | None]) -> list[Path]:
    return sorted(project_dir / rel for rel in changes)


def new_topic(
    project_dir: Path, topic_id: str, title: str, question: str, number: int | None = None
) -> list[Path]:
    """Add ``params/topics/<id>.yaml``, last or at ``number`` (active topics from there move down one)."""
    _check_id(topic_id, "id")
    title, question = _one_line(title, "title"), _one_line(question, "question")
    project = load_project(project_dir)
    if topic_id in project.topics:
        raise ConfigError(f"{_topic_file(topic_id)}: id: topic {topic_id!r} exists already")
    active = project.active_topics()
    if number is None:
        number = max((t.number for t in active), default=0) + 1
    elif number < 1:
        raise ConfigError(f"--number: expected a whole number of at least 1, got {number}")
    with _transaction(project) as changes:
        taken = {t.number for t in active}
        for topic in active:
            # a free number needs no room; a taken one moves it and every later topic down
            if topic.number >= number and number in taken:
                rel = _topic_file(topic.id)
                text = _read(project.root / rel, rel)
                changes[rel] = _set_key(text, rel, "number", str(topic.number + 1), "number")
        changes[_topic_file(topic_id)] = _new_topic_text(number, title, question)
    return _changed(project_dir, changes)


def _new_topic_text(number: int, title: str, question: str) -> str:
    return (
        f"number: {number}\n"
        f"title: {_yaml_scalar(title)}\n"
        f"question: {_yaml_scalar(question)}\n"
        "# Optional keys (docs/params.md): summary, evidence, findings, recommendations,\n"
        "# investment, structures, processes. For example:\n"
        "# findings: |\n"
        "#   What the research found; {{ name }} inserts a value declared under evidence.values.\n"
    )


def rename_topic(project_dir: Path, old: str, new: str, title: str | None = None) -> list[Path]:
    """Give topic ``old`` the id ``new`` in its file name and every reference to it.

    References: ``merged_into``, ``topics:`` lists in params (documents, timeline), review
    records' section ids, the ``topic``/``topics`` columns of CSV files under ``data/``,
    ``topics:`` in the survey questions and in notes' front matter, and the default
    ``topic = "old"`` of the project's own notebooks.
    """
    _check_id(new, "new id")
    project = load_project(project_dir)
    _known(project, old, "old id")
    if new in project.topics:
        raise ConfigError(f"{_topic_file(new)}: new id: topic {new!r} exists already")
    root = project.root
    with _transaction(project) as changes:
        source = _topic_file(old)
        text = _read(root / source, source)
        if title is not None:
            value = _yaml_scalar(_one_line(title, "title"))
            text = _set_key(text, source, "title", value, "number")
        changes[source] = None
        changes[_topic_file(new)] = text
        for rel, edit in _reference_files(project, old):
            before = _read(root / rel, rel)
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
                seen.add(path.resolve())
                yield path.relative_to(root), edit

    yield from each([root / _topic_file(t) for t in project.topics if t != old], _rename_in_yaml)
    params = sorted((root / "params").rglob("*.yaml"))
    yield from each([p for p in params if p.parent != root / TOPICS_DIR], _rename_in_yaml)
    yield from each([root / data.survey_questions], _rename_in_yaml)
    notes = root / data.notes
    yield from each(sorted(notes.glob("*.md")) if notes.is_dir() else [], _rename_in_front_matter)
    private = [root / data.pseudonyms, root / "data" / "private"]
    csvs = [root / data.quotes, root / data.discussions, *sorted((root / "data").rglob("*.csv"))]
    public = [p for p in csvs if p not in private and private[1] not in p.parents]
    yield from each(public, _csv_edit)
    notebooks = root / "notebooks"
    yield from each(sorted(notebooks.glob("*.ipynb")) if notebooks.is_dir() else [], _notebook_edit)


def _csv_edit(text: str, shown: Path, old: str, new: str) -> str:
    return _rename_in_csv(text, old, new) if old in text else text  # activity logs are large


def _notebook_edit(text: str, shown: Path, old: str, new: str) -> str:
    # the parameters cell's default, as notebook JSON stores it: "topic = \"old\"\n"
    pattern = re.compile(r'(?<![\w])(topic\s*=\s*(?:\\"|\'))' + re.escape(old) + r'(\\"|\')')
    return pattern.sub(lambda m: m[1] + new + m[2], text)


def merge_topic(project_dir: Path, source: str, target: str) -> list[Path]:
    """Mark ``source`` merged into ``target``; its research data keeps its own topic id.

    Topics merged into ``source`` earlier follow it to ``target``; a document listing
    ``source`` by id lists ``target`` instead (once).
    """
    project = load_project(project_dir)
    from_topic = _known(project, source, "source")
    into = _known(project, target, "target")
    if source == target:
        raise ConfigError(f"{_topic_file(source)}: target: cannot merge {source!r} into itself")
    if into.status is TopicStatus.MERGED:
        raise ConfigError(
            f"{_topic_file(target)}: status: cannot merge into a merged topic; "
            f"{target!r} is merged into {into.merged_into!r}, merge into that instead"
        )
    if into.status is TopicStatus.RETIRED:
        raise ConfigError(f"{_topic_file(target)}: status: cannot merge into a retired topic")
    if from_topic.merged_into == target:
        raise ConfigError(f"{_topic_file(source)}: merged_into: already merged into {target!r}")
    root = project.root
    with _transaction(project) as changes:
        rel = _topic_file(source)
        text = _set_key(_read(root / rel, rel), rel, "status", "merged", "question")
        changes[rel] = _set_key(text, rel, "merged_into", target, "status")
        for topic in merged_from(project, source, transitive=False):
            rel = _topic_file(topic.id)
            changes[rel] = _set_key(_read(root / rel, rel), rel, "merged_into", target, "status")
        docs = Path(DOCUMENTS_FILE)
        before = _read(root / docs, docs)
        after = _retarget_document_lists(before, docs, source, target)
        if after != before:
            changes[docs] = after
    return _changed(project_dir, changes)


def _retarget_document_lists(text: str, shown: Path, source: str, target: str) -> str:
    edits = []
    for seq in _document_topic_lists(_compose(text, shown)):
        items = [i.value for i in seq.value]
        for item in seq.value:
            if _is(item, source):
                edits.append(
                    _drop_item(text, seq, item)
                    if target in items
                    else _scalar_edit(text, item, target)
                )
    return _replace(text, edits)


def _document_topic_lists(node: yaml.Node | None) -> Iterator[yaml.SequenceNode]:
    if not isinstance(node, yaml.MappingNode):
        return
    for key, docs in node.value:
        if _is(key, "documents") and isinstance(docs, yaml.SequenceNode):
            for doc in docs.value:
                if isinstance(doc, yaml.MappingNode):
                    for name, value in doc.value:
                        if _is(name, "topics") and isinstance(value, yaml.SequenceNode):
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
