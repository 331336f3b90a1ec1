"""Whole builds: real kernels, the real HTML document and the real PDF."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import FIXTURES
from pypdf import PdfReader

from mdm.build.pipeline import BuildOptions, build
from mdm.errors import BuildError, ConfigError, NotebookError, PrivacyError
from mdm.params.project import load_project


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def outline_titles(reader: PdfReader) -> list[str]:
    titles: list[str] = []

    def walk(items: list) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                titles.append(item.title)

    walk(reader.outline)
    return titles


@pytest.mark.kernel
def test_html_has_cover_toc_and_every_topic(tiny_built: Path) -> None:
    page = soup(tiny_built / "output/proposal.html")
    assert page.html["lang"] == "en"
    assert page.select_one(".mdm-cover h1").get_text() == "Investing in our volunteers"
    headings = [h.get_text(" ", strip=True) for h in page.select("section h2.mdm-section-title")]
    assert headings == [
        "About this project",
        "1. Homework clubs",
        "2. Book sales",
        "3. Summer reading",
        "Decision record",
    ]
    toc = [a.get_text(strip=True) for a in page.select("nav.mdm-toc a")]
    assert toc == headings


@pytest.mark.kernel
def test_every_toc_link_resolves(tiny_built: Path) -> None:
    page = soup(tiny_built / "output/proposal.html")
    links = [a["href"] for a in page.select("a[href^='#']")]
    assert links, "the table of contents has links"
    for href in links:
        assert page.find(id=href[1:]) is not None, f"{href} points nowhere"


@pytest.mark.kernel
def test_html_has_no_code_and_is_self_contained(tiny_built: Path) -> None:
    text = (tiny_built / "output/proposal.html").read_text(encoding="utf-8")
    page = BeautifulSoup(text, "html.parser")
    assert "from mdm.report import sections" not in text
    assert not page.select(".input_area, .input, pre.highlight")
    assert not page.find_all("script") and not page.find_all("link")
    images = page.find_all("img")
    assert images, "the overview shows the timeline chart"
    for img in images:
        assert img["src"].startswith("data:image/svg+xml;base64,")
        assert img["alt"].startswith("Timeline chart of 2 milestones")
    # papermill's metadata and the parameters never reach the reader
    assert "papermill" not in text and "injected-parameters" not in text


@pytest.mark.kernel
def test_pdf_has_topics_in_text_and_outline(tiny_built: Path) -> None:
    reader = PdfReader(tiny_built / "output/proposal.pdf")
    text = "\n".join(page.extract_text() for page in reader.pages)
    for title in ["Homework clubs", "Book sales", "Summer reading", "Who’s involved"]:
        assert title in text
    outline = outline_titles(reader)
    for title in ["About this project", "1. Homework clubs", "2. Book sales", "3. Summer reading"]:
        assert title in outline
    # cover, contents, then the sections one after another; page numbers in the footer
    assert len(reader.pages) >= 3
    assert "2 / " in reader.pages[1].extract_text()


@pytest.mark.kernel
def test_pdf_toc_page_numbers_match_the_pages(tiny_built: Path) -> None:
    reader = PdfReader(tiny_built / "output/proposal.pdf")
    toc_text = reader.pages[1].extract_text()
    for title in ["1. Homework clubs", "3. Summer reading"]:
        line = next(ln for ln in toc_text.splitlines() if ln.startswith(title))
        page_number = int(line.rstrip().split()[-1].strip("."))
        assert title in reader.pages[page_number - 1].extract_text()


@pytest.mark.kernel
def test_executed_notebooks_are_kept_as_the_build_log(tiny_built: Path) -> None:
    kept = sorted(p.name for p in (tiny_built / "output/notebooks/proposal").glob("*.ipynb"))
    assert kept == [
        "overview.ipynb",
        "topic-book-sales.ipynb",
        "topic-homework-clubs.ipynb",
        "topic-summer-reading.ipynb",
    ]
    assert not list((tiny_built / "output").glob(".staging-*"))


@pytest.mark.kernel
def test_failed_build_leaves_previous_documents_untouched(tiny_html_as_built: Path) -> None:
    tiny = tiny_html_as_built
    good = (tiny / "output/proposal.html").read_bytes()
    kept = (tiny / "output/notebooks/proposal/topic-book-sales.ipynb").read_bytes()
    (tiny / "notebooks").mkdir()
    shutil.copy(FIXTURES / "notebooks/raises_in_cell.ipynb", tiny / "notebooks/topic.ipynb")
    with pytest.raises(NotebookError, match="ZeroDivisionError"):
        build(BuildOptions(project_dir=tiny, formats=("html",)))
    assert (tiny / "output/proposal.html").read_bytes() == good
    assert (tiny / "output/notebooks/proposal/topic-book-sales.ipynb").read_bytes() == kept
    assert not list((tiny / "output").glob(".staging-*"))


@pytest.mark.kernel
def test_section_without_heading_is_refused(tiny: Path) -> None:
    (tiny / "notebooks").mkdir()
    shutil.copy(FIXTURES / "notebooks/no_heading.ipynb", tiny / "notebooks/topic.ipynb")
    with pytest.raises(
        BuildError,
        match=r"^section topic-homework-clubs \(topic\.ipynb\): expected "
        r"the section to start with an <h2 id=\.\.\.> heading",
    ):
        build(BuildOptions(project_dir=tiny, formats=("html",)))


@pytest.mark.kernel
def test_html_only_build_writes_no_pdf(tiny: Path) -> None:
    report = build(BuildOptions(project_dir=tiny, formats=("html",)))
    assert [p.name for p in report.outputs] == ["proposal.html"]
    assert not (tiny / "output/proposal.pdf").exists()


def test_unknown_document_fails_before_any_kernel(tiny: Path) -> None:
    with pytest.raises(
        ConfigError, match=r"document 'strategy' is not defined \(defined: proposal\)"
    ):
        build(BuildOptions(project_dir=tiny, documents=("strategy",)))
    assert not (tiny / "output").exists()


@pytest.mark.kernel
def test_example_proposal_has_all_eleven_topics(example_built: Path) -> None:
    project = load_project(example_built)
    page = soup(example_built / "output/proposal.html")
    headings = [h.get_text(" ", strip=True) for h in page.select("section h2.mdm-section-title")]
    assert headings[:3] == ["Summary", "Investment overview", "About this project"]
    assert headings[3:-2] == [f"{t.number}. {t.title}" for t in project.active_topics()]
    assert headings[-2:] == ["Sources and definitions", "Decision record"]
    outline = outline_titles(PdfReader(example_built / "output/proposal.pdf"))
    for topic in project.active_topics():
        assert f"{topic.number}. {topic.title}" in outline


@pytest.mark.kernel
def test_example_strategy_has_discussions_proposals_and_roadmap(example_built: Path) -> None:
    project = load_project(example_built)
    page = soup(example_built / "output/strategy.html")
    headings = [h.get_text(" ", strip=True) for h in page.select("section h2.mdm-section-title")]
    assert headings[:2] == ["Summary", "About this project"]
    assert headings[2:-3] == [f"{t.number}. {t.title}" for t in project.active_topics()]
    assert headings[-3:] == ["Roadmap", "Sources and definitions", "Decision record"]
    leadership = page.select_one("section[data-section='topic-volunteer-leadership']")
    text = " ".join(leadership.get_text(" ").split())
    assert re.search(r"\d+ sessions with \d+ participants from \d+ communities", text)
    assert "Leaders are chosen openly" in text  # an agreement reached in the discussions
    assert "Structures" in text and "Processes" in text
    chart = leadership.select_one("figure.mdm-chart img")
    assert chart["alt"].startswith("Timeline chart of 4 milestones")
    roadmap = page.select_one("section[data-section='roadmap']")
    assert roadmap.select_one("figure.mdm-chart img")["alt"].startswith(
        f"Timeline chart of {len(project.info.timeline)} milestones"
    )
    due = [row.select("td")[1].get_text() for row in roadmap.select("tbody tr")]
    assert due[0] == "Leadership input to proposal"  # earliest open milestone first
    outline = outline_titles(PdfReader(example_built / "output/strategy.pdf"))
    for topic in project.active_topics():
        assert f"{topic.number}. {topic.title}" in outline
    assert "Roadmap" in outline


@pytest.mark.kernel
def test_a_build_the_guard_stops_leaves_output_byte_identical_evidence_included(
    example_built: Path, tmp_path: Path
) -> None:
    import pandas as pd

    root = Path(shutil.copytree(example_built, tmp_path / "example"))  # as its last build left it
    options = BuildOptions(project_dir=root, documents=("proposal",), formats=("html",))
    before = {p: p.read_bytes() for p in (root / "output").rglob("*") if p.is_file()}
    assert any(p.parent.name == "evidence" for p in before)
    # the probe: a community renamed to include a protected (register) name
    events = pd.read_parquet(root / "data/activity.parquet")
    events["community"] = events["community"].replace("Mozilla Kenya", "Kwame Mensah club")
    events.to_parquet(root / "data/activity.parquet")
    with pytest.raises(PrivacyError, match=r"behind pseudonym P-002"):
        build(options)
    after = {p: p.read_bytes() for p in (root / "output").rglob("*") if p.is_file()}
    assert after.keys() == before.keys()
    assert all(after[p] == before[p] for p in before), "a failed build changed output/"


def test_the_guard_reads_a_stored_result(tmp_path: Path) -> None:
    import pandas as pd

    from mdm.build.privacy import export_text

    result = tmp_path / "result.parquet"
    pd.DataFrame({"community": ["SUMO", "Kwame Mensah club"], "contributors": [9, 7]}).to_parquet(
        result
    )
    text = export_text(result)
    assert "Kwame Mensah club" in text and "community" in text and "7" in text
