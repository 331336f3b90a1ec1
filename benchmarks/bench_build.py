"""Build benchmark: ``mdm build`` against the pipeline a user would write by hand, in one run.

    .venv/bin/python benchmarks/bench_build.py [--repeat 3] [--slow-repeat 1] [--jobs N] [--ref REV]

Every scenario runs on a fresh temporary copy of the example project (params/, notebooks/,
data/); the repository's own output/ is never written.

(a) by hand: a ``bash -c`` script that runs the papermill CLI once per section (a shell loop
    over the topics), ``jupyter nbconvert --to html --no-input`` on the executed notebooks, a
    Python one-liner that concatenates their bodies, and the ``weasyprint`` CLI;
(b) ``mdm build --force`` with no output/ (cold);
(c) ``mdm build`` right after (b): nothing changed;
(d) a sentence appended to one topic's ``summary``, then ``mdm build``;
(e) ``mdm build --force --jobs 1``, cold: the parallel speed-up;
(f) ``mdm build --force --fresh-kernels``, cold: what the warm kernels save;
(g) ``mdm build --format html`` after another summary edit: an editing build without PDFs;
(p) ``mdm preview TOPIC --watch`` running, a sentence appended to the topic's summary: the
    seconds from saving the file until the served page's ``/version`` changes.

Scenarios are timed as whole commands (wall clock) and interleaved round by round, so that a
change in machine load touches every scenario alike; the CPU seconds of each command (its
process tree) and the load average when it started are reported beside, as CPU seconds do not
grow with load. (a), (e) and (f) take minutes each on two cores, so they run in the first
``--slow-repeat`` rounds only (default 1); (b), (c), (d), (g) and (p) run in all ``--repeat``
rounds (p: three edits a round).

Then three builds in-process (cold, no change, one topic) give the time of each phase, and
the floors that bound the targets are measured one by one: interpreter and CLI start-up, one
kernel with pandas and matplotlib imported and two topics run in it, one papermill run,
nbconvert once, WeasyPrint alone, the privacy guard. Results go to stdout as Markdown,
progress to stderr.

mdm's code, its notebooks and the example project are snapshotted first (the working tree,
or ``--ref REV`` from git) and run from the snapshot, so that files edited elsewhere while
the benchmark runs change neither the code measured nor the cache keys between scenarios.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mdm.params.project import SectionSpec

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PROJECT_PARTS = ("params", "notebooks", "data")
EDITED_TOPIC = "onboarding"
VERSIONS = ("papermill", "nbclient", "nbconvert", "ipykernel", "weasyprint", "pandas", "matplotlib")

SCENARIOS = {
    "a": "(a) by hand: papermill loop + nbconvert + WeasyPrint",
    "b": "(b) `mdm build --force`, cold",
    "c": "(c) `mdm build`, nothing changed",
    "d": "(d) `mdm build`, one topic's params changed",
    "e": "(e) `mdm build --force --jobs 1`, cold",
    "f": "(f) `mdm build --force --fresh-kernels`, cold",
    "g": "(g) `mdm build --format html`, one topic's params changed",
    "p": "(p) `mdm preview TOPIC --watch`: params saved → page rebuilt",
}
TARGETS = (
    ("cold mdm / by hand", 0.25),
    ("no-change rebuild (s)", 0.3),
    ("one-topic change / cold", 0.2),
    ("preview after a params edit (s)", 1.5),
    ("preview after a params edit / by hand", 0.04),
)


# -- running and timing ---------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    """One command: wall-clock seconds, CPU seconds of its process tree, load when it started."""

    wall: float
    cpu: float
    load: float


def load_average() -> float:
    """The 1-minute load average: how many processes wanted a core."""
    return float(Path("/proc/loadavg").read_text(encoding="utf-8").split()[0])


def timed(
    command: Sequence[str], cwd: Path, *, check: Callable[[str, str], str | None] | None = None
) -> tuple[Timing, str]:
    """Run ``command``, fail loudly on a non-zero exit or a failed ``check(stdout, stderr)``."""
    load = load_average()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(list(command), cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    shown = " ".join(command) if len(" ".join(command)) < 120 else f"{command[0]} ..."
    if done.returncode:
        raise SystemExit(f"{shown}: exit {done.returncode}\n{done.stderr[-2000:]}")
    problem = check(done.stdout, done.stderr) if check else None
    if problem:
        raise SystemExit(
            f"{shown}: {problem}\nstdout: {done.stdout}\nstderr: {done.stderr[-2000:]}"
        )
    return Timing(wall, cpu, load), done.stdout


def python(code: str, cwd: Path, *args: str) -> tuple[Timing, str]:
    return timed([str(BIN / "python"), "-c", code, *args], cwd)


def median(values: Sequence[float]) -> float:
    """The median; NaN for a scenario that did not run (``--slow-repeat 0``)."""
    return statistics.median(values) if values else math.nan


# -- the project under test -----------------------------------------------------------------


def snapshot(base: Path, ref: str | None) -> Path:
    """mdm's package, its notebooks and the example project, frozen for the whole run."""
    src = base / "src"
    src.mkdir()
    parts = ["mdm", *PROJECT_PARTS]
    if ref:
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", ref, "--", *parts], capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(src)], input=archive, check=True)
    else:
        for part in parts:
            if (REPO / part).is_dir():
                shutil.copytree(
                    REPO / part, src / part, ignore=shutil.ignore_patterns("__pycache__")
                )
    return src


def fresh_copy(src: Path, base: Path) -> Path:
    """A new project folder with no output/: what a cold build starts from."""
    target = Path(tempfile.mkdtemp(prefix="project-", dir=base))
    for part in PROJECT_PARTS:
        if (src / part).is_dir():
            shutil.copytree(src / part, target / part)
    return target


def edit_topic(project: Path, count: int) -> None:
    """Append a sentence to a topic's ``summary`` (adding the key if missing), as an author would."""
    import yaml

    path = project / "params" / "topics" / f"{EDITED_TOPIC}.yaml"
    text = path.read_text(encoding="utf-8")
    old = yaml.safe_load(text).get("summary")
    sentence = f"Benchmark edit number {count}."
    wanted = f"{old.rstrip()} {sentence}" if old else sentence
    lines = text.splitlines()
    start = next((i for i, ln in enumerate(lines) if ln.startswith("summary:")), None)
    if start is None:
        lines.append(f"summary: {json.dumps(wanted)}")  # a JSON string is a YAML scalar
    else:
        end = start + 1  # the value may be a block scalar: indented or blank lines that follow
        while end < len(lines) and (not lines[end].strip() or lines[end][0] in " \t"):
            end += 1
        lines[start:end] = [f"summary: {json.dumps(wanted)}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    if yaml.safe_load(path.read_text(encoding="utf-8")).get("summary") != wanted:
        raise SystemExit(f"{path}: the summary edit did not give the expected YAML")


# -- (a) the by-hand pipeline ---------------------------------------------------------------

CONCATENATE = (
    "import glob, re, sys; d = sys.argv[1]; "
    'bodies = [re.search(r"<body[^>]*>(.*)</body>", open(f).read(), re.S).group(1) '
    'for f in sorted(glob.glob(d + "/*.html"))]; '
    'open(d + ".html", "w").write("<!doctype html><html><body>" + "".join(bodies) + "</body></html>")'
)


def by_hand_script(project: Path) -> str:
    """The bash script a user would type without mdm, for every document of the project."""
    from mdm.params.project import load_project

    loaded = load_project(project)

    def shown(notebook: Path) -> str:
        inside = notebook.is_relative_to(project)
        return shlex.quote(str(notebook.relative_to(project) if inside else notebook))

    def options(parameters: dict[str, str], loop: bool = False) -> str:
        return " ".join(
            f'-p {k} "$topic"' if loop and k == "topic" else f"-p {k} {shlex.quote(v)}"
            for k, v in parameters.items()
        )

    lines = ["set -euo pipefail"]
    for doc in loaded.documents:
        specs = loaded.sections(doc)
        lines += [f"# {doc}", f"mkdir -p by-hand/{doc}"]
        index = 0
        while index < len(specs):
            spec = specs[index]
            if "topic" not in spec.parameters:
                out = f"by-hand/{doc}/{index:02d}-{spec.id}.ipynb"
                lines.append(
                    f"papermill {shown(spec.notebook)} {out} {options(spec.parameters)}".rstrip()
                )
                index += 1
                continue
            run = [spec]
            while index + len(run) < len(specs) and "topic" in specs[index + len(run)].parameters:
                run.append(specs[index + len(run)])
            topics = " ".join(shlex.quote(s.parameters["topic"]) for s in run)
            lines += [
                f"n={index}",
                f"for topic in {topics}; do",
                f'  papermill {shown(spec.notebook)} "by-hand/{doc}/$(printf %02d $n)-$topic.ipynb" '
                f"{options(spec.parameters, loop=True)}",
                "  n=$((n + 1))",
                "done",
            ]
            index += len(run)
        lines += [
            f"jupyter nbconvert --to html --no-input by-hand/{doc}/*.ipynb",
            f"python -c {shlex.quote(CONCATENATE)} by-hand/{doc}",
            f"weasyprint by-hand/{doc}.html by-hand/{doc}.pdf",
        ]
    return "\n".join(lines) + "\n"


# -- the scenarios --------------------------------------------------------------------------


def documents(src: Path) -> list[str]:
    from mdm.params.project import load_project

    return list(load_project(src).documents)


def wrote_all(docs: Sequence[str]) -> Callable[[str, str], str | None]:
    def check(stdout: str, stderr: str) -> str | None:
        written = {Path(line).name for line in stdout.split()}
        missing = [
            f"{d}.{ext}" for d in docs for ext in ("html", "pdf") if f"{d}.{ext}" not in written
        ]
        return f"expected {', '.join(missing)} written" if missing else None

    return check


def up_to_date(docs: Sequence[str]) -> Callable[[str, str], str | None]:
    def check(stdout: str, stderr: str) -> str | None:
        if stdout.strip() or stderr.count("up to date") < len(docs):
            return "expected every document up to date and nothing written"
        return None

    return check


@dataclass
class Rounds:
    """Every timing of every scenario, in the order measured."""

    timings: dict[str, list[Timing]] = field(default_factory=lambda: {k: [] for k in SCENARIOS})
    script: str = ""  # the by-hand script as run, the project folder shown as $PWD

    def add(self, key: str, timing: Timing) -> None:
        self.timings[key].append(timing)
        print(
            f"  {SCENARIOS[key]}: {timing.wall:.2f} s (CPU {timing.cpu:.2f} s, load {timing.load})",
            file=sys.stderr,
            flush=True,
        )

    def wall(self, key: str) -> float:
        return median([t.wall for t in self.timings[key]])

    def cpu(self, key: str) -> float:
        return median([t.cpu for t in self.timings[key]])

    def shown(self, key: str, value: Callable[[Timing], float]) -> str:
        return ", ".join(f"{value(t):.2f} ({t.load:.1f})" for t in self.timings[key])


def by_hand(src: Path, base: Path, docs: Sequence[str]) -> tuple[Timing, str]:
    """(a): the script, run as ``bash -c`` in a fresh copy; returns its timing and text."""
    project = fresh_copy(src, base)
    script = by_hand_script(project)
    timing, _ = timed(["bash", "-c", script], project)
    missing = [d for d in docs if not (project / "by-hand" / f"{d}.pdf").stat().st_size]
    if missing:
        raise SystemExit(f"by-hand pipeline wrote no PDF for {', '.join(missing)}")
    return timing, script.replace(str(project), "$PWD")


def preview_edits(src: Path, base: Path, rounds: Rounds, edits: int = 3) -> None:
    """(p): a watching preview; each edit timed from the save until the page's version changes."""
    import re
    import urllib.request

    project = fresh_copy(src, base)
    command = [str(BIN / "mdm"), "preview", EDITED_TOPIC, "--watch"]
    proc = subprocess.Popen(command, cwd=project, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        match = re.search(r"serving (\S+)", proc.stdout.readline())
        if not match:
            raise SystemExit("mdm preview --watch: no URL printed")
        url = match.group(1) + "version"
        proc.stdout.readline()  # the first preview is built

        def version() -> str:
            with urllib.request.urlopen(url, timeout=10) as response:
                return str(response.read().decode())

        for number in range(edits):
            time.sleep(1)  # an author does not save twice within a second
            before, load = version(), load_average()
            start = time.perf_counter()
            edit_topic(project, 100 + len(rounds.timings["p"]) + number)
            deadline = start + 120
            while version() == before:
                if time.perf_counter() > deadline:
                    raise SystemExit("mdm preview --watch: not rebuilt within 120 s")
                time.sleep(0.02)
            rounds.add("p", Timing(time.perf_counter() - start, float("nan"), load))
    finally:
        # SIGTERM, not SIGINT: a benchmark started in the background has SIGINT ignored,
        # and its children inherit that; mdm stops on SIGTERM as on Ctrl-C
        proc.terminate()
        proc.communicate(timeout=60)


def one_round(
    src: Path, base: Path, docs: Sequence[str], jobs: list[str], slow: bool, rounds: Rounds
) -> None:
    mdm = str(BIN / "mdm")
    if slow:
        timing, rounds.script = by_hand(src, base, docs)
        rounds.add("a", timing)

    project = fresh_copy(src, base)
    rounds.add("b", timed([mdm, "build", "--force", *jobs], project, check=wrote_all(docs))[0])
    rounds.add("c", timed([mdm, "build", *jobs], project, check=up_to_date(docs))[0])
    edit_topic(project, len(rounds.timings["d"]) + 1)
    rounds.add("d", timed([mdm, "build", *jobs], project, check=wrote_all(docs))[0])
    edit_topic(project, len(rounds.timings["d"]) + 50)
    rounds.add("g", timed([mdm, "build", "--format", "html", *jobs], project)[0])
    preview_edits(src, base, rounds)

    if slow:
        project = fresh_copy(src, base)
        cold = [mdm, "build", "--force", "--jobs", "1"]
        rounds.add("e", timed(cold, project, check=wrote_all(docs))[0])
        project = fresh_copy(src, base)
        fresh = [mdm, "build", "--force", "--fresh-kernels", *jobs]
        rounds.add("f", timed(fresh, project, check=wrote_all(docs))[0])


# -- inside one build -----------------------------------------------------------------------


@dataclass
class Phases:
    """``BuildReport.seconds`` of a cold, a no-change and a one-topic build, in-process."""

    cold: dict[str, float]
    nochange: dict[str, float]
    one_topic: dict[str, float]
    sections: dict[str, float]  # seconds of each section of the cold build
    rerun: list[str]  # sections the one-topic build ran again
    project: Path


def phases(src: Path, base: Path, jobs: int | None) -> Phases:
    from mdm.build.pipeline import BuildOptions, build

    project = fresh_copy(src, base)
    options = BuildOptions(project_dir=project, jobs=jobs)
    cold = build(BuildOptions(project_dir=project, jobs=jobs, force=True))
    nochange = build(options)
    edit_topic(project, 0)
    one = build(options)
    return Phases(
        cold.seconds,
        nochange.seconds,
        one.seconds,
        {f"{r.spec.document}/{r.spec.id}": r.seconds for r in cold.sections},
        [f"{r.spec.document}/{r.spec.id}" for r in one.sections if not r.cached],
        project,
    )


# -- floors ---------------------------------------------------------------------------------

KERNEL_OVERHEAD = (
    "kernel start (start_new_kernel until ready)",
    "in that kernel: import pandas + matplotlib (figure, agg)",
    "in that kernel: then `from mdm.report import sections`",
    "kernel shutdown",
)
FIRST_TOPIC = "in that kernel: a topic notebook's cells, first topic"
SECOND_TOPIC = "in the same kernel: the same cells, second topic"


KERNEL = """
import json, sys, time
from jupyter_client.manager import start_new_kernel
start = time.perf_counter()
km, kc = start_new_kernel(kernel_name="python3")
times = {"kernel start (start_new_kernel until ready)": time.perf_counter() - start}
for label, code in json.loads(sys.argv[1]):
    start = time.perf_counter()
    reply = kc.execute_interactive(code, store_history=False, timeout=300, output_hook=lambda msg: None)
    assert reply["content"]["status"] == "ok", reply["content"]
    times[label] = time.perf_counter() - start
start = time.perf_counter()
kc.stop_channels()
km.shutdown_kernel(now=True)
times["kernel shutdown"] = time.perf_counter() - start
print(json.dumps(times))
"""

PAPERMILL_API = """
import json, sys, time
import papermill
times = []
for i in range(3):
    start = time.perf_counter()
    papermill.execute_notebook(sys.argv[1], f"{sys.argv[2]}-{i}.ipynb", parameters={"x": 2},
                               progress_bar=False, log_output=False)
    times.append(time.perf_counter() - start)
print(json.dumps(times))
"""

WEASYPRINT = """
import json, sys, time
start = time.perf_counter()
import weasyprint
times = {"import weasyprint": time.perf_counter() - start}
for name in sys.argv[1:]:
    start = time.perf_counter()
    weasyprint.HTML(filename=name).write_pdf(name + ".pdf")
    times[name] = time.perf_counter() - start
print(json.dumps(times))
"""


GUARD = """
import json, sys, time
from pathlib import Path
start = time.perf_counter()
from mdm.build.privacy import check_exports
from mdm.params.project import load_project
project = load_project(sys.argv[1])
times = {"import and load": time.perf_counter() - start}
for doc in sys.argv[2:]:
    start = time.perf_counter()
    products = [project.output / f"{doc}.html", project.output / f"{doc}.pdf"]
    check_exports(project, project.document(doc).audience, products)
    times[doc] = time.perf_counter() - start
print(json.dumps(times))
"""


def preview_parts(project: Path) -> dict[str, float]:
    """In-process: a warm preview rebuilt after summary edits, and the ``check()`` inside it."""
    from mdm.build.check import check
    from mdm.build.preview import Previewer

    previewer = Previewer(project, EDITED_TOPIC)
    times: dict[str, list[float]] = {"check": [], "build": []}
    try:
        previewer.build()
        for number in range(3):
            edit_topic(project, 200 + number)
            start = time.perf_counter()
            check(project)
            times["check"].append(time.perf_counter() - start)
            start = time.perf_counter()
            previewer.build()
            times["build"].append(time.perf_counter() - start)
    finally:
        previewer.close()
    return {k: median(v) for k, v in times.items()}


def kernel_steps(project: Path, doc: str) -> list[tuple[str, str]]:
    """What a section's kernel does, step by step; two topics show what a warm kernel saves."""
    import nbformat

    from mdm.params.project import load_project

    topics = [s for s in load_project(project).sections(doc) if "topic" in s.parameters][:2]
    cells = nbformat.read(topics[0].notebook, as_version=4).cells
    code = "\n".join(
        c.source
        for c in cells
        if c.cell_type == "code" and "parameters" not in c.metadata.get("tags", [])
    )

    def section(spec: SectionSpec) -> str:
        assigned = "".join(f"{k} = {v!r}\n" for k, v in spec.parameters.items())
        return assigned + code

    return [
        (
            KERNEL_OVERHEAD[1],
            "import pandas, matplotlib, matplotlib.figure, matplotlib.backends.backend_agg",
        ),
        (KERNEL_OVERHEAD[2], "from mdm.report import sections"),
        (FIRST_TOPIC, section(topics[0])),
        (SECOND_TOPIC, section(topics[1])),
    ]


def trivial_notebook(path: Path) -> None:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    parameters = nbformat.v4.new_code_cell("x = 1")
    parameters.metadata["tags"] = ["parameters"]
    nb.cells = [parameters, nbformat.v4.new_code_cell("x + 1")]
    nbformat.write(nb, path)


def floors(base: Path, built: Path, docs: Sequence[str], repeat: int) -> dict[str, float]:
    """What the targets cannot go below with the current design, one measurement each."""

    def typical(run: Callable[[], float]) -> float:
        return median([run() for _ in range(max(3, repeat))])

    out: dict[str, float] = {}
    steps = json.dumps(kernel_steps(built, docs[0]))
    out["`python -c pass`"] = typical(lambda: python("pass", base)[0].wall)
    out["`python -c 'import mdm.cli'`"] = typical(lambda: python("import mdm.cli", base)[0].wall)
    out["`python -c` imports of a no-change build (mdm.build.pipeline, .progress, .reviews, .cache)"] = (
        typical(
            lambda: python("import mdm.build.pipeline, mdm.build.progress, mdm.params.reviews, mdm.build.cache", base)[0].wall
        )
    )
    out["`python -c 'import papermill'` (a build that runs a section pays it)"] = typical(
        lambda: python("import papermill", base)[0].wall
    )
    out["`mdm --version`"] = typical(lambda: timed([str(BIN / "mdm"), "--version"], base)[0].wall)

    runs = [json.loads(python(KERNEL, base, steps)[1]) for _ in range(max(3, repeat))]
    out.update((what, median([r[what] for r in runs])) for what in runs[0])

    notebook = base / "trivial.ipynb"
    trivial_notebook(notebook)
    out["papermill CLI, trivial notebook (start-up + one kernel)"] = typical(
        lambda: (
            timed(
                [
                    str(BIN / "papermill"),
                    str(notebook),
                    str(base / "trivial-out.ipynb"),
                    "-p",
                    "x",
                    "2",
                ],
                base,
            )[0].wall
        )
    )
    api = json.loads(python(PAPERMILL_API, base, str(notebook), str(base / "api-out"))[1])
    out["papermill.execute_notebook, trivial notebook, in a running process"] = median(api)

    executed = built / "output" / "notebooks" / docs[0]
    topic = sorted(executed.glob("topic-*.ipynb"))[0]
    copy = base / "nbconvert-input.ipynb"
    shutil.copyfile(topic, copy)
    out["`jupyter nbconvert --to html --no-input`, one topic notebook"] = typical(
        lambda: (
            timed(
                [str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(copy)], base
            )[0].wall
        )
    )

    htmls = [base / f"{d}.html" for d in docs]
    for doc, html in zip(docs, htmls, strict=True):
        shutil.copyfile(built / "output" / f"{doc}.html", html)
    out[f"`weasyprint` CLI on the built {docs[0]}.html"] = typical(
        lambda: timed([str(BIN / "weasyprint"), str(htmls[0]), str(base / "cli.pdf")], base)[0].wall
    )
    pdf = json.loads(python(WEASYPRINT, base, *map(str, htmls))[1])
    out["WeasyPrint in-process: import"] = pdf.pop("import weasyprint")
    for doc, html in zip(docs, htmls, strict=True):
        out[f"WeasyPrint in-process: {doc}.html to PDF"] = pdf[str(html)]
    parts = preview_parts(built)
    out["in-process `check()` (load and validate params, reviews, notebooks)"] = parts["check"]
    out["in-process warm `Previewer.build()` after an edit (check + section + page)"] = parts[
        "build"
    ]
    guard = json.loads(python(GUARD, base, str(built), *docs)[1])
    for doc in docs:
        out[f"privacy guard in-process (`check_exports`, reads the PDF): {doc}"] = guard[doc]
    return out


# -- the report -----------------------------------------------------------------------------


def machine() -> dict[str, str]:
    info = Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines()
    cpu = next((ln.split(":", 1)[1].strip() for ln in info if ln.startswith("model name")), "?")
    mem = next(
        (
            ln.split()[1]
            for ln in Path("/proc/meminfo").read_text().splitlines()
            if ln.startswith("MemTotal")
        ),
        "0",
    )
    revision = subprocess.run(
        ["git", "-C", str(REPO), "describe", "--always", "--dirty"], capture_output=True, text=True
    ).stdout.strip()
    return {
        "cores (nproc)": str(len(os.sched_getaffinity(0))),
        "CPU": cpu,
        "RAM": f"{int(mem) / 1024 / 1024:.1f} GiB",
        "OS": platform.platform(),
        "Python": platform.python_version(),
        "versions": ", ".join(f"{p} {metadata.version(p)}" for p in VERSIONS),
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "repository": revision,
    }


def report(
    rounds: Rounds,
    inside: Phases,
    floor: dict[str, float],
    about: dict[str, str],
    load: tuple[str, str],
    args: argparse.Namespace,
) -> str:
    jobs = args.jobs or len(os.sched_getaffinity(0))
    out = [f"## Scenarios (jobs = {jobs} unless stated; medians)", ""]
    out += [
        "| scenario | wall s | runs: wall s (load at start) | CPU s |",
        "| --- | ---: | --- | ---: |",
    ]
    for key, label in SCENARIOS.items():
        runs = rounds.shown(key, lambda t: t.wall)
        cpu = "–" if key == "p" else f"{rounds.cpu(key):.2f}"
        out.append(f"| {label} | {rounds.wall(key):.2f} | {runs} | {cpu} |")
    hand, cold = rounds.wall("a"), rounds.wall("b")
    values = (
        cold / hand,
        rounds.wall("c"),
        rounds.wall("d") / cold,
        rounds.wall("p"),
        rounds.wall("p") / hand,
    )
    out += ["", "| target | measured | target | met |", "| --- | ---: | ---: | --- |"]
    for (what, target), value in zip(TARGETS, values, strict=True):
        met = "yes" if value <= target else "**no**"
        out.append(f"| {what} | {value:.3f} | ≤ {target} | {met} |")
    out.append(f"| parallel speed-up: (e) / (b) | {rounds.wall('e') / cold:.2f}× | | |")
    out.append(f"| warm kernels' speed-up: (f) / (b) | {rounds.wall('f') / cold:.2f}× | | |")
    out.append(f"| HTML-only editing build / cold: (g) / (b) | {rounds.wall('g') / cold:.3f} | | |")

    out += ["", "## Phases inside one build (in-process `mdm.build.pipeline.build`, seconds)", ""]
    names = list(dict.fromkeys([*inside.cold, *inside.one_topic, *inside.nochange]))
    out += [
        "| phase | cold (--force) | no change | one topic changed |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name in names:
        cells = [
            f"{d[name]:.2f}" if name in d else "–"
            for d in (inside.cold, inside.nochange, inside.one_topic)
        ]
        out.append(f"| {name} | {' | '.join(cells)} |")
    rest = [
        f"{d['total'] - d.get('check', 0) - d.get('sections', 0):.2f}" if "sections" in d else "–"
        for d in (inside.cold, inside.nochange, inside.one_topic)
    ]
    out.append(f"| (after the last document: manifest, publish) | {' | '.join(rest)} |")
    secs = list(inside.sections.values())
    out += [
        "",
        "`execute` ends when the last section is done, `sections` when the last document is "
        "assembled; the first document's HTML, PDF and privacy guard run inside `execute`, "
        "beside the other document's sections.",
        "",
        f"Sections of the cold build: {len(secs)}, each {min(secs):.2f}–{max(secs):.2f} s "
        f"(median {median(secs):.2f}), sum {sum(secs):.2f} s over {jobs} kernels at a time. "
        f"The one-topic change ran {len(inside.rerun)} sections again: {', '.join(inside.rerun)}.",
    ]

    out += ["", "## Floors (median of at least 3, seconds)", "", "| what | s |", "| --- | ---: |"]
    out += [f"| {what} | {value:.2f} |" for what, value in floor.items()]
    kernel = sum(floor[k] for k in KERNEL_OVERHEAD)
    pdf = sum(v for k, v in inside.cold.items() if k.endswith(".pdf"))
    guard = sum(v for k, v in inside.cold.items() if k.endswith(" privacy"))
    out += [
        "",
        "## What bounds the targets (from the numbers above)",
        "",
        f"- A fresh kernel costs {kernel:.2f} s before a section's own work (start, imports, "
        f"shutdown); warm kernels pay it {jobs} times per build instead of {len(secs)}, "
        f"(f) − (b) = {rounds.wall('f') - cold:.2f} s saved. The sections' own work in the "
        f"warm cold build: {sum(secs):.2f} s of kernel time, {sum(secs) / jobs:.2f} s per kernel.",
        f"- In one kernel, a topic notebook's cells took {floor[FIRST_TOPIC]:.2f} s for the first "
        f"topic and {floor[SECOND_TOPIC]:.2f} s for a second one.",
        f"- PDFs: {pdf:.2f} s and privacy guard {guard:.2f} s in a cold build; a one-topic "
        f"change reprints and re-guards every document the topic appears in.",
        f"- A no-change build in-process: {inside.nochange['total']:.2f} s; the rest of (c) is "
        f"interpreter start-up and imports (see the floors).",
    ]

    out += ["", "## Machine", ""]
    out += [f"- {k}: {v}" for k, v in about.items()]
    out.append(f"- load average (1, 5, 15 min) at start: {load[0]}; at end: {load[1]}")
    out.append(f"- code measured: {args.ref or 'working tree'} (snapshot taken at the start)")
    out += ["", "## The by-hand script (a), as run", "", "```sh", rounds.script.rstrip(), "```"]
    return "\n".join(out) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repeat", type=int, default=3, help="rounds of every scenario (default 3)"
    )
    parser.add_argument(
        "--slow-repeat",
        type=int,
        default=1,
        help="rounds that also run (a) and (e), minutes each (default 1)",
    )
    parser.add_argument(
        "--jobs", type=int, default=None, help="--jobs for (b), (c), (d) (default: mdm's, = cores)"
    )
    parser.add_argument(
        "--ref",
        default=None,
        help="measure this git revision's mdm and project (default: working tree)",
    )
    args = parser.parse_args()
    jobs = ["--jobs", str(args.jobs)] if args.jobs else []
    loadavg = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    with tempfile.TemporaryDirectory(prefix="mdm-bench-") as name:
        base = Path(name)
        src = snapshot(base, args.ref)
        # the snapshot, not the editable install, is what the CLI, the kernels and we import
        os.environ["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(src), os.environ.get("PYTHONPATH")])
        )
        os.environ["PATH"] = os.pathsep.join([str(BIN), os.environ.get("PATH", "")])
        sys.path.insert(0, str(src))
        docs = documents(src)
        rounds = Rounds()
        for number in range(1, args.repeat + 1):
            print(f"round {number} of {args.repeat}", file=sys.stderr, flush=True)
            one_round(src, base, docs, jobs, number <= args.slow_repeat, rounds)
        print("phases of one build, in-process", file=sys.stderr, flush=True)
        inside = phases(src, base, args.jobs)
        print("floors", file=sys.stderr, flush=True)
        floor = floors(base, inside.project, docs, args.repeat)
        end = " ".join(Path("/proc/loadavg").read_text().split()[:3])
        print(report(rounds, inside, floor, machine(), (loadavg, end), args))


if __name__ == "__main__":
    main()
