"""``mdm check``: a unit written after a value that prints its own ("14.7 hours hours")."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import mdm

from mdm.build.check import check, doubled_units
from mdm.errors import ConfigError
from mdm.params.project import load_project

VALUES = """\
evidence:
  values:
    reply: {metric: time_to_first_response, freq: Y}
    answered: {metric: time_to_first_response, freq: Y, column: answered}
    answered_change: {metric: time_to_first_response, freq: Y, column: answered, value: change}
    converted: {metric: conversion_rate, freq: Y, value: change_pct}
    newcomers: {metric: new_contributors, freq: Y}
"""


def with_findings(tiny: Path, findings: str) -> Path:
    topic = tiny / "params/topics/homework-clubs.yaml"
    text = topic.read_text(encoding="utf-8") + VALUES + "findings: |\n"
    topic.write_text(text + "".join(f"  {line}\n" for line in findings.splitlines()), "utf-8")
    return topic


@pytest.mark.parametrize(
    ("prose", "written", "unit"),
    [
        ("Tutors waited {{ reply }} hours.", "{{ reply }} hours", "hours"),
        ("A wait of {{ reply }} h.", "{{ reply }} h", "hours"),
        ("{{ answered }}% were answered.", "{{ answered }}%", "%"),
        ("{{ answered }} percent answered.", "{{ answered }} percent", "%"),
        ("Up {{ answered_change }} points.", "{{ answered_change }} points", "percentage points"),
        ("Conversion grew {{ converted }} %.", "{{ converted }} %", "%"),
    ],
    ids=["hours", "h", "percent-sign", "percent-word", "points", "change-pct"],
)
def test_a_unit_after_a_value_that_prints_it_is_named_with_file_line_and_field(
    tiny: Path, prose: str, written: str, unit: str
) -> None:
    with_findings(tiny, f"First line.\n\n{prose}")
    [problem] = doubled_units(load_project(tiny))
    assert (problem.path, problem.line, problem.field) == (
        "params/topics/homework-clubs.yaml",
        15,  # the prose's own line in the block, not the key's (12)
        "findings",
    )
    assert problem.message == (
        f"{{{{ {written.split()[1]} }}}} prints its unit already ({unit}), so {written!r} says it "
        f"twice; write {{{{ {written.split()[1]}.number }}}} for the number alone, or drop the "
        "second unit"
    )


def test_values_without_their_unit_or_without_one_pass(tiny: Path) -> None:
    with_findings(
        tiny,
        "Tutors waited {{ reply.number }} hours; {{ newcomers }} people joined;\n"
        "the wait, {{ reply }}, hurt; {{ answered }} of threads; in {{ reply.period }} hours\n"
        "were long; {{ reply }} helpers.",
    )
    assert doubled_units(load_project(tiny)) == []


def test_a_headline_title_that_repeats_the_unit(tiny: Path) -> None:
    documents = tiny / "params/documents.yaml"
    documents.write_text(
        documents.read_text(encoding="utf-8")
        + "    headlines:\n"
        + "      reply: {metric: time_to_first_response, freq: Y, title: hours to a first reply}\n"
        + "      newcomers: {metric: new_contributors, freq: Y, title: newcomers}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as raised:
        check(tiny)
    [problem] = raised.value.problems
    assert (problem.path, problem.line, problem.field) == (
        "params/documents.yaml",
        9,
        "documents.0.headlines.reply.title",
    )
    assert "prints its unit already (hours), so hours 'hours to a first reply'" in problem.message


def test_mdm_check_stops_on_it(tiny: Path) -> None:
    with_findings(tiny, "Tutors waited {{ reply }} hours.")
    result = mdm("check", "--project", str(tiny))
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == (
        "mdm check: error: params/topics/homework-clubs.yaml:13: findings: {{ reply }} prints its "
        "unit already (hours), so '{{ reply }} hours' says it twice; write {{ reply.number }} for "
        "the number alone, or drop the second unit"
    )
