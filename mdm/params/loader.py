"""Read YAML params into pydantic models, with errors that point at a line.

Loading is parse → validate → normalise:

* **parse**: YAML is read with implicit typing switched off except for null,
  so every scalar arrives as a string and the *schema* decides its type. The
  YAML 1.1 traps (``NO`` → False, ``0123`` → 83, ``1.10`` → 1.1) cannot
  happen. Duplicate keys are errors, not silent overwrites. Each node's line
  is remembered by its path (``("topics", 3, "title")``).
* **validate**: pydantic checks the data; its first error per field becomes a
  ``file:line: field: expected ..., got ...`` message.
* **normalise**: the model's own validators (defaults, cross-references).
"""

from __future__ import annotations

from collections.abc import Hashable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from mdm.errors import ConfigError, MdmError, Problem
from mdm.text import read_utf8

__all__ = [
    "FieldError",
    "Located",
    "confine",
    "load_model",
    "parse_yaml",
    "read_yaml",
    "validate",
    "validation_problems",
]

M = TypeVar("M", bound=BaseModel)
Path_ = tuple[str | int, ...]


class FieldError(ValueError):
    """Raised by a model validator about a nested key, e.g. ``FieldError(("roles", 2, "who"), ...)``.

    Model-level validators only know the whole document; the key path they give
    here is carried to the error, so it names the line of the exact key.
    """

    def __init__(self, loc: Path_, message: str) -> None:
        super().__init__(message)
        self.loc = loc
        self.message = message


def confine(path: Path, root: Path, shown: object, error: type[MdmError] = ConfigError) -> Path:
    """``path`` itself, once its real path (symbolic links followed) is known to be inside ``root``.

    The path's text may look inside while a symbolic link leads anywhere on the machine; such a
    file is refused before it is read, and the message does not say where the link leads.
    """
    real, base = path.resolve(), root.resolve()
    if real != base and base not in real.parents:
        raise error(
            "refused: a symbolic link that leads outside the project folder; "
            "inputs must be the project's own files (copy the file in instead)",
            path=str(shown),
        )
    return path


class _StringLoader(yaml.SafeLoader):
    """SafeLoader whose only implicit type is null: everything else is a string."""


_StringLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag == "tag:yaml.org,2002:null"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

# libyaml's parser when PyYAML was built with it (its wheels are): the same documents, about
# ten times faster. Its messages for broken YAML are worded differently, so a document it
# refuses is parsed again by the pure-Python loader, whose messages the docs show.
_FastLoader: type[yaml.SafeLoader] = _StringLoader
if getattr(yaml, "__with_libyaml__", False):

    class _CStringLoader(yaml.CSafeLoader):
        """The same loader on libyaml."""

    _CStringLoader.yaml_implicit_resolvers = _StringLoader.yaml_implicit_resolvers
    _FastLoader = _CStringLoader  # type: ignore[assignment]


class Located:
    """A parsed YAML document and the line of each node in it (1-based)."""

    def __init__(self, path: Path, data: Any, lines: dict[Path_, int]) -> None:
        self.path = path
        self.data = data
        self.lines = lines

    def line_of(self, loc: Path_) -> int | None:
        """Line of the deepest node on ``loc`` that exists in the file."""
        for end in range(len(loc), -1, -1):
            if loc[:end] in self.lines:
                return self.lines[loc[:end]]
        return None


def _walk(node: yaml.Node, path: Path_, lines: dict[Path_, int], file: Path) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: dict[Hashable, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                raise ConfigError(
                    f"expected a plain key, got a {key_node.id}", path=file, line=line
                )
            if key in seen:
                raise ConfigError(
                    f"duplicate key (first defined on line {seen[key]})",
                    path=file,
                    line=line,
                    field=key,
                )
            seen[key] = line
            if node.flow_style and _implicit_null(value_node) and seen:
                _comma_in_flow(node, key_node, path, file)
            _walk(value_node, (*path, key), lines, file)
            lines[(*path, key)] = line
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), lines, file)


def _implicit_null(node: yaml.Node) -> bool:
    """A value left out (``{a: 1, b}``), not one written as ``null`` or ``~``."""
    return isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null") and node.value == ""


def _comma_in_flow(mapping: yaml.MappingNode, key_node: yaml.Node, path: Path_, file: Path) -> None:
    """``{title: Core, regular and casual}``: the comma ended the title, the rest became a key."""
    pairs = mapping.value
    index = next(i for i, (k, _) in enumerate(pairs) if k is key_node)
    if index == 0:
        return
    before, value = pairs[index - 1]
    if not isinstance(value, yaml.ScalarNode) or value.style:  # plain: None, or "" in libyaml
        return
    line = key_node.start_mark.line + 1
    whole = f"{value.value}, {key_node.value}"
    field = ".".join(str(part) for part in (*path, before.value))
    raise ConfigError(
        f"a comma inside {{...}} ends a value, so {key_node.value!r} was read as another key; "
        f'quote the value ({before.value}: "{whole}") or write the mapping in block style',
        path=file,
        line=line,
        field=field,
    )


def read_yaml(path: Path, *, display: Path | None = None) -> Located:
    """Parse one YAML file; ``display`` is the path shown in messages."""
    shown = display or path
    return parse_yaml(read_utf8(path, shown, ConfigError), shown)


def parse_yaml(text: str, shown: Path | str) -> Located:
    """Parse YAML text; ``shown`` names it in messages."""
    shown = Path(shown)
    if _FastLoader is not _StringLoader:
        try:
            return _parse(text, shown, _FastLoader)
        except ConfigError as err:
            if not isinstance(err.__cause__, yaml.YAMLError):
                raise  # a duplicate key or a comma in {...}: mdm's own message either way
    return _parse(text, shown, _StringLoader)


def _parse(text: str, shown: Path, kind: type[yaml.SafeLoader]) -> Located:
    loader = kind(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return Located(shown, {}, {(): 1})
        lines: dict[Path_, int] = {}
        _walk(node, (), lines, shown)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        problem = err.problem or err.context or "invalid YAML"
        raise ConfigError(
            f"invalid YAML: {problem}",
            path=shown,
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
        ) from err
    except yaml.YAMLError as err:
        raise ConfigError(f"invalid YAML: {err}", path=shown) from err
    finally:
        loader.dispose()
    return Located(shown, data, lines)


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return repr(value)


def validation_problems(doc: Located, err: ValidationError, prefix: Path_ = ()) -> list[Problem]:
    """One problem, with the file, line and key, per pydantic error."""
    problems = []
    for item in err.errors(include_url=False):
        loc = (*prefix, *item["loc"])
        kind = item["type"]
        cause = item.get("ctx", {}).get("error")
        if kind == "extra_forbidden":
            text = "unknown key (see docs/params.md for the keys allowed here)"
        elif kind == "missing":
            text = "required key is missing"
        elif isinstance(cause, FieldError):
            loc, text = (*loc, *cause.loc), cause.message
        elif kind == "value_error":
            text = item["msg"].removeprefix("Value error, ")
        else:
            text = f"{item['msg'][0].lower()}{item['msg'][1:]}, got {_describe(item.get('input'))}"
        field = ".".join(str(p) for p in loc) or "(document)"
        problems.append(Problem(text, str(doc.path), doc.line_of(loc), field))
    return problems


def load_model(model: type[M], path: Path, *, display: Path | None = None) -> M:
    """Read ``path`` and validate it as ``model``; raise one ConfigError listing every problem."""
    return validate(model, read_yaml(path, display=display))


def validate(
    model: type[M],
    doc: Located,
    *,
    data: Any = None,
    error: type[MdmError] = ConfigError,
) -> M:
    """Validate ``doc`` (or ``data`` read from it) as ``model``; one ``error`` with every problem."""
    if data is None:
        data = doc.data if doc.data is not None else {}
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise error(problems=validation_problems(doc, err)) from err
