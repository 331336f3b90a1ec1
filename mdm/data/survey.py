"""The community survey: questions (YAML) and long-form responses (respondent, question, value)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints, model_validator

from mdm.data._tables import Problems, csv_rows
from mdm.errors import DataError, MdmError, Problem
from mdm.text import did_you_mean

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["RESPONSE_COLUMNS", "Question", "Survey", "load_survey"]

RESPONSE_COLUMNS = ("respondent_id", "question_id", "value")


class Question(BaseModel):
    """A survey question; likert options run from negative to positive."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]+$")]
    text: Annotated[str, StringConstraints(min_length=1)]
    kind: Literal["likert", "single", "multi", "free_text"]
    options: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _options(self) -> Question:
        if (self.kind == "free_text") == bool(self.options):
            raise ValueError(
                "options: expected a list of options for likert, single and multi "
                "questions and none for free_text"
            )
        if self.kind == "likert" and len(self.options) < 3:
            raise ValueError(
                f"options: expected at least 3 ordered levels for a likert question, "
                f"got {len(self.options)}"
            )
        if len(set(self.options)) != len(self.options):
            raise ValueError(f"options: expected distinct options, got {list(self.options)}")
        return self


class _Questions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    questions: list[Question]


@dataclass(frozen=True)
class Survey:
    """Survey questions by id, and responses as a string DataFrame (respondent, question, value)."""

    questions: dict[str, Question]
    responses: pd.DataFrame

    @property
    def respondents(self) -> int:
        """How many people answered at least one question."""
        return int(self.responses["respondent_id"].nunique())

    def for_topic(self, topic: str) -> list[Question]:
        """Questions tagged with ``topic``, in file order."""
        return [q for q in self.questions.values() if topic in q.topics]

    def question(self, question_id: str) -> Question:
        """One question; an unknown id is a DataError naming the known ones."""
        try:
            return self.questions[question_id]
        except KeyError:
            raise DataError(
                f"unknown question {question_id!r} (known: {', '.join(self.questions)})",
                field="survey",
            ) from None

    def select(
        self, question_ids: Sequence[str], shown: str, field: str = "evidence.survey"
    ) -> list[Question]:
        """The questions ``question_ids`` names (in ``shown``'s ``field``); every unknown id
        is one line of a DataError."""

        unknown = [
            Problem(
                f"unknown question {qid!r}{did_you_mean(qid, self.questions)} "
                f"(questions: {', '.join(self.questions)})",
                str(shown),
                field=field,
            )
            for qid in question_ids
            if qid not in self.questions
        ]
        if unknown:
            raise DataError(problems=unknown)
        return [self.questions[qid] for qid in question_ids]

    def answers(self, question_id: str) -> pd.Series:
        """Every answer given to one question, in file order."""
        self.question(question_id)
        return self.responses.loc[self.responses["question_id"] == question_id, "value"]

    def likert_shares(self, question_ids: Sequence[str]) -> pd.DataFrame:
        """Question text × level → share of that question's answers, levels in their order."""
        import pandas as pd

        rows = {}
        for qid in question_ids:
            question = self.question(qid)
            if question.kind != "likert":
                raise DataError(
                    f"expected a likert question, got {question.kind}", field=f"survey: {qid}"
                )
            counts = self.answers(qid).value_counts().reindex(question.options, fill_value=0)
            rows[question.text] = counts / max(int(counts.sum()), 1)
        if not rows:
            return pd.DataFrame(
                index=pd.Index([], name="question"), columns=pd.Index([], name="level")
            )
        return pd.DataFrame(rows).T.rename_axis(index="question", columns="level")

    def choice_counts(self, question_id: str) -> pd.Series:
        """How often each option was chosen, in the options' order (zero when never)."""
        question = self.question(question_id)
        counts = self.answers(question_id).value_counts()
        return counts.reindex(question.options, fill_value=0).rename_axis("option")

    def free_text(self, question_id: str) -> list[str]:
        """Non-blank free-text answers, raw (untrusted: escape when rendering)."""
        if self.question(question_id).kind != "free_text":
            raise DataError("expected a free_text question", field=f"survey: {question_id}")
        return [a for a in self.answers(question_id) if a.strip()]


def load_survey(
    questions_path: Path,
    responses_path: Path,
    questions_shown: str | None = None,
    responses_shown: str | None = None,
) -> Survey:
    """Questions and responses, each response checked against its question."""
    import pandas as pd

    q_shown = questions_shown or str(questions_path)
    r_shown = responses_shown or str(responses_path)
    questions = _load_questions(questions_path, q_shown)
    problems = Problems(r_shown)
    seen: set[tuple[str, ...]] = set()
    records = []
    for line, row in csv_rows(
        responses_path, r_shown, RESPONSE_COLUMNS, allow_empty=True, problems=problems
    ):
        with problems.collect():
            records.append(_response(questions, seen, (r_shown, q_shown), line, row))
    problems.raise_any()
    responses = pd.DataFrame(records, columns=list(RESPONSE_COLUMNS), dtype=pd.StringDtype())
    return Survey(questions, responses)


def _response(
    questions: dict[str, Question],
    seen: set[tuple[str, ...]],
    shown: tuple[str, str],
    line: int,
    row: dict[str, str],
) -> tuple[str, str, str]:
    """One answer, checked against its question; ``seen`` catches answering twice."""
    r_shown, q_shown = shown
    respondent, qid = row["respondent_id"].strip(), row["question_id"].strip()
    if not respondent:
        raise DataError(
            "expected a value, found an empty field", path=r_shown, line=line, field="respondent_id"
        )
    question = questions.get(qid)
    if question is None:
        raise DataError(
            f"expected a question of {q_shown} ({', '.join(questions)}), got {qid!r}",
            path=r_shown,
            line=line,
            field="question_id",
        )
    value = row["value"] if question.kind == "free_text" else row["value"].strip()
    if question.kind != "free_text" and value not in question.options:
        raise DataError(
            f"expected one of {' | '.join(question.options)}, got {value!r}",
            path=r_shown,
            line=line,
            field="value",
        )
    key = (respondent, qid) if question.kind in ("likert", "single") else (respondent, qid, value)
    if key in seen:
        raise DataError(
            f"{respondent} answered {qid} twice"
            + (f"; a {question.kind} question takes one answer" if len(key) == 2 else ""),
            path=r_shown,
            line=line,
            field="respondent_id",
        )
    seen.add(key)
    return respondent, qid, value


def _load_questions(path: Path, shown: str) -> dict[str, Question]:
    # deferred: yaml load only when this runs
    from mdm.params.loader import read_yaml, validate

    try:
        doc = read_yaml(path, display=Path(shown))
    except MdmError as err:
        raise DataError(problems=err.problems) from err
    parsed = validate(_Questions, doc, data=doc.data or {}, error=DataError)
    questions: dict[str, Question] = {}
    for index, question in enumerate(parsed.questions):
        if question.id in questions:
            line = doc.line_of(("questions", index, "id"))
            raise DataError(
                f"expected unique question ids, got {question.id!r} again",
                path=shown,
                line=line,
                field="id",
            )
        questions[question.id] = question
    return questions
