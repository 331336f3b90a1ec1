"""``mdm import survey``: a Google-Forms-shaped wide export into the tiny project's survey files."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from mdm.data.survey import load_survey
from mdm.errors import DataError
from mdm.sources.survey_import import import_survey
from tests.conftest import FIXTURES, mdm

EXPORT = FIXTURES / "data" / "survey_google_forms.csv"
MAPPING = FIXTURES / "data" / "survey_google_forms.yaml"
PEOPLE = [
    "rosa@example.org",
    "Rosa",
    "Lindqvist",
    "tom@example.net",
    "Tom Okoro",
    "Okoro",
    "yuki@example.jp",
    "Yuki",
    "Sato",
]


@pytest.fixture
def project(tiny: Path) -> Path:
    survey = tiny / "data" / "survey"
    survey.mkdir(parents=True)
    shutil.copy(MAPPING, survey / "import.yaml")
    return tiny


def survey_of(project: Path):  # type: ignore[no-untyped-def]
    survey = project / "data" / "survey"
    return load_survey(survey / "questions.yaml", survey / "responses.csv")


def test_likert_multi_single_and_free_text_columns(project: Path) -> None:
    result = import_survey(project, EXPORT)
    survey = survey_of(project)
    assert result.rows == 4 and survey.respondents == 4
    assert list(survey.questions) == ["recognised", "areas", "first_heard", "anything_else"]
    assert survey.questions["anything_else"].text == "Anything else?"
    assert survey.questions["recognised"].topics == ("book-sales",)
    shares = survey.likert_shares(["recognised"]).iloc[0]
    assert shares.to_dict() == {
        "Strongly disagree": 0.0,
        "Disagree": 0.25,
        "Neutral": 0.25,
        "Agree": 0.25,
        "Strongly agree": 0.25,
    }
    assert survey.choice_counts("areas").to_dict() == {
        "Localization": 2,
        "Support": 3,
        "Events": 1,
        "Code": 0,
    }
    assert survey.choice_counts("first_heard")["A friend"] == 2
    free = survey.free_text("anything_else")
    assert free[1] == "<script>alert(1)</script> the forum is slow"  # untrusted text, kept as is
    assert len(free) == 3 and result.answers == 4 + 6 + 4 + 3


def test_respondent_names_and_emails_are_never_written(project: Path) -> None:
    result = import_survey(project, EXPORT)
    assert result.dropped == ["Email Address", "Your name"]
    column = "Anything else you want to tell us?"  # Rosa's email in her answer, Yuki's name in hers
    assert result.redacted == {column: {"email": 1, "name": 1}}
    assert f"removed from {column!r}: 1 email, 1 name" in result.lines()
    survey = survey_of(project)
    assert "[email removed]" in survey.free_text("anything_else")[0]
    assert survey.free_text("anything_else")[2] == "Thanks, [name removed]"
    for path in (project / "data" / "survey").iterdir():
        text = path.read_text(encoding="utf-8").lower()
        for person in PEOPLE:
            assert person.lower() not in text, f"{person!r} in {path.name}"


def test_reimport_replaces_the_mapped_questions_and_keeps_others(project: Path) -> None:
    survey = project / "data" / "survey"
    (survey / "questions.yaml").write_text(
        "questions:\n  - {id: hours, text: Hours a week, kind: single, options: ['<1', '1-5']}\n",
        encoding="utf-8",
    )
    (survey / "responses.csv").write_text("respondent_id,question_id,value\nold1,hours,1-5\n")
    import_survey(project, EXPORT)
    import_survey(project, EXPORT)
    loaded = survey_of(project)
    assert list(loaded.questions) == [
        "hours",
        "recognised",
        "areas",
        "first_heard",
        "anything_else",
    ]
    assert len(loaded.responses) == 1 + 17
    assert loaded.choice_counts("hours")["1-5"] == 1


def test_an_answer_outside_the_scale_names_row_and_column(project: Path, tmp_path: Path) -> None:
    bad = tmp_path / "export.csv"
    bad.write_text(EXPORT.read_text().replace(",2,Support", ",7,Support"), encoding="utf-8")
    with pytest.raises(
        DataError,
        match=rf"^{bad}:3: I feel recognised for what I contribute\.: expected one of "
        r"Strongly disagree \| .* \(or a key of values:\), got '7'$",
    ):
        import_survey(project, bad)
    assert not (project / "data" / "survey" / "responses.csv").exists()


def test_every_column_must_be_mapped_or_ignored(project: Path) -> None:
    mapping = project / "data" / "survey" / "import.yaml"
    mapping.write_text(mapping.read_text().replace("ignore: [Timestamp]", "ignore: []"))
    with pytest.raises(DataError, match=r"found 1 in neither: 'Timestamp'$"):
        import_survey(project, EXPORT)


def test_an_identifying_column_cannot_be_mapped(project: Path) -> None:
    mapping = project / "data" / "survey" / "import.yaml"
    mapping.write_text(
        mapping.read_text() + "  - {column: Email Address, id: mail, kind: free_text}\n"
    )
    with pytest.raises(DataError, match=r"mail: column 'Email Address' identifies people"):
        import_survey(project, EXPORT)


def test_cli_dry_run_and_import(project: Path) -> None:
    dry = mdm("import", "survey", str(EXPORT), "--project", str(project), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "respondents: 4; answers: 17 to 4 questions" in dry.stdout
    assert not (project / "data" / "survey" / "responses.csv").exists()
    done = mdm("import", "survey", str(EXPORT), "--project", str(project))
    assert done.returncode == 0, done.stderr
    assert "dropped, never written (they identify people): Email Address, Your name" in done.stdout
    assert (project / "data" / "survey" / "responses.csv").is_file()


# --- what free text may not keep ---------------------------------------------------------------

PROBE = (
    "Riverside is great, call me at +1 555 0100 or mail dana@riverside.example.org; "
    "ask Ana Ferreira too; we need 555 chairs"
)


def _export(tmp_path: Path, rows: list[tuple[str, str, str, str]]) -> Path:
    """An export with a name, an email and a phone column, and one free-text question."""
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(
        "questions:\n  - {column: 'Anything else?', id: else, kind: free_text}\n",
        encoding="utf-8",
    )
    export = tmp_path / "export.csv"
    with export.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["Name", "Email Address", "Phone number", "Anything else?"])
        writer.writerows(rows)
    return export


def _register(project: Path, *names: str) -> None:
    private = project / "data" / "private"
    private.mkdir(parents=True, exist_ok=True)
    lines = [f"P-{n:03d},{name}" for n, name in enumerate(names, 1)]
    (private / "register.csv").write_text("pseudonym,name\n" + "\n".join(lines) + "\n")


def test_the_probe_loses_exactly_the_email_the_phone_and_the_names(
    project: Path, tmp_path: Path
) -> None:
    _register(project, "Ana Ferreira")
    export = _export(
        tmp_path, [("Dana Riverside", "dana@riverside.example.org", "+1 555 0100", PROBE)]
    )
    result = import_survey(project, export, tmp_path / "mapping.yaml")
    assert survey_of(project).free_text("else") == [
        "Riverside is great, call me at [phone removed] or mail [email removed]; "
        "ask [name removed] too; we need 555 chairs"
    ]
    assert result.redacted == {"Anything else?": {"email": 1, "phone number": 1, "name": 1}}
    assert result.dropped == ["Name", "Email Address", "Phone number"]


ANSWERS = {
    "own name whole": ("Dana Riverside here", "[name removed] here"),
    "own given name": ("thanks, dana!", "thanks, [name removed]!"),
    "own number spaced otherwise": ("ring 555-0100", "ring [phone removed]"),
    "a national number": ("or 06 12 34 56 78", "or [phone removed]"),
    "an area code": ("(555) 010-0100 works", "[phone removed] works"),
    "a register name's part": ("Ferreira helped", "[name removed] helped"),
    "a name with its accents dropped": ("ANA FERREIRA helped", "[name removed] helped"),
    "a date": ("since 01.02.2024 and 2024-03-01", "since 01.02.2024 and 2024-03-01"),
    "years and counts": ("in 2017 2018 we had 1,000 people", "in 2017 2018 we had 1,000 people"),
    "the organisation": ("Riverside rocks", "Riverside rocks"),
    "a stakeholder, named on purpose": ("Ask Amara Okafor", "Ask Amara Okafor"),
}


@pytest.mark.parametrize("answer", ANSWERS.values(), ids=ANSWERS.keys())
def test_free_text_loses_whole_tokens_only(
    project: Path, tmp_path: Path, answer: tuple[str, str]
) -> None:
    _register(project, "Ana Ferreira")
    export = _export(
        tmp_path, [("Dana Riverside", "dana@riverside.example.org", "+1 555 0100", answer[0])]
    )
    import_survey(project, export, tmp_path / "mapping.yaml")
    assert survey_of(project).free_text("else") == [answer[1]]


def test_names_imports_saw_are_removed_too(project: Path, tmp_path: Path) -> None:
    private = project / "data" / "private"
    private.mkdir(parents=True)
    (private / "imported-identities.csv").write_text(
        "contributor_id,kind,value,group\n"
        "p0123456789abcdef,email,kenji@example.jp,\n"
        "p0123456789abcdef,name,Kenji Watanabe,\n",
        encoding="utf-8",
    )
    export = _export(tmp_path, [("Rosa", "", "", "Kenji Watanabe taught me; so did Rosa")])
    result = import_survey(project, export, tmp_path / "mapping.yaml")
    assert survey_of(project).free_text("else") == [
        "[name removed] taught me; so did [name removed]"
    ]
    assert result.redacted == {"Anything else?": {"name": 2}}
