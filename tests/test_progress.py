"""Progress reports: the status rules, readings that never drift, the records they read
(spending, the milestone log, the decision), a report that says what it said, and the built
document behind the same guard and sanitiser as the others."""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import REPO, copy_project, mdm

from mdm.build.cache import section_keys
from mdm.build.check import check
from mdm.build.pipeline import BuildOptions, build
from mdm.data.milestones import load_milestone_log
from mdm.data.spending import load_spending
from mdm.errors import ConfigError, DataError, PrivacyError
from mdm.params.models import Document, DocumentsFile, Effect, ValueSpec
from mdm.params.project import load_project
from mdm.report import sections
from mdm.report.effects import target_of
from mdm.report.evidence import Research, compute_result, value_of
from mdm.report.progress import progress_report, since_last
from mdm.report.tracking import (
    Measures,
    complete_quarters,
    expected_at,
    quarter_end,
    status_of,
)

Q2, Q4 = "progress-2018-q2", "progress-2018-q4"
DECIDED = dt.date(2017, 12, 14)
DUE = dt.date(2018, 12, 31)

# --- the status rules, on hand-made numbers ------------------------------------------------


@pytest.mark.parametrize(
    ("baseline", "target", "latest", "measured", "status"),
    [
        (100, 200, 210, dt.date(2018, 6, 30), "achieved"),
        (100, 200, 200, dt.date(2018, 9, 30), "achieved"),
        # halfway through the year the straight path is at about 153; 25 below it is allowed
        (100, 200, 130, dt.date(2018, 6, 30), "on track"),
        (100, 200, 120, dt.date(2018, 6, 30), "behind"),
        (100, 200, 199, DUE, "behind"),  # the target's quarter is over: missed
        (100, 200, 150, dt.date(2018, 3, 31), "too early to tell"),  # one quarter only
        (100, 200, 500, dt.date(2017, 12, 31), "too early to tell"),
        (100, 200, None, dt.date(2018, 6, 30), "too early to tell"),
        # a target below the baseline: hours to a first answer, down from 8 to 4
        (8.0, 4.0, 3.9, dt.date(2018, 6, 30), "achieved"),
        (8.0, 4.0, 6.5, dt.date(2018, 6, 30), "on track"),
        (8.0, 4.0, 7.5, dt.date(2018, 6, 30), "behind"),
        (8.0, 4.0, 9.0, dt.date(2018, 9, 30), "behind"),
    ],
    ids=[
        "above-target",
        "at-target",
        "near-the-path",
        "below-the-tolerance",
        "missed-at-the-due-date",
        "one-quarter-in",
        "decision-quarter",
        "no-reading",
        "down-achieved",
        "down-on-track",
        "down-behind",
        "down-wrong-way",
    ],
)
def test_status_rules(
    baseline: float, target: float, latest: float | None, measured: dt.date, status: str
) -> None:
    found = status_of(
        baseline=baseline,
        target=target,
        decided=DECIDED,
        due=DUE,
        latest=latest,
        measured=measured,
    )
    assert found == status


def test_the_straight_path_and_the_quarters_it_counts() -> None:
    assert quarter_end("2018-Q1") == dt.date(2018, 3, 31)
    assert quarter_end("2018-Q4") == dt.date(2018, 12, 31)
    assert complete_quarters(DECIDED, dt.date(2018, 6, 30)) == 2
    assert complete_quarters(DECIDED, dt.date(2018, 6, 29)) == 1
    assert expected_at(100, 200, DECIDED, DUE, DECIDED) == 100
    assert expected_at(100, 200, DECIDED, DUE, DUE) == 200
    assert expected_at(100, 200, DECIDED, DUE, dt.date(2019, 6, 30)) == 200
    # the target an effect aims at is read where the proposal reads it: absolute or relative
    assert target_of(Effect(value="x", target="2500"), 2064.0) == 2500.0
    assert target_of(Effect(value="x", target="+15%"), 829.0) == pytest.approx(953.35)
    assert target_of(Effect(value="x", target="x2"), None) is None


# --- readings: frozen baselines, twelve months to a quarter's end ---------------------------


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the example, not to be changed (tests that change it make their own)."""
    return copy_project(REPO, tmp_path_factory.mktemp("progress") / "example")


def _cut_events(root: Path, before: str) -> None:
    path = root / "data/activity.parquet"
    events = pd.read_parquet(path)
    events[events["timestamp"] < pd.Timestamp(before, tz="UTC")].to_parquet(path, index=False)


def test_the_baseline_is_frozen_at_the_decision_date(example: Path, tmp_path: Path) -> None:
    # inactive contributors are counted in the period of their last contribution, so people
    # who come back later move out of earlier years: computed over later data, 2016 drifts
    spec = ValueSpec(metric="inactive_contributors", freq="Y")
    project = load_project(example)
    document = project.documents[Q4]
    frozen = Measures(Research(project, document)).baseline(spec, DECIDED)
    early = copy_project(example, tmp_path / "early")
    _cut_events(early, "2017-12-15")
    then = load_project(early)
    assert Measures(Research(then, then.documents[Q4])).baseline(spec, DECIDED) == frozen
    assert frozen.period == "2016" and frozen.value is not None
    drifted = compute_result(Research(project).events, spec, None, 5)
    later = drifted[[p.year == 2016 for p in drifted["period"]]]["inactive"].iloc[0]
    assert later != frozen.value, "the example no longer shows why a baseline is cut"


def test_the_baseline_is_what_the_proposal_stated(example: Path) -> None:
    project = load_project(example)
    onboarding = project.topics["onboarding"]
    spec = onboarding.evidence.values["new_latest"]
    stated = value_of(Research(project, project.documents["proposal"]), spec)
    baseline = Measures(Research(project, project.documents[Q2])).baseline(spec, DECIDED)
    assert (baseline.value, baseline.period) == (stated.number, stated.latest)


def test_a_yearly_value_is_read_over_the_twelve_months_to_a_quarters_end(example: Path) -> None:
    project = load_project(example)
    measures = Measures(Research(project, project.documents[Q2]))
    spec = ValueSpec(metric="contributors", freq="Y", community="SUMO")
    reading = measures.latest(spec, dt.date(2018, 6, 30))
    assert reading.period == "the 12 months to June 2018"
    assert reading.end == dt.date(2018, 6, 30)
    events = Research(project).events
    window = events[
        (events["timestamp"] >= pd.Timestamp("2017-07-01", tz="UTC"))
        & (events["timestamp"] < pd.Timestamp("2018-07-01", tz="UTC"))
        & (events["community"] == "SUMO")
        & ~events["is_bot"]
    ]
    assert reading.value == window["contributor_id"].nunique()
    calendar = measures.latest(spec, dt.date(2018, 12, 31))
    assert calendar.period == "2018"


# --- the records a report reads ------------------------------------------------------------

ASKS = {"metrics/dashboard", "onboarding/mentoring"}


def _spending(tmp_path: Path, rows: str) -> Path:
    path = tmp_path / "spending.csv"
    path.write_text("date,ask,amount,currency,note\n" + rows, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        ("2018-02-30,metrics/dashboard,100,USD,", "date", r"expected a date as YYYY-MM-DD"),
        (
            "2018-02-01,metrics/dashbord,100,USD,",
            "ask",
            r"unknown ask 'metrics/dashbord' .*did you mean 'metrics/dashboard'",
        ),
        ("2018-02-01,metrics/dashboard,-100,USD,", "amount", r"at least 0 .* got '-100'"),
        ("2018-02-01,metrics/dashboard,a lot,USD,", "amount", r"expected a number"),
        (
            "2018-02-01,metrics/dashboard,100,GBP,",
            "currency",
            r"expected USD or a currency with a rate under investment\.rates .* got GBP",
        ),
        ("2018-02-01,metrics/dashboard,100,usd,", "currency", r"three-letter code"),
    ],
    ids=["bad-date", "unknown-ask", "negative-amount", "not-a-number", "no-rate", "bad-code"],
)
def test_spending_rows_are_checked_with_file_and_line(
    tmp_path: Path, row: str, field: str, message: str
) -> None:
    path = _spending(tmp_path, "2018-01-10,onboarding/mentoring,50,USD,fine\n" + row + "\n")
    with pytest.raises(DataError, match=message) as err:
        load_spending(path, "data/spending.csv", asks=ASKS, currency="USD", rates={})
    problem = err.value.problems[0]
    assert (problem.path, problem.line, problem.field) == ("data/spending.csv", 3, field)


def test_spending_in_another_currency_is_converted_at_its_rate(tmp_path: Path) -> None:
    from decimal import Decimal

    path = _spending(tmp_path, "2018-02-01,metrics/dashboard,1000,EUR,Berlin workshop\n")
    (spend,) = load_spending(path, asks=ASKS, currency="USD", rates={"EUR": Decimal("1.18")})
    assert (spend.amount, spend.currency, spend.converted) == (1000, "EUR", Decimal("1180.00"))


def test_mdm_check_reports_every_spending_and_milestone_problem(tmp_path: Path) -> None:
    root = copy_project(REPO, tmp_path / "example")
    with (root / "data/spending.csv").open("a", encoding="utf-8") as out:
        out.write("2018-13-01,metrics/dashboard,10,USD,\n2018-10-01,metrics/dashboard,10,EUR,\n")
    with (root / "data/milestones.csv").open("a", encoding="utf-8") as out:
        out.write("2018-10-01,Roadmap generaton,done,\n2018-10-01,Roadmap generation,finished,\n")
    done = mdm("check", "--project", str(root))
    assert done.returncode == 3, done.stderr
    lines = (root / "data/spending.csv").read_text(encoding="utf-8").count("\n")
    assert f"data/spending.csv:{lines - 1}: date: expected a date" in done.stderr
    assert f"data/spending.csv:{lines}: currency: expected USD" in done.stderr
    log = (root / "data/milestones.csv").read_text(encoding="utf-8").count("\n")
    assert f"data/milestones.csv:{log - 1}: milestone: unknown milestone" in done.stderr
    assert "did you mean 'Roadmap generation'" in done.stderr
    assert f"data/milestones.csv:{log}: status: expected one of" in done.stderr


def test_the_milestone_log_is_read_in_its_order(tmp_path: Path) -> None:
    path = tmp_path / "milestones.csv"
    path.write_text(
        "date,milestone,status,note\n2018-01-02,A,in_progress,\n2018-03-01,A,done,Shipped\n",
        encoding="utf-8",
    )
    updates = load_milestone_log(path, titles=["A", "B"])
    assert [(u.line, u.status, u.note) for u in updates] == [
        (2, "in_progress", ""),
        (3, "done", "Shipped"),
    ]


# --- documents and decisions ---------------------------------------------------------------


def test_a_progress_document_needs_what_it_follows_and_its_day() -> None:
    with pytest.raises(ValueError, match="expected follows"):
        Document(id="p", title="P", kind="progress", as_of="2018-06-30")
    with pytest.raises(ValueError, match="expected the day the progress report is as of"):
        Document(id="p", title="P", kind="progress", follows="proposal")
    report = Document(id="p", title="P", kind="progress", follows="a", as_of="2018-06-30")
    assert report.front == ["progress-summary", "progress-asks", "progress-unfunded"]
    assert report.topics == [] and report.back == ["sources"]
    with pytest.raises(ValueError, match="expected a document that is not a progress report"):
        DocumentsFile(documents=[report])


def test_the_pages_load_only_for_a_progress_report() -> None:
    with pytest.raises(ConfigError, match=r"'proposal' is not a progress report") as err:
        sections.progress(REPO, "proposal")
    assert (err.value.path, err.value.field) == ("params/documents.yaml", "kind")


def _decisions(root: Path, *records: dict[str, object]) -> None:
    (root / "params/reviews/decisions.yaml").write_text(
        yaml.safe_dump({"decisions": list(records)}, sort_keys=False), encoding="utf-8"
    )


APPROVAL = {
    "by": "george-roter",
    "document": "proposal",
    "version": "0.3",
    "state": "approved",
    "option": "recommended",
    "date": "2017-12-14",
}


def test_a_report_needs_an_approval_in_force_on_its_day(tmp_path: Path) -> None:
    root = copy_project(REPO, tmp_path / "example")
    _decisions(root, {**APPROVAL, "date": "2018-07-15"})
    with pytest.raises(ConfigError) as err:
        check(root)
    (problem,) = [p for p in err.value.problems if "progress-2018-q2" in p.message]
    assert problem.path == "params/documents.yaml" and problem.field == "documents.2.follows"
    text = (root / "params/documents.yaml").read_text(encoding="utf-8").splitlines()
    assert text[problem.line - 1].strip() == "follows: proposal"
    assert "on or before 2018-06-30" in problem.message


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"option": "everything"}, r"option: expected one of essential, recommended, full"),
        ({"state": "deferred"}, r"option: an option is named only by an approval"),
        ({"option": None}, r"option: expected the option approved"),
    ],
    ids=["unknown-option", "option-without-approval", "approval-without-option"],
)
def test_the_decision_names_a_known_option(tmp_path: Path, change: dict, message: str) -> None:
    root = copy_project(REPO, tmp_path / "example")
    record = {k: v for k, v in {**APPROVAL, **change}.items() if v is not None}
    _decisions(root, record)
    with pytest.raises(ConfigError, match=message):
        check(root)


# --- a report says what it said ------------------------------------------------------------


def _pages(root: Path, document: str) -> dict[str, str]:
    pages = sections.progress(root, document)
    return {"summary": pages.summary(), "asks": pages.asks(), "unfunded": pages.unfunded()}


def test_a_report_for_an_earlier_quarter_is_unchanged_by_later_data(
    example: Path, tmp_path: Path
) -> None:
    later = copy_project(example, tmp_path / "later")
    # a year on: more activity (already in the example), payments, milestone changes, and
    # leadership funding every ask from September
    with (later / "data/spending.csv").open("a", encoding="utf-8") as out:
        out.write("2018-07-02,regional-identities/regional-fund,5000,USD,After the Q2 report\n")
    with (later / "data/milestones.csv").open("a", encoding="utf-8") as out:
        out.write("2018-07-01,Roadmap generation,at_risk,Reopened\n")
    _decisions(later, APPROVAL, {**APPROVAL, "option": "full", "date": "2018-09-01"})
    then = copy_project(example, tmp_path / "then")
    _decisions(then, APPROVAL)
    _cut_events(then, "2018-07-01")
    for name in ("spending.csv", "milestones.csv"):
        with (then / "data" / name).open(encoding="utf-8") as source:
            rows = list(csv.reader(source))
        kept = [rows[0], *(r for r in rows[1:] if r[0] <= "2018-06-30")]
        with (then / "data" / name).open("w", encoding="utf-8", newline="") as out:
            csv.writer(out, lineterminator="\n").writerows(kept)
    assert _pages(later, Q2) == _pages(then, Q2)
    # and the report for the end of the year follows the later decision
    q4 = progress_report(load_project(later), load_project(later).documents[Q4])
    assert q4.decided.option is not None and q4.decided.option.id == "full"
    assert not q4.unfunded


def test_the_year_end_report_says_what_changed_since_the_one_before(example: Path) -> None:
    project = load_project(example)
    q2 = progress_report(project, project.documents[Q2], history=False)
    assert since_last(project, q2) is None
    q4 = progress_report(project, project.documents[Q4], history=False)
    found = since_last(project, q4)
    assert found is not None
    previous, changes = found
    assert previous.id == Q2
    rewritten = dict(changes.rewritten)
    assert rewritten["USD 216,000 spent of USD 530,000 approved."] == (
        "USD 462,250 spent of USD 530,000 approved."
    )
    assert (
        rewritten["One contributor dashboard with shared definitions (2018-Q2): late (at risk)."]
        == "One contributor dashboard with shared definitions (2018-Q2): done."
    )
    summary = sections.progress(example, Q4).summary()
    assert '<del class="mdm-del mdm-num">216,000</del>' in summary


def test_the_proposal_keeps_the_numbers_it_was_written_with(example: Path, tmp_path: Path) -> None:
    # the example's activity runs on through 2018; the proposal, as of 19 November 2017, says
    # what the data up to that day said: every value and headline it shows
    written = copy_project(example, tmp_path / "written")
    _cut_events(written, "2017-11-20")

    def numbers(root: Path) -> dict[str, tuple[object, ...]]:
        project = load_project(root)
        research = Research(project, project.documents["proposal"])
        specs = {f"headline:{n}": s for n, s in project.documents["proposal"].headlines.items()}
        specs |= {
            f"{t.id}:{n}": s for t in project.active_topics() for n, s in t.evidence.values.items()
        }
        return {
            name: (v.number, v.latest, v.previous)
            for name, spec in specs.items()
            for v in [value_of(research, spec)]
        }

    assert numbers(example) == numbers(written)


# --- the cache: what a report's pages read, and only that ----------------------------------


def test_a_payment_rebuilds_the_reports_and_a_review_of_them_rebuilds_nothing(
    tmp_path: Path,
) -> None:
    root = copy_project(REPO, tmp_path / "example")

    def keys() -> dict[str, str]:
        project = load_project(root)
        specs = [s for d in project.documents for s in project.sections(d)]
        return {
            f"{s.document}/{s.id}": k
            for s, k in zip(specs, section_keys(project, specs), strict=True)
        }

    before = keys()
    with (root / "data/spending.csv").open("a", encoding="utf-8") as out:
        out.write("2018-12-21,metrics/dashboard,100,USD,Late invoice\n")
    after = keys()
    changed = {n for n in after if after[n] != before[n]}
    assert changed == {n for n in after if n.startswith("progress-")}
    decisions = yaml.safe_load((root / "params/reviews/decisions.yaml").read_text("utf-8"))
    decisions["decisions"].append(
        {**APPROVAL, "document": Q2, "version": "1.0", "option": None, "date": "2018-07-10"}
    )
    decisions["decisions"][-1].pop("option")
    (root / "params/reviews/decisions.yaml").write_text(yaml.safe_dump(decisions), "utf-8")
    assert keys() == after


# --- the built document --------------------------------------------------------------------


def _protected_name() -> str:
    """A name from the example's register whose quotes are not attributed."""
    with (REPO / "data/quotes.csv").open(encoding="utf-8") as source:
        attributed = {
            r["pseudonym"] for r in csv.DictReader(source) if r["consent"] == "attributed"
        }
    with (REPO / "data/private/register.csv").open(encoding="utf-8") as source:
        return next(r["name"] for r in csv.DictReader(source) if r["pseudonym"] not in attributed)


def test_payment_notes_reach_the_report_as_text(tmp_path: Path) -> None:
    root = copy_project(REPO, tmp_path / "example")
    with (root / "data/spending.csv").open("a", encoding="utf-8") as out:
        out.write(
            '2018-06-01,metrics/dashboard,1,USD,"<script>alert(1)</script><img src=x onerror=alert(2)>"\n'
        )
    build(BuildOptions(project_dir=root, documents=(Q2,), formats=("html",)))
    page = (root / "output" / f"{Q2}.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert not re.search(r"<script|<img[^>]*onerror", page)


def test_a_protected_name_in_a_payment_note_publishes_nothing(tmp_path: Path) -> None:
    root = copy_project(REPO, tmp_path / "example")
    name = _protected_name()
    with (root / "data/spending.csv").open("a", encoding="utf-8") as out:
        out.write(f"2018-06-01,metrics/dashboard,1,USD,Travel for {name}\n")
    with pytest.raises(PrivacyError, match=rf"^{Q2}\.html: .* pseudonym P-\d+"):
        build(BuildOptions(project_dir=root, documents=(Q2,), formats=("html",)))
    assert not (root / "output" / f"{Q2}.html").exists()
