"""Build progress for people and for logs.

On a terminal: a live line per running section plus a bar of sections done,
cached and failed. Elsewhere (CI, pipes): one plain line per event. Both end
with the same summary of time per section.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from mdm.build.run import SectionResult
    from mdm.params.project import SectionSpec

__all__ = ["PlainProgress", "Progress", "RichProgress", "make_progress"]


class Progress:
    """Counts section events; subclasses show them."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.started_at = time.perf_counter()
        self.results: list[SectionResult] = []
        self._lock = threading.Lock()

    def elapsed(self) -> float:
        return time.perf_counter() - self.started_at

    def planned(self, count: int) -> None:
        """The number of sections this build will run or reuse."""

    def started(self, spec: SectionSpec) -> None:
        """A section is starting (in a kernel kept from an earlier section, or a new one)."""

    def finished(self, result: SectionResult) -> None:
        with self._lock:
            self.results.append(result)

    def log(self, message: str) -> None:
        print(message, file=self.stream, flush=True)

    def close(self) -> None:
        """Stop any live display."""

    def summary(self) -> str:
        ran = [r for r in self.results if not r.cached]
        cached = len(self.results) - len(ran)
        lines = [
            f"{len(ran)} sections executed, {cached} reused from the last build, "
            f"{self.elapsed():.1f}s in all"
        ]
        for result in sorted(ran, key=lambda r: -r.seconds):
            lines.append(f"  {result.seconds:6.1f}s  {result.spec.document}/{result.spec.id}")
        return "\n".join(lines)


class PlainProgress(Progress):
    """One line per event, for logs."""

    def started(self, spec: SectionSpec) -> None:
        self.log(f"[{self.elapsed():6.1f}s] start  {spec.document}/{spec.id}")

    def finished(self, result: SectionResult) -> None:
        super().finished(result)
        what = "cached" if result.cached else f"done   ({result.seconds:.1f}s)"
        self.log(f"[{self.elapsed():6.1f}s] {what} {result.spec.document}/{result.spec.id}")


class RichProgress(Progress):
    """A live display on a terminal."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__(stream)
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as Bar

        self.console = Console(file=stream)
        self.bar = Bar(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.console,
            transient=False,
        )
        self.task = self.bar.add_task("checking", total=None)
        self.running: dict[str, float] = {}
        self.bar.start()

    def planned(self, count: int) -> None:
        self.bar.update(self.task, total=count, description=self._describe())

    def _describe(self) -> str:
        done = len(self.results)
        cached = sum(r.cached for r in self.results)
        now = time.perf_counter()
        running = ", ".join(f"{name} {now - t:.0f}s" for name, t in self.running.items())
        return f"done {done - cached} · cached {cached} · running {len(self.running)}" + (
            f" ({running})" if running else ""
        )

    def started(self, spec: SectionSpec) -> None:
        with self._lock:
            self.running[spec.id] = time.perf_counter()
        self.bar.update(self.task, description=self._describe())

    def finished(self, result: SectionResult) -> None:
        super().finished(result)
        with self._lock:
            self.running.pop(result.spec.id, None)
        self.bar.update(self.task, advance=1, description=self._describe())

    def log(self, message: str) -> None:
        self.console.print(message, highlight=False, markup=False)

    def close(self) -> None:
        self.bar.stop()


def make_progress(stream: TextIO | None = None) -> Progress:
    """A live display on a terminal, plain lines otherwise (on stderr unless told)."""
    stream = stream or sys.stderr  # looked up now: sys.stderr may have been replaced since import
    if stream.isatty():
        return RichProgress(stream)
    return PlainProgress(stream)
