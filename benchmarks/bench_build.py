"""Build benchmark: mdm against the pipeline a user would write by hand, in one run.

    .venv/bin/python benchmarks/bench_build.py [--repeat 3] [--by-hand-repeat 1]

Each scenario runs on a fresh temporary copy of the example project (params,
notebooks, data); the repository's own output/ is never touched. Prints a
Markdown table of medians and the ratios the targets are about, and the
floors that bound them.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def fresh_copy(base: Path) -> Path:
    target = Path(tempfile.mkdtemp(prefix="project-", dir=base))
    for part in ("params", "notebooks", "data"):
        shutil.copytree(REPO / part, target / part)
    return target


def run(command: list[str] | str, cwd: Path, shell: bool = False) -> float:
    start = time.perf_counter()
    done = subprocess.run(
        command,
        cwd=cwd,
        shell=shell,
        capture_output=True,
        text=True,
        executable="/bin/bash" if shell else None,
    )
    if done.returncode:
        raise SystemExit(f"benchmark step failed ({done.returncode}): {done.stderr[-1500:]}")
    return time.perf_counter() - start


def by_hand_script(project: Path) -> str:
    """The shell pipeline without mdm: papermill per section, nbconvert, then WeasyPrint."""
    sys.path.insert(0, str(REPO))
    from mdm.project import load_project

    loaded = load_project(project)
    lines = ["set -euo pipefail", "mkdir -p by-hand"]
    for doc in loaded.documents:
        for spec in loaded.sections(doc):
            params = " ".join(f"-p {k} '{v}'" for k, v in spec.parameters.items())
            out = f"by-hand/{doc}-{spec.id}.ipynb"
            lines.append(f"{BIN}/papermill --no-progress-bar {spec.notebook} {out} {params}")
            lines.append(f"{BIN}/jupyter nbconvert --to html --no-input --log-level ERROR {out}")
        lines.append(
            f"{BIN}/python -c \"import glob,re; bodies=[re.search(r'<body[^>]*>(.*)</body>', "
            f"open(f).read(), re.S).group(1) for f in sorted(glob.glob('by-hand/{doc}-*.html'))]; "
            f"open('by-hand/{doc}.html','w').write('<html><body>'+''.join(bodies)+'</body></html>')\""
        )
        lines.append(f"{BIN}/python -m weasyprint by-hand/{doc}.html by-hand/{doc}.pdf")
    return "\n".join(lines)


def median(times: list[float]) -> float:
    return statistics.median(times)


def measure(
    label: str, repeat: int, once: Callable[[], float], results: dict[str, list[float]]
) -> None:
    results[label] = [once() for _ in range(repeat)]
    print(
        f"  {label}: {', '.join(f'{t:.2f}s' for t in results[label])}", file=sys.stderr, flush=True
    )


def floors(base: Path) -> dict[str, float]:
    """What one section costs at least: a kernel, the imports, the CLI start-up, the PDF."""
    out = {}
    out["python -c 'import mdm.cli'"] = min(
        run([str(BIN / "python"), "-c", "import mdm.cli"], base) for _ in range(3)
    )
    code = (
        "import time, jupyter_client as j; t=time.perf_counter(); km, kc = j.manager.start_new_kernel();"
        "t1=time.perf_counter();"
        "kc.execute_interactive('import pandas, matplotlib, mdm.sections', store_history=False);"
        "t2=time.perf_counter(); km.shutdown_kernel(now=True); print(t1-t, t2-t1)"
    )
    done = subprocess.run(
        [str(BIN / "python"), "-c", code], capture_output=True, text=True, check=True
    )
    kernel, imports = map(float, done.stdout.split())
    out["kernel start"] = kernel
    out["imports in a kernel (pandas, matplotlib, mdm.sections)"] = imports
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--by-hand-repeat",
        type=int,
        default=1,
        help="the by-hand pipeline takes minutes; how often to run it",
    )
    args = parser.parse_args()
    mdm = str(BIN / "mdm")
    results: dict[str, list[float]] = {}
    phases: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="mdm-bench-") as name:
        base = Path(name)
        print("measuring (this takes a few minutes)", file=sys.stderr)

        def by_hand() -> float:
            project = fresh_copy(base)
            return run(by_hand_script(project), project, shell=True)

        def cold(jobs: list[str]) -> Callable[[], float]:
            def once() -> float:
                project = fresh_copy(base)
                return run([mdm, "build", "--force", *jobs], project)

            return once

        measure(
            "(a) by hand: papermill loop + nbconvert + WeasyPrint",
            args.by_hand_repeat,
            by_hand,
            results,
        )
        measure("(b) mdm build, cold", args.repeat, cold([]), results)
        warm = fresh_copy(base)
        run([mdm, "build"], warm)
        measure(
            "(c) mdm build, nothing changed",
            args.repeat,
            lambda: run([mdm, "build"], warm),
            results,
        )

        def one_topic() -> float:
            topic = warm / "params/topics/onboarding.yaml"
            topic.write_text(
                topic.read_text(encoding="utf-8") + f"# edit {time.time()}\n", encoding="utf-8"
            )
            return run([mdm, "build"], warm)

        measure("(d) mdm build, one topic's input changed", args.repeat, one_topic, results)
        measure(
            "(e) mdm build --jobs 1, cold", max(1, args.repeat - 1), cold(["--jobs", "1"]), results
        )

        sys.path.insert(0, str(REPO))
        from mdm.build import BuildOptions, build

        report = build(BuildOptions(project_dir=fresh_copy(base), force=True))
        phases = dict(report.seconds)
        floor = floors(base)

    hand, cold_s = (
        median(results["(a) by hand: papermill loop + nbconvert + WeasyPrint"]),
        median(results["(b) mdm build, cold"]),
    )
    print("| scenario | median (s) | runs |\n| --- | ---: | ---: |")
    for label, times in results.items():
        print(f"| {label} | {median(times):.2f} | {len(times)} |")
    print()
    print("| target | measured | target | met |\n| --- | ---: | ---: | --- |")
    nochange = median(results["(c) mdm build, nothing changed"])
    one = median(results["(d) mdm build, one topic's input changed"])
    for what, value, target in [
        ("cold mdm / by hand", cold_s / hand, 0.25),
        ("no-change rebuild (s)", nochange, 0.5),
        ("one-topic change / cold", one / cold_s, 0.2),
    ]:
        print(f"| {what} | {value:.2f} | ≤ {target} | {'yes' if value <= target else 'no'} |")
    print(
        f"\nparallel speed-up (jobs 1 / default): "
        f"{median(results['(e) mdm build --jobs 1, cold']) / cold_s:.2f}×"
    )
    print("\nphases of one cold build (s): " + ", ".join(f"{k} {v:.2f}" for k, v in phases.items()))
    print("floors (s): " + ", ".join(f"{k} {v:.2f}" for k, v in floor.items()))
    cpu = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        ),
        platform.processor(),
    )
    versions = ", ".join(
        f"{p} {metadata.version(p)}" for p in ("papermill", "nbconvert", "weasyprint", "pandas")
    )
    print(
        f"\nmachine: {os.cpu_count()} cores, {cpu}, Python {platform.python_version()}; {versions}"
    )


if __name__ == "__main__":
    main()
