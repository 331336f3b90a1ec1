"""A team working at once: review commands started together lose no record and share no id.

The review commands read the last build's digests only, so the project here is "built" by
writing the manifest a build would write (each section's key as a build computes it, made-up
digests): no kernel, and every command accepts it as current.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import TINY, as_built, copy_project

from mdm.errors import BusyError, ConfigError
from mdm.params.project import load_project
from mdm.params.reviews import load_reviews
from mdm.review import commands

PEOPLE = [f"reviewer-{n}" for n in range(10)]


@pytest.fixture
def team(tmp_path: Path) -> Path:
    """The tiny project with ten more people in the agreement role, as built."""
    root = copy_project(TINY, tmp_path / "team")
    stakeholders = root / "params/stakeholders.yaml"
    text = stakeholders.read_text(encoding="utf-8")
    people = "".join(f"  - {{id: {p}, name: Reviewer {p[-1]}}}\n" for p in PEOPLE)
    roles = "".join(f"  - {{role: agreement, who: {p}}}\n" for p in PEOPLE)
    text = text.replace("roles:\n", people + "roles:\n") + roles
    stakeholders.write_text(text, encoding="utf-8")
    as_built(root)
    return root


def records(root: Path, name: str) -> list[dict[str, Any]]:
    path = root / "params/reviews" / name
    if not path.is_file():
        return []
    return list(yaml.safe_load(path.read_text(encoding="utf-8"))[name.removesuffix(".yaml")])


def _command(root: Path, who: int, turn: int) -> None:
    """Half the team agrees (with a condition naming the turn), the other half comments."""
    mark = f"turn {turn} by {PEOPLE[who]}"
    if (who + turn) % 2:
        commands.agree(root, PEOPLE[who], "proposal", conditions=mark)
    else:
        commands.feedback(root, PEOPLE[who], "proposal", mark)


def _reviewer(root: str, who: int, turns: int, start: Any, done: Any, failures: Any) -> None:
    for turn in range(turns):
        start.wait(60)  # every reviewer's command of this turn starts at the same moment
        try:
            _command(Path(root), who, turn)
        except Exception as err:  # a lost race shows here as any error at all
            failures.put(f"turn {turn}, {PEOPLE[who]}: {type(err).__name__}: {err}")
        done.wait(60)


def expect_every_record(root: Path, turns: range) -> None:
    """Every turn's agreement and comment is there, once; comment ids are unique."""
    wanted = {f"turn {t} by {p}" for t in turns for p in PEOPLE}
    agreed = [r["note"] for r in records(root, "agreements.yaml")]
    comments = records(root, "feedback.yaml")
    found = sorted([*agreed, *(c["text"] for c in comments)])
    assert found == sorted(wanted)
    ids = [c["id"] for c in comments]
    assert sorted(ids) == sorted(f"fb-{n + 1}" for n in range(len(comments)))
    assert not list(root.rglob("*.mdm-tmp"))
    load_reviews(load_project(root))  # and mdm check accepts them


TURNS, KEPT = 50, 2


def test_ten_reviewers_at_once_fifty_times_lose_nothing(team: Path) -> None:
    """Ten processes, one per reviewer, each recording through the library 50 times; every turn
    starts all ten commands together (a barrier) and is checked when all ten are done.

    The records of two turns are kept before the files start again: fifty turns in one file
    would spend the test's time parsing YAML, not racing."""
    context = multiprocessing.get_context("spawn")
    start, done = context.Barrier(len(PEOPLE) + 1), context.Barrier(len(PEOPLE) + 1)
    failures = context.Queue()
    workers = [
        context.Process(target=_reviewer, args=(str(team), who, TURNS, start, done, failures))
        for who in range(len(PEOPLE))
    ]
    for worker in workers:
        worker.start()
    began = time.perf_counter()
    for turn in range(TURNS):
        start.wait(60)
        done.wait(60)
        if turn % KEPT == KEPT - 1:
            expect_every_record(team, range(turn + 1 - KEPT, turn + 1))
            for name in ("agreements.yaml", "feedback.yaml"):
                (team / "params/reviews" / name).unlink()
    seconds = time.perf_counter() - began
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    problems = []
    while not failures.empty():
        problems.append(failures.get())
    assert problems == []
    print(f"{len(PEOPLE)} reviewers x {TURNS} turns: {seconds:.1f} s")


def test_ten_review_commands_started_together_keep_every_record(team: Path) -> None:
    """The same through the command line: ten real ``mdm review`` processes per turn."""
    turns = 3
    began = time.perf_counter()
    for turn in range(turns):
        runs = []
        for who, person in enumerate(PEOPLE):
            where = ["--document", "proposal", "--project", str(team)]
            mark = f"turn {turn} by {person}"
            agree = ["agree", "--conditions", mark] if (who + turn) % 2 else ["feedback", mark]
            runs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "mdm", "review", *agree, "--by", person, *where],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            )
        for run in runs:
            out, err = run.communicate(timeout=120)
            assert run.returncode == 0, err
            assert out.strip().startswith("params/reviews/")
    expect_every_record(team, range(turns))
    print(f"{len(PEOPLE)} commands x {turns} turns: {time.perf_counter() - began:.1f} s")


def _new_topic(root: str, number: int, start: Any) -> None:
    from mdm.authoring.topics import new_topic

    start.wait(60)
    new_topic(Path(root), f"added-{number}", f"Added {number}", "What did we add?")


def test_topics_added_at_once_each_get_their_own_number(tiny: Path) -> None:
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(5)
    workers = [context.Process(target=_new_topic, args=(str(tiny), n, start)) for n in range(5)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0
    topics = load_project(tiny).topics
    added = [topics[f"added-{n}"].number for n in range(5)]
    before = [t.number for t in load_project(TINY).topics.values()]
    assert sorted(added) == [max(before) + n for n in range(1, 6)]


HOLD = """
import sys, time
from pathlib import Path
from mdm.files import exclusive, write_atomic
from mdm.params.edits import project_lock
what, path = sys.argv[1], Path(sys.argv[2])
lock = project_lock(path) if what == "project" else exclusive(path)
with lock:
    print("held", flush=True)
    time.sleep(float(sys.argv[3]))
    if what == "file":  # an import adding a row while it holds the file
        write_atomic(path, path.read_bytes() + sys.argv[4].encode())
"""


@contextlib.contextmanager
def holding(what: str, path: Path, seconds: float, append: str = "") -> Iterator[int]:
    """Another process holding the project's lock, or a data file's as an import does."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, what, str(path), str(seconds), append],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    try:
        assert holder.stdout.readline().strip() == "held"
        yield holder.pid
        holder.wait(30)
    finally:
        holder.kill()  # killed, it holds nothing: the lock goes with its process
        holder.wait()
        holder.stdout.close()


def test_a_command_waits_then_gives_up_naming_the_holder(
    team: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("mdm.params.edits.LOCK_TIMEOUT", 0.3)
    busy = r"^params: another mdm command is changing this project \(pid \d+, started at .*\); "
    with (
        holding("project", team, 0.6),
        pytest.raises(BusyError, match=busy + "waited 0.3 s"),
    ):
        commands.feedback(team, PEOPLE[0], "proposal", "Waiting.")
    assert records(team, "feedback.yaml") == []
    commands.feedback(team, PEOPLE[0], "proposal", "Now.")  # a killed holder holds nothing
    assert [r["text"] for r in records(team, "feedback.yaml")] == ["Now."]


def test_a_rename_waits_for_an_import_writing_a_data_file(tiny: Path) -> None:
    from mdm.authoring.topics import rename_topic

    nights = tiny / "data/club-nights.csv"
    nights.parent.mkdir()
    nights.write_text("topic,nights\nhomework-clubs,3\n", encoding="utf-8")
    with holding("file", nights, 1.0, "homework-clubs,4\n"):
        began = time.perf_counter()
        rename_topic(tiny, "homework-clubs", "study-clubs")
        assert time.perf_counter() - began > 0.5  # it waited for the import to finish
    # the import's row was read by the rename, and renamed, not overwritten
    assert nights.read_text(encoding="utf-8") == "topic,nights\nstudy-clubs,3\nstudy-clubs,4\n"


def test_a_folder_that_is_no_project_gets_no_lock_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"not found; is .* an mdm project"):
        commands.feedback(tmp_path / "nowhere", PEOPLE[0], "proposal", "Hello?")
    assert not (tmp_path / "nowhere").exists()
