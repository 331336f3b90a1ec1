"""Feedback, agreement and decision records, and what they add up to.

Records live in ``params/reviews/`` (all optional):

* ``feedback.yaml``: comments by stakeholders on a document version and section,
  ``open`` → ``addressed`` | ``declined`` (with a resolution);
* ``agreements.yaml``: a log per stakeholder in the agreement role,
  ``requested`` → ``agreed`` | ``agreed_with_conditions`` | ``objection``, and an
  objection → ``resolved`` | ``escalated``. An agreement records the digest of
  each section it covers; when a section's content changes its digest changes,
  and the sign-off shows as needing re-review;
* ``decisions.yaml``: the decision-maker's decision on a document version,
  ``pending`` | ``approved`` | ``approved_with_changes`` | ``rejected`` | ``deferred``.
  An unresolved objection (or an escalation) blocks an approval.

Later records supersede earlier ones for the same stakeholder and document.

The rules live here once: :func:`feedback_problems`, :func:`agreement_problems` and
:func:`decision_problems` say what is wrong with one record, as data (field path,
message). ``mdm check`` points them at the file and line; ``mdm review`` at its options.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal, TypeVar

from pydantic import Field, StringConstraints, model_validator

from mdm.errors import ConfigError, MdmError, Problem
from mdm.params.loader import FieldError, Located, confine, read_yaml, validate
from mdm.params.models import Id, Model, Role
from mdm.params.project import Project

__all__ = [
    "NO_AGREEMENT_SOUGHT",
    "REVIEWS_DIR",
    "Agreement",
    "AgreementState",
    "Decision",
    "DecisionState",
    "Feedback",
    "Reviews",
    "Rules",
    "SectionStatus",
    "Violation",
    "agreement_problems",
    "decision_on",
    "decision_problems",
    "decision_records",
    "feedback_problems",
    "load_reviews",
    "review_files",
    "section_status",
]

REVIEWS_DIR = "params/reviews"
#: a section's state when nobody holds the agreement role (not "signed off": nobody signed)
NO_AGREEMENT_SOUGHT = "no agreement sought"
Digest = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{12}$")]


class AgreementState(StrEnum):
    REQUESTED = "requested"
    AGREED = "agreed"
    AGREED_WITH_CONDITIONS = "agreed_with_conditions"
    OBJECTION = "objection"
    RESOLVED = "resolved"
    ESCALATED = "escalated"

    @property
    def signs_off(self) -> bool:
        return self in {self.AGREED, self.AGREED_WITH_CONDITIONS, self.RESOLVED}

    @property
    def blocks_approval(self) -> bool:
        return self in {self.OBJECTION, self.ESCALATED}


# which state may follow which, for one stakeholder and document
_NEXT: dict[AgreementState | None, set[AgreementState]] = {
    None: {
        AgreementState.REQUESTED,
        AgreementState.AGREED,
        AgreementState.AGREED_WITH_CONDITIONS,
        AgreementState.OBJECTION,
    },
    AgreementState.REQUESTED: {
        AgreementState.AGREED,
        AgreementState.AGREED_WITH_CONDITIONS,
        AgreementState.OBJECTION,
        AgreementState.REQUESTED,
    },
    AgreementState.OBJECTION: {AgreementState.RESOLVED, AgreementState.ESCALATED},
    AgreementState.ESCALATED: {AgreementState.RESOLVED},
}
# a new document version (or a changed section) may be asked about again from any settled state
_AFTER_SIGN_OFF = {
    AgreementState.REQUESTED,
    AgreementState.AGREED,
    AgreementState.AGREED_WITH_CONDITIONS,
    AgreementState.OBJECTION,
}


class DecisionState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    APPROVED_WITH_CHANGES = "approved_with_changes"
    REJECTED = "rejected"
    DEFERRED = "deferred"


class _Record(Model):
    """A review record file's model."""


class Feedback(_Record):
    id: Id
    by: Id
    document: Id
    version: Annotated[str, StringConstraints(min_length=1)]
    #: a section id; empty for a comment on the whole document
    section: str = ""
    date: dt.date
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
    status: Literal["open", "addressed", "declined"] = "open"
    resolution: str = ""

    @model_validator(mode="after")
    def _resolved(self) -> Feedback:
        if self.status != "open" and not self.resolution.strip():
            raise FieldError(
                ("resolution",), f"expected a resolution when status is {self.status}, found none"
            )
        return self


class Agreement(_Record):
    by: Id
    document: Id
    version: Annotated[str, StringConstraints(min_length=1)]
    state: AgreementState
    date: dt.date
    note: str = ""
    sections: dict[str, Digest] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _covers(self) -> Agreement:
        if self.state.signs_off and not self.sections:
            raise FieldError(
                ("sections",),
                "expected the digests of the sections signed off "
                "(`mdm review agree` fills them in), found none",
            )
        return self


class Decision(_Record):
    by: Id
    document: Id
    version: Annotated[str, StringConstraints(min_length=1)]
    state: DecisionState
    date: dt.date
    note: str = ""
    option: Id | None = None
    """The investment option approved (``investment.options`` in params/project.yaml)."""

    @property
    def approves(self) -> bool:
        return self.state in {DecisionState.APPROVED, DecisionState.APPROVED_WITH_CHANGES}


class _FeedbackFile(_Record):
    feedback: list[Feedback] = Field(default_factory=list)


class _AgreementsFile(_Record):
    agreements: list[Agreement] = Field(default_factory=list)


class _DecisionsFile(_Record):
    decisions: list[Decision] = Field(default_factory=list)


@dataclass
class Reviews:
    """Every review record of a project, validated against it."""

    feedback: list[Feedback] = field(default_factory=list)
    agreements: list[Agreement] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)

    def current_agreements(self, document: str) -> dict[str, Agreement]:
        """The latest agreement record of each stakeholder for ``document``."""
        latest: dict[str, Agreement] = {}
        for record in self.agreements:
            if record.document == document:
                latest[record.by] = record
        return latest

    def last_sign_off(self, document: str, who: str) -> Agreement | None:
        """The latest record in which ``who`` signed sections of ``document`` off, if any."""
        signed = [
            r
            for r in self.agreements
            if r.document == document and r.by == who and r.state.signs_off
        ]
        return signed[-1] if signed else None

    def decision(self, document: str) -> Decision | None:
        matching = [d for d in self.decisions if d.document == document]
        return matching[-1] if matching else None

    def decision_on(self, document: str, day: dt.date) -> Decision | None:
        """The decision on ``document`` in force on ``day``: the latest dated on or before it
        (a progress report as of that day reports on it, however leadership decides later)."""
        return decision_on(self.decisions, document, day)

    def open_feedback(self, document: str, section: str | None = None) -> list[Feedback]:
        return [
            f
            for f in self.feedback
            if f.document == document
            and f.status == "open"
            and (section is None or f.section == section)
        ]


def decision_on(decisions: list[Decision], document: str, day: dt.date) -> Decision | None:
    """The latest of ``decisions`` on ``document`` dated on or before ``day`` (of two on the
    same day, the one recorded last)."""
    then = sorted(
        (d for d in decisions if d.document == document and d.date <= day), key=lambda d: d.date
    )
    return then[-1] if then else None


def decision_records(project: Project, document: str) -> list[Decision]:
    """The decisions recorded on ``document``, read without the other records' rules: what a
    progress report's pages read (their cache key covers exactly these)."""
    problems: list[Problem] = []
    _, records = _read(project, "decisions.yaml", _DecisionsFile, problems)
    if problems:
        raise ConfigError(problems=problems)
    return [d for d in records.decisions if d.document == document]


def review_files(project: Project) -> list[Path]:
    """The review record files that exist, for cache keys."""
    return sorted((project.root / REVIEWS_DIR).glob("*.yaml"))


R = TypeVar("R", bound=_Record)


def _read(
    project: Project, name: str, model: type[R], problems: list[Problem]
) -> tuple[Located | None, R]:
    """One record file, parsed and validated; its problems go to ``problems``."""
    path = project.root / REVIEWS_DIR / name
    if not path.is_file():
        return None, model()
    shown = Path(REVIEWS_DIR) / name
    try:
        doc = read_yaml(confine(path, project.root, shown), display=shown)  # a link out: refused
        return doc, validate(model, doc)
    except MdmError as err:
        problems.extend(err.problems)
        return None, model()


def load_reviews(project: Project) -> Reviews:
    """Read and check ``params/reviews/*.yaml``; every problem is reported at once."""
    problems: list[Problem] = []
    fb_doc, fb = _read(project, "feedback.yaml", _FeedbackFile, problems)
    ag_doc, ag = _read(project, "agreements.yaml", _AgreementsFile, problems)
    de_doc, de = _read(project, "decisions.yaml", _DecisionsFile, problems)
    if problems:
        raise ConfigError(problems=problems)
    reviews = Reviews(list(fb.feedback), list(ag.agreements), list(de.decisions))
    problems += _check(project, reviews, fb_doc, ag_doc, de_doc)
    if problems:
        raise ConfigError(problems=problems)
    return reviews


#: a broken rule: where in the record (its field path) and what is wrong
Violation = tuple[tuple[str | int, ...], str]
Record = Feedback | Agreement | Decision


@dataclass(frozen=True)
class Rules:
    """What the review rules check records against, taken from the project once."""

    stakeholders: frozenset[str]
    documents: tuple[str, ...]
    holders: dict[Role, frozenset[str]]
    sections: dict[str, list[str]]
    options: tuple[str, ...] = ()
    """The investment options a decision may approve."""

    @classmethod
    def of(cls, project: Project) -> Rules:
        investment = project.info.investment
        return cls(
            frozenset(project.stakeholders),
            tuple(project.documents),
            {role: frozenset(s.id for s, _ in project.holders(role)) for role in Role},
            {d: sorted(s.id for s in project.sections(d)) for d in project.documents},
            tuple(o.id for o in investment.options) if investment is not None else (),
        )


def _refs(rules: Rules, record: Record) -> list[Violation]:
    problems: list[Violation] = []
    if record.by not in rules.stakeholders:
        problems.append((("by",), f"{record.by!r} is not a stakeholder"))
    if record.document not in rules.documents:
        known = ", ".join(rules.documents)
        problems.append((("document",), f"expected one of {known}, got {record.document!r}"))
    return problems


def feedback_problems(rules: Rules, record: Feedback) -> list[Violation]:
    """What is wrong with a comment: unknown stakeholder, document or section."""
    problems = _refs(rules, record)
    sections = rules.sections.get(record.document)
    if sections is not None and record.section and record.section not in sections:
        problems.append(
            (
                ("section",),
                f"expected a section of {record.document} ({', '.join(sections)}), "
                f"got {record.section!r}",
            )
        )
    return problems


def agreement_problems(
    rules: Rules, record: Agreement, previous: AgreementState | None
) -> list[Violation]:
    """What is wrong with an agreement record that follows state ``previous`` in its log."""
    problems = _refs(rules, record)
    if record.by in rules.stakeholders and record.by not in rules.holders[Role.AGREEMENT]:
        problems.append(
            (
                ("by",),
                f"{record.by!r} does not hold the agreement role in params/stakeholders.yaml",
            )
        )
    allowed = _NEXT.get(previous, _AFTER_SIGN_OFF)
    if record.state not in allowed:
        problems.append(
            (
                ("state",),
                f"{previous.value if previous else 'no record'} cannot become "
                f"{record.state.value}; expected one of "
                f"{', '.join(sorted(s.value for s in allowed))}",
            )
        )
    sections = rules.sections.get(record.document)
    for section in record.sections:
        if sections is not None and section not in sections:
            problems.append(
                (
                    ("sections", section),
                    f"expected a section of {record.document}, got {section!r}",
                )
            )
    return problems


def decision_problems(
    rules: Rules, record: Decision, agreements: list[Agreement]
) -> list[Violation]:
    """What is wrong with a decision, given every agreement record (an objection blocks approval)."""
    problems = _refs(rules, record)
    if record.by in rules.stakeholders and record.by not in rules.holders[Role.DECISION_MAKER]:
        problems.append((("by",), f"{record.by!r} is not the decision_maker"))
    if record.option is not None and not record.approves:
        problems.append(
            (("option",), f"an option is named only by an approval, got state {record.state}")
        )
    elif record.option is not None and record.option not in rules.options:
        known = ", ".join(rules.options) or "none declared under investment.options"
        problems.append((("option",), f"expected one of {known}, got {record.option!r}"))
    if not record.approves:
        return problems
    # the state each stakeholder was in on the day of the decision
    then = {r.by: r for r in agreements if r.document == record.document and r.date <= record.date}
    for who, agreement in then.items():
        if agreement.state.blocks_approval:
            problems.append((("state",), _blocked(record, who, agreement)))
    return problems


def _blocked(decision: Decision, who: str, objection: Agreement) -> str:
    details = [f"section {', '.join(objection.sections)}"] if objection.sections else []
    details.append(objection.date.isoformat())
    said = f": {objection.note.strip()}" if objection.note.strip() else ""
    return (
        f"{decision.state.value} is blocked: {who} has an unresolved {objection.state.value} "
        f"on {decision.document} ({', '.join(details)}{said}); resolve it first"
    )


def _check(
    project: Project,
    reviews: Reviews,
    fb_doc: Located | None,
    ag_doc: Located | None,
    de_doc: Located | None,
) -> list[Problem]:
    problems: list[Problem] = []
    rules = Rules.of(project)

    def say(doc: Located | None, key: str, index: int, found: list[Violation]) -> None:
        for loc, text in found:
            where_ = (key, index, *loc)
            line = doc.line_of(where_) if doc is not None else None
            shown = doc.path if doc is not None else Path(REVIEWS_DIR) / f"{key}.yaml"
            problems.append(Problem(text, str(shown), line, ".".join(map(str, where_))))

    seen: set[str] = set()
    for i, item in enumerate(reviews.feedback):
        found = feedback_problems(rules, item)
        if item.id in seen:
            found.append((("id",), f"expected a unique id, got {item.id!r} a second time"))
        seen.add(item.id)
        say(fb_doc, "feedback", i, found)
    state: dict[tuple[str, str], AgreementState] = {}
    for i, record in enumerate(reviews.agreements):
        say(ag_doc, "agreements", i, agreement_problems(rules, record, state.get(_log(record))))
        state[_log(record)] = record.state
    for i, decision in enumerate(reviews.decisions):
        say(de_doc, "decisions", i, decision_problems(rules, decision, reviews.agreements))
    return problems + _progress_problems(project, reviews, rules, de_doc)


def _progress_problems(
    project: Project, reviews: Reviews, rules: Rules, de_doc: Located | None
) -> list[Problem]:
    """A progress report needs an approval in force on its day, naming the option approved."""
    problems: list[Problem] = []
    for doc in project.documents.values():
        if doc.follows is None or doc.as_of is None:  # not a progress report
            continue
        decided = reviews.decision_on(doc.follows, doc.as_of)
        if decided is None or not decided.approves:
            state = f" (it was {decided.state.value})" if decided is not None else ""
            text = (
                f"{doc.id} reports on the decision on {doc.follows}, but no approval of "
                f"{doc.follows} is recorded on or before {doc.as_of}{state}; record it in "
                f"{REVIEWS_DIR}/decisions.yaml (docs/reports.md)"
            )
            problems.append(_documents_problem(project, doc.id, "follows", text))
        elif decided.option is None and rules.options:
            index = reviews.decisions.index(decided)
            where_ = ("decisions", index, "option")
            line = de_doc.line_of(where_) if de_doc is not None else None
            problems.append(
                Problem(
                    f"expected the option approved ({', '.join(rules.options)}): progress "
                    f"report {doc.id} follows this decision",
                    f"{REVIEWS_DIR}/decisions.yaml",
                    line,
                    ".".join(map(str, where_)),
                )
            )
    return problems


def _documents_problem(project: Project, doc_id: str, key: str, text: str) -> Problem:
    """A problem with one key of one document's entry in params/documents.yaml, at its line."""
    shown = Path("params/documents.yaml")
    entries = list(project.documents)
    where_ = ("documents", entries.index(doc_id), key)
    try:
        line = read_yaml(confine(project.root / shown, project.root, shown), display=shown).line_of(
            where_
        )
    except MdmError:
        line = None
    return Problem(text, str(shown), line, ".".join(map(str, where_)))


def _log(record: Agreement) -> tuple[str, str]:
    return record.by, record.document


@dataclass(frozen=True)
class SectionStatus:
    """Where one section of a built document stands with its reviewers."""

    section: str
    title: str
    digest: str
    signed: list[str]
    needs_rereview: list[str]
    waiting_for: list[str]
    objections: list[str]
    open_feedback: int

    @property
    def state(self) -> str:
        if not (self.signed or self.needs_rereview or self.waiting_for or self.objections):
            return NO_AGREEMENT_SOUGHT  # nobody holds the agreement role: nothing was signed
        if self.objections:
            return "objection"
        if self.needs_rereview:
            return "needs re-review"
        if self.waiting_for:
            return "awaiting agreement"
        return "signed off"


def section_status(
    project: Project, reviews: Reviews, document: str, built: Mapping[str, Mapping[str, str]]
) -> list[SectionStatus]:
    """Sign-off state of each built section (``built``: section id → title, digest)."""
    agreements = reviews.current_agreements(document)
    required = [s.id for s, _ in project.holders(Role.AGREEMENT)]
    statuses = []
    for section, info in built.items():
        signed, stale, waiting, objections = [], [], [], []
        for who in required:
            record = agreements.get(who)
            if record is not None and record.state is AgreementState.REQUESTED:
                # asking again does not withdraw a sign-off: unchanged sections stay signed
                record = reviews.last_sign_off(document, who)
            if record is None:
                waiting.append(who)
            elif record.state.blocks_approval:
                # an objection names its sections; one that names none is on the whole document
                if not record.sections or section in record.sections:
                    objections.append(who)
                else:
                    waiting.append(who)
            elif section not in record.sections:
                waiting.append(who)
            elif record.sections[section] == info["digest"]:
                signed.append(who)
            else:
                stale.append(who)
        statuses.append(
            SectionStatus(
                section,
                info["title"],
                info["digest"],
                signed,
                stale,
                waiting,
                objections,
                len(reviews.open_feedback(document, section)),
            )
        )
    return statuses
