"""``mdm people``: the names behind the pseudonyms on the terminal only, and the three fixes,
each seen by the events file (what the next build reads) and by a re-import."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from mdm.data.events import load_events
from mdm.sources.importer import import_perceval
from tests.conftest import mdm
from tests.perceval.repos import PLATFORM, make_repo, perceval_git


@pytest.fixture(scope="module")
def platform_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("platform")
    return perceval_git(make_repo(root / "community-repo", PLATFORM), root / "platform.jsonl")


@pytest.fixture
def project(tiny: Path, platform_log: Path) -> Path:
    with (tiny / "params" / "project.yaml").open("a", encoding="utf-8") as out:
        out.write('sources:\n  - {origin: "*/community-repo", community: Code, area: code}\n')
    import_perceval(tiny, [platform_log])
    return tiny


def _events(project: Path) -> pd.DataFrame:
    return load_events(project / "data" / "activity.parquet")


def _id_of(project: Path, email: str) -> str:
    register = (project / "data" / "private" / "imported-identities.csv").read_text()
    return next(line.split(",")[0] for line in register.splitlines() if f",email,{email}," in line)


def _tree(project: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(project)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in project.rglob("*")
        if p.is_file()
    }


def test_people_lists_who_is_behind_each_pseudonym_and_writes_nothing(project: Path) -> None:
    before = _tree(project)
    done = mdm("people", "--project", str(project))
    assert done.returncode == 0, done.stderr
    lena = _id_of(project, "lena@example.de")
    lines = done.stdout.splitlines()
    assert lines[0] == f"  1. {lena}  3 events  person"
    assert "     names: Lena Fischer" in lines and "     email:lena@example.de  (3 events)" in lines
    assert any(line.endswith("/community-repo: commit 3") for line in lines)
    pyup = _id_of(project, "github-bot@pyup.io")
    assert f"{pyup}  2 events  bot: its name ends in the word 'bot' ('pyup-bot')" in done.stdout
    assert "     names: pyup-bot, pyup.io bot" in lines
    assert "Victor Chibotaru" in done.stdout and "noreply@github.com" not in done.stdout
    assert lines[-1].startswith("7 of 7 contributors.")
    assert _tree(project) == before  # on the terminal only
    top = mdm("people", "--project", str(project), "--top", "2", "--source", "*/community-repo")
    assert top.stdout.splitlines()[-1].startswith("2 of 7 contributors.")
    none = mdm("people", "--project", str(project), "--source", "https://elsewhere/*")
    assert none.stdout.splitlines() == [none.stdout.splitlines()[-1]]


def test_people_bot_marks_a_contributor_in_the_params(project: Path, platform_log: Path) -> None:
    lena = _id_of(project, "lena@example.de")
    done = mdm("people", "bot", lena, "--project", str(project))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"{lena}: lena@example.de in bots: of params/project.yaml",
        "earlier events: 3 were given their person's id and mark anew or left out",
    ]
    assert 'bots: ["lena@example.de"]' in (project / "params" / "project.yaml").read_text()
    events = _events(project)
    assert events.loc[events["contributor_id"] == lena, "is_bot"].all()
    import_perceval(project, [platform_log])  # a re-import keeps the mark
    assert _events(project).query("contributor_id == @lena")["is_bot"].all()
    listed = mdm("people", "--project", str(project)).stdout
    assert f"{lena}  3 events  bot: listed under bots: ('lena@example.de')" in listed


def test_people_not_bot_overrules_a_rule(project: Path) -> None:
    pyup = _id_of(project, "github-bot@pyup.io")
    done = mdm("people", "not-bot", "github-bot@pyup.io", "--project", str(project))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(
        f"{pyup}: github-bot@pyup.io in data/private/not-bots.txt (private: it names a person)"
    )
    # a person's email never goes into the params, which are committed
    assert "pyup" not in (project / "params" / "project.yaml").read_text()
    private = (project / "data" / "private" / "not-bots.txt").read_text()
    assert "github-bot@pyup.io\n" in private
    assert not _events(project).query("contributor_id == @pyup")["is_bot"].any()
    again = mdm("people", "bot", pyup, "--project", str(project))  # and back
    assert again.returncode == 0, again.stderr
    text = (project / "params" / "project.yaml").read_text()
    assert 'bots: ["github-bot@pyup.io"]' in text
    assert "pyup" not in (project / "data" / "private" / "not-bots.txt").read_text()
    assert _events(project).query("contributor_id == @pyup")["is_bot"].all()


def test_people_merge_makes_one_person_of_two(project: Path, platform_log: Path) -> None:
    first, second = (
        _id_of(project, "ana@example.org"),
        _id_of(project, "ana.souza@work.example.com"),
    )
    done = mdm("people", "merge", first, second, "--project", str(project))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"merged {first}, {second} as person '{first}'")
    aliases = project / "data" / "private" / "identities.csv"
    assert aliases.read_text() == (
        f"person,identity\n{first},ana@example.org\n{first},ana.souza@work.example.com\n"
    )
    assert aliases.stat().st_mode & 0o077 == 0
    events = _events(project)
    ana = events[events["timestamp"].isin([pd.Timestamp(c.date) for c in PLATFORM[:5:4]])]
    assert ana["contributor_id"].nunique() == 1 and first not in set(events["contributor_id"])
    assert events.query("~is_bot")["contributor_id"].nunique() == 4
    summary = import_perceval(project, [platform_log])
    assert summary.events_added == 0 and _events(project).equals(events)


def test_people_names_an_unknown_contributor(project: Path) -> None:
    done = mdm("people", "bot", "p0000000000000000", "--project", str(project))
    assert done.returncode == 3
    assert done.stderr == (
        "mdm people: error: data/private/imported-identities.csv: contributor_id: "
        "no contributor or identity 'p0000000000000000' (mdm people lists them)\n"
    )
    wrong = mdm("people", "merge", "p1", "--project", str(project))
    assert wrong.returncode == 2 and "merge: expected two ids or more, got 1" in wrong.stderr
