"""Surgical edits to a project's files, applied as one transaction under the project's lock.

Edits are surgical: a YAML file is parsed only to find where a value sits, and
just that value's characters are replaced, so comments, quoting, key order,
CRLF line ends and a BOM survive. A CSV file is rewritten record by record and
only the records that change are re-serialised.

Commands that change a project's files (``mdm review ...``, ``new-topic``,
``rename-topic``, ``merge-topic``) run whole under :func:`project_lock`: one at a
time per project, each reads the files, checks its change against them, gives out
ids and writes, with no other command in between, so two reviewers recording at
once both keep their record. Data files the imports write too are also held by
their own lock (:func:`mdm.files.exclusive`) from the moment they are read. Every
command collects its new file contents first, writes them (each in one rename),
and loads the project again; if that fails, every file is put back as it was and
the error is raised.
"""

from __future__ import annotations

import csv
import functools
import io
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Concatenate, ParamSpec, TypeVar

import yaml

from mdm.errors import BusyError, ConfigError, MdmError
from mdm.files import LOCK_TIMEOUT, exclusive, holder, write_atomic
from mdm.params.project import Project, load_project
from mdm.params.reviews import REVIEWS_DIR, load_reviews

__all__ = [
    "Changes",
    "compose",
    "is_node",
    "line_ending",
    "locked",
    "project_lock",
    "read",
    "rename_in_csv",
    "rename_in_front_matter",
    "rename_in_yaml",
    "replace",
    "scalar_edit",
    "set_key",
    "transaction",
    "yaml_scalar",
]

P = ParamSpec("P")
R = TypeVar("R")

# the project's lock guards its params folder (the lock file sits beside it, in the project root)
_GUARDED = "params"
# folders only mdm's params-editing commands write: no other command needs their files' own locks
_OWN_FOLDERS = ("params", "notebooks")
# research notes: written by hand only (no import writes them), so they need no lock file beside
_HAND_WRITTEN = ".md"
_held = threading.local()


def read(path: Path, shown: Path) -> str:
    """The file's text exactly as stored: BOM and CRLF kept, so edits change nothing else."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise ConfigError("expected UTF-8 text", path=shown, line=line) from err


@contextmanager
def project_lock(project_dir: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold the project's write lock: one command at a time reads, checks and changes its files.

    Waits up to ``timeout`` seconds (default :data:`~mdm.files.LOCK_TIMEOUT`) for another
    command, then raises :class:`~mdm.errors.BusyError` naming its pid. A thread that holds
    the lock already enters again at once (a command calling another).
    """
    timeout = LOCK_TIMEOUT if timeout is None else timeout
    root = project_dir.resolve()
    held: set[Path] = _held.__dict__.setdefault("roots", set())
    if root in held or not (root / _GUARDED).is_dir():  # not a project: loading it will say so
        yield
        return
    with ExitStack() as stack:
        try:
            stack.enter_context(exclusive(root / _GUARDED, timeout=timeout))
        except BusyError:
            raise BusyError(
                f"another mdm command is changing this project ({holder(root / _GUARDED)}); "
                f"waited {timeout:g} s: try again when it has finished",
                path=_GUARDED,
            ) from None
        held.add(root)
        try:
            yield
        finally:
            held.discard(root)


def locked(command: Callable[Concatenate[Path, P], R]) -> Callable[Concatenate[Path, P], R]:
    """``command(project_dir, ...)`` run whole under :func:`project_lock`."""

    @functools.wraps(command)
    def run(project_dir: Path, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with project_lock(project_dir):
            return command(project_dir, *args, **kwargs)

    return run


class Changes(dict[Path, str | None]):
    """New contents by project-relative path (None: delete), collected by one command."""

    def __init__(self, root: Path, locks: ExitStack) -> None:
        super().__init__()
        self.root = root
        self._locks = locks
        self._held: set[Path] = set()

    def lock(self, paths: Iterable[Path]) -> None:
        """Take the own lock of each data file in ``paths`` (in order of name: no deadlock)."""
        for rel in sorted(set(paths)):
            shared = rel.parts[:1] and rel.parts[0] not in _OWN_FOLDERS
            if shared and rel not in self._held and rel.suffix != _HAND_WRITTEN:
                # an import may be writing it: hold it from before it is read until written
                self._locks.enter_context(exclusive(self.root / rel, shown=rel))
                self._held.add(rel)

    def read(self, rel: Path) -> str:
        """The text of project file ``rel``, read under its lock."""
        self.lock([rel])
        return read(self.root / rel, rel)


@contextmanager
def transaction(project: Project) -> Iterator[Changes]:
    """Collect new contents by project-relative path, apply, verify, or undo all.

    Runs under :func:`project_lock`; files are read for the change with
    :meth:`Changes.read`, so a data file an import also writes is held from then on.
    A change to review records alone is checked against ``project``, which the caller
    loaded under the same lock (no other command can have changed the params since).
    """
    root = project.root
    with project_lock(root), ExitStack() as locks:
        changes = Changes(root, locks)
        yield changes
        changes.lock(changes)
        saved = {
            rel: (root / rel).read_bytes() if (root / rel).exists() else None for rel in changes
        }
        # review records are checked after any change, as mdm check would; a change to params
        # too is checked by loading the project again, and its review records with it, unless
        # they were broken already (review records name sections)
        params = any(not rel.is_relative_to(REVIEWS_DIR) for rel in changes)
        reviews_valid = not params or _loads(load_reviews, project)
        try:
            for rel, text in changes.items():
                if text is None:
                    (root / rel).unlink(missing_ok=True)
                else:
                    (root / rel).parent.mkdir(parents=True, exist_ok=True)
                    write_atomic(root / rel, text.encode("utf-8"))
            changed = load_project(root) if params else project
            if reviews_valid:
                load_reviews(changed)
        except BaseException:
            for rel, content in saved.items():
                if content is None:
                    (root / rel).unlink(missing_ok=True)
                else:
                    write_atomic(root / rel, content)
            raise


def _loads(load: Callable[[Project], object], project: Project) -> bool:
    try:
        load(project)
    except MdmError:
        return False
    return True


# --- YAML: where values sit -------------------------------------------------------------------


def compose(text: str, shown: Path, offset: int = 0) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = text[:offset].count("\n") + mark.line + 1 if mark else None
        raise ConfigError("not valid YAML; fix it first", path=shown, line=line) from err


def yaml_scalar(text: str) -> str:
    """``text`` as a one-line YAML scalar: plain when that reads back as the same text."""
    dumped = yaml.safe_dump({"k": text}, allow_unicode=True, width=1_000_000)
    return dumped[len("k: ") :].rstrip("\n")


def replace(text: str, edits: list[tuple[int, int, str]]) -> str:
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    return text


def scalar_edit(text: str, node: yaml.Node, value: str, offset: int = 0) -> tuple[int, int, str]:
    """Replace a scalar's value, keeping its quotes (ids never need others)."""
    start, end = node.start_mark.index + offset, node.end_mark.index + offset
    if isinstance(node, yaml.ScalarNode) and node.style in ("|", ">"):
        return start, end, value + line_ending(text)
    quote = text[start] if text[start] in "'\"" else ""
    return start, end, quote + value + quote


def line_ending(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def _top_level(text: str, shown: Path) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    node = compose(text, shown)
    if not isinstance(node, yaml.MappingNode) or node.flow_style:
        raise ConfigError(
            "expected a block mapping of keys (one per line) to edit", path=shown, line=1
        )
    return {k.value: (k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode)}


def set_key(text: str, shown: Path, key: str, value: str, after: str) -> str:
    """Set top-level ``key`` to ``value``: in place, or as a new line after key ``after``."""
    keys = _top_level(text, shown)
    if key in keys:
        return replace(text, [scalar_edit(text, keys[key][1], value)])
    end = keys[after][1].end_mark.index if after in keys else len(text)
    if end < len(text) and text[end - 1] != "\n":
        end = text.find("\n", end) + 1 or len(text)
    newline = line_ending(text)
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
            yield from ((i, new) for i in items if is_node(i, old))
        elif name == "section" and is_node(value, f"topic-{old}"):
            yield value, f"topic-{new}"
        elif name == "sections" and isinstance(value, yaml.MappingNode):
            yield from ((k, f"topic-{new}") for k, _ in value.value if is_node(k, f"topic-{old}"))
        yield from _topic_refs(value, old, new)


def is_node(node: yaml.Node, value: str) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.value == value


def rename_in_yaml(text: str, shown: Path, old: str, new: str) -> str:
    edits = [scalar_edit(text, n, v) for n, v in _topic_refs(compose(text, shown), old, new)]
    return replace(text, edits)


def rename_in_front_matter(text: str, shown: Path, old: str, new: str) -> str:
    match = re.match(r"^\ufeff?---\r?\n(.*?\r?\n)---\r?$", text, re.DOTALL | re.MULTILINE)
    if not match:
        return text
    offset, front = match.start(1), match[1]
    node = compose(front, shown, offset)
    edits = [scalar_edit(text, n, v, offset) for n, v in _topic_refs(node, old, new)]
    return replace(text, edits)


# --- CSV: the topic columns --------------------------------------------------------------------


def rename_in_csv(text: str, old: str, new: str) -> str:
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


# --- a top-level list of text (mdm people: bots:, not_bots:) ---------------------------------


def set_list(text: str, shown: Path, key: str, values: list[str], after: str) -> str:
    """Set top-level ``key`` to the flow list ``values`` (``["a", "b c"]``) in place, keeping
    everything around it; or add it as a new line after key ``after``."""
    import json  # JSON strings are YAML double-quoted scalars: "dependabot[bot]" stays one

    flow = "[" + ", ".join(json.dumps(v, ensure_ascii=False) for v in values) + "]"
    keys = _top_level(text, shown)
    if key not in keys:
        return set_key(text, shown, key, flow, after)
    name, node = keys[key]
    colon = text.index(":", name.end_mark.index)
    end = max(node.end_mark.index, colon + 1)
    while end > colon + 1 and text[end - 1] in " \t\r\n":
        end -= 1
    return text[: colon + 1] + " " + flow + text[end:]
