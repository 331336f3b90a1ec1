"""What a topic's own notebook costs: jupytext conversion, tables from data files, a real build.

    .venv/bin/python benchmarks/bench_notebooks.py [--rows 10000 100000 1000000] [--repeat 5]

In a temporary copy of tests/projects/tiny with the test suite's analysis notebook:

1. resolving a text notebook (``.py``): the first time (jupytext converts it) and
   unchanged (read, compared, left alone) — this runs in every ``mdm check`` and build;
2. ``table_html`` (read, check, sort, totals, format, render) on synthetic CSVs of
   ``--rows`` rows, and on the same data as Parquet;
3. one cold build of the proposal (HTML only), with each section's seconds: the topic
   with its own notebook against those on the shared notebook.

Medians of ``--repeat`` runs; the load average is printed with the results.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from conftest import TINY, copy_project  # noqa: E402

from mdm.build.pipeline import BuildOptions, build  # noqa: E402
from mdm.params.models import TableSpec  # noqa: E402
from mdm.params.project import load_project  # noqa: E402
from mdm.report.tables import table_html  # noqa: E402

FIXTURES = REPO / "tests" / "fixtures"
OWN_TOPIC = """
notebooks:
  proposal: homework-analysis
evidence:
  files: [data/club-nights.csv]
"""


def median_seconds(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def project(root: Path, suffix: str) -> Path:
    copy_project(TINY, root)
    (root / "data").mkdir(exist_ok=True)
    (root / "notebooks").mkdir(exist_ok=True)
    shutil.copy(FIXTURES / "data" / "club-nights.csv", root / "data")
    shutil.copy(
        FIXTURES / "notebooks" / f"topic_analysis{suffix}",
        root / "notebooks" / f"homework-analysis{suffix}",
    )
    topic = root / "params" / "topics" / "homework-clubs.yaml"
    topic.write_text(topic.read_text(encoding="utf-8") + OWN_TOPIC, encoding="utf-8")
    return root


def conversion(base: Path, repeat: int) -> None:
    root = project(base / "text", ".py")
    converted = root / "output" / ".jupytext" / "homework-analysis.ipynb"

    def cold() -> None:
        converted.unlink(missing_ok=True)
        load_project(root).notebook_file("homework-analysis")

    def warm() -> None:
        load_project(root).notebook_file("homework-analysis")

    print(f"text notebook, first conversion:  {median_seconds(cold, repeat) * 1000:8.1f} ms")
    print(f"text notebook, unchanged:         {median_seconds(warm, repeat) * 1000:8.1f} ms")
    only_load = median_seconds(lambda: load_project(root), repeat)
    print(f"  (load_project alone:            {only_load * 1000:8.1f} ms)")


def tables(base: Path, sizes: list[int], repeat: int) -> None:
    root = project(base / "tables", ".ipynb")
    loaded = load_project(root)
    rng = np.random.default_rng(14)
    for rows in sizes:
        frame = pd.DataFrame(
            {
                "branch": rng.choice(["Central", "Riverside", "North", "Harbour"], rows),
                "night": rng.choice(["Mon", "Tue", "Wed", "Thu", "Fri"], rows),
                "pupils": rng.integers(5, 40, rows),
                "tutors": rng.integers(1, 8, rows),
            }
        )
        for fmt, name in (("csv", f"data/n{rows}.csv"), ("parquet", f"data/n{rows}.parquet")):
            path = root / name
            frame.to_csv(path, index=False) if fmt == "csv" else frame.to_parquet(path)
            spec = TableSpec(
                file=name,
                columns=["branch", "night", "pupils", "tutors"],
                sort="pupils",
                descending=True,
                totals=["pupils", "tutors"],
                limit=20,
            )
            seconds = median_seconds(lambda s=spec: table_html(loaded, s, "bench"), repeat)
            print(f"table_html, {rows:>9,} rows {fmt:>7}: {seconds * 1000:8.1f} ms (20 rows shown)")


def one_build(base: Path) -> None:
    root = project(base / "build", ".ipynb")
    start = time.perf_counter()
    report = build(BuildOptions(project_dir=root, formats=("html",), jobs=1))
    print(f"cold build, proposal HTML, --jobs 1: {time.perf_counter() - start:6.1f} s")
    for result in report.sections:
        print(f"  {result.spec.id:<24} {result.spec.notebook.name:<26} {result.seconds:6.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())} (2 cores)")
    with tempfile.TemporaryDirectory(prefix="mdm-bench-notebooks-") as folder:
        base = Path(folder)
        conversion(base, args.repeat)
        tables(base, args.rows, args.repeat)
        one_build(base)
    print(f"load average after:  {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
