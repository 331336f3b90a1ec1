"""Warm kernels for papermill: one per worker, kept across sections, reset between them.

Starting a kernel and importing pandas, matplotlib and mdm in it costs about
1.5 s, more than most sections' own work. So each worker thread keeps its
kernel (a :class:`Seat`) and papermill runs every section of that worker in it,
through the ``mdm`` engine registered here. Before each section the kernel is
reset (:mod:`mdm.build.kernel_state`); a kernel that died, timed out or failed
in a way papermill did not report as a cell error is shut down, and the next
section gets a new one.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

from mdm.errors import NotebookError

__all__ = ["ENGINE", "Seat", "WarmKernel", "register_engine", "running"]

ENGINE = "mdm"
# run in the kernel once after start-up, and before every section; silent, outside the history
PRELOAD = """
try:
    import mdm.build.kernel_state
    mdm.build.kernel_state.preload()
except ImportError:  # the kernel's Python lacks mdm: the notebook's import will say so
    pass
"""
RESET = """
try:
    import mdm.build.kernel_state as _mdm_state
except ImportError:
    get_ipython().reset(new_session=True)
else:
    _mdm_state.reset(get_ipython(), {cwd!r}, {evidence!r})
"""


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


running = _Running()


class WarmKernel:
    """One kernel process, its log file, and whether it has been preloaded."""

    def __init__(self, kernel_name: str, log: Path, cwd: str, evidence: str = "") -> None:
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        self.kernel_name, self.log, self.cwd, self.evidence = kernel_name, log, cwd, evidence
        self.km = AsyncKernelManager(kernel_name=kernel_name)
        self.preloaded = False
        self.sections = 0
        log.parent.mkdir(parents=True, exist_ok=True)
        # the kernel's stderr goes to a log file: its start-up warnings would interleave with
        # the build log, and the last lines say why a kernel died
        with log.open("ab") as stream:
            run_sync(self.km.start_kernel)(
                # as nbclient does: no history file shared by parallel kernels
                extra_arguments=["--HistoryManager.hist_file=:memory:"],
                stdout=stream,
                stderr=stream,
                cwd=cwd,
            )
        running.register(self.km)

    def alive(self) -> bool:
        from jupyter_core.utils import run_sync

        return bool(run_sync(self.km.is_alive)())

    def shutdown(self, now: bool = False) -> None:
        """Stop the kernel (``now``: kill it, for one that is stuck or dead)."""
        from jupyter_core.utils import run_sync

        running.forget(self.km)
        with contextlib.suppress(RuntimeError):  # already gone
            run_sync(self.km.shutdown_kernel)(now=now)


class Seat:
    """A worker's place for its kernel: kept warm across sections unless ``warm`` is off."""

    def __init__(self, cwd: str, warm: bool = True, evidence: str = "") -> None:
        self.cwd, self.warm, self.evidence = cwd, warm, evidence
        self.kernel: WarmKernel | None = None

    def kernel_for(self, kernel_name: str, log: Path) -> WarmKernel:
        """A live kernel of ``kernel_name``, started (with ``log``) if there is none."""
        kernel = self.kernel
        if kernel is not None and (kernel.kernel_name != kernel_name or not kernel.alive()):
            self.discard(now=True)
            kernel = None
        if kernel is None:
            kernel = self.kernel = WarmKernel(kernel_name, log, self.cwd, self.evidence)
        return kernel

    def section_done(self, failed: bool) -> None:
        """After a section: keep the kernel for the next one, or stop it."""
        if failed:
            self.discard(now=True)
        elif not self.warm:
            self.discard()

    def discard(self, now: bool = False) -> None:
        if self.kernel is not None:
            kernel, self.kernel = self.kernel, None
            kernel.shutdown(now=now)


def register_engine() -> None:
    """Register papermill's ``mdm`` engine: nbclient, run in the worker's warm kernel."""
    from papermill.engines import NBClientEngine, papermill_engines

    class Engine(NBClientEngine):  # type: ignore[misc]
        @classmethod
        def execute_managed_notebook(
            cls,
            nb_man: object,
            kernel_name: str,
            *,
            seat: Seat,
            kernel_log: Path,
            start_timeout: int = 60,
            execution_timeout: int | None = None,
            **_: object,
        ) -> object:
            from papermill.log import logger

            kernel = seat.kernel_for(kernel_name, kernel_log)
            client = _client_class()(
                nb_man,
                km=kernel.km,
                kernel_name=kernel_name,
                timeout=execution_timeout,
                startup_timeout=start_timeout,
                log=logger,
                log_output=False,
            )
            client.warm = kernel
            return client.execute()

    papermill_engines.register(ENGINE, Engine)


@cache
def _client_class() -> type:
    """papermill's notebook client, attached to a kernel it does not own."""
    from papermill.clientwrap import PapermillNotebookClient

    class Client(PapermillNotebookClient):  # type: ignore[misc]
        warm: WarmKernel
        kc: Any

        def start_new_kernel_client(self) -> Any:
            kc = super().start_new_kernel_client()
            if not self.warm.preloaded:
                self._run_quietly(PRELOAD, "preload")
                self.warm.preloaded = True
            self._run_quietly(RESET.format(cwd=self.warm.cwd, evidence=self.warm.evidence), "reset")
            self.warm.sections += 1
            return kc

        def _run_quietly(self, code: str, what: str) -> None:
            reply = self.wait_for_reply(self.kc.execute(code, silent=True, store_history=False))
            content = (reply or {}).get("content", {})
            if content.get("status") != "ok":
                raise NotebookError(
                    f"kernel {what} failed: {content.get('ename', 'no reply')}: "
                    f"{content.get('evalue', '')}"
                )

        def execute(self, **kwargs: Any) -> Any:
            try:
                return super().execute(**kwargs)
            finally:
                # the kernel outlives this client, so nbclient leaves its channels open
                if self.kc is not None:
                    self.kc.stop_channels()
                    self.kc = None

        def execute_cell(self, cell: Any, cell_index: int, *args: Any, **kwargs: Any) -> Any:
            running.current_cell = (cell_index, cell.source)
            return super().execute_cell(cell, cell_index, *args, **kwargs)

    return Client
