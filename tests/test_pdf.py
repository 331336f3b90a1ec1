"""The built PDFs as leadership prints or pages through them.

Every page has real text, the bookmarks and the contents agree with the
sections and the pages they start on, every font travels inside the file, the
cover carries the title and no page number, and nothing is printed into the
outer margin, where a printer or a PDF viewer would cut it off.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pytest
import yaml
from bs4 import BeautifulSoup
from conftest import TINY, copy_project
from PIL import Image, ImageOps
from pypdf import PdfReader
from pypdf.generic import DictionaryObject, IndirectObject

from mdm.build.pipeline import BuildOptions, build

pytestmark = pytest.mark.kernel

DPI = 40
CM = DPI / 2.54
# the page margin is 1.8 cm at the sides: ink within 1.5 cm of a side edge has overflowed.
# header and footer are centred in the 2 cm / 2.2 cm top and bottom margins and reach to
# about 0.8 cm of the edge, so only the outer 0.6 cm there must stay blank
SIDE_BAND = round(1.5 * CM)
TOP_BOTTOM_BAND = round(0.6 * CM)


def words(text: str) -> str:
    return " ".join(text.split())


@dataclass
class Built:
    """One built document: its HTML, its PDF and the PDF's pages as text and as pictures."""

    html: Path
    pdf: Path

    @cached_property
    def reader(self) -> PdfReader:
        return PdfReader(self.pdf)

    @cached_property
    def texts(self) -> list[str]:
        return [words(page.extract_text()) for page in self.reader.pages]

    @cached_property
    def soup(self) -> BeautifulSoup:
        return BeautifulSoup(self.html.read_text(encoding="utf-8"), "html.parser")

    @cached_property
    def title(self) -> str:
        return words(self.soup.select_one(".mdm-cover h1").get_text(" "))

    @cached_property
    def section_titles(self) -> list[str]:
        return [words(h.get_text(" ")) for h in self.soup.select("section h2.mdm-section-title")]

    def render(self, target: Path) -> list[Path]:
        """Every page as a grey PNG at 40 dpi (enough to see ink, quick to scan)."""
        target.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["pdftoppm", "-r", str(DPI), "-gray", "-png", str(self.pdf), str(target / "page")],
            check=True,
            timeout=120,
        )
        return sorted(target.glob("page-*.png"))


DOCUMENTS = [
    pytest.param(("tiny_built", "proposal"), id="tiny-proposal"),
    pytest.param(("example_built", "proposal"), id="example-proposal"),
    pytest.param(("example_built", "strategy"), id="example-strategy"),
    pytest.param(("example_built", "progress-2018-q2"), id="example-progress-2018-q2"),
    pytest.param(("example_built", "progress-2018-q4"), id="example-progress-2018-q4"),
]


@pytest.fixture(scope="module", params=DOCUMENTS)
def built(request: pytest.FixtureRequest) -> Built:
    fixture, name = request.param
    output = request.getfixturevalue(fixture) / "output"
    return Built(output / f"{name}.html", output / f"{name}.pdf")


def top_level_outline(reader: PdfReader) -> list[tuple[str, int]]:
    # nested lists hold the h3 bookmarks under the entry before them
    return [
        (words(item.title), reader.get_destination_page_number(item))
        for item in reader.outline
        if not isinstance(item, list)
    ]


def test_every_page_has_readable_text(built: Built) -> None:
    furniture = re.compile(rf"{re.escape(built.title)}|\d+ / \d+")
    for number, text in enumerate(built.texts, start=1):
        assert "\ufffd" not in text, f"page {number}: text does not map to characters"
        body = furniture.sub("", text)
        assert len(re.findall(r"[^\W\d_]{2,}", body)) >= 3, f"page {number} has no text: {text!r}"


def test_a_bookmark_for_every_section_on_its_page(built: Built) -> None:
    outline = top_level_outline(built.reader)
    assert [title for title, _ in outline] == built.section_titles
    for title, index in outline:
        assert title in built.texts[index], f"bookmark {title!r} points to page {index + 1}"


def test_contents_page_numbers_are_where_sections_start(built: Built) -> None:
    starts = dict(top_level_outline(built.reader))
    # the contents follow the cover, or the summary when the document opens with one
    first = next(i for i, text in enumerate(built.texts) if text.startswith("Contents"))
    after = min((i for i in starts.values() if i > first), default=len(built.texts))
    contents = " ".join(built.texts[first:after])
    for title in built.section_titles:
        found = re.search(rf"{re.escape(title)} \.*\s*(\d+)", contents)
        assert found, f"{title!r} is missing from the contents: {contents}"
        assert int(found[1]) == starts[title] + 1, f"contents say {title!r} is on page {found[1]}"
        assert title in built.texts[int(found[1]) - 1]


def fonts(resources: Any) -> list[DictionaryObject]:
    """Every font a page uses, including those of the forms (XObjects) it draws."""
    resources = resources.get_object() if isinstance(resources, IndirectObject) else resources
    if not resources:
        return []
    found = [font.get_object() for font in resources.get("/Font", {}).values()]
    for xobject in resources.get("/XObject", {}).values():
        xobject = xobject.get_object()
        if xobject.get("/Subtype") == "/Form":
            found += fonts(xobject.get("/Resources"))
    return found


def test_every_font_is_embedded(built: Built) -> None:
    seen = 0
    for number, page in enumerate(built.reader.pages, start=1):
        for font in fonts(page.get("/Resources")):
            seen += 1
            if font["/Subtype"] == "/Type3":
                continue  # glyphs drawn by the font's own procedures, nothing to embed
            described = (
                font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            )
            descriptor = described["/FontDescriptor"].get_object()
            assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor), (
                f"page {number}: font {font.get('/BaseFont')} is not embedded"
            )
    assert seen


def test_cover_has_the_title_and_other_pages_are_numbered(built: Built) -> None:
    pages = len(built.texts)
    cover = built.texts[0]
    assert cover.startswith(built.title)
    assert not re.search(r"\d+ / \d+", cover), "the cover carries a page number"
    for number, text in enumerate(built.texts[1:], start=2):
        assert text.endswith(f"{number} / {pages}"), f"page {number} footer: {text[-40:]!r}"


def blank_outside_the_page_area(png: Path) -> str | None:
    """Where a rendered page has ink in its outer band, or None when the band is white."""
    with Image.open(png) as image:
        ink = ImageOps.invert(image.convert("L"))
    width, height = ink.size
    bands = {
        "left edge": (0, 0, SIDE_BAND, height),
        "right edge": (width - SIDE_BAND, 0, width, height),
        "top edge": (0, 0, width, TOP_BOTTOM_BAND),
        "bottom edge": (0, height - TOP_BOTTOM_BAND, width, height),
    }
    for name, box in bands.items():
        if ink.crop(box).getbbox():
            return name
    return None


def test_nothing_is_cut_off_at_the_page_edge(built: Built, tmp_path: Path) -> None:
    pages = built.render(tmp_path)
    assert len(pages) == len(built.texts)
    for number, png in enumerate(pages, start=1):
        assert blank_outside_the_page_area(png) is None, f"page {number}: ink at the edge"


LONG_WORDS = [
    "Internationalisation",
    "Accountability",
    "Responsibilities",
    "Decentralisation",
    "Interoperability",
    "Telecommunications",
    "Characterisation",
    "Institutionalising",
    "Counterproductive",
    "Misunderstandings",
    "Representativeness",
    "Incomprehensibility",
]


@pytest.fixture(scope="module")
def wide_table_built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The tiny project with a 12-column table of long words in a topic summary."""
    root = copy_project(TINY, tmp_path_factory.mktemp("wide-table"))
    table = "\n".join(
        [
            "| " + " | ".join(LONG_WORDS) + " |",
            "|" + "---|" * len(LONG_WORDS),
            "| " + " | ".join(w.upper() + w for w in LONG_WORDS) + " |",
        ]
    )
    topic = root / "params/topics/homework-clubs.yaml"
    params = yaml.safe_load(topic.read_text(encoding="utf-8"))
    params["summary"] = f"Clubs run four nights a week.\n\n{table}\n"
    topic.write_text(yaml.safe_dump(params, sort_keys=False), encoding="utf-8")
    build(BuildOptions(project_dir=root))
    return Built(root / "output/proposal.html", root / "output/proposal.pdf")


def test_a_wide_table_wraps_inside_the_page(wide_table_built: Built, tmp_path: Path) -> None:
    start = dict(top_level_outline(wide_table_built.reader))["1. Homework clubs"]
    text = "".join(wide_table_built.texts[start].split())
    for word in LONG_WORDS:
        assert word in text and word.upper() + word in text, f"{word} is missing from the table"
    pages = wide_table_built.render(tmp_path)
    assert blank_outside_the_page_area(pages[start]) is None, "the table runs off the page"
    for number, png in enumerate(pages, start=1):
        assert blank_outside_the_page_area(png) is None, f"page {number}: ink at the edge"
