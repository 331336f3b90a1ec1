"""Screenshots for docs/notebooks.md: a topic's own notebook in JupyterLab, and its built section.

    .venv/bin/python scripts/notebook_screenshots.py

Copies tests/projects/tiny with the test suite's analysis notebook into a temporary
folder, starts a real ``jupyter lab`` there on 127.0.0.1 (random port and token, no
browser), opens the notebook in Debian's headless Chromium, runs all cells and
photographs the analysis cells and the ``show_markdown()`` preview; then builds the
proposal and photographs the section as leadership reads it. Images go to
docs/images/, 900 px wide, reduced to a 256-colour palette.
"""

from __future__ import annotations

import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from PIL import Image
from playwright.sync_api import Page, sync_playwright

from mdm.build.pipeline import BuildOptions, build

REPO = Path(__file__).resolve().parents[1]
IMAGES = REPO / "docs" / "images"
FIXTURES = REPO / "tests" / "fixtures"
NOTEBOOK = "homework-analysis"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
WIDTH = 1100
OWN_TOPIC = """
findings: Clubs ran {{ club_nights }} nights this term.
notebooks:
  proposal: homework-analysis
evidence:
  files: [data/club-nights.csv]
"""


def make_project(root: Path) -> Path:
    for part in ("params",):
        shutil.copytree(REPO / "tests" / "projects" / "tiny" / part, root / part)
    (root / "data").mkdir()
    (root / "notebooks").mkdir()
    shutil.copy(FIXTURES / "data" / "club-nights.csv", root / "data")
    shutil.copy(
        FIXTURES / "notebooks" / "topic_analysis.ipynb", root / "notebooks" / f"{NOTEBOOK}.ipynb"
    )
    topic = root / "params" / "topics" / "homework-clubs.yaml"
    topic.write_text(topic.read_text(encoding="utf-8") + OWN_TOPIC, encoding="utf-8")
    return root


def shrink(png: Path, width: int = 900) -> Path:
    with Image.open(png) as image:
        image = image.convert("RGB")
        if image.width > width:
            image = image.resize((width, round(image.height * width / image.width)))
        small = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    small.save(png, optimize=True)
    return png


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_lab(root: Path, port: int, token: str) -> subprocess.Popen[bytes]:
    lab = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter",
            "lab",
            "--no-browser",
            "--allow-root",  # CI and containers run as root
            "--ip=127.0.0.1",
            f"--port={port}",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root}",
            "--LabApp.expose_app_in_browser=True",
            "--LabApp.news_url=",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=2)
            return lab
        except OSError:
            time.sleep(0.5)
    lab.terminate()
    raise RuntimeError("jupyter lab did not start within 120 s")


def run_all(page: Page) -> None:
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
    page.wait_for_function(
        "() => window.jupyterapp && document.querySelector('.jp-Notebook')", timeout=60_000
    )
    page.wait_for_timeout(3000)  # the kernel connects
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    # done when the last cell has an execution count and no prompt shows [*]
    page.wait_for_function(
        """() => {
            const prompts = [...document.querySelectorAll('.jp-InputPrompt')].map(p => p.textContent);
            const last = prompts.filter(t => t.trim()).at(-1) || '';
            return prompts.length && !prompts.some(t => t.includes('*')) && /\\[\\d+\\]/.test(last)
                && document.querySelector('.mdm-markdown-preview');
        }""",
        timeout=240_000,
    )
    page.wait_for_timeout(1000)


def shoot_cells(page: Page, first: str, last: str, target: Path) -> None:
    """Photograph the notebook from the cell containing ``first`` to the one containing ``last``."""
    cells = page.locator(".jp-Notebook .jp-Cell")
    top = cells.filter(has_text=first).first
    bottom = cells.filter(has_text=last).last
    top.scroll_into_view_if_needed()
    page.evaluate("(el) => el.scrollIntoView({block: 'start'})", top.element_handle())
    page.wait_for_timeout(500)
    a, b = top.bounding_box(), bottom.bounding_box()
    assert a and b, "cells are on screen"
    height = min(b["y"] + b["height"] - a["y"], 1400)
    page.screenshot(
        path=str(target),
        clip={"x": 0, "y": max(a["y"] - 8, 0), "width": WIDTH, "height": height + 16},
    )
    shrink(target)


def lab_shots(root: Path) -> list[Path]:
    port, token = free_port(), secrets.token_hex(16)
    lab = start_lab(root, port, token)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": WIDTH, "height": 1600})
            page.goto(
                f"http://127.0.0.1:{port}/lab/tree/notebooks/{NOTEBOOK}.ipynb?token={token}",
                wait_until="domcontentloaded",
            )
            run_all(page)
            # the notebook alone: no file browser, no "get notified about news?" toast
            page.evaluate("window.jupyterapp.commands.execute('application:toggle-left-area')")
            page.add_style_tag(content=".Toastify { display: none !important; }")
            # save, so that show_markdown (which reads the saved file) and the build see it
            page.evaluate("window.jupyterapp.commands.execute('docmanager:save')")
            lab_png = IMAGES / "notebook-jupyterlab.png"
            shoot_cells(page, "import warnings", "What the club nights show", lab_png)
            preview_png = IMAGES / "notebook-preview.png"
            shoot_cells(page, "section.show_markdown()", "section.show_markdown()", preview_png)
            browser.close()
    finally:
        lab.terminate()
        lab.wait(timeout=30)
    return [lab_png, preview_png]


def section_shot(root: Path) -> Path:
    # the notebook JupyterLab saved carries outputs; the build runs it afresh all the same
    build(BuildOptions(project_dir=root, formats=("html",)))
    html = root / "output" / "proposal.html"
    target = IMAGES / "notebook-section.png"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 900, "height": 1200})
        page.route(
            "**/*",
            lambda route: (
                route.continue_() if route.request.url == html.as_uri() else route.abort()
            ),
        )
        page.goto(html.as_uri(), wait_until="load")
        section = page.locator("section.mdm-section[data-section='topic-homework-clubs']")
        section.screenshot(path=str(target))
        browser.close()
    return shrink(target)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="mdm-notebook-shots-") as folder:
        root = make_project(Path(folder) / "library")
        for path in [*lab_shots(root), section_shot(root)]:
            print(path.relative_to(REPO), f"{path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
