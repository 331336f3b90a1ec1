"""Two documents that agree: the strategy answers what the proposal funds and what people agreed,
and the sign-off line says what the decision record says.

The tiny library project with its investment plan and a strategy document: homework clubs
and summer reading ask for money, book sales (here) does not; none proposes a structure or
process.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup
from conftest import FIXTURES, REPO, TINY, copy_project, mdm

from mdm import sections
from mdm.build.check import check
from mdm.errors import Problem
from mdm.params.project import SectionSpec, load_project
from mdm.params.reviews import load_reviews
from mdm.report.record import badges, decision_record
from mdm.report.render import Fragment, Html

STRATEGY = {
    "id": "strategy",
    "title": "Our volunteer strategy",
    "front": ["strategy-summary"],
    "topic_notebook": "strategy-topic",
}


def text(html: str) -> str:
    return " ".join(BeautifulSoup(html, "html.parser").get_text().split())


@pytest.fixture
def library(tmp_path: Path) -> Path:
    """The invested tiny project with a strategy document and a discussion log."""
    root = copy_project(TINY, tmp_path / "tiny")
    shutil.copytree(FIXTURES / "tiny-investment" / "params", root / "params", dirs_exist_ok=True)
    path = root / "params/documents.yaml"
    documents = yaml.safe_load(path.read_text(encoding="utf-8"))
    documents["documents"].append(STRATEGY)
    path.write_text(yaml.safe_dump(documents, sort_keys=False), encoding="utf-8")
    sales = root / "params/topics/book-sales.yaml"  # its card reader is in no option: drop it
    sales.write_text(sales.read_text(encoding="utf-8").split("asks:")[0], encoding="utf-8")
    (root / "data").mkdir()
    (root / "data/discussions.csv").write_text(
        "date,topic,channel,community,participants,outcomes,agreements\n"
        "2025-01-10,homework-clubs,Club night,Tutors,9,Tutors want paying for regular nights.,"
        "Weekly tutors receive a stipend\n"
        "2025-01-17,book-sales,Volunteers' meeting,Book sale crew,6,Sales need a card reader.,"
        "Book sales take card payments; Sales move to Saturdays\n",
        encoding="utf-8",
    )
    return root


def warnings_of(root: Path) -> list[Problem]:
    found: list[Problem] = []
    check(root, data=True, warn=found.append)
    return found


# --- a topic with asks has a proposal ---------------------------------------------------------


def test_the_strategy_shows_a_topics_asks_under_we_propose(library: Path) -> None:
    proposals = text(sections.topic(library, "strategy", "homework-clubs").proposals())
    assert "We propose" in proposals and "No proposal yet" not in proposals
    assert "Stipends for weekly tutors: GBP 4,800, 2025-Q3–2026-Q2, owned by Amara Okafor." in (
        proposals
    )
    assert "Funded in the proposal's Essential, Recommended options." in proposals
    summary = text(sections.summary(library, "strategy").page(["proposals"]))
    assert "proposed for 2 of 3 topics: Homework clubs, Summer reading." in summary
    assert "No proposal yet for 1 topic: Book sales." in summary


def test_a_funded_topic_the_strategy_does_not_answer_is_a_warning(library: Path) -> None:
    stale = {w.path: w for w in warnings_of(library) if w.field == "asks"}
    assert set(stale) == {"params/topics/homework-clubs.yaml", "params/topics/summer-reading.yaml"}
    clubs = stale["params/topics/homework-clubs.yaml"]
    lines = (library / clubs.path).read_text(encoding="utf-8").splitlines()
    assert clubs.line is not None and lines[clubs.line - 1] == "asks:"
    assert clubs.message.startswith("3 ask(s) but no structure or process")


def test_a_topic_that_proposes_a_structure_is_not_stale(library: Path) -> None:
    path = library / "params/topics/homework-clubs.yaml"
    path.write_text(
        path.read_text(encoding="utf-8") + "structures: |\n  - Every club night has a lead.\n",
        encoding="utf-8",
    )
    stale = [w.path for w in warnings_of(library) if w.field == "asks"]
    assert stale == ["params/topics/summer-reading.yaml"]


def test_without_a_strategy_document_a_funded_topic_is_not_stale(library: Path) -> None:
    path = library / "params/documents.yaml"
    documents = yaml.safe_load(path.read_text(encoding="utf-8"))
    documents["documents"] = documents["documents"][:1]
    path.write_text(yaml.safe_dump(documents, sort_keys=False), encoding="utf-8")
    assert not [w for w in warnings_of(library) if w.field == "asks"]


# --- an agreed outcome is answered ------------------------------------------------------------


def test_an_agreement_nothing_answers_is_a_warning_naming_its_session(library: Path) -> None:
    unanswered = [w for w in warnings_of(library) if w.field == "agreements"]
    # "Weekly tutors receive a stipend" is answered by the ask "Stipends for weekly tutors"
    assert [(w.path, w.line) for w in unanswered] == [("data/discussions.csv", 3)] * 2
    assert [w.message.split("'")[1] for w in unanswered] == [
        "Book sales take card payments",
        "Sales move to Saturdays",
    ]
    assert "no structure, process or ask of params/topics/book-sales.yaml" in unanswered[0].message


def test_an_agreement_is_answered_in_its_own_words_not_by_one_shared_word(library: Path) -> None:
    path = library / "params/topics/book-sales.yaml"
    path.write_text(
        path.read_text(encoding="utf-8")
        + "processes: |\n  - Every sale takes card payments as well as cash.\n",
        encoding="utf-8",
    )
    unanswered = [w.message.split("'")[1] for w in warnings_of(library) if w.field == "agreements"]
    assert unanswered == ["Sales move to Saturdays"]


def test_mdm_check_prints_warnings_and_still_passes(library: Path) -> None:
    result = mdm("check", "--project", str(library))
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert any(
        line.startswith("mdm check: warning: data/discussions.csv:3: agreements: agreed ")
        for line in lines
    ), result.stderr
    assert result.stdout.rstrip().endswith("4 warning(s)")


def test_the_example_is_clean_and_answers_every_funded_topic() -> None:
    assert warnings_of(REPO) == []
    project = load_project(REPO)
    assert all(
        t.structures.strip() or t.processes.strip() for t in project.active_topics() if t.asks
    )


# --- the sign-off line says what the decision record says --------------------------------------


def test_the_sign_off_line_names_who_was_asked_as_the_decision_record_does(tiny: Path) -> None:
    path = tiny / "params/stakeholders.yaml"
    path.write_text(
        path.read_text(encoding="utf-8") + "  - {role: agreement, who: tomasz-nowak}\n",
        encoding="utf-8",
    )
    reviews = tiny / "params/reviews"
    reviews.mkdir()
    (reviews / "agreements.yaml").write_text(
        "agreements:\n  - {by: library-board, document: proposal, version: '1.0', "
        "state: requested, date: 2025-03-01}\n",
        encoding="utf-8",
    )
    project = load_project(tiny)
    spec = SectionSpec("proposal", "overview", "About", Path("overview.ipynb"), {})
    fragments = [Fragment(spec, Html("<h2 id='sec-overview'>About</h2>"), "sec-overview", "About")]
    record = load_reviews(project)
    line = text(badges(project, record, "proposal", fragments)["overview"])
    assert line == (
        "Awaiting agreement: 0 of 2 agreed, waiting for Library Board; not yet asked: Tomasz Nowak"
    )
    page = BeautifulSoup(decision_record(project, record, "proposal", fragments), "html.parser")
    states = {tr.th.get_text(): tr.td.get_text() for tr in page.select("table tbody tr")}
    assert states == {"Library Board": "requested", "Tomasz Nowak": "not yet asked"}
