"""Screenshots of the example's documents for the docs, written to docs/images/.

    .venv/bin/python scripts/screenshots.py [proposal] [reports]

Builds the bundled example in a temporary copy (the repo's own output/ is not
touched). For the proposal (README): photographs the HTML in Debian's headless
Chromium (the cover and contents as a reader first sees them, and the first topic
section) and renders PDF pages 1, 2 and 4 (the summary, the investment overview)
with pdftoppm. For the progress reports (docs/reports.md): the first PDF page of the
2018-Q2 report and the first two of the 2018-Q4 report (what leadership reads first) and, in the HTML,
the year-end report's first funded ask with an expected effect (its chart, money and
milestones). Without arguments, both. Images are 900 px wide and reduced to a
256-colour palette so each stays well under 200 KB in the repository.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
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


@contextmanager
def opened(html: Path) -> Iterator[Page]:
    """The built HTML in headless Chromium; nothing but the file itself may load, as in
    tests/test_browser.py."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page: Page = browser.new_page(viewport={"width": WIDTH, "height": 1250})
        page.route(
            "**/*",
            lambda route: (
                route.continue_() if route.request.url == html.as_uri() else route.abort()
            ),
        )
        page.goto(html.as_uri(), wait_until="load")
        try:
            yield page
        finally:
            browser.close()


def element_shot(page: Page, selector: str, path: Path, margin: int, most: float) -> None:
    """The first element ``selector`` finds, with ``margin`` px above and below, at most
    ``most`` px high."""
    element = page.locator(selector).first
    element.scroll_into_view_if_needed()
    box = element.bounding_box()
    assert box is not None, f"the example has {selector}"
    top = page.evaluate("window.scrollY") + box["y"]
    page.screenshot(
        path=str(path),
        full_page=True,
        clip={
            "x": 0,
            "y": max(top - margin, 0),
            "width": WIDTH,
            "height": min(box["height"] + 2 * margin, most),
        },
    )


def html_shots(html: Path) -> list[Path]:
    cover = IMAGES / "proposal-html-cover.png"
    topic = IMAGES / "proposal-html-topic.png"
    with opened(html) as page:
        page.screenshot(path=str(cover))
        element_shot(page, "section.mdm-section[data-section^='topic-']", topic, 16, SECTION_HEIGHT)
    return [shrink(cover), shrink(topic)]


def pdf_shots(pdf: Path, numbers: tuple[int, ...] = (1, 2, 4)) -> list[Path]:
    """PDF pages as pictures (for the proposal: the summary, then the investment overview)."""
    shots = []
    for number in numbers:
        prefix = IMAGES / f"{pdf.stem}-pdf-page-{number}"
        pages = ["-f", str(number), "-l", str(number), "-singlefile"]
        size = ["-scale-to-x", str(WIDTH), "-scale-to-y", "-1"]
        subprocess.run(["pdftoppm", *pages, "-png", *size, str(pdf), str(prefix)], check=True)
        shots.append(shrink(prefix.with_suffix(".png")))
    return shots


def ask_shot(html: Path) -> Path:
    """The first funded ask with an expected effect, as the year-end report shows it."""
    shot = IMAGES / f"{html.stem}-html-ask.png"
    with opened(html) as page:
        element_shot(page, "div.mdm-ask--long:has(figure)", shot, 8, float("inf"))
    return shrink(shot)


REPORTS = ("progress-2018-q2", "progress-2018-q4")


def main() -> int:
    wanted = set(sys.argv[1:]) or {"proposal", "reports"}
    IMAGES.mkdir(parents=True, exist_ok=True)
    documents = (("proposal",) if "proposal" in wanted else ()) + (
        REPORTS if "reports" in wanted else ()
    )
    shots: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="mdm-screenshots-") as tmp:
        project = copy_example(Path(tmp) / "example")
        build(BuildOptions(project_dir=project, documents=documents))
        output = project / "output"
        if "proposal" in wanted:
            shots += html_shots(output / "proposal.html") + pdf_shots(output / "proposal.pdf")
        if "reports" in wanted:
            shots += pdf_shots(output / f"{REPORTS[0]}.pdf", (1,))
            shots += pdf_shots(output / f"{REPORTS[1]}.pdf", (1, 2))
            shots.append(ask_shot(output / f"{REPORTS[1]}.html"))
    for shot in shots:
        print(f"{shot.relative_to(REPO)}  {shot.stat().st_size // 1024} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
