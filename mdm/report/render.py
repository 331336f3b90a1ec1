"""Turn trusted params and untrusted research text into safe HTML fragments.

Everything a section shows is rendered here: Jinja2 templates with
autoescaping, and Markdown through markdown-it with raw HTML switched off, so
text from volunteers and surveys can never inject markup.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

import jinja2
from markdown_it import MarkdownIt

if TYPE_CHECKING:
    from mdm.params.project import SectionSpec

__all__ = ["Fragment", "Html", "markdown", "render"]


class Html(str):
    """An HTML fragment that Jupyter displays as HTML."""

    __slots__ = ()

    def _repr_html_(self) -> str:
        return str(self)

    def _repr_mimebundle_(
        self, include: Any = None, exclude: Any = None
    ) -> tuple[dict[str, str], dict[str, str]]:
        # the metadata marks the output as mdm's: documents show no other code-cell output
        return {"text/html": str(self), "text/plain": repr(self)}, {"mdm": "section"}

    def __html__(self) -> str:
        # markupsafe protocol: Jinja inserts an Html value as markup, unescaped
        return str(self)

    def __repr__(self) -> str:
        return f"Html({len(self)} characters)"


@cache
def _markdown(typographer: bool = True) -> MarkdownIt:
    # html=False: raw HTML in the source is shown as text, never as markup.
    parser = MarkdownIt("commonmark", {"html": False, "typographer": typographer})
    parser.enable(["table", "strikethrough"])
    return parser.enable(["replacements", "smartquotes"]) if typographer else parser


def markdown(text: str, *, as_written: bool = False) -> Html:
    """Render Markdown to HTML; raw HTML and unsafe link schemes are neutralised.

    The team's own prose gets typographic quotes and dashes; research text (``as_written``:
    notes, what people wrote) keeps its straight quotes, ``--`` and ``(c)`` exactly as written.
    """
    return Html(_markdown(not as_written).render(text))


def _as_written(text: str) -> Html:
    return markdown(text, as_written=True)


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("mdm", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["markdown"] = markdown
    env.filters["markdown_as_written"] = _as_written
    return env


def render(template: str, **context: Any) -> Html:
    """Render one of mdm's templates with autoescaping."""
    return Html(_environment().get_template(template).render(**context))


@dataclass(frozen=True)
class Fragment:
    """One section's sanitised body HTML, the heading it starts with, and its digest.

    The digest identifies what a reader sees in the section; a sign-off records
    the digest it approved, so any change to the section shows as needing re-review.
    """

    spec: SectionSpec
    html: Html
    anchor: str
    title: str

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.html.encode("utf-8")).hexdigest()[:12]
