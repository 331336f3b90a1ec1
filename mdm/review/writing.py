"""Appending and amending records in ``params/reviews/*.yaml`` without disturbing the rest.

Built on :mod:`mdm.params.edits`: the file is composed only to find where a list
ends or where a value sits, and only those characters change, so hand-written
comments, quoting, key order and line ends survive. A new record is written as a
block mapping indented like the records before it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path

import yaml

from mdm.errors import ConfigError
from mdm.params.edits import compose, line_ending, replace, yaml_scalar

__all__ = ["HEADER", "append_record", "set_fields"]

HEADER = (
    "# Review records: written by `mdm review`, hand edits welcome; `mdm check` validates them.\n"
)

Value = str | dt.date | Mapping[str, str]


def _scalar(value: str | dt.date) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    one_line = yaml_scalar(value)
    # PyYAML folds a quoted multi-line string over lines; JSON's quoting is YAML and stays on one
    return json.dumps(value, ensure_ascii=False) if "\n" in one_line else one_line


def _block(fields: Mapping[str, Value], indent: int, newline: str) -> str:
    """One list item: ``- key: value`` lines, nested mappings one level deeper."""
    lines = []
    pad = " " * indent
    for number, (key, value) in enumerate(fields.items()):
        lead = f"{pad}- " if number == 0 else f"{pad}  "
        if isinstance(value, Mapping):
            lines.append(f"{lead}{key}:")
            lines += [f"{pad}    {yaml_scalar(k)}: {_scalar(v)}" for k, v in value.items()]
        else:
            lines.append(f"{lead}{key}: {_scalar(value)}")
    return newline.join(lines) + newline


def _end_of(node: yaml.Node) -> int:
    """Where a node's own text ends (a block collection's end mark runs past trailing comments)."""
    if (
        isinstance(node, yaml.MappingNode | yaml.SequenceNode)
        and not node.flow_style
        and node.value
    ):
        last = node.value[-1]
        return _end_of(last[1] if isinstance(node, yaml.MappingNode) else last)
    return int(node.end_mark.index)


def _line_end(text: str, index: int) -> int:
    """The index just past the end of the line ``index`` is on."""
    if index > 0 and text[index - 1] == "\n":
        return index
    found = text.find("\n", index)
    return len(text) if found < 0 else found + 1


def _top(text: str, shown: Path) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    node = compose(text, shown)
    if node is None:
        return {}
    if not isinstance(node, yaml.MappingNode) or node.flow_style:
        raise ConfigError(
            "expected a block mapping with a list under a key, to append to", path=shown, line=1
        )
    return {k.value: (k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode)}


def append_record(text: str | None, shown: Path, key: str, fields: Mapping[str, Value]) -> str:
    """``text`` with a record added at the end of the list under top-level ``key``."""
    if text is None:
        return f"{HEADER}{key}:\n{_block(fields, 2, chr(10))}"
    newline = line_ending(text)
    found = _top(text, shown).get(key)
    if found is None:
        glue = "" if not text or text.endswith("\n") else newline
        return f"{text}{glue}{key}:{newline}{_block(fields, 2, newline)}"
    name, items = found
    if isinstance(items, yaml.SequenceNode) and not items.flow_style and items.value:
        at = _line_end(text, _end_of(items.value[-1]))
        # the dash of the first item gives the list's indentation
        indent = items.start_mark.column
        glue = "" if text[:at].endswith("\n") else newline
        return text[:at] + glue + _block(fields, indent, newline) + text[at:]
    if not _empty(items):
        line = name.start_mark.line + 1
        raise ConfigError(
            "expected a block list (one record per line) to append to",
            path=shown,
            line=line,
            field=key,
        )
    # `key:` or `key: []` with nothing in it yet: the value becomes the block list
    at = _line_end(text, items.end_mark.index)
    head = text[: name.end_mark.index] + ":" + newline
    return head + _block(fields, 2, newline) + text[at:]


def _empty(node: yaml.Node) -> bool:
    if isinstance(node, yaml.ScalarNode):
        return node.value in ("", "~", "null")
    return isinstance(node, yaml.SequenceNode) and not node.value


def set_fields(text: str, shown: Path, key: str, index: int, fields: Mapping[str, str]) -> str:
    """``text`` with fields of record ``index`` in the list under ``key`` set (added if absent)."""
    items = _top(text, shown)[key][1]
    if not isinstance(items, yaml.SequenceNode) or not isinstance(
        item := items.value[index], yaml.MappingNode
    ):
        raise ConfigError("expected a record (a mapping)", path=shown, field=f"{key}.{index}")
    newline = line_ending(text)
    present = {k.value: v for k, v in item.value if isinstance(k, yaml.ScalarNode)}
    edits: list[tuple[int, int, str]] = []
    added = []
    for name, value in fields.items():
        node = present.get(name)
        if node is None:
            added.append((name, value))
            continue
        end = int(node.end_mark.index)
        keep = newline if isinstance(node, yaml.ScalarNode) and node.style in ("|", ">") else ""
        edits.append((int(node.start_mark.index), end, _scalar(value) + keep))
    if added and item.flow_style:
        close = int(item.end_mark.index) - 1  # the closing brace
        edits.append((close, close, "".join(f", {k}: {_scalar(v)}" for k, v in added)))
    elif added:
        at = _line_end(text, _end_of(item))
        pad = " " * item.value[0][0].start_mark.column
        lines = "".join(f"{pad}{k}: {_scalar(v)}{newline}" for k, v in added)
        edits.append((at, at, lines if text[:at].endswith("\n") else newline + lines))
    return replace(text, edits)
