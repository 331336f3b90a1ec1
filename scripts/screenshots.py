"""Screenshots of the example proposal for the docs, written to docs/images/.

    .venv/bin/python scripts/screenshots.py

Builds the bundled example in a temporary copy (the repo's own output/ is not
touched), photographs the HTML in Debian's headless Chromium (the cover and
contents as a reader first sees them, and the first topic section) and renders
PDF pages 1, 2 and 4 (the summary, the investment overview) with pdftoppm.
Images are 900 px wide and reduced to a 256-colour
palette so each stays well under 200 KB in the repository.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image
from playwright.sync_api import Page, sync_playwright

from mdm.build.pipeline import BuildOptions, build

REPO = Path(__file__).resolve().parents[1]
IMAGES = REPO / "docs" / "images"
WIDTH = 900
SECTION_HEIGHT = 1400  # a topic section runs for pages; show its opening
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def copy_example(target: Path) -> Path:
    for part in ("params", "data", "notebooks"):
        shutil.copytree(REPO / part, target / part)
    return target


def shrink(png: Path) -> Path:
    """Quantise to a palette: text and flat charts lose nothing visible, the file a lot."""
    with Image.open(png) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    small.save(png, optimize=True)
    return png


def html_shots(html: Path) -> list[Path]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page: Page = browser.new_page(viewport={"width": WIDTH, "height": 1250})
        # nothing but the file itself may load, as in tests/test_browser.py
        page.route(
            "**/*",
            lambda route: (
                route.continue_() if route.request.url == html.as_uri() else route.abort()
            ),
        )
        page.goto(html.as_uri(), wait_until="load")
        cover = IMAGES / "proposal-html-cover.png"
        page.screenshot(path=str(cover))
        section = page.locator("section.mdm-section[data-section^='topic-']").first
        section.scroll_into_view_if_needed()
        box = section.bounding_box()
        assert box is not None, "the example has a topic section"
        top = page.evaluate("window.scrollY") + box["y"]
        topic = IMAGES / "proposal-html-topic.png"
        page.screenshot(
            path=str(topic),
            full_page=True,
            clip={
                "x": 0,
                "y": max(top - 16, 0),
                "width": WIDTH,
                "height": min(box["height"] + 32, SECTION_HEIGHT),
            },
        )
        browser.close()
    return [shrink(cover), shrink(topic)]


def pdf_shots(pdf: Path) -> list[Path]:
    shots = []
    for number in (1, 2, 4):  # the summary, then the investment overview
        prefix = IMAGES / f"proposal-pdf-page-{number}"
        pages = ["-f", str(number), "-l", str(number), "-singlefile"]
        size = ["-scale-to-x", str(WIDTH), "-scale-to-y", "-1"]
        subprocess.run(["pdftoppm", *pages, "-png", *size, str(pdf), str(prefix)], check=True)
        shots.append(shrink(prefix.with_suffix(".png")))
    return shots


def main() -> int:
    IMAGES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="mdm-screenshots-") as tmp:
        project = copy_example(Path(tmp) / "example")
        build(BuildOptions(project_dir=project, documents=("proposal",)))
        output = project / "output"
        shots = html_shots(output / "proposal.html") + pdf_shots(output / "proposal.pdf")
    for shot in shots:
        print(f"{shot.relative_to(REPO)}  {shot.stat().st_size // 1024} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
