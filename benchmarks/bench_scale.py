"""Build time and memory as the events grow: both documents, ``--force``, per events count.

    .venv/bin/python benchmarks/bench_scale.py --events 333936 3339360 10018080

For each size, a fresh copy of the example project gets the example's events replicated under
new ids (each copy's contributor and thread ids get a suffix, so the people and threads are new
and every metric's work grows with the copies) and is built once in a fresh subprocess, as
``mdm build --force`` does it (:func:`mdm.build.pipeline.build`). It reports the build's phases
(``check`` loads and checks the events; ``evidence`` computes the metric results once), the
peak resident memory (VmHWM) of the build's own process and of the largest kernel, sampled from
``/proc`` every 0.2 s while the build runs, the CPU seconds of the build's process, of its
evidence step and of all kernels together (less sensitive than wall time to other jobs on a
shared machine), and the load average when the build started. ``PYTHONPATH`` chooses the code
under test (e.g. a ``git archive`` of an older commit); ``--label`` names it in the table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def replicate(source: Path, target: Path, events: int) -> int:
    """Write ``events`` rows (rounded up to whole copies of ``source``) to ``target``."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    table = pq.read_table(source)
    copies = -(-events // table.num_rows)
    with pq.ParquetWriter(target, table.schema) as writer:
        for copy in range(copies):
            part = table
            if copy:
                suffix = f"~{copy}"
                for name in ("contributor_id", "thread_id"):
                    column = part[name]
                    if pa.types.is_dictionary(column.type):
                        column = column.cast(column.type.value_type)
                    renamed = pc.binary_join_element_wise(
                        column, pa.scalar(suffix, column.type), pa.scalar("", column.type)
                    )
                    part = part.set_column(part.schema.get_field_index(name), name, renamed)
            writer.write_table(part.cast(table.schema))
    return copies * table.num_rows


def _status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            for child in map(int, children):
                found.append(child)
                todo.append(child)
    return found


def _kernel_cpu(pid: int) -> float | None:
    """CPU seconds of a kernel process; None for any other process.

    Only processes running ipykernel count: a child between vfork and exec still shows the
    build's own memory.
    """
    try:
        if b"ipykernel" not in Path(f"/proc/{pid}/cmdline").read_bytes():
            return None
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _watch_kernels(stop: threading.Event, peaks: dict[int, tuple[int, float]]) -> None:
    me = os.getpid()
    while not stop.is_set():
        for pid in _descendants(me):
            cpu = _kernel_cpu(pid)
            if cpu is not None:
                peak = max(peaks.get(pid, (0, 0.0))[0], _status_kb(pid, "VmHWM:"))
                peaks[pid] = (peak, cpu)
        stop.wait(0.2)


def _timed_precompute(cpu: dict[str, float]) -> None:
    """Record the CPU seconds of the evidence step (absent before the evidence store).

    Patched before the build imports its steps, which take the function by name.
    """
    try:
        from mdm.build import precompute as module
    except ImportError:
        try:
            from mdm.report import precompute as module  # type: ignore[no-redef]
        except ImportError:
            return
    original = module.precompute

    def timed(*args: Any, **kwargs: Any) -> int:
        start = time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            cpu["evidence"] = time.process_time() - start

    module.precompute = timed


def worker(project: Path, force: bool) -> dict[str, object]:
    """One build in this process; its phases and peak memory."""
    from mdm.build.pipeline import BuildOptions, build

    if not force:  # the one-topic rebuild: one topic's findings edited since the last build
        topic = project / "params" / "topics" / "onboarding.yaml"
        text = topic.read_text(encoding="utf-8")
        topic.write_text(text.replace("findings: |\n", "findings: |\n  Edited.\n", 1), "utf-8")

    peaks: dict[int, tuple[int, float]] = {}
    cpu: dict[str, float] = {}
    _timed_precompute(cpu)
    stop = threading.Event()
    watcher = threading.Thread(target=_watch_kernels, args=(stop, peaks), daemon=True)
    load = os.getloadavg()[0]
    watcher.start()
    started, cpu_started = time.perf_counter(), time.process_time()
    report = build(BuildOptions(project_dir=project, force=force))
    wall = time.perf_counter() - started
    cpu["main"] = time.process_time() - cpu_started
    stop.set()
    watcher.join()
    return {
        "wall": wall,
        "load": load,
        "seconds": report.seconds,
        "main_mb": _status_kb(os.getpid(), "VmHWM:") / 1024,
        "kernel_mb": max((p for p, _ in peaks.values()), default=0) / 1024,
        "kernel_cpu": sum(c for _, c in peaks.values()),
        "kernels": len(peaks),
        "cpu": cpu,
        "sections": len(report.sections),
    }


def _run(project: Path, force: bool) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", str(project), "--force" if force else "--no-force"],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.splitlines()[-1])  # type: ignore[no-any-return]


def _row(size: int, label: str, r: dict[str, object]) -> str:
    seconds, cpu = r["seconds"], r["cpu"]
    assert isinstance(seconds, dict) and isinstance(cpu, dict)
    return (
        f"| {size:,} | {label} | {r['sections']} | {r['wall']:.1f} | "
        f"{seconds.get('check', 0):.1f} | "
        f"{seconds.get('evidence', 0):.1f} ({cpu.get('evidence', 0):.1f}) | "
        f"{seconds.get('execute', 0):.1f} | {cpu['main']:.1f} | {r['kernel_cpu']:.1f} | "
        f"{r['main_mb']:,.0f} | {r['kernel_mb']:,.0f} | {r['load']:.1f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, nargs="+", default=[333_936, 3_339_360, 10_018_080])
    parser.add_argument(
        "--example", type=Path, default=REPO, help="the project to copy (default: the repo's)"
    )
    parser.add_argument("--label", default="this", help="what to call the code under test")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--force", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument(
        "--one-topic", action="store_true", help="after each build, one topic edited and rebuilt"
    )
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it (for reruns)")
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.force)))
        return
    print(f"{platform.node()}: {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(
        "| events | code | sections | wall s | check s | evidence s (CPU) | execute s "
        "| main CPU s | kernels CPU s | main MB | kernel MB | load |"
    )
    print("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for size in args.events:
        with tempfile.TemporaryDirectory(prefix="mdm-scale-", dir=args.keep) as tmp:
            project = Path(tmp)
            for part in ("params", "data"):
                shutil.copytree(args.example / part, project / part)
            events = project / "data" / "activity.parquet"
            rows = replicate(events, project / "data" / "t.parquet", size)
            os.replace(project / "data" / "t.parquet", events)
            print(_row(rows, args.label, _run(project, True)), flush=True)
            if args.one_topic:
                print(_row(rows, "one topic", _run(project, False)), flush=True)


if __name__ == "__main__":
    main()
