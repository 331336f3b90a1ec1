"""Recording the review from the command line: ``mdm review request|feedback|agree|...``.

Every command builds one record (or a few), checks it with the same rules as
``mdm check`` (:func:`~mdm.params.reviews.agreement_problems` and its siblings),
fills in the version and section digests of the last build, and appends it to
``params/reviews/*.yaml`` with a surgical edit. Nothing is written when a rule
refuses, or when the params changed since the last build (the digests would be stale).

Each command runs whole under the project's lock (:func:`~mdm.params.edits.locked`):
the records it checks against, the id it gives a comment and the file it appends to
are those no other command is changing at the same moment.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, TypeVar

from pydantic import BaseModel, ValidationError

from mdm.build.manifest import BuiltSection, require_current
from mdm.errors import ConfigError, Problem
from mdm.params.edits import locked, transaction
from mdm.params.loader import FieldError
from mdm.params.models import Role
from mdm.params.project import STAKEHOLDERS_FILE, Project, load_project
from mdm.params.reviews import (
    REVIEWS_DIR,
    Agreement,
    AgreementState,
    Decision,
    DecisionState,
    Feedback,
    Reviews,
    Rules,
    Violation,
    agreement_problems,
    decision_problems,
    feedback_problems,
    load_reviews,
)
from mdm.review.writing import Value, append_record, set_fields

__all__ = [
    "Written",
    "agree",
    "append_many",
    "decide",
    "feedback",
    "next_feedback_id",
    "object_to",
    "request",
    "resolve_feedback",
    "resolve_objection",
]

M = TypeVar("M", bound=BaseModel)

# the command-line spelling of each record field, for messages
OPTIONS = {
    "by": "--by",
    "document": "--document",
    "section": "--section",
    "sections": "--sections",
    "state": "STATE",
    "date": "--date",
    "text": "TEXT",
    "note": "--note",
    "resolution": "--resolution",
    "id": "FEEDBACK_ID",
}


@dataclass(frozen=True)
class Written:
    """What a command recorded: the file (project-relative) and one line per record."""

    path: Path
    said: list[str]


@dataclass(frozen=True)
class _Open:
    """A project ready to record a review of one of its built documents."""

    project: Project
    reviews: Reviews
    document: str
    version: str
    built: dict[str, BuiltSection]
    rules: Rules

    def name(self, who: str) -> str:
        person = self.project.stakeholders.get(who)
        return person.name if person else who


def _open(project_dir: Path, document: str, nobody_asked: bool = False) -> _Open:
    project = load_project(project_dir)
    if nobody_asked and not project.holders(Role.AGREEMENT):
        # said before "build first": a build would not help
        raise ConfigError(
            "nobody to ask: no stakeholder holds the agreement role; add each person whose "
            "agreement is sought under roles: (- {role: agreement, who: ID}), then ask again "
            "(all of them, or some with --to ID)",
            path=STAKEHOLDERS_FILE,
            field="roles",
        )
    reviews = load_reviews(project)
    version = project.document(document).version
    built = require_current(project, document)
    return _Open(project, reviews, document, version, built, Rules.of(project))


def _shown(name: str) -> Path:
    return Path(REVIEWS_DIR) / name


def _reject(
    name: str, problems: Sequence[Violation], options: Mapping[str, str] = OPTIONS
) -> NoReturn:
    """Raise the rules' messages, pointed at the options they are about; nothing was written."""
    raise ConfigError(
        problems=[
            Problem(text, str(_shown(name)), None, options.get(str(loc[0]), str(loc[0])))
            for loc, text in problems
        ]
    )


def _refuse(name: str, problems: Sequence[Violation], options: Mapping[str, str] = OPTIONS) -> None:
    if problems:
        _reject(name, problems, options)


def _make(model: type[M], name: str, options: Mapping[str, str] = OPTIONS, **fields: Any) -> M:
    """Validate a new record as the file's schema does; its problems name the options."""
    try:
        return model(**fields)
    except ValidationError as err:
        problems: list[Violation] = []
        for error in err.errors(include_url=False):
            cause = error.get("ctx", {}).get("error")
            if isinstance(cause, FieldError):  # a model validator names its own field
                problems.append((cause.loc, cause.message))
            else:
                loc = tuple(error["loc"]) or ("record",)
                problems.append((loc, str(error["msg"]).removeprefix("Value error, ")))
        _reject(name, problems, options)


def _fields(record: BaseModel) -> dict[str, Value]:
    """A record's fields in schema order, defaults left out so the file stays short."""
    out: dict[str, Value] = {}
    for key, value in record.model_dump(exclude_defaults=True).items():
        if key in ("state", "status"):
            value = str(value)
        out[key] = value
    return out


def append_many(project: Project, name: str, key: str, records: Sequence[BaseModel]) -> Path:
    """Append ``records`` under ``key`` in ``params/reviews/<name>``, in one checked write."""
    shown = _shown(name)
    with transaction(project) as changes:
        text = changes.read(shown) if (project.root / shown).is_file() else None
        for record in records:
            text = append_record(text, shown, key, _fields(record))
        if text is not None:  # no records for a file that does not exist yet: nothing to write
            changes[shown] = text
    return shown


def _today(date: dt.date | None) -> dt.date:
    return date or dt.date.today()


def _digests(opened: _Open, chosen: Sequence[str], name: str) -> dict[str, str]:
    """Section → digest for ``chosen`` (``S`` or ``S=DIGEST`` from a packet; default: all)."""
    if not chosen:
        return {s.id: s.digest for s in opened.built.values()}
    digests: dict[str, str] = {}
    problems: list[Violation] = []
    for item in chosen:
        section, _, seen = item.partition("=")
        built = opened.built.get(section)
        if built is None:
            # an unknown section: the record rule below reports it, with mdm check's words
            digests[section] = "0" * 12
        elif seen and seen != built.digest:
            problems.append(
                (
                    ("sections", section),
                    f"{section} was {seen} when it was sent and is {built.digest} in the "
                    "last build: it changed since; send it again (mdm review packet)",
                )
            )
        else:
            digests[section] = built.digest
    _refuse(name, problems)
    return digests


@locked
def request(
    project_dir: Path, document: str, to: Sequence[str] = (), date: dt.date | None = None
) -> Written:
    """Ask for agreement on ``document``: everyone in the agreement role, or ``to``."""
    opened = _open(project_dir, document, nobody_asked=not to)
    asked = list(to) or [p.id for p, _ in opened.project.holders(Role.AGREEMENT)]
    records, problems = [], []
    current = opened.reviews.current_agreements(document)
    for who in asked:
        record = _make(
            Agreement,
            "agreements.yaml",
            by=who,
            document=document,
            version=opened.version,
            state=AgreementState.REQUESTED,
            date=_today(date),
        )
        previous = current[who].state if who in current else None
        problems += agreement_problems(opened.rules, record, previous)
        records.append(record)
    _refuse("agreements.yaml", problems, {**OPTIONS, "by": "--to"})
    path = append_many(opened.project, "agreements.yaml", "agreements", records)
    return Written(
        path,
        [
            f"agreement requested from {opened.name(r.by)} on {document} {opened.version}"
            for r in records
        ],
    )


def _record_agreement(
    opened: _Open, record: Agreement, options: Mapping[str, str] = OPTIONS, carried: int = 0
) -> Written:
    current = opened.reviews.current_agreements(opened.document)
    previous = current[record.by].state if record.by in current else None
    _refuse("agreements.yaml", agreement_problems(opened.rules, record, previous), options)
    path = append_many(opened.project, "agreements.yaml", "agreements", [record])
    if record.state.signs_off:
        # deferred: jinja2 and markdown_it load only when this runs
        from mdm.review.packet import remember_signed

        remember_signed(opened.project, opened.document, record.sections.values())
    sections = f"{len(record.sections)} section{'s' if len(record.sections) != 1 else ''}"
    if carried:
        sections += f", {carried} of them unchanged since the last sign-off"
    said = record.state.value.replace("_", " ")
    return Written(
        path,
        [f"{opened.name(record.by)}: {said} on {opened.document} {opened.version} ({sections})"],
    )


@locked
def agree(
    project_dir: Path,
    by: str,
    document: str,
    sections: Sequence[str] = (),
    conditions: str = "",
    date: dt.date | None = None,
) -> Written:
    """Record that ``by`` agreed to ``sections`` of ``document`` (all by default).

    Sections ``by`` signed before and that are unchanged since stay signed: the new record
    carries their digests too, so agreeing to the changed sections completes a re-review.
    """
    opened = _open(project_dir, document)
    chosen = _digests(opened, sections, "agreements.yaml")
    unchanged = {s: d for s, d in _unchanged(opened, by).items() if s not in chosen}
    record = _make(
        Agreement,
        "agreements.yaml",
        by=by,
        document=document,
        version=opened.version,
        state=AgreementState.AGREED_WITH_CONDITIONS
        if conditions.strip()
        else AgreementState.AGREED,
        date=_today(date),
        note=conditions.strip(),
        sections=_in_order(opened, {**unchanged, **chosen}),
    )
    return _record_agreement(opened, record, carried=len(unchanged))


def _in_order(opened: _Open, digests: dict[str, str]) -> dict[str, str]:
    """``digests`` in document order (unknown sections last, for the rule to report)."""
    return {s: digests[s] for s in [*opened.built, *digests] if s in digests}


def _unchanged(opened: _Open, who: str) -> dict[str, str]:
    """The sections ``who`` last signed whose digest is still the built one."""
    earlier = opened.reviews.last_sign_off(opened.document, who)
    if earlier is None:
        return {}
    return {
        section: digest
        for section, digest in earlier.sections.items()
        if section in opened.built and opened.built[section].digest == digest
    }


@locked
def object_to(
    project_dir: Path,
    by: str,
    document: str,
    section: str,
    text: str,
    date: dt.date | None = None,
) -> Written:
    """Record ``by``'s objection to ``section`` of ``document``, with why."""
    opened = _open(project_dir, document)
    options = {**OPTIONS, "note": "TEXT", "sections": "--section"}
    record = _make(
        Agreement,
        "agreements.yaml",
        options,
        by=by,
        document=document,
        version=opened.version,
        state=AgreementState.OBJECTION,
        date=_today(date),
        note=text.strip(),
        sections=_digests(opened, [section], "agreements.yaml"),
    )
    if not record.note:
        _refuse("agreements.yaml", [(("text",), "expected why (the objection), found nothing")])
    return _record_agreement(opened, record, options)


@locked
def resolve_objection(
    project_dir: Path,
    by: str,
    document: str,
    outcome: str,
    note: str = "",
    sections: Sequence[str] = (),
    date: dt.date | None = None,
) -> Written:
    """``resolved`` (``by`` now signs ``sections`` off, all by default) or ``escalated``."""
    opened = _open(project_dir, document)
    if outcome not in ("resolved", "escalated"):
        _reject(
            "agreements.yaml", [(("state",), f"expected resolved or escalated, got {outcome!r}")]
        )
    state = AgreementState(outcome)
    if state is AgreementState.RESOLVED:
        signed = _digests(opened, sections, "agreements.yaml")
    else:  # an escalation stays on the sections objected to
        objection = opened.reviews.current_agreements(document).get(by)
        signed = dict(objection.sections) if objection else {}
    record = _make(
        Agreement,
        "agreements.yaml",
        by=by,
        document=document,
        version=opened.version,
        state=state,
        date=_today(date),
        note=note.strip(),
        sections=signed,
    )
    return _record_agreement(opened, record)


@locked
def decide(
    project_dir: Path,
    by: str,
    document: str,
    state: str,
    note: str = "",
    date: dt.date | None = None,
) -> Written:
    """Record the decision-maker's decision on the built version of ``document``."""
    opened = _open(project_dir, document)
    record = _make(
        Decision,
        "decisions.yaml",
        by=by,
        document=document,
        version=opened.version,
        state=state,
        date=_today(date),
        note=note.strip(),
    )
    # an approval over an open objection is refused here with the words of mdm check
    agreements = [*opened.reviews.agreements]
    _refuse("decisions.yaml", decision_problems(opened.rules, record, agreements))
    path = append_many(opened.project, "decisions.yaml", "decisions", [record])
    said = DecisionState(record.state).value.replace("_", " ")
    return Written(
        path, [f"{opened.name(by)} decided: {said} ({document} {opened.version}, {record.date})"]
    )


_FEEDBACK_ID = re.compile(r"^fb-(\d+)$")


def next_feedback_id(reviews: Reviews, taken: Sequence[str] = ()) -> str:
    """``fb-N``, one past the highest number in use."""
    numbers = [
        int(m[1])
        for i in [*(f.id for f in reviews.feedback), *taken]
        if (m := _FEEDBACK_ID.match(i))
    ]
    return f"fb-{max(numbers, default=0) + 1}"


@locked
def feedback(
    project_dir: Path,
    by: str,
    document: str,
    text: str,
    section: str = "",
    date: dt.date | None = None,
) -> Written:
    """Record an open comment by ``by`` on ``section`` of ``document`` (or on all of it)."""
    opened = _open(project_dir, document)
    record = _make(
        Feedback,
        "feedback.yaml",
        id=next_feedback_id(opened.reviews),
        by=by,
        document=document,
        version=opened.version,
        section=section,
        date=_today(date),
        text=text,
    )
    _refuse("feedback.yaml", feedback_problems(opened.rules, record))
    path = append_many(opened.project, "feedback.yaml", "feedback", [record])
    on = opened.built[section].title if section in opened.built else "the whole document"
    return Written(
        path, [f"{record.id}: comment by {opened.name(by)} on {on} ({document} {opened.version})"]
    )


@locked
def resolve_feedback(project_dir: Path, feedback_id: str, status: str, resolution: str) -> Written:
    """Close comment ``feedback_id`` as ``addressed`` or ``declined``, saying how."""
    project = load_project(project_dir)
    reviews = load_reviews(project)
    index = next((i for i, f in enumerate(reviews.feedback) if f.id == feedback_id), None)
    if index is None:
        known = ", ".join(f.id for f in reviews.feedback) or "none yet"
        _reject("feedback.yaml", [(("id",), f"no comment {feedback_id!r} (comments: {known})")])
    item = reviews.feedback[index]
    if item.status != "open":
        _refuse("feedback.yaml", [(("id",), f"{feedback_id} is {item.status} already")])
    if status not in ("addressed", "declined"):
        _refuse("feedback.yaml", [(("status",), f"expected addressed or declined, got {status!r}")])
    _make(
        Feedback,
        "feedback.yaml",
        **{**item.model_dump(), "status": status, "resolution": resolution},
    )
    shown = _shown("feedback.yaml")
    with transaction(project) as changes:
        changes[shown] = set_fields(
            changes.read(shown),
            shown,
            "feedback",
            index,
            {"status": status, "resolution": resolution.strip()},
        )
    return Written(shown, [f"{feedback_id}: {status}"])
