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
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from mdm.errors import ConfigError, MdmError, Problem
from mdm.params.loader import FieldError, Located, confine, read_yaml, validate
from mdm.params.models import Id, Model, Role
from mdm.params.project import Project

__all__ = [
    "REVIEWS_DIR",
    "Agreement",
    "AgreementState",
    "Decision",
    "DecisionState",
    "Feedback",
    "Reviews",
    "SectionStatus",
    "load_reviews",
    "review_files",
    "section_status",
]

REVIEWS_DIR = "params/reviews"
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
    section: str
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
                "(`mdm status --json` lists them), found none",
            )
        return self


class Decision(_Record):
    by: Id
    document: Id
    version: Annotated[str, StringConstraints(min_length=1)]
    state: DecisionState
    date: dt.date
    note: str = ""


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

    def decision(self, document: str) -> Decision | None:
        matching = [d for d in self.decisions if d.document == document]
        return matching[-1] if matching else None

    def open_feedback(self, document: str, section: str | None = None) -> list[Feedback]:
        return [
            f
            for f in self.feedback
            if f.document == document
            and f.status == "open"
            and (section is None or f.section == section)
        ]


def review_files(project: Project) -> list[Path]:
    """The review record files that exist, for cache keys."""
    return sorted((project.root / REVIEWS_DIR).glob("*.yaml"))


def _read(project: Project, name: str, model: type[_Record]) -> tuple[Located | None, _Record]:
    path = project.root / REVIEWS_DIR / name
    if not path.is_file():
        return None, model()
    shown = Path(REVIEWS_DIR) / name
    doc = read_yaml(confine(path, project.root, shown), display=shown)  # a link out: refused
    return doc, validate(model, doc)


def load_reviews(project: Project) -> Reviews:
    """Read and check ``params/reviews/*.yaml``; every problem is reported at once."""
    problems: list[Problem | str] = []
    loaded: dict[str, tuple[Located | None, _Record]] = {}
    for name, model in (
        ("feedback.yaml", _FeedbackFile),
        ("agreements.yaml", _AgreementsFile),
        ("decisions.yaml", _DecisionsFile),
    ):
        try:
            loaded[name] = _read(project, name, model)
        except MdmError as err:
            problems.extend(err.problems)
    if problems:
        raise ConfigError(problems=problems)
    fb_doc, fb = loaded["feedback.yaml"]
    ag_doc, ag = loaded["agreements.yaml"]
    de_doc, de = loaded["decisions.yaml"]
    assert isinstance(fb, _FeedbackFile) and isinstance(ag, _AgreementsFile)
    assert isinstance(de, _DecisionsFile)
    reviews = Reviews(list(fb.feedback), list(ag.agreements), list(de.decisions))
    problems += _check(project, reviews, fb_doc, ag_doc, de_doc)
    if problems:
        raise ConfigError(problems=problems)
    return reviews


def _check(
    project: Project,
    reviews: Reviews,
    fb_doc: Located | None,
    ag_doc: Located | None,
    de_doc: Located | None,
) -> list[str]:
    problems: list[str] = []
    holders = {role: {s.id for s, _ in project.holders(role)} for role in Role}
    sections = {d: {s.id for s in project.sections(d)} for d in project.documents}

    def say(doc: Located | None, loc: tuple[str | int, ...], text: str) -> None:
        assert doc is not None
        problems.append(f"{doc.path}:{doc.line_of(loc)}: {'.'.join(map(str, loc))}: {text}")

    def check_refs(
        doc: Located | None, key: str, index: int, record: Feedback | Agreement | Decision
    ) -> None:
        who, document = record.by, record.document
        if who not in project.stakeholders:
            say(doc, (key, index, "by"), f"{who!r} is not a stakeholder")
        if document not in project.documents:
            say(
                doc,
                (key, index, "document"),
                f"expected one of {', '.join(project.documents)}, got {document!r}",
            )

    for i, item in enumerate(reviews.feedback):
        check_refs(fb_doc, "feedback", i, item)
        if item.document in sections and item.section not in sections[item.document]:
            say(
                fb_doc,
                ("feedback", i, "section"),
                f"expected a section of {item.document} "
                f"({', '.join(sorted(sections[item.document]))}), got {item.section!r}",
            )
    state: dict[tuple[str, str], AgreementState] = {}
    for i, record in enumerate(reviews.agreements):
        check_refs(ag_doc, "agreements", i, record)
        if record.by in project.stakeholders and record.by not in holders[Role.AGREEMENT]:
            say(
                ag_doc,
                ("agreements", i, "by"),
                f"{record.by!r} does not hold the agreement role in params/stakeholders.yaml",
            )
        previous = state.get((record.by, record.document))
        allowed = _NEXT.get(previous, _AFTER_SIGN_OFF)
        if record.state not in allowed:
            say(
                ag_doc,
                ("agreements", i, "state"),
                f"{previous.value if previous else 'no record'} cannot become {record.state.value}; "
                f"expected one of {', '.join(sorted(s.value for s in allowed))}",
            )
        state[(record.by, record.document)] = record.state
        for section in record.sections:
            if record.document in sections and section not in sections[record.document]:
                say(
                    ag_doc,
                    ("agreements", i, "sections", section),
                    f"expected a section of {record.document}, got {section!r}",
                )
    for i, decision in enumerate(reviews.decisions):
        check_refs(de_doc, "decisions", i, decision)
        if decision.by in project.stakeholders and decision.by not in holders[Role.DECISION_MAKER]:
            say(de_doc, ("decisions", i, "by"), f"{decision.by!r} is not the decision_maker")
        if decision.state in {DecisionState.APPROVED, DecisionState.APPROVED_WITH_CHANGES}:
            # the state each stakeholder was in on the day of the decision
            then = {
                r.by: r
                for r in reviews.agreements
                if r.document == decision.document and r.date <= decision.date
            }
            for who, record in then.items():
                if record.state.blocks_approval:
                    say(
                        de_doc,
                        ("decisions", i, "state"),
                        f"{decision.state.value} is blocked: {who} has an unresolved "
                        f"{record.state.value} on {decision.document} (resolve it first)",
                    )
    return problems


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
            if record is None or record.state is AgreementState.REQUESTED:
                waiting.append(who)
            elif record.state.blocks_approval:
                objections.append(who)
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
