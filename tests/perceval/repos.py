"""Git repositories made in a test's tmp dir, and Perceval's real git backend run on them."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.perceval.services import perceval


@dataclass(frozen=True)
class Commit:
    name: str
    email: str
    date: str  # ISO 8601 with its offset: the author's local time
    committer: tuple[str, str] | None = None  # (name, email) when someone else applied it


# several people, one of them with two emails, a bot, commits in two time zones and two years
COMMUNITY = [
    Commit("Ana Souza", "ana@example.org", "2023-11-02T21:15:00-03:00"),
    Commit("Ana Souza", "ana.souza@work.example.com", "2024-01-10T09:00:00-03:00"),
    Commit("Kenji Watanabe", "kenji@example.jp", "2023-12-31T23:30:00+09:00"),
    Commit(
        "Kenji Watanabe",
        "kenji@example.jp",
        "2024-02-14T08:00:00+09:00",
        committer=("Ana Souza", "ana@example.org"),
    ),
    Commit(
        "dependabot[bot]",
        "49699333+dependabot[bot]@users.noreply.github.com",
        "2024-03-01T12:00:00+00:00",
    ),
    Commit("Lena Fischer", "lena@example.de", "2024-03-05T17:45:00+01:00"),
]
WEB_FLOW = ("GitHub", "noreply@github.com")  # GitHub's committer of what is merged on github.com
# shaped like a project that merges on GitHub (mozilla/pontoon): most commits applied by the
# web-flow account, a dependency bot under two names, one person with two emails, a commit
# applied by another person, and a surname with "bot" inside it
PLATFORM = [
    Commit("Ana Souza", "ana@example.org", "2022-03-01T10:00:00-03:00"),
    Commit("pyup-bot", "github-bot@pyup.io", "2022-07-01T12:00:00+00:00"),
    Commit(
        "Kenji Watanabe",
        "kenji@example.jp",
        "2022-12-31T23:30:00+09:00",
        committer=("Ana Souza", "ana@example.org"),
    ),
    Commit("Kenji Watanabe", "kenji@example.jp", "2023-02-14T08:00:00+09:00", committer=WEB_FLOW),
    Commit(
        "Ana Souza", "ana.souza@work.example.com", "2023-05-02T09:00:00-03:00", committer=WEB_FLOW
    ),
    Commit("Victor Chibotaru", "chibo@example.ai", "2023-06-01T12:00:00+02:00", committer=WEB_FLOW),
    Commit("pyup.io bot", "github-bot@pyup.io", "2023-07-01T12:00:00+00:00", committer=WEB_FLOW),
    Commit(
        "dependabot[bot]",
        "49699333+dependabot[bot]@users.noreply.github.com",
        "2023-08-01T12:00:00+00:00",
        committer=WEB_FLOW,
    ),
    Commit("Lena Fischer", "lena@example.de", "2023-09-05T17:45:00+01:00"),
    Commit("Lena Fischer", "lena@example.de", "2023-09-06T10:00:00+01:00", committer=WEB_FLOW),
    Commit("Lena Fischer", "lena@example.de", "2023-09-07T11:00:00+01:00"),
]
NOT_PEOPLE = frozenset(  # the test's own list, kept apart from mdm's rules
    [
        "noreply@github.com",
        "github-bot@pyup.io",
        "49699333+dependabot[bot]@users.noreply.github.com",
    ]
)
NAMES = [
    "Ana Souza",
    "ana@example.org",
    "ana.souza@work.example.com",
    "Kenji Watanabe",
    "kenji@example.jp",
    "Lena Fischer",
    "lena@example.de",
    "Victor Chibotaru",
    "chibo@example.ai",
]


def git(repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, **(env or {})},
    )
    return done.stdout


def make_repo(path: Path, commits: list[Commit]) -> Path:
    """A repository with one empty commit per entry, authored as given."""
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    for index, commit in enumerate(commits):
        add_commit(path, commit, f"change {index}")
    return path


def add_commit(repo: Path, commit: Commit, message: str) -> None:
    committer = commit.committer or (commit.name, commit.email)
    env = {
        "GIT_AUTHOR_NAME": commit.name,
        "GIT_AUTHOR_EMAIL": commit.email,
        "GIT_AUTHOR_DATE": commit.date,
        "GIT_COMMITTER_NAME": committer[0],
        "GIT_COMMITTER_EMAIL": committer[1],
        "GIT_COMMITTER_DATE": commit.date,
    }
    git(repo, "commit", "-q", "--allow-empty", "-m", message, env=env)


def perceval_git(repo: Path, out: Path) -> Path:
    """Perceval's real git backend on ``repo`` (its clone goes next to ``out``)."""
    clone = out.with_suffix(".clone")
    return perceval(out, "git", str(repo), "--git-path", str(clone))


def perceval_git_log(repo: Path, out: Path) -> Path:
    """Perceval's git backend reading a ``git log`` file (how it runs on any history)."""
    log = out.with_suffix(".log")
    log.write_text(
        git(
            repo,
            "log",
            "--raw",
            "--numstat",
            "--pretty=fuller",
            "--decorate=full",
            "--parents",
            "--reverse",
            "--topo-order",
            "-M",
            "-C",
            "-c",
        ),
        encoding="utf-8",
    )
    return perceval(out, "git", str(repo), "--git-log", str(log))
