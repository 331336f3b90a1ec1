"""mdm init, new-topic, rename-topic, merge-topic: real files, real CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mdm.authoring import init_project, merge_topic, new_topic, rename_topic
from mdm.build import BuildOptions, build
from mdm.errors import ConfigError
from mdm.models import TopicStatus
from mdm.project import load_project


def mdm(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mdm.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


@pytest.mark.kernel
def test_init_scaffolds_a_project_that_builds_at_once(tmp_path: Path) -> None:
    result = mdm("init", "team-plan", "--name", "Riverside Tenants Union", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    root = tmp_path / "team-plan"
    for name in (
        "params/project.yaml",
        "params/topics/first-topic.yaml",
        "data/quotes.csv",
        "README.md",
        ".gitignore",
        ".pre-commit-config.yaml",
    ):
        assert (root / name).is_file(), name
    text = "".join(p.read_text(encoding="utf-8") for p in root.rglob("*") if p.is_file())
    assert "Mozilla" not in text and "Riverside Tenants Union" in text
    assert "nbstripout" in (root / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    assert "data/private/" in (root / ".gitignore").read_text(encoding="utf-8")
    assert mdm("check", cwd=root).returncode == 0
    build(BuildOptions(project_dir=root, formats=("html",)))
    html = (root / "output/proposal.html").read_text(encoding="utf-8")
    assert "1. First topic" in html and "2. Second topic" in html


def test_init_refuses_an_existing_project(tiny: Path) -> None:
    with pytest.raises(
        ConfigError, match=r"params: exists already; mdm init starts a new project only"
    ):
        init_project(tiny)


def test_init_with_notebooks_copies_them(tmp_path: Path) -> None:
    written = init_project(tmp_path / "p", with_notebooks=True)
    assert {p.name for p in written if p.suffix == ".ipynb"} >= {"topic.ipynb", "overview.ipynb"}


def test_new_topic_appends_or_renumbers_keeping_comments(tiny: Path) -> None:
    first = tiny / "params/topics/homework-clubs.yaml"
    first.write_text("# keep this comment\n" + first.read_text(encoding="utf-8"), encoding="utf-8")
    new_topic(tiny, "bookmobile", "Bookmobile", "Where should the van stop?")
    assert load_project(tiny).topics["bookmobile"].number == 4
    new_topic(tiny, "reading-buddies", "Reading buddies", "Who reads with whom?", number=1)
    numbers = {t.id: t.number for t in load_project(tiny).active_topics()}
    assert numbers == {
        "reading-buddies": 1,
        "homework-clubs": 2,
        "book-sales": 3,
        "summer-reading": 4,
        "bookmobile": 5,
    }
    assert first.read_text(encoding="utf-8").startswith("# keep this comment\nnumber: 2\n")


@pytest.mark.parametrize(
    ("topic_id", "message"),
    [
        ("Book Sales", r"topic id: expected lower-case letters, digits and '-', got 'Book Sales'"),
        ("book-sales", r"params/topics/book-sales\.yaml: topic 'book-sales' exists already"),
    ],
)
def test_new_topic_refuses_bad_ids(tiny: Path, topic_id: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        new_topic(tiny, topic_id, "T", "Q?")


def test_rename_updates_every_reference(tiny: Path) -> None:
    (tiny / "data").mkdir()
    (tiny / "data/quotes.csv").write_text(
        "quote_id,pseudonym,descriptor,topics,consent,attribution,text\n"
        "q1,P-1,lead,book-sales;homework-clubs,anonymous,,Sales talk about book-sales stays.\n",
        encoding="utf-8",
    )
    (tiny / "data/discussions.csv").write_text(
        "date,topic,channel,community,participants,outcomes,agreements\n"
        "2025-02-01,book-sales,Call,Leads,5,Ideas,\n",
        encoding="utf-8",
    )
    (tiny / "params/documents.yaml").write_text(
        (tiny / "params/documents.yaml").read_text(encoding="utf-8")
        + "    topics:\n      - homework-clubs\n      - book-sales\n",
        encoding="utf-8",
    )
    (tiny / "params/topics/summer-reading.yaml").write_text(
        "number: 3\ntitle: Summer reading\nquestion: Who?\nstatus: merged\nmerged_into: book-sales\n",
        encoding="utf-8",
    )
    changed = rename_topic(tiny, "book-sales", "fundraising", title="Fundraising")
    assert {p.name for p in changed} == {
        "book-sales.yaml",
        "fundraising.yaml",
        "summer-reading.yaml",
        "documents.yaml",
        "quotes.csv",
        "discussions.csv",
    }
    project = load_project(tiny)
    assert project.topics["fundraising"].title == "Fundraising"
    assert project.topics["summer-reading"].merged_into == "fundraising"
    assert "book-sales" not in project.topics
    quotes = (tiny / "data/quotes.csv").read_text(encoding="utf-8")
    assert (
        "fundraising;homework-clubs" in quotes and "about book-sales stays" in quotes
    )  # prose untouched
    assert ",fundraising," in (tiny / "data/discussions.csv").read_text(encoding="utf-8")
    assert "- fundraising" in (tiny / "params/documents.yaml").read_text(encoding="utf-8")


def test_rename_rolls_back_when_the_result_does_not_load(tiny: Path) -> None:
    before = {p: p.read_bytes() for p in (tiny / "params").rglob("*.yaml")}
    with pytest.raises(ConfigError, match=r"topic 'homework-clubs' exists already"):
        rename_topic(tiny, "book-sales", "homework-clubs")
    assert {p: p.read_bytes() for p in (tiny / "params").rglob("*.yaml")} == before


def test_merge_marks_source_merged_and_leaves_documents(tiny: Path) -> None:
    merge_topic(tiny, "summer-reading", "homework-clubs")
    project = load_project(tiny)
    assert project.topics["summer-reading"].status is TopicStatus.MERGED
    assert [s.id for s in project.sections("proposal")] == [
        "overview",
        "topic-homework-clubs",
        "topic-book-sales",
    ]
    with pytest.raises(
        ConfigError, match=r"status: expected an active topic to merge into, got merged"
    ):
        merge_topic(tiny, "book-sales", "summer-reading")
    with pytest.raises(ConfigError, match=r"cannot merge 'book-sales' into itself"):
        merge_topic(tiny, "book-sales", "book-sales")


def test_cli_prints_the_files_it_changed(tiny: Path) -> None:
    result = mdm("new-topic", "bookmobile", "Bookmobile", "Where should the van stop?", cwd=tiny)
    assert result.returncode == 0
    assert result.stdout.strip() == str(tiny / "params/topics/bookmobile.yaml")
    bad = mdm("rename-topic", "nope", "other", cwd=tiny)
    assert bad.returncode == 2 and bad.stderr.startswith(
        "mdm rename-topic: error: params/topics/: no topic 'nope'"
    )
