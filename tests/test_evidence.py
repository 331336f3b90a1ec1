"""Evidence in the built documents: computed numbers, consent, provenance, the appendix, privacy."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import REPO

from mdm.build.pipeline import BuildOptions, build
from mdm.data import load_quotes, load_register
from mdm.errors import ConfigError, PrivacyError
from mdm.params.project import load_project


@pytest.fixture(scope="module")
def example(example_built: Path) -> tuple[Path, BeautifulSoup, str]:
    text = (example_built / "output/proposal.html").read_text(encoding="utf-8")
    return example_built, BeautifulSoup(text, "html.parser"), text


@pytest.mark.kernel
def test_every_topic_section_shows_computed_evidence(
    example: tuple[Path, BeautifulSoup, str],
) -> None:
    root, page, _ = example
    for topic in load_project(root).active_topics():
        section = page.select_one(f"section[data-section='topic-{topic.id}']")
        charts = section.select("figure.mdm-chart img")
        assert charts, topic.id
        assert all(img["alt"] and re.search(r"\d", img["alt"]) for img in charts), topic.id
        findings = section.select_one(".mdm-findings").get_text()
        assert "{{" not in findings and re.search(r"\d", findings), topic.id
        # captions name the period and link to the appendix, where files and hashes are listed
        captions = section.select("figure.mdm-chart figcaption")
        assert any(re.search(r"\d{4}", c.get_text()) for c in captions), topic.id
        assert all(c.select_one("a[href='#sec-sources']") for c in captions), topic.id


@pytest.mark.kernel
def test_values_in_prose_match_the_metrics(example: tuple[Path, BeautifulSoup, str]) -> None:
    from mdm import metrics
    from mdm.data import load_events

    root, page, _ = example
    events = load_events(root / "data/activity.parquet")
    yearly = metrics.contributors(events, "Y", filters={"community": "L10N"}).set_index("period")[
        "contributors"
    ]
    yearly = metrics.complete_periods(yearly, events["timestamp"].max())
    latest, previous = int(yearly.iloc[-1]), int(yearly.iloc[-2])
    text = page.select_one(
        "section[data-section='topic-competitive-advantage'] .mdm-findings"
    ).get_text(" ")
    assert f"{latest:,} people localised Mozilla products last year" in " ".join(text.split())
    change = (latest - previous) / previous * 100
    assert f"{change:+.1f}%".replace("-", "−") in text


@pytest.mark.kernel
def test_quotes_follow_consent(example: tuple[Path, BeautifulSoup, str]) -> None:
    root, page, text = example
    quotes = load_quotes(root / "data/quotes.csv")
    shown = {q.text for q in quotes if q.consent in ("anonymous", "attributed")}
    hidden = [q for q in quotes if q.consent in ("none", "internal_only")]
    assert hidden
    body = " ".join(page.get_text(" ").split())
    for quote in hidden:
        assert quote.text not in body
    assert any(q in body for q in shown)
    register = load_register(root / "data/private/register.csv")
    named = {q.attribution for q in quotes if q.consent == "attributed"}
    for name in set(register.values()) - named:
        assert name not in body
    assert "P-0" not in body  # pseudonyms are not shown either
    assert "register.csv" not in text


@pytest.mark.kernel
def test_hostile_quote_text_is_shown_as_text(example: tuple[Path, BeautifulSoup, str]) -> None:
    _, page, text = example
    assert not page.find_all("script")
    assert (
        "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in text
        or "alert('x')" not in page.get_text()
    )


@pytest.mark.kernel
def test_appendix_accounts_for_every_input(example: tuple[Path, BeautifulSoup, str]) -> None:
    root, page, _ = example
    appendix = page.select_one("section[data-section='sources']")
    rows = {r.select("td")[0].get_text(): r for r in appendix.select("tbody tr")}
    project = load_project(root)
    for path in [*project.files, *project.data_files()]:
        assert str(path.relative_to(root)) in rows, path
    assert rows["data/activity.parquet"].select("td")[2].get_text() == f"{333_936:,}"
    used = {d.get_text() for d in appendix.select("dt")}
    assert {
        "Contributors",
        "New contributors",
        "Cohort retention",
        "Time to first response",
        "Core, regular and casual contributors",
    } <= used
    assert not any("register" in name for name in rows)


def test_unknown_value_in_prose_names_file_line_and_name(tiny: Path) -> None:
    topic = tiny / "params/topics/book-sales.yaml"
    topic.write_text(
        topic.read_text(encoding="utf-8") + "findings: |\n  Sales grew {{ sales_growth }}.\n",
        encoding="utf-8",
    )
    with pytest.raises(
        ConfigError,
        match=r"^params/topics/book-sales\.yaml:4: findings: unknown value "
        r"'sales_growth' in \{\{ \}\} \(defined: none: declare them under evidence\.values\)$",
    ):
        load_project(tiny)


def test_data_path_outside_the_project_is_refused(tiny: Path) -> None:
    project = tiny / "params/project.yaml"
    project.write_text(
        project.read_text(encoding="utf-8") + "data:\n  quotes: ../elsewhere/quotes.csv\n",
        encoding="utf-8",
    )
    with pytest.raises(
        ConfigError,
        match=r"^params/project\.yaml:\d+: data\.quotes: expected a path "
        r"inside the project folder, got '\.\./elsewhere/quotes\.csv'",
    ):
        load_project(tiny)


@pytest.mark.kernel
def test_privacy_guard_stops_a_leaking_build(tiny: Path) -> None:
    (tiny / "data/private").mkdir(parents=True)
    shutil.copy(REPO / "tests/fixtures/data/quotes_unknown_topic.csv", tiny / "data/quotes.csv")
    (tiny / "data/quotes.csv").write_text(
        "quote_id,pseudonym,descriptor,topics,consent,attribution,text\n"
        "q1,P-1,club lead,homework-clubs,anonymous,,We need a quiet room.\n",
        encoding="utf-8",
    )
    (tiny / "data/private/register.csv").write_text(
        "pseudonym,name\nP-1,Maryam Haddad\n", encoding="utf-8"
    )
    build(BuildOptions(project_dir=tiny, formats=("html",)))
    good = (tiny / "output/proposal.html").read_bytes()
    assert b"We need a quiet room." in good and b"Maryam" not in good
    # an author pastes the interviewee's name into the narrative
    topic = tiny / "params/topics/homework-clubs.yaml"
    topic.write_text(
        topic.read_text(encoding="utf-8") + "findings: As Maryam Haddad said, rooms matter.\n",
        encoding="utf-8",
    )
    with pytest.raises(
        PrivacyError,
        match=r"^proposal\.html: contains the real name behind pseudonym P-1 "
        r"\(data/private/register\.csv\), who has not consented",
    ):
        build(BuildOptions(project_dir=tiny, formats=("html",)))
    assert (tiny / "output/proposal.html").read_bytes() == good
