"""Research inputs: read, check and normalise every file under ``data/``.

Each loader checks its file completely and raises :class:`DataError` naming the
file, the row (the physical line, the header being line 1), the field, what
was expected and what was found. CSV files are read as text throughout, so a
literal ``NA`` or ``None`` stays an answer and an id like ``0123`` stays an id.
docs/data.md describes every file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError, model_validator

from mdm.errors import DataError, where

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CONSENT_LEVELS",
    "EVENT_COLUMNS",
    "InputFile",
    "Note",
    "Question",
    "Quote",
    "Survey",
    "describe_input",
    "forbidden_names",
    "load_discussions",
    "load_events",
    "load_notes",
    "load_quotes",
    "load_register",
    "load_survey",
    "visible_quotes",
]

EVENT_COLUMNS = ("contributor_id", "timestamp", "community", "area", "activity_type")
_OPTIONAL_EVENT_COLUMNS = ("country", "affiliation", "is_bot", "thread_id")
CONSENT_LEVELS = ("none", "internal_only", "anonymous", "attributed")
Audience = Literal["leadership", "internal", "community"]
_OFFSET = re.compile(r"(?:Z|[+-]\d\d:?\d\d)$")


# --- reading CSV as text ---------------------------------------------------------------------


def _text(path: Path, shown: str) -> str:
    from mdm.loader import read_utf8

    return read_utf8(path, shown, DataError)


def _rows(
    path: Path,
    shown: str,
    required: Sequence[str],
    optional: Sequence[str] = (),
    *,
    allow_empty: bool = False,
) -> list[tuple[int, dict[str, str]]]:
    """(line, row) pairs of a CSV file with exactly the allowed columns.

    ``allow_empty``: a header without rows means "nothing collected yet" (quotes, survey
    answers, discussions of a new project), not a broken file.
    """
    reader = csv.reader(io.StringIO(_text(path, shown), newline=""))
    header = next(reader, None)
    if header is None:
        raise DataError(
            f"{shown}:1: expected a header row ({', '.join(required)}), found an empty file"
        )
    header = [h.strip() for h in header]
    _check_header(shown, header, required, optional)
    rows = []
    for record in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in record):
            continue
        if len(record) != len(header):
            raise DataError(f"{shown}:{line}: expected {len(header)} fields, found {len(record)}")
        rows.append((line, dict(zip(header, record, strict=True))))
    if not rows and not allow_empty:
        raise DataError(f"{shown}:2: expected at least one row after the header, found none")
    return rows


def _check_header(
    shown: str, header: Sequence[str], required: Sequence[str], optional: Sequence[str]
) -> None:
    missing = [c for c in required if c not in header]
    unknown = [c for c in header if c not in required and c not in optional]
    duplicated = sorted({c for c in header if list(header).count(c) > 1})
    if missing or unknown or duplicated:
        problems = []
        if missing:
            problems.append(f"missing column(s) {', '.join(missing)}")
        if unknown:
            problems.append(f"unknown column(s) {', '.join(unknown)}")
        if duplicated:
            problems.append(f"duplicated column(s) {', '.join(duplicated)}")
        raise DataError(
            f"{shown}:1: {'; '.join(problems)} (expected {', '.join(required)}"
            f"{'; optional ' + ', '.join(optional) if optional else ''}; found "
            f"{', '.join(header)})"
        )


def _model_error(shown: str, line: int, err: ValidationError) -> DataError:
    first = err.errors(include_url=False)[0]
    # a whole-row rule names its own field at the start of its message
    field = ".".join(str(p) for p in first["loc"]) or None
    message = first["msg"].removeprefix("Value error, ")
    found = first.get("input")
    got = "" if first["type"] == "value_error" else f", got {found!r}"
    return DataError(f"{where(shown, line, field)}: {message[0].lower()}{message[1:]}{got}")


# --- activity events -------------------------------------------------------------------------


def load_events(path: Path, shown: str | None = None) -> pd.DataFrame:
    """Activity events as the tidy table every metric takes (see docs/data.md)."""
    shown = shown or str(path)
    if path.suffix == ".parquet":
        return _events_parquet(path, shown)
    return _events_csv(path, shown)


def _first_bad(mask: pd.Series, lines: pd.Series) -> int | None:
    bad = mask.to_numpy().nonzero()[0]
    return int(lines.iloc[bad[0]]) if len(bad) else None


def _events_csv(path: Path, shown: str) -> pd.DataFrame:
    import pandas as pd

    text = _text(path, shown)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skipinitialspace=False,
        )
    except pd.errors.EmptyDataError as err:
        raise DataError(
            f"{shown}:1: expected a header row ({', '.join(EVENT_COLUMNS)}), found an empty file"
        ) from err
    except pd.errors.ParserError as err:
        raise DataError(f"{shown}: malformed CSV: {err}") from err
    _check_header(shown, list(frame.columns), EVENT_COLUMNS, _OPTIONAL_EVENT_COLUMNS)
    if frame.empty:
        raise DataError(f"{shown}:2: expected at least one event after the header, found none")
    lines = pd.Series(range(2, len(frame) + 2))  # CSV line of each row (header is line 1)
    for column in EVENT_COLUMNS:
        line = _first_bad(frame[column].str.strip() == "", lines)
        if line is not None:
            raise DataError(f"{where(shown, line, column)}: expected a value, found an empty field")
    stamps = frame["timestamp"].str.strip()
    line = _first_bad(~stamps.str.contains(_OFFSET), lines)
    if line is not None:
        raise DataError(
            f"{where(shown, line, 'timestamp')}: expected ISO 8601 with a UTC offset "
            f"(e.g. 2017-03-01T14:05:00+05:30 or ...Z), got {stamps.iloc[line - 2]!r}"
        )
    parsed = pd.to_datetime(stamps, utc=True, format="ISO8601", errors="coerce")
    line = _first_bad(parsed.isna(), lines)
    if line is not None:
        raise DataError(
            f"{where(shown, line, 'timestamp')}: expected an ISO 8601 date and time, "
            f"got {stamps.iloc[line - 2]!r}"
        )
    offset = stamps.str.extract(r"([+-])(\d\d):?(\d\d)$")
    minutes = (offset[1].fillna("0").astype(int) * 60 + offset[2].fillna("0").astype(int)) * (
        offset[0].map({"-": -1, "+": 1}).fillna(1).astype(int)
    )
    events = pd.DataFrame(
        {
            "contributor_id": frame["contributor_id"].str.strip().astype("string"),
            "timestamp": parsed.dt.as_unit("ns"),
            "community": frame["community"].str.strip().astype("category"),
            "area": frame["area"].str.strip().astype("category"),
            "activity_type": frame["activity_type"].str.strip().astype("category"),
        }
    )
    events["country"] = _optional(
        frame, "country", lines, shown, r"^[A-Z]{2}$", "an ISO country code such as DE"
    )
    events["affiliation"] = _optional(
        frame,
        "affiliation",
        lines,
        shown,
        r"^(volunteer|staff|other)$",
        "volunteer, staff or other",
    )
    bots = (
        frame["is_bot"].str.strip().str.lower()
        if "is_bot" in frame
        else pd.Series("", index=frame.index)
    )
    line = _first_bad(~bots.isin(["", "true", "false", "1", "0"]), lines)
    if line is not None:
        raise DataError(
            f"{where(shown, line, 'is_bot')}: expected true or false, "
            f"got {frame['is_bot'].iloc[line - 2]!r}"
        )
    events["is_bot"] = bots.isin(["true", "1"])
    thread = (
        frame["thread_id"].str.strip() if "thread_id" in frame else pd.Series("", index=frame.index)
    )
    events["thread_id"] = thread.replace("", pd.NA).astype("string")
    events["utc_offset_minutes"] = minutes.astype("int16")
    return events


def _optional(
    frame: pd.DataFrame, column: str, lines: pd.Series, shown: str, pattern: str, expected: str
) -> pd.Series:
    import pandas as pd

    if column not in frame:
        return pd.Series(pd.NA, index=frame.index, dtype="category")
    values = frame[column].str.strip()
    line = _first_bad((values != "") & ~values.str.match(pattern), lines)
    if line is not None:
        raise DataError(
            f"{where(shown, line, column)}: expected {expected}, "
            f"got {frame[column].iloc[line - 2]!r}"
        )
    return values.replace("", pd.NA).astype("category")


def _events_parquet(path: Path, shown: str) -> pd.DataFrame:
    import pandas as pd

    try:
        frame = pd.read_parquet(path)
    except FileNotFoundError as err:
        raise DataError(f"{shown}: file not found") from err
    except Exception as err:  # pyarrow raises several types for a damaged file
        raise DataError(f"{shown}: cannot read Parquet: {err}") from err
    _check_header(
        shown, list(frame.columns), EVENT_COLUMNS, (*_OPTIONAL_EVENT_COLUMNS, "utc_offset_minutes")
    )
    if frame.empty:
        raise DataError(f"{shown}: expected at least one event, found none")
    if not isinstance(frame["timestamp"].dtype, pd.DatetimeTZDtype):
        raise DataError(
            f"{shown}: timestamp: expected timestamps with a time zone, "
            f"got {frame['timestamp'].dtype}"
        )
    rows = pd.Series(range(1, len(frame) + 1))
    for column in EVENT_COLUMNS:
        empty = frame[column].isna()
        if column != "timestamp":  # formatting timestamps as text to test them would be slow
            empty |= frame[column].astype("string") == ""
        line = _first_bad(empty, rows)
        if line is not None:
            raise DataError(f"{shown}: row {line}: {column}: expected a value, found none")
    events = frame.copy()
    # as_unit, not astype: pandas 3 converts units through a slow path with astype
    events["timestamp"] = events["timestamp"].dt.tz_convert("UTC").dt.as_unit("ns")
    events["contributor_id"] = events["contributor_id"].astype("string")
    for column in ("community", "area", "activity_type", "country", "affiliation"):
        if column not in events:
            events[column] = pd.NA
        events[column] = events[column].astype("category")
    events["is_bot"] = events["is_bot"].astype(bool) if "is_bot" in events else False
    if "thread_id" not in events:
        events["thread_id"] = pd.NA
    events["thread_id"] = events["thread_id"].astype("string")
    if "utc_offset_minutes" not in events:
        events["utc_offset_minutes"] = 0
    events["utc_offset_minutes"] = events["utc_offset_minutes"].astype("int16")
    return events[[*EVENT_COLUMNS, *_OPTIONAL_EVENT_COLUMNS, "utc_offset_minutes"]]


# --- interview quotes and the pseudonym register -------------------------------------------


class Quote(BaseModel):
    """One quote from an interview; ``text`` is untrusted and escaped when shown."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    quote_id: Annotated[str, StringConstraints(min_length=1)]
    pseudonym: Annotated[str, StringConstraints(min_length=1)]
    descriptor: Annotated[str, StringConstraints(min_length=1)]
    topics: tuple[str, ...]
    consent: Literal["none", "internal_only", "anonymous", "attributed"]
    attribution: str = ""
    text: Annotated[str, StringConstraints(min_length=1)]
    interview_date: dt.date | None = None

    @model_validator(mode="after")
    def _attribution(self) -> Quote:
        if (self.consent == "attributed") != bool(self.attribution.strip()):
            raise ValueError(
                f"attribution: expected a name exactly when consent is attributed, got consent "
                f"{self.consent!r} and attribution {self.attribution!r}"
            )
        return self

    @property
    def credit(self) -> str:
        """Who said it, as the reader may see it."""
        if self.consent == "attributed":
            return f"{self.attribution}, {self.descriptor}"
        return self.descriptor


def load_quotes(path: Path, shown: str | None = None) -> list[Quote]:
    """Interview quotes; every row validated."""
    shown = shown or str(path)
    quotes = []
    seen: dict[str, int] = {}
    for line, row in _rows(
        path,
        shown,
        ("quote_id", "pseudonym", "descriptor", "topics", "consent", "attribution", "text"),
        ("interview_date",),
        allow_empty=True,
    ):
        data: dict[str, object] = {k: v.strip() for k, v in row.items()}
        data["topics"] = tuple(t.strip() for t in row["topics"].split(";") if t.strip())
        if not data.get("interview_date"):
            data.pop("interview_date", None)
        if data["quote_id"] in seen:
            raise DataError(
                f"{where(shown, line, 'quote_id')}: expected a unique id, got "
                f"{data['quote_id']!r} again (first on line {seen[str(data['quote_id'])]})"
            )
        seen[str(data["quote_id"])] = line
        if not data["topics"]:
            raise DataError(
                f"{where(shown, line, 'topics')}: expected topic ids separated by ';', found none"
            )
        if data["consent"] not in CONSENT_LEVELS:
            raise DataError(
                f"{where(shown, line, 'consent')}: expected one of "
                f"{'|'.join(CONSENT_LEVELS)}, got {data['consent']!r}"
            )
        try:
            quotes.append(Quote.model_validate(data))
        except ValidationError as err:
            raise _model_error(shown, line, err) from err
    return quotes


def visible_quotes(quotes: Iterable[Quote], topic: str, audience: Audience) -> list[Quote]:
    """Quotes on ``topic`` that consent allows this audience to see."""
    allowed = (
        {"anonymous", "attributed"}
        if audience != "internal"
        else {"anonymous", "attributed", "internal_only"}
    )
    return [q for q in quotes if topic in q.topics and q.consent in allowed]


def load_register(path: Path, shown: str | None = None) -> dict[str, str]:
    """Pseudonym → real name. Only the privacy guard reads it; it never reaches an output."""
    shown = shown or str(path)
    register = {}
    for line, row in _rows(path, shown, ("pseudonym", "name"), allow_empty=True):
        pseudonym, name = row["pseudonym"].strip(), row["name"].strip()
        if not pseudonym or not name:
            raise DataError(
                f"{where(shown, line, 'name' if pseudonym else 'pseudonym')}: "
                "expected a value, found an empty field"
            )
        register[pseudonym] = name
    return register


def forbidden_names(
    quotes: Iterable[Quote], register: dict[str, str], audience: Audience
) -> set[str]:
    """Real names that must not appear in an export for ``audience``."""
    allowed = {
        q.attribution.strip()
        for q in quotes
        if q.consent == "attributed" and q.topics and visible_quotes([q], q.topics[0], audience)
    }
    return {name for name in register.values() if name not in allowed}


# --- survey --------------------------------------------------------------------------------


class Question(BaseModel):
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
        return self


class _Questions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    questions: list[Question]


@dataclass(frozen=True)
class Survey:
    """Survey questions and long-form responses (respondent, question, value)."""

    questions: dict[str, Question]
    responses: pd.DataFrame

    @property
    def respondents(self) -> int:
        return int(self.responses["respondent_id"].nunique())

    def for_topic(self, topic: str) -> list[Question]:
        return [q for q in self.questions.values() if topic in q.topics]

    def answers(self, question_id: str) -> pd.Series:
        return self.responses.loc[self.responses["question_id"] == question_id, "value"]

    def likert_shares(self, question_ids: Sequence[str]) -> pd.DataFrame:
        """Question text × level → share of that question's respondents, levels in order."""
        import pandas as pd

        rows = {}
        for qid in question_ids:
            question = self.questions[qid]
            counts = self.answers(qid).value_counts().reindex(question.options, fill_value=0)
            rows[question.text] = counts / max(int(counts.sum()), 1)
        return pd.DataFrame(rows).T.rename_axis(index="question", columns="level")

    def choice_counts(self, question_id: str) -> pd.Series:
        question = self.questions[question_id]
        return self.answers(question_id).value_counts().reindex(question.options, fill_value=0)


def load_survey(
    questions_path: Path,
    responses_path: Path,
    questions_shown: str | None = None,
    responses_shown: str | None = None,
) -> Survey:
    """Questions (YAML) and responses (long CSV), each response checked against its question."""
    import pandas as pd

    from mdm.loader import format_validation_error, read_yaml

    q_shown = questions_shown or str(questions_path)
    r_shown = responses_shown or str(responses_path)
    try:
        doc = read_yaml(questions_path, display=Path(q_shown))
    except Exception as err:
        raise DataError(str(err)) from err
    try:
        parsed = _Questions.model_validate(doc.data or {})
    except ValidationError as err:
        raise DataError("\n".join(format_validation_error(doc, err))) from err
    questions = {q.id: q for q in parsed.questions}
    seen: set[tuple[str, str]] = set()
    records = []
    for line, row in _rows(
        responses_path, r_shown, ("respondent_id", "question_id", "value"), allow_empty=True
    ):
        respondent, qid, value = (
            row["respondent_id"].strip(),
            row["question_id"].strip(),
            row["value"],
        )
        question = questions.get(qid)
        if question is None:
            raise DataError(
                f"{where(r_shown, line, 'question_id')}: expected a question of "
                f"{q_shown}, got {qid!r}"
            )
        if question.kind != "free_text" and value.strip() not in question.options:
            raise DataError(
                f"{where(r_shown, line, 'value')}: expected one of "
                f"{' | '.join(question.options)}, got {value!r}"
            )
        if question.kind in ("likert", "single"):
            if (respondent, qid) in seen:
                raise DataError(
                    f"{where(r_shown, line, 'respondent_id')}: {respondent} answered "
                    f"{qid} twice; a {question.kind} question takes one answer"
                )
            seen.add((respondent, qid))
        records.append((respondent, qid, value.strip() if question.kind != "free_text" else value))
    responses = pd.DataFrame(
        records, columns=["respondent_id", "question_id", "value"], dtype="string"
    )
    return Survey(questions, responses)


# --- discussions and desk research ---------------------------------------------------------


def load_discussions(path: Path, shown: str | None = None) -> pd.DataFrame:
    """The discussion log: one row per session."""
    import pandas as pd

    shown = shown or str(path)
    records = []
    for line, row in _rows(
        path,
        shown,
        ("date", "topic", "channel", "community", "participants", "outcomes", "agreements"),
        allow_empty=True,
    ):
        try:
            date = dt.date.fromisoformat(row["date"].strip())
        except ValueError as err:
            raise DataError(
                f"{where(shown, line, 'date')}: expected YYYY-MM-DD, got {row['date']!r}"
            ) from err
        count = row["participants"].strip()
        if not count.isdigit():
            raise DataError(
                f"{where(shown, line, 'participants')}: expected a whole number ≥ 0, "
                f"got {row['participants']!r}"
            )
        for column in ("topic", "channel", "community"):
            if not row[column].strip():
                raise DataError(
                    f"{where(shown, line, column)}: expected a value, found an empty field"
                )
        records.append(
            {
                "line": line,
                "date": date,
                "topic": row["topic"].strip(),
                "channel": row["channel"].strip(),
                "community": row["community"].strip(),
                "participants": int(count),
                "outcomes": row["outcomes"].strip(),
                "agreements": [a.strip() for a in row["agreements"].split(";") if a.strip()],
            }
        )
    columns = [
        "line",
        "date",
        "topic",
        "channel",
        "community",
        "participants",
        "outcomes",
        "agreements",
    ]
    return pd.DataFrame(records, columns=columns)


class _Source(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: Annotated[str, StringConstraints(min_length=1)]
    url: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")]


class Note(BaseModel):
    """A desk-research note: front matter plus a Markdown body."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str
    title: Annotated[str, StringConstraints(min_length=1)]
    topics: tuple[str, ...]
    sources: tuple[_Source, ...] = ()
    date: dt.date | None = None
    body: str = ""


def load_notes(directory: Path, shown: str | None = None) -> list[Note]:
    """Every ``*.md`` note in ``directory`` (front matter between ``---`` lines)."""
    from mdm.errors import ConfigError
    from mdm.loader import format_validation_error, parse_yaml

    shown = shown or str(directory)
    notes = []
    for path in sorted(directory.glob("*.md")):
        name = f"{shown}/{path.name}"
        match = re.match(r"^---\r?\n(.*?)\r?\n---\r?\n?(.*)$", _text(path, name), re.DOTALL)
        if not match:
            raise DataError(
                f"{name}:1: expected a front matter block between '---' lines, found none"
            )
        try:
            # the front matter starts on line 2 of the file: shift reported lines by one
            doc = parse_yaml("\n" + match[1], name)
        except ConfigError as err:
            raise DataError(str(err)) from err
        data = dict(doc.data or {}) if isinstance(doc.data, dict) else {}
        data.update(path=name, body=match[2])
        try:
            notes.append(Note.model_validate(data))
        except ValidationError as err:
            raise DataError("\n".join(format_validation_error(doc, err))) from err
    return notes


# --- provenance ----------------------------------------------------------------------------


@dataclass(frozen=True)
class InputFile:
    """An input file as the provenance appendix lists it."""

    path: str
    kind: str
    rows: int | None
    digest: str


def describe_input(path: Path, shown: str, kind: str, rows: int) -> InputFile:
    from mdm.cache import file_digest

    return InputFile(shown, kind, rows, file_digest(path)[:12])
