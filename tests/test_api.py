"""The library API: what ``import mdm`` offers scripts and other tools."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import mdm
from mdm import errors


def test_all_lists_every_public_name_and_each_resolves() -> None:
    public = {*mdm._LAZY, *mdm._MODULES, *errors.__all__, "__version__"} - {"where"}
    assert sorted(mdm.__all__) == sorted(public)
    for name in mdm.__all__:
        assert getattr(mdm, name) is not None, name


def test_the_review_steps_are_offered_by_mdm_review() -> None:
    from mdm.review import commands

    assert sorted(mdm.review._LAZY) == sorted(mdm.review.__all__)
    assert mdm.review.agree is commands.agree
    for name in mdm.review.__all__:
        assert callable(getattr(mdm.review, name)), name


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match=r"^module 'mdm' has no attribute 'bulid'$"):
        mdm.bulid  # noqa: B018


def test_import_mdm_loads_no_data_or_plotting_library() -> None:
    code = "import sys, mdm; mdm.load_project; print(sorted(m for m in ('pandas', 'matplotlib', 'pyarrow', 'papermill') if m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_load_and_check_a_project_through_the_api(tiny: Path) -> None:
    project = mdm.load_project(tiny)
    checked, reviews = mdm.check(tiny, data=True)
    assert checked.topics.keys() == project.topics.keys()
    assert isinstance(reviews, mdm.Reviews)


def test_errors_carry_their_location_as_data(tiny: Path) -> None:
    topic = tiny / "params/topics/homework-clubs.yaml"
    topic.write_text(topic.read_text(encoding="utf-8") + "owner: someone\n", encoding="utf-8")
    with pytest.raises(mdm.ConfigError) as caught:
        mdm.load_project(tiny)
    problem = caught.value.problems[-1]
    assert (problem.path, problem.field) == ("params/topics/homework-clubs.yaml", "owner")
    assert problem.line == len(topic.read_text(encoding="utf-8").splitlines())
    assert caught.value.exit_code == 2
