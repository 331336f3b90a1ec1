"""What notebooks call, called in-process (no kernel): sections of the tiny project and the example."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import REPO

from mdm import sections
from mdm.errors import ConfigError
from mdm.params.models import REFERENCE
from mdm.params.project import load_project


def text(html: str) -> str:
    return BeautifulSoup(html, "html.parser").get_text(" ", strip=True)


def test_a_topic_opened_with_its_defaults_shows_the_first_active_topic(tiny: Path) -> None:
    section = sections.topic(tiny, "proposal", "")
    assert section.topic_id == "homework-clubs"
    header = BeautifulSoup(section.header(), "html.parser")
    heading = header.find("h2")
    assert heading is not None and heading["id"] == section.anchor == "sec-topic-homework-clubs"
    assert "How do we keep enough tutors for every club night?" in header.get_text()


def test_an_unknown_topic_fails_when_the_section_loads(tiny: Path) -> None:
    with pytest.raises(ConfigError, match=r"book-sale\b"):
        sections.topic(tiny, "proposal", "book-sale")


def test_topic_text_from_params_is_escaped(tiny: Path) -> None:
    path = tiny / "params/topics/book-sales.yaml"
    path.write_text(
        path.read_text(encoding="utf-8") + 'summary: "<img src=x onerror=alert(1)> sales"\n',
        encoding="utf-8",
    )
    header = sections.topic(tiny, "proposal", "book-sales").header()
    assert "<img" not in header and "&lt;img" in header


def test_the_overview_names_people_in_their_roles(tiny: Path) -> None:
    roles = text(sections.overview(tiny, "proposal").roles())
    project = load_project(tiny)
    for assignment in project.roles:
        assert project.stakeholders[assignment.who].name in roles


def test_example_findings_carry_computed_values_not_placeholders() -> None:
    section = sections.topic(REPO, "proposal", "metrics")
    findings = section.findings()
    assert "{{" not in findings and section.values
    used = REFERENCE.findall(section.topic.findings)
    assert used
    for name in used:
        assert section.values[name] in findings
