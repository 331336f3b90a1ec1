"""mdm explain: every number says what it counts, and a pandas snippet recomputes it."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import REPO, mdm
from test_evidence import _with_events

from mdm.errors import ConfigError
from mdm.params.project import load_project
from mdm.report.explain import Explanation, explain, shown_numbers

# runs snippets in one interpreter, each in its own namespace: what each prints, or its error
_RUNNER = """
import contextlib, io, json, sys
for snippet in json.loads(sys.stdin.read()):
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            exec(snippet, {"__name__": "snippet"})
        print(json.dumps(out.getvalue()))
    except Exception as err:
        print(json.dumps(f"{type(err).__name__}: {err}"))
"""


def _run(snippets: list[str], cwd: Path) -> list[str]:
    """What each snippet prints, run as a reader would: plain Python, in the project folder."""
    done = subprocess.run(
        [sys.executable, "-c", _RUNNER],
        input=json.dumps(snippets),
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
        check=True,
    )
    return [json.loads(line) for line in done.stdout.splitlines()]


def _same(printed: str, numbers: tuple[float | None, ...]) -> bool:
    got = [float(x) for x in printed.split()]
    return len(got) == len(numbers) and all(
        n is not None and math.isclose(g, n, rel_tol=1e-12, abs_tol=1e-12)
        for g, n in zip(got, numbers, strict=True)
    )


# --- the example: every number the proposal shows -------------------------------------------

_EXAMPLE = load_project(REPO)
_PROPOSAL = _EXAMPLE.document("proposal")
_DECLARED = [
    f"{topic.id}.{name}" for topic in _EXAMPLE.active_topics() for name in topic.evidence.values
] + [f"summary.{name}" for name in _PROPOSAL.headlines]


@pytest.fixture(scope="module")
def example_numbers() -> dict[str, Explanation]:
    numbers = shown_numbers(_EXAMPLE, _PROPOSAL)
    return {f"{n.topic}.{n.name}": n for n in numbers}


@pytest.fixture(scope="module")
def printed(example_numbers: dict[str, Explanation]) -> dict[str, str]:
    names = list(example_numbers)
    return dict(zip(names, _run([example_numbers[n].snippet for n in names], REPO), strict=True))


def test_every_number_the_proposal_shows_is_explained(
    example_numbers: dict[str, Explanation],
) -> None:
    # each declared value appears in the prose, and the summary shows three headlines
    assert sorted(example_numbers) == sorted(_DECLARED)
    assert len(example_numbers) == 25
    anchors = [n.anchor for n in example_numbers.values()]
    assert len(set(anchors)) == len(anchors)


@pytest.mark.parametrize("key", _DECLARED)
def test_a_snippet_recomputes_each_number_of_the_example(
    key: str, example_numbers: dict[str, Explanation], printed: dict[str, str]
) -> None:
    number = example_numbers[key]
    assert number.snippet, key
    assert _same(printed[key], number.numbers), (printed[key], number.numbers)


def test_the_headlines_compare_the_year_to_date(example_numbers: dict[str, Explanation]) -> None:
    # issue 19: page 1 compared 2016 with 2015 while 2017 to 19 November already exceeded 2016
    contributors = example_numbers["summary.contributors"]
    assert contributors.shown == (
        "4,148 people contributed across all communities in 1 Jan–19 Nov 2017 "
        "(+15.3% on the same days of 2016)"
    )
    latest, previous = contributors.counted
    assert (latest.days, latest.partial, latest.people) == ("1 Jan–19 Nov 2017", True, 4148)
    assert (previous.first.isoformat(), previous.last.isoformat()) == ("2016-01-01", "2016-11-19")


def test_an_explanation_states_counts_and_definitions_never_people(
    example_numbers: dict[str, Explanation], printed: dict[str, str]
) -> None:
    l10n = example_numbers["competitive-advantage.l10n_latest"]
    assert (l10n.shown, l10n.filters, l10n.statistic) == (
        "695",
        {"community": ["L10N"]},
        "contributors in the latest complete year",
    )
    assert (l10n.counted[0].days, l10n.counted[0].people) == ("2016", 695)
    assert l10n.reference == "the document's as_of (params/documents.yaml)"  # pinned
    assert l10n.input_path == "data/activity.parquet" and len(l10n.input_sha256) == 64
    ids = set(__import__("pandas").read_parquet(REPO / "data/activity.parquet")["contributor_id"])
    for key, number in example_numbers.items():
        words = set(re.findall(r"[\w-]+", json.dumps(number.as_json()) + printed[key]))
        assert not words & ids, key


# --- the command ------------------------------------------------------------------------------

_VALUES = (
    "  values:\n"
    "    people: {metric: contributors, freq: Y}\n"
    "    clubs_change: {metric: contributors, community: Clubs, freq: Y, value: change_pct}\n"
    "  charts:\n"
    "    - {metric: contributors, freq: Q, title: Volunteers per quarter}\n"
)


def test_explain_prints_what_a_value_counts_and_a_snippet_that_recomputes_it(tiny: Path) -> None:
    root = _with_events(tiny, "2026-12-31T18:00:00Z", _VALUES, "{{ people }} volunteered.")
    result = mdm("explain", "book-sales", "people", "--project", str(root))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "people (book-sales, proposal): 9"
    assert "  counts    contributors in the latest complete year" in lines
    assert "  days      2026: 1 Jan 2026–31 Dec 2026" in lines
    assert "  counted   11 events by 9 people" in lines  # 8 sessions, a question and answer, v8
    assert "  left out  0 events by 0 bots or service accounts" in lines
    assert "  as of     31 Dec 2026: the day of the last event" in lines
    assert any(
        re.fullmatch(r"  input     data/activity\.csv, 19 rows, sha256 [0-9a-f]{64}", x)
        for x in lines
    )
    snippet = result.stdout.split("with pandas:\n\n", 1)[1]
    assert "pd.read_csv" in snippet
    assert _run([snippet], root) == ["9\n"]


def test_explain_json_is_for_scripts(tiny: Path) -> None:
    root = _with_events(tiny, "2026-12-31T18:00:00Z", _VALUES, "{{ clubs_change }}.")
    result = mdm("explain", "book-sales", "clubs_change", "--project", str(root), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["kind"], data["shown"], data["numbers"]) == ("value", "+50.0%", [50.0])
    assert data["filters"] == {"community": ["Clubs"]}
    assert [(c["days"], c["people"]) for c in data["counted"]] == [("2026", 9), ("2025", 6)]
    assert data["reference_day"] == "2026-12-31"
    assert _run([data["snippet"]], root) == ["50.0\n"]


def test_a_chart_is_explained_by_its_title(tiny: Path) -> None:
    root = _with_events(tiny, "2026-12-15T18:00:00Z", _VALUES, "{{ people }}.")
    chart = explain(root, "book-sales", "volunteers  PER quarter")
    assert chart.kind == "chart" and chart.name == "Volunteers per quarter"
    assert chart.counted[0].days == "2025-Q1–2026-Q4" and chart.counted[0].partial
    (table,) = _run([chart.snippet], root)
    assert "2026Q4    1" in table and "2025Q1    3" in table


def test_an_unknown_name_lists_the_values_and_charts(tiny: Path) -> None:
    root = _with_events(tiny, "2026-12-31T18:00:00Z", _VALUES, "{{ people }}.")
    with pytest.raises(
        ConfigError, match=r"no value or chart 'peple'; did you mean 'people'\?"
    ) as raised:
        explain(root, "book-sales", "peple")
    (problem,) = raised.value.problems
    assert (problem.path, problem.field) == ("params/topics/book-sales.yaml", "evidence")
    assert "charts: “Volunteers per quarter”" in problem.message
    result = mdm("explain", "book-sales", "peple", "--project", str(root))
    assert result.returncode == 2 and result.stderr.startswith("mdm explain: error: params/topics")


# --- what a value counts is stored with it -----------------------------------------------------


def test_what_a_value_counts_comes_from_the_store(
    tiny: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mdm.build.precompute import precompute

    root = _with_events(
        tiny, "2026-03-15T18:00:00Z", _VALUES, "{{ people }} and {{ clubs_change }}."
    )
    project = load_project(root)
    computed = [n.as_json() for n in shown_numbers(project, project.document("proposal"))]
    assert precompute(project, project.sections("proposal")) > 0

    def refuse(*args: object) -> None:
        raise AssertionError("the events were loaded although the store holds every result")

    monkeypatch.setattr("mdm.report.evidence.load_events", refuse)
    project = load_project(root)
    stored = [n.as_json() for n in shown_numbers(project, project.document("proposal"))]
    assert stored == computed
    assert [n["name"] for n in stored] == ["people", "clubs_change"]


# --- every metric and column a value may take, complete and to date ---------------------------

_WIDER = {
    "onion_regular": "{metric: onion, freq: Q, column: regular, span: to_date, value: change_pct}",
    "onion_casual": "{metric: onion, freq: Y, column: casual, community: SUMO}",
    "response_p90": "{metric: time_to_first_response, freq: Q, column: p90_hours}",
    "response_answered": "{metric: time_to_first_response, freq: M, column: answered, span: to_date, value: previous}",
    "response_threads": "{metric: time_to_first_response, freq: Y, column: threads, community: [SUMO, L10N], value: change}",
    "entered": "{metric: conversion_rate, freq: Q, column: entered, value: previous}",
    "converted": "{metric: conversion_rate, freq: Y, column: converted, span: to_date, value: change}",
    "multi_people": "{metric: multi_area_share, freq: M, column: contributors}",
    "multi_count": "{metric: multi_area_share, freq: Q, column: multi_area, area: [localizing, support], span: to_date}",
    "new_l10n": "{metric: new_contributors, freq: Q, community: L10N, span: to_date, value: change_pct}",
    "translators": "{metric: contributors, freq: M, activity_type: translation, span: to_date, value: previous}",
    "away": "{metric: activity_status, freq: Y, column: away, value: change}",
    "drifting_sumo": "{metric: activity_status, freq: M, column: drifting, community: SUMO}",
    "inactive": "{metric: inactive_contributors, freq: Q, value: previous}",
    "inactive_l10n": "{metric: inactive_contributors, freq: Y, community: L10N, value: change_pct}",
}


@pytest.fixture(scope="module")
def wider(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Explanation, str]]:
    """The example with one more value of every kind in the metrics topic, each explained
    and its snippet run."""
    from conftest import copy_project

    root = copy_project(REPO, tmp_path_factory.mktemp("wider"))
    topic = root / "params/topics/metrics.yaml"
    declared = "".join(f"    {name}: {spec}\n" for name, spec in _WIDER.items())
    shown = " ".join(f"{{{{ {name} }}}}" for name in _WIDER)
    text = topic.read_text(encoding="utf-8")
    text = text.replace("  values:\n", "  values:\n" + declared).replace(
        "findings: |\n", f"findings: |\n  {shown}\n"
    )
    topic.write_text(text, encoding="utf-8")
    project = load_project(root)
    numbers = {n.name: n for n in shown_numbers(project, project.document("proposal"))}
    explained = [numbers[name] for name in _WIDER]
    return dict(
        zip(
            _WIDER,
            zip(explained, _run([n.snippet for n in explained], root), strict=True),
            strict=True,
        )
    )


@pytest.mark.parametrize("name", _WIDER)
def test_a_snippet_recomputes_every_kind_of_value(
    name: str, wider: dict[str, tuple[Explanation, str]]
) -> None:
    number, printed = wider[name]
    assert number.numbers[0] is not None, name
    assert _same(printed, number.numbers), (printed, number.numbers, number.snippet)


# --- in the built documents -------------------------------------------------------------------


@pytest.mark.kernel
def test_each_number_links_to_its_entry_in_the_html_and_the_pdf(example_built: Path) -> None:
    import pypdf

    html = (example_built / "output/proposal.html").read_text(encoding="utf-8")
    page = BeautifulSoup(html, "html.parser")
    links = page.select("a[href^='#value-'], a[href^='#headline-']")
    entries = page.select("section[data-section='sources'] dl.mdm-numbers dt")
    targets = {dt["id"] for dt in entries}
    assert len(entries) == 25 and {a["href"][1:] for a in links} == targets
    # the findings' numbers, and each headline's number and change
    assert len(links) == 22 + 2 * 3
    for link in links:
        entry = page.find(id=link["href"][1:]).get_text(" ")
        assert link.get_text() in entry, link
    summary = page.select_one(".mdm-headlines").get_text(" ")
    assert "4,148" in summary and "1 Jan–19 Nov 2017" in summary and "same days of 2016" in summary

    pdf = pypdf.PdfReader(example_built / "output/proposal.pdf")
    named = pdf.named_destinations
    linked = []
    for number, sheet in enumerate(pdf.pages):
        for annotation in sheet.get("/Annots") or []:
            link = annotation.get_object()
            target = link.get("/Dest") or link.get("/A", {}).get("/D")
            if isinstance(target, str) and target.startswith(("value-", "headline-")):
                linked.append((number, target))
    assert {target for _, target in linked} == targets
    assert all(target in named for _, target in linked)
    # the headlines' links are on page 1, each value's entry in the appendix at the end
    assert {t for n, t in linked if n == 0} == {t for t in targets if t.startswith("headline-")}
    appendix = {pdf.get_destination_page_number(named[t]) for t in targets}
    assert min(appendix) > max(n for n, _ in linked)
