"""The documents leadership decides on, read as their readers would.

The summary comes first and says what is asked, for how much and by when; every
ask is in its section and in the investment overview, whose Total row and option
totals add up; nothing is said three times; charts are SVG; the PDF is tagged;
no heading is left at the foot of a page; the strategy answers its discussions.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup
from conftest import FIXTURES, REPO, TINY, copy_project
from pypdf import PdfReader

from mdm.errors import ConfigError
from mdm.params.project import load_project
from mdm.report.investment import plan_of

# the tiny project with asks, options, a decision and feedback laid over its params
INVESTED = FIXTURES / "tiny-investment"


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """A fresh copy of the tiny project with its investment plan, safe to break."""
    root = copy_project(TINY, tmp_path / "tiny")
    shutil.copytree(INVESTED / "params", root / "params", dirs_exist_ok=True)
    return root


@pytest.fixture(scope="module")
def tiny_built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """That project, built once for this module (HTML and PDF)."""
    from mdm.build.pipeline import BuildOptions, build

    root = copy_project(TINY, tmp_path_factory.mktemp("tiny-invested"))
    shutil.copytree(INVESTED / "params", root / "params", dirs_exist_ok=True)
    build(BuildOptions(project_dir=root))
    return root


# --- params: asks and options are checked on load ------------------------------------------------


def _edit(path: Path, change: object) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)  # type: ignore[operator]
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def _ask(data: dict, **values: object) -> None:
    data["asks"][0].update(values)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        pytest.param(
            {"amount": "-5"},
            r"homework-clubs.yaml:\d+: asks.0.amount: .*greater than or equal to 0",
            id="negative-amount",
        ),
        pytest.param(
            {"currency": "pounds"},
            r"homework-clubs.yaml:\d+: asks.0.currency: .*\[A-Z\]\{3\}",
            id="not-a-currency-code",
        ),
        pytest.param(
            {"currency": "USD"},
            r"homework-clubs.yaml:\d+: asks.0.currency: expected GBP or a currency with a rate "
            r"under investment.rates in params/project.yaml, got USD",
            id="currency-without-rate",
        ),
        pytest.param(
            {"owner": "nobody"},
            r"homework-clubs.yaml:\d+: asks.0.owner: 'nobody' is not a stakeholder",
            id="unknown-owner",
        ),
        pytest.param(
            {"start": "2026-Q1", "end": "2025-Q4"},
            r"homework-clubs.yaml:\d+: asks.0.end: expected a quarter from 2026-Q1 on, got 2025-Q4",
            id="ends-before-it-starts",
        ),
    ],
)
def test_a_bad_ask_is_reported_with_file_line_and_field(
    tiny: Path, values: dict[str, str], message: str
) -> None:
    _edit(tiny / "params/topics/homework-clubs.yaml", lambda d: _ask(d, **values))
    with pytest.raises(ConfigError, match=message):
        load_project(tiny)


def test_an_option_naming_an_unknown_ask_is_reported(tiny: Path) -> None:
    def typo(data: dict) -> None:
        data["investment"]["options"][0]["asks"] = ["homework-clubs/tutor-stipend"]

    _edit(tiny / "params/project.yaml", typo)
    with pytest.raises(
        ConfigError,
        match=r"params/project.yaml:\d+: investment.options.0.asks: unknown ask "
        r"'homework-clubs/tutor-stipend' .*did you mean 'homework-clubs/tutor-stipends'\?",
    ):
        load_project(tiny)


def test_totals_convert_with_the_declared_rate_and_add_up_per_option(tiny: Path) -> None:
    plan = plan_of(load_project(tiny))
    # 4,800 + 2,400 + 300 + 1,200 GBP and 350 EUR of workbooks at 0.85 GBP per EUR: 297.50,
    # rounded once to the whole pound the documents print
    assert plan.currency == "GBP"
    assert plan.total() == Decimal("8700") + Decimal("298")
    totals = {o.id: total for o, _, total in plan.option_rows()}
    assert totals == {"essential": Decimal("4800"), "recommended": Decimal("7498")}
    by_quarter = plan.by_quarter()
    kinds = [c for c in by_quarter.columns if c != "period"]
    assert sum(by_quarter[kinds].sum()) == plan.total()
    assert list(by_quarter["period"]) == ["2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3"]


def test_values_beside_a_chart_of_the_same_metric_agree_with_it() -> None:
    """A number in a topic's text equals the chart's value for the same period and filters."""
    import pandas as pd

    from mdm.metrics import DEFINITIONS, complete_periods
    from mdm.report.evidence import Research, metric_result, reference_day, value_of

    project = load_project(REPO)
    research = Research(project)
    compared = 0
    for topic in project.active_topics():
        for chart in topic.evidence.charts:
            for spec in topic.evidence.values.values():
                same = spec.model_dump(include={"metric", "freq", "by", "community", "area"})
                if same != chart.model_dump(include=set(same)) or spec.value != "latest":
                    continue
                if spec.activity_type != chart.activity_type:
                    continue
                result = metric_result(research, chart)
                column = spec.column or DEFINITIONS[spec.metric].columns[0].name
                # a period is complete once its last day is on or before the reference day
                day = pd.Timestamp(reference_day(research, spec)) + pd.Timedelta(days=1)
                series = complete_periods(
                    result.groupby("period")[column].sum(), day - pd.Timedelta(1, "ns")
                )
                value = value_of(research, spec).number
                assert value == pytest.approx(float(series.dropna().iloc[-1]))
                compared += 1
    assert compared >= 3


# --- the built documents ---------------------------------------------------------------------

DOCUMENTS = [
    pytest.param(("tiny_built", "proposal"), id="tiny-proposal"),
    pytest.param(("example_built", "proposal"), id="example-proposal"),
    pytest.param(("example_built", "strategy"), id="example-strategy"),
]


@pytest.fixture(scope="module", params=DOCUMENTS)
def document(request: pytest.FixtureRequest) -> tuple[Path, str]:
    fixture, name = request.param
    return request.getfixturevalue(fixture), name


def _soup(root: Path, name: str) -> BeautifulSoup:
    return BeautifulSoup((root / f"output/{name}.html").read_text(encoding="utf-8"), "html.parser")


def _amount(text: str) -> Decimal:
    return Decimal(re.sub(r"[^\d.]", "", text))


@pytest.mark.kernel
def test_the_summary_comes_first_and_says_what_is_asked(document: tuple[Path, str]) -> None:
    root, name = document
    soup = _soup(root, name)
    sections = [s["data-section"] for s in soup.select("section.mdm-section")]
    first_topic = next(i for i, s in enumerate(sections) if s.startswith("topic-"))
    assert sections[0].endswith("summary") and first_topic > 0
    summary = soup.select_one("section.mdm-opening")
    text = " ".join(summary.get_text(" ").split())
    decision = load_project(root).document(name).decision
    assert decision is not None and " ".join(decision.request.split()) in text
    assert decision.by.strftime("%-d %B %Y") in text
    # the first two printed pages carry the decision, the money and the sign-off
    pages = PdfReader(root / f"output/{name}.pdf").pages
    opening = " ".join(" ".join(p.extract_text().split()) for p in pages[:2])
    assert "Decision requested" in opening and "agreed" in opening
    if name == "proposal":
        plan = plan_of(load_project(root))
        assert f"{plan.total():,.0f}" in opening
        for option in plan.options:
            assert option.title in opening


@pytest.mark.kernel
@pytest.mark.parametrize("fixture", ["tiny_built", "example_built"])
def test_the_overview_total_is_the_sum_of_every_ask(
    fixture: str, request: pytest.FixtureRequest
) -> None:
    root = request.getfixturevalue(fixture)
    soup = _soup(root, "proposal")
    table = soup.select_one("table.mdm-asks")
    amounts = [_amount(r.select("td")[-1].get_text()) for r in table.select("tbody tr")]
    total = _amount(table.select_one("tfoot td").get_text())
    plan = plan_of(load_project(root))
    assert len(amounts) == len(plan.rows)
    # each shown amount is rounded to whole units; the total is rounded once
    assert abs(sum(amounts) - total) <= len(amounts) / 2
    assert total == plan.total().quantize(Decimal(1))
    for kind_table in soup.select("table.mdm-by-kind, table.mdm-by-quarter"):
        parts = [_amount(r.select("td")[-1].get_text()) for r in kind_table.select("tbody tr")]
        assert abs(sum(parts) - total) <= len(parts) / 2
        assert _amount(kind_table.select_one("tfoot td").get_text()) == total
    options = soup.select_one("table.mdm-options")
    for row, (option, asks, option_total) in zip(
        options.select("tbody tr"), plan.option_rows(), strict=True
    ):
        assert option.title in row.get_text()
        assert _amount(row.select("td")[-1].get_text()) == option_total.quantize(Decimal(1))
        assert option_total == sum((a.amount for a in asks), Decimal(0))


@pytest.mark.kernel
@pytest.mark.parametrize("fixture", ["tiny_built", "example_built"])
def test_every_ask_is_in_its_section_and_in_the_overview(
    fixture: str, request: pytest.FixtureRequest
) -> None:
    root = request.getfixturevalue(fixture)
    soup = _soup(root, "proposal")
    overview = soup.select_one("section[data-section='investment']")
    plan = plan_of(load_project(root))
    assert plan.rows
    for row in plan.rows:
        block = soup.select_one(f"section[data-section='topic-{row.topic.id}'] #{row.anchor}")
        assert block is not None, f"{row.ref} is missing from its section"
        assert row.ask.title in block.get_text() and row.ask.if_not_funded in block.get_text()
        assert overview.select_one(f"a[href='#{row.anchor}']") is not None


@pytest.mark.kernel
def test_no_paragraph_is_said_more_than_twice(document: tuple[Path, str]) -> None:
    root, name = document
    soup = _soup(root, name)
    texts = [
        " ".join(e.get_text(" ").split())
        for e in soup.select("main p, main li, main figcaption, main blockquote, main td")
    ]
    # short cells (a quarter, a status, a kind) repeat by nature; sentences must not
    counts = Counter(t for t in texts if len(t) > 40)
    repeated = {t: n for t, n in counts.items() if n > 2}
    assert not repeated, repeated
    images = Counter(img["src"] for img in soup.select("img"))
    assert all(n == 1 for n in images.values()), "a chart is shown twice"


@pytest.mark.kernel
def test_charts_are_vector_in_html_and_pdf(document: tuple[Path, str]) -> None:
    root, name = document
    sources = [img["src"] for img in _soup(root, name).select("figure.mdm-chart img")]
    assert sources and all(s.startswith("data:image/svg+xml;base64,") for s in sources)
    reader = PdfReader(root / f"output/{name}.pdf")
    for number, page in enumerate(reader.pages, start=1):
        for xobject in page.get("/Resources", {}).get("/XObject", {}).values():
            assert xobject.get_object().get("/Subtype") != "/Image", f"page {number}: raster image"
    assert (root / f"output/{name}.html").stat().st_size < 1_500_000


@pytest.mark.kernel
def test_the_pdf_is_tagged_with_language_and_title(document: tuple[Path, str]) -> None:
    root, name = document
    reader = PdfReader(root / f"output/{name}.pdf")
    catalog = reader.trailer["/Root"]
    assert "/StructTreeRoot" in catalog
    assert catalog["/MarkInfo"]["/Marked"]
    assert str(catalog["/Lang"]) == load_project(root).info.language
    assert (
        reader.metadata.title and load_project(root).document(name).title in reader.metadata.title
    )


@pytest.mark.kernel
def test_no_heading_is_the_last_line_of_a_page(document: tuple[Path, str]) -> None:
    root, name = document
    soup = _soup(root, name)
    headings = {" ".join(h.get_text(" ").split()) for h in soup.select("main :is(h2, h3, h4, h5)")}
    reader = PdfReader(root / f"output/{name}.pdf")
    for number, page in enumerate(reader.pages, start=1):
        lines = [" ".join(line.split()) for line in page.extract_text().splitlines()]
        lines = [line for line in lines if line and not re.fullmatch(r"\d+ / \d+", line)]
        assert lines, f"page {number} is empty"
        assert lines[-1] not in headings, f"page {number} ends with the heading {lines[-1]!r}"


@pytest.mark.kernel
def test_the_strategy_answers_its_discussions(example_built: Path) -> None:
    soup = _soup(example_built, "strategy")
    project = load_project(example_built)
    summary = soup.select_one("section.mdm-opening").get_text(" ")
    for topic in project.active_topics():
        section = soup.select_one(f"section[data-section='topic-{topic.id}']").get_text(" ")
        # a topic's asks are proposals: shown under "we propose", never "no proposal yet"
        assert ("No proposal yet" in section) == (not topic.proposes), topic.id
        for ask in topic.asks:
            assert ask.title in section, (topic.id, ask.id)
        if not topic.proposes:
            assert topic.title in summary
    assert "No proposal yet" not in summary  # the example answers every topic
    said = soup.select("ul.mdm-said li")
    assert said and not any("Feedback collected" in li.get_text() for li in said)
    feedback = project.document("strategy").feedback
    assert feedback is not None
    block = soup.select_one(".mdm-feedback").get_text(" ")
    assert feedback.deadline.strftime("%-d %B %Y") in block and feedback.contact in block
    roadmap = soup.select_one("section[data-section='roadmap']").get_text(" ")
    last = max(project.info.timeline, key=lambda m: m.quarter_index)
    assert last.title in roadmap


@pytest.mark.kernel
@pytest.mark.parametrize("name", ["proposal", "strategy"])
def test_the_sign_off_line_and_the_decision_record_agree(example_built: Path, name: str) -> None:
    soup = _soup(example_built, name)
    line = soup.select_one(".mdm-signoff").get_text(" ", strip=True)
    record = soup.select_one("section[data-section='sec-decision-record']")
    states = {
        tr.th.get_text(strip=True): tr.td.get_text(strip=True) for tr in record.select("tbody tr")
    }
    unasked = [who for who, state in states.items() if state == "not yet asked"]
    assert unasked and line.endswith("not yet asked: " + ", ".join(unasked))
    assert "waiting for" not in line  # nobody was asked yet, so nobody is waited for


@pytest.mark.kernel
def test_a_release_is_also_written_as_pdf_a(tiny_as_built: Path) -> None:
    from mdm.build.pipeline import BuildOptions, build

    tiny = tiny_as_built
    build(BuildOptions(project_dir=tiny, release="1.0"))
    released = tiny / "output/releases/1.0"
    archived = PdfReader(released / "proposal.pdfa.pdf")
    xmp = archived.xmp_metadata
    assert xmp is not None
    assert xmp.get_element("", "http://www.aiim.org/pdfa/ns/id/", "part")
    assert "/StructTreeRoot" in archived.trailer["/Root"]  # archived and still tagged
    assert (released / "proposal.pdf").is_file()


@pytest.mark.parametrize(
    ("markdown", "line"),
    [
        pytest.param(
            "- Adopt it: open,\n  rotating.\n- Later.",
            "Adopt it: open, rotating.",
            id="wrapped-item",
        ),
        pytest.param("1. First\n2. Second", "First", id="numbered"),
        pytest.param("Plain text\ngoes on.\n\nNext.", "Plain text goes on.", id="paragraph"),
    ],
)
def test_the_summary_takes_a_topics_first_recommendation_whole(markdown: str, line: str) -> None:
    from mdm.report.pages.summary import first_line

    assert first_line(markdown) == line
