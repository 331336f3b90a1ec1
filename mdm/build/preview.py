"""One section, built fast, as a page of its own: ``mdm preview TOPIC [--watch]``.

A preview runs one notebook (reusing the last preview when nothing it depends
on changed), converts it exactly as a build would (same template, same
sanitiser) and writes ``output/preview/<document>-<section>.html``.

With ``--watch`` it keeps one warm kernel for the section, polls the section's
inputs, and rebuilds when one changes; the page is also served on 127.0.0.1,
where it reloads itself when the section was rebuilt (a small script polls
``/version``; nothing is fetched from elsewhere). Until the first build is done
(or when it failed) the address serves a page saying so, which reloads itself
the same way. The server answers only requests addressed to ``127.0.0.1`` or
``localhost`` at its port: a page on another site that points its own name at
127.0.0.1 (DNS rebinding) gets nothing.
"""

from __future__ import annotations

import contextlib
import html
import http.server
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from mdm.build.assemble import notebook_fragment
from mdm.build.cache import section_keys
from mdm.build.check import check
from mdm.build.kernels import Seat, running
from mdm.build.lock import build_lock
from mdm.build.run import RunOptions, SectionResult, execute_sections, run_section
from mdm.errors import ConfigError, MdmError
from mdm.params.notebooks import STOCK_NOTEBOOKS, bundled_notebooks
from mdm.params.project import Project, SectionSpec
from mdm.report.render import render

__all__ = ["PREVIEW", "Previewer", "preview", "serve", "watch"]

PREVIEW = "preview"
# reloads the page when the preview server's version changes; inserted only into served pages,
# with the version the page shows (a rebuild between serving and the first poll still reloads)
RELOAD_SCRIPT = """<script>
(function () {
  var seen = "VERSION";
  function poll() {
    fetch("/version", {cache: "no-store"}).then(function (r) { return r.text(); })
      .then(function (v) {
        if (v !== seen) { location.reload(); return; }
        setTimeout(poll, 250);
      }, function () { setTimeout(poll, 1000); });
  }
  poll();
})();
</script>
"""
WAITING_PAGE = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>mdm preview: {state}</title></head>
<body style="font-family: sans-serif; margin: 2em">
<p>{message}</p>
</body>
</html>
"""
HOSTS = ("127.0.0.1", "localhost")


def _spec(project: Project, topic: str, document: str | None) -> SectionSpec:
    documents = [document] if document else list(project.documents)
    for doc in documents:
        for spec in project.sections(doc):
            if spec.id in (topic, f"topic-{topic}"):
                return spec
    raise ConfigError(
        f"no section {topic!r} in {', '.join(documents)} "
        f"(sections: {', '.join(s.id for d in documents for s in project.sections(d))})",
        path="params/documents.yaml",
    )


def _page(project: Project, spec: SectionSpec, run: Callable[[str], SectionResult]) -> Path:
    """Run the section (``run`` takes its key) and write its preview page."""
    folder = project.output / PREVIEW
    [key] = section_keys(project, [spec])
    with build_lock(project.output):
        result = run(key)
        fragment = notebook_fragment(result)
        page = render("preview.html.j2", project=project, fragment=fragment)
        target = folder / f"{spec.document}-{spec.id}.html"
        target.write_text(page, encoding="utf-8")
    return target


def preview(project_dir: Path, topic: str, document: str | None = None) -> Path:
    """Build one section into ``output/preview/<document>-<section>.html``; return its path."""
    project, _ = check(project_dir)
    spec = _spec(project, topic, document)
    folder = project.output / PREVIEW
    # the preview folder is its own cache: the previous preview is reused when unchanged
    return _page(
        project,
        spec,
        lambda key: execute_sections(
            [spec], folder, project.root, RunOptions(previous=folder, keys=[key])
        )[0],
    )


class Previewer:
    """One section previewed again and again in the same warm kernel."""

    def __init__(self, project_dir: Path, topic: str, document: str | None = None) -> None:
        self.project_dir, self.topic, self.document = project_dir, topic, document
        self.seat: Seat | None = None
        self.inputs: list[Path] = []
        self.version = 0
        self.page: Path | None = None
        #: why the last build failed, shown on the served page while there is no good one yet
        self.error: str | None = None
        self.stamp: tuple[tuple[str, int], ...] | None = None

    def build(self) -> Path:
        """Preview now; on an error, the last good page stays (and the error is raised)."""
        try:
            page = self._build()
        except MdmError as err:
            self.error = str(err)
            self.version += 1
            raise
        self.error = None
        return page

    def _build(self) -> Path:
        before = self.inputs
        # stamped before reading: an edit made while the preview builds triggers the next one
        self.stamp = _stamp(before)
        project, _ = check(self.project_dir)
        spec = _spec(project, self.topic, self.document)
        self.inputs = [spec.notebook, *spec.inputs, *_notebooks(project)]
        if self.inputs != before:  # a params edit changed what the section reads
            self.stamp = _stamp(self.inputs)
        if self.seat is None:
            self.seat = Seat(str(project.root))
        seat, folder = self.seat, project.output / PREVIEW
        self.page = _page(
            project,
            spec,
            lambda key: run_section(spec, folder, project.root, seat, key=key, previous=folder),
        )
        self.version += 1
        return self.page

    def changed(self) -> bool:
        """Whether an input changed since the last build started (always, before the first)."""
        return self.stamp is None or _stamp(self.inputs) != self.stamp

    def close(self) -> None:
        if self.seat is not None:
            self.seat.discard()
            self.seat = None


def _notebooks(project: Project) -> list[Path]:
    """Every notebook file an author may edit: the section may run a copy of one (a clean copy
    of mdm's own, a text notebook converted), which changes only when the section is built."""
    own = project.root / "notebooks"
    files = sorted(p for p in own.iterdir() if p.is_file()) if own.is_dir() else []
    return files + [bundled_notebooks() / f"{name}.ipynb" for name in STOCK_NOTEBOOKS]


def _stamp(paths: list[Path]) -> tuple[tuple[str, int], ...]:
    return tuple((str(p), p.stat().st_mtime_ns if p.exists() else -1) for p in paths)


def watch(
    project_dir: Path,
    topic: str,
    document: str | None,
    say: Callable[[str], None],
    interval: float = 0.1,
    previewer: Previewer | None = None,
) -> None:
    """Preview now and again whenever an input of the section changes; Ctrl-C stops."""
    previewer = previewer or Previewer(project_dir, topic, document)
    try:
        while True:
            if previewer.changed():
                try:
                    say(str(previewer.build()))
                except MdmError as err:  # keep watching: the author is mid-edit
                    say(f"error: {err}")
            time.sleep(interval)
    except BaseException:  # Ctrl-C, perhaps mid-section: stop the kernel at once
        running.kill_all()
        raise
    finally:
        with contextlib.suppress(Exception):  # a killed kernel is already gone
            previewer.close()


def _waiting(previewer: Previewer) -> str:
    """The page served while there is no preview yet: building, or why the build failed."""
    if previewer.error is None:
        state, message = "building…", f"Building the preview of {previewer.topic}…"
    else:
        state, message = "failed", f"The preview could not be built: {previewer.error}"
    return WAITING_PAGE.format(state=state, message=html.escape(message))


def _handler(previewer: Previewer) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if not self._addressed_to_us():
                self.send_error(403, "only requests to 127.0.0.1 or localhost are answered")
            elif self.path == "/version":
                self._send(str(previewer.version).encode(), "text/plain")
            elif self.path in ("/", "/index.html"):
                version = str(previewer.version)  # before the page: a newer one reloads it
                if previewer.page is None:
                    page = _waiting(previewer)
                else:
                    page = previewer.page.read_text(encoding="utf-8")
                script = RELOAD_SCRIPT.replace("VERSION", version)
                page = page.replace("</body>", script + "</body>", 1)
                self._send(page.encode("utf-8"), "text/html; charset=utf-8")
            else:
                self.send_error(404, "only / and /version are served")

        def _addressed_to_us(self) -> bool:
            """The Host header names this server, not a name someone pointed at 127.0.0.1."""
            address = self.server.server_address
            port = address[1] if isinstance(address, tuple) else None
            return self.headers.get("Host", "") in {f"{name}:{port}" for name in HOSTS}

        def _send(self, body: bytes, kind: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the page polls several times a second."""

    return Handler


@contextlib.contextmanager
def serve(previewer: Previewer, port: int = 0) -> Iterator[str]:
    """Serve ``previewer``'s page on 127.0.0.1 (``port`` 0: any free port); yield its URL."""
    try:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), _handler(previewer))
    except OSError as err:
        raise ConfigError(
            f"cannot serve the preview on 127.0.0.1:{port}: {err.strerror or err}",
            field="--port",
        ) from err
    thread = threading.Thread(target=server.serve_forever, name="mdm-preview", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
