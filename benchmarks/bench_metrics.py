"""Time the community metrics on synthetic events: median seconds and peak memory per metric.

    .venv/bin/python benchmarks/bench_metrics.py --events 1000000 10000000 --repeat 3

Each size runs in a fresh subprocess that synthesises the events once (seeded NumPy,
no Python loop over rows) and then runs every metric ``--repeat`` times. Peak memory
is the process's resident-set high-water mark (VmHWM in /proc/self/status), reset
before each metric through /proc/self/clear_refs, so it is the peak while that
metric ran, including the events table itself. Where the reset is not allowed, the
script falls back to ``resource.getrusage`` max RSS, the peak of the whole process
so far, and says so.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from mdm import metrics as m

COMMUNITIES = [
    "L10N",
    "SUMO",
    "Reps",
    "MDN",
    "Campaigns",
    *(f"Mozilla Region {i}" for i in range(15)),
]
ACTIVITIES = {  # activity type: (area, share of events)
    "translation": ("localizing", 0.30),
    "forum_reply": ("support", 0.18),
    "forum_post": ("support", 0.07),
    "article_edit": ("documenting", 0.12),
    "bug_report": ("testing", 0.08),
    "event_attended": ("evangelizing", 0.07),
    "event_organized": ("community building", 0.03),
    "event_report": ("community building", 0.03),
    "mentoring": ("teaching", 0.04),
    "code_sample": ("coding", 0.05),
    "recognition": ("community building", 0.01),
    "social_post": ("evangelizing", 0.02),
}
COUNTRIES = [
    *("US", "DE", "FR", "IN", "BR", "ES", "IT", "MX", "ID", "BD", "NG", "KE", "CM", "EG", "TN"),
    *("TW", "JP", "CN", "GB", "PL", "RU", "TR", "PH", "AR", "CO", "PE", "ZA", "CA", "NL", "GR"),
]
OFFSETS = np.array([-480, -300, -180, 0, 60, 120, 180, 330, 420, 480, 540, 600])
START = np.datetime64("2005-01-01", "ns").astype(np.int64)
END = np.datetime64("2021-01-01", "ns").astype(np.int64)
DAY = 86_400_000_000_000


def synthesise(n: int, seed: int = 2017) -> pd.DataFrame:
    """``n`` events shaped like the loader's output, with a few heavy and many casual people."""
    rng = np.random.default_rng(seed)
    n_people = max(100, n // 20)
    rank = np.arange(1, n_people + 1)
    weight = 1 / rank**1.1  # Zipf-like: the first few hundred people make much of the work
    person = rng.choice(n_people, size=n, p=weight / weight.sum())
    # heavy contributors stay for years, casual ones for days or weeks
    start = rng.integers(START, END - 30 * DAY, n_people)
    stay = (rng.exponential(400, n_people) * (1 + 2000 / rank**0.7)).astype(np.int64) * DAY
    stamp = np.minimum(start[person] + (rng.random(n) * stay[person]).astype(np.int64), END - 1)
    home = rng.choice(len(COMMUNITIES), n_people, p=_skewed(len(COMMUNITIES), rng))
    community = np.where(rng.random(n) < 0.8, home[person], rng.integers(0, len(COMMUNITIES), n))
    kinds = list(ACTIVITIES)
    kind = rng.choice(len(kinds), n, p=[share for _, share in ACTIVITIES.values()])
    areas = sorted({area for area, _ in ACTIVITIES.values()})
    area_of_kind = np.array([areas.index(ACTIVITIES[k][0]) for k in kinds])
    country = rng.choice(len(COUNTRIES) + 1, n_people)  # the last code: unknown
    bot = np.zeros(n_people, dtype=bool)
    bot[rng.choice(n_people, 10, replace=False)] = True
    # a third of the events sit in threads of about four events within a couple of days
    in_thread = rng.random(n) < 0.3
    n_threads = max(1, int(in_thread.sum()) // 4)
    thread = np.where(in_thread, rng.integers(0, n_threads, n), -1)
    opened = rng.integers(START, END - 30 * DAY, n_threads)
    lag = (rng.exponential(0.5, n) * DAY).astype(np.int64)
    stamp = np.where(in_thread, opened[np.maximum(thread, 0)] + lag, stamp)
    return pd.DataFrame(
        {
            "contributor_id": _labels(person, "u", n_people).astype("string"),
            "timestamp": pd.DatetimeIndex(stamp.view("M8[ns]")).tz_localize("UTC"),
            "community": pd.Categorical.from_codes(community, COMMUNITIES),
            "area": pd.Categorical.from_codes(area_of_kind[kind], areas),
            "activity_type": pd.Categorical.from_codes(kind, kinds),
            "country": pd.Categorical.from_codes(
                np.where(country[person] == len(COUNTRIES), -1, country[person]), COUNTRIES
            ),
            "affiliation": pd.Categorical.from_codes(
                rng.choice(3, n, p=[0.95, 0.04, 0.01]), ["volunteer", "staff", "other"]
            ),
            "is_bot": bot[person],
            "thread_id": _labels(thread, "t", n_threads).astype("string"),
            "utc_offset_minutes": OFFSETS[rng.integers(0, len(OFFSETS), n_people)][person].astype(
                "int16"
            ),
        }
    )


def _skewed(k: int, rng: np.random.Generator) -> np.ndarray:
    weight = rng.pareto(1.0, k) + 0.05
    return np.asarray(weight / weight.sum())


def _labels(codes: np.ndarray, prefix: str, size: int) -> pd.Series:
    """Text ids for integer codes (−1: missing), built from the few distinct labels."""
    return pd.Series(pd.Categorical.from_codes(codes, [f"{prefix}{i:07d}" for i in range(size)]))


def metrics(events: pd.DataFrame) -> dict[str, Callable[[], object]]:
    return {
        "contributors by quarter": lambda: m.contributors(events, "Q"),
        "contributors by quarter × community": lambda: m.contributors(events, "Q", "community"),
        "new contributors (L10N filter)": lambda: m.new_contributors(
            events, "Q", {"community": "L10N"}
        ),
        "inactive contributors": lambda: m.inactive_contributors(events),
        "active / drifting / away": lambda: m.activity_status(events, "Q"),
        "cohort retention": lambda: m.cohort_retention(events, "Q"),
        "onion": lambda: m.onion(events, "Q"),
        "absence factor by community": lambda: m.absence_factor(events, "community"),
        "time to first response": lambda: m.time_to_first_response(events, "community"),
        "conversion rate": lambda: m.conversion_rate(events),
        "contributor location (region)": lambda: m.contributor_location(events),
        "multi-area share": lambda: m.multi_area_share(events),
        "hour × weekday (local)": lambda: m.activity_heatmap(events),
    }


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker(n: int, repeat: int) -> dict[str, object]:
    """Run in the subprocess: synthesise, then time every metric."""
    began = time.perf_counter()
    events = synthesise(n)
    made = time.perf_counter() - began
    rows = []
    resettable = True
    for name, run in metrics(events).items():
        resettable &= _reset_peak()
        times = []
        for _ in range(repeat):
            began = time.perf_counter()
            run()
            times.append(time.perf_counter() - began)
        rows.append({"metric": name, "median_s": statistics.median(times), "peak_mb": _peak_mb()})
    return {
        "events": n,
        "people": int(events["contributor_id"].nunique()),
        "threads": int(events["thread_id"].nunique()),
        "table_mb": events.memory_usage(deep=True).sum() / 2**20,
        "synthesis_s": made,
        "peak": "VmHWM reset per metric" if resettable else "ru_maxrss of the whole process",
        "rows": rows,
    }


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown CPU",
    )
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} CPUs ({cpu}), {ram:.1f} GiB RAM; Python {platform.python_version()}, "
        f"pandas {pd.__version__}, NumPy {np.__version__}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.repeat)))
        return
    print(machine())
    for n in args.events:
        done = subprocess.run(
            [sys.executable, __file__, "--worker", str(n), "--repeat", str(args.repeat)],
            check=True,
            capture_output=True,
            text=True,
        )
        result = json.loads(done.stdout)
        print(
            f"\n{n:,} events, {result['people']:,} people, {result['threads']:,} threads; "
            f"table {result['table_mb']:,.0f} MB, synthesised in {result['synthesis_s']:.1f} s; "
            f"peak memory: {result['peak']}"
        )
        print(f"| metric | median of {args.repeat} (s) | peak RSS (MB) |")
        print("| --- | ---: | ---: |")
        for row in result["rows"]:
            print(f"| {row['metric']} | {row['median_s']:.2f} | {row['peak_mb']:,.0f} |")


if __name__ == "__main__":
    main()
