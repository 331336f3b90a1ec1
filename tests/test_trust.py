"""Issue #11: a new team's project attacked with hostile and private input. One test per case."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import mdm

from mdm.build.check import check
from mdm.build.privacy import check_exports
from mdm.errors import ConfigError, DataError, MdmError, PrivacyError
from mdm.params.project import Project, load_project

QUOTE_HEADER = "quote_id,pseudonym,descriptor,topics,consent,attribution,text\n"
DISCUSSION_HEADER = "date,topic,channel,community,participants,outcomes,agreements\n"
SECRET = "root:x:0:0:not-for-ci-logs:/root:/bin/bash"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def note(title: str, body: str, topics: str = "homework-clubs") -> str:
    return f"---\ntitle: {title}\ntopics: [{topics}]\n---\n{body}\n"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the project: the machine's files, which no export may show."""
    folder = tmp_path / "machine"
    write(folder / "passwd", SECRET + "\n")
    write(folder / "diary.md", note("Private diary", "The machine owner's private diary."))
    return folder


# --- 1. symbolic links out of the project ----------------------------------------------------


def test_note_symlinked_outside_the_project_is_refused(tiny: Path, outside: Path) -> None:
    write(tiny / "data/notes/own.md", note("Own note", "Written by the team."))
    (tiny / "data/notes/diary.md").symlink_to(outside / "diary.md")
    with pytest.raises(DataError, match=r"^data/notes/diary\.md: refused: a symbolic link") as err:
        check(tiny, data=True)
    assert "private diary" not in str(err.value).lower()


def test_quotes_symlinked_to_passwd_is_refused_without_echoing_it(
    tiny: Path, outside: Path
) -> None:
    (tiny / "data").mkdir()
    (tiny / "data/quotes.csv").symlink_to(outside / "passwd")
    result = mdm("check", "--project", str(tiny))
    assert result.returncode == 3
    assert "data/quotes.csv: refused: a symbolic link that leads outside" in result.stderr
    assert "not-for-ci-logs" not in result.stderr + result.stdout
    assert str(outside) not in result.stderr  # not even where the link leads


def test_notes_folder_symlinked_outside_is_refused(tiny: Path, outside: Path) -> None:
    (tiny / "data").mkdir()
    (tiny / "data/notes").symlink_to(outside, target_is_directory=True)
    with pytest.raises(DataError, match=r"data/notes: refused: a symbolic link"):
        check(tiny, data=True)


def test_topic_file_symlinked_outside_is_refused(tiny: Path, outside: Path) -> None:
    write(outside / "topic.yaml", "number: 9\ntitle: Outside\nquestion: Whose file is this?\n")
    (tiny / "params/topics/outside.yaml").symlink_to(outside / "topic.yaml")
    with pytest.raises(ConfigError, match=r"params/topics/outside\.yaml: refused: a symbolic"):
        check(tiny)


def test_symlink_that_stays_inside_the_project_is_accepted(tiny: Path) -> None:
    write(tiny / "research/shared.md", note("Shared note", "Kept elsewhere in the project."))
    (tiny / "data/notes").mkdir(parents=True)
    (tiny / "data/notes/shared.md").symlink_to(Path(os.pardir) / os.pardir / "research/shared.md")
    check(tiny, data=True)


# --- 8. mdm check reports everything at once -------------------------------------------------


def plant_five_faults(tiny: Path) -> None:
    """Two problems in params, two in quotes.csv, one in discussions.csv."""
    topic = tiny / "params/topics/summer-reading.yaml"
    topic.write_text(topic.read_text() + "owner: someone\n", encoding="utf-8")
    stakeholders = tiny / "params/stakeholders.yaml"
    stakeholders.write_text(
        stakeholders.read_text().replace("who: club-leads", "who: club-lead"), encoding="utf-8"
    )
    write(
        tiny / "data/quotes.csv",
        QUOTE_HEADER
        + "q1,P-1,Tutor,homework-clubs,anonymous,,We need more tutors.\n"
        + "q2,P-2,Tutor,homework-clubs,public,,Consent level that does not exist.\n"
        + "q3,P-3,Seller,book-sale,anonymous,,Topic id misspelt.\n",
    )
    write(
        tiny / "data/discussions.csv",
        DISCUSSION_HEADER + "2025-02-30,homework-clubs,Club night,Central,12,Tutors met.,\n",
    )


def test_data_naming_a_topic_whose_file_is_broken_is_not_an_unknown_topic(tiny: Path) -> None:
    topic = tiny / "params/topics/book-sales.yaml"
    topic.write_text(topic.read_text() + "owner: someone\n", encoding="utf-8")
    write(
        tiny / "data/quotes.csv",
        QUOTE_HEADER + "q1,P-1,Seller,book-sales,anonymous,,Tables matter.\n",
    )
    with pytest.raises(ConfigError) as err:
        check(tiny, data=True)
    assert str(err.value).splitlines() == [
        "params/topics/book-sales.yaml:4: owner: unknown key "
        "(see docs/params.md for the keys allowed here)"
    ]


def test_check_reports_params_and_data_faults_together(tiny: Path) -> None:
    plant_five_faults(tiny)
    with pytest.raises(ConfigError) as err:
        check(tiny, data=True)
    lines = str(err.value).splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "params/stakeholders.yaml",
        "params/topics/summer-reading.yaml",
        "data/quotes.csv",
        "data/quotes.csv",
        "data/discussions.csv",
    ]
    assert "data/quotes.csv:3: consent: expected one of" in lines[2]
    assert (
        "data/quotes.csv:4: topics: unknown topic 'book-sale'; did you mean 'book-sales'?"
        in (lines[3])
    )
    assert lines[4].startswith("data/discussions.csv:2: date: expected a date as YYYY-MM-DD")


def test_check_prefixes_every_line_of_its_report(tiny: Path) -> None:
    plant_five_faults(tiny)
    result = mdm("check", "--project", str(tiny))
    assert result.returncode == 2  # params problems come first
    lines = result.stderr.splitlines()
    assert len(lines) == 5
    assert all(line.startswith("mdm check: error: ") for line in lines)


def test_check_reports_up_to_twenty_problems_per_file(tiny: Path) -> None:
    rows = "".join(f"q{i},P-{i},Tutor,homework-clubs,maybe,,Text.\n" for i in range(25))
    write(tiny / "data/quotes.csv", QUOTE_HEADER + rows)
    with pytest.raises(DataError) as err:
        check(tiny, data=True)
    lines = str(err.value).splitlines()
    assert len(lines) == 21
    assert lines[0].startswith("data/quotes.csv:2: consent:")
    assert lines[19].startswith("data/quotes.csv:21: consent:")
    assert lines[20] == "data/quotes.csv: 5 more problem(s) not shown"


def test_check_reports_each_broken_note_and_each_unknown_survey_question(tiny: Path) -> None:
    write(tiny / "data/notes/a.md", "no front matter here\n")
    write(tiny / "data/notes/b.md", note("Fine", "A good note."))
    write(tiny / "data/notes/c.md", "---\ntitle: Unknown topic\ntopics: [nowhere]\n---\nBody\n")
    write(
        tiny / "data/survey/questions.yaml",
        "questions:\n  - id: q1\n    text: How often?\n    kind: single\n"
        "    options: [weekly, monthly]\n",
    )
    write(tiny / "data/survey/responses.csv", "respondent_id,question_id,value\nr1,q1,weekly\n")
    topic = tiny / "params/topics/summer-reading.yaml"
    topic.write_text(topic.read_text() + "evidence:\n  survey: [q2, q1, q3]\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        check(tiny, data=True)
    lines = str(err.value).splitlines()
    assert lines[0].startswith(
        "params/topics/summer-reading.yaml: evidence.survey: unknown question 'q2'"
    )
    assert lines[1].startswith(
        "params/topics/summer-reading.yaml: evidence.survey: unknown question 'q3'"
    )
    assert lines[2].startswith("data/notes/a.md:1: expected a front matter block")
    assert lines[3].startswith("data/notes/c.md: topics: unknown topic 'nowhere'")
    assert len(lines) == 4


# --- 2. the privacy guard matches parts of protected names -----------------------------------


def private_project(tiny: Path, register: str, extra_params: str = "") -> Project:
    """The tiny project with a register and quotes: P-1 and P-3 only internal, P-2 attributed."""
    write(tiny / "data/private/register.csv", "pseudonym,name\n" + register)
    write(
        tiny / "data/quotes.csv",
        QUOTE_HEADER
        + "q1,P-1,Tutor,homework-clubs,internal_only,,Rooms matter.\n"
        + "q2,P-2,Club lead,homework-clubs,attributed,Maria Silva,Tutors matter.\n"
        + "q3,P-3,Seller,book-sales,internal_only,,Tables matter.\n",
    )
    if extra_params:
        project_file = tiny / "params/project.yaml"
        project_file.write_text(project_file.read_text() + extra_params, encoding="utf-8")
    return load_project(tiny)


REGISTER = "P-1,Ana Lúcia Ferreira\nP-2,Maria Silva\nP-3,Jan Nowak\n"


@pytest.mark.parametrize(
    "shown",
    [
        "<p>as Ms <em>Ferreira</em> told us</p>",
        "<p>as MS. FERREIRA told us</p>",
        "<p>Lucia said so</p>",  # without the accent, in another case
        "<p>Fer<span>reira</span> said so</p>",  # split by inline markup
        '<p>see <img alt="Ferreira at the club" src="data:image/png;base64,AAAA"></p>',
        "<p>as Ms Ferr\u00adeira told us</p>",  # a soft hyphen inside
        "<p>as Ms Ｆｅｒｒｅｉｒａ told us</p>",  # full-width letters
    ],
    ids=[
        "title",
        "upper-case",
        "given-name-no-accent",
        "markup",
        "alt-text",
        "soft-hyphen",
        "nfkc",
    ],
)
def test_privacy_guard_catches_a_protected_surname_with_a_title(tiny: Path, shown: str) -> None:
    project = private_project(tiny, REGISTER)
    export = write(tiny / "staging/proposal.html", f"<html><body>{shown}</body></html>")
    with pytest.raises(PrivacyError, match=r"^proposal\.html: .* pseudonym P-1 \(") as err:
        check_exports(project, "leadership", [export])
    assert "erreira" not in str(err.value) and "cia" not in str(err.value).lower()


def test_privacy_guard_catches_a_name_split_across_printed_lines(tiny: Path) -> None:
    project = private_project(tiny, REGISTER)
    pdf = tiny / "staging/proposal.pdf"  # never read: the printed text is given
    printed = {pdf: "as Ms Fer-\nreira told us"}
    with pytest.raises(PrivacyError, match=r"^proposal\.pdf: .* pseudonym P-1 \("):
        check_exports(project, "leadership", [pdf], printed)


def test_privacy_guard_searches_the_text_weasyprint_printed(tiny: Path) -> None:
    from mdm.build.assemble import write_pdf

    project = private_project(tiny, REGISTER)
    pdf = tiny / "proposal.pdf"
    printed = write_pdf(
        "<html><head><title>Notes</title></head><body><p>as told by Ms "
        "<strong>Ferreira</strong></p></body></html>",
        pdf,
    )
    assert pdf.read_bytes().startswith(b"%PDF")
    with pytest.raises(PrivacyError, match=r"pseudonym P-1 \("):
        check_exports(project, "leadership", [pdf], {pdf: printed})


def test_privacy_guard_lets_cleared_and_stakeholder_names_through(tiny: Path) -> None:
    project = private_project(tiny, REGISTER)
    export = write(
        tiny / "staging/proposal.html",
        "<p>Maria Silva, club lead, said so.</p><p>Drivers: Tomasz Nowak and Amara Okafor.</p>"
        "<p>Ana met us in Jan 2025, by van, as de facto leader.</p>",  # short parts, particles
    )
    check_exports(project, "leadership", [export])
    # the stakeholder's name is taken out, the interviewee's surname elsewhere is still caught
    write(export, export.read_text() + "<p>as Mr Nowak told us</p>")
    with pytest.raises(PrivacyError, match=r"pseudonym P-3 \("):
        check_exports(project, "leadership", [export])


def test_privacy_allowlist_clears_a_part_that_is_an_ordinary_word(tiny: Path) -> None:
    register = "P-1,Grace Rose\nP-2,Maria Silva\nP-3,Jan Nowak\n"
    text = "<p>The rose garden hosts the club.</p>"
    project = private_project(tiny, register)
    export = write(tiny / "staging/proposal.html", text)
    with pytest.raises(PrivacyError, match=r"data\.privacy_allowlist"):
        check_exports(project, "leadership", [export])
    project = private_project(tiny, register, "data:\n  privacy_allowlist: [Rose]\n")
    check_exports(project, "leadership", [export])
    write(export, text + "<p>Grace said so.</p>")
    with pytest.raises(PrivacyError, match=r"pseudonym P-1 \("):
        check_exports(project, "leadership", [export])


@pytest.mark.kernel
def test_build_with_a_protected_surname_in_findings_publishes_nothing(tiny: Path) -> None:
    from mdm.build.pipeline import BuildOptions, build

    private_project(tiny, REGISTER)
    topic = tiny / "params/topics/homework-clubs.yaml"
    topic.write_text(
        topic.read_text() + "findings: As Ms Ferreira told us, rooms matter.\n", encoding="utf-8"
    )
    with pytest.raises(PrivacyError, match=r"^proposal\.(html|pdf): .* pseudonym P-1 \("):
        build(BuildOptions(project_dir=tiny))
    assert not (tiny / "output/proposal.html").exists()
    assert not (tiny / "output/proposal.pdf").exists()


# --- 9. YAML flow mappings and commas --------------------------------------------------------


def test_comma_in_a_flow_mapping_title_says_quote_the_title(tiny: Path) -> None:
    topic = tiny / "params/topics/book-sales.yaml"
    topic.write_text(
        topic.read_text()
        + "evidence:\n  charts:\n    - {metric: onion, title: Core, regular and casual volunteers}\n",
        encoding="utf-8",
    )
    with pytest.raises(
        ConfigError,
        match=r"^params/topics/book-sales\.yaml:6: evidence\.charts\.0\.title: a comma inside "
        r"\{\.\.\.\} ends a value, so 'regular and casual volunteers' was read as another key; "
        r'quote the value \(title: "Core, regular and casual volunteers"\)',
    ):
        check(tiny)


def test_quoted_title_with_commas_in_a_flow_mapping_is_read_whole(tiny: Path) -> None:
    topic = tiny / "params/topics/book-sales.yaml"
    topic.write_text(
        topic.read_text() + "evidence:\n  charts:\n"
        '    - {metric: onion, title: "Core, regular and casual volunteers"}\n',
        encoding="utf-8",
    )
    project, _ = check(tiny)
    assert project.topics["book-sales"].evidence.charts[0].title == (
        "Core, regular and casual volunteers"
    )


# --- 6. notes about the data come from the project's params ----------------------------------


def test_sources_page_of_another_team_does_not_call_its_data_synthetic(tiny: Path) -> None:
    from mdm import sections

    table = sections.sources(tiny, "proposal").table()
    assert "Sources and definitions" in table
    assert "synthetic" not in table and "example project" not in table
    project_file = tiny / "params/project.yaml"
    project_file.write_text(
        project_file.read_text() + "data_note: Sign-in sheets from *both* branches, 2024.\n",
        encoding="utf-8",
    )
    table = sections.sources(tiny, "proposal").table()
    assert "<p>Sign-in sheets from <em>both</em> branches, 2024.</p>" in table


# --- 7. right-to-left names in credits -------------------------------------------------------

_LEFT_OF = """([needle]) => {
  const walker = document.createTreeWalker(document.querySelector('figcaption'), NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.data.indexOf(needle);
    if (at >= 0) {
      const range = document.createRange();
      range.setStart(node, at);
      range.setEnd(node, at + needle.length);
      return range.getBoundingClientRect().left;
    }
  }
  return null;
}"""


@pytest.mark.browser
def test_right_to_left_name_in_a_credit_comes_first_on_screen(tiny: Path) -> None:
    from playwright.sync_api import sync_playwright

    from mdm import sections

    name = "ليلى حداد"
    write(
        tiny / "data/quotes.csv",
        QUOTE_HEADER
        + f'q1,P-1,"Volunteer tutor, Central",homework-clubs,attributed,{name},Rooms matter.\n',
    )
    from mdm.build.sanitize import sanitize_fragment

    # as the document carries it: through the sanitiser every section passes
    fragment = sanitize_fragment(sections.topic(tiny, "proposal", "homework-clubs").quotes())
    page_html = f'<!doctype html><html lang="en" dir="ltr"><body>{fragment}</body></html>'
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox"]
        )
        try:
            page = browser.new_page()
            page.set_content(page_html)
            dash = page.evaluate(_LEFT_OF, ["—"])
            name_left = page.evaluate(_LEFT_OF, [name])
            descriptor_left = page.evaluate(_LEFT_OF, ["Volunteer tutor"])
        finally:
            browser.close()
    # read left to right, as the document's language runs: dash, name, then descriptor
    assert dash < name_left < descriptor_left


# --- 10. smaller faults ----------------------------------------------------------------------


def _contrast(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    def luminance(rgb: tuple[float, ...]) -> float:
        lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb[:3]]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_cohort_heat_map_labels_are_readable_on_pale_cells() -> None:
    import pandas as pd
    from matplotlib.colors import to_rgba

    from mdm.report.charts import heatmap

    # retention of one cohort: 100% in its first year, then 69% and 70% (the palest cells)
    matrix = pd.DataFrame(
        [[1.0, 0.69, 0.70], [1.0, 0.72, None]], index=["2024", "2025"], columns=[0, 1, 2]
    )
    chart = heatmap(matrix, title="Retention", xlabel="Years since", ylabel="Cohort", percent=True)
    ax = chart.figure.axes[0]
    cells = (ax.get_images() or ax.collections)[0]  # a bitmap or a vector mesh
    labels = {t.get_text(): t for t in ax.texts}
    assert set(labels) == {"100%", "69%", "70%", "72%"}
    for text in ax.texts:
        column, row = (int(v) for v in text.get_position())
        cell = cells.cmap(cells.norm(matrix.iloc[row, column]))
        assert _contrast(to_rgba(text.get_color()), cell) >= 4.5, text.get_text()


def test_research_note_keeps_its_straight_quotes_and_dashes(tiny: Path) -> None:
    from mdm import sections

    body = 'A tutor wrote: "we\'re out of rooms" -- again... (c) the club <b>log</b>'
    write(tiny / "data/notes/rooms.md", note("Room log", body))
    html = sections.topic(tiny, "proposal", "homework-clubs").notes()
    assert "&quot;we're out of rooms&quot; -- again... (c) the club &lt;b&gt;log&lt;/b&gt;" in html
    for typographic in "“”‘’–—…©":
        assert typographic not in html
    from mdm.report.render import markdown

    assert markdown('the "board" -- twice') == "<p>the “board” – twice</p>\n"


def test_roadmap_due_next_skips_a_quarter_without_milestones(tiny: Path) -> None:
    from mdm import sections

    project_file = tiny / "params/project.yaml"
    project_file.write_text(
        project_file.read_text()
        + "  - {quarter: 2025-Q4, title: Second branch opens its club, phase: Delivery}\n"
        + "  - {quarter: 2026-Q2, title: Review with the board, phase: Decision}\n",
        encoding="utf-8",
    )
    html = sections.roadmap(tiny, "proposal").full()
    start = html.index("Due next")
    due = html[start : html.index("</table>", start)]  # the full roadmap table follows
    # 2025-Q2 and 2025-Q4 are the two quarters with open milestones; 2025-Q3 has none
    assert "Proposal to the board" in due
    assert "Second branch opens its club" in due
    assert "Review with the board" not in due
    assert "Interviews with club leads" not in due  # done


def test_rename_topic_with_title_does_not_keep_the_placeholder_question(tmp_path: Path) -> None:
    from mdm.authoring.scaffold import init_project
    from mdm.authoring.topics import rename_topic

    root = tmp_path / "team"
    init_project(root, "Our team")
    placeholder = "What question should this part of the strategy answer?"
    with pytest.raises(
        ConfigError,
        match=r"^params/topics/first-topic\.yaml: question: still the placeholder .* from mdm "
        r"init; give the topic's own guiding question with --question",
    ):
        rename_topic(root, "first-topic", "onboarding", title="Onboarding")
    assert (root / "params/topics/first-topic.yaml").is_file()  # nothing was changed
    result = mdm(
        "rename-topic", "first-topic", "onboarding", "--title", "Onboarding",
        "--question", "How do newcomers find a first task?", "--project", str(root),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    project = load_project(root)
    assert project.topics["onboarding"].title == "Onboarding"
    assert project.topics["onboarding"].question == "How do newcomers find a first task?"
    assert placeholder not in (root / "params/topics/onboarding.yaml").read_text()


def test_rename_topic_never_rewrites_a_file_outside_the_project(tiny: Path, outside: Path) -> None:
    from mdm.authoring.topics import rename_topic

    log = write(outside / "sales.csv", "topic,amount\nbook-sales,12\n")
    (tiny / "data").mkdir()
    (tiny / "data/sales.csv").symlink_to(log)
    with pytest.raises(ConfigError, match=r"^data/sales\.csv: refused: a symbolic link"):
        rename_topic(tiny, "book-sales", "fundraising")
    assert log.read_text() == "topic,amount\nbook-sales,12\n"
    assert (tiny / "params/topics/book-sales.yaml").is_file()


def test_events_report_a_problem_in_each_column_at_once(tmp_path: Path) -> None:
    from mdm.data import load_events

    events = write(
        tmp_path / "events.csv",
        "contributor_id,timestamp,community,area,activity_type,country,is_bot\n"
        "c1,2017-03-01T14:05:00,SUMO,support,answer,DE,false\n"
        "c2,2017-03-02T14:05:00Z,SUMO,support,answer,Germany,false\n"
        "c3,2017-03-03T14:05:00Z,SUMO,support,answer,FR,perhaps\n",
    )
    with pytest.raises(DataError) as err:
        load_events(events, "data/events.csv")
    assert str(err.value).splitlines() == [
        "data/events.csv:2: timestamp: expected ISO 8601 with a UTC offset "
        "(e.g. 2017-03-01T14:05:00+05:30 or ...Z), got '2017-03-01T14:05:00'",
        "data/events.csv:3: country: expected an ISO 3166 alpha-2 country code such as DE, "
        "got 'Germany'",
        "data/events.csv:4: is_bot: expected true or false (or 1 or 0), got 'perhaps'",
    ]


def test_build_refuses_a_symlinked_note_before_any_kernel_starts(tiny: Path, outside: Path) -> None:
    from mdm.build.pipeline import BuildOptions, build

    (tiny / "data/notes").mkdir(parents=True)
    (tiny / "data/notes/diary.md").symlink_to(outside / "diary.md")
    with pytest.raises(DataError, match=r"^data/notes/diary\.md: refused: a symbolic link"):
        build(BuildOptions(project_dir=tiny))
    assert not (tiny / "output/proposal.html").exists()


def test_review_record_symlinked_outside_the_project_is_refused(tiny: Path, outside: Path) -> None:
    write(outside / "feedback.yaml", "feedback: []\n")
    (tiny / "params/reviews").mkdir()
    (tiny / "params/reviews/feedback.yaml").symlink_to(outside / "feedback.yaml")
    with pytest.raises(ConfigError, match=r"^params/reviews/feedback\.yaml: refused: a symbolic"):
        check(tiny)


def test_notebook_symlinked_outside_the_project_is_refused(tiny: Path, outside: Path) -> None:
    from mdm.params.project import bundled_notebooks

    write(outside / "topic.ipynb", (bundled_notebooks() / "topic.ipynb").read_text())
    (tiny / "notebooks").mkdir()
    (tiny / "notebooks/topic.ipynb").symlink_to(outside / "topic.ipynb")
    with pytest.raises(MdmError, match=r"^notebooks/topic\.ipynb: refused: a symbolic link"):
        check(tiny)


def test_check_reads_every_input_the_sources_appendix_describes(tiny: Path) -> None:
    # no topic of the tiny project shows charts, but its sources appendix counts the events
    write(
        tiny / "data/activity.csv",
        "contributor_id,timestamp,community,area,activity_type\nc1,yesterday,A,b,c\n",
    )
    project_file = tiny / "params/project.yaml"
    project_file.write_text(
        project_file.read_text() + "data:\n  events: data/activity.csv\n", encoding="utf-8"
    )
    check(tiny, data=True)  # no document reads the events yet
    documents = tiny / "params/documents.yaml"
    documents.write_text(documents.read_text() + "    back: [sources]\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"^data/activity\.csv:2: timestamp: expected ISO 8601"):
        check(tiny, data=True)
