"""How an import writes: a CSV events file changed only where its events change, leftovers of
a killed import cleaned up and ignored by git, imports at the same moment both kept."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pa_csv
import pytest

from mdm.data.events import load_events
from mdm.sources.importer import import_perceval, refresh
from tests.conftest import REPO
from tests.perceval.repos import COMMUNITY, Commit, add_commit, git, make_repo, perceval_git

EVENTS = "data/activity.csv"


@pytest.fixture
def project(tiny: Path) -> Path:
    """The tiny project with a CSV events file, in a git repository of its own."""
    with (tiny / "params" / "project.yaml").open("a", encoding="utf-8") as out:
        out.write('sources:\n  - {origin: "*/community-repo", community: MDN, area: docs}\n')
        out.write(f"data:\n  events: {EVENTS}\n")
    git(tiny, "init", "-q")
    return tiny


def _commit_all(project: Path) -> None:
    git(project, "add", "-A")
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t"}
    git(project, "commit", "-qm", "state", env={**env, "GIT_COMMITTER_EMAIL": "t@t"})


def _diff(project: Path) -> list[str]:
    """The changed lines of the events file since the last commit: '+line' and '-line'."""
    out = git(project, "diff", "-U0", "--", EVENTS).splitlines()
    return [line for line in out if line[:1] in "+-" and not line.startswith(("+++", "---"))]


def _history(tmp_path: Path, commits: int) -> Path:
    repo = make_repo(tmp_path / "community-repo", COMMUNITY)
    for number in range(commits):
        day = f"2024-06-{1 + number % 28:02d}T{10 + number // 28:02d}:00:00+02:00"
        add_commit(repo, Commit("Lena Fischer", "lena@example.de", day), f"more {number}")
    return repo


def test_an_import_adds_lines_and_changes_none(project: Path, tmp_path: Path) -> None:
    repo = _history(tmp_path, 0)
    import_perceval(project, [perceval_git(repo, tmp_path / "one.jsonl")])
    before = (project / EVENTS).read_text(encoding="utf-8")
    assert before.splitlines()[0] == (
        "contributor_id,timestamp,community,area,activity_type,country,affiliation,is_bot,"
        "thread_id,event_id"
    )
    assert '"' not in before  # quoted only where a value needs it: here nowhere
    _commit_all(project)
    for number in range(50):
        day = f"2024-06-{1 + number % 28:02d}T{10 + number // 28:02d}:00:00+02:00"
        add_commit(repo, Commit("Lena Fischer", "lena@example.de", day), f"more {number}")
    summary = import_perceval(project, [perceval_git(repo, tmp_path / "two.jsonl")])
    assert summary.events_added == 50
    diff = _diff(project)
    assert len(diff) == 50 and all(line.startswith("+") for line in diff)
    assert (project / EVENTS).read_text(encoding="utf-8").startswith(before)


def test_a_file_written_quoted_stays_quoted(project: Path, tmp_path: Path) -> None:
    """Earlier versions of mdm quoted every text value: new lines are written alike."""
    repo = _history(tmp_path, 0)
    import_perceval(project, [perceval_git(repo, tmp_path / "one.jsonl")])
    table = pa_csv.read_csv(project / EVENTS, convert_options=pa_csv.ConvertOptions(
        column_types={"is_bot": pa.bool_()}, strings_can_be_null=True))  # fmt: skip
    pa_csv.write_csv(table, project / EVENTS)  # as pyarrow writes it: every text quoted
    quoted = (project / EVENTS).read_text(encoding="utf-8")
    assert quoted.startswith('"contributor_id","timestamp"')
    _commit_all(project)
    add_commit(repo, Commit("Lena Fischer", "lena@example.de", "2024-07-01T10:00:00+02:00"), "x")
    import_perceval(project, [perceval_git(repo, tmp_path / "two.jsonl")])
    (added,) = _diff(project)
    assert (
        added.startswith('+"p') and ',"2024-07-01T10:00:00+02:00","MDN","docs","commit",' in added
    )
    assert len(load_events(project / EVENTS)) == len(COMMUNITY) + 1


def test_a_merge_changes_only_the_ids_of_that_persons_lines(project: Path, tmp_path: Path) -> None:
    repo = _history(tmp_path, 0)
    import_perceval(project, [perceval_git(repo, tmp_path / "one.jsonl")])
    _commit_all(project)
    lines = (project / EVENTS).read_text(encoding="utf-8").splitlines()
    (project / "data" / "private" / "identities.csv").write_text(
        "person,identity\nana,ana@example.org\nana,ana.souza@work.example.com\n", encoding="utf-8"
    )
    assert refresh(project).rederived == 2
    diff = _diff(project)
    removed = [line[1:] for line in diff if line.startswith("-")]
    added = [line[1:] for line in diff if line.startswith("+")]
    assert len(removed) == len(added) == 2 and set(removed) <= set(lines)
    for old, new in zip(removed, added, strict=True):  # only the contributor id differs
        assert old.split(",")[1:] == new.split(",")[1:] and old.split(",")[0] != new.split(",")[0]
    assert len({line.split(",")[0] for line in added}) == 1


def test_a_hand_written_file_gains_the_import_columns_once(project: Path, tmp_path: Path) -> None:
    events = project / EVENTS
    events.parent.mkdir()
    events.write_bytes(
        b"contributor_id,timestamp,community,area,activity_type\r\n"
        b'v001,2022-05-01T10:00:00+02:00,"Library, Lisbon",volunteering,shift\r\n'
    )
    repo = _history(tmp_path, 0)
    import_perceval(project, [perceval_git(repo, tmp_path / "one.jsonl")])
    text = events.read_bytes().decode("utf-8")
    assert text.startswith(
        "contributor_id,timestamp,community,area,activity_type,country,is_bot,thread_id,event_id\r\n"
        'v001,2022-05-01T10:00:00+02:00,"Library, Lisbon",volunteering,shift,,,,\r\n'
    )
    assert text.count("\r\n") == 2 + len(COMMUNITY) and "\n" not in text.replace("\r\n", "")
    assert len(load_events(events)) == 1 + len(COMMUNITY)


def test_leftovers_of_a_killed_import_are_cleaned_and_ignored(
    project: Path, tmp_path: Path
) -> None:
    data = project / "data"
    data.mkdir()
    leftovers = [data / ".activity.csv.importing", data / ".activity.csv.4242-0a1b2c3d.mdm-tmp"]
    for leftover in leftovers:
        leftover.write_text("half an events file", encoding="utf-8")
    (data / "activity.csv").write_text(
        "contributor_id,timestamp,community,area,activity_type\n"
        "v001,2022-05-01T10:00:00+02:00,Library,volunteering,shift\n",
        encoding="utf-8",
    )
    for ignore in (REPO / ".gitignore", REPO / "mdm/authoring/scaffold/dot-gitignore.tmpl"):
        (project / ".gitignore").write_text(ignore.read_text(encoding="utf-8"), encoding="utf-8")
        for leftover in leftovers:
            done = subprocess.run(
                ["git", "-C", str(project), "check-ignore", "-q", str(leftover)], check=False
            )
            assert done.returncode == 0, f"{leftover.name} not ignored by {ignore.name}"
    import_perceval(project, [perceval_git(_history(tmp_path, 0), tmp_path / "one.jsonl")])
    assert not [p for p in leftovers if p.exists()]
    assert sorted(p.name for p in data.iterdir()) == [
        ".activity.csv.mdm-lock",
        "activity.csv",
        "private",
    ]


def test_two_imports_at_once_both_keep_their_events(project: Path, tmp_path: Path) -> None:
    first = make_repo(tmp_path / "one" / "community-repo", COMMUNITY[:3])
    second = make_repo(tmp_path / "two" / "community-repo", COMMUNITY[3:])
    files = [
        perceval_git(first, tmp_path / "one.jsonl"),
        perceval_git(second, tmp_path / "two.jsonl"),
    ]
    import_perceval(project, files[:1])  # the project has its key and events: both lock at once
    add_commit(first, Commit("Mo", "mo@example.org", "2024-06-01T10:00:00+00:00"), "more")
    files[0] = perceval_git(first, tmp_path / "one-more.jsonl")
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "mdm", "import", "perceval", str(f), "--project", str(project)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for f in files
    ]
    for run in runs:
        _, err = run.communicate(timeout=120)
        assert run.returncode == 0, err
    events = load_events(project / EVENTS)
    assert len(events) == len(COMMUNITY) + 1
