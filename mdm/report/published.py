"""What a section notebook publishes for its document besides its HTML: named values.

A code cell publishes ``section.value("unanswered_threads", n)``; the value is
formatted the way evidence values are and written into the cell's outputs under
:data:`VALUES_MIME` (JupyterLab shows the plain-text line ``name = value``). When
the document is assembled, every ``{{ name }}`` in the notebook's Markdown cells is
replaced with the published text; :func:`fill` does the replacing.

Outputs that mdm's section API displays carry ``{"mdm": "section"}`` in their
metadata (:data:`SHOWN`); documents show those and no other code-cell output.
"""

from __future__ import annotations

import datetime as dt
import html
import math
import numbers
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from mdm.params.models import REFERENCE, NumberFormat, ValueSpec
from mdm.params.notebooks import REMOVE_TAGS
from mdm.report.evidence import Value, format_value

__all__ = [
    "SHOWN",
    "VALUES_MIME",
    "MarkdownPreview",
    "escape_markdown",
    "fill",
    "format_number",
    "markdown_preview",
    "published_values",
    "values_output",
]

VALUES_MIME = "application/vnd.mdm.values+json"
SHOWN = {"mdm": "section"}

# each number format written by the evidence formatter, through the metric whose column it fits
_AS_EVIDENCE: dict[str, ValueSpec] = {
    "count": ValueSpec(metric="contributors"),
    "share": ValueSpec(metric="conversion_rate", column="rate"),
    "hours": ValueSpec(metric="time_to_first_response", column="median_hours"),
    "change": ValueSpec(metric="contributors", value="change"),
    "change_pct": ValueSpec(metric="contributors", value="change_pct"),
}
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~{}])")


def _default_format(value: object) -> NumberFormat:
    if isinstance(value, numbers.Integral):
        return "count"
    if isinstance(value, numbers.Real):
        return "count" if float(value).is_integer() else "decimal"
    return "text"


def format_number(value: Any, fmt: NumberFormat | None = None, *, what: str = "value") -> str:
    """``value`` as prose shows it: 1,234 · 23% · 5.2 hours · +12 · +12.3% · 3.5 · text."""
    if isinstance(value, bool):
        raise TypeError(f"{what}: expected a number or text, got a bool ({value}); say it in words")
    if value is None or (isinstance(value, numbers.Real) and math.isnan(float(value))):
        return "n/a"
    fmt = fmt or _default_format(value)
    if fmt == "text":
        if isinstance(value, dt.date | dt.datetime):
            return value.isoformat()
        return str(value)
    if not isinstance(value, numbers.Real):
        raise TypeError(f"{what}: format {fmt!r} expects a number, got {value!r}")
    if fmt == "decimal":
        return f"{float(value):,.1f}".replace("-", "−")
    return format_value(Value(_AS_EVIDENCE[fmt], float(value), None, None))


def escape_markdown(text: str) -> str:
    """``text`` as literal Markdown: a published value never turns into markup."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def values_output(name: str, text: str) -> dict[str, Any]:
    """The display bundle that publishes one value (raw, for ``IPython.display.display``)."""
    return {VALUES_MIME: {name: text}, "text/plain": f"{name} = {text}"}


def published_values(outputs: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Every value published in ``outputs`` (cell outputs in order; a later one wins)."""
    values: dict[str, str] = {}
    for output in outputs:
        data = output.get("data", {})
        if output.get("output_type") == "display_data" and VALUES_MIME in data:
            values.update({str(k): str(v) for k, v in dict(data[VALUES_MIME]).items()})
    return values


def fill(text: str, values: Mapping[str, str], escape: bool = True) -> tuple[str, list[str]]:
    """``text`` with each ``{{ name }}`` replaced, and the names it used that ``values`` lacks."""
    unknown: list[str] = []

    def one(match: re.Match[str]) -> str:
        name = match[1]
        if name not in values:
            unknown.append(name)
            return match[0]
        return escape_markdown(values[name]) if escape else values[name]

    return REFERENCE.sub(one, text), list(dict.fromkeys(unknown))


def _notebook_cells(path: Path) -> list[Any]:
    if path.suffix == ".ipynb":
        import nbformat

        return list(nbformat.read(path, as_version=4).cells)
    import jupytext

    return list(jupytext.read(path).cells)


class MarkdownPreview(str):
    """HTML that JupyterLab shows and documents drop (it is not marked as mdm's output)."""

    __slots__ = ()

    def _repr_html_(self) -> str:
        return str(self)


def markdown_preview(notebook: str | Path | None, values: Mapping[str, str]) -> MarkdownPreview:
    """The saved notebook's Markdown cells with ``values`` filled in, for JupyterLab.

    ``notebook`` defaults to the file of the running JupyterLab session
    (``JPY_SESSION_NAME``); a name no value has is shown highlighted, and listed.
    """
    # deferred: jinja2 and markdown_it load only when this runs
    from mdm.report.render import markdown

    path = notebook or os.environ.get("JPY_SESSION_NAME")
    if not path or not Path(path).is_file():
        return MarkdownPreview(
            "<p><em>show_markdown: no saved notebook to read; pass its path, "
            "e.g. section.show_markdown('my-topic.ipynb')</em></p>"
        )
    blocks, missing = [], []
    for cell in _notebook_cells(Path(path)):
        if cell.cell_type != "markdown" or REMOVE_TAGS & set(cell.metadata.get("tags", [])):
            continue
        text, unknown = fill(cell.source, values)
        missing += unknown
        blocks.append(markdown(text))
    body = "".join(blocks)
    for name in dict.fromkeys(missing):
        mark = html.escape("{{ " + name + " }}")
        body = body.replace(mark, f'<mark title="not published">{mark}</mark>')
    note = (
        f"<p><strong>Not published yet:</strong> {html.escape(', '.join(dict.fromkeys(missing)))}"
        " (the build stops on these)</p>"
        if missing
        else ""
    )
    return MarkdownPreview(
        '<div class="mdm-markdown-preview" style="border-left:4px solid #0072B2;'
        'padding:0 1em"><p><em>Preview: the Markdown cells as the document shows them '
        f"(this preview is not part of the document)</em></p>{note}{body}</div>"
    )
