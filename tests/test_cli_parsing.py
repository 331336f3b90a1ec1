"""The CLI in-process: ``main(argv)`` with the library call replaced, so each option is seen to
reach the library as the right value (as papermill's test_cli does). No kernel, no subprocess."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mdm import cli
from mdm.build import pipeline, preview, signoff
from mdm.build.pipeline import BuildOptions, BuildReport
from mdm.errors import ConfigError, Problem
from mdm.review import diff


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> list[BuildOptions]:
    seen: list[BuildOptions] = []

    def fake_build(options: BuildOptions, events: Any = None, log: Any = None) -> BuildReport:
        seen.append(options)
        return BuildReport(outputs=[Path("output/proposal.html")])

    monkeypatch.setattr(pipeline, "build", fake_build)
    return seen


def test_build_defaults(built: list[BuildOptions], capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["build"]) == 0
    assert built == [BuildOptions(project_dir=Path("."), formats=("html", "pdf"))]
    assert capsys.readouterr().out == "output/proposal.html\n"


def test_build_passes_every_option(built: list[BuildOptions]) -> None:
    argv = ["build", "--project", "p", "--format", "html", "-j", "3", "--timeout", "9", "--force"]
    assert cli.main([*argv, "--document", "proposal", "--document", "strategy"]) == 0
    assert built == [
        BuildOptions(
            project_dir=Path("p"),
            documents=("proposal", "strategy"),
            formats=("html",),
            jobs=3,
            timeout=9,
            force=True,
        )
    ]


def test_build_release_goes_to_the_library(built: list[BuildOptions]) -> None:
    assert cli.main(["build", "--release", "1.0"]) == 0
    assert built[0].release == "1.0"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["build", "--jobs", "0"], "--jobs: expected a whole number of at least 1"),
        (
            ["build", "--release", "1.0", "--document", "proposal"],
            "--release: a release holds every document; drop --document (got proposal)",
        ),
    ],
    ids=["jobs-zero", "release-with-document"],
)
def test_build_refuses_bad_combinations(
    built: list[BuildOptions], argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(argv) == 1
    assert capsys.readouterr().err == f"mdm build: error: {message}\n"
    assert built == []


def test_unknown_format_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        cli.main(["build", "--format", "docx"])
    assert stop.value.code == 2
    assert "invalid choice: 'docx'" in capsys.readouterr().err


def test_an_error_prints_each_problem_with_the_prefix(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(options: BuildOptions, events: Any = None, log: Any = None) -> BuildReport:
        raise ConfigError(
            problems=[
                Problem("unknown key", "params/a.yaml", 3, "owner"),
                Problem("expected a date, got 'soon'", "params/b.yaml", 7, "date"),
            ]
        )

    monkeypatch.setattr(pipeline, "build", broken)
    assert cli.main(["build"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "mdm build: error: params/a.yaml:3: owner: unknown key",
        "mdm build: error: params/b.yaml:7: date: expected a date, got 'soon'",
    ]


def test_preview_and_watch(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Any, ...]] = []
    monkeypatch.setattr(preview, "preview", lambda *a: calls.append(("preview", *a)) or Path("x"))
    monkeypatch.setattr(preview, "watch", lambda *a, **k: calls.append(("watch", *a)))
    assert cli.main(["preview", "metrics", "--document", "strategy"]) == 0
    assert cli.main(["preview", "overview", "--project", "p", "--watch"]) == 0
    assert calls == [
        ("preview", Path("."), "metrics", "strategy"),
        ("watch", Path("p"), "overview", None),
    ]


def test_status_json(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(signoff, "project_status", lambda project: {"project": str(project)})
    assert cli.main(["status", "--project", "p", "--json"]) == 0
    assert capsys.readouterr().out == '{\n  "project": "p"\n}\n'


def test_diff_takes_two_builds_and_documents(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Any, ...]] = []
    monkeypatch.setattr(diff, "diff_builds", lambda *a: calls.append(a) or [])
    assert cli.main(["diff", "v1", "HEAD", "--document", "proposal"]) == 0
    assert calls == [("v1", "HEAD", Path("."), ["proposal"])]
