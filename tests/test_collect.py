"""``mdm collect``: the Perceval git backend on a local repository, offline, then the import."""

from __future__ import annotations

from pathlib import Path

from mdm.data.events import load_events
from tests.conftest import mdm
from tests.perceval.repos import COMMUNITY, NAMES, Commit, add_commit, make_repo


def _declare(project: Path, repo: Path) -> None:
    with (project / "params" / "project.yaml").open("a", encoding="utf-8") as out:
        out.write(
            f"sources:\n  - origin: {str(repo)!r}\n    community: MDN\n    area: docs\n"
            f"    collect: [git, {str(repo)!r}, --git-path, {str(repo.with_suffix('.clone'))!r}]\n"
        )


def test_collect_runs_perceval_keeps_raw_items_private_and_imports(
    tiny: Path, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "repo", COMMUNITY)
    _declare(tiny, repo)
    dry = mdm("collect", "--project", str(tiny), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.startswith(f"would run: perceval git {repo}")
    assert not (tiny / "data").exists()
    done = mdm("collect", "--project", str(tiny))
    assert done.returncode == 0, done.stderr
    assert "collected 6 items: perceval git" in done.stdout and "added 6" in done.stdout
    raw = list((tiny / "data" / "private" / "perceval").glob("*-git.jsonl"))
    assert len(raw) == 1 and "ana@example.org" in raw[0].read_text()
    assert len(load_events(tiny / "data" / "activity.parquet")) == 6
    add_commit(repo, Commit("Lena Fischer", "lena@example.de", "2024-05-01T10:00:00+02:00"), "new")
    again = mdm("collect", "--project", str(tiny))
    assert again.returncode == 0, again.stderr
    assert "added 1 to data/activity.parquet" in again.stdout
    events = (tiny / "data" / "activity.parquet").read_bytes().decode("latin-1").lower()
    assert not [n for n in NAMES if n.lower() in events]


def test_collect_reports_a_failed_perceval_run(tiny: Path, tmp_path: Path) -> None:
    _declare(tiny, tmp_path / "no-such-repo")
    done = mdm("collect", "--project", str(tiny))
    assert done.returncode == 3
    assert done.stderr.startswith(f"mdm collect: error: perceval git {tmp_path / 'no-such-repo'}")
    assert not list((tiny / "data" / "private" / "perceval").glob("*.jsonl"))
