"""Incremental builds: reuse exactly what is unchanged, never a stale result."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import REPO, TINY, copy_project

from mdm.build.cache import section_keys
from mdm.build.pipeline import BuildOptions, BuildReport, build
from mdm.build.uptodate import up_to_date
from mdm.params.project import load_project


@pytest.fixture
def tiny(tiny_html_as_built: Path) -> Path:
    """The tiny project as a build of its HTML left it: each test here changes something and
    builds again."""
    return tiny_html_as_built


def html_only(project: Path, **kwargs: object) -> BuildReport:
    return build(BuildOptions(project_dir=project, formats=("html",), **kwargs))  # type: ignore[arg-type]


def executed(report: BuildReport) -> list[str]:
    return sorted(r.spec.id for r in report.sections if not r.cached)


@pytest.mark.kernel
def test_unchanged_project_is_up_to_date_and_untouched(tiny: Path) -> None:
    before = (tiny / "output/proposal.html").stat().st_mtime_ns
    report = html_only(tiny)
    assert report.up_to_date == ["proposal"] and report.outputs == [] and report.sections == []
    assert (tiny / "output/proposal.html").stat().st_mtime_ns == before


@pytest.mark.kernel
def test_changed_topic_reruns_that_topic_and_the_overview_only(tiny: Path) -> None:
    topic = tiny / "params/topics/book-sales.yaml"
    topic.write_text(
        topic.read_text(encoding="utf-8").replace("raise the most", "raise most"), encoding="utf-8"
    )
    report = html_only(tiny)
    assert executed(report) == ["overview", "topic-book-sales"]
    assert "Which sales raise most" in (tiny / "output/proposal.html").read_text(encoding="utf-8")


@pytest.mark.kernel
def test_changed_shared_params_rerun_every_section(tiny: Path) -> None:
    people = tiny / "params/stakeholders.yaml"
    people.write_text(
        people.read_text(encoding="utf-8").replace("Tomasz Nowak", "Tomasz Nowakowski"),
        encoding="utf-8",
    )
    report = html_only(tiny)
    assert len(executed(report)) == 4
    assert "Tomasz Nowakowski" in (tiny / "output/proposal.html").read_text(encoding="utf-8")


@pytest.mark.kernel
def test_changed_notebook_reruns_its_sections(tiny: Path) -> None:
    source = Path(__file__).resolve().parents[1] / "notebooks/topic.ipynb"
    nb = nbformat.read(source, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("Every topic ends with this line."))
    (tiny / "notebooks").mkdir()
    nbformat.write(nb, tiny / "notebooks/topic.ipynb")
    report = html_only(tiny)
    assert executed(report) == ["topic-book-sales", "topic-homework-clubs", "topic-summer-reading"]
    assert (tiny / "output/proposal.html").read_text(encoding="utf-8").count(
        "Every topic ends with this line."
    ) == 3


@pytest.mark.kernel
def test_force_reruns_everything(tiny: Path) -> None:
    assert len(executed(html_only(tiny, force=True))) == 4


@pytest.mark.kernel
def test_deleted_or_edited_output_is_rebuilt(tiny: Path) -> None:
    (tiny / "output/proposal.html").write_text("tampered", encoding="utf-8")
    report = html_only(tiny)
    assert (
        report.up_to_date == [] and executed(report) == []
    )  # sections reused, document re-assembled
    assert "Homework clubs" in (tiny / "output/proposal.html").read_text(encoding="utf-8")


@pytest.mark.kernel
def test_cache_key_lives_in_the_executed_notebook(tiny: Path) -> None:
    nb = json.loads(
        (tiny / "output/notebooks/proposal/topic-book-sales.ipynb").read_text(encoding="utf-8")
    )
    assert len(nb["metadata"]["mdm"]["cache_key"]) == 64
    manifest = json.loads((tiny / "output/.mdm-build.json").read_text(encoding="utf-8"))
    assert list(manifest["proposal"]["files"]) == ["proposal.html"]


@pytest.mark.kernel
def test_format_change_is_not_up_to_date(tiny: Path) -> None:
    report = build(BuildOptions(project_dir=tiny))
    assert report.up_to_date == [] and executed(report) == []
    assert (tiny / "output/proposal.pdf").is_file()


@pytest.mark.kernel
def test_changed_topic_text_reruns_that_topic_only(tiny: Path) -> None:
    topic = tiny / "params/topics/book-sales.yaml"
    topic.write_text(
        topic.read_text(encoding="utf-8") + "summary: Sell the spring stock first.\n",
        encoding="utf-8",
    )
    report = html_only(tiny)
    assert executed(report) == ["topic-book-sales"]  # the overview shows no summary


@pytest.mark.kernel
def test_copied_project_reuses_its_build(tiny: Path, tmp_path: Path) -> None:
    moved = tmp_path / "elsewhere" / "tiny"
    shutil.copytree(tiny, moved)
    report = html_only(moved)
    assert report.up_to_date == ["proposal"] and report.sections == []


def keys_by_section(project: Path) -> dict[str, str]:
    loaded = load_project(project)
    specs = [s for d in loaded.documents for s in loaded.sections(d)]
    return {
        f"{s.document}/{s.id}": k for s, k in zip(specs, section_keys(loaded, specs), strict=True)
    }


def test_topic_edit_changes_only_the_keys_of_sections_that_show_it(tmp_path: Path) -> None:
    project = copy_project(REPO, tmp_path / "example")
    before = keys_by_section(project)
    topic = project / "params/topics/onboarding.yaml"
    topic.write_text(
        topic.read_text(encoding="utf-8").replace("\nsummary:", "\nsummary: Edited.", 1)
        if "\nsummary:" in topic.read_text(encoding="utf-8")
        else topic.read_text(encoding="utf-8") + "summary: Edited.\n",
        encoding="utf-8",
    )
    after = keys_by_section(project)
    changed = sorted(s for s in before if before[s] != after[s])
    # the sources appendix prints every params file's hash, so it shows the edit too
    assert changed == [
        "progress-2018-q2/sources",
        "progress-2018-q4/sources",
        "proposal/sources",
        "proposal/topic-onboarding",
        "strategy/sources",
        "strategy/topic-onboarding",
    ]


def test_topic_title_edit_changes_the_keys_of_sections_that_show_titles(tmp_path: Path) -> None:
    project = copy_project(TINY, tmp_path / "tiny")
    before = keys_by_section(project)
    topic = project / "params/topics/book-sales.yaml"
    topic.write_text(
        topic.read_text(encoding="utf-8").replace("title: Book sales", "title: Book fairs"),
        encoding="utf-8",
    )
    after = keys_by_section(project)
    assert sorted(s for s in before if before[s] != after[s]) == [
        "proposal/overview",
        "proposal/topic-book-sales",
        "proposal/topic-homework-clubs",  # a milestone may name several topics by title
        "proposal/topic-summer-reading",
    ]


def test_keys_do_not_depend_on_where_the_project_lies(tmp_path: Path) -> None:
    assert keys_by_section(copy_project(TINY, tmp_path / "a")) == keys_by_section(
        copy_project(TINY, tmp_path / "b" / "c")
    )


@pytest.mark.kernel
def test_no_change_build_is_decided_without_loading_the_project(tiny: Path) -> None:
    code = (
        "import sys; from mdm.cli import main; "
        f"code = main(['build', '--project', {str(tiny)!r}, '--format', 'html']); "
        "print(code, 'mdm.params.models' in sys.modules, 'pydantic' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["0", "False", "False"], done.stderr
    assert done.stderr == "proposal: up to date\n"


@pytest.mark.kernel
def test_stamp_says_up_to_date_only_while_nothing_changed(tiny: Path) -> None:
    assert up_to_date(tiny, ("html",), []) == ["proposal"]
    assert up_to_date(tiny, ("html", "pdf"), []) is None  # other options
    assert up_to_date(tiny, ("html",), ["proposal"]) is None
    topic = tiny / "params/topics/book-sales.yaml"
    text = topic.read_text(encoding="utf-8")
    topic.write_text(text.replace("Book sales", "Book sale"), encoding="utf-8")
    assert up_to_date(tiny, ("html",), []) is None
    topic.write_text(text, encoding="utf-8")
    assert up_to_date(tiny, ("html",), []) == ["proposal"]  # same bytes again
    (tiny / "params/topics/new-topic.yaml").write_text("number: 9\n", encoding="utf-8")
    assert up_to_date(tiny, ("html",), []) is None  # a new file may be a new section
    (tiny / "params/topics/new-topic.yaml").unlink()
    (tiny / "output/proposal.html").write_text("tampered", encoding="utf-8")
    assert up_to_date(tiny, ("html",), []) is None
