"""Who is a person: the rules on their own, then real Perceval runs on a history shaped like a
project that merges on GitHub, checked against ``git log`` read independently."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from mdm.data.events import load_events
from mdm.metrics.concentration import absence_factor, onion
from mdm.sources.accounts import Rules, classify
from mdm.sources.importer import import_perceval, refresh
from tests.perceval.repos import NOT_PEOPLE, PLATFORM, git, make_repo, perceval_git

# --- the rules ----------------------------------------------------------------------------------

PEOPLE = {
    "a surname with bot inside": ("email:chibo@deepcode.ai", "Victor Chibotaru"),
    "a surname ending in bot": ("email:ann@example.org", "Ann Talbot"),
    "a robot fan": ("email:robot@example.org", "Robotics Club"),
    "a github noreply address of a person": ("email:123+ana@users.noreply.github.com", "Ana"),
    "a person at a platform": ("email:michal@weblate.org", "Michal Čihař"),
}
BOTS = {
    "a GitHub App": ("email:49699333+dependabot[bot]@users.noreply.github.com", "dependabot[bot]"),
    "pyup-bot": ("email:github-bot@pyup.io", "pyup-bot"),
    "pyup.io bot": ("email:github-bot@pyup.io", "pyup.io bot"),
    "a bot@ address": ("email:bot@renovateapp.com", "Renovate"),
    "a camel-case bot": ("user:github.com:mozillabot", "MozillaBot"),
    "a known bot service": ("user:github.com:greenkeeper", "Greenkeeper"),
}
SERVICES = {
    "GitHub web-flow": ("email:noreply@github.com", "GitHub"),
    "GitHub's merge button": ("email:merge-button@github.com", "GitHub Merge Button"),
    "a deleted GitHub account": ("email:ghost@github.com", "Deleted user"),
    "Gerrit": ("email:gerrit@review.example.org", "Gerrit Code Review"),
    "Weblate": ("email:noreply@weblate.org", "Weblate"),
    "Pontoon's sync": ("email:pontoon@mozilla.com", "Mozilla Pontoon"),
}


@pytest.mark.parametrize("identity", PEOPLE.values(), ids=PEOPLE.keys())
def test_people_are_people(identity: tuple[str, str]) -> None:
    assert classify([identity[0]], [identity[1]], Rules()) is None


@pytest.mark.parametrize("identity", BOTS.values(), ids=BOTS.keys())
def test_bots_by_the_patterns_real_histories_use(identity: tuple[str, str]) -> None:
    mark = classify([identity[0]], [identity[1]], Rules())
    assert mark is not None and mark.kind == "bot", mark


@pytest.mark.parametrize("identity", SERVICES.values(), ids=SERVICES.keys())
def test_platform_accounts_are_services(identity: tuple[str, str]) -> None:
    mark = classify([identity[0]], [identity[1]], Rules())
    assert mark is not None and mark.kind == "service", mark


def test_the_params_lists_add_services_and_bots_and_overrule_mistakes() -> None:
    rules = Rules.of(bots=["ci-*@example.org"], services=["Sync Robot"], not_bots=["pyup-bot"])
    assert classify(["email:ci-1@example.org"], [], rules).kind == "bot"  # type: ignore[union-attr]
    service = classify(["email:sync@example.org"], ["Sync Robot"], rules)
    assert service is not None and service.reason == "listed under services: ('sync robot')"
    person = classify(["email:github-bot@pyup.io"], ["pyup-bot"], rules)
    assert person is not None and person.kind == "person"


# --- a real history -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def platform_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Perceval's git backend run once on a history that merges on GitHub."""
    root = tmp_path_factory.mktemp("platform")
    repo = make_repo(root / "community-repo", PLATFORM)
    return perceval_git(repo, root / "platform.jsonl")


@pytest.fixture
def project(tiny: Path) -> Path:
    with (tiny / "params" / "project.yaml").open("a", encoding="utf-8") as out:
        out.write('sources:\n  - {origin: "*/community-repo", community: Code, area: code}\n')
    return tiny


def _authors(log: Path) -> list[tuple[int, str]]:
    """(UTC year, author email) per commit, as ``git log`` says, people only (the test's list)."""
    repo = log.parent / "community-repo"
    rows = [line.split() for line in git(repo, "log", "--format=%ae %at").splitlines()]
    return [
        (pd.Timestamp(int(stamp), unit="s").year, email.lower())
        for email, stamp in rows
        if email.lower() not in NOT_PEOPLE
    ]


def _events(project: Path) -> pd.DataFrame:
    return load_events(project / "data" / "activity.parquet")


def test_contributors_per_year_are_the_authors_of_git_log(
    project: Path, platform_log: Path
) -> None:
    summary = import_perceval(project, [platform_log])
    events = _events(project)
    people = events[~events["is_bot"]]
    expected = Counter(year for year, _ in set(_authors(platform_log)))
    found = people.groupby(people["timestamp"].dt.year)["contributor_id"].nunique()
    assert found.to_dict() == dict(expected)
    assert len(events) == len(PLATFORM)  # one event per commit, never two
    assert set(events["activity_type"]) == {"commit"}
    assert summary.applied == 7  # six by GitHub's web-flow, one by Ana
    # pyup (under two names) and dependabot are bots; the web-flow account is nobody at all
    assert (summary.people, summary.bots, summary.services) == (5, 2, 0)
    assert events.loc[events["is_bot"], "contributor_id"].nunique() == 2


def test_rankings_follow_the_authors_of_git_log(project: Path, platform_log: Path) -> None:
    import_perceval(project, [platform_log])
    events = _events(project)
    counts = sorted(Counter(email for _, email in _authors(platform_log)).values(), reverse=True)
    needed = next(n for n in range(1, len(counts) + 1) if 2 * sum(counts[:n]) >= sum(counts))
    assert absence_factor(events).iloc[0].to_dict() == {
        "absence_factor": needed,
        "contributors": len(counts),
        "contributions": sum(counts),
    }
    for row in onion(events, "Y").itertuples():
        year = Counter(email for y, email in _authors(platform_log) if y == row.period.year)
        ranked = sorted(year.values(), reverse=True)
        before = [sum(ranked[:i]) for i in range(len(ranked))]
        core = sum(100 * b < 80 * sum(ranked) for b in before)
        regular = sum(80 * sum(ranked) <= 100 * b < 95 * sum(ranked) for b in before)
        assert (row.core, row.regular, row.casual) == (core, regular, len(ranked) - core - regular)


def test_committers_are_counted_only_when_the_params_say_so(
    project: Path, platform_log: Path
) -> None:
    import_perceval(project, [platform_log])
    yaml = project / "params" / "project.yaml"
    yaml.write_text(yaml.read_text() + "count_committers: true\n", encoding="utf-8")
    summary = import_perceval(project, [platform_log])  # every item is read again
    assert summary.unchanged_items == 0 and summary.events_added == 7
    events = _events(project)
    applied = events[events["activity_type"] == "commit_applied"]
    assert len(applied) == 7 and applied["is_bot"].sum() == 6  # the web-flow account's six
    assert summary.services == 1
    yaml.write_text(yaml.read_text().replace("count_committers: true\n", ""), encoding="utf-8")
    assert refresh(project).rederived == 7
    assert set(_events(project)["activity_type"]) == {"commit"}


def test_names_unify_people_only_when_asked_and_part_again(
    project: Path, platform_log: Path
) -> None:
    import_perceval(project, [platform_log])
    people = _events(project).query("~is_bot")["contributor_id"].nunique()
    assert people == 5  # Ana counts twice: two emails
    yaml = project / "params" / "project.yaml"
    yaml.write_text(yaml.read_text() + "unify_names: true\n", encoding="utf-8")
    assert refresh(project).rederived == 1  # Ana's commit under her second address
    assert _events(project).query("~is_bot")["contributor_id"].nunique() == 4
    yaml.write_text(yaml.read_text().replace("unify_names: true\n", ""), encoding="utf-8")
    assert refresh(project).rederived == 1
    assert _events(project).query("~is_bot")["contributor_id"].nunique() == 5
