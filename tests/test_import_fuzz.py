"""Imports never crash on valid-but-unusual input: an empty file, profiles only, bots only; and
item streams truncated, reordered, repeated, mixed across backends or with fields mangled
(seeded, from real Perceval runs) give a named error that changes nothing, or a correct import.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from mdm.data.events import load_events
from mdm.errors import MdmError
from mdm.sources.importer import import_perceval
from tests.conftest import FIXTURES, TINY, copy_project
from tests.perceval import services
from tests.perceval.repos import NOT_PEOPLE, PLATFORM, Commit, make_repo, perceval_git
from tests.perceval.server import serve

PLACE = {"community": "Fuzz", "area": "everything"}


def _lines(path: Path) -> list[bytes]:
    return [line for line in path.read_bytes().splitlines(keepends=True) if line.strip()]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[bytes]]:
    """Items of every kind, as the real Perceval backends write them."""
    root = tmp_path_factory.mktemp("corpus")
    found = {"git": _lines(perceval_git(make_repo(root / "repo", PLATFORM), root / "git.jsonl"))}
    web: dict[str, tuple[Callable[[str], dict[str, Any]], tuple[str, ...]]] = {
        "discourse": (services.discourse_routes, ("discourse", "BASE")),
        "kitsune": (services.kitsune_routes, ("kitsune", "BASE")),
        "github": (services.github_routes, ("github", "mozilla", "sumo-docs",
                   "--enterprise-url", "BASE", "--category", "issue")),
        "remo-event": (services.remo_routes, ("remo", "BASE", "--category", "event")),
        "remo-activity": (services.remo_routes, ("remo", "BASE", "--category", "activity")),
        "remo-user": (services.remo_routes, ("remo", "BASE", "--category", "user")),
    }  # fmt: skip
    for name, (routes, args) in web.items():
        with serve(routes) as (base, _):
            out = root / f"{name}.jsonl"
            found[name] = _lines(services.perceval(out, *[a.replace("BASE", base) for a in args]))
    archive = root / "archive"
    archive.mkdir()
    shutil.copy(FIXTURES / "data" / "mailing_list_thread.mbox", archive / "l10n.mbox")
    mbox = services.perceval(root / "mbox.jsonl", "mbox", "http://lists.example/l10n", str(archive))
    found["mbox"] = _lines(mbox)
    return found


def _project(path: Path, key: bytes | None = None) -> Path:
    project = copy_project(TINY, path)
    if key is not None:
        (project / "data" / "private").mkdir(parents=True)
        (project / "data" / "private" / "pseudonym.key").write_bytes(key)
    return project


def _rows(project: Path) -> pd.DataFrame:
    events = load_events(project / "data" / "activity.parquet").astype(str)
    return events.sort_values(list(events.columns)).reset_index(drop=True)


# --- valid but unusual -----------------------------------------------------------------------


def test_an_empty_file_imports_nothing_and_writes_nothing(tmp_path: Path) -> None:
    empty = tmp_path / "quiet.jsonl"
    empty.write_bytes(b"")
    project = _project(tmp_path / "fresh")
    summary = import_perceval(project, [empty], **PLACE)
    assert summary.lines()[:3] == [
        "items read: 0 (none); 0 unchanged since the last import, skipped",
        "events: 0 read, added 0 to data/activity.parquet, 0 already there",
        "people: 0 (from 0 identities); not people: 0 bots, 0 service accounts (marked is_bot, "
        "never counted)",
    ]
    assert not (project / "data").exists()  # no key, no register, no events file


def test_an_empty_file_leaves_a_teams_own_events_alone(tmp_path: Path) -> None:
    project = _project(tmp_path / "own")
    events = project / "data" / "activity.csv"
    events.parent.mkdir()
    events.write_text(
        "contributor_id,timestamp,community,area,activity_type\n"
        "v001,2022-05-01T10:00:00+02:00,Library,volunteering,shift\n",
        encoding="utf-8",
    )
    yaml = project / "params" / "project.yaml"
    yaml.write_text(yaml.read_text() + "data:\n  events: data/activity.csv\n", encoding="utf-8")
    before = events.read_bytes()
    (tmp_path / "quiet.jsonl.gz").write_bytes(gzip.compress(b""))
    summary = import_perceval(project, [tmp_path / "quiet.jsonl.gz"])
    assert summary.events_added == 0 and events.read_bytes() == before
    assert not (project / "data" / "private").exists()


def test_profiles_only_give_their_summary_and_no_events(
    tmp_path: Path, corpus: dict[str, list[bytes]]
) -> None:
    profiles = tmp_path / "remo-users.jsonl"
    profiles.write_bytes(b"".join(corpus["remo-user"]))
    project = _project(tmp_path / "fresh")
    summary = import_perceval(project, [profiles], **PLACE)
    assert summary.items == {"remo": 1} and summary.events_read == 0
    assert (
        summary.lines()[0] == "items read: 1 (1 remo); 0 unchanged since the last import, skipped"
    )
    assert not (project / "data").exists()


def test_a_source_of_bots_only_is_imported_and_counts_nobody(tmp_path: Path) -> None:
    bots = [c for c in PLATFORM if c.email in NOT_PEOPLE] + [
        Commit("Renovate Bot", "bot@renovateapp.com", "2024-01-02T03:04:05+00:00")
    ]
    log = perceval_git(make_repo(tmp_path / "bots", bots), tmp_path / "bots.jsonl")
    project = _project(tmp_path / "fresh")
    summary = import_perceval(project, [log], **PLACE)
    assert (summary.people, summary.bots, summary.services) == (0, 3, 0)
    assert summary.events_added == len(bots)
    assert load_events(project / "data" / "activity.parquet")["is_bot"].all()


# --- fuzzed streams --------------------------------------------------------------------------


def _mangle(item: dict[str, Any], rng: random.Random) -> None:
    """Drop a field of the item or of its record, or give it a value of another type."""
    target = item if rng.random() < 0.2 else item.get("data")
    if not isinstance(target, dict) or not target:
        return
    field = rng.choice(sorted(target))
    if rng.random() < 0.5:
        del target[field]
    else:
        target[field] = rng.choice([None, 0, -1, 1e300, "", "x", [], {}, ["x"], True, "9999-99-99"])


def _stream(corpus: dict[str, list[bytes]], rng: random.Random) -> tuple[list[bytes], str]:
    """Some items of several backends, reordered, repeated, and maybe truncated or mangled."""
    lines = [
        line for kind in rng.sample(sorted(corpus), rng.randint(1, 4)) for line in corpus[kind]
    ]
    rng.shuffle(lines)
    lines += rng.sample(lines, rng.randint(0, min(3, len(lines))))  # repeated items
    how = rng.choice(["valid", "truncated", "cut", "mangled", "blank lines"])
    if how == "truncated":  # a line cut short, as a killed collection leaves it
        at = rng.randrange(len(lines))
        lines[at] = lines[at][: rng.randrange(1, len(lines[at]))]
    elif how == "cut":  # the stream ends early
        lines = lines[: rng.randrange(len(lines) + 1)]
    elif how == "mangled":
        at = rng.randrange(len(lines))
        item = json.loads(lines[at])
        _mangle(item, rng)
        lines[at] = json.dumps(item, sort_keys=True).encode() + b"\n"
    elif how == "blank lines":
        lines.insert(rng.randrange(len(lines) + 1), b"\n")
    return lines, how


@pytest.mark.parametrize("seed", range(int(os.environ.get("MDM_FUZZ_ROUNDS", "40"))))
def test_fuzzed_streams_give_a_named_error_or_a_correct_import(
    tmp_path: Path, corpus: dict[str, list[bytes]], seed: int
) -> None:
    rng = random.Random(seed)
    lines, how = _stream(corpus, rng)
    parts = sorted(rng.sample(range(1, len(lines)), max(0, min(rng.randint(0, 2), len(lines) - 1))))
    files = []
    for number, (start, end) in enumerate(zip([0, *parts], [*parts, len(lines)], strict=True)):
        path = tmp_path / (f"part{number}.jsonl" + (".gz" if rng.random() < 0.3 else ""))
        data = b"".join(lines[start:end])
        path.write_bytes(gzip.compress(data) if path.name.endswith(".gz") else data)
        files.append(path)
    key = bytes(range(32)).hex().encode()
    project = _project(tmp_path / "fuzzed", key)
    try:
        import_perceval(project, files, **PLACE)
    except MdmError as err:
        assert how in ("truncated", "mangled"), f"{how}: {err}"
        assert err.problems and err.problems[0].path, err
        written = {p.name for p in (project / "data").rglob("*")} - {".activity.parquet.mdm-lock"}
        assert written == {"private", "pseudonym.key"}  # nothing but the lock it took
        return
    if how in ("valid", "blank lines"):  # the same events as the items one by one, in order
        unique = sorted(set(lines) - {b"\n"}, key=lambda line: json.loads(line)["uuid"])
        single = tmp_path / "single.jsonl"
        single.write_bytes(b"".join(unique))
        reference = _project(tmp_path / "reference", key)
        import_perceval(reference, [single], **PLACE)
        if (reference / "data" / "activity.parquet").exists():
            pd.testing.assert_frame_equal(_rows(project), _rows(reference))
    if (project / "data" / "activity.parquet").exists():
        load_events(project / "data" / "activity.parquet")  # what an import writes loads
