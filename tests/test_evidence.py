"""Evidence in the built documents: computed numbers, consent, provenance, the appendix, privacy."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
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
    # the proposal's reference day is its as_of: it counts no later event, and a period is
    # complete when it ended by the end of that day
    as_of = load_project(root).documents["proposal"].as_of
    day_end = pd.Timestamp(as_of, tz="UTC") + pd.Timedelta(days=1)
    events = events[events["timestamp"] < day_end]
    yearly = metrics.contributors(events, "Y", filters={"community": "L10N"}).set_index("period")[
        "contributors"
    ]
    yearly = yearly[yearly.index.end_time < day_end.tz_localize(None)]
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
    # the whole file: the proposal's data to 19 November 2017 and 2018 for the progress reports
    assert rows["data/activity.parquet"].select("td")[2].get_text() == f"{427_820:,}"
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


# --- values in prose: reference day, periods, units (kernel-free, on the tiny project) ----------

_HEADER = (
    "contributor_id,timestamp,community,area,activity_type,country,affiliation,is_bot,thread_id"
)


def _with_events(
    root: Path,
    last: str,
    evidence: str,
    findings: str,
    as_of: str = "",
    extra: tuple[str, ...] = (),
) -> Path:
    """The tiny project with 6 volunteers in 2025, 9 in 2026 (the last event at ``last``).

    A 2025 thread is answered after 10 hours, a 2026 one after 13.8 hours; ``extra`` rows follow.
    """
    rows = [_HEADER]
    rows += [f"v{i},2025-0{1 + i}-10T09:00:00Z,Clubs,tutoring,session,,,," for i in range(6)]
    rows += [f"v{i},2026-0{1 + i}-10T09:00:00Z,Clubs,tutoring,session,,,," for i in range(8)]
    rows += [
        "v0,2025-03-01T08:00:00Z,Clubs,tutoring,question,,,,t1",
        "v1,2025-03-01T18:00:00Z,Clubs,tutoring,answer,,,,t1",
        "v2,2026-03-01T10:00:00Z,Clubs,tutoring,question,,,,t2",
        "v3,2026-03-01T23:48:00Z,Clubs,tutoring,answer,,,,t2",
        f"v8,{last},Clubs,tutoring,session,,,,",
        *extra,
    ]
    (root / "data").mkdir(exist_ok=True)
    (root / "data/activity.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    project = root / "params/project.yaml"
    extra = "data:\n  events: data/activity.csv\n" + (f"as_of: {as_of}\n" if as_of else "")
    project.write_text(project.read_text(encoding="utf-8") + extra, encoding="utf-8")
    topic = root / "params/topics/book-sales.yaml"
    topic.write_text(
        topic.read_text(encoding="utf-8") + f"evidence:\n{evidence}findings: |\n  {findings}\n",
        encoding="utf-8",
    )
    return root


def _findings(root: Path) -> str:
    from mdm.report import sections

    html = sections.topic(root, "proposal", "book-sales").findings()
    return " ".join(BeautifulSoup(html, "html.parser").get_text(" ").split())


_YEARLY = "  values:\n    people: {metric: contributors, freq: Y}\n"


def test_events_to_31_december_make_that_year_the_last_one(tiny: Path) -> None:
    # issue 11.4: "last year" printed 2025 beside a chart whose last bar is 2026
    from mdm.report import sections

    root = _with_events(
        tiny,
        "2026-12-31T18:00:00Z",
        _YEARLY + "  charts:\n    - {metric: contributors, freq: Y}\n",
        "{{ people }} people volunteered in {{ people.period }}.",
    )
    assert _findings(root) == "Key findings 9 people volunteered in 2026."
    chart = sections.topic(root, "proposal", "book-sales").charts()
    assert "latest 9 in 2026" in chart


def test_a_year_whose_data_ends_on_15_december_is_incomplete(tiny: Path) -> None:
    root = _with_events(
        tiny,
        "2026-12-15T18:00:00Z",
        _YEARLY,
        "{{ people }} people volunteered in {{ people.period }}.",
    )
    assert _findings(root) == "Key findings 6 people volunteered in 2025."


def test_as_of_per_project_and_per_value(tiny: Path) -> None:
    root = _with_events(
        tiny,
        "2026-12-31T18:00:00Z",
        _YEARLY
        + "    quarter: {metric: contributors, freq: Q}\n"
        + "    year_end: {metric: contributors, freq: Y, as_of: 2026-12-31}\n",
        "{{ people }} in {{ people.period }}; {{ quarter }} in {{ quarter.period }}; "
        "{{ year_end }} in {{ year_end.period }}.",
        as_of="2026-06-30",
    )
    # the project's day makes Q2 2026 (April–June: v3, v4, v5) the last quarter, 2025 the last year
    assert _findings(root) == "Key findings 6 in 2025; 3 in Q2 2026; 9 in 2026."


def test_a_change_names_both_periods(tiny: Path) -> None:
    root = _with_events(
        tiny,
        "2026-12-31T18:00:00Z",
        "  values:\n    growth: {metric: contributors, freq: Y, value: change_pct}\n",
        "Up {{ growth }} ({{ growth.number }} per cent) in {{ growth.period }}.",
    )
    assert _findings(root) == "Key findings Up +50.0% (+50.0 per cent) in 2026 compared with 2025."


def test_hours_are_printed_once(tiny: Path) -> None:
    # issue 11.5: "{{ v }} hours" printed "13.8 hours hours"
    root = _with_events(
        tiny,
        "2026-12-31T18:00:00Z",
        "  values:\n    wait: {metric: time_to_first_response, freq: Y}\n"
        "    slower: {metric: time_to_first_response, freq: Y, value: change}\n",
        "A first answer took {{ wait.number }} hours in {{ wait.period }} ({{ slower }}); "
        "the median was {{ wait }}.",
    )
    assert _findings(root) == (
        "Key findings A first answer took 13.8 hours in 2026 (+3.8 hours); the median was 13.8 hours."
    )


def test_an_unknown_part_of_a_value_names_the_parts_there_are(tiny: Path) -> None:
    topic = tiny / "params/topics/book-sales.yaml"
    topic.write_text(
        topic.read_text(encoding="utf-8")
        + "evidence:\n  values:\n    people: {metric: contributors}\n"
        + "findings: '{{ people.unit }} people'\n",
        encoding="utf-8",
    )
    with pytest.raises(
        ConfigError,
        match=r"^params/topics/book-sales\.yaml:7: findings: expected \{\{ people \}\}, "
        r"\{\{ people\.number \}\} or \{\{ people\.period \}\}, got \{\{ people\.unit \}\}$",
    ):
        load_project(tiny)


def test_events_after_the_reference_day_do_not_count(tiny: Path) -> None:
    # w1 enters at an open day in June and contributes three times in July; July has no
    # entrants (no rate), so both values are June's, converted only once July counts
    root = _with_events(
        tiny,
        "2026-12-31T18:00:00Z",
        "  values:\n    june: {metric: conversion_rate, freq: M, as_of: 2026-06-30}\n"
        "    later: {metric: conversion_rate, freq: M, as_of: 2026-07-31}\n",
        "{{ june }} in {{ june.period }}, {{ later }} in {{ later.period }}.",
        extra=(
            "w1,2026-06-20T10:00:00Z,Clubs,outreach,event_attended,,,,",
            *(
                f"w1,2026-07-{day}T10:00:00Z,Clubs,tutoring,session,,,,"
                for day in ("02", "09", "16")
            ),
        ),
    )
    assert _findings(root) == "Key findings 0% in June 2026, 100% in June 2026."


def test_a_document_pinned_to_a_day_counts_no_later_event_in_values_or_charts(tiny: Path) -> None:
    # issue 23: the proposal stays pinned to the data it was written with, while the data runs on
    from mdm.report import sections

    root = _with_events(
        tiny,
        "2026-12-31T18:00:00Z",
        _YEARLY + "  charts:\n    - {metric: contributors, freq: Y}\n",
        "{{ people }} people volunteered in {{ people.period }}.",
    )
    documents = root / "params/documents.yaml"
    documents.write_text(
        documents.read_text(encoding="utf-8").replace(
            "    decision_record: true\n", "    decision_record: true\n    as_of: 2026-03-15\n"
        ),
        encoding="utf-8",
    )
    # 2026 is running on 15 March: the last complete year is 2025, with its 6 volunteers
    assert _findings(root) == "Key findings 6 people volunteered in 2025."
    section = sections.topic(root, "proposal", "book-sales")
    chart = section.charts()
    # the chart stops on 15 March too: 2026 has the 4 people active by then (v0-v2 in
    # sessions, v3 answering on 1 March), and is partial
    assert "latest 4 in 2026" in chart
    assert "2026 is partial: data to 15 Mar 2026" in chart


def test_a_caption_calls_a_period_partial_by_the_rule_the_prose_uses(tiny: Path) -> None:
    # issue 20.5: "2026 is partial: data to 31 Dec 2026" beside prose that treats 2026 as complete
    from mdm.report import sections

    root = _with_events(
        tiny,
        "2026-12-31T18:00:00Z",
        _YEARLY + "  charts:\n    - {metric: contributors, freq: Y}\n",
        "{{ people }} people volunteered in {{ people.period }}.",
    )
    assert _findings(root) == "Key findings 9 people volunteered in 2026."
    assert "partial" not in sections.topic(root, "proposal", "book-sales").charts()


# --- periods leadership reads as current: the running period against the same days before ------


def _documents(root: Path, extra: str) -> None:
    documents = root / "params/documents.yaml"
    documents.write_text(
        documents.read_text(encoding="utf-8").replace(
            "    decision_record: true\n", f"    decision_record: true\n{extra}"
        ),
        encoding="utf-8",
    )


def test_a_value_to_date_compares_the_same_days_of_the_year_before(tiny: Path) -> None:
    # on 15 March 2026: v0-v2 in sessions and v3 answering on 1 March; a year earlier v0-v2
    root = _with_events(
        tiny,
        "2026-12-31T18:00:00Z",
        "  values:\n    now: {metric: contributors, freq: Y, span: to_date}\n"
        "    then: {metric: contributors, freq: Y, span: to_date, value: previous}\n"
        "    growth: {metric: contributors, freq: Y, span: to_date, value: change_pct}\n"
        "    quarter: {metric: contributors, freq: Q, span: to_date, value: change}\n",
        "{{ now }} in {{ now.period }}, {{ then }} in {{ then.period }}: {{ growth }}, "
        "{{ growth.period }}. {{ quarter }}: {{ quarter.period }}.",
        as_of="2026-03-15",
    )
    assert _findings(root) == (
        "Key findings 4 in 1 Jan–15 Mar 2026, 3 in 1 Jan–15 Mar 2025: +33.3%, "
        "1 Jan–15 Mar 2026 compared with the same days of 2025. "
        "+4: 1 Jan–15 Mar 2026 compared with 1 Oct–15 Dec 2025."
    )


def test_new_contributors_to_date_are_first_seen_over_all_history(tiny: Path) -> None:
    # w1 first contributes in February 2026; x1 first contributed in 2024 and comes back then
    root = _with_events(
        tiny,
        "2026-12-31T18:00:00Z",
        "  values:\n    new: {metric: new_contributors, freq: Y, span: to_date}\n",
        "{{ new }} new in {{ new.period }}.",
        as_of="2026-03-15",
        extra=(
            "w1,2026-02-01T10:00:00Z,Clubs,tutoring,session,,,,",
            "x1,2024-05-01T10:00:00Z,Clubs,tutoring,session,,,,",
            "x1,2026-02-02T10:00:00Z,Library,shelving,session,,,,",
        ),
    )
    assert _findings(root) == "Key findings 1 new in 1 Jan–15 Mar 2026."


def test_a_headline_names_its_span_and_links_to_its_entry(tiny: Path) -> None:
    from mdm.report import sections

    root = _with_events(tiny, "2026-12-31T18:00:00Z", _YEARLY, "{{ people }}.", "2026-03-15")
    _documents(
        root,
        "    front: [summary]\n    back: [sources]\n    headlines:\n"
        "      people: {metric: contributors, freq: Y, title: volunteers helped}\n"
        "      full: {metric: contributors, freq: Y, span: complete, title: in full years}\n",
    )
    page = BeautifulSoup(sections.summary(root, "proposal").page(), "html.parser")
    lines = [" ".join(li.get_text(" ").split()) for li in page.select(".mdm-headlines li")]
    assert lines == [
        "4 volunteers helped in 1 Jan–15 Mar 2026 ( +33.3% on the same days of 2025)",
        "6 in full years in 2025",
    ]
    assert [a["href"] for a in page.select(".mdm-headlines a")] == [
        "#headline-people",
        "#headline-people",
        "#headline-full",
    ]
    sources = BeautifulSoup(sections.sources(root, "proposal").table(), "html.parser")
    entry = sources.find(id="headline-people").find_next("dd").get_text(" ")
    assert "1 Jan–15 Mar 2026 (part of the period): 5 events by 4 people" in " ".join(entry.split())


def test_a_headline_counts_complete_periods_when_the_running_one_has_no_data(tiny: Path) -> None:
    from mdm.report import sections

    root = _with_events(tiny, "2026-12-31T18:00:00Z", _YEARLY, "{{ people }}.")
    _documents(root, "    front: [summary]\n    as_of: 2027-01-10\n")
    (line,) = sections.summary(root, "proposal").headlines()[:1]
    assert (line.value, line.period, line.change, line.previous) == ("9", "2026", "+50.0%", "2025")


def test_a_state_has_no_count_to_date(tiny: Path) -> None:
    topic = tiny / "params/topics/book-sales.yaml"
    topic.write_text(
        topic.read_text(encoding="utf-8")
        + "evidence:\n  values:\n    active: {metric: activity_status, span: to_date}\n",
        encoding="utf-8",
    )
    with pytest.raises(
        ConfigError,
        match=r"^params/topics/book-sales\.yaml:6: evidence\.values\.active\.span: activity_status "
        r"counts a state at the end of each period",
    ):
        load_project(tiny)


# --- every number links to what it counts; a caption says when the text counts other things ----


def test_each_number_in_the_prose_links_to_its_entry_in_the_sources(tiny: Path) -> None:
    from mdm.report import sections

    root = _with_events(
        tiny,
        "2026-12-31T18:00:00Z",
        _YEARLY + "    growth: {metric: contributors, freq: Y, value: change_pct}\n",
        "{{ people }} people in {{ people.period }} ({{ growth.number }} per cent).",
    )
    unlinked = BeautifulSoup(
        sections.topic(root, "proposal", "book-sales").findings(), "html.parser"
    )
    assert not unlinked.select("a")  # no appendix in this document: nothing to link to
    _documents(root, "    back: [sources]\n")
    findings = BeautifulSoup(
        sections.topic(root, "proposal", "book-sales").findings(), "html.parser"
    )
    assert [(a.get_text(), a["href"]) for a in findings.select("a")] == [
        ("9", "#value-book-sales-people"),
        ("+50.0", "#value-book-sales-growth"),
    ]
    sources = BeautifulSoup(sections.sources(root, "proposal").table(), "html.parser")
    assert [dt["id"] for dt in sources.select("dl.mdm-numbers dt")] == [
        "value-book-sales-people",
        "value-book-sales-growth",
    ]
    entry = " ".join(
        sources.find(id="value-book-sales-growth").find_next("dd").get_text(" ").split()
    )
    assert entry.startswith(
        "Contributors in the latest complete year against the year before it, the change in "
        "per cent ( Contributors ). 2026: 11 events by 9 people; 0 events by 0 bots or service "
        "accounts left out. 2025: 8 events by 6 people;"
    )
    assert (
        "Data as of 31 December 2026 (the day of the last event), from data/activity.csv" in entry
    )
    assert sources.select_one("a[href='#metric-contributors']")
    assert sources.find(id="metric-contributors")


def test_a_caption_says_when_the_text_counts_other_things(tiny: Path) -> None:
    # issue 19: "695 people localised" (community L10N) beside a chart of 675 (area localizing)
    from mdm.report import sections

    root = _with_events(
        tiny,
        "2026-12-31T18:00:00Z",
        "  values:\n    clubs: {metric: contributors, community: Clubs, freq: Y}\n"
        "  charts:\n    - {metric: contributors, by: area, freq: Y, title: By area}\n"
        "    - {metric: contributors, by: community, freq: Y, title: By community}\n"
        "    - {metric: contributors, community: Clubs, freq: Q, title: Per quarter}\n"
        "    - {metric: contributors, community: Clubs, freq: Y, title: The same}\n",
        "{{ clubs }} volunteered in clubs.",
        extra=("x1,2026-02-02T10:00:00Z,Library,shelving,session,,,,",),
    )
    captions = [
        " ".join(f.get_text(" ").split())
        for f in BeautifulSoup(
            sections.topic(root, "proposal", "book-sales").charts(), "html.parser"
        ).select("figcaption")
    ]
    assert (
        "In the text, 9 are for community Clubs only; this chart is for all activity and split by area."
        in captions[0]
    )
    assert "In the text" not in captions[1]  # the Clubs line is the text's number
    assert "In the text, 9 are per full year; this chart is per quarter." in captions[2]
    assert "In the text" not in captions[3]


def test_the_cover_says_when_the_numbers_are_as_of_and_the_colophon_when_built(tiny: Path) -> None:
    import datetime as dt

    from mdm.build.assemble import render_document

    root = _with_events(tiny, "2026-12-15T18:00:00Z", _YEARLY, "{{ people }}.")
    page = BeautifulSoup(render_document(load_project(root), "proposal", []), "html.parser")
    assert "Numbers as of 15 December 2026" in " ".join(
        page.select_one(".mdm-cover").get_text(" ").split()
    )
    assert "Built" not in page.select_one(".mdm-cover").get_text()
    assert f"Built {dt.date.today().isoformat()} with mdm" in page.select_one("footer").get_text()
    _documents(root, "    as_of: 2026-06-30\n")
    page = BeautifulSoup(render_document(load_project(root), "proposal", []), "html.parser")
    assert page.select_one(".mdm-cover time")["datetime"] == "2026-06-30"
