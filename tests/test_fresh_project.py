"""Every command on a project fresh from ``mdm init``: no traceback, no false "signed off".

A new team's first steps: the init template names nobody in the agreement role and has no
events file, nothing is built yet. Each command either does its job or says in one line what
is missing (and exits non-zero); none may crash or report a sign-off nobody gave.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from mdm.cli import main

FORMS = "who,document,section,text\ncommunity-group,proposal,,Where do we start?\n"


def run(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``mdm ARGS`` in ``project``, in this process (``main`` as the console script calls it):
    an exception escaping it is the traceback a user would see, and fails the test."""
    out, err, here = io.StringIO(), io.StringIO(), os.getcwd()
    os.chdir(project)
    try:
        with redirect_stdout(out), redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as stop:  # argparse's usage errors
                code = stop.code if isinstance(stop.code, int) else 1
    finally:
        os.chdir(here)
    return subprocess.CompletedProcess(["mdm", *args], code, out.getvalue(), err.getvalue())


def expect(project: Path, args: str, code: int, said: str = "") -> str:
    """Run ``mdm ARGS`` in ``project``: exit ``code``; an error is one line that says ``said``."""
    done = run(project, *args.split("|") if "|" in args else args.split())
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == code, (args, done.stderr)
    if code:
        [line] = done.stderr.splitlines()
        assert line.startswith(f"mdm {args.split()[0]}: error: ") and said in line, line
    return done.stdout


@pytest.fixture
def fresh(tmp_path: Path) -> Path:
    project = tmp_path / "tenants-plan"
    # the project is started by the real command, a process of its own
    command = [
        sys.executable,
        "-m",
        "mdm",
        "init",
        str(project),
        "--name",
        "Riverside Tenants Plan",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    (tmp_path / "forms.csv").write_text(FORMS, encoding="utf-8")
    return project


NOT_BUILT = "not built yet; run `mdm build` first"


def test_every_command_before_the_first_build(fresh: Path) -> None:
    expect(fresh, "check", 0)
    status = expect(fresh, "status", 0)
    assert "nobody holds the agreement role" in status and "not built yet" in status
    assert "signed off" not in status and "0 of 0" not in status
    assert json.loads(expect(fresh, "status --json", 0))["documents"]["proposal"]["stale"] == []
    expect(fresh, "review request --document proposal", 2, "roles: nobody to ask")
    expect(fresh, "review request --document proposal --to first-driver", 5, NOT_BUILT)
    expect(fresh, "review feedback --by community-group --document proposal Hi", 5, NOT_BUILT)
    expect(fresh, "review agree --by first-driver --document proposal", 5, NOT_BUILT)
    expect(fresh, "review decide --by decision-maker --document proposal approved", 5, NOT_BUILT)
    expect(fresh, "review packet --for community-group --document proposal", 5, NOT_BUILT)
    expect(fresh, "review resolve-feedback fb-1 addressed --resolution Done", 2, "no comment")
    expect(fresh, "review import ../forms.csv", 5, NOT_BUILT)
    expect(
        fresh, "diff output output", 5, "output: no such folder, and the project is not in a git"
    )
    expect(fresh, "collect --dry-run", 2, "sources")
    expect(fresh, "new-topic|repairs|Repairs|Who fixes what?", 0)
    expect(
        fresh, "rename-topic second-topic rent --title Rent", 2, "question: still the placeholder"
    )
    expect(fresh, "rename-topic|second-topic|rent|--title|Rent|--question|How much?", 0)
    expect(fresh, "merge-topic rent repairs", 0)
    expect(fresh, "check", 0)


@pytest.mark.kernel
def test_every_command_after_the_first_build(fresh: Path) -> None:
    expect(fresh, "build --format html", 0)
    status = expect(fresh, "status", 0)
    assert "every section: no agreement sought" in status and "signed off" not in status
    assert "out of date" not in status
    facts = json.loads(expect(fresh, "status --json", 0))["documents"]["proposal"]
    assert {s["state"] for s in facts["sections"]} == {"no agreement sought"}
    assert facts["agreed"] == [] and facts["stale"] == []
    expect(fresh, "review request --document proposal", 2, "roles: nobody to ask")
    expect(fresh, "review agree --by first-driver --document proposal", 2, "agreement role")
    expect(fresh, "review feedback --by community-group --document proposal Hi", 0)
    expect(fresh, "review import ../forms.csv", 0)
    expect(fresh, "review resolve-feedback fb-1 addressed --resolution Done", 0)
    expect(fresh, "review decide --by decision-maker --document proposal deferred", 0)
    expect(fresh, "review packet --for community-group --document proposal", 0)
    expect(fresh, "preview first-topic", 0)
    expect(fresh, "diff output output", 0)
    expect(fresh, "build --format html", 0)
    topic = fresh / "params/topics/first-topic.yaml"
    text = topic.read_text(encoding="utf-8")
    topic.write_text(text.replace("Introduce the topic area", "Repairs first"), "utf-8")
    status = expect(fresh, "status", 0)
    assert "out of date: 1. First topic, Sources and definitions changed since the last" in status
    expect(fresh, "review feedback --by community-group --document proposal Hi", 5, "changed")
    expect(fresh, "check", 0)
