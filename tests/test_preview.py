"""mdm preview: one section, fast; --watch rebuilds on change."""

from __future__ import annotations

import http.client
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import FIXTURES

from mdm.build.preview import Previewer, preview, serve
from mdm.errors import ConfigError, KernelDiedError


@pytest.mark.kernel
def test_preview_writes_one_section_page(tiny: Path) -> None:
    path = preview(tiny, "book-sales")
    assert path == tiny / "output/preview/proposal-topic-book-sales.html"
    text = path.read_text(encoding="utf-8")
    assert 'id="sec-topic-book-sales"' in text and "Homework clubs" not in text
    assert not (tiny / "output/proposal.html").exists()  # a preview is not a build


@pytest.mark.kernel
def test_preview_of_unknown_section_lists_the_known_ones(tiny: Path) -> None:
    with pytest.raises(
        ConfigError,
        match=r"no section 'bookshop' in proposal \(sections: overview, "
        r"topic-homework-clubs, topic-book-sales, topic-summer-reading\)",
    ):
        preview(tiny, "bookshop")


def start_watch(project: Path) -> tuple[subprocess.Popen[str], str]:
    """``mdm preview book-sales --watch`` in a process of its own; and the URL it serves."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mdm",
            "preview",
            "book-sales",
            "--watch",
            "--project",
            str(project),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    serving = proc.stdout.readline().strip()
    match = re.fullmatch(
        r"serving (http://127\.0\.0\.1:\d+/) \(reloads itself on every rebuild\)", serving
    )
    assert match, serving
    return proc, match.group(1)


def stop(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return str(response.read().decode("utf-8"))


@pytest.mark.kernel
def test_watch_rebuilds_when_the_topic_changes(tiny: Path) -> None:
    proc, _ = start_watch(tiny)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline().strip()
        assert first.endswith("output/preview/proposal-topic-book-sales.html")
        time.sleep(1)
        topic = tiny / "params/topics/book-sales.yaml"
        topic.write_text(
            topic.read_text(encoding="utf-8") + "summary: Spring sale first.\n", encoding="utf-8"
        )
        assert proc.stdout.readline().strip() == first
        assert "Spring sale first." in Path(first).read_text(encoding="utf-8")
        topic.write_text(topic.read_text(encoding="utf-8") + "bogus: key\n", encoding="utf-8")
        line = proc.stdout.readline().strip()
        assert (
            line.startswith("error: params/topics/book-sales.yaml:")
            and "bogus: unknown key" in line
        )
    finally:
        stop(proc)


@pytest.mark.kernel
def test_served_page_reloads_itself_after_a_params_edit(tiny: Path) -> None:
    proc, url = start_watch(tiny)
    try:
        assert proc.stdout is not None
        path = Path(proc.stdout.readline().strip())
        page = fetch(url)
        assert 'id="sec-topic-book-sales"' in page
        assert 'fetch("/version"' in page and "<script src" not in page  # nothing from elsewhere
        assert "/version" not in path.read_text(encoding="utf-8")  # the file is the plain preview
        version = fetch(url + "version")
        topic = tiny / "params/topics/book-sales.yaml"
        topic.write_text(
            topic.read_text(encoding="utf-8") + "summary: Autumn sale next.\n", encoding="utf-8"
        )
        deadline = time.monotonic() + 60
        while fetch(url + "version") == version:
            assert time.monotonic() < deadline, "the preview was not rebuilt"
            time.sleep(0.05)
        assert "Autumn sale next." in fetch(url)
        with pytest.raises(urllib.error.HTTPError, match="404"):
            fetch(url + "params/project.yaml")
    finally:
        stop(proc)


@pytest.mark.kernel
def test_warm_preview_replaces_a_kernel_that_died(tiny: Path) -> None:
    previewer = Previewer(tiny, "book-sales")
    try:
        previewer.build()
        first = previewer.seat.kernel  # type: ignore[union-attr]
        (tiny / "notebooks").mkdir()
        shutil.copy(FIXTURES / "notebooks/kernel_dies.ipynb", tiny / "notebooks/topic.ipynb")
        with pytest.raises(KernelDiedError, match=r"section topic-book-sales .*the kernel died"):
            previewer.build()
        shutil.rmtree(tiny / "notebooks")
        page = previewer.build().read_text(encoding="utf-8")
        assert 'id="sec-topic-book-sales"' in page
        assert previewer.seat is not None and previewer.seat.kernel is not first
    finally:
        previewer.close()


@pytest.mark.kernel
def test_ctrl_c_while_a_section_runs_stops_the_watch(tiny: Path) -> None:
    (tiny / "notebooks").mkdir()
    shutil.copy(FIXTURES / "notebooks/cell_never_ends.ipynb", tiny / "notebooks/topic.ipynb")
    proc, _ = start_watch(tiny)
    logs = tiny / "output/preview/proposal"
    deadline = time.monotonic() + 60
    while not list(logs.glob("*.kernel.log")):  # the kernel is up, the section running
        assert time.monotonic() < deadline, "the preview's kernel did not start"
        time.sleep(0.1)
    time.sleep(2)
    stop(proc)  # exit 130 within the timeout, not a watch that goes on


# --- the server, without a kernel ----------------------------------------------------------------


def get(url: str, path: str = "/", host: str | None = None) -> tuple[int, str]:
    """GET ``path`` from the server at ``url``, with ``host`` as the Host header if given."""
    address = url.removeprefix("http://").rstrip("/")
    connection = http.client.HTTPConnection(address, timeout=10)
    try:
        connection.request("GET", path, headers={"Host": host or address})
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8")
    finally:
        connection.close()


def test_before_the_first_build_the_address_serves_a_page_that_waits(tiny: Path) -> None:
    previewer = Previewer(tiny, "book-sales")
    with serve(previewer) as url:
        status, page = get(url)
        assert status == 200
        assert "Building the preview of book-sales…" in page
        assert 'var seen = "0"' in page  # reloads as soon as the version moves on
        assert get(url, "/version") == (200, "0")
        built = tiny / "output/preview/proposal-topic-book-sales.html"
        built.parent.mkdir(parents=True)
        built.write_text("<html><body><p>Book sales.</p></body></html>", encoding="utf-8")
        previewer.page, previewer.version = built, 1  # what a build does
        status, page = get(url)
        assert "<p>Book sales.</p>" in page and 'var seen = "1"' in page


def test_a_first_build_that_fails_is_shown_on_the_page(tiny: Path) -> None:
    topic = tiny / "params/topics/book-sales.yaml"
    topic.write_text(topic.read_text(encoding="utf-8") + "bogus: <key>\n", encoding="utf-8")
    previewer = Previewer(tiny, "book-sales")
    with pytest.raises(ConfigError, match="bogus: unknown key"):
        previewer.build()  # stops at the params check: no kernel starts
    with serve(previewer) as url:
        status, page = get(url)
    assert status == 200 and 'var seen = "1"' in page
    assert "The preview could not be built: params/topics/book-sales.yaml:" in page
    assert "bogus: unknown key" in page


@pytest.mark.parametrize(
    ("host", "status"),
    [
        ("127.0.0.1:{port}", 200),
        ("localhost:{port}", 200),
        ("attacker.example:{port}", 403),  # a rebound name: its pages must not read ours
        ("127.0.0.1.attacker.example:{port}", 403),
        ("localhost:1", 403),
        ("", 403),
    ],
    ids=["ip", "localhost", "other-name", "suffixed", "other-port", "none"],
)
def test_only_requests_addressed_to_this_machine_are_answered(
    tiny: Path, host: str, status: int
) -> None:
    with serve(Previewer(tiny, "book-sales")) as url:
        port = url.rstrip("/").rsplit(":", 1)[1]
        for path in ("/", "/version"):
            assert get(url, path, host.format(port=port) or " ")[0] == status
