"""``mdm status``: a summary per document for people (names), the differing sections, --verbose, --json."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from conftest import as_built, mdm

from mdm.review import commands

DAY = dt.date(2025, 3, 1)


@pytest.fixture
def built(tiny_built: Path, tmp_path: Path) -> Path:
    target = tmp_path / "tiny"
    shutil.copytree(tiny_built, target)
    return target


def status(project: Path, *options: str) -> str:
    result = mdm("status", "--project", str(project), *options)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_status_before_any_build(tiny: Path) -> None:
    assert status(tiny).splitlines() == [
        "Riverside Library Friends Volunteer Plan",
        "",
        "proposal 1.0: 0 of 1 agreed; 0 open comments; decision pending",
        "  not built yet: run `mdm build` to see the sign-off state of its sections",
    ]


@pytest.mark.kernel
def test_summary_first_then_only_the_sections_that_differ(built: Path) -> None:
    assert status(built).splitlines()[2:] == [
        "proposal 1.0: 0 of 1 agreed; not yet asked: Library Board; 0 open comments; decision pending",
        "  every section: awaiting agreement",
    ]
    commands.feedback(built, "club-leads", "proposal", "More tutors.", "topic-homework-clubs", DAY)
    commands.feedback(built, "club-leads", "proposal", "Clear overall.", date=DAY)
    commands.object_to(built, "library-board", "proposal", "topic-book-sales", "Costs?", DAY)
    assert status(built).splitlines()[2:] == [
        "proposal 1.0: 0 of 1 agreed; waiting for Library Board; 2 open comments; "
        "1 objection on 2. Book sales; decision pending",
        "  section        state               agreed  open  still to agree",
        "  2. Book sales  objection              0/1     0  Library Board",
        "  other sections: awaiting agreement",
    ]
    verbose = status(built, "--verbose").splitlines()[3:]
    assert verbose == [
        "  section             state               agreed  open  still to agree",
        "  About this project  awaiting agreement     0/1     0  Library Board",
        "  1. Homework clubs   awaiting agreement     0/1     1  Library Board",
        "  2. Book sales       objection              0/1     0  Library Board",
        "  3. Summer reading   awaiting agreement     0/1     0  Library Board",
    ]
    commands.resolve_objection(built, "library-board", "proposal", "resolved", date=DAY)
    commands.decide(built, "head-librarian", "proposal", "approved", "Go ahead.", DAY)
    assert status(built).splitlines()[2:] == [
        "proposal 1.0: 1 of 1 agreed; 2 open comments; approved by Head Librarian (2025-03-01)",
        "  every section: signed off",
    ]


@pytest.mark.kernel
def test_json_keeps_ids_for_scripts(built: Path) -> None:
    commands.object_to(built, "library-board", "proposal", "topic-book-sales", "Costs?", DAY)
    data = json.loads(status(built, "--json"))
    doc = data["documents"]["proposal"]
    assert data["names"]["library-board"] == "Library Board"
    assert doc["waiting_for"] == ["library-board"]
    assert doc["agreements"] == {"library-board": "objection"}
    assert doc["objections"] == [
        {
            "by": "library-board",
            "sections": ["topic-book-sales"],
            "note": "Costs?",
            "date": "2025-03-01",
        }
    ]
    book = next(s for s in doc["sections"] if s["section"] == "topic-book-sales")
    assert (book["state"], book["objections"], len(book["digest"])) == (
        "objection",
        ["library-board"],
        12,
    )


def test_nobody_in_the_agreement_role_is_not_signed_off(tiny: Path) -> None:
    stakeholders = tiny / "params/stakeholders.yaml"
    text = stakeholders.read_text(encoding="utf-8")
    stakeholders.write_text(text.replace("  - {role: agreement, who: library-board}\n", ""))
    as_built(tiny)
    assert status(tiny).splitlines()[2:] == [
        "proposal 1.0: nobody holds the agreement role (params/stakeholders.yaml); "
        "0 open comments; decision pending",
        "  every section: no agreement sought",
    ]
    doc = json.loads(status(tiny, "--json"))["documents"]["proposal"]
    assert (doc["agreements"], doc["agreed"], doc["stale"]) == ({}, [], [])
    assert {s["state"] for s in doc["sections"]} == {"no agreement sought"}


def test_status_says_which_sections_changed_since_the_last_build(tiny: Path) -> None:
    as_built(tiny)
    topic = tiny / "params/topics/book-sales.yaml"
    topic.write_text(topic.read_text(encoding="utf-8") + "summary: Spring sale.\n", "utf-8")
    assert status(tiny).splitlines()[2:] == [
        "proposal 1.0: 0 of 1 agreed; not yet asked: Library Board; 0 open comments; decision pending",
        "  out of date: 2. Book sales changed since the last build (params, data or mdm); "
        "the states below are the last build's: run `mdm build`",
        "  every section: awaiting agreement",
    ]
    assert json.loads(status(tiny, "--json"))["documents"]["proposal"]["stale"] == [
        "topic-book-sales"
    ]
