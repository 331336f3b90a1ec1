"""Research-data loaders: the shipped example, and broken files named for what they break."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES, REPO

from mdm import data
from mdm.errors import DataError

D = FIXTURES / "data"


def test_example_data_has_the_documented_shape() -> None:
    events = data.load_events(REPO / "data/activity.parquet")
    assert len(events) >= 100_000
    assert events["timestamp"].min().year == 2012 and events["timestamp"].max().year == 2017
    assert str(events["timestamp"].dtype) == "datetime64[ns, UTC]"
    assert events["is_bot"].any() and events["thread_id"].notna().any()
    quotes = data.load_quotes(REPO / "data/quotes.csv")
    assert len(quotes) >= 30
    assert {t for q in quotes for t in q.topics} >= {
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
    }
    assert {q.consent for q in quotes} == set(data.CONSENT_LEVELS)
    survey = data.load_survey(
        REPO / "data/survey/questions.yaml", REPO / "data/survey/responses.csv"
    )
    assert survey.respondents >= 300


def test_example_data_names_no_real_person_from_the_seed() -> None:
    seed_names = [
        "Lucy Harris",
        "Ruben Martin",
        "George Roter",
        "Katharina Borchert",
        "Patrick Finch",
        "Chris Beard",
        "Mitchell Baker",
    ]
    for path in (REPO / "data").rglob("*"):
        if path.is_file() and path.suffix != ".parquet":
            text = path.read_text(encoding="utf-8")
            assert not [n for n in seed_names if n in text], path


def test_generator_is_deterministic(tmp_path: Path) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("gen", REPO / "scripts/generate_example_data.py")
    assert spec and spec.loader
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    gen.generate(tmp_path / "a", seed=7, scale=0.05)
    gen.generate(tmp_path / "b", seed=7, scale=0.05)
    files = sorted(
        p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file()
    )
    assert len(files) >= 8
    for name in files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_events_csv_normalised() -> None:
    events = data.load_events(D / "events_good.csv")
    assert list(events["contributor_id"]) == ["0123", "0456"]  # ids stay text
    assert list(events["utc_offset_minutes"]) == [330, 0]
    assert str(events["timestamp"].iloc[0]) == "2017-01-02 04:30:00+00:00"
    assert list(events["is_bot"]) == [False, False]
    assert events["country"].isna().iloc[1] and events["thread_id"].iloc[1] == "t1"


def test_bom_and_crlf_are_read() -> None:
    assert len(data.load_events(D / "events_bom_crlf.csv")) == 1


@pytest.mark.parametrize(
    ("fixture", "message"),
    [
        ("events_missing_column", r"events_missing_column\.csv:1: missing column\(s\) area "),
        (
            "events_naive_timestamp",
            r"events_naive_timestamp\.csv:3: timestamp: expected ISO 8601 with a "
            r"UTC offset .*, got '2017-01-02 10:00:00'",
        ),
        (
            "events_bad_is_bot",
            r"events_bad_is_bot\.csv:2: is_bot: expected true or false, got 'maybe'",
        ),
        (
            "events_bad_country",
            r"events_bad_country\.csv:2: country: expected an ISO country code such "
            r"as DE, got 'Germany'",
        ),
        ("events_extra_column", r"events_extra_column\.csv:1: unknown column\(s\) mood"),
        (
            "events_header_only",
            r"events_header_only\.csv:2: expected at least one event after the header",
        ),
        ("events_empty", r"events_empty\.csv:1: expected a header row"),
        ("events_latin1", r"events_latin1\.csv:3: expected UTF-8 text, found byte 0xe9 at offset"),
    ],
)
def test_broken_events(fixture: str, message: str) -> None:
    with pytest.raises(DataError, match=message):
        data.load_events(D / f"{fixture}.csv")


@pytest.mark.parametrize(
    ("fixture", "message"),
    [
        (
            "quotes_attributed_without_name",
            r":2: attribution: expected a name exactly when consent is "
            r"attributed, got consent 'attributed' and attribution ''",
        ),
        (
            "quotes_unknown_consent",
            r":2: consent: expected one of none\|internal_only\|anonymous\|attributed, "
            r"got 'public'",
        ),
        (
            "quotes_duplicate_id",
            r":3: quote_id: expected a unique id, got 'q1' again \(first on line 2\)",
        ),
        ("quotes_extra_field", r":2: expected 7 fields, found 8"),
    ],
)
def test_broken_quotes(fixture: str, message: str) -> None:
    with pytest.raises(DataError, match=rf"{fixture}\.csv{message}"):
        data.load_quotes(D / f"{fixture}.csv")


@pytest.mark.parametrize(
    ("fixture", "message"),
    [
        (
            "survey_value_not_in_options",
            r":3: value: expected one of No \| Maybe \| Yes, got 'Perhaps'",
        ),
        ("survey_answered_twice", r":3: respondent_id: r1 answered q1 twice"),
    ],
)
def test_broken_survey(fixture: str, message: str) -> None:
    with pytest.raises(DataError, match=rf"{fixture}\.csv{message}"):
        data.load_survey(D / "survey_questions.yaml", D / f"{fixture}.csv")


def test_literal_na_answers_stay_text() -> None:
    survey = data.load_survey(D / "survey_questions.yaml", D / "survey_literal_na.csv")
    assert list(survey.answers("q2")) == ["NA", "None"]


def test_discussions_need_whole_numbers() -> None:
    with pytest.raises(
        DataError,
        match=r"discussions_participants_not_a_number\.csv:2: participants: "
        r"expected a whole number ≥ 0, got 'many'",
    ):
        data.load_discussions(D / "discussions_participants_not_a_number.csv")


CONSENT = [
    # consent, audience, shown?
    ("none", "leadership", False),
    ("none", "internal", False),
    ("internal_only", "leadership", False),
    ("internal_only", "internal", True),
    ("anonymous", "leadership", True),
    ("attributed", "leadership", True),
]


@pytest.mark.parametrize(
    ("consent", "audience", "shown"), CONSENT, ids=[f"{c}-{a}" for c, a, _ in CONSENT]
)
def test_consent_truth_table(consent: str, audience: str, shown: bool) -> None:
    quote = data.Quote(
        quote_id="q",
        pseudonym="P-1",
        descriptor="L10N volunteer, South Asia",
        topics=("t",),
        consent=consent,
        text="x",
        attribution="Ana Lúcia Ferreira" if consent == "attributed" else "",
    )
    assert bool(data.visible_quotes([quote], "t", audience)) is shown
    assert quote.credit == (
        "Ana Lúcia Ferreira, L10N volunteer, South Asia"
        if consent == "attributed"
        else "L10N volunteer, South Asia"
    )


def test_forbidden_names_allow_only_visible_attributions() -> None:
    quotes = [
        data.Quote(
            quote_id="1",
            pseudonym="P-1",
            descriptor="d",
            topics=("t",),
            consent="attributed",
            attribution="Ana",
            text="x",
        ),
        data.Quote(
            quote_id="2",
            pseudonym="P-2",
            descriptor="d",
            topics=("t",),
            consent="anonymous",
            text="x",
        ),
    ]
    register = {"P-1": "Ana", "P-2": "Ben", "P-3": "Caro"}
    assert data.forbidden_names(quotes, register, "leadership") == {"Ben", "Caro"}
