"""Feedback, agreement and decision records: rules, sign-off tied to section content, status."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from mdm.build.pipeline import BuildOptions, build
from mdm.errors import ConfigError
from mdm.params.project import load_project
from mdm.params.reviews import load_reviews


def write(project: Path, name: str, text: str) -> None:
    folder = project / "params/reviews"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


def digests(project: Path) -> dict[str, str]:
    manifest = json.loads((project / "output/.mdm-build.json").read_text(encoding="utf-8"))
    return {s: info["digest"] for s, info in manifest["proposal"]["sections"].items()}


def agree_all(project: Path, state: str = "agreed", date: str = "2025-03-01") -> str:
    sections = "".join(f"      {s}: {d}\n" for s, d in digests(project).items())
    return (
        f"  - by: library-board\n    document: proposal\n    version: '1.0'\n"
        f"    state: {state}\n    date: {date}\n    sections:\n{sections}"
    )


def html_build(project: Path) -> BeautifulSoup:
    build(BuildOptions(project_dir=project, formats=("html",)))
    return BeautifulSoup(
        (project / "output/proposal.html").read_text(encoding="utf-8"), "html.parser"
    )


def mdm_status(project: Path) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "mdm", "status", "--project", str(project), "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["documents"]["proposal"]


@pytest.mark.kernel
def test_sign_off_is_current_until_the_section_changes(tiny: Path) -> None:
    html_build(tiny)
    write(tiny, "agreements.yaml", "agreements:\n" + agree_all(tiny))
    page = html_build(tiny)
    # the state all four sections share is said once, at the top; no section repeats it
    badges = [b.get_text(" ", strip=True) for b in page.select(".mdm-badge")]
    assert len(badges) == 1 and badges[0].startswith("Signed off : 1 of 1 agreed")
    assert page.select_one(".mdm-signoff .mdm-badge") is not None
    assert not page.select("section .mdm-badge")
    status = mdm_status(tiny)
    assert [s["state"] for s in status["sections"]] == ["signed off"] * 4
    assert status["waiting_for"] == []

    topic = tiny / "params/topics/book-sales.yaml"
    topic.write_text(
        topic.read_text(encoding="utf-8") + "summary: Now with a summary.\n", encoding="utf-8"
    )
    page = html_build(tiny)
    states = {s["section"]: s["state"] for s in mdm_status(tiny)["sections"]}
    assert states == {
        "overview": "signed off",
        "topic-homework-clubs": "signed off",
        "topic-book-sales": "needs re-review",
        "topic-summer-reading": "signed off",
    }
    changed = page.select_one("section[data-section='topic-book-sales'] .mdm-badge").get_text(
        " ", strip=True
    )
    assert changed == "Needs re-review : changed since Library Board agreed"


@pytest.mark.kernel
def test_decision_record_page_lists_roles_states_and_open_feedback(tiny: Path) -> None:
    write(
        tiny,
        "feedback.yaml",
        """feedback:
  - id: fb-1
    by: club-leads
    document: proposal
    version: '1.0'
    section: topic-homework-clubs
    date: 2025-02-10
    text: Tutors need a quiet room <b>every</b> night.
  - id: fb-2
    by: library-board
    document: proposal
    version: '1.0'
    section: topic-book-sales
    date: 2025-02-11
    text: Add the spring sale.
    status: addressed
    resolution: Added in version 1.0.
""",
    )
    write(
        tiny,
        "decisions.yaml",
        """decisions:
  - by: head-librarian
    document: proposal
    version: '1.0'
    state: deferred
    date: 2025-02-20
    note: Waiting for the board.
""",
    )
    page = html_build(tiny)
    record = page.select_one("section[data-section='sec-decision-record']")
    text = record.get_text(" ", strip=True)
    assert "Deferred by Head Librarian on 2025-02-20 (version 1.0): Waiting for the board." in text
    assert "Library Board not yet asked" in text
    assert "Tutors need a quiet room <b>every</b> night." in text  # shown as text, escaped
    assert record.find("b") is None
    assert "1 earlier comment addressed or declined." in text
    assert [a.get_text() for a in page.select("nav.mdm-toc a")][-1] == "Decision record"
    badge = page.select_one("section[data-section='topic-homework-clubs'] .mdm-badge")
    assert badge.get_text(" ", strip=True).endswith("· 1 open comment")


@pytest.mark.parametrize(
    ("files", "message"),
    [
        pytest.param(
            {
                "agreements.yaml": "agreements:\n  - {by: library-board, document: proposal, version: '1.0', "
                "state: objection, date: 2025-02-01}\n",
                "decisions.yaml": "decisions:\n  - {by: head-librarian, document: proposal, version: '1.0', "
                "state: approved, date: 2025-02-02}\n",
            },
            r"^params/reviews/decisions\.yaml:2: decisions\.0\.state: approved is blocked: library-board "
            r"has an unresolved objection on proposal \(2025-02-01\); resolve it first$",
            id="objection-blocks-approval",
        ),
        pytest.param(
            {
                "agreements.yaml": "agreements:\n  - {by: library-board, document: proposal, version: '1.0', "
                "state: resolved, date: 2025-02-01, sections: {overview: 0123456789ab}}\n"
            },
            r"^params/reviews/agreements\.yaml:2: agreements\.0\.state: no record cannot become resolved; "
            r"expected one of agreed, agreed_with_conditions, objection, requested$",
            id="resolved-without-objection",
        ),
        pytest.param(
            {
                "agreements.yaml": "agreements:\n  - {by: club-leads, document: proposal, version: '1.0', "
                "state: requested, date: 2025-02-01}\n"
            },
            r"agreements\.0\.by: 'club-leads' does not hold the agreement role",
            id="not-in-agreement-role",
        ),
        pytest.param(
            {
                "agreements.yaml": "agreements:\n  - {by: library-board, document: proposal, version: '1.0', "
                "state: agreed, date: 2025-02-01}\n"
            },
            r"agreements\.yaml:2: agreements\.0\.sections: expected the digests of the sections signed off",
            id="agreed-without-digests",
        ),
        pytest.param(
            {
                "decisions.yaml": "decisions:\n  - {by: amara-okafor, document: proposal, version: '1.0', "
                "state: approved, date: 2025-02-02}\n"
            },
            r"decisions\.0\.by: 'amara-okafor' is not the decision_maker",
            id="not-the-decision-maker",
        ),
        pytest.param(
            {
                "feedback.yaml": "feedback:\n  - {id: f1, by: club-leads, document: proposal, version: '1', "
                "section: topic-bookshop, date: 2025-02-02, text: Hi}\n"
            },
            r"feedback\.0\.section: expected a section of proposal \(overview, topic-book-sales, "
            r"topic-homework-clubs, topic-summer-reading\), got 'topic-bookshop'",
            id="unknown-section",
        ),
        pytest.param(
            {
                "feedback.yaml": "feedback:\n  - {id: f1, by: club-leads, document: proposal, version: '1', "
                "section: overview, date: 2025-02-02, text: Hi, status: declined}\n"
            },
            r"feedback\.yaml:2: feedback\.0\.resolution: expected a resolution when status is declined",
            id="declined-without-resolution",
        ),
    ],
)
def test_review_rules(tiny: Path, files: dict[str, str], message: str) -> None:
    for name, text in files.items():
        write(tiny, name, text)
    with pytest.raises(ConfigError, match=message):
        load_reviews(load_project(tiny))


def test_resolved_objection_allows_approval(tiny: Path) -> None:
    write(
        tiny,
        "agreements.yaml",
        """agreements:
  - {by: library-board, document: proposal, version: '1.0', state: objection, date: 2025-02-01}
  - {by: library-board, document: proposal, version: '1.0', state: resolved, date: 2025-02-05,
     sections: {overview: 0123456789ab}}
""",
    )
    write(
        tiny,
        "decisions.yaml",
        "decisions:\n  - {by: head-librarian, document: proposal, "
        "version: '1.0', state: approved, date: 2025-02-06}\n",
    )
    reviews = load_reviews(load_project(tiny))
    assert reviews.decision("proposal").state.value == "approved"
