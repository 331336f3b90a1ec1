"""The built HTML documents in a real headless Chromium, as leadership opens them.

Debian's Chromium is driven through Playwright (no browser is downloaded). The
document must load offline with no request but itself, show every image, jump
to every section from the contents, pass axe-core without serious findings,
and stay inert whatever text a topic's params carry.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from axe_playwright_python.sync_playwright import Axe
from conftest import TINY, copy_project
from PIL import Image, ImageStat
from playwright.sync_api import Browser, BrowserContext, Page, Route, sync_playwright

from mdm.build.pipeline import BuildOptions, build

pytestmark = [pytest.mark.browser, pytest.mark.kernel]

CHROMIUM = "/usr/bin/chromium"
# no first-run chores, no update checks, no QUIC probes: the only traffic is the page's own
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
VIEWPORT = {"width": 1280, "height": 800}

# (fixture, document): the tiny project is quick; the example is what leadership reads
DOCUMENTS = [
    pytest.param("tiny_built", "proposal", id="tiny-proposal"),
    pytest.param("example_built", "proposal", id="example-proposal"),
    pytest.param("example_built", "strategy", id="example-strategy"),
    pytest.param("example_built", "progress-2018-q2", id="example-progress-2018-q2"),
    pytest.param("example_built", "progress-2018-q4", id="example-progress-2018-q4"),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class Visit:
    """An open page and everything it did while loading."""

    page: Page
    url: str
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)


@pytest.fixture
def visit(browser: Browser) -> Iterator[Callable[..., Visit]]:
    """Open a built HTML file; any request other than the file itself is recorded and aborted.
    With ``settle``, wait until no request has been made for half a second (Playwright's
    "networkidle"): only the test of what a page requests needs the wait."""
    contexts: list[BrowserContext] = []

    def open_document(path: Path, settle: bool = False) -> Visit:
        context = browser.new_context(viewport=VIEWPORT, java_script_enabled=True)
        contexts.append(context)
        page = context.new_page()
        seen = Visit(page, path.resolve().as_uri())

        def route(route: Route) -> None:
            url = route.request.url
            seen.requests.append(url)
            if url == seen.url or url.startswith("data:"):
                route.continue_()
            else:
                seen.blocked.append(url)
                route.abort()

        context.route("**/*", route)
        page.on("request", lambda request: seen.requests.append(request.url))
        page.on(
            "console",
            lambda message: message.type == "error" and seen.console_errors.append(message.text),
        )
        page.on("pageerror", lambda error: seen.page_errors.append(str(error)))
        page.goto(seen.url, wait_until="load")
        if settle:
            page.wait_for_load_state("networkidle")
        return seen

    yield open_document
    for context in contexts:
        context.close()


def document(request: pytest.FixtureRequest, fixture: str, name: str) -> Path:
    return request.getfixturevalue(fixture) / "output" / f"{name}.html"


@pytest.mark.parametrize(("fixture", "name"), DOCUMENTS)
def test_loads_offline_without_errors_or_requests(
    request: pytest.FixtureRequest, visit: Callable[..., Visit], fixture: str, name: str
) -> None:
    seen = visit(document(request, fixture, name), settle=True)
    assert not seen.console_errors, seen.console_errors
    assert not seen.page_errors, seen.page_errors
    foreign = sorted({u for u in seen.requests if u != seen.url and not u.startswith("data:")})
    assert not foreign, f"the document requested {foreign}"
    assert not seen.blocked
    assert seen.page.title()


@pytest.mark.parametrize(("fixture", "name"), DOCUMENTS)
def test_every_image_loads_and_has_alt_text(
    request: pytest.FixtureRequest, visit: Callable[..., Visit], fixture: str, name: str
) -> None:
    page = visit(document(request, fixture, name)).page
    images = page.eval_on_selector_all(
        "img",
        "imgs => imgs.map(i => ({src: i.src.slice(0, 30), complete: i.complete,"
        " width: i.naturalWidth, alt: (i.getAttribute('alt') || '').trim()}))",
    )
    assert images, "the document shows at least the timeline chart"
    for image in images:
        assert image["complete"] and image["width"] > 0, f"image did not load: {image}"
        assert image["alt"], f"image without alt text: {image}"


@pytest.mark.parametrize(("fixture", "name"), DOCUMENTS)
def test_every_toc_link_scrolls_its_heading_into_view(
    request: pytest.FixtureRequest, visit: Callable[..., Visit], fixture: str, name: str
) -> None:
    page = visit(document(request, fixture, name)).page
    links = page.locator("nav.mdm-toc a")
    hrefs = links.evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert len(hrefs) >= 5
    for index, href in enumerate(hrefs):
        page.evaluate("window.scrollTo(0, 0)")
        links.nth(index).click()
        page.wait_for_function("href => location.hash === href", arg=href)
        box = page.evaluate(
            "id => { const r = document.getElementById(id).getBoundingClientRect();"
            " return {top: r.top, bottom: r.bottom, tag: document.getElementById(id).tagName,"
            " cls: document.getElementById(id).className}; }",
            href[1:],
        )
        assert box["tag"] == "H2" and "mdm-section-title" in box["cls"], (href, box)
        # a scrolled-to heading sits at the top edge, give or take a sub-pixel
        assert box["top"] >= -1 and box["bottom"] <= VIEWPORT["height"], (
            f"{href}: heading at {box['top']:.0f}–{box['bottom']:.0f}px after the click"
        )


@pytest.mark.parametrize(("fixture", "name"), DOCUMENTS)
def test_full_page_screenshot_is_not_blank(
    request: pytest.FixtureRequest, visit: Callable[..., Visit], fixture: str, name: str
) -> None:
    path = document(request, fixture, name)
    page = visit(path).page
    shot = path.parent / "screenshots" / f"{name}.png"
    shot.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(shot), full_page=True)
    with Image.open(shot) as image:
        assert image.width == VIEWPORT["width"] and image.height > VIEWPORT["height"]
        gray = image.convert("L")
        # ink covers a real share of the page, and the page is not one flat colour
        assert ImageStat.Stat(gray).stddev[0] > 10
        inked = sum(gray.point(lambda v: 255 if v < 200 else 0).histogram()[255:])
        assert inked / (gray.width * gray.height) > 0.005


@pytest.mark.parametrize(("fixture", "name"), DOCUMENTS)
def test_no_horizontal_overflow_on_a_phone(
    request: pytest.FixtureRequest, visit: Callable[..., Visit], fixture: str, name: str
) -> None:
    page = visit(document(request, fixture, name)).page
    page.set_viewport_size({"width": 390, "height": 844})
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px on a 390px screen"


@pytest.mark.parametrize(("fixture", "name"), DOCUMENTS)
def test_lang_and_heading_order(
    request: pytest.FixtureRequest, visit: Callable[..., Visit], fixture: str, name: str
) -> None:
    page = visit(document(request, fixture, name)).page
    assert page.evaluate("document.documentElement.lang")
    levels = page.eval_on_selector_all(
        "h1, h2, h3, h4, h5, h6", "hs => hs.map(h => Number(h.tagName[1]))"
    )
    assert levels[0] == 1 and levels.count(1) == 1, levels
    for before, after in itertools.pairwise(levels):
        assert after <= before + 1, f"heading level skips from h{before} to h{after}"


def readable(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['impact']}: {violation['id']}: {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {' '.join(map(str, node['target']))}: {node['html'][:120]}")
    return "\n".join(lines)


@pytest.mark.parametrize(("fixture", "name"), DOCUMENTS)
def test_axe_finds_nothing_serious(
    request: pytest.FixtureRequest, visit: Callable[..., Visit], fixture: str, name: str
) -> None:
    page = visit(document(request, fixture, name)).page
    results = Axe().run(page)
    assert results.response["passes"], "axe-core did not run"
    serious = [v for v in results.response["violations"] if v["impact"] in {"serious", "critical"}]
    assert not serious, "axe-core:\n" + readable(serious)


RTL_NAME = "סלמה אלקאסם"  # Hebrew letters; wrapped below in bidi overrides
HOSTILE_SUMMARY = f"""\
Clubs run four nights a week. <script>window.__pwned=1</script>

<img src=x onerror="window.__pwned=2">

[click](javascript:window.__pwned=3)

<style>body {{ display: none !important; background: red; }}</style>

Tutor of the year: \u202e{RTL_NAME}\u202c and \u2067{RTL_NAME}\u2069.
"""


@pytest.fixture(scope="module")
def hostile_built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_project(TINY, tmp_path_factory.mktemp("hostile"))
    topic = root / "params/topics/homework-clubs.yaml"
    lines = topic.read_text(encoding="utf-8").splitlines()
    kept = [line for line in lines if not line.startswith("summary:")]
    kept.append("summary: " + yaml.safe_dump(HOSTILE_SUMMARY, allow_unicode=True).strip())
    topic.write_text("\n".join(kept) + "\n", encoding="utf-8")
    build(BuildOptions(project_dir=root, formats=("html",)))
    return root


def test_hostile_topic_text_stays_inert(hostile_built: Path, visit: Callable[..., Visit]) -> None:
    seen = visit(hostile_built / "output/proposal.html")
    page = seen.page
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.evaluate("document.scripts.length") == 0
    assert page.locator("script").count() == 0
    assert page.locator("head style").count() == 1 and page.locator("style").count() == 1
    assert page.evaluate("getComputedStyle(document.body).display") != "none"
    assert page.locator("a[href^='javascript:' i]").count() == 0
    section = page.locator("section[data-section='topic-homework-clubs']")
    text = section.inner_text()
    assert "click" in text  # the link text stays, as text
    assert section.locator(".mdm-summary a").count() == 0
    assert RTL_NAME in text.replace("\u202e", "").replace("\u202c", "")
    assert not seen.blocked, f"the hostile text made the page request {seen.blocked}"
    # the <img src=x> is either shown as text or dropped, never a request or a broken image
    assert page.evaluate(
        "[...document.images].every(i => i.src.startsWith('data:') && i.naturalWidth > 0)"
    )


@pytest.mark.parametrize("name", ["proposal", "strategy"])
def test_the_first_screen_opens_on_the_decision(
    example_built: Path, visit: Callable[..., Visit], name: str
) -> None:
    page = visit(example_built / "output" / f"{name}.html").page
    page.set_viewport_size({"width": 1280, "height": 900})
    box = page.evaluate(
        "s => { const r = document.querySelector(s).getBoundingClientRect();"
        " return {top: r.top, bottom: r.bottom}; }",
        ".mdm-decision",
    )
    cover = page.evaluate(
        "() => document.querySelector('.mdm-cover').getBoundingClientRect().height"
    )
    assert box["bottom"] <= 900, (
        f"the decision ends at {box['bottom']:.0f}px, below the first screen"
    )
    assert cover < 250, f"the title block takes {cover:.0f}px of the first screen"
    # the print cover is still there for the PDF
    page.emulate_media(media="print")
    printed = page.evaluate(
        "() => getComputedStyle(document.querySelector('.mdm-cover h1')).fontSize"
    )
    assert printed != page.evaluate("() => getComputedStyle(document.body).fontSize")


def test_numbers_in_an_authors_table_are_right_aligned(
    tiny: Path, visit: Callable[..., Visit]
) -> None:
    from conftest import FIXTURES, REPO

    from mdm.params.models import TableSpec
    from mdm.params.project import load_project
    from mdm.report.tables import table_html

    (tiny / "data").mkdir()
    (tiny / "data/club-nights.csv").write_bytes((FIXTURES / "data/club-nights.csv").read_bytes())
    spec = TableSpec(file="data/club-nights.csv", columns=["night", "pupils"], totals=True)
    table = table_html(load_project(tiny), spec, "evidence.tables.0").html
    css = (REPO / "mdm/templates/nbconvert/mdm/mdm.css").read_text(encoding="utf-8")
    path = tiny / "table.html"
    path.write_text(
        f"<!DOCTYPE html><html lang='en'><head><title>t</title><style>{css}</style></head>"
        f"<body><main class='mdm-document'><section class='mdm-section'>{table}</section>"
        "</main></body></html>",
        encoding="utf-8",
    )
    page = visit(path).page
    aligned = page.evaluate(
        "() => [...document.querySelectorAll('table tr')].map(tr =>"
        " [...tr.children].map(c => getComputedStyle(c).textAlign))"
    )
    assert aligned[0] == ["left", "right"]  # the heading over the numbers too
    assert all(row[-1] == "right" for row in aligned), aligned
    assert all(row[0] in ("left", "start") for row in aligned), aligned
