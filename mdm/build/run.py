"""Execute section notebooks with papermill, several at a time.

Each section is one papermill run in its own kernel. Runs are independent, so
they go through a thread pool (the kernels are separate processes; the
threads only wait on them). Results come back in the order of ``specs``
whatever order they finish in.
"""

from __future__ import annotations

import ast
import contextlib
import json
import os
import shutil
import signal
import threading
import time
from collections.abc import Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Protocol

from mdm.build.cache import KEY_FIELD, read_key, section_key
from mdm.errors import CellTimeoutError, KernelDiedError, NotebookError
from mdm.params.project import SectionSpec

__all__ = [
    "SectionResult",
    "check_parameters",
    "declared_parameters",
    "default_jobs",
    "execute_sections",
]

DEFAULT_CELL_TIMEOUT = 600
ENGINE = "mdm"


class _Running(threading.local):
    """Kernels alive now (shared), and the cell each worker thread is running (per thread)."""

    kernels: ClassVar[set[Any]] = set()
    lock: ClassVar[threading.Lock] = threading.Lock()
    current_cell: tuple[int, str] | None = None

    def register(self, km: Any) -> None:
        with self.lock:
            self.kernels.add(km)

    def forget(self, km: Any) -> None:
        with self.lock:
            self.kernels.discard(km)

    def kill_all(self) -> None:
        """Kill every running kernel's process group: they run in sessions of their own."""
        with self.lock:
            kernels = list(self.kernels)
        for km in kernels:
            pid = getattr(getattr(km, "provisioner", None), "pid", None)
            if pid:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(pid, signal.SIGKILL)


_running = _Running()


def _register_engine() -> None:
    """A papermill engine whose kernels write their stderr to a log file, not our terminal.

    papermill starts kernels with the parent's stderr, so every kernel's start-up
    warnings would interleave with the build log; the log file keeps them for
    when a kernel dies.
    """
    from nbclient import NotebookClient
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.log import logger

    if ENGINE in papermill_engines._engines:
        return

    class Client(PapermillNotebookClient):  # type: ignore[misc]
        kernel_log: Path | None = None
        kernel_cwd: str | None = None

        def start_new_kernel(self, **kwargs: object) -> None:
            assert self.kernel_log is not None
            with self.kernel_log.open("ab") as log:
                NotebookClient.start_new_kernel(
                    self, stdout=log, stderr=log, cwd=self.kernel_cwd, **kwargs
                )
            _running.register(self.km)

        def execute(self, **kwargs: Any) -> Any:
            try:
                return super().execute(**kwargs)
            finally:
                if self.km is not None:
                    _running.forget(self.km)

        def execute_cell(self, cell: Any, cell_index: int, *args: Any, **kwargs: Any) -> Any:
            _running.current_cell = (cell_index, cell.source)
            return super().execute_cell(cell, cell_index, *args, **kwargs)

    class Engine(NBClientEngine):  # type: ignore[misc]
        @classmethod
        def execute_managed_notebook(
            cls,
            nb_man: object,
            kernel_name: str,
            *,
            kernel_log: Path,
            kernel_cwd: str,
            start_timeout: int = 60,
            execution_timeout: int | None = None,
            **_: object,
        ) -> object:
            client = Client(
                nb_man,
                kernel_name=kernel_name,
                timeout=execution_timeout,
                startup_timeout=start_timeout,
                log=logger,
                log_output=False,
            )
            client.kernel_log = kernel_log
            client.kernel_cwd = kernel_cwd
            return client.execute()

    papermill_engines.register(ENGINE, Engine)


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
        raise NotebookError(f"{shown}: cannot read notebook: {err}") from err
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
                    f"{shown}: cell {index + 1}: parameters cell is not valid Python: {err.msg} "
                    f"(line {err.lineno})"
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
            f"{shown}: expected a cell tagged 'parameters' declaring "
            f"{', '.join(spec.parameters)}, found none"
        )
    unknown = [name for name in spec.parameters if name not in declared]
    if unknown:
        raise NotebookError(
            f"{shown}: parameters: section {spec.id} passes {', '.join(unknown)}, "
            f"but the parameters cell declares only {', '.join(declared)}"
        )


def _failure(
    spec: SectionSpec, shown: str, target: Path, kernel_log: Path, err: Exception
) -> NotebookError:
    """The one-line error for a section whose kernel died, timed out or would not start."""
    from nbclient.exceptions import CellTimeoutError as Timeout
    from nbclient.exceptions import DeadKernelError

    where_ = f"section {spec.id} ({spec.document}): {shown}"
    if _running.current_cell is not None:
        index, source = _running.current_cell
        first_line = next((ln for ln in source.splitlines() if ln.strip()), "")
        # the index counts papermill's injected cell, which precedes any cell an author wrote
        # after the parameters cell: so it equals the 1-based position the author sees
        where_ += f", cell {max(index, 1)} [{first_line.strip()[:60]}]"
    if isinstance(err, Timeout):
        return CellTimeoutError(
            f"{where_}: cell ran longer than the timeout; raise --timeout or make the cell faster"
        )
    if isinstance(err, DeadKernelError):
        log = [
            line
            for line in kernel_log.read_text(encoding="utf-8", errors="replace").splitlines()
            if line.strip() and "running over TCP without encryption" not in line
        ]
        last = f"; kernel's last words: {log[-1][:120]}" if log else ""
        return KernelDiedError(f"{where_}: the kernel died{last} (kernel log: {kernel_log.name})")
    message = str(err).strip().splitlines()[0] if str(err).strip() else ""
    return NotebookError(
        f"{where_}: {type(err).__name__}: {message} (kernel log: {kernel_log.name})"
    )


def _author_position(executed: Path, index: int) -> int:
    """1-based position of cell ``index`` as the author sees it, without papermill's injected cell."""
    import nbformat

    cells = nbformat.read(executed, as_version=4).cells[: index + 1]
    return sum("injected-parameters" not in c.metadata.get("tags", []) for c in cells)


def _close_thread_loop() -> None:
    # jupyter_core keeps one event loop per thread for nbclient; a worker thread
    # ends with the pool, so close its loop here rather than leak it
    from jupyter_core.utils import ensure_event_loop

    loop = ensure_event_loop()
    if not loop.is_running():
        loop.close()


def _execute(
    spec: SectionSpec, target: Path, root: Path, timeout: int, key: str, events: Events | None
) -> SectionResult:
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    if events:
        events.started(spec)
    start = time.perf_counter()
    target.parent.mkdir(parents=True, exist_ok=True)
    shown = _shown(spec.notebook, root)
    kernel_log = target.with_suffix(".kernel.log")
    try:
        nb = papermill.execute_notebook(
            str(spec.notebook),
            str(target),
            parameters=spec.parameters,
            engine_name=ENGINE,
            progress_bar=False,
            request_save_on_cell_execute=False,
            # not papermill's cwd=: it chdirs the whole process, which races between the
            # threads and can leave the build inside a folder that is later deleted
            execution_timeout=timeout,
            kernel_log=kernel_log,
            kernel_cwd=str(root),
        )
    except PapermillExecutionError as err:
        first_line = next((ln for ln in err.source.splitlines() if ln.strip()), "")
        raise NotebookError(
            f"section {spec.id} ({spec.document}): {shown}, cell {_author_position(target, err.cell_index)} "
            f"[{first_line.strip()[:60]}]: {err.ename}: {err.evalue}"
        ) from err
    except Exception as err:
        raise _failure(spec, shown, target, kernel_log, err) from err
    finally:
        _running.current_cell = None
        _close_thread_loop()
    nb.metadata["mdm"] = {KEY_FIELD: key, "section": spec.id, "document": spec.document}
    nbformat.write(nb, target)
    result = SectionResult(spec, target, time.perf_counter() - start)
    if events:
        events.finished(result)
    return result


def execute_sections(
    specs: Sequence[SectionSpec],
    outdir: Path,
    root: Path,
    *,
    jobs: int | None = None,
    timeout: int = DEFAULT_CELL_TIMEOUT,
    previous: Path | None = None,
    force: bool = False,
    keys: Sequence[str] | None = None,
    events: Events | None = None,
) -> list[SectionResult]:
    """Run every section into ``outdir/<document>/<section>.ipynb``, in ``specs`` order.

    A section whose key matches the notebook of the same name under ``previous``
    (the last good build) is copied from there instead of run, unless ``force``.
    The first failure cancels what has not started and is raised.
    """
    for spec in specs:
        check_parameters(spec, root)
    if events:
        events.planned(len(specs))
    results: dict[int, SectionResult] = {}
    todo: list[tuple[int, SectionSpec, Path, str]] = []
    keys = keys or [section_key(s.notebook, s.parameters, s.inputs) for s in specs]
    for index, (spec, key) in enumerate(zip(specs, keys, strict=True)):
        target = outdir / spec.document / f"{spec.id}.ipynb"
        old = previous / spec.document / f"{spec.id}.ipynb" if previous else None
        if not force and old is not None and read_key(old) == key:
            target.parent.mkdir(parents=True, exist_ok=True)
            if old != target:  # a preview reuses its own folder in place
                shutil.copyfile(old, target)
            results[index] = SectionResult(spec, target, 0.0, cached=True)
            if events:
                events.finished(results[index])
        else:
            todo.append((index, spec, target, key))
    if todo:
        _register_engine()
        workers = max(1, min(jobs or default_jobs(), len(todo)))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mdm-kernel") as pool:
            futures = {
                pool.submit(_execute, spec, target, root, timeout, key, events): index
                for index, spec, target, key in todo
            }
            try:
                done, pending = wait(futures, return_when=FIRST_EXCEPTION)
            except BaseException:  # Ctrl-C or SIGTERM: stop everything, leave no kernel behind
                for future in futures:
                    future.cancel()
                _running.kill_all()
                raise
            for future in pending:
                future.cancel()
            failed = [f for f in done if f.exception() is not None]
            if failed:
                # the earliest section in document order is the one reported
                raise min(failed, key=futures.__getitem__).exception()  # type: ignore[misc]
            results.update((futures[f], f.result()) for f in done)
    return [results[i] for i in range(len(specs))]
