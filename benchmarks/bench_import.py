"""Time ``mdm import perceval`` on a million Perceval items: first import, unchanged re-import,
a newer collection with 1% new items, and ``mdm people merge`` of the two most active people
(which re-derives the person of every imported event from the private ledger).

    .venv/bin/python benchmarks/bench_import.py --items 1000000

The items are written as ``perceval ... --json-line`` writes them (sorted keys, compact), in
the shapes of its git, GitHub, Discourse and Kitsune backends, for a seeded community of
--people people with a Zipf-like share of the work. Each import runs as ``python -m mdm`` in a
subprocess; the table gives wall time, CPU seconds and the child's peak RSS (ru_maxrss), with
the load average before each run (the machine is shared).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WORK = REPO / "benchmarks" / "work" / "import"
MERGED = ["p0@example.org", "p1@example.org"]  # the two most active people
ZONES = [timezone(timedelta(minutes=m)) for m in (-480, -300, -180, 0, 60, 120, 330, 540)]


def _envelope(
    backend: str, category: str, origin: str, uuid: str, updated: float, data: dict[str, object]
) -> str:
    item = {
        "backend_name": backend,
        "backend_version": "1.0.0",
        "category": category,
        "classified_fields_filtered": None,
        "data": data,
        "origin": origin,
        "perceval_version": "1.6.1",
        "search_fields": {"item_id": uuid[:12]},
        "tag": origin,
        "timestamp": updated + 10,
        "updated_on": updated,
        "uuid": uuid,
    }
    return json.dumps(item, separators=(",", ":"), sort_keys=True)


def _person(rng: random.Random, people: int) -> int:
    return min(int(rng.paretovariate(1.1)) - 1, people - 1)


def _item(index: int, rng: random.Random, people: int) -> str:
    uuid = f"{index:040x}"
    when = datetime(2015, 1, 1, tzinfo=UTC) + timedelta(seconds=index * 97)
    local = when.astimezone(rng.choice(ZONES))
    who = _person(rng, people)
    updated = when.timestamp()
    kind = index % 10
    if kind < 7:
        stamp = local.strftime("%a %b %-d %H:%M:%S %Y %z")
        committer = _person(rng, people) if rng.random() < 0.2 else who
        data = {
            "Author": f"Person {who} <p{who}@example.org>",
            "AuthorDate": stamp,
            "Commit": f"Person {committer} <p{committer}@example.org>",
            "CommitDate": stamp,
            "commit": uuid,
            "files": [{"action": "M", "added": "3", "file": "README.md", "removed": "1"}],
            "message": "Update the docs",
            "parents": [f"{index - 1:040x}"],
            "refs": [],
        }
        return _envelope("Git", "commit", "https://example.org/code.git", uuid, updated, data)
    iso = local.isoformat()
    replies = [
        (_person(rng, people), (when + timedelta(hours=h + 1)).isoformat()) for h in range(2)
    ]
    if kind == 7:
        data = {
            "number": index,
            "id": index,
            "created_at": iso,
            "user": {"login": f"u{who}"},
            "user_data": {"login": f"u{who}", "name": f"Person {who}", "email": None},
            "comments_data": [
                {"id": index * 10 + i, "created_at": t, "user": {"login": f"u{p}"}}
                for i, (p, t) in enumerate(replies)
            ],
        }
        return _envelope("GitHub", "issue", "https://github.com/example/site", uuid, updated, data)
    if kind == 8:
        posts = [(who, iso), (replies[0][0], replies[0][1]), (replies[1][0], replies[1][1])]
        data = {
            "id": index,
            "post_stream": {
                "posts": [
                    {
                        "id": index * 10 + i,
                        "username": f"u{p}",
                        "name": f"Person {p}",
                        "created_at": t,
                        "post_number": i + 1,
                        "user_id": p,
                    }
                    for i, (p, t) in enumerate(posts)
                ]
            },
        }
        return _envelope("Discourse", "topic", "https://discourse.example.org", uuid, updated, data)
    data = {
        "id": index,
        "created": iso,
        "updated": iso,
        "creator": {"username": f"u{who}", "display_name": f"Person {who}"},
        "answers_data": [
            {
                "id": index * 10 + i,
                "created": t,
                "creator": {"username": f"u{p}", "display_name": f"Person {p}"},
            }
            for i, (p, t) in enumerate(replies)
        ],
    }
    return _envelope("Kitsune", "question", "https://support.example.org", uuid, updated, data)


def write_items(path: Path, start: int, count: int, people: int) -> None:
    rng = random.Random(start)
    with path.open("w", encoding="utf-8") as out:
        for index in range(start, start + count):
            out.write(_item(index, rng, people) + "\n")


def _lines(path: Path) -> int:
    if not path.is_file():
        return 0
    with path.open("rb") as stream:
        return sum(1 for _ in stream)


def project(root: Path) -> Path:
    if root.exists():
        shutil.rmtree(root)
    shutil.copytree(REPO / "tests" / "projects" / "tiny" / "params", root / "params")
    with (root / "params" / "project.yaml").open("a", encoding="utf-8") as out:
        out.write('sources:\n  - {origin: "*", community: Community, area: all}\n')
    return root


def timed(label: str, command: list[str], root: Path) -> dict[str, object]:
    load = os.getloadavg()[0]
    start = time.perf_counter()
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mdm",
            *command,
            "--project",
            str(root),
        ],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert child.stdout is not None
    output = child.stdout.read()
    # wait4 gives this child's own usage (RUSAGE_CHILDREN's peak would span all runs)
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    if child.returncode:
        raise SystemExit(f"{label} failed with exit code {child.returncode}")
    cpu = usage.ru_utime + usage.ru_stime
    print(f"{label}: {wall:.1f} s wall, {cpu:.1f} s CPU, load {load:.1f}", flush=True)
    print("   " + "\n   ".join(output.splitlines()), flush=True)
    return {"run": label, "wall": wall, "cpu": cpu, "rss": usage.ru_maxrss / 1024, "load": load}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument(
        "--reuse", action="store_true", help="keep the item files of an earlier run of this size"
    )
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    first, newer = WORK / "items.jsonl", WORK / "newer.jsonl"
    started = time.perf_counter()
    reuse = args.reuse and newer.is_file() and _lines(first) == args.items
    if not reuse:
        write_items(first, 0, args.items, args.people)
        shutil.copy(first, newer)
        extra = WORK / "extra.jsonl"
        write_items(extra, args.items, args.items // 100, args.people)
        with newer.open("a", encoding="utf-8") as out:
            out.write(extra.read_text(encoding="utf-8"))
    size = first.stat().st_size / 1e6
    took = f"written in {time.perf_counter() - started:.0f} s" if not reuse else "reused"
    print(f"{args.items:,} items, {size:,.0f} MB, {took}", flush=True)
    root = project(WORK / "project")
    rows = [
        timed("first import", ["import", "perceval", str(first)], root),
        timed("unchanged re-import", ["import", "perceval", str(first)], root),
        timed("newer collection (+1%)", ["import", "perceval", str(newer)], root),
        timed("people merge (every event re-derived)", ["people", "merge", *MERGED], root),
    ]
    events = root / "data" / "activity.parquet"
    print(f"events file: {events.stat().st_size / 1e6:.0f} MB")
    print("\n| run | wall (s) | CPU (s) | peak RSS (MB) | load before |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for row in rows:
        print(
            f"| {row['run']} | {row['wall']:.1f} | {row['cpu']:.1f} | {row['rss']:,.0f} | "
            f"{row['load']:.1f} |"
        )


if __name__ == "__main__":
    main()
