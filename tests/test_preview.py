"""mdm preview: one section, fast; --watch rebuilds on change."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mdm.build.preview import preview
from mdm.errors import ConfigError

pytestmark = pytest.mark.kernel


def test_preview_writes_one_section_page(tiny: Path) -> None:
    path = preview(tiny, "book-sales")
    assert path == tiny / "output/preview/proposal-topic-book-sales.html"
    text = path.read_text(encoding="utf-8")
    assert 'id="sec-topic-book-sales"' in text and "Homework clubs" not in text
    assert not (tiny / "output/proposal.html").exists()  # a preview is not a build


def test_preview_of_unknown_section_lists_the_known_ones(tiny: Path) -> None:
    with pytest.raises(
        ConfigError,
        match=r"no section 'bookshop' in proposal \(sections: overview, "
        r"topic-homework-clubs, topic-book-sales, topic-summer-reading\)",
    ):
        preview(tiny, "bookshop")


def test_watch_rebuilds_when_the_topic_changes(tiny: Path) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mdm",
            "preview",
            "book-sales",
            "--watch",
            "--project",
            str(tiny),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
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
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
