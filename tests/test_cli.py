"""The mdm command as users and CI run it: a real subprocess of the console script."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, mdm


def test_check_reports_what_it_validated(tiny: Path) -> None:
    result = mdm("check", "--project", str(tiny))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        f"{tiny}: ok: 3 topics, 5 stakeholders, 1 documents, 4 sections"
    )


def test_check_defaults_to_the_current_folder(tiny: Path) -> None:
    assert mdm("check", cwd=tiny).returncode == 0


def test_bad_params_give_one_line_per_problem_and_exit_2(tiny: Path) -> None:
    shutil.copy(
        FIXTURES / "params/topic_unknown_key.yaml", tiny / "params/topics/homework-clubs.yaml"
    )
    shutil.copy(FIXTURES / "params/documents_unknown_topic.yaml", tiny / "params/documents.yaml")
    result = mdm("check", "--project", str(tiny))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "mdm check: error: params/topics/homework-clubs.yaml:4: owner: unknown key "
        "(see docs/params.md for the keys allowed here)",
        "mdm check: error: params/documents.yaml:4: documents.0.topics: unknown topic "
        "'book-sale'; did you mean 'book-sales'?",
    ]


def test_not_a_project_is_a_clear_error(tmp_path: Path) -> None:
    result = mdm("check", "--project", str(tmp_path))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(f"mdm check: error: {tmp_path}/params: not found")


@pytest.mark.kernel
def test_build_another_project_prints_what_it_wrote(tiny: Path) -> None:
    result = mdm("build", "--project", str(tiny), "--jobs", "2")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"{tiny}/output/proposal.html",
        f"{tiny}/output/proposal.pdf",
    ]
    assert "4 sections executed, 0 reused from the last build" in result.stderr
    assert "start  proposal/topic-summer-reading" in result.stderr  # plain log lines off a terminal
    # kernels' own start-up chatter goes to their log files, not the build log
    assert "IPKernelApp" not in result.stderr


@pytest.mark.kernel
def test_failed_build_exits_4_with_one_line(tiny: Path) -> None:
    (tiny / "notebooks").mkdir()
    shutil.copy(FIXTURES / "notebooks/raises_in_cell.ipynb", tiny / "notebooks/topic.ipynb")
    result = mdm("build", "--project", str(tiny), "--format", "html")
    assert result.returncode == 4
    errors = [ln for ln in result.stderr.splitlines() if ln.startswith("mdm build: error:")]
    assert errors == [
        "mdm build: error: section topic-homework-clubs (proposal): notebooks/topic.ipynb, cell 3 "
        "[# a section whose evidence cannot be computed]: ZeroDivisionError: division by zero"
    ]
    assert "Traceback" not in result.stderr


@pytest.mark.kernel
def test_second_build_reports_up_to_date(tiny_html_as_built: Path) -> None:
    again = mdm("build", "--project", str(tiny_html_as_built), "--format", "html")
    assert again.returncode == 0 and again.stdout == ""
    assert again.stderr.strip() == "proposal: up to date"


def test_jobs_must_be_positive(tiny: Path) -> None:
    result = mdm("build", "--project", str(tiny), "--jobs", "0")
    assert result.returncode != 0
    assert "--jobs: expected a whole number of at least 1" in result.stderr


def test_check_reports_every_data_problem_at_once(tmp_path: Path) -> None:
    from conftest import REPO, copy_project

    project = copy_project(REPO, tmp_path / "example")
    quotes = project / "data/quotes.csv"
    quotes.write_text(
        quotes.read_text(encoding="utf-8").replace(",anonymous,", ",public,", 1), encoding="utf-8"
    )
    log = project / "data/discussions.csv"
    lines = log.read_text(encoding="utf-8").split("\n")
    lines[3] = lines[3].replace(lines[3].split(",")[4], "lots", 1)
    log.write_text("\n".join(lines), encoding="utf-8")
    result = mdm("check", "--project", str(project))
    assert result.returncode == 3
    errors = result.stderr.splitlines()
    assert len(errors) == 2
    assert re.match(
        r"mdm check: error: data/quotes\.csv:\d+: consent: expected one of "
        r"none\|internal_only\|anonymous\|attributed, got 'public'$",
        errors[0],
    )
    assert errors[1] == (
        "mdm check: error: data/discussions.csv:4: participants: expected a whole number ≥ 0, "
        "got 'lots'"
    )


def test_a_reader_that_goes_away_gets_no_traceback(tiny: Path) -> None:
    """``mdm status | head``: the reader closes the pipe before mdm has written."""
    command = [sys.executable, "-m", "mdm", "status", "--project", str(tiny), "--verbose"]
    reader = subprocess.run(
        f"{shlex.join(command)} | true; echo ${{PIPESTATUS[0]}}",  # the reader is gone at once
        shell=True,
        executable="/bin/bash",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in reader.stderr and "BrokenPipeError" not in reader.stderr
    assert reader.stdout.strip() in {"0", "141"}
