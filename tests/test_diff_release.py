"""mdm diff between builds and git revisions; mdm build --release."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import mdm


def edit(path: Path, old: str, new: str) -> None:
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


@pytest.mark.kernel
def test_releases_are_frozen_with_a_manifest_and_compared(tiny_html_as_built: Path) -> None:
    tiny = tiny_html_as_built
    assert mdm("build", "--format", "html", "--release", "1.0", cwd=tiny).returncode == 0
    edit(tiny / "params/topics/homework-clubs.yaml", "enough tutors", "12 tutors")
    (tiny / "params/topics/bookmobile.yaml").write_text(
        "number: 4\ntitle: Bookmobile\nquestion: Where should the van stop?\n", encoding="utf-8"
    )
    rebuilt = mdm("build", "--format", "html", "--release", "1.1", "--jobs", "1", cwd=tiny)
    assert rebuilt.returncode == 0, rebuilt.stderr

    manifest = json.loads((tiny / "output/releases/1.1/manifest.json").read_text(encoding="utf-8"))
    assert manifest["release"] == "1.1"
    assert manifest["inputs"]["params/topics/bookmobile.yaml"]  # every input hashed
    assert manifest["tools"]["papermill"] and manifest["tools"]["mdm"]
    section = manifest["documents"]["proposal"]["sections"]["topic-bookmobile"]
    assert section["parameters"] == {"document": "proposal", "topic": "bookmobile"}
    assert len(section["digest"]) == 12
    assert manifest["signoff"]["proposal"]["agreements"] == {"library-board": "not asked"}

    result = mdm("diff", "output/releases/1.0", "output/releases/1.1", cwd=tiny)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(tiny / "output/diff-proposal.html")
    summary = result.stderr.splitlines()
    assert summary[0] == (
        "proposal: 2 sections changed, 1 added, 0 removed; "
        "6 sentences differ, 2 with changed numbers"
    )
    assert "  added    4. Bookmobile" in summary
    page = BeautifulSoup(
        (tiny / "output/diff-proposal.html").read_text(encoding="utf-8"), "html.parser"
    )
    changed = page.select_one("section[data-section='topic-homework-clubs']")
    assert [d.get_text() for d in changed.select("del")] == ["enough"]
    assert [i.get_text() for i in changed.select("ins.mdm-num")] == ["12"]


@pytest.mark.kernel
def test_release_is_never_overwritten(tiny_html_as_built: Path) -> None:
    tiny = tiny_html_as_built
    assert mdm("build", "--format", "html", "--release", "1.0", cwd=tiny).returncode == 0
    again = mdm("build", "--format", "html", "--release", "1.0", cwd=tiny)
    assert again.returncode == 5
    assert "release 1.0 exists; releases are never overwritten" in again.stderr


def test_bad_release_name_is_refused_before_building(tiny: Path) -> None:
    result = mdm("build", "--release", "../escape", cwd=tiny)
    assert result.returncode == 5
    assert "--release: expected letters, digits, '.', '_' or '-', got '../escape'" in result.stderr
    assert not (tiny / "output").exists()


@pytest.mark.kernel
def test_diff_between_git_revisions_builds_each(tiny: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tiny, check=True, capture_output=True)

    git("init", "-q")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "add", "params")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "first")
    edit(tiny / "params/topics/book-sales.yaml", "the most", "the most money")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qam", "second")
    result = mdm("diff", "HEAD~1", "HEAD", cwd=tiny)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[0].startswith(
        "proposal: 2 sections changed, 0 added, 0 removed"
    )
    text = (tiny / "output/diff-proposal.html").read_text(encoding="utf-8")
    assert 'the most <ins class="mdm-ins">money</ins> with the least volunteer time?' in text
    worktrees = subprocess.run(
        ["git", "worktree", "list"], cwd=tiny, capture_output=True, text=True
    )
    assert len(worktrees.stdout.splitlines()) == 1  # temporary worktrees removed


def test_unknown_revision_is_one_clear_line(tiny: Path) -> None:
    subprocess.run(["git", "init", "-q"], cwd=tiny, check=True)
    result = mdm("diff", "no-such-rev", "HEAD", cwd=tiny)
    assert result.returncode == 5
    assert result.stderr == (
        "mdm diff: error: no-such-rev: no such folder, nor a revision of the project's git "
        "repository\n"
    )
