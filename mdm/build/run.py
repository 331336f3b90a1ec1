"""Execute section notebooks with papermill, several at a time, in warm kernels.

Each section is one papermill run. Runs are independent, so worker threads
take them from a queue, one kernel per worker (the kernels are separate
processes; the threads only wait on them). A worker keeps its kernel across
sections (:mod:`mdm.build.kernels`). A document is handed out as soon as its
last section is done, so it can be assembled while the next one's sections
still run; results always come in the order of ``specs``.
"""

from __future__ import annotations

import ast
import contextlib
import json
import os
import queue
import shutil
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from mdm.build.cache import KEY_FIELD, read_key, section_key
from mdm.build.inprocess import evidence_store, execute_here, prepare, runs_here
from mdm.build.kernels import ENGINE, Seat, register_engine, running
from mdm.build.options import DEFAULT_CELL_TIMEOUT
from mdm.errors import BuildError, CellTimeoutError, KernelDiedError, NotebookError
from mdm.params.project import SectionSpec

__all__ = [
    "RunOptions",
    "SectionResult",
    "SectionRun",
    "check_parameters",
    "declared_parameters",
    "default_jobs",
    "execute_sections",
    "run_section",
]


@dataclass(frozen=True)
class SectionResult:
    """An executed section notebook, how long it took, and whether it was reused."""

    spec: SectionSpec
    path: Path
    seconds: float
    cached: bool = False


class Events(Protocol):
    """What a progress display hears about section runs (called from worker threads)."""

    def planned(self, count: int) -> None: ...

    def started(self, spec: SectionSpec) -> None: ...

    def finished(self, result: SectionResult) -> None: ...


def default_jobs() -> int:
    """One kernel per available core."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _shown(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def declared_parameters(notebook: Path, shown: str) -> list[str] | None:
    """Names assigned in the cell tagged ``parameters``; None when there is no such cell.

    Read with ``ast`` rather than papermill so that checking starts no kernel and
    imports nothing heavy.
    """
    try:
        nb = json.loads(notebook.read_text(encoding="utf-8"))
        cells = nb["cells"]
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise NotebookError(f"cannot read notebook: {err}", path=shown) from err
    for index, cell in enumerate(cells):
        if cell.get("cell_type") == "code" and "parameters" in cell.get("metadata", {}).get(
            "tags", []
        ):
            source = cell.get("source", "")
            source = "".join(source) if isinstance(source, list) else source
            try:
                tree = ast.parse(source)
            except SyntaxError as err:
                raise NotebookError(
                    f"parameters cell is not valid Python: {err.msg} (line {err.lineno})",
                    path=shown,
                    field=f"cell {index + 1}",
                ) from err
            names = []
            for node in tree.body:
                targets = (
                    node.targets
                    if isinstance(node, ast.Assign)
                    else ([node.target] if isinstance(node, ast.AnnAssign) else [])
                )
                names += [t.id for t in targets if isinstance(t, ast.Name)]
            return names
    return None


def check_parameters(spec: SectionSpec, root: Path) -> None:
    """Refuse a notebook without a ``parameters`` cell or one that lacks a parameter we pass.

    papermill only warns about unknown parameters; a silently ignored value
    would render the wrong section, so here it is an error.
    """
    shown = _shown(spec.notebook, root)
    declared = declared_parameters(spec.notebook, shown)
    if declared is None:
        raise NotebookError(
            f"expected a cell tagged 'parameters' declaring {', '.join(spec.parameters)}, "
            "found none",
            path=shown,
        )
    unknown = [name for name in spec.parameters if name not in declared]
    if unknown:
        raise NotebookError(
            f"section {spec.id} passes {', '.join(unknown)}, "
            f"but the parameters cell declares only {', '.join(declared)}",
            path=shown,
            field="parameters",
        )


def _failure(spec: SectionSpec, shown: str, kernel_log: Path, err: Exception) -> NotebookError:
    """The one-line error for a section whose kernel died, timed out or would not start."""
    from nbclient.exceptions import CellTimeoutError as Timeout
    from nbclient.exceptions import DeadKernelError

    cell: int | None = None
    first_line: str | None = None
    if running.current_cell is not None:
        index, source = running.current_cell
        first_line = next((ln for ln in source.splitlines() if ln.strip()), "").strip()[:60]
        # the index counts papermill's injected cell, which precedes any cell an author wrote
        # after the parameters cell: so it equals the 1-based position the author sees
        cell = max(index, 1)

    def failed(kind: type[NotebookError], message: str) -> NotebookError:
        section = f"{spec.id} ({spec.document})"
        return kind(message, path=shown, field=first_line, cell=cell, section=section)

    if isinstance(err, Timeout):
        return failed(
            CellTimeoutError,
            "cell ran longer than the timeout; raise --timeout or make the cell faster",
        )
    if isinstance(err, DeadKernelError):
        text = (
            kernel_log.read_text(encoding="utf-8", errors="replace") if kernel_log.exists() else ""
        )
        log = [
            line
            for line in text.splitlines()
            if line.strip() and "running over TCP without encryption" not in line
        ]
        last = f"; kernel's last words: {log[-1][:120]}" if log else ""
        return failed(KernelDiedError, f"the kernel died{last} (kernel log: {kernel_log.name})")
    message = str(err).strip().splitlines()[0] if str(err).strip() else ""
    raised = f"{type(err).__name__}: {message}"  # the exception as Python prints it
    return failed(NotebookError, f"{raised} (kernel log: {kernel_log.name})")


def _author_position(executed: Path, index: int) -> int:
    """1-based position of cell ``index`` as the author sees it, without papermill's injected cell."""
    import nbformat

    cells = nbformat.read(executed, as_version=4).cells[: index + 1]
    return sum("injected-parameters" not in c.metadata.get("tags", []) for c in cells)


def _close_thread_loop() -> None:
    # jupyter_core keeps one event loop per thread for nbclient; a worker thread
    # ends with the run, so close its loop here rather than leak it
    from jupyter_core.utils import ensure_event_loop

    loop = ensure_event_loop()
    if not loop.is_running():
        loop.close()


@dataclass(frozen=True)
class _Job:
    index: int
    spec: SectionSpec
    target: Path
    key: str


def _execute(
    job: _Job, root: Path, timeout: int, seat: Seat, events: Events | None
) -> SectionResult:
    """Run one section in the seat's kernel; on a fault the kernel is replaced, the error raised."""
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    spec, target = job.spec, job.target
    if events:
        events.started(spec)
    start = time.perf_counter()
    target.parent.mkdir(parents=True, exist_ok=True)
    shown = _shown(spec.notebook, root)
    try:
        nb = papermill.execute_notebook(
            str(spec.notebook),
            str(target),
            parameters=spec.parameters,
            engine_name=ENGINE,
            progress_bar=False,
            request_save_on_cell_execute=False,
            # not papermill's cwd=: it chdirs the whole process, which races between the
            # threads and can leave the build inside a folder that is later deleted; the
            # kernel starts in the project and each reset goes back there
            execution_timeout=timeout,
            seat=seat,
            kernel_log=target.with_suffix(".kernel.log"),
        )
    except PapermillExecutionError as err:
        seat.section_done(failed=False)  # the cell failed, the kernel is fine
        first_line = next((ln for ln in err.source.splitlines() if ln.strip()), "")
        raised = f"{err.ename}: {err.evalue}"  # the exception as Python prints it
        raise NotebookError(
            raised,
            path=shown,
            field=first_line.strip()[:60],
            cell=_author_position(target, err.cell_index),
            section=f"{spec.id} ({spec.document})",
        ) from err
    except Exception as err:
        kernel_log = seat.kernel.log if seat.kernel else target.with_suffix(".kernel.log")
        seat.section_done(failed=True)
        raise _failure(spec, shown, kernel_log, err) from err
    finally:
        running.current_cell = None
    seat.section_done(failed=False)
    nb.metadata["mdm"] = {KEY_FIELD: job.key, "section": spec.id, "document": spec.document}
    nbformat.write(nb, target)
    result = SectionResult(spec, target, time.perf_counter() - start)
    if events:
        events.finished(result)
    return result


def _reuse(job: _Job, previous: Path | None) -> SectionResult | None:
    """The last build's notebook of this section, copied into place, when its key matches."""
    old = previous / job.spec.document / f"{job.spec.id}.ipynb" if previous else None
    if old is None or read_key(old) != job.key:
        return None
    job.target.parent.mkdir(parents=True, exist_ok=True)
    if old != job.target:  # a preview reuses its own folder in place
        shutil.copyfile(old, job.target)
    return SectionResult(job.spec, job.target, 0.0, cached=True)


@dataclass(frozen=True)
class RunOptions:
    """How sections run: one object, built once by the build or the preview and handed down."""

    jobs: int | None = None
    """Kernels working at once (default: the number of cores)."""
    timeout: int = DEFAULT_CELL_TIMEOUT
    """The longest one cell may run, in seconds."""
    previous: Path | None = None
    """The last good build's notebooks: a section whose key matches is copied from there."""
    force: bool = False
    """Run every section, whatever ``previous`` holds."""
    keys: Sequence[str] | None = None
    """Each section's cache key, in order (default: computed here)."""
    events: Events | None = None
    """Told when sections are planned, start and finish (the progress display)."""
    warm: bool = True
    """One kernel per job, reused and reset; otherwise a new kernel for every section."""
    evidence: Path | None = None
    """The evidence store the sections read (a build's staging store; default: the project's)."""


class SectionRun:
    """The sections of a build, executed by worker threads with a warm kernel each.

    Use as a context manager: leaving it stops the workers and their kernels (at
    once, killing them, when leaving on an error or an interrupt).
    """

    def __init__(
        self,
        specs: Sequence[SectionSpec],
        outdir: Path,
        root: Path,
        options: RunOptions | None = None,
    ) -> None:
        options = options or RunOptions()
        jobs, timeout, events, keys = options.jobs, options.timeout, options.events, options.keys
        previous, force, warm = options.previous, options.force, options.warm
        self.evidence = str(options.evidence or "")
        for spec in specs:
            check_parameters(spec, root)
        self.specs, self.root, self.timeout = list(specs), root, timeout
        self.events, self.warm = events, warm
        self.results: dict[int, SectionResult] = {}
        self._todo: queue.Queue[_Job] = queue.Queue()
        self._done: queue.Queue[tuple[int, SectionResult | Exception]] = queue.Queue()
        self._stop = threading.Event()
        self._workers: list[threading.Thread] = []
        keys = keys or [section_key(s.notebook, s.parameters, s.inputs, root) for s in specs]
        if events:
            events.planned(len(specs))
        jobs_ = [
            _Job(i, spec, outdir / spec.document / f"{spec.id}.ipynb", key)
            for i, (spec, key) in enumerate(zip(specs, keys, strict=True))
        ]
        self._here: list[_Job] = []  # pages without analysis: rendered in this process
        for job in jobs_:
            reused = _reuse(job, None if force else previous)
            if reused is None and runs_here(job.spec):
                self._here.append(job)
            elif reused is None:
                self._todo.put(job)
            else:
                self.results[job.index] = reused
                if events:
                    events.finished(reused)
        self._workers_wanted = max(1, min(jobs or default_jobs(), self._todo.qsize()))

    def __enter__(self) -> SectionRun:
        if self._here:
            prepare()
        if not self._todo.empty():
            register_engine()
            for number in range(self._workers_wanted):
                worker = threading.Thread(
                    target=self._work, name=f"mdm-kernel-{number + 1}", daemon=True
                )
                self._workers.append(worker)
                worker.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        self._stop.set()
        for worker in self._workers:
            while worker.is_alive():
                if kind is not None:  # Ctrl-C, SIGTERM or a failure: leave no kernel behind,
                    running.kill_all()  # a kernel still starting when the run stopped included
                worker.join(0.2)

    def _work(self) -> None:
        seat = Seat(str(self.root), warm=self.warm, evidence=self.evidence)
        try:
            while not self._stop.is_set():
                try:
                    job = self._todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    outcome: SectionResult | Exception = _execute(
                        job, self.root, self.timeout, seat, self.events
                    )
                except Exception as err:  # reported by the main thread
                    outcome = err
                    self._stop.set()
                self._done.put((job.index, outcome))
        finally:
            with contextlib.suppress(Exception):  # a kernel killed by an interrupt
                seat.discard()
            _close_thread_loop()

    def documents(self) -> Iterator[tuple[str, list[SectionResult]]]:
        """Each document's results, in ``specs`` order, as soon as all its sections are done.

        The first failure stops the run; of the sections that failed by then, the
        earliest in document order is the one raised.
        """
        order = list(dict.fromkeys(s.document for s in self.specs))
        pending = {doc: [i for i, s in enumerate(self.specs) if s.document == doc] for doc in order}
        self._run_here()  # while the kernels work on the others
        while pending:
            for doc in [d for d in order if d in pending]:
                if all(i in self.results for i in pending[doc]):
                    yield doc, [self.results[i] for i in pending.pop(doc)]
            if pending:
                self._receive()

    def _run_here(self) -> None:
        """Render the sections that need no kernel, in this thread; a failure stops the run."""
        with evidence_store(self.evidence):
            self._render_here()

    def _render_here(self) -> None:
        for job in self._here:
            if self.events:
                self.events.started(job.spec)
            try:
                seconds = execute_here(
                    job.spec, job.target, job.key, _shown(job.spec.notebook, self.root)
                )
            except Exception:
                self._stop.set()
                raise
            result = SectionResult(job.spec, job.target, seconds)
            self.results[job.index] = result
            if self.events:
                self.events.finished(result)
        self._here = []

    def _receive(self) -> None:
        """Wait for the next finished section; raise the run's failure if one failed."""
        while True:
            try:
                index, outcome = self._done.get(timeout=0.2)  # stays responsive to Ctrl-C
                break
            except queue.Empty:
                if not any(w.is_alive() for w in self._workers) and self._done.empty():
                    raise BuildError("section workers stopped before every section ran") from None
        if isinstance(outcome, Exception):
            self._stop.set()
            for worker in self._workers:
                worker.join()
            failures = {index: outcome}
            while not self._done.empty():
                other, late = self._done.get()
                if isinstance(late, Exception):
                    failures[other] = late
            raise failures[min(failures)]
        self.results[index] = outcome


def run_section(
    spec: SectionSpec,
    outdir: Path,
    root: Path,
    seat: Seat,
    *,
    key: str,
    previous: Path | None = None,
    timeout: int = DEFAULT_CELL_TIMEOUT,
) -> SectionResult:
    """Run one section in the calling thread, in ``seat``'s kernel (kept for the next call).

    For a caller that keeps a kernel across runs of its own, such as ``mdm preview --watch``;
    reused from ``previous`` when its key matches, as in :func:`execute_sections`.
    """
    check_parameters(spec, root)
    job = _Job(0, spec, outdir / spec.document / f"{spec.id}.ipynb", key)
    reused = _reuse(job, previous)
    if reused is not None:
        return reused
    if runs_here(spec):
        seconds = execute_here(spec, job.target, key, _shown(spec.notebook, root))
        return SectionResult(spec, job.target, seconds)
    register_engine()
    return _execute(job, root, timeout, seat, None)


def execute_sections(
    specs: Sequence[SectionSpec],
    outdir: Path,
    root: Path,
    options: RunOptions | None = None,
) -> list[SectionResult]:
    """Run every section into ``outdir/<document>/<section>.ipynb``; results in ``specs`` order.

    A section whose key matches the notebook of the same name under ``previous``
    (the last good build) is copied from there instead of run, unless ``force``.
    The first failure stops what has not started and is raised. ``options.warm``: one
    kernel per job, reused; otherwise a new kernel for every section.
    """
    with SectionRun(specs, outdir, root, options) as run:
        for _ in run.documents():
            pass
    return [run.results[i] for i in range(len(specs))]
