"""Research-data loaders: the shipped example, good fixtures, and broken files named for what they break."""

from __future__ import annotations

import datetime as dt
import gzip
import importlib.util
import shutil
from pathlib import Path
from types import ModuleType

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import FIXTURES, REPO

from mdm import data
from mdm.errors import DataError
from mdm.files import file_digest

D = FIXTURES / "data"
TOPICS = (
    "regional-identities",
    "diversity-inclusion",
    "metrics",
    "accountability",
    "volunteer-leadership",
    "recognition",
    "systems-tools-comms",
    "opportunity-matching",
    "competitive-advantage",
    "staff-support",
    "onboarding",
)
SEED_NAMES = (
    "Lucy Harris",
    "Ruben Martin",
    "George Roter",
    "Katharina Borchert",
    "Patrick Finch",
    "Chris Beard",
    "Mitchell Baker",
)


def test_all_is_complete() -> None:
    assert sorted(data._LAZY) == sorted(data.__all__)
    for name in data.__all__:
        assert getattr(data, name) is not None, name


# --- the committed example data ------------------------------------------------------------


def test_example_data_has_the_documented_shape() -> None:
    events = data.load_events(REPO / "data/activity.parquet")
    assert len(events) >= 100_000
    # the proposal's history to 19 November 2017, then 2018 for the progress reports
    assert events["timestamp"].min().year == 2012 and events["timestamp"].max().year == 2018
    assert str(events["timestamp"].dtype) == "datetime64[ns, UTC]"
    assert set(events["community"].cat.categories) >= {"Reps", "SUMO", "L10N", "MDN", "Campaigns"}
    assert events["is_bot"].any() and events["thread_id"].notna().any()
    assert (events["utc_offset_minutes"] != 0).any()
    assert set(events["affiliation"].dropna()) == {"volunteer", "staff", "other"}
    quotes = data.load_quotes(REPO / "data/quotes.csv")
    assert len(quotes) >= 30
    assert {t for q in quotes for t in q.topics} == set(TOPICS)
    assert {q.consent for q in quotes} == set(data.CONSENT_LEVELS)
    register = data.load_register(REPO / "data/private/register.csv")
    assert {q.pseudonym for q in quotes} <= set(register)
    survey = data.load_survey(
        REPO / "data/survey/questions.yaml", REPO / "data/survey/responses.csv"
    )
    assert survey.respondents >= 300
    free = [
        a
        for q in survey.questions.values()
        if q.kind == "free_text"
        for a in survey.free_text(q.id)
    ]
    # hostile strings belong in the test fixtures, not in the example leadership is shown
    assert not any("<" in a for a in free)
    discussions = data.load_discussions(REPO / "data/discussions.csv")
    assert discussions["date"].min() >= dt.date(2017, 10, 1)
    assert discussions["date"].max() <= dt.date(2017, 12, 31)
    notes = data.load_notes(REPO / "data/notes")
    assert notes and all(s.url.startswith("https://") for n in notes for s in n.sources)
    for items, path in [
        ([(None, t) for q in quotes for t in q.topics], "data/quotes.csv"),
        ([(None, t) for q in survey.questions.values() for t in q.topics], "questions.yaml"),
        (list(zip(discussions["line"], discussions["topic"], strict=True)), "discussions.csv"),
        ([(None, t) for n in notes for t in n.topics], "data/notes"),
    ]:
        data.check_topic_refs(items, TOPICS, path)


def test_example_data_names_no_real_person_from_the_seed() -> None:
    for path in (REPO / "data").rglob("*"):
        if path.is_file() and path.suffix != ".parquet":
            text = path.read_text(encoding="utf-8")
            assert not [n for n in SEED_NAMES if n in text], path
    events = pq.read_table(REPO / "data/activity.parquet", columns=["contributor_id"])
    ids = set(events["contributor_id"].unique().to_pylist())
    assert not ids & set(SEED_NAMES)


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen", REPO / "scripts/generate_example_data.py")
    assert spec and spec.loader
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    return gen


def test_generator_is_deterministic_and_its_output_loads(tmp_path: Path) -> None:
    gen = _generator()
    gen.generate(tmp_path / "a", seed=7, scale=0.05)
    gen.generate(tmp_path / "b", seed=7, scale=0.05)
    files = sorted(
        p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file()
    )
    assert len(files) >= 8
    for name in files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    out = tmp_path / "a"
    assert len(data.load_events(out / "activity.parquet")) > 1000
    assert data.load_quotes(out / "quotes.csv")
    assert data.load_survey(out / "survey/questions.yaml", out / "survey/responses.csv").respondents
    assert len(data.load_discussions(out / "discussions.csv"))
    assert data.load_notes(out / "notes")


# --- activity events -----------------------------------------------------------------------


def test_events_csv_normalised_to_the_contract() -> None:
    events = data.load_events(D / "events_good.csv")
    assert list(events.columns) == list(data.EVENT_FRAME_COLUMNS)
    assert str(events["contributor_id"].dtype) == "string"
    assert str(events["timestamp"].dtype) == "datetime64[ns, UTC]"
    assert events["is_bot"].dtype == bool
    assert str(events["thread_id"].dtype) == "string"
    assert list(events["utc_offset_minutes"]) == [330, 0]
    assert str(events["timestamp"].iloc[0]) == "2017-01-02 04:30:00+00:00"
    assert events["country"].isna().iloc[1] and events["thread_id"].isna().iloc[0]
    assert events["thread_id"].iloc[1] == "t1"


def test_numeric_looking_ids_stay_text() -> None:
    events = data.load_events(D / "events_numeric_looking_ids.csv")
    assert list(events["contributor_id"]) == ["0123", "00042", "1e5"]
    assert list(events["is_bot"]) == [False, False, True]  # 1/0 accepted
    assert list(events["utc_offset_minutes"]) == [330, -180, 0]


def test_bom_and_crlf_are_read() -> None:
    events = data.load_events(D / "bom_crlf.csv")
    assert list(events["contributor_id"]) == ["c1"] and events["country"].iloc[0] == "DE"


def test_gzipped_csv_reads_like_csv(tmp_path: Path) -> None:
    path = tmp_path / "events.csv.gz"
    path.write_bytes(gzip.compress((D / "events_good.csv").read_bytes(), mtime=0))
    pd.testing.assert_frame_equal(data.load_events(path), data.load_events(D / "events_good.csv"))


def test_parquet_matches_csv(tmp_path: Path) -> None:
    events = data.load_events(D / "events_good.csv")
    path = tmp_path / "events.parquet"
    events.to_parquet(path)
    pd.testing.assert_frame_equal(data.load_events(path), events)


def test_parquet_without_optional_columns(tmp_path: Path) -> None:
    path = tmp_path / "events.parquet"
    table = pa.table(
        {
            "contributor_id": ["a"],
            "timestamp": pa.array([0], pa.timestamp("s", "Europe/Berlin")),
            "community": ["L10N"],
            "area": ["localizing"],
            "activity_type": ["translation"],
        }
    )
    pq.write_table(table, path)
    events = data.load_events(path)
    assert list(events.columns) == list(data.EVENT_FRAME_COLUMNS)
    assert events["country"].isna().all() and not events["is_bot"].any()
    assert list(events["utc_offset_minutes"]) == [0]


@pytest.mark.parametrize(
    ("fixture", "message"),
    [
        (
            "events_missing_column.csv",
            r"events_missing_column\.csv:1: missing column\(s\) area \(expected .*; "
            r"found contributor_id, timestamp, community, activity_type\)",
        ),
        (
            "events_missing_columns.csv",
            r"events_missing_columns\.csv:1: missing column\(s\) timestamp, area ",
        ),
        (
            "events_naive_timestamp.csv",
            r"events_naive_timestamp\.csv:3: timestamp: expected ISO 8601 with a "
            r"UTC offset .*, got '2017-01-02 10:00:00'",
        ),
        (
            "events_literal_na_timestamp.csv",
            r"events_literal_na_timestamp\.csv:2: timestamp: expected ISO 8601 .*, got 'NA'",
        ),
        (
            "events_impossible_date.csv",
            r"events_impossible_date\.csv:3: timestamp: expected a real date and time in "
            r"ISO 8601, got '2017-02-30T10:00:00Z'",
        ),
        (
            "events_bad_is_bot.csv",
            r"events_bad_is_bot\.csv:2: is_bot: expected true or false \(or 1 or 0\), got 'maybe'",
        ),
        (
            "events_bad_country.csv",
            r"events_bad_country\.csv:2: country: expected an ISO 3166 alpha-2 country code "
            r"such as DE, got 'Germany'",
        ),
        (
            "events_blank_line_before_bad_row.csv",
            r"events_blank_line_before_bad_row\.csv:4: affiliation: expected volunteer, "
            r"staff or other, got 'Staff'",
        ),
        (
            "events_empty_contributor.csv",
            r"events_empty_contributor\.csv:3: contributor_id: expected a value, found an empty field",
        ),
        (
            "events_empty_area.csv",
            r"events_empty_area\.csv:2: area: expected a value, found an empty",
        ),
        (
            "events_wrong_field_count.csv",
            r"events_wrong_field_count\.csv:3: expected 9 fields, found 8",
        ),
        ("events_extra_column.csv", r"events_extra_column\.csv:1: unknown column\(s\) mood \("),
        ("header_only.csv", r"header_only\.csv:2: expected at least one event .*found no rows"),
        ("events_empty.csv", r"events_empty\.csv:1: expected a header row .*\(no rows\)"),
        (
            "latin1_encoded.csv",
            r"latin1_encoded\.csv:3: expected UTF-8 text, found byte 0xe9 at offset 164",
        ),
        ("no_such_file.csv", r"no_such_file\.csv: file not found"),
    ],
)
def test_broken_events(fixture: str, message: str) -> None:
    with pytest.raises(DataError, match=message):
        data.load_events(D / fixture)


def test_shown_path_is_used_in_messages() -> None:
    with pytest.raises(DataError, match=r"^data/activity\.csv:3: timestamp: "):
        data.load_events(D / "events_naive_timestamp.csv", "data/activity.csv")


def _good_table(**changes: pa.Array) -> pa.Table:
    columns = {
        "contributor_id": pa.array(["a", "b"]),
        "timestamp": pa.array([0, 60_000], pa.timestamp("ms", "UTC")),
        "community": pa.array(["L10N", "SUMO"]),
        "area": pa.array(["localizing", "support"]),
        "activity_type": pa.array(["translation", "forum_post"]),
        "country": pa.array(["DE", None]),
        "is_bot": pa.array([False, True]),
        "utc_offset_minutes": pa.array([60, 0], pa.int16()),
    }
    return pa.table({**columns, **changes})


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"timestamp": pa.array([0, 1], pa.timestamp("ms"))},
            r"events\.parquet: timestamp: expected timestamps with a time zone, found timestamp\[ms\]",
        ),
        (
            {"contributor_id": pa.array([1, 2])},
            r"events\.parquet: contributor_id: expected a text column, found int64",
        ),
        (
            {"community": pa.array(["L10N", ""])},
            r"events\.parquet: row 2: community: expected a value, found an empty field",
        ),
        (
            {"country": pa.array([None, "Germany"])},
            r"events\.parquet: row 2: country: expected an ISO 3166 .*, got 'Germany'",
        ),
        (
            {"utc_offset_minutes": pa.array([60, 6000], pa.int16())},
            r"events\.parquet: row 2: utc_offset_minutes: expected a UTC offset between "
            r"-12:00 and \+14:00, got 6000",
        ),
        (
            {"is_bot": pa.array([True, None])},
            r"events\.parquet: row 2: is_bot: expected true or false, found none",
        ),
        ({"mood": pa.array(["x", "y"])}, r"events\.parquet:1: unknown column\(s\) mood"),
    ],
    ids=["naive", "int-ids", "empty-community", "bad-country", "offset", "null-bot", "extra"],
)
def test_broken_parquet(tmp_path: Path, changes: dict[str, pa.Array], message: str) -> None:
    path = tmp_path / "events.parquet"
    pq.write_table(_good_table(**changes), path)
    with pytest.raises(DataError, match=message):
        data.load_events(path)


def test_empty_parquet(tmp_path: Path) -> None:
    path = tmp_path / "events.parquet"
    pq.write_table(_good_table().slice(0, 0), path)
    with pytest.raises(
        DataError, match=r"events\.parquet: expected at least one event, found no rows"
    ):
        data.load_events(path)


def test_damaged_parquet(tmp_path: Path) -> None:
    path = tmp_path / "events.parquet"
    path.write_bytes(b"not parquet")
    with pytest.raises(DataError, match=r"events\.parquet: cannot read Parquet: "):
        data.load_events(path)


# --- quotes, consent and the register ------------------------------------------------------


def test_quotes_loaded_raw() -> None:
    quotes = data.load_quotes(D / "quotes_good.csv")
    assert [q.quote_id for q in quotes] == ["q1", "q2", "q3", "q4"]
    assert quotes[0].topics == ("onboarding", "recognition")
    assert quotes[0].text == "I was <b>welcomed</b> <script>alert(1)</script>"  # escaped at render
    assert quotes[0].interview_date == dt.date(2017, 10, 2) and quotes[1].interview_date is None
    assert [q.text for q in quotes[2:]] == ["NA", "None"]
    assert quotes[1].credit == "Imani Okafor-Quist, Rep, West Africa"


def test_header_only_quotes_mean_none_collected_yet() -> None:
    assert data.load_quotes(D / "quotes_header_only.csv") == []


@pytest.mark.parametrize(
    ("fixture", "message"),
    [
        (
            "quotes_attributed_without_name",
            r":2: attribution: expected a name exactly when consent is "
            r"attributed, got consent 'attributed' and no attribution$",
        ),
        (
            "quotes_anonymous_with_name",
            r":2: attribution: expected a name exactly when consent is attributed, "
            r"got consent 'anonymous' and a name in attribution$",  # the name is not repeated
        ),
        (
            "quotes_unknown_consent",
            r":2: consent: expected one of none\|internal_only\|anonymous\|attributed, got 'public'",
        ),
        (
            "quotes_duplicate_id",
            r":3: quote_id: expected a unique id, got 'q1' again \(first on line 2\)",
        ),
        ("quotes_extra_field", r":2: expected 7 fields, found 8"),
        ("quotes_no_topics", r":2: topics: expected topic ids separated by ';', found none"),
        ("quotes_bad_interview_date", r":2: interview_date: .*, got '2017-13-01'"),
    ],
)
def test_broken_quotes(fixture: str, message: str) -> None:
    with pytest.raises(DataError, match=rf"{fixture}\.csv{message}"):
        data.load_quotes(D / f"{fixture}.csv")


CONSENT = [
    # consent, audience, shown?
    ("none", "leadership", False),
    ("none", "internal", False),
    ("internal_only", "leadership", False),
    ("internal_only", "internal", True),
    ("anonymous", "leadership", True),
    ("anonymous", "internal", True),
    ("attributed", "leadership", True),
    ("attributed", "internal", True),
]


def _quote(
    consent: str, quote_id: str = "q", attribution: str = "Imani Okafor-Quist"
) -> data.Quote:
    return data.Quote(
        quote_id=quote_id,
        pseudonym=f"P-{quote_id}",
        descriptor="L10N volunteer, South Asia",
        topics=("t",),
        consent=consent,  # type: ignore[arg-type]
        text="x",
        attribution=attribution if consent == "attributed" else "",
    )


@pytest.mark.parametrize(
    ("consent", "audience", "shown"), CONSENT, ids=[f"{c}-{a}" for c, a, _ in CONSENT]
)
def test_consent_truth_table(consent: str, audience: data.Audience, shown: bool) -> None:
    quote = _quote(consent)
    assert bool(data.visible_quotes([quote], "t", audience)) is shown
    assert data.visible_quotes([quote], "other-topic", audience) == []
    credit = (
        "Imani Okafor-Quist, L10N volunteer, South Asia"
        if consent == "attributed"
        else "L10N volunteer, South Asia"
    )
    assert quote.credit == credit
    assert quote.display_name(audience) == (credit if shown else None)


def test_quotes_are_frozen_and_strict() -> None:
    quote = _quote("anonymous")
    with pytest.raises(ValueError, match="frozen"):
        quote.text = "changed"  # type: ignore[misc]
    with pytest.raises(ValueError, match="Extra inputs are not permitted"):
        data.Quote.model_validate({**quote.model_dump(), "mood": "x"})


def test_forbidden_names_allow_only_visible_attributions() -> None:
    quotes = [_quote("attributed", "1", "Ana"), _quote("anonymous", "2")]
    register = {"P-1": "Ana", "P-2": "Ben", "P-3": "Caro"}
    assert data.forbidden_names(quotes, register, "leadership") == {"Ben", "Caro"}
    assert data.forbidden_names([], register, "internal") == {"Ana", "Ben", "Caro"}


def test_register() -> None:
    assert data.load_register(D / "register_good.csv") == {
        "P-001": "Imani Okafor-Quist",
        "P-002": "Jonas Feldberg-Aalto",
    }
    with pytest.raises(
        DataError,
        match=r"register_repeated_pseudonym\.csv:4: pseudonym: expected a unique pseudonym, got 'P-001' again",
    ):
        data.load_register(D / "register_repeated_pseudonym.csv")


# --- survey --------------------------------------------------------------------------------


def test_survey_summaries() -> None:
    survey = data.load_survey(D / "survey_questions.yaml", D / "survey_good.csv")
    assert survey.respondents == 3
    assert [q.id for q in survey.for_topic("onboarding")] == ["q1", "q3"]
    shares = survey.likert_shares(["q1"])
    assert list(shares.columns) == ["No", "Maybe", "Yes"]
    assert shares.loc["Tutors are enough"].tolist() == pytest.approx([1 / 3, 0, 2 / 3])
    assert survey.choice_counts("q3").to_dict() == {"Forum": 1, "Chat": 2, "Email": 0}
    assert survey.free_text("q2") == ["<script>alert(1)</script> and <b>bold</b>"]
    with pytest.raises(DataError, match=r"survey: unknown question 'q9' \(known: q1, q2, q3\)"):
        survey.answers("q9")


def test_literal_na_answers_stay_text() -> None:
    survey = data.load_survey(D / "survey_questions.yaml", D / "survey_literal_na.csv")
    assert list(survey.answers("q2")) == ["NA", "None"]


@pytest.mark.parametrize(
    ("fixture", "message"),
    [
        (
            "survey_value_not_in_options",
            r":3: value: expected one of No \| Maybe \| Yes, got 'Perhaps'",
        ),
        ("survey_answered_twice", r":3: respondent_id: r1 answered q1 twice; a likert question"),
        ("survey_multi_option_twice", r":3: respondent_id: r1 answered q3 twice"),
        (
            "survey_unknown_question",
            r":3: question_id: expected a question of .*survey_questions\.yaml \(q1, q2, q3\), got 'q9'",
        ),
    ],
)
def test_broken_survey(fixture: str, message: str) -> None:
    with pytest.raises(DataError, match=rf"{fixture}\.csv{message}"):
        data.load_survey(D / "survey_questions.yaml", D / f"{fixture}.csv")


@pytest.mark.parametrize(
    ("fixture", "message"),
    [
        (
            "survey_questions_repeated_id",
            r"survey_questions_repeated_id\.yaml:3: id: expected unique question ids, got 'q1' again",
        ),
        (
            "survey_questions_likert_two_levels",
            r"survey_questions_likert_two_levels\.yaml:2: .*options: expected at least 3 ordered levels",
        ),
    ],
)
def test_broken_survey_questions(fixture: str, message: str) -> None:
    with pytest.raises(DataError, match=message):
        data.load_survey(D / f"{fixture}.yaml", D / "survey_literal_na.csv")


# --- discussions, notes, topic references, provenance --------------------------------------


def test_discussions() -> None:
    log = data.load_discussions(D / "discussions_good.csv")
    assert list(log["line"]) == [2, 3]
    assert log["date"].iloc[0] == dt.date(2017, 10, 2)
    assert list(log["participants"]) == [12, 0]
    assert log["agreements"].iloc[0] == ["Mentors for newcomers", "A welcome page"]
    assert log["agreements"].iloc[1] == []


@pytest.mark.parametrize(
    ("fixture", "message"),
    [
        (
            "discussions_participants_not_a_number",
            r":2: participants: expected a whole number ≥ 0, got 'many'",
        ),
        (
            "discussions_negative_participants",
            r":2: participants: expected a whole number ≥ 0, got '-3'",
        ),
        ("discussions_bad_date", r":3: date: expected a date as YYYY-MM-DD, got '02/10/2017'"),
    ],
)
def test_broken_discussions(fixture: str, message: str) -> None:
    with pytest.raises(DataError, match=rf"{fixture}\.csv{message}"):
        data.load_discussions(D / f"{fixture}.csv")


def test_notes() -> None:
    notes = data.load_notes(D / "notes_good")
    assert [n.title for n in notes] == [
        "Earlier contributor metrics practice",
        "A note without sources",
    ]
    assert notes[0].sources[0].url.startswith("https://wiki.mozilla.org/")
    assert notes[0].date == dt.date(2017, 9, 1) and notes[1].date is None
    assert notes[0].body.strip() == "Contribution was counted as a **threshold** of agreed actions."
    assert notes[0].path.endswith("notes_good/contributor-dashboard.md")


@pytest.mark.parametrize(
    ("folder", "message"),
    [
        (
            "notes_ftp_url",
            r"old-archive\.md:5: sources\.0\.url: expected an http or https link, got 'ftp://",
        ),
        (
            "notes_no_front_matter",
            r"plain\.md:1: expected a front matter block between '---' lines",
        ),
        ("notes_unknown_key", r"extra\.md:4: author: unknown key"),
        ("notes_missing", r"notes_missing: expected a folder of Markdown notes"),
    ],
)
def test_broken_notes(folder: str, message: str) -> None:
    with pytest.raises(DataError, match=message):
        data.load_notes(D / folder)


def test_unknown_topic_suggests_the_closest() -> None:
    quotes = data.load_quotes(D / "quotes_unknown_topic.csv")
    with pytest.raises(
        DataError,
        match=r"^data/quotes\.csv:2: topics: unknown topic 'homework-club'; did you mean 'homework-clubs'\?",
    ):
        data.check_topic_refs(
            [(2, t) for q in quotes for t in q.topics],
            ["homework-clubs", "tutors"],
            "data/quotes.csv",
        )
    data.check_topic_refs([(2, "tutors")], ["homework-clubs", "tutors"], "data/quotes.csv")


def test_describe_input(tmp_path: Path) -> None:
    csv_info = data.describe_input(D / "events_good.csv", "data/activity.csv")
    assert csv_info == data.InputFile(
        "data/activity.csv", "csv", 2, file_digest(D / "events_good.csv")
    )
    assert len(csv_info.digest) == 12 and int(csv_info.digest, 16) >= 0
    events = data.load_events(D / "events_good.csv")
    events.to_parquet(tmp_path / "a.parquet")
    assert data.describe_input(tmp_path / "a.parquet").rows == 2
    assert data.describe_input(D / "survey_questions.yaml").rows is None
    assert data.describe_input(D / "notes_good", kind="notes").rows == 2
    shutil.copytree(D / "notes_good", tmp_path / "notes")
    before = file_digest(tmp_path / "notes")
    (tmp_path / "notes" / "no-sources.md").write_text("changed", encoding="utf-8")
    assert file_digest(tmp_path / "notes") != before
    with pytest.raises(DataError, match=r"missing\.csv: file not found"):
        data.describe_input(tmp_path / "missing.csv")


@pytest.mark.parametrize("name", ["events_good.csv", "events_numeric_looking_ids.csv"])
def test_coded_events_hold_the_same_ids_as_categories(name: str) -> None:
    text, coded = data.load_events(D / name), data.load_events(D / name, coded=True)
    for column in ("contributor_id", "thread_id"):
        assert isinstance(coded[column].dtype, pd.CategoricalDtype)
        assert coded[column].astype("string").equals(text[column]), column
    others = [c for c in text.columns if c not in ("contributor_id", "thread_id")]
    pd.testing.assert_frame_equal(coded[others], text[others])


def test_coded_parquet_events_equal_the_text_ones(tmp_path: Path) -> None:
    source = REPO / "data" / "activity.parquet"
    text, coded = data.load_events(source), data.load_events(source, coded=True)
    assert coded["contributor_id"].astype("string").equals(text["contributor_id"])
    assert coded["thread_id"].astype("string").equals(text["thread_id"])
