"""A topic's own notebook: published values, tables from data files, custom figures, jupytext."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup
from conftest import FIXTURES

from mdm.build.pipeline import BuildOptions, BuildReport, build
from mdm.errors import ConfigError, DataError, NotebookError
from mdm.params.models import TableSpec, ValueSpec
from mdm.params.project import load_project
from mdm.report.evidence import Value, format_value
from mdm.report.published import fill, format_number
from mdm.report.tables import table_html

NOTEBOOK = "homework-analysis"
OWN_TOPIC = """
findings: Clubs ran {{ club_nights }} nights this term.
notebooks:
  proposal: homework-analysis
evidence:
  files: [data/club-nights.csv]
"""
# a topic on the shared notebook shows a table declared in its YAML
TABLE_TOPIC = """
evidence:
  tables:
    - file: data/club-nights.csv
      columns: {night: Night, pupils: Pupils}
      sort: pupils
      descending: true
      limit: 2
      totals: true
      title: Busiest nights
"""


def with_analysis(project: Path, fixture: str = "topic_analysis", suffix: str = ".ipynb") -> Path:
    """Give homework-clubs its own notebook (a fixture) reading data/club-nights.csv."""
    (project / "data").mkdir(exist_ok=True)
    shutil.copy(FIXTURES / "data" / "club-nights.csv", project / "data" / "club-nights.csv")
    (project / "notebooks").mkdir(exist_ok=True)
    target = project / "notebooks" / f"{NOTEBOOK}{suffix}"
    shutil.copy(FIXTURES / "notebooks" / f"{fixture}{suffix}", target)
    for topic, extra in (("homework-clubs", OWN_TOPIC), ("summer-reading", TABLE_TOPIC)):
        path = project / "params" / "topics" / f"{topic}.yaml"
        path.write_text(path.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return target


def html_of(project: Path) -> BeautifulSoup:
    return BeautifulSoup(
        (project / "output/proposal.html").read_text(encoding="utf-8"), "html.parser"
    )


def executed(report: BuildReport) -> list[str]:
    return sorted(r.spec.id for r in report.sections if not r.cached)


# --- which notebook a section runs (no kernel) ----------------------------------------------


def test_topic_runs_its_own_notebook_only_in_that_document(tiny: Path) -> None:
    with_analysis(tiny)
    specs = {s.id: s for s in load_project(tiny).sections("proposal")}
    assert specs["topic-homework-clubs"].notebook == tiny / "notebooks" / f"{NOTEBOOK}.ipynb"
    assert specs["topic-book-sales"].notebook.name == "topic.ipynb"
    # the data files a topic declares key its section
    assert tiny / "data/club-nights.csv" in specs["topic-homework-clubs"].inputs
    assert tiny / "data/club-nights.csv" in specs["topic-summer-reading"].inputs
    assert tiny / "data/club-nights.csv" not in specs["topic-book-sales"].inputs


def test_declared_data_files_are_in_the_sources_appendix_and_its_key(tiny: Path) -> None:
    from mdm import sections

    with_analysis(tiny)
    assert load_project(tiny).data_files().count(tiny / "data/club-nights.csv") == 1
    rows = BeautifulSoup(sections.sources(tiny, "proposal").table(), "html.parser").find_all("tr")
    listed = [[td.text for td in tr.find_all("td")] for tr in rows]
    assert [r[:3] for r in listed if r and r[0] == "data/club-nights.csv"] == [
        ["data/club-nights.csv", "csv", "4"]
    ]


def test_notebooks_naming_an_unknown_document_is_an_error(tiny: Path) -> None:
    path = tiny / "params/topics/book-sales.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "notebooks:\n  strategy: x\n", "utf-8")
    with pytest.raises(
        ConfigError,
        match=r"book-sales.yaml:5: notebooks: expected a document id, got 'strategy' \(documents: proposal\)",
    ):
        load_project(tiny)


def test_missing_topic_notebook_names_the_topic_file(tiny: Path) -> None:
    path = tiny / "params/topics/book-sales.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "notebooks:\n  proposal: sales\n", "utf-8")
    with pytest.raises(
        ConfigError, match=r"params/topics/book-sales.yaml: notebook 'sales' not found"
    ):
        load_project(tiny).sections("proposal")


def test_yaml_prose_may_use_published_names_only_with_an_own_notebook(tiny: Path) -> None:
    path = tiny / "params/topics/book-sales.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "findings: '{{ raised }} raised'\n", "utf-8")
    with pytest.raises(ConfigError, match=r"book-sales.yaml:4: findings: unknown value 'raised'"):
        load_project(tiny)


@pytest.mark.parametrize("suffix", [".py", ".md"], ids=["percent script", "MyST Markdown"])
def test_text_notebook_is_converted_once_and_keys_its_section(tiny: Path, suffix: str) -> None:
    source = with_analysis(tiny, suffix=suffix)
    spec = next(
        s for s in load_project(tiny).sections("proposal") if s.id == "topic-homework-clubs"
    )
    assert spec.notebook == tiny / "output/.jupytext" / f"{NOTEBOOK}.ipynb"
    assert source in spec.inputs
    converted = nbformat.read(spec.notebook, as_version=4)
    assert [c.cell_type for c in converted.cells][:3] == ["markdown", "code", "code"]
    assert "parameters" in converted.cells[1].metadata["tags"]
    before = spec.notebook.stat().st_mtime_ns
    load_project(tiny).sections("proposal")
    assert spec.notebook.stat().st_mtime_ns == before  # same text: the file is left alone


def test_paired_notebook_edited_without_jupytext_is_an_error(tiny: Path) -> None:
    text = with_analysis(tiny, suffix=".py")
    ipynb = tiny / "notebooks" / f"{NOTEBOOK}.ipynb"
    shutil.copy(FIXTURES / "notebooks/topic_analysis.ipynb", ipynb)
    # in sync: the .ipynb itself runs
    spec = next(
        s for s in load_project(tiny).sections("proposal") if s.id == "topic-homework-clubs"
    )
    assert spec.notebook == ipynb and text in spec.inputs
    nb = nbformat.read(ipynb, as_version=4)
    nb.cells[4].source += "\n\nOne more line."
    nbformat.write(nb, ipynb)
    os.utime(text, (1, 1))  # the text file is older than the edited .ipynb
    with pytest.raises(
        NotebookError,
        match=r"homework-analysis.ipynb: cell 5: differs from its paired notebooks/homework-analysis.py and was saved after it; sync them with `jupytext --sync",
    ):
        load_project(tiny).sections("proposal")
    os.utime(ipynb, (0, 0))  # now the text is newer: it wins, as in jupytext
    spec = next(
        s for s in load_project(tiny).sections("proposal") if s.id == "topic-homework-clubs"
    )
    assert spec.notebook.parent == tiny / "output/.jupytext"


# --- formatting, tables, figures (no kernel) ------------------------------------------------


@pytest.mark.parametrize(
    ("value", "fmt", "spec"),
    [
        (1234, "count", ValueSpec(metric="contributors")),
        (0.234, "share", ValueSpec(metric="conversion_rate", column="rate")),
        (5.25, "hours", ValueSpec(metric="time_to_first_response", column="median_hours")),
        (-40, "change", ValueSpec(metric="contributors", value="change")),
        (12.34, "change_pct", ValueSpec(metric="contributors", value="change_pct")),
    ],
    ids=lambda v: str(v) if not isinstance(v, ValueSpec) else "",
)
def test_published_values_are_written_as_evidence_values(
    value: float, fmt: str, spec: ValueSpec
) -> None:
    evidence = Value(spec, float(value), latest=None, previous=None)
    assert format_number(value, fmt) == format_value(evidence)  # type: ignore[arg-type]


def test_number_formats_without_a_format() -> None:
    assert [format_number(v) for v in (4, 4.0, 3.14159, "Central", None)] == [
        "4",
        "4",
        "3.1",
        "Central",
        "n/a",
    ]
    with pytest.raises(TypeError, match=r"value: expected a number or text, got a bool"):
        format_number(True)


def test_fill_escapes_values_and_reports_unknown_names() -> None:
    text, unknown = fill("{{ a }} and {{b}} and {{ c }}", {"a": "1,234", "b": "*bold*"})
    assert text == r"1,234 and \*bold\* and {{ c }}" and unknown == ["c"]


def test_table_columns_order_totals_formats_and_provenance(tiny: Path) -> None:
    with_analysis(tiny)
    project = load_project(tiny)
    spec = TableSpec(
        file="data/club-nights.csv",
        columns={"branch": "Branch", "pupils": "Pupils", "tutors": "Tutors"},
        sort="pupils",
        descending=True,
        totals=True,
        formats={"tutors": "decimal"},
        limit=3,
        title="Club nights",
    )
    table = BeautifulSoup(table_html(project, spec, "test").html, "html.parser")
    assert [th.text for th in table.thead.find_all("th")] == ["Branch", "Pupils", "Tutors"]
    rows = [[td.text for td in tr.find_all("td")] for tr in table.tbody.find_all("tr")]
    assert rows == [["Central", "31", "5.0"], ["Central", "24", "4.0"], ["Riverside", "22", "3.0"]]
    total = [c.text for c in table.tfoot.tr.find_all(["th", "td"])]
    assert total == ["Total (4 rows)", "95", "15.0"]
    caption = table.find("p", class_="mdm-source").text
    assert caption.startswith("Club nights. Source: data/club-nights.csv (4 rows, sha256 ")
    assert caption.endswith("The first 3 rows are shown.")


@pytest.mark.parametrize(
    ("spec", "error", "message"),
    [
        (
            {"columns": ["branch", "budget"]},
            DataError,
            r"test: expected columns of data/club-nights.csv \(branch, night, pupils, tutors\), got 'budget'",
        ),
        (
            {"formats": {"night": "count"}},
            DataError,
            r"data/club-nights.csv:2: night: expected a number, got 'Monday'",
        ),
        (
            {"file": "data/private/register.csv"},
            DataError,
            r"data/private/register.csv: private data",
        ),
    ],
    ids=["unknown column", "text in a number column", "private file"],
)
def test_table_errors_name_the_file_and_what_was_wrong(
    tiny: Path, spec: dict, error: type, message: str
) -> None:
    with_analysis(tiny)
    with pytest.raises(error, match=message):
        table_html(
            load_project(tiny), TableSpec(**{"file": "data/club-nights.csv", **spec}), "test"
        )


def test_table_never_shows_a_column_that_identifies_people(tiny: Path) -> None:
    with_analysis(tiny)
    (tiny / "data/helpers.csv").write_text("username,nights\nana,3\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"column 'username' of data/helpers.csv identifies people"):
        table_html(load_project(tiny), TableSpec(file="data/helpers.csv"), "test")


def test_table_spec_accepts_only_csv_or_parquet_under_data() -> None:
    with pytest.raises(
        ValueError, match=r"expected a .csv or .parquet file under data/, got 'params/project.yaml'"
    ):
        TableSpec(file="params/project.yaml")


def test_figure_without_alt_text_and_undeclared_data_are_errors(tiny: Path) -> None:
    from mdm import sections

    with_analysis(tiny)
    section = sections.topic(tiny, "proposal", "book-sales")
    fig = section.new_figure()
    with pytest.raises(NotebookError, match=r"section.figure: expected alt text"):
        section.figure(fig)
    with pytest.raises(
        DataError,
        match=r"params/topics/book-sales.yaml: evidence.files: the notebook reads data/club-nights.csv, which this topic does not declare",
    ):
        section.data("data/club-nights.csv")


def test_custom_figure_gets_the_house_style_and_a_provenance_caption(tiny: Path) -> None:
    import matplotlib.pyplot as plt

    from mdm import sections
    from mdm.report.figures import PALETTE

    with_analysis(tiny)
    section = sections.topic(tiny, "proposal", "homework-clubs")
    fig, ax = plt.subplots()
    (line,) = ax.plot([1, 2, 3])
    html = section.figure(fig, alt="A line rising from 1 to 3", source="data/club-nights.csv")
    assert line.get_color() == PALETTE[0] and not ax.spines["top"].get_visible()
    assert fig.number not in plt.get_fignums()  # closed: the inline backend shows it no second time
    assert 'alt="A line rising from 1 to 3"' in html
    assert "Source: data/club-nights.csv (4 rows, sha256 " in html


# --- built documents (real kernels) ---------------------------------------------------------


@pytest.mark.kernel
def test_topic_notebook_builds_into_html_and_pdf(tiny_as_built: Path) -> None:
    from pypdf import PdfReader

    tiny = tiny_as_built

    with_analysis(tiny)
    build(BuildOptions(project_dir=tiny))
    page = html_of(tiny)
    section = page.find(id="sec-topic-homework-clubs").find_parent("section")
    text = " ".join(section.get_text(" ").split())
    assert (
        "This term 4 club nights ran; the busiest was in Central, and tutors numbered 16% of the pupils."
        in text
    )
    assert "Clubs ran 4 nights this term." in text  # a published value in the topic's YAML prose
    table = section.find("table", class_="mdm-table")
    assert [td.text for td in table.tbody.tr.find_all("td")] == ["Central", "Wednesday", "31", "5"]
    assert [c.text for c in table.tfoot.tr.find_all(["th", "td"])] == ["Total", "", "95", "15"]
    img = section.find("figure", class_="mdm-chart").img
    assert img["alt"] == "Bar chart of pupils by branch: Central 55, Riverside 40"
    assert img["src"].startswith("data:image/svg+xml;base64,")  # vector, as mdm's own charts
    # what an author's cell printed, warned or left as a DataFrame stays out; so does the preview
    for leak in (
        "rows read",
        "self-reported",
        "dataframe",
        "Preview:",
        "not_published",
        "club_nights =",
    ):
        assert leak not in str(section), leak
    # a topic on the shared notebook shows its evidence.tables
    shared = page.find(id="sec-topic-summer-reading").find_parent("section")
    assert [td.text for tr in shared.tbody.find_all("tr") for td in tr.find_all("td")] == [
        "Wednesday",
        "31",
        "Monday",
        "24",
    ]
    assert "Busiest nights. Source: data/club-nights.csv (4 rows" in shared.get_text()
    pdf = " ".join(
        " ".join(p.extract_text() for p in PdfReader(tiny / "output/proposal.pdf").pages).split()
    )
    assert "This term 4 club nights ran; the busiest was in Central" in pdf
    assert "Club nights this term. Source: data/club-nights.csv (4 rows" in pdf


@pytest.mark.kernel
def test_unknown_value_name_fails_naming_notebook_and_cell(tiny_html_as_built: Path) -> None:
    tiny = tiny_html_as_built
    previous = (tiny / "output/proposal.html").read_bytes()
    with_analysis(tiny, "unknown_value")
    with pytest.raises(
        NotebookError,
        match=r"section topic-homework-clubs \(proposal\): notebooks/homework-analysis.ipynb, cell 4 \[We ran \{\{ club_nights \}\} nights and .*\]: unknown value \{\{ club_mornings \}\} \(published: club_nights\)",
    ):
        build(BuildOptions(project_dir=tiny, formats=("html",)))
    assert (tiny / "output/proposal.html").read_bytes() == previous


@pytest.mark.kernel
def test_figure_without_alt_text_fails_the_build_naming_the_cell(tiny_html_as_built: Path) -> None:
    tiny = tiny_html_as_built
    with_analysis(tiny, "figure_without_alt")
    with pytest.raises(
        NotebookError,
        match=r"notebooks/homework-analysis.ipynb, cell 3 \[fig = section.new_figure\(\)\]: NotebookError: section.figure: expected alt text",
    ):
        build(BuildOptions(project_dir=tiny, formats=("html",)))


@pytest.mark.kernel
def test_paired_py_notebook_builds_like_the_ipynb(tiny_html_as_built: Path) -> None:
    tiny = tiny_html_as_built
    with_analysis(tiny, suffix=".py")
    build(BuildOptions(project_dir=tiny, formats=("html",)))
    text = " ".join(html_of(tiny).get_text(" ").split())
    assert "This term 4 club nights ran; the busiest was in Central" in text


@pytest.mark.kernel
def test_incremental_build_follows_the_topic_notebook_and_its_data(
    tiny_html_as_built: Path,
) -> None:
    tiny = tiny_html_as_built
    notebook = with_analysis(tiny)
    options = BuildOptions(project_dir=tiny, formats=("html",))
    build(options)
    assert build(options).up_to_date == ["proposal"]
    nb = nbformat.read(notebook, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("A line only this topic has."))
    nbformat.write(nb, notebook)
    assert executed(build(options)) == ["topic-homework-clubs"]
    assert "A line only this topic has." in html_of(tiny).get_text()
    csv = tiny / "data/club-nights.csv"
    csv.write_text(csv.read_text(encoding="utf-8") + "Riverside,Friday,40,6\n", encoding="utf-8")
    # both topics that read the file run again, and only they
    assert executed(build(options)) == ["topic-homework-clubs", "topic-summer-reading"]
    assert "This term 5 club nights ran; the busiest was in Riverside" in " ".join(
        html_of(tiny).get_text(" ").split()
    )


@pytest.mark.kernel
def test_plain_papermill_runs_the_topic_notebook_with_its_defaults(
    tiny: Path, tmp_path: Path
) -> None:
    notebook = with_analysis(tiny)
    out = tmp_path / "ran.ipynb"
    run = subprocess.run(
        [sys.executable, "-m", "papermill", notebook.name, str(out)],
        cwd=notebook.parent,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    outputs = [
        o
        for c in nbformat.read(out, as_version=4).cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
    ]
    published = [
        o["data"]["text/plain"]
        for o in outputs
        if "application/vnd.mdm.values+json" in o.get("data", {})
    ]
    assert published == ["club_nights = 4", "busiest_branch = Central", "tutors_per_pupil = 16%"]


# --- authoring: new-topic --notebook, init --jupytext ---------------------------------------


def test_new_topic_with_notebook_scaffolds_it_from_the_shared_one(tiny: Path) -> None:
    from conftest import mdm

    run = mdm(
        "new-topic",
        "reading-buddies",
        "Reading buddies",
        "Who reads with whom?",
        "--notebook",
        "--project",
        str(tiny),
    )
    assert run.returncode == 0, run.stderr
    notebook = tiny / "notebooks/reading-buddies-proposal.ipynb"
    assert str(notebook) in run.stdout.splitlines()
    assert "notebooks:\n  proposal: reading-buddies-proposal\n" in (
        tiny / "params/topics/reading-buddies.yaml"
    ).read_text(encoding="utf-8")
    nb = nbformat.read(notebook, as_version=4)
    params = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    assert 'topic = "reading-buddies"' in params.source
    assert nb.cells[-1].source.endswith("section.show_markdown()")
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    spec = next(
        s for s in load_project(tiny).sections("proposal") if s.id == "topic-reading-buddies"
    )
    assert spec.notebook == notebook
    # asked again for the same notebook: refused, nothing written
    again = mdm(
        "new-topic",
        "reading-pals",
        "Reading pals",
        "Who?",
        "--notebook",
        "nope",
        "--project",
        str(tiny),
    )
    assert again.returncode == 2 and "document 'nope' is not defined" in again.stderr
    assert not (tiny / "params/topics/reading-pals.yaml").exists()


def test_init_with_jupytext_pairs_the_notebooks_with_text_files(tmp_path: Path) -> None:
    from conftest import mdm

    run = mdm("init", str(tmp_path / "club"), "--with-notebooks", "--jupytext", "py")
    assert run.returncode == 0, run.stderr
    root = tmp_path / "club"
    assert 'formats = "ipynb,py:percent"' in (root / "jupytext.toml").read_text(encoding="utf-8")
    text = (root / "notebooks/topic.py").read_text(encoding="utf-8")
    assert '# %% tags=["parameters"]' in text and "section.tables()" in text
    spec = next(s for s in load_project(root).sections("proposal") if s.id.startswith("topic-"))
    # the pair is in sync, so the .ipynb runs and its text twin keys the section
    assert (
        spec.notebook == root / "notebooks/topic.ipynb"
        and root / "notebooks/topic.py" in spec.inputs
    )


@pytest.mark.kernel
def test_scaffolded_topic_notebook_builds(tiny_html_as_built: Path) -> None:
    from conftest import mdm

    tiny = tiny_html_as_built

    run = mdm(
        "new-topic",
        "reading-buddies",
        "Reading buddies",
        "Who reads with whom?",
        "--notebook",
        "--project",
        str(tiny),
    )
    assert run.returncode == 0, run.stderr
    build(BuildOptions(project_dir=tiny, formats=("html",)))
    section = html_of(tiny).find(id="sec-topic-reading-buddies")
    assert section is not None and "Reading buddies" in section.get_text()


@pytest.mark.kernel
def test_example_metrics_analysis_notebook_previews_on_the_example(tmp_path: Path) -> None:
    from conftest import REPO, copy_project

    from mdm.build.preview import preview

    root = copy_project(REPO, tmp_path / "example")
    shutil.copy(REPO / "docs/examples/metrics-analysis.ipynb", root / "notebooks")
    topic = root / "params/topics/metrics.yaml"
    topic.write_text(
        topic.read_text(encoding="utf-8") + "notebooks:\n  proposal: metrics-analysis\n", "utf-8"
    )
    page = BeautifulSoup(
        preview(root, "metrics", "proposal").read_text(encoding="utf-8"), "html.parser"
    )
    text = " ".join(page.get_text(" ").split())
    assert re.search(
        r"A straight line fitted to the last 8 complete quarters \(\d{4}Q\d to \d{4}Q\d\) "
        r"changes by [+−][\d,]+ contributors a quarter, [+−]?\d+% of the average quarter\.",
        text,
    ), text[:2000]
    alts = [img["alt"] for img in page.find_all("img")]
    assert any(a.startswith("Line chart of contributors per quarter from ") for a in alts)
    assert "Key findings" in text  # the shared notebook's sections are all still there


def test_rename_topic_updates_the_default_in_text_notebooks(tiny: Path) -> None:
    from mdm.authoring.topics import rename_topic

    text = with_analysis(tiny, suffix=".py")
    rename_topic(tiny, "homework-clubs", "tutoring")
    assert '\ntopic = "tutoring"\n' in text.read_text(encoding="utf-8")
    spec = next(s for s in load_project(tiny).sections("proposal") if s.id == "topic-tutoring")
    assert spec.inputs.count(text) == 1


def test_show_markdown_previews_the_saved_cells_with_values(
    tiny: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from mdm import sections

    notebook = with_analysis(tiny, "unknown_value")
    section = sections.topic(tiny, "proposal", "homework-clubs")
    section.value("club_nights", 4)
    preview = BeautifulSoup(section.show_markdown(notebook)._repr_html_(), "html.parser")
    text = " ".join(preview.get_text(" ").split())
    assert "We ran 4 nights and {{ club_mornings }} mornings." in text
    assert preview.find("mark").text == "{{ club_mornings }}"
    assert "Not published yet: club_mornings" in text
    assert "club_nights = 4" in capsys.readouterr().out  # outside a kernel, display prints
