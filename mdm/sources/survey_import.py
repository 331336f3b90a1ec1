"""``mdm import survey``: a wide survey export → mdm's survey files.

Google Forms, LimeSurvey, SurveyMonkey and Typeform export one row per
respondent and one column per question. A mapping (YAML, default
``data/survey/import.yaml``) says which column is which question, its kind and
its options, and how raw answers read (``"5": Strongly agree``). Every other
column must be listed under ``ignore:``; columns that identify people (email,
name, username, IP address) are dropped whatever the mapping says, and emails, phone
numbers and names typed into free-text answers are removed (:mod:`mdm.sources.redact`,
counted per column). Respondents get ids by row
(``s0001``...), so re-importing a longer export of the same form keeps them.
The mapped questions replace their earlier version in ``questions.yaml`` and
their answers in ``responses.csv``; other questions are kept.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

from mdm.data._tables import csv_rows
from mdm.data.survey import RESPONSE_COLUMNS, Question, load_survey
from mdm.errors import DataError, MdmError
from mdm.files import exclusive
from mdm.sources.events_out import temporary_for
from mdm.sources.redact import Redactor, Respondent
from mdm.text import read_utf8

if TYPE_CHECKING:
    from mdm.data.survey import Question

__all__ = ["SurveyImport", "import_survey"]

DEFAULT_MAPPING = "data/survey/import.yaml"
_IDENTIFYING = re.compile(
    r"^(e-?mail( address)?|(full |first |last |user ?)?name|username|ip ?(address)?|ipaddr|"
    r"respondent email|phone( number)?|network id)$",
    re.IGNORECASE,
)
# unmapped columns that look identifying ("Your name", "What is your email?") are dropped too
_LOOKS_IDENTIFYING = re.compile(r"\b(e-?mail|names?|username|phone|ip address)\b", re.IGNORECASE)


class _Column(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    column: Annotated[str, StringConstraints(min_length=1)]
    id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]+$")]
    text: str | None = None
    kind: Literal["likert", "single", "multi", "free_text"]
    options: tuple[str, ...] = ()
    values: dict[str, str] = {}
    """Raw answer → option, e.g. a 1–5 scale exported as numbers."""
    separator: str = ", "
    """How the export joins the choices of a multi question (Google Forms: ", ")."""
    topics: tuple[str, ...] = ()


class _Mapping(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    questions: list[_Column]
    ignore: list[str] = []
    respondent_prefix: Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_-]*$")] = "s"


@dataclass
class SurveyImport:
    """What the import read and wrote."""

    rows: int = 0
    answers: int = 0
    questions: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    redacted: dict[str, Counter[str]] = field(default_factory=dict)
    """Per free-text column: how many emails, phone numbers and names were removed."""
    dry_run: bool = False
    files: tuple[str, str] = ("", "")

    def lines(self) -> list[str]:
        verb = "would write" if self.dry_run else "wrote"
        out = [
            f"respondents: {self.rows}; answers: {self.answers} to {len(self.questions)} "
            f"questions ({', '.join(self.questions)})",
            f"{verb} {self.files[0]} and {self.files[1]}",
        ]
        if self.dropped:
            out.append(f"dropped, never written (they identify people): {', '.join(self.dropped)}")
        for column, removed in self.redacted.items():
            counts = ", ".join(f"{n} {kind}{'s' if n > 1 else ''}" for kind, n in removed.items())
            out.append(f"removed from {column!r}: {counts}")
        if self.dry_run:
            out.append("dry run: nothing was written")
        return out


def _mapping(path: Path, shown: str) -> _Mapping:
    # deferred: yaml load only when this runs
    from mdm.params.loader import read_yaml, validate

    try:
        doc = read_yaml(path, display=Path(shown))
    except MdmError as err:
        raise DataError(problems=err.problems) from err
    return validate(_Mapping, doc, data=doc.data or {}, error=DataError)


def _question(spec: _Column) -> Question:
    try:
        return Question(
            id=spec.id,
            text=spec.text or spec.column,
            kind=spec.kind,
            options=spec.options,
            topics=spec.topics,
        )
    except ValidationError as err:
        problem = err.errors()[0]
        raise DataError(problem["msg"], field=f"questions: {spec.id}") from err


def _read_export(path: Path, shown: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    reader = csv.reader(io.StringIO(read_utf8(path, shown), newline=""))
    try:
        header = [h.strip() for h in next(reader, [])]
        if not any(header):
            raise DataError(
                "expected a header row of question columns, found none", path=shown, line=1
            )
        rows = []
        for record in reader:
            if not any(cell.strip() for cell in record):
                continue
            if len(record) != len(header):
                raise DataError(
                    f"expected {len(header)} fields, found {len(record)}",
                    path=shown,
                    line=reader.line_num,
                )
            rows.append((reader.line_num, record))
    except csv.Error as err:
        raise DataError(f"malformed CSV: {err}", path=shown, line=reader.line_num) from err
    return header, rows


def _columns(header: list[str], mapping: _Mapping, shown: str, mapping_shown: str) -> list[str]:
    """Check every column is mapped, ignored or identifying; returns the identifying ones."""
    repeated = sorted({h for h in header if header.count(h) > 1})
    if repeated:
        raise DataError(f"repeated column(s) {', '.join(map(repr, repeated))}", path=shown, line=1)
    mapped = {q.column for q in mapping.questions}
    missing = [c for c in mapped if c not in header]
    if missing:
        raise DataError(
            f"column(s) {', '.join(map(repr, missing))} not in {shown} "
            f"(its columns: {', '.join(map(repr, header))})",
            path=mapping_shown,
            field="questions",
        )
    identifying = [
        h
        for h in header
        if _IDENTIFYING.match(h) or (h not in mapped and _LOOKS_IDENTIFYING.search(h))
    ]
    for spec in mapping.questions:
        if spec.column in identifying:
            raise DataError(
                f"column {spec.column!r} identifies people; it is never imported",
                path=mapping_shown,
                field=f"questions: {spec.id}",
            )
    unmapped = [
        h for h in header if h not in mapped and h not in identifying and h not in mapping.ignore
    ]
    if unmapped:
        raise DataError(
            f"expected every column of {shown} under questions: or ignore:, "
            f"found {len(unmapped)} in neither: {', '.join(map(repr, unmapped))}",
            path=mapping_shown,
        )
    return identifying


def _answers(
    spec: _Column,
    question: Question,
    raw: str,
    where_: tuple[str, int],
    redact: tuple[Redactor, Respondent],
    result: SurveyImport,
) -> list[str]:
    """The values one cell gives (none when blank), checked against the question's options."""
    shown, line = where_
    if question.kind == "free_text":
        text, removed = redact[0](raw, redact[1])
        if removed:
            result.redacted.setdefault(spec.column, Counter()).update(removed)
        return [text] if text.strip() else []
    parts = raw.split(spec.separator) if question.kind == "multi" else [raw]
    values = []
    for part in (p.strip() for p in parts):
        if not part:
            continue
        value = spec.values.get(part, part)
        if value not in question.options:
            raise DataError(
                f"expected one of {' | '.join(question.options)}"
                f"{' (or a key of values:)' if spec.values else ''}, got {part!r}",
                path=shown,
                line=line,
                field=spec.column,
            )
        values.append(value)
    return values


def import_survey(
    root: Path | str, export: Path, mapping_path: Path | None = None, dry_run: bool = False
) -> SurveyImport:
    """Turn a wide export into long responses and questions; replace the survey files."""
    # deferred: yaml load only when this runs
    from mdm.params.project import load_project

    project = load_project(root)
    paths = project.info.data
    mapping_shown = str(mapping_path) if mapping_path else DEFAULT_MAPPING
    mapping = _mapping(mapping_path or project.root / DEFAULT_MAPPING, mapping_shown)
    shown = str(export)
    header, rows = _read_export(export, shown)
    result = SurveyImport(dry_run=dry_run, files=(paths.survey_questions, paths.survey_responses))
    result.dropped = _columns(header, mapping, shown, mapping_shown)
    questions = {spec.id: _question(spec) for spec in mapping.questions}
    result.questions = list(questions)
    position = {h: i for i, h in enumerate(header)}
    identifying = [position[h] for h in result.dropped]
    redactor = Redactor.of(project)
    records = []
    for number, (line, record) in enumerate(rows, 1):
        respondent = f"{mapping.respondent_prefix}{number:04d}"
        own = (redactor, redactor.respondent(record[i] for i in identifying))
        for spec in mapping.questions:
            cell = record[position[spec.column]]
            for value in _answers(spec, questions[spec.id], cell, (shown, line), own, result):
                records.append((respondent, spec.id, value))
    result.rows, result.answers = len(rows), len(records)
    if not dry_run:
        _write(project.root, paths.survey_questions, paths.survey_responses, questions, records)
    return result


def _write(
    root: Path,
    questions_name: str,
    responses_name: str,
    questions: dict[str, Question],
    records: list[tuple[str, str, str]],
) -> None:
    """Merge with what is there, check the result loads, then replace both files: under the
    lock of each, so that two imports at once both keep their questions."""
    q_path, r_path = root / questions_name, root / responses_name
    q_path.parent.mkdir(parents=True, exist_ok=True)
    r_path.parent.mkdir(parents=True, exist_ok=True)
    with exclusive(r_path, responses_name), exclusive(q_path, questions_name):
        q_text, r_text = _merged(
            q_path, r_path, (questions_name, responses_name), questions, records
        )
        q_tmp, r_tmp = temporary_for(q_path), temporary_for(r_path)
        try:
            q_tmp.write_text(q_text, encoding="utf-8")
            r_tmp.write_text(r_text, encoding="utf-8", newline="")
            load_survey(q_tmp, r_tmp, questions_name, responses_name)  # what is written must load
            os.replace(r_tmp, r_path)
            os.replace(q_tmp, q_path)
        finally:
            q_tmp.unlink(missing_ok=True)
            r_tmp.unlink(missing_ok=True)


def _merged(
    q_path: Path,
    r_path: Path,
    shown: tuple[str, str],
    questions: dict[str, Question],
    records: list[tuple[str, str, str]],
) -> tuple[str, str]:
    """The new questions and responses, other questions and their answers kept."""
    import yaml

    # deferred: yaml load only when this runs
    from mdm.params.loader import read_yaml

    kept: list[dict[str, Any]] = []
    if q_path.is_file():
        data = read_yaml(q_path, display=Path(shown[0])).data or {}
        kept = [q for q in data.get("questions", []) if q.get("id") not in questions]
    kept += [q.model_dump(mode="json", exclude_defaults=True) for q in questions.values()]
    old = []
    if r_path.is_file():
        rows = csv_rows(r_path, shown[1], RESPONSE_COLUMNS, allow_empty=True)
        old = [
            tuple(row[c] for c in RESPONSE_COLUMNS)
            for _, row in rows
            if row["question_id"] not in questions
        ]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(RESPONSE_COLUMNS)
    writer.writerows([*old, *records])
    dumped = yaml.safe_dump({"questions": kept}, sort_keys=False, allow_unicode=True)
    return dumped, out.getvalue()
