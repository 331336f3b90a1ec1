"""``mdm import perceval``: real Perceval runs (git on local repositories, web backends against a
local server) imported into a copy of the tiny project."""

from __future__ import annotations

import gzip
import json
import shutil
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from mdm.data.events import load_events
from mdm.errors import ConfigError, DataError, PrivacyError
from mdm.metrics.responses import first_responses
from mdm.sources import events_out
from mdm.sources.importer import import_perceval
from tests.conftest import FIXTURES, REPO, mdm
from tests.perceval import services
from tests.perceval.repos import (
    COMMUNITY,
    NAMES,
    Commit,
    add_commit,
    git,
    make_repo,
    perceval_git,
    perceval_git_log,
)
from tests.perceval.server import serve

SOURCES = """
sources:
  - origin: "http://127.0.0.1:*"
    community: SUMO
    area: support
  - origin: "*/community-repo"
    community: MDN
    area: docs
    country: BR
bots: ["ci-robot@*"]
"""


@pytest.fixture
def project(tiny: Path) -> Path:
    """The tiny project, told where imported activity belongs."""
    with (tiny / "params" / "project.yaml").open("a", encoding="utf-8") as out:
        out.write(SOURCES)
    return tiny


@pytest.fixture(scope="module")
def community_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Perceval's git backend run once on the test community's repository."""
    root = tmp_path_factory.mktemp("git")
    repo = make_repo(root / "community-repo", COMMUNITY)
    return perceval_git(repo, root / "community.jsonl")


def events_of(project: Path) -> pd.DataFrame:
    return load_events(project / "data" / "activity.parquet")


def assert_nothing_personal(files: Iterable[Path], people: Iterable[str]) -> None:
    """No name, username or email in the bytes of ``files`` nor in any decoded value."""
    for path in files:
        text = path.read_bytes().decode("utf-8", "replace").lower()
        if path.suffix == ".parquet":
            text += json.dumps(pq.read_table(path).to_pylist(), default=str).lower()
        for person in people:
            assert person.lower() not in text, f"{person!r} found in {path}"


# --- git: the real backend on repositories made here and on this project's own history --------


def test_git_contributors_per_year_match_git_log(project: Path, community_log: Path) -> None:
    summary = import_perceval(project, [community_log])
    events = events_of(project)
    repo = community_log.parent / "community-repo"
    # independently: every distinct author email per UTC year, from git log
    expected: dict[int, set[str]] = {}
    for line in git(repo, "log", "--format=%ae %at").splitlines():
        email, stamp = line.split()
        expected.setdefault(pd.Timestamp(int(stamp), unit="s").year, set()).add(email.lower())
    found = events.groupby(events["timestamp"].dt.year)["contributor_id"].nunique()
    assert found.to_dict() == {year: len(emails) for year, emails in expected.items()}
    assert summary.items["git"] == len(COMMUNITY)
    assert summary.events_added == len(COMMUNITY)  # one commit, one contribution: its author's
    assert summary.applied == 1
    assert set(events["activity_type"]) == {"commit"}
    assert set(events["community"]) == {"MDN"} and set(events["country"]) == {"BR"}


def test_git_keeps_each_commits_utc_offset(project: Path, community_log: Path) -> None:
    import_perceval(project, [community_log])
    commits = events_of(project).query("activity_type == 'commit'").sort_values("timestamp")
    expected = sorted(pd.Timestamp(c.date) for c in COMMUNITY)
    assert list(commits["timestamp"]) == [t.tz_convert("UTC") for t in expected]
    assert list(commits["utc_offset_minutes"]) == [
        int(t.utcoffset().total_seconds() // 60) for t in expected
    ]
    # the local hour is recoverable: Kenji's New Year's Eve commit was at 23:30 in Tokyo
    local = commits["timestamp"] + pd.to_timedelta(commits["utc_offset_minutes"], unit="min")
    assert "2023-12-31 23:30" in {t.strftime("%Y-%m-%d %H:%M") for t in local}


def test_bots_are_marked_from_account_names_and_params(project: Path, tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "community-repo",
        [*COMMUNITY, Commit("CI", "ci-robot@example.org", "2024-04-01T00:00:00+00:00")],
    )
    summary = import_perceval(project, [perceval_git(repo, tmp_path / "git.jsonl")])
    events = events_of(project)
    assert summary.bots == 2  # dependabot[bot] by its name, ci-robot by params bots:
    assert events["is_bot"].sum() == 2
    assert events.loc[events["is_bot"], "contributor_id"].nunique() == 2


@pytest.mark.skipif(not (REPO / ".git").exists(), reason="needs mdm's own git checkout")
def test_this_projects_own_history(tiny: Path, tmp_path: Path) -> None:
    """Perceval reads a git log of mdm itself; people per year match git log's own count."""
    log = perceval_git_log(REPO, tmp_path / "mdm.jsonl")
    summary = import_perceval(tiny, [log], community="Code", area="code")
    events = events_of(tiny)
    expected: dict[int, set[str]] = {}
    for line in git(REPO, "log", "--format=%ae %at").splitlines():
        email, stamp = line.split()
        expected.setdefault(pd.Timestamp(int(stamp), unit="s").year, set()).add(email.lower())
    found = events.groupby(events["timestamp"].dt.year)["contributor_id"].nunique()
    assert found.to_dict() == {year: len(emails) for year, emails in expected.items()}
    commits = len(git(REPO, "rev-list", "HEAD").split())
    assert summary.items["git"] == commits


# --- identities: one person, one contributor; nothing personal written -------------------------


def test_alias_file_unifies_one_person_with_two_emails(project: Path, community_log: Path) -> None:
    private = project / "data" / "private"
    private.mkdir(parents=True)
    (private / "identities.csv").write_text(
        "person,identity\nana,ana@example.org\nana,ana.souza@work.example.com\n", encoding="utf-8"
    )
    summary = import_perceval(project, [community_log])
    events = events_of(project)
    ana = events[events["timestamp"].dt.year.isin([2023, 2024])]
    # Ana (2 emails), Kenji and Lena: three people, and the bot
    assert summary.people == 3 and summary.bots == 1
    assert events["contributor_id"].nunique() == 4
    first, second = (pd.Timestamp(c.date) for c in COMMUNITY[:2])
    ids = {ana.loc[ana["timestamp"] == t, "contributor_id"].iloc[0] for t in (first, second)}
    assert len(ids) == 1


def test_a_later_alias_gives_earlier_events_one_id(project: Path, community_log: Path) -> None:
    import_perceval(project, [community_log])
    assert events_of(project)["contributor_id"].nunique() == 5
    (project / "data" / "private" / "identities.csv").write_text(
        "person,identity\nana,ana@example.org\nana,ana.souza@work.example.com\n", encoding="utf-8"
    )
    summary = import_perceval(project, [community_log])
    assert summary.events_added == 0 and summary.unchanged_items == len(COMMUNITY)
    assert summary.rederived == 2  # Ana's two commits
    events = events_of(project)
    assert len(events) == 6 and events["contributor_id"].nunique() == 4


def test_bots_added_to_params_are_marked_on_earlier_events(
    project: Path, community_log: Path
) -> None:
    import_perceval(project, [community_log])
    assert events_of(project)["is_bot"].sum() == 1
    yaml = project / "params" / "project.yaml"
    yaml.write_text(yaml.read_text().replace('bots: ["ci-robot@*"]', 'bots: ["lena@*"]'))
    import_perceval(project, [community_log])
    events = events_of(project)
    assert events["is_bot"].sum() == 2 and len(events) == 6


def test_same_login_unifies_accounts_on_one_host(project: Path, tmp_path: Path) -> None:
    """GitHub's user record gives a login and an email: both name one contributor."""
    with serve(services.github_routes) as (base, _):
        issues = services.perceval(
            tmp_path / "issues.jsonl",
            "github",
            "mozilla",
            "sumo-docs",
            "--enterprise-url",
            base,
            "--category",
            "issue",
        )
    repo = make_repo(
        tmp_path / "community-repo",
        [Commit("Alice Andersen", "alice@example.org", "2024-03-06T10:00:00+01:00")],
    )
    import_perceval(project, [issues, perceval_git(repo, tmp_path / "git.jsonl")])
    events = events_of(project)
    alice = events.loc[events["activity_type"].isin(["issue_opened", "commit"]), "contributor_id"]
    assert alice.nunique() == 1  # her GitHub email is her commit email


def test_pseudonyms_are_keyed_and_nothing_personal_is_written(
    project: Path, community_log: Path, tmp_path: Path
) -> None:
    import_perceval(project, [community_log])
    events = project / "data" / "activity.parquet"
    assert_nothing_personal([events], NAMES)
    # nor Perceval's uuids: unkeyed hashes of ids that, for some tools, hold a username
    uuids = [json.loads(line)["uuid"] for line in community_log.read_text().splitlines()]
    assert_nothing_personal([events], uuids)
    key = project / "data" / "private" / "pseudonym.key"
    assert key.stat().st_mode & 0o077 == 0
    # the same people under another project's key get other ids
    other = shutil.copytree(project, tmp_path / "other", ignore=shutil.ignore_patterns("private"))
    shutil.rmtree(other / "data")
    import_perceval(other, [community_log])
    mine = set(events_of(project)["contributor_id"])
    theirs = set(events_of(other)["contributor_id"])
    assert len(mine) == len(theirs) == 5 and not mine & theirs  # Ana counts twice: no alias file


def test_privacy_guard_knows_imported_people_but_not_stakeholders(
    project: Path, tmp_path: Path
) -> None:
    from mdm.build.privacy import check_exports
    from mdm.params.project import load_project

    repo = make_repo(
        tmp_path / "community-repo",
        [*COMMUNITY, Commit("Amara Okafor", "amara@example.org", "2024-04-02T10:00:00+01:00")],
    )
    import_perceval(project, [perceval_git(repo, tmp_path / "git.jsonl")])
    loaded = load_project(project)
    page = tmp_path / "page.html"
    page.write_text("<p>Amara Okafor (a stakeholder) thanks everyone.</p>", encoding="utf-8")
    check_exports(loaded, "leadership", [page])  # stakeholders are named on purpose
    # nor do bot marks or one-word handles the params use as words (a "homework" account)
    register = project / "data" / "private" / "imported-identities.csv"
    with register.open("a", encoding="utf-8") as out:
        out.write("p0000000000000001,user,github.com:homework,\n")
    page.write_text("<p>Yes: homework clubs, yes.</p>", encoding="utf-8")
    check_exports(load_project(project), "leadership", [page])
    for leak in ("Kenji  Watanabe", "KENJI@example.jp", "reach lena@example.de."):
        page.write_text(f"<p>Thanks to {leak}</p>", encoding="utf-8")
        with pytest.raises(
            PrivacyError,
            match=r"^page\.html: contains an email, username or name of contributor p[0-9a-f]{15} from imported activity",
        ):
            check_exports(loaded, "leadership", [page])


# --- idempotence, newer collections, atomic replace ---------------------------------------------


def test_importing_twice_adds_nothing(project: Path, community_log: Path) -> None:
    first = import_perceval(project, [community_log])
    before = events_of(project)
    second = import_perceval(project, [community_log])
    assert first.events_added == 6 and second.events_added == 0
    assert second.unchanged_items == len(COMMUNITY)
    pd.testing.assert_frame_equal(events_of(project), before)


def test_a_newer_collection_adds_only_new_events(project: Path, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "community-repo", COMMUNITY)
    import_perceval(project, [perceval_git(repo, tmp_path / "one.jsonl")])
    add_commit(repo, Commit("Lena Fischer", "lena@example.de", "2024-05-01T10:00:00+02:00"), "new")
    newer = perceval_git(repo, tmp_path / "two.jsonl")
    summary = import_perceval(project, [newer])
    assert summary.events_added == 1 and summary.unchanged_items == len(COMMUNITY)
    events = events_of(project)
    assert len(events) == 7
    assert (events["timestamp"] == pd.Timestamp("2024-05-01T08:00:00Z")).sum() == 1


def test_events_are_deduplicated_without_the_item_fingerprints(
    project: Path, community_log: Path
) -> None:
    """The fingerprints only speed re-imports up; event ids alone keep events unique."""
    import_perceval(project, [community_log])
    (project / "data" / "private" / "imported-items.npz").unlink()
    summary = import_perceval(project, [community_log, community_log])
    assert summary.events_added == 0 and summary.unchanged_items == 0
    assert len(events_of(project)) == 6


def test_gzipped_input_is_read(project: Path, community_log: Path, tmp_path: Path) -> None:
    packed = tmp_path / "community.jsonl.gz"
    packed.write_bytes(gzip.compress(community_log.read_bytes()))
    assert import_perceval(project, [packed]).events_added == 6


def test_csv_events_file_keeps_offsets(project: Path, community_log: Path) -> None:
    yaml = project / "params" / "project.yaml"
    yaml.write_text(yaml.read_text() + "data:\n  events: data/activity.csv\n", encoding="utf-8")
    import_perceval(project, [community_log])
    import_perceval(project, [community_log])
    events = load_events(project / "data" / "activity.csv")
    assert len(events) == 6
    assert sorted(set(events["utc_offset_minutes"])) == [-180, 0, 60, 540]
    assert "2023-11-02T21:15:00-03:00" in (project / "data" / "activity.csv").read_text()


def test_existing_events_are_kept(project: Path, community_log: Path) -> None:
    data = project / "data"
    data.mkdir()
    (data / "activity.csv").write_text(
        "contributor_id,timestamp,community,area,activity_type\n"
        "v001,2022-05-01T10:00:00+02:00,Library,volunteering,shift\n",
        encoding="utf-8",
    )
    yaml = project / "params" / "project.yaml"
    yaml.write_text(yaml.read_text() + "data:\n  events: data/activity.csv\n", encoding="utf-8")
    import_perceval(project, [community_log])
    events = load_events(data / "activity.csv")
    assert len(events) == 7 and "v001" in set(events["contributor_id"])


def test_dry_run_writes_nothing(project: Path, community_log: Path) -> None:
    summary = import_perceval(project, [community_log], dry_run=True)
    assert summary.events_added == 6
    assert not (project / "data").exists()


def test_a_failed_write_leaves_the_events_file_as_it_was(
    project: Path, community_log: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_perceval(project, [community_log])
    events = project / "data" / "activity.parquet"
    before = events.read_bytes()
    repo = make_repo(tmp_path / "community-repo", [*COMMUNITY[:1]])
    add_commit(repo, Commit("Mo", "mo@example.org", "2024-06-01T10:00:00+00:00"), "more")

    def interrupted(*args: object) -> None:
        # the existing events are in the new file by now: Ctrl-C halfway through writing it
        (writing,) = events.parent.glob(".activity.parquet.*.mdm-tmp")
        assert writing.stat().st_size > 0
        raise KeyboardInterrupt

    monkeypatch.setattr(events_out, "new_events", interrupted)
    with pytest.raises(KeyboardInterrupt):
        import_perceval(project, [perceval_git(repo, tmp_path / "more.jsonl")])
    assert events.read_bytes() == before
    assert sorted(p.name for p in events.parent.iterdir()) == [
        ".activity.parquet.mdm-lock",
        "activity.parquet",
        "private",
    ]


# --- errors -------------------------------------------------------------------------------------


def test_malformed_line_names_file_and_line(
    project: Path, community_log: Path, tmp_path: Path
) -> None:
    import_perceval(project, [community_log])
    before = (project / "data" / "activity.parquet").read_bytes()
    broken = tmp_path / "broken.jsonl"
    lines = community_log.read_text().splitlines()
    broken.write_text("\n".join([*lines[:3], lines[3][:80], *lines[4:]]) + "\n")
    with pytest.raises(DataError, match=rf"^{broken}:4: expected one Perceval JSON item per line"):
        import_perceval(project, [broken])
    assert (project / "data" / "activity.parquet").read_bytes() == before


def test_item_of_the_wrong_shape_names_the_field(project: Path, tmp_path: Path) -> None:
    item = {
        "backend_name": "Git",
        "origin": "/x/community-repo",
        "uuid": "0" * 40,
        "category": "commit",
        "data": {"Author": "A <a@example.org>"},
    }
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(item) + "\n")
    with pytest.raises(
        DataError, match=rf"^{bad}:1: data: expected a Git commit item .*AuthorDate"
    ):
        import_perceval(project, [bad])
    unknown = tmp_path / "jira.jsonl"
    unknown.write_text(json.dumps({**item, "backend_name": "Jira"}) + "\n")
    with pytest.raises(
        DataError, match=rf"^{unknown}:1: backend_name: expected one of git, .*'Jira'"
    ):
        import_perceval(project, [unknown])


def test_unmapped_origins_are_one_error_listing_them_all(tiny: Path, tmp_path: Path) -> None:
    one = make_repo(tmp_path / "alpha", COMMUNITY[:2])
    two = make_repo(tmp_path / "beta", COMMUNITY[2:4])
    files = [perceval_git(one, tmp_path / "a.jsonl"), perceval_git(two, tmp_path / "b.jsonl")]
    with pytest.raises(ConfigError, match=r"sources: .* found none for 2: '.*/alpha', '.*/beta'"):
        import_perceval(tiny, files)
    assert not (tiny / "data").exists()
    # --area alone is not enough: the community still has to come from somewhere
    with pytest.raises(ConfigError, match="found none for 2"):
        import_perceval(tiny, files, area="code")
    assert import_perceval(tiny, files, community="Code", area="code").events_added == 4


# --- web backends: the real Perceval classes against a local server ----------------------------


def _collect(
    tmp_path: Path, name: str, routes: object, *args: str, fallback: object = None
) -> Path:
    with serve(routes, fallback) as (base, _):  # type: ignore[arg-type]
        return services.perceval(
            tmp_path / f"{name}.jsonl", *[a.replace("BASE", base) for a in args]
        )


WEB = {
    "discourse": ((services.discourse_routes, "discourse", "BASE"), None),
    "kitsune": ((services.kitsune_routes, "kitsune", "BASE"), None),
    "bugzillarest": ((services.bugzilla_routes, "bugzillarest", "BASE"), None),
    "gitlab": (
        (
            services.gitlab_routes,
            "gitlab",
            "mozilla",
            "l10n-docs",
            "--enterprise-url",
            "BASE",
            "--category",
            "issue",
        ),
        None,
    ),
    "pontoon": (
        (
            services.pontoon_routes,
            "pontoon",
            "BASE",
            "--project",
            "firefox",
            "--category",
            "action",
            "--from-date",
            "2024-03-01",
            "--to-date",
            "2024-03-02",
        ),
        services.pontoon_other_days,
    ),
    "github": (
        (
            services.github_routes,
            "github",
            "mozilla",
            "sumo-docs",
            "--enterprise-url",
            "BASE",
            "--category",
            "issue",
        ),
        None,
    ),
}

# per service: the event kinds, and the first-response hours of each thread (bots excluded)
EXPECTED = {
    "discourse": ({"topic_opened": 1, "post": 2}, [2.0]),
    "kitsune": ({"question": 1, "answer": 3}, [3.0]),
    "bugzillarest": ({"bug_opened": 1, "comment": 1}, [7.0]),
    "gitlab": ({"issue_opened": 1, "comment": 1}, [3.0]),  # GitLab's own "added label" left out
    "pontoon": ({"translation": 1, "translation_review": 1}, [6.0]),
    "github": ({"issue_opened": 1, "comment": 2, "pull_request_opened": 1}, [4.0]),
}


@pytest.mark.parametrize("service", list(WEB))
def test_web_backend_events_threads_and_response_times(
    project: Path, tmp_path: Path, service: str
) -> None:
    (routes, *args), fallback = WEB[service]
    collected = _collect(tmp_path, service, routes, *args, fallback=fallback)
    summary = import_perceval(project, [collected])
    events = events_of(project)
    kinds, hours = EXPECTED[service]
    assert events["activity_type"].value_counts().to_dict() == kinds
    assert summary.items[service] == len(collected.read_text().splitlines())
    threads = first_responses(events)
    assert threads["hours"].dropna().tolist() == hours
    assert set(events["community"]) == {"SUMO"}
    assert_nothing_personal([project / "data" / "activity.parquet"], services.PEOPLE)


def test_kitsune_keeps_pacific_time(project: Path, tmp_path: Path) -> None:
    collected = _collect(tmp_path, "kitsune", services.kitsune_routes, "kitsune", "BASE")
    import_perceval(project, [collected])
    question = events_of(project).query("activity_type == 'question'").iloc[0]
    assert question["timestamp"] == pd.Timestamp(services.KITSUNE_QUESTION_CREATED)
    assert question["utc_offset_minutes"] == -480


def test_github_pull_request_items_add_reviews_to_the_same_thread(
    project: Path, tmp_path: Path
) -> None:
    with serve(services.github_routes) as (base, _):
        common = ["github", "mozilla", "sumo-docs", "--enterprise-url", base, "--category"]
        issues = services.perceval(tmp_path / "issues.jsonl", *common, "issue")
        pulls = services.perceval(tmp_path / "pulls.jsonl", *common, "pull_request")
    summary = import_perceval(project, [issues, pulls])
    events = events_of(project)
    pull = events[
        events["activity_type"].isin(["pull_request_opened", "review", "review_comment", "merge"])
    ]
    assert pull["activity_type"].astype(str).value_counts().to_dict() == {
        "pull_request_opened": 1,
        "review": 1,
        "review_comment": 1,
        "merge": 1,
    }
    assert pull["thread_id"].nunique() == 1
    assert summary.events_read - summary.events_added == 1  # the opening, in both items
    # the pull request was opened by dependabot: its thread counts only with bots
    with_bots = first_responses(events, bots=True)
    assert with_bots["hours"].dropna().tolist() == [4.0, 2.5]


def test_mailing_list_threads_follow_references(project: Path, tmp_path: Path) -> None:
    """Perceval's real mbox backend on a local archive: replies join their first message."""
    archive = tmp_path / "archive"
    archive.mkdir()
    shutil.copy(FIXTURES / "data" / "mailing_list_thread.mbox", archive / "l10n.mbox")
    origin = "http://127.0.0.1:8000/l10n"  # matches the SUMO source of these tests' params
    collected = services.perceval(tmp_path / "mbox.jsonl", "mbox", origin, str(archive))
    import_perceval(project, [collected])
    events = events_of(project).sort_values("timestamp")
    assert events["activity_type"].astype(str).tolist() == ["thread_opened", "message", "message"]
    assert events["thread_id"].nunique() == 1
    assert events["utc_offset_minutes"].tolist() == [-180, 540, 60]
    assert first_responses(events)["hours"].tolist() == [5.0]
    assert_nothing_personal([project / "data" / "activity.parquet"], NAMES)


def test_remo_events_and_activity_reports(project: Path, tmp_path: Path) -> None:
    with serve(services.remo_routes) as (base, _):
        files = [
            services.perceval(tmp_path / f"remo-{c}.jsonl", "remo", base, "--category", c)
            for c in ("event", "activity")
        ]
    summary = import_perceval(project, files)
    events = events_of(project)
    assert events["activity_type"].value_counts().to_dict() == {
        "event_organised": 1,
        "activity_report": 1,
    }
    assert events["contributor_id"].nunique() == 1 and summary.people == 1
    assert sorted(events["timestamp"].dt.strftime("%Y-%m-%d %H:%M")) == [
        "2024-03-09 16:00",
        "2024-03-10 00:00",
    ]
    assert_nothing_personal([project / "data" / "activity.parquet"], services.PEOPLE)


# --- the command line -------------------------------------------------------------------------


def test_cli_prints_what_it_did(project: Path, community_log: Path) -> None:
    dry = mdm("import", "perceval", str(community_log), "--project", str(project), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "items read: 6 (6 git)" in dry.stdout and "would add 6" in dry.stdout
    assert "dry run: nothing was written" in dry.stdout
    assert not (project / "data").exists()
    done = mdm("import", "perceval", str(community_log), "--project", str(project))
    assert done.returncode == 0, done.stderr
    assert "added 6 to data/activity.parquet" in done.stdout
    assert "people: 4 (from 5 identities); not people: 1 bots, 0 service accounts" in done.stdout
    assert "commits applied by someone else: 1, each counted once, for its author" in done.stdout
    assert "time span: 2023-11-03T00:15:00+00:00 → 2024-03-05T16:45:00+00:00" in done.stdout
    assert_nothing_personal([], NAMES)
    for name in NAMES:
        assert name not in done.stdout


def test_cli_dry_run_reports_unmapped_origins_and_fails(tiny: Path, community_log: Path) -> None:
    done = mdm("import", "perceval", str(community_log), "--project", str(tiny), "--dry-run")
    assert done.returncode == 2
    assert "unmapped origins: " in done.stdout and "community-repo" in done.stdout
    assert done.stderr.startswith("mdm import: error: params/project.yaml: sources:")


# --- end to end: imported activity in a built document ------------------------------------------


@pytest.mark.kernel
def test_imported_activity_builds_and_stays_private(project: Path, community_log: Path) -> None:
    topic = project / "params" / "topics" / "homework-clubs.yaml"
    topic.write_text(
        topic.read_text() + "evidence:\n  values:\n    people: {metric: contributors, freq: Y}\n"
        "  charts:\n    - {metric: contributors, freq: Y, title: Contributors per year}\n"
        "findings: '{{ people }} people contributed in the last full year.'\n",
        encoding="utf-8",
    )
    yaml = project / "params" / "project.yaml"
    yaml.write_text(yaml.read_text() + "data:\n  min_group: 1\n", encoding="utf-8")
    assert mdm("import", "perceval", str(community_log), "--project", str(project)).returncode == 0
    check = mdm("check", "--project", str(project))
    assert check.returncode == 0, check.stderr
    build = mdm("build", "--project", str(project), "--format", "html", "--jobs", "1")
    assert build.returncode == 0, build.stderr
    html = project / "output" / "proposal.html"
    assert "people contributed in the last full year" in html.read_text()
    assert_nothing_personal(sorted((project / "output").rglob("*.html")), NAMES)
    # a committer's name put into the narrative is caught by the privacy guard
    topic.write_text(
        topic.read_text().replace("people contributed", "people (thanks, Lena Fischer) contributed")
    )
    leaked = mdm("build", "--project", str(project), "--format", "html", "--jobs", "1")
    assert leaked.returncode == 9, leaked.stderr
    assert "from imported activity" in leaked.stderr and "Lena" not in leaked.stderr
    assert "Lena Fischer" not in html.read_text()  # the previous good output stays


def test_a_project_imported_by_an_earlier_mdm_is_brought_up_to_date(
    project: Path, community_log: Path
) -> None:
    """Earlier versions counted committers, kept no ledger and wrote a three-column register."""
    yaml = project / "params" / "project.yaml"
    yaml.write_text(yaml.read_text() + "count_committers: true\n", encoding="utf-8")
    import_perceval(project, [community_log])
    assert len(events_of(project)) == 7
    private = project / "data" / "private"
    shutil.rmtree(private / "imported-events")
    (private / "imported-items.npz").unlink()
    register = private / "imported-identities.csv"
    rows = [line.rsplit(",", 1)[0] for line in register.read_text().splitlines()]
    old = [r.replace(",bot,a [bot] account (a GitHub App)", ",bot,yes") for r in rows]
    register.write_text("\n".join(old) + "\n", encoding="utf-8")
    yaml.write_text(yaml.read_text().replace("count_committers: true\n", ""), encoding="utf-8")
    before = events_of(project)
    summary = import_perceval(project, [community_log])
    assert summary.rederived == 1 and summary.events_added == 0
    events = events_of(project)
    assert set(events["activity_type"]) == {"commit"} and len(events) == 6
    kept = before[before["activity_type"] == "commit"].reset_index(drop=True)
    pd.testing.assert_frame_equal(events.reset_index(drop=True), kept, check_categorical=False)
    assert register.read_text().splitlines()[0] == "contributor_id,kind,value,group"
