"""What every page of a document has, and what a notebook may call on any page.

A page kind's section class derives from :class:`Context`: the project, the document and
the values the notebook published so far, with :meth:`Context.value` (publish a number for
the prose), :meth:`Context.figure` (an author's own chart in the house style),
:meth:`Context.new_figure` and :meth:`Context.show_markdown`.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mdm.data.provenance import describe_input
from mdm.errors import NotebookError
from mdm.params.models import Document, NumberFormat
from mdm.params.project import Project, load_project
from mdm.report.figures import figure_html, house_style, new_figure
from mdm.report.published import MarkdownPreview, format_number, markdown_preview, values_output
from mdm.report.render import Html
from mdm.report.tables import check_readable

if TYPE_CHECKING:
    from matplotlib.figure import Figure as MplFigure

__all__ = ["Context", "forget_pyplot", "load_context"]

_VALUE_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


def forget_pyplot(fig: MplFigure) -> None:
    """Close a pyplot figure, so the inline backend does not display it a second time, raw."""
    if "matplotlib.pyplot" in sys.modules:
        import matplotlib.pyplot as plt

        if fig in map(plt.figure, plt.get_fignums()):
            plt.close(fig)


@dataclass(frozen=True)
class Context:
    """What every page has: the project, the document, the values its notebook published."""

    project: Project
    document: Document
    published: dict[str, str] = field(default_factory=dict, kw_only=True, repr=False)
    """Values this notebook published so far (``value``), by name, as prose shows them."""

    def value(self, name: str, value: object, format: NumberFormat | None = None) -> None:
        """Publish ``value`` as ``{{ name }}`` for this section's Markdown cells and prose.

        Numbers are written as evidence values are (``format``: count, decimal, share,
        hours, change, change_pct, text; default from the value's type). JupyterLab
        shows ``name = text`` under the cell; the document shows the value where it is used.
        """
        from IPython.display import display

        if not isinstance(name, str) or not _VALUE_NAME.match(name):
            raise NotebookError(
                f"expected a name of lower-case letters, digits and '_', got {name!r}",
                field="section.value",
            )
        text = format_number(value, format, what=f"section.value({name!r})")
        self.published[name] = text
        display(values_output(name, text), raw=True)  # type: ignore[no-untyped-call]

    def figure(
        self, fig: MplFigure, alt: str = "", *, source: str | None = None, caption: str = ""
    ) -> Html:
        """Any matplotlib figure, in the house style, with alt text (required) and a caption.

        ``source`` names the data file it was drawn from (see :meth:`TopicSection.data`):
        the caption then gives its rows and hash, as mdm's own charts do.
        """
        if not isinstance(alt, str) or not alt.strip():
            raise NotebookError(
                "expected alt text describing what the figure shows, "
                'got none; call section.figure(fig, alt="...")',
                field="section.figure",
            )
        if source is not None:
            caption = self._source_caption(source, caption)
        html = figure_html(house_style(fig), alt=alt, caption=caption)
        forget_pyplot(fig)
        return html

    def _source_caption(self, source: str, caption: str) -> str:
        info = describe_input(check_readable(self.project, source), source)
        rows = f"{info.rows:,} rows, " if info.rows is not None else ""
        lead = f"{caption.rstrip('.')}. " if caption else ""
        return f"{lead}Source: {info.path} ({rows}sha256 {info.digest})."

    def new_figure(self, width: float = 7.5, height: float = 3.6) -> MplFigure:
        """An empty figure in the house style, for a chart of your own."""
        return new_figure(width, height)

    def show_markdown(self, notebook: str | Path | None = None) -> MarkdownPreview:
        """This notebook's Markdown cells as the document will show them, values filled in.

        For JupyterLab (save the notebook first: the saved file is read). ``notebook``
        defaults to the notebook JupyterLab is running; the preview never reaches a document.
        """

        return markdown_preview(notebook, self.published)


def load_context(project_dir: str | Path, document: str) -> Context:
    """Load the project and pick ``document``: what every page's loader starts with."""
    project = load_project(project_dir)
    return Context(project, project.document(document))
