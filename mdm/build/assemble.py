"""Assemble executed section notebooks into one HTML document, and print it to PDF.

Each notebook becomes an HTML fragment through nbconvert (mdm's template,
code inputs removed, author notes dropped, ``{{ name }}`` in Markdown cells
replaced with the values the notebook published, and of the code cells' outputs
only those mdm's section API displayed kept); the fragments are
sanitised, wrapped in a cover and a table of contents built from each
section's own heading, and written as one self-contained file. WeasyPrint
turns that file into a PDF with page numbers, a TOC with page references and
bookmarks; it may read nothing but the document itself.
"""

from __future__ import annotations

import datetime as dt
import gc
import warnings
from collections.abc import Mapping, Sequence
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from mdm.build.run import SectionResult
from mdm.errors import BuildError, NotebookError
from mdm.params.models import Document
from mdm.params.notebooks import REMOVE_TAGS
from mdm.params.project import Project, SectionSpec
from mdm.report.evidence import Research, data_day, pinned_day
from mdm.report.published import SHOWN, fill, published_values
from mdm.report.render import Fragment, Html, render
from mdm.version import __version__

__all__ = ["Fragment", "notebook_fragment", "render_document", "write_pdf"]

TEMPLATES = Path(__file__).resolve().parents[1] / "templates" / "nbconvert"


class _FirstHeading(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.anchor: str | None = None
        self.title = ""
        self._inside = False
        self.done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "h2" and not self.done:
            self.anchor = dict(attrs).get("id")
            self._inside = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "h2" and self._inside:
            self._inside, self.done = False, True

    def handle_data(self, data: str) -> None:
        if self._inside:
            self.title += data


@cache
def _exporter() -> Any:
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    exporter = HTMLExporter(
        template_name="mdm",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        anchor_link_text="",
    )
    exporter.register_preprocessor(
        TagRemovePreprocessor(remove_cell_tags=set(REMOVE_TAGS), enabled=True), enabled=True
    )
    return exporter


def _shown_output(output: Any) -> bool:
    """Whether a code cell's output reaches readers: only what mdm's section API displayed.

    Everything else an author's cell prints (print() text, warnings, tracebacks,
    DataFrame reprs, bare pyplot images, published values) stays in the notebook.
    """

    return output.output_type in ("display_data", "execute_result") and all(
        output.get("metadata", {}).get(k) == v for k, v in SHOWN.items()
    )


def _author_cells(nb: Any) -> list[tuple[int, Any]]:
    """(position as the author counts it, cell): papermill's injected cell is not counted."""
    cells = [c for c in nb.cells if "injected-parameters" not in c.metadata.get("tags", [])]
    return list(enumerate(cells, start=1))


def _fill_markdown(nb: Any, result: SectionResult) -> None:
    """Replace ``{{ name }}`` in the Markdown cells with the values the notebook published."""

    values = published_values(o for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    for position, cell in _author_cells(nb):
        if cell.cell_type != "markdown" or REMOVE_TAGS & set(cell.metadata.get("tags", [])):
            continue
        first = next((ln.strip() for ln in cell.source.splitlines() if ln.strip()), "")
        cell.source, unknown = fill(cell.source, values)
        if unknown:
            spec = result.spec
            raise NotebookError(
                f"unknown value {{{{ {unknown[0]} }}}} (published: "
                f"{', '.join(values) or 'none'}); publish it from a code cell with "
                f"section.value({unknown[0]!r}, ...)",
                path=_shown_notebook(spec),
                field=first[:60],
                cell=position,
                section=f"{spec.id} ({spec.document})",
            )


def _shown_notebook(spec: SectionSpec) -> str:
    root = Path(spec.parameters.get("project_dir", "."))
    try:
        return str(spec.notebook.relative_to(root))
    except ValueError:
        return str(spec.notebook)


def _reader_outputs(nb: Any, section: str) -> None:
    """Keep only what a reader should see: mdm's outputs, no papermill metadata."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if _shown_output(o)]
    # a code cell that shows nothing (parameters, imports, a piece with nothing to say)
    # would leave an empty wrapper, and a gap on the page, behind
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if not _blank(o)]
    nb.cells = [c for c in nb.cells if c.cell_type != "code" or c.outputs]
    for index, cell in enumerate(nb.cells):
        cell.metadata = {"tags": [t for t in cell.metadata.get("tags", []) if t in REMOVE_TAGS]}
        # nbconvert anchors each cell by its id; ids repeat across sections of one document
        cell.id = f"{section}-{index}"
    nb.metadata.pop("papermill", None)


def _blank(output: Any) -> bool:
    """An output that shows nothing: empty HTML (``Html("")``) and no other representation."""
    if output.output_type not in ("display_data", "execute_result"):
        return False
    data = output.get("data", {})
    html = data.get("text/html")
    return (
        html is not None and not "".join(html).strip() and set(data) <= {"text/html", "text/plain"}
    )


def notebook_fragment(result: SectionResult) -> Fragment:
    """Convert one executed notebook into a section fragment."""
    import nbformat

    # deferred: nh3 load only when this runs
    from mdm.build.sanitize import sanitize_fragment

    nb = nbformat.read(result.path, as_version=4)
    _fill_markdown(nb, result)
    _reader_outputs(nb, result.spec.id)
    body, _ = _exporter().from_notebook_node(nb, resources={"mdm_fragment": True})
    body = sanitize_fragment(body)
    heading = _FirstHeading()
    heading.feed(body)
    if not heading.anchor:
        raise BuildError(
            "expected the section to start with an <h2 id=...> heading (the table of contents "
            "links to it), found none",
            section=f"{result.spec.id} ({result.spec.notebook.name})",
        )
    return Fragment(result.spec, Html(body), heading.anchor, " ".join(heading.title.split()))


def render_document(
    project: Project,
    doc_id: str,
    fragments: Sequence[Fragment],
    badges: Mapping[str, Html] | None = None,
    appendix: Sequence[tuple[str, str, Html]] = (),
    as_of: dt.date | None = None,
) -> str:
    """The whole document as one self-contained HTML page.

    ``badges`` (section id → HTML) are review-status badges shown above sections;
    they are added here, after the digests were taken, so they never change one. The cover
    says the day the numbers are as of (``as_of``, by default the document's pinned day or the
    data's last day); the build date is in the colophon.
    """
    badges, status = _common_badge(badges or {}, [f.spec.id for f in fragments])
    sections = [
        {
            "id": f.spec.id,
            "anchor": f.anchor,
            "title": f.title,
            "digest": f.digest,
            "badge": badges.get(f.spec.id, Html("")),
            "html": f.html,
        }
        for f in fragments
    ]
    # pages mdm writes itself (anchor, title, html): not signable, so no digest or badge
    sections += [
        {
            "id": anchor,
            "anchor": anchor,
            "title": title,
            "digest": "",
            "badge": Html(""),
            "html": html,
        }
        for anchor, title, html in appendix
    ]
    document = project.document(doc_id)
    return render(
        "document.html.j2",
        project=project,
        document=document,
        sections=sections,
        status=status,
        version=__version__,
        built=dt.date.today().isoformat(),
        as_of=as_of or _numbers_day(project, document),
    )


def _numbers_day(project: Project, document: Document) -> dt.date | None:
    """The day a document's numbers are as of: its pinned day, else the data's last day."""
    research = Research(project, document)
    if not research.exists("events"):
        return pinned_day(project, document)
    return data_day(research)


PDF_UA = "pdf/ua-1"
"""Tagged PDF for screen readers: structure tree, language, title, bookmarks."""
PDF_A = "pdf/a-3u"
"""Archival PDF (fonts embedded, colour profile, Unicode text) for releases; also tagged."""


def _common_badge(
    badges: Mapping[str, Html], sections: Sequence[str]
) -> tuple[dict[str, Html], Html]:
    """Say the sign-off state once: the badge most sections share, and the ones that differ.

    The shared badge is shown once, in the summary; a section keeps its own badge only
    when its state differs from that.
    """
    shown = [badges[s] for s in sections if s in badges]
    if len(shown) < 2:
        return dict(badges), Html("")
    counts: dict[str, int] = {}
    for badge in shown:
        counts[badge] = counts.get(badge, 0) + 1
    common = max(counts, key=lambda b: counts[b])
    if counts[common] < 2:
        return dict(badges), Html("")
    return {s: b for s, b in badges.items() if b != common}, Html(common)


def write_pdf(html: str, target: Path, variant: str = PDF_UA) -> str:
    """Print the HTML document to ``target`` with WeasyPrint, tagged for accessibility
    (``variant``: PDF/UA, or PDF/A for releases); return the text it printed.

    The text is what the pages show, one laid-out line per line, for the privacy guard to
    search without reading the PDF back.
    """
    import weasyprint
    from weasyprint.urls import URLFetcher

    # the document is self-contained: anything but an embedded data: URL would
    # leak a request or read a local file, so nothing else may be fetched
    fetcher = URLFetcher(allowed_protocols={"data"})
    try:
        with warnings.catch_warnings():
            # WeasyPrint leaves its sRGB profile (PDF/A output intent) open; the file is
            # closed when the document is collected, which is all the warning is about
            warnings.simplefilter("ignore", ResourceWarning)
            options = {"pdf_variant": variant, "pdf_tags": True, "uncompressed_pdf": False}
            document = weasyprint.HTML(string=html, url_fetcher=fetcher, base_url=None).render(
                **options
            )
            document.write_pdf(target, **options)
            text = _printed_text(document)
            del document
            gc.collect()
    except OSError as err:
        raise BuildError(f"cannot write PDF: {err.strerror or err}", path=target) from err
    return text


def _printed_text(document: Any) -> str:
    """What the PDF holds as text: every laid-out line of every page, the link targets and
    the metadata (title, authors, ...), one per line."""
    from weasyprint.formatting_structure import boxes

    meta = document.metadata
    lines = [
        meta.title or "",
        *(meta.authors or []),
        meta.description or "",
        *(meta.keywords or []),
    ]
    for page in document.pages:
        for box in page._page_box.descendants():
            if isinstance(box, boxes.LineBox):
                lines.append(
                    "".join(b.text for b in box.descendants() if isinstance(b, boxes.TextBox))
                )
        lines += [target for kind, target, *_ in page.links if kind == "external"]
    return "\n".join(lines)
