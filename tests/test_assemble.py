"""Assembly without a kernel: executed notebooks made by hand, fragments, the document, the PDF."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader

from mdm.build.assemble import Fragment, notebook_fragment, render_document, write_pdf
from mdm.build.run import SectionResult
from mdm.errors import BuildError
from mdm.params.project import load_project
from mdm.report.render import Html


def executed(path: Path, *cells: nbformat.NotebookNode) -> Path:
    nb = nbformat.v4.new_notebook(cells=list(cells))
    nbformat.write(nb, path)
    return path


def html_output(html: str, *, mdm: bool = True, **cell: object) -> nbformat.NotebookNode:
    """A code cell that displayed ``html``: through mdm's section API, or (``mdm=False``) not."""
    code = nbformat.v4.new_code_cell("section.findings()", **cell)
    metadata = {"mdm": "section"} if mdm else {}
    code.outputs = [
        nbformat.v4.new_output("display_data", data={"text/html": html}, metadata=metadata)
    ]
    return code


def test_a_fragment_keeps_what_readers_see_and_drops_the_rest(tiny: Path, tmp_path: Path) -> None:
    spec = load_project(tiny).sections("proposal")[1]
    error = nbformat.v4.new_code_cell("1 / 0")
    error.outputs = [nbformat.v4.new_output("error", ename="ZeroDivisionError", evalue="x")]
    stderr = nbformat.v4.new_code_cell("warn()")
    stderr.outputs = [nbformat.v4.new_output("stream", name="stderr", text="DeprecationWarning")]
    path = executed(
        tmp_path / "s.ipynb",
        nbformat.v4.new_code_cell("topic = 'x'", metadata={"tags": ["parameters"]}),
        html_output('<h2 id="book-sales">Book <em>sales</em></h2><p>Found.</p>'),
        html_output("<p>draft thoughts</p>", metadata={"tags": ["notes"]}),
        error,
        stderr,
        html_output('<p onclick="steal()">clicked</p><script>steal()</script>'),
        html_output("<table><tr><td>raw DataFrame repr</td></tr></table>", mdm=False),
    )
    fragment = notebook_fragment(SectionResult(spec, path, 0.0))
    assert (fragment.anchor, fragment.title) == ("book-sales", "Book sales")
    text = BeautifulSoup(fragment.html, "html.parser").get_text(" ", strip=True)
    assert "Found." in text and "clicked" in text
    for hidden in (
        "draft thoughts",
        "ZeroDivisionError",
        "DeprecationWarning",
        "topic = 'x'",
        "repr",
    ):
        assert hidden not in fragment.html
    assert "onclick" not in fragment.html and "<script" not in fragment.html


def test_a_section_must_start_with_a_heading(tiny: Path, tmp_path: Path) -> None:
    spec = load_project(tiny).sections("proposal")[1]
    path = executed(tmp_path / "s.ipynb", html_output("<p>no heading</p>"))
    with pytest.raises(BuildError, match=rf"^section {spec.id} \(topic\.ipynb\): expected the"):
        notebook_fragment(SectionResult(spec, path, 0.0))


def fragments(tiny: Path) -> list[Fragment]:
    project = load_project(tiny)
    return [
        Fragment(
            spec,
            Html(f'<h2 id="{spec.id}">{spec.title}</h2><p>About {spec.id}.</p>'),
            spec.id,
            spec.title,
        )
        for spec in project.sections("proposal")
    ]


def test_the_document_lists_its_sections_in_order_with_their_digests(tiny: Path) -> None:
    parts = fragments(tiny)
    html = render_document(load_project(tiny), "proposal", parts)
    soup = BeautifulSoup(html, "html.parser")
    assert soup.title is not None and "Investing in our volunteers" in soup.title.get_text()
    assert [a["href"] for a in soup.select("nav a[href^='#']")] == [f"#{f.anchor}" for f in parts]
    for f in parts:
        assert soup.find(id=f.anchor) is not None
        assert f.digest in html
    assert not soup.select("[src^='http'], link[href^='http'], script[src]")


def test_a_badge_shows_but_does_not_change_a_digest(tiny: Path) -> None:
    parts = fragments(tiny)
    before = [f.digest for f in parts]
    html = render_document(
        load_project(tiny), "proposal", parts, badges={parts[0].spec.id: Html("<p>Awaiting</p>")}
    )
    assert "Awaiting" in html and [f.digest for f in parts] == before
    changed = Fragment(parts[0].spec, Html(parts[0].html + "<p>more</p>"), "a", "t")
    assert changed.digest != parts[0].digest


def test_the_pdf_is_printed_with_the_documents_text(tiny: Path, tmp_path: Path) -> None:
    html = render_document(load_project(tiny), "proposal", fragments(tiny))
    write_pdf(html, tmp_path / "proposal.pdf")
    text = " ".join(page.extract_text() for page in PdfReader(tmp_path / "proposal.pdf").pages)
    assert "About topic-book-sales." in " ".join(text.split())


def test_a_pdf_that_cannot_be_written_is_a_build_error(tiny: Path, tmp_path: Path) -> None:
    html = render_document(load_project(tiny), "proposal", fragments(tiny))
    with pytest.raises(BuildError, match=r"missing/proposal\.pdf: cannot write PDF"):
        write_pdf(html, tmp_path / "missing" / "proposal.pdf")
